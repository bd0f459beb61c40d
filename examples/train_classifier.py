"""Train a classifier on the bundled handwritten digits: minigrad's main demo.

With no arguments: a small CNN, AdamW with a one-cycle learning-rate schedule, 15 epochs, about
99% test accuracy in well under a minute on a laptop CPU. Every piece of the study notes can be
switched in from the command line:

    python examples/train_classifier.py                                  # the default run
    python examples/train_classifier.py --model mlp --optimizer sgd --scheduler triangular2
    python examples/train_classifier.py --optimizer sgd --penalty l1 --alpha 1e-2  # 80% zeros
    python examples/train_classifier.py --penalty elasticnet --alpha 1e-3 --r 0.5
    python examples/train_classifier.py --early-stopping --patience 5 --scheduler cosine --epochs 40
    python examples/train_classifier.py --augment --dropout 0.3 --epochs 30  # two more remedies
    python examples/train_classifier.py --save run.npz --stop-after 5    # "interrupted" ...
    python examples/train_classifier.py --resume run.npz                 # ... and resumed

What it shows: the data split into train / validation / test; a model trained with
``minigrad.training.fit``; biases and normalisation parameters left out of the penalty and the
weight decay (a parameter group of their own); the learning rate of every step; checkpoints that
resume exactly (model, optimizer with its scheduler, early stopper, epoch and random state; the
random state covers the dropout masks and the augmentation draws too).
Figure: runs/train_classifier.png (loss, accuracy, lr per step, and the test digits it got wrong).
"""

from __future__ import annotations

import argparse
import time

import common
import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn as nn
from minigrad.data import DataLoader, TransformDataset, load_digits, train_val_test_split
from minigrad.training import evaluate, fit
from minigrad.transforms import Compose, GaussianNoise, RandomAffine, RandomErasing
from optim import SGD, Adam, AdamW
from regularizers import L1, L2, EarlyStopping, ElasticNet
from schedulers import CosineAnnealingLR, CyclicLR, OneCycleLR

# The settings a checkpoint remembers: --resume continues the run they describe.
SETTINGS = (
    "model optimizer scheduler penalty alpha r lr epochs batch_size early_stopping patience "
    "dropout augment seed"
).split()
PEAK_LR = {"sgd": 0.1, "adam": 0.01, "adamw": 0.01}


def build_parser() -> argparse.ArgumentParser:
    p = common.parser(__doc__)
    p.add_argument(
        "--model",
        choices=["cnn", "mlp"],
        default="cnn",
        help="cnn: two convolutions with BatchNorm, on 8x8 images; mlp: one hidden layer of 256 "
        "with dropout, on 64 pixels (default: %(default)s)",
    )
    p.add_argument(
        "--optimizer",
        choices=["sgd", "adam", "adamw"],
        default="adamw",
        help="sgd has momentum 0.9, adamw weight decay 1e-2 (default: %(default)s)",
    )
    p.add_argument(
        "--scheduler",
        default="onecycle",
        choices=["none", "cosine", "triangular", "triangular2", "exp_range", "onecycle"],
        help="learning-rate schedule, stepped after every batch (default: %(default)s)",
    )
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help="the peak learning rate (default: 0.1 for sgd, 0.01 for adam/adamw); "
        "cyclic schedules run between lr/4 and lr",
    )
    p.add_argument(
        "--penalty",
        choices=["none", "l1", "l2", "elasticnet"],
        default="none",
        help="penalty on the weights; biases and BatchNorm parameters go unpenalised "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--alpha", type=float, default=1e-4, help="penalty strength (default: %(default)s)"
    )
    p.add_argument(
        "--r",
        type=float,
        default=0.5,
        help="Elastic Net mixing ratio, the share of L1 (default: %(default)s)",
    )
    p.add_argument(
        "--epochs", type=int, default=None, help="epochs to train (default: 15, or 2 with --quick)"
    )
    p.add_argument(
        "--batch-size", type=int, default=32, help="training batch size (default: %(default)s)"
    )
    p.add_argument(
        "--early-stopping",
        action="store_true",
        help="stop once the validation loss has not improved for --patience epochs, and go back "
        "to the best epoch's weights",
    )
    p.add_argument(
        "--patience",
        type=int,
        default=5,
        help="epochs without improvement before --early-stopping stops (default: %(default)s)",
    )
    p.add_argument(
        "--dropout",
        type=probability,
        default=None,
        help="dropout probability before the last layer (default: 0.2 for mlp, none for cnn)",
    )
    p.add_argument(
        "--augment",
        action="store_true",
        help="augment the training digits: rotations of up to 10 degrees, a little noise, and "
        "sometimes a small erased patch (no shifts: these digits are centred; never flips)",
    )
    p.add_argument("--save", default=None, help="write a checkpoint here after every epoch")
    p.add_argument("--resume", default=None, help="continue the run saved in this checkpoint")
    p.add_argument(
        "--stop-after",
        type=int,
        default=None,
        help="stop after this many epochs, as if interrupted (try --resume)",
    )
    return p


def probability(text: str) -> float:
    """A --dropout value: a number in [0, 1), refused as the command line refuses a bad choice."""
    try:
        p = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: {text!r}") from None
    if not 0 <= p < 1:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1), got {text}")
    return p


def build_model(kind: str, dropout: float | None = None) -> nn.Module:
    if kind == "mlp":
        p = 0.2 if dropout is None else dropout
        return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Dropout(p), nn.Linear(256, 10))
    # Dropout goes in only when asked for, so the default model (and its checkpoints' layer
    # numbering) stays as it was.
    head = [nn.Dropout(dropout)] if dropout else []
    return nn.Sequential(  # 1x8x8 -> 16x4x4 -> 32x2x2 -> 10 classes
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 64),
        nn.ReLU(),
        *head,
        nn.Linear(64, 10),
    )


def augmentation(flat: bool) -> Compose:
    """Label-preserving changes of a training digit, drawn afresh every time it is read.

    One sample at a time, on the host (before the DataLoader moves the batch to the device).
    Never a flip: a mirrored digit is another symbol. No shifts either: the UCI digits are centred
    in their frame, and shifted ones scored lower (examples/generalization_gap.py measures it).
    With ``flat``, the 64 pixels of the mlp's
    input are viewed as the 8x8 image for the changes and flattened again after.
    """
    changes = [
        RandomAffine(degrees=10),  # rotate by up to 10 degrees
        GaussianNoise(sigma=0.05),
        RandomErasing(p=0.25, scale=(0.02, 0.1)),  # a patch of 1 to 6 pixels, now and then
    ]
    if flat:
        changes = [lambda x: x.reshape(1, 8, 8), *changes, lambda x: x.reshape(64)]
    return Compose(changes)


def build_optimizer(args: argparse.Namespace, model: nn.Module, steps_per_epoch: int):
    """The optimizer, its scheduler, and two parameter groups: weights, and the rest."""
    penalty = {
        "none": None,
        "l1": L1(args.alpha),
        "l2": L2(args.alpha),
        "elasticnet": ElasticNet(args.alpha, args.r),
    }[args.penalty]
    # Weights (matrices and kernels) get the penalty and the weight decay; biases and
    # BatchNorm's scale and shift (the 1-D parameters) get neither: shrinking them towards
    # zero does not simplify the model, it only shifts or rescales its activations.
    weights = [p for p in model.parameters() if p.ndim > 1]
    others = [p for p in model.parameters() if p.ndim <= 1]
    groups = [
        {"params": weights, "penalty": penalty},
        {"params": others, "penalty": None, "weight_decay": 0.0},
    ]

    peak = args.lr or PEAK_LR[args.optimizer]
    total = args.epochs * steps_per_epoch
    cyclic = dict(base_lr=peak / 4, max_lr=peak, step_size_up=2 * steps_per_epoch)
    scheduler = {
        "none": None,
        "cosine": lambda: CosineAnnealingLR(T_max=total),
        "triangular": lambda: CyclicLR(**cyclic, mode="triangular"),
        "triangular2": lambda: CyclicLR(**cyclic, mode="triangular2"),
        # the peak falls to a tenth over the run: gamma**total = 0.1
        "exp_range": lambda: CyclicLR(**cyclic, mode="exp_range", gamma=0.1 ** (1 / total)),
        "onecycle": lambda: OneCycleLR(max_lr=peak, total_steps=total),
    }[args.scheduler]
    scheduler = scheduler() if scheduler else None
    if args.optimizer == "sgd":
        return SGD(groups, lr=peak, momentum=0.9, scheduler=scheduler)
    if args.optimizer == "adam":
        return Adam(groups, lr=peak, scheduler=scheduler)
    return AdamW(groups, lr=peak, weight_decay=1e-2, scheduler=scheduler)


def plot(history: dict, test_errors: tuple, steps_per_epoch: int, title: str):
    fig, axes = plt.subplots(2, 2, figsize=(11, 8), constrained_layout=True)
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    for ax, what in zip(axes[0], ("loss", "accuracy")):
        ax.plot(epochs, history[f"train_{what}"], "o-", markersize=3, label="train")
        ax.plot(epochs, history[f"val_{what}"], "o-", markersize=3, label="validation")
        if history["best_epoch"] is not None:
            ax.axvline(history["best_epoch"] + 1, color="0.5", linestyle=":", label="best epoch")
        ax.set(xlabel="epoch", ylabel=what, title=f"{what.capitalize()} per epoch")
        ax.legend()
        ax.grid(alpha=0.3)
    axes[0, 0].set_yscale("log")
    ax = axes[1, 0]
    ax.plot(np.arange(1, len(history["lr"]) + 1) / steps_per_epoch, history["lr"])
    ax.set(
        xlabel="epoch (one point per step)",
        ylabel="learning rate",
        title="Learning rate of every step",
    )
    ax.grid(alpha=0.3)
    common.integer_epoch_ticks(axes[0, 0], axes[0, 1], ax)
    images, labels, predicted = test_errors
    ax = axes[1, 1]
    ax.axis("off")
    ax.set_title(f"Test digits it got wrong ({len(labels)})")
    shown = min(len(labels), 12)
    for k in range(shown):
        inner = ax.inset_axes((k % 6 / 6, 0.5 - k // 6 * 0.5, 1 / 6 - 0.01, 0.42))
        inner.imshow(images[k].reshape(8, 8), cmap="gray_r")
        inner.set_title(f"true {labels[k]}\nsaid {predicted[k]}", fontsize=8)
        inner.set_xticks([])
        inner.set_yticks([])
    fig.suptitle(title)
    return fig


def dropout_text(args: argparse.Namespace) -> str:
    p = args.dropout if args.dropout is not None else (0.2 if args.model == "mlp" else 0.0)
    return f"{p:g}" if p else "none"


def resumed_settings(checkpoint: dict) -> dict:
    """The training settings a checkpoint remembers, checked as the command line checks them.

    Only hyper-parameters (SETTINGS) are taken from the file, never paths or output options: a
    checkpoint someone sent you must not be able to choose where this program writes.
    """
    settings = checkpoint.get("settings")
    if not isinstance(settings, dict) or not set(settings) <= set(SETTINGS):
        found = sorted(settings) if isinstance(settings, dict) else type(settings).__name__
        raise SystemExit(f"error: the checkpoint's settings are not training settings: {found}")
    argv = []
    for name, value in settings.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif value is not None and value is not False:
            argv += [flag, str(value)]
    checked = build_parser().parse_args(argv)  # choices and types, as on the command line
    return {name: getattr(checked, name) for name in settings}


def main() -> None:
    args = build_parser().parse_args()
    checkpoint = None
    if args.resume:
        checkpoint = minigrad.load(args.resume)
        # the run continues with the training settings it started with
        for name, value in resumed_settings(checkpoint).items():
            setattr(args, name, value)
        args.save = args.save or args.resume
    device = common.setup(args)
    args.epochs = args.epochs or (2 if args.quick else 15)

    X, y = load_digits(as_images=args.model == "cnn")
    train, val, test = train_val_test_split(X, y, seed=args.seed)
    print(f"digits: {len(train[0])} train, {len(val[0])} validation, {len(test[0])} test")
    if args.augment:  # the training set only: validation and test see the digits as they are
        augment = common.Timed(augmentation(flat=args.model == "mlp"))  # to say what it costs
        train = TransformDataset(*train, transform=augment)
    train_loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, device=device)
    val_loader = DataLoader(val, batch_size=512, device=device)
    test_loader = DataLoader(test, batch_size=512, device=device)

    model = build_model(args.model, args.dropout).to(device)
    optimizer = build_optimizer(args, model, len(train_loader))
    early_stopping = EarlyStopping(patience=args.patience) if args.early_stopping else None
    start_epoch, history = 0, None
    if checkpoint is not None:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])  # with its scheduler
        if early_stopping is not None:
            early_stopping.load_state_dict(checkpoint["early_stopping"])
        minigrad.set_rng_state(checkpoint["rng_state"])  # the same shuffles, the same dropout
        start_epoch, history = checkpoint["epoch"], checkpoint["history"]
        print(f"resumed {args.resume} after epoch {start_epoch} of {args.epochs}")

    def on_epoch_end(epoch: int, history: dict) -> None:
        if args.save:
            minigrad.save(
                {
                    "settings": {name: getattr(args, name) for name in SETTINGS},
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "early_stopping": early_stopping.state_dict() if early_stopping else None,
                    "epoch": epoch + 1,
                    "rng_state": minigrad.get_rng_state(),
                    "history": history,
                },
                args.save,
            )
        if args.stop_after is not None and epoch + 1 >= args.stop_after:
            print(f"\nstopping after epoch {epoch + 1}, as asked; continue with --resume")
            raise SystemExit(0)

    print(
        f"training: {args.model}, {args.optimizer}, scheduler {args.scheduler}, "
        f"penalty {args.penalty}, dropout {dropout_text(args)}, "
        f"{'augmented' if args.augment else 'plain'} training digits, "
        f"{args.epochs} epochs on {device}"
    )
    started = time.perf_counter()
    try:
        history = fit(
            model,
            train_loader,
            optimizer,
            nn.CrossEntropyLoss(),
            args.epochs,
            val_loader=val_loader,
            early_stopping=early_stopping,
            start_epoch=start_epoch,
            history=history,
            on_epoch_end=on_epoch_end,
        )
    except KeyboardInterrupt:  # Ctrl-C: a message, not a traceback
        # Every finished epoch was already saved (atomically), so there is nothing to save here.
        where = f"; epochs finished so far are in {args.save} (--resume)" if args.save else ""
        raise SystemExit(f"\ninterrupted{where}") from None
    training_seconds = time.perf_counter() - started
    test = evaluate(model, test_loader, nn.CrossEntropyLoss())

    model.eval()
    with minigrad.no_grad():
        X_test, y_test = test_loader.dataset
        predicted = model(minigrad.tensor(X_test, device=device)).argmax(axis=-1).numpy()
    wrong = np.flatnonzero(predicted != y_test)
    test_errors = (X_test[wrong], y_test[wrong], predicted[wrong])

    if history["stopped_epoch"] is not None:
        print(
            f"early stopping: stopped after epoch {history['stopped_epoch'] + 1}, restored "
            f"epoch {history['best_epoch'] + 1} (best validation loss)"
        )
    zeros = sum(int((p.numpy() == 0).sum()) for p in model.parameters() if p.ndim > 1)
    count = sum(p.numel() for p in model.parameters() if p.ndim > 1)
    print(f"final validation accuracy {history['val_accuracy'][-1]:.2%}")
    print(
        f"test accuracy {test['accuracy']:.2%} ({len(wrong)} of {len(y_test)} wrong), "
        f"test loss {test['loss']:.4f}"
    )
    if args.augment:
        epochs_run = len(history["train_loss"]) - start_epoch
        print(
            f"augmentation: {augment.seconds:.2f} s of {training_seconds:.2f} s of training "
            f"({augment.seconds / training_seconds:.0%}), {augment.seconds / epochs_run:.3f} s "
            f"per epoch, on the host"
        )
    if args.penalty != "none":
        print(f"weights exactly zero: {zeros} of {count} ({zeros / count:.1%})")
    if args.penalty in ("l1", "elasticnet") and args.optimizer != "sgd":
        print(
            "note: the L1 proximal step zeroes a weight only when it lands within lr * alpha of "
            "zero; Adam's steps are about lr in size whatever the gradient, so with Adam few "
            "weights do. For sparse weights use --optimizer sgd (and a larger --alpha)."
        )

    title = (
        f"{args.model.upper()} on the digits: {args.optimizer}, scheduler {args.scheduler}, "
        f"penalty {args.penalty}, dropout {dropout_text(args)}"
        f"{', augmented' if args.augment else ''}; test accuracy {test['accuracy']:.1%}"
    )
    common.save_figure(
        plot(history, test_errors, len(train_loader), title), args, "train_classifier.png"
    )
    steps = len(history["lr"])
    train_loss, val_loss = history["train_loss"][-1], history["val_loss"][-1]
    if val_loss > 2 * train_loss:
        gap = (
            f"The last epoch's training loss ({train_loss:.4f}) is {val_loss / train_loss:.0f}x "
            f"below its validation loss ({val_loss:.4f}): the model fits the training set better "
            "than it generalises, the gap regularization (penalties, weight decay, dropout, "
            "augmentation, early stopping) is for."
        )
    else:
        gap = (
            f"Training and validation loss ended close together ({train_loss:.4f} and "
            f"{val_loss:.4f}): little overfitting in this run."
        )
    if args.scheduler == "none":
        lr_note = f"The lr stayed at {history['lr'][0]:g} for all {steps} steps (--scheduler none)."
    else:
        lr_note = (
            f"The lr changed at every one of the {steps} steps ({len(train_loader)} per epoch, "
            "one per batch): schedulers count iterations (batches), not epochs."
        )
    measured = []
    if args.augment or dropout_text(args) != "none":
        measured = [
            "The training loss and accuracy are measured as the model trains: on augmented "
            "digits and with dropout active where they are on; validation and test see plain "
            "digits with dropout off (model.eval()), so training can score below validation."
        ]
    common.notice(
        gap,
        *measured,
        lr_note,
        "The test set was used once, at the very end; choices were made on the validation set.",
        "Biases and BatchNorm parameters sat in their own parameter group, without penalty "
        "and without weight decay.",
    )


if __name__ == "__main__":
    main()

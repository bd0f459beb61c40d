"""Early stopping: find the sweet spot, stop after it, and go back to it.

A setup built to overfit: 60 noisy two-moons points to train on, 400 to validate on, and a
network far bigger than the problem needs (two hidden layers of 128), with no other
regularization. The training loss falls for ever; the validation loss falls, bottoms out (the
"sweet spot" of the notes), then climbs as the network memorises the noise.

The script trains twice from the same seed: once for the whole budget, to see the curves the
stopper cannot see in advance, and once with ``EarlyStopping(patience=...)`` handed to
``minigrad.training.fit``. The second run stops ``patience`` epochs after its best epoch and puts
the best weights back; the script checks that the restored model's validation loss is the best
one seen.

    python examples/early_stopping.py          # figure: runs/early_stopping.png
"""

from __future__ import annotations

import common
import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn as nn
from minigrad.data import DataLoader, make_moons
from minigrad.training import evaluate, fit
from optim import Adam
from regularizers import EarlyStopping


def build_model() -> nn.Module:
    return nn.Sequential(
        nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2)
    )


def train(args, device, epochs: int, early_stopping: EarlyStopping | None, data: dict):
    minigrad.manual_seed(args.seed)  # both runs: the same initial weights, the same shuffles
    model = build_model().to(device)
    optimizer = Adam(model.parameters(), lr=0.002)
    train_loader = DataLoader(data["train"], batch_size=16, shuffle=True, device=device)
    val_loader = DataLoader(data["val"], batch_size=400, device=device)
    history = fit(
        model,
        train_loader,
        optimizer,
        nn.CrossEntropyLoss(),
        epochs,
        val_loader=val_loader,
        early_stopping=early_stopping,
    )
    return model, history, val_loader


def boundary(ax, model: nn.Module, device, data: dict, title: str) -> None:
    """The model's decision regions, with the training points on top."""
    xs, ys = np.meshgrid(np.linspace(-1.6, 2.6, 200), np.linspace(-1.2, 1.7, 150))
    grid = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)
    model.eval()
    with minigrad.no_grad():
        logits = model(minigrad.tensor(grid, device=device))
        probability = minigrad.softmax(logits, axis=-1).numpy()
    ax.contourf(xs, ys, probability[:, 1].reshape(xs.shape), levels=20, cmap="RdBu_r", alpha=0.5)
    ax.contour(xs, ys, probability[:, 1].reshape(xs.shape), levels=[0.5], colors="k")
    X, y = data["train"]
    colors = np.where(y == 1, "tab:red", "tab:blue")
    ax.scatter(X[:, 0], X[:, 1], c=colors, edgecolors="k", s=22)
    ax.set(title=title, xlabel="x1", ylabel="x2")


def main() -> None:
    args = common.parser(__doc__).parse_args()
    device = common.setup(args)
    budget, patience = (60, 10) if args.quick else (300, 25)
    rng = np.random.default_rng(args.seed)
    data = {"train": make_moons(60, noise=0.35, seed=rng), "val": make_moons(400, 0.35, rng)}

    print(f"1. The whole budget ({budget} epochs), to see what the stopper cannot see in advance")
    full_model, full, _ = train(args, device, budget, None, data)
    # Epochs are counted from 1 in everything printed and drawn, as train_classifier.py counts
    # them; EarlyStopping and fit's history count from 0 (hence the + 1 below).
    sweet_spot = int(np.argmin(full["val_loss"])) + 1
    print(
        f"   lowest validation loss {full['val_loss'][sweet_spot - 1]:.4f} at epoch {sweet_spot}; "
        f"at the end {full['val_loss'][-1]:.4f} (training loss {full['train_loss'][-1]:.2e})"
    )

    print(f"\n2. The same run with EarlyStopping(patience={patience})")
    stopper = EarlyStopping(patience=patience)
    model, history, val_loader = train(args, device, budget, stopper, data)
    restored = evaluate(model, val_loader, nn.CrossEntropyLoss())
    best = stopper.best_epoch + 1
    stopped = stopper.stopped_epoch + 1 if stopper.stopped_epoch is not None else budget
    print(f"   stopped after epoch {stopped} of {budget}, best epoch {best}")
    print(
        f"   restored model: validation loss {restored['loss']:.4f}, the best seen was "
        f"{stopper.best_score:.4f}; accuracy {restored['accuracy']:.1%} against "
        f"{full['val_accuracy'][-1]:.1%} at the end of the full budget"
    )
    assert abs(restored["loss"] - min(history["val_loss"])) < 1e-5, "best weights not restored"
    # The whole-budget run went through the same epochs as the stopped one, and on.
    rows = [
        ("the stopper's best epoch", best),
        (f"the stop: {patience} epochs without a better one", stopped),
        ("the whole budget, for comparison", budget),
    ]
    print(f"\n   {'':<42}{'epoch':>6}{'val. loss':>11}{'val. accuracy':>15}")
    for what, epoch in rows:
        loss, accuracy = full["val_loss"][epoch - 1], full["val_accuracy"][epoch - 1]
        print(f"   {what:<42}{epoch:>6}{loss:>11.4f}{accuracy:>15.1%}")
    what = "the model early stopping returns"
    print(f"   {what:<42}{best:>6}{restored['loss']:>11.4f}{restored['accuracy']:>15.1%}")

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), constrained_layout=True)
    ax = axes[0]
    epochs = np.arange(1, len(full["train_loss"]) + 1)
    ax.plot(epochs, full["train_loss"], label="training loss", color="tab:blue")
    ax.plot(epochs, full["val_loss"], label="validation loss", color="tab:orange")
    ax.axvline(
        best, color="tab:green", linestyle="--", label=f"sweet spot: best epoch {best} (restored)"
    )
    ax.axvline(stopped, color="tab:red", linestyle="--", label=f"stop: epoch {stopped}")
    ax.axvspan(
        best,
        stopped,
        color="tab:red",
        alpha=0.08,
        label=f"patience: {patience} epochs without improvement",
    )
    ax.set_yscale("log")
    ax.set(
        xlabel="epoch",
        ylabel="cross-entropy loss",
        title="Train falls for ever, validation turns back up",
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    common.integer_epoch_ticks(ax)
    boundary(
        axes[1],
        model,
        device,
        data,
        f"Restored (epoch {best}): val. acc. {restored['accuracy']:.1%}",
    )
    boundary(
        axes[2],
        full_model,
        device,
        data,
        f"End of budget (epoch {budget}): val. acc. {full['val_accuracy'][-1]:.1%}",
    )
    common.save_figure(fig, args, "early_stopping.png")

    saved = budget - stopped
    common.notice(
        f"The stopper could not know epoch {best} was the minimum until "
        f"{patience} epochs had passed without beating it; it then stopped (epoch {stopped}) and "
        "restored the best weights, so the run ends past the sweet spot but the model ends at it.",
        f"It skipped {saved} of {budget} epochs ({saved / budget:.0%} of the compute).",
        "The overfit boundary bends around single noisy points; the restored one is smoother.",
        "It trusts the validation set: one drawn differently from the data the model will meet "
        "would point at the wrong epoch. Keep a separate test set for the final number.",
    )


if __name__ == "__main__":
    main()

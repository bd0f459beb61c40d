"""Smith's learning-rate range test: how to choose base_lr and max_lr for a cyclic schedule.

Train for a few epochs while the learning rate grows at every batch, from far too small to far
too large, and plot the loss against the learning rate. Reading the curve (Smith 2015,
arXiv:1506.01186, section 3.3):

* while the lr is too small, the loss hardly moves;
* where the loss starts falling quickly, the lr is large enough to learn;
* where the loss stops falling, turns ragged or shoots up, the lr is too large.

The largest lr that still makes good progress is ``max_lr``; the paper (and the study notes)
then take ``base_lr = max_lr / 3`` or ``/ 4``. This script reads both off the curve, then trains
with ``CyclicLR(base_lr, max_lr)`` and, for comparison, with constant learning rates.

The range test's training loop is written out by hand below (the loop that
``minigrad.training.fit`` runs for the other examples), so you can see every step.

    python examples/lr_range_test.py           # figure: runs/lr_range_test.png
"""

from __future__ import annotations

import math

import common
import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

import minigrad
import minigrad.nn as nn
from minigrad.data import DataLoader, load_digits, train_val_test_split
from minigrad.training import fit
from optim import SGD
from schedulers import CyclicLR, ExponentialLR

START_LR, END_LR = 1e-4, 10.0


def build_model() -> nn.Module:
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def range_test(loader: DataLoader, steps: int, device) -> tuple[list[float], list[float]]:
    """Raise the lr geometrically from START_LR to END_LR over ``steps`` batches."""
    model = build_model().to(device)
    optimizer = SGD(model.parameters(), lr=START_LR, momentum=0.9)
    # lr(t) = START_LR * gamma**t, with gamma chosen so that lr(steps - 1) = END_LR.
    scheduler = ExponentialLR(optimizer, gamma=(END_LR / START_LR) ** (1 / (steps - 1)))
    loss_fn = nn.CrossEntropyLoss()
    lrs, losses = [], []
    batches = iter(loader)
    model.train()
    for _ in tqdm(range(steps), desc="range test"):
        try:
            x, y = next(batches)
        except StopIteration:  # an epoch is over: start the next one (reshuffled)
            batches = iter(loader)
            x, y = next(batches)
        loss = loss_fn(model(x), y)  # forward: builds the graph
        optimizer.zero_grad()  # forget the previous step's gradients
        loss.backward()  # fill every parameter's .grad
        lrs.append(optimizer.param_groups[0]["lr"])  # the lr this step uses
        optimizer.step()  # update the weights with it
        scheduler.step()  # then raise the lr for the next step
        losses.append(loss.item())
        smoothed = smooth(losses)  # single batches are noisy: judge by the moving average
        if not math.isfinite(losses[-1]) or smoothed[-1] > 4 * smoothed.min():
            break  # diverged: larger lrs have nothing more to tell
    return lrs, losses


def smooth(values: list[float], beta: float = 0.9) -> np.ndarray:
    """Exponential moving average with bias correction (the first values are not pulled to 0)."""
    average, out = 0.0, []
    for t, value in enumerate(values, start=1):
        average = beta * average + (1 - beta) * value
        out.append(average / (1 - beta**t))
    return np.array(out)


def main() -> None:
    args = common.parser(__doc__).parse_args()
    device = common.setup(args)
    X, y = load_digits()
    train, val, _ = train_val_test_split(X, y, seed=args.seed)  # the test split stays unused
    loader = DataLoader(train, batch_size=32, shuffle=True, device=device)
    val_loader = DataLoader(val, batch_size=512, device=device)

    steps = 60 if args.quick else 4 * len(loader)
    lrs, losses = range_test(loader, steps, device)
    smoothed = smooth(losses)
    lowest = int(np.argmin(smoothed))
    # max_lr: the lr at which the smoothed loss is lowest, i.e. where raising it further stops
    # helping; a little lower is safer, since the loss at the bottom is already turning ragged.
    max_lr = lrs[lowest] / 2
    base_lr = max_lr / 4  # the paper's (and the notes') advice: max_lr / 3 to / 4
    print(
        f"range test: {len(losses)} steps, lr {lrs[0]:.0e} -> {lrs[-1]:.2g}; smoothed loss "
        f"lowest at lr {lrs[lowest]:.3g}"
    )
    print(
        f"read off the curve: max_lr = {max_lr:.3g} (half the lr of lowest loss), "
        f"base_lr = max_lr / 4 = {base_lr:.3g}"
    )

    epochs = 2 if args.quick else 8
    iterations = len(loader)
    runs = {
        f"CyclicLR({base_lr:.2g}, {max_lr:.2g}), step size {2 * iterations}": dict(
            lr=max_lr,
            scheduler=CyclicLR(base_lr=base_lr, max_lr=max_lr, step_size_up=2 * iterations),
        ),
        f"constant base_lr {base_lr:.2g}": dict(lr=base_lr),
        f"constant max_lr {max_lr:.2g}": dict(lr=max_lr),
        f"constant {lrs[lowest] * 4:.2g} (past the minimum)": dict(lr=lrs[lowest] * 4),
    }
    results = {}
    for name, settings in runs.items():
        minigrad.manual_seed(args.seed)  # every run: the same initial weights and shuffles
        model = build_model().to(device)
        optimizer = SGD(model.parameters(), momentum=0.9, **settings)
        print(f"training {epochs} epochs with {name}")
        results[name] = fit(
            model,
            loader,
            optimizer,
            nn.CrossEntropyLoss(),
            epochs,
            val_loader=val_loader,
            progress=True,
        )
    for name, history in results.items():
        print(
            f"   {name:<48} final validation accuracy {history['val_accuracy'][-1]:.1%}, "
            f"loss {history['val_loss'][-1]:.3f}"
        )

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), constrained_layout=True)
    ax = axes[0]
    ax.plot(lrs, losses, color="0.75", lw=0.8, label="loss of each batch")
    ax.plot(lrs, smoothed, color="tab:blue", label="smoothed (moving average)")
    ax.axvspan(
        base_lr,
        max_lr,
        color="tab:green",
        alpha=0.15,
        label=f"chosen range [{base_lr:.2g}, {max_lr:.2g}]",
    )
    ax.axvline(lrs[lowest], color="tab:red", linestyle=":", label="lowest smoothed loss")
    ax.set_xscale("log")
    ax.set_ylim(0, max(losses[0], 2.5) * 1.1)
    ax.set(
        xlabel="learning rate (raised every batch)",
        ylabel="training loss",
        title="LR range test (SGD, momentum 0.9)",
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    ax = axes[1]
    for name, history in results.items():
        epochs_axis = np.arange(1, len(history["val_accuracy"]) + 1)
        ax.plot(epochs_axis, history["val_accuracy"], "o-", markersize=3, label=name)
    ax.set(xlabel="epoch", ylabel="validation accuracy", title="Training with the chosen range")
    common.integer_epoch_ticks(ax)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    common.save_figure(fig, args, "lr_range_test.png")

    final = {name: h["val_accuracy"][-1] for name, h in results.items()}
    leaders = common.tied_best(final)  # 270 validation digits: runs often tie
    top = final[leaders[0]]
    if len(leaders) == 1:
        best = f"Best final validation accuracy here: {leaders[0]} ({top:.1%})."
    else:
        best = (
            f"Best final validation accuracy here ({top:.1%}): a tie between "
            f"{len(leaders)} runs, {'; '.join(leaders)}."
        )
    common.notice(
        "The loss barely moves at tiny lrs, falls fastest in the middle, and blows up past the "
        "minimum: the useful range spans about one order of magnitude.",
        "The test takes a few epochs of compute, once; the cyclic schedule then needs no further "
        "tuning of its bounds.",
        f"{best} On an easy problem like the digits several choices do about as well; what the "
        "range test reliably tells you is where training breaks down.",
        f"The step size counts iterations: 2 epochs = {2 * iterations} batches of 32, the lower "
        "end of the paper's 2-10 epochs' worth.",
    )


if __name__ == "__main__":
    main()

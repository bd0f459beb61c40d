"""Do learning-rate schedules help? The same model trained five ways, reported as it comes out.

The notes claim that cycling the learning rate helps escape poor local minima and finds better
solutions. Here one network (2 -> 64 -> 64 -> 3, SGD with momentum 0.9) learns the three-arm
spiral, a non-convex problem, with the same data, the same budget and the same peak learning
rate, under five schedules:

    constant       lr = 0.05 throughout
    cosine         CosineAnnealingLR from 0.05 to 0 over the whole run
    triangular     CyclicLR between 0.0125 and 0.05 (base = max / 4, as the paper advises)
    triangular2    the same, the peak halving every cycle
    exp_range      the same, the peak shrinking by gamma**t (gamma chosen so it ends at a tenth)

Each is run from several seeds (the same seeds for every schedule), because a difference smaller
than the spread between seeds is not a difference. Whatever the numbers say is printed as is.

    python examples/schedulers_compare.py      # figure: runs/schedulers_compare.png
"""

from __future__ import annotations

import common
import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn as nn
from minigrad.data import DataLoader, make_spiral, train_val_test_split
from minigrad.training import fit
from optim import SGD
from schedulers import CosineAnnealingLR, CyclicLR

PEAK_LR = 0.05


def build_scheduler(name: str, total_steps: int, steps_per_epoch: int):
    cyclic = dict(base_lr=PEAK_LR / 4, max_lr=PEAK_LR, step_size_up=4 * steps_per_epoch)
    if name == "cosine":
        return CosineAnnealingLR(T_max=total_steps)
    if name in ("triangular", "triangular2"):
        return CyclicLR(**cyclic, mode=name)
    if name == "exp_range":
        return CyclicLR(**cyclic, mode="exp_range", gamma=0.1 ** (1 / total_steps))
    return None  # constant


def compare_with_constant(final: dict[str, np.ndarray]) -> str:
    """What the final accuracies (one per seed, per schedule) say, in one honest sentence."""
    means = {name: accuracies.mean() for name, accuracies in final.items()}
    leaders = common.tied_best(means)
    seeds = len(final["constant"])
    if len(leaders) > 1:  # short runs on 90 validation points tie often
        verdict = f"{common.join_names(leaders)} tied for best ({means[leaders[0]]:.1%})"
        if "constant" in leaders:
            return f"{verdict}: no schedule beat a constant lr within this budget."
        return f"{verdict}: together ahead of a constant lr ({means['constant']:.1%})."
    best = leaders[0]
    if best == "constant":
        return "A constant lr did best here: no schedule beat it within this budget."
    margin = means[best] - means["constant"]
    if seeds == 1:
        return (
            f"{best} did best, {margin:+.1%} over a constant lr, from a single seed: with no "
            "spread between seeds to compare it with, it may be luck."
        )
    noise = 2 * max(final[best].std(), final["constant"].std())
    if margin > noise:
        return (
            f"{best} did best, {margin:+.1%} over a constant lr, more than twice the standard "
            f"deviation between seeds ({noise / 2:.1%}): suggestive, though {seeds} seeds are "
            "too few to call it proven."
        )
    return (
        f"{best} did best, {margin:+.1%} over a constant lr, but that is within twice the "
        f"standard deviation between seeds ({noise / 2:.1%}): not a difference you can rely on."
    )


def main() -> None:
    args = common.parser(__doc__).parse_args()
    device = common.setup(args)
    epochs, seeds = (4, [args.seed]) if args.quick else (200, [args.seed + k for k in range(3)])
    X, y = make_spiral(600, n_classes=3, noise=0.1, seed=args.seed)
    train, val, _ = train_val_test_split(X, y, seed=args.seed)
    names = ["constant", "cosine", "triangular", "triangular2", "exp_range"]

    histories: dict[str, list[dict]] = {name: [] for name in names}
    for name in names:
        for seed in seeds:
            minigrad.manual_seed(seed)  # the same initial weights and shuffles for every schedule
            model = nn.Sequential(
                nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3)
            ).to(device)
            loader = DataLoader(train, batch_size=32, shuffle=True, device=device)
            scheduler = build_scheduler(name, epochs * len(loader), len(loader))
            optimizer = SGD(model.parameters(), lr=PEAK_LR, momentum=0.9, scheduler=scheduler)
            print(f"{name}, seed {seed}")
            histories[name].append(
                fit(
                    model,
                    loader,
                    optimizer,
                    nn.CrossEntropyLoss(),
                    epochs,
                    val_loader=DataLoader(val, batch_size=512, device=device),
                )
            )

    print(
        f"\nFinal validation accuracy after {epochs} epochs "
        f"({common.plural(len(seeds), 'seed')} each):"
    )
    final = {}
    for name in names:
        accuracies = np.array([h["val_accuracy"][-1] for h in histories[name]])
        train_losses = np.array([h["train_loss"][-1] for h in histories[name]])
        final[name] = accuracies
        print(
            f"   {name:<12} {accuracies.mean():.1%} (per seed: "
            f"{', '.join(f'{a:.1%}' for a in accuracies)}); final training loss "
            f"{train_losses.mean():.3f}"
        )

    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5), constrained_layout=True)
    for name in names:
        first = histories[name][0]
        epochs_axis = np.arange(1, len(first["train_loss"]) + 1)
        axes[0, 0].plot(epochs_axis, first["train_loss"], label=name)
        axes[0, 1].plot(epochs_axis, first["val_accuracy"], label=name)
        steps_axis = np.arange(len(first["lr"])) / (len(first["lr"]) / len(epochs_axis))
        axes[1, 0].plot(steps_axis, first["lr"], label=name)
    common.integer_epoch_ticks(*axes.ravel()[:3])
    axes[0, 0].set(
        yscale="log",
        xlabel="epoch",
        ylabel="training loss",
        title=f"Training loss (seed {seeds[0]})",
    )
    axes[0, 1].set(
        xlabel="epoch", ylabel="validation accuracy", title=f"Validation accuracy (seed {seeds[0]})"
    )
    axes[1, 0].set(
        xlabel="epoch (one point per step)", ylabel="learning rate", title="The five schedules"
    )
    ax = axes[1, 1]
    means = np.array([final[name].mean() for name in names])
    # Error bars from the worst to the best seed: they stay within [0, 1], as accuracies do
    # (mean +- standard deviation ran past 100% when one seed was far below the others).
    below = means - [final[name].min() for name in names]
    above = [final[name].max() for name in names] - means
    colors = [f"C{k}" for k in range(len(names))]  # the lines' colours
    ax.bar(names, means, yerr=[below, above], capsize=5, color=colors)
    for k, name in enumerate(names):
        ax.scatter([k] * len(final[name]), final[name], color="k", s=12, zorder=3)
    low = min(a.min() for a in final.values())
    ax.set_ylim(max(0.0, low - 0.05), 1.0)
    ax.set(
        ylabel="final validation accuracy",
        title=f"Final accuracy, {common.plural(len(seeds), 'seed')}: mean (bar), worst to best "
        "(whiskers), each seed (dots)",
    )
    # One legend for all four panels (the bars share the lines' colours), above them, where it
    # hides no curve.
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(names))
    for ax in axes.ravel():
        ax.grid(alpha=0.3)
    common.save_figure(fig, args, "schedulers_compare.png")

    verdict = compare_with_constant({name: final[name] for name in names})
    lowest = min(names, key=lambda name: np.mean([h["train_loss"][-1] for h in histories[name]]))
    common.notice(
        verdict,
        f"{lowest} ended with the lowest training loss: a schedule that finishes at a small lr "
        "spends its last epochs settling into a minimum instead of bouncing around it.",
        "Each peak of a cyclic schedule shakes the loss up again (the bumps in the training "
        "loss); whether that 'escape from a poor minimum' pays off depends on the problem and "
        "the budget. One run on one problem proves little: compare over seeds.",
    )


if __name__ == "__main__":
    main()

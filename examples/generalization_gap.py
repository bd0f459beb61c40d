"""The generalization gap and five remedies, side by side, on 200 handwritten digits.

With only 200 training digits, a network with 256 hidden units learns the training set by heart
(100% training accuracy) while it gets a share of new digits wrong: the gap between training and
validation accuracy that the study notes' remedies are for. The same network is trained from the
same seeds with nothing, then with each remedy:

* an L2 penalty and an Elastic Net penalty on the weights (``optim.Adam(..., penalty=...)``),
* dropout (``nn.Dropout(0.5)`` after the hidden layer; off in evaluation),
* data augmentation (``minigrad.transforms``: rotations of up to 10 degrees, a little noise and
  small erased patches, drawn afresh every epoch, on the host), and the same with random shifts
  of one pixel added, to see whether shifts suit these digits,
* early stopping (``EarlyStopping(patience=...)``, back to the best epoch's weights),
* and a combination of them (L2, dropout, augmentation and early stopping together).

Every run is measured the same way after each epoch: accuracy on the 200 training digits as they
are (no augmentation, dropout off) and on 400 validation digits. The final gap is training minus
validation accuracy, averaged over seeds (each seed draws its own 200 digits, initial weights,
shuffles, dropout masks and augmentations); the rest of the digits are a test set, read once.

    python examples/generalization_gap.py     # figure: runs/generalization_gap.png
"""

from __future__ import annotations

import os
import time

# The matrices here are tiny (32 x 64 times 64 x 256): splitting one product over several BLAS
# threads costs more than it saves, and on a busy machine made every epoch ten times slower.
# One thread, unless you set the variable yourself (before NumPy is imported, or it is ignored).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import common
import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn as nn
from minigrad.data import DataLoader, TransformDataset, load_digits
from minigrad.training import evaluate, fit
from minigrad.transforms import Compose, GaussianNoise, RandomAffine, RandomErasing
from optim import Adam
from regularizers import L2, EarlyStopping, ElasticNet

N_TRAIN, N_VAL = 200, 400
REMEDIES = {  # name: (penalty, dropout p, augmentation: False, "plain" or "shifts", early stop)
    "nothing": (None, 0.0, False, False),
    "L2": ("l2", 0.0, False, False),
    "Elastic Net": ("elasticnet", 0.0, False, False),
    "dropout": (None, 0.5, False, False),
    "augmentation": (None, 0.0, "plain", False),
    "augm. + shifts": (None, 0.0, "shifts", False),
    "early stopping": (None, 0.0, False, True),
    "combination": ("l2", 0.5, "plain", True),
}
ALPHA = 3e-3  # penalty strength (Elastic Net: half L1, half L2)
PATIENCE = 10


def augmentation(shifts: bool = False) -> Compose:
    """Label-preserving changes of one digit (its 64 pixels viewed as the 8x8 image); never a
    flip, which would turn a digit into another symbol. ``shifts`` adds moves of one pixel."""
    translate = (0.125, 0.125) if shifts else None  # round(U(-1, 1)) pixels each way
    return Compose(
        [
            lambda x: x.reshape(1, 8, 8),
            RandomAffine(degrees=10, translate=translate),  # rotate by up to 10 degrees
            GaussianNoise(sigma=0.05),
            RandomErasing(p=0.25, scale=(0.02, 0.1)),  # now and then a patch of 1 to 6 pixels
            lambda x: x.reshape(64),
        ]
    )


def split(seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """200 training digits, 400 validation digits, the rest for a final test: drawn by ``seed``."""
    X, y = load_digits()
    order = np.random.default_rng(seed).permutation(len(X))
    parts = {"train": order[:N_TRAIN], "val": order[N_TRAIN : N_TRAIN + N_VAL]}
    parts["test"] = order[N_TRAIN + N_VAL :]
    return {name: (X[rows], y[rows]) for name, rows in parts.items()}


def train(remedy: str, seed: int, epochs: int, device, data: dict, clocks: dict | None = None):
    """One run: the network, the remedy, ``epochs`` epochs; the curves and the final numbers."""
    penalty_kind, dropout, augment, stop_early = REMEDIES[remedy]
    minigrad.manual_seed(seed)  # the same initial weights and shuffles for every remedy
    layers = [nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10)]
    if dropout:
        layers.insert(2, nn.Dropout(dropout))
    model = nn.Sequential(*layers).to(device)
    penalty = {None: None, "l2": L2(ALPHA), "elasticnet": ElasticNet(ALPHA, 0.5)}[penalty_kind]
    weights = [p for p in model.parameters() if p.ndim > 1]  # biases go unpenalised
    biases = [p for p in model.parameters() if p.ndim <= 1]
    optimizer = Adam([{"params": weights, "penalty": penalty}, {"params": biases}], lr=3e-3)

    train_set = data["train"]
    if augment:
        transform = augmentation(shifts=augment == "shifts")
        if clocks is not None:  # time it, to say what share of a run augmentation takes
            transform = clocks.setdefault(remedy, common.Timed(transform))
        train_set = TransformDataset(*data["train"], transform=transform)
    loader = DataLoader(train_set, batch_size=32, shuffle=True, device=device)
    plain_train = DataLoader(data["train"], batch_size=N_TRAIN, device=device)  # as they are
    val = DataLoader(data["val"], batch_size=N_VAL, device=device)
    curves: dict[str, list[float]] = {"train": [], "val": []}

    def measure(epoch: int, history: dict) -> None:
        # fit's own training numbers are taken on augmented digits with dropout on; the curves
        # compare like with like: the plain training digits, in eval mode.
        curves["train"].append(evaluate(model, plain_train, nn.CrossEntropyLoss())["accuracy"])
        curves["val"].append(history["val_accuracy"][-1])

    stopper = EarlyStopping(patience=PATIENCE) if stop_early else None
    fit(
        model,
        loader,
        optimizer,
        nn.CrossEntropyLoss(),
        epochs,
        val_loader=val,
        early_stopping=stopper,
        progress=False,
        on_epoch_end=measure,
    )
    # The final model (for early stopping: the best epoch's weights, restored)
    final = {
        name: evaluate(
            model, DataLoader(part, batch_size=1024, device=device), nn.CrossEntropyLoss()
        )
        for name, part in data.items()
    }
    best = stopper.best_epoch if stopper is not None else None
    return curves, final, best


def main() -> None:
    args = common.parser(__doc__).parse_args()
    device = common.setup(args)
    seeds = [args.seed + k for k in range(2 if args.quick else 3)]
    epochs = 2 if args.quick else 40
    clocks: dict[str, common.Timed] = {}  # the time spent in each remedy's augmentation
    results: dict[str, list] = {name: [] for name in REMEDIES}
    seconds = dict.fromkeys(REMEDIES, 0.0)  # each remedy's training time, all seeds
    for seed in seeds:
        data = split(seed)
        for remedy in REMEDIES:
            started = time.perf_counter()
            results[remedy].append(train(remedy, seed, epochs, device, data, clocks))
            seconds[remedy] += time.perf_counter() - started

    def stat(remedy: str, part: str, key: str = "accuracy") -> np.ndarray:
        return np.array([final[part][key] for _, final, _ in results[remedy]])

    gaps = {r: stat(r, "train") - stat(r, "val") for r in REMEDIES}
    loss_gaps = {r: stat(r, "val", "loss") - stat(r, "train", "loss") for r in REMEDIES}
    print(
        f"{N_TRAIN} training digits, {N_VAL} validation, {len(split(0)['test'][0])} test; "
        f"{common.plural(len(seeds), 'seed')}, up to {epochs} epochs, {device}"
    )
    print(
        f"\n{'remedy':<16}{'train acc.':>11}{'val. acc.':>11}{'accuracy gap':>17}"
        f"{'loss gap':>16}{'test acc.':>11}"
    )
    for r in REMEDIES:
        gap, loss_gap = gaps[r], loss_gaps[r]
        print(
            f"{r:<16}{stat(r, 'train').mean():>11.1%}{stat(r, 'val').mean():>11.1%}"
            f"{gap.mean() * 100:>10.1f} ± {gap.std() * 100:.1f}pp"
            f"{loss_gap.mean():>10.3f} ± {loss_gap.std():.3f}{stat(r, 'test').mean():>10.1%}"
        )
    print()
    for remedy, clock in clocks.items():
        share = clock.seconds / seconds[remedy]
        print(
            f"{remedy}: augmentation took {clock.seconds:.2f} s of its {seconds[remedy]:.2f} s "
            f"({share:.0%}), on the host; an epoch without it: "
            f"{seconds['nothing'] / len(seeds) / epochs * 1000:.0f} ms, with it: "
            f"{seconds[remedy] / len(seeds) / epochs * 1000:.0f} ms"
        )
    print(f"all runs: {sum(seconds.values()):.1f} s")

    plot(results, gaps, loss_gaps, seeds, args)

    # What the numbers say, remedy by remedy, against the run with nothing. A difference
    # smaller than the spread over seeds is not called an effect.
    base_val, base_gap = stat("nothing", "val"), gaps["nothing"]
    verdicts = []
    for r in list(REMEDIES)[1:]:
        val_change = (stat(r, "val") - base_val).mean()
        gap_change = (gaps[r] - base_gap).mean()
        loss_gap_change = (loss_gaps[r] - loss_gaps["nothing"]).mean()
        noise = max(stat(r, "val").std(), base_val.std(), 0.005)
        if val_change > noise:
            word = "raised validation accuracy"
        elif val_change < -noise:
            word = "lowered validation accuracy"
        else:
            word = "did not move validation accuracy beyond the spread over seeds"
        verdicts.append(
            f"{r}: {word} ({val_change * 100:+.1f}pp); "
            f"accuracy gap {gap_change * 100:+.1f}pp, loss gap {loss_gap_change:+.3f}"
        )
    top = common.tied_best({r: stat(r, "val").mean() for r in REMEDIES})
    common.notice(
        f"With nothing, the network scores {stat('nothing', 'train').mean():.0%} on its "
        f"{N_TRAIN} training digits and {base_val.mean():.1%} on new ones: a gap of "
        f"{base_gap.mean() * 100:.1f} points.",
        *verdicts,
        f"Best validation accuracy: {common.join_names(top)}. A smaller gap is not the goal by "
        "itself: a remedy can shrink the gap by lowering training accuracy alone.",
        "Early stopping picks its epoch on the validation set, so its validation accuracy is a "
        "little optimistic; the test column, read once, is not.",
        "Augmentation ran sample by sample on the host before each batch moved to the device; "
        "the lines above say what share of the augmented runs it took.",
    )


def plot(results: dict, gaps: dict, loss_gaps: dict, seeds: list[int], args) -> None:
    fig = plt.figure(figsize=(18, 12), constrained_layout=True)
    grid = fig.add_gridspec(3, 4)
    curve_axes = [fig.add_subplot(grid[k // 4, k % 4]) for k in range(len(results))]
    for ax, (remedy, runs) in zip(curve_axes, results.items(), strict=True):
        for k, (curves, _, best) in enumerate(runs):
            epochs = np.arange(1, len(curves["train"]) + 1)
            label = k == 0
            ax.plot(epochs, curves["train"], color="tab:blue", alpha=0.7, label="train" * label)
            ax.plot(
                epochs, curves["val"], color="tab:orange", alpha=0.7, label="validation" * label
            )
            if best is not None:
                ax.axvline(best + 1, color="0.5", linestyle=":", label="best epoch" * label)
        gap = gaps[remedy]
        ax.set(
            title=f"{remedy}: gap {gap.mean() * 100:.1f} ± {gap.std() * 100:.1f}pp",
            xlabel="epoch",
            ylabel="accuracy",
            ylim=(0.5, 1.01),
        )
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
        common.integer_epoch_ticks(ax)
    names = list(gaps)
    for column, (what, values, unit) in enumerate(
        (
            ("train - validation accuracy", {r: gaps[r] * 100 for r in names}, "points"),
            ("validation - train loss", loss_gaps, "cross-entropy"),
        )
    ):
        ax = fig.add_subplot(grid[2, 2 * column : 2 * column + 2])
        means = [values[r].mean() for r in names]
        spreads = [values[r].std() for r in names]
        ax.barh(names, means, xerr=spreads, color="tab:green", alpha=0.7, capsize=3)
        ax.invert_yaxis()
        ax.set(
            title=f"Final gap, {what} (mean ± std over {len(seeds)} seeds)",
            xlabel=unit,
        )
        ax.grid(alpha=0.3, axis="x")
    fig.suptitle(f"The generalization gap on {N_TRAIN} training digits, and five remedies")
    common.save_figure(fig, args, "generalization_gap.png")


if __name__ == "__main__":
    main()

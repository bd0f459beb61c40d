"""The learning-rate curves of the study notes, drawn from minigrad's schedulers.

The notes show four curves: CosineAnnealingLR(T_max=100, eta_min=0) and CyclicLR(base_lr=0.001,
max_lr=0.1, step_size_up=50, step_size_down=50) in its three modes. This script draws them, plus
the two relatives the guide also covers (cosine with warm restarts, and one-cycle), one panel each.

Each scheduler is attached to a real SGD optimizer and stepped 400 times, as a training loop
would step it once per batch; the script checks that the learning rates the optimizer saw are
exactly the curve that ``schedulers.plot`` draws from the formula.

The notes' last example, ``mode='exp_range', gamma=10``, is refused with a ValueError: the
script prints why, and uses a valid gamma (0.99) instead.

    python examples/lr_schedules.py            # figure: runs/lr_schedules.png
"""

from __future__ import annotations

import math

import common
import matplotlib.pyplot as plt
from tqdm import tqdm

import minigrad
import schedulers
from minigrad.data import DataLoader, load_digits, train_val_test_split
from optim import SGD
from schedulers import CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR

BASE_LR, MAX_LR = 0.001, 0.1  # the notes' CyclicLR bounds
GAMMA = 0.995  # a valid exp_range gamma (in (0, 1]); the notes' gamma=10 is refused


def build(name: str, optimizer: SGD, steps: int) -> schedulers.LRScheduler:
    """The scheduler of one panel, with the notes' arguments where the notes give them;
    one-cycle spans the ``steps`` plotted, as it would span a whole run."""
    cyclic = dict(base_lr=BASE_LR, max_lr=MAX_LR, step_size_up=50, step_size_down=50)
    if name == "cosine":
        return CosineAnnealingLR(optimizer, T_max=100, eta_min=0)
    if name in ("triangular", "triangular2"):
        return CyclicLR(optimizer, **cyclic, mode=name)
    if name == "exp_range":
        return CyclicLR(optimizer, **cyclic, mode="exp_range", gamma=GAMMA)
    if name == "warm_restarts":
        return CosineAnnealingWarmRestarts(optimizer, T_0=50, T_mult=2, eta_min=0)
    return OneCycleLR(optimizer, max_lr=MAX_LR, total_steps=steps)


def titles(steps: int) -> dict[str, str]:
    """One title per panel, in the order they are drawn."""
    return {
        "cosine": "CosineAnnealingLR(T_max=100, eta_min=0)",
        "triangular": "CyclicLR, mode='triangular'",
        "triangular2": "CyclicLR, mode='triangular2'",
        "exp_range": f"CyclicLR, mode='exp_range', gamma={GAMMA}",
        "warm_restarts": "CosineAnnealingWarmRestarts(T_0=50, T_mult=2)",
        "onecycle": f"OneCycleLR(max_lr={MAX_LR}, total_steps={steps})",
    }


def tidy(ax: plt.Axes, title: str) -> None:
    """Title, grid, and room at the top for one legend holding the lr and momentum lines."""
    ax.set_title(title, fontsize=10)
    ax.set_ylim(0, 1.35 * MAX_LR)
    ax.grid(alpha=0.3)
    twins = [a for a in ax.figure.axes if a is not ax and a.get_shared_x_axes().joined(a, ax)]
    handles = ax.get_lines() + [line for twin in twins for line in twin.get_lines()]
    for twin in twins:  # the momentum axis: keep its curve below the legend as well
        low, high = twin.get_ylim()
        twin.set_ylim(low, high + 0.45 * (high - low))
    if len(handles) > 1:
        labels = [line.get_label() for line in handles]
        ax.legend(handles, labels, loc="upper center", ncols=len(handles), fontsize=8)


def main() -> None:
    args = common.parser(__doc__).parse_args()
    device = common.setup(args)
    steps = 200 if args.quick else 400

    # A stand-in model: one parameter. SGD with momentum, because CyclicLR and OneCycleLR
    # also cycle the momentum by default (the dashed orange line), as in the notes' code.
    weight = minigrad.tensor([0.0], device=device, requires_grad=True)
    weight.grad = minigrad.tensor([0.0], device=device)  # a zero gradient: steps change nothing

    fig, axes = plt.subplots(3, 2, figsize=(11, 9.5), constrained_layout=True)
    for (name, title), ax in zip(titles(steps).items(), axes.ravel()):
        optimizer = SGD([weight], lr=MAX_LR, momentum=0.9)
        scheduler = build(name, optimizer, steps)
        seen = []  # the lr each optimizer step actually used
        for _ in tqdm(range(steps), desc=f"{name:>13}", leave=False):
            seen.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        formula = [scheduler.lr_at(t)[0] for t in range(steps)]
        assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(seen, formula)), name
        schedulers.plot(scheduler, steps, ax=ax)
        if name == "exp_range":  # the envelope: what decays exponentially is the peak height
            ts = range(steps)
            envelope = [BASE_LR + (MAX_LR - BASE_LR) * GAMMA**t for t in ts]
            ax.plot(ts, envelope, ":", color="tab:green", label="peak height: gamma**t")
        tidy(ax, title)
    fig.suptitle("Learning-rate schedules (one step = one batch)")
    common.save_figure(fig, args, "lr_schedules.png")
    print(f"Stepping each optimizer {steps} times gave exactly the plotted curves.")

    print("\nThe notes' last example: CyclicLR(..., mode='exp_range', gamma=10)")
    try:
        CyclicLR(
            SGD([weight], lr=MAX_LR, momentum=0.9),
            base_lr=BASE_LR,
            max_lr=MAX_LR,
            step_size_up=50,
            mode="exp_range",
            gamma=10,
        )
    except ValueError as error:
        print(f"  refused: {error}")
    # What it would have done: lr(t) = base + (max - base) * s * gamma**t, s = t / 50 going up.
    lr_5 = BASE_LR + (MAX_LR - BASE_LR) * (5 / 50) * 10.0**5
    print(f"  by the formula, gamma=10 would give lr = {lr_5:,.0f} at step 5, and 10**t")
    print(f"  overflows a float64 at t = {math.floor(math.log10(1.7976931348623157e308)) + 1}.")

    # The paper's rule of thumb, worked out on the digits' training split in batches of 64.
    X, y = load_digits()
    train, _, _ = train_val_test_split(X, y, seed=args.seed)
    iterations_per_epoch = len(DataLoader(train, batch_size=64))
    common.notice(
        "exp_range is the triangular wave times the envelope gamma**t (dotted): the peaks "
        "shrink exponentially, and the edges are straight lines bent only by that slow decay. "
        "Nothing rises 'exponentially instead of linearly', as the notes say.",
        f"gamma must lie in (0, 1]: values just below 1 ({GAMMA} per step here, 0.99994 in the "
        "paper) shrink the peaks slowly; gamma > 1 makes them explode.",
        "triangular2 halves the peak every cycle; warm restarts jump back to the top; "
        "one-cycle warms up once, then anneals far below its start.",
        "Past T_max, CosineAnnealingLR climbs back up (period 2 * T_max), as PyTorch's does.",
        "step_size_up / step_size_down count scheduler steps, usually batches (iterations), not "
        "epochs. The paper's '2-10x' means 2-10 times the iterations in one epoch: for the digits "
        f"({len(train[0])} training samples) in batches of 64 ({iterations_per_epoch} iterations "
        "per epoch), a step size of "
        f"{2 * iterations_per_epoch}-{10 * iterations_per_epoch}.",
        "CyclicLR and OneCycleLR move the momentum opposite to the lr (dashed line).",
    )


if __name__ == "__main__":
    main()

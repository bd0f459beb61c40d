"""Draw a scheduler's curve without disturbing it.

``plot(scheduler, steps)`` evaluates the pure ``scheduler.lr_at(t)`` for t = 0, ..., steps - 1
(the lr used by each of the first ``steps`` optimizer steps), one line per param group, and the
momentum on a second axis when the scheduler cycles it. Nothing is stepped: the scheduler's
``last_epoch`` and the optimizer's lrs are the same afterwards.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.checks import check_int


def plot(scheduler: Any, steps: int, ax: Any = None) -> Any:
    """Plot lr (and cycled momentum) against the step; return the matplotlib Axes."""
    check_int("plot", "steps", steps, low=1)
    import matplotlib.pyplot as plt  # imported here: slow to import, and only plots need it

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ts = list(range(steps))
    lrs = [scheduler.lr_at(t) for t in ts]  # lrs[t][g]: group g at step t
    momenta = [scheduler.momentum_at(t) for t in ts]  # None where momentum is not cycled
    n_groups = len(lrs[0])

    def label(what: str, g: int) -> str:
        return what if n_groups == 1 else f"{what} (group {g})"

    lines = []
    for g in range(n_groups):
        lines += ax.plot(ts, [lr[g] for lr in lrs], label=label("lr", g))
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_title(type(scheduler).__name__)
    if any(m is not None for m in momenta):
        twin = ax.twinx()
        for g in range(n_groups):
            values = [math.nan if m is None else m[g] for m in momenta]
            lines += twin.plot(ts, values, "--", color="tab:orange", label=label("momentum", g))
        twin.set_ylabel("momentum")
    if len(lines) > 1:
        ax.legend(lines, [line.get_label() for line in lines], loc="best")
    return ax

r"""The 1cycle policy: one warm-up from a small lr to max_lr, then one long anneal far below it.

The lr moves between waypoints, one phase per pair, each phase annealed by ``anneal``:

    initial = max_lr / div_factor                  # where training starts
    final   = initial / final_div_factor           # where it ends, far below initial
    two phases (default):  initial -> max_lr -> final
    three_phase=True:      initial -> max_lr -> initial -> final

    phase ends (step counts): pct_start * total_steps - 1,  [2 * (pct_start * total_steps - 1),]
                              total_steps - 1
    pct     = (t - phase_start) / (phase_end - phase_start)       # 0 -> 1 within the phase
    cos:    anneal(a, b, pct) = b + (a - b) * (1 + cos(pi * pct)) / 2
    linear: anneal(a, b, pct) = a + (b - a) * pct

    t            the number of ``step()`` calls so far (one per batch); t may reach total_steps,
                 and stepping beyond it is an error
    total_steps  the length of training in steps (or epochs * steps_per_epoch)
    pct_start    the fraction of the steps spent warming up

With ``cycle_momentum`` the momentum (SGD's ``momentum`` or Adam's ``betas[0]``) takes the
mirror path: max_momentum -> base_momentum -> max_momentum (three phases: ... -> max_momentum).

Paper: L. N. Smith and N. Topin, "Super-Convergence: Very Fast Training of Neural Networks
Using Large Learning Rates", arXiv:1708.07120 (2017). The cosine anneal and the phase
boundaries follow PyTorch's OneCycleLR (fast.ai's variant), so the values match it.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.checks import check_bool, check_choice, check_int, check_number

from .base import LRScheduler, check_per_group_values, per_group, require

ANNEAL_STRATEGIES = ("cos", "linear")


def anneal(start: float, end: float, pct: float, strategy: str) -> float:
    """Go from ``start`` (pct=0) to ``end`` (pct=1) along half a cosine, or a straight line."""
    if strategy == "cos":
        return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2
    return start + (end - start) * pct


class OneCycleLR(LRScheduler):
    """PyTorch's ``OneCycleLR``; see the module docstring for the formula."""

    def __init__(
        self,
        optimizer: Any = None,
        max_lr: float | list[float] | None = None,
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ):
        name = "OneCycleLR"
        self.max_lr = check_per_group_values(name, "max_lr", require(name, "max_lr", max_lr))
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise TypeError(
                    "OneCycleLR() needs total_steps, or both epochs and steps_per_epoch"
                )
            epochs = check_int(name, "epochs", epochs, low=1)
            total_steps = epochs * check_int(name, "steps_per_epoch", steps_per_epoch, low=1)
        self.total_steps = check_int(name, "total_steps", total_steps, low=1)
        self.three_phase = check_bool(name, "three_phase", three_phase)
        self.pct_start = check_number(name, "pct_start", pct_start, low=0, high=1)
        if three_phase and pct_start > 0.5:
            raise ValueError(
                f"OneCycleLR: pct_start must be <= 0.5 with three_phase=True (warm-up and "
                f"cool-down each take pct_start of the steps), got {pct_start}"
            )
        self.anneal_strategy = check_choice(
            name, "anneal_strategy", anneal_strategy, ANNEAL_STRATEGIES
        )
        self.div_factor = check_number(name, "div_factor", div_factor, low=0, low_inclusive=False)
        self.final_div_factor = check_number(
            name, "final_div_factor", final_div_factor, low=0, low_inclusive=False
        )
        self._set_momentum_range(cycle_momentum, base_momentum, max_momentum)
        super().__init__(optimizer, last_epoch)

    def _prepare_groups(self, param_groups: list[dict]) -> list[float]:
        count = len(param_groups)
        max_lrs = per_group("OneCycleLR", "max_lr", self.max_lr, count)
        self._momentum_per_group(param_groups)
        self.max_lrs = max_lrs
        initial_lrs = [peak / self.div_factor for peak in max_lrs]
        for group, lr in zip(param_groups, initial_lrs, strict=True):
            group["initial_lr"] = lr  # overwritten, not setdefault: 1cycle picks its own start
        return initial_lrs

    def lr_at(self, step: int) -> list[float]:
        phase, pct = self._locate(step)
        lrs = []
        for initial, peak in zip(self.base_lrs, self.max_lrs, strict=True):
            final = initial / self.final_div_factor
            path = [initial, peak, initial, final] if self.three_phase else [initial, peak, final]
            lrs.append(anneal(path[phase], path[phase + 1], pct, self.anneal_strategy))
        return lrs

    def momentum_at(self, step: int) -> list[float] | None:
        if not self.cycle_momentum:
            return None
        phase, pct = self._locate(step)
        momenta = []
        for low, high in zip(self.base_momentums, self.max_momentums, strict=True):
            path = [high, low, high, high] if self.three_phase else [high, low, high]
            momenta.append(anneal(path[phase], path[phase + 1], pct, self.anneal_strategy))
        return momenta

    def _locate(self, t: int) -> tuple[int, float]:
        """Which phase step t is in (0, 1 or 2), and how far through it (pct)."""
        self._check_step(t)
        if t > self.total_steps:
            raise ValueError(
                f"OneCycleLR stepped {t} times, but total_steps is {self.total_steps}: the "
                "schedule has ended. Give a larger total_steps (or epochs * steps_per_epoch)."
            )
        warmup_end = self.pct_start * self.total_steps - 1
        if self.three_phase:
            ends = [warmup_end, 2 * warmup_end, self.total_steps - 1]
        else:
            ends = [warmup_end, self.total_steps - 1]
        start = 0.0
        for phase, end in enumerate(ends):
            if t <= end or phase == len(ends) - 1:
                break
            start = end
        # A phase of zero length is already over (PyTorch divides by zero there).
        pct = (t - start) / (end - start) if end > start else 1.0
        return phase, pct

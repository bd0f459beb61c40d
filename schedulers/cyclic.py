r"""Cyclical learning rates: lr climbs linearly from base_lr to max_lr, falls back, repeats.

    total = step_size_up + step_size_down
    ratio = step_size_up / total                 # fraction of a cycle spent climbing
    cycle = floor(1 + t / total)                 # 1, 2, 3, ...
    x     = 1 + t / total - cycle                # position inside the cycle, in [0, 1)
    s     = x / ratio              if x <= ratio # rising edge, 0 -> 1
            (x - 1) / (ratio - 1)  otherwise     # falling edge, 1 -> 0
    lr(t) = base_lr + (max_lr - base_lr) * s * scale

    triangular   scale = 1                        # every cycle reaches max_lr
    triangular2  scale = 1 / 2**(cycle - 1)       # the peak height halves every cycle
    exp_range    scale = gamma**t                 # the peak height decays by gamma per *step*

    t               the number of ``step()`` calls so far; usually one per batch, so the step
                    sizes count iterations (batches), not epochs
    base_lr, max_lr the lower and upper bound (a number, or a list with one per param group)
    step_size_up    steps from base_lr up to max_lr; step_size_down back down (None: the same)
    scale_fn        a custom scale(cycle) or scale(t), chosen by scale_mode 'cycle' or
                    'iterations'; it replaces ``mode``

In every mode the lr rises and falls *linearly* within a cycle; only the height of the peaks
changes. With ``cycle_momentum`` the momentum (SGD's ``momentum`` or Adam's ``betas[0]``)
moves the opposite way, between max_momentum (when lr is lowest) and base_momentum:

    momentum(t) = max_momentum - (max_momentum - base_momentum) * s * scale

Paper: L. N. Smith, "Cyclical Learning Rates for Training Neural Networks", arXiv:1506.01186
(2015). Its advice: a step size of 2-10 times the iterations in one epoch, and base_lr =
max_lr / 3 or / 4, with max_lr found by an LR range test.

A custom ``scale_fn`` is a function, so ``state_dict()`` does not save it: build the fresh
scheduler with the same ``scale_fn`` before calling ``load_state_dict``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from minigrad.checks import check_choice, check_number

from .base import LRScheduler, check_low_high, check_per_group_values, per_group, require

MODES = ("triangular", "triangular2", "exp_range")
SCALE_MODES = ("cycle", "iterations")


class CyclicLR(LRScheduler):
    """PyTorch's ``CyclicLR``; see the module docstring for the formula."""

    _not_saved = ("_optimizer", "scale_fn")  # a function cannot be saved as plain data

    def __init__(
        self,
        optimizer: Any = None,
        base_lr: float | list[float] | None = None,
        max_lr: float | list[float] | None = None,
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.8,
        max_momentum: float | list[float] = 0.9,
        last_epoch: int = -1,
    ):
        name = "CyclicLR"
        self.base_lr = check_per_group_values(name, "base_lr", require(name, "base_lr", base_lr))
        self.max_lr = check_per_group_values(name, "max_lr", require(name, "max_lr", max_lr))
        check_low_high(name, "base_lr", self.base_lr, "max_lr", self.max_lr)
        self.step_size_up = check_number(name, "step_size_up", step_size_up, low=1)
        if step_size_down is None:
            step_size_down = step_size_up
        self.step_size_down = check_number(name, "step_size_down", step_size_down, low=1)
        self.gamma = check_number(name, "gamma", gamma)
        if scale_fn is None:
            check_choice(name, "mode", mode, MODES)
            if mode == "exp_range" and not 0 < gamma <= 1:
                why = (
                    "gamma > 1 makes it grow without bound (gamma=10 overflows to inf within "
                    "about 300 steps)"
                    if gamma > 1
                    else "gamma <= 0 makes it zero or flip sign"
                )
                raise ValueError(
                    f"CyclicLR: gamma must lie in (0, 1] for mode='exp_range', got {gamma}: the "
                    f"peak height is scaled by gamma**t, so {why}. Typical values are just below "
                    "1, e.g. 0.99994."
                )
        else:
            if not callable(scale_fn):
                raise TypeError(f"CyclicLR: scale_fn must be callable, got {scale_fn!r}")
            check_choice(name, "scale_mode", scale_mode, SCALE_MODES)
        self.mode, self.scale_fn, self.scale_mode = mode, scale_fn, scale_mode
        self._set_momentum_range(cycle_momentum, base_momentum, max_momentum)
        super().__init__(optimizer, last_epoch)

    def _prepare_groups(self, param_groups: list[dict]) -> list[float]:
        count = len(param_groups)
        base_lrs = per_group("CyclicLR", "base_lr", self.base_lr, count)
        max_lrs = per_group("CyclicLR", "max_lr", self.max_lr, count)
        self._momentum_per_group(param_groups)
        self.max_lrs = max_lrs
        # As in PyTorch, construction starts each group at base_lr (and momentum at its maximum,
        # which the base class writes with the step-0 values).
        for group, lr in zip(param_groups, base_lrs, strict=True):
            group["lr"] = lr
            group.setdefault("initial_lr", lr)
        return base_lrs

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        s, scale = self._position(step)
        pairs = zip(self.base_lrs, self.max_lrs, strict=True)
        return [low + (high - low) * s * scale for low, high in pairs]

    def momentum_at(self, step: int) -> list[float] | None:
        if not self.cycle_momentum:
            return None
        self._check_step(step)
        s, scale = self._position(step)
        pairs = zip(self.base_momentums, self.max_momentums, strict=True)
        return [high - (high - low) * s * scale for low, high in pairs]

    def _position(self, t: int) -> tuple[float, float]:
        """(s, scale) at step t: where on the triangle we are, and how tall this cycle is."""
        total = self.step_size_up + self.step_size_down
        ratio = self.step_size_up / total
        cycle = math.floor(1 + t / total)
        x = 1 + t / total - cycle
        s = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        return s, self._scale(cycle, t)

    def _scale(self, cycle: int, t: int) -> float:
        if self.scale_fn is not None:
            return self.scale_fn(cycle if self.scale_mode == "cycle" else t)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / 2 ** (cycle - 1)
        return self.gamma**t  # exp_range: t counts steps, not cycles

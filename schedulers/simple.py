r"""Three one-line schedules: step decay, exponential decay, and linear warm-up.

    StepLR         lr(t) = eta_0 * gamma ** floor(t / step_size)
    ExponentialLR  lr(t) = eta_0 * gamma ** t
    LinearLR       lr(t) = eta_0 * (start_factor + (end_factor - start_factor) * progress)
                   progress = min(t, total_iters) / total_iters

    t            the number of ``step()`` calls so far
    eta_0        the group's initial lr (``base_lrs``)
    step_size    StepLR multiplies the lr by gamma once every step_size steps
    gamma        the decay factor (per step_size steps, or per step for ExponentialLR)
    start_factor, end_factor, total_iters
                 LinearLR scales the lr by a factor that moves in a straight line from
                 start_factor to end_factor over total_iters steps, then stays at end_factor

StepLR is the classic "divide by 10 every 30 epochs" of the ResNet paper (He et al. 2015,
arXiv:1512.03385). LinearLR with a small start_factor is the usual warm-up before a long
schedule (Goyal et al. 2017, arXiv:1706.02677); chain the two with ``SequentialLR``.
PyTorch computes these recursively; the closed forms here agree with it up to rounding.
"""

from __future__ import annotations

import numbers
from typing import Any

from .base import LRScheduler, check_positive, check_steps, require


class StepLR(LRScheduler):
    """``StepLR(optimizer=None, step_size, gamma=0.1)``."""

    def __init__(self, optimizer: Any = None, step_size: int | None = None, gamma: float = 0.1):
        step_size = require("StepLR", "step_size", step_size)
        self.step_size = check_steps("step_size", step_size, integer=True)
        self.gamma = check_positive("gamma", gamma)
        super().__init__(optimizer)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        return [eta_0 * self.gamma ** (step // self.step_size) for eta_0 in self.base_lrs]


class ExponentialLR(LRScheduler):
    """``ExponentialLR(optimizer=None, gamma)``."""

    def __init__(self, optimizer: Any = None, gamma: float | None = None):
        self.gamma = check_positive("gamma", require("ExponentialLR", "gamma", gamma))
        super().__init__(optimizer)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        return [eta_0 * self.gamma**step for eta_0 in self.base_lrs]


class LinearLR(LRScheduler):
    """``LinearLR(optimizer=None, start_factor=1/3, end_factor=1.0, total_iters=5)``."""

    def __init__(
        self,
        optimizer: Any = None,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
    ):
        # As in PyTorch: start_factor in (0, 1] (a factor of 0 would train nothing at first),
        # end_factor in [0, 1] (decaying linearly to zero is a common schedule).
        if not (isinstance(start_factor, numbers.Real) and 0 < start_factor <= 1):
            raise ValueError(f"start_factor must lie in (0, 1], got {start_factor!r}")
        if not (isinstance(end_factor, numbers.Real) and 0 <= end_factor <= 1):
            raise ValueError(f"end_factor must lie in [0, 1], got {end_factor!r}")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = check_steps("total_iters", total_iters, integer=True)
        super().__init__(optimizer)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        progress = min(step, self.total_iters) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [eta_0 * factor for eta_0 in self.base_lrs]

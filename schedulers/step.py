r"""Step decay: multiply the learning rate by gamma once every step_size steps.

    lr(t) = eta_0 * gamma ** floor(t / step_size)

    t          the number of ``step()`` calls so far
    eta_0      the group's initial lr (``base_lrs``)
    step_size  steps between two decays
    gamma      the factor applied at each decay (0.1: divide by 10)

The classic "divide by 10 every 30 epochs" of the ResNet paper (K. He, X. Zhang, S. Ren and
J. Sun, "Deep Residual Learning for Image Recognition", arXiv:1512.03385, 2015). PyTorch computes
it recursively; this closed form agrees with it up to rounding.
"""

from __future__ import annotations

from typing import Any

from minigrad.checks import check_int, check_number

from .base import LRScheduler, require


class StepLR(LRScheduler):
    """``StepLR(optimizer=None, step_size, gamma=0.1)``."""

    _multiplicative = True  # ChainedScheduler: eta_0 times a factor

    def __init__(
        self,
        optimizer: Any = None,
        step_size: int | None = None,
        gamma: float = 0.1,
        last_epoch: int = -1,
    ):
        step_size = require("StepLR", "step_size", step_size)
        self.step_size = check_int("StepLR", "step_size", step_size, low=1)
        self.gamma = check_number("StepLR", "gamma", gamma, low=0, low_inclusive=False)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        return [eta_0 * self.gamma ** (step // self.step_size) for eta_0 in self.base_lrs]

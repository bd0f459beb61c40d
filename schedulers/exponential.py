r"""Exponential decay: the learning rate shrinks by the same factor at every step.

    lr(t) = eta_0 * gamma ** t

    t      the number of ``step()`` calls so far
    eta_0  the group's initial lr (``base_lrs``)
    gamma  the factor per step (0.99: 1% smaller each step)

PyTorch computes it recursively; this closed form agrees with it up to rounding.
"""

from __future__ import annotations

from typing import Any

from minigrad.checks import check_number

from .base import LRScheduler, require


class ExponentialLR(LRScheduler):
    """``ExponentialLR(optimizer=None, gamma)``."""

    _multiplicative = True  # ChainedScheduler: eta_0 times a factor

    def __init__(self, optimizer: Any = None, gamma: float | None = None, last_epoch: int = -1):
        gamma = require("ExponentialLR", "gamma", gamma)
        self.gamma = check_number("ExponentialLR", "gamma", gamma, low=0, low_inclusive=False)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        return [eta_0 * self.gamma**step for eta_0 in self.base_lrs]

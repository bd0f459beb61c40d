r"""Constant factor: a smaller learning rate for the first steps, then the full one.

    lr(t) = eta_0 * factor    for t < total_iters
    lr(t) = eta_0             from t = total_iters on

    t            the number of ``step()`` calls so far
    eta_0        the group's initial lr (``base_lrs``)
    factor       the multiplier during the first total_iters steps, in [0, 1]

The bluntest warm-up: a few cautious steps before training at full speed (``LinearLR`` ramps
instead of jumping). As PyTorch's ``ConstantLR``, written in closed form.
"""

from __future__ import annotations

from typing import Any

from minigrad.checks import check_int, check_number

from .base import LRScheduler


class ConstantLR(LRScheduler):
    """``ConstantLR(optimizer=None, factor=1/3, total_iters=5)``."""

    _multiplicative = True  # ChainedScheduler: eta_0 times a factor

    def __init__(
        self,
        optimizer: Any = None,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ):
        self.factor = check_number("ConstantLR", "factor", factor, low=0, high=1)
        self.total_iters = check_int("ConstantLR", "total_iters", total_iters, low=1)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        factor = self.factor if step < self.total_iters else 1.0
        return [eta_0 * factor for eta_0 in self.base_lrs]

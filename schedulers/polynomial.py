r"""Polynomial decay: the learning rate falls to zero along a power curve in total_iters steps.

    lr(t) = eta_0 * (1 - min(t, total_iters) / total_iters) ** power

    t            the number of ``step()`` calls so far
    eta_0        the group's initial lr (``base_lrs``)
    total_iters  the step at which lr reaches 0 (and stays)
    power        1 is a straight line; above 1 the decay is fast early, below 1 late

A common decay for segmentation and language models ("poly" learning-rate policy, e.g.
L.-C. Chen et al., "DeepLab", arXiv:1606.00915, 2016). As PyTorch's ``PolynomialLR``, in closed
form.
"""

from __future__ import annotations

from typing import Any

from minigrad.checks import check_int, check_number

from .base import LRScheduler


class PolynomialLR(LRScheduler):
    """``PolynomialLR(optimizer=None, total_iters=5, power=1.0)``."""

    _multiplicative = True  # ChainedScheduler: eta_0 times a factor

    def __init__(
        self, optimizer: Any = None, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ):
        self.total_iters = check_int("PolynomialLR", "total_iters", total_iters, low=1)
        self.power = check_number("PolynomialLR", "power", power, low=0)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        remaining = 1.0 - min(step, self.total_iters) / self.total_iters
        return [eta_0 * remaining**self.power for eta_0 in self.base_lrs]

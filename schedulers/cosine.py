r"""Cosine annealing: the learning rate follows half a cosine from eta_max down to eta_min.

    lr(t) = eta_min + (eta_max - eta_min) * (1 + cos(pi * t / T_max)) / 2

    t        the number of ``step()`` calls so far (0 right after construction)
    T_max    steps it takes to fall from eta_max to eta_min (half a period of the cosine)
    eta_max  the group's initial lr (``base_lrs``)
    eta_min  the floor, reached at t = T_max

The curve starts flat, falls fastest at t = T_max / 2 and flattens again near the floor.
Past T_max the same formula climbs back up (period 2 * T_max), exactly as PyTorch's does; for a
jump back to eta_max use ``CosineAnnealingWarmRestarts``, or simply train for T_max steps.

Paper: I. Loshchilov and F. Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
arXiv:1608.03983 (2016); this is its schedule within one run, without the restarts.

Why the closed form: PyTorch's ``step()`` derives each lr from the previous one with a recursive
formula (so that it composes with other code that changes the lr). When nothing else touches the
lr, the two agree to about 1e-16. The closed form is what the paper writes, needs no history,
and so can be evaluated, plotted or resumed at any t: ``lr_at(t)`` is a pure function.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.checks import check_number

from .base import LRScheduler, require


class CosineAnnealingLR(LRScheduler):
    """``CosineAnnealingLR(optimizer=None, T_max, eta_min=0.0)``, as in PyTorch."""

    def __init__(
        self,
        optimizer: Any = None,
        T_max: int | None = None,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ):
        name = "CosineAnnealingLR"
        self.T_max = check_number(name, "T_max", require(name, "T_max", T_max), low=1)
        self.eta_min = check_number(name, "eta_min", eta_min, low=0)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        t, T_max, eta_min = step, self.T_max, self.eta_min
        return [
            eta_min + (eta_max - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2
            for eta_max in self.base_lrs
        ]

    def _chain(self, lrs: list[float], step: int) -> list[float]:
        """PyTorch's recursive step, which ChainedScheduler composes (see its get_lr)."""
        if step == 0:
            return list(lrs)
        T_max, eta_min = self.T_max, self.eta_min
        if (step - 1 - T_max) % (2 * T_max) == 0:  # the bottom of the curve: cos gives 0 / 0
            rise = (1 - math.cos(math.pi / T_max)) / 2
            return [lr + (eta_max - eta_min) * rise for lr, eta_max in zip(lrs, self.base_lrs)]
        ratio = (1 + math.cos(math.pi * step / T_max)) / (
            1 + math.cos(math.pi * (step - 1) / T_max)
        )
        return [eta_min + (lr - eta_min) * ratio for lr in lrs]

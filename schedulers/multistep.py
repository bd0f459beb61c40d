r"""Multi-step decay: multiply the learning rate by gamma at each of a few chosen steps.

    lr(t) = eta_0 * gamma ** k(t),    k(t) = the number of milestones m with m <= t

    t           the number of ``step()`` calls so far (usually epochs)
    eta_0       the group's initial lr (``base_lrs``)
    milestones  the steps at which to decay (e.g. [30, 80]); as in PyTorch, in any order, and a
                milestone given twice decays twice
    gamma       the factor applied at each milestone (0.1: divide by 10)

StepLR with milestones placed by hand: the schedule of many image-classification papers, e.g.
"divide by 10 at epochs 30 and 60" (K. He, X. Zhang, S. Ren and J. Sun, "Deep Residual Learning
for Image Recognition", arXiv:1512.03385, 2015). k(t) is ``bisect_right(milestones, t)`` over
the sorted milestones, repeats kept (PyTorch keeps them in a Counter, to the same effect). PyTorch
computes the schedule recursively; this closed form agrees with it up to rounding.
"""

from __future__ import annotations

import bisect
from typing import Any

from minigrad.checks import check_int, check_number

from .base import LRScheduler, require


class MultiStepLR(LRScheduler):
    """``MultiStepLR(optimizer=None, milestones, gamma=0.1)``."""

    _multiplicative = True  # ChainedScheduler: eta_0 times a factor

    def __init__(
        self,
        optimizer: Any = None,
        milestones: list[int] | None = None,
        gamma: float = 0.1,
        last_epoch: int = -1,
    ):
        name = "MultiStepLR"
        milestones = require(name, "milestones", milestones)
        if not isinstance(milestones, list | tuple) or not milestones:
            raise ValueError(
                f"{name}: milestones must be a non-empty list of steps, e.g. [30, 80]; got "
                f"{milestones!r}"
            )
        checked = [check_int(name, f"milestones[{i}]", m, low=0) for i, m in enumerate(milestones)]
        self.milestones = sorted(checked)  # for bisect; a repeated milestone counts twice
        self.gamma = check_number(name, "gamma", gamma, low=0, low_inclusive=False)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        decays = bisect.bisect_right(self.milestones, step)  # milestones reached by step t
        return [eta_0 * self.gamma**decays for eta_0 in self.base_lrs]

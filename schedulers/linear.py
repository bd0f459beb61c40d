r"""Linear warm-up (or decay): the learning rate's factor moves in a straight line, then stays.

    progress = min(t, total_iters) / total_iters
    lr(t)    = eta_0 * (start_factor + (end_factor - start_factor) * progress)

    t             the number of ``step()`` calls so far
    eta_0         the group's initial lr (``base_lrs``)
    start_factor  the factor at t = 0 (a small one makes a warm-up)
    end_factor    the factor from t = total_iters on

LinearLR with a small start_factor is the usual warm-up before a long schedule (P. Goyal et al.,
"Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", arXiv:1706.02677, 2017); chain
the two with ``SequentialLR``. PyTorch computes it recursively; this closed form agrees with it
up to rounding.
"""

from __future__ import annotations

from typing import Any

from minigrad.checks import check_int, check_number

from .base import LRScheduler


class LinearLR(LRScheduler):
    """``LinearLR(optimizer=None, start_factor=1/3, end_factor=1.0, total_iters=5)``."""

    _multiplicative = True  # ChainedScheduler: eta_0 times a factor

    def __init__(
        self,
        optimizer: Any = None,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ):
        # As in PyTorch: start_factor in (0, 1] (a factor of 0 would train nothing at first),
        # end_factor in [0, 1] (decaying linearly to zero is a common schedule).
        name = "LinearLR"
        self.start_factor = check_number(
            name, "start_factor", start_factor, low=0, low_inclusive=False, high=1
        )
        self.end_factor = check_number(name, "end_factor", end_factor, low=0, high=1)
        self.total_iters = check_int(name, "total_iters", total_iters, low=1)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        progress = min(step, self.total_iters) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [eta_0 * factor for eta_0 in self.base_lrs]

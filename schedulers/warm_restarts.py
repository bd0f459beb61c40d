r"""Cosine annealing with warm restarts (SGDR): fall along a cosine, then jump back to the top.

    lr(t) = eta_min + (eta_max - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    t        the number of ``step()`` calls so far
    T_0      length of the first cycle, in steps
    T_mult   each cycle is T_mult times longer than the one before (1: all equal)
    T_i      length of the current cycle:  T_0 * T_mult**i  for the i-th restart (i = 0, 1, ...)
    T_cur    steps since the last restart: t minus the lengths of all completed cycles
    eta_max  the group's initial lr (``base_lrs``);  eta_min  the floor

Restarts happen at t = T_0, T_0 + T_0*T_mult, T_0 + T_0*T_mult + T_0*T_mult**2, ...
(with T_0=10, T_mult=2: at 10, 30, 70, 150). Just before each restart the lr is close to
eta_min; at the restart it is eta_max again. The idea: each restart is a large step that can
leave a poor basin, and the end of each cycle is a good solution to keep (snapshot ensembles).

Paper: I. Loshchilov and F. Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
arXiv:1608.03983 (2016).

As in PyTorch, ``step(epoch)`` may be given the (fractional) epoch, to step once per batch with
``scheduler.step(epoch + i / iters)``: the lr is the formula at t = epoch, ``last_epoch``
becomes floor(epoch), and later plain ``step()`` calls go on from epoch + 1, epoch + 2, ...
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.checks import check_int, check_number

from .base import LRScheduler, require


class CosineAnnealingWarmRestarts(LRScheduler):
    """``CosineAnnealingWarmRestarts(optimizer=None, T_0, T_mult=1, eta_min=0.0)``."""

    def __init__(
        self,
        optimizer: Any = None,
        T_0: int | None = None,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ):
        name = "CosineAnnealingWarmRestarts"
        self.T_0 = check_int(name, "T_0", require(name, "T_0", T_0), low=1)
        self.T_mult = check_int(name, "T_mult", T_mult, low=1)
        self.eta_min = check_number(name, "eta_min", eta_min, low=0)
        # The fractional part of the last epoch given to step(epoch): t runs at last_epoch + it.
        self.epoch_fraction = 0.0
        super().__init__(optimizer, last_epoch)

    def step(self, epoch: float | None = None) -> None:
        """One step on (``epoch=None``), or to the given epoch, a number >= 0 (PyTorch's)."""
        if epoch is None:
            super().step()
            return
        self._require_bound("step")
        epoch = check_number("CosineAnnealingWarmRestarts.step", "epoch", epoch, low=0)
        whole = math.floor(epoch)
        self.epoch_fraction, self.last_epoch = epoch - whole, whole
        self._write(whole)

    def load_state_dict(self, state: dict) -> None:
        # A state saved before step(epoch) existed has no fraction: it was 0.
        state = {"epoch_fraction": 0.0, **state}
        check_number(
            "CosineAnnealingWarmRestarts.load_state_dict",
            "epoch_fraction",
            state["epoch_fraction"],
            low=0,
            high=1,
            high_inclusive=False,
        )
        super().load_state_dict(state)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        T_cur, T_i = self._position_in_cycle(step + self.epoch_fraction)
        eta_min = self.eta_min
        return [
            eta_min + (eta_max - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2
            for eta_max in self.base_lrs
        ]

    def _position_in_cycle(self, t: float) -> tuple[float, int]:
        """(T_cur, T_i) at step t (exact integer arithmetic for a whole t)."""
        if self.T_mult == 1:
            return t % self.T_0, self.T_0
        T_i = self.T_0
        while t >= T_i:  # skip completed cycles; they grow geometrically, so this loop is short
            t -= T_i
            T_i *= self.T_mult
        return t, T_i

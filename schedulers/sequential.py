r"""Chain schedulers: run each one in turn, switching at the given milestones.

    lr(t) = scheduler_k.lr_at(t - m_k)    for m_k <= t < m_{k+1}

    t            the number of ``step()`` calls so far
    schedulers   [scheduler_0, ..., scheduler_n]
    milestones   [m_1, ..., m_n], strictly increasing; m_0 = 0 and m_{n+1} = infinity

Each scheduler starts counting from its own milestone, so ``milestones=[5]`` with
``LinearLR(total_iters=5)`` then ``CosineAnnealingLR(T_max=95)`` is a five-step warm-up
followed by a full cosine that begins at its top. This is the usual warm-up-then-cosine recipe
(Goyal et al. 2017, arXiv:1706.02677 for the warm-up; Loshchilov & Hutter 2016,
arXiv:1608.03983 for the cosine).

All schedulers share the optimizer's ``initial_lr`` as their base lr, as in PyTorch. They are
used only through their pure ``lr_at``: SequentialLR does not advance their own ``last_epoch``.
"""

from __future__ import annotations

import bisect
from typing import Any

from minigrad.checks import check_int

from .base import LRScheduler, require


class SequentialLR(LRScheduler):
    """``SequentialLR(optimizer=None, schedulers, milestones)``."""

    _not_saved = ("_optimizer", "schedulers")  # the children save themselves, see state_dict

    def __init__(
        self,
        optimizer: Any = None,
        schedulers: list[LRScheduler] | None = None,
        milestones: list[int] | None = None,
        last_epoch: int = -1,
    ):
        schedulers = list(require("SequentialLR", "schedulers", schedulers))
        milestones = list(require("SequentialLR", "milestones", milestones))
        if not schedulers or not all(isinstance(s, LRScheduler) for s in schedulers):
            raise ValueError(
                f"SequentialLR: schedulers must be a non-empty list of schedulers, got {schedulers}"
            )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: milestones must have one entry fewer than schedulers (one switch "
                f"between each pair): got {len(milestones)} milestones for {len(schedulers)} "
                "schedulers"
            )
        previous = 0
        for index, milestone in enumerate(milestones):
            if check_int("SequentialLR", f"milestones[{index}]", milestone) <= previous:
                raise ValueError(
                    f"SequentialLR: milestones must be strictly increasing integers >= 1, got "
                    f"{milestones}"
                )
            previous = milestone
        self.schedulers, self.milestones = schedulers, milestones
        super().__init__(optimizer, last_epoch)

    def bind(self, optimizer: Any) -> None:
        """Bind every scheduler not bound yet, then this one (which writes its step-0 lr)."""
        self._require_unbound()
        for index, child in enumerate(self.schedulers):
            if child.optimizer is not None and child.optimizer is not optimizer:
                raise ValueError(f"schedulers[{index}] is bound to a different optimizer")
        for child in self.schedulers:
            if child.optimizer is None:
                child.bind(optimizer)
        super().bind(optimizer)
        for child in self.schedulers:
            child._optimizer = self._optimizer  # weak too when the optimizer owns this one

    def _prepare_groups(self, param_groups: list[dict]) -> list[float]:
        for child in self.schedulers:  # groups added after binding join every child's schedule
            if len(child.base_lrs) != len(param_groups):
                child.base_lrs = child._prepare_groups(param_groups)
        return list(self.schedulers[0].base_lrs)

    def lr_at(self, step: int) -> list[float]:
        child, child_step = self._active(step)
        return child.lr_at(child_step)

    def momentum_at(self, step: int) -> list[float] | None:
        child, child_step = self._active(step)
        return child.momentum_at(child_step)

    def _active(self, t: int) -> tuple[LRScheduler, int]:
        """The scheduler in charge at step t, and t counted from its milestone."""
        self._check_step(t)
        k = bisect.bisect_right(self.milestones, t)
        start = self.milestones[k - 1] if k > 0 else 0
        return self.schedulers[k], t - start

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["schedulers"] = [child.state_dict() for child in self.schedulers]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        state = dict(state)
        children = state.pop("schedulers", None)
        if not isinstance(children, list) or len(children) != len(self.schedulers):
            raise ValueError(
                f"SequentialLR.load_state_dict: expected a 'schedulers' list of "
                f"{len(self.schedulers)} states"
            )
        # All or nothing: if any part is refused, every child goes back to where it was.
        before = [child.state_dict() for child in self.schedulers]
        try:
            for child, child_state in zip(self.schedulers, children, strict=True):
                child.load_state_dict(child_state)
            super().load_state_dict(state)
        except BaseException:
            for child, child_state in zip(self.schedulers, before, strict=True):
                child.load_state_dict(child_state)
            self._write(self.last_epoch)  # the children wrote their own lr into the groups
            raise

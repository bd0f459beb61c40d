r"""Chain schedulers: step every one of them at every step, each acting on the lr the previous
one left, as PyTorch's ``ChainedScheduler``.

    lr(t) = S_n(... S_2(S_1(lr(t - 1), t), t) ..., t)

    S_k(lr, t)  scheduler k's PyTorch step: lr * f_k(t) / f_k(t - 1) for the schedulers that are
                eta_0 times a factor f_k (StepLR, MultiStepLR, ExponentialLR, LinearLR,
                ConstantLR, PolynomialLR, MultiplicativeLR), PyTorch's recursive cosine for
                CosineAnnealingLR, and its own lr_at(t) for the others, whatever lr was

So ``ChainedScheduler([ConstantLR(opt, factor=0.1, total_iters=2), ExponentialLR(opt, 0.9)])``
gives eta_0 * 0.1 * 0.9**t for t < 2 and eta_0 * 0.9**t after. Unlike the other schedulers this
one has no closed form: it keeps the lrs of its last step, and its state holds them.
"""

from __future__ import annotations

from typing import Any

from .base import LRScheduler


class ChainedScheduler(LRScheduler):
    """``ChainedScheduler(schedulers, optimizer=None)``: schedulers built with one optimizer."""

    _not_saved = ("_optimizer", "schedulers")  # the children save themselves, see state_dict

    def __init__(self, schedulers: list[LRScheduler] | None = None, optimizer: Any = None):
        schedulers = list(schedulers or [])
        if not schedulers or not all(isinstance(s, LRScheduler) for s in schedulers):
            raise ValueError(
                "ChainedScheduler: schedulers must be a non-empty list of schedulers, got "
                f"{schedulers}"
            )
        if any(type(s).__name__ == "ReduceLROnPlateau" for s in schedulers):
            raise TypeError(
                "ChainedScheduler cannot step a ReduceLROnPlateau (it needs a metric); step it "
                "yourself with scheduler.step(val_loss)"
            )
        optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
        for index, child in enumerate(schedulers):
            if child.optimizer is None or child.optimizer is not optimizer:
                raise ValueError(
                    f"ChainedScheduler: schedulers[{index}] must be built with the optimizer "
                    "the chain drives (every scheduler of a chain shares one optimizer)"
                )
        self.schedulers = schedulers
        super().__init__(optimizer)

    def lr_at(self, step: int) -> list[float]:
        raise TypeError(
            "ChainedScheduler has no lr_at(step): each step acts on the lr the last one left, as "
            "in PyTorch. Read the current lrs with get_last_lr()."
        )

    def _compose(self, step: int) -> list[float]:
        lrs = list(self.base_lrs) if step == 0 else list(self._last_lr)
        for child in self.schedulers:
            lrs = child._chain(lrs, step)
        return lrs

    def step(self) -> None:
        """Step every scheduler once, in order, each on the lr the previous one left."""
        self._require_bound("step")
        step = self.last_epoch + 1
        lrs = self._compose(step)  # first, so a child that raises changes nothing
        for child in self.schedulers:
            child.last_epoch = step
        self._set(lrs)
        self.last_epoch = step

    def _write(self, step: int) -> None:
        # Binding (step 0) composes the children's first values; load_state_dict restores the
        # lrs the state holds (there is no formula to recompute them from).
        self._set(self._compose(0) if step == 0 else list(self._last_lr))

    def _set(self, lrs: list[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = lrs

    def _check_saved_hyperparameters(self, state: dict[str, Any]) -> None:
        """Nothing to check here: the chain has no hyper-parameters; its children check theirs."""

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["schedulers"] = [child.state_dict() for child in self.schedulers]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        state = dict(state)
        children = state.pop("schedulers", None)
        if not isinstance(children, list) or len(children) != len(self.schedulers):
            raise ValueError(
                f"ChainedScheduler.load_state_dict: expected a 'schedulers' list of "
                f"{len(self.schedulers)} states"
            )
        if len(state.get("_last_lr", [])) != len(self.optimizer.param_groups):
            raise ValueError(
                "ChainedScheduler.load_state_dict: the state's lrs do not match the optimizer's "
                f"{len(self.optimizer.param_groups)} param groups"
            )
        # All or nothing: if any part is refused, every child goes back to where it was.
        before = [child.state_dict() for child in self.schedulers]
        lrs = list(self._last_lr)
        try:
            for child, child_state in zip(self.schedulers, children, strict=True):
                child.load_state_dict(child_state)
            super().load_state_dict(state)
        except BaseException:
            for child, child_state in zip(self.schedulers, before, strict=True):
                child.load_state_dict(child_state)
            self._set(lrs)  # the children wrote their own lr into the groups
            raise

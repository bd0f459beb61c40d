r"""Reduce the learning rate when a validation metric stops improving.

Stepped once per epoch with the metric, ``scheduler.step(val_loss)``:

    improved  = metric < best * (1 - threshold)    mode 'min', threshold_mode 'rel'
                metric < best - threshold          mode 'min', threshold_mode 'abs'
                metric > best * (1 + threshold)    mode 'max', threshold_mode 'rel'
                metric > best + threshold          mode 'max', threshold_mode 'abs'
                (PyTorch's rule, word for word; before the first metric best is +inf in mode
                'min', -inf in 'max'. In 'rel' mode with a negative best the bar lies on the
                near side of best: PyTorch counts a slightly worse metric as an improvement
                there, and so does this class, so that the lrs agree with PyTorch's.)
    improved:       best <- metric,  bad <- 0
    otherwise:      bad <- bad + 1
    in cooldown:    cooldown_counter <- cooldown_counter - 1,  bad <- 0
    bad > patience: lr <- max(lr * factor, min_lr)   (skipped when it would change lr by <= eps)
                    cooldown_counter <- cooldown,  bad <- 0

    bad         ``num_bad_epochs``: epochs since the last improvement (not counting cooldown)
    patience    bad epochs tolerated: the lr drops at the (patience + 1)-th in a row
    factor      the factor of each drop, in [0, 1)
    cooldown    epochs after a drop during which bad epochs are not counted
    min_lr      a floor for the lr (a number, or a list with one per param group)
    eps         the smallest change worth making

There is no closed form lr(t): the lr depends on the metrics it was given, so ``lr_at`` is not
available and ``plot`` cannot draw it. For the same reason an optimizer cannot own it (its
``step()`` has no metric to pass): build it with the optimizer and call ``step(metric)`` yourself
after each validation. The state it saves holds the current lrs, ``best`` and the counters.

A NaN metric is a bad epoch, as in PyTorch (EarlyStopping stops on one instead).

As in PyTorch's ReduceLROnPlateau, whose arguments and rule these are; the idea is older (e.g.
Keras's ReduceLROnPlateau callback).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from minigrad.checks import check_choice, check_int, check_number
from minigrad.improvement import MODES, THRESHOLD_MODES

from .base import LRScheduler, check_per_group_values, per_group


class ReduceLROnPlateau(LRScheduler):
    """``ReduceLROnPlateau(optimizer=None, mode='min', factor=0.1, patience=10, threshold=1e-4,
    threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8)``; ``step(metric)`` once per epoch."""

    def __init__(
        self,
        optimizer: Any = None,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0,
        eps: float = 1e-8,
    ):
        name = "ReduceLROnPlateau"
        self.mode = check_choice(name, "mode", mode, MODES)
        self.factor = check_number(name, "factor", factor, low=0, high=1, high_inclusive=False)
        self.patience = check_int(name, "patience", patience, low=0)
        self.threshold = check_number(name, "threshold", threshold, low=0)
        self.threshold_mode = check_choice(name, "threshold_mode", threshold_mode, THRESHOLD_MODES)
        self.cooldown = check_int(name, "cooldown", cooldown, low=0)
        self.min_lr = check_per_group_values(name, "min_lr", min_lr)
        self.eps = check_number(name, "eps", eps, low=0)
        self.best: float | None = None  # no metric seen yet (PyTorch starts from +-inf)
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.min_lrs: list[float] = []
        super().__init__(optimizer)

    def bind(self, optimizer: Any) -> None:
        """Attach to ``optimizer`` (its lrs are left as they are); refuses to be owned by it."""
        if getattr(optimizer, "scheduler", None) is self:
            raise TypeError(
                "ReduceLROnPlateau cannot be handed to an optimizer (scheduler=...): it needs the "
                "validation metric at each step, and optimizer.step() has none to pass. Build it "
                "with the optimizer, ReduceLROnPlateau(optimizer, ...), and call "
                "scheduler.step(val_loss) after each validation."
            )
        super().bind(optimizer)

    def _prepare_groups(self, param_groups: list[dict]) -> list[float]:
        self.min_lrs = per_group("ReduceLROnPlateau", "min_lr", self.min_lr, len(param_groups))
        return super()._prepare_groups(param_groups)

    def lr_at(self, step: int) -> list[float]:
        raise TypeError(
            "ReduceLROnPlateau has no lr_at(step): its lr depends on the metrics passed to "
            "step(metric), not on the step count alone. Read the current lrs with get_last_lr()."
        )

    def step(self, metrics: Any = None, epoch: int | None = None) -> None:
        """Record one epoch's validation ``metrics`` and lower the lr if it has plateaued.

        ``metrics`` (PyTorch's name: one metric) is a Python number, a NumPy scalar or a
        one-element Tensor (``.item()`` reads it: on a GPU, a device sync). ``epoch``, as in
        PyTorch (which deprecates it), sets ``last_epoch`` instead of counting one more.
        """
        self._require_bound("step")
        current = _as_number(metrics)
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):  # add_param_group since binding
            self.base_lrs = self._prepare_groups(groups)
        if epoch is None:
            self.last_epoch += 1
        else:
            self.last_epoch = check_int("ReduceLROnPlateau.step", "epoch", epoch, low=0)
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:  # right after a drop: give the new lr time to work
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(groups, self.min_lrs, strict=True):
                new_lr = max(float(group["lr"]) * self.factor, min_lr)
                if float(group["lr"]) - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [float(group["lr"]) for group in groups]

    def _is_better(self, metric: float) -> bool:
        """PyTorch's test (the module docstring): a NaN metric is never better."""
        best = self.best
        if best is None:  # no metric yet: PyTorch's starting best, the worst value there is
            best = math.inf if self.mode == "min" else -math.inf
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return metric < (best * (1 - self.threshold) if rel else best - self.threshold)
        return metric > (best * (1 + self.threshold) if rel else best + self.threshold)

    def _write(self, step: int) -> None:
        """After binding: read the groups' lrs. After load_state_dict: write the saved ones."""
        groups = self.optimizer.param_groups
        if len(self._last_lr) == len(groups):
            for group, lr in zip(groups, self._last_lr, strict=True):
                group["lr"] = lr
        self._last_lr = [float(group["lr"]) for group in groups]

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict()``: the counters, ``best`` and the lrs it held."""
        self._require_bound("load_state_dict")
        owner = "ReduceLROnPlateau.load_state_dict"
        if isinstance(state, dict) and {"best", "num_bad_epochs", "cooldown_counter"} <= set(state):
            if state["best"] is not None:
                check_number(owner, "best", state["best"])
            check_int(owner, "num_bad_epochs", state["num_bad_epochs"], low=0)
            cooldown = check_int(owner, "cooldown", state.get("cooldown"), low=0)
            check_int(owner, "cooldown_counter", state["cooldown_counter"], low=0, high=cooldown)
            lrs = state.get("_last_lr", [])
            if len(lrs) != len(self.optimizer.param_groups):
                raise ValueError(
                    f"{owner}: the state holds {len(lrs)} lrs, the optimizer has "
                    f"{len(self.optimizer.param_groups)} param groups"
                )
        super().load_state_dict(state)  # checks the rest, then sets everything and writes lrs


def _as_number(metric: Any) -> float:
    """The metric as a float: a Python or NumPy number, or a one-element Tensor."""
    if metric is None:
        raise TypeError(
            "ReduceLROnPlateau.step() needs the metric to watch: scheduler.step(val_loss)"
        )
    if hasattr(metric, "item") and not isinstance(metric, numbers.Number):
        metric = metric.item()
    if isinstance(metric, bool) or not isinstance(metric, numbers.Real):
        raise TypeError(
            f"ReduceLROnPlateau.step: metric must be a number or a one-element Tensor, got "
            f"{type(metric).__name__}"
        )
    return float(metric)

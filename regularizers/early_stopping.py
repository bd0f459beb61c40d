"""Early stopping: stop when the validation metric stops improving, keep the best weights.

Too many epochs overfit, too few underfit. Between them lies the "sweet spot" where the validation
error is lowest. Nobody knows in advance where it is, so early stopping trains with a generous
epoch budget and watches the validation metric after every epoch:

    improved  =  metric < best - min_delta      (mode='min', e.g. a loss)
                 metric > best + min_delta      (mode='max', e.g. an accuracy)

(the rule ``minigrad.improvement.is_improvement``; ``schedulers.ReduceLROnPlateau``'s 'abs' mode
is the same test, written as PyTorch writes it, so the two round alike).
An improvement records the epoch as the best one (and, with a model, a copy of its weights) and
resets the counter ``wait`` to 0. Any other epoch adds 1 to ``wait``; when ``wait`` reaches
``patience`` training stops and the best weights are loaded back. The comparison is strict, as in
Keras: a metric that beats the best by exactly ``min_delta`` is not an improvement.

Epochs are counted from 0: the first call to ``step`` is epoch 0, and ``best_epoch`` and
``stopped_epoch`` are such 0-based indices.

The caveat from the notes: early stopping trusts the validation set. A validation set drawn from
a different distribution than the training data points it at the wrong epoch.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from minigrad import Tensor
from minigrad.backend import to_host
from minigrad.checks import check_bool, check_choice, check_int, check_number, check_state
from minigrad.improvement import MODES, is_improvement


def _host_copy(value: Any) -> Any:
    """A copy of one state_dict entry that shares no memory with the model and lives on the host.

    The copy must be deep: a state_dict usually hands out the model's own arrays, which the next
    optimizer step overwrites in place.
    """
    if isinstance(value, Tensor):
        return np.array(value.numpy(), copy=True)
    if isinstance(value, np.generic) or hasattr(value, "shape"):  # an array on any device
        return np.array(to_host(value), copy=True)
    return copy.deepcopy(value)


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    return {name: _host_copy(value) for name, value in state.items()}


class EarlyStopping:
    """Stop training when a validation metric has not improved for ``patience`` epochs.

    Args:
        patience: epochs without improvement to wait before stopping. ``step`` returns True
            at the epoch that brings ``wait`` to ``patience`` (0 and 1 both stop at the first
            epoch without improvement).
        min_delta: an improvement must beat the best score by more than this (Keras semantics).
        mode: ``'min'`` when lower is better (a loss), ``'max'`` when higher is (an accuracy).
        baseline: a score to beat first. Until a metric beats it (by more than ``min_delta``)
            no epoch counts as best and every epoch counts towards ``patience``.
        restore_best_weights: keep a copy of the model's ``state_dict`` from the best epoch and
            load it back when training stops (or on :meth:`restore`).
        start_from_epoch: epochs ``0 .. start_from_epoch - 1`` are ignored (a warm-up, where the
            metric is still noisy). A NaN or infinite metric stops training even then.

    Usage::

        early_stopping = EarlyStopping(patience=10)
        for epoch in range(1000):
            train_one_epoch(model)
            if early_stopping.step(validation_loss(model), model):
                break                       # the best weights are already back in the model
        else:
            early_stopping.restore(model)   # the budget ran out first: go back to the best epoch

    The model is duck-typed: anything with ``state_dict()`` and ``load_state_dict(state)`` works.
    The best weights are stored as host (NumPy) copies, so ``load_state_dict`` receives NumPy
    arrays (or whatever non-array values the state held).

    Attributes:
        best_score: the best metric seen (``None`` until the first improvement).
        best_epoch: the 0-based epoch of ``best_score`` (``None`` until then).
        stopped_epoch: the 0-based epoch at which ``step`` returned True (``None`` while running).
        wait: epochs since the last improvement.
    """

    def __init__(
        self,
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        baseline: float | None = None,
        restore_best_weights: bool = True,
        start_from_epoch: int = 0,
    ) -> None:
        name = "EarlyStopping"
        self.patience = check_int(name, "patience", patience, low=0)
        self.min_delta = check_number(name, "min_delta", min_delta, low=0)
        self.mode = check_choice(name, "mode", mode, MODES)
        self.baseline = None if baseline is None else check_number(name, "baseline", baseline)
        self.restore_best_weights = check_bool(name, "restore_best_weights", restore_best_weights)
        self.start_from_epoch = check_int(name, "start_from_epoch", start_from_epoch, low=0)

        self.best_score: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.wait = 0
        self.epoch = 0  # how many times step() has been called: the index of the next epoch
        self.best_weights: dict[str, Any] | None = None

    def is_improvement(self, metric: float) -> bool:
        """Whether ``metric`` beats the best score (or, before any best, the baseline)."""
        reference = self.best_score if self.best_score is not None else self.baseline
        return is_improvement(metric, reference, mode=self.mode, threshold=self.min_delta)

    def step(self, metric: Any, model: Any = None) -> bool:
        """Record one epoch's validation ``metric``; return True when training should stop.

        ``metric`` is a Python number, a NumPy scalar or a one-element Tensor. Pass ``model`` to
        keep the best weights (with ``restore_best_weights``) and to get them back on stopping.
        Once it has returned True it keeps returning True.
        """
        if self.stopped_epoch is not None:
            return True
        epoch = self.epoch
        self.epoch += 1
        metric = float(metric.item() if hasattr(metric, "item") else metric)

        if not math.isfinite(metric):  # the run has diverged: more epochs cannot help
            return self._stop(epoch, model)
        if epoch < self.start_from_epoch:
            return False

        if self.is_improvement(metric):
            self.best_score = metric
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights and model is not None:
                self.best_weights = _copy_state(model.state_dict())
            return False

        self.wait += 1
        if self.wait >= self.patience:
            return self._stop(epoch, model)
        return False

    def _stop(self, epoch: int, model: Any) -> bool:
        self.stopped_epoch = epoch
        if model is not None:
            self.restore(model)
        return True

    def restore(self, model: Any) -> bool:
        """Load the best epoch's weights into ``model``; return False if none were kept.

        None are kept when ``restore_best_weights`` is False, when ``step`` never received the
        model, or when no epoch beat the baseline.
        """
        if self.best_weights is None:
            return False
        # Hand over a fresh copy: the model may keep these arrays and train them in place.
        model.load_state_dict(_copy_state(self.best_weights))
        return True

    def state_dict(self) -> dict[str, Any]:
        """The progress so far (plain numbers, and a copy of the best weights) for checkpoints.

        The settings (patience, mode, ...) are not included: build the EarlyStopping with the same
        arguments, then call :meth:`load_state_dict`.
        """
        return {
            "best_score": self.best_score,
            "best_epoch": self.best_epoch,
            "stopped_epoch": self.stopped_epoch,
            "wait": self.wait,
            "epoch": self.epoch,
            "best_weights": None if self.best_weights is None else _copy_state(self.best_weights),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume from :meth:`state_dict`, so the run stops where an uninterrupted one would.

        The counters must be integers >= 0 and the best score a finite number (or None); they
        are checked before anything changes.
        """
        keys = ("best_score", "best_epoch", "stopped_epoch", "wait", "epoch", "best_weights")
        hint = " (it takes what EarlyStopping.state_dict() returned)"
        check_state("EarlyStopping", state, required=keys, hint=hint)
        owner = "EarlyStopping.load_state_dict"
        weights = state["best_weights"]
        if weights is not None and not isinstance(weights, dict):
            raise TypeError(
                f"{owner}: best_weights must be a model's state_dict (a dict) or None, got "
                f"{type(weights).__name__}"
            )
        weights = None if weights is None else _copy_state(weights)  # before anything changes
        best_score, best_epoch = state["best_score"], state["best_epoch"]
        stopped_epoch = state["stopped_epoch"]
        wait = check_int(owner, "wait", state["wait"], low=0)
        epoch = check_int(owner, "epoch", state["epoch"], low=0)
        if best_score is not None:
            best_score = check_number(owner, "best_score", best_score)
        if best_epoch is not None:
            best_epoch = check_int(owner, "best_epoch", best_epoch, low=0)
        if stopped_epoch is not None:
            stopped_epoch = check_int(owner, "stopped_epoch", stopped_epoch, low=0)
        self.best_score, self.best_epoch, self.stopped_epoch = best_score, best_epoch, stopped_epoch
        self.wait, self.epoch = wait, epoch
        self.best_weights = weights

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
            f"mode={self.mode!r}, baseline={self.baseline}, "
            f"restore_best_weights={self.restore_best_weights}, "
            f"start_from_epoch={self.start_from_epoch})"
        )

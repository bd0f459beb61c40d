"""``minigrad.nn.functional`` (imported as ``F``): activations and losses as plain functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import log_softmax, mean, relu, sigmoid, softmax, sum, tanh
from ..tensor import Tensor

__all__ = ["cross_entropy", "log_softmax", "mse_loss", "relu", "sigmoid", "softmax", "tanh"]


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((input - target)^2). Shapes must match exactly."""
    target = target if isinstance(target, Tensor) else Tensor(target, dtype=input.dtype)
    if input.shape != target.shape:
        raise ValueError(
            f"mse_loss: input shape {input.shape} and target shape {target.shape} differ "
            "(broadcasting here is almost always a bug, so it is refused)"
        )
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def cross_entropy(logits: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy with integer class targets: -log softmax(logits)[target].

    ``logits`` has shape (N, C) (or (C,) for one sample); ``target`` holds N class indices in
    [0, C). Uses log_softmax, so logits of any size give a finite loss.
    """
    target = (
        target if isinstance(target, Tensor) else Tensor(np.asarray(target), device=logits.device)
    )
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"cross_entropy: target must hold integer class indices, got {target.dtype}"
        )
    if logits.ndim == 1:
        logits, target = logits.reshape(1, -1), target.reshape(1)
    if logits.ndim != 2 or target.shape != (logits.shape[0],):
        raise ValueError(
            f"cross_entropy: logits must be (N, C) and target (N,), got {logits.shape} and "
            f"{target.shape}"
        )
    classes = logits.shape[1]
    if target.size and (int(target.data.min()) < 0 or int(target.data.max()) >= classes):
        raise ValueError(f"cross_entropy: target values must lie in [0, {classes - 1}]")
    rows = logits.xp.arange(logits.shape[0])
    picked = log_softmax(logits, axis=1)[rows, target.data]
    return _reduce(-picked, reduction, "cross_entropy")

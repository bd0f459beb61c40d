r"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, PyTorch's two.

Call either between ``loss.backward()`` and ``optimizer.step()``. Both change ``.grad`` in place
and skip parameters whose ``.grad`` is None.

``clip_grad_norm_`` treats all the gradients as one long vector g and rescales it when its norm
is too large, keeping its direction:

    total = ||g||_p = (sum over every entry of |g_i|**p) ** (1/p)      (max |g_i| for p = inf)
    coef  = min(max_norm / (total + 1e-6), 1)
    g     <- coef * g

so a step can never be longer than lr * max_norm (for SGD), however steep the loss gets: the
usual cure for exploding gradients in recurrent networks (R. Pascanu, T. Mikolov and Y. Bengio,
"On the difficulty of training recurrent neural networks", ICML 2013). The 1e-6 keeps the
division finite when every gradient is zero. coef is computed on the gradients' device and
applied without reading it back: the host never waits, and the gradients are always multiplied
(by 1 when they were short enough), as in PyTorch.

``clip_grad_value_`` clips every entry to [-clip_value, clip_value] on its own, which can change
the direction of g.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ...autograd import mark_written
from ...backend import float_errors_ignored
from ...checks import check_bool, check_number
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients so that their joint p-norm is at most ``max_norm``; return the
    norm they had before, as a 0-d Tensor on their device.

    Args:
        parameters: a Tensor or an iterable of Tensors (``model.parameters()``).
        max_norm: the largest norm allowed, >= 0 (``inf``: measure the norm, clip nothing).
        norm_type: p > 0, or ``inf`` (also the string ``'inf'``) for the largest entry.
        error_if_nonfinite: raise a RuntimeError, and leave the gradients alone, when the norm
            is NaN or infinite. This check reads the norm: the call's only device sync.
            Without it such gradients are multiplied by coef = 0 (or NaN), as in PyTorch.
        foreach: PyTorch's choice of its batched kernels; accepted (None, True or False) and
            without effect here, where the gradients are always handled one by one.

    With no gradients at all the norm is 0.
    """
    owner = "clip_grad_norm_"
    if isinstance(norm_type, str) and norm_type.lower() == "inf":
        norm_type = math.inf
    p = check_number(owner, "norm_type", norm_type, low=0, low_inclusive=False, allow_inf=True)
    max_norm = check_number(owner, "max_norm", max_norm, low=0, allow_inf=True)
    error_if_nonfinite = check_bool(owner, "error_if_nonfinite", error_if_nonfinite)
    _check_foreach(owner, foreach)
    grads = _gradients(owner, parameters)
    if not grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    device = grads[0].device
    xp = device.xp
    # An infinite gradient gives coef 0 and inf * 0 = NaN, silently, as in PyTorch (backend.py)
    with float_errors_ignored():
        # Each gradient's share, summed in float64: the squares of float32 gradients above about
        # 1e19 would overflow to inf, and clipping exists for exactly such gradients.
        shares = []
        for grad in grads:
            size = xp.abs(grad.data).astype(np.float64)
            if size.size == 0:  # an empty gradient adds nothing (and max() of nothing fails)
                continue
            shares.append(xp.max(size) if p == math.inf else xp.sum(size**p if p != 1 else size))
        if not shares:
            total = xp.zeros((), dtype=np.float64)
        elif p == math.inf:
            total = xp.max(xp.stack(shares))
        elif p == 2:
            total = xp.sqrt(xp.sum(xp.stack(shares)))  # sqrt, exactly as math.sqrt rounds
        else:
            total = xp.sum(xp.stack(shares)) ** (1 / p)

        if error_if_nonfinite and not bool(xp.isfinite(total)):
            raise RuntimeError(
                f"clip_grad_norm_: the total norm of order {p:g} of the gradients is "
                f"{float(total)}, so they cannot be clipped; find where the NaN or inf starts "
                "(minigrad.detect_anomaly()), or pass error_if_nonfinite=False to scale them anyway"
            )
        coef = xp.minimum(max_norm / (total + 1e-6), 1.0)  # stays on the device: no sync
        for grad in grads:
            grad.data *= coef.astype(grad.dtype)
            mark_written(grad)  # a graph that read this gradient can no longer backward through it
    dtype = np.result_type(*(grad.dtype for grad in grads))
    return Tensor(xp.asarray(total, dtype=dtype), device=device)


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clip every gradient entry into [-clip_value, clip_value], in place.

    Args:
        parameters: a Tensor or an iterable of Tensors (``model.parameters()``).
        clip_value: the largest magnitude allowed, >= 0.
        foreach: accepted for PyTorch's signature, without effect (see ``clip_grad_norm_``).
    """
    owner = "clip_grad_value_"
    _check_foreach(owner, foreach)
    clip_value = check_number(owner, "clip_value", clip_value, low=0, allow_inf=True)
    for grad in _gradients(owner, parameters):
        xp = grad.device.xp
        xp.clip(grad.data, -clip_value, clip_value, out=grad.data)
        mark_written(grad)


def _gradients(owner: str, parameters: Any) -> list[Tensor]:
    """The ``.grad`` of each parameter that has one; all of them on one device."""
    if isinstance(parameters, Tensor):
        params = [parameters]
    elif isinstance(parameters, Iterable):
        params = list(parameters)
    else:
        raise TypeError(
            f"{owner}: parameters must be a Tensor or an iterable of Tensors "
            f"(model.parameters()), got {type(parameters).__name__}"
        )
    for position, param in enumerate(params):
        if not isinstance(param, Tensor):
            raise TypeError(
                f"{owner}: parameters must be a Tensor or an iterable of Tensors; item "
                f"{position} is a {type(param).__name__}"
            )
    grads = [param.grad for param in params if param.grad is not None]
    devices = {str(grad.device) for grad in grads}
    if len(devices) > 1:
        raise RuntimeError(
            f"{owner}: the gradients live on {' and '.join(sorted(devices))}; one norm needs "
            "them on one device: clip each device's parameters separately"
        )
    return grads


def _check_foreach(owner: str, foreach: Any) -> None:
    if foreach is not None:
        check_bool(owner, "foreach", foreach)

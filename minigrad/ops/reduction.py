"""Reductions: ops that combine values along axes (sum, mean, max, min, var, logsumexp, softmax).

The backward of a reduction spreads the output's gradient back over the axes it removed; with
``keepdims=False`` those axes are first put back as size-1 axes so that broadcasting lines up.
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd import Function, constant, value
from ..tensor import Tensor
from .elementwise import Exp, Where
from .shape import BroadcastTo

Axis = int | tuple[int, ...] | None


def normalize_axes(axis: Axis, shape: tuple[int, ...], op: str) -> tuple[int, ...]:
    """Axes as a sorted tuple of non-negative ints; a clear error names a bad axis and the shape."""
    ndim = len(shape)
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (int, tuple, list)):
        raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    result = []
    for a in axes:
        if not isinstance(a, int) or isinstance(a, bool):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of shape {shape}")
        result.append(a % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"{op}: axis {axis!r} repeats an axis")
    return tuple(sorted(result))


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape with every reduced axis kept as size 1 (what keepdims=True gives)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """z = sum of a over axes;  dz/da = 1 for every summed element (the gradient is copied back)"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims
        return a.sum(axis=axes, keepdims=keepdims)

    def backward(self, grad, z, a):
        if not self.keepdims:
            grad = grad.reshape(_kept_shape(a.shape, self.axes))
        return BroadcastTo.apply(grad, shape=a.shape)


class Max(Function):
    """z = max of a over axes;  dz/da = 1 at the maximum (shared equally among ties), else 0"""

    reads_inputs = (0,)
    reads_output = True

    def forward(self, a, axes, keepdims, smallest):
        self.axes, self.keepdims = axes, keepdims
        reduce = a.min if smallest else a.max
        return reduce(axis=axes, keepdims=keepdims)

    def backward(self, grad, z, a):
        kept = _kept_shape(a.shape, self.axes)
        # Each element's share of the gradient: 1 for the maximum, 1/k for a k-way tie, else 0.
        # It is piecewise constant in a, so it is computed as a plain array: it needs no graph,
        # even for second derivatives.
        top = value(z).reshape(kept)
        # a NaN maximum is the NaN elements' (NaN == NaN is false), as in PyTorch
        is_max = (value(a) == top) | ((value(a) != value(a)) & (top != top))
        ties = is_max.sum(axis=self.axes, keepdims=True, dtype=grad.dtype)  # 1 unless tied
        if not self.keepdims:
            grad = grad.reshape(kept)
        # divided while it is still the reduced size, then spread: no full-size float mask
        return (grad / constant(ties, grad)) * constant(is_max, grad)


class FirstMax(Function):
    """z = max of a along one axis;  dz/da = 1 at the first maximum along it, else 0

    Max pooling's rule (PyTorch's): a tie between window elements gives the whole gradient to
    the first of them, where the ``max`` reduction shares it. Meant for short axes (a pooling
    window's k*k positions): the first maximum is found with one pass per position, which is
    many times faster than ``argmax`` over a strided axis.
    """

    reads_inputs = (0,)
    reads_output = True

    def forward(self, a, axis):
        self.axis = axis
        return a.max(axis=axis)

    def backward(self, grad, z, a):
        kept = z.shape[: self.axis] + (1,) + z.shape[self.axis :]
        top = value(z).reshape(kept)
        is_max = (value(a) == top) | ((value(a) != value(a)) & (top != top))  # NaN wins
        first = self.xp.zeros_like(is_max)  # 1 at the first maximum: needs no graph
        taken = self.xp.zeros(top.shape[: self.axis] + top.shape[self.axis + 1 :], dtype=bool)
        along, into = self.xp.moveaxis(is_max, self.axis, 0), self.xp.moveaxis(first, self.axis, 0)
        for position in range(along.shape[0]):
            into[position] = along[position] & ~taken
            taken |= along[position]
        return constant(first, grad) * grad.reshape(kept)


class LogSumExp(Function):
    """z = log(sum(exp(a))) over axes;  dz/da = exp(a - z) = softmax(a)

    Computed as m + log(sum(exp(a - m))) with m the maximum, so exp never overflows.
    """

    reads_inputs = (0,)
    reads_output = True

    def forward(self, a, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims
        m = a.max(axis=axes, keepdims=True)
        m = self.xp.where(self.xp.isfinite(m), m, 0)  # all -inf: avoid inf - inf = nan
        z = self.xp.log(self.xp.exp(a - m).sum(axis=axes, keepdims=True)) + m
        return z if keepdims else z.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    def backward(self, grad, z, a):
        kept = _kept_shape(a.shape, self.axes)
        if not self.keepdims:
            z, grad = z.reshape(kept), grad.reshape(kept)
        # a row of only -inf has z = -inf, and a - z would be nan: subtract 0 there instead
        zero = constant(self.xp.zeros((), dtype=z.dtype), z)
        return grad * Exp.apply(a - Where.apply(z == -math.inf, zero, z))


class Softmax(Function):
    """z = exp(a) / sum(exp(a)) along an axis;  dz/da applied to g is z * (g - sum(g * z))"""

    reads_inputs = ()
    reads_output = True

    def forward(self, a, axis):
        self.axis = axis
        e = self.xp.exp(a - a.max(axis=axis, keepdims=True))  # shift by max: no overflow
        return e / e.sum(axis=axis, keepdims=True)

    def backward(self, grad, z, a):
        return z * (grad - (grad * z).sum(axis=self.axis, keepdims=True))


# ---- the public functions -----------------------------------------------------------------------
class SoftmaxCrossEntropy(Function):
    """loss[n] = logsumexp(x[n]) - x[n, t[n]];  d loss[n] / d x[n] = softmax(x[n]) - onehot(t[n])

    log_softmax, picking the target, negating and the reduction ('none', 'sum' or 'mean' over
    the N samples, which divides the gradient by N) fused into one op: its gradient is the
    well-known "probabilities minus one-hot", with no intermediate graph. (The max is
    subtracted before exp, so logits of any size stay finite.)
    """

    reads_inputs = (0,)
    reads_output = False

    def forward(self, logits, target, reduction):
        self.target, self.reduction = target, reduction
        self.rows = self.xp.arange(len(target))
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = self.xp.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        self.probabilities = exp / total  # softmax, kept for an unrecorded backward
        losses = self.xp.log(total[:, 0]) - shifted[self.rows, target]
        if reduction == "none":
            return losses
        return losses.sum() / len(target) if reduction == "mean" else losses.sum()

    def backward(self, grad, loss, logits):
        if isinstance(logits, Tensor):  # recorded: softmax as an op, so it can be differentiated
            probabilities = Softmax.apply(logits, axis=1)
        else:
            probabilities = self.probabilities
        onehot = self.xp.zeros(logits.shape, dtype=logits.dtype)
        onehot[self.rows, self.target] = 1
        if self.reduction == "none":
            grad = grad.reshape(-1, 1)  # one gradient per sample, for its row
        elif self.reduction == "mean":
            grad = grad * (1.0 / len(self.target))
        return (probabilities - constant(onehot, grad)) * grad


def sum(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (an int, a tuple, or None for all)."""
    return Sum.apply(a, axes=normalize_axes(axis, a.shape, "sum"), keepdims=keepdims)


def mean(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Average over ``axis``: the sum divided by the number of values summed."""
    axes = normalize_axes(axis, a.shape, "mean")
    count = math.prod(a.shape[i] for i in axes)
    if count == 0:
        raise ValueError(f"mean: averaging over an empty axis of shape {a.shape}")
    return Sum.apply(a, axes=axes, keepdims=keepdims) * (1.0 / count)


def _nonempty_axes(a: Tensor, axis: Axis, op: str) -> tuple[int, ...]:
    axes = normalize_axes(axis, a.shape, op)
    if any(a.shape[i] == 0 for i in axes):
        raise ValueError(f"{op}: reducing over an empty axis of shape {a.shape}")
    return axes


def _extreme(a: Tensor, axis: Axis, keepdims: bool, smallest: bool) -> Tensor:
    axes = _nonempty_axes(a, axis, "min" if smallest else "max")
    return Max.apply(a, axes=axes, keepdims=keepdims, smallest=smallest)


def max(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Largest value over ``axis``; ties share the gradient equally."""
    return _extreme(a, axis, keepdims, smallest=False)


def first_max(a: Tensor, axis: int) -> Tensor:
    """Largest value along ``axis``; its whole gradient goes to the first maximum (pooling)."""
    (axis,) = _nonempty_axes(a, axis, "first_max")
    return FirstMax.apply(a, axis=axis)


def min(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Smallest value over ``axis``; ties share the gradient equally."""
    return _extreme(a, axis, keepdims, smallest=True)


def var(a: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance over ``axis``: mean((a - mean(a))^2) with ``n - ddof`` in the denominator.

    ddof=0 (NumPy's default, and what batch norm uses); ddof=1 gives the unbiased estimate
    (PyTorch's default for ``torch.var``).
    """
    axes = normalize_axes(axis, a.shape, "var")
    count = math.prod(a.shape[i] for i in axes)
    if count - ddof <= 0:
        raise ValueError(f"var: {count} values over axis {axis!r} is too few for ddof={ddof}")
    centered = a - mean(a, axes, keepdims=True)
    return sum(centered * centered, axes, keepdims) * (1.0 / (count - ddof))


def logsumexp(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(a))) over ``axis``, without overflow."""
    return LogSumExp.apply(a, axes=_nonempty_axes(a, axis, "logsumexp"), keepdims=keepdims)


def softmax(a: Tensor, axis: int = -1) -> Tensor:
    """exp(a) / sum(exp(a)) along ``axis`` (numerically stable)."""
    (axis,) = _nonempty_axes(a, axis, "softmax")
    return Softmax.apply(a, axis=axis)


def log_softmax(a: Tensor, axis: int = -1) -> Tensor:
    """log(softmax(a)) = a - logsumexp(a), which stays finite where softmax underflows to 0."""
    axes = _nonempty_axes(a, axis, "log_softmax")
    return a - logsumexp(a, axes, keepdims=True)


def softmax_cross_entropy(logits: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-log softmax(logits)[n, target[n]] per row, then reduced: 'none', 'sum' or 'mean'.

    ``logits`` is (N, C) and ``target`` an integer array of N class indices already checked to
    lie in [0, C) (``minigrad.nn.functional.cross_entropy`` checks them and calls this).
    """
    return SoftmaxCrossEntropy.apply(logits, target=target, reduction=reduction)


def argmax(a: Tensor, axis: int | None = None) -> Tensor:
    """Index of the largest value (an int64 tensor; not differentiable)."""
    if axis is not None:
        (axis,) = normalize_axes(axis, a.shape, "argmax")
    return Tensor._wrap(a.xp.asarray(a.data.argmax(axis=axis)), a.device)


def argmin(a: Tensor, axis: int | None = None) -> Tensor:
    """Index of the smallest value (an int64 tensor; not differentiable)."""
    if axis is not None:
        (axis,) = normalize_axes(axis, a.shape, "argmin")
    return Tensor._wrap(a.xp.asarray(a.data.argmin(axis=axis)), a.device)

"""Reductions: ops that combine values along axes (sum, mean, max, min, var, logsumexp, softmax).

The backward of a reduction spreads the output's gradient back over the axes it removed; with
``keepdims=False`` those axes are first put back as size-1 axes so that broadcasting lines up.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, NamedTuple

import numpy as np

from .. import kernels
from ..autograd import Function, constant, value
from ..checks import DimError, DtypeError, ShapeError, check_bool, check_number
from ..tensor import Tensor, get_default_dtype, is_floating_dtype
from .elementwise import Abs, Exp, PowScalar, Rounding, Rsqrt, Where
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
            raise DimError(f"{op}: axis {a} is out of range for a tensor of shape {shape}")
        result.append(a % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"{op}: axis {axis!r} repeats an axis")
    return tuple(sorted(result))


def reduced_axes(axis: Axis, shape: tuple[int, ...], op: str) -> tuple[int, ...]:
    """``normalize_axes`` for a reduction, with two readings of PyTorch's that NumPy lacks: an
    empty tuple of dims reduces over all of them (NumPy's reduces over none), and a 0-d tensor
    takes dim 0 or -1 as its one dim, which reduces nothing."""
    if isinstance(axis, (tuple, list)) and len(axis) == 0:
        axis = None
    if len(shape) == 0 and axis is not None:
        normalize_axes(axis, (1,), op)  # the range check, as if it had one dim
        return ()
    return normalize_axes(axis, shape, op)


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


class NanSum(Function):
    """z = sum of a over axes, NaNs counted as 0;  dz/da = 1 where a is not NaN, else 0

    The gradient is the output's copied back times that 0/1 mask (a product, as PyTorch's: an
    inf or NaN gradient arriving at a NaN place gives NaN there, not 0).
    """

    reads_inputs = ()
    reads_output = False

    def forward(self, a, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims
        self.kept = ~self.xp.isnan(a)
        return self.xp.where(self.kept, a, 0).sum(axis=axes, keepdims=keepdims)

    def backward(self, grad, z, a):
        if not self.keepdims:
            grad = grad.reshape(_kept_shape(a.shape, self.axes))
        return BroadcastTo.apply(grad, shape=a.shape) * constant(self.kept.astype(grad.dtype), grad)


class Prod(Function):
    """z = product of a along the last axis;  dz/da[i] = product of a[j] over j != i

    The derivative is not z / a[i], which is 0 / 0 where a[i] = 0: ``ProdOthers`` computes each
    product of the others directly, so a zero in the input gets the right gradient (the product
    of the rest) and every other element of its row gets 0.
    """

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return a.prod(axis=-1)

    def backward(self, grad, z, a):
        return grad.reshape(grad.shape + (1,)) * ProdOthers.apply(a)


class ProdOthers(Function):
    """z[i] = product of a[j] over j != i, along the last axis;
    dz[i]/da[j] = product of a[k] over k != i, j (for j != i), 0 for j = i

    Forward: the product of everything before i (an exclusive running product from the left)
    times the product of everything after it (from the right), so no division, no 0 / 0. The
    backward (second derivatives of ``prod``) lays each row out as an (n, n) matrix whose row i
    is a with a[i] replaced by 1, and takes the products of others of that: n^2 memory, paid
    only when a second derivative is asked for.
    """

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        xp = self.xp
        if a.shape[-1] == 0:
            return xp.ones_like(a)
        ones = xp.ones(a.shape[:-1] + (1,), dtype=a.dtype)
        before = xp.cumprod(xp.concatenate([ones, a[..., :-1]], axis=-1), axis=-1)
        after = xp.cumprod(xp.concatenate([ones, a[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        return before * after

    def backward(self, grad, z, a):
        n = a.shape[-1]
        diagonal = constant(self.xp.eye(n, dtype=bool), grad)
        one = constant(self.xp.ones((), dtype=grad.dtype), grad)
        zero = constant(self.xp.zeros((), dtype=grad.dtype), grad)
        rows = Where.apply(diagonal, one, a.reshape(a.shape[:-1] + (1, n)))  # (..., n, n)
        pairs = ProdOthers.apply(rows)  # [i, j]: product over k != i, j (when j != i)
        weights = Where.apply(diagonal, zero, grad.reshape(grad.shape + (1,)))
        return (weights * pairs).sum(axis=-2)


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


class Median(Function):
    """z = the lower median of all of a (the middle value, the lower of the two middle ones for
    an even count);  dz/da = 1/k at each of the k elements equal to z, else 0 (PyTorch's rule)"""

    reads_inputs = (0,)
    reads_output = True

    def forward(self, a):
        flat = a.reshape(-1)
        middle = self.xp.sort(flat)[(flat.size - 1) // 2]
        return self.xp.where(self.xp.isnan(flat).any(), self.xp.nan, middle).astype(a.dtype)

    def backward(self, grad, z, a):
        a, z = value(a), value(z)
        # piecewise constant in a, as for Max: a plain array, no graph
        chosen = (a == z) | ((a != a) & (z != z))  # a NaN median is the NaN elements'
        share = chosen / chosen.sum(dtype=grad.dtype)
        return grad * constant(share.astype(grad.dtype), grad)


class FirstMax(Function):
    """z = max (or min) of a along one axis;  dz/da = 1 at the first maximum along it, else 0

    The rule of max pooling and of ``max(a, dim)`` in PyTorch: a tie gives the whole gradient
    to the first of the tied elements (the one ``argmax`` names), where the ``amax`` reduction
    shares it.
    """

    reads_inputs = (0,)
    reads_output = True

    def forward(self, a, axis, smallest):
        self.axis, self.smallest = axis, smallest
        return a.min(axis=axis) if smallest else a.max(axis=axis)

    def backward(self, grad, z, a):
        kept = z.shape[: self.axis] + (1,) + z.shape[self.axis :]
        size = a.shape[self.axis]
        if self.xp is np and size <= 16:
            # A pooling window's k*k positions on the CPU: one pass per position is many times
            # faster than NumPy's argmax along a short axis (which copies it to the end first).
            first = self._first_by_passes(value(z).reshape(kept), value(a))
        else:
            # argmax names the first maximum, and a NaN as the maximum, as max itself does; on a
            # GPU this is 3 kernels where the passes above are 20.
            a = value(a)
            winner = (a.argmin if self.smallest else a.argmax)(axis=self.axis)
            positions = self.xp.arange(size).reshape((size,) + (1,) * (a.ndim - 1 - self.axis))
            first = self.xp.expand_dims(winner, self.axis) == positions
        return constant(first, grad) * grad.reshape(kept)  # 1 at the first maximum: no graph

    def _first_by_passes(self, top, a):
        is_top = (a == top) | ((a != a) & (top != top))  # a NaN maximum is the NaN elements'
        first = self.xp.zeros_like(is_top)
        along, into = self.xp.moveaxis(is_top, self.axis, 0), self.xp.moveaxis(first, self.axis, 0)
        taken = self.xp.zeros(along.shape[1:], dtype=bool)
        for position in range(along.shape[0]):
            into[position] = along[position] & ~taken
            taken |= along[position]
        return first


class CumSum(Function):
    """z_i = a_1 + ... + a_i along an axis;  dL/da_i = g_i + ... + g_n, the sum of the output
    gradients from i to the end (a reversed cumulative sum), computed as
    sum(g) - cumsum(g)_i + g_i so that it uses only this op and plain arithmetic"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, axis):
        self.axis = axis
        return self.xp.cumsum(a, axis=axis, dtype=a.dtype)  # NumPy would widen int8 to int64

    def backward(self, grad, z, a):
        return grad.sum(axis=self.axis, keepdims=True) - CumSum.apply(grad, axis=self.axis) + grad


class CumProd(Function):
    """z_i = a_1 * ... * a_i along an axis;  dz_i/da_k = prod_{j <= i, j != k} a_j for i >= k.

    Without zeros that is z_i / a_k, so dL/da_k = (sum_{i >= k} g_i z_i) / a_k: a reversed
    cumulative sum. With a zero in ``a`` (checked: a device sync on a GPU) the division fails,
    so the products leaving out each a_k are formed outright: an n x n matrix per row, with
    a_k replaced by 1 in row k, multiplied up along the row (exact, and n times the work).
    """

    reads_inputs = (0,)
    reads_output = True

    def forward(self, a, axis):
        self.axis = axis
        return self.xp.cumprod(a, axis=axis, dtype=a.dtype)

    def backward(self, grad, z, a):
        axis = self.axis
        if not bool((value(a) == 0).any()):
            gz = grad * z
            return (gz.sum(axis=axis, keepdims=True) - CumSum.apply(gz, axis=axis) + gz) / a
        last = a.ndim - 1
        rows, g = a.swapaxes(axis, last), grad.swapaxes(axis, last)
        n = a.shape[axis]
        eye = self.xp.eye(n, dtype=bool)
        one = constant(self.xp.ones((), dtype=grad.dtype), grad)
        # left_out[..., k, j] = a_j, or 1 where j = k; its running product along j leaves a_k out
        left_out = Where.apply(constant(eye, grad), one, rows[..., None, :])
        products = CumProd.apply(left_out, axis=last + 1)
        later = constant(self.xp.triu(self.xp.ones((n, n), dtype=grad.dtype)), grad)  # i >= k
        return (g[..., None, :] * products * later).sum(axis=last + 1).swapaxes(axis, last)


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


class Norm(Function):
    """z = (sum of |a|^p over axes)^(1/p) for a finite p != 0;
    dz/da = sign(a) |a|^(p-1) / z^(p-1)   (a / z for p = 2)

    Where z = 0 (all of a is 0) the formula is 0 / 0; the gradient is taken as 0 there, as
    PyTorch does (a subgradient: the norm has a kink at 0). For p < 1, |a|^(p-1) is infinite at
    a = 0 and that element's gradient is taken as 0 too.
    """

    reads_inputs = (0,)
    reads_output = True

    def forward(self, a, p, axes, keepdims):
        self.p, self.axes, self.keepdims = p, axes, keepdims
        xp = self.xp
        if p == 2:
            return xp.sqrt((a * a).sum(axis=axes, keepdims=keepdims))
        if p == 1:
            return xp.abs(a).sum(axis=axes, keepdims=keepdims)
        # p < 0: |0|^p = inf, so the norm is 0, on purpose
        return (xp.abs(a) ** p).sum(axis=axes, keepdims=keepdims) ** (1.0 / p)

    def backward(self, grad, z, a):
        kept = _kept_shape(a.shape, self.axes)
        grad, z = grad.reshape(kept), z.reshape(kept)
        p = self.p
        zero = constant(self.xp.zeros((), dtype=grad.dtype), grad)
        one = constant(self.xp.ones((), dtype=grad.dtype), grad)
        at_zero = constant(value(z) == 0, grad)
        if p == 2:
            scaled, denominator = a, z
        else:
            scaled = Rounding.apply(a, how="sign")  # sign(a), with a zero derivative
            if p != 1:
                scaled = scaled * PowScalar.apply(Abs.apply(a), exponent=p - 1)
            if p < 1:
                scaled = Where.apply(constant(value(a) == 0, grad), zero, scaled)
            denominator = PowScalar.apply(z, exponent=p - 1)
        scale = Where.apply(at_zero, zero, grad / Where.apply(at_zero, one, denominator))
        return scaled * scale


class Softmax(Function):
    """z = exp(a) / sum(exp(a)) along an axis;  dz/da applied to g is z * (g - sum(g * z))

    ``keep`` (attention's mask, a boolean array that broadcasts to a) leaves out the places
    where it is False: a is taken as -inf there, so z = 0 and their gradient is 0, with no
    separate ``where`` op in the graph. With ``empty_rows_zero`` a row of only -inf (a query
    that may look at no key) gives z = 0 instead of 0/0 = NaN; the backward formula then gives
    0 there too.

    exp(a - c) / sum(exp(a - c)) is the same for any c per row, and c = the row's maximum keeps
    exp from overflowing. On the CPU, NumPy finds maxima along a short axis slowly (0.5 ms for
    attention's 32x4x64x64 scores, twice the exp), so c is first the maximum of the whole
    array, one number, as safe against overflow; only if some row lies so far below it that its
    exp would underflow (its sum is below tiny / eps^2) are the rows' own maxima taken. Sums
    along the last axis are products with a vector of ones (see ``row_sums``).
    """

    reads_inputs = ()
    reads_output = True

    def forward(self, a, axis, keep=None, empty_rows_zero=False):
        self.axis = axis
        xp = self.xp
        # -inf where masked, added to the scores as PyTorch adds its mask (keep's shape: small)
        mask = None if keep is None else xp.where(keep, 0, -math.inf).astype(a.dtype)
        if xp is np and a.size:
            top = a.max()  # masked places included: no smaller than the largest one kept
            if math.isfinite(top):  # NaN or inf: each row by itself, below
                shift = -top if mask is None else mask - top  # mask and shift in one pass
                e, total = self._exp_and_sums(a, shift)
                info = np.finfo(a.dtype)
                if bool((total >= info.tiny / info.eps**2).all()):  # no row underflowed
                    e /= total
                    return e
        if mask is not None:
            a = a + mask
        top = a.max(axis=axis, keepdims=True)
        if empty_rows_zero:
            top = xp.where(top == -math.inf, 0, top)  # exp(-inf - 0) = 0, not exp(nan)
        e, total = self._exp_and_sums(a, -top)
        if empty_rows_zero:
            total = xp.where(total == 0, 1, total)  # 0 only in an empty row: 0 / 1 = 0
        e /= total
        return e

    def _exp_and_sums(self, a, shift):
        e = a + shift  # shift = -maximum (and -inf where masked): exp cannot overflow
        self.xp.exp(e, out=e)  # in place: e is this op's own new array
        return e, self._sums(e)

    def _sums(self, x):
        """x summed along the axis, kept as size 1 (along the last axis: ``row_sums``)."""
        if self.axis == x.ndim - 1:
            return row_sums(x)
        return x.sum(axis=self.axis, keepdims=True)

    def backward(self, grad, z, a):
        return z * (grad - self._sums(grad * z))


class SoftmaxCrossEntropy(Function):
    """loss[n] = w[n] (logsumexp(x[n]) - x[n, t[n]]);  dloss[n]/dx[n] = w[n] (p[n] - onehot(t[n]))

    log_softmax, picking the target, negating and the reduction ('none', 'sum' or 'mean' over
    the samples: divided by N, or by sum(w) when samples are weighted) fused into one op: its
    gradient is the well-known "probabilities minus one-hot", with no intermediate graph. The
    optional per-sample weights w carry the class weights and ignored targets (w = 0). (The max
    is subtracted before exp, so logits of any size stay finite.)

    ``kept`` (a boolean per sample, None when no target is ignored) marks the samples that are
    not ignored. An ignored sample is out of the loss altogether, as in PyTorch: its loss is 0
    and its gradient exactly 0, even when every sample is ignored and the 'mean' is 0 / 0 = NaN
    (a batch of pure padding must not fill a model's gradients with NaN: w[n] / sum(w) would be
    0 / 0 there). A kept sample's gradient stays w[n] / sum(w), NaN when its weight and all the
    others are 0, as PyTorch's.
    """

    reads_inputs = (0,)
    reads_output = False

    def forward(self, logits, target, reduction, sample_weight=None, kept=None):
        self.target, self.reduction = target, reduction
        xp = self.xp
        if kernels.usable(xp, logits) and 0 < logits.size and logits.shape[1] <= _ROW_LOOP_CLASSES:
            # on the GPU: the else branch's lines in one kernel, a thread per row (_CROSS_ENTROPY)
            logits = xp.ascontiguousarray(logits)
            self.probabilities = xp.empty_like(logits)
            losses = xp.empty(len(target), dtype=logits.dtype)
            kernel = kernels.kernel("cross_entropy_rows", *_CROSS_ENTROPY["rows"])
            self.rows = None  # the plain backward's row indices: not needed by the kernel's
            kernel(logits, xp.ascontiguousarray(target), logits.shape[1], self.probabilities,
                   losses, size=len(target))  # fmt: skip
        else:
            shifted = logits - logits.max(axis=1, keepdims=True)
            exp = xp.exp(shifted)
            total = exp.sum(axis=1, keepdims=True)
            self.probabilities = exp / total  # softmax, kept for an unrecorded backward
            self.rows = xp.arange(len(target))
            losses = xp.log(total[:, 0]) - shifted[self.rows, target]
        if sample_weight is not None:
            losses = losses * sample_weight
        if kept is not None:  # 0, not 0 * a NaN or inf loss, for an ignored (padding) row
            losses = xp.where(kept, losses, 0)
        # The gradient's factor for each row, w[n] (/ sum(w) for 'mean'), 0 for an ignored row
        # whatever the sum; None: 1 (/ N for 'mean') for every row.
        self.weight = sample_weight
        if reduction == "none":
            return losses
        if reduction == "sum":
            return losses.sum()
        if sample_weight is None:
            count = len(target)
            self.weight = 1.0 / count if count else None  # N = 0: no rows, nothing to scale
        else:
            count = sample_weight.sum()
            self.weight = sample_weight / count
            if kept is not None:
                self.weight = xp.where(kept, self.weight, 0)
        return losses.sum() / count

    def backward(self, grad, loss, logits):
        if isinstance(logits, Tensor):  # recorded: softmax as an op, so it can be differentiated
            probabilities = Softmax.apply(logits, axis=1)
        else:
            probabilities = self.probabilities
        if self.reduction == "none":
            grad = grad.reshape(-1, 1)  # one gradient per sample, for its row
        weight = self.weight
        if isinstance(weight, float):
            grad, weight = grad * weight, None
        elif weight is not None:
            weight = constant(weight.reshape(-1, 1).astype(logits.dtype), grad)
        xp = self.xp
        if not isinstance(grad, Tensor) and kernels.usable(xp, probabilities):
            # on the GPU: (p - onehot) * grad (* w) in one kernel, no one-hot array. The kernel's
            # scale is the row's factor (0 for an ignored row, already divided by sum(w) for
            # 'mean') times the incoming gradient: the same arithmetic as before, only the
            # division moved into the factor, so that an ignored row gets 0 rather than 0 / 0.
            scale = grad if weight is None else grad * weight
            result = xp.empty_like(probabilities)
            kernel = kernels.kernel("cross_entropy_grad", *_CROSS_ENTROPY["grad"])
            kernel(probabilities, self.target.reshape(-1, 1), scale, logits.shape[1], result)
            return result
        rows = xp.arange(len(self.target)) if self.rows is None else self.rows
        onehot = xp.zeros(logits.shape, dtype=logits.dtype)
        onehot[rows, self.target] = 1
        result = (probabilities - constant(onehot, grad)) * grad
        return result if weight is None else result * weight


# SoftmaxCrossEntropy on the GPU (minigrad.kernels): forward's lines for one row n = i, in one
# thread that loops over the row's C classes; and backward's, for one element i = (n, k). A
# thread per row suits the class counts of the examples (10 to a few hundred); over
# _ROW_LOOP_CLASSES the array code above, whose reductions spread a row over many threads, runs.
_ROW_LOOP_CLASSES = 1024
_CROSS_ENTROPY = {
    "rows": (
        "raw T logits, raw S target, int64 classes",
        "raw T probabilities, raw T losses",
        """
        ptrdiff_t row = i * classes;
        T top = logits[row];
        for (ptrdiff_t k = 1; k < classes; k++) {      // the row's maximum (NaN wins, as in max)
            T v = logits[row + k];
            top = (v > top || v != v) ? v : top;
        }
        T total = 0;
        for (ptrdiff_t k = 0; k < classes; k++) {
            T e = exp(logits[row + k] - top);
            probabilities[row + k] = e;
            total += e;
        }
        for (ptrdiff_t k = 0; k < classes; k++) probabilities[row + k] /= total;
        losses[i] = log(total) - (logits[row + target[i]] - top);
        """,
    ),
    "grad": (
        "T p, S t, T scale, int64 classes",  # t: the row's target, (N, 1); scale: () or (N, 1)
        "T dx",
        "dx = (i % classes == t ? p - 1 : p) * scale;  // i % classes: the column k",
    ),
}


class LayerNorm(Function):
    """y = n * w + b,  n = (x - mean) / sigma,  sigma = sqrt(var + eps), with mean and var (biased)
    over the last ``dims`` dims, separately at every position of the dims before them;

        dx = (dn - mean(dn) - n * mean(dn * n)) / sigma,   dn = dy * w
        dw = sum(dy * n),   db = sum(dy)                    (sums over the leading dims)

    The weight w and the bias b are optional. x is seen as a matrix, a row per position and a
    column per normalized value; on the CPU every mean along a row is a matrix-vector product
    with a vector of ones, and so is every sum over the rows (``row_sums``, ``column_sums``):
    BLAS does these several times faster than NumPy's reductions. Forward keeps n and
    1/sigma; an ordinary backward uses them, a recorded one (``create_graph``) computes them
    again as ops of x, so that the gradient can itself be differentiated. The backward's
    formulas then read the same on arrays and on Tensors.
    """

    # x (a recorded backward normalizes it again) and the weight (without one, input 1 is the
    # bias, which is not read: checking it too costs nothing in an ordinary step)
    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, x, *affine, dims, eps, has_weight, has_bias):
        self.dims, self.eps, self.has_weight, self.has_bias = dims, eps, has_weight, has_bias
        size = math.prod(x.shape[x.ndim - dims :])
        self.normed, self.inverse_std = _normalize_rows(x.reshape(-1, size), eps)
        out = self.normed * affine[0].reshape(-1) if has_weight else self.normed.copy()
        if has_bias:
            out += affine[-1].reshape(-1)  # out is this op's own fresh array
        return out.reshape(x.shape)

    def backward(self, grad, y, x, *affine):
        size = math.prod(x.shape[x.ndim - self.dims :])
        if isinstance(x, Tensor):  # recorded: n and 1/sigma again, as ops of x
            normed, inverse_std = _normalize_rows(x.reshape(-1, size), self.eps)
        else:
            normed, inverse_std = self.normed, self.inverse_std
        dy = grad.reshape(-1, size)
        needs = self.needs_input_grad
        grads = []
        if needs[0]:
            dn = dy * affine[0].reshape(-1) if self.has_weight else dy
            dx = (dn - _row_means(dn) - normed * _row_means(dn * normed)) * inverse_std
            grads.append(dx.reshape(x.shape))
        else:
            grads.append(None)
        if self.has_weight:
            grad_weight = column_sums(dy * normed).reshape(affine[0].shape) if needs[1] else None
            grads.append(grad_weight)
        if self.has_bias:
            grads.append(column_sums(dy).reshape(affine[-1].shape) if needs[-1] else None)
        return tuple(grads)


def row_sums(a: Any) -> Any:
    """a.sum(axis=-1, keepdims=True): the sum of each row, kept as a column.

    For a NumPy array, a matrix-vector product with a vector of ones: NumPy reduces along a
    short last axis one row at a time, BLAS does not (the tiny GPT's 32x4x64x64 attention
    scores: 37 us against 220 us). A GPU array, or a Tensor in a recorded backward, is simply
    summed: on a GPU the reduction is one kernel, the product two.
    """
    if type(a) is not np.ndarray:
        return a.sum(axis=-1, keepdims=True)
    return (a @ np.ones(a.shape[-1], a.dtype)).reshape(a.shape[:-1] + (1,))


def column_sums(a: Any) -> Any:
    """a.sum(axis=0) for a matrix: the sum of its rows. For a NumPy array, ones @ a, one BLAS
    product, where NumPy adds a tall, narrow matrix row by row (2048 x 64: 8 us against 56 us)."""
    if type(a) is not np.ndarray:
        return a.sum(axis=0)
    return np.ones(a.shape[0], a.dtype) @ a


def _row_means(rows: Any) -> Any:
    """The mean of each row of a matrix, as a column."""
    return row_sums(rows) * (1.0 / rows.shape[-1])


def _normalize_rows(rows: Any, eps: float) -> tuple[Any, Any]:
    """(rows - mean) / sqrt(var + eps) row by row, and 1 / sqrt(var + eps) as a column."""
    centered = rows - _row_means(rows)
    inverse_std = Rsqrt.apply(_row_means(centered * centered) + eps)
    return centered * inverse_std, inverse_std


# ---- the public functions -----------------------------------------------------------------------
def dim_arg(dim: Any, axis: Any, op: str) -> Any:
    """PyTorch's ``dim=``, or NumPy's ``axis=``, accepted as its alias; not both."""
    if axis is None:
        return dim
    if dim is not None:
        raise TypeError(f"{op}: give dim or axis (NumPy's name for it), not both")
    return axis


def _keep(keepdim: bool, keepdims: bool | None) -> bool:
    return keepdim if keepdims is None else keepdims  # keepdims: NumPy's name for keepdim


class ValuesIndices(NamedTuple):
    """What ``max(dim)``, ``min(dim)``, ``sort`` and ``median(dim)`` return, as PyTorch's
    ``torch.return_types.max`` and its kin."""

    values: Tensor
    indices: Tensor


def sum(
    a: Tensor,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Sum over ``dim`` (an int, a tuple, or None for all); ``dtype`` converts ``a`` first."""
    a = a if dtype is None else a.astype(dtype)
    if a.dtype.kind in "biu":
        a = a.astype(np.int64)  # as PyTorch: every integer and bool sum is int64 (uint8 too)
    axes = reduced_axes(dim_arg(dim, axis, "sum"), a.shape, "sum")
    return Sum.apply(a, axes=axes, keepdims=_keep(keepdim, keepdims))


def mean(
    a: Tensor,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Average over ``dim``: the sum divided by the number of values summed (``dtype``
    converts ``a`` first, as in PyTorch). Over no values it is 0 / 0 = NaN, as PyTorch's."""
    a = a if dtype is None else a.astype(dtype)
    axes = reduced_axes(dim_arg(dim, axis, "mean"), a.shape, "mean")
    _need_floats(a, "mean")
    count = math.prod(a.shape[i] for i in axes)
    return Sum.apply(a, axes=axes, keepdims=_keep(keepdim, keepdims)) * (
        1.0 / count if count else math.nan
    )


def nansum(
    a: Tensor,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """``sum`` with every NaN counted as 0 (PyTorch's ``nansum``): 0 where all are NaN."""
    a = a if dtype is None else a.astype(dtype)
    axes = reduced_axes(dim_arg(dim, axis, "nansum"), a.shape, "nansum")
    if not is_floating_dtype(a.dtype):  # no NaN to skip: the plain sum (int64 for integers)
        return sum(a, axes, _keep(keepdim, keepdims))
    return NanSum.apply(a, axes=axes, keepdims=_keep(keepdim, keepdims))


def nanmean(
    a: Tensor,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """The mean of the values that are not NaN (PyTorch's ``nanmean``): their ``nansum``
    divided by their count, so NaN where all are NaN (0 / 0), as an empty ``mean``."""
    a = a if dtype is None else a.astype(dtype)
    dim = dim_arg(dim, axis, "nanmean")
    _need_floats(a, "nanmean")
    keep = _keep(keepdim, keepdims)
    count = sum(Tensor._wrap(~a.xp.isnan(a.data), a.device), dim, keep).astype(a.dtype)
    return nansum(a, dim, keep) / count


def prod(
    a: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: int | None = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Product of all values, or along one ``dim``; 1 over an empty axis.

    Integers and bools multiply in int64, as in PyTorch; ``dtype`` converts ``a`` first (as
    ``sum``'s and PyTorch's). The gradient is exact where the input holds zeros (see ``Prod``).
    """
    a = a if dtype is None else a.astype(dtype)
    dim = dim_arg(dim, axis, "prod")
    if dim is not None and (not isinstance(dim, int) or isinstance(dim, bool)):
        raise TypeError(f"prod: dim must be one int (or None for all), got {dim!r}")
    if a.dtype.kind in "iub":
        a = a.astype(np.int64)
    keep = _keep(keepdim, keepdims)
    if dim is None:
        out = Prod.apply(a.reshape(-1))
        return out.reshape((1,) * a.ndim) if keep else out
    if a.ndim == 0:  # as PyTorch: dim 0 or -1 of a 0-d tensor is its one value
        normalize_axes(dim, (1,), "prod")
        return prod(a.reshape(1), 0)
    (axis,) = normalize_axes(dim, a.shape, "prod")
    shape = a.shape
    if axis != a.ndim - 1:  # the product runs along the last axis: move dim there
        a = a.permute([i for i in range(a.ndim) if i != axis] + [axis])
    out = Prod.apply(a)
    return out.reshape(_kept_shape(shape, (axis,))) if keep else out


def _need_floats(a: Tensor, op: str) -> None:
    """PyTorch refuses the mean and variance of integers (what dtype would they be?); so does
    minigrad, rather than pick one. ``dtype=`` (for mean) or ``.float()`` converts first."""
    if not is_floating_dtype(a.dtype):
        raise DtypeError(
            f"{op}: needs a floating tensor, got {a.dtype}; convert it first, e.g. x.float()"
        )


def _nonempty_axes(a: Tensor, axis: Axis, op: str) -> tuple[int, ...]:
    axes = reduced_axes(axis, a.shape, op)
    if any(a.shape[i] == 0 for i in axes):
        raise ShapeError(f"{op}: reducing over an empty axis of shape {a.shape}")
    return axes


def amax(
    a: Tensor,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Largest value over ``dim`` (an int, a tuple, or None); ties share the gradient equally."""
    axes = _nonempty_axes(a, dim_arg(dim, axis, "amax"), "amax")
    return Max.apply(a, axes=axes, keepdims=_keep(keepdim, keepdims), smallest=False)


def amin(
    a: Tensor,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Smallest value over ``dim`` (an int, a tuple, or None); ties share the gradient equally."""
    axes = _nonempty_axes(a, dim_arg(dim, axis, "amin"), "amin")
    return Max.apply(a, axes=axes, keepdims=_keep(keepdim, keepdims), smallest=True)


def _extreme(
    a: Tensor, dim: Any, keepdim: bool, axis: Any, keepdims: bool | None, smallest: bool
) -> Any:
    """PyTorch's max/min: of everything (a 0-d tensor), along one dim ((values, indices)), or
    elementwise against another tensor."""
    op = "min" if smallest else "max"
    if isinstance(dim, Tensor):  # torch.max(input, other): the elementwise maximum
        from .elementwise import maximum, minimum

        return minimum(a, dim) if smallest else maximum(a, dim)
    dim = dim_arg(dim, axis, op)
    if dim is None:
        return Max.apply(a, axes=_nonempty_axes(a, None, op), keepdims=False, smallest=smallest)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be one int (for several, use a{op}), got {dim!r}")
    if a.ndim == 0:  # as PyTorch: dim 0 or -1 of a 0-d tensor, its value at index 0
        normalize_axes(dim, (1,), op)
        values, indices = _extreme(a.reshape(1), 0, False, None, None, smallest)
        return ValuesIndices(values.reshape(()), indices.reshape(()))
    (axis,) = _nonempty_axes(a, dim, op)
    keep = _keep(keepdim, keepdims)
    values = FirstMax.apply(a, axis=axis, smallest=smallest)
    indices = (a.data.argmin if smallest else a.data.argmax)(axis=axis)
    if keep:
        values = values.reshape(_kept_shape(a.shape, (axis,)))
        indices = indices.reshape(_kept_shape(a.shape, (axis,)))
    return ValuesIndices(values, Tensor._wrap(indices, a.device))


def max(
    a: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Any:
    """As PyTorch's: ``max(a)`` the largest value (ties share its gradient, as ``amax``);
    ``max(a, dim)`` the named tuple ``(values, indices)`` along one dim, each value's gradient
    going to the element its index names (the first maximum); ``max(a, b)`` elementwise."""
    return _extreme(a, dim, keepdim, axis, keepdims, smallest=False)


def min(
    a: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Any:
    """As ``max``, for the smallest values."""
    return _extreme(a, dim, keepdim, axis, keepdims, smallest=True)


def first_max(a: Tensor, axis: int) -> Tensor:
    """Largest value along ``axis``; its whole gradient goes to the first maximum (pooling)."""
    (axis,) = _nonempty_axes(a, axis, "first_max")
    return FirstMax.apply(a, axis=axis, smallest=False)


def var(
    a: Tensor,
    dim: Axis = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | None = None,
    ddof: int | None = None,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Variance over ``dim``: sum((a - mean(a))^2) / (n - correction).

    ``correction`` defaults to 1 (the unbiased estimate), as in PyTorch; ``unbiased=False`` or
    ``correction=0`` divides by n. NumPy's ``ddof`` is accepted as the same thing under its
    name (NumPy's default is 0: pass it to get NumPy's result).

    The positional order is PyTorch's ``var(dim, unbiased, keepdim)``, and ``var(False)`` is
    ``var(unbiased=False)`` over everything, as there.
    """
    if isinstance(dim, bool):  # PyTorch's var(unbiased): a bool is never a dim
        if unbiased is not None:
            raise TypeError("var: unbiased given twice (a bool dim is read as unbiased)")
        dim, unbiased = None, dim
    given = {
        name: value
        for name, value in (("correction", correction), ("ddof", ddof), ("unbiased", unbiased))
        if value is not None
    }
    if len(given) > 1:
        raise TypeError(f"var: give one of correction, unbiased or ddof, got {sorted(given)}")
    name, chosen = next(iter(given.items()), ("correction", 1))
    correction = int(chosen) if name != "unbiased" else (1 if chosen else 0)
    axes = reduced_axes(dim_arg(dim, axis, "var"), a.shape, "var")
    _need_floats(a, "var")
    count = math.prod(a.shape[i] for i in axes)
    if count - correction <= 0:
        # PyTorch's answer, with its warning: the sum of squares over max(0, n - correction) =
        # 0, so 0 / 0 = NaN (one value, or none) or inf. Times inf is that division by +0 for
        # a sum of squares (never negative), and its gradient NaN, also as PyTorch's.
        warnings.warn(
            f"var: {count} values over dim {axes} leave no degrees of freedom for "
            f"{name}={chosen} (n - correction <= 0): the result is NaN or inf",
            UserWarning,
            stacklevel=2,
        )
    scale = 1.0 / (count - correction) if count - correction > 0 else math.inf
    centered = a - mean(a, axes, keepdim=True)
    return sum(centered * centered, axes, _keep(keepdim, keepdims)) * scale


def std(
    a: Tensor, dim: Axis = None, unbiased: bool | None = None, keepdim: bool = False, **kwargs: Any
) -> Tensor:
    """Standard deviation: the square root of ``var`` (same arguments, unbiased by default).

    Where it is 0 (all values equal) its gradient is 0, as PyTorch's, not 0 / 0."""
    from .elementwise import sqrt, where

    variance = var(a, dim, unbiased, keepdim, **kwargs)
    # sqrt's slope is infinite at 0, and 0 * inf is NaN: take 0 there, away from sqrt
    flat = Tensor._wrap(variance.data == 0, variance.device)
    return where(flat, 0.0, sqrt(where(flat, 1.0, variance)))


def var_mean(
    a: Tensor, dim: Axis = None, unbiased: bool | None = None, keepdim: bool = False, **kwargs: Any
) -> tuple:
    """``(var(a, ...), mean(a, ...))`` over the same dims, as PyTorch's ``var_mean`` (unbiased
    by default: ``correction=1``; the mean never takes a correction)."""
    dims = dim_arg(dim, kwargs.pop("axis", None), "var_mean")
    keep = _keep(keepdim, kwargs.pop("keepdims", None))
    if isinstance(dims, bool):
        dims, unbiased = None, dims  # var_mean(unbiased), as var's
    return var(a, dims, unbiased, keep, **kwargs), mean(a, dims, keepdim=keep)


def std_mean(
    a: Tensor, dim: Axis = None, unbiased: bool | None = None, keepdim: bool = False, **kwargs: Any
) -> tuple:
    """``(std(a, ...), mean(a, ...))`` over the same dims, as PyTorch's ``std_mean``."""
    dims = dim_arg(dim, kwargs.pop("axis", None), "std_mean")
    keep = _keep(keepdim, kwargs.pop("keepdims", None))
    if isinstance(dims, bool):
        dims, unbiased = None, dims
    return std(a, dims, unbiased, keep, **kwargs), mean(a, dims, keepdim=keep)


def norm(
    a: Tensor,
    p: float | str = "fro",
    dim: Axis = None,
    keepdim: bool = False,
) -> Tensor:
    """The vector p-norm of ``a`` over ``dim`` (all of it by default), as ``torch.norm``:

        p finite, != 0:  (sum |a|^p)^(1/p)      ('fro' is p = 2, over any dims)
        p = inf, -inf:   max |a|, min |a|       (ties share the gradient)
        p = 0:           the count of nonzero values (gradient 0)

    The gradient is 0 where the norm is 0 (PyTorch's choice at that kink), never NaN.
    """
    if not a.dtype.kind == "f":
        raise DtypeError(f"norm: needs a floating tensor, got {a.dtype}")
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(
                f"norm: p must be a number or 'fro', got {p!r} (the matrix norms, such as "
                "'nuc', are not available)"
            )
        p = 2.0
    p = check_number("norm", "p", p, allow_inf=True)
    axes = reduced_axes(dim, a.shape, "norm")
    keep = check_bool("norm", "keepdim", keepdim)
    from .elementwise import abs as absolute

    if p == math.inf:
        return amax(absolute(a), axes, keep)
    if p == -math.inf:
        return amin(absolute(a), axes, keep)
    if p == 0:
        from .elementwise import sign

        return sum(sign(absolute(a)), axes, keep)  # 1 per nonzero value, through a zero gradient
    return Norm.apply(a, p=p, axes=axes, keepdims=keep)


def dist(a: Tensor, other: Any, p: float = 2.0) -> Tensor:
    """The p-norm of ``a - other`` (broadcasting), over all of it: ``norm(a - other, p)``."""
    return norm(a - other, p)


def logsumexp(
    a: Tensor,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """log(sum(exp(a))) over ``dim``, without overflow."""
    if not is_floating_dtype(a.dtype):
        a = a.astype(get_default_dtype())  # as exp of integers, and PyTorch's logsumexp
    axes = reduced_axes(dim_arg(dim, axis, "logsumexp"), a.shape, "logsumexp")
    if any(a.shape[i] == 0 for i in axes):  # log(0) over no values, as PyTorch's: -inf
        return Sum.apply(a, axes=axes, keepdims=_keep(keepdim, keepdims)) + (-math.inf)
    return LogSumExp.apply(a, axes=axes, keepdims=_keep(keepdim, keepdims))


def softmax(a: Tensor, dim: int = -1, *, dtype: Any = None, axis: int | None = None) -> Tensor:
    """exp(a) / sum(exp(a)) along ``dim`` (numerically stable); ``dtype`` converts ``a`` first."""
    a = a if dtype is None else a.astype(dtype)
    if not is_floating_dtype(a.dtype):
        a = a.astype(get_default_dtype())  # as exp of integers
    if a.ndim == 0:  # as PyTorch: dim 0 or -1 of a 0-d tensor, whose softmax is 1
        normalize_axes(axis if axis is not None else dim, (1,), "softmax")
        return softmax(a.reshape(1), 0).reshape(())
    (axis,) = normalize_axes(axis if axis is not None else dim, a.shape, "softmax")
    if a.numel() == 0:  # nothing to normalize: the empty input itself, as PyTorch's
        return a * 1.0
    return Softmax.apply(a, axis=axis)


def log_softmax(a: Tensor, dim: int = -1, *, dtype: Any = None, axis: int | None = None) -> Tensor:
    """log(softmax(a)) = a - logsumexp(a), which stays finite where softmax underflows to 0;
    ``dtype`` converts ``a`` first."""
    a = a if dtype is None else a.astype(dtype)
    if a.ndim == 0:
        normalize_axes(axis if axis is not None else dim, (1,), "log_softmax")
        return log_softmax(a.reshape(1), 0).reshape(())
    axes = normalize_axes(axis if axis is not None else dim, a.shape, "log_softmax")
    if a.numel() == 0:  # nothing to normalize: the empty input itself, as PyTorch's
        return a * 1.0
    return a - logsumexp(a, axes, keepdim=True)


def layer_norm(
    a: Tensor, dims: int, weight: Tensor | None, bias: Tensor | None, eps: float
) -> Tensor:
    """(a - mean) / sqrt(var + eps) * weight + bias over the last ``dims`` dims (see
    ``LayerNorm``); ``minigrad.nn.functional.layer_norm`` checks the arguments and calls this."""
    affine = [t for t in (weight, bias) if t is not None]
    return LayerNorm.apply(
        a, *affine, dims=dims, eps=eps, has_weight=weight is not None, has_bias=bias is not None
    )


def softmax_cross_entropy(
    logits: Tensor,
    target: Any,
    reduction: str = "mean",
    sample_weight: Any = None,
    kept: Any = None,
) -> Tensor:
    """-log softmax(logits)[n, target[n]] per row, times ``sample_weight[n]`` if given, then
    reduced: 'none', 'sum' or 'mean' (divided by N, or by the sum of the sample weights).

    ``logits`` is (N, C) and ``target`` an integer array of N class indices already checked to
    lie in [0, C) (``minigrad.nn.functional.cross_entropy`` checks them and calls this).
    ``kept``: a boolean array, False for the ignored samples (loss and gradient 0), or None.
    """
    return SoftmaxCrossEntropy.apply(
        logits, target=target, reduction=reduction, sample_weight=sample_weight, kept=kept
    )


def argmax(
    a: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None
) -> Tensor:
    """Index of the largest value (the first one), over everything or along ``dim``: an int64
    tensor, not differentiable."""
    return _arg_extreme(a, dim_arg(dim, axis, "argmax"), keepdim, "argmax")


def argmin(
    a: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None
) -> Tensor:
    """Index of the smallest value (the first one), over everything or along ``dim``."""
    return _arg_extreme(a, dim_arg(dim, axis, "argmin"), keepdim, "argmin")


def _arg_extreme(a: Tensor, dim: int | None, keepdim: bool, op: str) -> Tensor:
    if dim is None:
        index = getattr(a.data, op)()
        return Tensor._wrap(a.xp.asarray(index).reshape((1,) * a.ndim if keepdim else ()), a.device)
    if a.ndim == 0:  # dim 0 or -1 of a 0-d tensor: index 0, as PyTorch's
        normalize_axes(dim, (1,), op)
        return Tensor._wrap(a.xp.zeros((), dtype=np.int64), a.device)
    (dim,) = _nonempty_axes(a, dim, op)
    index = getattr(a.data, op)(axis=dim)
    if keepdim:
        index = index.reshape(_kept_shape(a.shape, (dim,)))
    return Tensor._wrap(a.xp.asarray(index), a.device)


def _take_along(a: Tensor, indices: Any, axis: int) -> Tensor:
    """a's values at ``indices`` along ``axis`` (NumPy's take_along_axis), differentiable: each
    value's gradient goes back to the element it was taken from. The indices are already known
    to be in range (they come from a sort), so getitem's bounds check is skipped."""
    from .shape import GetItem

    xp = a.xp
    index = tuple(
        indices if k == axis else xp.arange(n).reshape((n,) + (1,) * (indices.ndim - 1 - k))
        for k, n in enumerate(indices.shape)
    )
    return GetItem.apply(a, index=index)


def _stable_argsort(data: Any, axis: int, descending: bool, xp: Any) -> Any:
    """Indices that sort ``data`` along ``axis``, equal values kept in their original order.

    Descending: sort the reversed data ascending and reverse the result, which turns its order
    into descending while equal values, reversed twice, come back in their original order. NaN
    counts as the largest value (last ascending, first descending), as in PyTorch.
    """
    if not descending:
        return xp.argsort(data, axis=axis, kind="stable")
    n = data.shape[axis]
    flipped = xp.flip(xp.argsort(xp.flip(data, axis=axis), axis=axis, kind="stable"), axis=axis)
    return (n - 1) - flipped


def _sort_axis(a: Tensor, dim: int, op: str) -> int:
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if a.ndim == 0:
        if dim not in (0, -1):
            raise DimError(f"{op}: dim {dim} is out of range for a 0-d tensor")
        return 0
    (axis,) = normalize_axes(dim, a.shape, op)
    return axis


def sort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
    """The values along ``dim`` in order, and where each came from: ``(values, indices)``.

    The sort is always stable (equal values keep their order; ``stable`` is accepted for
    PyTorch's signature), NaN sorts as the largest value, and each value's gradient goes back
    to the element it came from.
    """
    axis = _sort_axis(a, dim, "sort")
    check_bool("sort", "descending", descending)
    check_bool("sort", "stable", stable)
    if a.ndim == 0:
        return ValuesIndices(a * 1, Tensor._wrap(a.xp.zeros((), dtype=np.int64), a.device))
    indices = _stable_argsort(a.data, axis, descending, a.xp)
    return ValuesIndices(_take_along(a, indices, axis), Tensor._wrap(indices, a.device))


def argsort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``a`` along ``dim`` (``sort(...).indices``; stable, NaN largest)."""
    axis = _sort_axis(a, dim, "argsort")
    check_bool("argsort", "descending", descending)
    check_bool("argsort", "stable", stable)
    if a.ndim == 0:
        return Tensor._wrap(a.xp.zeros((), dtype=np.int64), a.device)
    return Tensor._wrap(_stable_argsort(a.data, axis, descending, a.xp), a.device)


# ---- index queries: data-dependent sizes, so on a GPU each reads back (a device sync) ----------
def _query_input(a: Any, op: str) -> Tensor:
    if not isinstance(a, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(a).__name__}")
    return a


def nonzero(a: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of ``a``'s nonzero elements (NaN counts as nonzero), as PyTorch's ``nonzero``:
    an int64 tensor of shape (count, a.ndim), one row per element in row-major order, or with
    ``as_tuple=True`` one 1-D tensor per dim (a 0-d input counts as 1-d). Not differentiable.
    The output's size depends on the values: on a GPU this waits for them (a device sync)."""
    a = _query_input(a, "nonzero")
    check_bool("nonzero", "as_tuple", as_tuple)
    xp = a.xp
    if as_tuple:
        data = a.data.reshape(1) if a.ndim == 0 else a.data
        return tuple(Tensor._wrap(i.astype(np.int64), a.device) for i in xp.nonzero(data))
    if a.ndim == 0:  # shape (1, 0) or (0, 0), as PyTorch: one "row" of no coordinates, or none
        rows = int(bool(a.data != 0))
        return Tensor._wrap(xp.zeros((rows, 0), dtype=np.int64), a.device)
    return Tensor._wrap(xp.argwhere(a.data).astype(np.int64), a.device)


def argwhere(a: Tensor) -> Tensor:
    """``nonzero(a)``: the (count, a.ndim) int64 indices of the nonzero elements (a device sync
    on a GPU)."""
    return nonzero(_query_input(a, "argwhere"))


def unique(
    a: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct values of ``a``, flattened and sorted ascending, as PyTorch's ``unique``;
    with ``return_inverse`` also the int64 index of each element's value in them (``a``'s
    shape), with ``return_counts`` how often each occurs. Every NaN is its own value, as in
    PyTorch. ``sorted=False`` sorts too (PyTorch's CPU kernel does the same); ``dim`` must be
    None. Not differentiable; the size depends on the values (a device sync on a GPU).
    """
    a = _query_input(a, "unique")
    for name, flag in (("sorted", sorted), ("return_inverse", return_inverse)):
        check_bool("unique", name, flag)
    check_bool("unique", "return_counts", return_counts)
    if dim is not None:
        raise NotImplementedError(
            f"unique: only dim=None (flattened) is supported, got dim={dim!r}"
        )
    xp = a.xp
    flat = a.data.reshape(-1)
    order = _stable_argsort(flat, 0, False, xp)
    ordered = flat[order]
    # a new value starts wherever a sorted element differs from the one before it; NaN != NaN,
    # so each NaN starts its own
    starts = xp.ones(flat.shape, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    values = ordered[starts]
    result = [Tensor._wrap(values, a.device)]
    if return_inverse:
        inverse = xp.empty(flat.shape, dtype=np.int64)
        inverse[order] = xp.cumsum(starts, dtype=np.int64) - 1
        result.append(Tensor._wrap(inverse.reshape(a.shape), a.device))
    if return_counts:
        first = xp.flatnonzero(starts)
        ends = xp.concatenate([first[1:], xp.array([flat.size], dtype=first.dtype)])
        result.append(Tensor._wrap((ends - first).astype(np.int64), a.device))
    return result[0] if len(result) == 1 else tuple(result)


def bincount(a: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each of 0, 1, ..., max(a) occurs in the 1-D non-negative integer ``a``, as
    PyTorch's ``bincount``: out[v] = #{i: a[i] = v}, or the sum of ``weights[i]`` over those i;
    at least ``minlength`` bins. int64 counts; weighted sums in the weights' float dtype (float64
    for integer weights). Not differentiable; the length depends on the values (a device sync).
    """
    from ..checks import check_int

    a = _query_input(a, "bincount")
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise TypeError(
            f"bincount: input must be a 1-D integer tensor, got shape {a.shape} {a.dtype}"
        )
    minlength = check_int("bincount", "minlength", minlength, low=0)
    if a.data.size and int(a.data.min()) < 0:
        raise ValueError(f"bincount: input values must be >= 0, got {int(a.data.min())}")
    if weights is None:
        counts = a.xp.bincount(a.data, minlength=minlength).astype(np.int64)
        return Tensor._wrap(counts, a.device)
    if not isinstance(weights, Tensor) or weights.shape != a.shape:
        raise ValueError(
            f"bincount: weights must be a Tensor of the input's shape {a.shape}, got "
            f"{getattr(weights, 'shape', type(weights).__name__)}"
        )
    if weights.device is not a.device:
        raise RuntimeError(f"bincount: input is on {a.device}, weights on {weights.device}")
    if weights.dtype.kind not in "iuf":
        raise TypeError(f"bincount: weights must be numbers, got {weights.dtype}")
    dtype = weights.dtype if weights.dtype.kind == "f" else np.dtype(np.float64)
    sums = a.xp.bincount(a.data, weights=weights.data, minlength=minlength)
    return Tensor._wrap(sums.astype(dtype), a.device)


def count_nonzero(a: Tensor, dim: Axis = None) -> Tensor:
    """The number of nonzero elements of ``a`` (NaN counts), over all of it or over the dims
    ``dim`` (an int or a tuple), as PyTorch's ``count_nonzero``; int64, not differentiable."""
    a = _query_input(a, "count_nonzero")
    if isinstance(dim, list):
        dim = tuple(dim)
    axes = reduced_axes(dim, a.shape, "count_nonzero")
    counts = (a.data != 0).sum(axis=axes).astype(np.int64)
    return Tensor._wrap(a.xp.asarray(counts), a.device)


def median(
    a: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None
) -> Any:
    """The lower median (of an even count, the lower of the two middle values), as PyTorch's:

    ``median(a)``: of all values, a 0-d tensor; its gradient is shared equally by the elements
    equal to it. ``median(a, dim)``: the named tuple ``(values, indices)`` along ``dim``, each
    value's gradient going to the element its index names. A NaN makes the median NaN (with
    the index of the first NaN).
    """
    dim = dim_arg(dim, axis, "median")
    if dim is None:
        if a.numel() == 0:  # as PyTorch's: NaN, the mean's answer over no values
            return mean(a.astype(a.dtype if is_floating_dtype(a.dtype) else get_default_dtype()))
        return Median.apply(a)
    axis = _sort_axis(a, dim, "median")
    if a.ndim == 0:
        return ValuesIndices(a * 1, Tensor._wrap(a.xp.zeros((), dtype=np.int64), a.device))
    n = a.shape[axis]
    if n == 0:
        raise ValueError(f"median: dim {dim} of shape {a.shape} is empty")
    xp = a.xp
    order = _stable_argsort(a.data, axis, False, xp)
    at = (n - 1) // 2
    middle = order[(slice(None),) * axis + (slice(at, at + 1),)]  # the axis kept, size 1
    if a.dtype.kind == "f":  # a slice holding NaN: its median is NaN, at its first NaN
        nan = xp.isnan(a.data)
        first_nan = xp.expand_dims(nan.argmax(axis=axis), axis)
        middle = xp.where(xp.expand_dims(nan.any(axis=axis), axis), first_nan, middle)
    values = _take_along(a, middle, axis)
    if not keepdim:
        values, middle = values.squeeze(axis), middle.squeeze(axis)
    return ValuesIndices(values, Tensor._wrap(middle, a.device))


def cumsum(
    a: Tensor, dim: int | None = None, *, dtype: Any = None, axis: int | None = None
) -> Tensor:
    """Running sums along ``dim``: z[i] = a[0] + ... + a[i] (PyTorch's ``cumsum``, dim required).

    ``dtype`` converts ``a`` first and the sums stay in it; without it integers and bools sum
    as int64, as in PyTorch."""
    dim = dim_arg(dim, axis, "cumsum")
    if dtype is not None:
        a = a.astype(dtype)
    if dim is None:
        raise TypeError("cumsum: dim is required, as in cumsum(x, dim=0)")
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"cumsum: dim must be an int, got {dim!r}")
    if a.ndim == 0:  # as PyTorch: a 0-d tensor is its own running sum (dim 0 or -1)
        normalize_axes(dim, (1,), "cumsum")
        return cumsum(a.reshape(1), 0, dtype=dtype).reshape(())
    (axis,) = normalize_axes(dim, a.shape, "cumsum")
    if a.dtype.kind in "biu" and dtype is None:
        a = a.astype(np.int64)
    return CumSum.apply(a, axis=axis)


def cumprod(
    a: Tensor, dim: int | None = None, *, dtype: Any = None, axis: int | None = None
) -> Tensor:
    """Running products along ``dim``: z[i] = a[0] * ... * a[i] (PyTorch's ``cumprod``, dim
    required; ``dtype`` converts ``a`` first, else integers and bools as int64).
    dL/da_k = sum_{i >= k} g_i prod_{j <= i, j != k} a_j, exact at zeros too (see CumProd)."""
    dim = dim_arg(dim, axis, "cumprod")
    if dtype is not None:
        a = a.astype(dtype)
    if dim is None:
        raise TypeError("cumprod: dim is required, as in cumprod(x, dim=0)")
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"cumprod: dim must be an int, got {dim!r}")
    if a.ndim == 0:
        normalize_axes(dim, (1,), "cumprod")
        return cumprod(a.reshape(1), 0, dtype=dtype).reshape(())
    (axis,) = normalize_axes(dim, a.shape, "cumprod")
    if a.dtype.kind in "biu" and dtype is None:
        a = a.astype(np.int64)
    return CumProd.apply(a, axis=axis)


def topk(
    a: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
) -> ValuesIndices:
    """The ``k`` largest (or, with ``largest=False``, smallest) values along ``dim`` and their
    indices, as PyTorch's ``topk``: the named tuple ``(values, indices)``.

    Sorted from the most extreme, and among equal values the first one comes first (``sorted``
    is accepted; the values always come sorted, which ``sorted=False`` allows). Each value's
    gradient goes to the element its index names. One stable argsort finds the order; the values
    are then gathered by those indices, so their backward is a scatter of the gradient back.
    """
    from ..checks import check_bool, check_int
    from .shape import take_along

    if not isinstance(a, Tensor):
        raise TypeError(f"topk: input must be a Tensor, got {type(a).__name__}")
    check_bool("topk", "largest", largest)
    check_bool("topk", "sorted", sorted)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"topk: dim must be an int, got {dim!r}")
    if a.ndim == 0:
        raise ValueError("topk: input must have at least 1 dim, got a 0-d tensor")
    if a.dtype.kind == "b":
        raise TypeError("topk: input must hold numbers, got bool; convert it with .long() first")
    (axis,) = normalize_axes(dim, a.shape, "topk")
    k = check_int("topk", "k", k, low=0, high=a.shape[axis], error=ShapeError)
    # The largest first: sort -a ascending (~a for unsigned ints, which is max - a: -a wraps).
    key = a.data if not largest else -a.data if a.dtype.kind != "u" else ~a.data
    order = a.xp.argsort(key, axis=axis, kind="stable")  # stable: among ties, the first first
    indices = Tensor._wrap(order[(slice(None),) * axis + (slice(0, k),)], a.device)
    return ValuesIndices(take_along(a, axis, indices), indices)

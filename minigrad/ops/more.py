"""PyTorch's commonly used functions that the first rounds left out: NaN and infinity tests,
elementwise extras (erfinv, logit, xlogy, hypot, fmax, ...), selections (diagonal, unbind,
take, masked_select, ...), running extremes, and the fused products (addmv, baddbmm, ...).

Most are built from existing ops, so their gradients come from those; a Function only where
no composition gives PyTorch's values or derivatives (erfinv, xlogy at x = 0, hypot, the stable
logcumsumexp). Index queries (isnan, unique_consecutive, ...) are not differentiable.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function, constant, value
from ..backend import accumulate
from ..checks import check_bool, check_int, check_number
from ..tensor import Tensor
from .elementwise import (
    Exp,
    Log,
    Where,
    _binary,
    _erf_array,
    _floating,
    _promote,
    lift,
    masked_fill,
    pow,
    sign,
    trunc,
)
from .linalg import MatMul, matmul
from .reduction import (
    ValuesIndices,
    _stable_argsort,
    _take_along,
    norm,
    normalize_axes,
)
from .shape import GetItem, IndexAdd, _one_axis, all_below, broadcast_to, gather, reshape
from .shape import sum_to as _sum_to
from .shape import transpose as _permute


def _tensor_arg(x: Any, op: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    return x


def _flag(x: Tensor, array: Any) -> Tensor:
    """A bool result beside ``x`` (same device), outside any graph."""
    return Tensor._wrap(x.xp.asarray(array), x.device)


# ---- NaN and infinity ----------------------------------------------------------------------------
def isnan(input: Tensor) -> Tensor:
    """True where a value is NaN (never for integers and bools)."""
    input = _tensor_arg(input, "isnan")
    return _flag(input, input.xp.isnan(input.data))


def isinf(input: Tensor) -> Tensor:
    """True where a value is +inf or -inf."""
    input = _tensor_arg(input, "isinf")
    return _flag(input, input.xp.isinf(input.data))


def isposinf(input: Tensor) -> Tensor:
    """True where a value is +inf."""
    input = _tensor_arg(input, "isposinf")
    return _flag(input, input.xp.isposinf(input.data))


def isneginf(input: Tensor) -> Tensor:
    """True where a value is -inf."""
    input = _tensor_arg(input, "isneginf")
    return _flag(input, input.xp.isneginf(input.data))


def isfinite(input: Tensor) -> Tensor:
    """True where a value is neither NaN nor infinite (always for integers and bools)."""
    input = _tensor_arg(input, "isfinite")
    return _flag(input, input.xp.isfinite(input.data))


def nan_to_num(
    input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (the dtype's largest and
    smallest finite values by default), as PyTorch's. The gradient passes where the value was
    finite and is 0 at the replaced places. Integer and bool tensors come back as a copy."""
    input = _tensor_arg(input, "nan_to_num")
    nan = check_number("nan_to_num", "nan", nan, allow_inf=True)
    if posinf is not None:
        posinf = check_number("nan_to_num", "posinf", posinf, allow_inf=True)
    if neginf is not None:
        neginf = check_number("nan_to_num", "neginf", neginf, allow_inf=True)
    xp = input.xp
    if input.dtype.kind != "f":
        return Tensor._wrap(input.data.copy(), input.device)
    filled = xp.nan_to_num(input.data, nan=nan, posinf=posinf, neginf=neginf)
    finite = _flag(input, xp.isfinite(input.data))
    return Where.apply(finite, input, Tensor._wrap(filled, input.device))


def _nan_aware_extreme(a: Any, b: Any, op: str, keep_a: str) -> Tensor:
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: needs at least one Tensor, got {type(a).__name__}")
    a = a if isinstance(a, Tensor) else lift(a, b)
    b = b if isinstance(b, Tensor) else lift(b, a)
    if a.dtype != b.dtype:
        a, b = _promote(a, b)
    xp = a.xp
    keep = getattr(xp, keep_a)(a.data, b.data) | xp.isnan(b.data)
    return Where.apply(_flag(a, keep), a, b)


def fmax(input: Any, other: Any) -> Tensor:
    """The larger of two values, elementwise, a NaN counting as missing (the other value wins;
    NaN only where both are). The gradient goes to the value taken; at ties, to ``input``."""
    return _nan_aware_extreme(input, other, "fmax", "greater_equal")


def fmin(input: Any, other: Any) -> Tensor:
    """The smaller of two values, elementwise, a NaN counting as missing (see ``fmax``)."""
    return _nan_aware_extreme(input, other, "fmin", "less_equal")


# ---- elementwise extras ------------------------------------------------------------------------
def exp2(input: Tensor) -> Tensor:
    """2 ** input, elementwise (integers become the default float dtype)."""
    input = _floating(_tensor_arg(input, "exp2"))
    return pow(2.0, input)


def frac(input: Tensor) -> Tensor:
    """The fractional part, input - trunc(input) (the sign of input); its gradient is 1."""
    input = _tensor_arg(input, "frac")
    if input.dtype.kind != "f":
        raise TypeError(f"frac: input must be a floating tensor, got {input.dtype}")
    return input - trunc(input)


def sgn(input: Tensor) -> Tensor:
    """PyTorch's ``sgn``: for real tensors the same as ``sign``."""
    return sign(_tensor_arg(input, "sgn"))


def positive(input: Tensor) -> Tensor:
    """``input`` itself (unary plus), as PyTorch's; a bool tensor is refused as there."""
    input = _tensor_arg(input, "positive")
    if input.dtype.kind == "b":
        raise RuntimeError("positive: the unary + is not supported on a bool tensor")
    return input


def _erfinv_array(xp: Any, y: Any) -> Any:
    """erfinv on a raw array: Giles' single-precision approximation (2010), then two Newton
    steps on erf(x) = y with ``_erf_array``, which bring it to float64 accuracy. erfinv(+-1) is
    +-inf and |y| > 1 gives NaN, as PyTorch's."""
    if getattr(xp, "__name__", "") == "cupy":
        from cupyx.scipy.special import erfinv as cupy_erfinv

        return cupy_erfinv(y)
    y64 = y.astype(np.float64)
    inside = xp.abs(y64) < 1
    t = xp.where(inside, y64, 0.0)
    w = -xp.log((1.0 - t) * (1.0 + t))
    small = w - 2.5
    p1 = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):  # fmt: skip
        p1 = c + p1 * small
    large = xp.sqrt(w) - 3.0
    p2 = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):  # fmt: skip
        p2 = c + p2 * large
    x = xp.where(w < 5.0, p1, p2) * t
    for _ in range(2):
        x = x - (_erf_array(xp, x) - t) / ((2 / math.sqrt(math.pi)) * xp.exp(-x * x))
    edge = xp.where(xp.abs(y64) == 1, xp.sign(y64) * np.inf, np.nan)
    return xp.where(inside, x, edge)


class Erfinv(Function):
    """z = erfinv(a), the inverse of erf on (-1, 1);  dz/da = sqrt(pi)/2 e^(z^2)"""

    reads_inputs = ()
    reads_output = True

    def forward(self, a):
        return _erfinv_array(self.xp, a).astype(a.dtype, copy=False)

    def backward(self, grad, z, a):
        return grad * (math.sqrt(math.pi) / 2) * Exp.apply(z * z)


def erfinv(input: Tensor) -> Tensor:
    """The inverse error function, elementwise: +-inf at +-1, NaN outside [-1, 1]."""
    return Erfinv.apply(_floating(_tensor_arg(input, "erfinv")))


class Logit(Function):
    """z = log(p / (1 - p)), p first clamped to [eps, 1 - eps] when eps is given;
    dz/dp = 1 / (p (1 - p)), 0 where the clamp acted, and NaN outside [0, 1] without eps (as
    PyTorch's)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a, eps):
        self.eps = eps
        xp = self.xp
        p = a if eps is None else xp.clip(a, eps, 1 - eps)
        return xp.log(p / (1 - p))

    def backward(self, grad, z, a):
        xp = self.xp
        av = value(a)
        if self.eps is None:
            outside, fill = (av < 0) | (av > 1), xp.asarray(np.nan, dtype=grad.dtype)
        else:
            outside, fill = (av < self.eps) | (av > 1 - self.eps), xp.zeros((), dtype=grad.dtype)
        inside_grad = grad / (a * (1 - a))
        return Where.apply(constant(outside, grad), constant(fill, grad), inside_grad)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), the inverse of sigmoid, as PyTorch's ``logit``: -inf at 0, inf at 1,
    NaN outside [0, 1]. With ``eps``, p is first clamped to [eps, 1 - eps], and the gradient is
    0 where the clamp acted. dz/dp = 1 / (p (1 - p))."""
    input = _floating(_tensor_arg(input, "logit"))
    if eps is not None:
        eps = check_number("logit", "eps", eps, low=0, high=0.5)
    return Logit.apply(input, eps=eps)


class Xlogy(Function):
    """z = x log(y), and 0 where x = 0 (unless y is NaN), as PyTorch's ``xlogy``;
    dz/dx = log(y) (0 where x = 0 and y <= 0), dz/dy = x / y"""

    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, x, y):
        xp = self.xp
        return xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), dtype=x.dtype), x * xp.log(y))

    def backward(self, grad, z, x, y):
        grad_x = grad_y = None
        if self.needs_input_grad[0]:
            xv, yv = value(x), value(y)
            zeroed = constant((xv == 0) & (yv <= 0), grad)
            zero = constant(self.xp.zeros((), dtype=grad.dtype), grad)
            grad_x = Where.apply(zeroed, zero, Xlogy.apply(grad, y))
        if self.needs_input_grad[1]:
            grad_y = grad * x / y
        return grad_x, grad_y


def xlogy(input: Any, other: Any) -> Tensor:
    """input * log(other), with 0 where input is 0 (unless other is NaN), so that 0 log 0 is 0:
    the entropy's convention. Either may be a number; integers become the default float."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"xlogy: needs at least one Tensor, got {type(input).__name__}")
    if isinstance(input, Tensor):
        input = _floating(input)
    if isinstance(other, Tensor):
        other = _floating(other)
    return _binary(Xlogy, input, other)


class Hypot(Function):
    """z = sqrt(a^2 + b^2), without overflow for large a or b;  dz/da = a / z, dz/db = b / z"""

    reads_inputs = (0, 1)
    reads_output = True

    def forward(self, a, b):
        return self.xp.hypot(a, b)

    def backward(self, grad, z, a, b):
        return (
            grad * a / z if self.needs_input_grad[0] else None,
            grad * b / z if self.needs_input_grad[1] else None,
        )


def hypot(input: Tensor, other: Any) -> Tensor:
    """sqrt(input^2 + other^2), elementwise (floating tensors, as PyTorch's). At (0, 0) the
    gradient is NaN, as PyTorch's (0 / 0)."""
    input = _tensor_arg(input, "hypot")
    for name, x in (("input", input), ("other", other)):
        if isinstance(x, Tensor) and x.dtype.kind != "f":
            raise TypeError(f"hypot: {name} must be a floating tensor, got {x.dtype}")
    return _binary(Hypot, input, other)


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 * tensor2, broadcast together."""
    # check_number gives a float: an int value keeps its type, so int tensors stay int64
    # (PyTorch's addcmul of int64 tensors with value=2 is int64, not float32)
    if isinstance(value, bool) or not isinstance(value, int):
        value = check_number("addcmul", "value", value)
    product = tensor1 * tensor2
    return input + (product if value == 1 else product * value)


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 / tensor2, broadcast together (integer tensor1 and tensor2 are
    refused, as PyTorch refuses integer division here)."""
    value = check_number("addcdiv", "value", value)
    if all(isinstance(t, Tensor) and t.dtype.kind in "iub" for t in (tensor1, tensor2)):
        raise RuntimeError(
            "addcdiv: integer division of tensor1 by tensor2 is not supported (as in PyTorch); "
            "convert one of them to a float dtype"
        )
    quotient = tensor1 / tensor2
    return input + (quotient if value == 1 else quotient * value)


# ---- shape and selection ---------------------------------------------------------------------
def _dims(dims: Any, ndim: int, op: str, name: str) -> tuple[int, ...]:
    wanted = tuple(dims) if isinstance(dims, (list, tuple)) else (dims,)
    out = []
    for d in wanted:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
            raise TypeError(f"{op}: {name} must be an int or a sequence of ints, got {dims!r}")
        if not -ndim <= d < max(ndim, 1):
            raise ValueError(f"{op}: {name} {d} is out of range for a {ndim}-d tensor")
        out.append(int(d) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: {name} {dims!r} repeats a dim")
    return tuple(out)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """The dims ``source`` moved to positions ``destination``, the others keeping their order
    (PyTorch's ``movedim``, NumPy's ``moveaxis``)."""
    input = _tensor_arg(input, "movedim")
    src = _dims(source, input.ndim, "movedim", "source")
    dst = _dims(destination, input.ndim, "movedim", "destination")
    if len(src) != len(dst):
        raise ValueError(
            f"movedim: source {source!r} and destination {destination!r} must name as many dims"
        )
    if input.ndim == 0:
        return input
    order: list[int | None] = [None] * input.ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(input.ndim) if d not in src)
    axes = tuple(next(rest) if o is None else o for o in order)
    return input if axes == tuple(range(input.ndim)) else _permute(input, axes)


moveaxis = movedim


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` (above the main one if > 0, below if < 0) of the matrices that
    dims ``dim1`` and ``dim2`` span, as PyTorch's: those two dims go, and the diagonal becomes
    the last dim. Its gradient goes back onto that diagonal."""
    from .shape import _diagonal_index

    input = _tensor_arg(input, "diagonal")
    offset = check_int("diagonal", "offset", offset)
    if input.ndim < 2:
        raise ValueError(f"diagonal: input must have at least 2 dims, got shape {input.shape}")
    d1, d2 = (
        _dims(dim1, input.ndim, "diagonal", "dim1")[0],
        _dims(dim2, input.ndim, "diagonal", "dim2")[0],
    )
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 name the same dim ({dim1} and {dim2})")
    rest = tuple(d for d in range(input.ndim) if d not in (d1, d2))
    moved = _permute(input, rest + (d1, d2))
    rows, cols = _diagonal_index(input.xp, input.shape[d1], input.shape[d2], offset)
    return GetItem.apply(moved, index=(slice(None),) * len(rest) + (rows, cols))


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``input`` along ``dim``, that dim removed (PyTorch's ``unbind``)."""
    input = _tensor_arg(input, "unbind")
    if input.ndim == 0:
        raise ValueError("unbind: a 0-d tensor has no dim to unbind")
    (axis,) = _one_axis(dim, input.shape, "unbind")
    before = (slice(None),) * axis
    return tuple(GetItem.apply(input, index=before + (i,)) for i in range(input.shape[axis]))


def repeat_interleave(
    input: Tensor, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """Each element (or each slice along ``dim``) repeated ``repeats`` times in place:
    [1, 2] with 2 gives [1, 1, 2, 2] (``repeat`` gives [1, 2, 1, 2]). ``repeats`` is an int or a
    1-D integer tensor, one count per slice; without ``dim`` the input is flattened first.
    ``repeat_interleave(counts)`` alone gives 0, 1, ... each repeated by its count. The
    gradient of each copy adds back into the element it copies."""
    input = _tensor_arg(input, "repeat_interleave")
    if repeats is None:  # torch.repeat_interleave(counts)
        if input.ndim > 1 or input.dtype.kind not in "iu":
            raise TypeError(
                "repeat_interleave: with repeats alone, it must be a 1-D integer tensor, got "
                f"{input.dtype} of shape {input.shape}"
            )
        counts = input.data.reshape(-1)
        if counts.size and int(counts.min()) < 0:
            raise ValueError(f"repeat_interleave: repeats must be >= 0, got {input.tolist()}")
        xp = input.xp
        return Tensor._wrap(xp.repeat(xp.arange(counts.size, dtype=np.int64), counts), input.device)
    if dim is None:
        input, axis = reshape(input, (-1,)), 0
    else:
        axis = _one_axis(dim, input.shape or (1,), "repeat_interleave")[0]
        if input.ndim == 0:
            input = reshape(input, (1,))
    size = input.shape[axis]
    xp = input.xp
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind not in "iu" or repeats.ndim > 1:
            raise TypeError(
                "repeat_interleave: repeats must be an int or a 1-D integer tensor, got "
                f"{repeats.dtype} of shape {repeats.shape}"
            )
        counts = repeats.data.reshape(-1)
        if counts.size == 1:
            counts = xp.broadcast_to(counts, (size,))
        if counts.size != size:
            raise ValueError(
                f"repeat_interleave: repeats has {counts.size} counts, but dim {axis} has "
                f"size {size}"
            )
        if counts.size and int(counts.min()) < 0:
            raise ValueError(f"repeat_interleave: repeats must be >= 0, got {repeats.tolist()}")
    else:
        counts = check_int("repeat_interleave", "repeats", repeats, low=0)
    index = xp.repeat(xp.arange(size), counts)
    if output_size is not None and check_int(
        "repeat_interleave", "output_size", output_size, low=0
    ) != len(index):
        raise ValueError(
            f"repeat_interleave: output_size={output_size}, but the repeats give {len(index)}"
        )
    return GetItem.apply(input, index=(slice(None),) * axis + (index,))


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """PyTorch's ``Tensor.unfold``: every window of ``size`` consecutive elements along
    ``dimension``, ``step`` apart. That dim becomes the number of windows and a new last dim
    of ``size`` holds each window; overlapping windows add their gradients."""
    input = _tensor_arg(input, "unfold")
    if input.ndim == 0:
        input = reshape(input, (1,))
    (axis,) = _one_axis(dimension, input.shape, "unfold")
    length = input.shape[axis]
    size = check_int("unfold", "size", size, low=0, high=length)
    step = check_int("unfold", "step", step, low=1)
    xp = input.xp
    starts = xp.arange(0, length - size + 1, step)
    index = starts[:, None] + xp.arange(size)[None, :]
    windows = GetItem.apply(input, index=(slice(None),) * axis + (index,))
    return movedim(windows, axis + 1, -1)


def take(input: Tensor, index: Tensor) -> Tensor:
    """``input`` read as 1-D at the integer ``index`` (negative counts from the end); the result
    has ``index``'s shape."""
    input = _tensor_arg(input, "take")
    index = _tensor_arg(index, "take", "index")
    if index.dtype.kind not in "iu":
        raise TypeError(f"take: index must hold integers, got {index.dtype}")
    n = input.numel()
    data = index.data
    if data.size and (int(data.min()) < -n or int(data.max()) >= n):
        raise IndexError(f"take: index values must lie in [{-n}, {n - 1}], got {index.tolist()}")
    return GetItem.apply(reshape(input, (-1,)), index=(data % max(n, 1),))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` with broadcasting, as PyTorch's ``take_along_dim``: values picked along ``dim``
    by ``indices``, the two broadcast together in every other dim; without ``dim`` both are
    read flat (a 1-D result)."""
    input = _tensor_arg(input, "take_along_dim")
    indices = _tensor_arg(indices, "take_along_dim", "indices")
    if indices.dtype.kind not in "iu":
        raise TypeError(f"take_along_dim: indices must hold integers, got {indices.dtype}")
    if dim is None:
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    if input.ndim != indices.ndim:
        raise ValueError(
            f"take_along_dim: input and indices must have as many dims, got shapes "
            f"{input.shape} and {indices.shape}"
        )
    (axis,) = _one_axis(dim, input.shape or (1,), "take_along_dim")
    if input.ndim == 0:
        return gather(input, 0, indices)
    others = [s for i, s in enumerate(input.shape) if i != axis]
    their = [s for i, s in enumerate(indices.shape) if i != axis]
    try:
        common = list(np.broadcast_shapes(tuple(others), tuple(their)))
    except ValueError:
        raise ValueError(
            f"take_along_dim: shapes {input.shape} and {indices.shape} cannot be broadcast "
            f"outside dim {axis}"
        ) from None
    input = broadcast_to(input, tuple(common[:axis] + [input.shape[axis]] + common[axis:]))
    shape = tuple(common[:axis] + [indices.shape[axis]] + common[axis:])
    indices = Tensor._wrap(indices.xp.broadcast_to(indices.data, shape), indices.device)
    return gather(input, axis, indices)


def masked_select(input: Tensor, mask: Any) -> Tensor:
    """The values where the boolean ``mask`` is True, as a 1-D tensor (the two broadcast
    together first); the gradient goes back to the selected places."""
    input = _tensor_arg(input, "masked_select")
    if not isinstance(mask, Tensor):
        mask = Tensor(mask, device=input.device)
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_select: mask must be a boolean tensor, got {mask.dtype}")
    try:
        shape = np.broadcast_shapes(input.shape, mask.shape)
    except ValueError:
        raise ValueError(
            f"masked_select: mask of shape {mask.shape} and input of shape {input.shape} "
            "cannot be broadcast together"
        ) from None
    full = broadcast_to(input, shape)
    return GetItem.apply(full, index=input.xp.broadcast_to(mask.data, shape))


def _index_mask(input: Tensor, dim: int, index: Tensor, op: str) -> tuple[int, Any]:
    """The axis, and a boolean mask along it (shaped to broadcast) of the slices ``index``
    names."""
    index = _tensor_arg(index, op, "index")
    if index.dtype.kind not in "iu" or index.ndim > 1:
        raise TypeError(
            f"{op}: index must be a 0-d or 1-D integer tensor, got {index.dtype} of shape "
            f"{index.shape}"
        )
    (axis,) = _one_axis(dim, input.shape or (1,), op)
    size = input.shape[axis] if input.ndim else 1
    if not all_below(index.data, size):
        raise IndexError(f"{op}: index values must lie in [0, {size - 1}] along dim {axis}")
    xp = input.xp
    mask = xp.zeros(size, dtype=bool)
    mask[index.data.reshape(-1)] = True
    trailing = input.ndim - axis - 1 if input.ndim else 0
    return axis, mask.reshape((size,) + (1,) * trailing) if input.ndim else mask.reshape(())


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """``input`` with the slices along ``dim`` that ``index`` names set to ``value`` (a number
    or a 0-d tensor); the gradient reaches ``input`` elsewhere."""
    input = _tensor_arg(input, "index_fill")
    _, mask = _index_mask(input, dim, index, "index_fill")
    return masked_fill(input, Tensor._wrap(mask, input.device), value)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with slice ``index[i]`` along ``dim`` replaced by slice i of ``source``, as
    PyTorch's ``index_copy``. Gradients: ``input``'s where not replaced, ``source``'s from the
    places it went to. (An index named twice: PyTorch leaves which copy wins undefined; here
    the two add up.)"""
    input = _tensor_arg(input, "index_copy")
    source = _tensor_arg(source, "index_copy", "source")
    axis, mask = _index_mask(input, dim, index, "index_copy")
    expected = input.shape[:axis] + (index.numel(),) + input.shape[axis + 1 :]
    if input.ndim and source.shape != expected:
        raise ValueError(
            f"index_copy: source must have shape {expected} (the input's, with dim {axis} "
            f"the index's length), got {source.shape}"
        )
    if source.dtype != input.dtype:
        raise TypeError(
            f"index_copy: source must have the input's dtype {input.dtype}, got {source.dtype}"
        )
    if input.ndim == 0:
        return masked_fill(input, Tensor._wrap(mask, input.device), 0) + reshape(source, ())
    where = (slice(None),) * axis + (index.data.reshape(-1),)
    kept = masked_fill(input, Tensor._wrap(mask, input.device), 0)
    return kept + IndexAdd.apply(source, index=where, shape=input.shape)


def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """``input`` summed down to ``size``, which must broadcast to ``input``'s shape (the
    inverse of ``expand``)."""
    input = _tensor_arg(input, "sum_to_size")
    shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
    if len(shape) > input.ndim or any(
        n != m and n != 1 for n, m in zip(reversed(shape), reversed(input.shape))
    ):
        raise ValueError(
            f"sum_to_size: size {shape} is not expandable to the tensor's shape {input.shape}"
        )
    return _sum_to(input, shape)


# ---- order statistics and running extremes --------------------------------------------------
def _axis(input: Tensor, dim: int, op: str) -> int:
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    (axis,) = normalize_axes(int(dim), input.shape or (1,), op)
    return axis


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The k-th smallest value along ``dim`` (k = 1 is the minimum) and its index:
    ``(values, indices)``; the gradient goes to the element the index names. (Among equal
    values PyTorch's index may name another copy.)"""
    input = _tensor_arg(input, "kthvalue")
    check_bool("kthvalue", "keepdim", keepdim)
    axis = _axis(input, dim, "kthvalue")
    work = reshape(input, (1,)) if input.ndim == 0 else input
    k = check_int("kthvalue", "k", k, low=1, high=work.shape[axis])
    order = _stable_argsort(work.data, axis, False, work.xp)
    at = order[(slice(None),) * axis + (slice(k - 1, k),)]
    return _selected(input, work, at, axis, keepdim)


def _selected(input: Tensor, work: Tensor, at: Any, axis: int, keepdim: bool) -> ValuesIndices:
    """values and indices at ``at`` (the axis kept, size 1), squeezed unless ``keepdim``."""
    values = _take_along(work, at, axis)
    if input.ndim == 0:
        return ValuesIndices(reshape(values, ()), Tensor._wrap(at.reshape(()), input.device))
    if not keepdim:
        values, at = (
            reshape(values, values.shape[:axis] + values.shape[axis + 1 :]),
            at.squeeze(axis),
        )
    return ValuesIndices(values, Tensor._wrap(at, input.device))


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The most frequent value along ``dim`` (the smallest of them at a tie) and the index of
    its last occurrence, as PyTorch's: ``(values, indices)``."""
    input = _tensor_arg(input, "mode")
    check_bool("mode", "keepdim", keepdim)
    axis = _axis(input, dim, "mode")
    work = reshape(input, (1,)) if input.ndim == 0 else input
    if work.shape[axis] == 0:
        raise ValueError(f"mode: dim {dim} of shape {input.shape} is empty")
    xp = work.xp
    rows = xp.moveaxis(work.data, axis, -1)
    n = rows.shape[-1]
    s = xp.sort(rows, axis=-1)
    steps = xp.arange(n)
    starts = xp.concatenate([xp.ones(s.shape[:-1] + (1,), bool), s[..., 1:] != s[..., :-1]], -1)
    run_start = accumulate(xp, "maximum", xp.where(starts, steps, 0), -1)
    best = xp.argmax(steps - run_start, axis=-1)  # the first longest run: the smallest value
    winner = xp.take_along_axis(s, best[..., None], axis=-1)
    last = (n - 1) - xp.argmax((rows == winner)[..., ::-1], axis=-1)
    at = xp.expand_dims(last, axis)  # moveaxis kept the other dims in order
    return _selected(input, work, at, axis, keepdim)


def _running_extreme(input: Tensor, dim: int, op: str, larger: bool) -> ValuesIndices:
    input = _tensor_arg(input, op)
    axis = _axis(input, dim, op)
    work = reshape(input, (1,)) if input.ndim == 0 else input
    xp = work.xp
    data = work.data
    running = accumulate(xp, "maximum" if larger else "minimum", data, axis)
    steps = xp.arange(data.shape[axis]).reshape((-1,) + (1,) * (data.ndim - axis - 1))
    # PyTorch's: a value equal to the running extreme, or a NaN, takes over the index
    takes = data == running
    if data.dtype.kind == "f":
        takes = takes | xp.isnan(data)
    index = accumulate(xp, "maximum", xp.where(takes, steps, 0), axis).astype(np.int64)
    values = _take_along(work, index, axis)
    if input.ndim == 0:
        return ValuesIndices(reshape(values, ()), Tensor._wrap(index.reshape(()), input.device))
    return ValuesIndices(values, Tensor._wrap(index, input.device))


def cummax(input: Tensor, dim: int) -> ValuesIndices:
    """The running maximum along ``dim`` and where each came from: ``(values, indices)``; a tie
    takes the later index and a NaN stays (as PyTorch's). Each value's gradient goes to the
    element its index names."""
    return _running_extreme(input, dim, "cummax", larger=True)


def cummin(input: Tensor, dim: int) -> ValuesIndices:
    """The running minimum along ``dim`` and where each came from (see ``cummax``)."""
    return _running_extreme(input, dim, "cummin", larger=False)


def _flip(x: Any, axis: int) -> Any:
    """x reversed along ``axis``: on an array, or recorded on a Tensor."""
    return GetItem.apply(x, index=(slice(None),) * axis + (slice(None, None, -1),))


class LogCumSumExp(Function):
    """z_i = log(sum_{j <= i} e^(a_j)) along an axis;  dL/da_j = sum_{i >= j} g_i e^(a_j - z_i)

    The backward stays in log space (as TensorFlow's and PyTorch's do): the positive and the
    negative parts of g are summed separately as reversed logcumsumexps, so no e^(-z) overflows.
    """

    reads_inputs = (0,)
    reads_output = True

    def forward(self, a, axis):
        self.axis = axis
        return accumulate(self.xp, "logaddexp", a, axis)  # log(e^x + e^y) never overflows

    def backward(self, grad, z, a):
        axis = self.axis
        if isinstance(grad, Tensor):  # recorded: a form whose own derivatives are plain
            return self._recorded_backward(grad, z, a, axis)
        zero = constant(self.xp.zeros((), dtype=grad.dtype), grad)
        out = None
        for sign_ in (1.0, -1.0):
            part = grad * sign_
            mask = constant(value(part) > 0, grad)
            log_part = Log.apply(Where.apply(mask, part, zero))
            summed = _flip(LogCumSumExp.apply(_flip(log_part - z, axis), axis=axis), axis)
            term = Exp.apply(summed + a)
            out = term if out is None else out - term
        return out

    def _recorded_backward(self, grad: Tensor, z: Tensor, a: Tensor, axis: int) -> Tensor:
        """The same sum as an n x n matrix W[i, j] = e^(a_j - z_i) for i >= j (0 above), so that
        a second derivative meets no log of 0 or inf - inf; memory n^2 per row, only when
        the backward is recorded (create_graph=True)."""
        xp = self.xp
        n = a.shape[axis]
        a_last, z_last, g_last = (movedim(t, axis, -1) for t in (a, z, grad))
        diff = a_last.unsqueeze(-2) - z_last.unsqueeze(-1)  # [..., i, j] = a_j - z_i
        below = constant(xp.tril(xp.ones((n, n), dtype=bool)), grad)
        minus_inf = constant(xp.asarray(-np.inf, dtype=grad.dtype), grad)
        weights = Exp.apply(Where.apply(below, diff, minus_inf))
        return movedim((g_last.unsqueeze(-1) * weights).sum(-2), -1, axis)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(input))) along ``dim``, without overflow or underflow."""
    input = _floating(_tensor_arg(input, "logcumsumexp"))
    axis = _axis(input, dim, "logcumsumexp")
    if input.ndim == 0:
        return input * 1
    return LogCumSumExp.apply(input, axis=axis)


def unique_consecutive(
    input: Tensor,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The input with each run of equal consecutive values (or slices along ``dim``) kept once,
    as PyTorch's; with ``return_inverse`` also the run each element fell in, with
    ``return_counts`` the length of each run. Not differentiable."""
    input = _tensor_arg(input, "unique_consecutive")
    check_bool("unique_consecutive", "return_inverse", return_inverse)
    check_bool("unique_consecutive", "return_counts", return_counts)
    xp = input.xp
    if dim is None:
        data = input.data.reshape(-1)
        rows, axis = data.reshape(-1, 1), 0
    else:
        axis = _axis(input, dim, "unique_consecutive")
        data = input.data
        rows = xp.moveaxis(data, axis, 0).reshape(data.shape[axis] if data.ndim else 1, -1)
    n = rows.shape[0]
    if n:
        changed = xp.concatenate([xp.ones(1, bool), (rows[1:] != rows[:-1]).any(axis=1)])
    else:
        changed = xp.zeros(0, bool)
    starts = xp.nonzero(changed)[0]
    picked = data[starts] if dim is None else xp.take(data, starts, axis=axis)
    result: list[Tensor] = [Tensor._wrap(picked, input.device)]
    if return_inverse:
        inverse = xp.cumsum(changed).astype(np.int64) - 1
        if dim is None:
            inverse = inverse.reshape(input.shape)
        result.append(Tensor._wrap(inverse, input.device))
    if return_counts:
        counts = xp.diff(xp.concatenate([starts, xp.asarray([n])])).astype(np.int64)
        result.append(Tensor._wrap(counts, input.device))
    return result[0] if len(result) == 1 else tuple(result)


# ---- products --------------------------------------------------------------------------------
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """The product of a matrix (n, m) and a vector (m,): a vector (n,)."""
    input, vec = _tensor_arg(input, "mv"), _tensor_arg(vec, "mv", "vec")
    if input.ndim != 2 or vec.ndim != 1 or input.shape[1] != vec.shape[0]:
        raise ValueError(
            f"mv: needs a matrix (n, m) and a vector (m,), got {input.shape} and {vec.shape}"
        )
    return matmul(input, vec)


def _scaled_sum(op: str, input: Any, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """beta * input + alpha * product, input broadcast to the product's shape; beta = 0 ignores
    input altogether (a NaN in it does not spread), as PyTorch's."""
    beta = check_number(op, "beta", beta)
    alpha = check_number(op, "alpha", alpha)
    input = lift(input, product)
    if input.ndim > product.ndim or any(
        n != m and n != 1 for n, m in zip(reversed(input.shape), reversed(product.shape))
    ):
        raise ValueError(
            f"{op}: input of shape {input.shape} cannot be broadcast to {product.shape}"
        )
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return product + (input if beta == 1 else input * beta)


def addmv(input: Any, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def _batches(op: str, batch1: Any, batch2: Any) -> None:
    for name, b in (("batch1", batch1), ("batch2", batch2)):
        _tensor_arg(b, op, name)
        if b.ndim != 3:
            raise ValueError(f"{op}: {name} must be 3-d (B, n, m), got shape {b.shape}")
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise ValueError(
            f"{op}: batch1 {batch1.shape} and batch2 {batch2.shape} must be (B, n, m) and "
            "(B, m, p), the same B and m"
        )


def baddbmm(input: Any, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * (batch1 @ batch2), a batch of matrix products (B, n, p)."""
    _batches("baddbmm", batch1, batch2)
    return _scaled_sum("baddbmm", input, MatMul.apply(batch1, batch2), beta, alpha)


def addbmm(input: Any, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * sum_b (batch1[b] @ batch2[b]): the products summed to (n, p)."""
    _batches("addbmm", batch1, batch2)
    return _scaled_sum("addbmm", input, MatMul.apply(batch1, batch2).sum(0), beta, alpha)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sums of products over the last dim of each: (..., n) and (..., n) give the first's
    leading dims then the second's; a 0-d operand multiplies instead."""
    input, other = _tensor_arg(input, "inner"), _tensor_arg(other, "inner", "other")
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise ValueError(
            f"inner: the last dims must match, got shapes {input.shape} and {other.shape}"
        )
    n = input.shape[-1]
    rows = reshape(input, (math.prod(input.shape[:-1]), n))
    cols = reshape(other, (math.prod(other.shape[:-1]), n))
    return reshape(matmul(rows, cols.T), input.shape[:-1] + other.shape[:-1])


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the two broadcast together); without
    ``dim``, the first dim of size 3, as PyTorch's (which warns there: give dim, or use
    ``dim=-1`` as ``torch.linalg.cross`` does)."""
    input, other = _tensor_arg(input, "cross"), _tensor_arg(other, "cross", "other")
    try:
        shape = np.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise ValueError(
            f"cross: shapes {input.shape} and {other.shape} cannot be broadcast together"
        ) from None
    if dim is None:
        found = [d for d, n in enumerate(shape) if n == 3]
        if not found:
            raise ValueError(f"cross: no dim of size 3 in shape {shape}")
        axis = found[0]
    else:
        axis = _one_axis(dim, shape, "cross")[0]
        if shape[axis] != 3:
            raise ValueError(f"cross: dim {dim} must have size 3, got shape {shape}")
    a, b = broadcast_to(input, shape), broadcast_to(other, shape)
    xp = a.xp
    before = (slice(None),) * axis
    first = before + (xp.asarray([1, 2, 0]),)
    second = before + (xp.asarray([2, 0, 1]),)

    def pick(t: Tensor, index: tuple) -> Tensor:
        return GetItem.apply(t, index=index)

    return pick(a, first) * pick(b, second) - pick(a, second) * pick(b, first)


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: each element of ``input`` times the whole of ``other``, laid out
    block by block (the shorter shape padded with leading 1s)."""
    input, other = _tensor_arg(input, "kron"), _tensor_arg(other, "kron", "other")
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + input.shape
    sb = (1,) * (nd - other.ndim) + other.shape
    spread_a = reshape(input, tuple(x for n in sa for x in (n, 1)))
    spread_b = reshape(other, tuple(x for n in sb for x in (1, n)))
    return reshape(spread_a * spread_b, tuple(n * m for n, m in zip(sa, sb)))


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to norm
    ``maxnorm`` (times maxnorm / (norm + 1e-7), as PyTorch's); the others unchanged. The
    gradient flows through the norm too."""
    input = _tensor_arg(input, "renorm")
    p = check_number("renorm", "p", p, low=0, low_inclusive=False, allow_inf=True)
    maxnorm = check_number("renorm", "maxnorm", maxnorm, low=0)
    if input.dtype.kind != "f":
        raise TypeError(f"renorm: input must be a floating tensor, got {input.dtype}")
    (axis,) = _one_axis(dim, input.shape, "renorm")
    others = tuple(d for d in range(input.ndim) if d != axis)
    norms = norm(input, p, others, True) if others else input.abs()
    over = _flag(input, norms.data > maxnorm)
    factor = Where.apply(over, maxnorm / (norms + 1e-7), lift(1.0, input))
    return input * factor


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory where it can, as ``torch.as_tensor``: a Tensor of
    that dtype and device is returned itself, a NumPy array of that dtype on the CPU is shared
    (as ``from_numpy``); anything else is copied (as ``tensor``)."""
    from ..backend import cpu, get_default_device, get_device
    from ..tensor import from_numpy

    if isinstance(data, Tensor):
        return data.to(*[x for x in (device, dtype) if x is not None])
    target = get_default_device() if device is None else get_device(device)
    if (
        type(data) is np.ndarray
        and target is cpu
        and (dtype is None or np.dtype(dtype) == data.dtype)
        and data.dtype.kind in "biuf"
    ):
        return from_numpy(data)
    return Tensor(data, dtype=dtype, device=target)


__all__ = [
    "addbmm", "addcdiv", "addcmul", "addmv", "as_tensor", "baddbmm", "cross", "cummax", "cummin",
    "diagonal", "erfinv", "exp2", "fmax", "fmin", "frac", "hypot", "index_copy", "index_fill",
    "inner", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "kron", "kthvalue",
    "logcumsumexp", "logit", "masked_select", "mode", "moveaxis", "movedim", "mv", "nan_to_num",
    "positive", "renorm", "repeat_interleave", "sgn", "sum_to_size", "take", "take_along_dim",
    "unbind", "unfold", "unique_consecutive", "xlogy",
]  # fmt: skip

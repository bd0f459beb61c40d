"""Shape ops: values move, none change (reshape, transpose, broadcast, concatenate, index, pad).

Their backwards move the gradient back to where each value came from: the inverse reshape or
permutation, a sum over broadcast copies, a slice, or a scatter-add for indexing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import BroadcastTo, Function, IndexedGrad, SumTo, constant
from ..backend import Device
from ..backend import scatter_add as add_at
from ..checks import DimError, DtypeError, IndexBoundsError, ShapeError
from ..tensor import Tensor, is_floating_dtype


class Reshape(Function):
    """z = a with a new shape (same values in the same order);  the gradient is reshaped back"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, shape):
        return a.reshape(shape)

    def backward(self, grad, z, a):
        return grad.reshape(a.shape)


class Transpose(Function):
    """z = a with its axes permuted;  the gradient is permuted back with the inverse order"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, axes):
        self.axes = axes
        return a.transpose(axes)

    def backward(self, grad, z, a):
        inverse = tuple(sorted(range(len(self.axes)), key=self.axes.__getitem__))
        return grad.transpose(inverse)


class Concatenate(Function):
    """z = the inputs joined along an axis;  each input's gradient is its slice of dz"""

    reads_inputs = ()
    reads_output = False

    def forward(self, *arrays, axis):
        self.axis = axis
        return self.xp.concatenate(arrays, axis=axis)

    def backward(self, grad, z, *inputs):
        grads, start = [], 0
        for t in inputs:
            index = [slice(None)] * grad.ndim
            index[self.axis] = slice(start, start + t.shape[self.axis])
            grads.append(grad[tuple(index)])
            start += t.shape[self.axis]
        return grads


class GetItem(Function):
    """z = a[index];  dz/da puts the gradient back at the indexed places, adding up repeats"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, index):
        self.index = index
        return a[index]

    def backward(self, grad, z, a):
        if isinstance(grad, Tensor):  # recorded: a differentiable op, for higher derivatives
            return IndexAdd.apply(grad, index=self.index, shape=a.shape)
        # on arrays the engine adds the slice into the input's gradient itself (IndexedGrad)
        return IndexedGrad(self.index, grad, _may_repeat(self.index))


class IndexAdd(Function):
    """z = zeros(shape) with g added at ``index`` (the adjoint of indexing);  dz/dg = z[index]"""

    reads_inputs = ()
    reads_output = False

    def forward(self, g, index, shape):
        self.index = index
        out = self.xp.zeros(shape, dtype=g.dtype)
        if _may_repeat(index):
            add_at(self.xp, out, index, g)
        else:
            out[index] = g  # slices, ints and masks never name a position twice
        return out

    def backward(self, grad, z, g):
        return GetItem.apply(grad, index=self.index)


class Scatter(Function):
    """z = a with s written at the positions ``index`` names (PyTorch's ``scatter``);
    dz/da = 1 off those positions and 0 on them, dz/ds = 1 at the position each value went to,
    so a's gradient is dz with the written places zeroed and s's gradient is dz[index]."""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, s, index):
        self.index = index
        out = a.copy()
        out[index] = s  # of repeated positions one value wins, as in PyTorch (which one: unsaid)
        return out

    def backward(self, grad, z, a, s):
        keep = self.xp.ones(grad.shape, dtype=grad.dtype)
        keep[self.index] = 0
        return grad * constant(keep, grad), GetItem.apply(grad, index=self.index)


class Pad(Function):
    """z = a with a constant (0 by default) around it (``pad_width`` as in NumPy);
    dz/da is the middle of dz"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, pad_width, value=0):
        self.pad_width = pad_width
        return self.xp.pad(a, pad_width, constant_values=value)

    def backward(self, grad, z, a):
        index = tuple(slice(lo, n - hi) for (lo, hi), n in zip(self.pad_width, grad.shape))
        return grad[index]


def _may_repeat(index: Any) -> bool:
    """True when ``index`` holds integer arrays or lists, which can name one position twice."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, (int, slice)) or part is None or part is Ellipsis:
            continue
        if getattr(part, "dtype", None) is not None and part.dtype.kind == "b":
            continue
        return True
    return False


# ---- the public functions -----------------------------------------------------------------------
def reshape(a: Tensor, shape: int | Sequence[int]) -> Tensor:
    """The same values with a new shape; one axis may be -1 (inferred)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape):
        raise TypeError(
            f"reshape: a shape is ints, as in x.reshape(2, 3) or x.reshape((2, 3)); got {shape}"
        )
    if tuple(shape) == a.shape:
        return a
    known = math.prod(n for n in shape if n != -1)
    size = a.numel()
    fits = size == known if -1 not in shape else (known and size % known == 0)
    if shape.count(-1) > 1 or not fits:
        raise ShapeError(f"reshape: cannot reshape a tensor of shape {a.shape} into {shape}")
    return Reshape.apply(a, shape=shape)


def transpose(a: Tensor, axes: Any = None, dim1: int | None = None) -> Tensor:
    """PyTorch's ``transpose(a, dim0, dim1)`` swaps two dims; given one sequence ``axes``
    (NumPy's form) it permutes them, and given nothing it reverses them, as ``.T`` does."""
    if dim1 is not None:
        return swapaxes(a, axes, dim1)
    if axes is None:
        axes = tuple(reversed(range(a.ndim)))
    axes = tuple(ax % a.ndim if a.ndim and -a.ndim <= ax < a.ndim else ax for ax in axes)
    if sorted(axes) != list(range(a.ndim)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of a {a.ndim}-d tensor")
    return Transpose.apply(a, axes=axes)


def swapaxes(a: Tensor, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes."""
    for axis in (axis1, axis2):
        if not -a.ndim <= axis < max(a.ndim, 1):
            raise DimError(f"swapaxes: axis {axis} is out of range for a {a.ndim}-d tensor")
    axes = list(range(a.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(a, axes)


def broadcast_to(a: Tensor, shape: Sequence[int]) -> Tensor:
    """``a`` repeated (without copying) to ``shape`` by NumPy's broadcasting rules."""
    shape = tuple(shape)
    if shape == a.shape:
        return a
    if len(shape) < a.ndim or any(
        n != m and n != 1 for n, m in zip(reversed(a.shape), reversed(shape))
    ):
        raise ShapeError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape}")
    return BroadcastTo.apply(a, shape=shape)


def sum_to(a: Tensor, shape: Sequence[int]) -> Tensor:
    """Sum ``a`` down to ``shape``: the inverse of broadcasting ``shape`` up to ``a.shape``."""
    shape = tuple(shape)
    if shape == a.shape:
        return a
    return SumTo.apply(a, shape=shape)


def squeeze(a: Tensor, dim: int | tuple[int, ...] | None = None, *, axis: Any = None) -> Tensor:
    """Remove size-1 dims (all of them, or those named; ``axis`` is NumPy's name for ``dim``).

    As PyTorch's: a named dim whose size is not 1 stays (NumPy would refuse it), and a 0-d
    tensor takes dim 0 or -1."""
    from .reduction import dim_arg, normalize_axes

    axis = dim_arg(dim, axis, "squeeze")
    axes = normalize_axes(axis, a.shape or (1,), "squeeze")  # the 0-d one: as if one dim
    axes = tuple(i for i in axes if a.ndim and a.shape[i] == 1)
    return reshape(a, tuple(n for i, n in enumerate(a.shape) if i not in axes))


def unsqueeze(a: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Insert a size-1 dim at ``dim`` (``axis`` is NumPy's name for it)."""
    from .reduction import dim_arg

    axis = dim_arg(dim, axis, "unsqueeze")
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"unsqueeze: dim must be an int, got {axis!r}")
    if not -a.ndim - 1 <= axis <= a.ndim:
        raise DimError(f"unsqueeze: axis {axis} is out of range for shape {a.shape}")
    axis = axis % (a.ndim + 1)
    return reshape(a, a.shape[:axis] + (1,) + a.shape[axis:])


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim`` to ``end_dim`` (inclusive) into one."""
    if a.ndim == 0:
        return reshape(a, (1,))
    for dim in (start_dim, end_dim):
        if not -a.ndim <= dim < a.ndim:
            raise DimError(f"flatten: dim {dim} is out of range for a tensor of shape {a.shape}")
    start, end = start_dim % a.ndim, end_dim % a.ndim
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = math.prod(a.shape[start : end + 1])
    return reshape(a, a.shape[:start] + (merged,) + a.shape[end + 1 :])


def _join_dim(dim: int | None, axis: int | None, op: str) -> int:
    """PyTorch's ``dim``, or NumPy's ``axis`` as its alias; 0 when neither is given."""
    from .reduction import dim_arg

    chosen = dim_arg(dim, axis, op)
    return 0 if chosen is None else chosen


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; all other axes must match."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    tensors = _joinable(tensors)
    first = tensors[0]
    if first.ndim == 0:
        raise ShapeError("concatenate: 0-d tensors cannot be joined; use stack")
    if not -first.ndim <= axis < first.ndim:
        raise DimError(f"concatenate: axis {axis} is out of range for shape {first.shape}")
    axis %= first.ndim
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(
            n != m for i, (n, m) in enumerate(zip(t.shape, first.shape)) if i != axis
        ):
            raise ShapeError(
                f"concatenate: shapes {first.shape} and {t.shape} differ outside axis {axis}"
            )
    return Concatenate.apply(*tensors, axis=axis)


def _joinable(tensors: list[Tensor]) -> list[Tensor]:
    """The tensors cat joins, in the dtype it joins them in, as PyTorch's ``cat``:

    * the result's dtype by category (bool < integer < floating), NumPy's rule within one:
      int64 with float32 is float32, where ``np.concatenate`` gives float64;
    * a 1-d empty tensor (shape (0,)) is skipped whatever the others' shapes (PyTorch's legacy
      rule that makes ``out = torch.tensor([])`` then ``out = torch.cat([out, row])`` work), but
      it still counts for the dtype; when every tensor is one, they are joined as they are.
    """
    dtypes = [t.dtype for t in tensors]
    top = max(2 if is_floating_dtype(d) else 0 if d.kind == "b" else 1 for d in dtypes)
    dtype = np.result_type(
        *(d for d in dtypes if (2 if is_floating_dtype(d) else 0 if d.kind == "b" else 1) == top)
    )
    kept = [t for t in tensors if t.shape != (0,)] or tensors
    return [t if t.dtype == dtype else t.astype(dtype) for t in kept]


def cat(tensors: Sequence[Tensor], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """PyTorch's name for ``concatenate``: join tensors along ``dim`` (default 0)."""
    return concatenate(tensors, _join_dim(dim, axis, "cat"))


def stack(tensors: Sequence[Tensor], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Join same-shape tensors along a new axis ``dim`` (default 0)."""
    axis = _join_dim(dim, axis, "stack")
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise ShapeError(f"stack: shapes {tensors[0].shape} and {t.shape} differ")
    ndim = tensors[0].ndim + 1
    if not -ndim <= axis < ndim:
        raise DimError(f"stack: axis {axis} is out of range for a {ndim}-d result")
    return concatenate([unsqueeze(t, axis) for t in tensors], axis)


def index_data(index: Any, device: Device, shape: tuple[int, ...]) -> Any:
    """An index ready for the arrays of a tensor on ``device`` with ``shape``.

    Tensors become arrays; index arrays built on the host are moved to the device. Off the CPU,
    integer arrays are checked against ``shape`` first: CuPy wraps an out-of-range index around
    (``x[[5]]`` of 3 rows gives row 2) where NumPy raises IndexError. The check is free for
    indices from the host; one that is already on the GPU is read (its min and max), a sync.
    """
    parts = list(index) if isinstance(index, tuple) else [index]
    for i, value in enumerate(parts):
        if isinstance(value, Tensor):
            value = value.data if value.device is device else value.numpy()
        if isinstance(value, (list, np.ndarray)) and device.type != "cpu":
            value = device.from_host(np.asarray(value))  # an index the user built on the host
        parts[i] = value
    if device.type != "cpu":
        _check_integer_arrays(parts, shape)
    return tuple(parts) if isinstance(index, tuple) else parts[0]


def _check_integer_arrays(parts: list, shape: tuple[int, ...]) -> None:
    """Raise NumPy's IndexError for an integer-array index outside its axis (see index_data)."""

    def axes_taken(value: Any) -> int:  # how many axes of the tensor one index part consumes
        if value is None:
            return 0
        dtype = getattr(value, "dtype", None)
        return value.ndim if dtype is not None and dtype.kind == "b" else 1

    axis = 0
    for position, value in enumerate(parts):
        if value is Ellipsis:
            axis = len(shape) - sum(axes_taken(v) for v in parts[position + 1 :])
            continue
        dtype = getattr(value, "dtype", None)
        if dtype is not None and dtype.kind in "iu" and value.size and axis < len(shape):
            size = shape[axis]
            low, high = int(value.min()), int(value.max())
            if low < -size or high >= size:
                bad = high if high >= size else low
                raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {size}")
        axis += axes_taken(value)


def getitem(a: Tensor, index: Any) -> Tensor:
    """``a[index]`` with NumPy's basic and advanced indexing; repeated indices add gradients."""
    try:
        index = index_data(index, a.device, a.shape)
        return GetItem.apply(a, index=index)
    except IndexError as error:
        raise IndexError(
            f"index {index!r} does not fit a tensor of shape {a.shape}: {error}"
        ) from None


def pad(a: Tensor, pad_width: Sequence[tuple[int, int]], value: float = 0) -> Tensor:
    """Add ``value`` (zeros by default) around ``a``: ``pad_width[i] = (before, after)`` for
    axis i, first axis first (NumPy's ``np.pad`` with one pair per axis).

    PyTorch has no ``torch.pad``; its ``F.pad(x, (1, 2))`` lists flat amounts from the *last*
    dim backwards, and NumPy would read the same ``(1, 2)`` as (1, 2) for every axis. The two
    readings differ, so flat amounts are refused with a pointer to
    ``minigrad.nn.functional.pad``, PyTorch's form, rather than given either meaning silently.
    """
    pairs = tuple(pad_width) if isinstance(pad_width, (tuple, list)) else None
    if pairs is None or not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
        flat = pairs is not None and all(isinstance(p, (int, np.integer)) for p in pairs)
        hint = (
            f"; for PyTorch's F.pad form, flat amounts from the last dim backwards, use "
            f"minigrad.nn.functional.pad(x, {pad_width!r})"
            if flat
            else ""
        )
        raise TypeError(
            f"pad: pad_width must be one (before, after) pair per axis ({a.ndim} for shape "
            f"{a.shape}), got {pad_width!r}{hint}"
        )
    pad_width = tuple((int(lo), int(hi)) for lo, hi in pairs)
    if len(pad_width) != a.ndim or any(lo < 0 or hi < 0 for lo, hi in pad_width):
        raise ValueError(f"pad: pad_width {pad_width} must give (before, after) >= 0 per axis")
    if value == 0:
        return Pad.apply(a, pad_width=pad_width)
    return Pad.apply(a, pad_width=pad_width, value=value)


def repeat(a: Tensor, sizes: Sequence[int]) -> Tensor:
    """``a`` tiled ``sizes[i]`` times along dim i, as PyTorch's ``Tensor.repeat`` (NumPy's
    ``tile``); extra leading sizes add new dims. Each copy's gradient adds back into ``a``.

    Done as a broadcast and a reshape: (d0, d1) becomes (1, d0, 1, d1), is broadcast to
    (r0, d0, r1, d1), and is read as (r0*d0, r1*d1).
    """
    sizes = tuple(sizes)
    for size in sizes:
        if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 0:
            raise ValueError(f"repeat: sizes must be ints >= 0, got {sizes}")
    if len(sizes) < a.ndim:
        raise ShapeError(
            f"repeat: needs at least one size per dim ({a.ndim} for shape {a.shape}), got {sizes}"
        )
    shape = (1,) * (len(sizes) - a.ndim) + a.shape
    spread = reshape(a, tuple(n for d in shape for n in (1, d)))
    tiled = broadcast_to(spread, tuple(n for r, d in zip(sizes, shape) for n in (r, d)))
    return reshape(tiled, tuple(r * d for r, d in zip(sizes, shape)))


def tile(a: Tensor, dims: Sequence[int] | int) -> Tensor:
    """``a`` tiled ``dims[i]`` times along dim i (PyTorch's ``tile``): ``repeat``, except that
    fewer sizes than dims are padded with 1s in front, so ``tile(x, (2,))`` repeats the last
    dim of a matrix where ``repeat`` would refuse."""
    sizes = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return repeat(a, (1,) * (a.ndim - len(sizes)) + sizes)


def _diagonal_index(xp: Any, rows: int, cols: int, offset: int) -> tuple[Any, Any]:
    """(row, column) positions of diagonal ``offset`` of a rows x cols matrix (above the main
    one for offset > 0, below for offset < 0)."""
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    steps = xp.arange(length)
    return (steps, steps + offset) if offset >= 0 else (steps - offset, steps)


def diag(a: Tensor, diagonal: int = 0) -> Tensor:
    """PyTorch's ``diag``: a 1-D ``a`` becomes a square matrix with ``a`` on diagonal
    ``diagonal`` (above the main one if > 0, below if < 0) and zeros elsewhere; a 2-D ``a``
    gives that diagonal of it as a 1-D tensor."""
    from ..checks import check_int

    diagonal = check_int("diag", "diagonal", diagonal)
    if a.ndim == 1:
        size = a.shape[0] + abs(diagonal)
        index = _diagonal_index(a.xp, size, size, diagonal)
        return IndexAdd.apply(a, index=index, shape=(size, size))
    if a.ndim == 2:
        return GetItem.apply(a, index=_diagonal_index(a.xp, a.shape[0], a.shape[1], diagonal))
    raise ShapeError(f"diag: input must be 1-D or 2-D, got shape {a.shape}")


def trace(a: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor (integers sum in int64, as PyTorch's)."""
    if a.ndim != 2:
        raise ShapeError(f"trace: input must be 2-D, got shape {a.shape}")
    values = diag(a)
    if a.dtype.kind in "iub":
        values = values.astype(np.int64)
    return values.sum()


def split(
    a: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0
) -> tuple[Tensor, ...]:
    """Cut ``a`` into pieces along ``dim``, as PyTorch's ``split``: an int gives pieces of that
    size (the last one smaller if the size does not divide), a list gives the size of each
    piece (they must add up to the dim's size). Each piece is a slice of ``a``, so its gradient
    goes back into its own part of ``a``'s gradient."""
    from ..checks import check_int

    if not isinstance(a, Tensor):
        raise TypeError(f"split: input must be a Tensor, got {type(a).__name__}")
    if a.ndim == 0:
        raise ValueError("split: a 0-d tensor has no dim to split")
    (axis,) = _one_axis(dim, a.shape, "split")
    size = a.shape[axis]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [
            check_int("split", f"split_size_or_sections[{i}]", n, low=0)
            for i, n in enumerate(split_size_or_sections)
        ]
        if sum(sizes) != size:
            raise ShapeError(
                f"split: sections {list(sizes)} add up to {sum(sizes)}, but dim {dim} "
                f"has size {size} (shape {a.shape})"
            )
    else:
        step = check_int("split", "split_size_or_sections", split_size_or_sections, low=1)
        sizes = [min(step, size - start) for start in range(0, size, step)] or [0]
    pieces, start = [], 0
    for n in sizes:
        index = (slice(None),) * axis + (slice(start, start + n),)
        pieces.append(GetItem.apply(a, index=index))
        start += n
    return tuple(pieces)


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Cut ``a`` into ``chunks`` pieces along ``dim``, as PyTorch's ``chunk``: each of size
    ceil(size / chunks), the last smaller, so there may be fewer than ``chunks`` pieces."""
    from ..checks import check_int

    chunks = check_int("chunk", "chunks", chunks, low=1)
    if not isinstance(a, Tensor) or a.ndim == 0:
        raise ValueError("chunk: input must be a Tensor with at least 1 dim")
    (axis,) = _one_axis(dim, a.shape, "chunk")
    return split(a, max(-(-a.shape[axis] // chunks), 1), axis)


def gather(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """Values picked along ``dim`` by ``index``, as PyTorch's ``gather``: for a 3-d input and
    dim=1, out[i, j, k] = a[i, index[i, j, k], k].

    ``index`` is an integer tensor with as many dims as ``a``; it may be smaller than ``a`` in
    every dim but ``dim`` (then only that corner of ``a`` is read), and the output has its shape.
    Every index must lie in [0, a.shape[dim]). The gradient of each picked value goes back to the
    place it was picked from; places picked twice add up.
    """
    if not isinstance(a, Tensor):
        raise TypeError(f"gather: input must be a Tensor, got {type(a).__name__}")
    if not isinstance(index, Tensor):
        raise TypeError(f"gather: index must be an integer Tensor, got {type(index).__name__}")
    if index.dtype.kind not in "iu":
        raise DtypeError(f"gather: index must hold integers, got {index.dtype}")
    if index.device is not a.device:
        raise RuntimeError(f"gather: input is on {a.device}, index on {index.device}")
    if index.ndim != a.ndim:
        raise ShapeError(
            f"gather: index must have as many dims as the input, got index shape {index.shape} "
            f"for input shape {a.shape}"
        )
    (axis,) = _one_axis(dim, a.shape if a.ndim else (1,), "gather")
    if any(m > n for d, (m, n) in enumerate(zip(index.shape, a.shape)) if d != axis):
        raise ShapeError(
            f"gather: index of shape {index.shape} is larger than the input of shape {a.shape} "
            f"outside dim {axis}"
        )
    size = a.shape[axis] if a.ndim else 1
    if not all_below(index.data, size):
        raise IndexBoundsError(f"gather: index values must lie in [0, {size - 1}] along dim {axis}")
    return take_along(a, axis, index)


def take_along(a: Tensor, axis: int, index: Tensor) -> Tensor:
    """``gather`` without its checks, for callers whose indices are known to be good (topk)."""
    if a.ndim == 0:
        return GetItem.apply(a, index=())
    # An open grid: index's own positions in every axis but ``axis``, where it picks; advanced
    # indexing with these broadcasting ranges is exactly a[i, index[i, j, k], k].
    grid = []
    for d, n in enumerate(index.shape):
        if d == axis:
            grid.append(index.data)
        else:
            grid.append(a.xp.arange(n).reshape((1,) * d + (n,) + (1,) * (index.ndim - d - 1)))
    return GetItem.apply(a, index=tuple(grid))


def all_below(indices: Any, size: int) -> bool:
    """Whether every integer in ``indices`` (an array) lies in [0, size).

    Read as unsigned (a view, no copy), a negative integer becomes one above every valid index,
    so one maximum answers both questions: one value read back, one device sync on a GPU. Worth
    it, since on the GPU an out-of-range index would otherwise read a wrong row without an error.
    """
    if not indices.size:
        return True
    return int(indices.view(f"u{indices.dtype.itemsize}").max()) < size


# ---- scatter: the writes that gather's reads undo ------------------------------------------------
def _scatter_grid(op: str, a: Tensor, dim: int, index: Tensor, src: Any) -> tuple[int, tuple]:
    """Check PyTorch's scatter rules and return (axis, the advanced index out[grid] = src).

    ``index`` has as many dims as ``a``, fits inside ``a`` in every dim but ``dim`` (and inside
    a Tensor ``src`` in every dim), and its values lie in [0, a.shape[dim]): the range check reads
    one value back, a device sync on a GPU, because CuPy would wrap a bad index around silently.
    """
    if not isinstance(a, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(a).__name__}")
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: index must be an integer Tensor, got "
            f"{getattr(index, 'dtype', type(index).__name__)}"
        )
    if index.device is not a.device:
        raise RuntimeError(f"{op}: input is on {a.device}, index on {index.device}")
    if index.ndim != a.ndim:
        raise ShapeError(
            f"{op}: index must have as many dims as the input, got index shape {index.shape} "
            f"for input shape {a.shape}"
        )
    (axis,) = _one_axis(dim, a.shape, op)
    if any(m > n for d, (m, n) in enumerate(zip(index.shape, a.shape)) if d != axis):
        raise ShapeError(
            f"{op}: index of shape {index.shape} must be no larger than the input of shape "
            f"{a.shape} outside dim {axis}"
        )
    if isinstance(src, Tensor):
        if src.device is not a.device:
            raise RuntimeError(f"{op}: input is on {a.device}, src on {src.device}")
        if src.dtype != a.dtype:
            raise DtypeError(f"{op}: src must have the input's dtype {a.dtype}, got {src.dtype}")
        if src.ndim != index.ndim or any(m > n for m, n in zip(index.shape, src.shape)):
            raise ShapeError(
                f"{op}: index of shape {index.shape} must be no larger than src of shape "
                f"{src.shape} in every dim"
            )
    if not all_below(index.data, a.shape[axis]):
        raise IndexBoundsError(
            f"{op}: index values must lie in [0, {a.shape[axis] - 1}] along dim {axis}"
        )
    grid = []
    for d, n in enumerate(index.shape):
        if d == axis:
            grid.append(index.data)
        else:  # index's own position in every other dim (see take_along)
            grid.append(a.xp.arange(n).reshape((1,) * d + (n,) + (1,) * (index.ndim - d - 1)))
    return axis, tuple(grid)


def _corner(src: Tensor, shape: tuple[int, ...]) -> Tensor:
    """The part of ``src`` that an index of ``shape`` reads (all of it when the shapes agree)."""
    if src.shape == shape:
        return src
    return GetItem.apply(src, index=tuple(slice(0, n) for n in shape))


def scatter(a: Tensor, dim: int, index: Tensor, src: Any) -> Tensor:
    """A copy of ``a`` with ``src``'s values written where ``index`` points, as PyTorch's
    ``scatter``: for a 3-d input and dim=1, out[i, index[i, j, k], k] = src[i, j, k].

    ``src`` is a Tensor of ``a``'s dtype (only its corner of ``index``'s shape is read) or a
    number. Where ``index`` names one place twice, one of the values is kept. Gradients: ``a``'s
    is dz with the written places zeroed, ``src``'s is gather(dz, dim, index).
    """
    if a.ndim == 0 and isinstance(index, Tensor) and index.ndim == 0:
        flat = src.reshape(1) if isinstance(src, Tensor) else src
        return scatter(a.reshape(1), dim, index.reshape(1), flat).reshape(())
    _, grid = _scatter_grid("scatter", a, dim, index, src)
    if isinstance(src, Tensor):
        return Scatter.apply(a, _corner(src, index.shape), index=grid)
    if not isinstance(src, (bool, int, float, np.bool_, np.integer, np.floating)):
        raise TypeError(f"scatter: src must be a Tensor or a number, got {src!r}")
    if a.dtype.kind in "iu" and not float(src).is_integer():
        # PyTorch truncates 2.7 to 2 here; a silent change of value is refused instead
        raise TypeError(f"scatter: src={src!r} is not an integer, and the input is {a.dtype}")
    filled = Tensor._wrap(a.xp.full(index.shape, src, dtype=a.dtype), a.device)
    return Scatter.apply(a, filled, index=grid)


def _check_add_device(op: str, a: Tensor) -> None:
    if a.device.type != "cpu" and a.dtype.kind != "f":
        raise TypeError(
            f"{op}: on {a.device} only float tensors can be added into (repeated indices go "
            f"through CuPy's scatter_add), got {a.dtype}"
        )


def scatter_add(a: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``a`` with ``src``'s values added where ``index`` points, as PyTorch's
    ``scatter_add``: out[i, index[i, j, k], k] += src[i, j, k] for dim=1, repeats adding up.

    z = a + S(src) with S linear;  dz/da = 1, and src's gradient is gather(dz, dim, index).
    On a GPU only float tensors (CuPy adds repeated indices for floats only).
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}")
    if a.ndim == 0 and isinstance(index, Tensor) and index.ndim == 0:
        return scatter_add(a.reshape(1), dim, index.reshape(1), src.reshape(1)).reshape(())
    _, grid = _scatter_grid("scatter_add", a, dim, index, src)
    _check_add_device("scatter_add", a)
    return a + IndexAdd.apply(_corner(src, index.shape), index=grid, shape=a.shape)


def index_add(a: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """A copy of ``a`` with alpha * ``source``'s slices added to the slices of ``a`` that the
    1-D ``index`` names along ``dim``, as PyTorch's ``index_add``: for dim=0,
    out[index[i]] += alpha * source[i], repeats adding up.

    z = a + alpha S(source);  dz/da = 1, and source's gradient is alpha * index_select(dz, dim,
    index). On a GPU only float tensors.
    """
    from ..checks import check_number

    if not isinstance(a, Tensor) or not isinstance(source, Tensor):
        raise TypeError(
            f"index_add: input and source must be Tensors, got {type(a).__name__} and "
            f"{type(source).__name__}"
        )
    if not isinstance(index, Tensor) or index.ndim != 1 or index.dtype.kind not in "iu":
        raise TypeError(
            f"index_add: index must be a 1-D integer Tensor, got "
            f"{getattr(index, 'shape', type(index).__name__)} {getattr(index, 'dtype', '')}"
        )
    if index.device is not a.device or source.device is not a.device:
        raise RuntimeError(
            f"index_add: input is on {a.device}, index on {index.device}, source on {source.device}"
        )
    if source.dtype != a.dtype:
        raise DtypeError(
            f"index_add: source must have the input's dtype {a.dtype}, got {source.dtype}"
        )
    (axis,) = _one_axis(dim, a.shape, "index_add")
    wanted = a.shape[:axis] + (index.shape[0],) + a.shape[axis + 1 :]
    if source.shape != wanted:
        raise ShapeError(
            f"index_add: source must have shape {wanted} (the input's, with dim {axis} the "
            f"length of index), got {source.shape}"
        )
    alpha = check_number("index_add", "alpha", alpha)
    if a.dtype.kind in "iub" and not float(alpha).is_integer():
        raise TypeError(f"index_add: alpha={alpha!r} is not an integer, and the input is {a.dtype}")
    if not all_below(index.data, a.shape[axis]):
        raise IndexError(
            f"index_add: index values must lie in [0, {a.shape[axis] - 1}] along dim {axis}"
        )
    _check_add_device("index_add", a)
    if alpha != 1:
        source = source * (int(alpha) if a.dtype.kind in "iu" else alpha)
    where = (slice(None),) * axis + (index.data,)
    return a + IndexAdd.apply(source, index=where, shape=a.shape)


def narrow(a: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``a``'s elements start .. start + length - 1 along ``dim``, as PyTorch's ``narrow``: a
    slice (a view), whose gradient goes back into that part of ``a``'s gradient."""
    from ..checks import check_int

    (axis,) = _one_axis(dim, a.shape, "narrow")
    size = a.shape[axis]
    start = check_int("narrow", "start", start, low=-size, high=size)
    start = start + size if start < 0 else start
    length = check_int("narrow", "length", length, low=0, high=size - start, error=ShapeError)
    return GetItem.apply(a, index=(slice(None),) * axis + (slice(start, start + length),))


def unflatten(a: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dim ``dim`` into several, as PyTorch's ``unflatten``: (2, 12) with dim 1 and sizes
    (3, 4) becomes (2, 3, 4); one size may be -1. The inverse of ``flatten``."""
    (axis,) = _one_axis(dim, a.shape, "unflatten")
    return reshape(a, a.shape[:axis] + tuple(sizes) + a.shape[axis + 1 :])


def flip(a: Tensor, dims: int | Sequence[int]) -> Tensor:
    """``a`` with the order of its elements reversed along each of ``dims``, as PyTorch's
    ``flip``; the gradient is flipped back the same way."""
    from .reduction import normalize_axes

    wanted: Any = tuple(dims) if isinstance(dims, (list, tuple)) else (dims,)
    axes = normalize_axes(wanted, a.shape, "flip")
    return GetItem.apply(
        a, index=tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(a.ndim))
    )


def roll(a: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """``a`` shifted by ``shifts`` along ``dims``, elements leaving one end coming back at the
    other, as PyTorch's ``roll`` (flattened first, then reshaped, when ``dims`` is None). Two
    slices joined: out = cat(a[-s:], a[:-s]) along the dim."""
    if dims is None:
        return reshape(roll(reshape(a, (-1,)), shifts, 0), a.shape)
    shift_list = list(shifts) if isinstance(shifts, (list, tuple)) else [shifts]
    dim_list = list(dims) if isinstance(dims, (list, tuple)) else [dims]
    if len(shift_list) != len(dim_list):
        raise ValueError(
            f"roll: shifts {shifts!r} and dims {dims!r} must have the same number of entries"
        )
    out = a
    for shift, dim in zip(shift_list, dim_list):
        if not isinstance(shift, (int, np.integer)) or isinstance(shift, bool):
            raise TypeError(f"roll: shifts must be ints, got {shift!r}")
        (axis,) = _one_axis(dim, a.shape, "roll")
        size = a.shape[axis]
        shift = int(shift) % size if size else 0
        if shift:
            before = (slice(None),) * axis
            out = cat(
                [
                    GetItem.apply(out, index=before + (slice(size - shift, None),)),
                    GetItem.apply(out, index=before + (slice(0, size - shift),)),
                ],
                dim=axis,
            )
    return out


def index_select(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``a`` along ``dim`` that the 1-D integer ``index`` names, in its order, as
    PyTorch's ``index_select``; a slice picked twice gets both gradients."""
    if not isinstance(index, Tensor) or index.ndim != 1 or index.dtype.kind not in "iu":
        raise TypeError(
            f"index_select: index must be a 1-D integer Tensor, got "
            f"{getattr(index, 'shape', type(index).__name__)} {getattr(index, 'dtype', '')}"
        )
    (axis,) = _one_axis(dim, a.shape, "index_select")
    if not all_below(index.data, a.shape[axis]):
        raise IndexBoundsError(
            f"index_select: index values must lie in [0, {a.shape[axis] - 1}] along dim {axis}"
        )
    return GetItem.apply(a, index=(slice(None),) * axis + (index.data,))


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join side by side: along dim 1, or dim 0 for 1-D tensors (PyTorch's ``hstack``)."""
    tensors = list(tensors)
    return cat(tensors, dim=0 if tensors and tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join one under another along dim 0, 1-D tensors first made rows (PyTorch's ``vstack``)."""
    return cat([t.reshape(1, -1) if t.ndim == 1 else t for t in tensors], dim=0)


def _one_axis(dim: Any, shape: tuple[int, ...], op: str) -> tuple[int]:
    from .reduction import normalize_axes

    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    (axis,) = normalize_axes(int(dim), shape, op)
    return (axis,)

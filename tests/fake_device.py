"""A stand-in GPU for machines without one: arrays that refuse NumPy the way CuPy's do.

``FakeArray`` wraps a NumPy array but is not one. Like a CuPy array it cannot be turned into a
NumPy array implicitly (``np.asarray(x)``, ``np.exp(x)`` and ``x + numpy_array`` all raise), and
it only computes through its own array module, ``fake_xp``, which unwraps, calls NumPy, and wraps
again. Running minigrad on the device ``"fakegpu"`` therefore fails on any code path that reaches
for ``numpy`` directly on device data, exactly where it would fail on a real GPU.

It also behaves like CuPy where CuPy differs from NumPy without an error: an out-of-range
integer-array index wraps around instead of raising, and assigning a list into a slice is
refused. And it counts, in ``Transfers``, every way data crosses between host and device: copies
to the host (``.get()``), implicit waits for a value (``item``, ``int``, ``float``, ``bool``,
``__index__``: on a GPU each one stops the host until the device catches up) and copies to the
device (``from_host``, ``xp.asarray`` of host data).
"""

from __future__ import annotations

import operator
import types
from typing import Any

import numpy as np

from minigrad.backend import Device, register_device

_BASES: dict[int, tuple[np.ndarray, FakeArray]] = {}  # keeps ids stable; test-only, so it may grow


class Transfers:
    """What crossed between host and device so far, so a test can hold a step to a budget."""

    to_host = 0  # .get(): an array copied back
    syncs = 0  # item(), int(), float(), bool(), __index__: one value read, the host waits
    to_device = 0  # host data copied onto the device

    @classmethod
    def snapshot(cls) -> dict[str, int]:
        return {"to_host": cls.to_host, "syncs": cls.syncs, "to_device": cls.to_device}

    @classmethod
    def since(cls, snapshot: dict[str, int]) -> dict[str, int]:
        """How many of each kind happened after ``snapshot``."""
        return {name: count - snapshot[name] for name, count in cls.snapshot().items()}


def _unwrap(value: Any) -> Any:
    if isinstance(value, FakeArray):
        return value._array
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _wrap(value: Any) -> Any:
    if isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, type):
        return FakeArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _wrapped_around(index: Any, shape: tuple[int, ...]) -> Any:
    """CuPy takes an out-of-range integer-array index modulo its axis' size (NumPy raises).

    Simulated for indices of plain parts (ints, slices, integer arrays), which is what minigrad's
    bounds check must catch; indices with ``None``, ``...`` or boolean masks are left alone.
    """
    parts = index if isinstance(index, tuple) else (index,)
    masks = [getattr(getattr(p, "dtype", None), "kind", "") == "b" for p in parts]
    if any(p is None or p is Ellipsis for p in parts) or any(masks):
        return index
    wrapped = tuple(
        np.mod(p, shape[axis])
        if isinstance(p, np.ndarray) and p.dtype.kind in "iu" and axis < len(shape) and shape[axis]
        else p
        for axis, p in enumerate(parts)
    )
    return wrapped if isinstance(index, tuple) else wrapped[0]


class Launches:
    """How many array operations ran that would each be a kernel launch on CuPy (``count``)."""

    count = 0


# Operations that make a view or an uninitialised array, which CuPy does without a kernel. Every
# other array operation counts as one launch (a reshape that has to copy is missed: close enough
# to hold a training step to a budget; on a GPU each launch costs microseconds of CPU time).
_NO_KERNEL = {
    "reshape", "transpose", "swapaxes", "view", "squeeze", "ravel", "moveaxis", "expand_dims",
    "broadcast_to", "as_strided", "empty", "empty_like", "asarray", "shape", "result_type",
}  # fmt: skip


def _launches(name: str) -> None:
    if name.rpartition(".")[2] not in _NO_KERNEL:
        Launches.count += 1


def _is_view(index: Any) -> bool:
    """Basic indexing (ints, slices, None, ...) gives a view; an array index gathers (a kernel)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


def _refuse_host_arrays(name: str, values: Any) -> None:
    """CuPy refuses NumPy arrays as operands; so do we (scalars are fine)."""
    for value in values:
        if isinstance(value, np.ndarray) and value.ndim > 0:
            raise TypeError(f"fakegpu: {name} got a host NumPy array; move it to the device first")
        if isinstance(value, (list, tuple)):
            _refuse_host_arrays(name, value)


class FakeArray:
    """A device array: NumPy inside, but no implicit conversion to NumPy outside."""

    __slots__ = ("_array",)
    __array_priority__ = 2000

    def __init__(self, array: np.ndarray) -> None:
        self._array = array

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError(
            "fakegpu: implicit conversion of device data to a NumPy array "
            "(a NumPy call on device data); use the tensor's array module or .get()"
        )

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # `np.float32(2) * x` reaches here through the NumPy scalar's operator; CuPy computes
        # it on the device, so do we. Any other NumPy ufunc on device data is refused.
        if method == "__call__" and any(isinstance(v, np.generic) for v in inputs):
            if all(isinstance(v, (FakeArray, np.generic, int, float)) for v in inputs):
                return _wrap(ufunc(*_unwrap(inputs), **_unwrap(kwargs)))
        raise TypeError("fakegpu: a NumPy ufunc was called on device data; use tensor.xp")

    def __array_function__(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"fakegpu: numpy.{func.__name__} was called on device data; use tensor.xp instead"
        )

    def get(self) -> np.ndarray:
        """Copy to the host (CuPy's name for it)."""
        Transfers.to_host += 1
        return self._array.copy()

    # attributes that CuPy arrays have
    shape = property(lambda self: self._array.shape)
    ndim = property(lambda self: self._array.ndim)
    dtype = property(lambda self: self._array.dtype)
    size = property(lambda self: self._array.size)
    strides = property(lambda self: self._array.strides)
    itemsize = property(lambda self: self._array.itemsize)
    nbytes = property(lambda self: self._array.nbytes)
    flags = property(lambda self: self._array.flags)
    T = property(lambda self: FakeArray(self._array.T))

    @property
    def base(self) -> Any:
        """The array whose memory this view shares (one wrapper per memory, like CuPy's)."""
        base = self._array.base
        if base is None:
            return None
        return _BASES.setdefault(id(base), (base, FakeArray(base)))[1]

    def __len__(self) -> int:
        return len(self._array)

    def __repr__(self) -> str:
        return f"FakeArray({self._array!r})"

    def item(self) -> Any:
        Transfers.syncs += 1
        return self._array.item()

    def tolist(self) -> Any:
        raise TypeError("fakegpu: tolist() on device data; copy to the host with .get() first")

    def __bool__(self) -> bool:
        Transfers.syncs += 1
        return bool(self._array)

    def __int__(self) -> int:
        Transfers.syncs += 1
        return int(self._array)

    def __float__(self) -> float:
        Transfers.syncs += 1
        return float(self._array)

    def __index__(self) -> int:
        Transfers.syncs += 1
        return operator.index(self._array)

    def __getitem__(self, index: Any) -> FakeArray:
        if not _is_view(index):
            Launches.count += 1
        return _wrap(self._array[_wrapped_around(_unwrap(index), self._array.shape)])

    def __setitem__(self, index: Any, value: Any) -> None:
        _refuse_host_arrays("__setitem__", [value])
        if isinstance(value, (list, tuple)):  # CuPy's words for it
            raise ValueError("fakegpu: non-scalar numpy.ndarray cannot be used for fill")
        Launches.count += 1
        self._array[_wrapped_around(_unwrap(index), self._array.shape)] = _unwrap(value)

    def __iter__(self):
        return (FakeArray(np.asarray(row)) for row in self._array)


def _method(name: str):
    def method(self: FakeArray, *args: Any, **kwargs: Any) -> Any:
        _refuse_host_arrays(name, args)
        _launches(name)
        return _wrap(getattr(self._array, name)(*_unwrap(args), **_unwrap(kwargs)))

    method.__name__ = name
    return method


for _name in [
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__rtruediv__", "__floordiv__", "__mod__", "__pow__", "__rpow__", "__matmul__",
    "__rmatmul__", "__neg__", "__pos__", "__abs__", "__invert__", "__and__", "__or__",
    "__xor__", "__rshift__", "__lshift__", "__lt__", "__le__", "__gt__", "__ge__", "__eq__",
    "__ne__", "__iadd__", "__ixor__",
    "__isub__", "__imul__", "__itruediv__", "__ipow__", "__iand__", "__ior__",
    "sum", "mean", "max", "min", "argmax", "argmin", "any", "all", "var", "std", "prod",
    "reshape", "transpose", "swapaxes", "astype", "copy", "fill", "ravel", "clip", "dot",
    "squeeze", "cumsum", "nonzero", "view", "take",
]:  # fmt: skip
    setattr(FakeArray, _name, _method(_name))
FakeArray.__hash__ = None  # like NumPy and CuPy arrays


class _FunctionProxy:
    """A NumPy function or ufunc seen through the fake device: unwrap, call, wrap."""

    def __init__(self, function: Any, name: str) -> None:
        self._function = function
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._name.rpartition(".")[2] not in ("asarray", "array"):
            _refuse_host_arrays(self._name, args)
        elif args and not isinstance(args[0], FakeArray):  # CuPy copies host data over
            Transfers.to_device += 1
        _launches(self._name)
        return _wrap(self._function(*_unwrap(args), **_unwrap(kwargs)))

    def __getattr__(self, name: str) -> Any:  # ufunc methods: add.at, maximum.reduce, ...
        ufunc = self._name.rpartition(".")[2]
        if name in ("reduce", "accumulate", "reduceat", "outer") and ufunc not in _CUPY_METHODS:
            # CuPy has these methods for a few ufuncs only: code that relies on them for
            # another one (maximum.accumulate, say) would fail there, so it fails here
            raise NotImplementedError(f"fakegpu: {self._name}.{name} is not available in CuPy")
        return _FunctionProxy(getattr(self._function, name), f"{self._name}.{name}")


_CUPY_METHODS = ("add", "multiply")  # the ufuncs whose reduce/accumulate CuPy has


class _ModuleProxy(types.SimpleNamespace):
    """``fake_xp``: the NumPy namespace, with every function routed through _FunctionProxy."""

    def __init__(self, module: Any, name: str) -> None:
        super().__init__()
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_name", name)

    def __getattr__(self, name: str) -> Any:
        if name == "ndarray":
            return FakeArray
        value = getattr(self._module, name)
        if isinstance(value, type) or isinstance(value, (int, float, np.dtype)):
            return value  # dtypes (xp.float32) and constants (xp.pi, xp.inf)
        if isinstance(value, types.ModuleType):
            return _ModuleProxy(value, f"{self._name}.{name}")
        if callable(value):
            return _FunctionProxy(value, f"{self._name}.{name}")
        return value


fake_xp = _ModuleProxy(np, "fake_xp")


def _to_host(array: Any) -> np.ndarray:
    if not isinstance(array, FakeArray):
        raise TypeError(f"fakegpu: expected a device array, got {type(array).__name__}")
    return array.get()


def _from_host(xp: Any, array: Any) -> FakeArray:
    if isinstance(array, FakeArray):
        return FakeArray(array._array.copy())
    Transfers.to_device += 1
    return FakeArray(np.array(array))


FAKE_GPU = register_device(Device("fakegpu", lambda: fake_xp, _to_host, _from_host))

"""``Tensor``: an array (NumPy or CuPy) plus what autograd needs to differentiate through it.

The class is thin on purpose: each operator and method forwards to an op in ``minigrad.ops``,
where the forward and backward of that op sit side by side.
"""

from __future__ import annotations

import builtins
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import autograd
from .backend import Device, cpu, device_of_array, get_default_device, get_device
from .checks import DtypeError, ShapeError

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype that Python floats and lists of floats become (float32 or float64)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64, np.float16):
        raise TypeError(f"default dtype must be a floating dtype (float32 or float64), got {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype that Python floats and lists of floats become (float32 unless changed)."""
    return _default_dtype


def is_floating_dtype(dtype: np.dtype) -> bool:
    return dtype.kind in "fc"


def _to_array(data: Any, dtype: Any, device: Device) -> Any:
    """Build the backing array, applying the dtype policy (see ``Tensor``)."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
    source = device_of_array(data)
    xp = device.xp
    if (source is not cpu or isinstance(data, (np.ndarray, np.generic))) and (
        data.dtype.kind not in "biuf"
    ):
        raise TypeError(
            f"tensor data must be booleans, integers or real floats, got an array of {data.dtype}"
            " (strings, objects, dates and complex numbers are not supported)"
        )
    if source is not cpu or isinstance(data, np.ndarray):
        # An array keeps its dtype and is copied, as torch.tensor copies (from_numpy shares).
        if source is not device:
            data = device.from_host(source.to_host(data))  # a copy already
        elif dtype is None or data.dtype == dtype:
            return data.copy()
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    if isinstance(data, np.generic):
        return xp.asarray(data, dtype=dtype)
    if isinstance(data, (bool, numbers.Number, list, tuple)):
        host = np.asarray(data)
        if host.dtype.kind not in "biuf":
            raise TypeError(
                f"tensor data must be numbers, got {host.dtype} from {type(data).__name__}"
            )
        if dtype is None and host.dtype.kind == "f":
            dtype = _default_dtype  # Python floats become the default dtype, not float64
        if dtype is None and host.dtype.kind in "iu":
            dtype = np.dtype(np.int64)  # the same on every platform
        return device.from_host(host if dtype is None else host.astype(dtype))
    raise TypeError(
        f"tensor data must be a number, a list of numbers or an array, got {type(data).__name__}"
    )


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    dtype policy: an ndarray keeps its dtype; Python floats and lists of floats become
    ``get_default_dtype()`` (float32); Python ints become int64; arithmetic with a Python scalar
    keeps the tensor's dtype (float32 + 2.0 is float32). Only floating tensors can require grad.
    """

    __slots__ = ("data", "_grad", "requires_grad", "device", "_ctx", "_version", "__weakref__")
    __array_priority__ = 1000  # so numpy_array * tensor calls Tensor.__rmul__
    __array_ufunc__ = None  # and NumPy never turns a tensor into an array behind its back

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        device: str | Device | None = None,
    ) -> None:
        if device is None and isinstance(data, Tensor):
            device = data.device
        self.device: Device
        if device is None:  # data already on a device stays there; host data goes to the default
            device = device_of_array(data)
            device = get_default_device() if device is cpu else device
        else:
            device = get_device(device)
        self.data = _to_array(data, dtype, device)
        self.device = device
        self._grad: Tensor | None = None
        self._ctx: autograd.Function | None = None
        self._version = 0  # bumped by every in-place write (autograd.mark_written)
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, data: Any, device: Device, requires_grad: bool = False) -> Tensor:
        """Fast constructor for op results: no conversion, no checks."""
        out = cls.__new__(cls)
        out.data = data
        out.device = device
        out._grad = None
        out.requires_grad = requires_grad
        out._ctx = None
        out._version = 0
        return out

    # ---- basic properties -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def xp(self) -> Any:
        """The array module of this tensor's device (``numpy`` or ``cupy``)."""
        return self.device.xp

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (or detached); False for results recorded in a graph."""
        return self._ctx is None

    def register_hook(self, hook: Any) -> Any:
        """``hook(grad)`` runs when this tensor's gradient is computed; a Tensor it returns
        replaces the gradient. Returns a handle whose ``remove()`` takes the hook off."""
        return autograd.register_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (as PyTorch's)."""
        autograd.retain_grad(self)

    @property
    def grad_fn(self) -> autograd.Function | None:
        """The Function that computed this tensor in the graph (None for a leaf)."""
        return self._ctx

    @property
    def grad(self) -> Tensor | None:
        """The gradient that backward() accumulated here (None until then)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # Checked here, as PyTorch does, not later inside an optimizer: a (1,) gradient would
        # otherwise broadcast into a (2,) parameter's update without an error.
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"grad must be a Tensor or None, got {type(value).__name__}; "
                    "wrap an array with minigrad.tensor(...)"
                )
            if value.shape != self.shape or value.dtype != self.dtype:
                raise ShapeError(
                    f"grad of shape {value.shape} and dtype {value.dtype} does not fit a tensor "
                    f"of shape {self.shape} and dtype {self.dtype}"
                )
            if value.device is not self.device:
                raise RuntimeError(
                    f"grad is on {value.device} and the tensor on {self.device}; "
                    f"move it with .to('{self.device}')"
                )
        self._grad = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark this leaf as needing gradients (in place); returns self."""
        if requires_grad and not is_floating_dtype(self.data.dtype):
            raise RuntimeError(  # PyTorch's type for this misuse, so code written for it catches it
                f"only floating-point tensors can require grad, this one is {self.data.dtype}; "
                "convert it first, e.g. x.astype(minigrad.float32)"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor; use .detach() instead")
        self.requires_grad = requires_grad
        return self

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(  # PyTorch's type (NumPy's would be ValueError)
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.item())

    __hash__ = object.__hash__  # == is elementwise, so identity is the hash

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        extras = [] if self.device is cpu else [f"device='{self.device}'"]
        if self.data.dtype not in (_default_dtype, np.int64, np.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn={type(self._ctx).__name__}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    # ---- leaving the graph and the device -----------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The values as a host NumPy array (a copy when the tensor lives on a GPU)."""
        return self.device.to_host(self.data)

    def item(self) -> float | int | bool:
        """The single value of a one-element tensor as a Python number."""
        if self.data.size != 1:  # RuntimeError, PyTorch's type for it
            raise RuntimeError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def detach(self) -> Tensor:
        """The same values (shared, not copied) cut from the graph: a new leaf, no grad."""
        return Tensor._wrap(self.data, self.device, False)

    def to(self, *args: Any, device: Any = None, dtype: Any = None) -> Tensor:
        """``to(device)``, ``to(dtype)`` or ``to(device, dtype)``, as PyTorch's: a copy on the
        device and/or of the dtype; self when nothing changes."""
        for arg in args:
            if isinstance(arg, (str, Device)):
                device = arg
            else:
                dtype = arg
        result = self if dtype is None or np.dtype(dtype) == self.dtype else ops.astype(self, dtype)
        return result if device is None else result._to_device(device)

    def _to_device(self, device: str | Device) -> Tensor:
        target = get_device(device)
        if target is self.device:
            return self
        if self._ctx is not None and autograd.is_grad_enabled():
            raise RuntimeError(
                "to(): moving a tensor that is part of a graph would cut the graph; "
                "move the inputs (or the model) before computing with them"
            )
        moved = Tensor._wrap(target.from_host(self.device.to_host(self.data)), target)
        moved.requires_grad = self.requires_grad
        return moved

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self) -> Tensor:
        return self.to("cuda")

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad`` becomes None)."""
        self.grad = None

    # ---- backward ------------------------------------------------------------------------------
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Tensor | Sequence[Tensor] | None = None,
    ) -> None:
        """Compute d(self)/d(leaf) for every leaf that requires grad, adding it to ``leaf.grad``.

        ``gradient`` is d(loss)/d(self), needed unless self holds one element. Gradients
        accumulate: a second backward adds to ``.grad`` (call ``zero_grad`` between steps). The
        graph is freed afterwards unless ``retain_graph=True``. With ``create_graph=True`` the
        backward pass is recorded too, so ``.grad`` can be differentiated again (higher-order
        derivatives). With ``inputs``, only those tensors (leaves or not) get a ``.grad``.
        """
        autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    # ---- operators (each is an op in minigrad.ops) ---------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.div(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return ops.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return ops.remainder(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return ops.abs(self)

    # Bitwise operators, on bool and integer tensors (for bools: and, or, xor, not), as PyTorch's
    def __and__(self, other: Any) -> Tensor:
        return ops.bitwise(self, other, "bitwise_and")

    def __rand__(self, other: Any) -> Tensor:
        return ops.bitwise(other, self, "bitwise_and")

    def __or__(self, other: Any) -> Tensor:
        return ops.bitwise(self, other, "bitwise_or")

    def __ror__(self, other: Any) -> Tensor:
        return ops.bitwise(other, self, "bitwise_or")

    def __xor__(self, other: Any) -> Tensor:
        return ops.bitwise(self, other, "bitwise_xor")

    def __rxor__(self, other: Any) -> Tensor:
        return ops.bitwise(other, self, "bitwise_xor")

    def __invert__(self) -> Tensor:
        return ops.bitwise_not(self)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError(
                "in-place assignment to a tensor that requires grad would corrupt its gradient; "
                "do it under minigrad.no_grad() or build a new tensor with minigrad.where"
            )
        if isinstance(value, Tensor):
            if value.device is not self.device:
                raise RuntimeError(
                    f"__setitem__: the value is on {value.device} and the tensor on "
                    f"{self.device}; move the value with .to('{self.device}')"
                )
            value = value.data
        elif self.device is not cpu and isinstance(value, (list, tuple, np.ndarray)):
            value = self.device.from_host(np.asarray(value))  # CuPy refuses host arrays here
        index = ops.shape.index_data(index, self.device, self.shape)
        self.data[index] = value
        autograd.mark_written(self)

    # In-place arithmetic, as PyTorch's: the tutorial's manual update
    # `with no_grad(): w -= lr * w.grad` changes w's own array, and w stays the same leaf.
    def _in_place(self, other: Any, name: str, symbol: str, **options: Any) -> Tensor:
        if symbol.endswith("=") and self._ctx is not None and self.requires_grad:
            if autograd.is_grad_enabled():  # x += y on a recorded result: Python rebinds x
                return getattr(ops, name)(self, other)  # to the new node, as in PyTorch
        return self._overwrite(lambda: getattr(ops, name)(self, other, **options), symbol)

    def __iadd__(self, other: Any) -> Tensor:
        return self._in_place(other, "add", "+=")

    def __isub__(self, other: Any) -> Tensor:
        return self._in_place(other, "sub", "-=")

    def __imul__(self, other: Any) -> Tensor:
        return self._in_place(other, "mul", "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._in_place(other, "div", "/=")

    # Comparisons give boolean tensors and are not differentiable.
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return ops.compare(self, other, "equal")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return ops.compare(self, other, "not_equal")

    def __lt__(self, other: Any) -> Tensor:
        return ops.compare(self, other, "less")

    def __le__(self, other: Any) -> Tensor:
        return ops.compare(self, other, "less_equal")

    def __gt__(self, other: Any) -> Tensor:
        return ops.compare(self, other, "greater")

    def __ge__(self, other: Any) -> Tensor:
        return ops.compare(self, other, "greater_equal")

    # ---- methods (the same ops as the functions in minigrad) ----------------------------------
    def exp(self) -> Tensor:
        return ops.exp(self)

    def log(self) -> Tensor:
        return ops.log(self)

    def sqrt(self) -> Tensor:
        return ops.sqrt(self)

    def abs(self) -> Tensor:
        return ops.abs(self)

    def sign(self) -> Tensor:
        return ops.sign(self)

    def rsqrt(self) -> Tensor:
        return ops.rsqrt(self)

    def log1p(self) -> Tensor:
        return ops.log1p(self)

    def expm1(self) -> Tensor:
        return ops.expm1(self)

    def log2(self) -> Tensor:
        return ops.log2(self)

    def log10(self) -> Tensor:
        return ops.log10(self)

    def reciprocal(self) -> Tensor:
        return ops.reciprocal(self)

    def floor(self) -> Tensor:
        return ops.floor(self)

    def ceil(self) -> Tensor:
        return ops.ceil(self)

    def round(self, *, decimals: builtins.int = 0) -> Tensor:
        return ops.round(self, decimals=decimals)

    def trunc(self) -> Tensor:
        return ops.trunc(self)

    def floor_divide(self, other: Any) -> Tensor:
        return ops.floor_divide(self, other)

    def remainder(self, other: Any) -> Tensor:
        return ops.remainder(self, other)

    def fmod(self, other: Any) -> Tensor:
        return ops.fmod(self, other)

    # PyTorch's named arithmetic: self + alpha * other, self / other rounded or not, ...
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return ops.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return ops.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        return ops.mul(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return ops.div(self, other, rounding_mode=rounding_mode)

    def true_divide(self, other: Any) -> Tensor:
        return ops.true_divide(self, other)

    def neg(self) -> Tensor:
        return ops.neg(self)

    multiply, subtract, divide, negative = mul, sub, div, neg

    def tanh(self) -> Tensor:
        return ops.tanh(self)

    def sin(self) -> Tensor:
        return ops.sin(self)

    def cos(self) -> Tensor:
        return ops.cos(self)

    def tan(self) -> Tensor:
        return ops.tan(self)

    def asin(self) -> Tensor:
        return ops.asin(self)

    def acos(self) -> Tensor:
        return ops.acos(self)

    def atan(self) -> Tensor:
        return ops.atan(self)

    def sinh(self) -> Tensor:
        return ops.sinh(self)

    def cosh(self) -> Tensor:
        return ops.cosh(self)

    def asinh(self) -> Tensor:
        return ops.asinh(self)

    def acosh(self) -> Tensor:
        return ops.acosh(self)

    def atanh(self) -> Tensor:
        return ops.atanh(self)

    def square(self) -> Tensor:
        return ops.square(self)

    def atan2(self, other: Any) -> Tensor:
        return ops.atan2(self, other)

    def logaddexp(self, other: Any) -> Tensor:
        return ops.logaddexp(self, other)

    def lerp(self, end: Any, weight: Any) -> Tensor:
        return ops.lerp(self, end, weight)

    def logical_and(self, other: Any) -> Tensor:
        return ops.logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        return ops.logical_or(self, other)

    def logical_xor(self, other: Any) -> Tensor:
        return ops.logical_xor(self, other)

    def logical_not(self) -> Tensor:
        return ops.logical_not(self)

    def sigmoid(self) -> Tensor:
        return ops.sigmoid(self)

    def relu(self) -> Tensor:
        return ops.relu(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return ops.clip(self, min, max)

    def where(self, condition: Any, other: Any) -> Tensor:
        """``minigrad.where(condition, self, other)``: self where condition holds, else other."""
        return ops.where(condition, self, other)

    def maximum(self, other: Any) -> Tensor:
        return ops.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return ops.minimum(self, other)

    # Reductions take PyTorch's dim= and keepdim=; NumPy's axis= and keepdims= are aliases.
    def sum(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return ops.sum(self, dim, keepdim, **numpy_names)

    def mean(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return ops.mean(self, dim, keepdim, **numpy_names)

    def max(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Any:
        """PyTorch's: ``x.max()`` a 0-d tensor, ``x.max(dim)`` ``(values, indices)``."""
        return ops.max(self, dim, keepdim, **numpy_names)

    def min(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Any:
        """PyTorch's: ``x.min()`` a 0-d tensor, ``x.min(dim)`` ``(values, indices)``."""
        return ops.min(self, dim, keepdim, **numpy_names)

    def amax(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return ops.amax(self, dim, keepdim, **numpy_names)

    def amin(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return ops.amin(self, dim, keepdim, **numpy_names)

    def var(
        self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, **options: Any
    ) -> Tensor:
        """Unbiased by default, as PyTorch's (``correction=1``); ``ddof=0`` gives NumPy's.
        Positionally PyTorch's ``var(dim, unbiased, keepdim)``."""
        return ops.var(self, dim, unbiased, keepdim, **options)

    def std(
        self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, **options: Any
    ) -> Tensor:
        return ops.std(self, dim, unbiased, keepdim, **options)

    def nansum(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return ops.nansum(self, dim, keepdim, **numpy_names)

    def nanmean(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return ops.nanmean(self, dim, keepdim, **numpy_names)

    def prod(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return ops.prod(self, dim, keepdim, **numpy_names)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        """The vector p-norm over ``dim`` (all of it by default), as ``torch.norm``."""
        return ops.norm(self, p, dim, keepdim)

    def dist(self, other: Any, p: builtins.float = 2.0) -> Tensor:
        return ops.dist(self, other, p)

    def median(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Any:
        """PyTorch's: ``x.median()`` a 0-d tensor, ``x.median(dim)`` ``(values, indices)``."""
        return ops.median(self, dim, keepdim, **numpy_names)

    def sort(
        self, dim: builtins.int = -1, descending: builtins.bool = False, stable: Any = False
    ) -> Any:
        """``(values, indices)`` along ``dim``, as PyTorch's (always stable here)."""
        return ops.sort(self, dim, descending, stable)

    def argsort(
        self, dim: builtins.int = -1, descending: builtins.bool = False, stable: Any = False
    ) -> Tensor:
        return ops.argsort(self, dim, descending, stable)

    def logsumexp(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return ops.logsumexp(self, dim, keepdim, **numpy_names)

    def softmax(self, dim: int = -1, **numpy_names: Any) -> Tensor:
        return ops.softmax(self, dim, **numpy_names)

    def log_softmax(self, dim: int = -1, **numpy_names: Any) -> Tensor:
        return ops.log_softmax(self, dim, **numpy_names)

    def argmax(self, dim: int | None = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return ops.argmax(self, dim, keepdim, **numpy_names)

    def argmin(self, dim: int | None = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return ops.argmin(self, dim, keepdim, **numpy_names)

    def any(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Whether any element is nonzero (a bool tensor, as in PyTorch; ``bool()`` reads it)."""
        return Tensor._wrap(self.xp.asarray(self.data.any(axis=dim, keepdims=keepdim)), self.device)

    def all(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Whether every element is nonzero (a bool tensor, as in PyTorch)."""
        return Tensor._wrap(self.xp.asarray(self.data.all(axis=dim, keepdims=keepdim)), self.device)

    # ---- shapes ----------------------------------------------------------------------------------
    def size(self, dim: int | None = None) -> Any:
        """PyTorch's: the shape as a tuple, or the length of one dim (``numel()`` counts)."""
        if dim is None:
            return self.data.shape
        (dim,) = ops.reduction.normalize_axes(dim, self.shape, "size")
        return self.data.shape[dim]

    def dim(self) -> int:
        """The number of dims (``ndim``)."""
        return self.data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self.data.size)

    def reshape(self, *shape: Any) -> Tensor:
        return ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def view(self, *shape: Any) -> Tensor:
        """As ``reshape``: the same values in a new shape. (minigrad's reshape never fails where a
        view would need a copy; NumPy copies then, so the result may not share memory.)"""
        return self.reshape(*shape)

    def contiguous(self) -> Tensor:
        """Self: minigrad's ops accept any memory layout."""
        return self

    def transpose(self, *dims: Any) -> Tensor:
        """PyTorch's ``transpose(dim0, dim1)`` swaps two dims. Given one sequence (NumPy's form)
        it permutes by it, and with no arguments it reverses the dims, as ``.T`` does."""
        if len(dims) == 2:
            return ops.swapaxes(self, dims[0], dims[1])
        if len(dims) == 1:
            return ops.transpose(self, dims[0])
        return ops.transpose(self, dims or None)  # NumPy's x.transpose(0, 2, 1), or reversed

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dims: ``x.permute(2, 0, 1)`` or ``x.permute((2, 0, 1))``."""
        return ops.transpose(self, dims[0] if len(dims) == 1 else dims)

    def t(self) -> Tensor:
        """The transpose of a matrix (a tensor of at most 2 dims, as PyTorch's)."""
        if self.ndim > 2:
            raise ShapeError(f"t() expects a tensor of at most 2 dims, got shape {self.shape}")
        return ops.transpose(self)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return ops.swapaxes(self, axis1, axis2)

    @property
    def T(self) -> Tensor:
        return ops.transpose(self)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return ops.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        return ops.unflatten(self, dim, sizes)

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        return ops.narrow(self, dim, start, length)

    def flip(self, *dims: Any) -> Tensor:
        """Reverse the order along ``dims``: ``x.flip(0)``, ``x.flip(0, 1)``, ``x.flip((0, 1))``."""
        return ops.flip(self, dims[0] if len(dims) == 1 else dims)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return ops.roll(self, shifts, dims)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        return ops.index_select(self, dim, index)

    @property
    def mT(self) -> Tensor:
        """The last two dims swapped (a batch of matrices, each transposed), as PyTorch's."""
        if self.ndim < 2:
            raise ShapeError(f"mT needs at least 2 dims, got shape {self.shape}")
        return ops.swapaxes(self, -2, -1)

    def outer(self, other: Tensor) -> Tensor:
        return ops.outer(self, other)

    def dot(self, other: Tensor) -> Tensor:
        return ops.dot(self, other)

    def isclose(
        self,
        other: Any,
        rtol: builtins.float = 1e-05,
        atol: builtins.float = 1e-08,
        equal_nan: Any = False,
    ) -> Tensor:
        return ops.isclose(self, other, rtol, atol, equal_nan)

    def allclose(
        self,
        other: Any,
        rtol: builtins.float = 1e-05,
        atol: builtins.float = 1e-08,
        equal_nan: Any = False,
    ) -> Any:
        return ops.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other: Tensor) -> Any:
        return ops.equal(self, other)

    def squeeze(self, dim: int | tuple[int, ...] | None = None, **numpy_names: Any) -> Tensor:
        return ops.squeeze(self, dim, **numpy_names)

    def unsqueeze(self, dim: int | None = None, **numpy_names: Any) -> Tensor:
        return ops.unsqueeze(self, dim, **numpy_names)

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        return ops.broadcast_to(self, shape)

    def expand(self, *sizes: Any) -> Tensor:
        """Repeat size-1 dims without copying, as PyTorch's (-1 keeps a dim's size)."""
        sizes = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], int) else sizes
        lead = len(sizes) - self.ndim
        shape = tuple(
            self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes)
        )
        return ops.broadcast_to(self, shape)

    def matmul(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    def mm(self, other: Any) -> Tensor:
        """The product of two matrices (both 2-d, as PyTorch's)."""
        if self.ndim != 2 or getattr(other, "ndim", 0) != 2:
            raise ShapeError(f"mm: needs two 2-d tensors, got {self.shape} and {other.shape}")
        return ops.matmul(self, other)

    def bmm(self, other: Any) -> Tensor:
        return ops.bmm(self, other)

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def trace(self) -> Tensor:
        return ops.trace(self)

    def diag(self, diagonal: builtins.int = 0) -> Tensor:
        return ops.diag(self, diagonal)

    def tile(self, *dims: Any) -> Tensor:
        """PyTorch's ``tile``: ``repeat`` with missing leading sizes taken as 1."""
        return ops.tile(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int) else dims)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile: ``x.repeat(2, 3)`` or ``x.repeat((2, 3))``, as PyTorch's (NumPy's ``tile``)."""
        return ops.repeat(
            self, sizes[0] if len(sizes) == 1 and not isinstance(sizes[0], builtins.int) else sizes
        )

    # ---- dtypes ----------------------------------------------------------------------------------
    def astype(self, dtype: Any) -> Tensor:
        return ops.astype(self, dtype)

    def type(self, dtype: Any = None) -> Any:
        """With a dtype, a copy of that dtype; with none, the dtype's name (PyTorch's spelling
        differs: minigrad names NumPy dtypes, e.g. 'float32')."""
        return str(self.dtype) if dtype is None else ops.astype(self, dtype)

    def float(self) -> Tensor:
        return ops.astype(self, np.float32)

    def double(self) -> Tensor:
        return ops.astype(self, np.float64)

    def half(self) -> Tensor:
        return ops.astype(self, np.float16)

    def long(self) -> Tensor:
        return ops.astype(self, np.int64)

    def int(self) -> Tensor:
        return ops.astype(self, np.int32)

    def bool(self) -> Tensor:
        return ops.astype(self, np.bool_)

    # ---- comparisons and elementwise math by name (PyTorch's method names) ----------------------
    def eq(self, other: Any) -> Tensor:
        return ops.compare(self, other, "equal")

    def ne(self, other: Any) -> Tensor:
        return ops.compare(self, other, "not_equal")

    def lt(self, other: Any) -> Tensor:
        return ops.compare(self, other, "less")

    def le(self, other: Any) -> Tensor:
        return ops.compare(self, other, "less_equal")

    def gt(self, other: Any) -> Tensor:
        return ops.compare(self, other, "greater")

    def ge(self, other: Any) -> Tensor:
        return ops.compare(self, other, "greater_equal")

    def pow(self, exponent: Any) -> Tensor:
        return ops.pow(self, exponent)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """PyTorch's name for ``clip``: each bound None, a number or a Tensor."""
        return ops.clip(self, min, max)

    def clamp_min(self, min: Any) -> Tensor:
        return ops.clamp_min(self, min)

    def clamp_max(self, max: Any) -> Tensor:
        return ops.clamp_max(self, max)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where ``mask`` is True, else self (differentiable in self)."""
        return ops.masked_fill(self, mask, value)

    def tril(self, diagonal: builtins.int = 0) -> Tensor:
        return ops.tril(self, diagonal)

    def triu(self, diagonal: builtins.int = 0) -> Tensor:
        return ops.triu(self, diagonal)

    def cumsum(self, dim: Any = None, *, dtype: Any = None, **numpy_names: Any) -> Tensor:
        return ops.cumsum(self, dim, dtype=dtype, **numpy_names)

    def cumprod(self, dim: Any = None, *, dtype: Any = None, **numpy_names: Any) -> Tensor:
        return ops.cumprod(self, dim, dtype=dtype, **numpy_names)

    def split(self, split_size: Any, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        return ops.split(self, split_size, dim)

    def chunk(self, chunks: builtins.int, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        return ops.chunk(self, chunks, dim)

    def gather(self, dim: builtins.int, index: Tensor) -> Tensor:
        return ops.gather(self, dim, index)

    # index queries (not differentiable; on a GPU each waits for the values: a device sync)
    def nonzero(self, *, as_tuple: builtins.bool = False) -> Any:
        return ops.nonzero(self, as_tuple=as_tuple)

    def argwhere(self) -> Tensor:
        return ops.argwhere(self)

    def unique(
        self,
        sorted: builtins.bool = True,
        return_inverse: builtins.bool = False,
        return_counts: builtins.bool = False,
        dim: builtins.int | None = None,
    ) -> Any:
        return ops.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self, weights: Tensor | None = None, minlength: builtins.int = 0) -> Tensor:
        return ops.bincount(self, weights, minlength)

    def count_nonzero(self, dim: Any = None) -> Tensor:
        return ops.count_nonzero(self, dim)

    def scatter(self, dim: builtins.int, index: Tensor, src: Any) -> Tensor:
        return ops.scatter(self, dim, index, src)

    def scatter_add(self, dim: builtins.int, index: Tensor, src: Tensor) -> Tensor:
        return ops.scatter_add(self, dim, index, src)

    def index_add(
        self, dim: builtins.int, index: Tensor, source: Tensor, *, alpha: Any = 1
    ) -> Tensor:
        return ops.index_add(self, dim, index, source, alpha=alpha)

    def topk(
        self,
        k: builtins.int,
        dim: builtins.int = -1,
        largest: builtins.bool = True,
        sorted: builtins.bool = True,
    ) -> Any:
        """``(values, indices)`` of the k largest (or smallest) values along ``dim``."""
        return ops.topk(self, k, dim, largest, sorted)

    def multinomial(
        self, num_samples: builtins.int, replacement: builtins.bool = False, **options: Any
    ) -> Tensor:
        """``minigrad.multinomial(self, ...)``: category indices drawn by these weights."""
        from .factories import multinomial

        return multinomial(self, num_samples, replacement, **options)

    # ---- new_*: factories that default to this tensor's dtype and device, as PyTorch's -----------
    def _new_options(self, dtype: Any, device: Any) -> dict[str, Any]:
        return {
            "dtype": self.dtype if dtype is None else dtype,
            "device": self.device if device is None else device,
        }

    def new_zeros(
        self,
        *size: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: builtins.bool = False,
    ) -> Tensor:
        """``zeros(size)`` with this tensor's dtype and device (unless given)."""
        from .factories import zeros

        return zeros(*size, **self._new_options(dtype, device), requires_grad=requires_grad)

    def new_ones(
        self,
        *size: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: builtins.bool = False,
    ) -> Tensor:
        """``ones(size)`` with this tensor's dtype and device (unless given)."""
        from .factories import ones

        return ones(*size, **self._new_options(dtype, device), requires_grad=requires_grad)

    def new_empty(
        self,
        *size: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: builtins.bool = False,
    ) -> Tensor:
        """``empty(size)`` with this tensor's dtype and device (unless given)."""
        from .factories import empty

        return empty(*size, **self._new_options(dtype, device), requires_grad=requires_grad)

    def new_full(
        self,
        size: Any,
        fill_value: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: builtins.bool = False,
    ) -> Tensor:
        """``full(size, fill_value)`` with this tensor's dtype (not the value's) and device."""
        from .factories import full

        options = self._new_options(dtype, device)
        return full(size, fill_value, **options, requires_grad=requires_grad)

    def new_tensor(
        self,
        data: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: builtins.bool = False,
    ) -> Tensor:
        """``tensor(data)`` (a copy) with this tensor's dtype and device unless given, as
        PyTorch's: ``float_tensor.new_tensor([1, 2])`` is float."""
        if isinstance(data, Tensor):
            data = data.numpy()
        options = self._new_options(dtype, device)
        return Tensor(data, requires_grad=requires_grad, **options)

    def clone(self) -> Tensor:
        """A copy with its own memory that stays in the graph (its gradient flows to self)."""
        return self * 1 if self.requires_grad else Tensor._wrap(self.data.copy(), self.device)

    # ---- in-place methods, as PyTorch's (each bumps the version counter) -------------------------
    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._in_place(other, "add", "add_", alpha=alpha)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._in_place(other, "sub", "sub_", alpha=alpha)

    def mul_(self, other: Any) -> Tensor:
        return self._in_place(other, "mul", "mul_")

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return self._in_place(other, "div", "div_", rounding_mode=rounding_mode)

    def pow_(self, exponent: Any) -> Tensor:
        return self._in_place(exponent, "pow", "pow_")

    def fill_(self, value: Any) -> Tensor:
        self[...] = value
        return self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def copy_(self, source: Any) -> Tensor:
        """Write ``source``'s values into self (broadcast to self's shape)."""
        source = source if isinstance(source, Tensor) else Tensor(source, device=self.device)
        if source.device is not self.device:
            source = source.to(self.device)
        self[...] = ops.broadcast_to(source, self.shape).astype(self.dtype)
        return self

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        return self.copy_(ops.clip(self.detach(), min, max))

    def _overwrite(self, compute: Any, name: str) -> Tensor:
        """Store ``compute()`` (an op applied to self, of self's shape) in self's own memory, and
        bump self's version: the one home of in-place changes (``x += y``, ``add_``, ``exp_``,
        ``scatter_``, ...).

        While gradients are recorded for self it refuses: a leaf that requires grad, as PyTorch
        does; and a recorded result too, which PyTorch would change in place but minigrad cannot
        (its graph knows tensors by object), where giving back a new tensor instead would leave
        ``x.add_(1)``, used as a statement, silently unchanged.
        """
        if self.requires_grad and autograd.is_grad_enabled():
            if self._ctx is None:
                raise RuntimeError(
                    f"a leaf tensor that requires grad cannot be changed in place ({name}) "
                    "while gradients are recorded: do it under minigrad.no_grad(), as an "
                    "optimizer does"
                )
            raise RuntimeError(
                f"{name}: this tensor is the result of a recorded op, and minigrad does not "
                f"change such a tensor in place; write x = x.{name.rstrip('_=') or 'op'}(...) "
                "(a new node), or do it under minigrad.no_grad()"
            )
        with autograd.no_grad():  # the op's own checks: devices, shapes, the dtype policy
            result = compute()
        if result.shape != self.shape:
            raise ShapeError(
                f"in-place {name}: the result has shape {result.shape}, the tensor {self.shape}"
            )
        if not np.can_cast(result.dtype, self.dtype, casting="same_kind"):
            raise DtypeError(
                f"in-place {name}: the result is {result.dtype}, which cannot be stored in "
                f"this {self.dtype} tensor"
            )
        self.data[...] = result.data
        autograd.mark_written(self)
        return self

    # unary in-place forms: the op's result written back (refused while self is recorded)
    def abs_(self) -> Tensor:
        return self._overwrite(lambda: ops.abs(self), "abs_")

    def neg_(self) -> Tensor:
        return self._overwrite(lambda: ops.neg(self), "neg_")

    def exp_(self) -> Tensor:
        return self._overwrite(lambda: ops.exp(self), "exp_")

    def log_(self) -> Tensor:
        return self._overwrite(lambda: ops.log(self), "log_")

    def sqrt_(self) -> Tensor:
        return self._overwrite(lambda: ops.sqrt(self), "sqrt_")

    def relu_(self) -> Tensor:
        return self._overwrite(lambda: ops.relu(self), "relu_")

    def sigmoid_(self) -> Tensor:
        return self._overwrite(lambda: ops.sigmoid(self), "sigmoid_")

    def tanh_(self) -> Tensor:
        return self._overwrite(lambda: ops.tanh(self), "tanh_")

    def square_(self) -> Tensor:
        return self._overwrite(lambda: ops.square(self), "square_")

    def clamp_min_(self, min: Any) -> Tensor:
        return self._overwrite(lambda: ops.clamp_min(self, min), "clamp_min_")

    def clamp_max_(self, max: Any) -> Tensor:
        return self._overwrite(lambda: ops.clamp_max(self, max), "clamp_max_")

    def scatter_(self, dim: builtins.int, index: Tensor, src: Any) -> Tensor:
        return self._overwrite(lambda: ops.scatter(self, dim, index, src), "scatter_")

    def scatter_add_(self, dim: builtins.int, index: Tensor, src: Tensor) -> Tensor:
        return self._overwrite(lambda: ops.scatter_add(self, dim, index, src), "scatter_add_")

    def index_add_(
        self, dim: builtins.int, index: Tensor, source: Tensor, *, alpha: Any = 1
    ) -> Tensor:
        return self._overwrite(
            lambda: ops.index_add(self, dim, index, source, alpha=alpha), "index_add_"
        )

    # ---- PyTorch's remaining common methods (a survey of dir(torch.Tensor) found them missing) --
    # memory and dtype queries
    @property
    def is_cuda(self) -> builtins.bool:
        """Whether the tensor lives on a CUDA device."""
        return self.device.type == "cuda"

    def element_size(self) -> builtins.int:
        """The bytes one element takes (4 for float32)."""
        return builtins.int(self.data.dtype.itemsize)

    @property
    def itemsize(self) -> builtins.int:
        """The bytes one element takes, as ``element_size()``."""
        return builtins.int(self.data.dtype.itemsize)

    @property
    def nbytes(self) -> builtins.int:
        """The bytes all elements take (numel * itemsize)."""
        return builtins.int(self.data.size * self.data.dtype.itemsize)

    def stride(self, dim: builtins.int | None = None) -> Any:
        """The steps, counted in elements (not bytes, as NumPy's ``strides``), between
        neighbours along each dim of the underlying array; one dim's with ``dim``."""
        itemsize = self.data.dtype.itemsize
        strides = tuple(builtins.int(s) // itemsize for s in self.data.strides)
        if dim is None:
            return strides
        (axis,) = ops.shape._one_axis(dim, self.shape, "stride")
        return strides[axis]

    def is_contiguous(self) -> builtins.bool:
        """Whether the elements lie in memory row by row without gaps (C order)."""
        return builtins.bool(self.data.flags.c_contiguous)

    def nelement(self) -> builtins.int:
        """The number of elements (``numel()``)."""
        return self.numel()

    def ndimension(self) -> builtins.int:
        """The number of dims (``dim()``)."""
        return self.data.ndim

    def is_floating_point(self) -> builtins.bool:
        """Whether the dtype is a floating one (float16, float32, float64)."""
        return self.data.dtype.kind == "f"

    def is_complex(self) -> builtins.bool:
        """False: minigrad has no complex dtypes."""
        return self.data.dtype.kind == "c"

    # dtype conversions by PyTorch's names
    def byte(self) -> Tensor:
        return ops.astype(self, np.uint8)

    def char(self) -> Tensor:
        return ops.astype(self, np.int8)

    def short(self) -> Tensor:
        return ops.astype(self, np.int16)

    def type_as(self, other: Tensor) -> Tensor:
        """Self in ``other``'s dtype (self when it already is)."""
        return ops.astype(self, other.dtype)

    # shapes taken from another tensor
    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(*other.shape)

    def view_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def sum_to_size(self, *size: Any) -> Tensor:
        return ops.sum_to_size(self, *size)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        return ops.movedim(self, source, destination)

    moveaxis = movedim

    def diagonal(
        self, offset: builtins.int = 0, dim1: builtins.int = 0, dim2: builtins.int = 1
    ) -> Tensor:
        return ops.diagonal(self, offset, dim1, dim2)

    def unbind(self, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        return ops.unbind(self, dim)

    def repeat_interleave(
        self, repeats: Any, dim: builtins.int | None = None, *, output_size: Any = None
    ) -> Tensor:
        return ops.repeat_interleave(self, repeats, dim, output_size=output_size)

    def unfold(self, dimension: builtins.int, size: builtins.int, step: builtins.int) -> Tensor:
        """Windows of ``size`` along ``dimension``, ``step`` apart, in a new last dim."""
        return ops.unfold(self, dimension, size, step)

    @property
    def H(self) -> Tensor:
        """The conjugate transpose of a matrix: for real tensors ``.T`` (0-d or 2-d only)."""
        if self.ndim not in (0, 2):
            raise RuntimeError(
                f"H is only supported on matrices (2-d tensors), got shape {self.shape}; "
                "for batches of matrices use mH"
            )
        return ops.transpose(self)

    @property
    def mH(self) -> Tensor:
        """The last two dims swapped (for real tensors the same as ``mT``)."""
        return self.mT

    # selections
    def take(self, index: Tensor) -> Tensor:
        return ops.take(self, index)

    def take_along_dim(self, indices: Tensor, dim: builtins.int | None = None) -> Tensor:
        return ops.take_along_dim(self, indices, dim)

    def masked_select(self, mask: Any) -> Tensor:
        return ops.masked_select(self, mask)

    def index_fill(self, dim: builtins.int, index: Tensor, value: Any) -> Tensor:
        return ops.index_fill(self, dim, index, value)

    def index_copy(self, dim: builtins.int, index: Tensor, source: Tensor) -> Tensor:
        return ops.index_copy(self, dim, index, source)

    def kthvalue(
        self, k: builtins.int, dim: builtins.int = -1, keepdim: builtins.bool = False
    ) -> Any:
        return ops.kthvalue(self, k, dim, keepdim)

    def mode(self, dim: builtins.int = -1, keepdim: builtins.bool = False) -> Any:
        return ops.mode(self, dim, keepdim)

    def cummax(self, dim: builtins.int) -> Any:
        return ops.cummax(self, dim)

    def cummin(self, dim: builtins.int) -> Any:
        return ops.cummin(self, dim)

    def logcumsumexp(self, dim: builtins.int) -> Tensor:
        return ops.logcumsumexp(self, dim)

    def unique_consecutive(
        self,
        return_inverse: builtins.bool = False,
        return_counts: builtins.bool = False,
        dim: builtins.int | None = None,
    ) -> Any:
        return ops.unique_consecutive(self, return_inverse, return_counts, dim)

    # elementwise
    def isnan(self) -> Tensor:
        return ops.isnan(self)

    def isinf(self) -> Tensor:
        return ops.isinf(self)

    def isposinf(self) -> Tensor:
        return ops.isposinf(self)

    def isneginf(self) -> Tensor:
        return ops.isneginf(self)

    def isfinite(self) -> Tensor:
        return ops.isfinite(self)

    def nan_to_num(
        self, nan: builtins.float = 0.0, posinf: Any = None, neginf: Any = None
    ) -> Tensor:
        return ops.nan_to_num(self, nan, posinf, neginf)

    def fmax(self, other: Any) -> Tensor:
        return ops.fmax(self, other)

    def fmin(self, other: Any) -> Tensor:
        return ops.fmin(self, other)

    def exp2(self) -> Tensor:
        return ops.exp2(self)

    def frac(self) -> Tensor:
        return ops.frac(self)

    def sgn(self) -> Tensor:
        return ops.sgn(self)

    def positive(self) -> Tensor:
        return ops.positive(self)

    def erf(self) -> Tensor:
        return ops.erf(self)

    def erfinv(self) -> Tensor:
        return ops.erfinv(self)

    def logit(self, eps: Any = None) -> Tensor:
        return ops.logit(self, eps)

    def xlogy(self, other: Any) -> Tensor:
        return ops.xlogy(self, other)

    def hypot(self, other: Any) -> Tensor:
        return ops.hypot(self, other)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return ops.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return ops.addcdiv(self, tensor1, tensor2, value=value)

    def renorm(self, p: Any, dim: builtins.int, maxnorm: Any) -> Tensor:
        return ops.renorm(self, p, dim, maxnorm)

    # products
    def mv(self, vec: Tensor) -> Tensor:
        return ops.mv(self, vec)

    def addmv(self, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return ops.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return ops.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def inner(self, other: Tensor) -> Tensor:
        return ops.inner(self, other)

    def cross(self, other: Tensor, dim: builtins.int | None = None) -> Tensor:
        return ops.cross(self, other, dim)

    def kron(self, other: Tensor) -> Tensor:
        return ops.kron(self, other)

    # in-place forms (refused while self is recorded, as every in-place method here)
    def detach_(self) -> Tensor:
        """Cut self from the graph in place: it becomes a leaf that does not require grad."""
        self._ctx = None
        self.requires_grad = False
        return self

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        return self._overwrite(lambda: ops.masked_fill(self, mask, value), "masked_fill_")

    def index_fill_(self, dim: builtins.int, index: Tensor, value: Any) -> Tensor:
        return self._overwrite(lambda: ops.index_fill(self, dim, index, value), "index_fill_")

    def index_copy_(self, dim: builtins.int, index: Tensor, source: Tensor) -> Tensor:
        return self._overwrite(lambda: ops.index_copy(self, dim, index, source), "index_copy_")

    def clip_(self, min: Any = None, max: Any = None) -> Tensor:
        return self._overwrite(lambda: ops.clip(self, min, max), "clip_")

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return self._overwrite(lambda: ops.addcmul(self, tensor1, tensor2, value=value), "addcmul_")

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return self._overwrite(lambda: ops.addcdiv(self, tensor1, tensor2, value=value), "addcdiv_")

    def sign_(self) -> Tensor:
        return self._overwrite(lambda: ops.sign(self), "sign_")

    def floor_(self) -> Tensor:
        return self._overwrite(lambda: ops.floor(self), "floor_")

    def ceil_(self) -> Tensor:
        return self._overwrite(lambda: ops.ceil(self), "ceil_")

    def round_(self, *, decimals: builtins.int = 0) -> Tensor:
        return self._overwrite(lambda: ops.round(self, decimals=decimals), "round_")

    def trunc_(self) -> Tensor:
        return self._overwrite(lambda: ops.trunc(self), "trunc_")

    def frac_(self) -> Tensor:
        return self._overwrite(lambda: ops.frac(self), "frac_")

    def log1p_(self) -> Tensor:
        return self._overwrite(lambda: ops.log1p(self), "log1p_")

    def expm1_(self) -> Tensor:
        return self._overwrite(lambda: ops.expm1(self), "expm1_")

    def nan_to_num_(
        self, nan: builtins.float = 0.0, posinf: Any = None, neginf: Any = None
    ) -> Tensor:
        return self._overwrite(lambda: ops.nan_to_num(self, nan, posinf, neginf), "nan_to_num_")

    def normal_(
        self, mean: builtins.float = 0.0, std: builtins.float = 1.0, *, generator: Any = None
    ) -> Tensor:
        """Fill self with draws from N(mean, std^2) (minigrad's generator; ``generator`` must be
        None). Refused while self requires grad, unless under ``no_grad()``, as in PyTorch."""
        from .factories import normal

        self._random_fill_checks("normal_", generator)
        return self._overwrite(
            lambda: normal(mean, std, self.shape, dtype=self.dtype, device=self.device), "normal_"
        )

    def uniform_(
        self, from_: builtins.float = 0.0, to: builtins.float = 1.0, **options: Any
    ) -> Tensor:
        """Fill self with draws from U[from, to) (``from`` is a Python keyword, so
        ``uniform_(a, b)``, ``uniform_(from_=a, to=b)`` or PyTorch's ``**{'from': a}``)."""
        from .checks import check_number
        from .factories import rand

        from_ = options.pop("from", from_)
        self._random_fill_checks("uniform_", options.pop("generator", None))
        if options:
            raise TypeError(f"uniform_: unexpected arguments {sorted(options)}")
        low = check_number("uniform_", "from", from_)
        high = check_number("uniform_", "to", to)
        if low > high:
            raise ValueError(f"uniform_: from must be <= to, got from={low}, to={high}")
        return self._overwrite(
            lambda: rand(self.shape, dtype=self.dtype, device=self.device) * (high - low) + low,
            "uniform_",
        )

    def _random_fill_checks(self, name: str, generator: Any) -> None:
        if generator is not None:
            raise TypeError(f"{name}: generator must be None (minigrad has one generator)")
        if self.dtype.kind != "f":
            raise TypeError(f"{name}: needs a floating tensor, got {self.dtype}")

    # ---- Python's number protocols, on one-element tensors -----------------------------------
    def __float__(self) -> builtins.float:
        self._one_element("float")
        return float(self.item())

    def __int__(self) -> builtins.int:
        self._one_element("int")
        return int(self.item())

    def _one_element(self, conversion: str) -> None:
        """float(t) and int(t) of several values: a ValueError, as PyTorch's (where item()
        raises a RuntimeError)."""
        if self.data.size != 1:
            raise ValueError(
                f"{conversion}() needs a tensor with one element, got shape {self.shape}"
            )

    def __index__(self) -> builtins.int:
        if self.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype}")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        return format(self.item(), spec) if spec and self.data.size == 1 else str(self)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """``np.asarray(t)``: host tensors only; a GPU tensor must be copied with ``.numpy()``."""
        if self.device is not cpu:
            raise TypeError(
                f"np.asarray() of a tensor on {self.device}: copy it to the host with .numpy()"
            )
        array = self.data if dtype is None else self.data.astype(dtype)
        return array.copy() if copy and array is self.data else array

    def __iter__(self) -> Any:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))


def tensor(
    data: Any, requires_grad: bool = False, dtype: Any = None, device: str | Device | None = None
) -> Tensor:
    """Make a tensor: ``minigrad.tensor([1.0, 2.0], requires_grad=True)``.

    The data is always copied (as ``torch.tensor`` does): changing the NumPy array afterwards,
    or training the tensor, never changes the other. ``from_numpy`` shares memory instead.
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a minigrad Tensor (a Parameter included), as ``torch.is_tensor``."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """The number of elements of ``input``, as ``torch.numel``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel: input must be a Tensor, got {type(input).__name__}")
    return input.numel()


def from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor that shares ``array``'s memory, as ``torch.from_numpy``: a change to one is
    a change to the other (and an optimizer step on the tensor rewrites the array)."""
    if type(array) is not np.ndarray:
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: arrays of {array.dtype} are not supported (numbers only)")
    return Tensor._wrap(array, cpu)


from . import ops  # noqa: E402  (ops import Tensor, so they come after it)

"""Tensor factories, as PyTorch's: new tensors from a shape (and a fill, a range or a seed).

    zeros, ones, full, empty, eye       filled tensors
    arange, linspace                    ranges
    rand, randn, randint                random tensors, drawn from minigrad's one generator
    zeros_like, ones_like, ...          the same, with another tensor's shape, dtype and device

Where the values are made: the filled tensors and the ranges by the device's own array module
(``device.xp``), so nothing is copied from the host; the random ones on the host, from
``minigrad.random.generator()``, then copied to the device, so one ``manual_seed`` gives the same
values on every device and ``get_rng_state``/``set_rng_state`` resume them exactly.

dtypes follow PyTorch 2: the floating factories give ``get_default_dtype()`` (float32);
``arange`` of ints gives int64 and of any float the default; ``full`` takes the kind of its fill
value (a bool gives bool, an int int64, a float the default); ``randint`` gives int64.
``device=None`` means ``get_default_device()``. A ``*_like`` factory takes its input's shape,
dtype and device, unless ``dtype=`` or ``device=`` says otherwise.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import random
from .backend import Device, get_device
from .checks import DtypeError, ShapeError, check_int, check_number
from .random import generator
from .tensor import Tensor, get_default_dtype

__all__ = [
    "arange", "empty", "empty_like", "eye", "full", "full_like", "linspace", "multinomial", "ones",
    "ones_like", "rand", "rand_like", "randint", "randint_like", "randn", "randn_like", "zeros",
    "zeros_like",
]  # fmt: skip
__all__ += ["bernoulli", "normal", "randperm"]

Size = int | Sequence[int]
DeviceLike = str | Device | None


# --- checks, at the entry points --------------------------------------------------------------


def _shape(owner: str, size: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape from ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros([2, 3])``."""
    if not size:  # as PyTorch: a 0-d tensor is asked for with an empty shape, not by omission
        raise TypeError(f"{owner}: needs a size, as in {owner}(2, 3); {owner}(()) is 0-d")
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(
                f"{owner}: size must be ints, as in (2, 3), got {n!r} ({type(n).__name__}) "
                f"in {size}"
            )
    if any(n < 0 for n in size):
        raise ShapeError(f"{owner}: size must be non-negative ints, got {size}")
    return tuple(int(n) for n in size)


def _sequence(owner: str, size: Any) -> tuple[int, ...]:
    """A shape that must be given as a tuple or list (``full``'s and ``randint``'s, as PyTorch)."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"{owner}: size must be a tuple or list of ints, as in (3,) or (2, 3), got {size!r}"
        )
    return _shape(owner, (size,))


def _dtype(owner: str, dtype: Any, default: np.dtype) -> np.dtype:
    """``dtype`` as a NumPy dtype (``default`` for None); only the kinds a Tensor can hold."""
    if dtype is None:
        return default
    try:
        dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"{owner}: dtype {dtype!r} is not a dtype") from error
    if dtype.kind not in "biuf":
        raise TypeError(f"{owner}: dtype must be bool, an integer or a real float, got {dtype}")
    return dtype


def _floating(owner: str, dtype: np.dtype) -> np.dtype:
    if dtype.kind != "f":
        raise TypeError(f"{owner}: dtype must be a floating type, got {dtype}")
    return dtype


def _leaf(array: Any, device: Device, requires_grad: bool) -> Tensor:
    """A new leaf around ``array``, which is already on ``device`` (so it is not copied again).

    requires_grad goes through ``requires_grad_``, the Tensor constructor's own path, so an
    integer or bool tensor that asks for gradients is refused with its message.
    """
    return Tensor._wrap(array, device).requires_grad_(requires_grad)


def _like(owner: str, input: Any, dtype: Any, device: DeviceLike) -> tuple[tuple, Any, DeviceLike]:
    """The shape, dtype and device a ``*_like`` factory takes from ``input`` (unless given)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{owner}: input must be a Tensor, got {type(input).__name__}")
    dtype = input.dtype if dtype is None else dtype
    return input.shape, dtype, input.device if device is None else device


# --- filled tensors: made on the device -------------------------------------------------------


def zeros(
    *size: Size, dtype: Any = None, device: DeviceLike = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ``size`` filled with 0: ``zeros(2, 3)``, ``zeros((2, 3))``."""
    shape, dtype = _shape("zeros", size), _dtype("zeros", dtype, get_default_dtype())
    device = get_device(device)
    return _leaf(device.xp.zeros(shape, dtype=dtype), device, requires_grad)


def ones(
    *size: Size, dtype: Any = None, device: DeviceLike = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ``size`` filled with 1."""
    shape, dtype = _shape("ones", size), _dtype("ones", dtype, get_default_dtype())
    device = get_device(device)
    return _leaf(device.xp.ones(shape, dtype=dtype), device, requires_grad)


def empty(
    *size: Size, dtype: Any = None, device: DeviceLike = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ``size`` whose values are whatever the memory held: fill it before reading."""
    shape, dtype = _shape("empty", size), _dtype("empty", dtype, get_default_dtype())
    device = get_device(device)
    return _leaf(device.xp.empty(shape, dtype=dtype), device, requires_grad)


def full(
    size: Size,
    fill_value: bool | int | float,
    *,
    dtype: Any = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; its dtype follows the value's kind.

    ``full((2,), True)`` is bool, ``full((2,), 7)`` int64, ``full((2,), 0.5)`` the default
    float dtype (PyTorch 2's rule).
    """
    shape = _sequence("full", size)
    if isinstance(fill_value, (bool, np.bool_)):
        kind = np.dtype(np.bool_)
    elif isinstance(fill_value, numbers.Integral):
        kind = np.dtype(np.int64)
    elif isinstance(fill_value, numbers.Real):  # nan and -inf fills are common: no finite check
        kind = get_default_dtype()
    else:
        raise TypeError(
            f"full: fill_value must be a number, got {fill_value!r} ({type(fill_value).__name__})"
        )
    dtype, device = _dtype("full", dtype, kind), get_device(device)
    return _leaf(device.xp.full(shape, fill_value, dtype=dtype), device, requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """An n x m matrix (m = n if not given) with ones where row == column, zeros elsewhere."""
    n = check_int("eye", "n", n, low=0)
    m = n if m is None else check_int("eye", "m", m, low=0)
    dtype, device = _dtype("eye", dtype, get_default_dtype()), get_device(device)
    return _leaf(device.xp.eye(n, m, dtype=dtype), device, requires_grad)


# --- ranges: made on the device ---------------------------------------------------------------


def arange(
    start: float = 0,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """``arange(end)`` or ``arange(start, end, step=1)``: start, start + step, ..., short of end.

    n = ceil((end - start) / step) values, value i = start + i * step. All-int arguments give
    int64 (and exact values); any float gives the default float dtype, the values computed in
    float64 and then rounded once.
    """
    if end is None:  # arange(end)
        start, end = 0, start
    for name, value in (("start", start), ("end", end), ("step", step)):
        check_number("arange", name, value)
    if step == 0:
        raise ValueError("arange: step must be nonzero, got 0")
    if (end - start) * step < 0:
        direction = "negative" if end < start else "positive"
        raise ValueError(
            f"arange: from start={start} to end={end} the step must be {direction}, got {step}"
        )
    exact = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    if exact:
        start, step = int(start), int(step)
        count = -((start - int(end)) // step)  # ceil((end - start) / step), in integers
    else:
        start, step = float(start), float(step)
        count = math.ceil((float(end) - start) / step)
    default = np.dtype(np.int64) if exact else get_default_dtype()
    dtype, device = _dtype("arange", dtype, default), get_device(device)
    index = device.xp.arange(count, dtype=np.int64 if exact else np.float64)
    return _leaf((start + index * step).astype(dtype, copy=False), device, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included.

    value i = start + i * (end - start) / (steps - 1); the last one is end exactly. One step
    gives [start], zero steps an empty tensor. The dtype is the default float dtype even for
    int start and end (as PyTorch); the values are computed in float64 and rounded once.
    """
    start, end = check_number("linspace", "start", start), check_number("linspace", "end", end)
    steps = check_int("linspace", "steps", steps, low=0)
    dtype, device = _dtype("linspace", dtype, get_default_dtype()), get_device(device)
    values = device.xp.linspace(start, end, steps, dtype=np.float64)
    return _leaf(values.astype(dtype, copy=False), device, requires_grad)


# --- random tensors: drawn on the host from minigrad's generator, then moved ------------------


def rand(
    *size: Size, dtype: Any = None, device: DeviceLike = None, requires_grad: bool = False
) -> Tensor:
    """Values drawn uniformly from [0, 1).

    Each value is k / 2^p for a random integer 0 <= k < 2^p, p the dtype's significand bits
    (24 for float32, 53 for float64), as PyTorch draws them: every value is exact in the dtype,
    so rounding can never turn one into 1.0, as rounding a float64 draw to float32 could.
    """
    shape = _shape("rand", size)
    dtype = _floating("rand", _dtype("rand", dtype, get_default_dtype()))
    device = get_device(device)  # checked before drawing: a mistake must not move the generator
    bits = np.finfo(dtype).nmant + 1
    values = generator().integers(0, 2**bits, size=shape) * 2.0**-bits
    return _leaf(device.from_host(values.astype(dtype)), device, requires_grad)


def randn(
    *size: Size, dtype: Any = None, device: DeviceLike = None, requires_grad: bool = False
) -> Tensor:
    """Values drawn from the standard normal distribution N(0, 1)."""
    shape = _shape("randn", size)
    dtype = _floating("randn", _dtype("randn", dtype, get_default_dtype()))
    device = get_device(device)
    values = generator().standard_normal(size=shape)
    return _leaf(device.from_host(values.astype(dtype)), device, requires_grad)


def randint(
    low: int = 0,
    high: int | None = None,
    size: Size | None = None,
    *,
    dtype: Any = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers drawn uniformly from low, low + 1, ..., high - 1: ``randint(low, high, size)``,
    or ``randint(high, size)`` with low = 0, as PyTorch. int64 unless ``dtype`` says otherwise."""
    if size is None:  # randint(high, size): the first number is high
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if high is None or size is None:
        raise TypeError(
            "randint: needs high and size, as in randint(10, (3,)) or randint(0, 10, (3,))"
        )
    low, high = check_int("randint", "low", low), check_int("randint", "high", high)
    if high <= low:
        raise ValueError(f"randint: high must be greater than low, got low={low}, high={high}")
    shape = _sequence("randint", size)
    dtype, device = _dtype("randint", dtype, np.dtype(np.int64)), get_device(device)
    values = generator().integers(low, high, size=shape, dtype=np.int64)
    return _leaf(device.from_host(values.astype(dtype)), device, requires_grad)


def randperm(
    n: int, *, dtype: Any = None, device: DeviceLike = None, requires_grad: bool = False
) -> Tensor:
    """A random ordering of 0, 1, ..., n - 1 (int64 unless ``dtype`` says otherwise)."""
    n = check_int("randperm", "n", n, low=0)
    dtype, device = _dtype("randperm", dtype, np.dtype(np.int64)), get_device(device)
    values = generator().permutation(n)
    return _leaf(device.from_host(values.astype(dtype)), device, requires_grad)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Size | None = None,
    *,
    dtype: Any = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values drawn from N(mean, std^2), in PyTorch's forms: ``normal(mean, std)`` with a Tensor
    mean, std or both (broadcast together; the result has their float dtype and device), or
    ``normal(mean, std, size)`` with two numbers.

    Drawn as z = mean + std * e with e ~ N(0, 1) from minigrad's generator (on the host, then
    moved), so a Tensor mean or std gets a gradient as in PyTorch: dz/dmean = 1, dz/dstd = e.
    """
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    for name, x in (("mean", mean), ("std", std)):
        if not isinstance(x, Tensor):
            check_number("normal", name, x, low=0.0 if name == "std" else None)
        elif not x.dtype.kind == "f":
            raise TypeError(f"normal: {name} must be a float Tensor, got {x.dtype}")
    if not tensors:
        if size is None:
            raise TypeError(
                "normal: with a number mean and std, give size, as in normal(0, 1, (3,))"
            )
        shape = _sequence("normal", size)
        dtype = _floating("normal", _dtype("normal", dtype, get_default_dtype()))
        device = get_device(device)
        values = mean + std * generator().standard_normal(size=shape)
        return _leaf(device.from_host(values.astype(dtype)), device, requires_grad)
    if size is not None or dtype is not None or device is not None or requires_grad:
        raise TypeError(
            "normal: size, dtype, device and requires_grad go with a number mean and std; "
            "a Tensor mean or std gives them"
        )
    if isinstance(std, Tensor) and std.data.size and float(std.data.min()) < 0:
        raise ValueError(f"normal: std must be >= 0, got {float(std.data.min())}")
    if len(tensors) == 2 and mean.device is not std.device:
        raise RuntimeError(f"normal: mean is on {mean.device}, std on {std.device}")
    try:
        shape = np.broadcast_shapes(*(t.shape for t in tensors))
    except ValueError:
        raise ValueError(
            f"normal: the shapes of mean and std cannot be broadcast together "
            f"({' and '.join(str(t.shape) for t in tensors)})"
        ) from None
    like = tensors[0]
    kind = np.result_type(*(t.dtype for t in tensors))
    noise = generator().standard_normal(size=shape).astype(kind)
    return mean + std * Tensor._wrap(like.device.from_host(noise), like.device)


def bernoulli(input: Tensor) -> Tensor:
    """1 with probability p, else 0, for each probability p in ``input`` (which must lie in
    [0, 1]: checked, a device sync on a GPU); the result has ``input``'s float dtype and device.
    u ~ U[0, 1) is drawn from minigrad's generator on the host, and the value is u < p."""
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        raise TypeError(
            f"bernoulli: input must be a float Tensor of probabilities, got "
            f"{getattr(input, 'dtype', type(input).__name__)}"
        )
    data = input.data
    if data.size and not (float(data.min()) >= 0 and float(data.max()) <= 1):  # NaN fails too
        raise ValueError(
            f"bernoulli: probabilities must lie in [0, 1], got values in "
            f"[{float(data.min())}, {float(data.max())}]"
        )
    u = generator().integers(0, 2**53, size=input.shape) * 2.0**-53
    below = input.device.from_host(u) < data
    return Tensor._wrap(below.astype(input.dtype), input.device)


def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Category indices drawn with probabilities proportional to ``input``'s weights, as
    PyTorch's ``multinomial``: ``input`` (C,) gives (num_samples,) int64 indices, (N, C) gives
    (N, num_samples), one independent draw per row. The weights need not sum to 1.

    With replacement each draw is u ~ U[0, 1) looked up in the row's cumulative distribution:
    the first i with u * total < w_0 + ... + w_i. Without replacement it is the Gumbel-top-k
    trick: the categories with the largest log(w_i) + G_i, G_i ~ Gumbel(0, 1), in that order,
    are distributed as drawing one at a time and removing each drawn category, and a zero
    weight (log 0 = -inf) is never drawn.

    The weights are read on the host and the draws come from minigrad's generator (or the
    NumPy ``generator`` given), so one seed gives the same indices on every device.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be (C,) or (N, C), got shape {input.shape}")
    if input.dtype.kind != "f":
        raise DtypeError(f"multinomial: input must hold floating weights, got {input.dtype}")
    categories = input.shape[-1]
    num_samples = check_int("multinomial", "num_samples", num_samples, low=1)
    if not isinstance(replacement, (bool, np.bool_)):
        raise TypeError(f"multinomial: replacement must be True or False, got {replacement!r}")
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(
            "multinomial: generator must be a numpy.random.Generator (or None for minigrad's), "
            f"got {type(generator).__name__}"
        )
    weights = input.numpy().astype(np.float64).reshape(-1, categories)
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("multinomial: weights must be finite and non-negative")
    totals = weights.sum(axis=1, keepdims=True)
    if categories == 0 or (totals <= 0).any():
        raise ValueError("multinomial: every row of weights must have a positive sum")
    nonzero = int((weights > 0).sum(axis=1).min())
    if not replacement and num_samples > nonzero:
        raise ValueError(
            f"multinomial: without replacement num_samples ({num_samples}) must be at most the "
            f"number of categories with a nonzero weight ({nonzero})"
        )
    source = random.generator() if generator is None else generator
    rows = weights.shape[0]
    if replacement:
        cumulative = np.cumsum(weights, axis=1)
        drawn = source.random((rows, num_samples)) * totals
        # the first category whose cumulative weight exceeds the draw
        samples = np.stack([np.searchsorted(c, d, side="right") for c, d in zip(cumulative, drawn)])
        samples = np.minimum(samples, categories - 1)  # u * total can round up to the total
    else:
        with np.errstate(divide="ignore"):
            keys = np.log(weights) + source.gumbel(size=weights.shape)
        samples = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    samples = samples.astype(np.int64).reshape(input.shape[:-1] + (num_samples,))
    return Tensor._wrap(input.device.from_host(samples), input.device)


# --- *_like: another tensor's shape, dtype and device -----------------------------------------


def zeros_like(
    input: Tensor, *, dtype: Any = None, device: DeviceLike = None, requires_grad: bool = False
) -> Tensor:
    """``zeros`` with ``input``'s shape, dtype and device (unless given)."""
    shape, dtype, device = _like("zeros_like", input, dtype, device)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(
    input: Tensor, *, dtype: Any = None, device: DeviceLike = None, requires_grad: bool = False
) -> Tensor:
    """``ones`` with ``input``'s shape, dtype and device (unless given)."""
    shape, dtype, device = _like("ones_like", input, dtype, device)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(
    input: Tensor, *, dtype: Any = None, device: DeviceLike = None, requires_grad: bool = False
) -> Tensor:
    """``empty`` with ``input``'s shape, dtype and device (unless given)."""
    shape, dtype, device = _like("empty_like", input, dtype, device)
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(
    input: Tensor,
    fill_value: bool | int | float,
    *,
    dtype: Any = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """``full`` with ``input``'s shape, dtype and device (unless given): the fill value is
    converted to the input's dtype, so ``full_like(int_tensor, 2.5)`` holds 2, as in PyTorch."""
    shape, dtype, device = _like("full_like", input, dtype, device)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(
    input: Tensor, *, dtype: Any = None, device: DeviceLike = None, requires_grad: bool = False
) -> Tensor:
    """``rand`` with ``input``'s shape, dtype and device (unless given); a floating dtype."""
    shape, dtype, device = _like("rand_like", input, dtype, device)
    _floating("rand_like", _dtype("rand_like", dtype, input.dtype))
    return rand(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(
    input: Tensor, *, dtype: Any = None, device: DeviceLike = None, requires_grad: bool = False
) -> Tensor:
    """``randn`` with ``input``'s shape, dtype and device (unless given); a floating dtype."""
    shape, dtype, device = _like("randn_like", input, dtype, device)
    _floating("randn_like", _dtype("randn_like", dtype, input.dtype))
    return randn(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(
    input: Tensor,
    low: int = 0,
    high: int | None = None,
    *,
    dtype: Any = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """``randint`` with ``input``'s shape, dtype and device (unless given):
    ``randint_like(x, high)`` or ``randint_like(x, low, high)``. A float input gives a float
    tensor of whole numbers, as in PyTorch."""
    shape, dtype, device = _like("randint_like", input, dtype, device)
    if high is None:  # randint_like(x, high): the one number is high
        low, high = 0, low
    return randint(low, high, shape, dtype=dtype, device=device, requires_grad=requires_grad)

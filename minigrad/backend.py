"""Devices and their array modules: the only file that knows NumPy from CuPy.

Every op asks its tensor for ``device.xp`` (the array module: ``numpy`` or ``cupy``) and calls
that, never ``numpy`` directly, so the same op code runs on the CPU and on the GPU. CuPy is
imported only when a CUDA device is first asked for, so ``import minigrad`` never needs it.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

import numpy as np


class Device:
    """A place where arrays live: its name, its array module, and how to move arrays in and out."""

    __slots__ = ("type", "xp", "_load", "_to_host", "_from_host")

    def __init__(
        self,
        type: str,
        load: Callable[[], Any],
        to_host: Callable[[Any], np.ndarray],
        from_host: Callable[[Any, Any], Any],
    ) -> None:
        self.type = type
        self.xp: Any = None  # the array module (numpy-compatible), set by load() on first use
        self._load = load
        self._to_host = to_host
        self._from_host = from_host

    def load(self) -> Device:
        """Import the array module (for CUDA: CuPy) if not yet done; errors say what is missing."""
        if self.xp is None:
            self.xp = self._load()
        return self

    def to_host(self, array: Any) -> np.ndarray:
        """Copy ``array`` from this device into a NumPy array."""
        if isinstance(array, np.generic):  # a Python number lifted into an op (ops.lift)
            return np.asarray(array)
        return self._to_host(array)

    def from_host(self, array: Any) -> Any:
        """Copy a NumPy array (or anything array-like) onto this device."""
        return self._from_host(self.load().xp, array)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.type == other
        return other is self

    def __hash__(self) -> int:
        return hash(self.type)

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"

    def __str__(self) -> str:
        return self.type


def _load_cupy() -> Any:
    try:
        cupy = importlib.import_module("cupy")
    except ImportError as error:
        raise RuntimeError(
            "device 'cuda' needs CuPy, which is not installed. Install it with "
            'pip install -e ".[gpu]" (CUDA 12) or pip install cupy-cuda13x (CUDA 13).'
        ) from error
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CuPy raises its own CUDARuntimeError when no driver is present
        raise RuntimeError(
            "device 'cuda' needs an NVIDIA GPU and its driver; CuPy is installed but found "
            f"none ({error})"
        ) from error
    if count == 0:
        raise RuntimeError("device 'cuda' needs an NVIDIA GPU; CuPy is installed but sees no GPU")
    return cupy


_DEVICES: dict[str, Device] = {
    "cpu": Device("cpu", lambda: np, lambda a: a, lambda xp, a: np.asarray(a)).load(),
    "cuda": Device("cuda", _load_cupy, lambda a: a.get(), lambda xp, a: xp.asarray(a)),
}
cpu = _DEVICES["cpu"]
_default_device = cpu  # where tensors made from host data go when no device is named


def set_default_device(device: str | Device | None) -> None:
    """Make ``device`` where new tensors go when no ``device=`` is given (``None``: the CPU).

    As ``torch.set_default_device``: tensors made from Python numbers, lists or NumPy arrays,
    layers' parameters and DataLoader batches land there; an array already on a device stays.
    """
    global _default_device
    _default_device = cpu if device is None else get_device(device)


def get_default_device() -> Device:
    """The device new tensors go to when none is named (the CPU unless changed)."""
    return _default_device


def register_device(device: Device) -> Device:
    """Add a device (the test suite adds a stand-in GPU this way)."""
    _DEVICES[device.type] = device
    return device


def get_device(device: str | Device | None) -> Device:
    """Turn ``None`` (the default device), a name such as ``"cuda"``, or a Device into a Device."""
    if device is None:
        return _default_device
    if isinstance(device, Device):
        return device
    if not isinstance(device, str):
        raise TypeError(
            f"device must be a string such as 'cpu' or 'cuda', got {type(device).__name__}"
        )
    name, colon, index = device.partition(":")
    if name not in _DEVICES:
        raise ValueError(f"unknown device '{device}'; known devices: {', '.join(sorted(_DEVICES))}")
    if colon and not index.isdigit():
        raise ValueError(f"device index must be a non-negative int, as in 'cuda:0'; got '{device}'")
    found = _DEVICES[name].load()  # fails here, with the install hint, not deep inside an op
    if colon:
        # minigrad computes on one GPU, CuPy's current one; an index naming another one would
        # silently run there anyway, so it is refused rather than ignored.
        current = found.xp.cuda.runtime.getDevice() if name == "cuda" else 0
        if int(index) != current:
            raise ValueError(
                f"device '{device}': minigrad uses one {name} device, index {current} (CuPy's "
                f"current device); choose the GPU with CUDA_VISIBLE_DEVICES or "
                f"cupy.cuda.Device(n).use() before making tensors"
            )
    return found


def device(type: str | Device, index: int | None = None) -> Device:
    """PyTorch's ``torch.device("cuda", 0)`` (or ``device("cuda:0")``): the Device of that name."""
    if index is None:
        return get_device(type)
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError(f"device: index must be an int, got {index!r}")
    return get_device(f"{type}:{index}")


def device_of_array(array: Any) -> Device:
    """The device an array lives on: NumPy arrays are on the CPU; others are asked by type."""
    if type(array) is np.ndarray or isinstance(array, (np.generic, int, float, bool)):
        return cpu
    for device in _DEVICES.values():
        if device.xp is not None and device.xp is not np and isinstance(array, device.xp.ndarray):
            return device
    if hasattr(array, "__cuda_array_interface__"):  # a CuPy array made before minigrad loaded CuPy
        return get_device("cuda")
    return cpu


def to_host(array: Any) -> np.ndarray:
    """``array`` as a NumPy array: host arrays as they are (no copy), device arrays copied over.

    The one way minigrad brings data to the host; on a GPU it waits for the device to finish.
    """
    device = device_of_array(array)
    return np.asarray(array) if device is cpu else device.to_host(array)


def get_array_module(array: Any) -> Any:
    """The array module (``numpy`` or ``cupy``) of an array, for code that holds raw arrays."""
    return device_of_array(array).xp


def accumulate(xp: Any, name: str, a: Any, axis: int) -> Any:
    """``xp.<name>.accumulate(a, axis=axis)``: the running maximum, minimum, log-sum-exp, ...
    of ``a`` along ``axis``, for an associative two-input ufunc ``name``.

    CuPy has ``accumulate`` for a few ufuncs only (add, multiply), so off NumPy this is a scan in
    log2(n) passes (Hillis and Steele, "Data parallel algorithms", 1986): after the pass with
    shift k, each place holds the op over the 2k places ending at it (fewer at the start).
    """
    op = getattr(xp, name)
    if xp is np:
        return op.accumulate(a, axis=axis)
    out = xp.moveaxis(a, axis, 0).copy()
    shift = 1
    while shift < out.shape[0]:
        out[shift:] = op(out[shift:], out[:-shift])  # computed in full before it is written
        shift *= 2
    return xp.moveaxis(out, 0, axis)


def scatter_add(xp: Any, target: Any, index: Any, values: Any) -> None:
    """``target[index] += values`` where repeated indices add up (``+=`` alone keeps only one)."""
    if xp is np and _picks_rows(target, index, values):
        _add_rows_sorted(target, index, values)
    elif xp is np or hasattr(xp.add, "at"):
        xp.add.at(target, index, values)
    else:  # older CuPy: the same operation lives in cupyx
        importlib.import_module("cupyx").scatter_add(target, index, values)


def _picks_rows(target: Any, index: Any, values: Any) -> bool:
    """Whether ``index`` is one array of row numbers in [0, len(target)) and ``values`` holds
    one row of ``target``'s shape per index: an embedding's gradient."""
    return (
        type(index) is np.ndarray
        and index.dtype.kind in "iu"
        and index.size > 0
        and target.ndim >= 1
        and values.shape == index.shape + target.shape[1:]
        and index.min() >= 0
        and index.max() < target.shape[0]
    )


def _add_rows_sorted(target: np.ndarray, index: np.ndarray, values: np.ndarray) -> None:
    """``np.add.at(target, index, values)`` for whole rows, by sorting: the rows of ``values``
    that go to one place become neighbours, ``np.add.reduceat`` sums each run, and each sum is
    added once. np.add.at adds row by row (a tiny GPT's embedding gradient, 2048 rows of 64
    into 65: 1.1 ms, this way 0.17 ms)."""
    places = index.reshape(-1)
    order = np.argsort(places, kind="stable")
    places = places[order]
    starts = np.flatnonzero(np.concatenate(([True], places[1:] != places[:-1])))
    rows = values.reshape((places.size,) + target.shape[1:])[order]
    target[places[starts]] += np.add.reduceat(rows, starts)


# ---- IEEE results, without NumPy's warnings ----------------------------------------------------
# log(0) = -inf, 1 / 0 = inf, 0 * inf = NaN, exp(1000) = inf: IEEE arithmetic defines each, and
# PyTorch (like CuPy) gives them silently. NumPy also warns ("RuntimeWarning: divide by zero
# encountered in log"), or raises under np.seterr(all="raise"). minigrad gives the IEEE result
# silently, as PyTorch does: every op's forward (Function.apply), every backward pass
# (run_backward), an optimizer's step and clip_grad_norm_ run with NumPy's floating-point errors
# ignored, and the caller's own settings are back when they return. To find where a NaN or inf
# first appears, use minigrad.detect_anomaly.
#
# Every op, not a chosen few: add, mul, sum, matmul and casts overflow or meet inf - inf too, and
# a flag to spare the ops that cannot (tanh) saved about 0.05 us/op on bench.py's per-op chain.
# So the switch must be cheap. There, np.errstate in every op costs about 1 us/op (5.8 -> 6.85);
# NumPy 2 keeps the error state in a context variable, and setting it to an "ignore" state made
# once, then resetting it, costs about 0.15 us/op (5.8 -> 5.95). That variable is private: where
# it is missing (NumPy 1.x, or a NumPy that moves it), np.errstate does the same, more slowly.
def _ignore_with_errstate() -> Any:
    state = np.errstate(all="ignore")
    state.__enter__()
    return state


def _restore_with_errstate(state: Any) -> None:
    state.__exit__(None, None, None)


try:
    _umath = importlib.import_module("numpy._core.umath")
    _error_state = _umath._extobj_contextvar  # what np.errstate sets, in NumPy 2
    # made once, so buffer size and callback are NumPy's defaults here, not later np.setbufsize
    _IGNORE_ALL = _umath._make_extobj(all="ignore")
except (ImportError, AttributeError):
    _error_state = None

# ignore_float_errors() -> token: NumPy's floating-point errors ignored from now on, in this thread;
# restore_float_errors(token): the caller's settings back, exactly as they were.
if _error_state is not None:
    ignore_float_errors: Callable[[], Any] = functools.partial(_error_state.set, _IGNORE_ALL)
    restore_float_errors: Callable[[Any], None] = _error_state.reset
else:
    ignore_float_errors, restore_float_errors = _ignore_with_errstate, _restore_with_errstate


class float_errors_ignored:
    """``with float_errors_ignored():`` the same around a block (a backward pass, a step)."""

    def __enter__(self) -> None:
        self.token = ignore_float_errors()

    def __exit__(self, *exc: object) -> None:
        restore_float_errors(self.token)


class _Cuda:
    """``minigrad.cuda``: ask whether a GPU can be used."""

    @staticmethod
    def is_available() -> bool:
        """True when CuPy is installed and sees at least one CUDA device."""
        try:
            _DEVICES["cuda"].load()
        except RuntimeError:
            return False
        return True


cuda = _Cuda()

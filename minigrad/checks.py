"""Argument checks: one line per hyper-parameter, one wording for every error.

Every public entry point that takes a setting (a layer's ``p``, an optimizer's ``lr``, a
scheduler's ``T_max``, a dataset's ``n_samples``) checks it here, once, where it arrives: in the
constructor, in ``load_state_dict``, or at the top of a user-facing function. The arithmetic
behind it then assumes the value is good and stays free of guards.

    check_number(owner, name, value, low=..., high=...)   a real number, finite unless allow_inf
    check_int(owner, name, value, low=..., high=...)      a Python or NumPy integer, not a bool
    check_bool(owner, name, value)                        True or False, nothing merely truthy
    check_choice(owner, name, value, choices)             one of a few allowed values

Each returns the value in its plain Python form (float, int, bool, or the value itself), and
each raises

* ``TypeError`` when the value is of the wrong kind (``nesterov='no'``, ``batch_size=2.0``),
* ``ValueError`` when it is of the right kind but out of range, NaN or infinite,

with a message that names who is asking, the argument, the rule and the value given::

    >>> check_number("SGD", "lr", -0.1, low=0)
    Traceback (most recent call last):
    ValueError: SGD: lr must be a finite number >= 0, got -0.1

NaN and infinity are refused unless ``allow_inf=True`` (for an argument whose documentation
gives inf a meaning); NaN is always refused, since no rule can hold for it: every comparison
with NaN is False, so a plain ``low <= value`` test lets it through.

Errors about tensors rather than settings (shapes that do not fit, a dim out of range, a dtype
an op cannot take) use the classes below. Each subclasses both the type minigrad has always
raised and the type PyTorch raises for the same misuse, so ``except ValueError`` (minigrad's
tests and users) and ``except RuntimeError`` (code written against PyTorch) both catch it:

    ShapeError(ValueError, RuntimeError)          shapes or sizes that do not fit
    DimError(IndexError, ValueError)              a dim out of range ("Dimension out of range")
    DtypeError(TypeError, RuntimeError)           a dtype the op cannot take or store
    IndexBoundsError(IndexError, RuntimeError)    gather/scatter/index_select index values
    TargetError(ValueError, IndexError)           a class target outside [0, C) in a loss
    ZeroDivision(ZeroDivisionError, RuntimeError) integer division by zero
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Hashable, Mapping
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "DimError",
    "DtypeError",
    "IndexBoundsError",
    "ShapeError",
    "TargetError",
    "ZeroDivision",
    "check_bool",
    "check_choice",
    "check_int",
    "check_number",
    "check_state",
]

T = TypeVar("T")


# --- error types shared with PyTorch ------------------------------------------------------------
# The first base is minigrad's own type (kept, so nothing that caught it breaks), the second the
# type PyTorch raises for the same misuse. The messages stay minigrad's.


class ShapeError(ValueError, RuntimeError):
    """Shapes or sizes that do not fit: broadcasting, matmul/linear, reshape/view, cat/stack,
    expand, conv/pool inputs, a loss's input against its target, a gradient's shape."""


class DimError(IndexError, ValueError):
    """A dim out of range for the tensor (PyTorch: ``IndexError: Dimension out of range``)."""


class DtypeError(TypeError, RuntimeError):
    """A dtype the op cannot take (the mean of integers, a float mask) or an in-place result
    that cannot be stored in the tensor's dtype; PyTorch reports these as RuntimeError."""


class IndexBoundsError(IndexError, RuntimeError):
    """An index value beyond its dim in gather, scatter, scatter_add or index_select (PyTorch:
    RuntimeError there; plain indexing ``x[10]`` stays an IndexError in both)."""


class TargetError(ValueError, IndexError):
    """A class target outside [0, C) in cross_entropy or nll_loss (PyTorch: ``IndexError:
    Target 5 is out of bounds``)."""


class ZeroDivision(ZeroDivisionError, RuntimeError):
    """Integer division by zero (PyTorch: ``RuntimeError: ZeroDivisionError``)."""


def check_number(
    owner: str,
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    allow_inf: bool = False,
) -> float:
    """``value`` as a float: a real number (not a bool), finite, within ``low`` and ``high``.

    A bound of None is no bound; ``low_inclusive=False`` makes ``low`` itself refused (> low),
    and likewise ``high_inclusive``. NumPy scalars are accepted, 0-d arrays and Tensors are not.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {_shown_with_type(value)}")
    number = float(value)
    above_low = low is None or (number >= low if low_inclusive else number > low)
    below_high = high is None or (number <= high if high_inclusive else number < high)
    finite_enough = math.isfinite(number) or (allow_inf and not math.isnan(number))
    if not (finite_enough and above_low and below_high):
        kind = "a number" if allow_inf else "a finite number"
        rule = _range(low, high, low_inclusive, high_inclusive)
        note = " (inf allowed)" if allow_inf else ""
        raise ValueError(f"{owner}: {name} must be {kind}{rule}{note}, got {_shown(value)}")
    return number


def check_int(
    owner: str,
    name: str,
    value: Any,
    *,
    low: int | None = None,
    high: int | None = None,
    error: type[ValueError] = ValueError,
) -> int:
    """``value`` as an int: a Python or NumPy integer (not a bool, not a float such as 2.0),
    with ``low <= value <= high`` (a bound of None is no bound).

    ``error`` is the class raised for a value out of range: a ValueError, or one of the
    subclasses below where PyTorch raises its own type (``DimError`` for a dim, ``ShapeError``
    for a size that does not fit the tensor)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {name} must be an integer, got {_shown_with_type(value)}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        rule = _range(low, high, True, True)
        raise error(f"{owner}: {name} must be an integer{rule}, got {_shown(value)}")
    return int(value)


def check_bool(owner: str, name: str, value: Any) -> bool:
    """``value`` as a bool: True or False (a NumPy bool too), never a merely truthy value.

    ``bool('no')`` is True, so a flag given as a string or a number is refused rather than read.
    """
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{owner}: {name} must be True or False, got {_shown_with_type(value)}")
    return bool(value)


def check_choice(owner: str, name: str, value: T, choices: Collection[Any]) -> T:
    """``value`` itself, if it is one of ``choices``; a ValueError listing them otherwise."""
    # Unhashable values (lists, arrays) are never a choice, and ``in`` would compare an array
    # elementwise.
    if not (isinstance(value, Hashable) and value in choices):
        options = [repr(choice) for choice in choices]
        listed = options[0] if len(options) == 1 else f"{', '.join(options[:-1])} or {options[-1]}"
        raise ValueError(f"{owner}: {name} must be {listed}, got {_shown(value)}")
    return value


# --- wording ----------------------------------------------------------------------------------


def _range(low: float | None, high: float | None, low_inclusive: bool, high_inclusive: bool) -> str:
    """The bounds as text: ' >= 0', ' < 1', ' in (0, 1]', or '' when there are none."""
    if low is not None and high is not None:
        left, right = "[" if low_inclusive else "(", "]" if high_inclusive else ")"
        return f" in {left}{low:g}, {high:g}{right}"
    if low is not None:
        return f" {'>=' if low_inclusive else '>'} {low:g}"
    if high is not None:
        return f" {'<=' if high_inclusive else '<'} {high:g}"
    return ""


def _shown(value: Any) -> str:
    """A value as the message shows it: numbers as printed (0.1, nan), others by repr, cut short."""
    text = str(value) if isinstance(value, numbers.Number) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _shown_with_type(value: Any) -> str:
    return f"{_shown(value)} ({type(value).__name__})"


def check_state(
    owner: str,
    value: Any,
    required: tuple[str, ...] = (),
    allowed: tuple[str, ...] | None = None,
    hint: str = "",
) -> Mapping[str, Any]:
    """``value`` if it is a mapping, the form every ``state_dict()`` returns; else a TypeError.

    With ``required`` (and ``allowed``, the keys that may appear besides; by default only the
    required ones), a ValueError names every missing and unexpected key, then ``hint``.
    """
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{owner}.load_state_dict: expected the dict that state_dict() returned, got "
            f"{_shown_with_type(value)}"
        )
    if required or allowed is not None:
        known = set(required if allowed is None else allowed) | set(required)
        problems = [f"missing key '{key}'" for key in required if key not in value]
        problems += [f"unexpected key '{key}'" for key in value if key not in known]
        if problems:
            raise ValueError(f"load_state_dict for {owner}: {'; '.join(problems)}{hint}")
    return value

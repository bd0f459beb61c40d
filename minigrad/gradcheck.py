"""Check analytic gradients against finite differences: the proof that a backward is right.

For f with inputs x, pick a random direction v for the output and compare, for every element
x_i of every input that requires grad,

    analytic:  d/dx_i  sum(v * f(x))                            (one backward pass)
    numeric:   (sum(v * f(x + eps e_i)) - sum(v * f(x - eps e_i))) / (2 eps)

Central differences have error O(eps^2), but only float64 has the digits for eps = 1e-6.
Projecting onto a random v checks every output at once (a wrong Jacobian entry changes the
projection almost surely) for the price of one backward. Defaults follow PyTorch's gradcheck.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd import grad as autograd_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """An analytic gradient disagreed with its finite-difference estimate."""


def _fresh_inputs(inputs: Sequence[Any]) -> list[Any]:
    """Copies of the tensor inputs (same requires_grad), so the caller's tensors stay untouched."""
    return [
        Tensor(x.data.copy(), requires_grad=x.requires_grad) if isinstance(x, Tensor) else x
        for x in inputs
    ]


def _as_inputs(inputs: tuple) -> tuple:
    """``gradcheck(fn, x, y)``, or PyTorch's ``gradcheck(fn, (x, y))`` with the inputs in one
    tuple (or list), or ``gradcheck(fn, x)``: the inputs as a tuple."""
    if len(inputs) == 1 and isinstance(inputs[0], (tuple, list)):
        return tuple(inputs[0])
    return inputs


def _check_tolerances(name: str, eps: float, atol: float, rtol: float) -> None:
    if not (isinstance(eps, (int, float)) and math.isfinite(eps) and eps > 0):
        raise ValueError(f"{name}: eps must be a positive finite step, got {eps!r}")
    for label, value in (("atol", atol), ("rtol", rtol)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"{name}: {label} must be a finite number >= 0, got {value!r}")


def _projected(fn: Callable, inputs: list[Any], directions: list[np.ndarray]) -> Tensor:
    """sum over outputs of v * f(inputs): one scalar that sees every output element."""
    outputs = fn(*inputs)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    total: Any = None
    for out, v in zip(outputs, directions):
        term = (out * Tensor(v.astype(out.dtype, copy=False), device=out.device)).sum()
        total = term if total is None else total + term
    return total


def gradcheck(
    fn: Callable,
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """True if every analytic gradient of ``fn`` matches central differences; else raises.

    ``inputs`` are passed to ``fn`` as they are (copied); those that require grad are checked and
    must be float64. ``fn`` may return one tensor or a tuple. Raises ``GradcheckError`` naming the
    input, the element, and both values; returns False instead with ``raise_exception=False``
    (PyTorch's switch).
    """
    try:
        return _gradcheck(fn, inputs, eps, atol, rtol, seed)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _gradcheck(
    fn: Callable, inputs: tuple, eps: float, atol: float, rtol: float, seed: int
) -> bool:
    _check_tolerances("gradcheck", eps, atol, rtol)
    inputs = _as_inputs(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} is {inputs[i].dtype}; use float64, since finite differences "
                "with eps=1e-6 lose about half the digits and float32 has too few"
            )
    probe = fn(*_fresh_inputs(inputs))
    probe = probe if isinstance(probe, (tuple, list)) else (probe,)
    rng = np.random.default_rng(seed)
    directions = [rng.standard_normal(out.shape) for out in probe]

    xs = _fresh_inputs(inputs)
    projected = _projected(fn, xs, directions)
    analytic: Sequence[Tensor | None]
    if projected.requires_grad:
        analytic = autograd_grad(projected, [xs[i] for i in checked], allow_unused=True)
    else:  # the output does not depend on any checked input: every gradient is zero
        analytic = [None] * len(checked)
    for position, i in enumerate(checked):
        base = inputs[i].numpy().astype(np.float64)
        found = analytic[position]
        exact = np.zeros_like(base) if found is None else found.numpy()
        for flat in range(base.size):
            index = np.unravel_index(flat, base.shape)
            values = []
            for step in (eps, -eps):
                moved = _fresh_inputs(inputs)
                data = base.copy()
                data[index] += step
                moved[i] = Tensor(data, requires_grad=True, device=inputs[i].device)
                # Not under no_grad: fn may itself differentiate (see gradgradcheck).
                values.append(_projected(fn, moved, directions).item())
            numeric = (values[0] - values[1]) / (2 * eps)
            if not abs(exact[index] - numeric) <= atol + rtol * abs(numeric):
                raise GradcheckError(
                    f"gradcheck: input {i} (shape {base.shape}), element {tuple(map(int, index))}: "
                    f"analytic gradient {exact[index]:.8g} but finite differences give "
                    f"{numeric:.8g}"
                )
    return True


def gradgradcheck(
    fn: Callable,
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck the gradient of ``fn`` (built with create_graph).

    With random projections v (outputs) and u (gradients), the checked function is
    x -> sum(u * d/dx sum(v * f(x))), whose own gradient needs every second derivative.
    """
    inputs = _as_inputs(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradgradcheck: no input requires grad, so there is nothing to check")
    _check_tolerances("gradgradcheck", eps, atol, rtol)
    probe = fn(*_fresh_inputs(inputs))
    probe = probe if isinstance(probe, (tuple, list)) else (probe,)
    rng = np.random.default_rng(seed + 1)
    directions = [rng.standard_normal(out.shape) for out in probe]
    grad_directions = [rng.standard_normal(inputs[i].shape) for i in checked]

    def first_derivative(*xs: Any) -> Tensor:
        projected = _projected(fn, list(xs), directions)
        if not projected.requires_grad:
            return Tensor(np.float64(0.0))
        grads = autograd_grad(
            projected, [xs[i] for i in checked], create_graph=True, allow_unused=True
        )
        total: Any = None
        for g, u in zip(grads, grad_directions):
            if g is None:
                continue
            term = (g * Tensor(u, device=g.device)).sum()
            total = term if total is None else total + term
        return Tensor(np.float64(0.0)) if total is None else total

    try:
        return _gradcheck(first_derivative, inputs, eps, atol, rtol, seed)
    except GradcheckError as error:
        if not raise_exception:
            return False
        detail = str(error).removeprefix("gradcheck: ")
        raise GradcheckError(f"gradgradcheck (second derivatives): {detail}") from None

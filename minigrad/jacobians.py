"""Whole derivatives of a function: its Jacobian and its Hessian, as ``torch.autograd.functional``
(also importable under that name: ``from minigrad.autograd.functional import jacobian``).

The engine computes vector-Jacobian products: one backward pass from an output y with the
gradient v gives v^T J, where J[k, i] = dy_k / dx_i. With v the one-hot vector e_k, that product
is row k of J, so the Jacobian is one backward pass per output element (as PyTorch does unless
told to vectorize). The Hessian of a scalar f is the Jacobian of its gradient, whose backward
passes run through a first backward that was recorded (``create_graph=True``):

    jacobian(f, x)[k..., i...] = d f(x)[k...] / d x[i...]
    hessian(f, x)[i..., j...]  = d^2 f(x) / (d x[i...] d x[j...])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .autograd import enable_grad, grad
from .ops import stack
from .tensor import Tensor


def jacobian(
    func: Callable[..., Any],
    inputs: Tensor | tuple[Tensor, ...],
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: for an output y and an input x, a Tensor of shape
    ``y.shape + x.shape``. One input and one output give that Tensor; a tuple of inputs (or of
    outputs) gives a tuple over them; both tuples give ``result[i][j]`` = d output_i / d input_j.

    An input an output does not depend on gets zeros (``strict=True`` raises instead). With
    ``create_graph=True`` the result is itself differentiable. ``vectorize`` is accepted and
    changes nothing (the rows are computed one by one either way); only PyTorch's default
    ``strategy="reverse-mode"`` exists here.
    """
    if strategy != "reverse-mode":
        raise NotImplementedError(
            f"jacobian: strategy={strategy!r}: minigrad has reverse mode only ('reverse-mode')"
        )
    is_tuple_in, xs = _as_inputs(inputs, "jacobian", create_graph)
    with enable_grad():
        outputs = func(*xs)
    is_tuple_out, ys = _as_outputs(outputs, "jacobian")
    rows: list[Any] = []  # rows[i]: d output_i / d input_j for every j (the block alone for one)
    for i, y in enumerate(ys):
        blocks = tuple(_block(y, x, i, j, strict, create_graph) for j, x in enumerate(xs))
        rows.append(blocks if is_tuple_in else blocks[0])
    return tuple(rows) if is_tuple_out else rows[0]


def hessian(
    func: Callable[..., Any],
    inputs: Tensor | tuple[Tensor, ...],
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar ``func`` at ``inputs``: for one input x a Tensor of shape
    ``x.shape + x.shape``, for a tuple of inputs ``result[i][j]`` = d^2 f / (d x_i d x_j).
    It is the Jacobian of the gradient; the other arguments are ``jacobian``'s."""

    def gradient(*xs: Tensor) -> tuple[Tensor, ...]:
        out = func(*xs)
        if not isinstance(out, Tensor):
            raise RuntimeError(
                f"hessian: the function must return a single Tensor, got {type(out).__name__}"
            )
        if out.numel() != 1:
            raise RuntimeError(
                f"hessian: the function must return a single value, got shape {out.shape}"
            )
        if not out.requires_grad:  # constant in every input: a zero gradient
            return tuple(x.detach() * 0 for x in xs)
        grads = grad(out, xs, create_graph=True, allow_unused=True)
        return tuple(x.detach() * 0 if g is None else g for g, x in zip(grads, xs))

    is_tuple_in, xs = _as_inputs(inputs, "hessian", create_graph)
    result = jacobian(gradient, xs, create_graph, strict, vectorize, outer_jacobian_strategy)
    return result if is_tuple_in else result[0][0]


def _as_inputs(inputs: Any, owner: str, create_graph: bool) -> tuple[bool, tuple[Tensor, ...]]:
    """(whether a tuple was given, the inputs as fresh tensors that require grad). With
    ``create_graph`` an input that requires grad stays linked to its own graph, through a
    recorded reshape, so the result can be differentiated back to it."""
    is_tuple = isinstance(inputs, (tuple, list))
    given = tuple(inputs) if is_tuple else (inputs,)
    xs = []
    for index, x in enumerate(given):
        if not isinstance(x, Tensor):
            raise TypeError(f"{owner}: input {index} is a {type(x).__name__}, not a Tensor")
        if create_graph and x.requires_grad:
            with enable_grad():
                xs.append(x.reshape(x.shape))
        else:
            xs.append(x.detach().requires_grad_())
    return is_tuple, tuple(xs)


def _as_outputs(outputs: Any, owner: str) -> tuple[bool, tuple[Tensor, ...]]:
    is_tuple = isinstance(outputs, (tuple, list))
    ys = tuple(outputs) if is_tuple else (outputs,)
    for index, y in enumerate(ys):
        if not isinstance(y, Tensor):
            raise TypeError(
                f"{owner}: the function's output {index} is a {type(y).__name__}, not a Tensor"
            )
    return is_tuple, ys


def _block(y: Tensor, x: Tensor, i: int, j: int, strict: bool, create_graph: bool) -> Tensor:
    """d y / d x, shape y.shape + x.shape: row k is the backward pass from y with gradient e_k."""
    rows = []
    for k in range(y.numel()):
        g = None
        if y.requires_grad:
            one_hot = y.detach().new_zeros(y.shape).reshape(-1)
            one_hot[k] = 1
            (g,) = grad(
                y,
                [x],
                grad_outputs=one_hot.reshape(y.shape),
                retain_graph=True,
                create_graph=create_graph,
                allow_unused=True,
            )
        if g is None:
            if strict:
                raise RuntimeError(
                    f"jacobian: output {i} does not depend on input {j}, which strict=True "
                    "does not allow"
                )
            g = x.detach().new_zeros(x.shape)
        rows.append(g.reshape(-1))
    if not rows:  # an empty output: an empty block
        return x.detach().new_zeros(tuple(y.shape) + tuple(x.shape))
    return stack(rows).reshape(tuple(y.shape) + tuple(x.shape))

"""Whole derivatives of a function and products with them, as ``torch.autograd.functional``
(also importable under that name: ``from minigrad.autograd.functional import jacobian``):
``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``vhp`` and ``hvp``.

The engine computes vector-Jacobian products: one backward pass from an output y with the
gradient v gives v^T J, where J[k, i] = dy_k / dx_i. With v the one-hot vector e_k, that product
is row k of J, so the Jacobian is one backward pass per output element (as PyTorch does unless
told to vectorize). The Hessian of a scalar f is the Jacobian of its gradient, whose backward
passes run through a first backward that was recorded (``create_graph=True``):

    jacobian(f, x)[k..., i...] = d f(x)[k...] / d x[i...]
    hessian(f, x)[i..., j...]  = d^2 f(x) / (d x[i...] d x[j...])

The products need no whole matrix. ``vjp`` (v^T J) is one backward pass. ``jvp`` (J v) is
forward mode, which minigrad does not have; as PyTorch's, it uses the double-backward trick: a
recorded backward pass with a gradient u gives g(u) = J^T u, which is linear in u, and one
backward pass through g with the gradient v gives d(v^T J^T u)/du = J v. ``vhp`` is a vjp of
the gradient (v^T H), ``hvp`` the same trick one order up (H v; equal to vhp when the Hessian
is symmetric, as it is for a twice continuously differentiable function).
"""

from __future__ import annotations

import contextlib
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


# ---- products with the Jacobian and the Hessian (PyTorch's vjp, jvp, vhp, hvp) -----------------
def vjp(
    func: Callable[..., Any],
    inputs: Tensor | tuple[Tensor, ...],
    v: Tensor | tuple[Tensor, ...] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``: the vector-Jacobian product, shaped as the inputs (a Tensor for
    a Tensor input, a tuple for a tuple). ``v`` is shaped as the output (a tuple for a tuple of
    outputs); it may be left out only when the output is one Tensor with one element (then it is
    1). An input no output depends on gets zeros (``strict=True`` raises instead); with
    ``create_graph=True`` the output and the product are differentiable (in ``v`` too)."""
    is_tuple_in, xs = _preprocessed(inputs, "inputs", "vjp", create_graph, need_graph=True)
    with enable_grad():
        outputs = func(*xs)
    is_tuple_out, ys = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
    _check_requires_grad(ys, "outputs", strict)
    vs: tuple[Tensor | None, ...] = (None,)
    if v is not None:
        _, given = _preprocessed(v, "v", "vjp", create_graph, need_graph=False)
        _validate_v(given, ys, is_tuple_out)
        vs = given
    elif len(ys) != 1 or ys[0].numel() != 1:
        raise RuntimeError(
            "The vector v can only be None if the user-provided function returns a single "
            "Tensor with a single element."
        )
    found = _fill_in_zeros(_vjp(ys, xs, vs, create_graph), xs, strict, create_graph, "back")
    return _result(ys, is_tuple_out, create_graph), _result(found, is_tuple_in, create_graph)


def jvp(
    func: Callable[..., Any],
    inputs: Tensor | tuple[Tensor, ...],
    v: Tensor | tuple[Tensor, ...] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(inputs), J v)``: the Jacobian-vector product, shaped as the output. ``v`` is
    shaped as the inputs; it may be left out only when the input is one Tensor with one element.
    Computed by the double-backward trick (see the module's docstring), as PyTorch does."""
    is_tuple_in, xs = _preprocessed(inputs, "inputs", "jvp", create_graph, need_graph=True)
    vs = _given_v(v, xs, is_tuple_in, "jvp", create_graph)
    with enable_grad():
        outputs = func(*xs)
        is_tuple_out, ys = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        _check_requires_grad(ys, "outputs", strict)
        # g(u) = J^T u is linear in u, so u's value does not matter: zeros
        us = tuple(y.detach().new_zeros(y.shape).requires_grad_() for y in ys)
        grad_inputs = _vjp(ys, xs, us, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with enable_grad() if create_graph else contextlib.nullcontext():
        found = _vjp(grad_inputs, us, vs, create_graph)
    found = _fill_in_zeros(found, ys, strict, create_graph, "back_trick")
    return _result(ys, is_tuple_out, create_graph), _result(found, is_tuple_out, create_graph)


def vhp(
    func: Callable[..., Any],
    inputs: Tensor | tuple[Tensor, ...],
    v: Tensor | tuple[Tensor, ...] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(inputs), v^T H)`` for a ``func`` that returns one Tensor with one element: the
    vector-Hessian product, shaped as the inputs, one backward pass through the recorded
    gradient. ``v`` is shaped as the inputs (optional only for a one-element input)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(
    func: Callable[..., Any],
    inputs: Tensor | tuple[Tensor, ...],
    v: Tensor | tuple[Tensor, ...] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(inputs), H v)``, by the double-backward trick applied to the gradient (one order
    more than ``vhp``, which gives the same values where the Hessian is symmetric)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(
    func: Callable[..., Any],
    inputs: Any,
    v: Any,
    create_graph: bool,
    strict: bool,
    name: str,
) -> tuple[Any, Any]:
    is_tuple_in, xs = _preprocessed(inputs, "inputs", name, create_graph, need_graph=True)
    vs = _given_v(v, xs, is_tuple_in, name, create_graph)
    with enable_grad():
        outputs = func(*xs)
        is_tuple_out, ys = _as_tuple(outputs, "outputs of the user-provided function", name)
        _check_requires_grad(ys, "outputs", strict)
        if is_tuple_out:
            raise RuntimeError(f"The function given to {name} should return a single Tensor")
        if ys[0].numel() != 1:
            raise RuntimeError(
                f"The Tensor returned by the function given to {name} should contain a single "
                "element"
            )
        jac = _vjp(ys, xs, (None,), create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        if name == "hvp":  # the gradient's vjp with a gradient w, linear in w (see jvp)
            ws = tuple(x.detach().new_zeros(x.shape).requires_grad_() for x in xs)
            jac, xs_or_ws, stage = _vjp(jac, xs, ws, create_graph=True), ws, "double_back_trick"
        else:
            xs_or_ws, stage = xs, "double_back"
    with enable_grad() if create_graph else contextlib.nullcontext():
        found = _vjp(jac, xs_or_ws, vs, create_graph)
    found = _fill_in_zeros(found, xs, strict, create_graph, stage)
    return _result(ys, is_tuple_out, create_graph), _result(found, is_tuple_in, create_graph)


def _as_tuple(value: Any, what: str, owner: str) -> tuple[bool, tuple[Tensor, ...]]:
    """PyTorch's: (whether a tuple was given, the Tensors as a tuple). Only a tuple is a tuple."""
    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for index, element in enumerate(values):
        if not isinstance(element, Tensor):
            where = f"value at index {index}" if is_tuple else f"given {what}"
            raise TypeError(
                f"The {what} given to {owner} must be either a Tensor or a tuple of Tensors but "
                f"the {where} has type {type(element)}."
            )
    return is_tuple, values


def _preprocessed(
    value: Any, what: str, owner: str, create_graph: bool, need_graph: bool
) -> tuple[bool, tuple[Tensor, ...]]:
    """Fresh tensors: linked to the given ones (a recorded reshape) when ``create_graph`` and
    they require grad, so the results can be differentiated back to them; detached otherwise
    (requiring grad when ``need_graph``)."""
    is_tuple, values = _as_tuple(value, what, owner)
    fresh = []
    for x in values:
        if create_graph and x.requires_grad:
            with enable_grad():
                fresh.append(x.reshape(x.shape))
        else:
            fresh.append(x.detach().requires_grad_(need_graph))
    return is_tuple, tuple(fresh)


def _given_v(
    v: Any, xs: tuple[Tensor, ...], is_tuple_in: bool, owner: str, create_graph: bool
) -> tuple[Tensor | None, ...]:
    """The vector multiplying an input-shaped side (jvp, vhp, hvp)."""
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a "
                "single Tensor with a single element."
            )
        return (None,)
    _, vs = _preprocessed(v, "v", owner, create_graph, need_graph=False)
    _validate_v(vs, xs, is_tuple_in)
    return vs


def _validate_v(vs: tuple[Tensor, ...], others: tuple[Tensor, ...], is_tuple: bool) -> None:
    if len(vs) != len(others):
        if is_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(others)} but got {len(vs)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for index, (v, other) in enumerate(zip(vs, others)):
        if tuple(v.shape) != tuple(other.shape):
            prefix = f"Entry {index} in " if is_tuple else ""
            raise RuntimeError(
                f"{prefix}v has invalid size: should be {tuple(other.shape)} but got "
                f"{tuple(v.shape)}."
            )


def _check_requires_grad(values: tuple[Tensor | None, ...], kind: str, strict: bool) -> None:
    """PyTorch's strict-mode checks, with its messages."""
    if not strict:
        return
    for i, value in enumerate(values):
        if value is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. This "
                "is not allowed in strict mode."
            )
        if value.requires_grad:
            continue
        if kind == "jacobian":
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided "
                f"function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example)."
            )
        if kind == "grad_inputs":
            raise RuntimeError(
                f"The gradient with respect to input {i} is independent of the inputs of the "
                "user-provided function. This is not allowed in strict mode."
            )
        raise RuntimeError(
            f"Output {i} of the user-provided function does not require gradients. The outputs "
            "must be computed in a differentiable manner from the input when running in strict "
            "mode."
        )


def _vjp(
    outputs: tuple[Tensor | None, ...],
    inputs: tuple[Tensor, ...],
    vs: tuple[Tensor | None, ...],
    create_graph: bool,
) -> tuple[Tensor | None, ...]:
    """sum_i v_i^T d output_i / d inputs (None for an input no output reaches); an output that
    is None or needs no grad is left out. A v that is None stands for 1 (a one-element output).

    With ``create_graph`` the product is taken as the backward pass of the recorded scalar
    sum_i sum(output_i * v_i): ``grad`` copies the gradients it is given (a ``.grad`` never
    aliases user data), which would cut the product off from v's own graph, and the double-
    backward trick needs the result to be differentiable in v."""
    pairs = [  # v in the output's dtype, as PyTorch casts it
        (y, v if v is None or v.dtype == y.dtype else v.to(y.dtype))
        for y, v in zip(outputs, vs)
        if y is not None and y.requires_grad
    ]
    if not pairs:
        return (None,) * len(inputs)
    if create_graph:
        with enable_grad():
            terms = [y.sum() if v is None else (y * v).sum() for y, v in pairs]
            root = terms[0]
            for term in terms[1:]:
                root = root + term
        return grad(root, inputs, create_graph=True, allow_unused=True)
    ys, gs = zip(*pairs)
    return grad(list(ys), list(inputs), list(gs), allow_unused=True)


_STRICT_NONE = {
    "back": "The output of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
    "grad_outputs when using the double backward trick to compute forward mode gradients. This "
    "is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} "
    "in the grad_jacobian. This is not allowed in strict mode as it prevents from using the "
    "double backward trick to replace forward mode AD.",
}


def _fill_in_zeros(
    found: tuple[Tensor | None, ...],
    refs: tuple[Tensor, ...],
    strict: bool,
    create_graph: bool,
    stage: str,
) -> tuple[Tensor, ...]:
    """Zeros shaped as ``refs[i]`` where a product is None (``strict``: PyTorch's error)."""
    filled = []
    for i, g in enumerate(found):
        if g is None:
            if strict:
                raise RuntimeError(_STRICT_NONE[stage].format(i=i))
            g = refs[i].detach().new_zeros(refs[i].shape)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. This "
                "is not allowed in strict mode when create_graph=True."
            )
        filled.append(g)
    return tuple(filled)


def _result(values: tuple[Tensor, ...], is_tuple: bool, create_graph: bool) -> Any:
    """Detached unless ``create_graph``; a tuple only if one was given."""
    if not create_graph:
        values = tuple(value.detach() for value in values)
    return values if is_tuple else values[0]

"""PyTorch's form of a custom autograd Function, adapted onto minigrad's ``Function``.

A class that defines ``forward(ctx, ...)`` and ``backward(ctx, grad_output)`` as static methods
(PyTorch's "Extending torch.autograd" form) is rewritten, when it is defined, into a minigrad
Function whose instance is the ``ctx`` (``Function.__init_subclass__`` calls
``adapt_ctx_style``). minigrad's own form, ``forward(self, *arrays)`` beside
``backward(self, grad, z, *inputs)``, is the engine's (``autograd.py``); this module only
translates.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

from . import tensor as _tensor
from .autograd import Function, no_grad, value
from .backend import device_of_array


def adapt_ctx_style(cls: type[Function]) -> None:
    """Let PyTorch's "defining new autograd functions" form run as a minigrad Function::

        class MyReLU(minigrad.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clamp(min=0)

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                return grad_output * (x > 0)

    The Function instance is the ``ctx``. Its forward gets Tensors (computed with no graph) and
    its backward gets the output's gradient as a Tensor, and returns one gradient per forward
    argument (None for non-tensors), as in PyTorch. ``apply`` takes keyword arguments as
    PyTorch's does (bound to forward's parameters). The ctx has PyTorch's
    ``save_for_backward``/``saved_tensors``, ``needs_input_grad`` (in forward and backward),
    ``mark_non_differentiable`` and ``set_materialize_grads``.

    What differs: a minigrad Function has one output, so a forward that returns a tuple is
    refused (a non-Tensor result is handed back as it is, with no graph, as PyTorch does). And
    first derivatives only: the saved tensors are not part of a recorded backward, so
    ``create_graph=True`` through it is refused, except for a backward marked
    ``@once_differentiable``, whose gradients are then constants that refuse to be
    differentiated again, as PyTorch's.
    """
    user_forward, user_backward = cls.__dict__["forward"].__func__, cls.__dict__["backward"]
    user_backward = getattr(user_backward, "__func__", user_backward)
    once = getattr(user_backward, "_once_differentiable", False)
    signature = inspect.signature(user_forward)

    def forward(self: Any, *arrays: Any, arguments: tuple, positions: tuple) -> Any:
        device = device_of_array(arrays[0])
        given = list(arguments)
        for position, array in zip(positions, arrays):
            given[position] = _tensor.Tensor._wrap(array, device)
        self.device, self.positions, self.argument_count = device, positions, len(arguments)
        out = _ctx_forward(self, user_forward, arguments, given)
        if isinstance(out, _tensor.Tensor):
            self.non_differentiable = any(out is marked for marked in self._marked)
            self._marked = ()
            return out.data
        _CtxStyle.plain.append(out)  # handed back by apply, with no graph, as PyTorch does
        return self.xp.zeros(())

    def backward(self: Any, grad: Any, z: Any, *inputs: Any) -> Any:
        recording = isinstance(grad, _tensor.Tensor)
        if recording and not once:
            raise RuntimeError(
                f"{cls.__name__}: a ctx-style Function (PyTorch's form) gives first derivatives "
                "only; write it as a minigrad Function (forward and backward methods, "
                "docs/engine.md) to differentiate through its backward, or mark its backward "
                "@once_differentiable if its gradients need no derivatives"
            )
        needs = [False] * self.argument_count  # PyTorch's: one per forward argument
        for position, needed in zip(self.positions, self.needs_input_grad):
            needs[position] = needed
        self.needs_input_grad = tuple(needs)
        with no_grad():
            grads = user_backward(self, _tensor.Tensor._wrap(value(grad), self.device))
        grads = grads if isinstance(grads, tuple) else (grads,)
        count = self.argument_count
        if len(grads) < count or any(g is not None for g in grads[count:]):
            raise RuntimeError(
                f"function {cls.__name__}Backward returned an incorrect number of gradients "
                f"(expected {count}, got {len(grads)})"
            )
        picked = [grads[p] for p in self.positions]
        if recording:  # @once_differentiable under create_graph: constants that refuse to be
            return tuple(None if g is None else _OnceDifferentiated.apply(g, grad) for g in picked)
        return tuple(g.data if isinstance(g, _tensor.Tensor) else g for g in picked)

    @classmethod  # type: ignore[misc]
    def apply(klass: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs:  # bound to forward's parameters, as PyTorch's apply does
            args = _bound_arguments(cls, signature, args, kwargs)
        positions = tuple(i for i, a in enumerate(args) if isinstance(a, _tensor.Tensor))
        if not positions:  # nothing to differentiate: forward alone, as PyTorch does
            ctx = klass.__new__(klass)
            ctx.device = None
            return _ctx_forward(ctx, user_forward, args, list(args))
        tensors = [args[i] for i in positions]
        depth = len(_CtxStyle.plain)
        out = Function.apply.__func__(  # type: ignore[attr-defined]
            klass, *tensors, arguments=args, positions=positions
        )
        if len(_CtxStyle.plain) > depth:  # forward returned something other than a Tensor
            return _CtxStyle.plain.pop()
        if out.requires_grad and getattr(out._ctx, "non_differentiable", False):
            return out.detach()  # PyTorch's non-differentiable output: requires_grad=False
        return out

    cls.forward, cls.backward = forward, backward  # type: ignore[method-assign, assignment]
    cls.apply = apply  # type: ignore[method-assign, assignment]
    for name, method in _CTX_METHODS.items():
        setattr(cls, name, method)
    cls.reads_inputs, cls.reads_output = None, True  # saved tensors may be any of them


class _CtxStylePlain(threading.local):
    """Results of ctx-style forwards that are not Tensors, on their way from the forward that
    Function.apply runs to the adapter's apply (a stack: a forward may call other Functions)."""

    def __init__(self) -> None:
        self.plain: list[Any] = []


_CtxStyle = _CtxStylePlain()


def _ctx_forward(ctx: Any, user_forward: Any, arguments: tuple, given: list) -> Any:
    """Run a ctx-style forward with no graph; PyTorch's ctx state is set up first."""
    ctx.saved_tensors, ctx._marked, ctx.materialize_grads = (), (), True
    ctx.needs_input_grad = tuple(
        isinstance(a, _tensor.Tensor) and a.requires_grad for a in arguments
    )
    with no_grad():
        out = user_forward(ctx, *given)
    if isinstance(out, (tuple, list)):
        raise NotImplementedError(
            f"{type(ctx).__name__}.forward returned a {type(out).__name__}: a minigrad Function "
            "has one output, so PyTorch's several outputs are not supported; return one Tensor "
            "(split the work into one Function per output)"
        )
    return out


def _bound_arguments(cls: type, signature: inspect.Signature, args: tuple, kwargs: dict) -> tuple:
    """``apply``'s arguments bound to ``forward(ctx, ...)``, in forward's order."""
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError as error:
        raise TypeError(f"{cls.__name__}.apply: {error}") from None
    if bound.kwargs:
        raise NotImplementedError(
            f"{cls.__name__}.apply: keyword-only arguments of forward ({', '.join(bound.kwargs)}) "
            "are not supported; make them positional-or-keyword parameters"
        )
    return tuple(bound.args[1:])


def _save_for_backward(ctx: Any, *tensors: Any) -> None:
    """Keep ``tensors`` (or None) for backward; PyTorch checks them only when a graph is made."""
    for index, tensor in enumerate(tensors if any(ctx.needs_input_grad) else ()):
        if tensor is not None and not isinstance(tensor, _tensor.Tensor):
            raise TypeError(
                "save_for_backward can only save variables, but argument "
                f"{index} is of type {type(tensor).__name__}"
            )
    ctx.saved_tensors = tensors


def _mark_non_differentiable(ctx: Any, *tensors: Any) -> None:
    """The outputs among ``tensors`` will not require grad (PyTorch's ctx method)."""
    ctx._marked = ctx._marked + tensors


def _set_materialize_grads(ctx: Any, value: bool) -> None:
    """PyTorch's switch for undefined output gradients (None instead of zeros). minigrad's
    Function has one output and calls backward only when a gradient reaches it, so the
    gradient is always a Tensor either way; the setting is kept for code that sets it."""
    ctx.materialize_grads = bool(value)


_CTX_METHODS = {
    "save_for_backward": _save_for_backward,
    "mark_non_differentiable": _mark_non_differentiable,
    "set_materialize_grads": _set_materialize_grads,
}


class _OnceDifferentiated(Function):
    """The gradient a ``@once_differentiable`` backward gave in a recorded backward pass: its
    value, linked to the incoming gradient only to refuse a derivative, as PyTorch's
    DelayedError does."""

    def forward(self, g, incoming):
        return g

    def backward(self, grad, z, g, incoming):
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with @once_differentiable"
        )

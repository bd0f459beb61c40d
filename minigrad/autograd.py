"""The autograd core: how a graph is recorded and how gradients flow back through it.

Read this file top to bottom; it is the whole engine.

* Every differentiable op is a ``Function`` subclass with two methods side by side:
  ``forward`` computes the value from raw arrays, ``backward`` turns the gradient of the output
  into gradients of the inputs.
* ``Function.apply`` runs ``forward`` and, when some input requires grad, links the output to
  the Function (``output._ctx``) and the Function to its inputs. That chain is the graph.
* ``run_backward`` visits the graph from the latest recorded op back (``apply`` numbers the ops
  it records, and an op is always recorded after the ops that made its inputs, so no op is
  visited before every op that used its output) and adds up the gradients that meet at a tensor.
  A heap, never recursion: a 100,000-op chain works.
  Broadcasting is undone here, once, for every op: a gradient is summed back to its input's shape.
* One ``backward`` serves two purposes. An ordinary ``loss.backward()`` calls it with raw arrays
  (the gradient, the output and the inputs), so the backward pass costs what hand-written NumPy
  costs. With ``create_graph=True`` it calls the same code with Tensors, so the backward pass is
  itself recorded and can be differentiated again. That works because a backward uses only
  what arrays and Tensors share: operators, methods such as ``.sum`` and ``.reshape``, and
  ``SomeFunction.apply``, which on raw arrays simply computes the forward.

* ``backward`` (what ``Tensor.backward`` calls) adds each leaf's gradient into ``.grad``;
  ``grad`` returns them instead. A callback queued with ``run_after_backward`` runs once every
  ``.grad`` is written (``DistributedDataParallel`` averages the gradients across processes there).

Reference cycles would keep graphs alive until Python's cycle collector runs, so a Function keeps
its output's *array* (all that backward needs), never the output Tensor: the output points to the
Function, never the reverse.
"""

from __future__ import annotations

import functools
import gc
import heapq
import inspect
import itertools
import os
import threading
import traceback
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .backend import (
    float_errors_ignored,
    get_array_module,
    ignore_float_errors,
    restore_float_errors,
)
from .checks import ShapeError

if TYPE_CHECKING:
    from .tensor import Tensor


class _GradModeState(threading.local):
    enabled = True  # each thread starts recording, and switches only its own mode (PyTorch's)


_GradMode = _GradModeState()
# How many threads have recording off: 0 in a plain training loop, so that an op checks one
# global instead of this thread's mode (a thread-local read costs a few percent per op).
_threads_not_recording = 0
_count_lock = threading.Lock()
_sequence = itertools.count()


def _set_mode(enabled: bool) -> bool:
    """Switch this thread's recording on or off; return its previous mode."""
    global _threads_not_recording
    previous = _GradMode.enabled
    if previous != enabled:
        with _count_lock:
            _threads_not_recording += -1 if enabled else 1
        _GradMode.enabled = enabled
    return previous


def is_grad_enabled() -> bool:
    """Whether new operations are recorded for backward (in this thread)."""
    return _threads_not_recording == 0 or _GradMode.enabled


class _GradModeContext:
    """Recording on or off inside a ``with`` block, or inside every call of a decorated function."""

    mode: bool

    def __enter__(self) -> None:
        self.previous = _set_mode(self.mode)

    def __exit__(self, *exc: object) -> None:
        _set_mode(self.previous)

    def __call__(self, function: Any) -> Any:
        mode = self.mode

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _Switch(mode):  # a fresh context per call, so calls can nest
                return function(*args, **kwargs)

        wrapper.__name__ = getattr(function, "__name__", "wrapper")
        wrapper.__doc__ = getattr(function, "__doc__", None)
        return wrapper


class _Switch(_GradModeContext):
    def __init__(self, mode: bool) -> None:
        self.mode = mode


class no_grad(_GradModeContext):
    """``with minigrad.no_grad():`` records no graph; results do not require grad."""

    mode = False


class inference_mode(_GradModeContext):
    """PyTorch's ``inference_mode``: here the same as ``no_grad`` (minigrad has no lighter
    tensors to make), as ``with minigrad.inference_mode():``, ``@minigrad.inference_mode()`` or
    ``@minigrad.inference_mode``; ``inference_mode(False)`` leaves recording as it is on."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # used bare as a decorator: mode is the function
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode: mode must be a bool, got {mode!r}")
        self.mode = False
        self.active = mode

    def __enter__(self) -> None:
        self.previous = _set_mode(False if self.active else _GradMode.enabled)

    def __call__(self, function: Any) -> Any:
        return super().__call__(function) if self.active else function


class enable_grad(_GradModeContext):
    """Turns recording back on inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` switches recording off at once, as PyTorch's does; used as
    ``with set_grad_enabled(mode):`` the previous mode comes back at the end of the block."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.previous = _set_mode(self.mode)

    def __enter__(self) -> None:
        pass  # switched already, in __init__

    def __call__(self, function: Any) -> Any:
        _set_mode(self.previous)  # as a decorator it must not switch at definition
        return super().__call__(function)


class detect_anomaly:
    """Context manager: stop at the first op whose result (forward) or gradient (backward) holds
    NaN or inf, with an error naming the op, its input shapes and the line of user code that
    created it. Slower (every result is checked and every op remembers where it was made), so
    use it to hunt a NaN, not for every run."""

    enabled = False
    in_backward = False  # ops run by a backward are reported as that backward's failure

    def __enter__(self) -> None:
        self.previous = detect_anomaly.enabled
        detect_anomaly.enabled = True

    def __exit__(self, *exc: object) -> None:
        detect_anomaly.enabled = self.previous


def _user_frame() -> str:
    """'file:line in function' of the innermost caller outside minigrad itself."""
    package = os.path.dirname(os.path.abspath(__file__))
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(package + os.sep):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "<unknown>"


def _check_finite(fn: Function, array: Any, inputs: Sequence[Any], what: str) -> None:
    xp = fn.xp
    if array.dtype.kind in "fc" and not bool(xp.isfinite(array).all()):
        shapes = ", ".join(str(tuple(t.shape)) for t in inputs)
        where = getattr(fn, "created_at", None) or _user_frame()
        raise FloatingPointError(
            f"detect_anomaly: {type(fn).__name__} produced NaN or inf in its {what} "
            f"(input shapes {shapes}); the op was created at {where}"
        )


class Function:
    """One differentiable operation. Subclasses define ``forward`` and ``backward``.

    ``forward(*arrays, **params)`` gets the inputs' raw arrays and returns the output array. It may
    keep what backward needs on ``self``. ``self.xp`` is the array module of the inputs' device.

    ``backward(grad, z, *inputs)`` gets the gradient of the output, the output ``z`` and the
    inputs, and returns one gradient per input (None for an input that needs none: the engine
    sets ``self.needs_input_grad``, one bool per input, just before it calls backward). They
    are all raw arrays, or all Tensors when the backward pass is being recorded
    (``create_graph=True``), so write it with what both have in common: operators, ``.sum``,
    ``.reshape``, ``.T``, indexing, and other Functions' ``apply``. The gradients may have the
    broadcast shape; the engine sums them back to each input's shape.
    """

    inputs: tuple[Tensor, ...]  # set to None once a backward has freed the graph
    result: Any  # the output's array
    writes_before: int  # in-place writes made before this op was recorded (see mark_written)
    sequence: int  # the order apply recorded it in: backward takes the latest first
    # What backward reads, so that an in-place change to it can be caught (see mark_written):
    # the positions of the inputs whose values it uses, and whether it uses the output's. A
    # Function that only needs shapes reads neither. The default assumes everything is read.
    reads_inputs: tuple[int, ...] | None = None  # None: every input
    reads_output: bool = True
    xp: Any  # the inputs' array module (numpy or cupy), set by apply
    created_at: str  # where the op was called from, set only under detect_anomaly
    needs_input_grad: tuple[bool, ...]  # set by run_backward, where the collector is paused

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Refuse, where the class is written, a backward with the wrong signature rather than
        fail inside a backward pass. PyTorch's form (static ``forward(ctx, ...)`` and
        ``backward(ctx, grad_output)``) is accepted and adapted (see ``custom_function.py``)."""
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            # PyTorch's form lives in its own module (custom_function.py), which builds on this
            # one: imported here, when the first such class is defined, not at the top
            from .custom_function import adapt_ctx_style

            adapt_ctx_style(cls)
            return
        backward = cls.__dict__.get("backward")
        if backward is None:
            return
        kinds = [p.kind for p in inspect.signature(backward).parameters.values()]
        positional = kinds.count(inspect.Parameter.POSITIONAL_OR_KEYWORD)
        if positional < 3 and inspect.Parameter.VAR_POSITIONAL not in kinds:
            raise TypeError(
                f"{cls.__name__}.backward must take (self, grad, z, *inputs): the output's "
                "gradient, the output and the inputs, e.g. def backward(self, grad, z, a, b)"
            )

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run ``forward`` on the inputs' arrays and, if needed, record this op in the graph.

        Given raw arrays instead of Tensors (as a backward is when nothing records it), just
        compute the forward and return its array.
        """
        if not isinstance(inputs[0], _tensor.Tensor):  # in a backward: warnings are off already
            fn = cls.__new__(cls)
            fn.xp = get_array_module(inputs[0])
            return fn.forward(*inputs, **params)
        device = inputs[0].device
        requires_grad = False
        for t in inputs:
            if t.device is not device:
                raise RuntimeError(
                    f"{cls.__name__.lower()}: inputs are on different devices "
                    f"({device} and {t.device}); move one with .to('{device}')"
                )
            requires_grad = requires_grad or t.requires_grad
        fn = cls.__new__(cls)
        fn.xp = device.xp
        token = ignore_float_errors()  # inf and NaN are results here, not warnings (backend.py)
        try:
            data = fn.forward(*[t.data for t in inputs], **params)
        finally:
            restore_float_errors(token)
        if isinstance(data, np.generic):
            data = fn.xp.asarray(data)  # NumPy turns 0-d results into scalars; keep arrays
        if detect_anomaly.enabled and not detect_anomaly.in_backward:
            _check_finite(fn, data, inputs, "forward result")
            fn.created_at = _user_frame()
        requires_grad = requires_grad and (_threads_not_recording == 0 or _GradMode.enabled)
        out = _tensor.Tensor._wrap(data, device, requires_grad)
        if requires_grad:
            fn.inputs = inputs
            fn.result = data  # the array, not `out`: out -> fn -> out would be a cycle
            fn.writes_before = _InPlace.writes
            fn.sequence = next(_sequence)
            out._ctx = fn
        return out

    def forward(self, *arrays: Any, **params: Any) -> Any:
        raise NotImplementedError

    def backward(self, grad: Any, z: Any, *inputs: Any) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """``torch.autograd.function.once_differentiable``: mark a ctx-style ``backward`` (under
    its ``@staticmethod``) as not differentiable itself. It runs with no graph; in a recorded
    backward pass (``create_graph=True``) its gradients are handed on, and a derivative through
    them raises, where an unmarked ctx-style backward refuses ``create_graph`` outright."""

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grad_outputs: Any) -> Any:
        with no_grad():
            return backward(ctx, *grad_outputs)

    wrapper._once_differentiable = True  # type: ignore[attr-defined]
    return wrapper


def constant(array: Any, like: Any) -> Any:
    """A plain array (a mask, a one-hot matrix) as a value a backward can combine with ``like``:
    the array itself when backward runs on arrays, a Tensor that needs no grad when it runs on
    Tensors."""
    if isinstance(like, _tensor.Tensor):
        return _tensor.Tensor._wrap(array, like.device)
    return array


def value(x: Any) -> Any:
    """The raw array behind ``x``, whether backward was given arrays or Tensors: for a backward
    that computes a piecewise-constant factor (a sign, a mask), which needs no graph."""
    return x.data if isinstance(x, _tensor.Tensor) else x


# ---- in-place writes: PyTorch's version counters ------------------------------------------------
class _InPlace:
    writes = 0  # in-place writes so far, in all of minigrad
    written: dict[int, int] = {}  # id of an array's memory owner -> index of its latest write


def _memory_owner(array: Any) -> Any:
    """The array that owns ``array``'s memory: a view and its base share one owner."""
    return array if array.base is None else array.base


def mark_written(tensor: Tensor) -> None:
    """Record that ``tensor``'s memory was just changed in place.

    Every in-place write that goes through minigrad calls this: ``__setitem__``, the in-place
    operators, optimizer and penalty updates, ``nn.init``, ``load_state_dict``. It bumps the
    tensor's ``_version`` (as PyTorch's counter) and stamps its memory with the write's index,
    so that a backward reading that memory through an op recorded before the write raises
    instead of computing with the new values. Views and ``detach()`` share memory, so they are
    caught too.
    """
    tensor._version += 1
    _InPlace.written[id(_memory_owner(tensor.data))] = _InPlace.writes
    _InPlace.writes += 1


def _check_not_written(fn: Function) -> None:
    """Raise if memory that ``fn.backward`` reads was written in place after ``fn`` ran."""
    written = _InPlace.written

    def changed(array: Any) -> bool:
        return written.get(id(_memory_owner(array)), -1) >= fn.writes_before

    name = type(fn).__name__
    reads = range(len(fn.inputs)) if fn.reads_inputs is None else fn.reads_inputs
    for position in reads:
        tensor = fn.inputs[position]
        if changed(tensor.data):
            raise RuntimeError(
                f"backward: input {position} of {name} (shape {tuple(tensor.shape)}, now at "
                f"version {tensor._version}) was modified in place after {name} used it, "
                "directly or through a tensor sharing its memory (a view, detach()); its "
                f"gradient needs the old values. {_IN_PLACE_ADVICE}"
            )
    if fn.reads_output and changed(fn.result):
        raise RuntimeError(
            f"backward: the output of {name} (shape {tuple(fn.result.shape)}) was modified in "
            f"place after {name} computed it, and {name}'s gradient is computed from it. "
            f"{_IN_PLACE_ADVICE}"
        )


_IN_PLACE_ADVICE = (
    "Make a new tensor instead (x = x * 2 rather than x *= 2 or x[i] = ...), or make the change "
    "after backward()"
)


# ---- the engine's own Functions: undoing broadcasting (SumTo), and its adjoint -----------------
class BroadcastTo(Function):
    """z = a repeated along new or size-1 axes;  dz/da sums the gradient over the copies"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, shape):
        return self.xp.broadcast_to(a, shape)

    def backward(self, grad, z, a):
        return SumTo.apply(grad, shape=a.shape)


class SumTo(Function):
    """z = a summed down to ``shape`` (undoes broadcasting);  the gradient is broadcast back"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, shape):
        leading = a.ndim - len(shape)
        axes = tuple(range(leading)) + tuple(
            leading + i for i, n in enumerate(shape) if n == 1 and a.shape[leading + i] != 1
        )
        return a.sum(axis=axes, keepdims=True).reshape(shape)

    def backward(self, grad, z, a):
        return BroadcastTo.apply(grad, shape=a.shape)


def topological_order(root: Function) -> list[Function]:
    """The Functions reachable from ``root``, each before the Functions that made its inputs:
    the order ``run_backward`` takes them in (it takes only those a gradient reaches).

    No search for an order is needed. ``apply`` numbers the Functions as it records them
    (``sequence``), and an op's inputs exist before the op does, so every Function's number is
    larger than the numbers of the Functions that made its inputs: latest first is a valid order.
    """
    order, seen = [root], {id(root)}
    for fn in order:  # the list grows as the walk goes: no recursion, no explicit stack
        if fn.inputs is None:
            raise _freed_graph_error()
        for tensor in fn.inputs:
            parent = tensor._ctx
            if parent is not None and id(parent) not in seen:
                seen.add(id(parent))
                order.append(parent)
    return sorted(order, key=lambda fn: fn.sequence, reverse=True)


class cycle_collector_paused:
    """Keep Python's cycle collector out of the backward pass.

    A backward pass allocates a few small objects per op while the whole graph is alive, and
    the collector, triggered by allocation counts, walks every live object of that graph again
    and again: a 100,000-op backward spent a third of its time there. Nothing the engine makes
    here forms a reference cycle (that is why a Function keeps its output's array, not the output),
    so there is nothing for the collector to find; it is switched back on afterwards if it was on.
    """

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was_enabled:
            gc.enable()


class IndexedGrad:
    """A gradient that is zero except at ``index``, where it is ``values``: what indexing's
    backward hands the engine on arrays (``GetItem``), instead of a full-size array.

    A tensor read slice by slice (an RNN taking x[t] at each of T steps) would otherwise get T
    full-size gradients, mostly zeros, and T full-size additions: O(T^2) work. The engine adds
    each slice into one buffer of its own instead (``_accumulate``): O(T).
    """

    __slots__ = ("index", "values", "repeats")

    def __init__(self, index: Any, values: Any, repeats: bool) -> None:
        self.index, self.values, self.repeats = index, values, repeats

    def add_into(self, buffer: Any, xp: Any) -> None:
        if self.repeats:  # integer arrays may name one place twice: each adds
            from .backend import scatter_add

            scatter_add(xp, buffer, self.index, self.values)
        else:
            buffer[self.index] += self.values


def _accumulate(grads: dict, owned: set, key: int, g: Any, tensor: Tensor) -> None:
    """grads[key] += g, adding in place into buffers the engine made itself (``owned``): those
    alias nothing, where a gradient an op returned may be shared (add passes one to both)."""
    previous = grads.get(key)
    if type(g) is IndexedGrad:
        if key not in owned:
            xp = tensor.device.xp
            data = tensor.data
            buffer = xp.zeros(data.shape, data.dtype) if previous is None else previous.copy()
            grads[key], previous = buffer, buffer
            owned.add(key)
        g.add_into(previous, tensor.device.xp)
    elif previous is None:
        grads[key] = g
    elif key in owned:
        previous += g
    else:
        grads[key] = previous + g


def run_backward(
    root: Tensor,
    grad: Tensor,
    retain_graph: bool = False,
    create_graph: bool = False,
    inputs: Iterable[Tensor] | None = None,
) -> dict[int, tuple[Tensor, Any]]:
    """Backpropagate ``grad`` from ``root``; return ``{id(leaf): (leaf, gradient)}``.

    The gradients are Tensors when the backward pass is recorded (``create_graph``), raw arrays
    otherwise. With ``inputs`` given, the gradients of those (non-leaf) tensors are returned
    too. Nothing is written to ``.grad`` here: ``Tensor.backward`` and ``minigrad.grad`` decide.
    """
    if not create_graph:
        grad = grad.data  # see the module docstring: the backward pass runs on raw arrays
    if root._ctx is None:
        return {id(root): (root, _hooked(root, grad, root.device, create_graph))}
    # Gradients are summed per node: a leaf tensor, or the Function that made a result (a
    # Function's output is known by its Function; it keeps only the output's array).
    wanted = {_node(t) for t in inputs} if inputs is not None else set()
    grads: dict[int, Any] = {id(root._ctx): grad}  # d(root)/d(node), summed over paths so far
    owned: set[int] = set()  # nodes whose gradient is a buffer made here (see _accumulate)
    returned: dict[int, Tensor] = {}  # the tensors whose gradients we hand back, by node
    if id(root._ctx) in wanted:  # d(root)/d(root): the seed itself, as in PyTorch
        returned[id(root._ctx)] = root
    # The IEEE results a backward makes (log's gradient 1/a at a = 0 is inf) are not warnings,
    # as in forward (see backend.py); detect_anomaly is the tool for hunting them.
    with set_grad_enabled(create_graph), cycle_collector_paused(), float_errors_ignored():
        # Latest recorded first (see topological_order): when a Function leaves the heap, every
        # op that used its output is done, so its output's gradient is complete. Only Functions
        # a gradient reaches enter the heap.
        if root._ctx.inputs is None:
            raise _freed_graph_error()
        ready = [(-root._ctx.sequence, root._ctx)]
        done: list[Function] = []
        # read once: the loop runs per op
        writes, hooks, anomaly = _InPlace.writes, _Hooks.active, detect_anomaly.enabled
        while ready:
            fn = heapq.heappop(ready)[1]
            done.append(fn)
            key = id(fn)
            out_grad = grads.get(key) if key in wanted else grads.pop(key)
            if hooks:  # Tensor.register_hook / retain_grad on this op's output
                out_grad = _hooked(fn, out_grad, fn.inputs[0].device, create_graph)
                if key in wanted:
                    grads[key] = out_grad
                _retain(fn, out_grad, create_graph)
            if fn.writes_before != writes:  # something was written since: look closer
                _check_not_written(fn)
            needs = fn.needs_input_grad = tuple([t.requires_grad for t in fn.inputs])
            if create_graph:
                values = (_output_tensor(fn), *fn.inputs)
            else:
                values = (fn.result, *[t.data for t in fn.inputs])
            if anomaly:
                in_grads = _anomaly_checked_backward(fn, out_grad, values)
            else:
                in_grads = fn.backward(out_grad, *values)
            if not isinstance(in_grads, (tuple, list)):
                in_grads = (in_grads,)
            for tensor, needed, g in zip(fn.inputs, needs, in_grads):
                if not needed or g is None:
                    continue
                parent = tensor._ctx
                key = id(tensor) if parent is None else id(parent)  # _node(tensor), inlined
                if parent is None or key in wanted:
                    returned[key] = tensor
                first = key not in grads
                if first and parent is not None:  # a gradient reaches parent: it joins the heap
                    if parent.inputs is None:
                        raise _freed_graph_error()
                    heapq.heappush(ready, (-parent.sequence, parent))
                if type(g) is not IndexedGrad:
                    data = tensor.data
                    if g.shape != data.shape or g.dtype != data.dtype:
                        g = _match_input(g, tensor)
                    if first:
                        grads[key] = g  # the first path in: the common case, kept short
                        continue
                _accumulate(grads, owned, key, g, tensor)
    if not retain_graph:
        for fn in done:
            # Drop what forward saved for backward too (a kept loss would hold it otherwise);
            # inputs = None makes a second backward through this graph raise a clear error.
            vars(fn).clear()
            fn.inputs = None  # type: ignore[assignment]
    found = {}
    for key, tensor in returned.items():
        g = grads[key]
        if _Hooks.active and tensor._ctx is None:  # a leaf's hooks see its whole gradient
            g = _hooked(tensor, g, tensor.device, create_graph)
        # NumPy gives 0-d results as scalars (np.float64, ...); hand back arrays, as forward does
        found[id(tensor)] = (tensor, np.asarray(g) if isinstance(g, np.generic) else g)
    return found


# ---- gradient hooks and retained gradients (Tensor.register_hook, Tensor.retain_grad) ----------
class _Hooks:
    active = False  # one check per op in backward while no tensor has a hook
    # The Function that made a result -> the hooks on that result (weak keys: they go when the
    # graph goes); a leaf's id -> its hooks (dropped when the leaf dies: a Tensor's == is
    # elementwise, so Tensors cannot be weak dict keys); a Function -> a weak reference to the
    # result that retains its gradient.
    on_result: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    on_leaf: dict[int, list] = {}
    retained: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _hooks_of(node: Any) -> list:
    if isinstance(node, Function):
        return _Hooks.on_result.get(node, [])
    return _Hooks.on_leaf.get(id(node), [])


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook off again."""

    def __init__(self, hooks: list, hook: Callable[[Tensor], Any]) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if any(hook is self._hook for hook in self._hooks):
            self._hooks.remove(self._hook)


def register_hook(tensor: Tensor, hook: Callable[[Tensor], Any]) -> RemovableHandle:
    """Call ``hook(grad)`` whenever the gradient of ``tensor`` is computed; a Tensor it returns
    replaces the gradient (PyTorch's ``Tensor.register_hook``: a window into backward)."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "register_hook: the tensor does not require grad, so no gradient reaches it"
        )
    if not callable(hook):
        raise TypeError(f"register_hook: hook must be callable, got {type(hook).__name__}")
    if tensor._ctx is not None:
        hooks = _Hooks.on_result.setdefault(tensor._ctx, [])
    elif id(tensor) in _Hooks.on_leaf:
        hooks = _Hooks.on_leaf[id(tensor)]
    else:
        hooks = _Hooks.on_leaf[id(tensor)] = []
        weakref.finalize(tensor, _Hooks.on_leaf.pop, id(tensor), None)
    hooks.append(hook)
    _Hooks.active = True
    return RemovableHandle(hooks, hook)


def retain_grad(tensor: Tensor) -> None:
    """Keep the gradient of a non-leaf ``tensor`` in its ``.grad`` (leaves keep theirs anyway)."""
    if not tensor.requires_grad:
        raise RuntimeError("retain_grad: the tensor does not require grad")
    if tensor._ctx is not None:
        _Hooks.retained[tensor._ctx] = weakref.ref(tensor)
        _Hooks.active = True


def _hooked(node: Any, grad: Any, device: Any, create_graph: bool) -> Any:
    for hook in _hooks_of(node):
        result = hook(grad if create_graph else _tensor.Tensor._wrap(grad, device))
        if result is not None:
            grad = result if create_graph else result.data
    return grad


def _retain(fn: Function, grad: Any, create_graph: bool) -> None:
    reference = _Hooks.retained.get(fn)
    tensor = reference() if reference is not None else None
    if tensor is not None:
        g = grad if create_graph else _tensor.Tensor._wrap(grad.copy(), tensor.device)
        tensor.grad = g if tensor.grad is None else tensor.grad + g


class _AfterBackward:
    queued: list[Callable[[], None]] = []


def run_after_backward(callback: Callable[[], None]) -> None:
    """Call ``callback()`` once, when the next ``Tensor.backward()`` has written every ``.grad``.

    What ``DistributedDataParallel`` uses to average the gradients across processes after the
    backward pass (its forward queues it), so that ``optimizer.step()`` needs no change.
    ``minigrad.grad`` writes no ``.grad`` and does not run it.
    """
    if not callable(callback):
        raise TypeError(f"run_after_backward: callback must be callable, got {callback!r}")
    _AfterBackward.queued.append(callback)


def _seed_gradient(output: Tensor, grad: Any, index: int = 0) -> Tensor:
    """The gradient that starts backward from ``output`` (the ``index``-th output given): 1 for
    a scalar, otherwise the user's ``grad``, of the output's shape and dtype."""
    if not isinstance(output, _tensor.Tensor):
        raise TypeError(f"backward(): output {index} is a {type(output).__name__}, not a Tensor")
    if not output.requires_grad:
        raise RuntimeError(
            f"backward(): output {index} does not require grad (no input had "
            "requires_grad=True, or it was computed under no_grad)"
        )
    if grad is None:
        if output.data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {output.shape} needs a gradient: gradients are "
                "only implicit for scalar outputs (call .sum() or .mean() first)"
            )
        return _tensor.Tensor._wrap(output.xp.ones_like(output.data), output.device)
    if isinstance(grad, _tensor.Tensor):
        if grad.dtype != output.dtype:
            raise TypeError(
                f"backward(): the gradient of output {index} has dtype {grad.dtype} and the "
                f"output {output.dtype}; they must match"
            )
    else:
        grad = _tensor.Tensor(grad, dtype=output.dtype, device=output.device)
    if grad.shape != output.shape:
        raise ShapeError(
            f"backward(): the gradient of output {index} has shape {grad.shape}, the output "
            f"{output.shape}"
        )
    if grad.device is not output.device:
        raise RuntimeError(
            f"backward(): the gradient of output {index} is on {grad.device} and the output on "
            f"{output.device}"
        )
    return _tensor.Tensor._wrap(grad.data.copy(), grad.device)  # a .grad must never alias user data


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _one_root(outputs: Any, grads: Any) -> tuple[Tensor, Tensor]:
    """The output to backpropagate from, and its seed gradient, for one output or several.

    Several outputs y_i with gradients g_i (PyTorch's ``backward([y1, y2], [g1, g2])``) are
    the scalar s = sum_i sum(g_i * y_i) with seed 1: ds/dy_i = g_i, so one pass from s gives
    every leaf the sum of the separate passes, and a graph the outputs share is walked once.
    """
    outputs = _as_tuple(outputs)
    grads = _as_tuple(grads) if grads is not None else (None,) * len(outputs)
    if not outputs:
        raise RuntimeError("backward(): no outputs given to differentiate")
    if len(grads) != len(outputs):
        raise ValueError(
            f"backward(): {len(grads)} gradients for {len(outputs)} outputs; give one per output"
        )
    seeds = [_seed_gradient(y, g, i) for i, (y, g) in enumerate(zip(outputs, grads))]
    if len(outputs) == 1:
        return outputs[0], seeds[0]
    with enable_grad():  # recorded even when backward is called under no_grad
        root = sum((y * g).sum() for y, g in zip(outputs, seeds))
    return root, _seed_gradient(root, None)


def _checked_inputs(inputs: Any, owner: str) -> tuple[Tensor, ...]:
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError(f"{owner}: inputs cannot be empty (leave it out to use every leaf)")
    for index, tensor in enumerate(inputs):
        if not isinstance(tensor, _tensor.Tensor):
            raise TypeError(
                f"{owner}: inputs must be Tensors, input {index} is a {type(tensor).__name__}"
            )
    return inputs


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """``torch.autograd.backward``: add d(tensors)/d(leaf) into ``leaf.grad`` for every leaf
    (only for ``inputs``, leaves or not, when given). ``tensor.backward(gradient)`` calls it.

    Gradients accumulate across calls (that is what ``zero_grad`` is for). With
    ``create_graph=True`` the gradients are Tensors that carry their own graph; the graph is kept
    (``retain_graph`` defaults to ``create_graph``).
    """
    root, seed = _one_root(tensors, grad_tensors)
    wanted = _checked_inputs(inputs, "backward()") if inputs is not None else None
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        warnings.warn(
            "backward(create_graph=True) stores gradients that hold their graph, and the graph "
            "holds the parameters: parameter -> .grad -> graph -> parameter is a reference "
            "cycle, freed only by Python's cycle collector. Prefer minigrad.grad(..., "
            "create_graph=True), which returns the gradients instead, or set each .grad to None "
            "when done with it.",
            stacklevel=3,
        )
    found = run_backward(root, seed, retain_graph, create_graph, wanted)
    if wanted is not None:  # only those: the other leaves' .grad stay as they are
        found = {id(t): found[id(t)] for t in wanted if id(t) in found}
    adopted: set[int] = set()
    for leaf, g in found.values():
        if not create_graph:  # g is a raw array
            g = _tensor.Tensor._wrap(_own_buffer(g, adopted), leaf.device)
        leaf.grad = g if leaf.grad is None else leaf.grad + g
    if _AfterBackward.queued:
        callbacks, _AfterBackward.queued = _AfterBackward.queued, []  # each runs once
        for callback in callbacks:
            callback()


def _own_buffer(array: Any, adopted: set[int]) -> Any:
    """``array`` itself if a ``.grad`` may keep it, else a copy.

    Each ``.grad`` must own its memory, so that updating one in place (an optimizer,
    ``zero_grad(set_to_none=False)``) changes nothing else. A gradient computed in backward is
    usually a fresh array and is kept as it is; it is copied when it is a broadcast view (stride
    0: many elements share one memory cell), read-only, or shares memory with a gradient already
    handed to another leaf (ops like add pass one gradient to both inputs).
    """
    root = array.base if array.base is not None else array
    if id(root) in adopted or 0 in array.strides or not getattr(array.flags, "writeable", True):
        array = array.copy()
        root = array
    adopted.add(id(root))
    return array


def _freed_graph_error() -> RuntimeError:
    return RuntimeError(
        "backward through a graph that was already freed: a second backward() through "
        "the same graph needs retain_graph=True on the first"
    )


def _node(tensor: Tensor) -> int:
    """The key ``run_backward`` sums a tensor's gradient under: its Function, or itself (a leaf)."""
    return id(tensor) if tensor._ctx is None else id(tensor._ctx)


def _output_tensor(fn: Function) -> Tensor:
    """``fn``'s output as a Tensor for a recorded backward: a new Tensor around the same array
    and linked to ``fn``, so gradients through it reach ``fn`` just as the original's would."""
    out = _tensor.Tensor._wrap(fn.result, fn.inputs[0].device, requires_grad=True)
    out._ctx = fn
    return out


def _anomaly_checked_backward(fn: Function, grad: Any, values: tuple) -> Any:
    """``fn.backward``, stopping at the first NaN or inf it produces (see ``detect_anomaly``)."""
    detect_anomaly.in_backward = True
    try:
        in_grads = fn.backward(grad, *values)
    finally:
        detect_anomaly.in_backward = False
    for g in in_grads if isinstance(in_grads, (tuple, list)) else (in_grads,):
        if g is not None:
            g = g.values if type(g) is IndexedGrad else g
            _check_finite(fn, value(g), fn.inputs, "backward gradient")
    return in_grads


def _match_input(grad: Any, tensor: Tensor) -> Any:
    """Sum a gradient back to its input's shape (undoing broadcasting) and match its dtype.

    The one place broadcasting is undone: no op's backward has to think about it."""
    if grad.shape != tensor.data.shape:
        grad = SumTo.apply(grad, shape=tensor.data.shape)
    if grad.dtype != tensor.data.dtype:
        grad = grad.astype(tensor.data.dtype)
    return grad


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned instead of stored in ``.grad``.

    Like ``torch.autograd.grad``: the building block of higher-order derivatives, e.g. Newton's
    method needs ``f''`` = ``grad(grad(f(x), [x], create_graph=True)[0], [x])``.
    """
    inputs = _checked_inputs(inputs, "grad")
    root, seed = _one_root(outputs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    found = run_backward(root, seed, retain_graph, create_graph, inputs)
    result = []
    for index, tensor in enumerate(inputs):
        g = found[id(tensor)][1] if id(tensor) in found else None
        if g is not None and not create_graph:
            g = _tensor.Tensor._wrap(g, tensor.device)
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {index} (shape {tensor.shape}) was not used to compute the output; "
                "pass allow_unused=True to get None for it"
            )
        result.append(g)
    return tuple(result)


# The one import cycle of the engine: tensor.py imports this module (for Function and backward),
# and this module needs Tensor only at run time, so it reaches it through its module, which is
# complete by the time any op runs. This module never imports the ops (tensor.py does, at its
# end, for its operators).
from . import tensor as _tensor  # noqa: E402

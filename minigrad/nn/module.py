"""``Module`` and ``Parameter``: how a network keeps track of its weights.

A ``Parameter`` is a Tensor that a Module should train. Assigning one to a Module attribute
registers it, and so does assigning a sub-Module (or a list of them), so that

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(2, 16)
            self.out = nn.Linear(16, 3)

        def forward(self, x):
            return self.out(self.hidden(x).relu())

    list(MLP().named_parameters())   # hidden.weight, hidden.bias, out.weight, out.bias

finds every weight with no bookkeeping by hand: the order is the order of assignment, and names
join attribute names with dots. Buffers (``register_buffer``) are tensors that belong to the
model's state but are not trained, such as BatchNorm's running statistics: they move with
``to(device)`` and are saved by ``state_dict`` alongside the parameters.

A plain Python list (or tuple) of Modules assigned to an attribute is registered too: it is
turned into a ``ModuleList``, so the attribute then holds that ModuleList (append to it, not to
the original list). A list that mixes Modules with other things is an error, since half of it
could not be registered.

``state_dict()`` returns host NumPy copies: a snapshot that later training does not change and
that ``minigrad.save`` or ``numpy.savez`` can write as it is.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..autograd import mark_written
from ..backend import Device, cpu, device_of_array, get_device, to_host
from ..checks import check_state
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a Module registers as trainable; it requires grad unless told otherwise.

    ``Parameter(tensor)`` shares the tensor's array (no copy), as in PyTorch.
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        super().__init__(data, requires_grad=requires_grad)
        if isinstance(data, Tensor):
            self.data = data.data  # shared, as documented (a Tensor() of a tensor would copy)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _is_list_of_modules(value: Any) -> bool:
    if not isinstance(value, (list, tuple)) or not value:
        return False
    modules = [isinstance(item, Module) for item in value]
    if all(modules):
        return True
    if any(modules) or any(isinstance(item, Parameter) for item in value):
        raise TypeError(
            "a list assigned to a Module attribute holds Modules or Parameters next to other "
            "things, so it cannot be registered; use nn.ModuleList for modules and one "
            "attribute per Parameter"
        )
    return False


def _host_array(value: Any) -> np.ndarray:
    """A state_dict value (NumPy array, Tensor, CuPy array or number) as a host NumPy array."""
    if isinstance(value, Tensor):
        return value.numpy()
    if isinstance(value, (np.ndarray, np.generic, int, float, list, tuple)):
        return np.asarray(value)
    if device_of_array(value) is not cpu:
        return to_host(value)
    if hasattr(value, "__array__"):  # another library's host array, e.g. a torch state_dict's
        return np.asarray(value)
    raise TypeError(f"expected an array or a Tensor, got {type(value).__name__}")


class Module:
    """Base class of every layer and model. Subclasses set attributes in ``__init__`` (after
    calling ``super().__init__()``) and define ``forward``; calling the module runs ``forward``.
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__ because our own __setattr__ needs these dicts to exist.
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- registration ---------------------------------------------------------------------------
    def _registries(self) -> tuple[dict, dict, dict]:
        try:
            return (
                self.__dict__["_parameters"],
                self.__dict__["_buffers"],
                self.__dict__["_modules"],
            )
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() at the start of __init__, "
                "before assigning parameters or sub-modules"
            ) from None

    def _forget(self, name: str, keep: dict | None = None) -> None:
        """Remove ``name`` from the registries other than ``keep``, which it is about to join.

        ``keep`` keeps its entry, so re-assigning a registered name keeps its place in the order.
        """
        self.__dict__.pop(name, None)
        for registry in self._registries():
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            parameters, _, _ = self._registries()
            self._forget(name, keep=parameters)
            self._put_parameter(name, value)
        elif isinstance(value, Module) or _is_list_of_modules(value):
            _, _, modules = self._registries()
            self._forget(name, keep=modules)
            modules[name] = value if isinstance(value, Module) else ModuleList(value)
        elif name in self.__dict__.get("_parameters", {}):
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to parameter '{name}' of "
                    f"{type(self).__name__}: wrap it in nn.Parameter (or assign None)"
                )
            self._put_parameter(name, None)
        elif name in self.__dict__.get("_buffers", {}):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to buffer '{name}' of "
                    f"{type(self).__name__}: buffers are Tensors (or None)"
                )
            self._buffers[name] = value
        elif name in self.__dict__.get("_modules", {}):
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to sub-module '{name}' of "
                    f"{type(self).__name__}: assign a Module (or None)"
                )
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def _put_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` in ``_parameters``, and as a plain attribute too: every layer reads
        its weights on every call, and a plain lookup costs 40 ns where falling back to
        ``__getattr__`` costs 600 ns. The two always change together (here, ``_forget``,
        ``__delattr__``)."""
        self._parameters[name] = param
        self.__dict__[name] = param

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: registered buffers and modules live in their
        # dicts only (parameters are also plain attributes, see _put_parameter).
        for registry in ("_parameters", "_buffers", "_modules"):
            found = self.__dict__.get(registry)
            if found is not None and name in found:
                return found[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(registry, {}):
                del self.__dict__[registry][name]
                self.__dict__.pop(name, None)  # a parameter's plain-attribute copy
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def _check_new_name(self, name: str, kind: str) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")
        self._registries()
        if hasattr(type(self), name):
            raise KeyError(f"{kind} name '{name}' clashes with an attribute of the class")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, a slot left empty such as ``bias=False``) as ``name``."""
        self._check_new_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: '{name}' must be an nn.Parameter or None, "
                f"got {type(param).__name__}"
            )
        self._forget(name, keep=self._parameters)
        self._put_parameter(name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a Tensor that is state but not trained (e.g. running statistics).

        Buffers move with ``to(device)``; persistent ones are saved by ``state_dict``.
        """
        self._check_new_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: '{name}' must be a Tensor or None, got {type(tensor).__name__}"
            )
        self._forget(name, keep=self._buffers)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child called ``name`` (what attribute assignment does)."""
        self._check_new_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: '{name}' must be a Module, got {type(module).__name__}")
        self._forget(name, keep=self._modules)
        self._modules[name] = module

    # ---- walking the tree -----------------------------------------------------------------------
    def named_modules(
        self, memo: set[Module] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and every module below it, parents before children (PyTorch's
        arguments): a module reached twice is listed once unless ``remove_duplicate=False``;
        ``memo`` is the set of modules to skip, and collects the ones listed; ``prefix`` starts
        every name."""
        if memo is None:
            memo = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if module in memo:
                continue
            if remove_duplicate:
                memo.add(module)
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))  # reversed, so the first child comes out first

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules, in registration order."""
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(
        self, kind: str, prefix: str, recurse: bool, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else iter([(prefix, self)])
        )
        for module_name, module in modules:
            for name, tensor in module.__dict__[kind].items():
                if tensor is None or id(tensor) in seen:
                    continue  # an empty slot, or a tensor shared by two modules (listed once)
                if remove_duplicate:
                    seen.add(id(tensor))
                yield (f"{module_name}.{name}" if module_name else name), tensor

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``("layer.0.weight", Parameter)`` pairs: each module's own parameters, then its
        children's, in the order they were assigned. A shared parameter appears once, under its
        first name, unless ``remove_duplicate=False`` (then under each)."""
        return self._named_members(  # type: ignore[return-value]
            "_parameters", prefix, recurse, remove_duplicate
        )

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter once, in ``named_parameters`` order (what an optimizer is given)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """``(name, buffer)`` pairs, as ``named_parameters`` lists parameters."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every sub-module, then on this one (e.g. a custom initialisation)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes, gradients, devices ----------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradients on or off for every parameter (to freeze a layer: ``False``)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics), here and below."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: to None (the default), or to zeros in place."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            elif param.grad.is_leaf:
                param.grad.data[...] = 0
            else:  # a gradient recorded with create_graph: do not write into a graph
                param.grad = Tensor._wrap(param.xp.zeros_like(param.grad.data), param.device)

    def to(self, device: str | Device | Any = None, dtype: Any = None) -> Module:
        """Move every parameter and buffer to ``device`` and/or cast the floating ones to
        ``dtype``, in place: the Parameter objects stay the same (an optimizer built before
        keeps working), only their arrays are replaced. ``to(minigrad.float64)`` casts.
        """
        if device is not None and not isinstance(device, (str, Device)):
            device, dtype = None, device  # to(dtype)
        target = get_device(device) if device is not None else None
        dtype = np.dtype(dtype) if dtype is not None else None
        if dtype is not None and dtype.kind != "f":
            raise TypeError(
                f"Module.to: dtype must be a floating type, got {dtype}: parameters are trained "
                "by their gradients, which only floating tensors have"
            )
        for tensor in list(self.parameters()) + list(self.buffers()):
            _move(tensor, target, dtype)
            if tensor.grad is not None:
                _move(tensor.grad, target, dtype)
        return self

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self) -> Module:
        return self.to("cuda")

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32."""
        return self.to(dtype=np.float32)

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64 (for gradient checks)."""
        return self.to(dtype=np.float64)

    # ---- saving and loading ---------------------------------------------------------------------
    def _state_tensors(self, prefix: str = "") -> OrderedDict[str, Tensor]:
        """The live tensors a state_dict holds: for each module its parameters, then its
        persistent buffers, then its children's (PyTorch's order)."""
        found: OrderedDict[str, Tensor] = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                found[prefix + name] = param
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                found[prefix + name] = buffer
        for name, child in self._modules.items():
            if child is not None:
                found.update(child._state_tensors(f"{prefix}{name}."))
        return found

    def state_dict(self, destination: Any = None, prefix: str = "", keep_vars: bool = False) -> Any:
        """Every parameter and persistent buffer as ``prefix + name -> host NumPy copy``.

        Copies, on the host (where PyTorch gives detached tensors that share the weights'
        storage): the dict is a snapshot that later training does not change, and it can be
        saved as it is. ``load_state_dict`` puts the values back bit for bit.
        ``keep_vars=True`` gives the live Parameters and buffers themselves instead, as
        PyTorch's does. ``destination``, a dict, is filled and returned instead of a new
        OrderedDict.
        """
        if destination is None:
            destination = OrderedDict()
        for name, tensor in self._state_tensors(prefix).items():
            destination[name] = tensor if keep_vars else tensor.numpy().copy()
        return destination

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's parameters and buffers, in place.

        Each value is cast to the parameter's dtype and moved to its device. With
        ``strict=True`` a missing or an unexpected key is an error; a shape mismatch always is.
        Everything is checked before anything is written, so a failed load changes nothing.
        """
        check_state(type(self).__name__, state_dict)
        own = self._state_tensors()
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        problems = []
        if strict:
            problems += [f"missing key '{name}'" for name in missing]
            problems += [f"unexpected key '{name}'" for name in unexpected]
        values = {}
        for name, tensor in own.items():
            if name not in state_dict:
                continue
            try:
                value = _host_array(state_dict[name])
            except TypeError as error:
                problems.append(f"key '{name}': {error}")
                continue
            if value.dtype.kind not in "biuf":
                problems.append(f"key '{name}': values of dtype {value.dtype} are not numbers")
            elif value.shape != tensor.shape:
                problems.append(
                    f"key '{name}': shape {value.shape} in the state, {tensor.shape} in the model"
                )
            else:
                values[name] = value
        if problems:
            raise RuntimeError(f"load_state_dict for {type(self).__name__}: " + "; ".join(problems))
        for name, value in values.items():
            tensor = own[name]
            tensor.data[...] = tensor.device.from_host(value.astype(tensor.dtype, copy=False))
            mark_written(tensor)
        return IncompatibleKeys(missing, unexpected)

    # ---- calling and printing -----------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(); define forward(self, ...) in the subclass"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    _plain_call = __call__

    # While any hook is registered anywhere, Module.__call__ is this method instead (see
    # _count_hooks): the plain __call__ above stays a single forward() call, with no per-call
    # test for hooks, since a model calls thousands of small modules per step.
    def _call_with_hooks(self, *args: Any, **kwargs: Any) -> Any:
        pre_hooks = self.__dict__.get("_forward_pre_hooks")
        if pre_hooks:
            for hook in list(pre_hooks.values()):
                result = hook(self, args)
                if result is not None:  # the hook replaces the arguments
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        hooks = self.__dict__.get("_forward_hooks")
        if hooks:
            for hook in list(hooks.values()):
                result = hook(self, args, output)
                if result is not None:  # the hook replaces the output
                    output = result
        return output

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A copy (copy.deepcopy, pickle) keeps its hooks, as PyTorch's does: count them, so that
        # removing the original's hooks does not switch hook-running off under the copy.
        self.__dict__.update(state)
        for kind in ("_forward_pre_hooks", "_forward_hooks"):
            _count_hooks(len(state.get(kind) or ()))

    def _add_hook(self, kind: str, hook: Callable[..., Any], prepend: bool) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(
                f"register_{kind[1:-1]}: hook must be callable, got {type(hook).__name__}"
            )
        hooks: OrderedDict[int, Callable[..., Any]] = self.__dict__.get(kind) or OrderedDict()
        object.__setattr__(self, kind, hooks)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        _count_hooks(+1)
        return handle

    def register_forward_pre_hook(
        self, hook: Callable[[Module, tuple[Any, ...]], Any], *, prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``; ``args`` is the tuple of
        positional arguments. A hook that returns something other than None replaces them (a
        non-tuple becomes a 1-tuple). Hooks run in the order registered (``prepend=True``: first).
        Returns a handle whose ``.remove()`` unregisters the hook."""
        return self._add_hook("_forward_pre_hooks", hook, prepend)

    def register_forward_hook(
        self, hook: Callable[[Module, tuple[Any, ...], Any], Any], *, prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward``: to look at activations,

            acts = {}
            handle = model.hidden.register_forward_hook(lambda m, a, out: acts.update(h=out))
            model(x); handle.remove()

        A hook that returns something other than None replaces the output (later hooks see the
        replacement). Returns a handle whose ``.remove()`` unregisters the hook."""
        return self._add_hook("_forward_hooks", hook, prepend)

    # ---- dotted names -------------------------------------------------------------------------
    def get_submodule(self, target: str) -> Module:
        """The module at dotted path ``target`` ("encoder.layers.0"; "" is this module)."""
        if not isinstance(target, str):
            raise TypeError(f"get_submodule: target must be a str, got {type(target).__name__}")
        module: Module = self
        for name in target.split(".") if target else ():
            child = module._modules.get(name)
            if child is None:
                raise AttributeError(
                    f"get_submodule('{target}'): {type(module).__name__} has no sub-module "
                    f"'{name}'; it has {[n for n, m in module._modules.items() if m is not None]}"
                )
            module = child
        return module

    def _get_member(self, target: str, kind: str) -> Tensor:
        if not isinstance(target, str):
            raise TypeError(f"get_{kind}: target must be a str, got {type(target).__name__}")
        path, _, name = target.rpartition(".")
        owner = self.get_submodule(path)
        registry = owner.__dict__[f"_{kind}s"]
        found = registry.get(name)
        if found is None:
            names = [n for n, tensor in registry.items() if tensor is not None]
            raise AttributeError(
                f"get_{kind}('{target}'): {type(owner).__name__} has no {kind} '{name}'"
                f"; its {kind}s are {names}"
            )
        return found

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target`` ("layers.0.weight")."""
        return self._get_member(target, "parameter")  # type: ignore[return-value]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target`` ("bn.running_mean")."""
        return self._get_member(target, "buffer")

    def extra_repr(self) -> str:
        """The arguments shown inside ``Name(...)``; layers override it."""
        return ""

    def __repr__(self) -> str:
        lines = [self.extra_repr()] if self.extra_repr() else []
        for name, child in self._modules.items():
            lines.append(f"({name}): " + repr(child).replace("\n", "\n  "))
        if not self._modules:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


_live_hooks = 0  # hooks registered and not removed, over every module


def _count_hooks(change: int) -> None:
    """Switch Module.__call__ to the hook-running version while any hook exists."""
    global _live_hooks
    _live_hooks += change
    call = Module._call_with_hooks if _live_hooks > 0 else Module._plain_call
    if Module.__dict__["__call__"] is not call:
        type.__setattr__(Module, "__call__", call)


class RemovableHandle:
    """What ``register_forward_hook`` returns: ``handle.remove()`` unregisters the hook (a second
    call does nothing); also a context manager that removes it on exit."""

    _next_id = 0

    def __init__(self, hooks: OrderedDict[int, Any]) -> None:
        self.hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        if self.hooks.pop(self.id, None) is not None:
            _count_hooks(-1)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _move(tensor: Tensor, device: Device | None, dtype: np.dtype | None) -> None:
    """Replace ``tensor``'s array by one on ``device`` and/or of ``dtype`` (floating only)."""
    data = tensor.data
    if dtype is not None and tensor.dtype.kind == "f" and tensor.dtype != dtype:
        data = data.astype(dtype)
    if device is not None and device is not tensor.device:
        data = device.from_host(tensor.device.to_host(data))
        tensor.device = device
    tensor.data = data


class Sequential(Module):
    """Modules applied one after another: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))``.

    The children are named "0", "1", ... (or by the keys of an OrderedDict given instead).
    It edits as a list does, as PyTorch's: ``append``, ``insert``, ``extend``, ``pop``,
    ``s[i] = m``, ``del s[i]`` (also a slice), ``s + t``, ``s += t``, ``s * 3`` (the same
    modules again, so their weights are shared). ``del`` and ``pop`` renumber the children
    "0", "1", ... afterwards, even ones that had OrderedDict names, as PyTorch does, so the
    ``state_dict`` keys are PyTorch's after any edit.
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, layer in enumerate(modules):
                self.add_module(str(index), layer)  # type: ignore[arg-type]

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self._modules)), module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Put ``module`` before position ``index`` (-len <= index <= len), as PyTorch does:
        the children named str(index) ... str(len - 1) each move up one name, and ``module``
        takes the name str(index). Children with other names stay as they are, so a
        Sequential built from an OrderedDict of names refuses (KeyError, as PyTorch) unless
        ``index`` is len, which appends ``module`` under the name str(len)."""
        if not isinstance(module, Module):
            raise TypeError(
                f"Sequential.insert: module must be a Module, got {type(module).__name__}"
            )
        length = len(self._modules)
        index = operator.index(index)
        if not -length <= index <= length:
            raise IndexError(
                f"Sequential.insert: index {index} is out of range for {length} modules"
            )
        index = index + length if index < 0 else index
        _shift_up(self, index, module, "Sequential")
        return self

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        for module in sequential:
            self.append(module)
        return self

    def pop(self, key: int | slice) -> Module:
        """Remove and return the module at ``key`` (a slice: a Sequential of them)."""
        module = self[key]
        del self[key]
        return module

    def __getitem__(self, index: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return type(self)(OrderedDict(items[index]))
        return items[_check_index(index, len(items), "Sequential")][1]

    def __setitem__(self, index: int, module: Module) -> None:
        """Replace the module at position ``index``; it keeps that child's name."""
        names = list(self._modules)
        setattr(self, names[_check_index(index, len(names), "Sequential")], module)

    def __delitem__(self, index: int | slice) -> None:
        names = list(self._modules)
        if isinstance(index, slice):
            doomed = names[index]
        else:
            doomed = [names[_check_index(index, len(names), "Sequential")]]
        for name in doomed:
            delattr(self, name)
        _renumber(self, list(self._modules.values()))

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                f"Sequential + other: other must be a Sequential, got {type(other).__name__}"
            )
        return Sequential().extend(self).extend(other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                f"Sequential += other: other must be a Sequential, got {type(other).__name__}"
            )
        return self.extend(list(other))  # a list first: s += s repeats s once

    def __mul__(self, times: int) -> Sequential:
        return Sequential().extend(list(self) * _check_times(times))

    __rmul__ = __mul__

    def __imul__(self, times: int) -> Sequential:
        return self.extend(list(self) * (_check_times(times) - 1))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


def _check_times(times: Any) -> int:
    if not isinstance(times, int) or isinstance(times, bool):
        raise TypeError(f"Sequential * times: times must be an int, got {type(times).__name__}")
    if times <= 0:
        raise ValueError(f"Sequential * times: times must be positive, got {times}")
    return times


def _shift_up(container: Module, index: int, module: Module, owner: str) -> None:
    """PyTorch's insert: the children named str(index) ... str(n - 1) move up one name (the
    last to a new name str(n), added at the end), then ``module`` takes str(index). Every one
    of those names must exist, checked before anything moves (PyTorch raises KeyError
    part-way through, leaving the container half shifted)."""
    registry = container._modules
    length = len(registry)
    for position in range(length - 1, index - 1, -1):
        if str(position) not in registry:
            names = ", ".join(repr(name) for name in registry)
            raise KeyError(
                f"{owner}.insert: inserting at {index} moves the children named "
                f"'{index}' to '{length - 1}' up one, and there is no child '{position}' "
                f"(the names: {names}); insert at {length} appends"
            )
    for position in range(length, index, -1):
        registry[str(position)] = registry[str(position - 1)]
    registry[str(index)] = module


def _renumber(container: Module, modules: list[Module]) -> None:
    """Name ``container``'s children "0", "1", ... in the order of ``modules`` (what PyTorch's
    Sequential and ModuleList do after a deletion, so that indices and names agree again)."""
    registry = container._modules
    registry.clear()
    for position, module in enumerate(modules):
        registry[str(position)] = module


class ModuleList(Module):
    """A list of Modules that registers them all (a plain attribute list would not be seen).

    Index, iterate, ``append``, ``extend``, ``insert``, ``pop``, ``l[i] = m``, ``del l[i]``,
    ``l + other`` and ``l += other`` as with a list; the children are always named "0", "1",
    ... in list order (PyTorch's numbering). It has no ``forward`` of its own.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if not isinstance(modules, Iterable):
            raise TypeError(
                f"ModuleList.extend: modules must be an iterable of Modules, "
                f"got {type(modules).__name__}"
            )
        for module in list(modules):  # a list first: l.extend(l) repeats l once
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put ``module`` before position ``index`` >= 0 (past the end: appended). PyTorch's
        insert refuses a negative index (it looks for a child named '-1': KeyError), and so
        does this one, with that KeyError; unlike PyTorch's, an index past the end leaves no
        gap in the names."""
        index = operator.index(index)
        if index < 0:
            raise KeyError(
                f"ModuleList.insert: index must be >= 0 (PyTorch's insert looks up the child "
                f"'-1' and raises KeyError), got {index}"
            )
        if not isinstance(module, Module):
            raise TypeError(
                f"ModuleList.insert: module must be a Module, got {type(module).__name__}"
            )
        _shift_up(self, min(index, len(self._modules)), module, "ModuleList")

    def pop(self, key: int | slice) -> Module | ModuleList:
        """Remove and return the module at ``key`` (a slice: a ModuleList of them)."""
        module = self[key]
        del self[key]
        return module

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        items = list(self._modules.values())
        if isinstance(index, slice):
            return type(self)(items[index])
        return items[_check_index(index, len(items), "ModuleList")]

    def __setitem__(self, index: int, module: Module) -> None:
        index = _check_index(index, len(self._modules), "ModuleList")
        self.add_module(str(index), module)

    def __delitem__(self, index: int | slice) -> None:
        items = list(self._modules.values())
        if isinstance(index, slice):
            del items[index]
        else:
            del items[_check_index(index, len(items), "ModuleList")]
        _renumber(self, items)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList(list(self) + list(other))

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


def _check_index(index: int, length: int, name: str) -> int:
    index = operator.index(index)  # a NumPy integer too, a float not (as PyTorch)
    if not -length <= index < length:
        raise IndexError(f"{name} index {index} is out of range for {length} modules")
    return index % length


def _pairs(owner: str, items: Any, own_type: type) -> Iterable[tuple[str, Any]]:
    """(name, value) pairs from a mapping, a container of ``own_type`` or an iterable of pairs,
    as PyTorch's ``update`` reads them."""
    if isinstance(items, (Mapping, own_type)):
        return list(items.items())  # type: ignore[attr-defined]
    if not isinstance(items, Iterable):
        raise TypeError(
            f"{owner}.update: expected a mapping or an iterable of (name, value) pairs, "
            f"got {type(items).__name__}"
        )
    pairs = []
    for position, pair in enumerate(items):
        if not isinstance(pair, Iterable) or len(pair) != 2:  # type: ignore[arg-type]
            raise ValueError(
                f"{owner}.update: item {position} must be a (name, value) pair, got {pair!r}"
            )
        pairs.append((pair[0], pair[1]))  # type: ignore[index]
    return pairs


class ModuleDict(Module):
    """A dict of Modules that registers them all, keyed by name (``model.blocks["encoder"]``).

    As a dict: ``d[k]``, ``d[k] = m``, ``del d[k]``, ``pop``, ``clear``, ``update``, ``keys``,
    ``values``, ``items``; the order is the order of insertion.
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        for name, module in _pairs("ModuleDict", modules, ModuleDict):
            self[name] = module

    def __getitem__(self, name: str) -> Module:
        if name not in self._modules:
            raise KeyError(f"ModuleDict has no module {name!r}; it has {list(self._modules)}")
        return self._modules[name]

    def __setitem__(self, name: str, module: Module) -> None:
        self.add_module(name, module)

    def __delitem__(self, name: str) -> None:
        self[name]  # a KeyError that lists the names, for a name it does not have
        delattr(self, name)

    def pop(self, name: str) -> Module:
        """Remove the module called ``name`` and return it."""
        module = self[name]
        del self[name]
        return module

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def __contains__(self, name: object) -> bool:
        return name in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()


class ParameterList(Module):
    """A list of Parameters that registers them all (named "0", "1", ... in ``state_dict``).

    ``append``, ``extend``, ``+=``, ``p[i] = tensor`` and slices as PyTorch's (which has no
    ``pop`` or ``del`` for it either); a Tensor that is not yet a Parameter is wrapped in one.
    """

    def __init__(self, parameters: Iterable[Tensor] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.extend(parameters)

    def append(self, parameter: Tensor) -> ParameterList:
        if not isinstance(parameter, Parameter):
            parameter = Parameter(parameter)
        self.register_parameter(str(len(self._parameters)), parameter)
        return self

    def extend(self, parameters: Iterable[Tensor]) -> ParameterList:
        # a Tensor is iterable, but unpacking one into rows is never what is meant (PyTorch)
        if not isinstance(parameters, Iterable) or isinstance(parameters, Tensor):
            raise TypeError(
                "ParameterList.extend: parameters must be an iterable of Tensors, "
                f"got {type(parameters).__name__}"
            )
        for parameter in list(parameters):
            self.append(parameter)
        return self

    def __iadd__(self, parameters: Iterable[Tensor]) -> ParameterList:
        return self.extend(parameters)

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._parameters.values())
        if isinstance(index, slice):
            return type(self)(items[index])  # the same Parameters, not copies (PyTorch)
        return items[_check_index(index, len(items), "ParameterList")]

    def __setitem__(self, index: int, parameter: Tensor) -> None:
        index = _check_index(index, len(self._parameters), "ParameterList")
        if not isinstance(parameter, Parameter):
            parameter = Parameter(parameter)
        self.register_parameter(str(index), parameter)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())  # type: ignore[arg-type]


class ParameterDict(Module):
    """A dict of Parameters that registers them all, keyed by name (``state_dict`` keys are the
    names). A Tensor that is not yet a Parameter is wrapped in one, as PyTorch does.

    As PyTorch's, ``update`` (and the constructor) takes the names of a plain ``dict`` in
    sorted order, and those of an OrderedDict, a ParameterDict or a list of pairs in their own
    order: ``ParameterDict({"b": p, "a": q})`` lists "a" first.
    """

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def update(
        self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | ParameterDict
    ) -> None:
        pairs = _pairs("ParameterDict", parameters, ParameterDict)
        if isinstance(parameters, Mapping) and not isinstance(parameters, OrderedDict):
            pairs = sorted(pairs, key=lambda pair: pair[0])
        for name, parameter in pairs:
            self[name] = parameter

    def __getitem__(self, name: str) -> Parameter:
        if name not in self._parameters:
            raise KeyError(
                f"ParameterDict has no parameter {name!r}; it has {list(self._parameters)}"
            )
        return self._parameters[name]

    def __setitem__(self, name: str, parameter: Any) -> None:
        if not isinstance(parameter, Tensor):
            raise TypeError(
                f"ParameterDict: value for {name!r} must be a Tensor or Parameter, "
                f"got {type(parameter).__name__}"
            )
        if not isinstance(parameter, Parameter):
            parameter = Parameter(parameter)
        self.register_parameter(name, parameter)

    def __delitem__(self, name: str) -> None:
        self[name]  # a KeyError that lists the names, for a name it does not have
        delattr(self, name)

    def pop(self, name: str) -> Parameter:
        parameter = self[name]
        del self[name]
        return parameter

    def popitem(self) -> tuple[str, Parameter]:
        """Remove and return the last (name, parameter) pair."""
        if not self._parameters:
            raise KeyError("ParameterDict.popitem: the ParameterDict is empty")
        name = next(reversed(self._parameters))
        return name, self.pop(name)

    def clear(self) -> None:
        for name in list(self._parameters):
            del self[name]

    def setdefault(self, name: str, default: Any = None) -> Any:
        if name not in self:
            self[name] = default
        return self[name]

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same Parameters (not copies of them)."""
        return ParameterDict(OrderedDict(self.items()))

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        return ParameterDict([(name, default) for name in keys])

    def __or__(self, other: ParameterDict) -> ParameterDict:
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other: ParameterDict) -> ParameterDict:
        merged = other.copy()
        merged.update(self)
        return merged

    def __ior__(self, other: ParameterDict) -> ParameterDict:
        self.update(other)
        return self

    def get(self, name: str, default: Any = None) -> Any:
        return self._parameters.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __reversed__(self) -> Iterator[str]:
        return reversed(self._parameters)

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def values(self) -> Iterable[Parameter]:
        return self._parameters.values()  # type: ignore[return-value]

    def items(self) -> Iterable[tuple[str, Parameter]]:
        return self._parameters.items()  # type: ignore[return-value]

"""The ``Optimizer`` base class: parameter groups, the step loop, saving and resuming.

An optimizer owns a list of *parameter groups*. Each group is a dict holding ``"params"`` (a list
of Tensors) and every hyper-parameter (``"lr"``, ``"momentum"``, ...), so that

* different parameters can use different settings (``[{"params": weights}, {"params": biases,
  "lr": 0.01}]``; a group gets every default it does not set itself), and
* a learning-rate scheduler can change ``group["lr"]`` between steps. The update rules read their
  hyper-parameters from the group at every step, never from a copy made at construction.

``step()`` is written once, here. For every parameter that has a gradient it

1. adds the smooth (L2) part of the group's penalty to the gradient,
2. applies the update rule of the subclass (``_update``: SGD's or Adam's equations), in place,
3. applies the L1 part of the penalty as a proximal step (a soft-threshold by lr * l1_strength),

then counts the step and advances the scheduler the optimizer owns, if any.

Subclasses define only ``_check_group`` (which hyper-parameters are valid) and ``_update`` (the
update rule). They work on the raw arrays (``param.data``, ``param.grad.data``) through the
parameter's array module ``xp`` (NumPy or CuPy), never NumPy directly, so one optimizer runs on
either device; and they keep the parameter's dtype (Python-float hyper-parameters never promote a
float32 array).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from minigrad import Tensor, get_default_dtype
from minigrad.autograd import enable_grad, mark_written
from minigrad.backend import float_errors_ignored, to_host
from minigrad.checks import check_int, check_number, check_state

# Group keys that hold objects rather than numbers: state_dict() leaves them out, and
# load_state_dict() keeps the ones the optimizer was built with.
_NOT_SAVED = ("params", "penalty")
_ADDED_LATER = {"maximize": False}  # group settings that checkpoints before 0.2 lack
_STATE_DICT_KEYS = ("state", "param_groups", "step_count", "scheduler")


class Optimizer:
    """Base class of the optimizers: ``Optimizer(params, defaults)``.

    Args:
        params: an iterable of Tensors that require grad (``model.parameters()``), or of dicts
            (parameter groups), each with a ``"params"`` entry and any hyper-parameters that
            override ``defaults`` for that group.
        defaults: every hyper-parameter with its default value.

    Attributes:
        param_groups: the list of group dicts; schedulers write ``group["lr"]`` here.
        state: per-parameter state (momentum buffers, Adam's moments), a dict keyed by the
            parameter Tensor itself. ``state_dict()`` saves it keyed by position instead.
        scheduler: the scheduler this optimizer steps after each of its own steps, or None.
        _step_count: how many times ``step()`` ran (schedulers read it to warn when they are
            stepped before the optimizer).
    """

    # What a parameter's state may hold, checked by load_state_dict: each entry's kind, "count"
    # (an int >= 0), "number" (a finite Python or NumPy real: NAdam's mu_product, ASGD's eta),
    # "array" (an array shaped like the parameter) or "nonnegative" (such an array, >= 0
    # everywhere: a running mean of squares); and the entries a non-empty state must have.
    # Subclasses set both, and may say in state_meanings what a "nonnegative" entry is.
    state_kinds: dict[str, str] = {}
    state_required: tuple[str, ...] = ()
    state_meanings: dict[str, str] = {}
    # Old name -> current name of state entries that were renamed: load_state_dict reads both.
    state_aliases: dict[str, str] = {}

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        # Keyed by the Tensor: its hash is its identity, so this is a lookup by object, and
        # state_dict() turns the keys into positions so that a saved state survives a restart.
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.scheduler: Any = None
        self._step_count = 0
        # Check the defaults too, even where every group overrides them.
        _check_penalty(self.defaults.get("penalty"))
        self._check_group(self.defaults)

        if isinstance(params, Tensor):
            raise TypeError(
                "params must be an iterable of Tensors or of dicts, got a single Tensor; "
                "wrap it in a list: [param]"
            )
        if isinstance(params, dict):
            params = [params]  # one parameter group
        items = list(params)
        if not items:
            raise ValueError("params is empty: the optimizer got no parameters to optimize")
        if all(isinstance(item, dict) for item in items):
            groups = items
        elif any(isinstance(item, dict) for item in items):
            raise TypeError(
                "params must contain only Tensors or only dicts (parameter groups), not both"
            )
        else:
            groups = [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    # --- parameter groups -------------------------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group: a dict with ``"params"`` and any hyper-parameters to override.

        The group gets every default it does not set itself, is checked like the constructor's
        arguments, and may not share a parameter with an existing group.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry (a list of Tensors)")
        group = dict(param_group)  # the caller's dict is left as it was
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        if not group["params"]:
            raise ValueError("params is empty: a parameter group has no parameters")

        seen = {id(p) for existing in self.param_groups for p in existing["params"]}
        for position, param in enumerate(group["params"]):
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"params must be Tensors; item {position} is a {type(param).__name__}"
                )
            # A parameter that does not require grad (a frozen layer) is accepted and, with no
            # .grad, skipped by step(), as in PyTorch; a result of a graph cannot be optimized.
            if not param.is_leaf:
                raise ValueError(
                    f"params: item {position} (shape {param.shape}) is not a leaf: it was "
                    "computed from other tensors; optimize the tensors it came from"
                )
            if id(param) in seen:
                raise ValueError(
                    f"params: item {position} (shape {param.shape}) appears more than once "
                    "(in this group or in another one); each parameter belongs to one group"
                )
            seen.add(id(param))

        for name, default in self.defaults.items():
            group.setdefault(name, default)
        _check_penalty(group.get("penalty"))
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Check the group's hyper-parameters with ``minigrad.checks`` (a TypeError or ValueError
        naming the one that is wrong), writing back the plain values the checks return."""

    # --- the training step ------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient before the next backward pass.

        With ``set_to_none=True`` (the default) ``.grad`` becomes None, which frees the memory and
        makes ``step()`` skip parameters that get no new gradient. With ``False`` the gradient
        arrays are zeroed in place and kept.
        """
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none:
                    param.grad = None
                elif param.grad is not None:
                    param.grad.data[...] = 0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place; then advance the scheduler.

        ``closure``, as in PyTorch, is a function that zeroes the gradients, computes the loss,
        calls ``backward()`` and returns the loss; it runs first (with gradients enabled, even
        under ``no_grad``), and ``step`` returns what it returned (None without a closure).

        For a parameter theta with gradient g, in the group's current settings:

            g      <- -g                                      (with maximize=True)
            g      <- g + penalty.smooth_grad(theta)          (the L2 part, when there is one)
            theta  <- the update rule of this optimizer (see the subclass)
            theta  <- penalty.prox_(theta, lr)                (the L1 part: a soft-threshold)

        A parameter whose ``.grad`` is None is skipped, and its state does not advance.

        A gradient holding NaN or inf is applied like any other, as in PyTorch: nothing checks
        it and nothing is skipped (a check would cost a device-to-host copy at every step). The
        entries it reaches become NaN or inf in the parameter and in its running averages (SGD's
        momentum buffer, Adam's m and v), so they stay non-finite when the gradients are finite
        again. Every other entry and parameter is updated as usual, the step is counted and the
        scheduler advances. To find the op where a NaN starts, run the step under
        ``minigrad.detect_anomaly()``; to skip such a step, check the gradients yourself before
        calling ``step()``.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        # inf - inf or 0 * inf in an update are NaN, silently, as in an op (minigrad/backend.py)
        with float_errors_ignored():
            for group in self.param_groups:
                penalty = group.get("penalty")
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    grad = param.grad.data
                    if group.get("maximize"):
                        grad = -grad  # a new array: .grad stays
                    if penalty is not None and penalty.l2_strength != 0:
                        grad = grad + penalty.smooth_grad(param.data)  # a new array: .grad stays
                    state = self.state.setdefault(param, {})
                    self._update(param.data, grad, group, state, param.device.xp)
                    if penalty is not None and penalty.l1_strength != 0:
                        penalty.prox_(param.data, float(group["lr"]))
                    mark_written(param)  # a graph recorded before this step cannot backward now
        self._step_count += 1
        if self.scheduler is not None:
            self.scheduler.step()
        return loss

    def _update(
        self, theta: Any, grad: Any, group: dict[str, Any], state: dict[str, Any], xp: Any
    ) -> None:
        """Apply the update rule to the array ``theta`` in place.

        ``grad`` is the gradient array (do not modify it: it may be ``param.grad.data``),
        ``group`` the parameter's group, ``state`` its own state dict (empty on its first step),
        ``xp`` its array module.
        """
        raise NotImplementedError

    # --- the scheduler the optimizer owns ---------------------------------------------------------

    def _bind_scheduler(self, scheduler: Any) -> None:
        """Attach ``scheduler`` (called at the end of a subclass's __init__ when one is given)."""
        if scheduler is None:
            return
        if not callable(getattr(scheduler, "bind", None)):
            raise TypeError(
                f"scheduler must be a scheduler built without an optimizer, such as "
                f"CosineAnnealingLR(T_max=100) (an object with a bind() method); got "
                f"{type(scheduler).__name__}"
            )
        self.scheduler = scheduler  # first: a scheduler that sees it owns us refers back weakly
        try:
            scheduler.bind(self)  # writes the step-0 lr into the groups
        except BaseException:
            self.scheduler = None
            raise

    # --- saving and resuming ----------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume, as plain Python values and host NumPy arrays.

        * ``"state"``: per-parameter state keyed by the parameter's position (its index counted
          across all groups in order), so it can be loaded into a fresh optimizer built over a
          fresh model with the same layout. Arrays are NumPy copies, whatever the device.
        * ``"param_groups"``: each group's hyper-parameters, with ``"params"`` as positions.
          Penalty objects are not saved, and a state that holds one is refused: a resumed
          optimizer keeps the penalties it was built with.
        * ``"step_count"``: how many steps were taken.
        * ``"scheduler"``: the state of the scheduler this optimizer owns, or None.
        """
        state: dict[int, dict[str, Any]] = {}
        groups: list[dict[str, Any]] = []
        position = 0
        for group in self.param_groups:
            saved = {k: _plain(v) for k, v in group.items() if k not in _NOT_SAVED}
            saved["params"] = list(range(position, position + len(group["params"])))
            groups.append(saved)
            for param in group["params"]:
                saved_state = self.state.get(param)
                if saved_state:
                    state[position] = {k: _to_host_copy(v, param) for k, v in saved_state.items()}
                position += 1
        return {
            "state": state,
            "param_groups": groups,
            "step_count": self._step_count,
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict()``: hyper-parameters, per-parameter state and the scheduler.

        The optimizer must have the same layout as the one that was saved (the same number of
        groups, of parameters per group, and parameter shapes); arrays are copied onto each
        parameter's device in its dtype. Everything is checked before anything changes.
        """
        check_state(
            type(self).__name__,
            state_dict,
            required=("state", "param_groups"),
            allowed=_STATE_DICT_KEYS,
            hint=" (it takes what an optimizer's state_dict() returned; a model's goes to "
            "model.load_state_dict)",
        )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"load_state_dict: the state has {len(saved_groups)} parameter groups, this "
                f"optimizer has {len(self.param_groups)}"
            )
        params, restored_groups = [], []
        for index, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"load_state_dict: parameter group {index} has {len(saved['params'])} "
                    f"parameters in the state and {len(group['params'])} in this optimizer"
                )
            if "penalty" in saved:
                # One rule: a penalty is an object of the program, never part of the state, so
                # a loaded state cannot swap the one this optimizer was built with.
                raise ValueError(
                    f"load_state_dict: parameter group {index} in the state holds a 'penalty'; "
                    "penalties are not saved or loaded: build the optimizer with penalty=... "
                    "(or set the group's 'penalty') as in the run that saved it"
                )
            # Settings added after a checkpoint was written take their old behaviour's value.
            saved = {**{k: v for k, v in _ADDED_LATER.items() if k in self.defaults}, **saved}
            missing = [k for k in self.defaults if k not in _NOT_SAVED and k not in saved]
            if missing:
                raise ValueError(
                    f"load_state_dict: parameter group {index} in the state lacks {missing}; "
                    f"was it saved from another optimizer than {type(self).__name__}?"
                )
            restored = {**group, **{k: v for k, v in saved.items() if k != "params"}}
            try:  # the constructor's checks, which also turn betas read back as a list into a tuple
                self._check_group(restored)
            except (TypeError, ValueError) as error:
                raise type(error)(
                    f"load_state_dict: parameter group {index} in the state is refused: {error}"
                ) from error
            restored_groups.append(restored)
            params.extend(group["params"])

        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, saved_state in state_dict["state"].items():
            position = int(key)  # int() also accepts positions that a file format made strings
            if not 0 <= position < len(params):
                raise ValueError(
                    f"load_state_dict: the state names parameter {position}, but this optimizer "
                    f"has {len(params)} parameters"
                )
            param = params[position]
            if isinstance(saved_state, dict):
                saved_state = {self.state_aliases.get(k, k): v for k, v in saved_state.items()}
            self._check_saved_state(saved_state, position)
            new_state[param] = {
                name: _to_device_copy(value, param, position, name)
                for name, value in saved_state.items()
            }

        owner = f"{type(self).__name__}.load_state_dict"
        step_count = check_int(owner, "step_count", state_dict.get("step_count", 0), low=0)
        saved_scheduler = state_dict.get("scheduler")
        if saved_scheduler is not None and self.scheduler is None:
            raise ValueError(
                "load_state_dict: the state holds a scheduler's state, but this optimizer has no "
                "scheduler; build it with the same kind of scheduler=... (or, for a scheduler "
                "you step yourself, call scheduler.load_state_dict(state['scheduler']))"
            )
        if saved_scheduler is None and self.scheduler is not None:
            raise ValueError(
                "load_state_dict: this optimizer has a scheduler, but the state holds none; "
                "resuming would restart the schedule from step 0"
            )

        if self.scheduler is not None:
            # First, as the last check: the scheduler refuses a state that is not its own.
            self.scheduler.load_state_dict(saved_scheduler)
        for group, restored in zip(self.param_groups, restored_groups):
            group.update(restored)  # the same dicts, which a scheduler may hold on to
        self.state = new_state
        self._step_count = step_count

    def _check_saved_state(self, saved: Any, position: int) -> None:
        """Refuse a parameter's saved state that this optimizer would misread (the shapes are
        checked when the arrays are copied)."""
        where = f"load_state_dict: the state of parameter {position}"
        if not isinstance(saved, dict):
            raise TypeError(f"{where} must be a dict, got {type(saved).__name__}")
        problems = [f"an unknown entry '{name}'" for name in saved if name not in self.state_kinds]
        if saved:  # an empty state is a parameter that has not been stepped yet
            problems += [f"no '{name}'" for name in self.state_required if name not in saved]
        if problems:
            raise ValueError(
                f"{where} has {' and '.join(problems)}; {type(self).__name__} keeps "
                f"{sorted(self.state_kinds)}"
            )
        for name, value in saved.items():
            kind = self.state_kinds[name]
            if kind == "count":
                if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                    raise ValueError(f"{where}: '{name}' must be an int >= 0, got {value!r}")
                continue
            if kind == "number":
                if (
                    isinstance(value, bool)
                    or not isinstance(value, numbers.Real)
                    or not math.isfinite(value)
                ):
                    raise ValueError(f"{where}: '{name}' must be a finite number, got {value!r}")
                continue
            what = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
            if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
                raise TypeError(
                    f"{where}: '{name}' must be an array of numbers shaped like the parameter, "
                    f"got {what}"
                )
            if kind == "nonnegative" and bool((value < 0).any()):
                meaning = self.state_meanings.get(name, "a running mean of squares")
                raise ValueError(
                    f"{where}: '{name}' is {meaning} and cannot be negative, but holds "
                    f"{value.min()}"
                )

    # --- display ----------------------------------------------------------------------------------

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}("]
        for index, group in enumerate(self.param_groups):
            settings = ", ".join(f"{k}={v!r}" for k, v in group.items() if k != "params")
            count = len(group["params"])
            lines.append(f"  group {index} ({count} parameter{'s' * (count != 1)}): {settings}")
        if self.scheduler is not None:
            lines.append(f"  scheduler: {type(self.scheduler).__name__}")
        lines.append(")")
        return "\n".join(lines)


# --- helpers shared by the optimizers -------------------------------------------------------------


def _check_penalty(penalty: Any) -> None:
    if penalty is None:
        return
    needed = ("l1_strength", "l2_strength", "smooth_grad", "prox_")
    missing = [name for name in needed if not hasattr(penalty, name)]
    if missing:
        raise TypeError(
            f"penalty must be a penalty object such as regularizers.ElasticNet(0.1, 0.5) (with "
            f"{', '.join(needed)}); got {type(penalty).__name__}, which lacks {', '.join(missing)}"
        )


def check_betas(owner: str, betas: Any) -> tuple[float, float]:
    """``betas`` as a pair of floats, each in [0, 1) (Adam's and its relatives' decay rates)."""
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    beta1, beta2 = (
        check_number(owner, f"betas[{i}]", beta, low=0, high=1, high_inclusive=False)
        for i, beta in enumerate(betas)
    )
    return beta1, beta2


def scalar_dtype() -> Any:
    """The float type of a number kept in the state (NAdam's mu_product, ASGD's eta and mu).

    PyTorch keeps these in 0-d tensors of its ``_get_scalar_dtype()``: float64 when the default
    dtype is float64, float32 otherwise. This is the same rule with minigrad's default dtype, so
    the numbers, and the parameters they scale, are PyTorch's in either setting. The rounding
    happens on the host, in Python: no device work.
    """
    return np.float64 if get_default_dtype() == np.float64 else np.float32


def as_scalar_state(value: float) -> float:
    """``value`` rounded to ``scalar_dtype()``, as a Python float."""
    return float(scalar_dtype()(value))


def _plain(value: Any) -> Any:
    """A hyper-parameter as a plain Python value (a NumPy scalar becomes a Python number)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _to_host_copy(value: Any, param: Tensor) -> Any:
    """A state entry for saving: arrays become NumPy copies (off the GPU), numbers stay."""
    if not hasattr(value, "shape"):
        return value
    host = to_host(value)
    return host.copy() if host is value else host  # on the CPU to_host returns the array itself


def _to_device_copy(value: Any, param: Tensor, position: int, name: str) -> Any:
    """A saved state entry for use: arrays are checked and copied to the parameter's device."""
    if isinstance(value, np.generic):
        return value.item()  # a step count read back from a file as a NumPy integer
    if not isinstance(value, np.ndarray):
        return value
    if tuple(value.shape) != tuple(param.shape):
        raise ValueError(
            f"load_state_dict: state '{name}' of parameter {position} has shape "
            f"{tuple(value.shape)}, the parameter has shape {tuple(param.shape)}"
        )
    # np.array copies, so the optimizer never writes into the caller's state_dict.
    return param.device.from_host(np.array(value, dtype=param.dtype))

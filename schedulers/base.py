"""The scheduler base class: how a learning-rate schedule attaches to an optimizer.

A schedule is a function lr(t) of the step count t = 0, 1, 2, ... Every scheduler in this
package writes that function in closed form in ``lr_at(t)``, which is pure: it reads the
hyper-parameters and touches nothing, so a curve can be plotted, tested or resumed at any t.
Everything else here is bookkeeping around it.

The binding protocol (the optimizers in ``optim`` implement the other side):

- ``bind(optimizer)`` attaches the scheduler to anything with ``param_groups``, a list of dicts
  with at least "params" and "lr". It records each group's starting lr as ``base_lrs`` (kept in
  ``group["initial_lr"]``, as PyTorch does, so a second scheduler on the same optimizer starts
  from the same value), makes the scheduler's construction-time writes, sets ``last_epoch = 0``
  and writes lr(0) into every group. A scheduler built with an optimizer binds itself; one
  built without is bound by the optimizer it is handed to:
  ``SGD(params, lr=0.1, scheduler=CosineAnnealingLR(T_max=100))``.
- ``step()`` advances ``last_epoch`` by one and writes lr(last_epoch) (and the momentum, for
  schedulers that cycle it) into the groups. Call it after ``optimizer.step()``; an optimizer
  that owns its scheduler calls it for you after each of its own steps.
- ``state_dict()`` / ``load_state_dict()`` save and restore plain numbers, lists and strings,
  so a fresh scheduler continues the same curve.

Schedulers never import minigrad or optim: all they touch is ``optimizer.param_groups``.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from typing import Any


class LRScheduler:
    """Base class: subclasses set their hyper-parameters, call ``super().__init__(optimizer)``
    and define ``lr_at(step)`` (and ``momentum_at(step)`` if they cycle momentum)."""

    # Attributes that state_dict() leaves out: the optimizer is not ours to save.
    _not_saved: tuple[str, ...] = ("optimizer",)

    def __init__(self, optimizer: Any = None) -> None:
        self.optimizer: Any = None
        self.base_lrs: list[float] = []
        self.last_epoch = -1  # -1 until bound; then the number of step() calls so far
        self._last_lr: list[float] = []
        if optimizer is not None:
            self.bind(optimizer)

    # --- the schedule itself ------------------------------------------------------------------

    def lr_at(self, step: int) -> list[float]:
        """The lr of every param group after ``step`` calls of ``step()``; changes nothing."""
        raise NotImplementedError

    def momentum_at(self, step: int) -> list[float] | None:
        """The momentum (or Adam's beta1) of every group at ``step``; None if not cycled."""
        return None

    # --- binding and stepping ---------------------------------------------------------------------

    def bind(self, optimizer: Any) -> None:
        """Attach to ``optimizer`` and write the lr for step 0 into its param groups."""
        self._require_unbound()
        name = type(self).__name__
        groups = getattr(optimizer, "param_groups", None)
        if not (isinstance(groups, list) and groups and all(_is_group(g) for g in groups)):
            raise TypeError(
                f"{name}: optimizer must have `param_groups`, a non-empty list of dicts with an "
                f"'lr' key; got {type(optimizer).__name__}. Without an optimizer, pass the "
                f"hyper-parameters by keyword, e.g. {name}(T_max=100)."
            )
        # Validate and make the construction-time writes before we count as bound, so a
        # failed bind leaves the scheduler unbound.
        self.base_lrs = self._prepare_groups(groups)
        self.optimizer = optimizer
        self.last_epoch = 0
        self._write(0)

    def _set_momentum_range(
        self, cycle_momentum: bool, base_momentum: Any, max_momentum: Any
    ) -> None:
        """For schedulers that cycle momentum (CyclicLR, OneCycleLR): check and keep its range."""
        self.cycle_momentum = cycle_momentum
        self.base_momentum = check_per_group_values("base_momentum", base_momentum)
        self.max_momentum = check_per_group_values("max_momentum", max_momentum)
        check_low_high("base_momentum", base_momentum, "max_momentum", max_momentum)

    def _momentum_per_group(self, param_groups: list[dict]) -> None:
        """The momentum range of each group; refuses groups with no momentum to cycle."""
        count = len(param_groups)
        self.base_momentums = per_group("base_momentum", self.base_momentum, count)
        self.max_momentums = per_group("max_momentum", self.max_momentum, count)
        if self.cycle_momentum:
            check_cycle_momentum(type(self).__name__, param_groups)

    def _prepare_groups(self, param_groups: list[dict]) -> list[float]:
        """Check the groups, make construction-time writes, return each group's base lr."""
        return [group.setdefault("initial_lr", group["lr"]) for group in param_groups]

    def step(self) -> None:
        """Advance one step: ``last_epoch += 1`` and write lr(last_epoch) into the groups."""
        self._require_bound("step")
        if self.last_epoch == 0 and getattr(self.optimizer, "_step_count", None) == 0:
            warnings.warn(
                "scheduler.step() was called before optimizer.step(): the schedule's first "
                "value (step 0) is skipped. Call optimizer.step() first, then scheduler.step() "
                "(or hand the scheduler to the optimizer, which then steps it for you).",
                UserWarning,
                stacklevel=2,
            )
        # Compute first, count after: a step that raises (OneCycleLR past its end) changes nothing.
        self._write(self.last_epoch + 1)
        self.last_epoch += 1

    def get_last_lr(self) -> list[float]:
        """The lrs last written into the param groups, one per group."""
        self._require_bound("get_last_lr")
        return list(self._last_lr)

    # --- saving and resuming ----------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume, as plain numbers, lists and strings (no optimizer)."""
        return {name: copy.deepcopy(getattr(self, name)) for name in self._saved_names()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict()`` and write the restored step's lr into the groups."""
        self._require_bound("load_state_dict")
        expected, given = set(self._saved_names()), set(state)
        if given != expected:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state does not match this "
                f"scheduler (missing {sorted(expected - given)}, unexpected "
                f"{sorted(given - expected)}); was it saved from another scheduler class?"
            )
        if len(state["base_lrs"]) != len(self.optimizer.param_groups):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state has "
                f"{len(state['base_lrs'])} param groups, the optimizer has "
                f"{len(self.optimizer.param_groups)}"
            )
        for name, value in state.items():
            setattr(self, name, copy.deepcopy(value))
        self._write(self.last_epoch)

    # --- helpers ----------------------------------------------------------------------------------

    def _saved_names(self) -> list[str]:
        return [name for name in vars(self) if name not in self._not_saved]

    def _write(self, step: int) -> None:
        lrs = self.lr_at(step)
        momenta = self.momentum_at(step)
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        if momenta is not None:
            for group, momentum in zip(self.optimizer.param_groups, momenta, strict=True):
                set_momentum(group, momentum)
        self._last_lr = lrs

    def _require_unbound(self) -> None:
        if self.optimizer is not None:
            raise RuntimeError(
                f"{type(self).__name__} is already bound to an optimizer; a scheduler drives "
                "exactly one. Create a new scheduler for the other optimizer."
            )

    def _require_bound(self, action: str) -> None:
        if self.optimizer is None:
            raise RuntimeError(
                f"{type(self).__name__}.{action}(): the scheduler is not bound to an optimizer. "
                "Pass the optimizer as the first argument, call bind(optimizer), or hand the "
                "scheduler to an optimizer (SGD(params, lr=0.1, scheduler=...))."
            )

    def _check_step(self, step: int) -> None:
        """Called first by every lr_at / momentum_at."""
        self._require_bound("lr_at")
        if not isinstance(step, numbers.Integral) or isinstance(step, bool):
            raise TypeError(f"step must be an integer, got {step!r}")
        if step < 0:
            raise ValueError(f"step must be >= 0, got {step}")


# --- argument checks shared by the schedulers ---------------------------------------------------


def _is_group(group: Any) -> bool:
    return isinstance(group, dict) and "lr" in group


def require(owner: str, name: str, value: Any) -> Any:
    """Raise the TypeError Python would give for a missing required argument."""
    if value is None:
        raise TypeError(
            f"{owner}() missing required argument '{name}'. With no optimizer, pass it by "
            f"keyword: {owner}({name}=...)"
        )
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_steps(name: str, value: Any, integer: bool = False) -> Any:
    """A step count (T_max, step_size_up, ...): a number >= 1, or an int >= 1 if ``integer``."""
    kind = numbers.Integral if integer else numbers.Real
    if not isinstance(value, kind) or isinstance(value, bool) or value < 1:
        what = "an integer" if integer else "a number"
        raise ValueError(f"{name} must be {what} >= 1 (a count of steps), got {value!r}")
    return value


def check_non_negative(name: str, value: Any) -> Any:
    """A number >= 0."""
    if not _is_number(value) or value < 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return value


def check_per_group_values(name: str, value: Any) -> Any:
    """A number >= 0, or a non-empty list of them (one per param group)."""
    values = value if isinstance(value, list | tuple) else [value]
    if not values or not all(_is_number(v) and v >= 0 for v in values):
        raise ValueError(
            f"{name} must be a number >= 0 or a list of them (one per param group), got {value!r}"
        )
    return list(value) if isinstance(value, list | tuple) else value


def check_positive(name: str, value: Any) -> Any:
    if not _is_number(value) or value <= 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return value


def per_group(name: str, value: Any, count: int) -> list[float]:
    """``value`` for each of ``count`` groups: a number is shared, a list gives one per group."""
    if isinstance(value, list | tuple):
        if len(value) != count:
            raise ValueError(
                f"{name} has {len(value)} entries but there are {count} param groups "
                "(give one value per group, or a single number for all)"
            )
        return [float(v) for v in value]
    return [float(value)] * count


def check_low_high(low_name: str, low: Any, high_name: str, high: Any) -> None:
    """Raise unless ``low <= high`` group by group (either may be a number or a list)."""
    lengths = [len(v) for v in (low, high) if isinstance(v, list | tuple)]
    count = lengths[0] if lengths else 1
    lows, highs = per_group(low_name, low, count), per_group(high_name, high, count)
    for group, (a, b) in enumerate(zip(lows, highs, strict=True)):
        if b < a:
            where = f" for param group {group}" if lengths else ""
            raise ValueError(f"{high_name} ({b}) must be >= {low_name} ({a}){where}")


def check_cycle_momentum(owner: str, param_groups: list[dict]) -> None:
    """Refuse to cycle a momentum the optimizer does not use (PyTorch silently turns it on)."""
    for index, group in enumerate(param_groups):
        current = group["betas"][0] if "betas" in group else group.get("momentum")
        if current is None or current == 0:
            raise ValueError(
                f"{owner}: cycle_momentum=True, but param group {index} has no momentum "
                f"(momentum={current}). Cycling would switch momentum on behind your back. "
                "Pass cycle_momentum=False, or build the optimizer with momentum > 0 "
                "(SGD's momentum, or Adam's betas)."
            )


def set_momentum(group: dict, value: float) -> None:
    """Write ``value`` as the group's momentum: Adam's beta1 if it has betas, else SGD's."""
    if "betas" in group:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value

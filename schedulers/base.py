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

Of an optimizer, schedulers touch only ``optimizer.param_groups``: they never import optim, and
of minigrad they import only its argument checks (``minigrad.checks``) and the improvement rule
(``minigrad.improvement``, for ReduceLROnPlateau).
"""

from __future__ import annotations

import copy
import inspect
import warnings
import weakref
from collections.abc import Callable
from typing import Any

from minigrad.checks import check_bool, check_int, check_number, check_state

# Per-group values a state holds besides the hyper-parameters: lrs and momenta, each >= 0.
_PER_GROUP_STATE = (
    "base_lrs", "_last_lr", "max_lrs", "base_momentums", "max_momentums", "min_lrs",
)  # fmt: skip


def _unbound() -> None:
    return None


def _example_keywords(cls: type) -> str:
    """The scheduler's first arguments without a value of their own, as keywords."""
    parameters = inspect.signature(cls).parameters.items()
    names = [name for name, p in parameters if name != "optimizer" and p.default is None]
    return ", ".join(f"{name}=..." for name in names[:2])


class LRScheduler:
    """Base class: subclasses check and set their hyper-parameters (each in an attribute named
    like its argument, which ``load_state_dict`` relies on), call ``super().__init__(optimizer)``
    and define ``lr_at(step)`` (and ``momentum_at(step)`` if they cycle momentum)."""

    # Attributes that state_dict() leaves out: the optimizer is not ours to save.
    _not_saved: tuple[str, ...] = ("_optimizer",)

    def __new__(cls, optimizer: Any = None, *args: Any, **kwargs: Any) -> LRScheduler:
        # Checked before the subclass's __init__ reads its arguments: CyclicLR(0.001, 0.1)
        # would otherwise take 0.001 for the optimizer and then ask for max_lr.
        if isinstance(optimizer, (int, float)):
            raise TypeError(
                f"{cls.__name__}: the first argument is the optimizer, as in PyTorch; got "
                f"{optimizer!r}. Without an optimizer, give the hyper-parameters by keyword, "
                f"e.g. {cls.__name__}({_example_keywords(cls)}), and hand the scheduler to the "
                "optimizer (SGD(params, lr=0.1, scheduler=...))."
            )
        return super().__new__(cls)

    def __init__(self, optimizer: Any = None, last_epoch: int = -1) -> None:
        self._optimizer: Callable[[], Any] = _unbound
        self.base_lrs: list[float] = []
        # PyTorch's resume argument: -1 starts the schedule; t >= 0 says that steps 0 .. t
        # were taken in an earlier run, so binding continues at step t + 1 (see bind).
        self._resume_from = check_int(type(self).__name__, "last_epoch", last_epoch, low=-1)
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

    # PyTorch computes some schedulers recursively, lr(t) = lr(t - 1) * lr_at(t) / lr_at(t - 1)
    # (their closed form is eta_0 times a factor): ChainedScheduler composes those by
    # multiplying. The others (LambdaLR, CyclicLR, ...) write lr_at(t) whatever the lr was.
    _multiplicative = False

    def _chain(self, lrs: list[float], step: int) -> list[float]:
        """The lrs after this scheduler's PyTorch ``step()`` to ``step`` from ``lrs``."""
        new = self.lr_at(step)
        if not self._multiplicative:
            return new
        old = self.lr_at(step - 1) if step > 0 else self.base_lrs
        # A factor that was 0 stays 0 in PyTorch's recursion (PolynomialLR after its end).
        return [lr * (n / o) if o != 0 else lr for lr, n, o in zip(lrs, new, old, strict=True)]

    # --- binding and stepping ---------------------------------------------------------------------

    @property
    def optimizer(self) -> Any:
        """The optimizer this scheduler drives (None until bound)."""
        return self._optimizer()

    def bind(self, optimizer: Any) -> None:
        """Attach to ``optimizer`` and write the lr for step 0 into its param groups.

        An optimizer that owns this scheduler (``SGD(..., scheduler=...)`` sets its ``scheduler``
        before binding) is referred back to weakly: the two form no reference cycle, so a
        dropped model and its optimizer are freed at once, without the cycle collector.
        """
        self._require_unbound()
        name = type(self).__name__
        groups = getattr(optimizer, "param_groups", None)
        if not (isinstance(groups, list) and groups and all(_is_group(g) for g in groups)):
            raise TypeError(
                f"{name}: optimizer must have `param_groups`, a non-empty list of dicts with an "
                f"'lr' key; got {type(optimizer).__name__}. Without an optimizer, pass the "
                f"hyper-parameters by keyword, e.g. {name}(T_max=100)."
            )
        if self._resume_from >= 0:
            self._require_initial_lr(groups)
        # Validate and make the construction-time writes before we count as bound, so a
        # failed bind leaves the scheduler unbound.
        self.base_lrs = self._prepare_groups(groups)
        owned = getattr(optimizer, "scheduler", None) is self
        self._optimizer = weakref.ref(optimizer) if owned else lambda: optimizer
        # PyTorch's constructor takes one step from last_epoch: -1 -> 0 (a fresh start), or
        # t -> t + 1 when resuming; lr_at is a closed form, so step t + 1 is written directly.
        self.last_epoch = self._resume_from + 1
        self._write(self.last_epoch)

    def _require_initial_lr(self, groups: list[dict]) -> None:
        """Resuming (``last_epoch >= 0``) reads each group's starting lr from ``initial_lr``,
        which the first run's scheduler wrote there and the optimizer's state_dict restores:
        the current ``lr`` is a mid-schedule value, not where the schedule started."""
        for index, group in enumerate(groups):
            if "initial_lr" not in group:
                raise KeyError(
                    f"{type(self).__name__}: param 'initial_lr' is not specified in "
                    f"param_groups[{index}] when resuming with last_epoch={self._resume_from}; "
                    "load the optimizer's state_dict from the checkpoint first (it holds "
                    "initial_lr), or pass last_epoch=-1 to start the schedule"
                )

    def _set_momentum_range(
        self, cycle_momentum: bool, base_momentum: Any, max_momentum: Any
    ) -> None:
        """For schedulers that cycle momentum (CyclicLR, OneCycleLR): check and keep its range."""
        owner = type(self).__name__
        self.cycle_momentum = check_bool(owner, "cycle_momentum", cycle_momentum)
        self.base_momentum = check_per_group_values(owner, "base_momentum", base_momentum)
        self.max_momentum = check_per_group_values(owner, "max_momentum", max_momentum)
        check_low_high(owner, "base_momentum", base_momentum, "max_momentum", max_momentum)

    def _momentum_per_group(self, param_groups: list[dict]) -> None:
        """The momentum range of each group; refuses groups with no momentum to cycle."""
        owner, count = type(self).__name__, len(param_groups)
        self.base_momentums = per_group(owner, "base_momentum", self.base_momentum, count)
        self.max_momentums = per_group(owner, "max_momentum", self.max_momentum, count)
        if self.cycle_momentum:
            check_cycle_momentum(owner, param_groups)

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
        check_state(type(self).__name__, state)
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
        self._check_saved_hyperparameters(state)
        owner = f"{type(self).__name__}.load_state_dict"
        check_int(owner, "last_epoch", state["last_epoch"], low=0)
        for name in _PER_GROUP_STATE:
            for index, value in enumerate(state.get(name, ())):
                check_number(owner, f"{name}[{index}]", value, low=0)
        for name, value in state.items():
            setattr(self, name, copy.deepcopy(value))
        self._write(self.last_epoch)

    def _check_saved_hyperparameters(self, state: dict[str, Any]) -> None:
        """Put a state's hyper-parameters through the constructor's own checks.

        Every hyper-parameter is kept in an attribute named like its constructor argument, so
        building an unbound scheduler from the state raises what the constructor would for the
        same values. What a state does not hold (a ``scale_fn``, the children of a SequentialLR)
        comes from this scheduler.
        """
        arguments = {}
        for name in inspect.signature(type(self)).parameters:
            if name in state:
                arguments[name] = state[name]
            elif name != "optimizer" and name in vars(self):
                arguments[name] = getattr(self, name)
        try:
            type(self)(**arguments)
        except (TypeError, ValueError) as error:
            raise type(error)(
                f"{type(self).__name__}.load_state_dict: a saved hyper-parameter is refused: "
                f"{error}"
            ) from error

    # --- helpers ----------------------------------------------------------------------------------

    def _saved_names(self) -> list[str]:
        # _resume_from is a constructor argument used once, in bind: last_epoch is the state.
        skipped = (*self._not_saved, "_resume_from")
        return [name for name in vars(self) if name not in skipped]

    def _write(self, step: int) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.base_lrs):
            # add_param_group after binding: as in PyTorch, the new group joins the schedule
            # from its own lr (its initial_lr), and the others go on as they were.
            self.base_lrs = self._prepare_groups(groups)
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
        check_int(f"{type(self).__name__}.lr_at", "step", step, low=0)


# --- checks shared by the schedulers (on top of minigrad.checks) ----------------------------------


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


def check_per_group_values(owner: str, name: str, value: Any) -> float | list[float]:
    """A finite number >= 0, or a non-empty list of them (one per param group)."""
    if not isinstance(value, list | tuple):
        return check_number(owner, name, value, low=0)
    if not value:
        raise ValueError(
            f"{owner}: {name} must be a number >= 0 or a list of them (one per param group), "
            "got an empty list"
        )
    return [check_number(owner, f"{name}[{i}]", v, low=0) for i, v in enumerate(value)]


def per_group(owner: str, name: str, value: Any, count: int) -> list[float]:
    """``value`` for each of ``count`` groups: a number is shared, a list gives one per group."""
    if isinstance(value, list | tuple):
        if len(value) != count:
            raise ValueError(
                f"{owner}: {name} has {len(value)} entries but there are {count} param groups "
                "(give one value per group, or a single number for all)"
            )
        return [float(v) for v in value]
    return [float(value)] * count


def check_low_high(owner: str, low_name: str, low: Any, high_name: str, high: Any) -> None:
    """Raise unless ``low <= high`` group by group (either may be a number or a list)."""
    lengths = [len(v) for v in (low, high) if isinstance(v, list | tuple)]
    count = lengths[0] if lengths else 1
    lows, highs = per_group(owner, low_name, low, count), per_group(owner, high_name, high, count)
    for group, (a, b) in enumerate(zip(lows, highs, strict=True)):
        if b < a:
            where = f" for param group {group}" if lengths else ""
            raise ValueError(f"{owner}: {high_name} ({b}) must be >= {low_name} ({a}){where}")


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

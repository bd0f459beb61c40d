"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign, shrink on flips."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minigrad.checks import check_bool, check_number

from .optimizer import Optimizer


class Rprop(Optimizer):
    r"""Rprop, resilient backpropagation: ``Rprop(params, lr=1e-2, etas=(0.5, 1.2),
    step_sizes=(1e-6, 50), *, maximize=False, scheduler=None, penalty=None)``.

    At every step, for each parameter theta with gradient g (eta-, eta+ = etas and
    s_min, s_max = step_sizes read from its group; the step sizes s start at the group's lr and
    the previous gradient p at zero), coordinate by coordinate:

        f     <- eta+ if g * p > 0,   eta- if g * p < 0,   1 if g * p == 0
        s     <- clip(s * f, s_min, s_max)
        g     <- 0 where f == eta-                       no step just after a sign flip
        theta <- theta - sign(g) * s
        p     <- g

    Only the sign of the gradient is used: each coordinate moves by its own step size s, which
    grows by eta+ while the gradient keeps its sign and shrinks by eta- when the sign flips (a
    minimum was jumped over). After a flip the coordinate rests for one step and p becomes 0, so
    the next step size is left unchanged. Rprop is meant for full-batch gradients: noisy
    minibatch gradients flip sign all the time and keep shrinking s.

    lr is only the starting step size, read on a parameter's first step (as in PyTorch): a
    scheduler that changes lr afterwards has no effect, and neither does weight decay, which
    Rprop does not take (a penalty's L2 part still enters g, its L1 part is still applied with
    the group's lr).

    Paper: M. Riedmiller and H. Braun, "A Direct Adaptive Method for Faster Backpropagation
    Learning: The RPROP Algorithm", IEEE ICNN 1993. Resting after a flip without undoing the
    previous step is the variant Rprop- (C. Igel and M. Hüsken, "Improving the Rprop Learning
    Algorithm", 2000); these are the equations in PyTorch's documentation.

    State per parameter, PyTorch's names: ``"step"`` (a Python int), ``"prev"`` (p) and
    ``"step_size"`` (s), arrays like the parameter. Rprop has no momentum, so CyclicLR and
    OneCycleLR need ``cycle_momentum=False`` with it.

    Args:
        params: Tensors that require grad, or parameter groups (dicts with ``"params"``).
        lr: the starting step size, >= 0.
        etas: (eta-, eta+) with 0 < eta- < 1 < eta+: the factors that shrink and grow s.
        step_sizes: (s_min, s_max) with 0 <= s_min <= s_max (s_max may be inf): the bounds of s.
        maximize: climb the objective instead: g <- -g before everything above.
        scheduler: a learning-rate scheduler built without an optimizer; this optimizer binds it
            and steps it after each of its own steps.
        penalty: an L1 / L2 / ElasticNet penalty for every group that does not set its own
            ``"penalty"`` (a group sets ``"penalty": None`` to go unpenalised).
    """

    state_kinds = {"step": "count", "prev": "array", "step_size": "nonnegative"}
    state_required = ("step", "prev", "step_size")
    state_meanings = {"step_size": "a step size"}

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        maximize: bool = False,
        scheduler: Any = None,
        penalty: Any = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "maximize": maximize,
            "penalty": penalty,
        }
        super().__init__(params, defaults)
        self._bind_scheduler(scheduler)

    def _check_group(self, group: dict[str, Any]) -> None:
        owner = type(self).__name__
        group["lr"] = check_number(owner, "lr", group["lr"], low=0)
        etas, sizes = group["etas"], group["step_sizes"]
        if not isinstance(etas, tuple | list) or len(etas) != 2:
            raise TypeError(f"{owner}: etas must be a pair (etaminus, etaplus), got {etas!r}")
        etaminus = check_number(
            owner, "etas[0]", etas[0], low=0, high=1, low_inclusive=False, high_inclusive=False
        )
        etaplus = check_number(owner, "etas[1]", etas[1], low=1, low_inclusive=False)
        group["etas"] = (etaminus, etaplus)
        if not isinstance(sizes, tuple | list) or len(sizes) != 2:
            raise TypeError(
                f"{owner}: step_sizes must be a pair (min_step, max_step), got {sizes!r}"
            )
        smallest = check_number(owner, "step_sizes[0]", sizes[0], low=0)
        largest = check_number(owner, "step_sizes[1]", sizes[1], low=0, allow_inf=True)
        if largest < smallest:
            raise ValueError(
                f"{owner}: step_sizes must be (min_step, max_step) with min_step <= max_step, "
                f"got {sizes!r}"
            )
        group["step_sizes"] = (smallest, largest)
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def _update(
        self, theta: Any, grad: Any, group: dict[str, Any], state: dict[str, Any], xp: Any
    ) -> None:
        etaminus, etaplus = float(group["etas"][0]), float(group["etas"][1])
        smallest, largest = float(group["step_sizes"][0]), float(group["step_sizes"][1])
        if not state:
            lr = float(group["lr"])
            state.update(step=0, prev=xp.zeros_like(theta), step_size=xp.full_like(theta, lr))
        state["step"] += 1
        prev, size = state["prev"], state["step_size"]

        # copyto with where= is one elementwise pass on a GPU (a boolean index would sync).
        factor = xp.sign(grad * prev)  # NaN where g is NaN, which then reaches s, as in PyTorch
        xp.copyto(factor, etaplus, where=factor > 0)
        xp.copyto(factor, etaminus, where=factor < 0)
        xp.copyto(factor, 1.0, where=factor == 0)  # f = eta+, eta- or 1 by the sign of g * p
        flipped = factor == etaminus
        size *= factor
        xp.clip(size, smallest, largest, out=size)  # s = clip(s f, s_min, s_max)
        grad = grad.copy()  # .grad stays as it was
        xp.copyto(grad, 0.0, where=flipped)  # no step after a sign flip, and p = 0 next time
        theta -= xp.sign(grad) * size
        prev[...] = grad

"""Adadelta: steps in the units of theta, from running means of g**2 and of past steps**2."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minigrad.checks import check_bool, check_number

from .optimizer import Optimizer


class Adadelta(Optimizer):
    r"""Adadelta: ``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, *,
    maximize=False, scheduler=None, penalty=None)``.

    At every step, for each parameter theta with gradient g (lr, rho, eps and lambda =
    weight_decay read from its group; v and u start at zero):

        g     <- g + lambda * theta                      weight decay (an L2 term in g)
        v     <- rho * v + (1 - rho) * g**2              running mean of g**2
        delta <- sqrt(u + eps) / sqrt(v + eps) * g       the step, before lr
        u     <- rho * u + (1 - rho) * delta**2          running mean of delta**2
        theta <- theta - lr * delta

    RMSprop divides g by rms(g), which leaves the step without units; Adadelta multiplies it by
    rms of the past steps, so the step has the units of theta (a Newton-like ratio, the paper's
    section 3.2) and the method needs no learning rate: lr = 1 is the paper's algorithm, and lr
    only scales it. Both means start at zero, so the first steps are about sqrt(eps) / |g| * g
    long, and u grows from there. eps sits inside both square roots.

    Paper: M. D. Zeiler, "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701 (2012).
    These are the equations in PyTorch's documentation (the paper's, times lr).

    State per parameter, PyTorch's names: ``"step"`` (a Python int), ``"square_avg"`` (v) and
    ``"acc_delta"`` (u), arrays like the parameter. Adadelta has no momentum, so CyclicLR and
    OneCycleLR need ``cycle_momentum=False`` with it.

    Args:
        params: Tensors that require grad, or parameter groups (dicts with ``"params"``).
        lr: >= 0, a factor on every step (1.0: Zeiler's algorithm).
        rho: the decay rate of both running means, in [0, 1].
        eps: >= 0, added inside both square roots.
        weight_decay: lambda, >= 0.
        maximize: climb the objective instead: g <- -g before everything above.
        scheduler: a learning-rate scheduler built without an optimizer; this optimizer binds it
            and steps it after each of its own steps.
        penalty: an L1 / L2 / ElasticNet penalty for every group that does not set its own
            ``"penalty"`` (a group sets ``"penalty": None`` to go unpenalised).
    """

    state_kinds = {"step": "count", "square_avg": "nonnegative", "acc_delta": "nonnegative"}
    state_required = ("step", "square_avg", "acc_delta")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        scheduler: Any = None,
        penalty: Any = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "penalty": penalty,
        }
        super().__init__(params, defaults)
        self._bind_scheduler(scheduler)

    def _check_group(self, group: dict[str, Any]) -> None:
        owner = type(self).__name__
        for name in ("lr", "eps", "weight_decay"):
            group[name] = check_number(owner, name, group[name], low=0)
        group["rho"] = check_number(owner, "rho", group["rho"], low=0, high=1)
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def _update(
        self, theta: Any, grad: Any, group: dict[str, Any], state: dict[str, Any], xp: Any
    ) -> None:
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        weight_decay = float(group["weight_decay"])
        if not state:
            state.update(step=0, square_avg=xp.zeros_like(theta), acc_delta=xp.zeros_like(theta))
        state["step"] += 1
        v, u = state["square_avg"], state["acc_delta"]

        if weight_decay != 0:
            grad = grad + weight_decay * theta
        v *= rho
        v += (1 - rho) * grad * grad  # v = rho v + (1 - rho) g^2
        delta = xp.sqrt(u + eps)
        delta /= xp.sqrt(v + eps)
        delta *= grad  # delta = sqrt(u + eps) / sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * delta * delta  # u = rho u + (1 - rho) delta^2
        delta *= lr
        theta -= delta

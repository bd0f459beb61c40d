"""Adagrad: divide each coordinate's step by the root of the sum of all its squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minigrad.checks import check_bool, check_number

from .optimizer import Optimizer


class Adagrad(Optimizer):
    r"""Adagrad: ``Adagrad(params, lr=0.01, lr_decay=0.0, weight_decay=0.0,
    initial_accumulator_value=0.0, eps=1e-10, *, maximize=False, scheduler=None, penalty=None)``.

    At every step, for each parameter theta with gradient g (lr, eta = lr_decay, lambda =
    weight_decay and eps read from its group; s starts at tau = initial_accumulator_value, t at 0):

        t     <- t + 1
        lr_t  <- lr / (1 + (t - 1) * eta)                the decayed learning rate
        g     <- g + lambda * theta                      weight decay (an L2 term in g)
        s     <- s + g**2                                the sum of every squared gradient
        theta <- theta - lr_t * g / (sqrt(s) + eps)

    A coordinate that has seen large gradients takes small steps and one that has seen small
    (or rare) gradients takes large steps, which suits sparse features. Because s only grows,
    every step size shrinks like 1 / sqrt(t) even without lr_decay, and training can stall:
    RMSprop replaces the sum by a running mean for that reason.

    Paper: J. Duchi, E. Hazan and Y. Singer, "Adaptive Subgradient Methods for Online Learning
    and Stochastic Optimization", JMLR 12 (2011). These are the equations in PyTorch's
    documentation (eps added after the square root).

    State per parameter: ``"step"`` (t, a Python int) and ``"sum"`` (s, an array like the
    parameter), PyTorch's names. s is made on the parameter's first step from the group's
    ``initial_accumulator_value`` (PyTorch makes it in the constructor, from the same value).
    Adagrad has no momentum, so CyclicLR and OneCycleLR need ``cycle_momentum=False`` with it.

    Args:
        params: Tensors that require grad, or parameter groups (dicts with ``"params"``).
        lr: learning rate, >= 0.
        lr_decay: eta, >= 0.
        weight_decay: lambda, >= 0.
        initial_accumulator_value: tau, >= 0, the starting value of every entry of s.
        eps: >= 0, added to the denominator.
        maximize: climb the objective instead: g <- -g before everything above.
        scheduler: a learning-rate scheduler built without an optimizer; this optimizer binds it
            and steps it after each of its own steps.
        penalty: an L1 / L2 / ElasticNet penalty for every group that does not set its own
            ``"penalty"`` (a group sets ``"penalty": None`` to go unpenalised).
    """

    state_kinds = {"step": "count", "sum": "nonnegative"}
    state_required = ("step", "sum")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
        scheduler: Any = None,
        penalty: Any = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": maximize,
            "penalty": penalty,
        }
        super().__init__(params, defaults)
        self._bind_scheduler(scheduler)

    def _check_group(self, group: dict[str, Any]) -> None:
        owner = type(self).__name__
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            group[name] = check_number(owner, name, group[name], low=0)
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def _update(
        self, theta: Any, grad: Any, group: dict[str, Any], state: dict[str, Any], xp: Any
    ) -> None:
        lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
        weight_decay = float(group["weight_decay"])
        if not state:
            tau = float(group["initial_accumulator_value"])
            state.update(step=0, sum=xp.full_like(theta, tau))
        state["step"] += 1
        decayed_lr = lr / (1 + (state["step"] - 1) * lr_decay)  # a Python float: no device work

        if weight_decay != 0:
            grad = grad + weight_decay * theta
        s = state["sum"]
        s += grad * grad  # s = s + g^2
        denominator = xp.sqrt(s)
        denominator += eps
        theta -= decayed_lr * (grad / denominator)

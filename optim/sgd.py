"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minigrad import kernels
from minigrad.checks import check_bool, check_number

from . import fused
from .optimizer import Optimizer


class SGD(Optimizer):
    r"""Stochastic gradient descent: ``SGD(params, lr=1e-3, momentum=0.0, dampening=0.0,
    weight_decay=0.0, nesterov=False, *, maximize=False, scheduler=None, penalty=None)``.

    At every step, for each parameter theta with gradient g (lr, mu = momentum, tau = dampening
    and lambda = weight_decay read from its group):

        g  <- g + lambda * theta                       weight decay (an L2 term in the gradient)
        b  <- g                                        on the first step, if mu > 0
        b  <- mu * b + (1 - tau) * g                   on later steps
        g  <- g + mu * b    if nesterov,  else  g <- b
        theta <- theta - lr * g

    b is the momentum buffer (``state["momentum_buffer"]``): a running, decaying sum of past
    gradients, so steps keep going in directions the gradient keeps pointing to and cancel out
    where it oscillates. Dampening tau scales down the new gradient's share of it.

    Nesterov momentum (Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and
    momentum in deep learning", ICML 2013) looks one momentum step ahead: it steps along
    g + mu * b instead of b. This is the formulation in PyTorch's documentation, which evaluates
    the gradient at theta rather than at the look-ahead point; it needs mu > 0 and tau = 0.

    With ``momentum=0`` this is plain (stochastic) gradient descent, theta <- theta - lr * g, and
    with a penalty it is the proximal gradient method (see ``docs/optim.md``).

    Args:
        params: Tensors that require grad, or parameter groups (dicts with ``"params"``).
        lr: learning rate, >= 0.
        momentum: mu, >= 0 (0 turns momentum off).
        dampening: tau, >= 0.
        weight_decay: lambda, >= 0: adds lambda * theta to the gradient.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening = 0).
        maximize: climb the objective instead: g <- -g before everything above.
        scheduler: a learning-rate scheduler built without an optimizer; this optimizer binds it
            and steps it after each of its own steps.
        penalty: an L1 / L2 / ElasticNet penalty for every group that does not set its own
            ``"penalty"`` (a group sets ``"penalty": None`` to go unpenalised).
    """

    state_kinds = {"momentum_buffer": "array"}

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        scheduler: Any = None,
        penalty: Any = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "nesterov": nesterov,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "penalty": penalty,
        }
        super().__init__(params, defaults)
        self._bind_scheduler(scheduler)

    def _check_group(self, group: dict[str, Any]) -> None:
        owner = type(self).__name__
        for name in ("lr", "momentum", "dampening", "weight_decay"):
            group[name] = check_number(owner, name, group[name], low=0)
        group["nesterov"] = check_bool(owner, "nesterov", group["nesterov"])
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"{owner}: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r} and dampening={group['dampening']!r}"
            )

    def _update(
        self, theta: Any, grad: Any, group: dict[str, Any], state: dict[str, Any], xp: Any
    ) -> None:
        lr, weight_decay = float(group["lr"]), float(group["weight_decay"])
        momentum, dampening = float(group["momentum"]), float(group["dampening"])

        if kernels.usable(xp, theta):  # on the GPU: the same equations in one kernel
            first = momentum != 0 and "momentum_buffer" not in state
            if first:
                state["momentum_buffer"] = xp.zeros_like(theta)
            fused.sgd_(
                theta,
                grad,
                state["momentum_buffer"] if momentum != 0 else None,
                lr=lr,
                decay=weight_decay,
                momentum=momentum,
                dampening=dampening,
                nesterov=group["nesterov"],
                first=first,
            )
            return

        if weight_decay != 0:
            grad = grad + weight_decay * theta
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                # A copy (grad may be param.grad.data itself), in the parameter's dtype.
                buffer = state["momentum_buffer"] = grad.astype(theta.dtype)
            else:
                buffer *= momentum
                buffer += (1 - dampening) * grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        theta -= lr * grad

"""RMSprop: divide each coordinate's step by a running root mean square of its gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minigrad.checks import check_bool, check_number

from .optimizer import Optimizer


class RMSprop(Optimizer):
    r"""RMSprop: ``RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
    centered=False, *, maximize=False, scheduler=None, penalty=None)``.

    At every step, for each parameter theta with gradient g (lr, alpha, eps, mu = momentum and
    lambda = weight_decay read from its group; v, g_avg and b start at zero):

        g     <- g + lambda * theta                      weight decay (an L2 term in g)
        v     <- alpha * v + (1 - alpha) * g**2          running mean of g**2
        g_avg <- alpha * g_avg + (1 - alpha) * g         only if centered
        d     <- sqrt(v - g_avg**2) + eps   if centered,   else   sqrt(v) + eps
        b     <- mu * b + g / d                          if mu > 0
        theta <- theta - lr * b             if mu > 0,     else   theta - lr * g / d

    Each coordinate moves by about lr * g / rms(g): the step no longer depends on the scale of
    the gradient, so steep and shallow directions make progress at a similar pace. Centered
    RMSprop divides by the standard deviation of g instead (the mean square minus the squared
    mean), which is smaller when the gradient is consistent, so consistent directions take larger
    steps. Momentum here accumulates the already-divided step g / d, not g as SGD's does.

    Unlike Adam, v is not bias-corrected: it starts at zero and, with alpha = 0.99, is about
    1 - 0.99**t of its true size after t steps, so the first steps are larger than lr (the
    first is lr * g / (sqrt(0.01) * |g|) = 10 lr per coordinate when eps is negligible).

    Source: G. Hinton, Neural Networks for Machine Learning, lecture 6e (2012), for RMSprop;
    A. Graves, "Generating Sequences With Recurrent Neural Networks", arXiv:1308.0850 (2013), for
    the centered version. These equations are the ones in PyTorch's documentation (eps added
    after the square root).

    State per parameter: ``"step"`` (a Python int), ``"square_avg"`` (v), and, when used,
    ``"grad_avg"`` (g_avg) and ``"momentum_buffer"`` (b): arrays like the parameter, PyTorch's
    names. CyclicLR and OneCycleLR cycle ``momentum`` as they do SGD's.

    Args:
        params: Tensors that require grad, or parameter groups (dicts with ``"params"``).
        lr: learning rate, >= 0.
        alpha: smoothing constant of the running means, in [0, 1].
        eps: >= 0, added to the denominator.
        weight_decay: lambda, >= 0.
        momentum: mu, >= 0 (0 turns momentum off).
        centered: divide by the estimated standard deviation of g rather than its rms.
        maximize: climb the objective instead: g <- -g before everything above.
        scheduler: a learning-rate scheduler built without an optimizer; this optimizer binds it
            and steps it after each of its own steps.
        penalty: an L1 / L2 / ElasticNet penalty for every group that does not set its own
            ``"penalty"`` (a group sets ``"penalty": None`` to go unpenalised).
    """

    state_kinds = {
        "step": "count",
        "square_avg": "nonnegative",
        "grad_avg": "array",
        "momentum_buffer": "array",
    }
    state_required = ("step", "square_avg")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
        scheduler: Any = None,
        penalty: Any = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
            "penalty": penalty,
        }
        super().__init__(params, defaults)
        self._bind_scheduler(scheduler)

    def _check_group(self, group: dict[str, Any]) -> None:
        owner = type(self).__name__
        for name in ("lr", "eps", "weight_decay", "momentum"):
            group[name] = check_number(owner, name, group[name], low=0)
        group["alpha"] = check_number(owner, "alpha", group["alpha"], low=0, high=1)
        group["centered"] = check_bool(owner, "centered", group["centered"])
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def _update(
        self, theta: Any, grad: Any, group: dict[str, Any], state: dict[str, Any], xp: Any
    ) -> None:
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
        if not state:
            state.update(step=0, square_avg=xp.zeros_like(theta))
        state["step"] += 1

        if weight_decay != 0:
            grad = grad + weight_decay * theta
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * grad * grad  # v = alpha v + (1 - alpha) g^2
        if group["centered"]:
            if "grad_avg" not in state:
                state["grad_avg"] = xp.zeros_like(theta)
            g_avg = state["grad_avg"]
            g_avg *= alpha
            g_avg += (1 - alpha) * grad  # g_avg = alpha g_avg + (1 - alpha) g
            denominator = xp.sqrt(v - g_avg * g_avg)
        else:
            denominator = xp.sqrt(v)
        denominator += eps
        if momentum > 0:
            if "momentum_buffer" not in state:  # made when momentum is first > 0
                state["momentum_buffer"] = xp.zeros_like(theta)
            buffer = state["momentum_buffer"]
            buffer *= momentum
            buffer += grad / denominator  # b = mu b + g / d
            theta -= lr * buffer
        else:
            theta -= lr * (grad / denominator)

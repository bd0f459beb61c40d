"""Adamax: Adam with the root mean square replaced by a decaying maximum of |g|."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minigrad.checks import check_bool, check_number

from .optimizer import Optimizer, check_betas


class Adamax(Optimizer):
    r"""Adamax: ``Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, *,
    maximize=False, scheduler=None, penalty=None)``.

    At every step, for each parameter theta with gradient g (lr, beta1, beta2, eps and
    lambda = weight_decay read from its group; m and u start at zero, t at 0):

        t  <- t + 1
        g  <- g + lambda * theta                         weight decay, as an L2 term in g
        m  <- beta1 * m + (1 - beta1) * g                running mean of g, as in Adam
        u  <- max(beta2 * u, |g| + eps)                  decaying maximum of |g|
        theta <- theta - lr / (1 - beta1**t) * m / u

    Adam divides by the (bias-corrected) L2 norm of the past gradients, weighted by beta2; Adamax
    lets the norm's order go to infinity, which gives the weighted maximum u. u needs no bias
    correction (a maximum is not pulled towards its zero start the way a mean is), and it is
    never below eps, so the division is always finite.

    Paper: D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization",
    arXiv:1412.6980 (2014), section 7.1. (The paper has u <- max(beta2 * u, |g|) and no eps;
    these are PyTorch's equations, which put eps inside the maximum.)

    State per parameter, PyTorch's names: ``"step"`` (t, a Python int), ``"exp_avg"`` (m) and
    ``"exp_inf"`` (u), arrays like the parameter. CyclicLR and OneCycleLR cycle ``betas[0]`` as
    they do Adam's.

    Args:
        params: Tensors that require grad, or parameter groups (dicts with ``"params"``).
        lr: learning rate, >= 0.
        betas: (beta1, beta2), each in [0, 1): the decay rates of m and u.
        eps: >= 0, the floor of u.
        weight_decay: lambda, >= 0.
        maximize: climb the objective instead: g <- -g before everything above.
        scheduler: a learning-rate scheduler built without an optimizer; this optimizer binds it
            and steps it after each of its own steps.
        penalty: an L1 / L2 / ElasticNet penalty for every group that does not set its own
            ``"penalty"`` (a group sets ``"penalty": None`` to go unpenalised).
    """

    state_kinds = {"step": "count", "exp_avg": "array", "exp_inf": "nonnegative"}
    state_required = ("step", "exp_avg", "exp_inf")
    state_meanings = {"exp_inf": "a running maximum of |g|"}

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        scheduler: Any = None,
        penalty: Any = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
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
        group["betas"] = check_betas(owner, group["betas"])
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def _update(
        self, theta: Any, grad: Any, group: dict[str, Any], state: dict[str, Any], xp: Any
    ) -> None:
        lr, eps, weight_decay = (
            float(group["lr"]),
            float(group["eps"]),
            float(group["weight_decay"]),
        )
        beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
        if not state:
            state.update(step=0, exp_avg=xp.zeros_like(theta), exp_inf=xp.zeros_like(theta))
        state["step"] += 1
        m, u = state["exp_avg"], state["exp_inf"]

        if weight_decay != 0:
            grad = grad + weight_decay * theta
        m *= beta1
        m += (1 - beta1) * grad  # m = beta1 m + (1 - beta1) g
        u *= beta2
        bound = xp.abs(grad)
        bound += eps
        xp.maximum(u, bound, out=u)  # u = max(beta2 u, |g| + eps)
        step = xp.divide(m, u, out=bound)
        step *= lr / (1 - beta1 ** state["step"])  # a Python float: no device work
        theta -= step

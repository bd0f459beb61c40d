"""RAdam: Adam whose adaptive step is switched on, and scaled, by the variance's reliability."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from minigrad.checks import check_bool, check_number

from .optimizer import Optimizer, check_betas


class RAdam(Optimizer):
    r"""RAdam, rectified Adam: ``RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
    weight_decay=0.0, decoupled_weight_decay=False, *, maximize=False, scheduler=None,
    penalty=None)``.

    At every step, for each parameter theta with gradient g (lr, beta1, beta2, eps and
    lambda = weight_decay read from its group; m and v start at zero, t at 0):

        t     <- t + 1
        g     <- g + lambda * theta          weight decay as an L2 term in g, or, decoupled:
        theta <- theta * (1 - lr * lambda)   (with decoupled_weight_decay=True, instead)
        m     <- beta1 * m + (1 - beta1) * g
        v     <- beta2 * v + (1 - beta2) * g**2
        m_hat <- m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t   = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho_t > 5:
            r     = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
            theta <- theta - lr * m_hat * r * sqrt(1 - beta2**t) / (sqrt(v) + eps)
        else:
            theta <- theta - lr * m_hat                 SGD with momentum: no division by v

    rho_t is the length of the simple moving average that v's exponential average stands for
    after t steps. While it is short the variance of the adaptive factor 1 / sqrt(v_hat) is
    large (unbounded for rho_t <= 4), which is what makes Adam need a warm-up; RAdam then takes
    plain momentum steps, and afterwards multiplies Adam's step by r, the ratio that makes the
    factor's variance that of the limit rho_inf. r grows from near 0 towards 1, a warm-up
    derived from beta2 rather than tuned. With beta2 = 0.999 the switch happens at t = 6.

    Paper: L. Liu, H. Jiang, P. He, W. Chen, X. Liu, J. Gao and J. Han, "On the Variance of the
    Adaptive Learning Rate and Beyond", ICLR 2020 (arXiv:1908.03265). The switch at rho_t > 5
    and eps added after the square root are PyTorch's (the paper's algorithm switches at 4 and
    has no eps); decoupled_weight_decay shrinks theta as AdamW does.

    State per parameter, PyTorch's names: ``"step"`` (t, a Python int), ``"exp_avg"`` (m) and
    ``"exp_avg_sq"`` (v), arrays like the parameter. CyclicLR and OneCycleLR cycle ``betas[0]``.

    Args:
        params: Tensors that require grad, or parameter groups (dicts with ``"params"``).
        lr: learning rate, >= 0.
        betas: (beta1, beta2), each in [0, 1): the decay rates of m and v.
        eps: >= 0, added to the denominator.
        weight_decay: lambda, >= 0.
        decoupled_weight_decay: shrink theta by (1 - lr * lambda) instead of adding
            lambda * theta to g.
        maximize: climb the objective instead: g <- -g before everything above.
        scheduler: a learning-rate scheduler built without an optimizer; this optimizer binds it
            and steps it after each of its own steps.
        penalty: an L1 / L2 / ElasticNet penalty for every group that does not set its own
            ``"penalty"`` (a group sets ``"penalty": None`` to go unpenalised).
    """

    state_kinds = {"step": "count", "exp_avg": "array", "exp_avg_sq": "nonnegative"}
    state_required = ("step", "exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
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
            "decoupled_weight_decay": decoupled_weight_decay,
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
        group["decoupled_weight_decay"] = check_bool(
            owner, "decoupled_weight_decay", group["decoupled_weight_decay"]
        )
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
            state.update(step=0, exp_avg=xp.zeros_like(theta), exp_avg_sq=xp.zeros_like(theta))
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]

        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                theta *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * theta
        m *= beta1
        m += (1 - beta1) * grad  # m = beta1 m + (1 - beta1) g
        v *= beta2
        v += (1 - beta2) * grad * grad  # v = beta2 v + (1 - beta2) g^2
        # Everything that depends on t alone is a Python float: no device work, no sync.
        correction1, correction2 = 1 - beta1**t, 1 - beta2**t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / correction2
        if rho_t > 5:  # the variance of the adaptive factor is tractable: rectified Adam
            r = math.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            denominator = xp.sqrt(v)
            denominator += eps
            theta -= (lr * r * math.sqrt(correction2) / correction1) * (m / denominator)
        else:  # too few steps for v to mean anything: momentum SGD on the corrected m
            theta -= (lr / correction1) * m

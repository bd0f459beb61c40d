"""NAdam: Adam with Nesterov momentum, and a momentum that warms up over the first steps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minigrad.checks import check_bool, check_number

from .optimizer import Optimizer, check_betas, scalar_dtype


class NAdam(Optimizer):
    r"""NAdam: ``NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
    momentum_decay=4e-3, decoupled_weight_decay=False, *, maximize=False, scheduler=None,
    penalty=None)``.

    At every step, for each parameter theta with gradient g (lr, beta1, beta2, eps, lambda =
    weight_decay and psi = momentum_decay read from its group; m and v start at zero, t at 0, the
    product P of the momentum coefficients at 1):

        t     <- t + 1
        g     <- g + lambda * theta          weight decay as an L2 term in g, or, decoupled:
        theta <- theta * (1 - lr * lambda)   (with decoupled_weight_decay=True, instead)
        mu    <- beta1 * (1 - 0.5 * 0.96**(t * psi))        this step's momentum coefficient
        mu'   <- beta1 * (1 - 0.5 * 0.96**((t + 1) * psi))  the next step's
        P     <- P * mu                                      mu_1 * mu_2 * ... * mu_t
        m     <- beta1 * m + (1 - beta1) * g
        v     <- beta2 * v + (1 - beta2) * g**2
        d     <- sqrt(v / (1 - beta2**t)) + eps
        theta <- theta - lr * (1 - mu) / (1 - P) * g / d - lr * mu' / (1 - P * mu') * m / d

    Nesterov momentum looks one momentum step ahead: the update uses the next step's momentum
    term mu' * m (bias-corrected with the product of the coefficients up to t + 1) plus the
    share (1 - mu) of the current gradient, rather than Adam's m alone. The coefficient mu
    starts near beta1 / 2 and rises towards beta1 as t * psi grows (the "momentum schedule" of
    the paper), so the first steps lean on the gradient more than on the young average m.

    Paper: T. Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop. These are
    the equations in PyTorch's documentation; decoupled_weight_decay shrinks theta as AdamW
    does (I. Loshchilov and F. Hutter, arXiv:1711.05101, 2017).

    State per parameter, PyTorch's names: ``"step"`` (t, a Python int), ``"mu_product"`` (P, a
    Python float), ``"exp_avg"`` (m) and ``"exp_avg_sq"`` (v), arrays like the parameter. As in
    PyTorch, which keeps P in a 0-d tensor, P is computed in float32 unless the default dtype is
    float64 (``minigrad.set_default_dtype``), whatever the parameter's dtype. CyclicLR and
    OneCycleLR cycle ``betas[0]`` as they do Adam's.

    Args:
        params: Tensors that require grad, or parameter groups (dicts with ``"params"``).
        lr: learning rate, >= 0.
        betas: (beta1, beta2), each in [0, 1): the decay rates of m and v.
        eps: >= 0, added to the denominator.
        weight_decay: lambda, >= 0.
        momentum_decay: psi, >= 0: how fast mu rises towards beta1.
        decoupled_weight_decay: shrink theta by (1 - lr * lambda) instead of adding
            lambda * theta to g.
        maximize: climb the objective instead: g <- -g before everything above.
        scheduler: a learning-rate scheduler built without an optimizer; this optimizer binds it
            and steps it after each of its own steps.
        penalty: an L1 / L2 / ElasticNet penalty for every group that does not set its own
            ``"penalty"`` (a group sets ``"penalty": None`` to go unpenalised).
    """

    state_kinds = {
        "step": "count",
        "mu_product": "number",
        "exp_avg": "array",
        "exp_avg_sq": "nonnegative",
    }
    state_required = ("step", "mu_product", "exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
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
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "penalty": penalty,
        }
        super().__init__(params, defaults)
        self._bind_scheduler(scheduler)

    def _check_group(self, group: dict[str, Any]) -> None:
        owner = type(self).__name__
        for name in ("lr", "eps", "weight_decay", "momentum_decay"):
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
        psi = float(group["momentum_decay"])
        if not state:
            state.update(
                step=0,
                mu_product=1.0,
                exp_avg=xp.zeros_like(theta),
                exp_avg_sq=xp.zeros_like(theta),
            )
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]

        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                theta *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * theta
        # The momentum coefficients and their product are Python floats: no device work.
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        # P is multiplied in its own precision, as PyTorch's 0-d tensor is (float32 by default).
        dtype = scalar_dtype()
        state["mu_product"] = product = float(dtype(state["mu_product"]) * dtype(mu))
        m *= beta1
        m += (1 - beta1) * grad  # m = beta1 m + (1 - beta1) g
        v *= beta2
        v += (1 - beta2) * grad * grad  # v = beta2 v + (1 - beta2) g^2
        denominator = xp.sqrt(v / (1 - beta2**t))
        denominator += eps
        theta -= (lr * (1 - mu) / (1 - product)) * (grad / denominator)
        theta -= (lr * mu_next / (1 - product * mu_next)) * (m / denominator)

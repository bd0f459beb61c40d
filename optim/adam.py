"""Adam and AdamW: per-coordinate steps from running averages of the gradient and its square."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from minigrad import kernels
from minigrad.checks import check_bool, check_number

from . import fused
from .optimizer import Optimizer, check_betas


class Adam(Optimizer):
    r"""Adam: ``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
    amsgrad=False, *, maximize=False, scheduler=None, penalty=None)``.

    At every step, for each parameter theta with gradient g (lr, beta1, beta2, eps and
    lambda = weight_decay read from its group; m and v start at zero, t at 0):

        t  <- t + 1
        g  <- g + lambda * theta                         weight decay, as an L2 term in g
        m  <- beta1 * m + (1 - beta1) * g                running mean of g       (1st moment)
        v  <- beta2 * v + (1 - beta2) * g**2             running mean of g**2    (2nd moment)
        v_hat <- max(v_hat, v)                           only with amsgrad; v_hat replaces v below
        theta <- theta - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Each coordinate moves by about lr * mean(g) / rms(g): large where the gradient is consistent,
    small where it is noisy or large, whatever the scale of the loss. m and v start at zero, so
    early on they are biased towards zero; dividing by 1 - beta**t (the bias correction) removes
    that. eps keeps the division finite where v is zero. (The paper writes
    m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t): the
    same thing, arranged as above, which is how PyTorch computes it.) The code uses the paper's
    own cheaper ordering of the last line (end of its section 2), exactly equal to it:

        c = sqrt(1 - beta2**t)
        theta <- theta - lr * c / (1 - beta1**t) * m / (sqrt(v) + eps * c)

    which folds both bias corrections into one number and saves a pass over every parameter.

    amsgrad (Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018) divides by
    the largest v seen so far (uncorrected), so a coordinate's step size can only shrink: Adam's
    step can grow again when v decays after a burst of large gradients, which can stop it from
    converging.

    Weight decay here is added to the gradient, so Adam divides it by sqrt(v) like the rest of g:
    heavily-updated coordinates are decayed less. ``AdamW`` decouples the two.

    Paper: D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization",
    arXiv:1412.6980 (2014).

    State per parameter, under PyTorch's names so that a ``state_dict()`` has PyTorch's layout:
    ``"step"`` (t, a Python int), ``"exp_avg"`` (m), ``"exp_avg_sq"`` (v) and, with amsgrad,
    ``"max_exp_avg_sq"`` (v_hat), arrays like the parameter. An older checkpoint, with the entries
    named ``"m"``, ``"v"`` and ``"v_hat"``, still loads.

    Args:
        params: Tensors that require grad, or parameter groups (dicts with ``"params"``).
        lr: learning rate, >= 0.
        betas: (beta1, beta2), each in [0, 1): the decay rates of m and v.
        eps: >= 0, added to the denominator.
        weight_decay: lambda, >= 0.
        amsgrad: use the AMSGrad variant.
        maximize: climb the objective instead: g <- -g before everything above.
        scheduler: a learning-rate scheduler built without an optimizer; this optimizer binds it
            and steps it after each of its own steps.
        penalty: an L1 / L2 / ElasticNet penalty for every group that does not set its own
            ``"penalty"`` (a group sets ``"penalty": None`` to go unpenalised).
    """

    state_kinds = {
        "step": "count",
        "exp_avg": "array",
        "exp_avg_sq": "nonnegative",
        "max_exp_avg_sq": "nonnegative",
    }
    state_required = ("step", "exp_avg", "exp_avg_sq")
    # The names older checkpoints used, read as PyTorch's.
    state_aliases = {"m": "exp_avg", "v": "exp_avg_sq", "v_hat": "max_exp_avg_sq"}

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
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
            "amsgrad": amsgrad,
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
        group["amsgrad"] = check_bool(owner, "amsgrad", group["amsgrad"])
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def _update(
        self, theta: Any, grad: Any, group: dict[str, Any], state: dict[str, Any], xp: Any
    ) -> None:
        self._adam_step(theta, grad, group, state, xp, decay=float(group["weight_decay"]))

    def _adam_step(
        self,
        theta: Any,
        grad: Any,
        group: dict[str, Any],
        state: dict[str, Any],
        xp: Any,
        *,
        decay: float = 0.0,
        shrink: float = 1.0,
    ) -> None:
        """The Adam update of ``theta`` in place, after theta <- shrink * theta (AdamW's decay)
        and with g <- g + decay * theta (Adam's)."""
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
        if not state:
            state.update(step=0, exp_avg=xp.zeros_like(theta), exp_avg_sq=xp.zeros_like(theta))
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = xp.zeros_like(theta)
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        # The bias corrections as Python floats (no float64 array, no device sync), folded into
        # one step size as in the class docstring: multiply both sides of the division by
        # sqrt(1 - beta2^t) and nothing changes but the number of passes over the arrays.
        root_correction2 = math.sqrt(1 - beta2**t)
        step_size = lr * root_correction2 / (1 - beta1**t)
        if kernels.usable(xp, theta):  # on the GPU: the same equations in one kernel
            v_hat = state.get("max_exp_avg_sq") if group["amsgrad"] else None
            fused.adam_(
                theta,
                grad,
                m,
                v,
                v_hat,
                beta1=beta1,
                beta2=beta2,
                step_size=step_size,
                eps_c=eps * root_correction2,
                decay=decay,
                shrink=shrink,
            )
            return

        if decay != 0:
            grad = grad + decay * theta
        if shrink != 1:
            theta *= shrink
        # Every intermediate result goes into one scratch array, updated in place with out=:
        # a step allocates one temporary per parameter instead of six.
        scratch = xp.multiply(grad, 1 - beta1)
        m *= beta1
        m += scratch  # m = beta1 m + (1 - beta1) g
        xp.multiply(grad, 1 - beta2, out=scratch)
        scratch *= grad
        v *= beta2
        v += scratch  # v = beta2 v + (1 - beta2) g^2
        if group["amsgrad"]:
            v_hat = state["max_exp_avg_sq"]
            xp.maximum(v_hat, v, out=v_hat)
            v = v_hat

        denominator = xp.sqrt(v, out=scratch)
        denominator += eps * root_correction2  # sqrt(v) + eps sqrt(1 - beta2^t)
        step = xp.divide(m, denominator, out=scratch)
        step *= step_size
        theta -= step


class AdamW(Adam):
    r"""AdamW, Adam with decoupled weight decay: ``AdamW(params, lr=1e-3, betas=(0.9, 0.999),
    eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False, scheduler=None,
    penalty=None)``.

    The same as ``Adam`` except for where the weight decay lambda acts. Instead of adding
    lambda * theta to g, it shrinks theta directly, first, with the current (scheduled) lr:

        theta <- theta * (1 - lr * lambda)
        then the Adam step above with g left as it is (no lambda * theta in g)

    In Adam the decay term passes through the division by sqrt(v), so coordinates with large
    gradients are barely decayed, and the decay's strength is tied to the gradient scale. Here
    every coordinate shrinks by the same factor, as with plain SGD's weight decay: the decay is
    *decoupled* from the adaptive step, and lr and lambda can be tuned more independently.

    Paper: I. Loshchilov and F. Hutter, "Decoupled Weight Decay Regularization",
    arXiv:1711.05101 (2017). (The paper scales the decay by the schedule multiplier; this class,
    like PyTorch, multiplies it by the scheduled lr itself.)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        scheduler: Any = None,
        penalty: Any = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            scheduler=scheduler,
            penalty=penalty,
        )

    def _update(
        self, theta: Any, grad: Any, group: dict[str, Any], state: dict[str, Any], xp: Any
    ) -> None:
        shrink = 1 - float(group["lr"]) * float(group["weight_decay"])
        self._adam_step(theta, grad, group, state, xp, shrink=shrink)

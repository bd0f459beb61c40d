"""ASGD: SGD with a decaying step size, and a running average of the iterates (Polyak averaging)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minigrad.checks import check_bool, check_number

from .optimizer import Optimizer, as_scalar_state


class ASGD(Optimizer):
    r"""ASGD, averaged SGD: ``ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6,
    weight_decay=0.0, *, maximize=False, scheduler=None, penalty=None)``.

    At every step, for each parameter theta with gradient g (lr, lambd, alpha, t0 and lambda =
    weight_decay read from its group; the step size eta starts at lr, the averaging weight mu
    at 1, the average a at zero, t at 0):

        t     <- t + 1
        g     <- g + lambda * theta                      weight decay (an L2 term in g)
        theta <- theta * (1 - lambd * eta)               a decay by the current step size
        theta <- theta - eta * g
        a     <- a + mu * (theta - a)                    (a <- theta while mu == 1)
        eta   <- lr / (1 + lambd * lr * t)**alpha        the step size of the next step
        mu    <- 1 / max(1, t - t0)                      the averaging weight of the next step

    The parameters themselves follow SGD with a step size that decays like t**(-alpha). The
    average a of the iterates is what converges faster (Polyak and Juditsky): until step t0 it
    just copies theta, afterwards it is the mean of every theta since t0. ASGD does not use a
    for training: it is in the state (``optimizer.state[p]["ax"]``) for you to copy into the
    model for evaluation.

    Papers: B. T. Polyak and A. B. Juditsky, "Acceleration of Stochastic Approximation by
    Averaging", SIAM J. Control Optim. 30(4), 1992; the step sizes are those of L. Bottou,
    "Stochastic Gradient Descent Tricks", Neural Networks: Tricks of the Trade (2012). These are
    PyTorch's equations (its documentation cites the same paper).

    State per parameter, PyTorch's names: ``"step"`` (t, a Python int), ``"eta"`` and ``"mu"``
    (Python floats) and ``"ax"`` (a, an array like the parameter). As in PyTorch, which keeps
    eta and mu in 0-d tensors, they are rounded to float32 unless the default dtype is float64
    (``minigrad.set_default_dtype``), whatever the parameter's dtype. eta is computed from the
    group's lr at the end of each step, so a scheduler's lr takes effect one step later than in
    other optimizers. ASGD has no momentum, so CyclicLR and OneCycleLR need
    ``cycle_momentum=False`` with it.

    Args:
        params: Tensors that require grad, or parameter groups (dicts with ``"params"``).
        lr: learning rate, >= 0.
        lambd: >= 0, the decay term and the scale of the step size's decay.
        alpha: >= 0, the power of the step size's decay.
        t0: >= 0, the step after which a starts averaging.
        weight_decay: lambda, >= 0.
        maximize: climb the objective instead: g <- -g before everything above.
        scheduler: a learning-rate scheduler built without an optimizer; this optimizer binds it
            and steps it after each of its own steps.
        penalty: an L1 / L2 / ElasticNet penalty for every group that does not set its own
            ``"penalty"`` (a group sets ``"penalty": None`` to go unpenalised).
    """

    state_kinds = {"step": "count", "eta": "number", "mu": "number", "ax": "array"}
    state_required = ("step", "eta", "mu", "ax")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        scheduler: Any = None,
        penalty: Any = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "penalty": penalty,
        }
        super().__init__(params, defaults)
        self._bind_scheduler(scheduler)

    def _check_group(self, group: dict[str, Any]) -> None:
        owner = type(self).__name__
        for name in ("lr", "lambd", "alpha", "t0", "weight_decay"):
            group[name] = check_number(owner, name, group[name], low=0)
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def _update(
        self, theta: Any, grad: Any, group: dict[str, Any], state: dict[str, Any], xp: Any
    ) -> None:
        lr, lambd, alpha = float(group["lr"]), float(group["lambd"]), float(group["alpha"])
        t0, weight_decay = float(group["t0"]), float(group["weight_decay"])
        if not state:
            state.update(step=0, eta=as_scalar_state(lr), mu=1.0, ax=xp.zeros_like(theta))
        state["step"] += 1
        t, eta, mu, ax = state["step"], float(state["eta"]), float(state["mu"]), state["ax"]

        if weight_decay != 0:
            grad = grad + weight_decay * theta
        theta *= 1 - lambd * eta  # the decay term
        theta -= eta * grad
        if mu != 1:
            ax += mu * (theta - ax)  # a = a + mu (theta - a)
        else:
            ax[...] = theta
        # The next step's eta and mu: Python floats (no device work), rounded as PyTorch's.
        state["eta"] = as_scalar_state(lr / (1 + lambd * lr * t) ** alpha)
        state["mu"] = as_scalar_state(1 / max(1, t - t0))

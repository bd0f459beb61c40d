"""Penalty terms: L1 (Lasso), L2 (Ridge) and their mix, the Elastic Net.

With strength ``alpha >= 0`` and mixing ratio ``r`` in [0, 1] (the notes' formula, summed over
every parameter theta_i):

    J(theta) = MSE(theta) + r * alpha * sum_i |theta_i| + (1 - r) / 2 * alpha * sum_i theta_i**2

    r = 1:  Lasso, alpha * sum_i |theta_i|          L1(alpha)  ==  ElasticNet(alpha, 1)
    r = 0:  Ridge, alpha / 2 * sum_i theta_i**2     L2(alpha)  ==  ElasticNet(alpha, 0)

Two ways to use a penalty:

1. As a loss term: ``loss = mse + penalty(model.parameters())``. Autograd then adds the
   (sub)gradient ``r * alpha * sign(theta) + (1 - r) * alpha * theta``, with sign(0) = 0.
   Simple, but a (sub)gradient step never lands a weight exactly on zero: it jumps back and
   forth across it.
2. Handed to an optimizer: ``SGD(params, lr=0.1, penalty=ElasticNet(0.1, 0.5))``. The optimizer
   adds the smooth part to the gradient (:meth:`ElasticNet.smooth_grad`) before its update and
   applies the L1 part afterwards as a proximal step (:meth:`ElasticNet.prox_`), which sets small
   weights exactly to zero. Use one way or the other, not both at once.

Biases and normalisation parameters are usually left unpenalised (shrinking a bias towards zero
only shifts the predictions). Give them their own parameter group without a ``"penalty"`` key::

    SGD([{"params": weights, "penalty": ElasticNet(0.1, 0.5)},
         {"params": biases}], lr=0.1)

The optimizer-wide ``penalty=`` keyword is the default for groups that do not name their own.
As a loss term, pass only the weights: ``penalty(model.weight for model in layers)``.

Relation to scikit-learn: ``sklearn.linear_model.ElasticNet(alpha=a, l1_ratio=r)`` minimises
``RSS / (2n) + a * r * |w|_1 + a * (1 - r) / 2 * |w|_2**2``. With MSE = RSS / n, J above is twice
that objective when ``a = alpha / 2``; so ``ElasticNet(alpha, r)`` here and
``sklearn.linear_model.ElasticNet(alpha=alpha / 2, l1_ratio=r)`` have the same minimiser.
"""

from __future__ import annotations

from typing import Any

import minigrad
from minigrad.backend import get_array_module
from minigrad.checks import check_number


class ElasticNet:
    """The Elastic Net penalty ``r * alpha * sum|theta| + (1 - r) / 2 * alpha * sum theta**2``.

    Args:
        alpha: overall strength, ``alpha >= 0``.
        r: the share of L1, in [0, 1]. ``r = 1`` is Lasso (``L1``), ``r = 0`` is Ridge (``L2``).

    The Elastic Net (Zou & Hastie, 2005) is preferred over the Lasso when there are more features
    than samples, or when features are strongly correlated: where the Lasso keeps one feature of
    a correlated group and drops the others, the Elastic Net keeps or drops the group together
    (the grouping effect).

    Attributes:
        l1_strength: ``r * alpha``, the weight of ``sum|theta|``.
        l2_strength: ``(1 - r) * alpha``; the penalty holds ``l2_strength / 2 * sum theta**2``, so
            its gradient is ``l2_strength * theta``.

    Usage, as a loss term or handed to an optimizer (which then reaches exact zeros through
    :meth:`prox_`), leaving the biases unpenalised with a parameter group of their own::

        loss = mse + ElasticNet(0.1, 0.5)(weights)
        SGD([{"params": weights, "penalty": ElasticNet(0.1, 0.5)}, {"params": biases}], lr=0.1)

    Same minimiser as ``sklearn.linear_model.ElasticNet(alpha=alpha / 2, l1_ratio=r)`` when the
    data term is MSE = RSS / n (see the module docstring).
    """

    def __init__(self, alpha: float, r: float) -> None:
        self.alpha = check_number(type(self).__name__, "alpha", alpha, low=0)
        self.r = check_number(type(self).__name__, "r", r, low=0, high=1)

    @property
    def l1_strength(self) -> float:
        return self.r * self.alpha

    @property
    def l2_strength(self) -> float:
        return (1.0 - self.r) * self.alpha

    def __call__(self, params: Any) -> minigrad.Tensor:
        """The penalty as a differentiable scalar Tensor, summed over ``params``.

        ``params`` is one Tensor or an iterable of Tensors (``model.parameters()``). Terms whose
        strength is zero are left out, so ``L1`` adds no L2 term and ``L2`` no L1 term. With
        ``alpha = 0`` (or no parameters) the result is a constant zero.
        """
        if isinstance(params, minigrad.Tensor):
            params = [params]
        total = first = None
        for position, theta in enumerate(params):
            if not isinstance(theta, minigrad.Tensor):
                raise TypeError(
                    f"params must be Tensors; item {position} is a {type(theta).__name__}"
                )
            first = theta if first is None else first
            term = None
            if self.l1_strength != 0:
                term = self.l1_strength * theta.abs().sum()  # abs backward: sign(0) = 0
            if self.l2_strength != 0:
                ridge = (0.5 * self.l2_strength) * (theta**2).sum()
                term = ridge if term is None else term + ridge
            if term is not None:
                total = term if total is None else total + term
        if total is not None:
            return total
        if first is None:
            return minigrad.Tensor(0.0)
        # A constant zero where the parameters live, so that ``loss + penalty`` mixes no devices.
        return minigrad.Tensor(0.0, dtype=first.dtype, device=first.device)

    def smooth_grad(self, theta: Any) -> Any:
        """Gradient of the smooth (L2) part for a raw array: ``l2_strength * theta``.

        Same array module (NumPy or CuPy) and dtype as ``theta``. An optimizer adds it to the
        data gradient before its update: ``g = g + penalty.smooth_grad(theta)``.
        """
        return (self.l2_strength * theta).astype(theta.dtype, copy=False)

    def prox_(self, theta: Any, lr: float) -> None:
        """The proximal step of the L1 part, in place on the raw array ``theta``.

            theta <- sign(theta) * max(|theta| - lr * l1_strength, 0)       (soft-thresholding)

        An optimizer calls it after its update, with the step's learning rate. This is the
        proximal operator of ``lr * l1_strength * |theta|`` (Parikh & Boyd, "Proximal
        Algorithms", 2014, on the l1 norm): the point that best balances staying near the updated
        theta against making |theta| small. Every weight within ``lr * l1_strength`` of zero
        lands exactly on zero and stays there until the data gradient pushes it out by more than
        the threshold; a subgradient step, by contrast, overshoots zero and oscillates around it.
        This is how gradient training reaches the exact zeros of the Lasso.

        Does nothing when ``l1_strength`` is 0. Works on NumPy and CuPy arrays; keeps the dtype.
        """
        if self.l1_strength == 0:
            return
        check_number(f"{type(self).__name__}.prox_", "lr", lr, low=0)
        xp = get_array_module(theta)
        threshold = lr * self.l1_strength
        theta[...] = xp.sign(theta) * xp.maximum(xp.abs(theta) - threshold, 0)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self.alpha}, r={self.r})"


class L1(ElasticNet):
    """The Lasso penalty ``alpha * sum|theta|``: ``ElasticNet(alpha, r=1)``.

    It drives weights to exactly zero (with an optimizer's proximal step), selecting features.
    Same minimiser as ``sklearn.linear_model.Lasso(alpha=alpha / 2)`` with an MSE data term.
    """

    def __init__(self, alpha: float) -> None:
        super().__init__(alpha, r=1.0)


class L2(ElasticNet):
    """The Ridge penalty ``alpha / 2 * sum theta**2``: ``ElasticNet(alpha, r=0)``.

    Its gradient ``alpha * theta`` shrinks every weight in proportion (weight decay for plain
    SGD), but never to exactly zero. Same minimiser as ``sklearn.linear_model.Ridge(alpha=n *
    alpha / 2)`` for n samples with an MSE data term (Ridge's objective is RSS + alpha |w|**2).
    """

    def __init__(self, alpha: float) -> None:
        super().__init__(alpha, r=0.0)

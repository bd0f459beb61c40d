r"""A schedule you write yourself: the initial lr times a function of the step.

    lr(t) = eta_0 * f(t)

    t      the number of ``step()`` calls so far
    eta_0  the group's initial lr (``base_lrs``)
    f      ``lr_lambda``: a function of t returning a factor >= 0, or a list with one function
           per param group

For example a linear warm-up over 100 steps is ``LambdaLR(optimizer, lambda t: min(1, (t + 1)
/ 100))``. Every value f returns is checked (a finite number >= 0), so a typo that makes the lr
negative or NaN is an error at that step rather than a silently diverging run.

Functions are not plain data, so ``state_dict()`` does not save them (PyTorch does not either):
build the fresh scheduler with the same ``lr_lambda`` before calling ``load_state_dict``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.checks import check_number

from .base import LRScheduler, require

LrLambda = Callable[[int], float]


class LambdaLR(LRScheduler):
    """``LambdaLR(optimizer=None, lr_lambda)``."""

    _not_saved: tuple[str, ...] = (
        "_optimizer",
        "lr_lambda",
        "lr_lambdas",
    )  # functions cannot be saved as data

    def __init__(
        self,
        optimizer: Any = None,
        lr_lambda: LrLambda | list[LrLambda] | None = None,
        last_epoch: int = -1,
    ):
        owner = type(self).__name__
        lr_lambda = require(owner, "lr_lambda", lr_lambda)
        functions = lr_lambda if isinstance(lr_lambda, list | tuple) else [lr_lambda]
        for index, function in enumerate(functions):
            if not callable(function):
                where = (
                    f"lr_lambda[{index}]" if isinstance(lr_lambda, list | tuple) else "lr_lambda"
                )
                raise TypeError(
                    f"{owner}: {where} must be a function of the step, such as lambda t: 0.95**t; "
                    f"got {function!r}"
                )
        if not functions:
            raise ValueError(f"{owner}: lr_lambda is an empty list (give one function per group)")
        self.lr_lambda = lr_lambda
        self.lr_lambdas: list[LrLambda] = []
        super().__init__(optimizer, last_epoch)

    def _prepare_groups(self, param_groups: list[dict]) -> list[float]:
        count = len(param_groups)
        if isinstance(self.lr_lambda, list | tuple):
            if len(self.lr_lambda) != count:
                raise ValueError(
                    f"{type(self).__name__}: lr_lambda has {len(self.lr_lambda)} functions but "
                    f"there are {count} param groups (give one function per group, or a single "
                    "function)"
                )
            self.lr_lambdas = list(self.lr_lambda)
        else:
            self.lr_lambdas = [self.lr_lambda] * count
        return super()._prepare_groups(param_groups)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        pairs = zip(self.base_lrs, self.lr_lambdas, strict=True)
        return [eta_0 * self._factor(f, step) for eta_0, f in pairs]

    def _factor(self, f: LrLambda, step: int) -> float:
        """f(step), refused unless it is a finite number >= 0 (a user's function can return
        anything, and a negative or NaN lr would not fail until the model diverged)."""
        return check_number(type(self).__name__, f"lr_lambda({step})", f(step), low=0)


class MultiplicativeLR(LambdaLR):
    """``MultiplicativeLR(optimizer=None, lr_lambda)``, as PyTorch's: each step t >= 1 multiplies
    the lr by ``lr_lambda(t)``, so

        lr(t) = eta_0 * f(1) * f(2) * ... * f(t)        (lr(0) = eta_0)

    The product is kept from one step to the next (``lr_at`` of the step after the last one
    costs one call of f; any other step recomputes it from 1), and not saved: ``load_state_dict``
    recomputes it up to the saved step. Each factor is checked like ``LambdaLR``'s.
    """

    _not_saved = (*LambdaLR._not_saved, "_product")
    _multiplicative = True  # ChainedScheduler: eta_0 times a factor

    def __init__(
        self,
        optimizer: Any = None,
        lr_lambda: LrLambda | list[LrLambda] | None = None,
        last_epoch: int = -1,
    ):
        self._product: tuple[int, list[float]] = (0, [])  # (t, the factor of every group at t)
        super().__init__(optimizer, lr_lambda, last_epoch)

    def lr_at(self, step: int) -> list[float]:
        self._check_step(step)
        done, factors = self._product
        if step < done or len(factors) != len(self.base_lrs):
            done, factors = 0, [1.0] * len(self.base_lrs)
        for t in range(done + 1, step + 1):
            factors = [factor * self._factor(f, t) for factor, f in zip(factors, self.lr_lambdas)]
        self._product = (step, factors)
        return [eta_0 * factor for eta_0, factor in zip(self.base_lrs, factors, strict=True)]

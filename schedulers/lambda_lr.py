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

    _not_saved = ("_optimizer", "lr_lambda", "lr_lambdas")  # functions cannot be saved as data

    def __init__(self, optimizer: Any = None, lr_lambda: LrLambda | list[LrLambda] | None = None):
        lr_lambda = require("LambdaLR", "lr_lambda", lr_lambda)
        functions = lr_lambda if isinstance(lr_lambda, list | tuple) else [lr_lambda]
        for index, function in enumerate(functions):
            if not callable(function):
                where = (
                    f"lr_lambda[{index}]" if isinstance(lr_lambda, list | tuple) else "lr_lambda"
                )
                raise TypeError(
                    f"LambdaLR: {where} must be a function of the step, such as lambda t: 0.95**t; "
                    f"got {function!r}"
                )
        if not functions:
            raise ValueError("LambdaLR: lr_lambda is an empty list (give one function per group)")
        self.lr_lambda = lr_lambda
        self.lr_lambdas: list[LrLambda] = []
        super().__init__(optimizer)

    def _prepare_groups(self, param_groups: list[dict]) -> list[float]:
        count = len(param_groups)
        if isinstance(self.lr_lambda, list | tuple):
            if len(self.lr_lambda) != count:
                raise ValueError(
                    f"LambdaLR: lr_lambda has {len(self.lr_lambda)} functions but there are "
                    f"{count} param groups (give one function per group, or a single function)"
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
        return check_number("LambdaLR", f"lr_lambda({step})", f(step), low=0)

"""Learning-rate schedulers, each written from its paper's formula in closed form.

Two ways to use one, giving the same learning rates:

    scheduler = CosineAnnealingLR(optimizer, T_max=100)   # PyTorch style: step it yourself
    for batch in data:
        ...; optimizer.step(); scheduler.step()

    # or hand it to the optimizer, which then steps it after each of its own steps:
    optimizer = SGD(params, lr=0.1, scheduler=CosineAnnealingLR(T_max=100))

Schedulers only touch ``optimizer.param_groups``; they never import optim, and of minigrad only
its argument checks (``minigrad.checks``).
``plot(scheduler, steps)`` draws a curve without stepping anything.
"""

from .base import LRScheduler
from .constant import ConstantLR
from .cosine import CosineAnnealingLR
from .cyclic import CyclicLR
from .exponential import ExponentialLR
from .linear import LinearLR
from .one_cycle import OneCycleLR
from .plot import plot
from .polynomial import PolynomialLR
from .sequential import SequentialLR
from .step import StepLR
from .warm_restarts import CosineAnnealingWarmRestarts

__all__ = [
    "LRScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LinearLR",
    "OneCycleLR",
    "PolynomialLR",
    "SequentialLR",
    "StepLR",
    "plot",
]

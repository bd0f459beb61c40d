"""Learning-rate schedulers, each written from its paper's formula in closed form.

Two ways to use one, giving the same learning rates:

    scheduler = CosineAnnealingLR(optimizer, T_max=100)   # PyTorch style: step it yourself
    for batch in data:
        ...; optimizer.step(); scheduler.step()

    # or hand it to the optimizer, which then steps it after each of its own steps:
    optimizer = SGD(params, lr=0.1, scheduler=CosineAnnealingLR(T_max=100))

Schedulers only touch ``optimizer.param_groups``; they never import optim, and of minigrad only
its argument checks (``minigrad.checks``) and, for ReduceLROnPlateau, the improvement rule it
shares with EarlyStopping (``minigrad.improvement``). ReduceLROnPlateau is the one scheduler
without a closed form: it is stepped with a metric, ``scheduler.step(val_loss)``, and so cannot
be owned by an optimizer.
``plot(scheduler, steps)`` draws a curve without stepping anything.
"""

from .base import LRScheduler
from .chained import ChainedScheduler
from .constant import ConstantLR
from .cosine import CosineAnnealingLR
from .cyclic import CyclicLR
from .exponential import ExponentialLR
from .lambda_lr import LambdaLR, MultiplicativeLR
from .linear import LinearLR
from .multistep import MultiStepLR
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .plot import plot
from .polynomial import PolynomialLR
from .sequential import SequentialLR
from .step import StepLR
from .warm_restarts import CosineAnnealingWarmRestarts

__all__ = [
    "LRScheduler",
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
    "plot",
]

"""Optimizers written from their update equations: SGD, Adam, AdamW, RMSprop, Adagrad, Adamax,
NAdam, RAdam, Adadelta, Rprop and ASGD.

    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for batch in data:
        optimizer.zero_grad()
        loss = ...
        loss.backward()
        optimizer.step()

An optimizer also takes a learning-rate scheduler (``scheduler=CosineAnnealingLR(T_max=100)``,
stepped after each ``step()``) and a penalty (``penalty=ElasticNet(0.1, 0.5)``: its L2 part goes
into the gradient, its L1 part is applied as a proximal step). It uses both through their
methods only: this package imports minigrad, never ``schedulers`` or ``regularizers``.

Start reading at ``optimizer.py`` (the shared step loop, parameter groups, saving), then
``sgd.py`` and ``adam.py`` (``rmsprop.py`` and ``adagrad.py`` are Adam's two ancestors;
``adamax.py``, ``nadam.py`` and ``radam.py`` its variants; ``adadelta.py``, ``rprop.py`` and
``asgd.py`` the rest of PyTorch's). The guide chapter is ``docs/optim.md``.
"""

from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adamax",
    "NAdam",
    "RAdam",
    "Adadelta",
    "Rprop",
    "ASGD",
]

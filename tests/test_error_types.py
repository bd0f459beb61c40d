"""Errors catchable by PyTorch's exception types as well as by minigrad's own.

Each row is a misuse, the type PyTorch raises for it (written by hand from a survey against
torch 2.13; this file does not import torch) and the type minigrad raised before, which it must
still be, so both ``except RuntimeError`` (PyTorch code) and ``except ValueError`` (minigrad's
users) catch it. The classes live in ``minigrad/checks.py``.
"""

import pytest

import minigrad as mg
import optim
from minigrad import nn
from minigrad.checks import (
    DimError,
    DtypeError,
    IndexBoundsError,
    ShapeError,
    TargetError,
    ZeroDivision,
    check_int,
)
from minigrad.nn import functional as F


def _ones(*shape, **kwargs):
    return mg.ones(*shape, **kwargs)


def _long(*values):
    return mg.tensor(list(values), dtype=mg.long)


def _iadd(x, y):
    x += y


def _set_grad(x, grad):
    x.grad = grad


def _scatter_too_far():
    return mg.zeros(3).scatter(0, _long(5), 1.0)


# (id, PyTorch's type, minigrad's original type, the misuse)
CASES = [
    # shapes that do not fit: PyTorch RuntimeError, minigrad ValueError
    ("add broadcast", RuntimeError, ValueError, lambda: _ones(2, 3) + _ones(4)),
    ("mul broadcast", RuntimeError, ValueError, lambda: _ones(2, 3) * _ones(2, 4)),
    ("maximum broadcast", RuntimeError, ValueError, lambda: mg.maximum(_ones(2, 3), _ones(4, 3))),
    (
        "where broadcast",
        RuntimeError,
        ValueError,
        lambda: mg.where(mg.ones(2, dtype=mg.bool), _ones(2), _ones(3)),
    ),
    ("+= broadcast", RuntimeError, ValueError, lambda: _iadd(_ones(2, 3), _ones(4))),
    ("+= grows", RuntimeError, ValueError, lambda: _iadd(_ones(3), _ones(2, 3))),
    ("matmul inner", RuntimeError, ValueError, lambda: mg.matmul(_ones(2, 3), _ones(4, 5))),
    ("@ inner", RuntimeError, ValueError, lambda: _ones(2, 3) @ _ones(4, 5)),
    ("@ vectors", RuntimeError, ValueError, lambda: _ones(3) @ _ones(4)),
    ("@ batch", RuntimeError, ValueError, lambda: _ones(2, 2, 3) @ _ones(3, 3, 2)),
    ("@ 0-d", RuntimeError, ValueError, lambda: _ones(()) @ _ones(3)),
    ("mm", RuntimeError, ValueError, lambda: _ones(2, 3).mm(_ones(4, 5))),
    ("bmm", RuntimeError, ValueError, lambda: mg.bmm(_ones(2, 3, 4), _ones(3, 4, 5))),
    ("bmm 2-d", RuntimeError, ValueError, lambda: mg.bmm(_ones(3, 4), _ones(4, 5))),
    ("addmm", RuntimeError, ValueError, lambda: mg.addmm(_ones(5), _ones(2, 3), _ones(4, 5))),
    ("dot", RuntimeError, ValueError, lambda: mg.dot(_ones(3), _ones(4))),
    ("outer 2-d", RuntimeError, ValueError, lambda: mg.outer(_ones(2, 2), _ones(3))),
    ("einsum", RuntimeError, ValueError, lambda: mg.einsum("ij,jk->ik", _ones(2, 3), _ones(4, 5))),
    ("linear weight", RuntimeError, ValueError, lambda: F.linear(_ones(2, 3), _ones(4, 5))),
    ("linear bias", RuntimeError, ValueError, lambda: F.linear(_ones(2, 3), _ones(4, 3), _ones(5))),
    ("Linear input", RuntimeError, ValueError, lambda: nn.Linear(3, 4)(_ones(2, 5))),
    ("cat shapes", RuntimeError, ValueError, lambda: mg.cat([_ones(2, 3), _ones(3, 4)], dim=1)),
    ("cat ndim", RuntimeError, ValueError, lambda: mg.cat([_ones(2, 3), _ones(2, 3, 1)])),
    ("cat 0-d", RuntimeError, ValueError, lambda: mg.cat([_ones(()), _ones(())])),
    ("stack shapes", RuntimeError, ValueError, lambda: mg.stack([_ones(2, 3), _ones(2, 4)])),
    ("reshape", RuntimeError, ValueError, lambda: _ones(2, 3).reshape(4, 2)),
    ("reshape -1 twice", RuntimeError, ValueError, lambda: _ones(2, 3).reshape(-1, -1)),
    ("view", RuntimeError, ValueError, lambda: _ones(2, 3).view(4, 2)),
    ("expand", RuntimeError, ValueError, lambda: _ones(2, 3).expand(4, 3)),
    ("expand fewer dims", RuntimeError, ValueError, lambda: _ones(2, 3).expand(3)),
    ("broadcast_to", RuntimeError, ValueError, lambda: mg.broadcast_to(_ones(2, 3), (4, 3))),
    ("unflatten", RuntimeError, ValueError, lambda: _ones(2, 3).unflatten(1, (2, 2))),
    ("repeat fewer sizes", RuntimeError, ValueError, lambda: _ones(2, 3).repeat(2)),
    ("split sections", RuntimeError, ValueError, lambda: _ones(2, 3).split([1, 1], dim=1)),
    ("narrow too long", RuntimeError, ValueError, lambda: _ones(2, 3).narrow(1, 2, 5)),
    ("topk k", RuntimeError, ValueError, lambda: _ones(2, 3).topk(5)),
    ("diag 3-d", RuntimeError, ValueError, lambda: _ones(2, 2, 2).diag()),
    ("trace 1-d", RuntimeError, ValueError, lambda: _ones(3).trace()),
    ("tril 1-d", RuntimeError, ValueError, lambda: _ones(3).tril()),
    ("t() 3-d", RuntimeError, ValueError, lambda: _ones(2, 3, 4).t()),
    ("permute count", RuntimeError, ValueError, lambda: _ones(2, 3).permute(0, 1, 2)),
    ("max of nothing", RuntimeError, ValueError, lambda: _ones(0).max()),
    ("negative size", RuntimeError, ValueError, lambda: mg.ones(-1)),
    ("full negative size", RuntimeError, ValueError, lambda: mg.full((2, -3), 1.0)),
    (
        "conv2d channels",
        RuntimeError,
        ValueError,
        lambda: F.conv2d(_ones(1, 3, 8, 8), _ones(4, 2, 3, 3)),
    ),
    (
        "conv2d kernel",
        RuntimeError,
        ValueError,
        lambda: F.conv2d(_ones(1, 3, 2, 2), _ones(4, 3, 3, 3)),
    ),
    ("conv2d ndim", RuntimeError, ValueError, lambda: F.conv2d(_ones(8), _ones(4, 3, 3, 3))),
    (
        "conv2d bias",
        RuntimeError,
        ValueError,
        lambda: F.conv2d(_ones(1, 3, 8, 8), _ones(4, 3, 3, 3), _ones(5)),
    ),
    ("Conv2d channels", RuntimeError, ValueError, lambda: nn.Conv2d(3, 4, 3)(_ones(1, 2, 8, 8))),
    ("conv1d channels", RuntimeError, ValueError, lambda: F.conv1d(_ones(1, 3, 8), _ones(4, 2, 3))),
    (
        "conv_transpose2d",
        RuntimeError,
        ValueError,
        lambda: F.conv_transpose2d(_ones(1, 3, 8, 8), _ones(4, 2, 3, 3)),
    ),
    ("max_pool2d kernel", RuntimeError, ValueError, lambda: F.max_pool2d(_ones(1, 1, 2, 2), 3)),
    ("avg_pool2d kernel", RuntimeError, ValueError, lambda: F.avg_pool2d(_ones(1, 1, 2, 2), 3)),
    ("max_pool1d kernel", RuntimeError, ValueError, lambda: F.max_pool1d(_ones(1, 1, 2), 3)),
    (
        "max_pool2d padding",
        RuntimeError,
        ValueError,
        lambda: F.max_pool2d(_ones(1, 1, 8, 8), 2, padding=2),
    ),
    ("MaxPool2d kernel", RuntimeError, ValueError, lambda: nn.MaxPool2d(3)(_ones(1, 1, 2, 2))),
    ("unfold kernel", RuntimeError, ValueError, lambda: F.unfold(_ones(1, 1, 2, 2), 3)),
    ("adaptive pool ndim", RuntimeError, ValueError, lambda: F.adaptive_avg_pool2d(_ones(3), 2)),
    ("pad odd length", RuntimeError, ValueError, lambda: F.pad(_ones(2, 3), (1,))),
    ("pad too long", RuntimeError, ValueError, lambda: F.pad(_ones(2, 3), (1,) * 6)),
    ("mse_loss shapes", RuntimeError, ValueError, lambda: F.mse_loss(_ones(2, 3), _ones(3, 2))),
    ("MSELoss shapes", RuntimeError, ValueError, lambda: nn.MSELoss()(_ones(2, 3), _ones(3, 2))),
    ("l1_loss shapes", RuntimeError, ValueError, lambda: F.l1_loss(_ones(2, 3), _ones(4))),
    ("smooth_l1 shapes", RuntimeError, ValueError, lambda: F.smooth_l1_loss(_ones(2, 3), _ones(4))),
    ("huber shapes", RuntimeError, ValueError, lambda: F.huber_loss(_ones(2, 3), _ones(4))),
    ("kl_div shapes", RuntimeError, ValueError, lambda: F.kl_div(_ones(2, 3), _ones(4))),
    (
        "cross_entropy weight",
        RuntimeError,
        ValueError,
        lambda: F.cross_entropy(_ones(2, 3), _long(0, 1), weight=_ones(4)),
    ),
    (
        "cross_entropy probs",
        RuntimeError,
        ValueError,
        lambda: F.cross_entropy(_ones(2, 3), _ones(2, 4)),
    ),
    (
        "cosine_similarity",
        RuntimeError,
        ValueError,
        lambda: F.cosine_similarity(_ones(2, 3), _ones(2, 4)),
    ),
    ("BatchNorm1d features", RuntimeError, ValueError, lambda: nn.BatchNorm1d(3)(_ones(2, 4))),
    ("LayerNorm shape", RuntimeError, ValueError, lambda: nn.LayerNorm(3)(_ones(2, 4))),
    ("LSTM input_size", RuntimeError, ValueError, lambda: nn.LSTM(3, 4)(_ones(5, 2, 6))),
    (
        "attention shapes",
        RuntimeError,
        ValueError,
        lambda: F.scaled_dot_product_attention(_ones(1, 2, 4), _ones(1, 3, 5), _ones(1, 3, 5)),
    ),
    (
        "masked_fill mask",
        RuntimeError,
        ValueError,
        lambda: _ones(2).masked_fill(mg.ones(3, dtype=mg.bool), 0),
    ),
    (
        "gather index ndim",
        RuntimeError,
        ValueError,
        lambda: _ones(2, 3).gather(1, mg.zeros(2, dtype=mg.long)),
    ),
    (
        "gather index size",
        RuntimeError,
        ValueError,
        lambda: _ones(2, 3).gather(1, mg.zeros(3, 3, dtype=mg.long)),
    ),
    (
        "scatter index ndim",
        RuntimeError,
        ValueError,
        lambda: mg.zeros(2, 3).scatter(1, mg.zeros(2, dtype=mg.long), 1.0),
    ),
    (
        "index_add source",
        RuntimeError,
        ValueError,
        lambda: mg.zeros(3, 2).index_add(0, _long(0), _ones(1, 3)),
    ),
    (
        "pad_sequence",
        RuntimeError,
        ValueError,
        lambda: nn.utils.rnn.pad_sequence([_ones(2, 3), _ones(2, 4)]),
    ),
    (
        "vector_to_parameters",
        RuntimeError,
        ValueError,
        lambda: nn.utils.vector_to_parameters(_ones(3), nn.Linear(2, 2).parameters()),
    ),
    (
        "backward gradient shape",
        RuntimeError,
        ValueError,
        lambda: (_ones(2, requires_grad=True) * 2).backward(_ones(3)),
    ),
    (
        "grad assigned shape",
        RuntimeError,
        ValueError,
        lambda: _set_grad(_ones(2, requires_grad=True), _ones(3)),
    ),
    # PyTorch ValueError for these too: a ShapeError is one
    (
        "cross_entropy batch",
        ValueError,
        ValueError,
        lambda: F.cross_entropy(_ones(2, 3), mg.zeros(3, dtype=mg.long)),
    ),
    (
        "binary_cross_entropy shapes",
        ValueError,
        ValueError,
        lambda: F.binary_cross_entropy(mg.full((2, 3), 0.5), _ones(3, 2)),
    ),
    (
        "bce_with_logits shapes",
        ValueError,
        ValueError,
        lambda: F.binary_cross_entropy_with_logits(_ones(2, 3), _ones(3, 2)),
    ),
    # a dim out of range: PyTorch IndexError, minigrad ValueError
    ("sum dim", IndexError, ValueError, lambda: _ones(2, 3).sum(5)),
    ("sum negative dim", IndexError, ValueError, lambda: _ones(2, 3).sum(-3)),
    ("sum dims", IndexError, ValueError, lambda: _ones(2, 3).sum((0, 2))),
    ("mean dim", IndexError, ValueError, lambda: _ones(2, 3).mean(2)),
    ("max dim", IndexError, ValueError, lambda: _ones(2, 3).max(2)),
    ("argmax dim", IndexError, ValueError, lambda: _ones(2, 3).argmax(2)),
    ("var dim", IndexError, ValueError, lambda: _ones(2, 3).var(2)),
    ("norm dim", IndexError, ValueError, lambda: _ones(2, 3).norm(dim=2)),
    ("logsumexp dim", IndexError, ValueError, lambda: _ones(2, 3).logsumexp(2)),
    ("softmax dim", IndexError, ValueError, lambda: mg.softmax(_ones(2, 3), 2)),
    ("F.log_softmax dim", IndexError, ValueError, lambda: F.log_softmax(_ones(2, 3), dim=-3)),
    ("Softmax dim", IndexError, ValueError, lambda: nn.Softmax(dim=2)(_ones(2, 3))),
    ("transpose dim", IndexError, ValueError, lambda: _ones(2, 3).transpose(0, 2)),
    ("squeeze dim", IndexError, ValueError, lambda: _ones(2, 3).squeeze(3)),
    ("unsqueeze dim", IndexError, ValueError, lambda: _ones(2, 3).unsqueeze(4)),
    ("unsqueeze negative dim", IndexError, ValueError, lambda: _ones(2, 3).unsqueeze(-4)),
    ("cat dim", IndexError, ValueError, lambda: mg.cat([_ones(2, 3), _ones(2, 3)], dim=2)),
    ("stack dim", IndexError, ValueError, lambda: mg.stack([_ones(2, 3), _ones(2, 3)], dim=4)),
    ("flatten dim", IndexError, ValueError, lambda: _ones(2, 3).flatten(3)),
    ("Flatten dim", IndexError, ValueError, lambda: nn.Flatten(3)(_ones(2, 3))),
    ("cumsum dim", IndexError, ValueError, lambda: _ones(2, 3).cumsum(2)),
    ("sort dim", IndexError, ValueError, lambda: _ones(2, 3).sort(dim=2)),
    ("topk dim", IndexError, ValueError, lambda: _ones(2, 3).topk(1, dim=2)),
    ("split dim", IndexError, ValueError, lambda: _ones(2, 3).split(1, dim=2)),
    ("narrow dim", IndexError, ValueError, lambda: _ones(2, 3).narrow(2, 0, 1)),
    ("flip dim", IndexError, ValueError, lambda: _ones(2, 3).flip(2)),
    ("roll dim", IndexError, ValueError, lambda: _ones(2, 3).roll(1, 2)),
    (
        "gather dim",
        IndexError,
        ValueError,
        lambda: _ones(2, 3).gather(2, mg.zeros(2, 3, dtype=mg.long)),
    ),
    ("index_select dim", IndexError, ValueError, lambda: _ones(2, 3).index_select(2, _long(0))),
    ("size dim", IndexError, ValueError, lambda: _ones(2, 3).size(2)),
    ("normalize dim", IndexError, ValueError, lambda: F.normalize(_ones(2, 3), dim=2)),
    ("glu dim", IndexError, ValueError, lambda: F.glu(_ones(2, 4), dim=2)),
    # a dtype the op cannot take or store: PyTorch RuntimeError, minigrad TypeError
    ("mean of integers", RuntimeError, TypeError, lambda: mg.ones(2, dtype=mg.long).mean()),
    ("var of integers", RuntimeError, TypeError, lambda: mg.ones(2, dtype=mg.long).var()),
    ("norm of integers", RuntimeError, TypeError, lambda: mg.ones(2, dtype=mg.long).norm()),
    ("+= float into long", RuntimeError, TypeError, lambda: _iadd(mg.ones(2, dtype=mg.long), 1.5)),
    (
        "add_ float into long",
        RuntimeError,
        TypeError,
        lambda: mg.ones(2, dtype=mg.long).add_(_ones(2)),
    ),
    ("sqrt_ of long", RuntimeError, TypeError, lambda: mg.ones(2, dtype=mg.long).sqrt_()),
    ("gather float index", RuntimeError, TypeError, lambda: _ones(2, 3).gather(1, mg.zeros(2, 3))),
    (
        "scatter src dtype",
        RuntimeError,
        TypeError,
        lambda: mg.zeros(3).scatter(0, _long(0), mg.ones(1, dtype=mg.float64)),
    ),
    (
        "index_add dtype",
        RuntimeError,
        TypeError,
        lambda: mg.zeros(3).index_add(0, _long(0), mg.ones(1, dtype=mg.float64)),
    ),
    ("masked_fill float mask", RuntimeError, TypeError, lambda: _ones(2).masked_fill(_ones(2), 0)),
    (
        "where float condition",
        RuntimeError,
        TypeError,
        lambda: mg.where(_ones(2), _ones(2), _ones(2)),
    ),
    (
        "embedding float indices",
        RuntimeError,
        TypeError,
        lambda: F.embedding(_ones(2), _ones(3, 2)),
    ),
    ("nll_loss float target", RuntimeError, TypeError, lambda: F.nll_loss(_ones(2, 3), _ones(2))),
    (
        "cross_entropy float target",
        RuntimeError,
        TypeError,
        lambda: F.cross_entropy(_ones(2, 3), _ones(2)),
    ),
    (
        "multinomial of integers",
        RuntimeError,
        TypeError,
        lambda: mg.multinomial(mg.ones(3, dtype=mg.long), 1),
    ),
    # index values beyond their dim: PyTorch RuntimeError, minigrad IndexError
    (
        "gather index value",
        RuntimeError,
        IndexError,
        lambda: _ones(2, 3).gather(1, mg.full((2, 3), 5, dtype=mg.long)),
    ),
    ("scatter index value", RuntimeError, IndexError, _scatter_too_far),
    (
        "scatter_add index value",
        RuntimeError,
        IndexError,
        lambda: mg.zeros(3).scatter_add(0, _long(5), _ones(1)),
    ),
    (
        "index_select index value",
        RuntimeError,
        IndexError,
        lambda: _ones(2, 3).index_select(1, _long(5)),
    ),
    # a class target out of range: PyTorch IndexError, minigrad ValueError
    (
        "cross_entropy target",
        IndexError,
        ValueError,
        lambda: F.cross_entropy(_ones(2, 3), _long(0, 5)),
    ),
    (
        "cross_entropy negative target",
        IndexError,
        ValueError,
        lambda: F.cross_entropy(_ones(2, 3), _long(0, -2)),
    ),
    ("nll_loss target", IndexError, ValueError, lambda: F.nll_loss(_ones(2, 3), _long(0, 5))),
    # integer division by zero: PyTorch RuntimeError("ZeroDivisionError")
    ("floor_divide by 0", RuntimeError, ZeroDivisionError, lambda: mg.ones(2, dtype=mg.long) // 0),
    ("remainder by 0", RuntimeError, ZeroDivisionError, lambda: mg.ones(2, dtype=mg.long) % 0),
    (
        "floor_divide by a 0",
        RuntimeError,
        ZeroDivisionError,
        lambda: mg.ones(2, dtype=mg.long) // mg.zeros(2, dtype=mg.long),
    ),
    (
        "div trunc by 0",
        RuntimeError,
        ZeroDivisionError,
        lambda: mg.div(mg.ones(2, dtype=mg.long), 0, rounding_mode="trunc"),
    ),
    # unchanged: PyTorch's type was minigrad's already
    ("index out of range", IndexError, IndexError, lambda: _ones(3)[10]),
    ("cat of nothing", ValueError, ValueError, lambda: mg.cat([])),
    ("item of several", RuntimeError, RuntimeError, lambda: _ones(2).item()),
    ("float of several", ValueError, ValueError, lambda: float(_ones(2))),
    ("SGD lr", ValueError, ValueError, lambda: optim.SGD([_ones(2, requires_grad=True)], lr=-1)),
    (
        "SGD non-leaf",
        ValueError,
        ValueError,
        lambda: optim.SGD([_ones(2, requires_grad=True) * 2], lr=0.1),
    ),
    (
        "reduction string",
        ValueError,
        ValueError,
        lambda: F.mse_loss(_ones(2), _ones(2), reduction="avg"),
    ),
    ("BatchNorm1d one value", ValueError, ValueError, lambda: nn.BatchNorm1d(3)(_ones(1, 3))),
]


@pytest.mark.parametrize(
    ("pytorch_type", "minigrad_type", "misuse"),
    [pytest.param(*row[1:], id=row[0]) for row in CASES],
)
def test_an_error_is_both_pytorchs_type_and_minigrads(pytorch_type, minigrad_type, misuse):
    with pytest.raises(pytorch_type) as caught:
        misuse()
    assert isinstance(caught.value, minigrad_type)


@pytest.mark.parametrize(
    ("error_class", "bases"),
    [
        (ShapeError, (ValueError, RuntimeError)),
        (DimError, (IndexError, ValueError)),
        (DtypeError, (TypeError, RuntimeError)),
        (IndexBoundsError, (IndexError, RuntimeError)),
        (TargetError, (ValueError, IndexError)),
        (ZeroDivision, (ZeroDivisionError, RuntimeError)),
    ],
)
def test_each_class_is_both_of_its_bases_and_keeps_its_message(error_class, bases):
    assert error_class.__bases__ == bases
    error = error_class("sum: axis 5 is out of range")
    assert all(isinstance(error, base) for base in bases)
    assert str(error) == "sum: axis 5 is out of range"


def test_the_messages_stay_minigrads():
    with pytest.raises(RuntimeError, match=r"^add: shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        _ones(2, 3) + _ones(4)
    with pytest.raises(IndexError, match=r"^sum: axis 5 is out of range for a tensor of shape"):
        _ones(2, 3).sum(5)
    with pytest.raises(RuntimeError, match=r"^mean: needs a floating tensor, got int64"):
        mg.ones(2, dtype=mg.long).mean()


def test_check_int_raises_the_class_it_is_given_for_a_value_out_of_range():
    with pytest.raises(DimError, match=r"^glu: dim must be an integer in \[-2, 1\], got 2$"):
        check_int("glu", "dim", 2, low=-2, high=1, error=DimError)
    with pytest.raises(ValueError) as caught:
        check_int("SGD", "n", -1, low=0)
    assert type(caught.value) is ValueError

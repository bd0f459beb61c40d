"""Every bad input across the API gets a clear error: one table, one parametrised test.

Each row: an id, a function that makes the mistake, the exception type, and words the message
must contain (a regular expression). A user who makes the mistake should be able to fix it from
the message alone.
"""

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F


def t(*shape, dtype=np.float64, requires_grad=False, device=None):
    return mg.Tensor(np.ones(shape, dtype=dtype), requires_grad=requires_grad, device=device)


def _backward_twice():
    x = t(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _load_foreign():
    import os
    import tempfile

    path = os.path.join(tempfile.mkdtemp(), "other.npz")
    np.savez(path, weights=np.ones(3))
    mg.load(path)


def _module(name):
    """Import an optional wing lazily, so a missing one fails its rows, not the whole table."""
    return pytest.importorskip(name)


ROWS = [
    # ---- tensors and the engine ----
    ("binary op shapes", lambda: t(2, 3) + t(4), ValueError, r"add: shapes \(2, 3\) and \(4,\)"),
    ("mul shapes", lambda: t(2, 3) * t(3, 2), ValueError, r"mul: shapes \(2, 3\) and \(3, 2\)"),
    ("sub shapes", lambda: t(5) - t(4), ValueError, r"sub: shapes \(5,\) and \(4,\)"),
    ("div shapes", lambda: t(2, 2) / t(3), ValueError, r"div: shapes"),
    ("maximum shapes", lambda: mg.maximum(t(2), t(3)), ValueError, r"maximum: shapes"),
    ("matmul inner dims", lambda: t(2, 3) @ t(2, 3), ValueError, r"matmul: \(2, 3\) @ \(2, 3\)"),
    ("matmul batch dims", lambda: t(2, 2, 3) @ t(3, 3, 4), ValueError, r"batch dimensions"),
    ("matmul 0-d", lambda: t() @ t(2), ValueError, r"0-d"),
    ("reshape size", lambda: t(2, 3).reshape(4), ValueError, r"\(2, 3\) into \(4,\)"),
    ("axis out of range", lambda: t(2, 3).sum(axis=2), ValueError, r"axis 2 .*\(2, 3\)"),
    ("axis not int", lambda: t(2).sum(axis=1.5), TypeError, r"axis must be an int"),
    ("repeated axis", lambda: t(2, 3).sum(axis=(0, 0)), ValueError, r"repeats"),
    ("mean of empty", lambda: t(0, 3).mean(axis=0), ValueError, r"empty axis"),
    ("max of empty", lambda: t(0).max(), ValueError, r"empty axis"),
    ("var ddof too big", lambda: t(1).var(ddof=1), ValueError, r"too few for ddof"),
    ("squeeze non-1 axis", lambda: t(2, 3).squeeze(0), ValueError, r"has size 2"),
    ("unsqueeze axis", lambda: t(2).unsqueeze(5), ValueError, r"out of range"),
    ("transpose axes", lambda: t(2, 3).transpose(0, 0), ValueError, r"not a permutation"),
    ("broadcast_to", lambda: t(3).broadcast_to((2, 4)), ValueError, r"\(3,\) to \(2, 4\)"),
    ("concatenate shapes", lambda: mg.concatenate([t(2, 3), t(3, 2)]), ValueError, r"differ"),
    ("stack shapes", lambda: mg.stack([t(2), t(3)]), ValueError, r"stack: shapes"),
    ("index out of range", lambda: t(3)[5], IndexError, r"does not fit a tensor of shape"),
    ("clip bounds", lambda: t(2).clip(1.0, 0.0), ValueError, r"min .* greater than max"),
    ("where condition", lambda: mg.where(t(2), t(2), t(2)), TypeError, r"boolean"),
    ("non-numeric data", lambda: mg.tensor("abc"), TypeError, r"tensor data"),
    ("object data", lambda: mg.tensor({"a": 1}), TypeError, r"tensor data"),
    ("int requires grad", lambda: mg.tensor([1, 2], requires_grad=True), TypeError, r"floating"),
    ("bool requires grad", lambda: t(2, dtype=bool, requires_grad=True), TypeError, r"floating"),
    (
        "backward non-scalar",
        lambda: (t(2, requires_grad=True) * 2).backward(),
        RuntimeError,
        r"only implicit for scalar",
    ),
    ("backward twice", _backward_twice, RuntimeError, r"retain_graph=True"),
    ("backward no grad", lambda: t(1).sum().backward(), RuntimeError, r"does not require grad"),
    (
        "backward grad shape",
        lambda: (t(2, requires_grad=True) * 2).backward(t(3)),
        ValueError,
        r"grad has shape \(3,\)",
    ),
    ("unknown device", lambda: t(2, device="tpu"), ValueError, r"unknown device 'tpu'"),
    ("device type", lambda: t(2, device=3), TypeError, r"device must be a string"),
    ("default dtype", lambda: mg.set_default_dtype(np.int64), TypeError, r"floating dtype"),
    ("manual_seed", lambda: mg.manual_seed(-3), ValueError, r"non-negative int"),
    (
        "gradcheck float32",
        lambda: mg.gradcheck(mg.exp, t(2, dtype=np.float32, requires_grad=True)),
        TypeError,
        r"float64",
    ),
    ("gradcheck nothing", lambda: mg.gradcheck(mg.exp, t(2)), ValueError, r"no input requires"),
    ("ambiguous truth", lambda: bool(t(2)), ValueError, r"ambiguous"),
    # ---- losses ----
    ("mse shapes", lambda: F.mse_loss(t(3, 1), t(3)), ValueError, r"\(3, 1\).*\(3,\)"),
    ("ce float target", lambda: F.cross_entropy(t(2, 3), t(2)), TypeError, r"integer class"),
    (
        "ce target range",
        lambda: F.cross_entropy(t(2, 3), np.array([0, 3])),
        ValueError,
        r"\[0, 2\]",
    ),
    (
        "ce negative target",
        lambda: F.cross_entropy(t(2, 3), np.array([-1, 0])),
        ValueError,
        r"\[0, 2\]",
    ),
    (
        "ce shapes",
        lambda: F.cross_entropy(t(2, 3), np.array([0, 1, 2])),
        ValueError,
        r"\(N, C\).*\(2, 3\)",
    ),
    (
        "ce reduction",
        lambda: F.cross_entropy(t(2, 3), np.array([0, 1]), reduction="avg"),
        ValueError,
        r"reduction",
    ),
    # ---- schedulers ----
    (
        "exp_range gamma",
        lambda: _module("schedulers").CyclicLR(
            base_lr=0.001, max_lr=0.1, mode="exp_range", gamma=10
        ),
        ValueError,
        r"gamma .*\(0, 1\]",
    ),
    (
        "cyclic mode",
        lambda: _module("schedulers").CyclicLR(base_lr=0.1, max_lr=1, mode="cosine"),
        ValueError,
        r"triangular",
    ),
    (
        "cyclic max < base",
        lambda: _module("schedulers").CyclicLR(base_lr=1.0, max_lr=0.1),
        ValueError,
        r"max_lr",
    ),
    ("T_max zero", lambda: _module("schedulers").CosineAnnealingLR(T_max=0), ValueError, r"T_max"),
    (
        "negative eta_min",
        lambda: _module("schedulers").CosineAnnealingLR(T_max=5, eta_min=-1),
        ValueError,
        r"eta_min",
    ),
    (
        "T_0 zero",
        lambda: _module("schedulers").CosineAnnealingWarmRestarts(T_0=0),
        ValueError,
        r"T_0",
    ),
    (
        "total_steps zero",
        lambda: _module("schedulers").OneCycleLR(max_lr=0.1, total_steps=0),
        ValueError,
        r"total_steps",
    ),
    # ---- optimizers ----
    (
        "negative lr",
        lambda: _module("optim").SGD([t(2, requires_grad=True)], lr=-0.1),
        ValueError,
        r"lr",
    ),
    (
        "negative momentum",
        lambda: _module("optim").SGD([t(2, requires_grad=True)], momentum=-1),
        ValueError,
        r"momentum",
    ),
    (
        "nesterov without momentum",
        lambda: _module("optim").SGD([t(2, requires_grad=True)], nesterov=True),
        ValueError,
        r"nesterov",
    ),
    (
        "betas range",
        lambda: _module("optim").Adam([t(2, requires_grad=True)], betas=(0.9, 1.0)),
        ValueError,
        r"betas",
    ),
    (
        "negative eps",
        lambda: _module("optim").Adam([t(2, requires_grad=True)], eps=-1e-8),
        ValueError,
        r"eps",
    ),
    (
        "negative weight decay",
        lambda: _module("optim").AdamW([t(2, requires_grad=True)], weight_decay=-0.1),
        ValueError,
        r"weight_decay",
    ),
    ("empty params", lambda: _module("optim").SGD([], lr=0.1), ValueError, r"empty"),
    (
        "param twice",
        lambda: (lambda p: _module("optim").SGD([p, p], lr=0.1))(t(2, requires_grad=True)),
        ValueError,
        r"more than once|twice|appears",
    ),
    ("non-tensor param", lambda: _module("optim").SGD([np.ones(2)], lr=0.1), TypeError, r"ndarray"),
    # ---- data ----
    (
        "batch size zero",
        lambda: mg.data.DataLoader((np.ones((4, 2)),), batch_size=0),
        ValueError,
        r"batch_size",
    ),
    (
        "dataset lengths",
        lambda: mg.data.DataLoader((np.ones((4, 2)), np.ones(3))),
        ValueError,
        r"4.*3|3.*4",
    ),
    (
        "load foreign file",
        lambda: _load_foreign(),
        ValueError,
        r"not a minigrad checkpoint|foreign",
    ),
    # ---- regularizers ----
    ("negative alpha", lambda: _module("regularizers").ElasticNet(-0.1, 0.5), ValueError, r"alpha"),
    ("r out of range", lambda: _module("regularizers").ElasticNet(0.1, 1.5), ValueError, r"\br\b"),
    ("L1 alpha", lambda: _module("regularizers").L1(-1), ValueError, r"alpha"),
    (
        "patience",
        lambda: _module("regularizers").EarlyStopping(patience=-1),
        ValueError,
        r"patience",
    ),
    (
        "min_delta",
        lambda: _module("regularizers").EarlyStopping(min_delta=-0.1),
        ValueError,
        r"min_delta",
    ),
    (
        "stopping mode",
        lambda: _module("regularizers").EarlyStopping(mode="best"),
        ValueError,
        r"mode",
    ),
]


@pytest.mark.parametrize(
    "make_mistake, error, words", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_bad_input_gets_a_clear_error(make_mistake, error, words):
    with pytest.raises(error, match=words):
        make_mistake()


def test_the_table_is_big_enough():
    assert len(ROWS) >= 40

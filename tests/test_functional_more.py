"""Activations, losses and helpers of ``nn.functional`` that PyTorch users expect (silu, elu,
hardtanh, smooth L1, Huber, BCE, KL, cross-entropy with probabilities and extra dims, normalize,
cosine similarity, pad, one_hot), against values worked out from their formulas with NumPy."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F


def f64(values):
    return mg.tensor(np.array(values, dtype=np.float64))


def leaf(values):
    return mg.tensor(np.array(values, dtype=np.float64), requires_grad=True)


X = np.array([-30.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 30.0])


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_activations_match_their_formulas():
    np.testing.assert_allclose(F.silu(f64(X)).numpy(), X * sigmoid(X))
    np.testing.assert_allclose(F.mish(f64(X)).numpy(), X * np.tanh(np.log1p(np.exp(X))))
    np.testing.assert_allclose(F.elu(f64(X), 0.7).numpy(), np.where(X > 0, X, 0.7 * np.expm1(X)))
    np.testing.assert_allclose(F.softsign(f64(X)).numpy(), X / (1 + np.abs(X)))
    np.testing.assert_array_equal(F.hardtanh(f64(X), -0.5, 2.0).numpy(), np.clip(X, -0.5, 2.0))
    for module, function in [
        (nn.SiLU(), F.silu),
        (nn.Mish(), F.mish),
        (nn.ELU(0.3), lambda x: F.elu(x, 0.3)),
        (nn.Hardtanh(-2.0, 0.5), lambda x: F.hardtanh(x, -2.0, 0.5)),
        (nn.Softsign(), F.softsign),
    ]:
        np.testing.assert_array_equal(module(f64(X)).numpy(), function(f64(X)).numpy())


def test_elu_and_hardtanh_gradients_at_their_kinks_are_pytorchs():
    x = leaf([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    F.elu(x, 0.7).sum().backward()
    # alpha e^x for x <= 0 (alpha itself at 0), 1 above
    np.testing.assert_allclose(
        x.grad.numpy(), [0.7 * math.exp(-1), 0.7 * math.exp(-0.5), 0.7, 1, 1, 1]
    )
    x = leaf([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    F.hardtanh(x).sum().backward()
    # 1 strictly inside (-1, 1): 0 at the bounds themselves, where clamp would give 1
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1, 1, 0, 0])


def test_smooth_l1_and_huber():
    d = np.array([0.0, 0.5, -2.0, 1.0])
    smooth = np.where(np.abs(d) < 0.8, 0.5 * d**2 / 0.8, np.abs(d) - 0.4)
    out = F.smooth_l1_loss(f64(d), f64(np.zeros(4)), reduction="none", beta=0.8)
    np.testing.assert_allclose(out.numpy(), smooth)
    assert F.smooth_l1_loss(f64(d), f64(np.zeros(4)), beta=0.0).item() == np.abs(d).mean()
    huber = np.where(np.abs(d) < 1.5, 0.5 * d**2, 1.5 * (np.abs(d) - 0.75))
    np.testing.assert_allclose(
        F.huber_loss(f64(d), f64(np.zeros(4)), "sum", 1.5).item(), huber.sum()
    )
    np.testing.assert_allclose(
        nn.HuberLoss(delta=1.5)(f64(d), f64(np.zeros(4))).item(), huber.mean()
    )
    np.testing.assert_allclose(
        nn.SmoothL1Loss(beta=0.8)(f64(d), f64(np.zeros(4))).item(), smooth.mean()
    )


def test_binary_cross_entropy_clamps_its_logs_at_minus_100():
    p = np.array([0.0, 0.5, 1.0, 1.0, 0.0, 0.3])
    y = np.array([0.0, 0.5, 1.0, 0.0, 1.0, 0.3])
    out = F.binary_cross_entropy(f64(p), f64(y), reduction="none").numpy()
    with np.errstate(divide="ignore"):
        log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log(1 - p), -100)
    np.testing.assert_allclose(out, -(y * log_p + (1 - y) * log_q))
    assert out[3] == 100.0 and out[4] == 100.0  # certain and wrong: 100, not inf
    x = leaf(p)
    F.binary_cross_entropy(x, f64(y), reduction="sum").backward()
    # (x - y) / max(x (1 - x), 1e-12): 0 where x = y, +-1e12 where certain and wrong
    expected = (p - y) / np.maximum(p * (1 - p), 1e-12)
    np.testing.assert_allclose(x.grad.numpy(), expected)
    w = np.array([1.0, 2.0, 0.5, 1.0, 1.0, 3.0])
    weighted = nn.BCELoss(weight=f64(w))(f64(p), f64(y))
    np.testing.assert_allclose(weighted.item(), (w * (-(y * log_p + (1 - y) * log_q))).mean())


def test_kl_div_reductions_and_log_target():
    log_q = np.log(np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]]))
    p = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]])
    with np.errstate(divide="ignore", invalid="ignore"):
        pointwise = np.where(p > 0, p * (np.log(p) - log_q), 0.0)  # 0 log 0 = 0
    loss = F.kl_div(f64(log_q), f64(p), reduction="none").numpy()
    np.testing.assert_allclose(loss, pointwise)
    np.testing.assert_allclose(F.kl_div(f64(log_q), f64(p)).item(), pointwise.mean())
    np.testing.assert_allclose(F.kl_div(f64(log_q), f64(p), "sum").item(), pointwise.sum())
    batchmean = nn.KLDivLoss(reduction="batchmean")(f64(log_q), f64(p)).item()
    np.testing.assert_allclose(batchmean, pointwise.sum() / 2)
    log_p = np.log(p + 0.01)
    with_log = F.kl_div(f64(log_q), f64(log_p), "sum", log_target=True).item()
    np.testing.assert_allclose(with_log, (np.exp(log_p) * (log_p - log_q)).sum())


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def test_cross_entropy_with_class_probabilities():
    rng = np.random.default_rng(0)
    logits, p = rng.standard_normal((4, 3)), rng.dirichlet(np.ones(3), 4)
    w = np.array([0.5, 2.0, 1.0])
    log_probs = _log_softmax(logits, 1)
    per_sample = -(p * log_probs).sum(1)
    np.testing.assert_allclose(F.cross_entropy(f64(logits), f64(p)).item(), per_sample.mean())
    weighted = -(p * log_probs * w).sum(1)
    out = F.cross_entropy(f64(logits), f64(p), f64(w), reduction="none")
    np.testing.assert_allclose(out.numpy(), weighted)
    # 'mean' divides by N even with class weights (PyTorch's rule for probability targets)
    np.testing.assert_allclose(F.cross_entropy(f64(logits), f64(p), f64(w)).item(), weighted.mean())
    smoothed = p * 0.8 + 0.2 / 3
    out = F.cross_entropy(f64(logits), f64(p), label_smoothing=0.2, reduction="sum")
    np.testing.assert_allclose(out.item(), -(smoothed * log_probs).sum())
    one = F.cross_entropy(f64(logits[0]), f64(p[0]), reduction="none")
    assert one.shape == () and np.isclose(one.item(), per_sample[0])


def test_cross_entropy_with_extra_dims_counts_every_position():
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((2, 3, 4, 5)), rng.integers(0, 3, (2, 4, 5))
    t[0, 0, 0] = -100
    log_probs = _log_softmax(x, 1)
    picked = -np.take_along_axis(log_probs, np.where(t < 0, 0, t)[:, None], 1)[:, 0]
    kept = t != -100
    out = F.cross_entropy(f64(x), t, reduction="none")
    assert out.shape == (2, 4, 5)
    np.testing.assert_allclose(out.numpy(), np.where(kept, picked, 0.0))
    np.testing.assert_allclose(F.cross_entropy(f64(x), t).item(), picked[kept].mean())
    np.testing.assert_allclose(
        F.nll_loss(f64(log_probs), t, reduction="sum").item(), picked[kept].sum()
    )
    p = rng.dirichlet(np.ones(3), (2, 4, 5)).transpose(0, 3, 1, 2)
    expected = -(p * log_probs).sum(1)
    np.testing.assert_allclose(F.cross_entropy(f64(x), f64(p)).item(), expected.mean())


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_one_sample_with_a_class_index_and_no_reduction_gives_a_0d_loss(label_smoothing):
    # PyTorch: (C,) logits with a 0-d class index and reduction='none' give a 0-d loss, not (1,)
    logits = np.array([0.5, -1.0, 2.0, 0.25])
    log_probs = _log_softmax(logits, 0)
    e = label_smoothing
    expected = -(1 - e) * log_probs[2] - e * log_probs.mean()
    out = F.cross_entropy(leaf(logits), mg.tensor(np.array(2)), reduction="none", label_smoothing=e)
    assert out.shape == ()
    np.testing.assert_allclose(out.item(), expected)
    out = F.nll_loss(f64(log_probs), mg.tensor(np.array(2)), reduction="none")
    assert out.shape == ()
    np.testing.assert_allclose(out.item(), -log_probs[2])


def test_normalize_and_cosine_similarity():
    v = np.array([[0.0, 0.0], [3.0, 4.0], [-1.0, 2.0]])
    norms = np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    np.testing.assert_allclose(F.normalize(f64(v)).numpy(), v / norms)
    np.testing.assert_allclose(
        F.normalize(f64(v), p=1, dim=0).numpy(), v / np.abs(v).sum(0, keepdims=True)
    )
    a = np.array([[1.0, 2.0], [1e-9, 0.0], [0.0, 0.0]])
    b = np.array([[-1.0, 0.5], [3e-9, 0.0], [1.0, 1.0]])
    # each norm clamped at eps = 1e-8 before dividing: the tiny pair gives 0.1 * 0.3
    na = np.maximum(np.linalg.norm(a, axis=1), 1e-8)
    nb = np.maximum(np.linalg.norm(b, axis=1), 1e-8)
    expected = (a * b).sum(1) / (na * nb)
    np.testing.assert_allclose(F.cosine_similarity(f64(a), f64(b)).numpy(), expected)
    assert F.cosine_similarity(f64(np.ones((3, 4))), f64(np.ones((1, 4)))).shape == (3,)
    x = leaf(np.zeros(2))
    F.normalize(x, dim=0).sum().backward()  # a zero vector: 1 / eps, as in PyTorch, not NaN
    np.testing.assert_allclose(x.grad.numpy(), [1e12, 1e12])


def test_pad_modes():
    m = np.arange(6.0).reshape(2, 3)
    out = F.pad(f64(m), (1, 2, 0, 1), value=9.0)
    np.testing.assert_array_equal(out.numpy(), np.pad(m, [(0, 1), (1, 2)], constant_values=9.0))
    np.testing.assert_array_equal(F.pad(f64(m), (-1, 1)).numpy(), [[1, 2, 0], [4, 5, 0]])
    r = np.arange(12.0).reshape(1, 2, 6)
    for mode, numpy_mode in [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")]:
        expected = np.pad(r, [(0, 0), (1, 1), (2, 1)], mode=numpy_mode)
        np.testing.assert_array_equal(F.pad(f64(r), (2, 1, 1, 1), mode=mode).numpy(), expected)
    x = leaf(np.arange(4.0))
    F.pad(x, (2, 1), mode="replicate").sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 1, 1, 2])  # each edge copied back


def test_one_hot():
    out = F.one_hot(mg.tensor([0, 2, 1]))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), np.eye(3, dtype=np.int64)[[0, 2, 1]])
    assert F.one_hot(mg.tensor([[0, 2], [1, 1]]), 4).shape == (2, 2, 4)
    assert F.one_hot(mg.zeros(0, dtype=mg.int64), 3).shape == (0, 3)


@pytest.mark.parametrize(
    "mistake, error, words",
    [
        (lambda: F.one_hot(mg.tensor([0, 3]), 3), ValueError, r"\[0, 2\]"),
        (lambda: F.one_hot(mg.tensor([0.0])), TypeError, r"integer class indices"),
        (lambda: F.one_hot(mg.zeros(0, dtype=mg.int64)), ValueError, r"cannot be inferred"),
    ],
)
def test_one_hot_refuses_what_pytorch_refuses(mistake, error, words):
    with pytest.raises(error, match=words):
        mistake()


# ---- activations PyTorch has that were missing: values and gradients from their formulas ----
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
POINTS = np.array([-7.0, -3.0, -0.5, -0.2, 0.0, 0.3, 0.5, 2.0, 6.0, 8.0])


def _elu(x, alpha):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


@pytest.mark.parametrize(
    ("name", "function", "value", "slope"),
    [
        ("relu6", F.relu6, lambda x: np.clip(x, 0, 6), lambda x: ((x > 0) & (x < 6)) * 1.0),
        (
            "selu",
            F.selu,
            lambda x: SELU_SCALE * _elu(x, SELU_ALPHA),
            lambda x: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0))),
        ),
        (
            "celu",
            lambda a: F.celu(a, 0.5),
            lambda x: 0.5 * _elu(x / 0.5, 1.0),
            lambda x: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0) / 0.5)),
        ),
        (
            "logsigmoid",
            F.logsigmoid,
            lambda x: -np.log1p(np.exp(-x)),
            lambda x: 1 / (1 + np.exp(x)),
        ),
        (
            "hardshrink",
            F.hardshrink,
            lambda x: np.where(np.abs(x) > 0.5, x, 0.0),
            lambda x: (np.abs(x) > 0.5) * 1.0,
        ),
        (
            "softshrink",
            lambda a: F.softshrink(a, 1.0),
            lambda x: np.sign(x) * np.maximum(np.abs(x) - 1.0, 0),
            lambda x: (np.abs(x) > 1.0) * 1.0,
        ),
        ("tanhshrink", F.tanhshrink, lambda x: x - np.tanh(x), lambda x: np.tanh(x) ** 2),
        (
            "threshold",
            lambda a: F.threshold(a, 0.3, -4.0),
            lambda x: np.where(x > 0.3, x, -4.0),
            lambda x: (x > 0.3) * 1.0,
        ),
    ],
)
def test_more_activations_follow_their_formulas(name, function, value, slope):
    x = leaf(POINTS)
    out = function(x)
    out.sum().backward()
    np.testing.assert_allclose(out.numpy(), value(POINTS), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), slope(POINTS), rtol=1e-12, atol=1e-15)
    module = {
        "relu6": nn.ReLU6(), "selu": nn.SELU(), "celu": nn.CELU(0.5), "logsigmoid": nn.LogSigmoid(),
        "hardshrink": nn.Hardshrink(), "softshrink": nn.Softshrink(1.0),
        "tanhshrink": nn.Tanhshrink(), "threshold": nn.Threshold(0.3, -4.0),
    }[name]  # fmt: skip
    np.testing.assert_allclose(module(f64(POINTS)).numpy(), value(POINTS), rtol=1e-12, atol=1e-15)


def test_glu_softmin_and_softmax2d():
    x = np.arange(12.0).reshape(2, 6) / 5 - 1
    a, b = x[:, :3], x[:, 3:]
    np.testing.assert_allclose(F.glu(f64(x)).numpy(), a / (1 + np.exp(-b)))
    np.testing.assert_allclose(nn.GLU(0)(f64(x.T)).numpy(), (a / (1 + np.exp(-b))).T)
    with pytest.raises(ValueError, match="even size"):
        F.glu(f64(np.ones((2, 5))))
    e = np.exp(-x)
    np.testing.assert_allclose(F.softmin(f64(x), 1).numpy(), e / e.sum(1, keepdims=True))
    images = np.arange(24.0).reshape(2, 3, 2, 2) / 7
    e = np.exp(images)
    np.testing.assert_allclose(
        nn.Softmax2d()(f64(images)).numpy(), e / e.sum(1, keepdims=True), rtol=1e-12
    )


@pytest.mark.parametrize(
    ("shape", "dim"), [((5,), 0), ((3, 4), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)]
)
def test_softmax_modules_without_dim_pick_pytorchs_implicit_dim(shape, dim):
    # PyTorch's nn.Softmax() (dim=None) warns and takes dim 0 for 0-, 1- and 3-d input, dim 1
    # otherwise: for (L, N, C) input that is not the last dim
    x = np.random.default_rng(3).standard_normal(shape)
    e = np.exp(x - x.max(dim, keepdims=True))
    softmax = e / e.sum(dim, keepdims=True)
    for module, expected in (
        (nn.Softmax(), softmax), (nn.LogSoftmax(), np.log(softmax)), (nn.Softmin(), None),
    ):  # fmt: skip
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            out = module(f64(x)).numpy()
        if expected is not None:
            np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert nn.Softmax(dim=-1).dim == -1

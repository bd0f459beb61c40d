"""PyTorch's margin, embedding and likelihood losses (minigrad/nn/losses.py): every value is
worked out here from the documented formula with NumPy; the gradients are checked in
op_registry.py. No torch import: these tests hold without it."""

import math
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def t(values, **kwargs):
    return mg.tensor(np.asarray(values, dtype=np.float64), **kwargs)


def reduced(loss, reduction):
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]


X1 = np.array([[0.9, -1.2, 0.1], [0.4, 1.5, -0.7]])
X2 = np.array([[0.2, 0.5, 1.3], [-0.8, 0.6, -1.9]])
SIGNS = np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])
REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_loss(reduction):
    expected = np.maximum(0.0, -SIGNS * (X1 - X2) + 0.3)
    got = F.margin_ranking_loss(t(X1), t(X2), t(SIGNS), 0.3, reduction=reduction)
    np.testing.assert_allclose(got.numpy(), reduced(expected, reduction), rtol=1e-12)
    module = nn.MarginRankingLoss(margin=0.3, reduction=reduction)
    np.testing.assert_allclose(module(t(X1), t(X2), t(SIGNS)).numpy(), got.numpy())


def test_margin_ranking_loss_gradient_is_minus_y_where_the_hinge_is_active():
    a = t(X1, requires_grad=True)
    F.margin_ranking_loss(a, t(X2), t(SIGNS), 0.3, reduction="sum").backward()
    active = -SIGNS * (X1 - X2) + 0.3 > 0
    np.testing.assert_array_equal(a.grad.numpy(), np.where(active, -SIGNS, 0.0))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding_loss_follows_pytorchs_code_for_odd_targets(reduction):
    x = np.array([[0.9, 0.4, 0.3], [1.7, 0.6, -0.5]])
    y = np.array([[1.0, -1.0, 0.0], [-1.0, -1.0, 2.0]])
    hinge = np.maximum(0.0, 1.2 - x)
    # x where y != -1, plus the hinge where y != 1: a target of 0 or 2 gets both
    expected = np.where(y != 1, hinge, 0.0) + np.where(y != -1, x, 0.0)
    got = F.hinge_embedding_loss(t(x), t(y), 1.2, reduction=reduction)
    np.testing.assert_allclose(got.numpy(), reduced(expected, reduction), rtol=1e-12)
    assert nn.HingeEmbeddingLoss().margin == 1.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(reduction):
    a = np.array([[1.0, 2.0, 2.0], [0.0, 0.0, 0.0], [3.0, 0.0, 4.0], [1.0, 1.0, 0.0]])
    b = np.array([[2.0, 1.0, -2.0], [1.0, 1.0, 1.0], [3.0, 0.0, 4.0], [-1.0, 2.0, 0.0]])
    y = np.array([1.0, -1.0, -1.0, -1.0])
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    expected = np.where(y == 1, 1 - cos, np.maximum(0.0, cos - 0.1))
    got = F.cosine_embedding_loss(t(a), t(b), t(y), margin=0.1, reduction=reduction)
    np.testing.assert_allclose(got.numpy(), reduced(expected, reduction), rtol=1e-12)
    # one pair, a 0-d target
    one = nn.CosineEmbeddingLoss()(t(a[0]), t(b[0]), t(1.0))
    assert one.shape == () and one.item() == pytest.approx(1 - cos[0])


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_triplet_margin_loss(p, swap):
    rng = np.random.default_rng(0)
    a, pos, neg = (rng.standard_normal((5, 3)) for _ in range(3))

    def dist(u, v):
        return (np.abs(u - v + 1e-6) ** p).sum(-1) ** (1 / p)

    to_negative = np.minimum(dist(a, neg), dist(pos, neg)) if swap else dist(a, neg)
    expected = np.maximum(0.0, dist(a, pos) - to_negative + 1.5)
    got = F.triplet_margin_loss(t(a), t(pos), t(neg), 1.5, p, swap=swap, reduction="none")
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    module = nn.TripletMarginLoss(margin=1.5, p=p, swap=swap)
    assert module(t(a), t(pos), t(neg)).item() == pytest.approx(expected.mean(), rel=1e-12)


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("log_input", [True, False])
def test_poisson_nll_loss(log_input, full):
    x = np.array([[0.3, 1.2, 2.0], [0.7, 0.1, 1.5]])
    y = np.array([[0.0, 1.0, 2.5], [4.0, 0.5, 7.0]])
    expected = np.exp(x) - y * x if log_input else x - y * np.log(x + 1e-8)
    if full:
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = y * np.log(y) - y + 0.5 * np.log(2 * np.pi * y)
        expected = expected + np.where(y > 1, stirling, 0.0)  # only for counts above 1
    got = F.poisson_nll_loss(t(x), t(y), log_input, full, reduction="none")
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    module = nn.PoissonNLLLoss(log_input=log_input, full=full, reduction="sum")
    assert module(t(x), t(y)).item() == pytest.approx(expected.sum(), rel=1e-12)


@pytest.mark.parametrize("var_shape", [(2, 3), (2,), (2, 1), (1, 3)])
def test_gaussian_nll_loss_variance_shapes(var_shape):
    x = np.array([[0.3, -1.2, 2.0], [0.7, 0.1, -1.5]])
    y = np.array([[0.0, 1.0, 2.5], [1.0, 0.5, -1.0]])
    var = np.linspace(0.5, 2.0, math.prod(var_shape)).reshape(var_shape)
    shaped = var[:, None] if var_shape == (2,) else var  # one dim short: shared along the last
    expected = 0.5 * (np.log(shaped) + (x - y) ** 2 / shaped) + 0.5 * np.log(2 * np.pi)
    got = F.gaussian_nll_loss(t(x), t(y), t(var), full=True, reduction="none")
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


def test_gaussian_nll_loss_clamps_var_in_value_only():
    x, y = np.array([1.0, 2.0]), np.array([0.5, 2.5])
    var = t([1e-9, 4.0], requires_grad=True)
    loss = nn.GaussianNLLLoss(eps=1e-3, reduction="sum")(t(x), t(y), var)
    v = np.array([1e-3, 4.0])  # the clamped variance
    assert loss.item() == pytest.approx((0.5 * (np.log(v) + (x - y) ** 2 / v)).sum(), rel=1e-12)
    loss.backward()
    # d/dv of 0.5 (log v + r^2 / v) at the clamped value, passed straight to the raw v
    np.testing.assert_allclose(var.grad.numpy(), 0.5 * (1 / v - (x - y) ** 2 / v**2), rtol=1e-12)
    # a number as the variance
    number = F.gaussian_nll_loss(t(x), t(y), 2.0)
    assert number.item() == pytest.approx((0.5 * (np.log(2.0) + (x - y) ** 2 / 2.0)).mean())


def test_soft_margin_loss_stays_finite_where_exp_overflows():
    x = np.array([[0.5, -2.0], [800.0, -800.0]])
    y = np.array([[1.0, 1.0], [1.0, 1.0]])
    got = nn.SoftMarginLoss(reduction="none")(t(x), t(y))
    np.testing.assert_allclose(got.numpy(), [[np.log1p(np.exp(-0.5)), np.log1p(np.exp(2.0))],
                                             [0.0, 800.0]], rtol=1e-12)  # fmt: skip
    assert F.soft_margin_loss(t(x[0]), t(y[0])).item() == pytest.approx(got.numpy()[0].mean())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_loss(reduction):
    x = np.array([[0.3, -1.2, 2.0, 0.5], [0.7, 0.1, -1.5, -3.0]])
    y = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 0.5]])
    w = np.array([0.5, 1.0, 2.0, 1.5])

    def log_sigmoid(z):
        return -np.log1p(np.exp(-z))

    per_class = -w * (y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x))
    expected = per_class.sum(1) / 4  # the mean over the classes, one value per sample
    module = nn.MultiLabelSoftMarginLoss(weight=t(w), reduction=reduction)
    assert "weight" in dict(module.named_buffers())
    np.testing.assert_allclose(module(t(x), t(y)).numpy(), reduced(expected, reduction), rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss(p, weighted):
    x = np.array([[0.1, 1.3, 0.6, -0.9], [0.5, -1.1, 1.4, 0.2], [-0.3, 0.7, 0.0, 1.2]])
    target = np.array([2, 0, 3])
    w = np.array([0.5, 1.0, 2.0, 1.5])
    expected = np.zeros(3)
    for n, y in enumerate(target):
        for i in range(4):
            if i != y:
                expected[n] += (w[y] if weighted else 1.0) * max(0.0, 0.8 - x[n, y] + x[n, i]) ** p
    expected /= 4
    weight = t(w) if weighted else None
    got = F.multi_margin_loss(t(x), mg.tensor(target), p, 0.8, weight, reduction="none")
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    module = nn.MultiMarginLoss(p=p, margin=0.8, weight=weight)
    assert module(t(x), mg.tensor(target)).item() == pytest.approx(expected.mean(), rel=1e-12)
    # one sample: a 0-d target gives a 0-d loss, a (1,) target a (1,) one (PyTorch's shapes)
    one = F.multi_margin_loss(t(x[0]), mg.tensor(2), p, 0.8, weight, reduction="none")
    assert one.shape == () and one.item() == pytest.approx(expected[0])
    assert F.multi_margin_loss(t(x[0]), mg.tensor([2]), p, 0.8, reduction="none").shape == (1,)


def test_multilabel_margin_loss_reads_targets_up_to_the_first_minus_one():
    x = np.array([[0.1, 1.3, 0.6, -0.9], [0.5, -1.1, 1.4, 0.2]])
    target = np.array([[3, 0, -1, 1], [1, 1, 2, -1]])  # row 1 lists class 1 twice
    expected = []
    for row, listed in zip(x, [[3, 0], [1, 1, 2]]):
        others = [i for i in range(4) if i not in listed]
        expected.append(sum(max(0.0, 1 - row[j] + row[i]) for j in listed for i in others) / 4)
    got = nn.MultiLabelMarginLoss(reduction="none")(t(x), mg.tensor(target))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    single = F.multilabel_margin_loss(t(x[0]), mg.tensor(target[0]))
    assert single.shape == () and single.item() == pytest.approx(expected[0])


def test_deprecated_size_average_and_reduce_decide_the_reduction_as_in_pytorch():
    x, y = t(X1), t(SIGNS)
    elementwise = np.log1p(np.exp(-SIGNS * X1))
    with pytest.warns(UserWarning, match="reduction='sum'"):
        summed = F.soft_margin_loss(x, y, size_average=False)
    assert summed.item() == pytest.approx(elementwise.sum())
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert nn.MarginRankingLoss(0.0, True, False).reduction == "none"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning without them
        assert nn.MarginRankingLoss().reduction == "mean"


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: nn.TripletMarginLoss(margin=0.0), ValueError, ["margin", "> 0", "0.0"]),
        (lambda: F.triplet_margin_loss(t([1.0]), t([1.0]), t([[1.0]])), ValueError,
         ["same number of dims", "(1, 1)"]),
        (lambda: nn.MultiMarginLoss(p=3), ValueError, ["p", "1 or 2", "3"]),
        (lambda: F.multi_margin_loss(t([[1.0, 2.0]]), mg.tensor([2])), ValueError,
         ["target", "[0, 1]"]),
        (lambda: F.multi_margin_loss(t([[1.0, 2.0]]), t([1.0])), TypeError, ["integer", "float64"]),
        (lambda: F.gaussian_nll_loss(t([1.0, 2.0]), t([1.0, 2.0]), -1.0), ValueError,
         ["var", ">= 0", "-1.0"]),
        (lambda: F.gaussian_nll_loss(t([[1.0, 2.0]]), t([[1.0, 2.0]]), t([[1.0, 2.0, 3.0]])),
         ValueError, ["var", "(1, 3)", "(1, 2)"]),
        (lambda: F.cosine_embedding_loss(t([[1.0]]), t([[1.0]]), t([[1.0]])), ValueError,
         ["target", "0-d or 1-d", "(1, 1)"]),
        (lambda: F.multilabel_margin_loss(t([[1.0, 2.0]]), mg.tensor([[2, -1]])), ValueError,
         ["target", "[0, 1]"]),
        (lambda: nn.PoissonNLLLoss(reduction="avg"), ValueError, ["reduction", "'mean'", "avg"]),
        (lambda: nn.PoissonNLLLoss(full="yes"), TypeError, ["full", "True or False", "yes"]),
    ],
)  # fmt: skip
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)

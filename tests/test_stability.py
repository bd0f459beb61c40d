"""Losses stay finite where users meet instability: logits of ±1e4, probabilities of exactly 0 and
1, rows that are all -inf. Every test runs in float32 and in float64.

The references are the textbook definitions, computed in float64 NumPy. Where an input of size
1e4 is involved, results are compared to within one rounding at that size (``eps * 1e4``): a
float32 logit of 1e4 carries no more digits than that, so no implementation can do better.

What minigrad does with a log of zero, in one place:

* ``log(0)`` is ``-inf`` and its gradient ``+inf``: that is the math, and no guard can change it.
  ``detect_anomaly`` reports it (see test_nonfinite.py).
* The losses never take the log of a probability that rounded to 0 or 1: ``cross_entropy`` and
  ``log_softmax`` use log-sum-exp, and ``binary_cross_entropy_with_logits`` uses a softplus that
  never overflows. Where a probability is *exactly* 0 (a logit of -inf, a masked class), the loss
  is finite unless that class is the target, in which case it is ``inf`` (-log 0, the true value),
  and the gradient is finite either way.
* ``logsumexp`` of nothing but -inf is -inf (the log of an empty sum) with a zero gradient; a
  softmax or log_softmax of such a row is NaN, because no distribution exists there (0 / 0).
"""

import contextlib
from unittest import mock

import numpy as np
import pytest

import minigrad as mg
from minigrad import autograd, backend
from minigrad.nn import functional as F

DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])

# Rows a user meets: one logit dominating, ties at the top, everything huge, everything tiny.
EXTREME_LOGITS = [
    [1e4, -1e4, 0.0],
    [-1e4, -1e4, 1e4],
    [1e4, 1e4, 1e4],
    [-1e4, -1e4, -1e4],
    [1e4, 9999.0, -1e4],
]
TARGETS = np.array([1, 2, 0, 1, 1])


def leaf(values, dtype):
    return mg.Tensor(np.array(values, dtype=dtype), requires_grad=True)


def tolerance(dtype):
    """One rounding at the size of the largest input (1e4)."""
    return {"rtol": 4 * np.finfo(dtype).eps, "atol": 1e4 * np.finfo(dtype).eps}


def reference_softmax(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def reference_log_softmax(x):
    x = np.asarray(x, dtype=np.float64)
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def onehot(targets, classes):
    return np.eye(classes)[targets]


def no_overflow():
    """Fail on any overflow, invalid operation or division by zero inside (underflow is fine).

    minigrad's ops give such IEEE results silently, whatever np.seterr says (minigrad/backend.py),
    so the switch they use is swapped here for one that raises: these formulas must never meet one.
    """

    def raising():
        state = np.errstate(over="raise", invalid="raise", divide="raise")
        state.__enter__()
        return state

    switches = contextlib.ExitStack()
    for module in (autograd, backend):  # Function.apply, and run_backward's float_errors_ignored
        switches.enter_context(mock.patch.object(module, "ignore_float_errors", raising))
        switches.enter_context(
            mock.patch.object(module, "restore_float_errors", backend._restore_with_errstate)
        )
    return switches


# ---- softmax, log_softmax and cross-entropy at ±1e4 ---------------------------------------------
@DTYPES
def test_softmax_of_huge_logits_is_a_distribution_with_the_analytic_gradient(dtype):
    x = leaf(EXTREME_LOGITS, dtype)
    weights = np.arange(1.0, 4.0)
    with no_overflow():
        probabilities = mg.softmax(x, axis=1)
        (probabilities * mg.Tensor(weights.astype(dtype))).sum().backward()

    expected = reference_softmax(EXTREME_LOGITS)
    assert probabilities.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(probabilities.numpy(), expected, **tolerance(dtype))
    np.testing.assert_allclose(probabilities.numpy().sum(axis=1), 1.0, rtol=4e-7)
    # d(sum w z)/dx = z (w - sum(w z))
    analytic = expected * (weights - (weights * expected).sum(axis=1, keepdims=True))
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), analytic, **tolerance(dtype))


@DTYPES
def test_log_softmax_of_huge_logits_is_finite_with_the_analytic_gradient(dtype):
    x = leaf(EXTREME_LOGITS, dtype)
    with no_overflow():
        log_probabilities = F.log_softmax(x, axis=1)
        log_probabilities.sum().backward()

    values = log_probabilities.numpy()
    assert np.isfinite(values).all() and log_probabilities.dtype == dtype
    np.testing.assert_allclose(values, reference_log_softmax(EXTREME_LOGITS), **tolerance(dtype))
    # d(sum log softmax(x))/dx = 1 - C softmax(x)
    analytic = 1 - 3 * reference_softmax(EXTREME_LOGITS)
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), analytic, **tolerance(dtype))


@DTYPES
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_of_huge_logits_is_finite_and_its_gradient_is_softmax_minus_onehot(
    dtype, reduction
):
    x = leaf(EXTREME_LOGITS, dtype)
    with no_overflow():
        loss = F.cross_entropy(x, TARGETS, reduction=reduction)
        loss.backward()

    per_sample = -reference_log_softmax(EXTREME_LOGITS)[np.arange(5), TARGETS]
    expected = per_sample.mean() if reduction == "mean" else per_sample.sum()
    assert loss.dtype == dtype and np.isfinite(loss.item())
    np.testing.assert_allclose(loss.item(), expected, **tolerance(dtype))
    analytic = reference_softmax(EXTREME_LOGITS) - onehot(TARGETS, 3)
    if reduction == "mean":
        analytic /= len(TARGETS)
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), analytic, **tolerance(dtype))


@DTYPES
def test_cross_entropy_with_label_smoothing_at_huge_logits_is_finite(dtype):
    smoothing = 0.1
    x = leaf(EXTREME_LOGITS, dtype)
    with no_overflow():
        loss = F.cross_entropy(x, TARGETS, reduction="sum", label_smoothing=smoothing)
        loss.backward()

    smoothed = (1 - smoothing) * onehot(TARGETS, 3) + smoothing / 3
    expected = -(smoothed * reference_log_softmax(EXTREME_LOGITS)).sum()
    np.testing.assert_allclose(loss.item(), expected, **tolerance(dtype))
    analytic = reference_softmax(EXTREME_LOGITS) - smoothed
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), analytic, **tolerance(dtype))


# ---- sigmoid and binary cross-entropy with logits at ±1e4 ---------------------------------------
@DTYPES
def test_sigmoid_reaches_exactly_0_and_1_at_huge_inputs_without_overflow(dtype):
    x = leaf([1e4, -1e4, 0.0], dtype)
    with no_overflow():
        y = mg.sigmoid(x)
        y.sum().backward()
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.numpy(), [1.0, 0.0, 0.5])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.25])  # z (1 - z)


@DTYPES
def test_sigmoid_keeps_its_relative_accuracy_far_in_the_negative_tail(dtype):
    # sigmoid(x) = e^x / (1 + e^x) ~ e^x there: tiny, but not zero, and correct to the last digits
    x = leaf([-40.0, -80.0], dtype)
    np.testing.assert_allclose(mg.sigmoid(x).numpy(), np.exp([-40.0, -80.0]), rtol=1e-6)


@DTYPES
def test_bce_with_logits_at_huge_logits_is_finite_with_the_right_limits(dtype):
    logits = [1e4, 1e4, -1e4, -1e4, 1e4]
    targets = np.array([1.0, 0.0, 1.0, 0.0, 0.3], dtype=dtype)
    x = leaf(logits, dtype)
    with no_overflow():
        loss = F.binary_cross_entropy_with_logits(x, targets, reduction="none")
        loss.sum().backward()
    # -(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))) tends to max(x, 0) - x y for |x| large
    np.testing.assert_allclose(loss.numpy(), [0.0, 1e4, 1e4, 0.0, 7e3], **tolerance(dtype))
    # its gradient is sigmoid(x) - y
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0, -1.0, 0.0, 0.7], rtol=1e-6)


@DTYPES
def test_bce_with_logits_and_pos_weight_at_huge_logits(dtype):
    x = leaf([1e4, -1e4, -1e4], dtype)
    targets = np.array([1.0, 1.0, 0.0], dtype=dtype)
    pos_weight = mg.Tensor(np.array(3.0, dtype=dtype))
    with no_overflow():
        loss = F.binary_cross_entropy_with_logits(
            x, targets, reduction="none", pos_weight=pos_weight
        )
        loss.sum().backward()
    np.testing.assert_allclose(loss.numpy(), [0.0, 3e4, 0.0], **tolerance(dtype))
    # d/dx of p y softplus(-x) + (1 - y) softplus(x) = -p y sigmoid(-x) + (1 - y) sigmoid(x)
    np.testing.assert_allclose(x.grad.numpy(), [0.0, -3.0, 0.0], rtol=1e-6)


@DTYPES
def test_bce_with_logits_stays_finite_where_the_probability_rounds_to_exactly_1(dtype):
    # sigmoid(40) is exactly 1.0 in float32 and sigmoid(800) in float64, so the textbook
    # -log(1 - sigmoid(x)) is -log(0) = inf; the loss on logits is computed without that log.
    big = 40.0 if dtype == np.float32 else 800.0
    x = leaf([big], dtype)
    assert mg.sigmoid(x).item() == 1.0
    textbook = -mg.log(1.0 - mg.sigmoid(x))
    assert textbook.item() == np.inf

    loss = F.binary_cross_entropy_with_logits(x, np.array([0.0], dtype=dtype))
    loss.backward()
    np.testing.assert_allclose(loss.item(), big, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [1.0])


@DTYPES
def test_bce_with_logits_keeps_the_digits_of_a_tiny_loss(dtype):
    # x = -40, y = 0: the loss is log(1 + e^-40) ~ e^-40; log1p keeps it, log(1 + ...) gives 0.
    loss = F.binary_cross_entropy_with_logits(leaf([-40.0], dtype), np.array([0.0], dtype=dtype))
    np.testing.assert_allclose(loss.item(), np.exp(-40.0), rtol=1e-6)
    # x = 40, y = 1 computes softplus(40) - 40, where e^-40 is lost against 40: 0, off by 4e-18.
    loss = F.binary_cross_entropy_with_logits(leaf([40.0], dtype), np.array([1.0], dtype=dtype))
    assert 0.0 <= loss.item() <= 40.0 * np.finfo(dtype).eps


# ---- probabilities of exactly 0 and 1 -----------------------------------------------------------
@DTYPES
def test_log_of_exactly_0_is_minus_inf_with_an_infinite_gradient_and_of_1_is_0(dtype):
    # The math allows no guard here: log(0) = -inf and d log(p)/dp = 1/p = inf at 0.
    p = leaf([0.0, 1.0], dtype)
    log_p = mg.log(p)
    log_p.sum().backward()
    np.testing.assert_array_equal(log_p.numpy(), [-np.inf, 0.0])
    np.testing.assert_array_equal(p.grad.numpy(), [np.inf, 1.0])


@DTYPES
def test_nll_loss_on_a_log_probability_of_minus_inf(dtype):
    log_probabilities = leaf([[-np.inf, 0.0], [-np.inf, 0.0]], dtype)
    loss = F.nll_loss(log_probabilities, np.array([0, 1]), reduction="none")
    loss.sum().backward()
    # The target's probability is exactly 0: the loss is -log 0 = inf, the true value. A class
    # with probability 0 that is not the target costs nothing (the loss is -log 1 = 0).
    np.testing.assert_array_equal(loss.numpy(), [np.inf, 0.0])
    # The gradient picks the target's entry whatever its value: finite everywhere.
    np.testing.assert_array_equal(log_probabilities.grad.numpy(), [[-1.0, 0.0], [0.0, -1.0]])


@DTYPES
def test_a_masked_logit_of_minus_inf_has_probability_exactly_0_and_no_gradient(dtype):
    logits = [[-np.inf, 1.0, 2.0]]
    x = leaf(logits, dtype)
    with no_overflow():
        probabilities = mg.softmax(x, axis=1)
        (probabilities * mg.Tensor(np.array([5.0, 1.0, 2.0], dtype=dtype))).sum().backward()
    assert probabilities.numpy()[0, 0] == 0.0 and x.grad.numpy()[0, 0] == 0.0
    np.testing.assert_allclose(probabilities.numpy()[0, 1:], reference_softmax([1.0, 2.0]))

    x = leaf(logits, dtype)
    log_probabilities = F.log_softmax(x, axis=1)
    log_probabilities[0, 1:].sum().backward()
    assert log_probabilities.numpy()[0, 0] == -np.inf
    np.testing.assert_allclose(
        log_probabilities.numpy()[0, 1:], reference_log_softmax([1.0, 2.0]), rtol=1e-6
    )
    assert np.isfinite(x.grad.numpy()).all() and x.grad.numpy()[0, 0] == 0.0


@DTYPES
def test_cross_entropy_with_a_masked_class(dtype):
    x = leaf([[-np.inf, 1.0, 2.0], [-np.inf, 1.0, 2.0]], dtype)
    with no_overflow():
        loss = F.cross_entropy(x, np.array([2, 0]), reduction="none")
        loss.sum().backward()
    # Target 2 is possible: a finite loss. Target 0 has probability exactly 0: -log 0 = inf.
    np.testing.assert_allclose(loss.numpy()[0], -reference_log_softmax([1.0, 2.0])[1], rtol=1e-6)
    assert loss.numpy()[1] == np.inf
    # The gradient is softmax - onehot in both rows: finite, 0 at the masked logit of row 0.
    probabilities = np.concatenate([[0.0], reference_softmax([1.0, 2.0])])
    expected = np.stack([probabilities - [0, 0, 1], probabilities - [1, 0, 0]])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


# ---- logsumexp ---------------------------------------------------------------------------------
@DTYPES
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_of_all_minus_inf_is_minus_inf_with_a_zero_gradient(dtype, keepdims):
    # An all -inf row is the log of an empty sum: log 0 = -inf. Moving any of its entries by a
    # finite amount leaves it -inf, so its gradient is 0 (not the NaN of exp(-inf - (-inf))).
    rows = [[-np.inf, -np.inf, -np.inf], [-np.inf, 0.0, np.log(3.0)]]
    x = leaf(rows, dtype)
    total = mg.logsumexp(x, axis=1, keepdims=keepdims)
    assert total.dtype == dtype
    np.testing.assert_allclose(total.numpy().reshape(2), [-np.inf, np.log(4.0)], rtol=1e-6)
    total.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 0.0, 0.0], [0.0, 0.25, 0.75]], rtol=1e-6)


@DTYPES
def test_logsumexp_over_every_axis_of_all_minus_inf(dtype):
    x = leaf(np.full((2, 2), -np.inf), dtype)
    total = mg.logsumexp(x)
    total.backward()
    assert total.item() == -np.inf
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 2)))


@DTYPES
def test_logsumexp_of_huge_values_does_not_overflow(dtype):
    x = leaf([[1e4, 1e4], [-1e4, -1e4], [1e4, -1e4]], dtype)
    with no_overflow():
        total = mg.logsumexp(x, axis=1)
        total.sum().backward()
    np.testing.assert_allclose(
        total.numpy(), [1e4 + np.log(2), -1e4 + np.log(2), 1e4], **tolerance(dtype)
    )
    np.testing.assert_allclose(
        x.grad.numpy(), [[0.5, 0.5], [0.5, 0.5], [1.0, 0.0]], **tolerance(dtype)
    )


@DTYPES
def test_softmax_of_an_all_minus_inf_row_is_nan_because_no_distribution_exists(dtype):
    # Documented, not guarded: exp(-inf) / sum(exp(-inf)) is 0 / 0. The other rows are unharmed.
    x = leaf([[-np.inf, -np.inf], [0.0, 0.0]], dtype)
    probabilities = mg.softmax(x, axis=1).numpy()
    log_probabilities = F.log_softmax(x, axis=1).numpy()
    assert np.isnan(probabilities[0]).all() and np.isnan(log_probabilities[0]).all()
    np.testing.assert_allclose(probabilities[1], [0.5, 0.5])
    np.testing.assert_allclose(log_probabilities[1], [-np.log(2), -np.log(2)], rtol=1e-6)

"""minigrad gives IEEE results silently, as PyTorch does: no NumPy warning escapes from an op.

log(0) = -inf, 1 / 0 = inf, 0 * inf = NaN, exp(1000) = inf and sqrt(-1) = NaN are the results
the docs promise (and PyTorch's). NumPy also says "RuntimeWarning: divide by zero encountered in
log", from inside minigrad, about a value the user asked for; detect_anomaly is the tool for
finding where a NaN or inf appears. So here every case runs with warnings turned into errors,
forward, backward and through a recorded backward (create_graph=True), and each value is checked
against the one worked out by hand. The user's own NumPy settings (np.seterr) are left as they
were: minigrad switches the warnings off only while its own op runs (minigrad/backend.py).
"""

import math
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import autograd, backend
from minigrad.nn import functional as F
from optim import SGD, Adam

inf, nan = math.inf, math.nan
LN2, LN10 = math.log(2), math.log(10)


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def leaf(values, dtype=np.float64):
    return mg.tensor(np.array(values, dtype=dtype), requires_grad=True)


def assert_values(tensor, expected):
    """The exact IEEE values: inf where inf (with its sign), NaN where NaN, close elsewhere."""
    got = tensor.numpy()
    expected = np.asarray(expected, dtype=got.dtype)
    np.testing.assert_allclose(got, expected, rtol=1e-6 if got.dtype == np.float32 else 1e-12)


# name: (function, input, its value, the gradient of value.sum()), each worked out by hand
ELEMENTWISE = {
    "log at 0 and below 0": (mg.log, [0.0, -1.0, 1.0], [-inf, nan, 0.0], [inf, -1.0, 1.0]),
    "log2 at 0": (mg.log2, [0.0, -1.0], [-inf, nan], [inf, -1 / LN2]),
    "log10 at 0": (mg.log10, [0.0, -1.0], [-inf, nan], [inf, -1 / LN10]),
    "log1p at -1": (mg.log1p, [-1.0, -2.0], [-inf, nan], [inf, -1.0]),
    "sqrt of 0 and -1": (mg.sqrt, [0.0, -1.0, 4.0], [0.0, nan, 2.0], [inf, nan, 0.25]),
    "rsqrt of 0 and -1": (mg.rsqrt, [0.0, -1.0, 4.0], [inf, nan, 0.5], [-inf, nan, -1 / 16]),
    "reciprocal of 0": (mg.reciprocal, [0.0, 2.0], [inf, 0.5], [-inf, -0.25]),
    "x / 0": (lambda x: x / 0.0, [1.0, 0.0, -1.0], [inf, nan, -inf], [inf, inf, inf]),
    "1 / x at 0": (lambda x: 1.0 / x, [0.0, 2.0], [inf, 0.5], [-inf, -0.25]),
    "x ** -1 at 0": (lambda x: x**-1, [0.0, 2.0], [inf, 0.5], [-inf, -0.25]),
    "x ** 0.5 below 0": (lambda x: x**0.5, [-1.0, 0.0], [nan, 0.0], [nan, inf]),
    "x ** y at 0": (lambda x: x ** mg.tensor([-1.0, 0.5]), [0.0, -1.0], [inf, nan], [-inf, nan]),
    "exp overflows": (mg.exp, [1000.0, 0.0], [inf, 1.0], [inf, 1.0]),
    "expm1 overflows": (mg.expm1, [1000.0], [inf], [inf]),
    "sinh overflows": (mg.sinh, [1000.0], [inf], [inf]),
    "cosh overflows": (mg.cosh, [-1000.0], [inf], [-inf]),
    "0 * inf": (lambda x: x * inf, [0.0, 1.0], [nan, inf], [inf, inf]),
    "inf - inf": (lambda x: x - inf, [inf, 1.0], [nan, -inf], [1.0, 1.0]),
    "inf + -inf": (lambda x: x + mg.tensor([-inf]), [inf], [nan], [1.0]),
    "asin outside [-1, 1]": (mg.asin, [2.0, 1.0], [nan, math.pi / 2], [nan, inf]),
    "acos outside [-1, 1]": (mg.acos, [2.0, 1.0], [nan, 0.0], [nan, -inf]),
    "atanh at 1 and beyond": (mg.atanh, [1.0, 2.0, -1.0], [inf, nan, -inf], [inf, -1 / 3, inf]),
    "acosh below 1": (mg.acosh, [0.5, 1.0], [nan, 0.0], [nan, inf]),
    "sin of inf": (mg.sin, [inf], [nan], [nan]),
    "x % 0": (lambda x: x % 0.0, [1.0], [nan], [1.0]),
    "x // 0": (lambda x: x // 0.0, [1.0, -1.0], [inf, -inf], [0.0, 0.0]),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_an_op_gives_its_ieee_value_and_gradient_without_a_warning(name):
    function, values, expected, expected_grad = ELEMENTWISE[name]
    x = leaf(values)
    y = function(x)
    assert_values(y, expected)
    y.sum().backward()
    assert_values(x.grad, expected_grad)


# name: (function, input, its second derivative), by hand: f'' at each point
SECOND_ORDER = {
    "log at 0": (mg.log, [0.0, 2.0], [-inf, -0.25]),  # -1/x^2
    "sqrt at 0": (mg.sqrt, [0.0, 4.0, -1.0], [-inf, -1 / 32, nan]),  # -1/(4 x^1.5)
    "reciprocal at 0": (mg.reciprocal, [0.0, 2.0], [inf, 0.25]),  # 2/x^3
    "x ** -1 at 0": (lambda x: x**-1, [0.0, 2.0], [inf, 0.25]),  # 2/x^3
    "atanh at 1": (mg.atanh, [1.0, 0.5], [inf, 1 / 0.5625]),  # 2x/(1 - x^2)^2
    "exp overflows": (mg.exp, [1000.0], [inf]),  # e^x
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_a_second_derivative_through_a_recorded_backward_warns_of_nothing(name):
    function, values, expected = SECOND_ORDER[name]
    x = leaf(values)
    (first,) = mg.grad(function(x).sum(), [x], create_graph=True)
    (second,) = mg.grad(first.sum(), [x])
    assert_values(second, expected)


def test_float32_overflow_of_a_product_a_sum_and_a_matrix_product_is_inf():
    big = np.float32(1e30)
    x = leaf([1e30, 2.0], np.float32)
    product = x * x
    assert_values(product, [inf, 4.0])
    product.sum().backward()
    assert_values(x.grad, [2 * big, 4.0])

    total = leaf([3e38, 3e38], np.float32).sum()
    assert total.item() == inf

    a = leaf([[1e30, 1e30]], np.float32)
    out = a @ mg.tensor(np.full((2, 1), 1e30, dtype=np.float32))
    assert_values(out, [[inf]])
    out.sum().backward()
    assert_values(a.grad, [[big, big]])


def test_functions_built_on_the_ops_give_their_ieee_values_without_a_warning():
    # log_softmax of -inf is -inf; its gradient g - softmax * sum(g) = [1 - 0 * 2, 1 - 1 * 2]
    x = leaf([-inf, 0.0])
    out = mg.log_softmax(x, axis=0)
    assert_values(out, [-inf, 0.0])
    out.sum().backward()
    assert_values(x.grad, [1.0, -1.0])
    # the log of an empty sum: -inf, and gradient 0 (no entry can move it)
    x = leaf([-inf, -inf])
    total = mg.logsumexp(x, axis=0)
    assert total.item() == -inf
    total.backward()
    assert_values(x.grad, [0.0, 0.0])
    # softmax of a row with no finite entry has no distribution: 0 / 0 = NaN
    assert_values(mg.softmax(leaf([-inf, -inf]), axis=0), [nan, nan])
    # kl_div with log-targets: e^t (t - input), where t = input = -inf gives 0 * NaN = NaN
    assert_values(F.kl_div(leaf([-inf]), leaf([-inf]), log_target=True, reduction="none"), [nan])
    # (x - y)^2 for x = y = inf: inf - inf is NaN
    assert_values(F.mse_loss(leaf([inf]), leaf([inf]), reduction="none"), [nan])
    # activations at +-inf: x * sigmoid(x) is -inf * 0 = NaN at -inf, as in PyTorch
    assert_values(F.silu(leaf([-inf, inf])), [nan, inf])
    assert_values(F.softsign(leaf([inf])), [nan])  # inf / (1 + inf)
    # running sums and products through inf
    assert_values(leaf([inf, -inf]).cumsum(0), [inf, nan])
    assert_values(leaf([0.0, inf]).cumprod(0), [0.0, nan])
    # a cast that overflows float32, and one from NaN to an integer (PyTorch leaves it undefined)
    assert_values(leaf([1e300]).astype(np.float32), [inf])
    leaf([nan]).astype(np.int64)


def test_detect_anomaly_still_names_the_op_that_made_the_inf():
    with mg.detect_anomaly(), pytest.raises(FloatingPointError, match="Log produced NaN or inf"):
        mg.log(mg.tensor([0.0]))
    x = leaf([0.0, 4.0])
    with mg.detect_anomaly():
        y = mg.sqrt(x).sum()
        with pytest.raises(FloatingPointError, match="Sqrt produced NaN or inf in its backward"):
            y.backward()


def test_the_users_numpy_error_settings_are_left_as_they_were():
    outside = np.geterr()
    with np.errstate(all="raise"):  # the user asked NumPy to raise on every error
        users = np.geterr()
        x = leaf([0.0, 1.0])
        y = mg.log(x)  # minigrad's own arithmetic: IEEE values, not FloatingPointError
        y.sum().backward()
        assert_values(y, [-inf, 0.0])
        assert_values(x.grad, [inf, 1.0])
        with pytest.raises(ValueError, match="cannot be broadcast"):
            mg.log(x) + mg.tensor([1.0, 2.0, 3.0])  # an op that fails puts the settings back too
        assert np.geterr() == users
        with pytest.raises(FloatingPointError):
            np.log(np.zeros(1))  # the user's own NumPy still raises
    assert np.geterr() == outside


def test_without_numpy_2s_error_state_variable_np_errstate_does_the_same(monkeypatch):
    # backend.py falls back to np.errstate where NumPy's private context variable is missing.
    monkeypatch.setattr(autograd, "ignore_float_errors", backend._ignore_with_errstate)
    monkeypatch.setattr(autograd, "restore_float_errors", backend._restore_with_errstate)
    monkeypatch.setattr(backend, "ignore_float_errors", backend._ignore_with_errstate)
    monkeypatch.setattr(backend, "restore_float_errors", backend._restore_with_errstate)
    with np.errstate(all="raise"):
        x = leaf([0.0, -1.0])
        y = mg.log(x)
        y.sum().backward()
        assert np.geterr()["divide"] == "raise"
    assert_values(y, [-inf, nan])
    assert_values(x.grad, [inf, -1.0])


def test_an_optimizer_step_applies_a_nan_or_inf_gradient_without_a_warning():
    for make in (lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p, lr=0.1)):
        theta = leaf([1.0, 1.0, 1.0])
        optimizer = make([theta])
        theta.grad = mg.tensor(np.array([nan, inf, 1.0]))
        optimizer.step()
        optimizer.step()
        assert not np.isfinite(theta.numpy()[:2]).any() and np.isfinite(theta.numpy()[2])


def test_clipping_an_infinite_gradient_norm_warns_of_nothing():
    theta = leaf([0.0, 0.0])
    theta.grad = mg.tensor(np.array([inf, 1.0]))
    assert mg.nn.utils.clip_grad_norm_([theta], max_norm=1.0).item() == inf
    assert_values(theta.grad, [nan, 0.0])  # coef = 1 / inf = 0: inf * 0 is NaN, as in PyTorch

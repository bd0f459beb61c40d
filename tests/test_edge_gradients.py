"""Gradients and dtypes at the edges, where a formula meets 0 * inf: PyTorch's values.

Each expected value is the limit worked out by hand (and what PyTorch documents or returns);
before these rules, each case gave NaN, -inf or a silently different dtype.
"""

import math
import warnings

import numpy as np

import minigrad as mg
from minigrad.nn import functional as F


def leaf(values):
    return mg.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def test_x_to_the_zero_has_zero_gradient_also_at_zero():
    x = leaf([0.0, 2.0])
    (x**0).sum().backward()  # x^0 = 1 for every x: the derivative is 0, not 0 * 0^-1
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_power_of_tensors_takes_the_limits_at_a_zero_base():
    a, b = leaf([0.0, 0.0, 2.0]), leaf([0.0, 2.0, 3.0])
    (a**b).sum().backward()
    # d/da = b a^(b-1): 0 where b = 0 (a^0 = 1), 2 * 0 = 0 at (0, 2), 3 * 4 = 12 at (2, 3)
    np.testing.assert_allclose(a.grad.numpy(), [0.0, 0.0, 12.0])
    # d/db = a^b ln a: 0 where a = 0 and b >= 0 (the limit), 8 ln 2 at (2, 3)
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 0.0, 8 * math.log(2)])


def test_zero_to_the_x_has_zero_gradient():
    x = leaf([1.0, 2.0])
    (0.0**x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_the_gradient_of_a_tensor_with_respect_to_itself_is_one():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    (itself,) = mg.grad(y, [y], retain_graph=True)
    assert itself.item() == 1.0
    dx, dy = mg.grad(y, [x, y])
    np.testing.assert_array_equal(dx.numpy(), [2.0, 4.0])
    assert dy.item() == 1.0


def test_bool_plus_int_counts_and_integer_division_is_true_division():
    total = mg.tensor([True, False]) + 1
    assert total.dtype == np.int64 and total.numpy().tolist() == [2, 1]
    for result in (
        mg.tensor([1, 3]) / 2,
        mg.tensor([1, 3]) / mg.tensor([2, 2]),
        3 / mg.tensor([2]),
    ):
        assert result.dtype == mg.get_default_dtype()
    np.testing.assert_array_equal((mg.tensor([1, 3]) / 2).numpy(), [0.5, 1.5])


def test_max_pooling_gives_a_tied_window_s_gradient_to_its_first_maximum():
    x = mg.tensor(np.array([[[[1.0, 1.0], [0.0, 1.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy().ravel(), [1.0, 0.0, 0.0, 0.0])
    # the max reduction keeps its rule (torch.amax's): ties share
    y = leaf([1.0, 1.0, 0.0])
    y.max().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0.5, 0.5, 0.0])


def test_a_nan_maximum_takes_the_gradient():
    y = leaf([math.nan, 1.0])
    y.max().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 0.0])
    x = mg.tensor(np.array([[[[1.0, math.nan], [0.0, 1.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy().ravel(), [0.0, 1.0, 0.0, 0.0])


def test_binary_cross_entropy_with_logits_is_infinite_not_nan_for_a_confident_mistake():
    loss = F.binary_cross_entropy_with_logits(
        mg.tensor([math.inf, 3.0]), mg.tensor([0.0, 1.0]), reduction="none"
    )
    assert loss.numpy()[0] == math.inf
    np.testing.assert_allclose(loss.numpy()[1], math.log1p(math.exp(-3.0)), rtol=1e-6)


def test_no_numpy_warning_escapes_from_a_backward():
    x = leaf([0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = (x**0.5).sum()  # sqrt's derivative at 0 is inf: an IEEE value, not a warning
        y.backward()
    assert x.grad.numpy()[0] == math.inf

"""PyTorch's elementwise extras: inverse and hyperbolic trigonometry, atan2, logaddexp, square,
lerp, clamp_min/clamp_max, cumprod, var_mean/std_mean, logical functions and the bitwise
operators. Values come from NumPy or by hand; gradients are checked by the op registry."""

import math

import numpy as np
import pytest

import minigrad as mg

X = np.array([-0.7, -0.2, 0.4, 0.9])


def t(values, **kwargs):
    return mg.tensor(np.array(values, dtype=np.float64), **kwargs)


@pytest.mark.parametrize(
    "name, reference",
    [
        ("tan", np.tan),
        ("asin", np.arcsin),
        ("acos", np.arccos),
        ("atan", np.arctan),
        ("sinh", np.sinh),
        ("cosh", np.cosh),
        ("asinh", np.arcsinh),
        ("atanh", np.arctanh),
        ("square", np.square),
    ],
)
def test_unary_functions_match_numpy(name, reference):
    np.testing.assert_allclose(getattr(mg, name)(t(X)).numpy(), reference(X))
    np.testing.assert_allclose(getattr(t(X), name)().numpy(), reference(X))


def test_integer_inputs_become_floats_as_in_pytorch():
    assert mg.tan(mg.tensor([1, 2])).dtype == mg.get_default_dtype()
    assert mg.acosh(mg.tensor([1, 2])).numpy()[0] == 0.0
    assert mg.square(mg.tensor([2, -3])).numpy().tolist() == [4, 9]  # integers stay integers
    assert mg.square(mg.tensor([2, -3])).dtype == mg.int64


def test_domain_edges_give_nan_and_inf_as_numpy():
    assert math.isnan(mg.asin(t([1.5])).item())
    assert mg.atanh(t([1.0])).item() == math.inf


def test_atan2_covers_all_four_quadrants_and_broadcasts():
    y, x = t([[1.0], [-1.0]]), t([1.0, -1.0])
    np.testing.assert_allclose(
        mg.atan2(y, x).numpy(), [[math.pi / 4, 3 * math.pi / 4], [-math.pi / 4, -3 * math.pi / 4]]
    )
    assert t([0.0]).atan2(-1.0).item() == pytest.approx(math.pi)


def test_logaddexp_is_exact_far_apart_and_at_infinities():
    assert mg.logaddexp(t([0.0]), t([0.0])).item() == pytest.approx(math.log(2))
    assert mg.logaddexp(t([1000.0]), t([1000.0])).item() == pytest.approx(1000 + math.log(2))
    assert mg.logaddexp(t([-1000.0]), 0.0).item() == 0.0
    np.testing.assert_array_equal(
        mg.logaddexp(t([np.inf, -np.inf]), t([np.inf, -np.inf])).numpy(), [np.inf, -np.inf]
    )
    a, b = t([1.0], requires_grad=True), t([2.0], requires_grad=True)
    mg.logaddexp(a, b).backward()
    assert a.grad.item() == pytest.approx(1 / (1 + math.e))  # e^a / (e^a + e^b)
    assert b.grad.item() == pytest.approx(math.e / (1 + math.e))


def test_lerp_and_clamp_bounds():
    np.testing.assert_allclose(mg.lerp(t([0.0, 10.0]), t([10.0, 20.0]), 0.25).numpy(), [2.5, 12.5])
    np.testing.assert_allclose(
        t([0.0, 10.0]).lerp(t([10.0, 20.0]), t([1.0, 0.0])).numpy(), [10, 10]
    )
    np.testing.assert_array_equal(t(X).clamp_min(0.0).numpy(), [0, 0, 0.4, 0.9])
    np.testing.assert_array_equal(t(X).clamp_max(t([0, 0, 0, 0.5])).numpy(), [-0.7, -0.2, 0, 0.5])
    ints = mg.tensor([1, 5]).clamp_min(3)
    assert ints.dtype == mg.int64 and ints.numpy().tolist() == [3, 5]


def test_cumprod_values_and_gradient_through_zeros():
    x = t([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    y = x.cumprod(0)
    np.testing.assert_array_equal(y.numpy(), [2, 0, 0, 0])
    y.sum().backward()
    # d/dx_k of x0 + x0x1 + x0x1x2 + x0x1x2x3, by hand at (2, 0, 3, 4)
    np.testing.assert_array_equal(x.grad.numpy(), [1, 2 + 6 + 24, 0, 0])
    assert mg.cumprod(mg.tensor([[1, 2], [3, 4]]), dim=1).numpy().tolist() == [[1, 2], [3, 12]]
    assert mg.cumprod(mg.tensor([True, True]), 0).dtype == mg.int64


def test_var_mean_and_std_mean_return_both_over_the_same_dims():
    data = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
    var, mean = mg.var_mean(t(data), 1)
    np.testing.assert_allclose(var.numpy(), data.var(axis=1, ddof=1))
    np.testing.assert_allclose(mean.numpy(), data.mean(axis=1))
    std, mean = mg.std_mean(t(data), dim=0, keepdim=True, correction=0)
    np.testing.assert_allclose(std.numpy(), data.std(axis=0, keepdims=True))
    assert mean.shape == (1, 3)
    whole_var, whole_mean = mg.var_mean(t(data))
    assert whole_var.item() == pytest.approx(data.var(ddof=1)) and whole_mean.shape == ()


def test_logical_functions_treat_nonzero_as_true():
    a, b = t([0.0, np.nan, 2.0, 0.0]), mg.tensor([1, 0, 3, 0])
    assert mg.logical_and(a, b).numpy().tolist() == [False, False, True, False]
    assert a.logical_or(b).numpy().tolist() == [True, True, True, False]
    assert mg.logical_xor(a, b).numpy().tolist() == [True, True, False, False]
    assert mg.logical_not(a).numpy().tolist() == [True, False, False, True]
    assert mg.logical_and(a, b).dtype == mg.bool_


def test_bitwise_operators_on_bools_and_integers():
    p, q = mg.tensor([True, True, False]), mg.tensor([True, False, False])
    assert (p & q).numpy().tolist() == [True, False, False] and (p & q).dtype == mg.bool_
    assert (p | q).numpy().tolist() == [True, True, False]
    assert (p ^ q).numpy().tolist() == [False, True, False]
    assert (~p).numpy().tolist() == [False, False, True]  # logical not, not -2
    m = mg.tensor([5, -3])  # 0b101 and ...11101 in two's complement
    assert (m & 6).numpy().tolist() == [4, 4]
    assert (3 | m).numpy().tolist() == [7, -1]
    assert (m ^ m).numpy().tolist() == [0, 0]
    assert (~m).numpy().tolist() == [-6, 2]  # ~x = -x - 1
    assert (p[:2] & m).dtype == mg.int64  # bool with integers: integers, as in PyTorch
    assert mg.bitwise_and(m, 6).numpy().tolist() == [4, 4]
    assert mg.bitwise_or(p, q).numpy().tolist() == [True, True, False]
    assert mg.bitwise_xor(m, 1).numpy().tolist() == [4, -4]
    assert mg.bitwise_not(m).numpy().tolist() == [-6, 2]
    x = mg.ones(2)
    with pytest.raises(TypeError, match=r"bitwise_and: needs bool or integer tensors, got float"):
        _ = x & x
    with pytest.raises(TypeError, match=r"bitwise_not: needs a bool or integer tensor"):
        _ = ~x

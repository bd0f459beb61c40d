"""Values, dtypes and edge gradients of the elementwise and reduction ops PyTorch users expect
(prod, norm, sort, median, rounding, // and %, ...). Expected values are worked out by hand or
from the defining formula with NumPy; gradients by ``tests/op_registry.py``."""

import math

import numpy as np
import pytest

import minigrad as mg


def leaf(values):
    return mg.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def grad_of(fn, values):
    x = leaf(values)
    fn(x).sum().backward()
    return x.grad.numpy()


# ---- elementwise ----------------------------------------------------------------------------
def test_log_and_exp_variants_match_their_formulas():
    x = np.array([1e-12, 0.5, 3.0])
    t = mg.tensor(x, dtype=mg.float64)
    np.testing.assert_allclose(t.log1p().numpy(), [1e-12 - 0.5e-24, math.log(1.5), math.log(4)])
    np.testing.assert_allclose(
        mg.expm1(t).numpy(), [1e-12 + 0.5e-24, math.e**0.5 - 1, math.e**3 - 1]
    )
    np.testing.assert_array_equal(mg.log2(mg.tensor([1.0, 8.0, 0.5])).numpy(), [0.0, 3.0, -1.0])
    np.testing.assert_array_equal(
        mg.log10(mg.tensor([1.0, 1000.0], dtype=mg.float64)).numpy(), [0.0, 3.0]
    )
    np.testing.assert_allclose(mg.rsqrt(mg.tensor([4.0, 0.25])).numpy(), [0.5, 2.0])
    np.testing.assert_allclose(mg.reciprocal(mg.tensor([4.0, -0.5])).numpy(), [0.25, -2.0])


def test_float_only_functions_turn_integers_into_the_default_float():
    for fn in (mg.rsqrt, mg.log1p, mg.expm1, mg.log2, mg.log10, mg.reciprocal):
        assert fn(mg.tensor([1, 4])).dtype == mg.get_default_dtype()


def test_gradients_of_the_new_elementwise_ops_by_formula():
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(grad_of(mg.rsqrt, x), -0.5 * x**-1.5)
    np.testing.assert_allclose(grad_of(mg.log1p, x), 1 / (1 + x))
    np.testing.assert_allclose(grad_of(mg.expm1, x), np.exp(x))
    np.testing.assert_allclose(grad_of(mg.log2, x), 1 / (x * math.log(2)))
    np.testing.assert_allclose(grad_of(mg.reciprocal, x), -1 / x**2)
    # at 0: 1/sqrt(x) has slope -inf, as in PyTorch
    assert grad_of(mg.rsqrt, [0.0])[0] == -math.inf


@pytest.mark.parametrize(
    "name, expected",
    [
        ("floor", [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0]),
        ("ceil", [-2.0, -1.0, -0.0, 1.0, 2.0, 3.0]),
        ("round", [-2.0, -2.0, -0.0, 0.0, 2.0, 2.0]),  # halves to even
        ("trunc", [-2.0, -1.0, -0.0, 0.0, 1.0, 2.0]),
        ("sign", [-1.0, -1.0, -1.0, 1.0, 1.0, 1.0]),
    ],
)
def test_rounding_values_and_their_zero_gradient(name, expected):
    x = leaf([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    y = getattr(mg, name)(x)
    np.testing.assert_array_equal(y.numpy(), expected)
    assert y.requires_grad  # in the graph: a zero gradient, not a missing one
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(6))


def test_rounding_keeps_integer_dtypes_and_round_takes_decimals():
    ints = mg.tensor([-3, 0, 4])
    for name in ("floor", "ceil", "round", "trunc", "sign"):
        out = getattr(ints, name)()
        assert out.dtype == np.int64
    np.testing.assert_array_equal(ints.sign().numpy(), [-1, 0, 1])
    np.testing.assert_array_equal(mg.tensor([True, False]).sign().numpy(), [True, False])
    np.testing.assert_allclose(mg.tensor([1.2345, -0.125]).round(decimals=2).numpy(), [1.23, -0.12])
    assert mg.sign(mg.tensor([0.0, -0.0, math.nan])).numpy()[:2].tolist() == [0.0, 0.0]


def test_floor_divide_and_remainder_follow_the_sign_rules_of_python():
    a = [-7.0, 7.0, -7.0, 7.0, 5.5]
    b = [2.0, 2.0, -2.0, -2.0, -2.0]
    expected_quotient = [math.floor(x / y) for x, y in zip(a, b)]
    expected_remainder = [x - y * q for x, y, q in zip(a, b, expected_quotient)]
    np.testing.assert_array_equal((mg.tensor(a) // mg.tensor(b)).numpy(), expected_quotient)
    np.testing.assert_array_equal((mg.tensor(a) % mg.tensor(b)).numpy(), expected_remainder)
    ints = mg.tensor([-7, 7, 0]) // mg.tensor([2, -2, 5])
    assert ints.dtype == np.int64 and ints.numpy().tolist() == [-4, -4, 0]
    assert (mg.tensor([-7, 7]) % 3).numpy().tolist() == [2, 1]
    assert (7 // mg.tensor([2.0, -2.0])).numpy().tolist() == [3.0, -4.0]
    assert (7 % mg.tensor([2.0, -2.0])).numpy().tolist() == [1.0, -1.0]
    assert (mg.tensor([7, -7]) // 2.5).dtype == mg.get_default_dtype()
    with pytest.raises(ZeroDivisionError, match="integer division by zero"):
        mg.tensor([1, 2]) % mg.tensor([1, 0])
    by_zero = (mg.tensor([1.0, -1.0, 0.0]) // 0.0).numpy()
    assert by_zero[0] == math.inf and by_zero[1] == -math.inf and math.isnan(by_zero[2])


def test_remainder_gradients():
    a, b = leaf([-7.5, 7.5, 5.25]), leaf([2.0, 2.0, -2.0])
    (a % b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [4.0, -3.0, 3.0])  # -floor(a / b)
    a, b = leaf([7.5]), leaf([2.0])
    (a // b).sum().backward()
    assert a.grad.numpy().tolist() == [0.0] and b.grad.numpy().tolist() == [0.0]


# ---- reductions -----------------------------------------------------------------------------
def test_prod_values_dtypes_and_shapes():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert mg.tensor(x).prod().item() == 720.0
    np.testing.assert_array_equal(mg.tensor(x).prod(1).numpy(), [6.0, 120.0])
    assert mg.tensor(x).prod(0, keepdim=True).shape == (1, 3)
    assert mg.tensor(x).prod(keepdim=True).shape == (1, 1)
    assert mg.tensor([2, 3], dtype=mg.int32).prod().dtype == np.int64
    assert mg.ones(2, 0).prod(1).numpy().tolist() == [1.0, 1.0]
    r = np.random.default_rng(0).standard_normal((2, 3, 4))
    np.testing.assert_allclose(mg.tensor(r).prod(1).numpy(), r.prod(axis=1))


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    x = [[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]]
    # one zero: it gets the product of the rest, the others 0; two zeros: all 0; none: z / x
    expected = [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [6.0, 3.0, 2.0]]
    np.testing.assert_array_equal(grad_of(lambda t: t.prod(1), x), expected)
    np.testing.assert_array_equal(grad_of(lambda t: t.prod(), x), np.zeros((3, 3)))
    np.testing.assert_array_equal(grad_of(lambda t: t.prod(), [3.0, 0.0]), [0.0, 3.0])


def test_second_derivative_of_prod_at_a_zero():
    x = leaf([0.0, 2.0, 3.0])
    (g,) = mg.grad(x.prod(), [x], create_graph=True)
    np.testing.assert_array_equal(g.numpy(), [6.0, 0.0, 0.0])
    # d/dx of g[0] = x1 x2: (0, x2, x1)
    (h,) = mg.grad(g[0], [x])
    np.testing.assert_array_equal(h.numpy(), [0.0, 3.0, 2.0])


@pytest.mark.parametrize(
    "p, expected",
    [
        (2, math.sqrt(14)),
        ("fro", math.sqrt(14)),
        (1, 6.0),
        (3, 36 ** (1 / 3)),
        (0.5, (1 + math.sqrt(2) + math.sqrt(3)) ** 2),
        (math.inf, 3.0),
        (-math.inf, 0.0),
        (0, 3.0),
    ],
)
def test_norm_values(p, expected):
    x = mg.tensor([[1.0, -2.0], [3.0, 0.0]], dtype=mg.float64)
    np.testing.assert_allclose(x.norm(p).item(), expected)


def test_norm_over_dims_and_dist():
    r = np.random.default_rng(1).standard_normal((2, 3, 4))
    np.testing.assert_allclose(
        mg.norm(mg.tensor(r), dim=(0, 2)).numpy(), np.sqrt((r**2).sum((0, 2)))
    )
    out = mg.tensor(r).norm(1, dim=1, keepdim=True)
    np.testing.assert_allclose(out.numpy(), np.abs(r).sum(1, keepdims=True))
    assert mg.dist(mg.tensor([1.0, 2.0]), mg.tensor([4.0, 6.0])).item() == 5.0
    assert mg.tensor([1.0, 2.0]).dist(mg.tensor([4.0, 6.0]), p=1).item() == 7.0


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, 1.5, -1, math.inf, -math.inf, 0])
def test_norm_gradient_at_zero_is_zero_not_nan(p):
    np.testing.assert_array_equal(grad_of(lambda t: t.norm(p), [0.0, 0.0, 0.0]), [0.0] * 3)


def test_norm_gradient_by_formula():
    x = np.array([1.0, -2.0, 0.0])
    n = math.sqrt(5)
    np.testing.assert_allclose(grad_of(lambda t: t.norm(), x), x / n)
    n3 = 9 ** (1 / 3)
    np.testing.assert_allclose(grad_of(lambda t: t.norm(3), x), np.sign(x) * x**2 / n3**2)


def test_sort_and_argsort_are_stable_with_nan_largest():
    x = mg.tensor([3.0, 1.0, 3.0, math.nan, 2.0, 1.0])
    values, indices = mg.sort(x)
    np.testing.assert_array_equal(values.numpy(), [1.0, 1.0, 2.0, 3.0, 3.0, math.nan])
    assert indices.numpy().tolist() == [1, 5, 4, 0, 2, 3] and indices.dtype == np.int64
    values, indices = x.sort(descending=True)
    np.testing.assert_array_equal(values.numpy(), [math.nan, 3.0, 3.0, 2.0, 1.0, 1.0])
    assert indices.numpy().tolist() == [3, 0, 2, 4, 1, 5]
    assert x.argsort(descending=True).numpy().tolist() == [3, 0, 2, 4, 1, 5]
    m = mg.tensor([[3, 1], [2, 5]])
    assert mg.argsort(m, dim=0).numpy().tolist() == [[1, 0], [0, 1]]


def test_sort_gradient_goes_back_to_each_source():
    x = leaf([2.0, 1.0, 4.0, 3.0])
    values = x.sort().values  # [1, 2, 3, 4] from positions [1, 0, 3, 2]
    (values * mg.tensor([0.0, 1.0, 2.0, 3.0], dtype=mg.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 3.0, 2.0])


def test_median_is_the_lower_middle_value():
    assert mg.tensor([1.0, 2.0, 3.0, 4.0]).median().item() == 2.0
    assert mg.tensor([3, 1, 2, 4]).median().item() == 2
    u = mg.tensor([[1.0, 5.0, 1.0, 5.0], [2.0, 2.0, 2.0, 2.0], [4.0, 3.0, 2.0, 1.0]])
    values, indices = u.median(1)
    np.testing.assert_array_equal(values.numpy(), [1.0, 2.0, 2.0])
    # ties: the position a stable sort puts in the middle
    assert indices.numpy().tolist() == [2, 1, 2]
    assert u.median(0, keepdim=True).values.shape == (1, 4)


def test_median_with_nan_is_nan_at_the_first_nan():
    x = mg.tensor([[1.0, math.nan, 3.0, math.nan], [1.0, 2.0, 3.0, 4.0]])
    values, indices = x.median(1)
    assert math.isnan(values.numpy()[0]) and values.numpy()[1] == 2.0
    assert indices.numpy().tolist() == [1, 1]
    assert math.isnan(x.median().item())


def test_median_gradients():
    # of everything: shared among the elements equal to it
    np.testing.assert_allclose(
        grad_of(lambda t: t.median(), [3.0, 1.0, 3.0, 2.0, 3.0]), [1 / 3, 0, 1 / 3, 0, 1 / 3]
    )
    # along a dim: to the element its index names
    np.testing.assert_array_equal(
        grad_of(lambda t: t.median(0).values, [3.0, 1.0, 3.0, 2.0, 3.0]), [1, 0, 0, 0, 0]
    )


# ---- shapes and linear algebra --------------------------------------------------------------
def test_repeat_tiles_like_numpy():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(mg.tensor(x).repeat(2, 1, 3).numpy(), np.tile(x, (2, 1, 3)))
    np.testing.assert_array_equal(
        mg.tensor([1.0, 2.0]).repeat((2, 2)).numpy(), np.tile([1.0, 2.0], (2, 2))
    )
    np.testing.assert_array_equal(grad_of(lambda t: t.repeat(3, 2), [1.0, 2.0]), [6.0, 6.0])


def test_diag_both_ways_and_trace():
    for k in (0, 1, -1, 2):
        np.testing.assert_array_equal(
            mg.diag(mg.tensor([1.0, 2.0, 3.0]), k).numpy(), np.diag([1.0, 2.0, 3.0], k)
        )
        m = np.arange(12.0).reshape(3, 4)
        np.testing.assert_array_equal(mg.tensor(m).diag(k).numpy(), np.diag(m, k))
    assert mg.tensor(np.arange(12.0).reshape(3, 4)).diag(5).shape == (0,)
    assert mg.trace(mg.tensor(np.arange(12.0).reshape(3, 4))).item() == 0 + 5 + 10
    assert mg.arange(6).reshape(2, 3).trace().dtype == np.int64
    np.testing.assert_array_equal(grad_of(mg.trace, np.ones((2, 3))), [[1, 0, 0], [0, 1, 0]])


def test_bmm_and_addmm():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    np.testing.assert_allclose(mg.bmm(mg.tensor(a), mg.tensor(b)).numpy(), a @ b)
    c, m1, m2 = rng.standard_normal(5), a[0], b[0]
    out = mg.addmm(mg.tensor(c), mg.tensor(m1), mg.tensor(m2), beta=0.5, alpha=2.0)
    np.testing.assert_allclose(out.numpy(), 0.5 * c + 2.0 * (m1 @ m2))
    np.testing.assert_allclose(
        mg.tensor(c).addmm(mg.tensor(m1), mg.tensor(m2)).numpy(), c + m1 @ m2
    )
    ignored = mg.addmm(mg.tensor([math.nan]), mg.tensor(m1), mg.tensor(m2), beta=0)
    np.testing.assert_allclose(ignored.numpy(), m1 @ m2)  # beta = 0: input ignored, NaN too


def test_einsum_forms():
    rng = np.random.default_rng(3)
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    A, B, C = mg.tensor(a), mg.tensor(b), mg.tensor(c)
    np.testing.assert_allclose(mg.einsum("ij,jk->ik", A, B).numpy(), a @ b)
    np.testing.assert_allclose(mg.einsum("ij,jk", [A, B]).numpy(), a @ b)  # implicit, a list
    np.testing.assert_allclose(mg.einsum("ba", A).numpy(), a.T)  # implicit: alphabetical
    np.testing.assert_allclose(mg.einsum("ij,jk,k->i", A, B, C).numpy(), a @ b @ c)
    np.testing.assert_allclose(mg.einsum("ij->", A).numpy(), a.sum())
    x = leaf(a)
    mg.einsum("ij,k->ik", x, mg.tensor(c)).sum().backward()
    # d/dx[i, j] of sum over i, k of (sum over j of x[i, j]) c[k] = sum of c, for every (i, j)
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), c.sum()))

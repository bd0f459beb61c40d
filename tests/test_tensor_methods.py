"""PyTorch's commonly used Tensor methods and torch.* functions added after a survey of
dir(torch.Tensor): values, dtypes, shapes and gradients, expected values by hand or NumPy.
(Their gradients are also gradchecked in tests/op_registry.py.)"""

import math

import numpy as np
import pytest

import minigrad as mg

NAN, INF = float("nan"), float("inf")


def close(t, expected, **kw):
    np.testing.assert_allclose(t.numpy(), np.asarray(expected, dtype=float), **kw)


# ---- memory and dtype queries ----------------------------------------------------------------
def test_memory_queries_count_elements_not_bytes():
    x = mg.zeros(2, 3, 4)
    assert x.stride() == (12, 4, 1) and x.stride(-1) == 1 and x.stride(0) == 12
    assert x.is_contiguous() and not x.transpose(0, 2).is_contiguous()
    assert x.transpose(0, 2).stride() == (1, 4, 12)
    assert x.element_size() == 4 and x.itemsize == 4 and x.nbytes == 96
    assert x.double().element_size() == 8
    assert x.nelement() == 24 and x.ndimension() == 3 and not x.is_cuda
    assert x.is_floating_point() and not mg.tensor([1]).is_floating_point()
    assert not x.is_complex()


def test_dtype_conversions_by_pytorch_names():
    x = mg.tensor([1.7, -1.2])
    assert x.byte().dtype == mg.uint8 and x.char().dtype == mg.int8
    assert x.short().dtype == mg.int16 and x.short().tolist() == [1, -1]
    assert x.type_as(mg.zeros(1, dtype=mg.float64)).dtype == mg.float64


def test_shapes_taken_from_another_tensor():
    row, grid = mg.tensor([[1.0, 2.0]], requires_grad=True), mg.zeros(3, 2)
    out = row.expand_as(grid)
    assert out.shape == (3, 2)
    out.sum().backward()
    close(row.grad, [[3.0, 3.0]])
    assert mg.arange(6).view_as(grid).shape == (3, 2) == mg.arange(6).reshape_as(grid).shape
    assert mg.zeros(2, 3).H.shape == (3, 2) and mg.zeros(4, 2, 3).mH.shape == (4, 3, 2)
    with pytest.raises(RuntimeError, match="mH"):
        _ = mg.zeros(2, 3, 4).H


def test_as_tensor_shares_a_numpy_array_and_returns_a_fitting_tensor_itself():
    array = np.arange(3.0)
    shared = mg.as_tensor(array)
    array[0] = 9.0
    on_host = shared.device == "cpu"  # on another default device, as_tensor copies (as PyTorch's)
    assert shared.tolist() == ([9.0, 1.0, 2.0] if on_host else [0.0, 1.0, 2.0])
    assert mg.as_tensor(shared) is shared
    assert mg.as_tensor(shared, dtype=mg.float32).dtype == mg.float32
    assert mg.as_tensor([1, 2]).dtype == mg.int64 and mg.as_tensor(1.5).dtype == mg.float32


# ---- NaN and infinity ------------------------------------------------------------------------
def test_nan_and_infinity_tests():
    x = mg.tensor([NAN, 1.0, INF, -INF])
    assert x.isnan().tolist() == [True, False, False, False]
    assert mg.isinf(x).tolist() == [False, False, True, True]
    assert x.isfinite().tolist() == [False, True, False, False]
    assert x.isposinf().tolist() == [False, False, True, False]
    assert mg.isneginf(x).tolist() == [False, False, False, True]
    assert mg.tensor([1, 2]).isfinite().tolist() == [True, True]


def test_nan_to_num_defaults_to_the_dtype_extremes_and_blocks_the_gradient_there():
    x = mg.tensor([NAN, INF, -INF, 2.0], requires_grad=True)
    out = x.nan_to_num()
    big = np.finfo(np.float32).max
    close(out, [0.0, big, -big, 2.0])
    out.sum().backward()
    close(x.grad, [0.0, 0.0, 0.0, 1.0])
    close(mg.nan_to_num(x.detach(), 1.5, 9.0, -9.0), [1.5, 9.0, -9.0, 2.0])
    assert mg.tensor([1, 2]).nan_to_num().dtype == mg.int64


def test_fmax_fmin_take_the_other_value_over_nan_and_ties_go_to_input():
    a = mg.tensor([1.0, 2.0, NAN, 3.0, NAN], requires_grad=True)
    b = mg.tensor([1.0, NAN, 1.0, 4.0, NAN], requires_grad=True)
    out = mg.fmax(a, b)
    close(out, [1.0, 2.0, 1.0, 4.0, NAN])
    out.sum().backward()
    close(a.grad, [1.0, 1.0, 0.0, 0.0, 1.0])  # both NaN: input's, as PyTorch's
    close(b.grad, [0.0, 0.0, 1.0, 1.0, 0.0])
    close(a.detach().fmin(b.detach()), [1.0, 2.0, 1.0, 3.0, NAN])


# ---- elementwise extras ----------------------------------------------------------------------
def test_erf_and_erfinv_are_inverse_with_pytorch_edges():
    y = mg.tensor([-1.0, -0.5, 0.0, 0.3, 0.999999, 1.0, 1.5], dtype=mg.float64)
    x = y.erfinv()
    assert x[0].item() == -INF and x[5].item() == INF and math.isnan(x[6].item())
    close(x[1:5].erf(), y[1:5].numpy(), rtol=1e-13)
    assert x[1].item() == pytest.approx(-0.4769362762044699, rel=1e-13)
    assert mg.erfinv(mg.tensor([0, 1])).dtype == mg.float32


def test_erfinv_gradient_is_sqrt_pi_over_2_exp_z_squared():
    y = mg.tensor([0.0, 0.5], dtype=mg.float64, requires_grad=True)
    z = y.erfinv()
    z.sum().backward()
    close(y.grad, math.sqrt(math.pi) / 2 * np.exp(z.detach().numpy() ** 2), rtol=1e-12)


def test_logit_gradients_at_the_edges_as_pytorch():
    p = mg.tensor([0.0, 0.5, 1.0, -0.1], dtype=mg.float64, requires_grad=True)
    z = p.logit()
    close(z, [-INF, 0.0, INF, NAN])
    z.sum().backward()
    close(p.grad, [INF, 4.0, INF, NAN])
    q = mg.tensor([0.1, 0.2, 0.5, 0.9], dtype=mg.float64, requires_grad=True)
    z = mg.logit(q, eps=0.2)
    close(z, [math.log(0.25), math.log(0.25), 0.0, math.log(4.0)])
    z.sum().backward()
    close(q.grad, [0.0, 1 / 0.16, 4.0, 0.0])  # the clamp's boundary itself passes the gradient
    with pytest.raises(ValueError, match="eps must be"):
        mg.logit(q, eps=0.7)


def test_xlogy_is_zero_where_x_is_zero_with_pytorch_gradients():
    x = mg.tensor([0.0, 0.0, 0.0, 1.0, 2.0], dtype=mg.float64, requires_grad=True)
    y = mg.tensor([0.0, -1.0, NAN, 0.0, 3.0], dtype=mg.float64, requires_grad=True)
    z = mg.xlogy(x, y)
    close(z, [0.0, 0.0, NAN, -INF, 2 * math.log(3)])
    z.sum().backward()
    close(x.grad, [0.0, 0.0, NAN, -INF, math.log(3)])
    close(y.grad, [NAN, 0.0, NAN, INF, 2 / 3])
    assert mg.xlogy(mg.tensor([1, 2]), mg.tensor([3, 4])).dtype == mg.float32
    close(mg.xlogy(2, mg.tensor([3.0])), [2 * math.log(3)], rtol=1e-6)


def test_hypot_does_not_overflow():
    a = mg.tensor([3.0, 1e200], dtype=mg.float64, requires_grad=True)
    out = a.hypot(mg.tensor([4.0, 1e200], dtype=mg.float64))
    close(out, [5.0, math.sqrt(2) * 1e200])
    out.sum().backward()
    close(a.grad, [0.6, 1 / math.sqrt(2)])
    with pytest.raises(TypeError, match="floating"):
        mg.hypot(mg.tensor([1]), mg.tensor([2]))


def test_small_elementwise_helpers():
    x = mg.tensor([-1.75, 0.5, 2.0])
    close(x.exp2(), [2**-1.75, 2**0.5, 4.0], rtol=1e-6)
    assert mg.exp2(mg.tensor([1, 2])).dtype == mg.float32
    close(x.frac(), [-0.75, 0.5, 0.0])
    close(mg.tensor([-2.0, 0.0, 3.0]).sgn(), [-1.0, 0.0, 1.0])
    assert x.positive() is x
    with pytest.raises(RuntimeError, match="bool"):
        mg.tensor([True]).positive()
    with pytest.raises(TypeError, match="floating"):
        mg.tensor([1, 2]).frac()


def test_addcmul_addcdiv():
    a, b, c = mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0]), mg.tensor([2.0, 8.0])
    close(a.addcmul(b, c, value=0.5), [4.0, 18.0])
    close(mg.addcdiv(a, b, c, value=-2), [-2.0, 1.0])
    with pytest.raises(RuntimeError, match="integer division"):
        mg.tensor([1]).addcdiv(mg.tensor([1]), mg.tensor([2]))


# ---- selections and shapes -------------------------------------------------------------------
def test_diagonal_of_any_two_dims_goes_last():
    x = mg.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(x.diagonal().numpy(), np.diagonal(x.numpy()))
    np.testing.assert_array_equal(
        x.diagonal(1, -1, 0).numpy(), np.diagonal(x.numpy(), 1, axis1=2, axis2=0)
    )
    m = mg.zeros(3, 3, requires_grad=True)
    m.diagonal(-1).sum().backward()
    np.testing.assert_array_equal(m.grad.numpy(), np.eye(3, k=-1))
    with pytest.raises(ValueError, match="same dim"):
        x.diagonal(0, 1, -2)


def test_unbind_movedim():
    x = mg.arange(6.0).reshape(2, 3)
    parts = x.unbind(1)
    assert len(parts) == 3 and parts[2].tolist() == [2.0, 5.0]
    y = mg.zeros(2, 3, 4)
    assert y.movedim((0, 1), (2, 0)).shape == (3, 4, 2)
    assert mg.moveaxis(y, -1, 0).shape == (4, 2, 3)


def test_repeat_interleave():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.repeat_interleave(2).tolist() == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0]
    rows = x.repeat_interleave(mg.tensor([3, 0]), dim=0)
    assert rows.tolist() == [[1.0, 2.0]] * 3
    rows.sum().backward()
    close(x.grad, [[3.0, 3.0], [0.0, 0.0]])
    assert mg.repeat_interleave(mg.tensor([2, 1])).tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match="3 counts"):
        x.repeat_interleave(mg.tensor([1, 2, 3]), dim=1)


def test_unfold_windows_and_their_overlapping_gradients():
    x = mg.arange(7.0, requires_grad=True)
    w = x.unfold(0, 3, 2)
    assert w.tolist() == [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0], [4.0, 5.0, 6.0]]
    w.sum().backward()
    close(x.grad, [1.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0])
    assert mg.zeros(2, 5, 3).unfold(1, 2, 1).shape == (2, 4, 3, 2)
    with pytest.raises(ValueError, match="size must be"):
        x.unfold(0, 8, 1)


def test_take_take_along_dim_masked_select():
    x = mg.tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
    assert x.take(mg.tensor([-1, 0])).tolist() == [2.0, 1.0]
    assert x.take_along_dim(mg.tensor([[1], [0]]), 1).tolist() == [[5.0], [3.0]]
    assert mg.take_along_dim(x, mg.tensor([3, 1])).tolist() == [2.0, 5.0]
    picked = x.masked_select(mg.tensor([True, False]))  # broadcast over rows
    assert picked.tolist() == [1.0, 3.0]
    picked.sum().backward()
    close(x.grad, [[1.0, 0.0], [1.0, 0.0]])
    with pytest.raises(IndexError, match="take"):
        x.take(mg.tensor([4]))


def test_index_fill_index_copy_and_sum_to_size():
    x = mg.zeros(2, 3)
    assert x.index_fill(1, mg.tensor([0, 2]), 5.0).tolist() == [[5.0, 0.0, 5.0]] * 2
    a = mg.zeros(3, 2, requires_grad=True)
    s = mg.tensor([[1.0, 2.0]], requires_grad=True)
    out = a.index_copy(0, mg.tensor([1]), s)
    assert out.tolist() == [[0.0, 0.0], [1.0, 2.0], [0.0, 0.0]]
    (out * mg.arange(6.0).reshape(3, 2)).sum().backward()
    close(a.grad, [[0.0, 1.0], [0.0, 0.0], [4.0, 5.0]])
    close(s.grad, [[2.0, 3.0]])
    close(mg.ones(2, 3).sum_to_size(1, 3), [[2.0, 2.0, 2.0]])
    with pytest.raises(ValueError, match="not expandable"):
        mg.ones(2, 3).sum_to_size(3, 3)


# ---- order statistics and running reductions -------------------------------------------------
def test_kthvalue_and_mode():
    x = mg.tensor([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]], requires_grad=True)
    values, indices = x.kthvalue(2, 1)
    assert values.tolist() == [2.0, 0.5] and indices.tolist() == [2, 0]
    values.sum().backward()
    close(x.grad, [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    m = mg.tensor([[1.0, 2.0, 2.0, 3.0, 1.0, 2.0], [3.0, 3.0, 1.0, 1.0, 5.0, 5.0]])
    m.requires_grad_()
    values, indices = m.mode()  # the smallest of the most frequent, at its last place
    assert values.tolist() == [2.0, 1.0] and indices.tolist() == [5, 3]
    values.sum().backward()
    close(m.grad, [[0, 0, 0, 0, 0, 1], [0, 0, 0, 1, 0, 0]])


def test_cummax_cummin_take_the_later_index_at_ties_and_keep_nan():
    x = mg.tensor([1.0, 3.0, 3.0, 2.0, 5.0, NAN, 1.0], requires_grad=True)
    values, indices = x.cummax(0)
    close(values, [1.0, 3.0, 3.0, 3.0, 5.0, NAN, NAN])
    assert indices.tolist() == [0, 1, 2, 2, 4, 5, 5]
    values[:5].sum().backward()
    close(x.grad, [1.0, 1.0, 2.0, 0.0, 1.0, 0.0, 0.0])
    values, indices = mg.cummin(mg.tensor([3.0, 1.0, 1.0, 2.0]), 0)
    assert values.tolist() == [3.0, 1.0, 1.0, 1.0] and indices.tolist() == [0, 1, 2, 2]


def test_logcumsumexp_is_stable():
    x = mg.tensor([-1000.0, 0.0, 1000.0], dtype=mg.float64, requires_grad=True)
    out = x.logcumsumexp(0)
    close(out, [-1000.0, 0.0, 1000.0])
    out.sum().backward()
    close(x.grad, [1.0, 1.0, 1.0])  # e^(a_0 - z_0) = 1, the later terms vanish
    y = np.array([[0.3, -1.2, 2.0], [1.0, 0.5, -0.5]])
    expected = np.log(np.cumsum(np.exp(y), axis=1))
    close(mg.logcumsumexp(mg.tensor(y), -1), expected, rtol=1e-6)


def test_unique_consecutive():
    x = mg.tensor([1, 1, 2, 2, 3, 1, 1, 2])
    values, inverse, counts = x.unique_consecutive(return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3, 1, 2]
    assert inverse.tolist() == [0, 0, 1, 1, 2, 3, 3, 4] and counts.tolist() == [2, 2, 1, 2, 1]
    rows = mg.tensor([[1, 1], [1, 1], [2, 3], [1, 1]]).unique_consecutive(dim=0)
    assert rows.tolist() == [[1, 1], [2, 3], [1, 1]]


# ---- products --------------------------------------------------------------------------------
def test_products():
    a, v = np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0, 2.0])
    close(mg.tensor(a).mv(mg.tensor(v)), a @ v)
    close(
        mg.tensor([1.0, 1.0]).addmv(mg.tensor(a), mg.tensor(v), beta=0.5, alpha=2), 0.5 + 2 * a @ v
    )
    b1, b2 = np.ones((2, 2, 3)), np.ones((2, 3, 4))
    close(mg.baddbmm(mg.zeros(2, 4), mg.tensor(b1), mg.tensor(b2)), np.full((2, 2, 4), 3.0))
    nan_input = mg.full((2, 4), NAN)
    close(mg.addbmm(nan_input, mg.tensor(b1), mg.tensor(b2), beta=0), np.full((2, 4), 6.0))
    close(mg.inner(mg.tensor(a), mg.tensor(a)), a @ a.T)
    close(mg.tensor([1.0, 0.0, 0.0]).cross(mg.tensor([0.0, 1.0, 0.0])), [0.0, 0.0, 1.0])
    close(mg.kron(mg.tensor([[1.0, 2.0]]), mg.tensor([1.0, 10.0])), np.kron([[1, 2]], [1, 10]))
    with pytest.raises(ValueError, match="mv"):
        mg.tensor(a).mv(mg.tensor([1.0, 2.0]))


def test_renorm_scales_only_the_slices_over_maxnorm():
    x = mg.tensor([[3.0, 4.0], [0.3, 0.4]], dtype=mg.float64)
    out = x.renorm(2, 0, 1.0)
    close(out, [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)


# ---- in place --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, expected",
    [
        ("sign_", [-1.0, -1.0, 1.0, 1.0]),
        ("floor_", [-2.0, -1.0, 0.0, 2.0]),
        ("ceil_", [-1.0, -0.0, 1.0, 3.0]),
        ("round_", [-2.0, -0.0, 0.0, 2.0]),
        ("trunc_", [-1.0, -0.0, 0.0, 2.0]),
        ("frac_", [-0.5, -0.3, 0.5, 0.5]),
        ("expm1_", np.expm1([-1.5, -0.3, 0.5, 2.5])),
        ("log1p_", [NAN, math.log1p(-0.3), math.log1p(0.5), math.log1p(2.5)]),
    ],
)
def test_in_place_rounding_and_logs(name, expected):
    x = mg.tensor([-1.5, -0.3, 0.5, 2.5], dtype=mg.float64)
    assert getattr(x, name)() is x and x._version == 1
    close(x, expected)


def test_in_place_fills_and_random_fills():
    x = mg.zeros(2, 3)
    x.masked_fill_(mg.tensor([True, False, True]), 2.0).index_fill_(0, mg.tensor([1]), -1.0)
    assert x.tolist() == [[2.0, 0.0, 2.0], [-1.0, -1.0, -1.0]]
    x.addcmul_(mg.ones(3), mg.ones(2, 1), value=2).clip_(0.0, 3.0)
    assert x.tolist() == [[3.0, 2.0, 3.0], [1.0, 1.0, 1.0]]
    w = mg.zeros(2000, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.normal_()
    with mg.no_grad():
        w.normal_(2.0, 0.5)
        assert abs(w.mean().item() - 2.0) < 0.1 and abs(w.std().item() - 0.5) < 0.05
        w.uniform_(-1, 3)
        assert -1 <= w.min().item() and w.max().item() < 3 and w.max().item() > 2.5
    with pytest.raises(TypeError, match="floating"):
        mg.zeros(2, dtype=mg.int64).normal_()


def test_detach_in_place_makes_a_leaf():
    x = mg.tensor([1.0], requires_grad=True)
    y = x * 2
    assert y.detach_() is y and not y.requires_grad and y.is_leaf

"""max_pool1d/2d(return_indices=True) with max_unpool1d/2d, RReLU, AlphaDropout and
LocalResponseNorm, against values worked out by hand or with NumPy."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


# ---- max pooling's indices and max unpooling ---------------------------------------------------
def test_max_pool2d_indices_are_flat_positions_of_the_first_maximum():
    x = np.array([[[[1.0, 5.0, 2.0, 2.0], [5.0, 0.0, 2.0, 1.0], [7.0, 3.0, 4.0, 9.0]]]])
    out, idx = F.max_pool2d(mg.Tensor(x), 2, stride=1, return_indices=True)
    np.testing.assert_array_equal(out.numpy(), [[[[5, 5, 2], [7, 4, 9]]]])
    # ties: 5 at (0,1) before (1,0); 2 at (0,2) before (0,3), (1,2)
    np.testing.assert_array_equal(idx.numpy(), [[[[1, 1, 2], [8, 10, 11]]]])
    assert idx.dtype == np.int64


def test_max_pool2d_indices_skip_the_padding_and_name_positions_in_the_unpadded_plane():
    x = np.full((1, 4, 4), -np.inf)
    x[0, 3, 3] = 1.0
    out, idx = nn.MaxPool2d(3, stride=2, padding=1, return_indices=True)(mg.Tensor(x))
    assert out.shape == idx.shape == (1, 2, 2)
    # an all -inf window names its first cell inside the input, never the padding
    np.testing.assert_array_equal(idx.numpy(), [[[0, 1], [4, 15]]])


def test_max_pool2d_indices_with_dilation_and_ceil_mode():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    _, idx = F.max_pool2d(mg.Tensor(x), 2, 2, 0, 2, ceil_mode=True, return_indices=True)
    # windows start at 0 and 2 on each axis; with dilation 2 the last cell is at +2, the second
    # window's (2 + 2 = 4) is still inside, so every maximum is the window's bottom-right cell
    np.testing.assert_array_equal(idx.numpy(), [[[[12, 14], [22, 24]]]])


def test_max_pool1d_indices_and_unpool_round_trip_with_gradient():
    x = mg.Tensor(np.array([[[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0]]]))
    out, idx = nn.MaxPool1d(2, return_indices=True)(x)
    np.testing.assert_array_equal(idx.numpy(), [[[0, 2, 5]]])
    values = mg.Tensor(out.numpy(), requires_grad=True)
    up = nn.MaxUnpool1d(2)(values, idx, output_size=[7])
    np.testing.assert_array_equal(up.numpy(), [[[3, 0, 4, 0, 0, 9, 0]]])
    (up * mg.Tensor(np.arange(7.0).reshape(1, 1, 7))).sum().backward()
    np.testing.assert_array_equal(values.grad.numpy(), [[[0.0, 2.0, 5.0]]])  # gathered


def test_max_unpool2d_default_size_and_gradient_gathers_at_the_indices():
    values = mg.Tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), requires_grad=True)
    idx = mg.Tensor(np.array([[[[0, 3], [9, 14]]]]))
    up = F.max_unpool2d(values, idx, 2)
    expected = np.zeros(16)
    expected[[0, 3, 9, 14]] = [1, 2, 3, 4]
    np.testing.assert_array_equal(up.numpy(), expected.reshape(1, 1, 4, 4))
    weights = np.arange(16.0).reshape(1, 1, 4, 4)
    (up * mg.Tensor(weights)).sum().backward()
    np.testing.assert_array_equal(values.grad.numpy(), [[[[0.0, 3.0], [9.0, 14.0]]]])


def test_max_unpool2d_output_size_rules():
    values, idx = mg.Tensor(np.ones((1, 1, 2, 2))), mg.Tensor(np.zeros((1, 1, 2, 2), np.int64))
    assert F.max_unpool2d(values, idx, 2, output_size=(1, 1, 5, 5)).shape == (1, 1, 5, 5)
    with pytest.raises(ValueError, match="between 2 and 6"):
        F.max_unpool2d(values, idx, 2, output_size=(6, 4))
    with pytest.raises(ValueError, match="2 or 4 elements"):
        F.max_unpool2d(values, idx, 2, output_size=(1, 4, 4))
    with pytest.raises(IndexError, match="invalid max index"):
        F.max_unpool2d(values, mg.Tensor(np.full((1, 1, 2, 2), 16)), 2)
    assert repr(nn.MaxUnpool2d(2, padding=1)) == (
        "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(1, 1))"
    )


# ---- RReLU ---------------------------------------------------------------------------------------
def test_rrelu_eval_uses_the_mean_slope_and_its_gradient():
    x = mg.Tensor(np.array([-2.0, -0.5, 0.0, 1.5]), requires_grad=True)
    layer = nn.RReLU(0.1, 0.3).eval()
    out = layer(x)
    np.testing.assert_allclose(out.numpy(), [-0.4, -0.1, 0.0, 1.5])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.2, 0.2, 0.2, 1.0])
    assert repr(nn.RReLU(0.1, 0.3, inplace=True)) == "RReLU(lower=0.1, upper=0.3, inplace=True)"


def test_rrelu_training_draws_a_slope_per_element_and_its_gradient_is_that_slope():
    mg.manual_seed(0)
    data = -np.linspace(0.5, 2.0, 20000)
    x = mg.Tensor(np.concatenate([data, -data]), requires_grad=True)
    out = nn.RReLU(0.1, 0.3)(x)  # a fresh module is in training mode
    out.sum().backward()
    values, grad = out.numpy(), x.grad.numpy()
    slopes = values[:20000] / data
    assert 0.1 - 1e-12 <= slopes.min() and slopes.max() <= 0.3 + 1e-12
    assert abs(slopes.mean() - 0.2) < 0.003 and abs(slopes.var() - 0.2**2 / 12) < 3e-4
    assert len(np.unique(np.round(slopes, 12))) > 1000  # one draw per element
    np.testing.assert_allclose(grad[:20000], slopes, rtol=1e-12)
    np.testing.assert_array_equal(values[20000:], -data)
    np.testing.assert_array_equal(grad[20000:], 1.0)
    mg.manual_seed(0)
    np.testing.assert_array_equal(F.rrelu(x.detach(), 0.1, 0.3, training=True).numpy(), values)


# ---- AlphaDropout ---------------------------------------------------------------------------
def test_alpha_dropout_keeps_zero_mean_unit_variance_with_pytorchs_affine_map():
    mg.manual_seed(3)
    p = 0.2
    data = np.random.default_rng(0).standard_normal(100000)
    x = mg.Tensor(data, requires_grad=True)
    out = nn.AlphaDropout(p)(x)
    out.sum().backward()
    values, grad = out.numpy(), x.grad.numpy()
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha**2 * p + 1) * (1 - p))
    kept = grad != 0
    assert abs(kept.mean() - (1 - p)) < 0.005
    np.testing.assert_allclose(values[kept], a * data[kept] + alpha * a * p)
    np.testing.assert_allclose(values[~kept], alpha * a * (p - 1))
    np.testing.assert_allclose(grad[kept], a)
    assert abs(values.mean()) < 0.02 and abs(values.std() - 1) < 0.02


def test_alpha_dropout_is_the_identity_in_eval_and_zero_for_p_one():
    x = mg.Tensor(np.array([1.0, -2.0, 3.0]))
    assert F.alpha_dropout(x, 0.5) is x  # training=False by default, as in PyTorch
    assert nn.AlphaDropout(0.5).eval()(x) is x
    np.testing.assert_array_equal(F.alpha_dropout(x, 1.0, training=True).numpy(), 0.0)
    assert repr(nn.AlphaDropout(0.2)) == "AlphaDropout(p=0.2, inplace=False)"


# ---- LocalResponseNorm ----------------------------------------------------------------------
def _lrn(x, size, alpha, beta, k):
    squares = np.pad(x**2, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    total = sum(squares[:, j : j + x.shape[1]] for j in range(size))
    return x / (k + alpha / size * total) ** beta


@pytest.mark.parametrize("shape", [(2, 5, 3), (1, 4, 2, 3), (1, 3, 2, 1, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 6])
def test_local_response_norm_matches_the_padded_channel_sum(shape, size):
    data = np.random.default_rng(size).standard_normal(shape)
    out = nn.LocalResponseNorm(size, alpha=0.5, beta=0.75, k=2.0)(mg.Tensor(data))
    np.testing.assert_allclose(out.numpy(), _lrn(data, size, 0.5, 0.75, 2.0), rtol=1e-12)


def test_local_response_norm_gradient_and_checks():
    data = np.array([[[1.0], [2.0], [-1.0]]])
    x = mg.Tensor(data, requires_grad=True)
    F.local_response_norm(x, 2, alpha=1.0, beta=1.0, k=1.0).sum().backward()
    # channel c divides by 1 + (x[c-1]^2 + x[c]^2) / 2: d/dx of sum of the three outputs
    d = 1 + np.array([1.0, 5.0, 5.0]) / 2
    expected = 1 / d - data[0, :, 0] ** 2 / d**2
    expected[:2] -= data[0, 1:, 0] * data[0, :2, 0] / d[1:] ** 2
    np.testing.assert_allclose(x.grad.numpy()[0, :, 0], expected)
    with pytest.raises(ValueError, match="3D or higher"):
        F.local_response_norm(mg.Tensor(np.ones((2, 3))), 2)
    assert repr(nn.LocalResponseNorm(3)) == "LocalResponseNorm(3, alpha=0.0001, beta=0.75, k=1.0)"

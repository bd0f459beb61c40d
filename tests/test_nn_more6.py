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

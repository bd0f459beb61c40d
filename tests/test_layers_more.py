"""PyTorch layers added on top of existing ops (minigrad/nn/layers_more.py): padding modules,
RMSNorm, Bilinear, PixelShuffle, Fold/Unfold, adaptive max pooling, LP pooling. Expected values
by hand with NumPy (no torch import); gradients are checked in op_registry.py."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def t(values, **kwargs):
    return mg.tensor(np.asarray(values, dtype=np.float64), **kwargs)


X = np.arange(2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4) - 7.5


@pytest.mark.parametrize(
    "layer, np_mode, widths",
    [
        (nn.ZeroPad1d((2, 1)), "constant", [(0, 0), (0, 0), (2, 1)]),
        (nn.ReflectionPad1d(2), "reflect", [(0, 0), (0, 0), (2, 2)]),
        (nn.ReplicationPad1d((0, 3)), "edge", [(0, 0), (0, 0), (0, 3)]),
        (nn.CircularPad1d((1, 2)), "wrap", [(0, 0), (0, 0), (1, 2)]),
        (nn.ZeroPad2d(1), "constant", [(0, 0), (1, 1), (1, 1)]),
        (nn.ReflectionPad2d((1, 2, 2, 0)), "reflect", [(0, 0), (2, 0), (1, 2)]),
        (nn.ReplicationPad2d((3, 0, 1, 2)), "edge", [(0, 0), (1, 2), (3, 0)]),
        (nn.CircularPad2d((0, 2, 1, 1)), "wrap", [(0, 0), (1, 1), (0, 2)]),
    ],
)
def test_padding_modules_match_numpys_pad(layer, np_mode, widths):
    """(left, right[, top, bottom]): the last dim first, as PyTorch's F.pad reads it."""
    np.testing.assert_array_equal(layer(t(X)).numpy(), np.pad(X, widths, mode=np_mode))


def test_constant_pad_value_and_reprs():
    out = nn.ConstantPad2d((1, 0, 0, 2), 3.5)(t(X))
    np.testing.assert_array_equal(
        out.numpy(), np.pad(X, [(0, 0), (0, 2), (1, 0)], constant_values=3.5)
    )
    assert repr(nn.ConstantPad1d(2, -1.0)) == "ConstantPad1d(padding=(2, 2), value=-1.0)"
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ReflectionPad1d((0, 3))) == "ReflectionPad1d((0, 3))"


def test_padding_module_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"padding must be an int or 4 ints, got \(1, 2\)"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(TypeError, match="padding must be an integer, got 1.5"):
        nn.ReplicationPad1d(1.5)


@pytest.mark.parametrize("eps", [None, 0.25])
def test_rms_norm(eps):
    x = np.array([[1.0, -2.0, 2.0], [0.5, 0.0, -0.5]])
    w = np.array([1.0, 2.0, -1.0])
    used = np.finfo(np.float64).eps if eps is None else eps
    expected = x / np.sqrt((x**2).mean(-1, keepdims=True) + used) * w
    np.testing.assert_allclose(F.rms_norm(t(x), [3], t(w), eps).numpy(), expected, rtol=1e-12)
    layer = nn.RMSNorm(3, eps=eps).double()
    np.testing.assert_array_equal(layer.weight.numpy(), np.ones(3))  # starts at ones, no bias
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    np.testing.assert_allclose(layer(t(x)).numpy(), expected / w, rtol=1e-12)
    assert repr(layer) == f"RMSNorm((3,), eps={eps}, elementwise_affine=True)"
    assert nn.RMSNorm([2, 3], elementwise_affine=False).weight is None


def test_rms_norm_over_two_dims_and_shape_errors():
    x = np.arange(12.0).reshape(2, 2, 3)
    expected = x / np.sqrt((x**2).mean((1, 2), keepdims=True) + 1e-6)
    np.testing.assert_allclose(F.rms_norm(t(x), (2, 3), eps=1e-6).numpy(), expected, rtol=1e-12)
    with pytest.raises(ValueError, match=r"normalized_shape \(4,\).*\(2, 2, 3\)"):
        F.rms_norm(t(x), 4)


def test_bilinear_is_x1_a_x2_plus_b():
    rng = np.random.default_rng(3)
    x1, x2 = rng.standard_normal((4, 2)), rng.standard_normal((4, 3))
    a, b = rng.standard_normal((5, 2, 3)), rng.standard_normal(5)
    expected = np.array([[x1[n] @ a[k] @ x2[n] + b[k] for k in range(5)] for n in range(4)])
    np.testing.assert_allclose(F.bilinear(t(x1), t(x2), t(a), t(b)).numpy(), expected, rtol=1e-12)
    mg.manual_seed(0)
    layer = nn.Bilinear(2, 3, 5)
    assert layer.weight.shape == (5, 2, 3) and layer.bias.shape == (5,)
    bound = 1 / math.sqrt(2)  # PyTorch's: 1 / sqrt(in1_features), for weight and bias alike
    assert np.abs(layer.weight.numpy()).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.8 * bound  # not a narrower init
    assert nn.Bilinear(2, 3, 5, bias=False).bias is None
    assert repr(layer) == "Bilinear(in1_features=2, in2_features=3, out_features=5, bias=True)"
    with pytest.raises(ValueError, match="leading dims must match"):
        F.bilinear(t(x1), t(x2[:3]), t(a))


def test_pixel_shuffle_moves_channel_blocks_into_space_and_back():
    r, c, h, w = 2, 3, 2, 4
    x = np.arange(1 * c * r * r * h * w, dtype=np.float64).reshape(1, c * r * r, h, w)
    out = nn.PixelShuffle(r)(t(x)).numpy()
    assert out.shape == (1, c, h * r, w * r)
    for ch, i, j, y, z in np.ndindex(c, r, r, h, w):
        assert out[0, ch, y * r + i, z * r + j] == x[0, ch * r * r + i * r + j, y, z]
    np.testing.assert_array_equal(nn.PixelUnshuffle(r)(t(out)).numpy(), x)
    with pytest.raises(ValueError, match="divisible by upscale_factor"):
        F.pixel_shuffle(t(np.zeros((1, 3, 2, 2))), 2)


def test_fold_and_unfold_modules():
    x = np.arange(2 * 5 * 6, dtype=np.float64).reshape(1, 2, 5, 6)
    cols = nn.Unfold(kernel_size=(2, 3), stride=(1, 3))(t(x))
    assert cols.shape == (1, 2 * 2 * 3, 4 * 2)
    np.testing.assert_array_equal(cols.numpy()[0, :, 0], x[0, :, 0:2, 0:3].reshape(-1))
    # windows that tile the image: fold puts every value back
    tiled = nn.Unfold(kernel_size=(1, 3), stride=(1, 3))(t(x))
    np.testing.assert_array_equal(nn.Fold((5, 6), (1, 3), stride=(1, 3))(tiled).numpy(), x)
    assert repr(nn.Unfold(2)) == "Unfold(kernel_size=2, dilation=1, padding=0, stride=1)"


def test_adaptive_max_pool_windows_and_indices():
    x = np.array([[[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0]]])
    # length 7 to 3: windows [0, 3), [2, 5), [4, 7)
    out, idx = nn.AdaptiveMaxPool1d(3, return_indices=True)(t(x))
    np.testing.assert_array_equal(out.numpy(), [[[4.0, 5.0, 9.0]]])
    np.testing.assert_array_equal(idx.numpy(), [[[2, 4, 5]]])
    np.testing.assert_allclose(
        nn.AdaptiveAvgPool1d(3)(t(x)).numpy(), [[[8 / 3, 10 / 3, 16 / 3]]], rtol=1e-12
    )
    image = np.arange(20.0).reshape(1, 4, 5)[:, ::-1]  # largest values at the top
    out, idx = F.adaptive_max_pool2d(t(image), (2, None), return_indices=True)
    np.testing.assert_array_equal(out.numpy(), image[:, [0, 2]])
    np.testing.assert_array_equal(idx.numpy(), [[[0, 1, 2, 3, 4], [10, 11, 12, 13, 14]]])


def test_adaptive_max_pool_gives_the_gradient_to_the_first_of_tied_maxima():
    x = t(np.ones((1, 1, 2, 4)), requires_grad=True)
    F.adaptive_max_pool2d(x, 1).sum().backward()
    expected = np.zeros((1, 1, 2, 4))
    expected[0, 0, 0, 0] = 1.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_lp_pool_is_the_p_norm_of_each_window(p):
    x = np.abs(np.arange(16.0).reshape(1, 2, 2, 4) - 10.5)
    expected = np.array(
        [
            [
                [[(x[0, c, :, 2 * j : 2 * j + 2] ** p).sum() ** (1 / p) for j in range(2)]]
                for c in range(2)
            ]
        ]
    )  # 2x2 windows side by side
    np.testing.assert_allclose(nn.LPPool2d(p, 2)(t(x)).numpy(), expected, rtol=1e-12)
    row = x[0, 0, 0]
    np.testing.assert_allclose(
        F.lp_pool1d(t(row[None]), p, 2).numpy()[0],
        [(row[0] ** p + row[1] ** p) ** (1 / p), (row[2] ** p + row[3] ** p) ** (1 / p)],
        rtol=1e-12,
    )

"""Grouped and 1-D convolution, transposed convolution, adaptive average pooling and nearest
interpolation, against the defining sums written as plain NumPy loops."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F

rng = np.random.default_rng(0)


def f64(values):
    return mg.tensor(np.asarray(values, dtype=np.float64))


def conv2d_by_loops(x, w, b, stride, padding, dilation, groups):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)])
    oh = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, oh, ow))
    per_group = o // groups
    for k in range(o):
        g = k // per_group
        for i in range(oh):
            for j in range(ow):
                rows = slice(i * stride, i * stride + dilation * (kh - 1) + 1, dilation)
                cols = slice(j * stride, j * stride + dilation * (kw - 1) + 1, dilation)
                patch = xp[:, g * cg : (g + 1) * cg, rows, cols]
                out[:, k, i, j] = (patch * w[k]).sum(axis=(1, 2, 3)) + b[k]
    return out


def conv_transpose2d_by_loops(x, w, b, stride, padding, output_padding, dilation, groups):
    n, c, h, wd = x.shape
    _, og, kh, kw = w.shape
    oh = (h - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1
    ow = (wd - 1) * stride - 2 * padding + dilation * (kw - 1) + output_padding + 1
    full = np.zeros((n, og * groups, oh + 2 * padding, ow + 2 * padding))
    per_group = c // groups
    for ci in range(c):
        g = ci // per_group
        for i in range(h):
            for j in range(wd):
                for p in range(kh):
                    for q in range(kw):
                        y, z = i * stride + p * dilation, j * stride + q * dilation
                        full[:, g * og : (g + 1) * og, y, z] += (
                            x[:, ci, i, j, None] * w[ci, :, p, q]
                        )
    out = full[:, :, padding : padding + oh, padding : padding + ow]
    return out + b.reshape(1, -1, 1, 1)


@pytest.mark.parametrize(
    "stride, padding, dilation, groups", [(1, 1, 1, 2), (2, 0, 1, 4), (1, 2, 2, 4)]
)
def test_grouped_conv2d_matches_the_sum(stride, padding, dilation, groups):
    x, w, b = (
        rng.standard_normal((2, 4, 6, 5)),
        rng.standard_normal((8, 4 // groups, 3, 2)),
        rng.standard_normal(8),
    )
    out = F.conv2d(f64(x), f64(w), f64(b), stride, padding, dilation, groups)
    np.testing.assert_allclose(
        out.numpy(), conv2d_by_loops(x, w, b, stride, padding, dilation, groups)
    )


def test_conv1d_is_conv2d_one_pixel_high():
    x, w, b = rng.standard_normal((2, 4, 9)), rng.standard_normal((6, 2, 3)), rng.standard_normal(6)
    out = F.conv1d(f64(x), f64(w), f64(b), stride=2, padding=1, groups=2)
    # stride 2, padding 1: the stride-1 sums over the padded input, every second one
    padded = conv2d_by_loops(
        np.pad(x, [(0, 0), (0, 0), (1, 1)])[:, :, None], w[:, :, None], b, 1, 0, 1, 2
    )
    np.testing.assert_allclose(out.numpy(), padded[:, :, 0, ::2])
    same = F.conv1d(f64(x), f64(w), padding="same", groups=2)
    assert same.shape == (2, 6, 9)
    layer = nn.Conv1d(4, 6, 3, groups=2, padding=1, dtype=np.float64)
    assert layer.weight.shape == (6, 2, 3) and layer(f64(x)).shape == (2, 6, 9)
    assert repr(layer) == "Conv1d(4, 6, kernel_size=(3,), stride=(1,), padding=(1,), groups=2)"


def test_conv2d_layer_with_groups():
    layer = nn.Conv2d(4, 8, 3, groups=4)
    assert layer.weight.shape == (8, 1, 3, 3)
    assert repr(layer) == "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), groups=4)"
    bound = 1 / math.sqrt(1 * 3 * 3)  # fan_in counts one group's channels
    assert np.abs(layer.weight.numpy()).max() <= bound


@pytest.mark.parametrize(
    "stride, padding, output_padding, dilation, groups",
    [(1, 0, 0, 1, 1), (2, 1, 1, 1, 1), (3, 1, 2, 2, 2), (2, 0, 0, 1, 4)],
)
def test_conv_transpose2d_matches_the_scatter(stride, padding, output_padding, dilation, groups):
    x = rng.standard_normal((2, 4, 3, 4))
    w, b = rng.standard_normal((4, 6 // 2 if groups == 2 else 2, 3, 2)), None
    b = rng.standard_normal(w.shape[1] * groups)
    out = F.conv_transpose2d(
        f64(x), f64(w), f64(b), stride, padding, output_padding, groups, dilation
    )
    expected = conv_transpose2d_by_loops(x, w, b, stride, padding, output_padding, dilation, groups)
    np.testing.assert_allclose(out.numpy(), expected)


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    # <conv2d(x, w), y> = <x, conv_transpose2d(y, w)> for every x and y
    x, w = rng.standard_normal((1, 3, 7, 6)), rng.standard_normal((4, 3, 3, 3))
    y = rng.standard_normal((1, 4, 4, 3))  # conv2d's output: (7 + 2 - 3) // 2 + 1 rows
    forward = F.conv2d(f64(x), f64(w), stride=2, padding=1).numpy()
    back = F.conv_transpose2d(f64(y), f64(w), stride=2, padding=1, output_padding=(0, 1)).numpy()
    np.testing.assert_allclose((forward * y).sum(), (x * back).sum())
    layer = nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, output_padding=1)
    assert layer.weight.shape == (4, 3, 3, 3) and layer.bias.shape == (6,)
    assert layer(mg.zeros(1, 4, 5, 5)).shape == (1, 6, 12, 12)


def test_adaptive_avg_pool2d_uses_pytorchs_windows():
    x = rng.standard_normal((2, 3, 5, 7))
    out = F.adaptive_avg_pool2d(f64(x), (3, 2)).numpy()
    expected = np.zeros((2, 3, 3, 2))
    for i in range(3):
        for j in range(2):
            r0, r1 = (i * 5) // 3, math.ceil((i + 1) * 5 / 3)
            c0, c1 = (j * 7) // 2, math.ceil((j + 1) * 7 / 2)
            expected[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    np.testing.assert_allclose(out, expected)
    np.testing.assert_allclose(
        F.adaptive_avg_pool2d(f64(x), 1).numpy(), x.mean((2, 3), keepdims=True)
    )
    assert nn.AdaptiveAvgPool2d((None, 2))(f64(x)).shape == (2, 3, 5, 2)


def test_nearest_interpolation():
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    up = F.interpolate(f64(x), scale_factor=2).numpy()
    np.testing.assert_array_equal(up, x.repeat(2, axis=2).repeat(2, axis=3))
    down = F.interpolate(f64(x), size=(1, 2)).numpy()  # rows floor(0 * 2) = 0; cols 0, 1
    np.testing.assert_array_equal(down, x[:, :, [0]][:, :, :, [0, 1]])
    assert nn.Upsample(scale_factor=3)(mg.zeros(1, 2, 4)).shape == (1, 2, 12)
    leaf = mg.tensor(x, requires_grad=True)
    F.interpolate(leaf, scale_factor=2).sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), np.full((1, 1, 2, 3), 4.0))  # 4 copies each


# ---- pooling options of PyTorch: ceil_mode, count_include_pad, divisor_override -------------
def test_ceil_mode_adds_a_last_partial_window_that_starts_inside_the_input():
    # 5 values, kernel 2, stride 2: floor gives windows [0,1], [2,3]; ceil adds [4] alone
    x = mg.tensor(np.array([[[1.0, 5.0, 2.0, 3.0, 4.0]]]), requires_grad=True)
    out = F.max_pool1d(x, 2, ceil_mode=True)
    np.testing.assert_array_equal(out.numpy(), [[[5.0, 3.0, 4.0]]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[0.0, 1.0, 0.0, 1.0, 1.0]]])
    assert nn.MaxPool1d(2)(x).shape == (1, 1, 2)
    # the partial window is averaged over its cells in the input only
    np.testing.assert_allclose(
        nn.AvgPool1d(2, ceil_mode=True)(x).numpy(), [[[3.0, 2.5, 4.0]]], rtol=1e-12
    )
    # 5 values, kernel 2, stride 2, padding 1: windows [p,0], [1,2], [3,4]; ceil_mode's
    # fourth would start in the right padding, so it is not added (PyTorch's rule)
    assert F.max_pool1d(x, 2, 2, 1, ceil_mode=True).shape == (1, 1, 3)


def test_avg_pool_divisor_counts_padding_or_not_or_is_overridden():
    x = mg.tensor(np.arange(1.0, 10.0).reshape(1, 1, 3, 3), requires_grad=True)
    # 2x2 windows, stride 2, padding 1: corners see 1 input cell of 4, the others 2 of 4, and
    # the centre window (1,1) sees 5, 6, 8, 9
    sums = np.array([[1.0, 2 + 3], [4 + 7, 5 + 6 + 8 + 9]])
    inside = np.array([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(F.avg_pool2d(x, 2, 2, 1).numpy()[0, 0], sums / 4)
    out = nn.AvgPool2d(2, 2, 1, count_include_pad=False)(x)
    np.testing.assert_allclose(out.numpy()[0, 0], sums / inside)
    out.sum().backward()
    expected = np.zeros((3, 3))  # each cell's share of its one window: 1 / cells in it
    expected[0, 0], expected[0, 1:], expected[1:, 0], expected[1:, 1:] = 1, 1 / 2, 1 / 2, 1 / 4
    np.testing.assert_allclose(x.grad.numpy()[0, 0], expected)
    np.testing.assert_allclose(F.avg_pool2d(x, 2, 2, 1, divisor_override=3).numpy()[0, 0], sums / 3)


NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv2d_padding_mode_pads_with_numpys_matching_mode(mode, padding):
    rng = np.random.default_rng(3)
    conv = nn.Conv2d(2, 3, (3, 2), padding=padding, padding_mode=mode, dtype=mg.float64)
    x = rng.standard_normal((2, 2, 5, 4))
    if padding == "same":  # d(k-1) in all, the odd one after: rows (1, 1), columns (0, 1)
        widths = ((1, 1), (0, 1))
    else:
        rows, cols = (padding, padding) if isinstance(padding, int) else padding
        widths = ((rows, rows), (cols, cols))
    padded = np.pad(x, ((0, 0), (0, 0), *widths), mode=NUMPY_MODE[mode])
    expected = conv2d_by_loops(padded, conv.weight.numpy(), conv.bias.numpy(), 1, 0, 1, 1)
    xt = f64(x)
    xt.requires_grad_(True)
    out = conv(xt)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    # The gradient of each padded cell goes back to the cell it was copied from: summing the
    # conv's gradient over the padded image onto the cells each copy came from.
    out.sum().backward()
    counts = np.pad(np.arange(x[0, 0].size).reshape(x.shape[2:]), widths, NUMPY_MODE[mode])
    kernel_sum = conv.weight.numpy().sum(axis=0)  # (C_in, kh, kw)
    oh, ow = expected.shape[2:]
    grad_padded = np.zeros((2,) + padded.shape[1:])
    for i in range(oh):
        for j in range(ow):
            grad_padded[:, :, i : i + 3, j : j + 2] += kernel_sum
    grad = np.zeros((2, 2, x[0, 0].size))
    for source, g in zip(counts.ravel(), grad_padded.reshape(2, 2, -1).transpose(2, 0, 1)):
        grad[:, :, source] += g
    np.testing.assert_allclose(xt.grad.numpy(), grad.reshape(x.shape), atol=1e-12)
    assert f"padding_mode={mode}" in repr(conv)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv1d_padding_mode_is_conv2d_one_pixel_high(mode):
    rng = np.random.default_rng(4)
    conv = nn.Conv1d(2, 2, 3, padding=2, padding_mode=mode, dtype=mg.float64)
    x = rng.standard_normal((1, 2, 6))
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2)), mode=NUMPY_MODE[mode])
    expected = conv2d_by_loops(
        padded[:, :, None], conv.weight.numpy()[:, :, None], conv.bias.numpy(),
        1, 0, 1, 1,
    )[:, :, 0]  # fmt: skip
    np.testing.assert_allclose(conv(f64(x)).numpy(), expected, atol=1e-12)


def test_padding_mode_is_checked_and_transposed_convolution_takes_only_zeros():
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="padding_mode must be 'zeros'"):
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")
    # PyTorch's positional order: ..., bias, padding_mode
    assert nn.Conv2d(1, 1, 3, 1, 1, 1, 1, False, "circular").padding_mode == "circular"
    assert repr(nn.Conv2d(1, 1, 3, padding="same")).endswith("padding=same)")

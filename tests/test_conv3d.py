"""3-d convolution and pooling, ConvTranspose1d, BatchNorm3d, InstanceNorm3d and Dropout3d,
against plain NumPy loops written straight from PyTorch's documented formulas."""

import itertools

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

rng = np.random.default_rng(7)


def _conv3d_ref(x, w, b, stride, pads, dilation, groups):
    """out[n, o, t, i, j] = b[o] + sum w[o, c, r, p, q] x_pad[n, g*C/g + c, t*sd + r*dd, ...]"""
    n, c, *_ = x.shape
    o, cg, *kernel = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), *pads))
    outs = [
        (xp.shape[2 + a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1 for a in range(3)
    ]
    out = np.zeros((n, o, *outs))
    og = o // groups
    for oc, t, i, j in itertools.product(range(o), *(range(s) for s in outs)):
        g = oc // og
        for r, p, q in itertools.product(*(range(k) for k in kernel)):
            cell = xp[
                :,
                g * cg : (g + 1) * cg,
                t * stride[0] + r * dilation[0],
                i * stride[1] + p * dilation[1],
                j * stride[2] + q * dilation[2],
            ]
            out[:, oc, t, i, j] += cell @ w[oc, :, r, p, q]
    return out + (0 if b is None else b[None, :, None, None, None])


@pytest.mark.parametrize(
    "stride, padding, dilation, groups, bias",
    [
        (1, 0, 1, 1, True),
        (2, 1, 1, 1, False),
        ((1, 2, 1), (1, 0, 2), (2, 1, 1), 2, True),
        (1, "same", (1, 2, 2), 1, True),
        (1, "valid", 1, 2, False),
    ],
)
def test_conv3d_matches_loops(stride, padding, dilation, groups, bias):
    x, w = rng.standard_normal((2, 4, 5, 6, 5)), rng.standard_normal((4, 4 // groups, 3, 2, 2))
    b = rng.standard_normal(4) if bias else None
    s, d = (stride,) * 3 if isinstance(stride, int) else stride, dilation
    d = (d,) * 3 if isinstance(d, int) else d
    if padding == "same":
        totals = [dd * (k - 1) for dd, k in zip(d, w.shape[2:])]
        pads = [(t // 2, t - t // 2) for t in totals]  # the extra cell after, as PyTorch
    elif padding == "valid":
        pads = [(0, 0)] * 3
    else:
        pads = [(p, p) for p in ((padding,) * 3 if isinstance(padding, int) else padding)]
    out = F.conv3d(
        mg.Tensor(x), mg.Tensor(w), None if b is None else mg.Tensor(b), stride, padding, dilation,
        groups,
    )  # fmt: skip
    expected = _conv3d_ref(x, w, b, s, pads, d, groups)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)


def test_conv3d_gradients_are_the_adjoint():
    # <conv(x, w), g> is bilinear: its gradient in x (w) is the loop conv's gradient, which for
    # a linear map we read off by differentiating the NumPy reference column by column.
    x, w = rng.standard_normal((1, 2, 3, 3, 4)), rng.standard_normal((2, 2, 2, 2, 2))
    xt, wt = mg.Tensor(x, requires_grad=True), mg.Tensor(w, requires_grad=True)
    out = F.conv3d(xt, wt, stride=(1, 1, 2), padding=1)
    g = rng.standard_normal(out.shape)
    (out * mg.Tensor(g)).sum().backward()
    pads = [(1, 1)] * 3
    expected_dx = np.zeros(x.size)
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = 1.0
        expected_dx[k] = (
            _conv3d_ref(e.reshape(x.shape), w, None, (1, 1, 2), pads, (1,) * 3, 1) * g
        ).sum()
    expected_dw = np.zeros(w.size)
    for k in range(w.size):
        e = np.zeros(w.size)
        e[k] = 1.0
        expected_dw[k] = (
            _conv3d_ref(x, e.reshape(w.shape), None, (1, 1, 2), pads, (1,) * 3, 1) * g
        ).sum()
    np.testing.assert_allclose(xt.grad.numpy().ravel(), expected_dx, atol=1e-12)
    np.testing.assert_allclose(wt.grad.numpy().ravel(), expected_dw, atol=1e-12)


def test_conv3d_module_shapes_init_repr_and_padding_mode():
    layer = nn.Conv3d(4, 6, (3, 2, 1), stride=(1, 2, 1), padding=1, groups=2)
    assert layer.weight.shape == (6, 2, 3, 2, 1) and layer.bias.shape == (6,)
    assert list(layer.state_dict()) == ["weight", "bias"]
    bound = 1 / np.sqrt(2 * 3 * 2 * 1)  # kaiming_uniform(a=sqrt(5)): 1/sqrt(fan_in)
    assert np.abs(layer.weight.numpy()).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    assert repr(layer) == (
        "Conv3d(4, 6, kernel_size=(3, 2, 1), stride=(1, 2, 1), padding=(1, 1, 1), groups=2)"
    )
    assert repr(nn.Conv3d(2, 3, 3, padding="same", bias=False, padding_mode="reflect")) == (
        "Conv3d(2, 3, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=same, bias=False, "
        "padding_mode=reflect)"
    )
    circular = nn.Conv3d(1, 1, 3, padding=1, padding_mode="circular", bias=False)
    x = rng.standard_normal((1, 1, 3, 4, 5))
    wrapped = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1), (1, 1)), mode="wrap")
    expected = _conv3d_ref(
        wrapped, circular.weight.numpy(), None, (1,) * 3, [(0, 0)] * 3, (1,) * 3, 1
    )
    np.testing.assert_allclose(circular(mg.Tensor(x)).numpy(), expected, atol=1e-12)
    unbatched = layer(mg.Tensor(x[0].repeat(4, axis=0)))
    assert unbatched.shape == (6, 3, 3, 7)
    with pytest.raises(ValueError):
        nn.Conv3d(2, 2, 3, stride=2, padding="same")


def _pool_ref(x, kernel, stride, pads, ceil, reduce):
    """Pooling by loops; each window clipped to the padded input, its cells and its cells
    inside the input counted for the divisor."""
    n, c, *size = x.shape
    outs = []
    for a in range(3):
        span = size[a] + 2 * pads[a] - kernel[a]
        out = (-(-span // stride[a]) if ceil else span // stride[a]) + 1
        if ceil and (out - 1) * stride[a] >= size[a] + pads[a]:
            out -= 1
        outs.append(out)
    result = np.zeros((n, c, *outs))
    for t, i, j in itertools.product(*(range(o) for o in outs)):
        lo = [idx * s - p for idx, s, p in zip((t, i, j), stride, pads)]
        hi = [min(start + k, sz + p) for start, k, sz, p in zip(lo, kernel, size, pads)]
        padded_cells = np.prod([h - low for h, low in zip(hi, lo)])
        inside = tuple(slice(max(low, 0), min(h, sz)) for low, h, sz in zip(lo, hi, size))
        result[:, :, t, i, j] = reduce(x[(slice(None), slice(None)) + inside], padded_cells)
    return result


@pytest.mark.parametrize(
    "kernel, stride, padding, ceil",
    [((2, 2, 2), None, (0, 0, 0), False), ((3, 2, 3), (2, 1, 2), (1, 1, 0), True),
     ((3, 3, 3), (2, 2, 2), (1, 1, 1), True)],
)  # fmt: skip
def test_pool3d_matches_loops(kernel, stride, padding, ceil):
    x = rng.standard_normal((2, 3, 5, 6, 7))
    s = kernel if stride is None else stride
    out = F.max_pool3d(mg.Tensor(x), kernel, stride, padding, ceil_mode=ceil)
    expected = _pool_ref(x, kernel, s, padding, ceil, lambda w, _: w.max(axis=(2, 3, 4)))
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    for include in (True, False):
        out = F.avg_pool3d(mg.Tensor(x), kernel, stride, padding, ceil, include)
        expected = _pool_ref(
            x, kernel, s, padding, ceil,
            lambda w, cells, include=include: w.sum(axis=(2, 3, 4))
            / (cells if include else np.prod(w.shape[2:])),
        )  # fmt: skip
        np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    out = F.avg_pool3d(mg.Tensor(x), kernel, stride, padding, ceil, divisor_override=5)
    expected = _pool_ref(x, kernel, s, padding, ceil, lambda w, _: w.sum(axis=(2, 3, 4)) / 5)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)


def test_max_pool3d_gradient_goes_to_the_first_maximum():
    x = np.zeros((1, 1, 2, 2, 2))  # every value ties: the first, (0, 0, 0), takes it all
    xt = mg.Tensor(x, requires_grad=True)
    F.max_pool3d(xt, 2).sum().backward()
    expected = np.zeros_like(x)
    expected[0, 0, 0, 0, 0] = 1.0
    np.testing.assert_array_equal(xt.grad.numpy(), expected)
    x = rng.standard_normal((1, 2, 4, 4, 4))
    xt = mg.Tensor(x, requires_grad=True)
    F.max_pool3d(xt, 2).sum().backward()
    blocks = x.reshape(1, 2, 2, 2, 2, 2, 2, 2).transpose(0, 1, 2, 4, 6, 3, 5, 7)
    expected = (blocks == blocks.max(axis=(5, 6, 7), keepdims=True)).astype(float)
    expected = expected.transpose(0, 1, 2, 5, 3, 6, 4, 7).reshape(x.shape)
    np.testing.assert_array_equal(xt.grad.numpy(), expected)


def test_pool3d_modules_and_adaptive():
    assert repr(nn.MaxPool3d(2)) == (
        "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    )
    assert repr(nn.AvgPool3d((1, 2, 3), 1)) == (
        "AvgPool3d(kernel_size=(1, 2, 3), stride=1, padding=0)"
    )
    assert repr(nn.AdaptiveAvgPool3d((None, 2, 3))) == "AdaptiveAvgPool3d(output_size=(None, 2, 3))"
    x = rng.standard_normal((2, 3, 5, 4, 7))
    out = nn.AdaptiveAvgPool3d((2, None, 3))(mg.Tensor(x)).numpy()
    expected = np.zeros((2, 3, 2, 4, 3))
    for t, i, j in itertools.product(range(2), range(4), range(3)):
        d0, d1 = (t * 5) // 2, -(-(t + 1) * 5 // 2)
        w0, w1 = (j * 7) // 3, -(-(j + 1) * 7 // 3)
        expected[:, :, t, i, j] = x[:, :, d0:d1, i, w0:w1].mean(axis=(2, 3))
    np.testing.assert_allclose(out, expected, atol=1e-12)
    assert nn.MaxPool3d(2)(mg.Tensor(x[0])).shape == (3, 2, 2, 3)  # unbatched


def test_conv_transpose1d_matches_scatter_loops():
    x, w, b = rng.standard_normal((2, 4, 5)), rng.standard_normal((4, 3, 3)), rng.standard_normal(6)
    stride, pad, extra, dil, groups = 2, 1, 1, 2, 2
    length = (5 - 1) * stride - 2 * pad + dil * (3 - 1) + extra + 1
    full = np.zeros((2, 6, length + 2 * pad))
    for n, c, i, p, o in itertools.product(range(2), range(4), range(5), range(3), range(3)):
        g = c // 2
        full[n, g * 3 + o, i * stride + p * dil] += x[n, c, i] * w[c, o, p]
    expected = full[:, :, pad : pad + length] + b[None, :, None]
    layer = nn.ConvTranspose1d(4, 6, 3, stride, pad, extra, groups, True, dil, dtype=np.float64)
    assert layer.weight.shape == (4, 3, 3) and layer.bias.shape == (6,)
    bound = 1 / np.sqrt(3 * 3)  # fan_in of the (in, out/groups, k) weight: out/groups * k
    assert np.abs(layer.weight.numpy()).max() <= bound
    layer.load_state_dict({"weight": w, "bias": b})
    np.testing.assert_allclose(layer(mg.Tensor(x)).numpy(), expected, atol=1e-12)
    assert repr(layer) == (
        "ConvTranspose1d(4, 6, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), "
        "output_padding=(1,), groups=2)"
    )
    assert layer(mg.Tensor(x[0])).shape == (6, length)
    with pytest.raises(ValueError):
        nn.ConvTranspose1d(2, 2, 3, stride=2, output_padding=2)


def test_batch_norm3d_and_instance_norm3d():
    x = rng.standard_normal((3, 2, 4, 3, 5))
    bn = nn.BatchNorm3d(2)
    out = bn(mg.Tensor(x)).numpy()
    mean, var = x.mean(axis=(0, 2, 3, 4)), x.var(axis=(0, 2, 3, 4))
    shape = (1, 2, 1, 1, 1)
    np.testing.assert_allclose(
        out, (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-5), atol=1e-12
    )
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean, atol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * var * 180 / 179, atol=1e-12)
    assert repr(bn) == (
        "BatchNorm3d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )
    with pytest.raises(ValueError):
        bn(mg.Tensor(x[0]))
    no_bias = nn.BatchNorm3d(2, bias=False)  # PyTorch's keyword-only bias of the norm layers
    assert list(no_bias.state_dict()) == [
        "weight",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    inorm = nn.InstanceNorm3d(2)
    assert repr(inorm) == (
        "InstanceNorm3d(2, eps=1e-05, momentum=0.1, affine=False, bias=False, "
        "track_running_stats=False)"
    )
    mean, var = x.mean(axis=(2, 3, 4), keepdims=True), x.var(axis=(2, 3, 4), keepdims=True)
    np.testing.assert_allclose(
        inorm(mg.Tensor(x)).numpy(), (x - mean) / np.sqrt(var + 1e-5), atol=1e-12
    )
    np.testing.assert_allclose(
        inorm(mg.Tensor(x[1])).numpy(), ((x - mean) / np.sqrt(var + 1e-5))[1], atol=1e-12
    )


def test_dropout3d_drops_whole_volumes():
    layer = nn.Dropout3d(0.5)
    assert repr(layer) == "Dropout3d(p=0.5, inplace=False)"
    mg.manual_seed(0)
    out = layer(mg.Tensor(np.ones((6, 8, 2, 3, 2)))).numpy()
    per_channel = out.reshape(6, 8, -1)
    assert (per_channel == per_channel[:, :, :1]).all()  # one draw per (sample, channel)
    assert set(np.unique(out)) == {0.0, 2.0}
    out = layer(mg.Tensor(np.ones((8, 2, 3, 2)))).numpy().reshape(8, -1)  # unbatched
    assert (out == out[:, :1]).all()
    layer.eval()
    np.testing.assert_array_equal(layer(mg.Tensor(np.ones((2, 2, 1, 1, 1)))).numpy(), 1.0)
    with pytest.raises(ValueError):
        layer(mg.Tensor(np.ones((2, 2, 2))))

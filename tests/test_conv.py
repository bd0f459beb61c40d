"""conv2d, unfold/fold and the pooling layers: values against direct loops, gradients, errors."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd import Function
from minigrad.nn import functional as F

rng = np.random.default_rng(0)


def naive_conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """The definition, one output value at a time (slow, obviously right)."""
    n, c, height, width = x.shape
    out_channels, _, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    padded = np.zeros((n, c, height + 2 * ph, width + 2 * pw))
    padded[:, :, ph : ph + height, pw : pw + width] = x
    oh = (height + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (width + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, out_channels, oh, ow))
    for i in range(n):
        for o in range(out_channels):
            for y in range(oh):
                for z in range(ow):
                    total = 0.0 if b is None else b[o]
                    for ch in range(c):
                        for p in range(kh):
                            for q in range(kw):
                                total += (
                                    w[o, ch, p, q] * padded[i, ch, y * sh + p * dh, z * sw + q * dw]
                                )
                    out[i, o, y, z] = total
    return out


CONV_CASES = [
    # (input shape, weight shape, stride, padding, dilation)
    ((2, 3, 7, 6), (4, 3, 3, 2), (1, 1), (0, 0), (1, 1)),
    ((2, 3, 7, 6), (4, 3, 3, 3), (2, 1), (1, 2), (1, 1)),
    ((1, 2, 8, 8), (3, 2, 3, 3), (2, 2), (1, 1), (1, 1)),
    ((3, 1, 5, 5), (2, 1, 5, 5), (1, 1), (0, 0), (1, 1)),  # kernel as large as the input
    ((2, 2, 6, 7), (2, 2, 1, 1), (3, 2), (0, 1), (1, 1)),  # 1x1 kernel, stride skips pixels
    ((1, 2, 9, 9), (3, 2, 3, 3), (2, 2), (1, 1), (2, 1)),  # dilated
]


@pytest.mark.parametrize("xs, ws, stride, padding, dilation", CONV_CASES)
def test_conv2d_matches_the_direct_loop_definition(xs, ws, stride, padding, dilation):
    x, w, b = rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=ws[0])
    out = F.conv2d(mg.tensor(x), mg.tensor(w), mg.tensor(b), stride, padding, dilation)
    expected = naive_conv2d(x, w, b, stride, padding, dilation)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("xs, ws, stride, padding, dilation", CONV_CASES[:3] + CONV_CASES[-1:])
def test_conv2d_gradients_pass_gradcheck(xs, ws, stride, padding, dilation):
    x = mg.tensor(rng.normal(size=xs), requires_grad=True)
    w = mg.tensor(rng.normal(size=ws), requires_grad=True)
    b = mg.tensor(rng.normal(size=ws[0]), requires_grad=True)
    assert mg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation), x, w, b)


def test_conv2d_gradient_matches_the_gradient_of_the_loop_definition():
    """The backward (matmul backward + col2im) against dL/dx of the naive loop, by linearity:
    dL/dx[i] for L = sum(g * conv(x)) is conv(e_i) paired with g, summed over outputs."""
    x, w = rng.normal(size=(1, 2, 4, 5)), rng.normal(size=(3, 2, 2, 3))
    g = rng.normal(size=(1, 3, 2, 3))
    xt = mg.tensor(x, requires_grad=True)
    F.conv2d(xt, mg.tensor(w), stride=(2, 1), padding=(0, 0)).backward(mg.tensor(g))
    expected = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        basis = np.zeros_like(x)
        basis[index] = 1.0
        expected[index] = (naive_conv2d(basis, w, stride=(2, 1)) * g).sum()
    np.testing.assert_allclose(xt.grad.numpy(), expected, atol=1e-12)


def test_conv2d_keeps_float32_and_accepts_one_unbatched_image():
    x = mg.tensor(rng.normal(size=(3, 6, 6)).astype(np.float32))
    w = mg.tensor(rng.normal(size=(2, 3, 3, 3)).astype(np.float32))
    out = F.conv2d(x, w, padding=1)
    assert out.shape == (2, 6, 6) and out.dtype == np.float32
    batched = F.conv2d(x.unsqueeze(0), w, padding=1)
    np.testing.assert_array_equal(out.numpy(), batched.numpy()[0])


@pytest.mark.parametrize("kernel", [(3, 3), (2, 2), (4, 1)])
def test_same_padding_keeps_the_size_and_valid_means_none(kernel):
    x = mg.tensor(rng.normal(size=(1, 2, 7, 6)))
    w = mg.tensor(rng.normal(size=(1, 2, *kernel)))
    assert F.conv2d(x, w, padding="same").shape == (1, 1, 7, 6)
    np.testing.assert_array_equal(F.conv2d(x, w, padding="valid").numpy(), F.conv2d(x, w).numpy())


def test_conv2d_records_the_same_ops_for_any_image_size(monkeypatch):
    """Vectorised: no op per pixel, so a 4x4 and a 32x32 image build the same graph."""
    counts = []
    original = Function.apply.__func__

    def counting_apply(cls, *inputs, **params):
        counts[-1] += 1
        return original(cls, *inputs, **params)

    monkeypatch.setattr(Function, "apply", classmethod(counting_apply))
    for size in (4, 32):
        counts.append(0)
        x = mg.tensor(rng.normal(size=(2, 3, size, size)), requires_grad=True)
        w = mg.tensor(rng.normal(size=(4, 3, 3, 3)), requires_grad=True)
        out = F.max_pool2d(F.conv2d(x, w, padding=1), 2)
        out.sum().backward()
    assert counts[0] == counts[1]


def test_conv2d_float_bias_on_an_integer_convolution_promotes_as_an_add_would():
    x = rng.integers(-3, 4, size=(2, 1, 4, 4))
    w = rng.integers(-2, 3, size=(3, 1, 3, 3))
    b = np.array([0.5, -1.25, 2.0])
    out = F.conv2d(mg.tensor(x), mg.tensor(w), mg.tensor(b))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.numpy(), naive_conv2d(x, w) + b[:, None, None])


# ---- unfold / fold -----------------------------------------------------------------------------
def test_unfold_lays_out_windows_as_pytorch_does():
    x = rng.normal(size=(2, 3, 5, 4))
    cols = F.unfold(mg.tensor(x), (2, 3), padding=1, stride=(2, 1)).numpy()
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    oh, ow = (5 + 2 - 2) // 2 + 1, (4 + 2 - 3) // 1 + 1
    assert cols.shape == (2, 3 * 2 * 3, oh * ow)
    for c in range(3):
        for p in range(2):
            for q in range(3):
                for i in range(oh):
                    for j in range(ow):
                        row, column = c * 6 + p * 3 + q, i * ow + j
                        assert (
                            cols[:, row, column].tolist() == padded[:, c, 2 * i + p, j + q].tolist()
                        )


def test_fold_adds_overlapping_windows_back_together():
    """fold(unfold(ones)) counts how many windows cover each pixel."""
    ones = mg.tensor(np.ones((1, 1, 4, 4)))
    coverage = F.fold(F.unfold(ones, 3), (4, 4), 3).numpy()[0, 0]
    expected = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])
    np.testing.assert_array_equal(coverage, expected)


@pytest.mark.parametrize("padding", [0, 1])
def test_fold_puts_windows_that_tile_the_image_back_in_place(padding):
    """Windows side by side (stride = kernel) cover each pixel once: fold undoes unfold."""
    x = rng.normal(size=(2, 3, 6, 4))
    cols = F.unfold(mg.tensor(x), (2, 2), padding=padding, stride=2)
    np.testing.assert_array_equal(F.fold(cols, (6, 4), 2, padding=padding, stride=2).numpy(), x)


def test_fold_names_the_expected_shape_when_the_input_does_not_fit():
    with pytest.raises(ValueError, match=r"fold: input must be \(N, C\*2\*2, 3\*3\)"):
        F.fold(mg.tensor(np.ones((1, 4, 5))), (4, 4), 2)


# ---- pooling -----------------------------------------------------------------------------------
def test_max_pool2d_values_and_gradient_by_hand():
    x = mg.tensor(np.array([[[[1.0, 5, 2, 0], [3, 4, 8, 7], [0, 1, 2, 3], [9, 6, 4, 5]]]]), True)
    out = F.max_pool2d(x, 2)
    np.testing.assert_array_equal(out.numpy(), [[[[5, 8], [9, 5]]]])
    out.backward(mg.tensor(np.array([[[[10.0, 20], [30, 40]]]])))
    expected = [[0, 10, 0, 0], [0, 0, 20, 0], [0, 0, 0, 0], [30, 0, 0, 40]]
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)


def test_max_pool2d_overlapping_windows_send_each_gradient_to_their_maximum():
    x = mg.tensor(np.array([[[[1.0, 2, 3], [4, 9, 5], [6, 7, 8]]]]), requires_grad=True)
    out = F.max_pool2d(x, 2, stride=1)  # the 9 in the centre wins all four windows
    np.testing.assert_array_equal(out.numpy(), [[[[9, 9], [9, 9]]]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0, 0, 0], [0, 4, 0], [0, 0, 0]])


def test_max_pool2d_padding_never_wins_even_for_negative_inputs():
    x = mg.tensor(-np.arange(1.0, 10.0).reshape(1, 1, 3, 3))
    out = F.max_pool2d(x, 2, stride=2, padding=1)
    np.testing.assert_array_equal(out.numpy(), [[[[-1, -2], [-4, -5]]]])


def test_avg_pool2d_values_by_hand_counting_padding_as_zeros():
    x = mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(F.avg_pool2d(x, 2).numpy(), [[[[2.5, 4.5], [10.5, 12.5]]]])
    padded = F.avg_pool2d(x, 2, stride=2, padding=1).numpy()[0, 0]
    assert padded[0, 0] == 0 / 4 and padded[0, 1] == (1 + 2) / 4 and padded[2, 2] == 15 / 4


def test_pooling_keeps_channels_apart_and_defaults_stride_to_kernel():
    x = rng.normal(size=(2, 3, 6, 6))
    out = F.max_pool2d(mg.tensor(x), 3).numpy()
    expected = x.reshape(2, 3, 2, 3, 2, 3).max(axis=(3, 5))
    np.testing.assert_array_equal(out, expected)
    out = F.avg_pool2d(mg.tensor(x), (2, 3)).numpy()
    np.testing.assert_allclose(out, x.reshape(2, 3, 3, 2, 2, 3).mean(axis=(3, 5)), atol=1e-12)


def test_pooling_modules_match_functional_and_keep_dtype():
    x = mg.tensor(rng.normal(size=(2, 3, 8, 8)).astype(np.float32))
    out = nn.MaxPool2d(2)(x)
    assert out.shape == (2, 3, 4, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), F.max_pool2d(x, 2).numpy())
    np.testing.assert_array_equal(
        nn.AvgPool2d(4, 2, 1)(x).numpy(), F.avg_pool2d(x, 4, 2, 1).numpy()
    )


# ---- the Conv2d module --------------------------------------------------------------------------
def test_conv2d_module_shapes_default_init_and_repr():
    mg.manual_seed(0)
    conv = nn.Conv2d(3, 16, 5, stride=2, padding=2)
    assert conv.weight.shape == (16, 3, 5, 5) and conv.bias.shape == (16,)
    assert conv.weight.dtype == np.float32
    bound = 1 / math.sqrt(3 * 5 * 5)  # kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), ...)
    for p in (conv.weight, conv.bias):
        assert np.abs(p.numpy()).max() <= bound
    assert np.abs(conv.weight.numpy()).max() > 0.9 * bound
    assert repr(conv) == "Conv2d(3, 16, kernel_size=(5, 5), stride=(2, 2), padding=(2, 2))"
    out = conv(mg.tensor(rng.normal(size=(4, 3, 9, 9)).astype(np.float32)))
    assert out.shape == (4, 16, 5, 5) and out.dtype == np.float32
    no_bias = nn.Conv2d(1, 2, 3, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]


def test_conv2d_module_is_reproducible_under_manual_seed():
    mg.manual_seed(3)
    first = nn.Conv2d(2, 4, 3).state_dict()
    mg.manual_seed(3)
    second = nn.Conv2d(2, 4, 3).state_dict()
    for name in first:
        assert first[name].tobytes() == second[name].tobytes()


# ---- bad input ---------------------------------------------------------------------------------
def test_conv2d_wrong_channel_count_is_named():
    x, w = mg.tensor(np.ones((1, 3, 5, 5))), mg.tensor(np.ones((2, 1, 3, 3)))
    with pytest.raises(ValueError, match="conv2d: input has 3 channels, weight expects 1"):
        F.conv2d(x, w)
    with pytest.raises(ValueError, match="input has 3 channels, weight expects 1"):
        nn.Conv2d(1, 2, 3)(x)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda x, w: F.conv2d(x[0, 0], w),
            "conv2d: input must be .N, C, H, W. or .C, H, W., got 2-d",
        ),
        (lambda x, w: F.conv2d(x, w[0]), r"conv2d: weight must be \(out_channels, in_channels"),
        (lambda x, w: F.conv2d(x, w, stride=0), "conv2d: stride must be an integer >= 1, got 0"),
        (
            lambda x, w: F.conv2d(x, w, stride=(1, -2)),
            r"conv2d: stride\[1\] must be an integer >= 1, got -2",
        ),
        (
            lambda x, w: F.conv2d(x, w, padding=-1),
            "conv2d: padding must be an integer >= 0, got -1",
        ),
        (
            lambda x, w: F.conv2d(x, w, padding=(1, 2, 3)),
            "conv2d: padding must be an int or a pair",
        ),
        (lambda x, w: F.conv2d(x, w, stride=2, padding="same"), "padding='same' needs stride 1"),
        (lambda x, w: F.conv2d(x, w, padding="full"), "padding must be an int, a pair"),
        (lambda x, w: F.conv2d(x, w, mg.tensor(np.ones(3))), r"bias must have shape \(2,\)"),
        (
            lambda x, w: F.conv2d(x[..., :2, :2], w),
            "kernel 3x3 is larger than the padded input 2x2",
        ),
        (lambda x, w: F.conv2d(x, w, dilation=3), "kernel 7x7 is larger than the padded input 5x5"),
        (lambda x, w: F.max_pool2d(x, 6), "max_pool2d: kernel 6x6 is larger than the padded input"),
        (lambda x, w: F.max_pool2d(x, 2, padding=2), "at most half the kernel size"),
        (lambda x, w: F.avg_pool2d(x, 2, stride=0), "avg_pool2d: stride must be an integer >= 1"),
    ],
)
def test_bad_conv_and_pool_arguments_are_clear_errors(call, message):
    x, w = mg.tensor(np.ones((1, 1, 5, 5))), mg.tensor(np.ones((2, 1, 3, 3)))
    with pytest.raises((ValueError, TypeError), match=message):
        call(x, w)

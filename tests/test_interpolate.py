"""F.interpolate's modes against values worked out by hand: each output reads the input around
its source position, align_corners=True: i (in - 1) / (out - 1), else (i + 0.5) scale - 0.5
with scale = 1 / scale_factor (unless recomputed) or in / out."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F


def f64(values, requires_grad=False):
    return mg.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def line(*values):
    return f64([[values]])  # (N, C, L) = (1, 1, len)


def test_linear_align_corners_true_meets_the_corners():
    # 4 inputs to 7 outputs: positions 0, 0.5, ..., 3
    x = f64([[[0.0, 2.0, 3.0, 7.0]]], requires_grad=True)
    out = F.interpolate(x, size=7, mode="linear", align_corners=True)
    np.testing.assert_allclose(out.numpy(), [[[0.0, 1.0, 2.0, 2.5, 3.0, 5.0, 7.0]]])
    out.sum().backward()  # column sums of the interpolation matrix
    np.testing.assert_allclose(x.grad.numpy(), [[[1.5, 2.0, 2.0, 1.5]]])


def test_linear_align_corners_false_samples_pixel_centres():
    # 2 -> 4: positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (past the last: copies it)
    for align_corners in (None, False):
        out = F.interpolate(
            line(0.0, 4.0), scale_factor=2, mode="linear", align_corners=align_corners
        )
        np.testing.assert_allclose(out.numpy(), [[[0.0, 1.0, 3.0, 4.0]]])
    # downsampling 5 -> 2: positions 0.75 and 3.25
    out = F.interpolate(line(0.0, 1.0, 4.0, 9.0, 16.0), size=2, mode="linear")
    np.testing.assert_allclose(out.numpy(), [[[0.75, 9.0 + 0.25 * 7.0]]])


def test_scale_factor_is_used_unless_recomputed():
    x = line(0.0, 1.0, 4.0, 9.0)  # 4 -> floor(4 * 1.7) = 6
    given = F.interpolate(x, scale_factor=1.7, mode="linear")
    recomputed = F.interpolate(x, scale_factor=1.7, mode="linear", recompute_scale_factor=True)
    assert given.shape == recomputed.shape == (1, 1, 6)
    # last output: position 5.5 / 1.7 - 0.5 = 2.7353 from the factor, 5.5 * 4 / 6 - 0.5 =
    # 3.1667 (past the last input, which it copies) from the sizes
    t = 5.5 / 1.7 - 0.5 - 2
    np.testing.assert_allclose(given.numpy()[0, 0, -1], 4.0 + t * 5.0)
    np.testing.assert_allclose(recomputed.numpy()[0, 0, -1], 9.0)
    np.testing.assert_allclose(recomputed.numpy(), F.interpolate(x, size=6, mode="linear").numpy())


def test_bilinear_and_trilinear_are_linear_along_each_axis():
    rows, cols = np.array([1.0, -2.0, 0.5]), np.array([3.0, 0.0, 1.0, 2.0])

    def lin(v, n):
        return F.interpolate(line(*v), size=n, mode="linear", align_corners=True).numpy()[0, 0]

    image = f64(np.outer(rows, cols)[None, None])
    out = F.interpolate(image, size=(5, 6), mode="bilinear", align_corners=True).numpy()
    np.testing.assert_allclose(out[0, 0], np.outer(lin(rows, 5), lin(cols, 6)), atol=1e-14)
    depth = np.array([2.0, -1.0])
    volume = f64(np.einsum("i,j,k->ijk", depth, rows, cols)[None, None])
    out = F.interpolate(volume, size=(3, 5, 6), mode="trilinear", align_corners=True).numpy()
    expected = np.einsum("i,j,k->ijk", lin(depth, 3), lin(rows, 5), lin(cols, 6))
    np.testing.assert_allclose(out[0, 0], expected, atol=1e-14)


def test_bicubic_weights_and_border_clamping():
    # the cubic convolution weights (A = -0.75) at t = 0.5: -3/32, 19/32, 19/32, -3/32
    x = f64([[[[1.0, -2.0, 5.0, 3.0]]]], requires_grad=True)
    out = F.interpolate(x, size=(1, 7), mode="bicubic", align_corners=True)  # positions i / 2
    a, b, c, d = 1.0, -2.0, 5.0, 3.0
    w, v = -3 / 32, 19 / 32
    expected = [
        a,
        (w + v) * a + v * b + w * c,  # position 0.5: tap -1 is clamped onto input 0
        b,
        w * a + v * (b + c) + w * d,
        c,
        w * b + v * c + (v + w) * d,  # tap 4 is clamped onto input 3
        d,
    ]
    np.testing.assert_allclose(out.numpy()[0, 0, 0], expected, atol=1e-14)
    out.sum().backward()
    # column sums of the weights above: input 0 gets 1 + (w + v) + w, input 1 v + 1 + v + w
    sums = [1 + v + 2 * w, 1 + 2 * v + w, 1 + 2 * v + w, 1 + v + 2 * w]
    np.testing.assert_allclose(x.grad.numpy()[0, 0, 0], sums, atol=1e-14)


def test_bicubic_keeps_constants_and_overshoots_edges():
    ones = f64(np.ones((1, 2, 3, 5)))
    out = F.interpolate(ones, scale_factor=(1.5, 0.7), mode="bicubic")
    assert out.shape == (1, 2, 4, 3)
    np.testing.assert_allclose(out.numpy(), 1.0, atol=1e-14)
    step = f64(np.array([0.0, 0.0, 1.0, 1.0])[None, None, None].repeat(2, axis=2))
    assert F.interpolate(step, size=(2, 8), mode="bicubic").numpy().min() < 0  # ringing


def test_nearest_and_nearest_exact_indices():
    x = line(10.0, 11.0, 12.0, 13.0)
    # 4 -> 3, scale 4/3: nearest floor(i * 4/3) = 0, 1, 2; exact floor((i + 0.5) 4/3) = 0, 2, 3
    np.testing.assert_array_equal(F.interpolate(x, size=3).numpy(), [[[10.0, 11.0, 12.0]]])
    exact = F.interpolate(x, size=3, mode="nearest-exact").numpy()
    np.testing.assert_array_equal(exact, [[[10.0, 12.0, 13.0]]])
    # 4 -> 6 by a factor 1.5: exact floor((i + 0.5) / 1.5) = 0, 1, 1, 2, 3, 3
    exact = F.interpolate(x, scale_factor=1.5, mode="nearest-exact").numpy()
    np.testing.assert_array_equal(exact, [[[10.0, 11.0, 11.0, 12.0, 13.0, 13.0]]])


def test_area_is_adaptive_average_pooling():
    x = np.arange(35.0).reshape(1, 1, 5, 7)
    out = F.interpolate(f64(x), size=(3, 2), mode="area").numpy()
    np.testing.assert_allclose(out, F.adaptive_avg_pool2d(f64(x), (3, 2)).numpy())
    np.testing.assert_allclose(
        F.interpolate(line(1.0, 2.0, 6.0, 7.0), scale_factor=0.5, mode="area").numpy(),
        [[[1.5, 6.5]]],
    )


def test_gradient_is_the_transposed_matrix():
    rng = np.random.default_rng(3)
    x = f64(rng.normal(size=(2, 3, 4, 5)), requires_grad=True)
    g = rng.normal(size=(2, 3, 7, 3))
    out = F.interpolate(x, size=(7, 3), mode="bicubic")
    (out * f64(g)).sum().backward()
    # the map is linear: <out(x), g> = <x, grad> for every x, in particular for basis vectors
    cols = []
    for k in range(4 * 5):
        e = np.zeros((1, 1, 4, 5))
        e.flat[k] = 1.0
        cols.append(F.interpolate(f64(e), size=(7, 3), mode="bicubic").numpy()[0, 0].ravel())
    matrix = np.array(cols).T  # (21, 20)
    expected = np.einsum("ncp,pq->ncq", g.reshape(2, 3, 21), matrix).reshape(2, 3, 4, 5)
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=1e-12)


def test_same_size_is_a_copy_for_linear_modes():
    x = np.random.default_rng(1).normal(size=(1, 2, 3, 4))
    out = F.interpolate(f64(x), scale_factor=1.2, mode="bilinear")  # floor(3.6), floor(4.8)
    np.testing.assert_array_equal(out.numpy(), x)


def test_errors():
    with pytest.raises(NotImplementedError, match="bicubic mode needs 4D input"):
        F.interpolate(f64(np.zeros((1, 1, 3))), size=4, mode="bicubic")
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(f64(np.zeros((1, 1, 3, 3))), size=4, mode="area", align_corners=False)
    with pytest.raises(TypeError, match="floating"):
        F.interpolate(mg.tensor(np.zeros((1, 1, 3), dtype=np.int64)), size=4, mode="linear")
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(f64(np.zeros((1, 1, 3))), mode="linear")


def test_upsample_modules():
    up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
    assert repr(up) == "Upsample(scale_factor=2.0, mode='bilinear')"
    assert up.align_corners is True and up.recompute_scale_factor is None
    assert repr(nn.Upsample(size=(3, 4))) == "Upsample(size=(3, 4), mode='nearest')"
    x = f64(np.random.default_rng(2).normal(size=(1, 2, 3, 4)))
    np.testing.assert_allclose(
        nn.UpsamplingBilinear2d(scale_factor=2)(x).numpy(),
        F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True).numpy(),
    )
    np.testing.assert_array_equal(
        nn.UpsamplingNearest2d(size=(5, 6))(x).numpy(), F.interpolate(x, size=(5, 6)).numpy()
    )
    assert repr(nn.UpsamplingNearest2d(size=5)) == "UpsamplingNearest2d(size=5, mode='nearest')"

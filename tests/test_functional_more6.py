"""affine_grid, grid_sample, gumbel_softmax, pdist, pairwise_distance p=0 and the in-place
activations (relu_, elu_, leaky_relu_, hardtanh_, threshold_), against values worked out by
hand or with NumPy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F


def _bilinear_reference(image, x, y, padding="zeros"):
    """NumPy grid_sample of one (H, W) image at pixel coordinates x, y (align_corners given
    by the caller's unnormalisation); 'zeros' or 'border' padding."""
    h, w = image.shape
    if padding == "border":
        x, y = np.clip(x, 0, w - 1), np.clip(y, 0, h - 1)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    out = np.zeros(x.shape)
    for dx in (0, 1):
        for dy in (0, 1):
            xi, yi = x0 + dx, y0 + dy
            weight = (1 - np.abs(x - xi)) * (1 - np.abs(y - yi))
            inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            out += np.where(inside, image[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)], 0) * weight
    return out


def test_affine_grid_identity_is_the_pixel_centres():
    theta = mg.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    grid = F.affine_grid(theta, (1, 1, 2, 4), align_corners=False).numpy()
    assert grid.shape == (1, 2, 4, 2)
    np.testing.assert_allclose(grid[0, :, :, 0], [[-0.75, -0.25, 0.25, 0.75]] * 2)
    np.testing.assert_allclose(grid[0, :, :, 1], [[-0.5] * 4, [0.5] * 4])
    corners = F.affine_grid(theta, (1, 1, 2, 4), align_corners=True).numpy()
    np.testing.assert_allclose(corners[0, 0, :, 0], [-1, -1 / 3, 1 / 3, 1], rtol=1e-6)


def test_affine_grid_applies_theta_and_its_gradient_sums_the_base_points():
    theta = mg.tensor([[[2.0, 0.5, 0.1], [-1.0, 3.0, 0.2]]], dtype=mg.float64, requires_grad=True)
    grid = F.affine_grid(theta, (1, 3, 2, 2), align_corners=True)
    xs, ys = np.meshgrid([-1.0, 1.0], [-1.0, 1.0])
    np.testing.assert_allclose(grid.numpy()[0, ..., 0], 2 * xs + 0.5 * ys + 0.1)
    np.testing.assert_allclose(grid.numpy()[0, ..., 1], -xs + 3 * ys + 0.2)
    grid.sum().backward()
    np.testing.assert_allclose(theta.grad.numpy(), [[[0.0, 0.0, 4.0], [0.0, 0.0, 4.0]]])


def test_affine_grid_3d_shape_and_translation():
    theta = np.zeros((1, 3, 4))
    theta[0, :, 3] = [0.1, 0.2, 0.3]
    grid = F.affine_grid(mg.tensor(theta), (1, 2, 2, 3, 4), align_corners=False).numpy()
    assert grid.shape == (1, 2, 3, 4, 3)
    np.testing.assert_allclose(grid.reshape(-1, 3), np.tile([0.1, 0.2, 0.3], (24, 1)))


def test_affine_grid_checks_theta_and_warns_for_the_default():
    with pytest.raises(ValueError, match="Nx2x3"):
        F.affine_grid(mg.zeros(1, 3, 4), (1, 1, 2, 2), align_corners=False)
    with pytest.raises(NotImplementedError):
        F.affine_grid(mg.zeros(1, 2, 3), (1, 2), align_corners=False)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(mg.zeros(1, 2, 3), (1, 1, 2, 2))


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("padding", ["zeros", "border"])
def test_grid_sample_bilinear_matches_a_numpy_reference(align, padding):
    rng = np.random.default_rng(0)
    image = rng.normal(size=(1, 1, 3, 5))
    grid = rng.uniform(-1.4, 1.4, size=(1, 4, 3, 2))
    out = F.grid_sample(
        mg.tensor(image), mg.tensor(grid), padding_mode=padding, align_corners=align
    )
    h, w = 3, 5
    if align:
        x, y = (grid[0, ..., 0] + 1) * (w - 1) / 2, (grid[0, ..., 1] + 1) * (h - 1) / 2
    else:
        x, y = ((grid[0, ..., 0] + 1) * w - 1) / 2, ((grid[0, ..., 1] + 1) * h - 1) / 2
    expected = _bilinear_reference(image[0, 0], x, y, padding)
    np.testing.assert_allclose(out.numpy()[0, 0], expected, atol=1e-12)


def test_grid_sample_identity_grid_copies_the_input():
    image = np.arange(24.0).reshape(2, 3, 2, 2)
    theta = mg.tensor(np.tile([[[1.0, 0, 0], [0, 1.0, 0]]], (2, 1, 1)))
    for align in (False, True):
        grid = F.affine_grid(theta, (2, 3, 2, 2), align_corners=align)
        out = F.grid_sample(mg.tensor(image), grid, align_corners=align)
        np.testing.assert_allclose(out.numpy(), image, atol=1e-12)


def test_grid_sample_reflection_mirrors_off_the_edges():
    row = mg.tensor([[[[10.0, 20.0, 30.0]]]])
    # align_corners=True: x = (g + 1); g = 1.5 -> 2.5 reflects to 1.5; g = -1.5 -> -0.5 to 0.5
    grid = mg.tensor([[[[1.5, 0.0], [-1.5, 0.0], [3.5, 0.0]]]])
    out = F.grid_sample(row, grid, padding_mode="reflection", align_corners=True).numpy()
    np.testing.assert_allclose(out.ravel(), [25.0, 15.0, 15.0])  # 4.5 -> -0.5 -> 0.5
    # align_corners=False: x = (3 (g + 1) - 1) / 2 reflects about -0.5 and 2.5 (span 3):
    # 3.25 -> 1.75, -1.25 -> 0.25, 6.25 (two flips) -> 0.25
    out = F.grid_sample(row, grid, padding_mode="reflection", align_corners=False).numpy()
    np.testing.assert_allclose(out.ravel(), [27.5, 12.5, 12.5])


def test_grid_sample_nearest_rounds_half_to_even_and_zeros_outside():
    row = mg.tensor([[[[1.0, 2.0, 3.0, 4.0]]]])
    # align_corners=True: x = 1.5 (g + 1): g = 0 -> 1.5 rounds to 2; g = -1/3 -> 1.0; 1.4 -> 3.6
    grid = mg.tensor([[[[0.0, 0.0], [-1.0 / 3.0, 0.0], [1.4, 0.0]]]])
    out = F.grid_sample(row, grid, mode="nearest", align_corners=True).numpy()
    np.testing.assert_allclose(out.ravel(), [3.0, 2.0, 0.0])


def test_grid_sample_gradients_reach_the_input_and_the_grid():
    image = np.array([[[[1.0, 2.0], [3.0, 5.0]]]])
    x = mg.tensor(image, requires_grad=True)
    # align_corners=True: g = (-0.5, 0) is pixel (0.25, 0.5)
    g = mg.tensor([[[[-0.5, 0.0]]]], dtype=mg.float64, requires_grad=True)
    out = F.grid_sample(x, g, align_corners=True)
    # value: rows half and half, columns 0.75 and 0.25: (1 + 3) / 2 * 0.75 + (2 + 5) / 2 * 0.25
    np.testing.assert_allclose(out.numpy().ravel(), [2.0 * 0.75 + 3.5 * 0.25])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[0, 0], [[0.375, 0.125], [0.375, 0.125]])
    # d/dx_pixel = 3.5 - 2 = 1.5, d/dy_pixel = (3 * 0.75 + 5 * 0.25) - (1 * 0.75 + 2 * 0.25) = 2.25
    # and d pixel / d g = (size - 1) / 2 = 0.5
    np.testing.assert_allclose(g.grad.numpy().ravel(), [0.75, 1.125])


def test_grid_sample_nearest_gives_the_grid_a_zero_gradient():
    x = mg.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    g = mg.tensor(np.full((1, 1, 1, 2), 0.3), requires_grad=True)
    F.grid_sample(x, g, mode="nearest", align_corners=False).sum().backward()
    np.testing.assert_array_equal(g.grad.numpy(), np.zeros((1, 1, 1, 2)))
    assert x.grad.numpy().sum() == 1.0


def test_grid_sample_checks_its_options():
    x, g = mg.zeros(1, 1, 2, 2), mg.zeros(1, 1, 1, 2)
    with pytest.raises(ValueError, match="expected mode"):
        F.grid_sample(x, g, mode="linear", align_corners=False)
    with pytest.raises(ValueError, match="padding_mode"):
        F.grid_sample(x, g, padding_mode="circular", align_corners=False)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, g)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.grid_sample(x, g, align_corners=False)


def test_gumbel_softmax_sums_to_one_and_follows_the_seed():
    logits = mg.tensor(np.log([[0.1, 0.2, 0.7]] * 4))
    mg.manual_seed(5)
    first = F.gumbel_softmax(logits, tau=0.5).numpy()
    mg.manual_seed(5)
    second = F.gumbel_softmax(logits, tau=0.5).numpy()
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first.sum(-1), 1.0, rtol=1e-6)
    assert not np.allclose(first[0], first[1])  # fresh noise for every row


def test_gumbel_softmax_hard_samples_the_class_probabilities():
    mg.manual_seed(0)
    logits = mg.tensor(np.tile(np.log([0.1, 0.2, 0.7]), (8000, 1)))
    y = F.gumbel_softmax(logits, hard=True).numpy()
    assert set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_array_equal(y.sum(-1), 1.0)
    np.testing.assert_allclose(y.mean(0), [0.1, 0.2, 0.7], atol=0.02)


def test_gumbel_softmax_hard_passes_the_soft_gradient_straight_through():
    rng = np.random.default_rng(2)
    weights = mg.tensor(rng.normal(size=(4, 3)))
    grads = []
    for hard in (False, True):
        logits = mg.tensor(rng.normal(size=(4, 3)) * 0 + 0.5, requires_grad=True)
        mg.manual_seed(9)
        y = F.gumbel_softmax(logits, tau=2.0, hard=hard, dim=0)
        (y * weights).sum().backward()
        grads.append(logits.grad.numpy())
        if hard:
            np.testing.assert_array_equal(y.numpy().sum(0), 1.0)
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-12)
    assert np.abs(grads[0]).max() > 0


def test_gumbel_softmax_eps_is_deprecated():
    with pytest.warns(UserWarning, match="deprecated"):
        F.gumbel_softmax(mg.zeros(3), eps=1e-5)


def test_pdist_is_the_upper_triangle_in_row_order():
    points = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0], [-2.0, 0.0]])
    x = mg.tensor(points, requires_grad=True)
    out = F.pdist(x)
    pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    expected = [np.linalg.norm(points[i] - points[j]) for i, j in pairs]
    np.testing.assert_allclose(out.numpy(), expected)
    out.sum().backward()
    grad = np.zeros_like(points)
    for (i, j), d in zip(pairs, expected):
        grad[i] += (points[i] - points[j]) / d
        grad[j] -= (points[i] - points[j]) / d
    np.testing.assert_allclose(x.grad.numpy(), grad)
    np.testing.assert_allclose(F.pdist(x, p=1).numpy(), [7, 2, 2, 5, 9, 4])
    np.testing.assert_allclose(F.pdist(x, p=float("inf")).numpy(), [4, 1, 2, 3, 5, 3])
    np.testing.assert_allclose(F.pdist(x, p=0).numpy(), [2, 2, 1, 2, 2, 2])
    assert F.pdist(mg.zeros(1, 3)).shape == (0,)
    with pytest.raises(RuntimeError, match="2D"):
        F.pdist(mg.zeros(2, 2, 2))


def test_pairwise_distance_p0_counts_the_differences():
    a = mg.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    b = mg.tensor([[1.0, 5.0, 3.0], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(F.pairwise_distance(a, b, p=0, eps=0.0).numpy(), [1.0, 1.0])
    # PyTorch adds eps to every difference before the norm: all three count then
    np.testing.assert_allclose(F.pairwise_distance(a, b, p=0, keepdim=True).numpy(), [[3], [3]])


@pytest.mark.parametrize(
    "name, args, reference",
    [
        ("relu_", (), lambda x: np.maximum(x, 0)),
        ("elu_", (0.5,), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
        ("leaky_relu_", (0.2,), lambda x: np.where(x > 0, x, 0.2 * x)),
        ("hardtanh_", (-0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7)),
        ("threshold_", (0.1, -3.0), lambda x: np.where(x > 0.1, x, -3.0)),
        ("rrelu_", (0.1, 0.3), lambda x: np.where(x >= 0, x, 0.2 * x)),  # eval: mean slope
    ],
)
def test_in_place_activations_overwrite_their_input(name, args, reference):
    values = np.array([[-1.5, -0.2, 0.0], [0.05, 0.4, 2.0]])
    x = mg.tensor(values.copy())
    result = getattr(F, name)(x, *args)
    assert result is x
    np.testing.assert_allclose(x.numpy(), reference(values), rtol=1e-6)
    leaf = mg.tensor(values, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(F, name)(leaf, *args)

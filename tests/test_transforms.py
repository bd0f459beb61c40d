"""minigrad.transforms: each transform's exact effect for a fixed draw, worked out by hand; shape
and dtype kept; draws that follow manual_seed; TransformDataset feeding DataLoader unchanged.

A transform gets one sample (an image of shape (..., H, W)), never a batch.
"""

from __future__ import annotations

import numpy as np
import pytest
from fake_device import FAKE_GPU

import minigrad
from minigrad import transforms as T
from minigrad.backend import to_host
from minigrad.data import DataLoader, TransformDataset


def numbered(dtype=np.float32) -> np.ndarray:
    """A 1x8x8 image whose pixel (i, j) holds 1 + 8 i + j: every pixel tells where it came from."""
    return (1 + np.arange(64, dtype=dtype)).reshape(1, 8, 8)


# ---- the functional forms -----------------------------------------------------------------------


def test_a_shift_by_one_column_moves_every_pixel_right_and_fills_with_zero():
    image = numbered()
    out = T.affine(image, angle=0, translate=(1, 0), scale=1)
    expected = np.zeros_like(image)
    expected[0, :, 1:] = image[0, :, :-1]  # out[i, j] = in[i, j - 1]; column 0 is new
    np.testing.assert_array_equal(out, expected)
    assert out.shape == image.shape and out.dtype == image.dtype


def test_a_shift_by_two_rows_moves_every_pixel_down():
    image = numbered()
    out = T.affine(image, angle=0, translate=(0, 2), scale=1, fill=-1)
    expected = np.full_like(image, -1)
    expected[0, 2:, :] = image[0, :-2, :]
    np.testing.assert_array_equal(out, expected)


def test_negative_shifts_move_up_and_left():
    image = numbered()
    out = T.affine(image, 0, (-1, -1), 1)
    assert out[0, 0, 0] == image[0, 1, 1] and out[0, 6, 6] == image[0, 7, 7]
    assert (out[0, 7, :] == 0).all() and (out[0, :, 7] == 0).all()


def test_rotate_by_90_degrees_is_a_quarter_turn_counter_clockwise():
    image = numbered()
    np.testing.assert_array_equal(T.rotate(image, 90)[0], np.rot90(image[0]))  # rot90: CCW
    np.testing.assert_array_equal(T.rotate(image, -90)[0], np.rot90(image[0], -1))
    # affine's angle is clockwise, as torchvision's F.affine
    np.testing.assert_array_equal(T.affine(image, 90, (0, 0), 1)[0], np.rot90(image[0], -1))


def test_a_small_rotation_keeps_the_centre_and_moves_the_corners():
    image = np.zeros((8, 8), np.float32)
    image[3:5, 3:5] = 1.0  # the four centre pixels, symmetric about the centre (3.5, 3.5)
    np.testing.assert_array_equal(T.rotate(image, 10), image)
    corner = np.zeros((8, 8), np.float32)
    corner[0, 7] = 1.0  # 4.95 pixels from the centre: 10 degrees move it by about 0.86 pixel
    assert T.rotate(corner, 10)[0, 7] == 0.0


def test_bilinear_mixes_the_two_neighbours_of_a_half_pixel_shift():
    image = numbered(np.float64)
    out = T.affine(image, 0, (0.5, 0), 1, interpolation="bilinear")
    # out[i, j] reads x = j - 0.5: half of in[i, j - 1] and half of in[i, j]; fill 0 left of 0
    np.testing.assert_allclose(out[0, :, 1:], (image[0, :, :-1] + image[0, :, 1:]) / 2)
    np.testing.assert_allclose(out[0, :, 0], image[0, :, 0] / 2)


def test_scale_two_doubles_distances_from_the_centre():
    image = np.zeros((8, 8), np.float32)
    image[3, 3] = 1.0
    out = T.affine(image, 0, (0, 0), 2.0)
    # out[i, j] reads column 3.5 + (j - 3.5) / 2, rounded: 2.75 -> 3 for j = 2, 3.25 -> 3 for
    # j = 3, 3.75 -> 4 for j = 4; rows alike. The one pixel grows into a 2x2 block.
    expected = np.zeros((8, 8), np.float32)
    expected[2:4, 2:4] = 1.0
    np.testing.assert_array_equal(out, expected)


def test_erase_sets_exactly_the_rectangle_to_the_value():
    image = numbered()
    out = T.erase(image, 2, 3, 4, 2, 0.5)
    expected = image.copy()
    expected[0, 2:6, 3:5] = 0.5
    np.testing.assert_array_equal(out, expected)
    assert image[0, 2, 3] == 1 + 8 * 2 + 3  # a copy: the input is untouched


# ---- the random transforms: a fixed draw, and the draws themselves -------------------------------


def test_random_affine_with_a_fixed_angle_is_that_rotation():
    image = numbered()
    out = T.RandomAffine(degrees=(90, 90))(image)
    np.testing.assert_array_equal(out[0], np.rot90(image[0], -1))


def test_random_affine_translate_shifts_by_whole_pixels_of_at_most_a_quarter_of_the_side():
    minigrad.manual_seed(0)
    image = numbered()
    transform = T.RandomAffine(degrees=0, translate=(0.25, 0.25))
    seen = set()
    for _ in range(200):
        out = transform(image)
        dx, dy = next(
            (dx, dy)
            for dx in range(-2, 3)
            for dy in range(-2, 3)
            if np.array_equal(out, T.affine(image, 0, (dx, dy), 1))
        )
        seen.add((dx, dy))
    assert seen == {(dx, dy) for dx in range(-2, 3) for dy in range(-2, 3)}


def test_random_affine_draws_its_parameters_in_torchvisions_order():
    minigrad.manual_seed(4)
    # torchvision's static signature: (degrees, translate, scale_ranges, shears, [W, H])
    get_params = T.RandomAffine.get_params
    angle, (dx, dy), scale, shear = get_params((-10, 10), (0.25, 0.5), (0.9, 1.1), None, [8, 4])
    rng = np.random.default_rng(4)  # what manual_seed(4) made
    assert angle == rng.uniform(-10, 10)
    # translate[0] is a fraction of the width (8), translate[1] of the height (4)
    assert (dx, dy) == (round(rng.uniform(-1, 1) * 2), round(rng.uniform(-1, 1) * 2))
    assert scale == rng.uniform(0.9, 1.1)
    assert shear == (0.0, 0.0)


def test_random_rotation_with_a_fixed_angle_is_that_rotation():
    image = numbered()
    np.testing.assert_array_equal(T.RandomRotation((90, 90))(image)[0], np.rot90(image[0]))


def test_random_erasing_erases_one_rectangle_of_the_asked_size_with_the_value():
    minigrad.manual_seed(1)
    image = numbered()
    transform = T.RandomErasing(p=1.0, scale=(0.25, 0.25), ratio=(1.0, 1.0), value=-3.0)
    corners = set()
    for _ in range(50):
        out = transform(image)
        erased = np.argwhere(out[0] != image[0])
        assert len(erased) == 16 and (out[0][out[0] != image[0]] == -3.0).all()  # a 4x4 square
        (i, j), (i_end, j_end) = erased.min(0), erased.max(0)
        assert (i_end - i, j_end - j) == (3, 3)
        corners.add((int(i), int(j)))
    assert len(corners) > 10  # the square moves about


def test_random_erasing_with_p_zero_returns_an_equal_copy_and_draws_once():
    image = numbered()
    minigrad.manual_seed(2)
    out = T.RandomErasing(p=0.0)(image)
    np.testing.assert_array_equal(out, image)
    assert out is not image
    reference = np.random.default_rng(2)
    reference.uniform()  # the one draw: "erase or not"
    assert minigrad.get_rng_state() == reference.bit_generator.state


def test_random_erasing_random_value_is_standard_normal_noise():
    minigrad.manual_seed(3)
    out = T.RandomErasing(p=1.0, scale=(0.5, 0.5), ratio=(1.0, 1.0), value="random")(
        np.zeros((1, 8, 8))
    )
    erased = out[out != 0]
    assert len(erased) == 36  # round(sqrt(32)) = 6: a 6x6 square
    assert abs(erased.mean()) < 0.5 and 0.5 < erased.std() < 1.5


def test_gaussian_noise_adds_mean_plus_sigma_times_the_generators_normals_then_clips():
    image = np.full((1, 8, 8), 0.5, np.float32)
    minigrad.manual_seed(7)
    out = T.GaussianNoise(mean=0.1, sigma=0.2)(image)
    z = np.random.default_rng(7).standard_normal((1, 8, 8))
    expected = np.clip(image + (0.1 + 0.2 * z).astype(np.float32), 0, 1)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float32
    minigrad.manual_seed(7)
    unclipped = T.GaussianNoise(mean=0.1, sigma=2.0, clip=False)(image)
    assert unclipped.max() > 1 and unclipped.min() < 0


@pytest.mark.parametrize(
    "transform",
    [
        T.RandomAffine(15, translate=(0.25, 0.25), scale=(0.9, 1.1), interpolation="bilinear"),
        T.RandomRotation(15, interpolation="bilinear"),
        T.RandomErasing(p=1.0, value="random"),
        T.GaussianNoise(sigma=0.1),
        T.Compose([T.RandomAffine(10, (0.25, 0.25)), T.GaussianNoise(), T.RandomErasing()]),
    ],
    ids=repr,
)
@pytest.mark.parametrize("shape", [(8, 8), (1, 8, 8), (3, 6, 5)])
def test_every_transform_keeps_shape_and_dtype_and_follows_the_seed(transform, shape):
    image = np.random.default_rng(0).uniform(size=shape).astype(np.float32)
    minigrad.manual_seed(5)
    first = [transform(image) for _ in range(3)]
    state = minigrad.get_rng_state()
    minigrad.manual_seed(5)
    again = [transform(image) for _ in range(3)]
    for a, b in zip(first, again, strict=True):
        assert a.shape == image.shape and a.dtype == image.dtype
        np.testing.assert_array_equal(a, b)  # the same seed, the same draws
    assert minigrad.get_rng_state() == state
    assert not np.array_equal(first[0], first[1])  # and each call draws anew
    assert (image == np.random.default_rng(0).uniform(size=shape).astype(np.float32)).all()


def test_transforms_compute_on_the_device_of_a_device_array():
    """Given a device array, a transform stays on that device and gives the host's numbers."""
    image = np.random.default_rng(0).uniform(size=(1, 8, 8)).astype(np.float32)
    transform = T.Compose(
        [
            T.RandomAffine(20, (0.25, 0.25), (0.9, 1.1), interpolation="bilinear"),
            T.RandomErasing(p=1.0, value="random"),
            T.GaussianNoise(),
        ]
    )
    minigrad.manual_seed(9)
    on_host = transform(image)
    minigrad.manual_seed(9)
    on_device = transform(FAKE_GPU.from_host(image))
    assert not isinstance(on_device, np.ndarray)
    np.testing.assert_array_equal(to_host(on_device), on_host)


def test_compose_applies_in_order():
    assert T.Compose([lambda x: x + 1, lambda x: x * 10])(np.ones(2))[0] == 20
    assert "RandomRotation" in repr(T.Compose([T.RandomRotation(5)]))


# ---- TransformDataset and DataLoader ------------------------------------------------------------


def test_transform_dataset_transforms_one_sample_at_a_time():
    X, y = np.zeros((5, 1, 8, 8), np.float32), np.arange(5)
    shapes = []

    def record(image):
        shapes.append(image.shape)
        return image + 1

    data = TransformDataset(X, y, transform=record, target_transform=lambda t: t * 2)
    image, label = data[3]
    assert shapes == [(1, 8, 8)] and label == 6 and (image == 1).all()
    assert len(data) == 5


def test_dataloader_batches_an_augmented_dataset_with_fresh_draws_every_epoch():
    X = np.tile(numbered() / 64, (6, 1, 1, 1))
    y = np.arange(6)
    data = TransformDataset(X, y, transform=T.RandomAffine(0, translate=(0.25, 0.25)))
    minigrad.manual_seed(0)
    loader = DataLoader(data, batch_size=4, shuffle=True)
    first, second = [xb.numpy().copy() for xb, _ in loader], [xb.numpy() for xb, _ in loader]
    assert [b.shape for b in first] == [(4, 1, 8, 8), (2, 1, 8, 8)]
    assert first[0].dtype == np.float32
    assert not all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    minigrad.manual_seed(0)
    replay = [xb.numpy() for xb, _ in loader]
    for a, b in zip(first, replay, strict=True):
        np.testing.assert_array_equal(a, b)


# ---- torchvision's argument order, shear, fill and get_params (values by hand) ----------------


def test_affine_takes_shear_fifth_as_torchvision_and_shears_x_by_tan():
    image = np.arange(9.0).reshape(1, 3, 3)
    # shear 45 degrees along x: row r reads column c + (r - 1) (tan 45 = 1), centre row 1 stays
    expected = np.array([[[0.0, 0.0, 1.0], [3.0, 4.0, 5.0], [7.0, 8.0, 0.0]]])
    np.testing.assert_array_equal(T.affine(image, 0, (0, 0), 1, 45), expected)
    np.testing.assert_array_equal(T.affine(image, 0, (0, 0), 1, [45, 0]), expected)
    np.testing.assert_array_equal(T.affine(image, 0, (0, 0), 1, 45.0, "nearest", None), expected)
    # the fifth positional argument used to be interpolation: a string there is refused
    with pytest.raises(TypeError, match="shear must be a number or a sequence"):
        T.affine(image, 0, (0, 0), 1, "bilinear")


def test_bilinear_fill_blends_by_the_share_of_weight_inside_as_torchvision():
    ones = np.ones((1, 1, 4), dtype=np.float32)
    shifted = {
        fill: T.affine(ones, 0, (0.5, 0), 1, 0, "bilinear", fill)[0, 0, 0]
        for fill in (None, 0.0, 1.0)
    }
    # half the weight of pixel 0 falls outside: v = 0.5, m = 0.5
    assert shifted[None] == 0.5  # zero padding, no blend (torchvision's fill=None)
    assert shifted[0.0] == 0.25  # m * (v - 0) + 0
    assert shifted[1.0] == 0.75  # m * (v - 1) + 1
    rotation = T.RandomAffine((0, 0), translate=None, interpolation="bilinear")  # fill 0
    np.testing.assert_array_equal(rotation(ones), ones)  # nothing moves: no blending at all


def test_rotate_takes_expand_fourth_as_torchvision():
    image = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(
        T.rotate(image, 90, "nearest", False, None, 0.0), T.rotate(image, 90)
    )
    with pytest.raises(ValueError, match="expand=True is not implemented"):
        T.rotate(image, 90, "nearest", True)


def test_random_affine_shear_ranges_follow_torchvision():
    assert T.RandomAffine(0, shear=10).shear == (-10, 10)
    assert T.RandomAffine(0, shear=(5, 10)).shear == (5, 10)
    assert T.RandomAffine(0, shear=(1, 2, 3, 4)).shear == (1, 2, 3, 4)
    with pytest.raises(ValueError, match="length 2 or 4"):
        T.RandomAffine(0, shear=(1, 2, 3))
    image = np.arange(9.0).reshape(1, 3, 3)
    fixed = T.RandomAffine(0, shear=(45, 45, 0, 0))
    np.testing.assert_array_equal(fixed(image), T.affine(image, 0, (0, 0), 1, (45, 0)))
    minigrad.manual_seed(1)
    angle, shift, scale, shear = T.RandomAffine.get_params((0, 0), None, None, (1, 2, 3, 4), [3, 3])
    rng = np.random.default_rng(1)
    rng.uniform(0, 0)
    assert (angle, shift, scale) == (0.0, (0, 0), 1.0)
    assert shear == (rng.uniform(1, 2), rng.uniform(3, 4))


def test_random_rotation_get_params_is_torchvisions_static_method():
    minigrad.manual_seed(2)
    assert T.RandomRotation.get_params([-30, 30]) == np.random.default_rng(2).uniform(-30, 30)


def test_random_erasing_get_params_is_torchvisions_and_a_zero_side_erases_nothing():
    image = np.ones((1, 5, 6), dtype=np.float32)
    # nothing fits ten times (h = 5 is not < 5): the image itself, whole
    i, j, h, w, v = T.RandomErasing.get_params(image, scale=(1, 1), ratio=(1, 1))
    assert (i, j, h, w) == (0, 0, 5, 6) and v is image
    # an area of 0 rounds h and w to 0: accepted at once, as in torchvision (no retry)
    minigrad.manual_seed(0)
    i, j, h, w, v = T.RandomErasing.get_params(image, scale=(0, 0), ratio=(1, 1), value=[0.0])
    assert (h, w) == (0, 0) and 0 <= i <= 5 and 0 <= j <= 6
    out = T.RandomErasing(p=1, scale=(0, 0), ratio=(1, 1))(image)
    np.testing.assert_array_equal(out, image)


def test_random_erasing_takes_one_value_per_channel():
    image = np.full((2, 6, 6), 9.0, dtype=np.float32)
    out = T.RandomErasing(p=1, scale=(0.2, 0.2), ratio=(1, 1), value=(1.0, 2.0))(image)
    assert set(np.unique(out[0])) == {1.0, 9.0} and set(np.unique(out[1])) == {2.0, 9.0}
    assert ((out[0] == 1.0) == (out[1] == 2.0)).all()  # one rectangle for both channels
    with pytest.raises(ValueError, match="either a single value or 2"):
        T.RandomErasing(p=1, value=(1.0, 2.0, 3.0))(image)

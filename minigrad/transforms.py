"""Data augmentation: random changes of an input that keep its label, drawn afresh every epoch.

A transform is a callable that takes **one sample's input**, an array of shape ``(..., H, W)``
(an 8x8 digit as ``(1, 8, 8)`` or ``(8, 8)``), and returns a new array of the same shape and
dtype. Leading dims (channels) share one draw, as in torchvision. ``Compose`` chains transforms;
a dataset applies them sample by sample in ``__getitem__``::

    augment = Compose([RandomAffine(degrees=10, translate=(0.25, 0.25)), GaussianNoise(sigma=0.05)])
    train_set = minigrad.data.TransformDataset(X_train, y_train, transform=augment)
    loader = DataLoader(train_set, batch_size=32, shuffle=True)    # DataLoader as it always was

so each epoch sees new draws of the same images. Names and arguments are torchvision's
(``torchvision.transforms``; ``GaussianNoise`` from ``transforms.v2``), with the functional forms
``affine``, ``rotate`` and ``erase`` beside them.

**Where they run**: on the host, with NumPy, before ``DataLoader`` moves the batch to the device.
An 8x8 digit costs some tens of microseconds per transform, a small part of an epoch
(docs/regularization.md measures it). They also accept a CuPy array and compute on its device.

**Random numbers** come from ``minigrad.random.generator()``: ``manual_seed`` makes an augmented
run reproducible, and ``get_rng_state`` / ``set_rng_state`` resume it bit for bit.

No flips: a mirrored 2 is not a 2 (and a mirrored 7 is no digit at all); see
docs/regularization.md.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .backend import device_of_array, get_array_module
from .checks import check_bool, check_choice, check_number
from .random import generator

__all__ = [
    "Compose",
    "GaussianNoise",
    "RandomAffine",
    "RandomErasing",
    "RandomRotation",
    "affine",
    "erase",
    "rotate",
]

INTERPOLATIONS = ("nearest", "bilinear")


# ---- the functional forms: a fixed change, no randomness ---------------------------------------


def affine(
    image: Any,
    angle: float,
    translate: Sequence[float],
    scale: float,
    shear: float | Sequence[float] = 0.0,
    interpolation: str = "nearest",
    fill: float | None = None,
    center: Sequence[float] | None = None,
) -> Any:
    """Rotate ``image`` by ``angle`` degrees clockwise, shear it by ``shear`` degrees, scale it,
    then shift it by ``translate = (dx, dy)`` pixels (dx to the right, dy down), as
    torchvision's ``F.affine`` (same arguments in the same order; ``shear`` defaults to 0 here).

    ``shear`` is a number s (the x shear, y shear 0: torchvision's ``[s, 0]``), or one or two
    numbers ``(sx, sy)`` (one number means ``(s, s)``). With x to the right and y down, measured
    from the centre c of rotation, output pixel p takes the input's value at the point that
    lands on it (the inverse map; torchvision's ``_get_inverse_affine_matrix``):

        q = c + M^-1 (p - c - t) / scale,   M = R(angle) SHy(sy) SHx(sx), det M = 1

    which for no shear is ``R(-angle) (p - c - t) / scale`` with R(a) = [[cos a, -sin a],
    [sin a, cos a]]. ``nearest`` reads the pixel nearest to q (rounding half to even; at an
    exact tie torchvision, which computes q in float32, may land on the other neighbour);
    ``bilinear`` mixes its four neighbours. ``fill=None`` (the default, as torchvision's) reads
    0 outside the image. With a number, torchvision's formula: nearest reads ``fill`` outside;
    bilinear gives ``m * v + (1 - m) * fill``, where v is the zero-padded mix and m the share
    of its weight that fell inside the image (so with ``fill=0`` an edge pixel is darkened by
    m, as in torchvision). ``center = (x, y)`` is in torchvision's frame, where pixel (row i,
    column j) covers [j, j + 1] x [i, i + 1]; the default is the image's centre.
    """
    sx, sy = _shear_pair(shear)
    height, width = image.shape[-2:]
    # The centre in row/column index units: index j sits at j + 0.5 in torchvision's frame.
    cx, cy = (
        ((width - 1) / 2, (height - 1) / 2)
        if center is None
        else (center[0] - 0.5, center[1] - 0.5)
    )
    rot, sx, sy = math.radians(angle), math.radians(sx), math.radians(sy)
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    rows, cols = _grid(height, width)
    dx, dy = cols - cx - translate[0], rows - cy - translate[1]
    x = cx + (d * dx - b * dy) / scale  # the inverse of [[a, b], [c, d]] (det 1)
    y = cy + (-c * dx + a * dy) / scale
    if interpolation == "nearest":
        return _read(image, np.rint(y), np.rint(x), 0.0 if fill is None else fill)
    # bilinear: the four neighbours, each weighted by its closeness along x and along y
    x0, y0 = np.floor(x), np.floor(y)
    wx, wy = x - x0, y - y0
    out: Any = 0.0
    inside: Any = 0.0  # the share of the weight on pixels inside the image
    for row, col, weight in (
        (y0, x0, (1 - wy) * (1 - wx)),
        (y0, x0 + 1, (1 - wy) * wx),
        (y0 + 1, x0, wy * (1 - wx)),
        (y0 + 1, x0 + 1, wy * wx),
    ):
        out = out + _read(image, row, col, 0.0) * _on_device_of(image, weight.astype(image.dtype))
        inside = inside + np.where(_inside(row, col, height, width), weight, 0.0)
    if fill is not None:  # torchvision's blend: mask * (v - fill) + fill
        mask = _on_device_of(image, inside.astype(image.dtype))
        out = mask * (out - image.dtype.type(fill)) + image.dtype.type(fill)
    return out.astype(image.dtype)


def rotate(
    image: Any,
    angle: float,
    interpolation: str = "nearest",
    expand: bool = False,
    center: Sequence[float] | None = None,
    fill: float | None = None,
) -> Any:
    """Rotate ``image`` by ``angle`` degrees **counter-clockwise** about ``center``, as
    torchvision's ``F.rotate`` (same arguments in the same order): ``affine(image, -angle,
    (0, 0), 1, 0, interpolation, fill, center)``. The size stays the same: ``expand=True`` is
    not implemented (a ValueError)."""
    if check_bool("rotate", "expand", expand):
        raise ValueError("rotate: expand=True is not implemented; the size is kept")
    return affine(image, -angle, (0.0, 0.0), 1.0, 0.0, interpolation, fill, center)


def erase(image: Any, i: int, j: int, h: int, w: int, v: Any, inplace: bool = False) -> Any:
    """``image`` with rows i .. i+h-1 and columns j .. j+w-1 set to ``v`` (a number, or an array
    of shape (..., h, w)), as torchvision's ``F.erase``; a copy unless ``inplace``."""
    out = image if inplace else image.copy()
    out[..., i : i + h, j : j + w] = v
    return out


@functools.lru_cache(maxsize=16)
def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pixel's row and column index (made once per image size: it is read, never written)."""
    rows, cols = np.indices((height, width), dtype=np.float64)
    rows.flags.writeable = cols.flags.writeable = False
    return rows, cols


def _inside(rows: np.ndarray, cols: np.ndarray, height: int, width: int) -> np.ndarray:
    return (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)


def _read(image: Any, rows: np.ndarray, cols: np.ndarray, fill: float) -> Any:
    """``image[..., rows, cols]`` for whole-number host coordinates; ``fill`` outside the image."""
    height, width = image.shape[-2:]
    inside = _inside(rows, cols, height, width)
    # Each (row, col) as one index into the flattened image; an outside point reads pixel 0
    # (then replaced by fill), as a GPU would wrap an out-of-range index around silently.
    flat = np.where(inside, rows * width + cols, 0).astype(np.int64)
    values = image.reshape(*image.shape[:-2], height * width)[..., _on_device_of(image, flat)]
    xp = get_array_module(image)
    return xp.where(_on_device_of(image, inside), values, image.dtype.type(fill))


def _on_device_of(image: Any, host_array: np.ndarray) -> Any:
    device = device_of_array(image)
    return host_array if device.xp is np else device.from_host(host_array)


# ---- the random transforms ---------------------------------------------------------------------


class Compose:
    """Apply ``transforms`` one after another: ``Compose([a, b])(x) == b(a(x))``."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        transforms = list(transforms)
        for k, transform in enumerate(transforms):
            if not callable(transform):
                raise TypeError(f"Compose: transforms[{k}] must be callable, got {transform!r}")
        self.transforms = transforms

    def __call__(self, image: Any) -> Any:
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self) -> str:
        inner = "".join(f"\n    {transform!r}," for transform in self.transforms)
        return f"Compose([{inner}\n])"


class RandomAffine:
    """A random rotation, shift, scaling and shear, as torchvision's ``RandomAffine`` (see
    ``affine``), with its arguments in its order.

    Per call, :meth:`get_params` draws ``angle ~ U(degrees)`` (clockwise; a number d means
    (-d, d)); with ``translate = (a, b)``, ``dx = round(U(-a W, a W))`` and
    ``dy = round(U(-b H, b H))`` whole pixels (fractions of the width and height); ``scale ~
    U(scale)`` (1 if None); and the shear in degrees: a number s means an x shear ``U(-s, s)``,
    ``(min, max)`` an x shear ``U(min, max)``, four numbers an x shear ``U(s[0], s[1])`` and a y
    shear ``U(s[2], s[3])`` (none if None). For an 8x8 digit, ``translate=(0.25, 0.25)`` shifts
    by up to two pixels each way. ``fill`` defaults to 0, as torchvision's: with bilinear
    interpolation the edge pixels are then blended with it (see ``affine``).
    """

    def __init__(
        self,
        degrees: float | Sequence[float],
        translate: Sequence[float] | None = None,
        scale: Sequence[float] | None = None,
        shear: float | Sequence[float] | None = None,
        interpolation: str = "nearest",
        fill: float = 0.0,
        center: Sequence[float] | None = None,
    ) -> None:
        self.degrees = _degrees("RandomAffine", degrees)
        if translate is not None:
            a, b = _pair("RandomAffine", "translate", translate)
            translate = (
                check_number("RandomAffine", "translate[0]", a, low=0, high=1),
                check_number("RandomAffine", "translate[1]", b, low=0, high=1),
            )
        self.translate = translate
        if scale is not None:
            scale = _interval("RandomAffine", "scale", scale, low=0, low_inclusive=False)
        self.scale = scale
        self.shear = None if shear is None else _shear_ranges(shear)
        self.interpolation = check_choice(
            "RandomAffine", "interpolation", interpolation, INTERPOLATIONS
        )
        self.fill = check_number("RandomAffine", "fill", fill)
        self.center = None if center is None else _center("RandomAffine", center)

    @staticmethod
    def get_params(
        degrees: Sequence[float],
        translate: Sequence[float] | None,
        scale_ranges: Sequence[float] | None,
        shears: Sequence[float] | None,
        img_size: Sequence[int],
    ) -> tuple[float, tuple[int, int], float, tuple[float, float]]:
        """Draw ``(angle, (dx, dy), scale, (shear_x, shear_y))``, torchvision's static method:
        ``degrees`` and ``scale_ranges`` are (min, max), ``shears`` two or four numbers,
        ``img_size`` is ``[width, height]`` (torchvision's order)."""
        rng = generator()
        angle = float(rng.uniform(degrees[0], degrees[1]))
        dx = dy = 0
        if translate is not None:
            width, height = img_size
            dx = round(float(rng.uniform(-1, 1)) * translate[0] * width)
            dy = round(float(rng.uniform(-1, 1)) * translate[1] * height)
        scale = float(rng.uniform(scale_ranges[0], scale_ranges[1])) if scale_ranges else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = float(rng.uniform(shears[0], shears[1]))
            if len(shears) == 4:
                shear_y = float(rng.uniform(shears[2], shears[3]))
        return angle, (dx, dy), scale, (shear_x, shear_y)

    def __call__(self, image: Any) -> Any:
        _check_image("RandomAffine", image)
        height, width = image.shape[-2:]
        params = self.get_params(
            self.degrees, self.translate, self.scale, self.shear, [width, height]
        )
        angle, translate, scale, shear = params
        return affine(
            image, angle, translate, scale, shear, self.interpolation, self.fill, self.center
        )

    def __repr__(self) -> str:
        return (
            f"RandomAffine(degrees={self.degrees}, translate={self.translate}, "
            f"scale={self.scale}, shear={self.shear}, interpolation={self.interpolation!r}, "
            f"fill={self.fill})"
        )


class RandomRotation:
    """Rotate by ``angle ~ U(degrees)`` degrees counter-clockwise (a number d means (-d, d)), as
    torchvision's ``RandomRotation`` (see ``rotate``); ``fill`` defaults to 0, as there.
    ``expand=True`` is not implemented."""

    def __init__(
        self,
        degrees: float | Sequence[float],
        interpolation: str = "nearest",
        expand: bool = False,
        center: Sequence[float] | None = None,
        fill: float = 0.0,
    ) -> None:
        self.degrees = _degrees("RandomRotation", degrees)
        self.interpolation = check_choice(
            "RandomRotation", "interpolation", interpolation, INTERPOLATIONS
        )
        if check_bool("RandomRotation", "expand", expand):
            raise ValueError("RandomRotation: expand=True is not implemented; the size is kept")
        self.center = None if center is None else _center("RandomRotation", center)
        self.fill = check_number("RandomRotation", "fill", fill)

    @staticmethod
    def get_params(degrees: Sequence[float]) -> float:
        """Draw the angle ``U(degrees[0], degrees[1])``, torchvision's static method."""
        return float(generator().uniform(degrees[0], degrees[1]))

    def __call__(self, image: Any) -> Any:
        _check_image("RandomRotation", image)
        angle = self.get_params(self.degrees)
        return rotate(image, angle, self.interpolation, False, self.center, self.fill)

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees}, interpolation={self.interpolation!r})"


class RandomErasing:
    """With probability ``p``, set a random rectangle to ``value``, as torchvision's
    ``RandomErasing`` (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020).

    The rectangle's area is ``U(scale) * H * W`` and its aspect ratio h / w is
    ``exp(U(log ratio))``, so h = round(sqrt(area * ratio)) and w = round(sqrt(area / ratio));
    its top-left corner is uniform over the places where it fits. A draw with h >= H or w >= W
    is tried again, ten times at most; then the image is left as it is. As in torchvision a draw
    may round h or w to 0, and then nothing is erased. ``value`` is a number, one number per
    channel (a tuple or list of length 1 or C, C the dim before H and W), or ``'random'`` for
    standard normal noise in the rectangle.
    """

    def __init__(
        self,
        p: float = 0.5,
        scale: Sequence[float] = (0.02, 0.33),
        ratio: Sequence[float] = (0.3, 3.3),
        value: float | str | Sequence[float] = 0.0,
        inplace: bool = False,
    ) -> None:
        self.p = check_number("RandomErasing", "p", p, low=0, high=1)
        self.scale = _interval("RandomErasing", "scale", scale, low=0, high=1)
        self.ratio = _interval("RandomErasing", "ratio", ratio, low=0, low_inclusive=False)
        if isinstance(value, str):
            check_choice("RandomErasing", "value", value, ("random",))
        elif isinstance(value, (tuple, list)):
            value = tuple(
                check_number("RandomErasing", f"value[{k}]", v) for k, v in enumerate(value)
            )
            if not value:
                raise ValueError("RandomErasing: value must hold one number per channel")
        else:
            value = check_number("RandomErasing", "value", value)
        self.value = value
        self.inplace = check_bool("RandomErasing", "inplace", inplace)

    @staticmethod
    def get_params(
        img: Any,
        scale: Sequence[float],
        ratio: Sequence[float],
        value: Sequence[float] | None = None,
    ) -> tuple[int, int, int, int, Any]:
        """Draw ``(i, j, h, w, v)`` for ``img``, torchvision's static method: ``v`` is the
        values to write, of shape (C, 1, 1) from ``value`` (one number per channel, or one for
        all), or standard normal noise of the rectangle's shape when ``value`` is None. After
        ten draws that do not fit it returns ``(0, 0, H, W, img)``: the image as it is."""
        rng = generator()
        height, width = img.shape[-2:]
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            area = height * width * float(rng.uniform(scale[0], scale[1]))
            aspect = math.exp(float(rng.uniform(*log_ratio)))
            h, w = round(math.sqrt(area * aspect)), round(math.sqrt(area / aspect))
            if not (h < height and w < width):
                continue
            i = int(rng.integers(0, height - h + 1))
            j = int(rng.integers(0, width - w + 1))
            if value is None:
                noise = rng.standard_normal((*img.shape[:-2], h, w))
                v = _on_device_of(img, noise.astype(img.dtype))
            else:
                values = np.asarray(value, dtype=img.dtype)
                v = _on_device_of(img, values.reshape(-1, 1, 1) if values.size > 1 else values)
            return i, j, h, w, v
        return 0, 0, height, width, img

    def __call__(self, image: Any) -> Any:
        _check_image("RandomErasing", image)
        if generator().uniform() >= self.p:
            return image if self.inplace else image.copy()
        values: tuple[float, ...] | None = None  # None: noise ('random')
        if isinstance(self.value, tuple):
            values = self.value
        elif not isinstance(self.value, str):
            values = (self.value,)
        channels = image.shape[-3] if image.ndim >= 3 else 1
        if values is not None and len(values) not in (1, channels):
            raise ValueError(
                "RandomErasing: if value is a sequence, it should have either a single value "
                f"or {channels} (number of input channels), got {len(values)}"
            )
        i, j, h, w, v = self.get_params(image, self.scale, self.ratio, values)
        if v is image:  # no rectangle fitted: the image as it is
            return image if self.inplace else image.copy()
        return erase(image, i, j, h, w, v, self.inplace)

    def __repr__(self) -> str:
        return (
            f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio}, "
            f"value={self.value!r})"
        )


class GaussianNoise:
    """Add ``mean + sigma * N(0, 1)`` to every pixel, then clip to [0, 1] if ``clip``, as
    torchvision's ``transforms.v2.GaussianNoise`` (inputs are floats in [0, 1])."""

    def __init__(self, mean: float = 0.0, sigma: float = 0.1, clip: bool = True) -> None:
        self.mean = check_number("GaussianNoise", "mean", mean)
        self.sigma = check_number("GaussianNoise", "sigma", sigma, low=0)
        self.clip = check_bool("GaussianNoise", "clip", clip)

    def __call__(self, image: Any) -> Any:
        _check_image("GaussianNoise", image, ndim=1)
        if image.dtype.kind != "f":  # torchvision's gaussian_noise raises a ValueError
            raise ValueError(f"GaussianNoise: the image must be floating point, got {image.dtype}")
        noise = self.mean + self.sigma * generator().standard_normal(image.shape)
        out = image + _on_device_of(image, noise.astype(image.dtype))
        return get_array_module(image).clip(out, 0, 1) if self.clip else out

    def __repr__(self) -> str:
        return f"GaussianNoise(mean={self.mean}, sigma={self.sigma}, clip={self.clip})"


# ---- argument checks ---------------------------------------------------------------------------


def _check_image(owner: str, image: Any, ndim: int = 2) -> None:
    if not (isinstance(image, np.ndarray) or device_of_array(image).xp is not np):
        raise TypeError(
            f"{owner}: expects one sample as a NumPy or CuPy array of shape (..., H, W), got "
            f"{type(image).__name__}"
        )
    if image.ndim < ndim:
        raise ValueError(
            f"{owner}: expects an image of shape (..., H, W), got shape {tuple(image.shape)}"
        )


def _pair(owner: str, name: str, value: Any) -> tuple[Any, Any]:
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{owner}: {name} must be a pair of numbers, got {value!r}")
    return value[0], value[1]


def _interval(owner: str, name: str, value: Any, **bounds: Any) -> tuple[float, float]:
    """A (min, max) pair of numbers within ``bounds``, with min <= max."""
    low, high = _pair(owner, name, value)
    low = check_number(owner, f"{name}[0]", low, **bounds)
    high = check_number(owner, f"{name}[1]", high, **bounds)
    if low > high:
        raise ValueError(f"{owner}: {name} must be (min, max) with min <= max, got {value!r}")
    return low, high


def _degrees(owner: str, degrees: Any) -> tuple[float, float]:
    """A number d as (-d, d), d >= 0; or a (min, max) pair."""
    if isinstance(degrees, Sequence) and not isinstance(degrees, str):
        return _interval(owner, "degrees", degrees)
    d = check_number(owner, "degrees", degrees, low=0)
    return -d, d


def _shear_ranges(shear: Any) -> tuple[float, ...]:
    """RandomAffine's shear: a number s >= 0 as (-s, s), or two or four numbers (torchvision's
    ``_setup_angle(shear, req_sizes=(2, 4))``)."""
    if isinstance(shear, Sequence) and not isinstance(shear, str):
        if len(shear) not in (2, 4):
            raise ValueError(
                f"RandomAffine: shear should be a sequence of length 2 or 4, got {shear!r}"
            )
        return tuple(check_number("RandomAffine", f"shear[{k}]", v) for k, v in enumerate(shear))
    s = check_number("RandomAffine", "shear", shear, low=0)
    return -s, s


def _shear_pair(shear: Any) -> tuple[float, float]:
    """``F.affine``'s shear as (sx, sy): a number s is (s, 0), one number in a sequence (s, s)."""
    if isinstance(shear, numbers.Real) and not isinstance(shear, bool):
        return float(shear), 0.0
    if isinstance(shear, Sequence) and not isinstance(shear, str) and len(shear) in (1, 2):
        values = [check_number("affine", "shear", value) for value in shear]
        return values[0], values[-1]
    raise TypeError(
        f"affine: shear must be a number or a sequence of one or two numbers, got {shear!r}"
    )


def _center(owner: str, center: Any) -> tuple[float, float]:
    x, y = _pair(owner, "center", center)
    return check_number(owner, "center[0]", x), check_number(owner, "center[1]", y)

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
    interpolation: str = "nearest",
    fill: float = 0.0,
    center: Sequence[float] | None = None,
) -> Any:
    """Rotate ``image`` by ``angle`` degrees clockwise, scale it, then shift it by
    ``translate = (dx, dy)`` pixels (dx to the right, dy down), as torchvision's ``F.affine``.

    With x to the right and y down, measured from the centre c of rotation, output pixel p takes
    the input's value at the point that lands on it (the inverse map):

        q = c + R(-angle) (p - c - t) / scale,   R(a) = [[cos a, -sin a], [sin a, cos a]]

    ``nearest`` reads the pixel nearest to q, ``bilinear`` mixes its four neighbours; points
    outside the image read ``fill``. ``center = (x, y)`` is in torchvision's frame, where pixel
    (row i, column j) covers [j, j + 1] x [i, i + 1]; the default is the image's centre.
    """
    height, width = image.shape[-2:]
    # The centre in row/column index units: index j sits at j + 0.5 in torchvision's frame.
    cx, cy = (
        ((width - 1) / 2, (height - 1) / 2)
        if center is None
        else (center[0] - 0.5, center[1] - 0.5)
    )
    a = math.radians(angle)
    rows, cols = _grid(height, width)
    dx, dy = cols - cx - translate[0], rows - cy - translate[1]
    x = cx + (math.cos(a) * dx + math.sin(a) * dy) / scale
    y = cy + (-math.sin(a) * dx + math.cos(a) * dy) / scale
    if interpolation == "nearest":
        return _read(image, np.rint(y), np.rint(x), fill)
    # bilinear: the four neighbours, each weighted by its closeness along x and along y
    x0, y0 = np.floor(x), np.floor(y)
    wx, wy = x - x0, y - y0
    out: Any = 0.0
    for row, col, weight in (
        (y0, x0, (1 - wy) * (1 - wx)),
        (y0, x0 + 1, (1 - wy) * wx),
        (y0 + 1, x0, wy * (1 - wx)),
        (y0 + 1, x0 + 1, wy * wx),
    ):
        out = out + _read(image, row, col, fill) * _on_device_of(image, weight.astype(image.dtype))
    return out.astype(image.dtype)


def rotate(
    image: Any,
    angle: float,
    interpolation: str = "nearest",
    center: Sequence[float] | None = None,
    fill: float = 0.0,
) -> Any:
    """Rotate ``image`` by ``angle`` degrees **counter-clockwise** about ``center``, as
    torchvision's ``F.rotate``: ``affine(image, -angle, (0, 0), 1)``. The size stays the same."""
    return affine(image, -angle, (0.0, 0.0), 1.0, interpolation, fill, center)


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


def _read(image: Any, rows: np.ndarray, cols: np.ndarray, fill: float) -> Any:
    """``image[..., rows, cols]`` for whole-number host coordinates; ``fill`` outside the image."""
    height, width = image.shape[-2:]
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
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
    """A random rotation, shift and scaling, as torchvision's ``RandomAffine`` (see ``affine``).

    Per call: ``angle ~ U(degrees)`` (clockwise; a number d means (-d, d)); with
    ``translate = (a, b)``, ``dx = round(U(-a W, a W))`` and ``dy = round(U(-b H, b H))`` whole
    pixels; ``scale ~ U(scale)`` (1 if None). For an 8x8 digit, ``translate=(0.25, 0.25)`` shifts
    by up to two pixels each way. torchvision's ``shear`` is not implemented (only None).
    """

    def __init__(
        self,
        degrees: float | Sequence[float],
        translate: Sequence[float] | None = None,
        scale: Sequence[float] | None = None,
        shear: Any = None,
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
        if shear is not None:
            raise ValueError(f"RandomAffine: shear is not implemented in minigrad, got {shear!r}")
        self.interpolation = check_choice(
            "RandomAffine", "interpolation", interpolation, INTERPOLATIONS
        )
        self.fill = check_number("RandomAffine", "fill", fill)
        self.center = None if center is None else _center("RandomAffine", center)

    def get_params(self, image_size: tuple[int, int]) -> tuple[float, tuple[int, int], float]:
        """Draw (angle, (dx, dy), scale) for an image of size (H, W), in torchvision's order."""
        rng = generator()
        angle = float(rng.uniform(*self.degrees))
        dx = dy = 0
        if self.translate is not None:
            height, width = image_size
            dx = round(float(rng.uniform(-1, 1)) * self.translate[0] * width)
            dy = round(float(rng.uniform(-1, 1)) * self.translate[1] * height)
        scale = float(rng.uniform(*self.scale)) if self.scale is not None else 1.0
        return angle, (dx, dy), scale

    def __call__(self, image: Any) -> Any:
        _check_image("RandomAffine", image)
        angle, translate, scale = self.get_params(image.shape[-2:])
        return affine(image, angle, translate, scale, self.interpolation, self.fill, self.center)

    def __repr__(self) -> str:
        return (
            f"RandomAffine(degrees={self.degrees}, translate={self.translate}, "
            f"scale={self.scale}, interpolation={self.interpolation!r}, fill={self.fill})"
        )


class RandomRotation:
    """Rotate by ``angle ~ U(degrees)`` degrees counter-clockwise (a number d means (-d, d)), as
    torchvision's ``RandomRotation`` (see ``rotate``). ``expand=True`` is not implemented."""

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

    def __call__(self, image: Any) -> Any:
        _check_image("RandomRotation", image)
        angle = float(generator().uniform(*self.degrees))
        return rotate(image, angle, self.interpolation, self.center, self.fill)

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees}, interpolation={self.interpolation!r})"


class RandomErasing:
    """With probability ``p``, set a random rectangle to ``value``, as torchvision's
    ``RandomErasing`` (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020).

    The rectangle's area is ``U(scale) * H * W`` and its aspect ratio h / w is
    ``exp(U(log ratio))``, so h = round(sqrt(area * ratio)) and w = round(sqrt(area / ratio));
    its top-left corner is uniform over the places where it fits. A draw that does not fit is
    tried again, ten times at most; then the image is left as it is. ``value`` is a number, or
    ``'random'`` for standard normal noise in the rectangle.
    """

    def __init__(
        self,
        p: float = 0.5,
        scale: Sequence[float] = (0.02, 0.33),
        ratio: Sequence[float] = (0.3, 3.3),
        value: float | str = 0.0,
        inplace: bool = False,
    ) -> None:
        self.p = check_number("RandomErasing", "p", p, low=0, high=1)
        self.scale = _interval("RandomErasing", "scale", scale, low=0, high=1)
        self.ratio = _interval("RandomErasing", "ratio", ratio, low=0, low_inclusive=False)
        if isinstance(value, str):
            check_choice("RandomErasing", "value", value, ("random",))
        else:
            value = check_number("RandomErasing", "value", value)
        self.value = value
        self.inplace = check_bool("RandomErasing", "inplace", inplace)

    def get_params(self, image_size: tuple[int, int]) -> tuple[int, int, int, int] | None:
        """Draw the rectangle (i, j, h, w) for an image of size (H, W), or None: no erasing."""
        rng = generator()
        if rng.uniform() >= self.p:
            return None
        height, width = image_size
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            area = height * width * float(rng.uniform(*self.scale))
            aspect = math.exp(float(rng.uniform(*log_ratio)))
            h, w = round(math.sqrt(area * aspect)), round(math.sqrt(area / aspect))
            if 0 < h < height and 0 < w < width:
                i = int(rng.integers(0, height - h + 1))
                j = int(rng.integers(0, width - w + 1))
                return i, j, h, w
        return None

    def __call__(self, image: Any) -> Any:
        _check_image("RandomErasing", image)
        box = self.get_params(image.shape[-2:])
        if box is None:
            return image if self.inplace else image.copy()
        i, j, h, w = box
        value: Any = image.dtype.type(self.value) if self.value != "random" else None
        if value is None:
            noise = generator().standard_normal((*image.shape[:-2], h, w))
            value = _on_device_of(image, noise.astype(image.dtype))
        return erase(image, i, j, h, w, value, self.inplace)

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
        if image.dtype.kind != "f":
            raise TypeError(f"GaussianNoise: the image must be floating point, got {image.dtype}")
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


def _center(owner: str, center: Any) -> tuple[float, float]:
    x, y = _pair(owner, "center", center)
    return check_number(owner, "center[0]", x), check_number(owner, "center[1]", y)

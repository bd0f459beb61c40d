"""PyTorch layers a learner reaches for that are a few existing ops each: the padding modules
(over ``F.pad``), RMSNorm, Bilinear, PixelShuffle/PixelUnshuffle, the Fold/Unfold modules,
adaptive max pooling, 1-d adaptive average pooling and power-average (LP) pooling.

The functions (``F.rms_norm``, ``F.bilinear``, ...) are re-exported by
``minigrad.nn.functional``, the modules by ``minigrad.nn``; names, signatures, defaults and
reprs are PyTorch's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..backend import Device
from ..checks import check_bool, check_int, check_number
from ..ops.reduction import first_max
from ..random import random_bits
from ..tensor import Tensor, get_default_dtype, is_floating_dtype
from . import init
from .functional import (
    _batched,
    _maybe_in_place,
    _output_pair,
    _same_device,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    fold,
    pad,
    relu,
    unfold,
)
from .layers import empty_parameter
from .module import Module

__all__ = [
    "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "Bilinear", "CircularPad1d",
    "CircularPad2d", "ConstantPad1d", "ConstantPad2d", "Fold", "LPPool1d", "LPPool2d",
    "PixelShuffle", "PixelUnshuffle", "RMSNorm", "ReflectionPad1d", "ReflectionPad2d",
    "ReplicationPad1d", "ReplicationPad2d", "Unfold", "ZeroPad1d", "ZeroPad2d",
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d", "bilinear",
    "lp_pool1d", "lp_pool2d", "pixel_shuffle", "pixel_unshuffle", "rms_norm",
]  # fmt: skip
__all__ += [
    "AlphaDropout", "LocalResponseNorm", "RReLU", "alpha_dropout", "local_response_norm", "rrelu",
]  # fmt: skip


# ---- padding modules ----------------------------------------------------------------------------
class _PadNd(Module):
    """``F.pad`` with a fixed ``padding`` (an int for every side, or one amount per side,
    last dim first: (left, right) or (left, right, top, bottom)) and ``mode``."""

    mode = "constant"
    sides = 2

    def __init__(self, padding: int | Sequence[int], value: float | None = None) -> None:
        super().__init__()
        owner = type(self).__name__
        if isinstance(padding, (tuple, list)):
            if len(padding) != self.sides:
                raise ValueError(
                    f"{owner}: padding must be an int or {self.sides} ints, got {padding!r}"
                )
            amounts = tuple(check_int(owner, "padding", n) for n in padding)
        else:
            amounts = (check_int(owner, "padding", padding),) * self.sides
        self.padding = amounts
        if value is not None:
            self.value = check_number(owner, "value", value, allow_inf=True)

    def forward(self, input: Tensor) -> Tensor:
        if self.mode == "constant":
            return pad(input, self.padding, "constant", getattr(self, "value", 0.0))
        return pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_PadNd):
    """Pads the last dim with zeros: ``padding`` an int or (left, right)."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding)


class ZeroPad2d(_PadNd):
    """Pads the last two dims with zeros: ``padding`` an int or (left, right, top, bottom)."""

    sides = 4

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding)


class ConstantPad1d(_PadNd):
    """Pads the last dim with ``value``: ``padding`` an int or (left, right)."""

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding, value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    """Pads the last two dims with ``value``: ``padding`` an int or (left, right, top,
    bottom)."""

    sides = 4


class ReflectionPad1d(_PadNd):
    """Pads the last dim with its mirror image, the edge not repeated (each pad < the size)."""

    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Pads the last two dims with their mirror image, the edge not repeated."""

    sides = 4


class ReplicationPad1d(_PadNd):
    """Pads the last dim by repeating its edge values."""

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Pads the last two dims by repeating their edge values."""

    sides = 4


class CircularPad1d(_PadNd):
    """Pads the last dim by wrapping around: the left pad is copied from the right end."""

    mode = "circular"


class CircularPad2d(CircularPad1d):
    """Pads the last two dims by wrapping around (a torus)."""

    sides = 4


# ---- RMSNorm ------------------------------------------------------------------------------------
def _shape_tuple(normalized_shape: Any, owner: str) -> tuple[int, ...]:
    shape = (normalized_shape,) if not isinstance(normalized_shape, Sequence) else normalized_shape
    shape = tuple(check_int(owner, "normalized_shape", n, low=1) for n in shape)
    if not shape:
        raise ValueError(f"{owner}: normalized_shape must name at least one dim, got ()")
    return shape


def rms_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """Root-mean-square normalisation (Zhang & Sennrich 2019, "Root Mean Square Layer
    Normalization") over the last dims, ``normalized_shape``:

        y = x / sqrt(mean(x^2) + eps) * weight

    Layer norm without the centring and the bias. ``eps`` None is the machine epsilon of the
    input's dtype, as in PyTorch.
    """
    shape = _shape_tuple(normalized_shape, "rms_norm")
    if input.ndim < len(shape) or input.shape[input.ndim - len(shape) :] != shape:
        raise ValueError(
            f"rms_norm: the input's last dims must be normalized_shape {shape}, got input shape "
            f"{input.shape}"
        )
    _same_device(input, "rms_norm", weight=weight)
    if weight is not None and weight.shape != shape:
        raise ValueError(f"rms_norm: weight must have shape {shape}, got {weight.shape}")
    if input.dtype.kind != "f":
        input = input.astype(get_default_dtype())
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    eps = check_number("rms_norm", "eps", eps, low=0)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * ((input * input).mean(axis=axes, keepdims=True) + eps).rsqrt()
    return out if weight is None else out * weight


class RMSNorm(Module):
    """RMS normalisation over the last dims (see ``F.rms_norm``), with a ``weight`` of
    ``normalized_shape`` starting at ones when ``elementwise_affine``; no bias, as in PyTorch."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape, "RMSNorm")
        self.eps = None if eps is None else check_number("RMSNorm", "eps", eps, low=0)
        self.elementwise_affine = check_bool("RMSNorm", "elementwise_affine", elementwise_affine)
        if elementwise_affine:
            self.weight = init.ones_(empty_parameter(self.normalized_shape, device, dtype))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


# ---- Bilinear -----------------------------------------------------------------------------------
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., k] = sum_ij x1[..., i] A[k, i, j] x2[..., j] + b[k], for a weight A of shape
    (out, in1, in2): x1 times A is one matrix product, (..., in1) @ (in1, out*in2), whose rows
    are then dotted with x2. The leading dims of the two inputs must match."""
    _same_device(input1, "bilinear", input2=input2, weight=weight, bias=bias)
    if weight.ndim != 3:
        raise ValueError(f"bilinear: weight must be (out, in1, in2), got shape {weight.shape}")
    out, in1, in2 = weight.shape
    if input1.shape[-1:] != (in1,) or input2.shape[-1:] != (in2,):
        raise ValueError(
            f"bilinear: inputs must end in {in1} and {in2} features for a weight of shape "
            f"{weight.shape}, got shapes {input1.shape} and {input2.shape}"
        )
    if input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(
            f"bilinear: the inputs' leading dims must match, got shapes {input1.shape} and "
            f"{input2.shape}"
        )
    if bias is not None and bias.shape != (out,):
        raise ValueError(f"bilinear: bias must have shape ({out},), got {bias.shape}")
    mixed = input1 @ weight.permute(1, 0, 2).reshape(in1, out * in2)  # (..., out * in2)
    mixed = mixed.reshape(input1.shape[:-1] + (out, in2))
    y = (mixed * input2.unsqueeze(-2)).sum(axis=-1)
    return y if bias is None else y + bias


class Bilinear(Module):
    """y = x1^T A x2 + b (see ``F.bilinear``), with a learned ``weight`` A (out_features,
    in1_features, in2_features) and ``bias`` b (out_features,).

    Initialised as PyTorch does: both U(-1/sqrt(in1_features), 1/sqrt(in1_features)).
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = check_int("Bilinear", "in1_features", in1_features, low=1)
        self.in2_features = check_int("Bilinear", "in2_features", in2_features, low=1)
        self.out_features = check_int("Bilinear", "out_features", out_features, low=1)
        shape = (self.out_features, self.in1_features, self.in2_features)
        self.weight = empty_parameter(shape, device, dtype)
        if check_bool("Bilinear", "bias", bias):
            self.bias = empty_parameter((self.out_features,), device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


# ---- PixelShuffle -------------------------------------------------------------------------------
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r) (Shi et al. 2016, "Real-Time Single Image and Video
    Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural Network"): channel
    c r^2 + i r + j becomes the pixel at offset (i, j) of each r-by-r block of channel c."""
    r = check_int("pixel_shuffle", "upscale_factor", upscale_factor, low=1)
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise ValueError(
            f"pixel_shuffle: input must be (*, C*{r}^2, H, W) with channels divisible by "
            f"upscale_factor^2 = {r * r}, got shape {input.shape}"
        )
    *lead, channels, height, width = input.shape
    c, k = channels // (r * r), len(lead)
    blocks = input.reshape((*lead, c, r, r, height, width))
    blocks = blocks.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)  # (*, C, H, r, W, r)
    return blocks.reshape((*lead, c, height * r, width * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of ``pixel_shuffle``."""
    r = check_int("pixel_unshuffle", "downscale_factor", downscale_factor, low=1)
    if input.ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise ValueError(
            f"pixel_unshuffle: input must be (*, C, H, W) with H and W divisible by "
            f"downscale_factor = {r}, got shape {input.shape}"
        )
    *lead, c, height, width = input.shape
    k = len(lead)
    blocks = input.reshape((*lead, c, height // r, r, width // r, r))
    blocks = blocks.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)  # (*, C, r, r, H, W)
    return blocks.reshape((*lead, c * r * r, height // r, width // r))


class PixelShuffle(Module):
    """Channels to space: (*, C r^2, H, W) -> (*, C, H r, W r) (see ``F.pixel_shuffle``)."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = check_int("PixelShuffle", "upscale_factor", upscale_factor, low=1)

    def forward(self, input: Tensor) -> Tensor:
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Space to channels: (*, C, H r, W r) -> (*, C r^2, H, W) (see ``F.pixel_unshuffle``)."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = check_int(
            "PixelUnshuffle", "downscale_factor", downscale_factor, low=1
        )

    def forward(self, input: Tensor) -> Tensor:
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


# ---- Fold / Unfold ------------------------------------------------------------------------------
class Fold(Module):
    """``F.fold`` as a module: (N, C kh kw, L) columns added back into (N, C, H, W)."""

    def __init__(
        self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
        stride: Any = 1,
    ) -> None:  # fmt: skip
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )


class Unfold(Module):
    """``F.unfold`` as a module: (N, C, H, W) -> (N, C kh kw, L), one column per window."""

    def __init__(
        self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
    ) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = (
            kernel_size, dilation, padding, stride,
        )  # fmt: skip

    def forward(self, input: Tensor) -> Tensor:
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )


# ---- adaptive pooling ---------------------------------------------------------------------------
def _one(value: Any, op: str) -> Any:
    """A 1-d pool's output size: an int, a 1-tuple of one, or None (keep the input's)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{op}: output_size must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    return value


def _as_1d(input: Tensor, op: str) -> Tensor:
    if input.ndim not in (2, 3):
        raise ValueError(f"{op}: input must be (N, C, L) or (C, L), got shape {input.shape}")
    return input.unsqueeze(-2)  # a 1-d pool is a 2-d one of height 1


def adaptive_avg_pool1d(input: Tensor, output_size: int | tuple[int]) -> Tensor:
    """Average pooling of (N, C, L) to a fixed length: out[i] is the mean of
    x[floor(i L / O) : ceil((i + 1) L / O)] (``adaptive_avg_pool2d`` of height 1)."""
    op = "adaptive_avg_pool1d"
    size = check_int(op, "output_size", _one(output_size, op), low=1)
    return adaptive_avg_pool2d(_as_1d(input, op), (1, size)).squeeze(-2)


def _adaptive_index(size: int, out: int) -> tuple[np.ndarray, int]:
    """(out, longest) indices of each adaptive window [floor(i size / out), ceil((i + 1)
    size / out)), the shorter ones padded by repeating their last index (a repeat changes no
    maximum, and the first maximum is still the earliest cell)."""
    starts = (np.arange(out) * size) // out
    ends = -((-(np.arange(out) + 1) * size) // out)
    longest = int((ends - starts).max())
    index = np.minimum(starts[:, None] + np.arange(longest), ends[:, None] - 1)
    return index, longest


def adaptive_max_pool2d(
    input: Tensor, output_size: int | tuple[int | None, int | None], return_indices: bool = False
) -> Any:
    """Max pooling to a fixed output size (OH, OW): out[i, j] is the largest x[h, w] over
    h in [floor(i H / OH), ceil((i + 1) H / OH)) and w likewise, the windows of
    ``adaptive_avg_pool2d``. The gradient goes to the first maximum of each window, in
    row-major order, as in PyTorch; ``return_indices`` also returns its flat index h W + w."""
    op = "adaptive_max_pool2d"
    check_bool(op, "return_indices", return_indices)
    input, unbatched = _batched(input, op)
    height, width = input.shape[2:]
    if height == 0 or width == 0:
        raise ValueError(f"{op}: input of shape {input.shape} has no pixels to pool")
    out_h, out_w = _output_pair(output_size, (height, width), op)
    rows, kh = _adaptive_index(height, out_h)
    cols, kw = _adaptive_index(width, out_w)
    xp = input.xp
    r, c = xp.asarray(rows[:, None, :, None]), xp.asarray(cols[None, :, None, :])
    windows = input[:, :, r, c]  # (N, C, OH, OW, kh, kw)
    windows = windows.reshape(input.shape[:2] + (out_h, out_w, kh * kw))
    out = first_max(windows, -1)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    first = xp.argmax(windows.data, axis=-1)  # argmax picks the first of equal values
    flat = xp.asarray(rows[:, None, :, None] * width + cols[None, :, None, :])
    flat = xp.broadcast_to(flat, (out_h, out_w, kh, kw)).reshape(out_h, out_w, kh * kw)
    picked = xp.take_along_axis(
        xp.broadcast_to(flat, first.shape + (kh * kw,)), first[..., None], axis=-1
    )[..., 0].astype(np.int64)
    indices = Tensor._wrap(picked[0] if unbatched else picked, input.device)
    return out, indices


def adaptive_max_pool1d(
    input: Tensor, output_size: int | tuple[int], return_indices: bool = False
) -> Any:
    """Max pooling of (N, C, L) to a fixed length, over the windows of
    ``adaptive_avg_pool1d``; ``return_indices`` also returns each maximum's position in L."""
    op = "adaptive_max_pool1d"
    size = check_int(op, "output_size", _one(output_size, op), low=1)
    result = adaptive_max_pool2d(_as_1d(input, op), (1, size), return_indices)
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


class AdaptiveAvgPool1d(Module):
    """Average pooling of (N, C, L) to a fixed length (see ``F.adaptive_avg_pool1d``)."""

    def __init__(self, output_size: int | tuple[int]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPool(Module):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = check_bool(type(self).__name__, "return_indices", return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPool):
    """Max pooling of (N, C, L) to a fixed length (see ``F.adaptive_max_pool1d``)."""

    def forward(self, input: Tensor) -> Any:
        return adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPool):
    """Max pooling to a fixed output size, None keeping that input size (see
    ``F.adaptive_max_pool2d``)."""

    def forward(self, input: Tensor) -> Any:
        return adaptive_max_pool2d(input, self.output_size, self.return_indices)


# ---- power-average pooling ----------------------------------------------------------------------
def _lp_finish(out: Tensor, cells: int, norm_type: float) -> Tensor:
    """PyTorch's last step: (sign(a) relu(|a|) * cells)^(1/p) of the window averages a."""
    return (out.sign() * relu(out.abs()) * float(cells)) ** (1.0 / norm_type)


def lp_pool2d(
    input: Tensor,
    norm_type: float,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling: out = (sum over the window of x^p)^(1/p), p = ``norm_type``
    (p = 1: sum pooling; p -> inf: max pooling). Computed as PyTorch does, from the average
    pool of x^p times the window's cell count, so a partial ``ceil_mode`` window counts as
    full and x^p of a negative x with fractional p is NaN."""
    norm_type = check_number("lp_pool2d", "norm_type", norm_type, low=0, low_inclusive=False)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    out = avg_pool2d(input**norm_type, kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, kh * kw, norm_type)


def lp_pool1d(
    input: Tensor,
    norm_type: float,
    kernel_size: int,
    stride: int | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling along the last dim: (sum over the window of x^p)^(1/p); see
    ``lp_pool2d``."""
    norm_type = check_number("lp_pool1d", "norm_type", norm_type, low=0, low_inclusive=False)
    size = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
    out = avg_pool1d(input**norm_type, kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, check_int("lp_pool1d", "kernel_size", size, low=1), norm_type)


class _LPPool(Module):
    def __init__(
        self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self.norm_type = norm_type
        check_number(owner, "norm_type", norm_type, low=0, low_inclusive=False)
        self.kernel_size, self.stride = kernel_size, stride
        self.ceil_mode = check_bool(owner, "ceil_mode", ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPool):
    """Power-average pooling along the last dim (see ``F.lp_pool1d``)."""

    def forward(self, input: Tensor) -> Tensor:
        return lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPool):
    """Power-average pooling over the last two dims (see ``F.lp_pool2d``)."""

    def forward(self, input: Tensor) -> Tensor:
        return lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


# ---- randomized leaky ReLU, alpha dropout, local response normalization ------------------------
def _uniform(input: Tensor) -> Any:
    """U[0, 1) of the input's shape, made on its device from ``random_bits`` (53 bits each),
    in float64; nothing crosses from the host but the generator's one key."""
    bits = random_bits(input.xp, input.shape)
    return (bits >> np.uint64(11)).astype(np.float64) * (1.0 / 2.0**53)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomized leaky ReLU (Xu et al. 2015): x where x > 0, else a * x. In training each
    element's slope a is drawn from U(lower, upper) (minigrad's generator, on the input's
    device); otherwise a = (lower + upper) / 2. The slope is a constant of the graph, so the
    gradient is 1 where x > 0 and the slope used elsewhere, as PyTorch's."""
    op = "rrelu"
    lower = check_number(op, "lower", lower)
    upper = check_number(op, "upper", upper)
    if lower > upper:
        raise ValueError(f"{op}: lower bound {lower} must be at most upper bound {upper}")
    check_bool(op, "training", training)
    if not is_floating_dtype(input.dtype):
        raise TypeError(f"{op}: input must be a float tensor, got {input.dtype}")
    xp = input.xp

    def compute(x: Tensor) -> Tensor:
        if training:
            slope = (lower + (upper - lower) * _uniform(x)).astype(x.dtype)
        else:
            slope = x.dtype.type((lower + upper) / 2)
        factor = xp.where(x.data > 0, x.dtype.type(1), slope).astype(x.dtype)
        return x * Tensor._wrap(factor, x.device)

    return _maybe_in_place(input, inplace, op, compute)


class RReLU(Module):
    """Randomized leaky ReLU (see ``F.rrelu``): random negative slopes in training."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = check_bool("RReLU", "inplace", inplace)

    def forward(self, input: Tensor) -> Tensor:
        return rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace}"


# SELU's alpha * scale: the value SELU saturates to at -inf, which dropped units are set to.
_SELU_SATURATION = 1.7580993408473766


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Dropout that keeps SELU's zero mean and unit variance (Klambauer et al. 2017), as
    PyTorch's: each unit is kept with probability 1 - p; with alpha' = 1.7580993408473766 and
    a = ((1 - p) (1 + p alpha'^2))^(-1/2), a kept x becomes a x + a alpha' p and a dropped one
    a alpha' (p - 1). The mask is drawn on the input's device as ``dropout``'s; p = 1 gives
    zeros. The gradient is a where kept, 0 where dropped."""
    op = "alpha_dropout"
    p = check_number(op, "p", p, low=0, high=1)
    check_bool(op, "training", training)
    if not training or p == 0.0:
        return input

    def compute(x: Tensor) -> Tensor:
        if p == 1.0:
            return x * Tensor._wrap(x.xp.zeros((), dtype=x.dtype), x.device)
        keep = random_bits(x.xp, x.shape) >= np.uint64(min(int(p * 2.0**64), 2**64 - 1))
        a = 1.0 / math.sqrt((_SELU_SATURATION**2 * p + 1) * (1 - p))
        scale = keep.astype(x.dtype) * x.dtype.type(a)
        shift = (keep.astype(x.dtype) - 1) * x.dtype.type(_SELU_SATURATION * a) + x.dtype.type(
            _SELU_SATURATION * a * p
        )
        return x * Tensor._wrap(scale, x.device) + Tensor._wrap(shift, x.device)

    return _maybe_in_place(input, inplace, op, compute)


class AlphaDropout(Module):
    """Dropout for SELU networks (see ``F.alpha_dropout``); the identity in eval mode."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = check_number("AlphaDropout", "p", p, low=0, high=1)
        self.inplace = check_bool("AlphaDropout", "inplace", inplace)

    def forward(self, input: Tensor) -> Tensor:
        return alpha_dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """Local response normalization across channels (Krizhevsky et al. 2012), PyTorch's form:

        out[n, c] = x[n, c] / (k + alpha / size * sum of x[n, j]^2 over j in
                    [c - size // 2, c + (size - 1) // 2]) ^ beta

    channels beyond the ends counting as zeros (the sum is always divided by ``size``). Input
    (N, C, *), at least 3-d. Built from differentiable ops (slices of the zero-padded squares).
    """
    op = "local_response_norm"
    size = check_int(op, "size", size, low=1)
    if input.ndim < 3:
        raise ValueError(
            f"{op}: expected 3D or higher dimensionality input (got {input.ndim} dimensions)"
        )
    if input.size == 0:
        return input
    channels = input.shape[1]
    widths = [(0, 0)] * input.ndim
    widths[1] = (size // 2, (size - 1) // 2)
    squares = pad(input * input, tuple(n for pair in reversed(widths[1:]) for n in pair))
    total = squares[:, 0:channels]
    for j in range(1, size):
        total = total + squares[:, j : j + channels]
    return input / (total * (alpha / size) + k) ** beta


class LocalResponseNorm(Module):
    """Local response normalization across channels (see ``F.local_response_norm``)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"

"""Convolution and pooling layers. The computation (im2col, one matrix product) is in
``minigrad.nn.functional.conv2d``; the windows themselves in ``minigrad.ops.conv``."""

from __future__ import annotations

from typing import Any

from ..backend import Device
from ..checks import check_bool, check_choice, check_int
from ..ops.conv import as_padding, as_pair, as_single, as_triple
from ..tensor import Tensor
from . import functional as F
from .layers import add_weight_and_bias, default_init_, empty_parameter
from .module import Module

Size = int | tuple[int, int]


class Conv2d(Module):
    """2-D convolution of (N, in_channels, H, W) input with a learned (out_channels,
    in_channels, kh, kw) weight and an (out_channels,) bias; see ``F.conv2d``.

    Initialised as PyTorch does: weight ~ kaiming_uniform(a=sqrt(5)), i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels*kh*kw, and the bias the same.
    ``padding`` may be an int, a pair, 'valid' or 'same'. With ``groups`` g the weight is
    (out_channels, in_channels/g, kh, kw), and both channel counts must be divisible by g.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Size,
        stride: Size = 1,
        padding: Size | str = 0,
        dilation: Size = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.padding_mode = check_choice("Conv2d", "padding_mode", padding_mode, PADDING_MODES)
        self.groups = _check_groups("Conv2d", in_channels, out_channels, groups)
        self.kernel_size = as_pair(kernel_size, "kernel_size", "Conv2d", minimum=1)
        self.stride = as_pair(stride, "stride", "Conv2d", minimum=1)
        self.dilation = as_pair(dilation, "dilation", "Conv2d", minimum=1)
        as_padding(padding, self.kernel_size, self.stride, self.dilation, "Conv2d")  # checks it
        if not isinstance(padding, str):
            padding = as_pair(padding, "padding", "Conv2d", minimum=0)
        self.padding = padding
        shape = (out_channels, in_channels // self.groups, *self.kernel_size)
        add_weight_and_bias(self, shape, bias, device, dtype)

    def reset_parameters(self) -> None:
        default_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode != "zeros":
            amounts = _pad_amounts(self.padding, self.kernel_size, self.dilation)
            return F.conv2d(
                F.pad(input, amounts, mode=self.padding_mode),
                self.weight, self.bias, self.stride, 0, self.dilation, self.groups,
            )  # fmt: skip
        return F.conv2d(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0, 0):  # PyTorch shows a string padding too, unquoted
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        text += "" if self.bias is not None else ", bias=False"
        return text + (
            f", padding_mode={self.padding_mode}" if self.padding_mode != "zeros" else ""
        )


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _pad_amounts(
    padding: Any, kernel_size: tuple[int, ...], dilation: tuple[int, ...]
) -> list[int]:
    """What a convolution with a ``padding_mode`` other than 'zeros' pads its input by, in
    ``F.pad``'s order (last dim first, before then after), as PyTorch's convolution modules
    compute it: ``padding`` on both sides of each dim; for 'same', d*(k-1) in all, half before
    (rounded down) and the rest after; for 'valid', nothing. The convolution then pads no more.
    """
    amounts: list[int] = []
    for position in reversed(range(len(kernel_size))):
        if padding == "same":
            total = dilation[position] * (kernel_size[position] - 1)
            amounts += [total // 2, total - total // 2]
        elif padding == "valid":
            amounts += [0, 0]
        else:
            amounts += [padding[position]] * 2
    return amounts


def _check_groups(owner: str, in_channels: int, out_channels: int, groups: int) -> int:
    """``groups`` as an int >= 1 that divides both channel counts (PyTorch's rule). The counts
    themselves are checked with the weight's shape (``add_weight_and_bias``)."""
    groups = check_int(owner, "groups", groups, low=1)
    for name, count in (("in_channels", in_channels), ("out_channels", out_channels)):
        if isinstance(count, int) and count > 0 and count % groups:
            raise ValueError(f"{owner}: {name} ({count}) must be divisible by groups ({groups})")
    return groups


class Conv1d(Module):
    """1-D convolution of (N, in_channels, L) input with a learned (out_channels,
    in_channels/groups, k) weight and an (out_channels,) bias; see ``F.conv1d``. Initialised
    as PyTorch does (as ``Conv2d``, with fan_in = in_channels/groups * k)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] = 1,
        padding: int | tuple[int] | str = 0,
        dilation: int | tuple[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.padding_mode = check_choice("Conv1d", "padding_mode", padding_mode, PADDING_MODES)
        self.groups = _check_groups("Conv1d", in_channels, out_channels, groups)

        self.kernel_size = (as_single(kernel_size, "kernel_size", "Conv1d", minimum=1),)
        self.stride = (as_single(stride, "stride", "Conv1d", minimum=1),)
        self.dilation = (as_single(dilation, "dilation", "Conv1d", minimum=1),)
        if isinstance(padding, str):
            as_padding(
                padding, (1, *self.kernel_size), (1, *self.stride), (1, *self.dilation), "Conv1d"
            )  # checks it
            self.padding: Any = padding
        else:
            self.padding = (as_single(padding, "padding", "Conv1d", minimum=0),)
        shape = (out_channels, in_channels // self.groups, *self.kernel_size)
        add_weight_and_bias(self, shape, bias, device, dtype)

    def reset_parameters(self) -> None:
        default_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode != "zeros":
            amounts = _pad_amounts(self.padding, self.kernel_size, self.dilation)
            return F.conv1d(
                F.pad(input, amounts, mode=self.padding_mode),
                self.weight, self.bias, self.stride, 0, self.dilation, self.groups,
            )  # fmt: skip
        return F.conv1d(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,):  # PyTorch shows a string padding too, unquoted
            text += f", padding={self.padding}"
        if self.dilation != (1,):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        text += "" if self.bias is not None else ", bias=False"
        return text + (
            f", padding_mode={self.padding_mode}" if self.padding_mode != "zeros" else ""
        )


class _MaxPoolNd(Module):
    """The largest value of each window, by ``pool`` (``F.max_pool1d``, ``2d`` or ``3d``: all
    the subclasses differ in); the stride defaults to the kernel, as in PyTorch."""

    pool: Any  # the functional form, a class attribute of each subclass

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = check_bool(name, "return_indices", return_indices)
        self.ceil_mode = check_bool(name, "ceil_mode", ceil_mode)

    def forward(self, input: Tensor) -> Any:
        return type(self).pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """The largest value of each window along the last dim (see ``F.max_pool1d``)."""

    pool = F.max_pool1d


class MaxPool2d(_MaxPoolNd):
    """The largest value of each window (see ``F.max_pool2d``); stride defaults to the kernel."""

    pool = F.max_pool2d


class MaxPool3d(_MaxPoolNd):
    """The largest value of each 3-d window (see ``F.max_pool3d``); stride defaults to the
    kernel."""

    pool = F.max_pool3d

    def __init__(self, kernel_size: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(kernel_size, *args, **kwargs)
        if self.return_indices:  # refused when the layer is built, not at its first call
            raise NotImplementedError(
                "MaxPool3d: return_indices=True is not supported in minigrad (there is no "
                "max_unpool to use the indices with)"
            )


class _AvgPoolNd(Module):
    """The mean of each window, by ``pool`` (``F.avg_pool2d`` or ``3d``); the stride defaults
    to the kernel. (``AvgPool1d`` has no ``divisor_override``, as in PyTorch.)"""

    pool: Any  # the functional form, a class attribute of each subclass

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = check_bool(name, "ceil_mode", ceil_mode)
        self.count_include_pad = check_bool(name, "count_include_pad", count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return type(self).pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """The mean of each window (see ``F.avg_pool2d``); stride defaults to the kernel."""

    pool = F.avg_pool2d


class AvgPool3d(_AvgPoolNd):
    """The mean of each 3-d window (see ``F.avg_pool3d``); stride defaults to the kernel."""

    pool = F.avg_pool3d


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (see ``F.adaptive_avg_pool2d``); an entry of
    ``output_size`` may be None to keep that input size."""

    def __init__(self, output_size: int | tuple[int | None, int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class ConvTranspose2d(Module):
    """Transposed 2-D convolution (see ``F.conv_transpose2d``) with a learned (in_channels,
    out_channels/groups, kh, kw) weight, as PyTorch lays it out, and an (out_channels,) bias.

    Initialised as PyTorch does: kaiming_uniform(a=sqrt(5)) on that weight, whose fan_in is
    then out_channels/groups * kh * kw, and the bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Size,
        stride: Size = 1,
        padding: Size = 0,
        output_padding: Size = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Size = 1,
        padding_mode: str = "zeros",
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "ConvTranspose2d"
        if padding_mode != "zeros":  # PyTorch's rule too: the padding is cropped, not added
            raise ValueError(
                f"{owner}: padding_mode must be 'zeros' for a transposed convolution, "
                f"got {padding_mode!r}"
            )
        self.padding_mode = padding_mode
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = _check_groups(owner, in_channels, out_channels, groups)
        self.kernel_size = as_pair(kernel_size, "kernel_size", owner, minimum=1)
        self.stride = as_pair(stride, "stride", owner, minimum=1)
        self.padding = as_pair(padding, "padding", owner, minimum=0)
        self.output_padding = as_pair(output_padding, "output_padding", owner, minimum=0)
        self.dilation = as_pair(dilation, "dilation", owner, minimum=1)
        if any(extra >= step for extra, step in zip(self.output_padding, self.stride)):
            raise ValueError(
                f"{owner}: output_padding {self.output_padding} must be smaller than stride "
                f"{self.stride}"
            )
        shape = (in_channels, out_channels // self.groups, *self.kernel_size)
        # add_weight_and_bias gives the bias one value per weight row; here rows are inputs
        add_weight_and_bias(self, shape, False, device, dtype)
        if bias:
            self.bias = empty_parameter((out_channels,), device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        default_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.conv_transpose2d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Upsample(Module):
    """Resize by ``size`` or ``scale_factor`` with ``F.interpolate`` (its modes: 'nearest',
    'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact')."""

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        # Stored as floats, as PyTorch's (its repr shows scale_factor=2.0).
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            shown = f"scale_factor={self.scale_factor!r}"
        else:
            shown = f"size={self.size!r}"
        return f"{shown}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample`` of 4-d input with mode 'nearest' (PyTorch's older name for it)."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample`` of 4-d input with mode 'bilinear' and ``align_corners=True`` (PyTorch's
    older name for it: note the corners, unlike ``Upsample(mode='bilinear')``'s default)."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class AvgPool1d(Module):
    """The mean of each window along the last dim (see ``F.avg_pool1d``)."""

    def __init__(
        self,
        kernel_size: int,
        stride: int | None = None,
        padding: int = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = check_bool("AvgPool1d", "ceil_mode", ceil_mode)
        self.count_include_pad = check_bool("AvgPool1d", "count_include_pad", count_include_pad)

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


Triple = int | tuple[int, int, int]


def _conv_repr(layer: Module, ones: tuple[int, ...], zeros: tuple[int, ...]) -> str:
    """PyTorch's ``_ConvNd.extra_repr``: the settings that differ from their defaults."""
    text = (
        f"{layer.in_channels}, {layer.out_channels}, kernel_size={layer.kernel_size}, "
        f"stride={layer.stride}"
    )
    if layer.padding != zeros:  # a string padding is shown too, unquoted
        text += f", padding={layer.padding}"
    if layer.dilation != ones:
        text += f", dilation={layer.dilation}"
    if getattr(layer, "output_padding", zeros) != zeros:
        text += f", output_padding={layer.output_padding}"
    if layer.groups != 1:
        text += f", groups={layer.groups}"
    text += "" if layer.bias is not None else ", bias=False"
    return text + (f", padding_mode={layer.padding_mode}" if layer.padding_mode != "zeros" else "")


class Conv3d(Module):
    """3-D convolution of (N, in_channels, D, H, W) input with a learned (out_channels,
    in_channels/groups, kd, kh, kw) weight and an (out_channels,) bias; see ``F.conv3d``.

    Initialised as PyTorch does: weight ~ kaiming_uniform(a=sqrt(5)), the bias
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels/groups * kd*kh*kw.
    ``padding`` may be an int, a triple, 'valid' or 'same'.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Triple,
        stride: Triple = 1,
        padding: Triple | str = 0,
        dilation: Triple = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "Conv3d"
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.padding_mode = check_choice(owner, "padding_mode", padding_mode, PADDING_MODES)
        self.groups = _check_groups(owner, in_channels, out_channels, groups)
        self.kernel_size = as_triple(kernel_size, "kernel_size", owner, minimum=1)
        self.stride = as_triple(stride, "stride", owner, minimum=1)
        self.dilation = as_triple(dilation, "dilation", owner, minimum=1)
        if isinstance(padding, str):
            check_choice(owner, "padding", padding, ("same", "valid"))
            if padding == "same" and self.stride != (1, 1, 1):
                raise ValueError(f"{owner}: padding='same' needs stride 1, got {self.stride}")
            self.padding: Any = padding
        else:
            self.padding = as_triple(padding, "padding", owner, minimum=0)
        shape = (out_channels, in_channels // self.groups, *self.kernel_size)
        add_weight_and_bias(self, shape, bias, device, dtype)

    def reset_parameters(self) -> None:
        default_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode != "zeros":
            amounts = _pad_amounts(self.padding, self.kernel_size, self.dilation)
            return F.conv3d(
                F.pad(input, amounts, mode=self.padding_mode),
                self.weight, self.bias, self.stride, 0, self.dilation, self.groups,
            )  # fmt: skip
        return F.conv3d(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        return _conv_repr(self, (1, 1, 1), (0, 0, 0))


class ConvTranspose1d(Module):
    """Transposed 1-D convolution (see ``F.conv_transpose1d``) with a learned (in_channels,
    out_channels/groups, k) weight, as PyTorch lays it out, and an (out_channels,) bias;
    initialised as ``ConvTranspose2d`` (fan_in = out_channels/groups * k)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] = 1,
        padding: int | tuple[int] = 0,
        output_padding: int | tuple[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int] = 1,
        padding_mode: str = "zeros",
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "ConvTranspose1d"
        if padding_mode != "zeros":  # PyTorch's rule too
            raise ValueError(
                f"{owner}: padding_mode must be 'zeros' for a transposed convolution, "
                f"got {padding_mode!r}"
            )
        self.padding_mode = padding_mode
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = _check_groups(owner, in_channels, out_channels, groups)
        self.kernel_size = (as_single(kernel_size, "kernel_size", owner, minimum=1),)
        self.stride = (as_single(stride, "stride", owner, minimum=1),)
        self.padding = (as_single(padding, "padding", owner, minimum=0),)
        self.output_padding = (as_single(output_padding, "output_padding", owner, minimum=0),)
        self.dilation = (as_single(dilation, "dilation", owner, minimum=1),)
        if self.output_padding[0] >= self.stride[0]:
            raise ValueError(
                f"{owner}: output_padding {self.output_padding} must be smaller than stride "
                f"{self.stride}"
            )
        shape = (in_channels, out_channels // self.groups, *self.kernel_size)
        add_weight_and_bias(self, shape, False, device, dtype)
        if bias:
            self.bias = empty_parameter((out_channels,), device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        default_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.conv_transpose1d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )

    def extra_repr(self) -> str:
        return _conv_repr(self, (1,), (0,))


class AdaptiveAvgPool3d(Module):
    """Average pooling to a fixed (D, H, W) output size (see ``F.adaptive_avg_pool3d``); an
    entry of ``output_size`` may be None to keep that input size."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxUnpool2d(Module):
    """The partial inverse of ``MaxPool2d`` (see ``F.max_unpool2d``): each value written at the
    index ``MaxPool2d(return_indices=True)`` gave it, zeros elsewhere."""

    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0) -> None:
        super().__init__()
        self.kernel_size = _as_tuple(kernel_size, 2)
        self.stride = _as_tuple(kernel_size if stride is None else stride, 2)
        self.padding = _as_tuple(padding, 2)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return F.max_unpool2d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    """The partial inverse of ``MaxPool1d`` (see ``F.max_unpool1d``)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        Module.__init__(self)
        self.kernel_size = _as_tuple(kernel_size, 1)
        self.stride = _as_tuple(kernel_size if stride is None else stride, 1)
        self.padding = _as_tuple(padding, 1)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return F.max_unpool1d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )


def _as_tuple(value: Any, n: int) -> Any:
    """PyTorch's ``_pair``/``_single``: an int repeated n times, a sequence as a tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n

"""Convolution and pooling layers. The computation (im2col, one matrix product) is in
``minigrad.nn.functional.conv2d``; the windows themselves in ``minigrad.ops.conv``."""

from __future__ import annotations

from typing import Any

from ..backend import Device
from ..ops.conv import as_padding, as_pair
from ..tensor import Tensor
from . import functional as F
from .layers import add_weight_and_bias, default_init_
from .module import Module

Size = int | tuple[int, int]


class Conv2d(Module):
    """2-D convolution of (N, in_channels, H, W) input with a learned (out_channels,
    in_channels, kh, kw) weight and an (out_channels,) bias; see ``F.conv2d``.

    Initialised as PyTorch does: weight ~ kaiming_uniform(a=sqrt(5)), i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels*kh*kw, and the bias the same.
    ``padding`` may be an int, a pair, 'valid' or 'same'.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Size,
        stride: Size = 1,
        padding: Size | str = 0,
        dilation: Size = 1,
        *,
        bias: bool = True,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = as_pair(kernel_size, "kernel_size", "Conv2d", minimum=1)
        self.stride = as_pair(stride, "stride", "Conv2d", minimum=1)
        self.dilation = as_pair(dilation, "dilation", "Conv2d", minimum=1)
        as_padding(padding, self.kernel_size, self.stride, self.dilation, "Conv2d")  # checks it
        if not isinstance(padding, str):
            padding = as_pair(padding, "padding", "Conv2d", minimum=0)
        self.padding = padding
        shape = (out_channels, in_channels, *self.kernel_size)
        add_weight_and_bias(self, shape, bias, device, dtype)

    def reset_parameters(self) -> None:
        default_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding not in ((0, 0), "valid"):
            text += f", padding={self.padding!r}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        return text + ("" if self.bias is not None else ", bias=False")


class MaxPool2d(Module):
    """The largest value of each window (see ``F.max_pool2d``); stride defaults to the kernel."""

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        dilation: Size = 1,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation

    def forward(self, input: Tensor) -> Tensor:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}"
        )


class AvgPool2d(Module):
    """The mean of each window (see ``F.avg_pool2d``); stride defaults to the kernel."""

    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

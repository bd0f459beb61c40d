"""``minigrad.nn.functional`` (imported as ``F``): layers, activations and losses as functions.

Every function here is built from differentiable ops, so its backward comes from theirs and a
learner can read the whole computation. The modules in ``minigrad.nn`` hold parameters and call
these. Names and argument orders follow PyTorch's ``torch.nn.functional``; array arguments use
NumPy's names (``axis``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd import is_grad_enabled, mark_written, no_grad
from ..checks import (
    DimError,
    DtypeError,
    IndexBoundsError,
    ShapeError,
    TargetError,
    check_bool,
    check_choice,
    check_int,
    check_number,
)
from ..ops import leaky_relu as ops_leaky_relu
from ..ops import log_softmax, mean, sigmoid, softmax, sqrt, sum, tanh, where
from ..ops import relu as ops_relu
from ..ops.conv import (
    Padding,
    Pair,
    as_padding,
    as_pair,
    as_single,
    as_triple,
    col2im,
    count_windows,
    im2col,
)
from ..ops.elementwise import BinaryCrossEntropy
from ..ops.elementwise import elu as ops_elu
from ..ops.elementwise import erf as ops_erf
from ..ops.elementwise import gelu as ops_gelu
from ..ops.elementwise import softplus as ops_softplus
from ..ops.linalg import AddMatMul
from ..ops.linalg import Linear as LinearFunction
from ..ops.reduction import first_max, softmax_cross_entropy
from ..ops.reduction import layer_norm as ops_layer_norm
from ..ops.shape import GetItem, all_below, stack
from ..ops.shape import pad as ops_pad
from ..random import random_bits
from ..tensor import Tensor, get_default_dtype, is_floating_dtype

__all__ = [
    "avg_pool2d", "batch_norm", "binary_cross_entropy_with_logits", "conv2d", "cross_entropy",
    "dropout", "embedding", "erf", "fold", "gelu", "l1_loss", "layer_norm", "leaky_relu", "linear",
    "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "relu", "scaled_dot_product_attention",
    "sigmoid", "softmax", "softplus", "tanh", "unfold",
]  # fmt: skip
__all__ += [
    "binary_cross_entropy", "cosine_similarity", "elu", "hardtanh", "huber_loss", "kl_div", "mish",
    "normalize", "one_hot", "pad", "silu", "smooth_l1_loss", "softsign",
]  # fmt: skip
__all__ += ["adaptive_avg_pool2d", "conv1d", "conv_transpose2d", "interpolate"]
__all__ += [
    "celu", "glu", "hardshrink", "logsigmoid", "relu6", "selu", "softmin", "softshrink",
    "tanhshrink", "threshold",
]  # fmt: skip


def erf(input: Tensor) -> Tensor:
    """The error function, elementwise (differentiable)."""
    return ops_erf(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float | None = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, a smooth ReLU; never overflows.

    Where ``beta * x > threshold`` it is x itself (gradient 1), as PyTorch's: there the two
    differ by less than e^-threshold / beta. ``threshold=None`` keeps the smooth form everywhere.
    """
    beta = check_number("softplus", "beta", beta)
    if beta == 0:
        raise ValueError("softplus: beta must be a finite non-zero number, got 0")
    smooth = ops_softplus(input) if beta == 1.0 else ops_softplus(input * beta) * (1.0 / beta)
    if threshold is None:
        return smooth
    threshold = check_number("softplus", "threshold", threshold, allow_inf=True)
    linear = Tensor._wrap(input.data * beta > threshold, input.device)
    return where(linear, input, smooth)


# ---- activations --------------------------------------------------------------------------------
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """GELU(x) = x * Phi(x), Phi the standard normal CDF (Hendrycks & Gimpel 2016).

    approximate='none':  x/2 * (1 + erf(x / sqrt(2)))                     (exact)
    approximate='tanh':  x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))

    One op, ``GELU`` in minigrad/ops/elementwise.py, with its derivative beside it.
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return ops_gelu(input, approximate)


def _maybe_in_place(
    input: Tensor, inplace: bool, name: str, compute: Callable[[Tensor], Tensor]
) -> Tensor:
    """``compute(input)``, written into ``input``'s own memory when ``inplace``.

    The rule is that of minigrad's in-place arithmetic (``x += y``, docs/engine.md): with no
    graph being recorded for ``input`` its array is overwritten and ``mark_written`` bumps its
    version, so a backward that still needs the old values raises instead of using the new
    ones; a non-leaf in a recorded graph is computed out of place, as a new node (the input
    keeps its values); a leaf that requires grad is refused, as PyTorch refuses it.
    """
    if not check_bool(name, "inplace", inplace):
        return compute(input)
    if input.requires_grad and is_grad_enabled():
        if input.is_leaf:
            raise RuntimeError(
                f"{name}(inplace=True): a leaf tensor that requires grad cannot be changed in "
                "place while gradients are recorded; pass inplace=False"
            )
        return compute(input)
    with no_grad():
        result = compute(input)
    input.data[...] = result.data
    mark_written(input)
    return input


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0). ``inplace=True``: see ``_maybe_in_place`` for when it overwrites the input."""
    if not inplace:
        return ops_relu(input)
    return _maybe_in_place(input, inplace, "relu", ops_relu)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return _maybe_in_place(
        input, inplace, "leaky_relu", lambda x: ops_leaky_relu(x, negative_slope)
    )


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """SiLU (swish): x * sigmoid(x)  (Elfwing et al. 2017, Ramachandran et al. 2017)."""
    return _maybe_in_place(input, inplace, "silu", lambda x: x * sigmoid(x))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """Mish: x * tanh(softplus(x))  (Misra 2019)."""
    return _maybe_in_place(input, inplace, "mish", lambda x: x * tanh(ops_softplus(x)))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """ELU: x for x > 0, alpha * (e^x - 1) otherwise  (Clevert et al. 2015)."""
    alpha = check_number("elu", "alpha", alpha)
    return _maybe_in_place(input, inplace, "elu", lambda x: ops_elu(x, alpha))


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """x clamped to [min_val, max_val]; the gradient is 1 strictly inside, 0 elsewhere.

    Not quite ``clamp``: PyTorch gives hardtanh's gradient 0 at the two bounds themselves (where
    clamp gives 1), so the clamped value is taken as a constant wherever x is not inside.
    """
    low = check_number("hardtanh", "min_val", min_val)
    high = check_number("hardtanh", "max_val", max_val)
    if low > high:
        raise ValueError(f"hardtanh: min_val ({low}) must not be greater than max_val ({high})")

    def clamp(x: Tensor) -> Tensor:
        inside = Tensor._wrap((x.data > low) & (x.data < high), x.device)
        return where(inside, x, x.detach().clip(low, high))

    return _maybe_in_place(input, inplace, "hardtanh", clamp)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6  (Howard et al. 2019): 0 below -3, x above 3, x (x + 3) / 6 between.

    Written as a ``where`` of the three pieces so that the gradient at -3 and 3 is PyTorch's
    (0 at -3, 1 at 3: x / 3 + 1/2 only strictly between), not a clamp's.
    """

    def compute(x: Tensor) -> Tensor:
        middle = Tensor._wrap((x.data > -3) & (x.data < 3), x.device)
        above = Tensor._wrap(x.data >= 3, x.device)
        return where(middle, x * (x + 3.0) * (1.0 / 6.0), where(above, x, x * 0.0))

    return _maybe_in_place(input, inplace, "hardswish", compute)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: 0 at or below -3, 1 at or above 3, x / 6 + 1/2 strictly between
    (where alone its gradient, 1/6, is non-zero, as PyTorch's)."""

    def compute(x: Tensor) -> Tensor:
        inside = Tensor._wrap((x.data > -3) & (x.data < 3), x.device)
        outside = Tensor._wrap((x.data >= 3).astype(x.dtype), x.device)
        return where(inside, x * (1.0 / 6.0) + 0.5, outside)

    return _maybe_in_place(input, inplace, "hardsigmoid", compute)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, weight * x otherwise, with a learned slope per channel (He et al. 2015).

    ``weight`` has 1 entry (shared) or one per channel, dim 1 of the input; an input of fewer
    than 2 dims has one channel, as in PyTorch.
    """
    if weight.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-d, got shape {weight.shape}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.shape[0] not in (1, channels):
        raise ValueError(
            f"prelu: weight has {weight.shape[0]} entries; it needs 1 or one per channel "
            f"(dim 1 of input shape {input.shape}: {channels})"
        )
    _same_device(input, "prelu", weight=weight)
    if input.ndim >= 2:
        slope = weight.reshape((-1,) + (1,) * (input.ndim - 2))
    else:
        slope = weight.reshape(())
    positive = Tensor._wrap(input.data > 0, input.device)
    return where(positive, input, input * slope)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (1.0 + input.abs())


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): ``hardtanh(x, 0, 6)``, as in PyTorch (gradient 0 at 0 and 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with PyTorch's constants alpha = 1.6733, scale = 1.0507
    (Klambauer et al. 2017)."""
    return _maybe_in_place(input, inplace, "selu", lambda x: ops_elu(x, _SELU_ALPHA) * _SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1))  (Barron 2017): alpha * elu(x / alpha)."""
    alpha = check_number("celu", "alpha", alpha)
    if alpha == 0:
        raise ValueError("celu: alpha must be non-zero (the formula divides by it)")
    return _maybe_in_place(
        input, inplace, "celu", lambda x: ops_elu(x * (1.0 / alpha), 1.0) * alpha
    )


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), finite for any x (derivative sigmoid(-x))."""
    return -ops_softplus(-input)


def _legacy_softmax_dim(name: str, ndim: int) -> int:
    """PyTorch's dim when ``dim=None``: 0 for 0-, 1- and 3-d input, else 1, with its warning."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """softmax(-x) along ``dim`` (PyTorch's implicit dim when None)."""
    if dim is None:
        dim = _legacy_softmax_dim("softmin", input.ndim)
    return softmax(-input if dtype is None else -input.astype(dtype), dim)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit (Dauphin et al. 2017): a * sigmoid(b), a and b the two halves of
    ``input`` along ``dim`` (whose size must be even)."""
    dim = check_int(
        "glu", "dim", dim, low=-max(input.ndim, 1), high=max(input.ndim, 1) - 1, error=DimError
    )
    if input.ndim == 0 or input.shape[dim] % 2:
        raise ShapeError(f"glu: dim {dim} of input shape {input.shape} must have an even size")
    half = input.shape[dim] // 2
    first = (slice(None),) * (dim % input.ndim)
    return input[first + (slice(0, half),)] * sigmoid(input[first + (slice(half, None),)])


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, 0 elsewhere (gradient 1 where kept, 0 elsewhere)."""
    lambd = check_number("hardshrink", "lambd", lambd)
    kept = Tensor._wrap((input.data > lambd) | (input.data < -lambd), input.device)
    return where(kept, input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between (gradient 1 outside)."""
    lambd = check_number("softshrink", "lambd", lambd, low=0)
    above = Tensor._wrap(input.data > lambd, input.device)
    below = Tensor._wrap(input.data < -lambd, input.device)
    return where(above, input - lambd, where(below, input + lambd, 0.0))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - tanh(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value`` (gradient 1 where x is kept, 0 elsewhere)."""
    limit = check_number("threshold", "threshold", threshold, allow_inf=True)
    value = check_number("threshold", "value", value, allow_inf=True)

    def compute(x: Tensor) -> Tensor:
        return where(Tensor._wrap(x.data > limit, x.device), x, value)

    return _maybe_in_place(input, inplace, "threshold", compute)


# ---- layers -----------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, with W of shape (out_features, in_features) as in PyTorch.

    Any leading axes of x are batch axes; they are merged first so the product is one matrix
    multiplication (and its weight gradient one more), not one per batch entry.
    """
    shape, weight_shape = input.shape, weight.shape  # read once: this runs for every layer call
    if len(weight_shape) != 2:
        raise ShapeError(
            f"linear: weight must be (out_features, in_features), got shape {weight_shape}"
        )
    if not shape or shape[-1] != weight_shape[1]:
        features = shape[-1] if shape else "no"
        raise ShapeError(
            f"linear: input has {features} features (shape {shape}), weight expects "
            f"{weight_shape[1]} (in_features={weight_shape[1]})"
        )
    if bias is not None and bias.shape != weight_shape[:1]:
        raise ShapeError(f"linear: bias must have shape ({weight_shape[0]},), got {bias.shape}")
    inputs = (weight,) if bias is None else (weight, bias)
    if len(shape) == 2:
        return LinearFunction.apply(input, *inputs)
    if len(shape) == 1:
        return LinearFunction.apply(input.reshape(1, -1), *inputs).reshape(weight_shape[0])
    out = LinearFunction.apply(input.reshape(-1, shape[-1]), *inputs)
    return out.reshape(*shape[:-1], weight_shape[0])


def _same_device(input: Tensor, op: str, **others: Tensor | None) -> None:
    """A clear error naming the argument that lives on another device than ``input``."""
    for name, other in others.items():
        if other is not None and other.device is not input.device:
            raise RuntimeError(
                f"{op}: input is on {input.device}, {name} on {other.device}; move one of them "
                f"with .to(), e.g. {name}.to('{input.device}')"
            )


def _batched(input: Tensor, op: str) -> tuple[Tensor, bool]:
    """(N, C, H, W) input, adding the batch axis to a single (C, H, W) image."""
    if input.ndim == 3:
        return input.unsqueeze(0), True
    if input.ndim != 4:
        raise ShapeError(
            f"{op}: input must be (N, C, H, W) or (C, H, W), got {input.ndim}-d shape {input.shape}"
        )
    return input, False


def _check_fits(input: Tensor, kernel: Pair, padding: Padding, dilation: Pair, op: str) -> None:
    """A clear error when not even one window fits in the padded input."""
    (top, bottom), (left, right) = padding
    height, width = input.shape[2] + top + bottom, input.shape[3] + left + right
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))  # a dilated kernel's extent
    if span[0] > height or span[1] > width:
        raise ShapeError(
            f"{op}: kernel {span[0]}x{span[1]} is larger than the padded input {height}x{width}"
        )


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Pair = 1,
    padding: int | Pair | str = 0,
    dilation: int | Pair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (strictly, cross-correlation, as in every deep-learning library).

        out[n, o, i, j] = b[o] + sum over c, p, q of w[o, c, p, q] * x_pad[n, c, i*sh + p, j*sw + q]

    input (N, C, H, W) (or one image (C, H, W)), weight (O, C, kh, kw), bias (O,).
    Output (N, O, OH, OW) with OH = (H + pad_top + pad_bottom - kh) // sh + 1 (dilation 1).

    With ``groups`` g the channels split into g groups that never mix: the weight is
    (O, C/g, kh, kw), and outputs [k O/g, (k+1) O/g) see only inputs [k C/g, (k+1) C/g).
    (g = C with O = C is a depthwise convolution.)

    The recipe (see docs/nn.md):
      1. pad and im2col: every window, a (N, C, OH, OW, kh, kw) view, no copy yet;
      2. lay the windows out as columns: (N, C*kh*kw, OH*OW), the one copy;
      3. one (batched) matrix product with the weight as an (O, C*kh*kw) matrix: (N, O, OH*OW),
         the bias added into it;
      4. read it as (N, O, OH, OW), which needs no copy.
    The backward is the same steps reversed (the matrix product's backward, then col2im).
    """
    op = "conv2d"
    _same_device(input, op, weight=weight, bias=bias)
    input, unbatched = _batched(input, op)
    if weight.ndim != 4:
        raise ShapeError(
            f"{op}: weight must be (out_channels, in_channels, kh, kw), got shape {weight.shape}"
        )
    groups = check_int(op, "groups", groups, low=1)
    out_channels, group_channels, kh, kw = weight.shape
    channels = group_channels * groups
    if input.shape[1] != channels:
        raise ShapeError(
            f"{op}: input has {input.shape[1]} channels, weight expects {channels} "
            f"({group_channels} per group x groups={groups}; input shape {input.shape}, "
            f"weight shape {weight.shape})"
        )
    if out_channels % groups:
        raise ShapeError(
            f"{op}: out_channels ({out_channels}, weight shape {weight.shape}) must be divisible "
            f"by groups ({groups})"
        )
    if bias is not None and bias.shape != (out_channels,):
        raise ShapeError(f"{op}: bias must have shape ({out_channels},), got {bias.shape}")
    stride = as_pair(stride, "stride", op, minimum=1)
    dilation = as_pair(dilation, "dilation", op, minimum=1)
    pads = as_padding(padding, (kh, kw), stride, dilation, op)
    _check_fits(input, (kh, kw), pads, dilation, op)

    windows = im2col(input, (kh, kw), stride, pads, dilation)  # (N, C, OH, OW, kh, kw)
    n, _, oh, ow = windows.shape[:4]
    if groups > 1:
        # One product per group, batched: (g, O/g, C/g*kh*kw) @ (N, g, C/g*kh*kw, OH*OW)
        size = group_channels * kh * kw
        columns = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, groups, size, oh * ow)
        matrix = weight.reshape(groups, out_channels // groups, size)
        out = (matrix @ columns).reshape(n, out_channels, oh, ow)
        if bias is not None:
            out = out + bias.reshape(1, out_channels, 1, 1)
        return out.squeeze(0) if unbatched else out
    # One column per output pixel: (N, C*kh*kw, OH*OW). This reshape is the one copy.
    columns = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, channels * kh * kw, oh * ow)
    # (O, C*kh*kw) @ (N, C*kh*kw, OH*OW) -> (N, O, OH*OW): already in (N, O, OH, OW) order, so
    # the result is contiguous and the ops after it (ReLU, pooling) run at full speed.
    matrix = weight.reshape(out_channels, channels * kh * kw)
    if bias is None:
        out = matrix @ columns
    else:  # b[o] added to every pixel of channel o, inside the product's array
        out = AddMatMul.apply(bias.reshape(out_channels, 1), matrix, columns)
    out = out.reshape(n, out_channels, oh, ow)
    return out.squeeze(0) if unbatched else out


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | str = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution of (N, C, L) (or (C, L)) input with an (O, C/groups, k) weight:

        out[n, o, i] = b[o] + sum over c, p of w[o, c, p] * x_pad[n, c, i*s + p*d]

    It is ``conv2d`` on images one pixel high: (N, C, 1, L) with a (O, C/g, 1, k) kernel.
    """
    op = "conv1d"
    if input.ndim not in (2, 3):
        raise ShapeError(f"{op}: input must be (N, C, L) or (C, L), got shape {input.shape}")
    if weight.ndim != 3:
        raise ShapeError(
            f"{op}: weight must be (out_channels, in_channels/groups, k), got {weight.shape}"
        )

    if isinstance(padding, str):
        pads: Any = padding
    else:
        pads = (0, as_single(padding, "padding", op, 0))
    out = conv2d(
        input.unsqueeze(-2),
        weight.unsqueeze(-2),
        bias,
        (1, as_single(stride, "stride", op, 1)),
        pads,
        (1, as_single(dilation, "dilation", op, 1)),
        groups,
    )
    return out.squeeze(-2)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Pair = 1,
    padding: int | Pair = 0,
    output_padding: int | Pair = 0,
    groups: int = 1,
    dilation: int | Pair = 1,
) -> Tensor:
    """Transposed convolution: the adjoint of ``conv2d`` (the map its backward applies to the
    output gradient), which scatters each input pixel, times the kernel, onto the output:

        out[n, o, i*sh + p*dh - pad_h, j*sw + q*dw - pad_w] += x[n, c, i, j] * w[c, o, p, q]

    input (N, C_in, H, W) (or (C_in, H, W)), weight (C_in, C_out/groups, kh, kw) as in
    PyTorch, bias (C_out,). Output height (H - 1) sh - 2 pad_h + dh (kh - 1) + output_pad_h + 1,
    likewise the width; ``output_padding`` (< stride) picks among the sizes that a strided
    conv2d maps to the same H.

    The recipe is conv2d's backwards: one matrix product makes every window's values,
    (C_out*kh*kw, C_in) @ (C_in, H*W) per group, and col2im adds the windows onto the image.
    """
    op = "conv_transpose2d"
    _same_device(input, op, weight=weight, bias=bias)
    input, unbatched = _batched(input, op)
    if weight.ndim != 4:
        raise ShapeError(
            f"{op}: weight must be (in_channels, out_channels/groups, kh, kw), got {weight.shape}"
        )
    groups = check_int(op, "groups", groups, low=1)
    channels, group_out, kh, kw = weight.shape
    if input.shape[1] != channels:
        raise ShapeError(
            f"{op}: input has {input.shape[1]} channels, weight expects {channels} "
            f"(input shape {input.shape}, weight shape {weight.shape})"
        )
    if channels % groups:
        raise ShapeError(f"{op}: in_channels ({channels}) must be divisible by groups ({groups})")
    out_channels = group_out * groups
    if bias is not None and bias.shape != (out_channels,):
        raise ShapeError(f"{op}: bias must have shape ({out_channels},), got {bias.shape}")
    stride = as_pair(stride, "stride", op, minimum=1)
    dilation = as_pair(dilation, "dilation", op, minimum=1)
    rows, cols = as_pair(padding, "padding", op, minimum=0)
    extra = as_pair(output_padding, "output_padding", op, minimum=0)
    if extra[0] >= stride[0] or extra[1] >= stride[1]:
        # (PyTorch also allows output_padding < dilation; not here: col2im's window count
        # would then disagree with the input's size)
        raise ValueError(f"{op}: output_padding {extra} must be smaller than stride {stride}")
    n, _, height, width = input.shape
    out_h = (height - 1) * stride[0] - 2 * rows + dilation[0] * (kh - 1) + extra[0] + 1
    out_w = (width - 1) * stride[1] - 2 * cols + dilation[1] * (kw - 1) + extra[1] + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"{op}: the output would be {out_h}x{out_w}; reduce the padding")
    # Each group: (C_out/g*kh*kw, C_in/g) @ (C_in/g, H*W) -> every window's values
    group_in = channels // groups
    matrix = weight.reshape(groups, group_in, group_out * kh * kw).transpose(0, 2, 1)
    columns = matrix @ input.reshape(n, groups, group_in, height * width)
    windows = columns.reshape(n, out_channels, kh, kw, height, width).transpose(0, 1, 4, 5, 2, 3)
    # col2im adds the windows onto the output padded by `padding`, then crops the padding;
    # the output_padding rows and columns at the end are those no window reaches past
    pads = ((rows, rows), (cols, cols))
    out = col2im(windows, (n, out_channels, out_h, out_w), (kh, kw), stride, pads, dilation)
    if bias is not None:
        out = out + bias.reshape(1, out_channels, 1, 1)
    return out.squeeze(0) if unbatched else out


def unfold(
    input: Tensor,
    kernel_size: int | Pair,
    dilation: int | Pair = 1,
    padding: int | Pair = 0,
    stride: int | Pair = 1,
) -> Tensor:
    """PyTorch's im2col: (N, C, H, W) -> (N, C*kh*kw, L), one column per window (L = OH*OW).

    Row c*kh*kw + p*kw + q of a column holds channel c at offset (p, q) of that window.
    """
    op = "unfold"
    input, _ = _batched(input, op)
    kernel = as_pair(kernel_size, "kernel_size", op, minimum=1)
    dilation = as_pair(dilation, "dilation", op, minimum=1)
    stride = as_pair(stride, "stride", op, minimum=1)
    pads = as_padding(padding, kernel, stride, dilation, op)
    _check_fits(input, kernel, pads, dilation, op)
    windows = im2col(input, kernel, stride, pads, dilation)
    n, c, oh, ow, kh, kw = windows.shape
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, oh * ow)


def fold(
    input: Tensor,
    output_size: int | Pair,
    kernel_size: int | Pair,
    dilation: int | Pair = 1,
    padding: int | Pair = 0,
    stride: int | Pair = 1,
) -> Tensor:
    """PyTorch's col2im, the adjoint of ``unfold``: (N, C*kh*kw, L) -> (N, C, H, W).

    Each column is added back onto the pixels its window covered; overlapping windows add up.
    """
    op = "fold"
    height, width = as_pair(output_size, "output_size", op, minimum=1)
    kernel = as_pair(kernel_size, "kernel_size", op, minimum=1)
    dilation = as_pair(dilation, "dilation", op, minimum=1)
    stride = as_pair(stride, "stride", op, minimum=1)
    pads = as_padding(padding, kernel, stride, dilation, op)
    kh, kw = kernel
    oh = count_windows(height, kh, stride[0], pads[0], dilation[0])
    ow = count_windows(width, kw, stride[1], pads[1], dilation[1])
    if input.ndim != 3 or input.shape[1] % (kh * kw) or input.shape[2] != oh * ow:
        raise ShapeError(
            f"{op}: input must be (N, C*{kh}*{kw}, {oh}*{ow}) for output_size "
            f"{(height, width)}, got shape {input.shape}"
        )
    n, c = input.shape[0], input.shape[1] // (kh * kw)
    windows = input.reshape(n, c, kh, kw, oh, ow).transpose(0, 1, 4, 5, 2, 3)
    return col2im(windows, (n, c, height, width), kernel, stride, pads, dilation)


def _ceil_extra(size: int, kernel: int, stride: int, pad: int, dilation: int) -> int:
    """How many cells ``ceil_mode=True`` adds after the end of a padded axis: enough for one
    more, partial, window, as long as it starts inside the input or the left padding
    (PyTorch's rule), so that the output size rounds up instead of down."""
    span = dilation * (kernel - 1) + 1
    out = -(-(size + 2 * pad - span) // stride) + 1  # ceil division
    if (out - 1) * stride >= size + pad:
        out -= 1
    return max((out - 1) * stride + span - (size + 2 * pad), 0)


def _pool_windows(
    input: Tensor,
    kernel_size: int | Pair,
    stride: int | Pair | None,
    padding: int | Pair,
    dilation: int | Pair,
    pad_value: float,
    op: str,
    ceil_mode: bool = False,
) -> tuple[Tensor, bool, Padding]:
    """The windows a pooling layer reduces, as (kh*kw, N, C, OH, OW), arguments checked, and
    the padding used, ((top, bottom), (left, right)): ``ceil_mode`` adds to bottom and right.

    The window axis comes first: reducing over the first axis combines whole contiguous slabs
    (kh*kw elementwise passes), which is many times faster than reducing over two tiny strided
    axes at the end. Laying the windows out this way is one copy, like im2col's for conv2d.
    """
    input, unbatched = _batched(input, op)
    kernel = as_pair(kernel_size, "kernel_size", op, minimum=1)
    stride = kernel if stride is None else as_pair(stride, "stride", op, minimum=1)
    dilation = as_pair(dilation, "dilation", op, minimum=1)
    rows, cols = as_pair(padding, "padding", op, minimum=0)
    if 2 * rows > kernel[0] or 2 * cols > kernel[1]:
        raise ShapeError(
            f"{op}: padding {(rows, cols)} must be at most half the kernel size {kernel}"
        )
    pads: Padding = (rows, rows), (cols, cols)
    _check_fits(input, kernel, pads, dilation, op)
    if check_bool(op, "ceil_mode", ceil_mode):
        extra = [
            _ceil_extra(input.shape[2 + axis], kernel[axis], stride[axis], pad, dilation[axis])
            for axis, pad in enumerate((rows, cols))
        ]
        pads = (rows, rows + extra[0]), (cols, cols + extra[1])
    windows = im2col(input, kernel, stride, pads, dilation, pad_value)  # (N, C, OH, OW, kh, kw)
    n, c, oh, ow, kh, kw = windows.shape
    return windows.transpose(4, 5, 0, 1, 2, 3).reshape(kh * kw, n, c, oh, ow), unbatched, pads


def max_pool2d(
    input: Tensor,
    kernel_size: int | Pair,
    stride: int | Pair | None = None,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The largest value in each window:

        out[n, c, i, j] = max over p, q of x_pad[n, c, i*sh + p*dh, j*sw + q*dw]

    ``stride`` defaults to ``kernel_size`` (windows side by side). Padding is -inf, so it never
    wins. The gradient goes to each window's maximum, to the first one when values tie (as in
    PyTorch), then col2im adds it back to the pixel it came from. ``ceil_mode`` rounds the
    output size up: a last, partial window at the end of each axis (more -inf padding).

    ``return_indices=True`` also returns where each maximum came from, as PyTorch's int64 flat
    index h * W + w into its (H, W) plane (the first maximum on ties, the one the gradient
    goes to), for ``max_unpool2d``.
    """
    op = "max_pool2d"
    check_bool(op, "return_indices", return_indices)
    pad_value = -math.inf if input.dtype.kind == "f" else np.iinfo(input.dtype).min
    windows, unbatched, pads = _pool_windows(
        input, kernel_size, stride, padding, dilation, pad_value, op, ceil_mode
    )
    out = first_max(windows, 0)
    if not return_indices:
        return out.squeeze(0) if unbatched else out
    kernel = as_pair(kernel_size, "kernel_size", op, minimum=1)
    steps = kernel if stride is None else as_pair(stride, "stride", op, minimum=1)
    dilation = as_pair(dilation, "dilation", op, minimum=1)
    indices = _max_indices(
        windows.data,
        out.data,
        input.xp,
        kernel,
        steps,
        dilation,
        pads,
        (input.shape[-2], input.shape[-1]),
    )
    if unbatched:
        out, indices = out.squeeze(0), indices[0]
    return out, Tensor._wrap(indices, input.device)


def _max_indices(
    windows: Any,
    top: Any,
    xp: Any,
    kernel: Pair,
    stride: Pair,
    dilation: Pair,
    pads: Padding,
    size: Pair,
) -> Any:
    """Each window's first maximum ``top`` as a flat index row * W + col into the unpadded
    (H, W) plane, from the (kh*kw, N, C, OH, OW) windows of ``_pool_windows``, as PyTorch's
    loop finds it: the first cell inside the input that holds the maximum, so that a window
    of -inf names its first real cell, not the padding, or else the last NaN (that loop takes
    every NaN it meets; the gradient goes to the first). Made with the windows' array
    module: nothing crosses from the host."""
    oh, ow = windows.shape[-2:]
    position = xp.arange(kernel[0] * kernel[1])
    row_of = (
        xp.arange(oh).reshape(1, oh, 1) * stride[0]
        + (position // kernel[1]).reshape(-1, 1, 1) * dilation[0]
        - pads[0][0]
    )
    col_of = (
        xp.arange(ow).reshape(1, 1, ow) * stride[1]
        + (position % kernel[1]).reshape(-1, 1, 1) * dilation[1]
        - pads[1][0]
    )
    inside = (row_of >= 0) & (row_of < size[0]) & (col_of >= 0) & (col_of < size[1])
    inside = inside[:, None, None]
    winner = ((windows == top) & inside).argmax(axis=0)  # (N, C, OH, OW): the first maximum
    last_nan = len(position) - 1 - ((windows != windows) & inside)[::-1].argmax(axis=0)
    winner = xp.where(top != top, last_nan, winner)
    rows = xp.arange(oh).reshape(oh, 1) * stride[0] + (winner // kernel[1]) * dilation[0]
    cols = xp.arange(ow) * stride[1] + (winner % kernel[1]) * dilation[1]
    rows, cols = rows - pads[0][0], cols - pads[1][0]
    return (rows * size[1] + cols).astype(np.int64)


def avg_pool2d(
    input: Tensor,
    kernel_size: int | Pair,
    stride: int | Pair | None = None,
    padding: int | Pair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window; ``stride`` defaults to ``kernel_size``.

    The sum of each window is divided by (PyTorch's rules):
      ``divisor_override``, if given;
      else, with ``count_include_pad`` (the default), the cells of the window inside the
      zero-padded input (all kh*kw, except for a partial ``ceil_mode`` window at the end);
      else the cells of the window inside the input itself.
    The divisor is a constant, so the gradient of each window's sum is shared out by it.
    """
    op = "avg_pool2d"
    check_bool(op, "count_include_pad", count_include_pad)
    windows, unbatched, pads = _pool_windows(
        input, kernel_size, stride, padding, 1, 0.0, op, ceil_mode
    )
    (top, bottom), (left, right) = pads
    partial = bottom != top or right != left  # ceil_mode added a last, partial window
    if divisor_override is not None:
        out = windows.sum(axis=0) / float(
            check_int(op, "divisor_override", divisor_override, low=1)
        )
    elif not partial and (count_include_pad or top == left == 0):
        out = windows.mean(axis=0)  # every window counts all kh*kw cells
    else:
        stride = kernel_size if stride is None else stride
        counts = _window_counts(input.shape[-2:], pads, kernel_size, stride, count_include_pad)
        out = windows.sum(axis=0) / Tensor(counts.astype(windows.dtype), device=input.device)
    return out.squeeze(0) if unbatched else out


def _window_counts(
    size: tuple[int, ...], pads: Padding, kernel_size: Any, stride: Any, count_include_pad: bool
) -> np.ndarray:
    """(OH, OW): how many cells of each pooling window avg_pool2d divides by. Made on the host
    (once per call, then moved): only ceil_mode's partial windows, or padding left out of the
    count, make it differ from kh*kw."""
    (top, bottom), (left, right) = pads
    counted = np.zeros((size[0] + top + bottom, size[1] + left + right))
    if count_include_pad:  # the zero-padded input, not the cells ceil_mode adds
        counted[: size[0] + 2 * top, : size[1] + 2 * left] = 1.0
    else:
        counted[top : top + size[0], left : left + size[1]] = 1.0
    kh, kw = as_pair(kernel_size, "kernel_size", "avg_pool2d", minimum=1)
    sh, sw = as_pair(stride, "stride", "avg_pool2d", minimum=1)
    cells = np.lib.stride_tricks.sliding_window_view(counted, (kh, kw))[::sh, ::sw]
    return cells.sum(axis=(-2, -1))


def _output_pair(value: Any, size: Pair, op: str) -> Pair:
    """An output size given as an int, or a pair whose None entries keep the input's size."""
    if not isinstance(value, (tuple, list)):
        value = (value, value)
    if len(value) != 2:
        raise TypeError(f"{op}: output_size must be an int or a pair, got {value!r}")
    return tuple(  # type: ignore[return-value]
        n if v is None else check_int(op, f"output_size[{i}]", v, low=1)
        for i, (v, n) in enumerate(zip(value, size))
    )


def _averaging_array(size: int, out: int) -> Any:
    """(out, size) NumPy matrix whose row i averages the inputs [floor(i size / out),
    ceil((i + 1) size / out)): PyTorch's adaptive pooling windows (they overlap when out does
    not divide size)."""
    matrix = np.zeros((out, size))
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def _averaging_matrix(size: int, out: int, dtype: Any, device: Any) -> Tensor:
    """``_averaging_array`` as a Tensor of ``dtype`` on ``device``."""
    return Tensor(_averaging_array(size, out).astype(dtype), device=device)


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple[int | None, int | None]) -> Tensor:
    """Average pooling to a fixed output size (OH, OW), whatever the input's (H, W):

        out[n, c, i, j] = mean of x[n, c, h, w] over h in [floor(i H/OH), ceil((i+1) H/OH))
                                                  and w in [floor(j W/OW), ceil((j+1) W/OW))

    A window is a rectangle, so its mean is a mean over rows of a mean over columns: two
    matrix products with averaging matrices, A_h (OH, H) @ x @ A_w^T (W, OW).
    """
    op = "adaptive_avg_pool2d"
    input, unbatched = _batched(input, op)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating tensor, got {input.dtype}")
    height, width = input.shape[2:]
    out_h, out_w = _output_pair(output_size, (height, width), op)
    if height == 0 or width == 0:
        raise ShapeError(f"{op}: input of shape {input.shape} has no pixels to pool")
    rows = _averaging_matrix(height, out_h, input.dtype, input.device)
    cols = _averaging_matrix(width, out_w, input.dtype, input.device)
    out = rows @ input @ cols.T
    return out.squeeze(0) if unbatched else out


_INTERPOLATION_MODES = (
    "nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact",
)  # fmt: skip
_INTERPOLATION_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _pixel_scale(size: int, out: int, align_corners: bool, factor: float | None) -> float:
    """PyTorch's ``area_pixel_compute_scale``: how far apart in the input two neighbouring
    outputs are. align_corners: (in - 1) / (out - 1), so the corner pixels' centres meet;
    otherwise 1 / scale_factor when that was given (and not recomputed), else in / out."""
    if align_corners:
        return (size - 1) / (out - 1) if out > 1 else 0.0
    return 1.0 / factor if factor is not None and factor > 0 else size / out


def _source_positions(size: int, out: int, align_corners: bool, factor: float | None) -> Any:
    """Where output i samples the input, in input pixels (PyTorch's
    ``area_pixel_compute_source_index``): scale * i with align_corners, else the centre of
    output pixel i mapped back, scale * (i + 0.5) - 0.5 (negative near the first edge)."""
    scale = _pixel_scale(size, out, align_corners, factor)
    steps = np.arange(out, dtype=np.float64)
    return scale * steps if align_corners else scale * (steps + 0.5) - 0.5


def _floor_and_fraction(position: Any, size: int) -> tuple[Any, Any]:
    """PyTorch's ``guard_index_and_lambda``: the cell left of each position (its floor, taken
    of the position rounded to float32 as PyTorch's ``floorf`` does, at most size - 1) and the
    distance from it, clipped to [0, 1]."""
    index = np.minimum(np.floor(position.astype(np.float32)).astype(np.int64), size - 1)
    return index, np.clip(position - index, 0.0, 1.0)


def _linear_matrix(size: int, out: int, align_corners: bool, factor: float | None) -> Any:
    """(out, size) matrix of linear interpolation: row i weighs the two inputs around output
    i's source position by 1 - t and t (PyTorch's upsample_linear1d on one axis)."""
    matrix = np.zeros((out, size))
    if out == size:  # PyTorch copies when the size does not change, whatever the factor
        return np.eye(size)
    position = _source_positions(size, out, align_corners, factor)
    if not align_corners:
        position = np.maximum(position, 0.0)  # the first outputs copy the first input
    left, t = _floor_and_fraction(position, size)
    right = left + (left < size - 1)
    rows = np.arange(out)
    np.add.at(matrix, (rows, left), 1.0 - t)
    np.add.at(matrix, (rows, right), t)
    return matrix


def _cubic_matrix(size: int, out: int, align_corners: bool, factor: float | None) -> Any:
    """(out, size) matrix of cubic convolution (Keys 1981, A = -0.75 as PyTorch): row i
    weighs the four inputs left - 1 .. left + 2 around output i's source position, indices
    clamped into the input (the border pixel repeats), so clamped taps add up on it."""
    a = -0.75

    def near(x: Any) -> Any:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Any) -> Any:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    position = _source_positions(size, out, align_corners, factor)
    left, t = _floor_and_fraction(position, size)
    weights = (far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t))
    matrix = np.zeros((out, size))
    rows = np.arange(out)
    for j, weight in enumerate(weights):
        np.add.at(matrix, (rows, np.clip(left - 1 + j, 0, size - 1)), weight)
    return matrix


def _nearest_index(
    size: int, out: int, factor: float | None, exact: bool, exact_cases: bool
) -> Any:
    """The input index each output copies, computed in float32 as PyTorch's CPU kernels do:
    floor(i * scale) ('nearest') or floor((i + 0.5) * scale) ('nearest-exact', pixel centres),
    at most size - 1. ``exact_cases``: out == size copies and out == 2 size takes i // 2
    whatever the factor, as PyTorch's ``nearest_idx`` (which its 2-d 'nearest' uses)."""
    steps = np.arange(out)
    if exact_cases and out == size:
        return steps
    if exact_cases and out == 2 * size:
        return steps // 2
    scale = np.float32(1.0 / factor if factor is not None and factor > 0 else size / out)
    if exact:
        source = np.floor(((steps + 0.5) * np.float64(scale)).astype(np.float32))
    else:
        source = np.floor(steps.astype(np.float32) * scale)
    return np.minimum(source.astype(np.int64), size - 1)


def _along_axis(x: Tensor, axis: int, matrix: Any) -> Tensor:
    """x with its dim ``axis`` (a spatial one, >= 2) replaced by ``matrix`` (out, in) applied
    to it: one matmul, whose backward is matrix^T applied to the gradient."""
    if matrix.shape[0] == matrix.shape[1] and np.array_equal(matrix, np.eye(len(matrix))):
        return x
    weights = Tensor(matrix.astype(x.dtype), device=x.device)
    if axis == x.ndim - 1:
        return x @ weights.T
    if axis == x.ndim - 2:
        return weights @ x
    return (x.swapaxes(axis, -1) @ weights.T).swapaxes(axis, -1)


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size``,
    or by ``scale_factor`` (output size floor(in * factor)), as PyTorch's ``F.interpolate``.

    Every mode resamples each spatial axis on its own, output position i reading the input
    around its source position (in input pixels):

        align_corners=True:   i * (in - 1) / (out - 1)      (the corner pixels' centres meet)
        align_corners=False:  (i + 0.5) * scale - 0.5       (pixel centres; the default)

    with scale = 1 / scale_factor when a factor is given (unless ``recompute_scale_factor``),
    else in / out. Modes: 'linear' (3-d input), 'bilinear' (4-d), 'trilinear' (5-d) weigh the
    two inputs around the position by 1 - t and t; 'bicubic' (4-d) the four around it by the
    cubic convolution kernel with A = -0.75, border pixels repeated; 'nearest' copies input
    floor(i * scale), 'nearest-exact' floor((i + 0.5) * scale); 'area' averages as
    adaptive average pooling to the output size. Each axis' resampling is a fixed (out, in)
    matrix, applied as a matmul (gathers for the nearest modes), so the gradient is the
    transposed matrix applied to the output's gradient.
    """
    op = "interpolate"
    check_choice(op, "mode", mode, _INTERPOLATION_MODES)
    spatial = input.ndim - 2
    if spatial not in (1, 2, 3):
        raise ValueError(f"{op}: input must be 3-d, 4-d or 5-d (N, C, ...), got {input.shape}")
    interpolating = mode in _INTERPOLATION_DIMS
    if align_corners is not None:
        check_bool(op, "align_corners", align_corners)
        if not interpolating:
            raise ValueError(
                f"{op}: align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    align = bool(align_corners)
    if interpolating and _INTERPOLATION_DIMS[mode] != spatial:
        needs = _INTERPOLATION_DIMS[mode] + 2
        raise NotImplementedError(
            f"{op}: got {input.ndim}D input, but {mode} mode needs {needs}D input"
        )
    check_bool(op, "antialias", antialias)
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not implemented in minigrad")
    if recompute_scale_factor is not None:
        check_bool(op, "recompute_scale_factor", recompute_scale_factor)
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if mode not in ("nearest", "nearest-exact") and input.dtype.kind != "f":
        raise TypeError(f"{op}: mode {mode!r} needs a floating tensor, got {input.dtype}")
    sizes = input.shape[2:]
    if size is not None:
        if recompute_scale_factor:
            raise ValueError(
                f"{op}: recompute_scale_factor is not meaningful with an explicit size"
            )
        wanted = size if isinstance(size, (tuple, list)) else (size,) * spatial
        if len(wanted) != spatial:
            raise ValueError(f"{op}: size {size!r} must give {spatial} sizes for {input.shape}")
        out_sizes = [check_int(op, "size", n, low=1) for n in wanted]
        factors: list[float | None] = [None] * spatial
    else:
        given = (
            scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * spatial
        )
        if len(given) != spatial:
            raise ValueError(f"{op}: scale_factor {scale_factor!r} must give {spatial} factors")
        given = [check_number(op, "scale_factor", f, low=0, low_inclusive=False) for f in given]
        out_sizes = [math.floor(float(n) * f) for n, f in zip(sizes, given)]
        # recompute_scale_factor=True: the kernels see only the sizes, so scale = in / out.
        factors = [None] * spatial if recompute_scale_factor else list(given)
        if any(n < 1 for n in out_sizes):
            raise ValueError(
                f"{op}: scale_factor {scale_factor!r} makes an empty output from {input.shape}"
            )
    if any(n == 0 for n in sizes):
        raise ShapeError(f"{op}: input of shape {input.shape} has no pixels to resample")
    out = input
    for k, (n, m, factor) in enumerate(zip(sizes, out_sizes, factors)):
        axis = k + 2
        if mode in ("nearest", "nearest-exact"):
            exact = mode == "nearest-exact"
            index = _nearest_index(n, m, factor, exact, exact_cases=not exact and spatial == 2)
            if not np.array_equal(index, np.arange(n)):
                out = out[(slice(None),) * axis + (index,)]
        elif mode == "area":
            out = _along_axis(out, axis, _averaging_array(n, m))
        elif mode == "bicubic":
            out = _along_axis(out, axis, _cubic_matrix(n, m, align, factor))
        else:
            out = _along_axis(out, axis, _linear_matrix(n, m, align, factor))
    return out


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each value with probability p, scale the survivors by 1/(1-p).

    Scaling in training keeps the expected value of every unit unchanged, so evaluation
    (``training=False``) is the identity. The mask is made on the input's device from
    ``minigrad.random.random_bits`` (nothing is copied from the host), so a seed gives the same
    mask on the CPU and the GPU: a value is kept when its 64 random bits, read as an integer,
    are at least p * 2**64.
    """
    p = check_number("dropout", "p", p, low=0, high=1)
    check_bool("dropout", "inplace", inplace)
    if not training or p == 0.0:
        return input
    mask = _dropout_mask(input, input.shape, p)
    if not inplace:  # the common case, without the closure
        return input * mask
    return _maybe_in_place(input, inplace, "dropout", lambda x: x * mask)


def _dropout_mask(input: Tensor, shape: tuple[int, ...], p: float) -> Tensor:
    """0 with probability p, else 1/(1-p), of ``shape``, drawn on the input's device.

    p = 1 drops everything (PyTorch's answer: zeros, and zero gradients), with no 1/0.
    """
    if p == 1.0:
        return Tensor._wrap(input.xp.zeros(shape, dtype=input.dtype), input.device)
    keep = random_bits(input.xp, shape) >= np.uint64(min(int(p * 2.0**64), 2**64 - 1))
    mask = keep.astype(input.dtype) * input.dtype.type(1.0 / (1.0 - p))
    return Tensor._wrap(mask, input.device)


def _channel_dropout(
    input: Tensor, p: float, training: bool, inplace: bool, spatial: int, name: str
) -> Tensor:
    """Zero whole channels: one draw per (sample, channel), broadcast over the ``spatial``
    trailing dims, survivors scaled by 1/(1-p). Input (N, C, *spatial) or unbatched (C, *)."""
    p = check_number(name, "p", p, low=0, high=1)
    check_bool(name, "inplace", inplace)
    # dropout2d refuses 3-d input: PyTorch reads it as (N, C, L) with a warning that this
    # will change to (C, H, W); rather than guess, ask for dropout1d or an explicit batch dim.
    allowed = (spatial + 2,) if spatial == 2 else (spatial + 1, spatial + 2)
    if input.ndim not in allowed:
        unbatched = (
            f" or {spatial + 1}-d (C, ...)" if spatial == 1 else " (for (N, C, L) use dropout1d)"
        )
        raise ValueError(
            f"{name}: input must be {spatial + 2}-d (N, C, ...){unbatched}, got shape {input.shape}"
        )
    if not training or p == 0.0:
        return input
    mask = _dropout_mask(input, input.shape[: input.ndim - spatial] + (1,) * spatial, p)
    return _maybe_in_place(input, inplace, name, lambda x: x * mask)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Dropout of whole channels of (N, C, L) or (C, L) input (Tompson et al. 2015)."""
    return _channel_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Dropout of whole channels (feature maps) of (N, C, H, W) or (C, H, W) input."""
    return _channel_dropout(input, p, training, inplace, 2, "dropout2d")


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation (Ioffe & Szegedy 2015) over axis 1, the channels:

        y = (x - mean) / sqrt(var + eps) * weight + bias

    In training, mean and var are the batch's, per channel, over every other axis (var biased,
    dividing by n), and the running statistics move towards them (in place):

        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var  = (1 - momentum) * running_var  + momentum * var * n / (n - 1)   (unbiased)

    In evaluation (``training=False``) the running statistics are used instead.
    """
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: input must be (N, C, ...), got shape {input.shape}")
    channels = input.shape[1]
    axes = (0,) + tuple(range(2, input.ndim))  # every axis but the channels
    shape = (1, channels) + (1,) * (input.ndim - 2)  # per-channel values, ready to broadcast
    for name, value in (("running_mean", running_mean), ("running_var", running_var)):
        if value is not None and value.shape != (channels,):
            raise ShapeError(f"batch_norm: {name} must have shape ({channels},), got {value.shape}")
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(
                f"batch_norm: training needs more than one value per channel, got input shape "
                f"{input.shape}"
            )
        batch_mean = input.mean(axis=axes, keepdims=True)
        centered = input - batch_mean
        variance = (centered * centered).mean(axis=axes, keepdims=True)  # biased: divides by n
        # The running statistics are bookkeeping on the raw arrays, outside the graph.
        if running_mean is not None:
            running_mean.data *= 1 - momentum
            running_mean.data += momentum * batch_mean.data.reshape(channels)
            mark_written(running_mean)
        if running_var is not None:
            unbiased = variance.data.reshape(channels) * (count / (count - 1))
            running_var.data *= 1 - momentum
            running_var.data += momentum * unbiased
            mark_written(running_var)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation (training=False) needs running_mean and var")
        centered = input - running_mean.reshape(shape)
        variance = running_var.reshape(shape)
    out = centered / sqrt(variance + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalisation (Ba, Kiros & Hinton 2016) over the last dims, ``normalized_shape``:

        y = (x - mean) / sqrt(var + eps) * weight + bias

    with mean and var (biased: divided by n) taken over those dims, separately for every
    position in the dims before them. Unlike batch norm, no statistics are shared between the
    samples of a batch, so training and evaluation compute the same thing and there are no
    running statistics. One op, ``LayerNorm`` in minigrad/ops/reduction.py, with its backward
    (the classic closed form) beside it.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    for size in shape:
        check_int("layer_norm", "normalized_shape", size, low=1)
    count = len(shape)
    if count == 0 or input.ndim < count or input.shape[input.ndim - count :] != shape:
        raise ShapeError(
            f"layer_norm: the input's last dims must be normalized_shape {shape}, got input "
            f"shape {input.shape}"
        )
    _same_device(input, "layer_norm", weight=weight, bias=bias)
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and value.shape != shape:
            raise ShapeError(f"layer_norm: {name} must have shape {shape}, got {value.shape}")
    if not is_floating_dtype(input.dtype):
        input = input.astype(get_default_dtype())
    return ops_layer_norm(input, count, weight, bias, eps)


def embedding(
    input: Any,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` picked by the integer indices in ``input``: weight[input].

    The output has shape input.shape + (embedding_dim,); repeated indices add their gradients.
    The row ``padding_idx`` (if given; negative counts from the end) is read like any other but
    gets no gradient, as in PyTorch: padding tokens then never train their embedding.

    As PyTorch's:

    - ``max_norm``: before the lookup, each row that ``input`` picks and whose ``norm_type``-norm
      exceeds ``max_norm`` is scaled, **in place** in ``weight`` and outside the graph, by
      max_norm / (norm + 1e-7), so it comes out with norm just under max_norm.
    - ``scale_grad_by_freq``: the gradient reaching each row is divided by how many times its
      index occurs in ``input`` (the values are unchanged).
    - ``sparse=True`` (a sparse gradient) is not supported in minigrad.
    """
    if check_bool("embedding", "sparse", sparse):
        raise NotImplementedError(
            "embedding: sparse=True is not supported in minigrad (gradients are dense arrays)"
        )
    scale_grad_by_freq = check_bool("embedding", "scale_grad_by_freq", scale_grad_by_freq)
    indices = (input if isinstance(input, Tensor) else Tensor(input, device=weight.device)).data
    if indices.dtype.kind not in "iu":
        raise DtypeError(f"embedding: indices must be integers, got {indices.dtype}")
    rows = weight.shape[0]
    if not all_below(indices, rows):
        raise IndexError(f"embedding: indices must lie in [0, {rows - 1}]")
    if max_norm is not None:
        max_norm = check_number("embedding", "max_norm", max_norm, allow_inf=True)
        p = check_number("embedding", "norm_type", norm_type, allow_inf=True)
        _embedding_renorm_(weight, indices, max_norm, p)
    out = GetItem.apply(weight, index=indices)  # checked above: not getitem's check again
    if scale_grad_by_freq:
        xp = weight.xp
        _, inverse, counts = xp.unique(indices, return_inverse=True, return_counts=True)
        per_position = (1.0 / counts)[inverse.reshape(indices.shape)][..., None]
        scaled = out * Tensor._wrap(per_position.astype(weight.dtype), weight.device)
        # out's values exactly (s - s is 0), with the gradient of the scaled copy
        out = out.detach() + (scaled - scaled.detach())
    if padding_idx is None:
        return out
    padding_idx = check_int("embedding", "padding_idx", padding_idx, low=-rows, high=rows - 1)
    padded = Tensor._wrap((indices == padding_idx % rows)[..., None], weight.device)
    # The same values everywhere; only where a row is padding, they come from a detached copy,
    # so no gradient flows back into that row.
    return where(padded, out.detach(), out)


def _embedding_renorm_(weight: Tensor, indices: Any, max_norm: float, p: float) -> None:
    """PyTorch's embedding_renorm_: rows of ``weight`` picked by ``indices`` whose p-norm is above
    ``max_norm`` are multiplied by max_norm / (norm + 1e-7), in place and without a gradient."""
    xp = weight.xp
    picked = xp.unique(indices)
    rows = weight.data[picked]
    size = xp.abs(rows)
    if p == math.inf:
        norms = size.max(axis=1)
    elif p == 2:
        norms = xp.sqrt((rows * rows).sum(axis=1))
    else:
        norms = (size**p).sum(axis=1) ** (1 / p)
    too_long = norms > max_norm
    scale = xp.where(too_long, max_norm / (norms + 1e-7), 1.0).astype(weight.dtype)
    weight.data[picked] = rows * scale[:, None]
    mark_written(weight)  # PyTorch's renorm bumps the weight's version too


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Integer class indices -> int64 one-hot rows: the result has shape
    tensor.shape + (num_classes,), 1 at [..., tensor[...]] and 0 elsewhere. ``num_classes=-1``
    takes the largest index + 1. Not differentiable (its input holds integers)."""
    tensor = tensor if isinstance(tensor, Tensor) else Tensor(tensor)
    if tensor.dtype.kind not in "iu":
        raise TypeError(f"one_hot: tensor must hold integer class indices, got {tensor.dtype}")
    num_classes = check_int("one_hot", "num_classes", num_classes, low=-1)
    indices = tensor.data
    if num_classes == -1:
        if not indices.size:
            raise ValueError("one_hot: num_classes=-1 cannot be inferred from an empty tensor")
        num_classes = int(indices.max()) + 1
    if not all_below(indices, num_classes):
        raise ValueError(f"one_hot: class indices must lie in [0, {num_classes - 1}]")
    xp = tensor.xp
    # compare each index with 0, 1, ..., C-1 along a new last axis: one broadcast comparison
    classes = xp.arange(num_classes, dtype=indices.dtype)
    return Tensor._wrap((indices[..., None] == classes).astype(np.int64), tensor.device)


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """PyTorch's pad: ``pad`` lists (before, after) pairs from the *last* dim backwards, so
    (1, 2) pads the last dim with 1 before and 2 after, and (1, 2, 3, 4) also pads the one
    before it with 3 and 4. A negative amount crops instead.

    mode 'constant' fills with ``value`` (0 by default); 'reflect' mirrors the input without
    repeating its edge (a pad must be smaller than the dim); 'replicate' repeats the edge;
    'circular' wraps around (a pad at most the dim). Every mode is differentiable: the
    gradient of each copied value goes back to where it was copied from.
    """
    check_choice("pad", "mode", mode, ("constant", "reflect", "replicate", "circular"))
    amounts = tuple(pad) if isinstance(pad, (tuple, list)) else None
    if (
        amounts is None
        or len(amounts) % 2
        or len(amounts) // 2 > input.ndim
        or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in amounts)
    ):
        raise ShapeError(
            f"pad: pad must be a tuple of ints of even length, at most 2 per dim "
            f"({2 * input.ndim} here), got {pad!r}"
        )
    if mode != "constant" and value is not None:
        raise ValueError(f"pad: value is for mode='constant', not mode={mode!r}")
    widths = [(0, 0)] * input.ndim
    for i in range(len(amounts) // 2):
        widths[input.ndim - 1 - i] = (int(amounts[2 * i]), int(amounts[2 * i + 1]))
    if mode == "constant":
        # crop what is negative first (a slice), then pad what is positive
        crop = tuple(
            slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, input.shape)
        )
        if any(lo < 0 or hi < 0 for lo, hi in widths):
            input = input[crop]
        positive = tuple((max(lo, 0), max(hi, 0)) for lo, hi in widths)
        return ops_pad(input, positive, value=0.0 if value is None else value)
    out = input
    for axis, (lo, hi) in enumerate(widths):
        if lo == 0 and hi == 0:
            continue
        n = input.shape[axis]
        limit = n - 1 if mode == "reflect" else n
        if lo > limit or hi > limit or lo < 0 or hi < 0:
            raise ShapeError(
                f"pad: mode={mode!r} needs pads in [0, {limit}] for dim {axis} of size {n}, "
                f"got ({lo}, {hi})"
            )
        source = np.arange(-lo, n + hi)  # the position each output element copies
        if mode == "replicate":
            source = np.clip(source, 0, n - 1)
        elif mode == "circular":
            source = source % n
        else:  # reflect about the first and last elements: period 2(n - 1)
            source = np.abs(source)
            source = np.where(source > n - 1, 2 * (n - 1) - source, source)
        index = (slice(None),) * axis + (source,)
        out = out[index]  # an integer-array index: gathers, and its backward adds back
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(||input||_p, eps) along ``dim``: unit vectors, with eps keeping a zero
    vector at 0 instead of 0 / 0."""
    eps = check_number("normalize", "eps", eps, low=0)
    return input / input.norm(p, dim, keepdim=True).clip(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2) / (max(||x1||, eps) max(||x2||, eps)) along ``dim`` (inputs broadcast).

    Each norm is clamped at eps in value only; its gradient is the norm's own, as in PyTorch
    (which clamps the norms outside the graph), so tiny vectors give PyTorch's gradients.
    """
    eps = check_number("cosine_similarity", "eps", eps, low=0)
    _same_device(x1, "cosine_similarity", x2=x2)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ShapeError(
            f"cosine_similarity: shapes {x1.shape} and {x2.shape} cannot be broadcast together"
        ) from None
    x1, x2 = x1.broadcast_to(shape), x2.broadcast_to(shape)

    def clamped_norm(x: Tensor) -> Tensor:
        length = x.norm(2, dim, keepdim=True)
        return length + (length.detach().clip(min=eps) - length.detach())

    return (x1 / clamped_norm(x1) * (x2 / clamped_norm(x2))).sum(axis=dim)


# ---- losses -------------------------------------------------------------------------------------
def _check_reduction(reduction: str, name: str) -> None:
    check_choice(name, "reduction", reduction, ("mean", "sum", "none"))


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    _check_reduction(reduction, name)
    if reduction == "mean":
        return mean(loss)
    return sum(loss) if reduction == "sum" else loss


def _same_shape_target(input: Tensor, target: Any, name: str) -> Tensor:
    target = (
        target
        if isinstance(target, Tensor)
        else Tensor(target, dtype=input.dtype, device=input.device)
    )
    _same_device(input, name, target=target)
    if input.shape != target.shape:
        raise ShapeError(
            f"{name}: input shape {input.shape} and target shape {target.shape} differ "
            "(broadcasting here is almost always a bug, so it is refused)"
        )
    return target


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((input - target)^2). Shapes must match exactly."""
    diff = input - _same_shape_target(input, target, "mse_loss")
    return _reduce(diff * diff, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error: mean(|input - target|). Shapes must match exactly."""
    diff = input - _same_shape_target(input, target, "l1_loss")
    return _reduce(diff.abs(), reduction, "l1_loss")


def smooth_l1_loss(
    input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """Smooth L1 (Girshick 2015), with d = input - target:

        0.5 d^2 / beta    where |d| < beta
        |d| - 0.5 beta    elsewhere

    Quadratic near 0, linear beyond beta, with matching slopes at |d| = beta; beta = 0 is the
    L1 loss. Shapes must match exactly.
    """
    beta = check_number("smooth_l1_loss", "beta", beta, low=0)
    diff = input - _same_shape_target(input, target, "smooth_l1_loss")
    size = diff.abs()
    if beta == 0:  # the quadratic piece is empty (and 0.5 d^2 / 0 would make NaN gradients)
        return _reduce(size, reduction, "smooth_l1_loss")
    near = Tensor._wrap(size.data < beta, input.device)
    loss = where(near, diff * diff * (0.5 / beta), size - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss (Huber 1964), with d = input - target:

        0.5 d^2                     where |d| < delta
        delta (|d| - 0.5 delta)     elsewhere

    delta times ``smooth_l1_loss`` with beta = delta. Shapes must match exactly.
    """
    delta = check_number("huber_loss", "delta", delta, low=0, low_inclusive=False)
    diff = input - _same_shape_target(input, target, "huber_loss")
    size = diff.abs()
    near = Tensor._wrap(size.data < delta, input.device)
    loss = where(near, diff * diff * 0.5, (size - 0.5 * delta) * delta)
    return _reduce(loss, reduction, "huber_loss")


def _class_targets(
    input: Tensor, target: Any, name: str, weight: Tensor | None, ignore_index: int
) -> tuple[Tensor, Any, Any, Any]:
    """(N, C) scores, the (N,) class indices (ignored ones replaced by 0), the per-sample
    weights w[n] = weight[target[n]], 0 where target[n] == ignore_index (None when all are 1),
    and the boolean mask of the samples not ignored (None when none can be). One sample (C,)
    becomes N = 1."""
    target = target if isinstance(target, Tensor) else Tensor(target, device=input.device)
    if weight is not None and not isinstance(weight, Tensor):
        weight = Tensor(weight, device=input.device)
    _same_device(input, name, target=target, weight=weight)
    target = target.data
    if target.dtype.kind not in "iu":
        raise DtypeError(f"{name}: target must hold integer class indices, got {target.dtype}")
    if input.ndim == 1:
        input, target = input.reshape(1, -1), target.reshape(1)
    if input.ndim != 2 or target.shape != (input.shape[0],):
        raise ShapeError(
            f"{name}: input must be (N, C) and target (N,), got {input.shape} and {target.shape}"
        )
    classes = input.shape[1]
    ignore_index = check_int(name, "ignore_index", ignore_index)
    if weight is not None and weight.shape != (classes,):
        raise ShapeError(
            f"{name}: weight must have one value per class, shape ({classes},), got {weight.shape}"
        )
    class_weight = None if weight is None else weight.data.astype(input.dtype)
    # The usual case, every target a class (-100, the default ignore_index, is none): one
    # value read, as before. Only when that fails, or ignore_index names a class, look closer.
    if not 0 <= ignore_index < classes and all_below(target, classes):
        return input, target, None if class_weight is None else class_weight[target], None
    kept = target != ignore_index
    target = input.xp.where(kept, target, 0)
    if not all_below(target, classes):
        raise TargetError(
            f"{name}: target values must lie in [0, {classes - 1}] (or be ignore_index, "
            f"{ignore_index})"
        )
    sample_weight = kept.astype(input.dtype)
    if class_weight is not None:
        sample_weight = sample_weight * class_weight[target]
    return input, target, sample_weight, kept


def _without_ignored(losses: Tensor, kept: Any) -> Tensor:
    """The per-sample losses with each ignored sample's taken out of the graph: 0, by where
    rather than a product with w = 0, so that its loss is 0 even where its scores are NaN or
    inf (a padding row), and its gradient exactly 0 even when a 'mean' is 0 / 0 = NaN (every
    sample ignored: w[n] * (1 / 0) would be 0 * inf = NaN in every row), as in PyTorch."""
    return losses if kept is None else where(Tensor._wrap(kept, losses.device), losses, 0.0)


def _weighted_mean(losses: Tensor, sample_weight: Any) -> Tensor:
    """sum(losses) / sum(w), PyTorch's 'mean' with weights or ignored targets, for losses
    already weighted (and ignored ones taken out)."""
    return losses.sum() / Tensor._wrap(sample_weight.sum(), losses.device)


def _classes_last(input: Tensor, target: Tensor, name: str) -> tuple[Tensor, tuple[int, ...]]:
    """(N, C, d1, ...) scores as (N*d1*..., C), one row per position (the class axis moved
    last), and the shape (N, d1, ...) of the positions; the target must have that shape."""
    positions = (input.shape[0],) + input.shape[2:]
    if target.shape != positions:
        raise ShapeError(
            f"{name}: input (N, C, d1, ...) of shape {input.shape} needs a target of shape "
            f"{positions}, got {target.shape}"
        )
    classes_last = input.permute(0, *range(2, input.ndim), 1)
    return classes_last.reshape(-1, input.shape[1]), positions


def _cross_entropy_with_probabilities(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
) -> Tensor:
    """Cross-entropy against class probabilities p (a float target of the input's shape):

        loss[n] = -sum over c of w[c] p'[n, c] log softmax(input[n])[c],
        p' = (1 - e) p + e / C  (label smoothing e)

    'mean' divides by the number of samples N (times d1 * ... for (N, C, d1, ...) input), with
    or without class weights: PyTorch's rule for probability targets. Classes are on axis 1.
    """
    name = "cross_entropy"
    _same_device(input, name, target=target)
    if ignore_index != -100:
        raise ValueError(f"{name}: ignore_index is not supported with probability targets")
    if target.shape != input.shape:
        if target.ndim == input.ndim - 1:  # the shape of class indices, but floats
            raise DtypeError(
                f"{name}: target must hold integer class indices, got {target.dtype} of shape "
                f"{target.shape} (a float target means class probabilities, of the input's "
                f"shape {input.shape})"
            )
        raise ShapeError(
            f"{name}: a probability target must have the input's shape {input.shape}, "
            f"got {target.shape}"
        )
    if input.ndim == 0:
        raise ValueError(f"{name}: input must be (N, C, ...) or (C,), got a 0-d tensor")
    single = input.ndim == 1
    if single:
        input, target = input.reshape(1, -1), target.reshape(1, -1)
    classes = input.shape[1]
    if weight is not None:
        weight = weight if isinstance(weight, Tensor) else Tensor(weight, device=input.device)
        if weight.shape != (classes,):
            raise ShapeError(
                f"{name}: weight must have one value per class, shape ({classes},), got "
                f"{weight.shape}"
            )
    target = target.astype(input.dtype)
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / classes
    log_probs = log_softmax(input, axis=1)
    if weight is not None:
        shape = (1, classes) + (1,) * (input.ndim - 2)
        log_probs = log_probs * weight.astype(input.dtype).reshape(shape)
    loss = -(target * log_probs).sum(axis=1)  # (N, d1, ...)
    if reduction == "mean":
        return loss.sum() / loss.numel()  # per sample (and position), weighted or not
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(()) if single else loss


def _picked(scores: Tensor, target: Any) -> Tensor:
    """scores[n, target[n]] for each row n; the targets were checked by _class_targets, so this
    skips getitem's own bounds check (on a GPU, more values read back)."""
    return GetItem.apply(scores, index=(scores.xp.arange(scores.shape[0]), target))


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood: -w[t[n]] input[n, t[n]], for ``input`` holding log-probabilities;
    'mean' divides by the sum of the weights of the targets not ignored (PyTorch's rule).
    (N, C, d1, ...) input with (N, d1, ...) targets counts each position as a sample."""
    if input.ndim > 2:
        target = target if isinstance(target, Tensor) else Tensor(target, device=input.device)
        flat, positions = _classes_last(input, target, "nll_loss")
        loss = nll_loss(
            flat, target.reshape(-1), weight, ignore_index=ignore_index, reduction=reduction
        )
        return loss.reshape(positions) if reduction == "none" else loss
    if input.ndim == 1 and reduction == "none":  # one sample (C,): its loss is 0-d, as PyTorch's
        target = target if isinstance(target, Tensor) else Tensor(target, device=input.device)
        return nll_loss(
            input.reshape(1, -1),
            target.reshape(1),
            weight,
            ignore_index=ignore_index,
            reduction=reduction,
        ).reshape(())
    input, target, sample_weight, kept = _class_targets(
        input, target, "nll_loss", weight, ignore_index
    )
    picked = _picked(input, target)
    if sample_weight is None:
        return _reduce(-picked, reduction, "nll_loss")
    losses = _without_ignored(-picked * Tensor._wrap(sample_weight, input.device), kept)
    _check_reduction(reduction, "nll_loss")
    if reduction == "mean":
        return _weighted_mean(losses, sample_weight)
    return losses.sum() if reduction == "sum" else losses


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy with integer class targets: -log softmax(input)[target].

    ``input`` holds (N, C) logits (or (C,) for one sample), ``target`` N class indices in
    [0, C), or ``ignore_index`` (-100 by default) for samples that count for nothing. With class
    weights w the loss of sample n is scaled by w[t[n]], and 'mean' divides by the sum of those
    weights instead of N (PyTorch's rule). With label smoothing e the target is the
    distribution (1 - e) one_hot + e / C, so

        loss = (1 - e) * w[t] (-log p[t]) + e * mean over classes c of w[c] (-log p[c])

    log_softmax keeps logits of any size finite.
    """
    check_number("cross_entropy", "label_smoothing", label_smoothing, low=0, high=1)
    _check_reduction(reduction, "cross_entropy")
    target = target if isinstance(target, Tensor) else Tensor(target, device=input.device)
    if target.dtype.kind == "f":
        return _cross_entropy_with_probabilities(
            input, target, weight, ignore_index, reduction, label_smoothing
        )
    if input.ndim > 2:  # (N, C, d1, ...): one sample per position, through the (N, C) path
        flat, positions = _classes_last(input, target, "cross_entropy")
        loss = cross_entropy(
            flat,
            target.reshape(-1),
            weight,
            ignore_index=ignore_index,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )
        return loss.reshape(positions) if reduction == "none" else loss
    if input.ndim == 1 and reduction == "none":  # one sample (C,): its loss is 0-d, as PyTorch's
        loss = cross_entropy(
            input.reshape(1, -1),
            target.reshape(1),
            weight,
            ignore_index=ignore_index,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )
        return loss.reshape(())
    input, target, sample_weight, kept = _class_targets(
        input, target, "cross_entropy", weight, ignore_index
    )
    if label_smoothing == 0:  # (an empty batch's 'mean' is 0 / 0 = NaN, as PyTorch's)
        return softmax_cross_entropy(input, target, reduction, sample_weight, kept)
    log_probs = log_softmax(input, axis=1)
    picked = -_picked(log_probs, target)
    class_weight = 1.0 if weight is None else weight.astype(input.dtype).reshape(1, -1)
    uniform = -(log_probs * class_weight).mean(axis=1)
    if sample_weight is None:
        loss = (1.0 - label_smoothing) * picked + label_smoothing * uniform
        return _reduce(loss, reduction, "cross_entropy")
    # The smoothing term counts for every sample not ignored, whatever its class's weight (a
    # sample of a class of weight 0 keeps it, as in PyTorch), and for no ignored one.
    picked = _without_ignored(picked * Tensor._wrap(sample_weight, input.device), kept)
    uniform = _without_ignored(uniform, kept)
    if reduction == "mean":  # each term over sum(w): 0 / 0 + x / 0 = NaN, as PyTorch's
        picked, uniform = (
            _weighted_mean(picked, sample_weight),
            _weighted_mean(uniform, sample_weight),
        )
        return (1.0 - label_smoothing) * picked + label_smoothing * uniform
    loss = (1.0 - label_smoothing) * picked + label_smoothing * uniform
    return loss.sum() if reduction == "sum" else loss


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy on logits x with targets y in [0, 1], stable for any x:

        -(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))  =  softplus(x) - x y
                                                           =  max(x, 0) - x y + log(1 + e^-|x|)

    (using log sigmoid(x) = -softplus(-x) and softplus(x) - softplus(-x) = x). sigmoid then log
    would give log(0) = -inf for large |x|; softplus never does. ``pos_weight`` p scales the
    positive term: p y softplus(-x) + (1 - y) softplus(x). ``weight`` scales each element.
    """
    name = "binary_cross_entropy_with_logits"
    target = _same_shape_target(input, target, name)
    # Two equal forms, with w = 1 + (p - 1) y:
    #     (1 - y) x + w softplus(-x)  =  w softplus(x) - p y x.
    # Each is used where its softplus is of a negative number: a tiny loss keeps its digits
    # (e^-40, not 0), and x = inf with y = 0 gives inf as in PyTorch, not inf - inf * 0 = NaN.
    # (The form not taken may meet inf * 0 at x = +-inf: NaN, never picked.)
    p = 1.0 if pos_weight is None else pos_weight
    w = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * target
    loss = where(
        input.data > 0,
        (1.0 - target) * input + w * softplus(-input),
        w * softplus(input) - p * target * input,
    )
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, name)


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """Binary cross-entropy on probabilities x in [0, 1] with targets y:

        -w (y log x + (1 - y) log(1 - x)),   each log clamped at -100 (as PyTorch)

    so x = 0 or 1 costs at most 100 instead of inf. ``weight`` w scales each element
    (broadcast to the input). On logits, ``binary_cross_entropy_with_logits`` is the stable
    choice; this one is for inputs that are already probabilities (after a sigmoid).
    """
    name = "binary_cross_entropy"
    target = _same_shape_target(input, target, name)
    _check_reduction(reduction, name)
    data = input.data
    if data.size and not bool(((data >= 0) & (data <= 1)).all()):  # NaN fails this too
        raise ValueError(f"{name}: every element of input must lie in [0, 1] (probabilities)")
    loss = BinaryCrossEntropy.apply(input, target.astype(input.dtype))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, name)


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence with ``input`` holding log-probabilities log q, pointwise

        p (log p - log q)          for target p (log_target=False; 0 where p = 0)
        e^t (t - log q)            for target t = log p (log_target=True)

    reduced as PyTorch does: 'sum', 'none', 'batchmean' (the sum divided by the batch size,
    input.shape[0]: the KL divergence per sample) or 'mean' (divided by the number of
    elements, which is not the KL divergence; PyTorch keeps it as the default).
    """
    name = "kl_div"
    check_choice(name, "reduction", reduction, ("mean", "batchmean", "sum", "none"))
    check_bool(name, "log_target", log_target)
    target = _same_shape_target(input, target, name)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # p log p, taken as 0 where p = 0 (its limit). Its slope there, log p + 1, is -inf: the
        # branch not taken gives 0 * -inf = NaN as that gradient, PyTorch's answer too.
        nonzero = Tensor._wrap(target.data != 0, input.device)
        loss = where(nonzero, target * target.log(), 0.0) - target * input
    if reduction == "batchmean":
        return sum(loss) / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction, name)


# Attention lives in attention.py, beside MultiheadAttention; it is re-exported here, so that
# F.scaled_dot_product_attention is where PyTorch users look for it. (It imports this module's
# linear and dropout, which are defined by now: minigrad.nn imports this module first.)
from .attention import scaled_dot_product_attention  # noqa: E402

# ==== PyTorch's missing layers' functional forms: 1-d pools, group/instance norm, distances ====
__all__ += [
    "avg_pool1d", "dropout1d", "dropout2d", "group_norm", "hardsigmoid", "hardswish",
    "instance_norm", "max_pool1d", "pairwise_distance", "prelu",
]  # fmt: skip


def _single(value: Any, name: str, op: str) -> int:
    """An int, or a 1-tuple of one (PyTorch's 1-d pools take both)."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    return check_int(op, name, value)


def _as_2d_pool_input(input: Tensor, op: str) -> Tensor:
    """(N, C, L) -> (N, C, 1, L), (C, L) -> (C, 1, L): a 1-d pool is a 2-d one of height 1."""
    if input.ndim not in (2, 3):
        raise ShapeError(f"{op}: input must be (N, C, L) or (C, L), got shape {input.shape}")
    return input.unsqueeze(-2)


def max_pool1d(
    input: Tensor,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The largest value in each window of length ``kernel_size`` along the last dim
    (``max_pool2d`` on a height-1 image); ``stride`` defaults to ``kernel_size``.
    ``return_indices=True`` also returns each maximum's position along L (int64)."""
    op = "max_pool1d"
    k = _single(kernel_size, "kernel_size", op)
    s = k if stride is None else _single(stride, "stride", op)
    out = max_pool2d(
        _as_2d_pool_input(input, op),
        (1, k),
        (1, s),
        (0, _single(padding, "padding", op)),
        (1, _single(dilation, "dilation", op)),
        ceil_mode,
        check_bool(op, "return_indices", return_indices),
    )
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


# ---- max unpooling: the indices of max_pool1d/2d(return_indices=True) put back ---------------
__all__ += ["max_unpool1d", "max_unpool2d"]


def _unpool_output_size(
    input: Tensor,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    output_size: Any,
    op: str,
) -> tuple[int, ...]:
    """PyTorch's ``_unpool_output_size``: (in - 1) * stride + kernel - 2 * padding per axis,
    or ``output_size`` (its last len(kernel) entries when it also names N and C), which must
    lie strictly within one stride of that default."""
    dims = len(kernel)
    default = tuple(
        (input.shape[input.ndim - dims + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
        for d in range(dims)
    )
    if output_size is None:
        return default
    size = tuple(output_size)
    if len(size) == dims + 2:
        size = size[2:]
    if len(size) != dims:
        raise ValueError(
            f"{op}: output_size should be a sequence containing {dims} or {dims + 2} elements, "
            f"but it has a length of '{len(size)}'"
        )
    size = tuple(check_int(op, "output_size", n) for n in size)
    for d in range(dims):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < size[d] < high:
            raise ValueError(
                f'{op}: invalid output_size "{size}" (dim {d} must be between {low} and {high})'
            )
    return size


def _unpool(input: Tensor, indices: Tensor, size: tuple[int, ...], op: str) -> Tensor:
    """out[..., indices[..., i]] = input[..., i] on zeros of (N, C) + ``size``, each (N, C)
    plane flattened: a scatter, so the gradient is the output gradient gathered at the
    indices. Indices outside the plane raise."""
    if not isinstance(indices, Tensor) or indices.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be an integer Tensor")
    if indices.shape != input.shape:
        raise ShapeError(
            f"{op}: expected shape of indices to be same as that of the input tensor "
            f"({input.shape}), got {indices.shape}"
        )
    lead = input.shape[:-1] if len(size) == 1 else input.shape[:-2]
    if len(lead) not in (1, 2):
        raise ShapeError(f"{op}: input must be (N, C, ...) or (C, ...), got shape {input.shape}")
    plane = math.prod(size)
    if not all_below(indices.data, plane):
        raise IndexBoundsError(
            f"{op}: found an invalid max index (the output planes are of size "
            f"{'x'.join(map(str, size))}, so indices must lie in [0, {plane - 1}])"
        )
    zeros = Tensor._wrap(input.xp.zeros(lead + (plane,), dtype=input.dtype), input.device)
    flat = input.reshape(lead + (-1,))
    out = zeros.scatter(-1, indices.reshape(lead + (-1,)).astype(np.int64), flat)
    return out.reshape(lead + size)


def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: int | Pair,
    stride: int | Pair | None = None,
    padding: int | Pair = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """The partial inverse of ``max_pool2d``: zeros of size (H_in - 1) * stride + kernel -
    2 * padding (or ``output_size``) with each value written at its flat index h * W + w from
    ``max_pool2d(..., return_indices=True)``. Input (N, C, H, W) or (C, H, W)."""
    op = "max_unpool2d"
    kernel = as_pair(kernel_size, "kernel_size", op, minimum=1)
    steps = kernel if stride is None else as_pair(stride, "stride", op, minimum=1)
    pads = as_pair(padding, "padding", op, minimum=0)
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: input must be (N, C, H, W) or (C, H, W), got {input.shape}")
    size = _unpool_output_size(input, kernel, steps, pads, output_size, op)
    return _unpool(input, indices, size, op)


def max_unpool1d(
    input: Tensor,
    indices: Tensor,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """The partial inverse of ``max_pool1d``: zeros of length (L_in - 1) * stride + kernel -
    2 * padding (or ``output_size``) with each value written at its index from
    ``max_pool1d(..., return_indices=True)``. Input (N, C, L) or (C, L)."""
    op = "max_unpool1d"
    k = _single(kernel_size, "kernel_size", op)
    s = k if stride is None else _single(stride, "stride", op)
    if input.ndim not in (2, 3):
        raise ShapeError(f"{op}: input must be (N, C, L) or (C, L), got shape {input.shape}")
    size = _unpool_output_size(
        input, (k,), (s,), (_single(padding, "padding", op),), output_size, op
    )
    return _unpool(input, indices, size, op)


def avg_pool1d(
    input: Tensor,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window of length ``kernel_size`` along the last dim (``avg_pool2d``
    on a height-1 image); ``stride`` defaults to ``kernel_size``."""
    op = "avg_pool1d"
    k = _single(kernel_size, "kernel_size", op)
    s = k if stride is None else _single(stride, "stride", op)
    out = avg_pool2d(
        _as_2d_pool_input(input, op),
        (1, k),
        (1, s),
        (0, _single(padding, "padding", op)),
        ceil_mode,
        count_include_pad,
    )
    return out.squeeze(-2)


def _per_channel(value: Tensor, ndim: int) -> Tensor:
    """A (C,) tensor shaped (1, C, 1, ...) to broadcast against an (N, C, ...) input."""
    return value.reshape((1, -1) + (1,) * (ndim - 2))


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalisation (Wu & He 2018): the C channels of each sample split into
    ``num_groups`` groups of C / G, each normalised over its channels and positions,

        y = (x - mean_g) / sqrt(var_g + eps) * weight[c] + bias[c]     (var biased)

    Independent of the batch, like layer norm (G = 1) and instance norm (G = C).
    """
    num_groups = check_int("group_norm", "num_groups", num_groups, low=1)
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise ShapeError(
            f"group_norm: input must be (N, C, ...) with C divisible by num_groups="
            f"{num_groups}, got shape {input.shape}"
        )
    channels = input.shape[1]
    _same_device(input, "group_norm", weight=weight, bias=bias)
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and value.shape != (channels,):
            raise ShapeError(f"group_norm: {name} must have shape ({channels},), got {value.shape}")
    grouped = input.reshape((input.shape[0], num_groups, -1))
    centered = grouped - grouped.mean(axis=2, keepdims=True)
    variance = (centered * centered).mean(axis=2, keepdims=True)
    out = (centered * (variance + eps) ** -0.5).reshape(input.shape)
    if weight is not None:
        out = out * _per_channel(weight, input.ndim)
    if bias is not None:
        out = out + _per_channel(bias, input.ndim)
    return out


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Instance normalisation (Ulyanov et al. 2016): each channel of each sample normalised
    over its own positions, y = (x - mean_nc) / sqrt(var_nc + eps) * weight + bias.

    With ``use_input_stats`` the running statistics, if given, move towards the batch average
    of the per-instance ones (var unbiased), as batch norm's do; without, they are used instead.
    Input (N, C, *spatial) with at least one spatial dim.
    """
    if input.ndim < 3:
        raise ValueError(f"instance_norm: input must be (N, C, L, ...), got shape {input.shape}")
    channels = input.shape[1]
    _same_device(
        input, "instance_norm", running_mean=running_mean, running_var=running_var, weight=weight,
        bias=bias,
    )  # fmt: skip
    for name, value in (
        ("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
        ("bias", bias),
    ):  # fmt: skip
        if value is not None and value.shape != (channels,):
            raise ValueError(
                f"instance_norm: {name} must have shape ({channels},), got {value.shape}"
            )
    axes = tuple(range(2, input.ndim))
    if use_input_stats:
        count = math.prod(input.shape[2:])
        mean_nc = input.mean(axis=axes, keepdims=True)
        centered = input - mean_nc
        variance = (centered * centered).mean(axis=axes, keepdims=True)
        # The running statistics are bookkeeping on the raw arrays, outside the graph.
        if running_mean is not None:
            running_mean.data *= 1 - momentum
            running_mean.data += momentum * mean_nc.data.reshape(-1, channels).mean(axis=0)
            mark_written(running_mean)
        if running_var is not None:
            unbiased = variance.data.reshape(-1, channels) * (count / max(count - 1, 1))
            running_var.data *= 1 - momentum
            running_var.data += momentum * unbiased.mean(axis=0)
            mark_written(running_var)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and var")
        centered = input - _per_channel(running_mean, input.ndim)
        variance = _per_channel(running_var, input.ndim)
    out = centered * (variance + eps) ** -0.5
    if weight is not None:
        out = out * _per_channel(weight, input.ndim)
    if bias is not None:
        out = out + _per_channel(bias, input.ndim)
    return out


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """The p-norm of x1 - x2 + eps along the last dim: (sum |x1 - x2 + eps|^p)^(1/p).

    The eps (PyTorch's) keeps the gradient finite when x1 == x2.
    """
    p = check_number("pairwise_distance", "p", p, low=0, allow_inf=True)
    diff = (x1 - x2 + eps).abs()
    if p == 0:  # the count of nonzero differences, with a zero gradient (PyTorch's norm)
        nonzero = (diff.detach() != 0).astype(diff.dtype)
        return nonzero.sum(axis=-1, keepdims=keepdim) + diff.sum(axis=-1, keepdims=keepdim) * 0.0
    if math.isinf(p):
        return diff.amax(-1, keepdim)
    return (diff**p).sum(axis=-1, keepdims=keepdim) ** (1.0 / p)


# ==== PyTorch's margin, embedding and likelihood losses: written in losses.py, beside their
# modules, and re-exported here where PyTorch users look for them (losses.py imports helpers
# from this module, all defined by now).
from .losses import (  # noqa: E402
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
)

__all__ += [
    "cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss", "margin_ranking_loss",
    "multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss",
    "poisson_nll_loss", "soft_margin_loss", "triplet_margin_loss",
]  # fmt: skip

# ==== PyTorch's layers built from the functions above: written in layers_more.py, beside their
# modules, and re-exported here.
from .layers_more import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    alpha_dropout,
    bilinear,
    local_response_norm,
    lp_pool1d,
    lp_pool2d,
    pixel_shuffle,
    pixel_unshuffle,
    rms_norm,
    rrelu,
)

__all__ += ["alpha_dropout", "local_response_norm", "rrelu"]
__all__ += [
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d", "bilinear", "lp_pool1d",
    "lp_pool2d", "pixel_shuffle", "pixel_unshuffle", "rms_norm",
]  # fmt: skip


# ==== 3-d convolution and pooling, 1-d transposed convolution ====
# A 3-d window is kd 2-d windows, one per depth offset: the depth offsets are cut out as
# strided slices of the (depth-padded) input and stacked, after which one 2-d op (conv2d, or
# a 2-d pool) does the rest. Everything is built from differentiable ops already there.
__all__ += [
    "adaptive_avg_pool3d", "avg_pool3d", "conv3d", "conv_transpose1d", "dropout3d", "max_pool3d",
]  # fmt: skip

Triple = tuple[int, int, int]


def _batched_3d(input: Tensor, op: str) -> tuple[Tensor, bool]:
    """(N, C, D, H, W) input, adding the batch axis to a single (C, D, H, W) volume."""
    if input.ndim == 4:
        return input.unsqueeze(0), True
    if input.ndim != 5:
        raise ShapeError(
            f"{op}: input must be (N, C, D, H, W) or (C, D, H, W), got {input.ndim}-d shape "
            f"{input.shape}"
        )
    return input, False


def _depth_slices(
    input: Tensor,
    kernel: int,
    stride: int,
    dilation: int,
    pads: Pair,
    pad_value: float,
    op: str,
) -> tuple[Tensor, int]:
    """The depth offsets of every 3-d window of (N, C, D, H, W) input as one batch of images,
    (kd * N * OD, C, H, W) ordered (offset, sample, output depth), and OD:

        slices[p, n, i] = x_pad[n, :, i * sd + p * dd]    (x_pad: depth padded with pad_value)
    """
    if pads != (0, 0):
        input = ops_pad(input, ((0, 0), (0, 0), pads, (0, 0), (0, 0)), value=pad_value)
    n, c, depth, height, width = input.shape
    span = dilation * (kernel - 1) + 1
    if span > depth:
        raise ShapeError(f"{op}: kernel depth {span} is larger than the padded input depth {depth}")
    out_depth = (depth - span) // stride + 1
    end = stride * (out_depth - 1) + 1
    slices = [input[:, :, p * dilation : p * dilation + end : stride] for p in range(kernel)]
    stacked = stack(slices, 0)  # (kd, N, C, OD, H, W)
    images = stacked.transpose(0, 1, 3, 2, 4, 5).reshape(kernel * n * out_depth, c, height, width)
    return images, out_depth


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Triple = 1,
    padding: int | Triple | str = 0,
    dilation: int | Triple = 1,
    groups: int = 1,
) -> Tensor:
    """3-D convolution of (N, C, D, H, W) (or (C, D, H, W)) input with an (O, C/groups, kd,
    kh, kw) weight and an (O,) bias:

        out[n, o, t, i, j] = b[o] + sum over c, r, p, q of
                             w[o, c, r, p, q] * x_pad[n, c, t*sd + r*dd, i*sh + p*dh, j*sw + q*dw]

    The kd depth offsets of every window are stacked as extra input channels (grouped as the
    weight's, group-major), which makes it one ``conv2d`` of (N*OD, kd*C, H, W) images with an
    (O, kd*C/g, kh, kw) kernel. ``padding`` may be an int, a triple, 'valid' or 'same'.
    """
    op = "conv3d"
    _same_device(input, op, weight=weight, bias=bias)
    input, unbatched = _batched_3d(input, op)
    if weight.ndim != 5:
        raise ShapeError(
            f"{op}: weight must be (out_channels, in_channels/groups, kd, kh, kw), got shape "
            f"{weight.shape}"
        )
    groups = check_int(op, "groups", groups, low=1)
    out_channels, group_channels, kd, kh, kw = weight.shape
    if input.shape[1] != group_channels * groups:
        raise ShapeError(
            f"{op}: input has {input.shape[1]} channels, weight expects "
            f"{group_channels * groups} ({group_channels} per group x groups={groups}; input "
            f"shape {input.shape}, weight shape {weight.shape})"
        )
    stride = as_triple(stride, "stride", op, minimum=1)
    dilation = as_triple(dilation, "dilation", op, minimum=1)
    plane_pads: Any
    if padding == "same":
        if stride != (1, 1, 1):
            raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
        total = dilation[0] * (kd - 1)
        depth_pads, plane_pads = (total // 2, total - total // 2), padding
    elif padding == "valid":
        depth_pads, plane_pads = (0, 0), padding
    elif isinstance(padding, str):
        raise ValueError(
            f"{op}: padding must be an int, a triple, 'valid' or 'same', got {padding!r}"
        )
    else:
        pd, ph, pw = as_triple(padding, "padding", op, minimum=0)
        depth_pads, plane_pads = (pd, pd), (ph, pw)
    n = input.shape[0]
    images, out_depth = _depth_slices(input, kd, stride[0], dilation[0], depth_pads, 0.0, op)
    height, width = images.shape[2:]
    # (kd, N*OD, g, C/g, H, W) -> (N*OD, g, kd, C/g, H, W): each group's channels together
    images = images.reshape(kd, n * out_depth, groups, group_channels, height, width)
    images = images.transpose(1, 2, 0, 3, 4, 5).reshape(
        n * out_depth, groups * kd * group_channels, height, width
    )
    kernel = weight.transpose(0, 2, 1, 3, 4).reshape(out_channels, kd * group_channels, kh, kw)
    out = conv2d(images, kernel, bias, stride[1:], plane_pads, dilation[1:], groups)
    _, _, out_h, out_w = out.shape
    out = out.reshape(n, out_depth, out_channels, out_h, out_w).transpose(0, 2, 1, 3, 4)
    return out.squeeze(0) if unbatched else out


def _pool3d_args(
    kernel_size: Any, stride: Any, padding: Any, dilation: Any, op: str
) -> tuple[Triple, Triple, Triple, Triple]:
    kernel = as_triple(kernel_size, "kernel_size", op, minimum=1)
    stride_ = kernel if stride is None or stride == [] else as_triple(stride, "stride", op, 1)
    pads = as_triple(padding, "padding", op, minimum=0)
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise ShapeError(f"{op}: padding {pads} must be at most half the kernel size {kernel}")
    return kernel, stride_, pads, as_triple(dilation, "dilation", op, minimum=1)


def max_pool3d(
    input: Tensor,
    kernel_size: int | Triple,
    stride: int | Triple | None = None,
    padding: int | Triple = 0,
    dilation: int | Triple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """The largest value in each (kd, kh, kw) window of (N, C, D, H, W) or (C, D, H, W) input:

        out[n, c, t, i, j] = max over r, p, q of x_pad[n, c, t*sd + r*dd, i*sh + p*dh, j*sw + q*dw]

    ``max_pool2d`` of every depth offset of the windows, then the first maximum over the
    offsets: the gradient goes to the first maximum of each window in (depth, row, column)
    order, as PyTorch's. Padding is -inf; ``ceil_mode`` rounds the output sizes up.
    """
    op = "max_pool3d"
    if check_bool(op, "return_indices", return_indices):
        raise NotImplementedError(f"{op}: return_indices=True is not supported in minigrad")
    input, unbatched = _batched_3d(input, op)
    kernel, stride_, pads, dilation_ = _pool3d_args(kernel_size, stride, padding, dilation, op)
    extra = 0
    if check_bool(op, "ceil_mode", ceil_mode):
        extra = _ceil_extra(input.shape[2], kernel[0], stride_[0], pads[0], dilation_[0])
    pad_value = -math.inf if input.dtype.kind == "f" else np.iinfo(input.dtype).min
    n, c = input.shape[:2]
    images, out_depth = _depth_slices(
        input, kernel[0], stride_[0], dilation_[0], (pads[0], pads[0] + extra), pad_value, op
    )
    pooled = max_pool2d(images, kernel[1:], stride_[1:], pads[1:], dilation_[1:], ceil_mode)
    out_h, out_w = pooled.shape[2:]
    out = first_max(pooled.reshape(kernel[0], n, out_depth, c, out_h, out_w), 0)
    out = out.transpose(0, 2, 1, 3, 4)
    return out.squeeze(0) if unbatched else out


def _axis_counts(size: int, kernel: int, stride: int, pad: int, out: int, include_pad: bool) -> Any:
    """How many cells of each average-pooling window along one axis count (PyTorch's rule):
    those inside the zero-padded input with ``include_pad``, else those inside the input."""
    starts = np.arange(out) * stride - pad
    ends = np.minimum(starts + kernel, size + pad)
    if include_pad:
        return (ends - starts).astype(np.float64)
    return (np.minimum(ends, size) - np.maximum(starts, 0)).astype(np.float64)


def avg_pool3d(
    input: Tensor,
    kernel_size: int | Triple,
    stride: int | Triple | None = None,
    padding: int | Triple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each (kd, kh, kw) window of (N, C, D, H, W) or (C, D, H, W) input; the
    divisor follows ``avg_pool2d``'s rules (``divisor_override``, else the window's cells
    inside the zero-padded input, or with ``count_include_pad=False`` inside the input).

    Each depth offset's window sums come from ``avg_pool2d`` (divisor 1), are added over the
    offsets, then divided by the divisor of each window.
    """
    op = "avg_pool3d"
    check_bool(op, "count_include_pad", count_include_pad)
    input, unbatched = _batched_3d(input, op)
    kernel, stride_, pads, _ = _pool3d_args(kernel_size, stride, padding, 1, op)
    if divisor_override is not None:
        divisor_override = check_int(op, "divisor_override", divisor_override, low=1)
    extra = 0
    if check_bool(op, "ceil_mode", ceil_mode):
        extra = _ceil_extra(input.shape[2], kernel[0], stride_[0], pads[0], 1)
    n, c, depth, height, width = input.shape
    images, out_depth = _depth_slices(
        input, kernel[0], stride_[0], 1, (pads[0], pads[0] + extra), 0.0, op
    )
    sums = avg_pool2d(images, kernel[1:], stride_[1:], pads[1:], ceil_mode, True, 1)
    out_h, out_w = sums.shape[2:]
    total = sums.reshape(kernel[0], n, out_depth, c, out_h, out_w).sum(axis=0)
    total = total.transpose(0, 2, 1, 3, 4)
    if divisor_override is not None:
        out = total / float(divisor_override)
    else:
        counts = [
            _axis_counts(size, k, s, p, o, count_include_pad)
            for size, k, s, p, o in zip(
                (depth, height, width), kernel, stride_, pads, (out_depth, out_h, out_w)
            )
        ]
        divisor = counts[0][:, None, None] * counts[1][None, :, None] * counts[2][None, None, :]
        out = total / Tensor(divisor.astype(total.dtype), device=input.device)
    return out.squeeze(0) if unbatched else out


def _output_triple(value: Any, size: tuple[int, ...], op: str) -> Triple:
    """An output size given as an int, or a triple whose None entries keep the input's size."""
    if not isinstance(value, (tuple, list)):
        value = (value, value, value)
    if len(value) != 3:
        raise TypeError(f"{op}: output_size must be an int or a triple, got {value!r}")
    return tuple(  # type: ignore[return-value]
        n if v is None else check_int(op, f"output_size[{i}]", v, low=1)
        for i, (v, n) in enumerate(zip(value, size))
    )


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of (N, C, D, H, W) (or (C, D, H, W)) input to a fixed (OD, OH, OW), with
    ``adaptive_avg_pool2d``'s windows along each axis: three products with averaging
    matrices, A_h @ x @ A_w^T over each depth, then A_d over the depth."""
    op = "adaptive_avg_pool3d"
    input, unbatched = _batched_3d(input, op)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating tensor, got {input.dtype}")
    n, c, depth, height, width = input.shape
    if depth == 0 or height == 0 or width == 0:
        raise ShapeError(f"{op}: input of shape {input.shape} has no cells to pool")
    out_d, out_h, out_w = _output_triple(output_size, (depth, height, width), op)
    rows = _averaging_matrix(height, out_h, input.dtype, input.device)
    cols = _averaging_matrix(width, out_w, input.dtype, input.device)
    planes = (rows @ input @ cols.T).reshape(n, c, depth, out_h * out_w)
    out = _averaging_matrix(depth, out_d, input.dtype, input.device) @ planes
    out = out.reshape(n, c, out_d, out_h, out_w)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] = 0,
    output_padding: int | tuple[int] = 0,
    groups: int = 1,
    dilation: int | tuple[int] = 1,
) -> Tensor:
    """Transposed 1-D convolution of (N, C_in, L) (or (C_in, L)) input with a (C_in,
    C_out/groups, k) weight: ``conv_transpose2d`` on images one pixel high. Output length
    (L - 1) s - 2 pad + d (k - 1) + output_padding + 1."""
    op = "conv_transpose1d"
    if input.ndim not in (2, 3):
        raise ShapeError(f"{op}: input must be (N, C, L) or (C, L), got shape {input.shape}")
    if weight.ndim != 3:
        raise ShapeError(
            f"{op}: weight must be (in_channels, out_channels/groups, k), got {weight.shape}"
        )
    out = conv_transpose2d(
        input.unsqueeze(-2),
        weight.unsqueeze(-2),
        bias,
        (1, as_single(stride, "stride", op, 1)),
        (0, as_single(padding, "padding", op, 0)),
        (0, as_single(output_padding, "output_padding", op, 0)),
        groups,
        (1, as_single(dilation, "dilation", op, 1)),
    )
    return out.squeeze(-2)


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Dropout of whole channels (feature volumes) of (N, C, D, H, W) or (C, D, H, W) input."""
    return _channel_dropout(input, p, training, inplace, 3, "dropout3d")


# ==== spatial transformers, Gumbel-softmax, pdist, in-place activations ====
# grid_sample gathers the input's pixels (Tensor.gather on the flattened image) at the integer
# corners of each sample position and weighs them by tensors made of the position's fractional
# part, so both gradients (to the input through the gather, to the grid through the weights)
# come from the engine.
__all__ += [
    "affine_grid", "elu_", "grid_sample", "gumbel_softmax", "hardtanh_", "leaky_relu_", "pdist",
    "relu_", "rrelu_", "threshold_",
]  # fmt: skip

_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)


def _default_align(align_corners: bool | None, op: str) -> bool:
    """PyTorch's rule: None means False, with its warning."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return check_bool(op, "align_corners", align_corners)


def _base_coordinates(steps: int, align: bool) -> Any:
    """PyTorch's ``linspace_from_neg_one``: -1 .. 1 in ``steps`` (pixel centres when not
    ``align``: scaled by (steps - 1) / steps); a single step is 0."""
    if steps <= 1:
        return np.zeros(max(steps, 0))
    line = np.linspace(-1.0, 1.0, steps)
    return line if align else line * ((steps - 1) / steps)


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps ``theta`` (N, 2, 3)
    (or (N, 3, 4)) for an output of ``size`` (N, C, H, W) (or (N, C, D, H, W)): the base grid
    of normalised output coordinates (x, y[, z], 1) times theta transposed."""
    op = "affine_grid"
    align = _default_align(align_corners, op)
    if not is_floating_dtype(theta.dtype):
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(n) for n in size)
    if len(size) == 4:
        if theta.ndim != 3 or theta.shape[-2:] != (2, 3):
            raise ValueError(
                f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {list(size)}. "
                f"Got {theta.shape}."
            )
    elif len(size) == 5:
        if theta.ndim != 3 or theta.shape[-2:] != (3, 4):
            raise ValueError(
                f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {list(size)}. "
                f"Got {theta.shape}."
            )
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {list(size)}."
        )
    spatial = size[2:]
    if align and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.",
            UserWarning,
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {list(size)}")
    if theta.shape[0] != size[0]:
        raise ValueError(f"{op}: theta has {theta.shape[0]} matrices for a batch of {size[0]}")
    # the last axis of the base grid is (x, y[, z], 1): x runs along the last spatial dim
    axes = [_base_coordinates(n, align) for n in reversed(spatial)]
    mesh = np.meshgrid(*reversed(axes), indexing="ij")  # each of shape spatial
    base = np.stack([*reversed(mesh), np.ones(spatial)], axis=-1).reshape(-1, len(spatial) + 1)
    points = Tensor(base.astype(theta.dtype), device=theta.device)
    grid = points @ theta.swapaxes(-1, -2)  # (N, prod(spatial), dims)
    return grid.reshape(size[0], *spatial, len(spatial))


def _inside(x: Tensor, low: float, high: float) -> Tensor:
    return Tensor._wrap((x.data > low) & (x.data < high), x.device)


def _clip_coordinates(x: Tensor, size: int) -> Tensor:
    """Clamp into [0, size - 1]; gradient 1 strictly inside, 0 at and beyond the borders
    (PyTorch's ``clip_coordinates_set_grad``)."""
    return where(_inside(x, 0.0, size - 1.0), x, x.detach().clip(0.0, size - 1.0))


def _reflect_coordinates(x: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Reflect x into [twice_low / 2, twice_high / 2] off both ends, as often as it takes
    (PyTorch's ``reflect_coordinates``); the gradient flips sign with each reflection."""
    if twice_low == twice_high:
        return x * 0.0
    low = twice_low / 2.0
    span = (twice_high - twice_low) / 2.0
    distance = (x - low).abs()
    flips = x.xp.floor(distance.data / span)
    extra = distance - Tensor._wrap(flips * span, x.device)
    even = Tensor._wrap(flips % 2 == 0, x.device)
    return where(even, extra + low, (extra * -1.0) + (span + low))


def _source_coordinate(coord: Tensor, size: int, padding_mode: str, align: bool) -> Tensor:
    """A normalised coordinate in [-1, 1] to input pixels, then padded (PyTorch's
    ``grid_sampler_compute_source_index``)."""
    if align:
        x = (coord + 1.0) * ((size - 1) / 2.0)
    else:
        x = ((coord + 1.0) * size - 1.0) * 0.5
    if padding_mode == "border":
        x = _clip_coordinates(x, size)
    elif padding_mode == "reflection":
        if align:
            x = _reflect_coordinates(x, 0, 2 * (size - 1))
        else:
            x = _reflect_coordinates(x, -1, 2 * size - 1)
        x = _clip_coordinates(x, size)
    return x


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample (N, C, H, W) ``input`` at the positions ``grid`` (N, Ho, Wo, 2) gives, (x, y) in
    [-1, 1] from the left/top edge to the right/bottom one, as PyTorch's ``F.grid_sample``.

    A position maps to input pixels by (v + 1) (size - 1) / 2 (align_corners) or
    ((v + 1) size - 1) / 2; 'border' clamps it into the image, 'reflection' reflects it off the
    edges first; with 'zeros' the pixels outside read as 0. 'bilinear' weighs the four pixels
    around it by the fractional parts, 'nearest' copies the nearest (ties to even, as
    PyTorch's nearbyint). Gradients reach the input and (bilinear) the grid; 'nearest' gives
    the grid a zero gradient, as PyTorch.
    """
    op = "grid_sample"
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
            f"'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'"
        )
    align = _default_align(align_corners, op)
    if mode == "bicubic":
        raise NotImplementedError(f"{op}: mode='bicubic' is not implemented in minigrad")
    _same_device(input, op, grid=grid)
    if input.ndim != 4:
        raise NotImplementedError(
            f"{op}: only 4-d (N, C, H, W) input is implemented, got {input.shape}"
        )
    if grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise ValueError(
            f"{op}: grid must be (N, H_out, W_out, 2) with N = {input.shape[0]} for input "
            f"{input.shape}, got {grid.shape}"
        )
    if not is_floating_dtype(input.dtype) or input.dtype != grid.dtype:
        raise TypeError(f"{op}: input and grid must be floating tensors of one dtype")
    n, c, h, w = input.shape
    out_h, out_w = grid.shape[1], grid.shape[2]
    if min(h, w) == 0:
        raise ShapeError(f"{op}: input of shape {input.shape} has no pixels to sample")
    count = out_h * out_w
    flat = input.reshape(n, c, h * w)
    points = grid.reshape(n, count, 2)
    ix = _source_coordinate(points[:, :, 0], w, padding_mode, align)
    iy = _source_coordinate(points[:, :, 1], h, padding_mode, align)
    xp = input.xp

    def corner(x: Any, y: Any, weight: Tensor) -> Tensor:
        """weight * input[y, x] for integer arrays x, y (N, count); 0 where outside."""
        valid = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        index = xp.where(valid, y * w + x, 0).astype(np.int64)
        index = xp.broadcast_to(index[:, None, :], (n, c, count))
        values = flat.gather(2, Tensor._wrap(xp.ascontiguousarray(index), input.device))
        keep = Tensor._wrap(valid.astype(input.dtype), input.device)
        return values * (weight * keep).unsqueeze(1)

    if mode == "nearest":
        x0 = xp.rint(ix.data).astype(np.int64)
        y0 = xp.rint(iy.data).astype(np.int64)
        out = corner(x0, y0, ix * 0.0 + 1.0)  # the grid's gradient: zeros, as PyTorch's
    else:
        fx, fy = xp.floor(ix.data), xp.floor(iy.data)
        tx = ix - Tensor._wrap(fx, input.device)
        ty = iy - Tensor._wrap(fy, input.device)
        x0, y0 = fx.astype(np.int64), fy.astype(np.int64)
        sx, sy = tx * -1.0 + 1.0, ty * -1.0 + 1.0
        out = (
            corner(x0, y0, sx * sy)
            + corner(x0 + 1, y0, tx * sy)
            + corner(x0, y0 + 1, sx * ty)
            + corner(x0 + 1, y0 + 1, tx * ty)
        )
    return out.reshape(n, c, out_h, out_w)


def gumbel_softmax(
    logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """softmax((logits + g) / tau) along ``dim``, g standard Gumbel noise -log(E), E ~ Exp(1).

    The noise is drawn on the logits' device from ``minigrad.random.random_bits`` (as dropout's
    masks), so a seed gives the same draw on the CPU and the GPU. ``hard``: the one-hot of the
    (first) largest value in the forward pass, the soft sample's gradient in the backward
    (straight through: y_hard - y_soft.detach() + y_soft). ``eps`` is unused (deprecated in
    PyTorch, which warns when it is given another value).
    """
    op = "gumbel_softmax"
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    check_bool(op, "hard", hard)
    if not is_floating_dtype(logits.dtype):
        raise TypeError(f"{op}: needs floating logits, got {logits.dtype}")
    xp = logits.xp
    bits = np.finfo(logits.dtype).nmant + 1
    top = random_bits(xp, logits.shape) >> np.uint64(64 - bits)
    # uniform in (0, 1), never 0 or 1, so that the noise is finite
    uniform = (top.astype(np.float64) + 0.5) * 2.0**-bits
    gumbels = -xp.log(-xp.log(uniform))
    noise = Tensor._wrap(gumbels.astype(logits.dtype), logits.device)
    y_soft = softmax((logits + noise) / tau, dim)
    if not hard:
        return y_soft
    axis = dim % logits.ndim if logits.ndim else 0
    index = xp.expand_dims(xp.argmax(y_soft.data, axis=axis), axis)
    one_hot_data = xp.zeros(logits.shape, dtype=logits.dtype)
    xp.put_along_axis(one_hot_data, index, 1.0, axis=axis)
    y_hard = Tensor._wrap(one_hot_data, logits.device)
    return y_hard - y_soft.detach() + y_soft


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distances between the rows of an (N, M) input, pair (i, j) for i < j in
    order (0, 1), (0, 2), ..., (1, 2), ...: N (N - 1) / 2 values, as PyTorch's ``F.pdist``."""
    p = check_number("pdist", "p", p, low=0, allow_inf=True)
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not is_floating_dtype(input.dtype):
        raise TypeError(f"pdist: needs a floating tensor, got {input.dtype}")
    rows, cols = np.triu_indices(input.shape[0], 1)
    diff = input[rows] - input[cols]
    if p == 0:
        return (diff.detach() != 0).astype(input.dtype).sum(axis=-1) + diff.sum(axis=-1) * 0.0
    return diff.norm(p, -1)


def relu_(input: Tensor) -> Tensor:
    """In place ``relu``."""
    return relu(input, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In place ``elu``."""
    return elu(input, alpha, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


_threshold = threshold  # threshold_'s argument hides the function


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In place ``threshold``."""
    return _threshold(input, threshold, value, inplace=True)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    """In place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True)

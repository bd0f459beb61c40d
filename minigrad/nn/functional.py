"""``minigrad.nn.functional`` (imported as ``F``): layers, activations and losses as functions.

Every function here is built from differentiable ops, so its backward comes from theirs and a
learner can read the whole computation. The modules in ``minigrad.nn`` hold parameters and call
these. Names and argument orders follow PyTorch's ``torch.nn.functional``; array arguments use
NumPy's names (``axis``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import mark_written
from ..checks import check_choice, check_int, check_number
from ..ops import leaky_relu, log_softmax, mean, relu, sigmoid, softmax, sqrt, sum, tanh, where
from ..ops.conv import Padding, Pair, as_padding, as_pair, col2im, count_windows, im2col
from ..ops.elementwise import erf as ops_erf
from ..ops.elementwise import softplus as ops_softplus
from ..ops.linalg import AddMatMul
from ..ops.linalg import Linear as LinearFunction
from ..ops.reduction import first_max, softmax_cross_entropy
from ..ops.shape import GetItem, all_below
from ..random import random_bits
from ..tensor import Tensor

__all__ = [
    "avg_pool2d", "batch_norm", "binary_cross_entropy_with_logits", "conv2d", "cross_entropy",
    "dropout", "embedding", "erf", "fold", "gelu", "l1_loss", "layer_norm", "leaky_relu", "linear",
    "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "relu", "scaled_dot_product_attention",
    "sigmoid", "softmax", "softplus", "tanh", "unfold",
]  # fmt: skip


def erf(input: Tensor) -> Tensor:
    """The error function, elementwise (differentiable)."""
    return ops_erf(input)


def softplus(input: Tensor, beta: float = 1.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, a smooth ReLU; never overflows."""
    if beta == 1.0:
        return ops_softplus(input)
    return ops_softplus(input * beta) * (1.0 / beta)


# ---- activations --------------------------------------------------------------------------------
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """GELU(x) = x * Phi(x), Phi the standard normal CDF (Hendrycks & Gimpel 2016).

    approximate='none':  x/2 * (1 + erf(x / sqrt(2)))                     (exact)
    approximate='tanh':  x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
    """
    if approximate == "none":
        return input * 0.5 * (1.0 + erf(input * (1 / math.sqrt(2))))
    if approximate == "tanh":
        inner = (input + 0.044715 * input * input * input) * math.sqrt(2 / math.pi)
        return input * 0.5 * (1.0 + tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


# ---- layers -----------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, with W of shape (out_features, in_features) as in PyTorch.

    Any leading axes of x are batch axes; they are merged first so the product is one matrix
    multiplication (and its weight gradient one more), not one per batch entry.
    """
    shape, weight_shape = input.shape, weight.shape  # read once: this runs for every layer call
    if len(weight_shape) != 2:
        raise ValueError(
            f"linear: weight must be (out_features, in_features), got shape {weight_shape}"
        )
    if not shape or shape[-1] != weight_shape[1]:
        features = shape[-1] if shape else "no"
        raise ValueError(
            f"linear: input has {features} features (shape {shape}), weight expects "
            f"{weight_shape[1]} (in_features={weight_shape[1]})"
        )
    if bias is not None and bias.shape != weight_shape[:1]:
        raise ValueError(f"linear: bias must have shape ({weight_shape[0]},), got {bias.shape}")
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
        raise ValueError(
            f"{op}: input must be (N, C, H, W) or (C, H, W), got {input.ndim}-d shape {input.shape}"
        )
    return input, False


def _check_fits(input: Tensor, kernel: Pair, padding: Padding, dilation: Pair, op: str) -> None:
    """A clear error when not even one window fits in the padded input."""
    (top, bottom), (left, right) = padding
    height, width = input.shape[2] + top + bottom, input.shape[3] + left + right
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))  # a dilated kernel's extent
    if span[0] > height or span[1] > width:
        raise ValueError(
            f"{op}: kernel {span[0]}x{span[1]} is larger than the padded input {height}x{width}"
        )


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Pair = 1,
    padding: int | Pair | str = 0,
    dilation: int | Pair = 1,
) -> Tensor:
    """2-D convolution (strictly, cross-correlation, as in every deep-learning library).

        out[n, o, i, j] = b[o] + sum over c, p, q of w[o, c, p, q] * x_pad[n, c, i*sh + p, j*sw + q]

    input (N, C, H, W) (or one image (C, H, W)), weight (O, C, kh, kw), bias (O,).
    Output (N, O, OH, OW) with OH = (H + pad_top + pad_bottom - kh) // sh + 1 (dilation 1).

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
        raise ValueError(
            f"{op}: weight must be (out_channels, in_channels, kh, kw), got shape {weight.shape}"
        )
    out_channels, channels, kh, kw = weight.shape
    if input.shape[1] != channels:
        raise ValueError(
            f"{op}: input has {input.shape[1]} channels, weight expects {channels} "
            f"(input shape {input.shape}, weight shape {weight.shape})"
        )
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"{op}: bias must have shape ({out_channels},), got {bias.shape}")
    stride = as_pair(stride, "stride", op, minimum=1)
    dilation = as_pair(dilation, "dilation", op, minimum=1)
    pads = as_padding(padding, (kh, kw), stride, dilation, op)
    _check_fits(input, (kh, kw), pads, dilation, op)

    windows = im2col(input, (kh, kw), stride, pads, dilation)  # (N, C, OH, OW, kh, kw)
    n, _, oh, ow = windows.shape[:4]
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
        raise ValueError(
            f"{op}: input must be (N, C*{kh}*{kw}, {oh}*{ow}) for output_size "
            f"{(height, width)}, got shape {input.shape}"
        )
    n, c = input.shape[0], input.shape[1] // (kh * kw)
    windows = input.reshape(n, c, kh, kw, oh, ow).transpose(0, 1, 4, 5, 2, 3)
    return col2im(windows, (n, c, height, width), kernel, stride, pads, dilation)


def _pool_windows(
    input: Tensor,
    kernel_size: int | Pair,
    stride: int | Pair | None,
    padding: int | Pair,
    dilation: int | Pair,
    pad_value: float,
    op: str,
) -> tuple[Tensor, bool]:
    """The windows a pooling layer reduces, as (kh*kw, N, C, OH, OW), arguments checked.

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
        raise ValueError(
            f"{op}: padding {(rows, cols)} must be at most half the kernel size {kernel}"
        )
    pads = (rows, rows), (cols, cols)
    _check_fits(input, kernel, pads, dilation, op)
    windows = im2col(input, kernel, stride, pads, dilation, pad_value)  # (N, C, OH, OW, kh, kw)
    n, c, oh, ow, kh, kw = windows.shape
    return windows.transpose(4, 5, 0, 1, 2, 3).reshape(kh * kw, n, c, oh, ow), unbatched


def max_pool2d(
    input: Tensor,
    kernel_size: int | Pair,
    stride: int | Pair | None = None,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
) -> Tensor:
    """The largest value in each window:

        out[n, c, i, j] = max over p, q of x_pad[n, c, i*sh + p*dh, j*sw + q*dw]

    ``stride`` defaults to ``kernel_size`` (windows side by side). Padding is -inf, so it never
    wins. The gradient goes to each window's maximum, to the first one when values tie (as in
    PyTorch), then col2im adds it back to the pixel it came from.
    """
    pad_value = -math.inf if input.dtype.kind == "f" else np.iinfo(input.dtype).min
    windows, unbatched = _pool_windows(
        input, kernel_size, stride, padding, dilation, pad_value, "max_pool2d"
    )
    out = first_max(windows, 0)
    return out.squeeze(0) if unbatched else out


def avg_pool2d(
    input: Tensor,
    kernel_size: int | Pair,
    stride: int | Pair | None = None,
    padding: int | Pair = 0,
) -> Tensor:
    """The mean of each window; ``stride`` defaults to ``kernel_size``.

    Zero padding counts in the mean (PyTorch's default, ``count_include_pad=True``).
    """
    windows, unbatched = _pool_windows(input, kernel_size, stride, padding, 1, 0.0, "avg_pool2d")
    out = windows.mean(axis=0)
    return out.squeeze(0) if unbatched else out


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each value with probability p, scale the survivors by 1/(1-p).

    Scaling in training keeps the expected value of every unit unchanged, so evaluation
    (``training=False``) is the identity. The mask is made on the input's device from
    ``minigrad.random.random_bits`` (nothing is copied from the host), so a seed gives the same
    mask on the CPU and the GPU: a value is kept when its 64 random bits, read as an integer,
    are at least p * 2**64.
    """
    p = check_number("dropout", "p", p, low=0, high=1, high_inclusive=False)
    if not training or p == 0.0:
        return input
    keep = random_bits(input.xp, input.shape) >= np.uint64(min(int(p * 2.0**64), 2**64 - 1))
    mask = keep.astype(input.dtype) * input.dtype.type(1.0 / (1.0 - p))
    return input * Tensor._wrap(mask, input.device)


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
        raise ValueError(f"batch_norm: input must be (N, C, ...), got shape {input.shape}")
    channels = input.shape[1]
    axes = (0,) + tuple(range(2, input.ndim))  # every axis but the channels
    shape = (1, channels) + (1,) * (input.ndim - 2)  # per-channel values, ready to broadcast
    for name, value in (("running_mean", running_mean), ("running_var", running_var)):
        if value is not None and value.shape != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},), got {value.shape}")
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
    running statistics. Built from ops, so its backward is theirs.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    for size in shape:
        check_int("layer_norm", "normalized_shape", size, low=1)
    count = len(shape)
    if count == 0 or input.ndim < count or input.shape[input.ndim - count :] != shape:
        raise ValueError(
            f"layer_norm: the input's last dims must be normalized_shape {shape}, got input "
            f"shape {input.shape}"
        )
    _same_device(input, "layer_norm", weight=weight, bias=bias)
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and value.shape != shape:
            raise ValueError(f"layer_norm: {name} must have shape {shape}, got {value.shape}")
    axes = tuple(range(input.ndim - count, input.ndim))
    centered = input - input.mean(axis=axes, keepdims=True)
    variance = (centered * centered).mean(axis=axes, keepdims=True)  # biased: divides by n
    out = centered * (variance + eps) ** -0.5
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` picked by the integer indices in ``input``: weight[input].

    The output has shape input.shape + (embedding_dim,); repeated indices add their gradients.
    The row ``padding_idx`` (if given; negative counts from the end) is read like any other but
    gets no gradient, as in PyTorch: padding tokens then never train their embedding.
    """
    indices = (input if isinstance(input, Tensor) else Tensor(input, device=weight.device)).data
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got {indices.dtype}")
    rows = weight.shape[0]
    if not all_below(indices, rows):
        raise IndexError(f"embedding: indices must lie in [0, {rows - 1}]")
    out = GetItem.apply(weight, index=indices)  # checked above: not getitem's check again
    if padding_idx is None:
        return out
    padding_idx = check_int("embedding", "padding_idx", padding_idx, low=-rows, high=rows - 1)
    padded = Tensor._wrap((indices == padding_idx % rows)[..., None], weight.device)
    # The same values everywhere; only where a row is padding, they come from a detached copy,
    # so no gradient flows back into that row.
    return where(padded, out.detach(), out)


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
        raise ValueError(
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


def _class_targets(
    input: Tensor, target: Any, name: str, weight: Tensor | None, ignore_index: int
) -> tuple[Tensor, Any, Any]:
    """(N, C) scores, the (N,) class indices (ignored ones replaced by 0) and the per-sample
    weights w[n] = weight[target[n]], 0 where target[n] == ignore_index (None when all are 1).
    One sample (C,) becomes N = 1."""
    target = target if isinstance(target, Tensor) else Tensor(target, device=input.device)
    if weight is not None and not isinstance(weight, Tensor):
        weight = Tensor(weight, device=input.device)
    _same_device(input, name, target=target, weight=weight)
    target = target.data
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got {target.dtype}")
    if input.ndim == 1:
        input, target = input.reshape(1, -1), target.reshape(1)
    if input.ndim != 2 or target.shape != (input.shape[0],):
        raise ValueError(
            f"{name}: input must be (N, C) and target (N,), got {input.shape} and {target.shape}"
        )
    classes = input.shape[1]
    ignore_index = check_int(name, "ignore_index", ignore_index)
    if weight is not None and weight.shape != (classes,):
        raise ValueError(
            f"{name}: weight must have one value per class, shape ({classes},), got {weight.shape}"
        )
    class_weight = None if weight is None else weight.data.astype(input.dtype)
    # The usual case, every target a class (-100, the default ignore_index, is none): one
    # value read, as before. Only when that fails, or ignore_index names a class, look closer.
    if not 0 <= ignore_index < classes and all_below(target, classes):
        return input, target, None if class_weight is None else class_weight[target]
    kept = target != ignore_index
    target = input.xp.where(kept, target, 0)
    if not all_below(target, classes):
        raise ValueError(
            f"{name}: target values must lie in [0, {classes - 1}] (or be ignore_index, "
            f"{ignore_index})"
        )
    sample_weight = kept.astype(input.dtype)
    if class_weight is not None:
        sample_weight = sample_weight * class_weight[target]
    return input, target, sample_weight


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
    'mean' divides by the sum of the weights of the targets not ignored (PyTorch's rule)."""
    input, target, sample_weight = _class_targets(input, target, "nll_loss", weight, ignore_index)
    picked = _picked(input, target)
    if sample_weight is None:
        return _reduce(-picked, reduction, "nll_loss")
    losses = -picked * Tensor._wrap(sample_weight, input.device)
    _check_reduction(reduction, "nll_loss")
    if reduction == "mean":
        return losses.sum() / Tensor._wrap(sample_weight.sum(), input.device)
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
    input, target, sample_weight = _class_targets(
        input, target, "cross_entropy", weight, ignore_index
    )
    if label_smoothing == 0:
        if reduction == "mean" and input.shape[0] == 0:
            raise ValueError("cross_entropy: the mean over an empty batch (N = 0) is undefined")
        return softmax_cross_entropy(input, target, reduction, sample_weight)
    log_probs = log_softmax(input, axis=1)
    picked = -_picked(log_probs, target)
    class_weight = 1.0 if weight is None else weight.astype(input.dtype).reshape(1, -1)
    uniform = -(log_probs * class_weight).mean(axis=1)
    if sample_weight is None:
        loss = (1.0 - label_smoothing) * picked + label_smoothing * uniform
        return _reduce(loss, reduction, "cross_entropy")
    weights = Tensor._wrap(sample_weight, input.device)
    kept = Tensor._wrap((sample_weight != 0).astype(input.dtype), input.device)
    loss = (1.0 - label_smoothing) * picked * weights + label_smoothing * uniform * kept
    if reduction == "mean":
        return loss.sum() / weights.sum()
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
    # (The form not taken may meet inf * 0 at x = +-inf: expected, so not a warning.)
    p = 1.0 if pos_weight is None else pos_weight
    w = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * target
    with np.errstate(invalid="ignore"):
        loss = where(
            input.data > 0,
            (1.0 - target) * input + w * softplus(-input),
            w * softplus(input) - p * target * input,
        )
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, name)


# Attention lives in attention.py, beside MultiheadAttention; it is re-exported here, so that
# F.scaled_dot_product_attention is where PyTorch users look for it. (It imports this module's
# linear and dropout, which are defined by now: minigrad.nn imports this module first.)
from .attention import scaled_dot_product_attention  # noqa: E402

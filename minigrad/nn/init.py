"""``minigrad.nn.init``: fill a weight Tensor in place with a chosen distribution.

Why initialisation matters: each layer multiplies its input by a weight matrix, so across many
layers the activations (and the gradients on the way back) grow or shrink geometrically unless
each layer keeps their variance roughly constant. With ``fan_in`` inputs per unit, a layer keeps
Var(output) = Var(input) when Var(w) = 1 / fan_in (for a linear unit). The schemes below are that
idea with a ``gain`` for the nonlinearity that follows:

    xavier (Glorot & Bengio 2010):   std = gain * sqrt(2 / (fan_in + fan_out))
    kaiming (He et al. 2015):        std = gain / sqrt(fan)          fan = fan_in or fan_out

A uniform U(-b, b) has variance b^2 / 3, so its bound is b = sqrt(3) * std.

Every draw comes from ``minigrad.random.generator()`` on the host (so ``minigrad.manual_seed``
makes it reproducible, and the CPU and the GPU get the same numbers) and is then copied into the
tensor's existing array, on its device, in its dtype. Names and defaults follow ``torch.nn.init``.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import mark_written
from ..random import generator
from ..tensor import Tensor

__all__ = [
    "calculate_fan_in_and_fan_out", "calculate_gain", "constant_", "kaiming_normal_",
    "kaiming_uniform_", "normal_", "ones_", "uniform_", "xavier_normal_", "xavier_uniform_",
    "zeros_",
]  # fmt: skip
__all__ += ["dirac_", "eye_", "orthogonal_", "trunc_normal_"]


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    """Write host ``values`` into ``tensor``'s array (not recorded in any graph); return it."""
    tensor.data[...] = tensor.device.from_host(values.astype(tensor.dtype, copy=False))
    mark_written(tensor)
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through ``nonlinearity``.

    linear, conv, sigmoid: 1;  tanh: 5/3;  relu: sqrt(2) (relu zeroes half its input, halving
    the variance);  leaky_relu with slope a: sqrt(2 / (1 + a^2));  selu: 3/4.
    """
    transposed = ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid", *transposed):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight: inputs and outputs per unit.

    Linear weight (out, in): fan_in = in, fan_out = out. Conv weight (out, in, kh, kw): each
    output sees in*kh*kw inputs, so fan_in = in*kh*kw and fan_out = out*kh*kw.
    """
    if tensor.ndim < 2:
        raise ValueError(
            f"fan in and fan out need a tensor with at least 2 dimensions, got shape {tensor.shape}"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with values drawn from U(a, b)."""
    return _fill(tensor, generator().uniform(a, b, size=tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with values drawn from N(mean, std^2)."""
    return _fill(tensor, generator().normal(mean, std, size=tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    tensor.data[...] = val
    mark_written(tensor)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str, name: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{name}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"{name}: a tensor of shape {tensor.shape} has a fan of 0")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """U(-b, b) with b = sqrt(3) * gain / sqrt(fan) (He et al. 2015); ``a`` is leaky_relu's slope.

    PyTorch's default for Linear and Conv2d weights is a = sqrt(5): gain = sqrt(2 / 6), so
    b = sqrt(3) * sqrt(1/3) / sqrt(fan_in) = 1 / sqrt(fan_in).
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """N(0, std^2) with std = gain / sqrt(fan) (He et al. 2015)."""
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    return normal_(tensor, 0.0, std)


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0
) -> Tensor:
    """Fill with N(mean, std^2) conditioned on [a, b] (the bounds are absolute values, not
    multiples of std, as PyTorch's). Drawn by rejection: values outside are drawn again, so
    each value is exactly that conditional law; a window holding under 1e-4 of the mass is
    refused rather than left to loop."""
    if not (std > 0 and a < b):
        raise ValueError(f"trunc_normal_: needs std > 0 and a < b, got std={std}, a={a}, b={b}")

    def cdf(x: float) -> float:
        return 0.5 * (1.0 + math.erf((x - mean) / (std * math.sqrt(2.0))))

    if cdf(b) - cdf(a) < 1e-4:
        raise ValueError(
            f"trunc_normal_: [a, b] = [{a}, {b}] holds under 1e-4 of N({mean}, {std}^2); move "
            "mean into the window or widen it"
        )
    values = generator().normal(mean, std, size=tensor.shape)
    outside = (values < a) | (values > b)
    while outside.any():
        values[outside] = generator().normal(mean, std, size=int(outside.sum()))
        outside = (values < a) | (values > b)
    return _fill(tensor, values)


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain`` (Saxe et al. 2014), over the tensor seen as
    (shape[0], rest): the Q of the QR decomposition of a Gaussian matrix, its columns' signs
    fixed by R's diagonal so that Q is uniformly distributed (Mezzadri 2007). Drawn on the host.
    """
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: needs at least 2 dims, got shape {tensor.shape}")
    rows = tensor.shape[0]
    cols = tensor.numel() // rows if rows else 0
    gaussian = generator().normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        gaussian = gaussian.T  # QR of the tall orientation; rows of Q then orthonormal
    q, r = np.linalg.qr(gaussian)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (ones on the diagonal of a 2-d, possibly non-square, tensor):
    a Linear layer that passes its inputs through."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: needs a 2-d tensor, got shape {tensor.shape}")
    return _fill(tensor, np.eye(tensor.shape[0], tensor.shape[1]))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """The Dirac delta for a 3-, 4- or 5-d convolution weight: output channel d of each group
    copies input channel d at the kernel's centre, so the convolution passes its input through
    (as far as the channels go)."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: needs a 3-, 4- or 5-d tensor, got shape {tensor.shape}")
    if not isinstance(groups, int) or groups < 1 or tensor.shape[0] % groups:
        raise ValueError(
            f"dirac_: groups must be a positive int dividing dim 0 ({tensor.shape[0]}), got "
            f"{groups!r}"
        )
    per_group = tensor.shape[0] // groups
    values = np.zeros(tensor.shape)
    centre = tuple(size // 2 for size in tensor.shape[2:])
    for group in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            values[(group * per_group + d, d) + centre] = 1.0
    return _fill(tensor, values)

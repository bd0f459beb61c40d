"""Layers: Modules that hold parameters (or a mode) and call ``minigrad.nn.functional``.

Each layer is a thin wrapper: ``__init__`` creates and initialises the parameters, ``forward``
checks the input and calls the functional form, where the computation is written out. The
convolution and pooling layers are in ``conv.py``.
"""

from __future__ import annotations

import math
from typing import Any

from .. import ops
from ..autograd import no_grad
from ..backend import Device, get_device
from ..checks import ShapeError, check_bool, check_choice, check_int, check_number
from ..tensor import Tensor, get_default_dtype
from . import functional as F
from . import init
from .module import Module, Parameter


def empty_parameter(shape: tuple[int, ...], device: Any = None, dtype: Any = None) -> Parameter:
    """A zero-filled Parameter of ``shape`` (the layer initialises it right after)."""
    device = get_device(device)
    dtype = get_default_dtype() if dtype is None else dtype
    return Parameter(Tensor(device.xp.zeros(shape, dtype=dtype), device=device))


def add_weight_and_bias(
    layer: Module, weight_shape: tuple[int, ...], bias: bool, device: Any, dtype: Any
) -> None:
    """Give ``layer`` a ``weight`` of ``weight_shape`` and, if asked, a ``bias`` of one value per
    output (the first axis), both initialised by ``default_init_``. Sizes must be positive."""
    owner = type(layer).__name__
    for size in weight_shape:
        check_int(owner, f"each size of the weight (shape {weight_shape})", size, low=1)
    check_bool(owner, "bias", bias)
    layer.weight = empty_parameter(weight_shape, device, dtype)
    if bias:
        layer.bias = empty_parameter(weight_shape[:1], device, dtype)
    else:
        layer.register_parameter("bias", None)
    default_init_(layer.weight, layer.bias)


def default_init_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default for Linear and Conv2d: weight ~ kaiming_uniform(a=sqrt(5)), which is
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init.calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features) and b of shape (out_features,).

    Initialised as PyTorch does: W ~ kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
    and b ~ U(-1/sqrt(in), 1/sqrt(in)). Parameters are float32 unless ``dtype`` says otherwise.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = check_int("Linear", "in_features", in_features, low=1)
        self.out_features = check_int("Linear", "out_features", out_features, low=1)
        add_weight_and_bias(self, (out_features, in_features), bias, device, dtype)

    def reset_parameters(self) -> None:
        default_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)  # it checks the input's features

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to switch a layer off). Any arguments
    are accepted and ignored, as PyTorch's, so it can stand in for the layer it replaces."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Flatten(Module):
    """Merge dims ``start_dim`` to ``end_dim`` into one; by default all but the batch dim."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout in training mode (see ``F.dropout``); the identity in eval mode."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        self.p = check_number(name, "p", p, low=0, high=1)
        self.inplace = check_bool(name, "inplace", inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class _BatchNorm(Module):
    """Batch normalisation over the channel axis 1 (see ``F.batch_norm`` for the formulas).

    Parameters ``weight`` (ones) and ``bias`` (zeros) when ``affine``; buffers ``running_mean``
    (zeros), ``running_var`` (ones) and ``num_batches_tracked`` when ``track_running_stats``.
    ``momentum=None`` makes the running statistics a plain average over all batches seen.
    """

    input_ndims: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: str | Device | None = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = check_int(name, "num_features", num_features, low=1)
        self.eps = check_number(name, "eps", eps, low=0)
        if momentum is not None:
            momentum = check_number(name, "momentum", momentum, low=0, high=1)
        self.momentum = momentum
        self.affine = check_bool(name, "affine", affine)
        self.track_running_stats = check_bool(name, "track_running_stats", track_running_stats)
        if affine:  # PyTorch's keyword-only ``bias=False`` keeps the weight, drops the bias
            self.weight = init.ones_(empty_parameter((num_features,), device, dtype))
            if check_bool(name, "bias", bias):
                self.bias = empty_parameter((num_features,), device, dtype)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            place = get_device(device)
            dtype = get_default_dtype() if dtype is None else dtype
            zeros = place.xp.zeros((num_features,), dtype=dtype)
            self.register_buffer("running_mean", Tensor(zeros, device=place))
            self.register_buffer("running_var", Tensor(place.xp.ones_like(zeros), device=place))
            counter = place.xp.zeros((), dtype="int64")
            self.register_buffer("num_batches_tracked", Tensor(counter, device=place))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, input: Tensor) -> Tensor:
        name = type(self).__name__
        if input.ndim not in self.input_ndims:
            shapes = " or ".join(f"{n}-d" for n in self.input_ndims)
            raise ValueError(f"{name}: expected {shapes} input, got shape {input.shape}")
        if input.shape[1] != self.num_features:
            raise ShapeError(
                f"{name}: input has {input.shape[1]} channels (shape {input.shape}), expected "
                f"num_features={self.num_features}"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # a cumulative average: the n-th batch weighs 1/n
                momentum = 1.0 / int(self.num_batches_tracked.item())
        # Batch statistics in training, and always when there are no running statistics.
        use_batch_stats = self.training or not self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if not self.training or self.track_running_stats else None,
            self.running_var if not self.training or self.track_running_stats else None,
            self.weight,
            self.bias,
            use_batch_stats,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input, per feature C."""

    input_ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input, per channel C."""

    input_ndims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) input, per channel C."""

    input_ndims = (5,)


class LayerNorm(Module):
    """Layer normalisation over the last dims, ``normalized_shape`` (see ``F.layer_norm``):

        y = (x - mean) / sqrt(var + eps) * weight + bias

    Parameters ``weight`` (ones) and ``bias`` (zeros), each of ``normalized_shape``, when
    ``elementwise_affine`` (``bias=False`` leaves the bias out), as in PyTorch.
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...] | list[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, (list, tuple)):
            shape = tuple(normalized_shape)
        else:
            shape = (normalized_shape,)
        for size in shape:
            check_int("LayerNorm", "normalized_shape", size, low=1)
        if not shape:
            raise ValueError("LayerNorm: normalized_shape must name at least one dim")
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps = check_number("LayerNorm", "eps", eps, low=0)
        self.elementwise_affine = check_bool("LayerNorm", "elementwise_affine", elementwise_affine)
        check_bool("LayerNorm", "bias", bias)
        if elementwise_affine:
            self.weight = init.ones_(empty_parameter(self.normalized_shape, device, dtype))
        else:
            self.register_parameter("weight", None)
        if elementwise_affine and bias:
            self.bias = empty_parameter(self.normalized_shape, device, dtype)
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class Embedding(Module):
    """A lookup table: integer indices -> rows of ``weight`` (num_embeddings, embedding_dim).

    The weight starts as N(0, 1), as in PyTorch. The row ``padding_idx``, if given, starts as
    zeros and gets no gradient (``F.embedding``), so a padding token stays a zero vector.
    ``max_norm``, ``norm_type`` and ``scale_grad_by_freq`` are ``F.embedding``'s: with
    ``max_norm`` each looked-up row longer than it is shortened in place. ``_weight`` (a
    (num_embeddings, embedding_dim) tensor) is used as the weight instead, uninitialised, and
    ``_freeze=True`` makes it not require grad (what ``from_pretrained`` passes), as PyTorch's.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = check_int("Embedding", "num_embeddings", num_embeddings, low=1)
        self.embedding_dim = check_int("Embedding", "embedding_dim", embedding_dim, low=1)
        if padding_idx is not None:
            rows = num_embeddings
            padding_idx = check_int("Embedding", "padding_idx", padding_idx, low=-rows)
            if padding_idx >= rows:
                raise ValueError(
                    f"Embedding: padding_idx must lie in [-{rows}, {rows - 1}] "
                    f"(num_embeddings={rows}), got {padding_idx}"
                )
            padding_idx %= rows  # PyTorch keeps it non-negative too
        self.padding_idx = padding_idx
        if max_norm is not None:
            max_norm = check_number("Embedding", "max_norm", max_norm, allow_inf=True)
        self.max_norm = max_norm
        self.norm_type = check_number("Embedding", "norm_type", norm_type, allow_inf=True)
        self.scale_grad_by_freq = check_bool("Embedding", "scale_grad_by_freq", scale_grad_by_freq)
        if check_bool("Embedding", "sparse", sparse):
            raise NotImplementedError(
                "Embedding: sparse=True is not supported in minigrad (gradients are dense arrays)"
            )
        self.sparse = False
        if _weight is None:
            self.weight = empty_parameter((num_embeddings, embedding_dim), device, dtype)
            self.reset_parameters()
        else:
            if not isinstance(_weight, Tensor) or _weight.shape != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight must be a Tensor of shape ({num_embeddings}, "
                    f"{embedding_dim}) (num_embeddings, embedding_dim), got "
                    f"{getattr(_weight, 'shape', type(_weight).__name__)}"
                )
            self.weight = Parameter(
                _weight, requires_grad=not check_bool("Embedding", "_freeze", _freeze)
            )

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (2-D; shared, not copied), frozen unless
        ``freeze=False``. As PyTorch's, the ``padding_idx`` row keeps its given values."""
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ValueError(
                "Embedding.from_pretrained: embeddings must be a 2-D Tensor, got "
                f"{getattr(embeddings, 'shape', type(embeddings).__name__)}"
            )
        rows, cols = embeddings.shape
        return cls(
            rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
            _weight=embeddings, _freeze=freeze,
        )  # fmt: skip

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Any) -> Tensor:
        return F.embedding(
            input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
            self.scale_grad_by_freq, self.sparse,
        )  # fmt: skip

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        return text


# ---- activations ----------------------------------------------------------------------------
class _MaybeInPlace(Module):
    """An activation with PyTorch's ``inplace`` flag (see ``F.relu`` for what it does here)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_bool(type(self).__name__, "inplace", inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_MaybeInPlace):
    """max(x, 0)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, True) if self.inplace else ops.relu(input)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise"""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = check_number("LeakyReLU", "negative_slope", negative_slope)
        self.inplace = check_bool("LeakyReLU", "inplace", inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    """tanh(x)"""

    def forward(self, input: Tensor) -> Tensor:
        return ops.tanh(input)


class Sigmoid(Module):
    """1 / (1 + e^-x)"""

    def forward(self, input: Tensor) -> Tensor:
        return ops.sigmoid(input)


class GELU(Module):
    """x * Phi(x) (see ``F.gelu``); ``approximate='tanh'`` for the tanh approximation."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = check_choice("GELU", "approximate", approximate, ("none", "tanh"))

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_MaybeInPlace):
    """x * sigmoid(x) (see ``F.silu``)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, self.inplace)


class Mish(_MaybeInPlace):
    """x * tanh(softplus(x)) (see ``F.mish``)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input, self.inplace)


class ELU(Module):
    """x for x > 0, alpha * (e^x - 1) otherwise (see ``F.elu``)"""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = check_number("ELU", "alpha", alpha)
        self.inplace = check_bool("ELU", "inplace", inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Hardtanh(Module):
    """x clamped to [min_val, max_val] (see ``F.hardtanh``)"""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.min_val = check_number("Hardtanh", "min_val", min_val)
        self.max_val = check_number("Hardtanh", "max_val", max_val)
        self.inplace = check_bool("Hardtanh", "inplace", inplace)
        if self.min_val > self.max_val:
            raise ValueError(
                f"Hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})"
            )

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (
            ", inplace=True" if self.inplace else ""
        )


class Softsign(Module):
    """x / (1 + |x|)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``. (``axis=``: NumPy's name for ``dim``.)

    Without ``dim``, PyTorch's deprecated implicit choice, with its warning: dim 0 for 0-, 1-
    and 3-d input, dim 1 otherwise (so not the last dim of a 3-d input: pass ``dim``)."""

    def __init__(self, dim: int | None = None, *, axis: int | None = None) -> None:
        super().__init__()
        self.dim = ops.reduction.dim_arg(dim, axis, "Softmax")

    def forward(self, input: Tensor) -> Tensor:
        # dim=None is PyTorch's default too: its implicit choice, not the last dim
        dim = F._legacy_softmax_dim("softmax", input.ndim) if self.dim is None else self.dim
        return ops.softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed stably. (``axis=``: NumPy's name for ``dim``.)"""

    def __init__(self, dim: int | None = None, *, axis: int | None = None) -> None:
        super().__init__()
        self.dim = ops.reduction.dim_arg(dim, axis, "LogSoftmax")

    def forward(self, input: Tensor) -> Tensor:
        # dim=None is PyTorch's default too: its implicit choice, not the last dim
        dim = F._legacy_softmax_dim("log_softmax", input.ndim) if self.dim is None else self.dim
        return ops.log_softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


# ---- losses as modules ------------------------------------------------------------------------
class MSELoss(Module):
    """``F.mse_loss`` as a module: ``criterion = MSELoss(); loss = criterion(output, target)``."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


class L1Loss(Module):
    """``F.l1_loss`` as a module."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(Module):
    """``F.smooth_l1_loss`` as a module: quadratic below ``beta``, linear above."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__()
        self.reduction = check_choice("SmoothL1Loss", "reduction", reduction, _REDUCTIONS)
        self.beta = check_number("SmoothL1Loss", "beta", beta, low=0)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(Module):
    """``F.huber_loss`` as a module: quadratic below ``delta``, linear above."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__()
        self.reduction = check_choice("HuberLoss", "reduction", reduction, _REDUCTIONS)
        self.delta = check_number("HuberLoss", "delta", delta, low=0, low_inclusive=False)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.huber_loss(input, target, self.reduction, self.delta)


class KLDivLoss(Module):
    """``F.kl_div`` as a module (input: log-probabilities); 'batchmean' is the KL divergence."""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        choices = ("mean", "batchmean", "sum", "none")
        self.reduction = check_choice("KLDivLoss", "reduction", reduction, choices)
        self.log_target = check_bool("KLDivLoss", "log_target", log_target)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.kl_div(input, target, self.reduction, self.log_target)


_REDUCTIONS = ("mean", "sum", "none")


class CrossEntropyLoss(Module):
    """``F.cross_entropy`` as a module (logits and integer class targets)."""

    def __init__(
        self,
        weight: Tensor | None = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__()
        self.weight, self.ignore_index, self.reduction = weight, ignore_index, reduction
        self.label_smoothing = check_number(
            "CrossEntropyLoss", "label_smoothing", label_smoothing, low=0, high=1
        )

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(Module):
    """``F.nll_loss`` as a module (log-probabilities and integer class targets)."""

    def __init__(
        self, weight: Tensor | None = None, *, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__()
        self.weight, self.ignore_index, self.reduction = weight, ignore_index, reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class BCEWithLogitsLoss(Module):
    """``F.binary_cross_entropy_with_logits`` as a module."""

    def __init__(
        self,
        weight: Tensor | None = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__()
        self.reduction = reduction
        # Buffers, so that they follow the module to another device.
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class BCELoss(Module):
    """``F.binary_cross_entropy`` as a module (probabilities in [0, 1], logs clamped at -100)."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = check_choice("BCELoss", "reduction", reduction, _REDUCTIONS)
        self.register_buffer("weight", weight)  # a buffer: it follows the module's device

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


# ---- PyTorch's layers found missing by a differential sweep ------------------------------------
class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be -1): Flatten's inverse."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        self.dim = check_int("Unflatten", "dim", dim)
        if not isinstance(unflattened_size, (tuple, list)) or not unflattened_size:
            raise TypeError(
                f"Unflatten: unflattened_size must be a non-empty tuple or list of ints, got "
                f"{unflattened_size!r}"
            )
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, and x where beta x > threshold (see ``F.softplus``)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = check_number("Softplus", "beta", beta)
        if self.beta == 0:
            raise ValueError("Softplus: beta must be a finite non-zero number, got 0")
        self.threshold = check_number("Softplus", "threshold", threshold, allow_inf=True)

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardswish(_MaybeInPlace):
    """x * relu6(x + 3) / 6 (see ``F.hardswish``)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input, self.inplace)


class Hardsigmoid(_MaybeInPlace):
    """relu6(x + 3) / 6 (see ``F.hardsigmoid``)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input, self.inplace)


class PReLU(Module):
    """x for x > 0, a * x otherwise, with the slope ``a`` learned: one shared (the default) or
    one per channel (dim 1), each starting at ``init`` (PyTorch's 0.25). Parameter ``weight``."""

    def __init__(
        self,
        num_parameters: int = 1,
        init: float = 0.25,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_parameters = check_int("PReLU", "num_parameters", num_parameters, low=1)
        self.init = check_number("PReLU", "init", init)
        self.weight = empty_parameter((self.num_parameters,), device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Dropout1d(Dropout):
    """Zero whole channels of (N, C, L) or (C, L) input in training (see ``F.dropout1d``)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """Zero whole feature maps of (N, C, H, W) input in training (see ``F.dropout2d``)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """Zero whole feature volumes of (N, C, D, H, W) or (C, D, H, W) input in training (see
    ``F.dropout3d``)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)


class GroupNorm(Module):
    """Group normalisation of (N, C, ...) input (see ``F.group_norm``); with ``affine``, a
    per-channel ``weight`` (ones) and ``bias`` (zeros), as PyTorch's."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_groups = check_int("GroupNorm", "num_groups", num_groups, low=1)
        self.num_channels = check_int("GroupNorm", "num_channels", num_channels, low=1)
        if num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        self.eps = check_number("GroupNorm", "eps", eps, low=0)
        self.affine = check_bool("GroupNorm", "affine", affine)
        if affine:
            self.weight = init.ones_(empty_parameter((num_channels,), device, dtype))
            self.bias = empty_parameter((num_channels,), device, dtype)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ValueError(
                f"GroupNorm: expected input (N, {self.num_channels}, ...), got shape {input.shape}"
            )
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(_BatchNorm):
    """Instance normalisation (see ``F.instance_norm``): PyTorch's defaults ``affine=False``
    and ``track_running_stats=False``; with running statistics, evaluation uses them."""

    spatial = 0

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: str | Device | None = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )
        if momentum is None and self.track_running_stats:
            # PyTorch's InstanceNorm then leaves its running statistics at their initial
            # values for ever (momentum 0), not BatchNorm's cumulative average: refuse both.
            raise ValueError(
                f"{type(self).__name__}: momentum=None with track_running_stats=True is not "
                "supported; give a momentum in [0, 1]"
            )

    def forward(self, input: Tensor) -> Tensor:
        name = type(self).__name__
        batched = self.spatial + 2
        if input.ndim not in (batched, batched - 1):
            raise ValueError(
                f"{name}: expected {batched}-d (N, C, ...) or {batched - 1}-d (C, ...) input, "
                f"got shape {input.shape}"
            )
        unbatched = input.ndim == batched - 1
        if unbatched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{name}: input has {input.shape[1]} channels, expected "
                f"num_features={self.num_features}"
            )
        # num_batches_tracked is kept (a state_dict key) but, as in PyTorch, never counts.
        momentum = 0.0 if self.momentum is None else self.momentum
        use_input_stats = self.training or not self.track_running_stats
        out = F.instance_norm(
            input,
            self.running_mean if self.track_running_stats else None,
            self.running_var if self.track_running_stats else None,
            self.weight,
            self.bias,
            use_input_stats,
            momentum,
            self.eps,
        )
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) input, per sample and channel."""

    spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) input, per sample and channel."""

    spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W) input, per sample and channel."""

    spatial = 3


class CosineSimilarity(Module):
    """Cosine of the angle between x1 and x2 along ``dim`` (see ``F.cosine_similarity``)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = check_int("CosineSimilarity", "dim", dim)
        self.eps = check_number("CosineSimilarity", "eps", eps, low=0)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """The p-norm of x1 - x2 + eps along the last dim (see ``F.pairwise_distance``)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        name = "PairwiseDistance"
        self.norm = check_number(name, "p", p, low=0, low_inclusive=False, allow_inf=True)
        self.eps = check_number(name, "eps", eps, low=0)
        self.keepdim = check_bool(name, "keepdim", keepdim)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"


# ---- more of PyTorch's activations (see their functional forms) ---------------------------------
class ReLU6(_MaybeInPlace):
    """min(max(x, 0), 6) (see ``F.relu6``)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.relu6(input, self.inplace)


class SELU(_MaybeInPlace):
    """scale * elu(x, alpha) with PyTorch's fixed constants (see ``F.selu``)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input, self.inplace)


class CELU(Module):
    """alpha * elu(x / alpha) (see ``F.celu``)"""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = check_number("CELU", "alpha", alpha)
        self.inplace = check_bool("CELU", "inplace", inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class LogSigmoid(Module):
    """log(sigmoid(x)) (see ``F.logsigmoid``)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Softmin(Module):
    """softmax(-x) along ``dim`` (see ``F.softmin``; no ``dim``: PyTorch's implicit choice)"""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) input: dim -3."""

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected 3-d or 4-d input, got shape {input.shape}")
        return ops.softmax(input, -3)


class GLU(Module):
    """a * sigmoid(b), a and b the halves of the input along ``dim`` (see ``F.glu``)"""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int("GLU", "dim", dim)

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardshrink(Module):
    """x where |x| > lambd, else 0 (see ``F.hardshrink``)"""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = check_number("Hardshrink", "lambd", lambd)

    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """x moved lambd towards 0, and 0 within lambd of it (see ``F.softshrink``)"""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = check_number("Softshrink", "lambd", lambd, low=0)

    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Tanhshrink(Module):
    """x - tanh(x)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class Threshold(Module):
    """x where x > threshold, else ``value`` (see ``F.threshold``)"""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = check_number("Threshold", "threshold", threshold, allow_inf=True)
        self.value = check_number("Threshold", "value", value, allow_inf=True)
        self.inplace = check_bool("Threshold", "inplace", inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else ""
        )

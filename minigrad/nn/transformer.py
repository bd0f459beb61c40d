"""``TransformerEncoderLayer`` and ``TransformerEncoder``: PyTorch's encoder blocks, built from
``MultiheadAttention``, ``Linear``, ``LayerNorm`` and ``Dropout``.

One layer (Vaswani et al. 2017), post-norm (``norm_first=False``, the paper's and PyTorch's
default) or pre-norm (``norm_first=True``, which trains more stably without warm-up):

    post-norm:  x = norm1(x + SA(x));         x = norm2(x + FF(x))
    pre-norm:   x = x + SA(norm1(x));         x = x + FF(norm2(x))

    SA(x) = dropout1(self_attn(x, x, x))      FF(x) = dropout2(linear2(dropout(act(linear1(x)))))

The sub-modules have PyTorch's names (``self_attn``, ``linear1``, ``dropout``, ``linear2``,
``norm1``, ``norm2``, ``dropout1``, ``dropout2``) and the encoder's are ``layers.0``, ... and
``norm``, so a ``state_dict`` loads both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import Device
from ..checks import check_bool, check_int, check_number
from ..tensor import Tensor
from . import functional as F
from .attention import MultiheadAttention
from .layers import Dropout, LayerNorm, Linear
from .module import Module, ModuleList

__all__ = ["TransformerEncoder", "TransformerEncoderLayer"]

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """Self-attention then a two-layer feed-forward network, each with a residual connection
    and a LayerNorm (see the module docstring). Inputs (S, N, E), or (N, S, E) with
    ``batch_first``, or (S, E). ``activation`` is 'relu', 'gelu' or a callable."""

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = "TransformerEncoderLayer"
        # What it takes to build a copy (TransformerEncoder's layers; deepcopy is not used).
        self._config: dict[str, Any] = dict(
            d_model=d_model, nhead=nhead, dim_feedforward=dim_feedforward, dropout=dropout,
            activation=activation, layer_norm_eps=layer_norm_eps, batch_first=batch_first,
            norm_first=norm_first, bias=bias,
        )  # fmt: skip
        check_int(name, "dim_feedforward", dim_feedforward, low=1)
        check_number(name, "dropout", dropout, low=0, high=1, high_inclusive=False)
        self.norm_first = check_bool(name, "norm_first", norm_first)
        rule = f"{name}: activation must be 'relu', 'gelu' or a callable, got"
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"{rule} {activation!r}")
            chosen = _ACTIVATIONS[activation]
        elif callable(activation):
            chosen = activation  # a Module becomes a child (no parameters), as in PyTorch
        else:
            raise TypeError(f"{rule} {type(activation).__name__}")
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, device=device,
            dtype=dtype,
        )  # fmt: skip
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, device=device, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, device=device, dtype=dtype)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, device=device, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, device=device, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        # Last, as PyTorch assigns it: a Module activation is then the last child listed.
        self.activation = chosen

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        """Masks as ``MultiheadAttention``'s: a bool one is True where a key is ignored."""
        x = src
        if self.norm_first:
            x = x + self._attention(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._attention(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward(x))

    def _attention(
        self, x: Tensor, mask: Tensor | None, padding: Tensor | None, is_causal: bool
    ) -> Tensor:
        out, _ = self.self_attn(
            x, x, x, key_padding_mask=padding, need_weights=False, attn_mask=mask,
            is_causal=is_causal,
        )  # fmt: skip
        return self.dropout1(out)

    def _feed_forward(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _copy_of(layer: TransformerEncoderLayer) -> TransformerEncoderLayer:
    """A new layer like ``layer``: built from its constructor arguments on its device and
    dtype, then given its weights and mode (what PyTorch's deepcopy gives)."""
    if not isinstance(layer, TransformerEncoderLayer):
        raise TypeError(
            f"TransformerEncoder: encoder_layer must be a TransformerEncoderLayer, got "
            f"{type(layer).__name__}"
        )
    weight = layer.linear1.weight
    copy = type(layer)(**layer._config, device=weight.device, dtype=weight.dtype)
    copy.load_state_dict(layer.state_dict())
    copy.train(layer.training)
    return copy


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in turn (each with its own weights,
    starting equal to the given layer's, as PyTorch's copies do), then ``norm`` if given."""

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.num_layers = check_int("TransformerEncoder", "num_layers", num_layers, low=1)
        # enable_nested_tensor and mask_check steer PyTorch's fast path, which minigrad has not.
        check_bool("TransformerEncoder", "enable_nested_tensor", enable_nested_tensor)
        check_bool("TransformerEncoder", "mask_check", mask_check)
        self.layers = ModuleList(_copy_of(encoder_layer) for _ in range(self.num_layers))
        self.norm = norm

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        out = src
        for layer in self.layers:
            out = layer(out, mask, src_key_padding_mask, bool(is_causal))
        return self.norm(out) if self.norm is not None else out

"""``TransformerEncoderLayer``, ``TransformerEncoder``, ``TransformerDecoderLayer``,
``TransformerDecoder`` and ``Transformer``: PyTorch's blocks, built from ``MultiheadAttention``,
``Linear``, ``LayerNorm`` and ``Dropout``.

One layer (Vaswani et al. 2017), post-norm (``norm_first=False``, the paper's and PyTorch's
default) or pre-norm (``norm_first=True``, which trains more stably without warm-up):

    post-norm:  x = norm1(x + SA(x));         x = norm2(x + FF(x))
    pre-norm:   x = x + SA(norm1(x));         x = x + FF(norm2(x))

    SA(x) = dropout1(self_attn(x, x, x))      FF(x) = dropout2(linear2(dropout(act(linear1(x)))))

The sub-modules have PyTorch's names (``self_attn``, ``linear1``, ``dropout``, ``linear2``,
``norm1``, ``norm2``, ``dropout1``, ``dropout2``) and the encoder's are ``layers.0``, ... and
``norm``, so a ``state_dict`` loads both ways.

A decoder layer adds attention to the encoder's output (``memory``) between the two:

    post-norm:  x = norm1(x + SA(x));   x = norm2(x + CA(x, memory));   x = norm3(x + FF(x))
    pre-norm:   x = x + SA(norm1(x));   x = x + CA(norm2(x), memory);   x = x + FF(norm3(x))

    CA(x, m) = dropout2(multihead_attn(x, m, m))    (FF's last dropout is then dropout3)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..backend import Device
from ..checks import check_bool, check_int, check_number
from ..tensor import Tensor, get_default_dtype
from . import functional as F
from . import init
from .attention import MultiheadAttention
from .layers import Dropout, LayerNorm, Linear
from .module import Module, ModuleList

__all__ = [
    "Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
    "TransformerEncoderLayer",
]  # fmt: skip

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": F.relu, "gelu": F.gelu}


def _activation(
    activation: str | Callable[[Tensor], Tensor], name: str
) -> Callable[[Tensor], Tensor]:
    """'relu' or 'gelu' as F's function; a callable as it is (a Module becomes a child, with no
    parameters, as in PyTorch)."""
    rule = f"{name}: activation must be 'relu', 'gelu' or a callable, got"
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"{rule} {activation!r}")
        return _ACTIVATIONS[activation]
    if callable(activation):
        return activation
    raise TypeError(f"{rule} {type(activation).__name__}")


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
        chosen = _activation(activation, name)
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


def _copy_of(
    layer: Any, kind: type = TransformerEncoderLayer, owner: str = "TransformerEncoder"
) -> Any:
    """A new layer like ``layer``: built from its constructor arguments on its device and
    dtype, then given its weights and mode (what PyTorch's deepcopy gives)."""
    if not issubclass(type(layer), kind):  # (isinstance would narrow Any to object)
        argument = "encoder_layer" if kind is TransformerEncoderLayer else "decoder_layer"
        raise TypeError(
            f"{owner}: {argument} must be a {kind.__name__}, got {type(layer).__name__}"
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


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention to the encoder's output (``memory``), then a
    two-layer feed-forward network, each with a residual connection and a LayerNorm (see the
    module docstring). Inputs (T, N, E) and memory (S, N, E), or batch first, or unbatched
    (T, E) and (S, E). ``activation`` is 'relu', 'gelu' or a callable."""

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
        name = "TransformerDecoderLayer"
        self._config: dict[str, Any] = dict(
            d_model=d_model, nhead=nhead, dim_feedforward=dim_feedforward, dropout=dropout,
            activation=activation, layer_norm_eps=layer_norm_eps, batch_first=batch_first,
            norm_first=norm_first, bias=bias,
        )  # fmt: skip
        check_int(name, "dim_feedforward", dim_feedforward, low=1)
        check_number(name, "dropout", dropout, low=0, high=1, high_inclusive=False)
        chosen = _activation(activation, name)
        # Built in PyTorch's order, so state_dict keys come in its order too.
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, device=device,
            dtype=dtype,
        )  # fmt: skip
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, device=device,
            dtype=dtype,
        )  # fmt: skip
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, device=device, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, device=device, dtype=dtype)
        self.norm_first = check_bool(name, "norm_first", norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, device=device, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, device=device, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, device=device, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = chosen

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Masks as ``MultiheadAttention``'s: a bool one is True where a key is ignored.
        ``tgt_mask`` (T, T) and ``tgt_key_padding_mask`` (N, T) act on the self-attention,
        ``memory_mask`` (T, S) and ``memory_key_padding_mask`` (N, S) on the attention to the
        memory. The ``*_is_causal`` flags are PyTorch's hints that the mask is the causal one
        (so the mask must be given)."""
        x = tgt
        if self.norm_first:
            x = x + self._self_attention(
                self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal
            )
            x = x + self._memory_attention(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            return x + self._feed_forward(self.norm3(x))
        x = self.norm1(x + self._self_attention(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(
            x
            + self._memory_attention(
                x, memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
        )
        return self.norm3(x + self._feed_forward(x))

    def _self_attention(
        self, x: Tensor, mask: Tensor | None, padding: Tensor | None, is_causal: bool
    ) -> Tensor:
        out, _ = self.self_attn(
            x, x, x, key_padding_mask=padding, need_weights=False, attn_mask=mask,
            is_causal=bool(is_causal),
        )  # fmt: skip
        return self.dropout1(out)

    def _memory_attention(
        self,
        x: Tensor,
        memory: Tensor,
        mask: Tensor | None,
        padding: Tensor | None,
        is_causal: bool,
    ) -> Tensor:
        out, _ = self.multihead_attn(
            x, memory, memory, key_padding_mask=padding, need_weights=False, attn_mask=mask,
            is_causal=bool(is_causal),
        )  # fmt: skip
        return self.dropout2(out)

    def _feed_forward(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` applied in turn, each attending to the same
    ``memory`` (each with its own weights, starting equal to the given layer's, as PyTorch's
    copies do), then ``norm`` if given."""

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        name = "TransformerDecoder"
        self.num_layers = check_int(name, "num_layers", num_layers, low=1)
        self.layers = ModuleList(
            _copy_of(decoder_layer, TransformerDecoderLayer, name) for _ in range(self.num_layers)
        )
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        out = tgt
        for layer in self.layers:
            out = layer(
                out, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                memory_key_padding_mask, bool(tgt_is_causal), memory_is_causal,
            )  # fmt: skip
        return self.norm(out) if self.norm is not None else out


class Transformer(Module):
    """The encoder-decoder transformer (Vaswani et al. 2017), as PyTorch's ``nn.Transformer``:
    an ``encoder`` (``TransformerEncoder`` of ``num_encoder_layers`` layers and a final
    LayerNorm) reads ``src``, a ``decoder`` (likewise) turns ``tgt`` and the encoder's output
    into the result, shaped as ``tgt``. Every parameter with more than one dim is then
    re-initialised xavier-uniform, as PyTorch does. ``custom_encoder``/``custom_decoder``
    replace the built ones."""

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        layer_args: dict[str, Any] = dict(
            dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
            layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first,
            bias=bias, device=device, dtype=dtype,
        )  # fmt: skip
        norm_args: dict[str, Any] = dict(eps=layer_norm_eps, bias=bias, device=device, dtype=dtype)
        if custom_encoder is not None:
            self.encoder: Module = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(d_model, nhead, **layer_args),
                num_encoder_layers,
                LayerNorm(d_model, **norm_args),
            )
        if custom_decoder is not None:
            self.decoder: Module = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(d_model, nhead, **layer_args),
                num_decoder_layers,
                LayerNorm(d_model, **norm_args),
            )
        for parameter in self.parameters():
            if parameter.ndim > 1:
                init.xavier_uniform_(parameter)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """src (S, N, E), tgt (T, N, E) (batch first: (N, S, E), (N, T, E); or unbatched);
        the output is (T, N, E). Masks as ``TransformerEncoder``'s and ``TransformerDecoder``'s:
        ``src_mask`` (S, S), ``tgt_mask`` (T, T), ``memory_mask`` (T, S), padding masks (N, *)."""
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError("Transformer: the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(
                f"Transformer: the feature number of src and tgt must be equal to d_model "
                f"({self.d_model}), got {src.shape[-1]} and {tgt.shape[-1]}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )  # fmt: skip

    @staticmethod
    def generate_square_subsequent_mask(
        sz: int, device: str | Device | None = None, dtype: Any = None
    ) -> Tensor:
        """The (sz, sz) float causal mask: 0 on and below the diagonal, -inf above it (position
        i may attend to positions 0..i), in the default float dtype unless ``dtype``."""
        sz = check_int("generate_square_subsequent_mask", "sz", sz, low=0)
        dtype = get_default_dtype() if dtype is None else dtype
        mask = np.triu(np.full((sz, sz), -np.inf), 1).astype(dtype)
        return Tensor(mask, device=device)

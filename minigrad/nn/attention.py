"""Attention: a soft lookup of values by how well each query matches each key.

    Attention(Q, K, V) = softmax(Q K^T * scale + M) V          (Vaswani et al. 2017, eq. 1)

    Q (..., L, E)   L queries, one per output position
    K (..., S, E)   S keys, one per input position
    V (..., S, Ev)  the value stored under each key
    scale           1 / sqrt(E) unless given: it keeps the scores' spread near 1 as E grows,
                    so the softmax does not saturate
    M (L, S)        the mask: 0 where query i may look at key j, -inf where it may not (a
                    boolean mask is turned into this), or any additive float bias

Row i of softmax(...) is a probability distribution over the S keys: how much of each value
ends up in output i. The causal mask of a language model lets position i see keys 0..i only:

        key:    0   1   2   3
    query 0     .  -inf -inf -inf          "." is 0: may look
    query 1     .   .  -inf -inf
    query 2     .   .   .  -inf
    query 3     .   .   .   .

``MultiheadAttention`` runs H such lookups side by side on learned projections of the inputs,
each in a subspace of E / H dims, and mixes their outputs with one more projection. Everything
here is built from ops (matmul, and a softmax that applies the mask), so its backward is theirs;
self-attention without dropout, when the weights are not asked for (a transformer's usual
call), is one op instead, ``SelfAttention`` in minigrad/ops/attention.py, which computes the
same without copying each head in and out.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import Device
from ..checks import ShapeError, check_bool, check_int, check_number
from ..ops.attention import SelfAttention
from ..ops.reduction import Softmax
from ..tensor import Tensor, get_default_dtype
from . import init
from .functional import dropout, linear
from .layers import Linear, empty_parameter
from .module import Module


def attend(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    keep: Any = None,
    bias: Any = None,
    dropout_p: float = 0.0,
    scale: float | None = None,
) -> tuple[Tensor, Tensor]:
    """softmax(Q K^T * scale + M) V and the attention weights, with the mask M given as ``keep``
    (a boolean array, True where a query may look at a key, or None) and/or ``bias`` (a float
    Tensor added to the scores, -inf to forbid, or None). Both broadcast to (..., L, S).

    A query that may look at no key at all gets weights 0 and output 0 (as PyTorch's
    scaled_dot_product_attention gives), not the NaN that softmax of a row of -inf would be.
    """
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    # Scaling Q before the product costs L*E multiplications, scaling the scores L*S.
    scores = (query * scale) @ key.swapaxes(-1, -2)
    if bias is not None:
        scores = scores + bias
    # The boolean mask is applied by the softmax itself (-inf where it is False). A query that
    # may look at no key has a row of only -inf: weights 0 there, not NaN.
    weights = Softmax.apply(
        scores,
        axis=scores.ndim - 1,
        keep=keep,
        empty_rows_zero=keep is not None or bias is not None,
    )
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)  # drops whole (query, key) links, as PyTorch does
    return weights @ value, weights


def causal_mask(queries: int, keys: int, device: Device) -> Any:
    """The (L, S) boolean array that lets query i look at keys 0..i (True on and below the
    diagonal, aligned at the top left as PyTorch's ``is_causal``), made on ``device``."""
    return device.xp.tril(device.xp.ones((queries, keys), dtype=bool))


def _mask_parts(mask: Tensor, query: Tensor, name: str, true_means_keep: bool) -> tuple[Any, Any]:
    """A mask as (keep, bias): a boolean mask becomes ``keep`` (its negation when True means
    "masked out", as in MultiheadAttention), a float mask the additive ``bias``."""
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name} must be a Tensor (bool or float), got {type(mask).__name__}")
    if mask.device is not query.device:
        raise RuntimeError(f"{name} is on {mask.device}, the query on {query.device}")
    if mask.dtype == np.bool_:
        return (mask.data if true_means_keep else query.xp.logical_not(mask.data)), None
    if mask.dtype.kind != "f":
        raise TypeError(
            f"{name} must be a bool tensor or a float tensor of additive scores, got {mask.dtype}"
        )
    return None, mask.astype(query.dtype)


def _broadcasts(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    return len(shape) <= len(target) and all(
        m == n or m == 1 for m, n in zip(reversed(shape), reversed(target))
    )


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """softmax(Q K^T * scale + M) V, as PyTorch's ``F.scaled_dot_product_attention``.

    query (..., L, E), key (..., S, E), value (..., S, Ev); the leading dims (batch, heads)
    broadcast. Output (..., L, Ev). ``attn_mask`` broadcasts to (..., L, S): a bool mask is
    True where a query may look at a key (PyTorch's meaning here; MultiheadAttention's is the
    opposite), a float mask is added to the scores. ``is_causal=True`` applies the causal mask
    (then attn_mask must be None). ``dropout_p`` drops attention weights whenever it is > 0,
    as PyTorch's does: pass 0 in evaluation. ``scale`` defaults to 1 / sqrt(E).
    """
    name = "scaled_dot_product_attention"
    for label, tensor in (("query", query), ("key", key), ("value", value)):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{name}: {label} must be a Tensor, got {type(tensor).__name__}")
        if tensor.ndim < 2:
            raise ShapeError(f"{name}: {label} must be (..., length, features), got {tensor.shape}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ShapeError(
            f"{name}: query (..., L, E), key (..., S, E) and value (..., S, Ev) do not fit: got "
            f"{query.shape}, {key.shape} and {value.shape}"
        )
    dropout_p = check_number(name, "dropout_p", dropout_p, low=0, high=1, high_inclusive=False)
    check_bool(name, "is_causal", is_causal)
    if scale is not None:
        scale = check_number(name, "scale", scale)
    keep, bias = None, None
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{name}: give attn_mask or is_causal=True, not both")
        keep = causal_mask(query.shape[-2], key.shape[-2], query.device)
    elif attn_mask is not None:
        keep, bias = _mask_parts(attn_mask, query, f"{name}: attn_mask", true_means_keep=True)
        scores_shape = (*query.shape[:-1], key.shape[-2])
        if not _broadcasts(attn_mask.shape, scores_shape):
            raise ShapeError(
                f"{name}: attn_mask of shape {attn_mask.shape} does not broadcast to the scores' "
                f"shape (..., L, S) = {scores_shape}"
            )
    try:
        return attend(query, key, value, keep, bias, dropout_p, scale)[0]
    except ValueError as error:  # batch dims that do not broadcast, named by matmul
        raise ShapeError(f"{name}: {error}") from None


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al. 2017, section 3.2.2), as PyTorch's:

        MultiHead(Q, K, V) = Concat(head_1, ..., head_H) W_out^T + b_out
        head_h = Attention(Q W_q,h^T + b_q,h,  K W_k,h^T + b_k,h,  V W_v,h^T + b_v,h)

    W_q, W_k and W_v are stacked in ``in_proj_weight`` (3E, E), rows [0, E) for the queries,
    [E, 2E) the keys, [2E, 3E) the values, and head h uses their rows [h D, (h + 1) D), D = E / H;
    ``in_proj_bias`` (3E,) likewise. ``out_proj`` is a Linear(E, E). These are PyTorch's names,
    so a ``state_dict`` loads both ways. Initialised as PyTorch does: ``in_proj_weight``
    xavier-uniform, both biases 0, ``out_proj.weight`` as any Linear.

    Inputs are (L, N, E) (or (N, L, E) with ``batch_first=True``, or (L, E) unbatched).
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        batch_first: bool = False,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = "MultiheadAttention"
        self.embed_dim = check_int(name, "embed_dim", embed_dim, low=1)
        self.num_heads = check_int(name, "num_heads", num_heads, low=1)
        if embed_dim % num_heads:
            raise ValueError(
                f"{name}: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads}): "
                "each head gets embed_dim / num_heads dims"
            )
        self.head_dim = embed_dim // num_heads
        self.dropout = check_number(name, "dropout", dropout, low=0, high=1, high_inclusive=False)
        self.batch_first = check_bool(name, "batch_first", batch_first)
        check_bool(name, "bias", bias)
        dtype = get_default_dtype() if dtype is None else dtype
        self.in_proj_weight = empty_parameter((3 * embed_dim, embed_dim), device, dtype)
        if bias:
            self.in_proj_bias = empty_parameter((3 * embed_dim,), device, dtype)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """``(output, weights)``: output shaped as the query; weights (N, L, S) averaged over
        the heads (or (N, H, L, S) with ``average_attn_weights=False``), None when
        ``need_weights=False``. Masks follow PyTorch's MultiheadAttention: a bool
        ``key_padding_mask`` (N, S) or ``attn_mask`` (L, S) or (N * H, L, S) is True where a key
        must be *ignored*; a float one is added to the scores. ``is_causal`` is PyTorch's hint
        that ``attn_mask`` is the causal mask, so it needs ``attn_mask``, which is what is used.
        """
        name = "MultiheadAttention"
        check_bool(name, "need_weights", need_weights)
        check_bool(name, "average_attn_weights", average_attn_weights)
        check_bool(name, "is_causal", is_causal)
        if is_causal and attn_mask is None:
            raise RuntimeError(
                f"{name}: is_causal=True is a hint that attn_mask is the causal mask, so it needs "
                "attn_mask, e.g. minigrad.ones(L, L, dtype=bool).triu(1) (True: masked out)"
            )
        self_attention = query is key and key is value
        query, key, value, batched = self._batch_major(query, key, value)
        n, length, e = query.shape
        source = key.shape[1]
        heads, d = self.num_heads, self.head_dim

        keep, bias = self._masks(key_padding_mask, attn_mask, query, n, length, source, batched)
        p = self.dropout if self.training else 0.0
        # The three projections: one product when the inputs are one tensor (self-attention).
        w, b = self.in_proj_weight, self.in_proj_bias
        if self_attention and not need_weights and p == 0 and bias is None:
            # The common case in a transformer, as one op on the packed projections (the same
            # computation as below, without copying heads in and out; ops/attention.py).
            heads_side_by_side = SelfAttention.apply(
                linear(query, w, b),
                heads=heads,
                scale=1.0 / math.sqrt(d),
                keep=keep,
                empty_rows_zero=keep is not None,
            )
        else:
            if self_attention:
                q, k, v = linear(query, w, b).chunk(3, dim=-1)
            else:
                ws = w.chunk(3)
                bs = b.chunk(3) if b is not None else (None, None, None)
                q, k, v = (linear(x, wi, bi) for x, wi, bi in zip((query, key, value), ws, bs))

            # (N, L, E) -> (N, H, L, D): head h reads its own D dims of every position.
            def split_heads(x: Tensor, steps: int) -> Tensor:
                return x.reshape(n, steps, heads, d).transpose(1, 2)

            out, weights = attend(
                split_heads(q, length),
                split_heads(k, source),
                split_heads(v, source),
                keep,
                bias,
                p,
            )
            heads_side_by_side = out.transpose(1, 2).reshape(n, length, e)
        out = self.out_proj(heads_side_by_side)
        if not self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(1 if not self.batch_first else 0)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(axis=1)
        return out, (weights if batched else weights.squeeze(0))

    def _batch_major(
        self, query: Tensor, key: Tensor, value: Tensor
    ) -> tuple[Tensor, Tensor, Tensor, bool]:
        """The inputs as (N, L, E), (N, S, E), (N, S, E), checked; and whether they had a batch."""
        name = "MultiheadAttention"
        for label, x in (("query", query), ("key", key), ("value", value)):
            if not isinstance(x, Tensor):
                raise TypeError(f"{name}: {label} must be a Tensor, got {type(x).__name__}")
            if x.ndim != query.ndim or x.ndim not in (2, 3) or x.shape[-1] != self.embed_dim:
                raise ValueError(
                    f"{name}: query, key and value must all be (L, N, E), (N, L, E) with "
                    f"batch_first or (L, E), with E = embed_dim = {self.embed_dim}; got "
                    f"{query.shape}, {key.shape} and {value.shape}"
                )
        if key.shape != value.shape:
            raise ValueError(
                f"{name}: key and value must have one shape, got {key.shape} and {value.shape}"
            )
        batched = query.ndim == 3
        if not batched:  # one sequence: a batch of one
            return query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0), False
        batch_dim = 0 if self.batch_first else 1
        if query.shape[batch_dim] != key.shape[batch_dim]:
            raise ValueError(
                f"{name}: query and key have different batch sizes ({query.shape[batch_dim]} and "
                f"{key.shape[batch_dim]}, dim {batch_dim})"
            )
        if self.batch_first:
            return query, key, value, True
        return query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1), True

    def _masks(
        self,
        key_padding_mask: Tensor | None,
        attn_mask: Tensor | None,
        query: Tensor,
        n: int,
        length: int,
        source: int,
        batched: bool,
    ) -> tuple[Any, Any]:
        """Both masks as one (keep, bias) pair that broadcasts to the scores (N, H, L, S)."""
        name = "MultiheadAttention"
        keeps, biases = [], []
        if key_padding_mask is not None:
            expected = (n, source) if batched else (source,)
            if getattr(key_padding_mask, "shape", None) != expected:
                raise ValueError(
                    f"{name}: key_padding_mask must have shape {expected} (N, S), got "
                    f"{getattr(key_padding_mask, 'shape', type(key_padding_mask).__name__)}"
                )
            keep, bias = _mask_parts(
                key_padding_mask, query, f"{name}: key_padding_mask", true_means_keep=False
            )
            shape = (n, 1, 1, source)  # one value per key, for every head and query
            keeps.append(None if keep is None else keep.reshape(shape))
            biases.append(None if bias is None else bias.reshape(shape))
        if attn_mask is not None:
            allowed = [(length, source), (n * self.num_heads, length, source)]
            if getattr(attn_mask, "shape", None) not in allowed:
                raise ValueError(
                    f"{name}: attn_mask must have shape (L, S) = {allowed[0]} or "
                    f"(N * num_heads, L, S) = {allowed[1]}, got "
                    f"{getattr(attn_mask, 'shape', type(attn_mask).__name__)}"
                )
            keep, bias = _mask_parts(attn_mask, query, f"{name}: attn_mask", true_means_keep=False)
            if attn_mask.ndim == 3:  # (N * H, L, S), sample-major as PyTorch's: (N, H, L, S)
                per_head = (n, self.num_heads, length, source)
                keep = None if keep is None else keep.reshape(per_head)
                bias = None if bias is None else bias.reshape(per_head)
            keeps.append(keep)
            biases.append(bias)
        keep_all = None
        for keep in keeps:
            if keep is not None:
                keep_all = keep if keep_all is None else keep_all & keep
        bias_all = None
        for bias in biases:
            if bias is not None:
                bias_all = bias if bias_all is None else bias_all + bias
        return keep_all, bias_all

    def extra_repr(self) -> str:
        return (
            f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, "
            f"bias={self.in_proj_bias is not None}, batch_first={self.batch_first}"
        )

"""Self-attention's core as one op: every head of a batch at once, on packed projections."""

from __future__ import annotations

from typing import Any

from ..autograd import Function
from ..tensor import Tensor
from .reduction import Softmax, row_sums
from .shape import Concatenate


class SelfAttention(Function):
    """Z = A V,  A = softmax(S) row by row,  S = Q K^T * scale (-inf where ``keep`` is False);

        dV = A^T dZ,   dA = dZ V^T,   dS = A * (dA - sum(dA * A))   (softmax's rule),
        dQ = scale * dS K,   dK = scale * dS^T Q

    for each of H heads of a batch. Q, K and V arrive side by side in one array ``qkv``
    (N, L, 3 H D), as MultiheadAttention's one input projection makes them, and Z leaves with
    the heads side by side (N, L, H D), as its output projection takes them. Each head of Q, K
    and V is a view into ``qkv``, and the products write straight into the heads of Z and of
    d qkv (``out=``): composed of ops (chunk, reshape, transpose, matmul, softmax, matmul,
    transpose, reshape), the same computation copied every head in and out and recorded a dozen
    graph nodes, about a fifth more time (docs/performance.md). Forward keeps A; a recorded
    backward (``create_graph``) computes A again as ops of ``qkv`` and the formulas as ops, so
    that the gradient can be differentiated again.
    """

    reads_inputs = (0,)
    reads_output = False

    def forward(self, qkv, heads, scale, keep, empty_rows_zero):
        self.heads, self.scale = heads, scale
        self.keep, self.empty_rows_zero = keep, empty_rows_zero
        q, k, v = _split_heads(qkv, heads)
        self.weights = self._weights(q, k)
        n, length, width = qkv.shape
        out = self.xp.empty((n, length, width // 3), qkv.dtype)
        self.xp.matmul(self.weights, v, out=_heads(out, heads))  # heads side by side: no copy
        return out

    def _weights(self, q, k):
        scores = (q * self.scale) @ k.swapaxes(-1, -2)  # scaling Q: L*D products, not L*S
        return Softmax.apply(scores, axis=3, keep=self.keep, empty_rows_zero=self.empty_rows_zero)

    def backward(self, grad, z, qkv):
        q, k, v = _split_heads(qkv, self.heads)
        g = _heads(grad, self.heads)
        if isinstance(qkv, Tensor):  # recorded: A again as an op of q and k, the formulas as ops
            weights = self._weights(q, k)
            d_weights = g @ v.swapaxes(-1, -2)
            d_scores = weights * (d_weights - row_sums(d_weights * weights)) * self.scale
            d_q, d_k = d_scores @ k, d_scores.swapaxes(-1, -2) @ q
            d_v = weights.swapaxes(-1, -2) @ g
            return Concatenate.apply(*(_merge_heads(d) for d in (d_q, d_k, d_v)), axis=2)
        # On arrays: the same formulas, in place on arrays made here, each head's gradient
        # written straight into its place in d qkv.
        xp, weights = self.xp, self.weights
        d_qkv = xp.empty_like(qkv)
        into_q, into_k, into_v = _split_heads(d_qkv, self.heads)
        xp.matmul(weights.swapaxes(-1, -2), g, out=into_v)
        d_scores = g @ v.swapaxes(-1, -2)  # dA, then dS in place
        d_scores -= row_sums(d_scores * weights)
        d_scores *= weights
        d_scores *= self.scale
        xp.matmul(d_scores, k, out=into_q)
        xp.matmul(d_scores.swapaxes(-1, -2), q, out=into_k)
        return d_qkv


def _heads(x: Any, heads: int) -> Any:
    """(N, L, H D) -> (N, H, L, D): head h reads its own D features of every position (a view)."""
    n, length, width = x.shape
    return x.reshape(n, length, heads, width // heads).swapaxes(1, 2)


def _merge_heads(x: Any) -> Any:
    """(N, H, L, D) -> (N, L, H D), the heads side by side again."""
    n, heads, length, size = x.shape
    return x.swapaxes(1, 2).reshape(n, length, heads * size)


def _split_heads(qkv: Any, heads: int) -> tuple[Any, Any, Any]:
    """Q, K and V, each (N, H, L, D), from (N, L, 3 H D): views into ``qkv``."""
    width = qkv.shape[-1] // 3
    return tuple(_heads(qkv[..., i * width : (i + 1) * width], heads) for i in range(3))

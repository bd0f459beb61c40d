# %% [markdown]
# # Solutions to notebook 8
#
# `exercise="name"`: the answer. `mistake="name"`: a common wrong answer the check must catch.
# These cells run inside the notebook, where `mg`, `F` and `BlockLayers` are defined.

# %%
# ruff: noqa: F821 (mg, F and BlockLayers are the notebook's)
import math


# %% exercise="attention"
def attention(q, k, v, causal=False):
    scores = q @ k.swapaxes(-1, -2) / math.sqrt(q.shape[-1])
    if causal:
        future = mg.ones(q.shape[-2], k.shape[-2], dtype=mg.bool_).triu(1)
        scores = scores.masked_fill(future, -math.inf)
    return F.softmax(scores, dim=-1) @ v


# %% mistake="attention"
def attention(q, k, v, causal=False):
    weights = F.softmax(q @ k.swapaxes(-1, -2) / math.sqrt(q.shape[-1]), dim=-1)
    if causal:  # zeroing the future after the softmax: the rows no longer sum to 1
        weights = weights * mg.ones(q.shape[-2], k.shape[-2]).tril()
    return weights @ v


# %% exercise="multi_head_attention"
def multi_head_attention(x, in_proj_weight, in_proj_bias, out_weight, out_bias, num_heads):
    n, length, e = x.shape
    d = e // num_heads
    q, k, v = F.linear(x, in_proj_weight, in_proj_bias).chunk(3, dim=-1)

    def heads(t):  # (N, L, E) -> (N, H, L, D)
        return t.reshape(n, length, num_heads, d).transpose(1, 2)

    out = attention(heads(q), heads(k), heads(v), causal=True)
    return F.linear(out.transpose(1, 2).reshape(n, length, e), out_weight, out_bias)


# %% mistake="multi_head_attention"
def multi_head_attention(x, in_proj_weight, in_proj_bias, out_weight, out_bias, num_heads):
    n, length, e = x.shape
    d = e // num_heads
    q, k, v = F.linear(x, in_proj_weight, in_proj_bias).chunk(3, dim=-1)

    def heads(t):  # the right shape, the wrong numbers: a head gets pieces of several positions
        return t.reshape(n, num_heads, length, d)

    out = attention(heads(q), heads(k), heads(v), causal=True)
    return F.linear(out.reshape(n, length, e), out_weight, out_bias)


# %% exercise="layer_norm"
def layer_norm(x, weight, bias, eps=1e-5):
    centered = x - x.mean(dim=-1, keepdim=True)
    variance = (centered**2).mean(dim=-1, keepdim=True)  # divided by E: the biased variance
    return centered / (variance + eps) ** 0.5 * weight + bias


# %% mistake="layer_norm"
def layer_norm(x, weight, bias, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    variance = x.var(dim=-1, keepdim=True)  # PyTorch's default var divides by E - 1
    return (x - mean) / (variance + eps) ** 0.5 * weight + bias


# %% exercise="block"
class Block(BlockLayers):
    def forward(self, x):
        length = x.shape[1]
        future = mg.ones(length, length, dtype=mg.bool_).triu(1)
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, attn_mask=future, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


# %% mistake="block"
class Block(BlockLayers):
    def forward(self, x):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]  # no mask: every position sees all
        return x + self.mlp(self.ln_2(x))

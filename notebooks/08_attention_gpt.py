# %% [markdown]
# # 8. Attention and a tiny GPT
#
# A language model predicts the next token from the ones before it. Recurrent networks carry
# the past along in one state vector; a transformer instead lets every position *look back* at
# every earlier position and take what it needs. The mechanism is attention. This notebook
# writes scaled dot-product attention, multi-head attention and layer normalisation by hand,
# checks each against minigrad's own, assembles them into a GPT block, and trains a tiny GPT on
# first names for a few seconds. The chapter `docs/sequence-models.md` goes deeper.
#
# About 30 minutes. Answers in `notebooks/solutions/08_attention_gpt.py`.

# %%
import math
import os

# The matrices here are small: on a busy machine, splitting each product over several BLAS
# threads costs far more than it saves. One thread (this must come before NumPy is imported).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.data import DataLoader
from minigrad.nn import functional as F
from minigrad.text import CharTokenizer, NextTokenDataset, load_names
from optim import AdamW

# %% [markdown]
# ## Attention as a soft lookup
#
# A Python dict maps a key to a value: the query must match one key exactly, and you get its
# value. Attention relaxes both halves. Keys and the query are vectors; each key gets a score,
# how well it matches the query (a dot product); a softmax turns the scores into weights that
# sum to 1; and the answer is the weighted average of the values. A query close to one key gets
# mostly that key's value, a query between two keys gets a blend, and since every step is
# differentiable, a network can learn what to ask for.

# %%
keys = mg.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
values = mg.tensor([[10.0], [20.0], [30.0]])
for query in ([0.9, 0.1], [0.5, 0.5], [9.0, 1.0]):
    scores = keys @ mg.tensor(query)
    weights = F.softmax(scores, dim=-1)
    answer = weights @ values
    print(f"query {query}: weights {np.round(weights.numpy(), 3)}, answer {answer.item():.2f}")

# %% [markdown]
# The third query points the same way as the first, only longer: the scores grow, the softmax
# sharpens, and the soft lookup becomes almost a hard one. That is why the scores are scaled.
# For random vectors with entries of variance 1 in $E$ dimensions, a dot product has variance
# $E$: with $E = 64$ its typical size is 8, the softmax puts most of its weight on one key,
# and its gradient almost vanishes. Dividing by $\sqrt E$ keeps the scores near unit size:

# %%
rng = np.random.default_rng(0)
for E in (4, 64, 1024):
    q, k = rng.standard_normal((1000, E)), rng.standard_normal((1000, 8, E))
    scores = np.einsum("ne,nse->ns", q, k)
    top = F.softmax(mg.tensor(scores), dim=-1).numpy().max(axis=1).mean()
    top_scaled = F.softmax(mg.tensor(scores / math.sqrt(E)), dim=-1).numpy().max(axis=1).mean()
    print(
        f"E={E:4d}: score std {scores.std():5.1f}, largest of 8 weights {top:.2f}, "
        f"scaled {top_scaled:.2f}"
    )

# %% [markdown]
# ## Scaled dot-product attention
#
# With $L$ queries, $S$ keys and values stacked as rows, $Q$ $(L, E)$, $K$ $(S, E)$, $V$
# $(S, E_v)$, all lookups happen in two matrix products (Vaswani et al., 2017):
#
# $$\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\Big(\frac{Q K^\top}{\sqrt E}
# + M\Big) V .$$
#
# Row $i$ of the softmax holds query $i$'s weights over the $S$ keys. $M$ is a mask: 0 where a
# query may look, $-\infty$ where it may not (the softmax gives those places weight 0). A
# language model predicting position $i + 1$ from positions $0 \dots i$ must not peek ahead, so
# it uses the *causal* mask, $-\infty$ above the diagonal:
#
# ```
#          key 0   key 1   key 2
# query 0    0     -inf    -inf
# query 1    0       0     -inf
# query 2    0       0       0
# ```
#
# Leading dims (batch, heads) ride along: `@` broadcasts over them.
#
# ### Exercise 8.1: attention by hand
#
# Write `attention(q, k, v, causal=False)` for Tensors `q` (..., L, E), `k` (..., S, E), `v`
# (..., S, Ev), with minigrad operations: `k.swapaxes(-1, -2)`, `F.softmax(scores, dim=-1)`,
# and for the mask `mg.ones(L, S, dtype=mg.bool_).triu(1)` (True above the diagonal) with
# `scores.masked_fill(mask, -math.inf)`.


# %% exercise="attention"
def attention(q, k, v, causal=False):
    raise NotImplementedError("Exercise 8.1: your code here")


# %%
# Check: against F.scaled_dot_product_attention, with and without the causal mask, over batch
# and head dims; and a gradient check of the causal version.
q = mg.randn(2, 3, 5, 4, dtype=mg.float64)
k, v = mg.randn(2, 3, 7, 4, dtype=mg.float64), mg.randn(2, 3, 7, 6, dtype=mg.float64)
expected = F.scaled_dot_product_attention(q, k, v)
assert np.allclose(attention(q, k, v).numpy(), expected.numpy()), "not softmax(QK^T / sqrt(E)) V"
k, v = k[..., :5, :], v[..., :5, :]
expected = F.scaled_dot_product_attention(q, k, v, is_causal=True)
assert np.allclose(attention(q, k, v, causal=True).numpy(), expected.numpy()), "the causal mask"
small = [mg.randn(2, 4, 3, dtype=mg.float64, requires_grad=True) for _ in range(3)]
assert mg.gradcheck(lambda q, k, v: attention(q, k, v, causal=True), *small)
print("Exercise 8.1: correct")

# %% [markdown]
# ## Multi-head attention
#
# One attention layer asks one question per position. Multi-head attention asks $H$ at once:
# it projects the inputs with learned matrices, splits the $E$ features into $H$ heads of
# $D = E / H$ features, runs attention in every head separately, puts the heads' outputs side
# by side again and mixes them with one more projection:
#
# $$\operatorname{head}_h = \operatorname{Attention}(X W^Q_h, X W^K_h, X W^V_h), \qquad
# \operatorname{MultiHead}(X) = [\operatorname{head}_1, \dots, \operatorname{head}_H]\,
# W_{out}^\top + b_{out}.$$
#
# `nn.MultiheadAttention` stores the three input projections, PyTorch's way, stacked in one
# matrix `in_proj_weight` of shape $(3E, E)$: rows $[0, E)$ make the queries, $[E, 2E)$ the keys,
# $[2E, 3E)$ the values, with `in_proj_bias` $(3E,)$ likewise; `out_proj` is a `Linear(E, E)`.
# Head $h$ reads features $[hD, (h+1)D)$ of each projection. For an input $X$ of shape
# $(N, L, E)$ (`batch_first=True`), splitting into heads is a reshape to $(N, L, H, D)$ followed
# by `transpose(1, 2)`, giving $(N, H, L, D)$: attention then runs over the last two dims.
#
# ### Exercise 8.2: multi-head self-attention by hand
#
# Write `multi_head_attention(x, in_proj_weight, in_proj_bias, out_weight, out_bias,
# num_heads)`: causal self-attention of `x` (N, L, E) with itself, using your `attention`.
# Useful: `F.linear(x, weight, bias)` (that is $x W^\top + b$), `t.chunk(3, dim=-1)`,
# `t.reshape(...)`, `t.transpose(1, 2)`.


# %% exercise="multi_head_attention"
def multi_head_attention(x, in_proj_weight, in_proj_bias, out_weight, out_bias, num_heads):
    raise NotImplementedError("Exercise 8.2: your code here")


# %%
# Check: nn.MultiheadAttention and your function, loaded with the same random weights, give the
# same outputs and the same gradients. (MultiheadAttention's boolean mask is True where a key
# is *masked out*, the opposite of scaled_dot_product_attention's: PyTorch's conventions.)
E, H, N, L = 8, 2, 3, 5
rng = np.random.default_rng(1)
arrays = {
    "in_proj_weight": rng.normal(0, 0.5, (3 * E, E)),
    "in_proj_bias": rng.normal(0, 0.5, 3 * E),
    "out_proj.weight": rng.normal(0, 0.5, (E, E)),
    "out_proj.bias": rng.normal(0, 0.5, E),
}
mha = nn.MultiheadAttention(E, H, batch_first=True)
mha.load_state_dict({name: a.astype(np.float32) for name, a in arrays.items()})
mine = {name: mg.tensor(a, dtype=mg.float32, requires_grad=True) for name, a in arrays.items()}
x = mg.randn(N, L, E)
future = mg.ones(L, L, dtype=mg.bool_).triu(1)
expected = mha(x, x, x, attn_mask=future, need_weights=False)[0]
got = multi_head_attention(x, *mine.values(), num_heads=H)
assert got.shape == (N, L, E), f"the output has the input's shape, got {got.shape}"
assert np.allclose(got.numpy(), expected.numpy(), atol=1e-5), "not MultiheadAttention's output"
(expected**2).sum().backward()
(got**2).sum().backward()
for name, parameter in mha.named_parameters():
    assert np.allclose(mine[name].grad.numpy(), parameter.grad.numpy(), atol=1e-4), name
print("Exercise 8.2: correct")

# %% [markdown]
# ## Layer normalisation
#
# Deep stacks of layers train better when each layer's input has a steady scale. Layer
# normalisation (Ba, Kiros and Hinton, 2016) rescales every position's feature vector on its own:
# with the mean $\mu$ and the variance $\sigma^2$ of its $E$ features,
#
# $$y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta ,$$
#
# where $\gamma$ (`weight`, ones at first) and $\beta$ (`bias`, zeros) are learned, and
# $\sigma^2$ divides by $E$, not $E - 1$. Unlike batch normalisation, nothing is shared between
# the samples of a batch, so training and evaluation compute the same thing.
#
# ### Exercise 8.3: LayerNorm by hand
#
# Write `layer_norm(x, weight, bias, eps=1e-5)`, normalising over the last dim, with minigrad
# operations (`.mean(dim=-1, keepdim=True)`, `** 0.5` or `.sqrt()`).


# %% exercise="layer_norm"
def layer_norm(x, weight, bias, eps=1e-5):
    raise NotImplementedError("Exercise 8.3: your code here")


# %%
# Check: against nn.LayerNorm with the same (random) weight and bias, and a gradient check.
norm = nn.LayerNorm(8)
rng = np.random.default_rng(2)
norm.load_state_dict(
    {
        "weight": rng.normal(1, 0.3, 8).astype(np.float32),
        "bias": rng.normal(0, 0.3, 8).astype(np.float32),
    }
)
x = mg.randn(3, 5, 8) * 4 + 1
got = layer_norm(x, norm.weight, norm.bias)
assert np.allclose(got.numpy(), norm(x).numpy(), atol=1e-5), "not nn.LayerNorm's output"
inputs = [
    mg.randn(*shape, dtype=mg.float64, requires_grad=True) for shape in ((2, 3, 8), (8,), (8,))
]
assert mg.gradcheck(layer_norm, *inputs)
print("Exercise 8.3: correct")

# %% [markdown]
# ## A GPT block
#
# GPT (Radford et al., 2018) stacks identical blocks. Each has two sub-layers, causal
# self-attention (positions exchange information) and a small MLP (each position computes on
# its own), and each sub-layer is wrapped the same way, in the *pre-norm* form of GPT-2:
# normalise, apply, and add the result to the input,
#
# $$x \leftarrow x + \operatorname{Attention}(\operatorname{LN}_1(x)), \qquad
# x \leftarrow x + \operatorname{MLP}(\operatorname{LN}_2(x)).$$
#
# The additions are *residual connections*: the block learns a correction to its input, and the
# gradient has a direct path through every block. The layers, with minigrad's (PyTorch's)
# modules:


# %%
class BlockLayers(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = nn.MultiheadAttention(n_embd, n_head, batch_first=True)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd)
        )


# %% [markdown]
# ### Exercise 8.4: the block's forward
#
# Write `forward(self, x)` for `x` (N, L, E). Call the attention as
# `self.attn(h, h, h, attn_mask=future, need_weights=False)[0]`, with `future =
# mg.ones(L, L, dtype=mg.bool_).triu(1)`: `MultiheadAttention` returns a pair (output, weights).


# %% exercise="block"
class Block(BlockLayers):
    def forward(self, x):
        raise NotImplementedError("Exercise 8.4: your code here")


# %%
# Check: the output keeps the shape; position t depends on positions 0..t only (change the last
# three positions: the first three outputs must not move); and with both sub-layers' output
# layers set to zero, the residual connections make the block the identity.
mg.manual_seed(0)
block = Block(16, 4)
x = mg.randn(2, 6, 16)
y = block(x)
assert y.shape == x.shape, f"the output has the input's shape, got {y.shape}"
changed = mg.cat([x[:, :3], mg.randn(2, 3, 16)], dim=1)
y2 = block(changed)
assert np.allclose(y2[:, :3].numpy(), y[:, :3].numpy(), atol=1e-6), "a position sees the future"
assert not np.allclose(y2[:, 3:].numpy(), y[:, 3:].numpy()), "later positions must change"
for layer in (block.attn.out_proj, block.mlp[2]):
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
assert np.allclose(block(x).numpy(), x.numpy()), "each sub-layer adds its output to its input"
print("Exercise 8.4: correct")

# %% [markdown]
# ## A tiny GPT on first names
#
# The data: `load_names()`, 5,163 first names. Joined with a newline after each, they make one
# stream of characters; the newline marks where a name ends, so the model also learns when to
# stop. `CharTokenizer` numbers the 27 characters, and `NextTokenDataset` cuts the stream into
# blocks of 16 characters with, as targets, the same blocks moved one character on: one block
# trains 16 predictions at once. A tenth of the names are kept for validation.

# %%
names = load_names()
names = [names[i] for i in np.random.default_rng(0).permutation(len(names))]
train_names, val_names = names[:4600], names[4600:]
tokenizer = CharTokenizer("\n".join(names) + "\n")
train_ids = tokenizer.encode("\n".join(train_names) + "\n")
val_ids = tokenizer.encode("\n".join(val_names) + "\n")
V, block_size = tokenizer.vocab_size, 16
print(tokenizer, f"{len(train_ids):,} training characters")
inputs, targets = NextTokenDataset(train_ids, block_size)[0]
print(repr(tokenizer.decode(inputs)), "->", repr(tokenizer.decode(targets)))

# %% [markdown]
# A yardstick first. Guessing uniformly costs $\ln 27 \approx 3.30$ nats per character. A
# bigram table, the frequency of each character after each character, counted on the training
# names, does much better; a model that sees more context should beat it.

# %%
counts = np.ones((V, V))  # add-one smoothing: no pair has probability 0
np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1)
bigram = counts / counts.sum(axis=1, keepdims=True)
bigram_loss = -np.log(bigram[val_ids[:-1], val_ids[1:]]).mean()
print(f"uniform: {math.log(V):.3f} nats per character, bigram table: {bigram_loss:.3f}")

# %% [markdown]
# The model: each character's id picks a learned vector (`nn.Embedding`), and so does its
# position (attention itself ignores order: it is a weighted sum); their sum goes through two
# blocks, a final LayerNorm, and a linear layer that scores the 27 possible next characters.


# %%
class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_embd=32, n_head=4, n_layer=2):
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size)

    def forward(self, ids):
        """(N, L) character ids -> (N, L, vocab) scores for the character after each one."""
        x = self.tok_emb(ids) + self.pos_emb(mg.arange(ids.shape[1]))
        return self.head(self.ln_f(self.blocks(x)))


def loss_of(model, x, y):
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))


mg.manual_seed(0)
model = GPT(V, block_size)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")

# %% [markdown]
# Training: AdamW, 300 steps of 32 blocks (a few seconds), with the validation loss on a fixed
# set of 256 validation blocks every 50 steps.

# %%
optimizer = AdamW(model.parameters(), lr=3e-3)
batches = iter(DataLoader(NextTokenDataset(train_ids, block_size), batch_size=32, shuffle=True))
val_x, val_y = next(iter(DataLoader(NextTokenDataset(val_ids, block_size), batch_size=256)))
steps, train_losses, val_losses = 300, [], []
for step in range(steps):
    x, y = next(batches)
    loss = loss_of(model, x, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    train_losses.append(loss.item())
    if step % 50 == 0 or step == steps - 1:
        with mg.no_grad():
            val_losses.append((step, loss_of(model, val_x, val_y).item()))
        print(
            f"step {step:3d}: training {train_losses[-1]:.3f}, validation {val_losses[-1][1]:.3f}"
        )

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(train_losses, lw=0.8, label="training batch")
ax.plot(*zip(*val_losses), "o-", label="validation")
ax.axhline(bigram_loss, color="gray", ls=":", label="bigram table")
ax.set(xlabel="step", ylabel="nats per character")
ax.legend()

# %% [markdown]
# Within a few hundred steps the validation loss falls below the bigram table's: the model uses
# more than the one character before. It is still far from perfect; names are hard to predict
# (what comes after "ma"?), and no model gets near zero.
#
# ## Sampling names
#
# To write a name, start from a newline (the end of the previous name), score the next
# character, draw one with `mg.multinomial` from the softmax of the scores, append it, and
# repeat until the model writes a newline. Dividing the scores by a *temperature* below 1
# sharpens the distribution (safer, more common names); above 1 flattens it (stranger ones).


# %%
@mg.no_grad()
def sample_name(model, temperature=0.8, max_length=15):
    ids = mg.tensor(tokenizer.encode("\n"))[None]  # (1, 1): a batch of one sequence
    for _ in range(max_length):
        logits = model(ids[:, -model.block_size :])[:, -1] / temperature
        next_id = mg.multinomial(F.softmax(logits, dim=-1), 1)  # (1, 1)
        if next_id.item() == tokenizer.stoi["\n"]:
            break
        ids = mg.cat([ids, next_id], dim=1)
    return tokenizer.decode(ids[0, 1:])


mg.manual_seed(1)
samples = [sample_name(model) for _ in range(10)]
print(", ".join(samples))
print("already in the training names:", [s for s in samples if s in set(train_names)])

# %% [markdown]
# ### Try it
#
# - Sample at temperature 0.3 and 1.5. Which names look like names?
# - Train for 1,000 steps, or use `n_embd=64`: how far below the bigram table does the
#   validation loss go?
# - Remove the position embedding. Can the model still tell where a name starts?
# - `examples/tiny_gpt.py` trains the same kind of model on Python's documentation, with a
#   warm-up and cosine schedule (notebook 6), weight decay on the matrices only, and a plot of
#   what one head attends to.
#
# ## What to remember
#
# - Attention is a differentiable lookup: softmax of scaled query-key scores, times the values.
# - Scale by $1/\sqrt{E}$, and mask the future with $-\infty$ *before* the softmax.
# - Multi-head attention splits the features into heads, attends in each, and mixes them.
# - LayerNorm normalises each position over its features, with the biased variance.
# - A GPT block: pre-norm, residual, attention then MLP; stack, embed, score the next token.

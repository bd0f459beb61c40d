# %% [markdown]
# # 3. Tensors, broadcasting, and why gradients are summed back to shape
#
# Notebook 2's engine worked on single numbers. minigrad works on tensors: arrays that remember
# how they were made. The chain rule does not change, but one new rule appears. When an
# operation *broadcasts* an input (uses it in many places of a larger result), the input's
# gradient is the sum of the gradients of all those places. This notebook shows why, and where
# minigrad does it: once, in the engine, for every op.
#
# About 20 minutes. Answers in `notebooks/solutions/03_tensors_broadcasting.py`.

# %%
import numpy as np

import minigrad as mg

# %% [markdown]
# ## Tensors
#
# A `Tensor` wraps an array (NumPy's, or CuPy's on a GPU) with a shape, a dtype and a device.
# `requires_grad=True` asks minigrad to record what is computed from it.

# %%
x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
print(x.shape, x.dtype, x.device)
y = (x * x).sum()
y.backward()
print(x.grad)  # d/dx sum(x^2) = 2x, one entry per entry of x: the gradient has x's shape

# %% [markdown]
# ## Broadcasting
#
# Arithmetic between tensors of different shapes follows NumPy's (and PyTorch's) rule: line the
# shapes up from the right; two sizes are compatible when they are equal or one of them is 1; a
# missing leading dimension counts as 1. A size-1 dimension is then repeated to fit, without
# copying anything.
#
# | a | b | a + b |
# |---|---|---|
# | (2, 3) | (3,) | (2, 3): b is added to every row |
# | (4, 1) | (1, 5) | (4, 5): every pair |
# | (8, 1, 6) | (7, 1) | (8, 7, 6) |

# %%
rows = mg.tensor([[0.0], [10.0], [20.0], [30.0]])  # (4, 1)
columns = mg.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]])  # (1, 5)
print((rows + columns).shape)
print(rows + columns)

# %% [markdown]
# ## The gradient of a broadcast input
#
# Add a bias $b$ of shape (3,) to every row of $x$ of shape (2, 3): $z_{ij} = x_{ij} + b_j$.
# Each $b_j$ appears in two entries of $z$, $z_{0j}$ and $z_{1j}$. Nudge $b_j$ and both move, so
# by the rule of notebook 2 (a value used twice gets the sum of both gradients)
#
# $$\frac{\partial L}{\partial b_j} = \sum_i \frac{\partial L}{\partial z_{ij}}.$$
#
# The gradient arriving at the add has the shape of $z$, (2, 3); to become $b$'s gradient it
# must be *summed back* to $b$'s shape, (3,).

# %%
x = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
b = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
weights = mg.tensor([[1.0, 10.0, 100.0], [2.0, 20.0, 200.0]])
loss = ((x + b) * weights).sum()  # dL/dz = weights
loss.backward()
print(b.grad)  # the columns of weights, summed: 3, 30, 300

# %% [markdown]
# Every op that broadcasts (add, multiply, where, maximum, ...) would need this sum in its
# backward. minigrad writes it once: an op's `backward` may return a gradient of the broadcast
# shape, and the engine sums it back to each input's shape (`_match_input` in
# `minigrad/autograd.py`, with the `SumTo` Function). That is why `Cube` in notebook 2 needed no
# shape logic at all.
#
# ### Exercise 3.1: `sum_to`
#
# Write `sum_to(grad, shape)` with NumPy: sum the array `grad` down to `shape`, a shape that
# broadcasts to `grad.shape`. Two steps: sum away the leading dimensions that `shape` does not
# have; then sum, keeping the dimension, every axis where `shape` has size 1 and `grad` does
# not.


# %% exercise="sum_to"
def sum_to(grad, shape):
    raise NotImplementedError("Exercise 3.1: your code here")


# %%
# Check: for each pair of shapes, broadcast an input and compare your sum with the gradient
# minigrad's engine gives the input.
rng = np.random.default_rng(0)
for shape, big in [((3,), (2, 3)), ((4, 1), (4, 5)), ((1, 3), (2, 3)), ((2, 1, 3), (4, 2, 5, 3))]:
    upstream = rng.standard_normal(big)
    x = mg.zeros(shape, dtype=mg.float64, requires_grad=True)
    (mg.broadcast_to(x, big) * mg.tensor(upstream)).sum().backward()  # dL/d(broadcast) = upstream
    mine = sum_to(upstream, shape)
    assert mine.shape == shape, f"{big} -> {shape}: got shape {mine.shape}"
    assert np.allclose(mine, x.grad.numpy()), f"{big} -> {shape}: wrong values"
print("Exercise 3.1: correct")

# %% [markdown]
# ## A linear layer by hand
#
# A linear layer (`nn.Linear`, PyTorch's convention) computes $Y = X W^\top + b$ for a batch
# $X$ of shape (N, in), weights $W$ of shape (out, in) and a bias $b$ of shape (out,), which
# broadcasts over the N rows. Given the gradient $G = \partial L / \partial Y$, of shape
# (N, out), the chain rule for a matrix product gives
#
# $$\frac{\partial L}{\partial X} = G W, \qquad \frac{\partial L}{\partial W} = G^\top X,
# \qquad \frac{\partial L}{\partial b} = \sum_n G_{n,:}.$$
#
# A quick way to remember them: each gradient has the shape of its variable, and there is only
# one way to multiply $G$ with the other factor to get that shape. The bias gradient is the
# broadcast rule again.
#
# ### Exercise 3.2: the linear layer's backward
#
# Write `linear_backward(G, X, W)` returning `(dX, dW, db)` as NumPy arrays.


# %% exercise="linear_backward"
def linear_backward(G, X, W):
    raise NotImplementedError("Exercise 3.2: your code here")


# %%
# Check: against minigrad's backward through the same layer, for a random batch and a loss
# whose gradient G is random too.
N, n_in, n_out = 5, 4, 3
X_np, W_np = rng.standard_normal((N, n_in)), rng.standard_normal((n_out, n_in))
b_np, G = rng.standard_normal(n_out), rng.standard_normal((N, n_out))
X, W, b = (mg.tensor(a, requires_grad=True) for a in (X_np, W_np, b_np))
((X @ W.T + b) * mg.tensor(G)).sum().backward()  # dL/dY = G
for name, mine, theirs in zip("XWb", linear_backward(G, X_np, W_np), (X, W, b)):
    assert mine.shape == theirs.shape, f"d{name}: shape {mine.shape}, expected {theirs.shape}"
    assert np.allclose(mine, theirs.grad.numpy()), f"d{name}: wrong values"
print("Exercise 3.2: correct")

# %% [markdown]
# minigrad's own layer, `minigrad.nn.functional.linear`, gives the same numbers, and
# `minigrad.gradcheck` confirms them by finite differences:

# %%
assert mg.gradcheck(mg.nn.functional.linear, X, W, b)
print("gradcheck passed")

# %% [markdown]
# ## What to remember
#
# - Broadcasting reuses a value in many places; its gradient is the sum over those places.
# - minigrad sums once, in the engine, so no op's backward repeats it.
# - A gradient always has the shape of its variable: the first thing to check in a backward.
# - Next: the linear layer, a loss and a loop make a network that learns to read digits.

# %% [markdown]
# # 4. A network that reads digits: the training loop, written out
#
# With tensors, gradients and a linear layer in hand, we can train a network. The task: the
# 1,797 handwritten digits that ship with minigrad, 8x8 grey images of 0 to 9. The model: a
# multilayer perceptron (MLP), two linear layers with a ReLU between them. The training loop
# is written out line by line, the loop that `minigrad.training.fit` runs for you later.
#
# About 25 minutes. Answers in `notebooks/solutions/04_mlp_digits.py`.

# %%
import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.data import load_digits
from minigrad.nn import functional as F
from optim import SGD

# %% [markdown]
# ## The data
#
# `load_digits()` returns `X`, shape (1797, 64), pixels scaled to [0, 1], and `y`, the labels.
# We keep 15% of the digits apart as a test set, never trained on: accuracy on them tells us
# whether the network learned digits or memorised its training set.

# %%
X, y = load_digits()
rng = np.random.default_rng(0)
order = rng.permutation(len(X))
test, train = order[:270], order[270:]
X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
print(X_train.shape, X_test.shape)

fig, axes = plt.subplots(1, 8, figsize=(8, 1.3))
for ax, image, label in zip(axes, X_train, y_train):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_title(int(label))
    ax.axis("off")

# %% [markdown]
# ## The loss: cross-entropy
#
# The network outputs ten numbers per image, the *logits* $z$. Softmax turns them into
# probabilities, $p_k = e^{z_k} / \sum_j e^{z_j}$, and the loss is the negative log of the
# probability given to the right class $t$, averaged over the batch:
#
# $$\ell = -\log p_t = -z_t + \log \sum_j e^{z_j}.$$
#
# Computed as written, $e^{z_j}$ overflows for logits near 1000 (float32 overflows past
# $e^{88}$). Subtracting the row's largest logit $m$ first changes nothing mathematically,
# $\log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m}$, and keeps every exponent at most 0.
#
# ### Exercise 4.1: cross-entropy from minigrad ops
#
# Write `cross_entropy(logits, targets)` for logits of shape (N, C) and integer targets of
# shape (N,), with minigrad operations so that `backward` works: `logits.amax(dim=1,
# keepdim=True)`, `.exp()`, `.sum(dim=1, keepdim=True)`, `.log()`, indexing
# `log_probs[mg.arange(N), targets]`, `.mean()`. (The shift $m$ needs no gradient: the loss
# does not depend on it.)


# %% exercise="cross_entropy"
def cross_entropy(logits, targets):
    raise NotImplementedError("Exercise 4.1: your code here")


# %%
# Check: the same values as minigrad's F.cross_entropy, for ordinary and for huge logits, and a
# backward that passes a gradient check.
logits = mg.tensor(rng.standard_normal((6, 10)), dtype=mg.float64, requires_grad=True)
targets = mg.tensor(rng.integers(0, 10, size=6))
assert np.isclose(cross_entropy(logits, targets).item(), F.cross_entropy(logits, targets).item())
huge = logits.detach() * 1000
assert np.isclose(cross_entropy(huge, targets).item(), F.cross_entropy(huge, targets).item())
assert mg.gradcheck(lambda z: cross_entropy(z, targets), logits)
print("Exercise 4.1: correct")

# %% [markdown]
# ## The model
#
# `nn.Sequential` chains layers, as in PyTorch. `nn.Linear(64, 32)` holds a weight (32, 64)
# and a bias (32,), initialised at random; `model.parameters()` lists all four tensors the
# optimizer will change.

# %%
mg.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
print(model)
print([tuple(p.shape) for p in model.parameters()])

# %% [markdown]
# ## One step of gradient descent
#
# After `loss.backward()` every parameter $\theta$ holds $\partial \ell / \partial \theta$ in
# `.grad`. Gradient descent moves each one a little downhill: $\theta \leftarrow \theta -
# \eta \, \partial \ell / \partial \theta$, with the learning rate $\eta$. Two details matter:
#
# - The update must not be recorded in the graph: do it inside `with mg.no_grad():`.
# - It must change the parameter tensor itself, in place (`p -= ...`), so the model sees it.
#
# ### Exercise 4.2: the update
#
# Write `sgd_update(parameters, lr)`.


# %% exercise="sgd_update"
def sgd_update(parameters, lr):
    raise NotImplementedError("Exercise 4.2: your code here")


# %%
# Check: one step of yours against one step of minigrad's optim.SGD, from the same weights and
# the same gradients.
mine = nn.Linear(3, 2)
theirs = nn.Linear(3, 2)
theirs.load_state_dict(mine.state_dict())
batch = mg.randn(4, 3)
for layer in (mine, theirs):
    (layer(batch) ** 2).sum().backward()
sgd_update(list(mine.parameters()), lr=0.1)
SGD(theirs.parameters(), lr=0.1).step()
for p, q in zip(mine.parameters(), theirs.parameters()):
    assert np.allclose(p.numpy(), q.numpy()), "the parameters did not move as SGD moves them"
print("Exercise 4.2: correct")

# %% [markdown]
# ## The loop
#
# One *epoch* is one pass over the training set, in a fresh random order, in mini-batches of 32.
# For each batch: forward, loss, clear the old gradients (they accumulate, the `+=` of notebook
# 2), backward, update. After each epoch we measure the test set under `no_grad()` (nothing to
# differentiate there).


# %%
def accuracy(model, X, y):
    with mg.no_grad():
        predictions = model(mg.tensor(X)).numpy().argmax(axis=1)
    return (predictions == y).mean()


lr, batch_size, epochs = 0.5, 32, 15
history = []
for epoch in range(epochs):
    order = rng.permutation(len(X_train))
    losses = []
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        xb, yb = mg.tensor(X_train[index]), mg.tensor(y_train[index])
        loss = cross_entropy(model(xb), yb)  # forward
        for p in model.parameters():  # clear last step's gradients
            p.grad = None
        loss.backward()  # backward
        sgd_update(list(model.parameters()), lr)  # update
        losses.append(loss.item())
    train_loss, test_accuracy = np.mean(losses), accuracy(model, X_test, y_test)
    history.append((train_loss, test_accuracy))
    print(f"epoch {epoch + 1:2d}: train loss {train_loss:.3f}, test accuracy {test_accuracy:.3f}")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
left.plot([h[0] for h in history])
left.set(xlabel="epoch", ylabel="training loss")
right.plot([h[1] for h in history])
right.set(xlabel="epoch", ylabel="test accuracy")
fig.tight_layout()

# %% [markdown]
# ## The same loop with the library
#
# Everything above exists in minigrad under PyTorch's names: `F.cross_entropy`,
# `optimizer.zero_grad()`, `optimizer.step()`, and `minigrad.data.DataLoader` for the shuffled
# batches. The loop shrinks to
#
# ```python
# optimizer = SGD(model.parameters(), lr=0.5)
# for xb, yb in DataLoader((X_train, y_train), batch_size=32, shuffle=True):
#     optimizer.zero_grad()
#     F.cross_entropy(model(xb), yb).backward()
#     optimizer.step()
# ```
#
# ### Try it
#
# - Change the learning rate to 0.05 and to 5. What happens to the loss curve?
# - Replace `nn.ReLU()` with nothing: the two linear layers collapse into one linear map. How
#   much accuracy does the non-linearity buy?
#
# ## What to remember
#
# - Training = forward, loss, zero the gradients, backward, update, over shuffled mini-batches.
# - Compute a softmax loss from shifted logits; never exponentiate raw logits.
# - Update in place, inside `no_grad()`. Next: better updates than plain gradient descent.

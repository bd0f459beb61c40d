# %% [markdown]
# # 7. The generalization gap: penalties, dropout, augmentation, early stopping
#
# A network can learn its training set by heart and still get new inputs wrong. The difference
# between how well it does on the data it trained on and on data it never saw is the
# *generalization gap*. This notebook makes the gap visible on a small set of digits, then
# writes the core of four remedies by hand and checks each against minigrad: the proximal step of
# an L1 penalty, inverted dropout, a pixel shift for data augmentation, and the patience rule of
# early stopping. The chapters `docs/regularization.md` and `docs/early-stopping.md` go
# deeper, with numbers over several seeds.
#
# About 30 minutes. Answers in `notebooks/solutions/07_generalization_gap.py`.

# %%
import os

# The matrices here are small: on a busy machine, splitting each product over several BLAS
# threads costs far more than it saves. One thread (this must come before NumPy is imported).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad import transforms as T
from minigrad.data import DataLoader, TransformDataset, load_digits
from minigrad.nn import functional as F
from minigrad.random import random_bits
from minigrad.training import evaluate
from optim import SGD, Adam
from regularizers import L2, EarlyStopping, ElasticNet

# %% [markdown]
# ## A gap you can see
#
# Notebook 4 trained on 1,527 digits. Here the network gets only 200, so that memorising them is
# easy, and 400 others measure how it does on digits it never saw (the *validation* set). The
# network is deliberately large for the task: 64 inputs, 256 hidden units, 10 outputs, about
# 19,000 weights for 200 examples.

# %%
X, y = load_digits()
order = np.random.default_rng(0).permutation(len(X))
train_rows, val_rows = order[:200], order[200:600]
X_train, y_train, X_val, y_val = X[train_rows], y[train_rows], X[val_rows], y[val_rows]


def network(dropout=0.0):
    layers = [nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10)]
    if dropout:
        layers.insert(2, nn.Dropout(dropout))
    return nn.Sequential(*layers)


def adam(model, penalty=None):
    """Adam, with the penalty (if any) on the weight matrices only: biases go unpenalised."""
    weights = [p for p in model.parameters() if p.ndim > 1]
    biases = [p for p in model.parameters() if p.ndim == 1]
    return Adam([{"params": weights, "penalty": penalty}, {"params": biases}], lr=3e-3)


def measure(model, X, y):
    """(accuracy, loss) on (X, y), in eval mode: dropout off, no graph."""
    result = evaluate(model, DataLoader((X, y), batch_size=len(X)), nn.CrossEntropyLoss())
    return result["accuracy"], result["loss"]


def train(model, optimizer, train_set=None, epochs=40, early_stopping=None, seed=0):
    """Train for `epochs` epochs of mini-batches of 32; after each, measure the training digits
    (as they are) and the validation digits. Returns the history, one row per epoch:
    (train accuracy, validation accuracy, train loss, validation loss)."""
    mg.manual_seed(seed)  # the same shuffles (and dropout masks, augmentations) for every run
    loader = DataLoader(train_set or (X_train, y_train), batch_size=32, shuffle=True)
    history = []
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            optimizer.step()
        (train_acc, train_loss), (val_acc, val_loss) = (
            measure(model, X_train, y_train),
            measure(model, X_val, y_val),
        )
        history.append((train_acc, val_acc, train_loss, val_loss))
        if early_stopping is not None and early_stopping.step(val_loss, model):
            break
    return np.array(history)


def report(name):
    train_acc, val_acc, train_loss, val_loss = runs[name][-1]
    print(f"{name}: training accuracy {train_acc:.1%}, validation {val_acc:.1%}", end=", ")
    print(f"loss: training {train_loss:.3f}, validation {val_loss:.3f}")


def plot(history, title):
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 2.8))
    left.plot(history[:, 0], label="training")
    left.plot(history[:, 1], label="validation")
    left.set(xlabel="epoch", ylabel="accuracy", title=title)
    left.legend()
    right.plot(history[:, 2], label="training")
    right.plot(history[:, 3], label="validation")
    right.set(xlabel="epoch", ylabel="cross-entropy", title=title)
    fig.tight_layout()


mg.manual_seed(0)
model = network()
runs = {"nothing": train(model, adam(model))}
plot(runs["nothing"], "no remedy")
report("nothing")

# %% [markdown]
# Every training digit right, several percent of the new ones wrong. The losses tell more: the
# training loss keeps sinking towards zero, while the validation loss levels off more than ten
# times higher. The network grows ever more confident on the digits it memorised, and that
# confidence does not carry over.
#
# ## 1. Penalties
#
# A penalty adds a cost for large weights to the loss. With strength $\alpha$ and the share $r$
# of L1 in the mix, the Elastic Net penalty over all weights $\theta_i$ is
#
# $$\Omega(\theta) = r\alpha \sum_i |\theta_i| + \frac{(1-r)\alpha}{2} \sum_i \theta_i^2 .$$
#
# $r = 0$ is the L2 (Ridge) penalty, `L2(alpha)`; $r = 1$ is L1 (Lasso), `L1(alpha)`; in between
# is `ElasticNet(alpha, r)`. Called on parameters, a penalty returns a scalar you can add to the
# loss; handed to an optimizer (`SGD(params, lr, penalty=...)`), it is applied inside the step.
#
# The L2 part has a smooth gradient, $(1-r)\alpha\,\theta_i$, which the optimizer adds to the
# data gradient. The L1 part does not: $|\theta|$ has a kink at zero. A gradient step on it moves
# a weight by a fixed amount towards zero, overshoots, and moves it back: the weight flickers
# around zero and never *is* zero. The optimizer instead takes its ordinary step and then solves,
# for each weight, "stay close to where the step put you, but pay $t\,|\theta|$", with
# $t = \text{lr} \cdot r\alpha$:
#
# $$\operatorname{prox}(v) = \arg\min_x \tfrac12 (x - v)^2 + t|x|
# = \operatorname{sign}(v)\max(|v| - t,\ 0).$$
#
# This *soft-threshold* pulls every weight $t$ towards zero, and a weight that was within $t$ of
# zero lands exactly on it.
#
# ### Exercise 7.1: the soft-threshold
#
# Write `soft_threshold(theta, t)` for a NumPy array `theta`, returning a new array of the same
# dtype.


# %% exercise="soft_threshold"
def soft_threshold(theta, t):
    raise NotImplementedError("Exercise 7.1: your code here")


# %%
# Check: the same numbers as the penalty's own proximal step, prox_ (in place, on a raw array),
# with weights on both sides of zero, some within the threshold and some beyond it.
rng = np.random.default_rng(7)
theta = rng.normal(0, 0.1, size=(20, 30)).astype(np.float32)
penalty, lr = ElasticNet(alpha=0.2, r=0.5), 0.5
expected = theta.copy()
penalty.prox_(expected, lr)  # threshold lr * l1_strength = 0.5 * 0.1 = 0.05
mine = soft_threshold(theta, lr * penalty.l1_strength)
assert mine is not theta and mine.dtype == theta.dtype, "return a new array of theta's dtype"
assert np.allclose(mine, expected), "not the soft-threshold: compare with penalty.prox_"
assert (mine == 0).sum() == (expected == 0).sum() > 0, "weights within t of zero become exactly 0"
print(f"Exercise 7.1: correct ({(mine == 0).mean():.0%} of these weights set exactly to zero)")

# %% [markdown]
# ### Sparsity, on the digits
#
# The soft-threshold is what makes L1 *select*: weights the data do not need end at exactly
# zero. To see it plainly, train the simplest classifier, one linear layer (softmax regression,
# 64 pixels to 10 scores), with SGD three ways: an L2 penalty, the Elastic Net handed to the
# optimizer, and the same Elastic Net added to the loss, where autograd takes plain
# (sub)gradient steps on it.


# %%
def softmax_regression(penalty=None, in_loss=False, epochs=50):
    mg.manual_seed(0)
    model = nn.Linear(64, 10)
    groups = [{"params": [model.weight], "penalty": None if in_loss else penalty}]
    optimizer = SGD(groups + [{"params": [model.bias]}], lr=0.5)
    for _ in range(epochs):
        for xb, yb in DataLoader((X_train, y_train), batch_size=32, shuffle=True):
            loss = F.cross_entropy(model(xb), yb)
            if in_loss:
                loss = loss + penalty(model.weight)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.weight.numpy()


weights = {
    "L2(0.01), in the optimizer": softmax_regression(L2(0.01)),
    "ElasticNet(0.01, 0.5), in the optimizer": softmax_regression(ElasticNet(0.01, 0.5)),
    "ElasticNet(0.01, 0.5), in the loss": softmax_regression(ElasticNet(0.01, 0.5), in_loss=True),
}
for name, w in weights.items():
    zeros, near = (w == 0).mean(), (abs(w) < 0.0025).mean()
    print(f"{name:40s} exact zeros {zeros:4.0%}, |w| < 0.0025 {near:4.0%}")

# %% [markdown]
# Only the proximal step produces exact zeros. In the loss, the same penalty leaves weights
# hovering near zero, within about one step of the L1 pull, $\text{lr} \cdot r\alpha = 0.5 \cdot
# 0.005 = 0.0025$: nothing is removed from the model. Which weights did
# the Elastic Net drop? Count, for every pixel, how many of the ten classes still use it:

# %%
w = weights["ElasticNet(0.01, 0.5), in the optimizer"]
fig, (left, right) = plt.subplots(1, 2, figsize=(6, 3))
left.imshow(X_train.mean(axis=0).reshape(8, 8), cmap="gray_r")
left.set_title("mean training digit")
image = right.imshow((w != 0).sum(axis=0).reshape(8, 8), cmap="viridis", vmin=0, vmax=10)
right.set_title("classes using each pixel")
fig.colorbar(image, ax=right)
for ax in (left, right):
    ax.axis("off")

# %% [markdown]
# The pixels of the left and right edges, where there is almost never ink, carry no
# information, and the Elastic Net removed nearly every class's weight on them. An L2 penalty only
# shrinks them. Now the network of the first section, with each penalty (strength $3 \cdot
# 10^{-3}$, the value of the chapter's experiment):

# %%
for name, penalty in (("L2", L2(3e-3)), ("Elastic Net", ElasticNet(3e-3, 0.5))):
    mg.manual_seed(0)
    model = network()
    runs[name] = train(model, adam(model, penalty))
    report(name)

# %% [markdown]
# ## 2. Dropout
#
# Dropout zeroes each unit of a layer with probability $p$, a fresh random choice at every
# forward pass in training. A unit cannot count on any particular other unit being there, which
# makes it hard to memorise a training example through a fragile combination of many units.
#
# minigrad, like PyTorch, uses *inverted* dropout: with a mask $m_i \in \{0, 1\}$, kept with
# probability $1 - p$, the output is
#
# $$y_i = \frac{m_i\, x_i}{1 - p}, \qquad \mathbb E[y_i] = x_i .$$
#
# The survivors are scaled up during training, so each unit's expected output is unchanged and
# evaluation needs no correction at all: in `model.eval()` the layer passes its input through.
#
# To compare with `F.dropout` value for value, draw the mask as it does: 64 random bits per
# element from minigrad's generator (`random_bits`), kept when they are at least $p \cdot 2^{64}$.
# Under the same `manual_seed` the masks are then identical.


# %%
def keep_mask(shape, p):
    """True where a unit is kept: the mask F.dropout draws, for the same seed."""
    return random_bits(np, shape) >= np.uint64(min(int(p * 2.0**64), 2**64 - 1))


# %% [markdown]
# ### Exercise 7.2: inverted dropout
#
# Write `dropout(x, p, training=True)` for a Tensor `x`, with minigrad operations so that
# gradients flow: draw `keep_mask(x.shape, p)` once, turn it into a Tensor of `x`'s dtype
# (`mg.tensor(mask, dtype=x.dtype)`), and return the inverted-dropout output. When not training,
# or when `p == 0`, return `x` itself (and draw no mask).


# %% exercise="dropout"
def dropout(x, p, training=True):
    raise NotImplementedError("Exercise 7.2: your code here")


# %%
# Check: the same values and gradients as F.dropout under the same seed; the identity in
# evaluation; and an unchanged mean.
x = mg.randn(50, 40, requires_grad=True)
for p in (0.2, 0.5, 0.9):
    mg.manual_seed(3)
    mine = dropout(x, p)
    mg.manual_seed(3)
    theirs = F.dropout(x, p)
    assert np.allclose(mine.numpy(), theirs.numpy()), f"p={p}: not F.dropout's values"
    mine.sum().backward()
    expected = (theirs.numpy() != 0) / (1 - p)
    assert np.allclose(x.grad.numpy(), expected), "the gradient is mask / (1 - p)"
    x.grad = None
assert dropout(x, 0.5, training=False) is x, "in evaluation dropout is the identity"
ones = mg.ones(1000, 1000)
assert abs(dropout(ones, 0.5).mean().item() - 1) < 0.01, "the expected output must equal the input"
print("Exercise 7.2: correct")

# %% [markdown]
# In a model, `nn.Dropout(p)` calls `F.dropout(x, p, self.training)`, and `model.train()` /
# `model.eval()` set `training` on every layer. Two forward passes in training mode give
# different outputs; in eval mode they agree. Forgetting `model.eval()` before measuring means
# measuring one random thinned network instead of the real one (`evaluate` above switches it).

# %%
mg.manual_seed(0)
model = network(dropout=0.5)
digit = mg.tensor(X_val[:1])
model.train()
print("training mode, twice:", model(digit).numpy()[0, :3], model(digit).numpy()[0, :3])
model.eval()
print("eval mode, twice:    ", model(digit).numpy()[0, :3], model(digit).numpy()[0, :3])

runs["dropout"] = train(model, adam(model))
report("dropout")

# %% [markdown]
# ## 3. Data augmentation
#
# A digit moved, turned or smudged a little is still the same digit. Augmentation trains on such
# random, label-preserving changes, drawn afresh every epoch, so the network sees more of the
# variation real digits have and cannot memorise exact pixels. `minigrad.transforms` has the
# changes under torchvision's names; each takes **one** image of shape `(..., H, W)`:
#
# | transform | per call |
# |---|---|
# | `RandomAffine(degrees, translate=None, scale=None)` | a rotation, shift and scaling |
# | `RandomRotation(degrees)` | a random rotation |
# | `GaussianNoise(sigma=0.1)` | noise on every pixel, clipped to [0, 1] |
# | `RandomErasing(p=0.5, scale=(0.02, 0.33))` | with probability `p`, a rectangle set to 0 |
#
# The fixed versions, `T.affine`, `T.rotate` and `T.erase`, take the parameters instead of
# drawing them.
#
# **Not every change keeps the label.** A mirrored cat is still a cat, so flips are the first
# augmentation in most image tutorials. A mirrored digit is not the same digit, and turned
# upside down a 6 reads as a 9:

# %%
examples = [X_train[y_train == d][0].reshape(8, 8) for d in (2, 3, 7, 6)]
fig, axes = plt.subplots(2, 4, figsize=(6, 3.2))
for k, image in enumerate(examples):
    changed = image[::-1, ::-1] if k == 3 else image[:, ::-1]
    axes[0, k].imshow(image, cmap="gray_r")
    axes[1, k].imshow(changed, cmap="gray_r")
    axes[1, k].set_title("turned 180°" if k == 3 else "mirrored", fontsize=9)
for ax in axes.flat:
    ax.axis("off")
fig.tight_layout()

# %% [markdown]
# So: no flips, and only small rotations. Shifts are subtler. `T.affine(image, angle,
# translate=(dx, dy), scale)` moves the image `dx` pixels to the right and `dy` pixels down;
# pixels that come in from outside are filled with 0.
#
# ### Exercise 7.3: a pixel shift by hand
#
# Write `shift(image, dx, dy)` for an image of shape `(H, W)` and whole numbers `dx`, `dy`
# (each between -H and H): the image moved `dx` pixels right and `dy` down, zeros where nothing
# moved in, same shape and dtype.


# %% exercise="shift"
def shift(image, dx, dy):
    raise NotImplementedError("Exercise 7.3: your code here")


# %%
# Check: against T.affine with no rotation and no scaling, every shift of up to two pixels, on a
# random image (ink up to the border, so what leaves the frame must not come back).
image = np.random.default_rng(1).random((8, 8)).astype(np.float32)
for dx in range(-2, 3):
    for dy in range(-2, 3):
        expected = T.affine(image, angle=0.0, translate=(dx, dy), scale=1.0)
        mine = shift(image, dx, dy)
        assert mine.shape == image.shape and mine.dtype == image.dtype, "same shape and dtype"
        assert np.array_equal(mine, expected), f"dx={dx}, dy={dy}: not what T.affine gives"
print("Exercise 7.3: correct")

# %% [markdown]
# The chapter's experiment found that one-pixel shifts *hurt* on these digits: the UCI digits
# are centred and fill their 8x8 frame, so a shift pushes part of the stroke out and produces
# digits that never occur. The recipe below leaves shifts out: rotations of up to 10 degrees, a
# little noise, and now and then a small erased patch. The transforms see an 8x8 image, the
# network a row of 64 pixels, so the recipe reshapes on the way in and out.

# %%
augment = T.Compose(
    [
        lambda x: x.reshape(1, 8, 8),
        T.RandomAffine(degrees=10),
        T.GaussianNoise(sigma=0.05),
        T.RandomErasing(p=0.25, scale=(0.02, 0.1)),
        lambda x: x.reshape(64),
    ]
)
mg.manual_seed(0)
fig, axes = plt.subplots(1, 8, figsize=(8, 1.3))
axes[0].imshow(X_train[0].reshape(8, 8), cmap="gray_r")
axes[0].set_title("original", fontsize=9)
for ax in axes[1:]:
    ax.imshow(augment(X_train[0]).reshape(8, 8), cmap="gray_r")
for ax in axes:
    ax.axis("off")

# %% [markdown]
# `TransformDataset(X, y, transform=...)` applies the transform when an item is read, so the
# `DataLoader` builds every batch from fresh draws. The validation digits are never augmented.

# %%
mg.manual_seed(0)
model = network()
runs["augmentation"] = train(
    model, adam(model), TransformDataset(X_train, y_train, transform=augment)
)
report("augmentation")

# %% [markdown]
# ## 4. Early stopping
#
# The validation loss of the first run had almost stopped falling after 40 epochs; trained
# longer, it rises again (the run below shows it). Somewhere in between is the best epoch, and
# nobody knows in advance where. Early stopping trains with a generous budget, watches the
# validation loss after every epoch, and stops once it has not improved for `patience` epochs
# in a row; then it puts back the weights of the best epoch. "Improved" means better than the
# **best** value so far (by more than `min_delta`, here 0), not better than the epoch before: a
# small recovery after a bad epoch is not progress.
#
# ### Exercise 7.4: the patience rule
#
# Write `early_stop(losses, patience)`: given the validation losses of epochs 0, 1, 2, ...,
# return `(best_epoch, stopped_epoch)`, where `stopped_epoch` is the epoch at which training
# stops (the first epoch that brings the count of epochs without improvement to `patience`), or
# `None` if it never does. Epochs count from 0.


# %% exercise="early_stop"
def early_stop(losses, patience):
    raise NotImplementedError("Exercise 7.4: your code here")


# %%
# Check: against regularizers.EarlyStopping on noisy curves that fall, then rise.
def reference(losses, patience):
    stopper = EarlyStopping(patience=patience)
    for loss in losses:
        if stopper.step(loss):
            break
    return stopper.best_epoch, stopper.stopped_epoch


rng = np.random.default_rng(4)
for _ in range(200):
    epochs = np.arange(60)
    losses = (epochs - rng.integers(5, 50)) ** 2 / 500 + rng.normal(0, 0.3, size=60)
    for patience in (1, 3, 10):
        expected, mine = reference(losses, patience), early_stop(losses, patience)
        assert mine == expected, f"patience {patience}: {mine} instead of {expected}"
print("Exercise 7.4: correct")

# %% [markdown]
# The real thing also keeps a copy of the best weights: pass the model to `step`, and when it
# stops the model is back at its best epoch. Give the network of the first section up to 100
# epochs and a patience of 10:

# %%
mg.manual_seed(0)
model = network()
stopper = EarlyStopping(patience=10)
history = train(model, adam(model), epochs=100, early_stopping=stopper)
print(f"best epoch {stopper.best_epoch}, stopped at epoch {stopper.stopped_epoch} of 100")
(train_acc, train_loss), (val_acc, val_loss) = (
    measure(model, X_train, y_train),
    measure(model, X_val, y_val),
)
runs["early stopping"] = np.vstack([history, [train_acc, val_acc, train_loss, val_loss]])
plot(history, "with early stopping")
for ax in plt.gcf().axes:
    ax.axvline(stopper.best_epoch, color="gray", ls=":")

# %% [markdown]
# ## Side by side
#
# The last row of each run: for early stopping, the restored best epoch.

# %%
print(f"{'remedy':14s}{'train acc.':>11s}{'val. acc.':>11s}{'acc. gap':>10s}{'loss gap':>10s}")
for name, history in runs.items():
    train_acc, val_acc, train_loss, val_loss = history[-1]
    print(
        f"{name:14s}{train_acc:11.1%}{val_acc:11.1%}{(train_acc - val_acc) * 100:9.1f}p"
        f"{val_loss - train_loss:10.3f}"
    )

# %% [markdown]
# One seed, one split of 200 digits: differences of a point or so here are noise (a different
# seed reorders the rows). `examples/generalization_gap.py` runs each remedy on three seeds,
# each with its own 200 digits, and finds, in `docs/regularization.md`:
#
# - the gap is real: 100% on the training digits, 93.6% on new ones, averaged over seeds;
# - no remedy raises validation accuracy beyond the spread over seeds at this size (early
#   stopping's 94.2% is the best, but it picked its epoch on those very digits; on the test set
#   it scores 93.2%, like the others);
# - the penalties, dropout, early stopping and their combination do make the network less
#   over-confident on new digits: the loss gap shrinks (0.155 for the combination, 0.209 with
#   nothing) while the accuracy barely moves;
# - augmentation has to fit the data: these rotations cost 1.2 points, one-pixel shifts 3.1.
#
# ### Try it
#
# - Raise the Elastic Net's $\alpha$ in the softmax regression until accuracy suffers. How many
#   pixels are left?
# - Add `translate=(0.125, 0.125)` (shifts of one pixel) to the augmentation. What happens to the
#   training accuracy, and why is a smaller gap not a better model?
# - Train on 1,000 digits instead of 200: how large is the gap now?
#
# ## What to remember
#
# - The gap is training minus validation performance; watch the validation *loss* too.
# - L1 makes exact zeros only through a proximal step (the soft-threshold), not through its
#   gradient; L2 shrinks but never removes.
# - Inverted dropout scales in training, so `model.eval()` needs no correction, but it must be
#   called.
# - Augment only with changes that keep the label: no flips for digits.
# - Early stopping compares with the best epoch so far, and restores its weights.

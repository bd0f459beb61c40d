# %% [markdown]
# # 5. Optimizers: SGD, momentum and Adam, written out and compared with `optim`
#
# Notebook 4 trained with plain gradient descent, $\theta \leftarrow \theta - \eta g$. It works,
# but it is slow where the loss is a long narrow valley: the gradient points mostly across the
# valley, not along it. This notebook writes the two fixes everyone uses, momentum and Adam,
# as a few lines of NumPy each, checks them against minigrad's `optim.SGD` and `optim.Adam`,
# and races them.
#
# About 25 minutes. Answers in `notebooks/solutions/05_optimizers.py`.

# %%
import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.data import DataLoader, load_digits
from minigrad.nn import functional as F
from optim import SGD, Adam

# %% [markdown]
# ## A narrow valley
#
# $f(x, y) = \frac{1}{2} x^2 + 50 y^2$ has its minimum at the origin. Its curvature is 100
# times larger across ($y$) than along ($x$). Gradient descent needs a learning rate below
# $2 / 100 = 0.02$ or it diverges across the valley, and with such a rate it crawls along it.


# %%
def valley(theta):
    return 0.5 * theta[0] ** 2 + 50 * theta[1] ** 2


def valley_grad(theta):
    return np.array([theta[0], 100 * theta[1]])


start = np.array([-8.0, 1.0])


def run(step, n_steps=60):
    """The path of an update rule `step(theta, grad, state) -> theta` from `start`."""
    theta, state, path = start.copy(), {}, [start.copy()]
    for _ in range(n_steps):
        theta = step(theta, valley_grad(theta), state)
        path.append(theta.copy())
    return np.array(path)


def gradient_descent(theta, grad, state, lr=0.019):
    return theta - lr * grad


print("gradient descent after 60 steps:", run(gradient_descent)[-1])

# %% [markdown]
# ## Momentum
#
# Momentum keeps a running sum of past gradients, the buffer $b$, and steps along it. Where the
# gradient keeps its sign (along the valley) the buffer grows; where it flips (across) the
# terms cancel. PyTorch's form, which minigrad follows (`optim/sgd.py`), with momentum $\mu$:
#
# $$b \leftarrow \mu b + g, \qquad \theta \leftarrow \theta - \eta b,$$
#
# with $b$ starting at 0 (so the first step is $b = g$). Some texts write an average instead,
# $b \leftarrow \mu b + (1 - \mu) g$: that changes the effective learning rate by a factor
# $1 / (1 - \mu)$, ten times for $\mu = 0.9$, so learning rates do not carry over between the two.
#
# ### Exercise 5.1: a momentum step
#
# Write `momentum_step(theta, grad, buffer, lr, momentum)` returning the new `(theta, buffer)`.


# %% exercise="momentum_step"
def momentum_step(theta, grad, buffer, lr, momentum):
    raise NotImplementedError("Exercise 5.1: your code here")


# %%
# Check: 40 steps of yours against 40 steps of optim.SGD(momentum=0.9) from the same start.
def trajectory_of(optimizer_class, n_steps=40, **settings):
    theta = mg.tensor(start, dtype=mg.float64, requires_grad=True)
    optimizer = optimizer_class([theta], **settings)
    path = []
    for _ in range(n_steps):
        optimizer.zero_grad()
        valley(theta).backward()  # the same function, on a minigrad tensor
        optimizer.step()
        path.append(theta.numpy().copy())
    return np.array(path)


theta, buffer, mine = start.copy(), np.zeros(2), []
for _ in range(40):
    theta, buffer = momentum_step(theta, valley_grad(theta), buffer, lr=0.01, momentum=0.9)
    mine.append(theta)
assert np.allclose(mine, trajectory_of(SGD, lr=0.01, momentum=0.9), rtol=1e-10, atol=1e-12)
print("Exercise 5.1: correct")

# %% [markdown]
# ## Adam
#
# Adam gives every coordinate its own step size. It keeps running averages of the gradient,
# $m$, and of its square, $v$, and steps by about $\eta \cdot m / \sqrt{v}$: a step of size
# $\eta$ in each coordinate, whatever the gradient's scale, smaller where the gradient is noisy.
# With step count $t$ (from 1), $\beta_1 = 0.9$, $\beta_2 = 0.999$:
#
# $$m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2) g^2,$$
# $$\hat m = \frac{m}{1 - \beta_1^t}, \qquad \hat v = \frac{v}{1 - \beta_2^t}, \qquad
# \theta \leftarrow \theta - \eta \frac{\hat m}{\sqrt{\hat v} + \epsilon}.$$
#
# $m$ and $v$ start at zero, so early averages are too small; dividing by $1 - \beta^t$ (the
# *bias correction*) undoes that. (Kingma and Ba, "Adam: A Method for Stochastic
# Optimization", 2014; `optim/adam.py` has the same formula in its docstring.)
#
# ### Exercise 5.2: an Adam step
#
# Write `adam_step(theta, grad, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8)` returning the
# new `(theta, m, v)`; `t` is the number of this step, 1 for the first.


# %% exercise="adam_step"
def adam_step(theta, grad, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    raise NotImplementedError("Exercise 5.2: your code here")


# %%
# Check: 40 steps of yours against 40 steps of optim.Adam from the same start.
theta, m, v, mine = start.copy(), np.zeros(2), np.zeros(2), []
for t in range(1, 41):
    theta, m, v = adam_step(theta, valley_grad(theta), m, v, t, lr=0.3)
    mine.append(theta)
assert np.allclose(mine, trajectory_of(Adam, lr=0.3), rtol=1e-10, atol=1e-12)
print("Exercise 5.2: correct")

# %% [markdown]
# ## The race in the valley
#
# The same 60 steps for each: gradient descent at lr 0.019, momentum 0.9 at lr 0.01, Adam
# at lr 0.3.


# %%
def with_momentum(theta, grad, state):
    theta, state["b"] = momentum_step(theta, grad, state.get("b", np.zeros(2)), 0.01, 0.9)
    return theta


def with_adam(theta, grad, state):
    state["t"] = state.get("t", 0) + 1
    m, v = state.get("m", np.zeros(2)), state.get("v", np.zeros(2))
    theta, state["m"], state["v"] = adam_step(theta, grad, m, v, state["t"], lr=0.3)
    return theta


paths = {"gradient descent": run(gradient_descent), "momentum": run(with_momentum)}
paths["Adam"] = run(with_adam)
xs, ys = np.meshgrid(np.linspace(-9, 2, 200), np.linspace(-1.5, 1.5, 100))
fig, ax = plt.subplots(figsize=(8, 3))
ax.contour(xs, ys, valley(np.stack([xs, ys])), levels=20, colors="lightgray")
for name, path in paths.items():
    ax.plot(path[:, 0], path[:, 1], ".-", label=f"{name}: f = {valley(path[-1]):.1e}")
ax.legend()
ax.set_title("60 steps from (-8, 1)")
for name, path in paths.items():
    print(f"{name:>16}: f after 60 steps = {valley(path[-1]):.2e}")

# %% [markdown]
# Gradient descent, held below 0.02 by the steep direction, is still crawling along the
# valley. Momentum gathers speed along it (and overshoots). Adam starts with steps of the same
# size in both directions, whatever the slope, then hovers near the minimum: its steps shrink
# only as the gradient's sign starts to flip.
#
# ## The race on the digits
#
# A toy valley is not a network. The MLP of notebook 4, three epochs with each optimizer from
# the same initial weights, with `optim`'s classes now that we know what they compute:

# %%
X, y = load_digits()


def train(make_optimizer, epochs=3):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    optimizer = make_optimizer(model.parameters())
    losses = []
    for _ in range(epochs):
        for xb, yb in DataLoader((X, y), batch_size=32, shuffle=True):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


runs = {
    "SGD, lr 0.1": train(lambda p: SGD(p, lr=0.1)),
    "SGD + momentum 0.9, lr 0.01": train(lambda p: SGD(p, lr=0.01, momentum=0.9)),
    "Adam, lr 0.003": train(lambda p: Adam(p, lr=0.003)),
}
fig, ax = plt.subplots(figsize=(7, 3))
for name, losses in runs.items():
    smooth = np.convolve(losses, np.ones(10) / 10, mode="valid")
    ax.plot(smooth, label=name)
    print(f"{name:>28}: mean loss over the last 50 steps {np.mean(losses[-50:]):.3f}")
ax.set(xlabel="step", ylabel="training loss (10-step mean)")
ax.legend()

# %% [markdown]
# ### Try it
#
# - Give SGD with momentum the learning rate 0.1 of plain SGD. What does the $1/(1 - \mu)$
#   factor above predict?
# - Remove the bias correction from your `adam_step` and plot the first 20 steps in the valley.
#
# ## What to remember
#
# - Momentum: a running sum of gradients; PyTorch's form makes the step about $1/(1-\mu)$
#   times larger than plain SGD's with the same learning rate.
# - Adam: per-coordinate steps of about $\eta$, from bias-corrected running moments.
# - `optim.SGD` and `optim.Adam` compute exactly these formulas. Next: changing $\eta$ during
#   training, with the study notes' schedulers.

# %% [markdown]
# # 6. Learning-rate schedules: cosine annealing and the three cyclic modes
#
# Notebook 5 kept the learning rate $\eta$ fixed. A schedule changes it as training goes: large
# early, to cover ground (and to get out of poor regions), small late, so the steps settle into
# a minimum. This notebook writes the two schedules of the study notes ("NN Advanced", week 6),
# cosine annealing and cyclical learning rates, checks them against minigrad's `schedulers`,
# and works through the four places where the notes need correcting (`docs/schedulers.md`,
# "A few corrections to the notes").
#
# About 25 minutes. Answers in `notebooks/solutions/06_schedulers.py`.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg
from optim import SGD
from schedulers import CosineAnnealingLR, CyclicLR


def optimizer(lr=0.1, momentum=0.0):
    """A fresh optimizer of one parameter: a scheduler writes its lr into the param groups."""
    return SGD([mg.tensor([0.0], requires_grad=True)], lr=lr, momentum=momentum)


# %% [markdown]
# A scheduler counts its `step()` calls, $t = 0, 1, 2, \dots$, and sets the optimizer's lr to a
# function of $t$. minigrad's schedulers compute it in closed form, `scheduler.lr_at(t)` (one
# value per parameter group), so we can compare a formula with them at any $t$.
#
# ## Cosine annealing
#
# Loshchilov and Hutter (SGDR, 2016): from $\eta_{max}$ (the optimizer's lr) down to
# $\eta_{min}$ over $T_{max}$ steps, along half a cosine:
#
# $$\eta_t = \eta_{min} + (\eta_{max} - \eta_{min}) \, \frac{1 + \cos(\pi t / T_{max})}{2}.$$
#
# It stays high for a while, falls fastest halfway, and lingers near the bottom. Past $T_{max}$
# the same formula climbs back (its period is $2 T_{max}$), in minigrad as in PyTorch; it does not
# stay at $\eta_{min}$. Usually $T_{max}$ is the whole run, so this never shows.
#
# ### Exercise 6.1: the cosine schedule
#
# Write `cosine_lr(t, eta_max, T_max, eta_min=0.0)` from the formula.


# %% exercise="cosine_lr"
def cosine_lr(t, eta_max, T_max, eta_min=0.0):
    raise NotImplementedError("Exercise 6.1: your code here")


# %%
# Check: against CosineAnnealingLR at every step of three half-periods, past T_max included.
scheduler = CosineAnnealingLR(optimizer(lr=0.1), T_max=40, eta_min=0.001)
for t in range(120):
    assert math.isclose(cosine_lr(t, 0.1, 40, 0.001), scheduler.lr_at(t)[0], abs_tol=1e-12), t
print("Exercise 6.1: correct")

# %% [markdown]
# ## Cyclical learning rates
#
# Smith (2015) lets the lr go up and down between `base_lr` and `max_lr` in straight lines:
# `step_size_up` steps up, `step_size_down` steps down (`None`: the same), and again. At step
# $t$, with $T$ = `step_size_up + step_size_down` and $r$ = `step_size_up` $/ T$:
#
# $$c = \lfloor 1 + t / T \rfloor \;\text{(the cycle, from 1)}, \qquad x = 1 + t / T - c
# \;\in [0, 1),$$
# $$s = \begin{cases} x / r & x \le r \text{ (rising)} \\ (x - 1) / (r - 1) &
# \text{otherwise (falling)} \end{cases}, \qquad
# \eta_t = \text{base} + (\text{max} - \text{base}) \cdot s \cdot \text{scale}.$$
#
# The three modes differ only in `scale`, the height of the cycle's peak:
#
# | mode | scale | the peaks |
# |---|---|---|
# | `triangular` | $1$ | all reach `max_lr` |
# | `triangular2` | $1 / 2^{c - 1}$ | halve every cycle |
# | `exp_range` | $\gamma^t$ | shrink by $\gamma$ every *step* ($t$, not $c$) |
#
# ### Exercise 6.2: the cyclic schedule
#
# Write `cyclic_lr(t, base_lr, max_lr, step_size_up, step_size_down=None,
# mode="triangular", gamma=1.0)`.


# %% exercise="cyclic_lr"
def cyclic_lr(t, base_lr, max_lr, step_size_up, step_size_down=None, mode="triangular", gamma=1.0):
    raise NotImplementedError("Exercise 6.2: your code here")


# %%
# Check: against CyclicLR, every mode, a symmetric and a lopsided cycle, over several cycles.
# (cycle_momentum=False: our SGD has no momentum to cycle; correction 4 below.)
for mode, gamma in (("triangular", 1.0), ("triangular2", 1.0), ("exp_range", 0.99)):
    for up, down in ((10, None), (4, 12)):
        settings = dict(base_lr=0.01, max_lr=0.1, step_size_up=up, step_size_down=down)
        scheduler = CyclicLR(optimizer(), **settings, mode=mode, gamma=gamma, cycle_momentum=False)
        for t in range(80):
            expected = scheduler.lr_at(t)[0]
            mine = cyclic_lr(t, **settings, mode=mode, gamma=gamma)
            assert math.isclose(mine, expected, abs_tol=1e-12), f"{mode}, up {up}, step {t}"
print("Exercise 6.2: correct")

# %% [markdown]
# ## The four schedules

# %%
steps = np.arange(200)
curves = {
    "cosine (T_max=200)": [cosine_lr(t, 0.1, 200, 0.01) for t in steps],
    "triangular": [cyclic_lr(t, 0.01, 0.1, 25) for t in steps],
    "triangular2": [cyclic_lr(t, 0.01, 0.1, 25, mode="triangular2") for t in steps],
    "exp_range (gamma=0.99)": [
        cyclic_lr(t, 0.01, 0.1, 25, mode="exp_range", gamma=0.99) for t in steps
    ],
}
fig, axes = plt.subplots(1, 4, figsize=(12, 2.5), sharey=True)
for ax, (name, lrs) in zip(axes, curves.items()):
    ax.plot(steps, lrs)
    ax.set_title(name)
    ax.set_xlabel("step t")
axes[0].set_ylabel("learning rate")
fig.tight_layout()

# %% [markdown]
# ## The notes, corrected
#
# **1. `exp_range` is not "exponential instead of linear".** Look at the last panel: inside each
# cycle the lr still rises and falls along straight lines, exactly as in `triangular`. What
# decays exponentially is the height of the peaks, $\gamma^t$.
#
# **2. `gamma=10` is not a valid `exp_range` setting.** $\gamma$ multiplies the peak height at
# every step, so it must lie in $(0, 1]$, and useful values are just below 1. The notes'
# example, run through your formula:

# %%
for t in (1, 5, 20):
    print(
        f"gamma=10, step {t}: lr = {cyclic_lr(t, 0.001, 0.1, 50, mode='exp_range', gamma=10):.3g}"
    )
try:
    CyclicLR(optimizer(), base_lr=0.001, max_lr=0.1, step_size_up=50, mode="exp_range", gamma=10)
except ValueError as error:
    print("minigrad refuses it:", error)

# %% [markdown]
# PyTorch accepts `gamma=10` silently; minigrad stops with the reason.
#
# **3. Step sizes count iterations, not epochs.** `step_size_up` counts calls to
# `scheduler.step()`, and a cyclic schedule is stepped once per *batch*. The paper's advice, a
# half-cycle of 2 to 10 times the iterations in one epoch, is therefore about batches per epoch,
# not the batch size. For the digits of notebook 4:

# %%
train_size, batch_size = 1527, 32
iterations_per_epoch = math.ceil(train_size / batch_size)
print(f"{iterations_per_epoch} iterations per epoch: step_size_up from ", end="")
print(f"{2 * iterations_per_epoch} to {10 * iterations_per_epoch}")

# %% [markdown]
# **4. CyclicLR cycles the momentum too, by default.** With `cycle_momentum=True` (the default,
# which the notes' lines keep) it moves the optimizer's momentum opposite to the lr, between
# `max_momentum` (0.9) and `base_momentum` (0.8). Plain SGD has no momentum; PyTorch quietly
# switches one on, minigrad refuses:

# %%
try:
    CyclicLR(optimizer(momentum=0.0), base_lr=0.001, max_lr=0.1, step_size_up=50)
except ValueError as error:
    print(error)
with_momentum = CyclicLR(optimizer(momentum=0.9), base_lr=0.001, max_lr=0.1, step_size_up=50)
print("with momentum, at steps 0, 25, 50:", [with_momentum.momentum_at(t)[0] for t in (0, 25, 50)])

# %% [markdown]
# ### Try it
#
# - Replace the constant lr in notebook 4's loop with `cosine_lr(step, 0.5, total_steps)`. Does
#   the test accuracy still jump around in the last epochs?
# - `examples/schedulers_compare.py` races five schedules over three seeds and reports an honest
#   table; `examples/lr_range_test.py` finds `base_lr` and `max_lr` from a short run.
#
# ## What to remember
#
# - Cosine: one smooth fall over $T_{max}$ steps; past it, the curve rises again.
# - Cyclic: straight lines between `base_lr` and `max_lr`; the modes only change the peaks.
# - `exp_range` needs $\gamma \le 1$; step sizes count batches; mind the momentum cycling.

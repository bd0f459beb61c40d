# %% [markdown]
# # Solutions to notebook 6
#
# `exercise="name"`: the answer. `mistake="name"`: a common wrong answer the check must catch.

# %%
import math


# %% exercise="cosine_lr"
def cosine_lr(t, eta_max, T_max, eta_min=0.0):
    return eta_min + (eta_max - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2


# %% mistake="cosine_lr"
def cosine_lr(t, eta_max, T_max, eta_min=0.0):
    t = min(t, T_max)  # stays at eta_min after T_max: neither the formula nor PyTorch does
    return eta_min + (eta_max - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2


# %% exercise="cyclic_lr"
def cyclic_lr(t, base_lr, max_lr, step_size_up, step_size_down=None, mode="triangular", gamma=1.0):
    step_size_down = step_size_up if step_size_down is None else step_size_down
    total = step_size_up + step_size_down
    ratio = step_size_up / total
    cycle = math.floor(1 + t / total)
    x = 1 + t / total - cycle
    s = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
    scale = {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1), "exp_range": gamma**t}[mode]
    return base_lr + (max_lr - base_lr) * s * scale


# %% mistake="cyclic_lr"
def cyclic_lr(t, base_lr, max_lr, step_size_up, step_size_down=None, mode="triangular", gamma=1.0):
    step_size_down = step_size_up if step_size_down is None else step_size_down
    total = step_size_up + step_size_down
    ratio = step_size_up / total
    cycle = math.floor(1 + t / total)
    x = 1 + t / total - cycle
    s = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
    # exp_range counted in cycles: gamma**t counts steps
    scale = {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1), "exp_range": gamma**cycle}
    return base_lr + (max_lr - base_lr) * s * scale[mode]

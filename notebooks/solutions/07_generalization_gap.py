# %% [markdown]
# # Solutions to notebook 7
#
# `exercise="name"`: the answer. `mistake="name"`: a common wrong answer the check must catch.
# These cells run inside the notebook, where `mg`, `np` and `keep_mask` are defined.

# %%
# ruff: noqa: F821 (mg and keep_mask are the notebook's)
import numpy as np


# %% exercise="soft_threshold"
def soft_threshold(theta, t):
    return np.sign(theta) * np.maximum(np.abs(theta) - t, 0).astype(theta.dtype)


# %% mistake="soft_threshold"
def soft_threshold(theta, t):
    return theta - t * np.sign(theta)  # a subgradient step: small weights jump across zero


# %% exercise="dropout"
def dropout(x, p, training=True):
    if not training or p == 0:
        return x
    mask = mg.tensor(keep_mask(x.shape, p), dtype=x.dtype)
    return x * mask / (1 - p)


# %% mistake="dropout"
def dropout(x, p, training=True):
    if not training or p == 0:
        return x
    return x * mg.tensor(keep_mask(x.shape, p), dtype=x.dtype)  # survivors not scaled up


# %% exercise="shift"
def shift(image, dx, dy):
    height, width = image.shape
    out = np.zeros_like(image)
    # the rows and columns that stay inside the frame, where they come from and where they go
    out[max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = image[
        max(-dy, 0) : height + min(-dy, 0), max(-dx, 0) : width + min(-dx, 0)
    ]
    return out


# %% mistake="shift"
def shift(image, dx, dy):
    return np.roll(image, (dy, dx), axis=(0, 1))  # what leaves one side comes back on the other


# %% exercise="early_stop"
def early_stop(losses, patience):
    best, best_epoch, wait = None, None, 0
    for epoch, loss in enumerate(losses):
        if best is None or loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, None


# %% mistake="early_stop"
def early_stop(losses, patience):
    best_epoch, wait = 0, 0
    for epoch in range(1, len(losses)):
        if losses[epoch] < losses[epoch - 1]:  # better than the epoch before, not than the best
            if losses[epoch] < losses[best_epoch]:
                best_epoch = epoch
            wait = 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, None

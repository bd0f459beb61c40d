# %% [markdown]
# # Solutions to notebook 5
#
# `exercise="name"`: the answer. `mistake="name"`: a common wrong answer the check must catch.

# %%
import numpy as np


# %% exercise="momentum_step"
def momentum_step(theta, grad, buffer, lr, momentum):
    buffer = momentum * buffer + grad
    return theta - lr * buffer, buffer


# %% mistake="momentum_step"
def momentum_step(theta, grad, buffer, lr, momentum):
    buffer = momentum * buffer + (1 - momentum) * grad  # an average: not PyTorch's momentum
    return theta - lr * buffer, buffer


# %% exercise="adam_step"
def adam_step(theta, grad, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


# %% mistake="adam_step"
def adam_step(theta, grad, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return theta - lr * m / (np.sqrt(v) + eps), m, v  # no bias correction

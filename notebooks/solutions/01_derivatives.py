# %% [markdown]
# # Solutions to notebook 1
#
# A cell marked `exercise="name"` replaces the exercise cell of that name. A cell marked
# `mistake="name"` is a common wrong answer: the tests check that the exercise's check catches it.

# %%
import numpy as np


# %% exercise="central_difference"
def central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


# %% mistake="central_difference"
def central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x)) / h  # a forward difference: its error is about h, not h**2


# %% exercise="numerical_gradient"
def numerical_gradient(g, x, h=1e-6):
    x = np.array(x, dtype=np.float64)  # a copy: the caller's array stays as it was
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        up = g(x)
        x[i] = original - h
        down = g(x)
        x[i] = original  # put it back before the next element
        grad[i] = (up - down) / (2 * h)
    return grad


# %% mistake="numerical_gradient"
def numerical_gradient(g, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        up = g(x)
        x[i] -= 2 * h
        down = g(x)  # x[i] is never put back: every later element sees the drift
        grad[i] = (up - down) / (2 * h)
    return grad


# %% exercise="h_prime"
def h_prime(x):
    return np.sin(x) + x * np.cos(x)


# %% mistake="h_prime"
def h_prime(x):
    return x * np.cos(x)  # the product rule's first term forgotten

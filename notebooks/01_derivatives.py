# %% [markdown]
# # 1. Derivatives, by hand and by finite differences
#
# Everything minigrad does rests on one question: if I nudge an input a little, how much does
# the output move? That ratio is the derivative. This notebook computes it two ways, by hand
# with the rules of calculus and by actually nudging the input, and measures how far apart the
# two are. By the end you will have written the check that every later notebook (and minigrad's
# own test suite) uses to prove a gradient right.
#
# About 20 minutes. Exercises are marked **Exercise**; run the cell after each one: it checks
# your answer. The answers are in `notebooks/solutions/01_derivatives.py`.

# %%
import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg

# %% [markdown]
# ## The derivative by hand
#
# Take $f(x) = x^3 - 2x$. The power rule gives $f'(x) = 3x^2 - 2$, so at $x = 1.5$ the slope is
# $3 \cdot 2.25 - 2 = 4.75$: near 1.5, the output moves about 4.75 times as far as the input.


# %%
def f(x):
    return x**3 - 2 * x


def f_prime(x):
    return 3 * x**2 - 2


print(f_prime(1.5))

# %% [markdown]
# ## The derivative by nudging
#
# The definition of the derivative is a limit,
# $f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}$. A computer cannot take the limit, but it
# can pick a small $h$. This *forward difference* is off by about $\frac{h}{2} f''(x)$: the
# error shrinks only in proportion to $h$.


# %%
def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


for h in (1e-1, 1e-2, 1e-3):
    estimate = forward_difference(f, 1.5, h)
    print(f"h = {h:.0e}: {estimate:.6f}, error {abs(estimate - f_prime(1.5)):.1e}")

# %% [markdown]
# ### Exercise 1.1: the central difference
#
# Nudge both ways and divide by the distance between the two points:
# $\frac{f(x + h) - f(x - h)}{2h}$. The $h^2$ terms of the two Taylor expansions cancel, so the
# error falls like $h^2$ instead of $h$: at $h = 10^{-3}$ it is about a million times smaller than
# $f'$ rather than a thousand. Write it.


# %% exercise="central_difference"
def central_difference(f, x, h=1e-6):
    raise NotImplementedError("Exercise 1.1: your code here")


# %%
# Check: the estimate must agree with the hand derivative to about h**2, which a forward
# difference cannot do.
for x0 in (-2.0, 0.3, 1.5):
    error = abs(central_difference(f, x0, h=1e-3) - f_prime(x0))
    assert error < 1e-5, f"at x = {x0} the error is {error:.1e}; expected about h**2 = 1e-6"
assert abs(central_difference(np.sin, 0.7) - np.cos(0.7)) < 1e-8
print("Exercise 1.1: correct")

# %% [markdown]
# ## How small should h be?
#
# Shrinking $h$ does not help for ever. $f(x + h)$ and $f(x - h)$ become nearly equal, and
# subtracting two nearly equal floating-point numbers loses digits: in float64 each value
# carries a rounding error of about $10^{-16} |f|$, which the division by $2h$ magnifies. The
# total error is roughly $h^2 |f'''| / 6 + 10^{-16} |f| / h$, smallest for $h$ of a few
# millionths in float64. In float32 (rounding near $10^{-7}$) the best $h$ is a few thousandths,
# the best error is about a million times worse, and $h = 10^{-6}$ is hopeless: this is why
# gradient checks run in float64.

# %%
hs = np.logspace(-12, -1, 45)
errors = {}
for dtype in (np.float64, np.float32):
    x0 = dtype(1.5)
    errors[dtype.__name__] = [
        abs(float((f(x0 + dtype(h)) - f(x0 - dtype(h))) / (2 * dtype(h))) - f_prime(1.5))
        for h in hs
    ]
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, values in errors.items():
    ax.loglog(hs, np.maximum(values, 1e-17), label=name)
ax.set_xlabel("step h")
ax.set_ylabel("error of the central difference")
ax.legend()
ax.set_title("Too large: truncation. Too small: rounding.")
for name, values in errors.items():
    best = int(np.argmin(values))
    at_1e6 = values[int(np.argmin(abs(hs - 1e-6)))]
    print(f"{name}: best h {hs[best]:.0e} (error {values[best]:.0e}); at h = 1e-6: {at_1e6:.0e}")

# %% [markdown]
# ## Many inputs: the gradient
#
# A loss depends on many parameters. Its gradient is the vector of partial derivatives, one per
# input, each the derivative with the other inputs held fixed. For $g(x) = \sum_i w_i x_i^2$ by
# hand, $\partial g / \partial x_i = 2 w_i x_i$.
#
# ### Exercise 1.2: a numerical gradient
#
# Write `numerical_gradient(g, x)`: for each element of the array `x`, the central difference of
# `g` along that element alone. Work on a copy, and put each element back before moving to the
# next.


# %% exercise="numerical_gradient"
def numerical_gradient(g, x, h=1e-6):
    raise NotImplementedError("Exercise 1.2: your code here")


# %%
# Check: against the hand gradient, and against minigrad's reverse mode (a preview of the next
# notebook): minigrad records g as it computes it, and backward() walks the record back.
w = np.array([1.0, -2.0, 0.5, 3.0])
x0 = np.array([0.3, 1.1, -0.7, 2.0])


def g(x):
    return (w * x**2).sum()


assert np.allclose(numerical_gradient(g, x0), 2 * w * x0, atol=1e-6)
x_tensor = mg.tensor(x0, dtype=mg.float64, requires_grad=True)
g(x_tensor).backward()
assert np.allclose(numerical_gradient(g, x0), x_tensor.grad.numpy(), atol=1e-6)
assert np.array_equal(x0, [0.3, 1.1, -0.7, 2.0]), "numerical_gradient must not change x"
print("Exercise 1.2: correct")

# %% [markdown]
# Finite differences need two evaluations of $g$ per input: a million parameters, two million
# forward passes. Reverse mode gives all the partial derivatives for about the cost of one.
# That is why we train with reverse mode, and why finite differences survive only as the
# referee.
#
# ### Exercise 1.3: a derivative by hand
#
# Derive $h(x) = x \sin x$ by hand (the product rule) and write `h_prime`. The check compares it
# with your central difference.


# %% exercise="h_prime"
def h_prime(x):
    raise NotImplementedError("Exercise 1.3: your code here")


# %%
# Check: your hand derivative against your finite difference, at several points.
def h(x):
    return x * np.sin(x)


for x0 in np.linspace(-3, 3, 7):
    assert abs(h_prime(x0) - central_difference(h, x0)) < 1e-7, f"wrong at x = {x0}"
print("Exercise 1.3: correct")

# %% [markdown]
# ## What to remember
#
# - A derivative is a sensitivity: how far the output moves per unit of input.
# - The central difference is accurate to about $h^2$; in float64 use $h \approx 10^{-6}$.
# - `minigrad.gradcheck` is exactly this comparison, run for every input element (read
#   `minigrad/gradcheck.py`). Next: how reverse mode gets every derivative at once.

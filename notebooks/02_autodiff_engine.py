# %% [markdown]
# # 2. A scalar autodiff engine in thirty lines, then minigrad's `Function`
#
# Notebook 1 computed one derivative at a time. Reverse mode gets the derivative of one output
# with respect to every input in a single backward sweep. This notebook builds it for plain
# numbers, in about thirty lines, then finds the same three ideas in minigrad's engine
# (`minigrad/autograd.py`):
#
# 1. **record**: every operation remembers its inputs and its local derivative;
# 2. **order**: visit the operations from the output back, each one only after every
#    operation that used its result;
# 3. **accumulate**: a value used twice receives the sum of the gradients of both uses.
#
# About 25 minutes. Answers in `notebooks/solutions/02_autodiff_engine.py`.

# %%
import math

import numpy as np

import minigrad as mg
from minigrad import Function

# %% [markdown]
# ## The engine
#
# A `Value` holds a number, its gradient (filled by `backward`), the values it was made from,
# and `_backward`: a function that passes its own gradient on to those inputs by the chain rule,
# $\frac{\partial L}{\partial a} \mathrel{+}= \frac{\partial L}{\partial z}
# \frac{\partial z}{\partial a}$.


# %%
class Value:
    def __init__(self, data, inputs=()):
        self.data, self.grad, self.inputs = data, 0.0, inputs
        self._backward = lambda: None  # a leaf passes nothing on

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():  # dz/da = 1, dz/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():  # dz/da = b, dz/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def backward(self):
        # Depth-first search with an explicit stack (no recursion limit): a node is appended
        # after everything it was made from, so the reversed list visits users first.
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, inputs_done = stack.pop()
            if inputs_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((i, False) for i in node.inputs)
        self.grad = 1.0  # dL/dL
        for node in reversed(order):
            node._backward()


# %% [markdown]
# The graph of `docs/engine.md`: $a = xy$, $b = a + x$, $L = b^2$ (written $b \cdot b$ here).
# $x$ is used twice, so its gradient is the sum of two paths: $\partial L / \partial x =
# 2b \cdot (y + 1) = 64$, and $\partial L / \partial y = 2b \cdot x = 32$.

# %%
x, y = Value(2.0), Value(3.0)
a = x * y
b = a + x
L = b * b
L.backward()
print(x.grad, y.grad)  # 64.0 32.0

# %% [markdown]
# Note the `+=` in every `_backward`: with `=`, whichever use of `x` came second would overwrite
# the first, and `x.grad` would be 16 or 48 instead of 64. Note also why the order matters:
# `b._backward()` must run only once `b.grad` is complete, after every user of `b`.
#
# ### Exercise 2.1: `exp`
#
# Add an `exp` method: $z = e^a$, $\frac{dz}{da} = e^a = z$. Follow the pattern of `__mul__`
# (the output, its inputs, a `_backward` closure).


# %% exercise="value_exp"
def exp(self):
    raise NotImplementedError("Exercise 2.1: your code here")


Value.exp = exp

# %%
# Check: x * exp(x) uses x twice; its derivative is (1 + x) e^x. minigrad must agree too.
x = Value(0.5)
(x * x.exp()).backward()
assert math.isclose(x.grad, 1.5 * math.exp(0.5), rel_tol=1e-12), x.grad
x_tensor = mg.tensor(0.5, dtype=mg.float64, requires_grad=True)
(x_tensor * x_tensor.exp()).backward()
assert math.isclose(x.grad, x_tensor.grad.item(), rel_tol=1e-12)
print("Exercise 2.1: correct")

# %% [markdown]
# ### Exercise 2.2: a neuron
#
# With `exp` you can build `tanh` from parts, $\tanh z = \frac{e^{2z} - 1}{e^{2z} + 1}$, but
# the engine has no division. Write `neuron(w1, w2, b, x1, x2)` returning
# $\sigma(w_1 x_1 + w_2 x_2 + b)$ with $\sigma(z) = 1 / (1 + e^{-z})$, using `Value` operations
# only. For the reciprocal, add a `__pow__` for a number exponent $n$: $\frac{d}{da} a^n = n
# a^{n-1}$ (and `__neg__` if you like, as `self * -1`).


# %% exercise="neuron"
def neuron(w1, w2, b, x1, x2):
    raise NotImplementedError("Exercise 2.2: your code here")


# %%
# Check: the neuron's squared error against a target of 0.5, and the gradients of its three
# parameters, against minigrad's for the same numbers.
values = [Value(v) for v in (0.4, -1.2, 0.1)]
error = neuron(*values, Value(1.5), Value(0.5)) + (-0.5)
(error * error).backward()
w1, w2, b = (mg.tensor(v.data, dtype=mg.float64, requires_grad=True) for v in values)
((mg.sigmoid(w1 * 1.5 + w2 * 0.5 + b) - 0.5) ** 2).backward()
expected = 1 / (1 + math.exp(-(0.4 * 1.5 - 1.2 * 0.5 + 0.1))) - 0.5
assert math.isclose(error.data, expected, rel_tol=1e-12)
for mine, theirs in zip(values, (w1, w2, b)):
    assert math.isclose(mine.grad, theirs.grad.item(), rel_tol=1e-9), (mine.grad, theirs.grad)
print("Exercise 2.2: correct")

# %% [markdown]
# ## The same ideas in minigrad
#
# minigrad works on arrays, not numbers, but the engine is the same three ideas:
#
# | idea | the scalar engine | minigrad (`minigrad/autograd.py`) |
# |---|---|---|
# | an op | a method and its `_backward` | a `Function`: `forward` beside `backward` |
# | record | `out.inputs`, `out._backward` | `Function.apply`: `output._ctx`, `fn.inputs` |
# | order | the stack in `backward` | latest recorded first (`fn.sequence`), from a heap |
# | accumulate | `+=` in each closure | `run_backward` adds the returned gradients |
#
# One difference matters: the closure above holds `out`, and `out` holds the closure, a
# reference cycle that only Python's cycle collector frees. A minigrad `Function` keeps its
# output's *array*, never the output Tensor, so a graph is freed as soon as you drop the loss.
# And a minigrad op's `backward` *returns* the input gradients instead of adding into them: the
# engine does the adding, in one place.
#
# Here is `Cube` from `docs/engine.md`, $z = a^3$:


# %%
class Cube(Function):
    """z = a^3;  dz/da = 3 a^2"""

    def forward(self, a):  # raw arrays in, raw array out
        return a * a * a

    def backward(self, grad, z, a):  # dL/dz, the output, the input -> dL/da
        return grad * 3 * a * a


x = mg.tensor([1.0, -2.0, 0.5], dtype=mg.float64, requires_grad=True)
Cube.apply(x).sum().backward()
print(x.grad)  # 3, 12, 0.75
print(mg.gradcheck(Cube.apply, x))  # the central differences of notebook 1, for every element

# %% [markdown]
# ### Exercise 2.3: your own `Tanh` Function
#
# Write `MyTanh`, $z = \tanh a$, $\frac{dz}{da} = 1 - z^2$. In `forward`, use `self.xp.tanh`
# (`self.xp` is NumPy on the CPU, CuPy on a GPU). Reuse the output: `backward` receives it.


# %% exercise="my_tanh"
class MyTanh(Function):
    """z = tanh(a);  dz/da = 1 - z^2"""

    def forward(self, a):
        raise NotImplementedError("Exercise 2.3: your code here")

    def backward(self, grad, z, a):
        raise NotImplementedError("Exercise 2.3: your code here")


# %%
# Check: the values are minigrad's tanh, and gradcheck compares your backward with central
# differences (it raises GradcheckError, an AssertionError, when they disagree).
x = mg.tensor(np.linspace(-2, 2, 7), dtype=mg.float64, requires_grad=True)
assert np.allclose(MyTanh.apply(x).numpy(), mg.tanh(x).numpy())
assert mg.gradcheck(MyTanh.apply, x)
print("Exercise 2.3: correct")

# %% [markdown]
# ## What to remember
#
# - Reverse mode = record each op with its local derivative, visit the ops from the output
#   back, add up the gradients that meet at a value.
# - In minigrad an op is a `Function`; its derivative sits in its docstring, its `backward`
#   beside its `forward`, and `minigrad.gradcheck` proves it.
# - Next: tensors, where one more rule appears, because of broadcasting.

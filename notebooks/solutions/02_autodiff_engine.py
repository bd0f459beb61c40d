# %% [markdown]
# # Solutions to notebook 2
#
# `exercise="name"`: the answer. `mistake="name"`: a common wrong answer the check must catch.
# These cells run inside the notebook, where `Value`, `Function` and `mg` are defined.

# %%
# ruff: noqa: F821 (Value is the notebook's)


# %% exercise="value_exp"
def exp(self):
    out = Value(math.exp(self.data), (self,))

    def _backward():  # dz/da = e^a = z
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


Value.exp = exp


# %% mistake="value_exp"
def exp(self):
    out = Value(math.exp(self.data), (self,))

    def _backward():
        self.grad = out.data * out.grad  # `=` overwrites what another use of self added

    out._backward = _backward
    return out


Value.exp = exp


# %% exercise="neuron"
def power(self, n):
    out = Value(self.data**n, (self,))

    def _backward():  # dz/da = n a^(n-1)
        self.grad += n * self.data ** (n - 1) * out.grad

    out._backward = _backward
    return out


Value.__pow__ = power


def neuron(w1, w2, b, x1, x2):
    z = w1 * x1 + w2 * x2 + b
    return ((z * -1).exp() + 1) ** -1


# %% mistake="neuron"
def power(self, n):
    out = Value(self.data**n, (self,))

    def _backward():
        self.grad += n * self.data ** (n - 1)  # the chain rule's factor out.grad forgotten

    out._backward = _backward
    return out


Value.__pow__ = power


def neuron(w1, w2, b, x1, x2):
    z = w1 * x1 + w2 * x2 + b
    return ((z * -1).exp() + 1) ** -1


# %% exercise="my_tanh"
class MyTanh(Function):
    """z = tanh(a);  dz/da = 1 - z^2"""

    def forward(self, a):
        return self.xp.tanh(a)

    def backward(self, grad, z, a):
        return grad * (1 - z * z)


# %% mistake="my_tanh"
class MyTanh(Function):
    """z = tanh(a);  dz/da = 1 - z^2"""

    def forward(self, a):
        return self.xp.tanh(a)

    def backward(self, grad, z, a):
        return grad * (1 - a * a)  # the input where the formula needs the output

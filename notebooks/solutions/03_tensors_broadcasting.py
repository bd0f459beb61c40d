# %% [markdown]
# # Solutions to notebook 3
#
# `exercise="name"`: the answer. `mistake="name"`: a common wrong answer the check must catch.

# %% exercise="sum_to"
def sum_to(grad, shape):
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra)))  # dimensions the input did not have
    repeated = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    return grad.sum(axis=repeated, keepdims=True)  # size-1 dimensions that were stretched


# %% mistake="sum_to"
def sum_to(grad, shape):
    extra = grad.ndim - len(shape)
    return grad.sum(axis=tuple(range(extra)))  # forgets the size-1 dimensions


# %% exercise="linear_backward"
def linear_backward(G, X, W):
    return G @ W, G.T @ X, G.sum(axis=0)


# %% mistake="linear_backward"
def linear_backward(G, X, W):
    return G @ W, G.T @ X, G.mean(axis=0)  # the bias is used N times: sum, not average

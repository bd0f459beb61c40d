# %% [markdown]
# # Solutions to notebook 4
#
# `exercise="name"`: the answer. `mistake="name"`: a common wrong answer the check must catch.
# These cells run inside the notebook, where `mg` is imported.

# %%
# ruff: noqa: F821 (mg is the notebook's)


# %% exercise="cross_entropy"
def cross_entropy(logits, targets):
    shifted = logits - logits.amax(dim=1, keepdim=True).detach()  # every exponent <= 0
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    return -log_probs[mg.arange(len(targets)), targets].mean()


# %% mistake="cross_entropy"
def cross_entropy(logits, targets):
    log_probs = logits - logits.exp().sum(dim=1, keepdim=True).log()  # exp(1000) is inf
    return -log_probs[mg.arange(len(targets)), targets].mean()


# %% exercise="sgd_update"
def sgd_update(parameters, lr):
    with mg.no_grad():
        for p in parameters:
            p -= lr * p.grad


# %% mistake="sgd_update"
def sgd_update(parameters, lr):
    with mg.no_grad():
        for p in parameters:
            p = p - lr * p.grad  # a new tensor bound to the name p; the model never sees it

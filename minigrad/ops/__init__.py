"""Every op, grouped by kind. Each file holds the Functions (forward and backward side by side)
and the public functions that check their arguments and apply them."""

from .elementwise import (
    abs,
    add,
    astype,
    clip,
    compare,
    div,
    erf,
    exp,
    leaky_relu,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sign,
    softplus,
    sqrt,
    sub,
    tanh,
    where,
)
from .linalg import matmul
from .reduction import (
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    softmax_cross_entropy,
    sum,
    var,
)
from .shape import (
    broadcast_to,
    cat,
    concatenate,
    flatten,
    getitem,
    pad,
    reshape,
    squeeze,
    stack,
    sum_to,
    swapaxes,
    transpose,
    unsqueeze,
)

__all__ = [
    "abs", "add", "argmax", "argmin", "astype", "broadcast_to", "cat", "clip", "compare",
    "concatenate", "div", "exp", "flatten", "getitem", "leaky_relu", "log", "log_softmax",
    "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "mul", "neg", "pad",
    "pow", "relu", "reshape", "sigmoid", "sign", "softmax", "sqrt", "squeeze", "stack", "sub",
    "sum", "sum_to", "swapaxes", "tanh", "transpose", "unsqueeze", "var", "where",
]  # fmt: skip

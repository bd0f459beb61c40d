"""minigrad: a small tensor library with reverse-mode automatic differentiation.

Start reading at ``autograd.py`` (the engine), then ``tensor.py`` and ``ops/``.
"""

import sys as _sys
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

import numpy as _np

from . import (
    autograd,
    checks,
    custom_function,
    data,
    distributed,
    jacobians,
    linalg,
    nn,
    transforms,
)
from .autograd import (
    Function,
    detect_anomaly,
    enable_grad,
    grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import (
    Device,
    cuda,
    device,
    get_array_module,
    get_default_device,
    get_device,
    set_default_device,
)
from .factories import (
    arange,
    bernoulli,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    zeros,
    zeros_like,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops import (
    abs,
    acos,
    acosh,
    add,
    addmm,
    allclose,
    amax,
    amin,
    argmax,
    argmin,
    argsort,
    argwhere,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    bincount,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    bmm,
    broadcast_to,
    cat,
    ceil,
    chunk,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    concatenate,
    cos,
    cosh,
    count_nonzero,
    cumprod,
    cumsum,
    diag,
    dist,
    div,
    divide,
    dot,
    einsum,
    equal,
    exp,
    expm1,
    flatten,
    flip,
    floor,
    floor_divide,
    fmod,
    gather,
    hstack,
    index_add,
    index_select,
    isclose,
    leaky_relu,
    lerp,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logaddexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logsumexp,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    median,
    min,
    minimum,
    mul,
    multiply,
    nanmean,
    nansum,
    narrow,
    neg,
    negative,
    nonzero,
    norm,
    outer,
    pad,
    pow,
    prod,
    reciprocal,
    relu,
    remainder,
    reshape,
    roll,
    round,
    rsqrt,
    scatter,
    scatter_add,
    sigmoid,
    sign,
    sin,
    sinh,
    softmax,
    sort,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    std_mean,
    sub,
    subtract,
    sum,
    swapaxes,
    tan,
    tanh,
    tile,
    topk,
    trace,
    transpose,
    tril,
    triu,
    true_divide,
    trunc,
    unflatten,
    unique,
    unsqueeze,
    var,
    var_mean,
    vstack,
    where,
)
from .ops.elementwise import erf
from .ops.more import (
    addbmm,
    addcdiv,
    addcmul,
    addmv,
    as_tensor,
    baddbmm,
    cross,
    cummax,
    cummin,
    diagonal,
    erfinv,
    exp2,
    fmax,
    fmin,
    frac,
    hypot,
    index_copy,
    index_fill,
    inner,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    kron,
    kthvalue,
    logcumsumexp,
    logit,
    masked_select,
    mode,
    moveaxis,
    movedim,
    mv,
    nan_to_num,
    positive,
    renorm,
    repeat_interleave,
    sgn,
    take,
    take_along_dim,
    unbind,
    unique_consecutive,
    xlogy,
)
from .random import get_rng_state, manual_seed, set_rng_state
from .tensor import (
    Tensor,
    from_numpy,
    get_default_dtype,
    is_tensor,
    numel,
    set_default_dtype,
    tensor,
)

float16 = _np.dtype(_np.float16)
float32 = _np.dtype(_np.float32)
float64 = _np.dtype(_np.float64)
int32 = _np.dtype(_np.int32)
int64 = _np.dtype(_np.int64)
bool_ = _np.dtype(_np.bool_)
int8 = _np.dtype(_np.int8)
int16 = _np.dtype(_np.int16)
uint8 = _np.dtype(_np.uint8)
# PyTorch's other names for the same dtypes (torch.float is float32, torch.long is int64, ...).
# They shadow the builtins inside this file only, so they come last.
half, double, short, long = float16, float64, int16, int64
float = float32
int = int32
bool = bool_

__version__ = "0.1.0"

# gradcheck, jacobian and hessian also where PyTorch keeps them (torch.autograd.gradcheck,
# torch.autograd.functional.jacobian): their modules import the engine, so the engine cannot
# import them back. Registered in sys.modules, `from minigrad.autograd.functional import
# jacobian` works too, as PyTorch's does.
autograd.gradcheck, autograd.gradgradcheck = gradcheck, gradgradcheck  # type: ignore[attr-defined]
autograd.functional = jacobians  # type: ignore[attr-defined]
_sys.modules[__name__ + ".autograd.functional"] = jacobians


# save and load are imported on first use: their module and what it needs (zipfile, json,
# secrets) are about 5 ms of `import minigrad` that a script which never saves need not pay
# (PEP 562: a module's __getattr__ is asked for names it does not have).
if _TYPE_CHECKING:
    from .serialization import load, save


def __getattr__(name: str) -> _Any:
    if name in ("load", "save"):
        from . import serialization

        return getattr(serialization, name)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "load", "save"])

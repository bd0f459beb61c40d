"""The optimizers' updates as one CUDA kernel per parameter, used on the GPU (CuPy).

Written plainly (``Adam._adam_step``, ``SGD._update``), an Adam step is about ten kernel
launches per parameter and a momentum SGD step five; for the small models of the examples those
launches, not the arithmetic, are the step's cost (``minigrad.kernels`` says why). Each kernel
here does the same equations, element by element, in one launch. The plain versions stay the
reference: they run on the CPU and for float16, and the GPU tests compare the two
(``tests/test_gpu.py``). Scalars are passed already converted to ``T`` so that ``1 - beta1``
and the like are computed once, in Python's double precision, exactly as the plain versions
compute them.
"""

from __future__ import annotations

from typing import Any

from minigrad.kernels import kernel as _kernel

_ADAM = """
    T grad = g + decay * theta;                 // Adam's weight decay, an L2 term (0 for AdamW)
    theta = theta * shrink;                     // AdamW's decoupled decay (1 for Adam)
    m = beta1 * m + one_minus_beta1 * grad;
    v = beta2 * v + one_minus_beta2 * grad * grad;
    {amsgrad}
    theta = theta - m / (sqrt({v}) + eps_c) * step_size;
"""

# v_hat = maximum(v_hat, v), NaN in either giving NaN as np.maximum does (fmax would drop it).
_RUNNING_MAX = "v_hat = (v_hat != v_hat || v_hat > v) ? v_hat : v;"

_SGD = """
    T grad = g + decay * theta;
    theta = theta - lr * grad;
"""

_SGD_MOMENTUM = """
    T grad = g + decay * theta;
    buf = keep * buf + take * grad;             // keep = 0, take = 1 on the first step: buf = g
    theta = theta - lr * (nesterov != 0 ? grad + mu * buf : buf);
"""


def adam_(
    theta: Any,
    grad: Any,
    m: Any,
    v: Any,
    v_hat: Any,
    *,
    beta1: float,
    beta2: float,
    step_size: float,
    eps_c: float,
    decay: float,
    shrink: float,
) -> None:
    """One Adam / AdamW step of ``theta``, ``m``, ``v`` (and ``v_hat`` unless None) in place.

    ``step_size`` = lr sqrt(1 - beta2^t) / (1 - beta1^t) and ``eps_c`` = eps sqrt(1 - beta2^t),
    as in ``Adam``'s docstring; ``decay`` is Adam's weight decay, ``shrink`` AdamW's 1 - lr lambda.
    """
    t = theta.dtype.type
    scalars = "T g, T beta1, T one_minus_beta1, T beta2, T one_minus_beta2, T step_size, "
    scalars += "T eps_c, T decay, T shrink"
    args = [grad, t(beta1), t(1 - beta1), t(beta2), t(1 - beta2), t(step_size), t(eps_c)]
    args += [t(decay), t(shrink)]
    if v_hat is None:
        body = _ADAM.format(amsgrad="", v="v")
        _kernel("adam", scalars, "T theta, T m, T v", body)(*args, theta, m, v)
    else:
        body = _ADAM.format(amsgrad=_RUNNING_MAX, v="v_hat")
        _kernel("adam_amsgrad", scalars, "T theta, T m, T v, T v_hat", body)(
            *args, theta, m, v, v_hat
        )


def sgd_(
    theta: Any,
    grad: Any,
    buffer: Any,
    *,
    lr: float,
    decay: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
    first: bool,
) -> None:
    """One SGD step of ``theta`` (and its momentum ``buffer`` unless None) in place.

    On the ``first`` step the buffer must hold zeros: it becomes the gradient itself.
    """
    t = theta.dtype.type
    if buffer is None:
        kernel = _kernel("sgd", "T g, T lr, T decay", "T theta", _SGD)
        kernel(grad, t(lr), t(decay), theta)
        return
    keep, take = (0.0, 1.0) if first else (momentum, 1 - dampening)
    inputs = "T g, T lr, T decay, T keep, T take, T nesterov, T mu"
    kernel = _kernel("sgd_momentum", inputs, "T theta, T buf", _SGD_MOMENTUM)
    kernel(grad, t(lr), t(decay), t(keep), t(take), t(nesterov), t(momentum), theta, buffer)

"""Elementwise ops: each value of the output depends on the values at the same position.

Each op is a Function with its forward (on arrays, through ``self.xp``) and its backward (on
Tensors) side by side, the derivative in the docstring. Broadcasting needs no code here: the
engine sums every gradient back to its input's shape.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function, constant, no_grad, value
from ..checks import (
    DtypeError,
    ShapeError,
    ZeroDivision,
    check_choice,
    check_int,
    check_number,
)
from ..tensor import Tensor, get_default_dtype, is_floating_dtype


def lift(value: Any, like: Tensor) -> Tensor:
    """Turn a Python number or array-like into a constant tensor beside ``like``.

    A Python scalar takes ``like``'s dtype when that is floating, so float32 * 2.0 stays float32
    (an int tensor times 2.5 becomes the default float dtype, and a bool tensor plus 1 becomes
    int64, as in PyTorch).
    """
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)):
        dtype = like.dtype
        if isinstance(value, float) and not is_floating_dtype(dtype):
            dtype = get_default_dtype()
        elif isinstance(value, int) and not isinstance(value, bool) and dtype.kind == "b":
            dtype = np.dtype(np.int64)  # True + 1 is 2, not True
        if isinstance(value, bool) and dtype.kind != "b":
            value = int(value)
        # A NumPy scalar, not a 0-d device array: CuPy passes it to the kernel as an argument,
        # where an array would cost a copy to the device at every `x * 2.0`.
        return Tensor._wrap(dtype.type(value), like.device)
    return Tensor(value, device=like.device)


def _promote(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """PyTorch's promotion of two tensors' dtypes, by category (bool < integer < floating):

    * a higher category wins: float32 * int64 is float32 (NumPy would give float64);
    * in one category, a 0-d tensor counts like a Python number and takes the other's dtype:
      float32 tensor + 0-d float64 tensor is float32, int32 + 0-d int64 is int32;
    * otherwise NumPy's rule, which then agrees with PyTorch's (float32 + float64 is float64).
    """
    category_a, category_b = _category(a.dtype), _category(b.dtype)
    if category_a > category_b:
        return a, b.astype(a.dtype)
    if category_b > category_a:
        return a.astype(b.dtype), b
    if a.ndim == 0 and b.ndim:
        return a.astype(b.dtype), b
    if b.ndim == 0 and a.ndim:
        return a, b.astype(a.dtype)
    return a, b


def _category(dtype: np.dtype) -> int:
    return 2 if is_floating_dtype(dtype) else 0 if dtype.kind == "b" else 1


def _binary(function: type[Function], a: Any, b: Any) -> Tensor:
    """Apply a two-input op, lifting Python numbers, and name both shapes if they don't fit."""
    if type(a) is not Tensor or type(b) is not Tensor:  # a number, an array, or a Parameter
        if not isinstance(a, Tensor):
            a = lift(a, b)
        elif not isinstance(b, Tensor):
            b = lift(b, a)
    if a.data.dtype is not b.data.dtype:  # the common case, same dtypes, is one test
        a, b = _promote(a, b)  # also an int tensor with a Python float: the float dtype
    try:
        return function.apply(a, b)
    except ValueError as error:
        if "broadcast" not in str(error):
            raise
        raise ShapeError(
            f"{function.__name__.lower()}: shapes {a.shape} and {b.shape} cannot be broadcast "
            "together (each axis must match or be 1, counting from the right)"
        ) from None


class Add(Function):
    """z = a + b;  dz/da = 1, dz/db = 1"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, b):
        return a + b

    def backward(self, grad, z, a, b):
        return grad, grad


class Sub(Function):
    """z = a - b;  dz/da = 1, dz/db = -1"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, b):
        return a - b

    def backward(self, grad, z, a, b):
        return grad, (-grad if self.needs_input_grad[1] else None)


class Mul(Function):
    """z = a * b;  dz/da = b, dz/db = a"""

    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, a, b):
        return a * b

    def backward(self, grad, z, a, b):
        return (
            grad * b if self.needs_input_grad[0] else None,
            grad * a if self.needs_input_grad[1] else None,
        )


class Div(Function):
    """z = a / b;  dz/da = 1/b, dz/db = -a/b^2"""

    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, a, b):
        return a / b

    def backward(self, grad, z, a, b):
        grad_a = grad / b
        return grad_a, (-grad_a * a / b if self.needs_input_grad[1] else None)


class Reciprocal(Function):
    """z = 1 / a;  dz/da = -1/a^2 = -z^2"""

    reads_inputs = ()
    reads_output = True

    def forward(self, a):
        return self.xp.reciprocal(a)

    def backward(self, grad, z, a):
        return -(grad * z * z)


class FloorDivide(Function):
    """z = floor(a / b);  dz/da = dz/db = 0 (a step function: flat between its jumps)

    PyTorch gives no derivative at all here (its backward raises); minigrad gives the derivative
    that floor has almost everywhere, 0, as for ``floor`` itself.
    """

    reads_inputs = ()
    reads_output = False

    def forward(self, a, b):
        return self.xp.floor_divide(a, b)

    def backward(self, grad, z, a, b):
        zero = constant(self.xp.zeros((), dtype=grad.dtype), grad)
        return grad * zero, grad * zero


class TruncDivide(FloorDivide):
    """z = trunc(a / b), rounding towards 0 (C's integer division);  dz/da = dz/db = 0 (a step
    function: flat between its jumps, PyTorch's derivative for div(rounding_mode='trunc'))"""

    def forward(self, a, b):
        xp = self.xp
        if a.dtype.kind == "f":
            return xp.trunc(a / b)  # PyTorch's: the true quotient, then rounded
        # integers: floor division exact in any width, plus 1 where it rounded a negative
        # quotient down (signs differ and something was left over); a float quotient would
        # round int64s beyond 2^53
        quotient = xp.floor_divide(a, b)
        inexact = (xp.remainder(a, b) != 0) & ((a < 0) != (b < 0))
        return quotient + inexact.astype(quotient.dtype)


class Fmod(Function):
    """z = a - b trunc(a / b) (the sign of a, as C's fmod);  dz/da = 1, dz/db = -trunc(a / b)"""

    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, a, b):
        return self.xp.fmod(a, b)

    def backward(self, grad, z, a, b):
        if not self.needs_input_grad[1]:
            return grad, None
        # trunc(a / b) is piecewise constant: a plain array, no graph even for second derivatives
        quotient = self.xp.trunc(value(a) / value(b))
        return grad, -(grad * constant(quotient, grad))


class Remainder(Function):
    """z = a - b floor(a / b) (the sign of b, as Python's %);  dz/da = 1, dz/db = -floor(a / b)"""

    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, a, b):
        return self.xp.remainder(a, b)

    def backward(self, grad, z, a, b):
        if not self.needs_input_grad[1]:
            return grad, None
        # floor(a / b) is piecewise constant: a plain array, no graph even for second derivatives
        quotient = self.xp.floor_divide(value(a), value(b))
        return grad, -(grad * constant(quotient, grad))


class Pow(Function):
    """z = a ** b;  dz/da = b * a^(b-1), dz/db = z * ln(a)

    At a = 0 both formulas meet 0 * inf; their limits are used instead, as PyTorch does:
    dz/da = 0 where b = 0 (z is 1 for every a), dz/db = 0 where a = 0 and b >= 0.
    """

    reads_inputs = (0, 1)
    reads_output = True

    def forward(self, a, b):
        return a**b

    def backward(self, grad, z, a, b):
        zero = constant(self.xp.zeros((), dtype=grad.dtype), grad)
        grad_a = grad_b = None
        if self.needs_input_grad[0]:
            flat = constant(value(b) == 0, grad)
            grad_a = grad * Where.apply(flat, zero, b * a ** (b - 1))
        if self.needs_input_grad[1]:
            at_zero = constant((value(a) == 0) & (value(b) >= 0), grad)
            grad_b = grad * Where.apply(at_zero, zero, z * Log.apply(a))
        return grad_a, grad_b


class PowScalar(Function):
    """z = a ** p for a constant number p;  dz/da = p * a^(p-1)  (0 for p = 0, also at a = 0)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a, exponent):
        self.exponent = exponent
        return a**exponent

    def backward(self, grad, z, a):
        p = self.exponent
        if p == 0:
            return grad * 0.0  # z = 1 everywhere; p * a^-1 would be 0 * inf at a = 0
        return grad * p if p == 1 else grad * p * a ** (p - 1)


class Neg(Function):
    """z = -a;  dz/da = -1"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a):
        return -a

    def backward(self, grad, z, a):
        return -grad


class Exp(Function):
    """z = e^a;  dz/da = e^a = z"""

    reads_inputs = ()
    reads_output = True

    def forward(self, a):
        return self.xp.exp(a)

    def backward(self, grad, z, a):
        return grad * z


class Expm1(Function):
    """z = e^a - 1 (exact for tiny a, where exp(a) - 1 loses every digit);  dz/da = e^a = z + 1"""

    reads_inputs = ()
    reads_output = True

    def forward(self, a):
        return self.xp.expm1(a)

    def backward(self, grad, z, a):
        return grad * z + grad


class Log(Function):
    """z = ln(a);  dz/da = 1/a"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.log(a)

    def backward(self, grad, z, a):
        return grad / a


class Log1p(Function):
    """z = ln(1 + a) (exact for tiny a, where log(1 + a) rounds 1 + a first);  dz/da = 1/(1 + a)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.log1p(a)

    def backward(self, grad, z, a):
        return grad / (a + 1)


class LogBase(Function):
    """z = log_base(a) = ln(a) / ln(base), base 2 or 10;  dz/da = 1 / (a ln(base))"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a, base):
        self.base = base
        # log2 and log10 themselves, not ln(a) / ln(base): exact at the powers of the base
        return self.xp.log2(a) if base == 2 else self.xp.log10(a)

    def backward(self, grad, z, a):
        return grad / (a * math.log(self.base))


class Sqrt(Function):
    """z = sqrt(a);  dz/da = 1 / (2 sqrt(a)) = 1 / (2z)"""

    reads_inputs = ()
    reads_output = True

    def forward(self, a):
        return self.xp.sqrt(a)

    def backward(self, grad, z, a):
        return grad / (2 * z)


class Rsqrt(Function):
    """z = 1 / sqrt(a);  dz/da = -1 / (2 a^(3/2)) = -z^3 / 2"""

    reads_inputs = ()
    reads_output = True

    def forward(self, a):
        return 1 / self.xp.sqrt(a)

    def backward(self, grad, z, a):
        return grad * z * z * z * -0.5


class Abs(Function):
    """z = |a|;  dz/da = sign(a), taking 0 at a = 0 (a subgradient) and at NaN (PyTorch's)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.abs(a)

    def backward(self, grad, z, a):
        # sign is constant: no graph; 0 at NaN, where NumPy's sign is NaN, as PyTorch's
        a = value(a)
        return grad * constant(self.xp.where(a == a, self.xp.sign(a), 0).astype(a.dtype), grad)


class Rounding(Function):
    """z = floor(a), ceil(a), round(a), trunc(a) or sign(a);  dz/da = 0

    Each is a step function: flat between its jumps, so its derivative is 0 (taken as 0 at the
    jumps too, as PyTorch does). The result stays in the graph, so that a gradient through it
    is a zero, not a missing one.
    """

    reads_inputs = ()
    reads_output = False

    def forward(self, a, how, decimals=0):
        if how == "round":
            return self.xp.round(a, decimals)  # half to even, as PyTorch's
        if how == "sign":  # PyTorch's sign of NaN is 0 (NumPy's is NaN)
            return self.xp.where(a == a, self.xp.sign(a), 0).astype(a.dtype, copy=False)
        return getattr(self.xp, how)(a)

    def backward(self, grad, z, a):
        return grad * constant(self.xp.zeros((), dtype=grad.dtype), grad)


class Sin(Function):
    """z = sin(a);  dz/da = cos(a)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.sin(a)

    def backward(self, grad, z, a):
        return grad * Cos.apply(a)


class Cos(Function):
    """z = cos(a);  dz/da = -sin(a)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.cos(a)

    def backward(self, grad, z, a):
        return -(grad * Sin.apply(a))


class Tan(Function):
    """z = tan(a);  dz/da = 1 + tan(a)^2 = 1 + z^2"""

    reads_inputs = ()
    reads_output = True

    def forward(self, a):
        return self.xp.tan(a)

    def backward(self, grad, z, a):
        return grad + grad * z * z


class Asin(Function):
    """z = asin(a);  dz/da = 1 / sqrt(1 - a^2)  (|a| < 1)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.arcsin(a)

    def backward(self, grad, z, a):
        return grad * Rsqrt.apply(1 - a * a)


class Acos(Function):
    """z = acos(a);  dz/da = -1 / sqrt(1 - a^2)  (|a| < 1)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.arccos(a)

    def backward(self, grad, z, a):
        return -(grad * Rsqrt.apply(1 - a * a))


class Atan(Function):
    """z = atan(a);  dz/da = 1 / (1 + a^2)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.arctan(a)

    def backward(self, grad, z, a):
        return grad / (1 + a * a)


class Atan2(Function):
    """z = atan2(y, x), the angle of the point (x, y);  dz/dy = x / (x^2 + y^2),
    dz/dx = -y / (x^2 + y^2)  (both 0 at x = y = 0, as PyTorch takes them)"""

    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, y, x):
        return self.xp.arctan2(y, x)

    def backward(self, grad, z, y, x):
        # At the origin both are 0 / 0, and PyTorch's gradient is 0 there: divide by 1 instead
        # of 0 (x = y = 0 then makes both products 0).
        squared = x * x + y * y
        origin = constant(value(squared) == 0, grad)
        scaled = grad / Where.apply(origin, squared + 1, squared)
        return scaled * x, -(scaled * y)


class Tanh(Function):
    """z = tanh(a);  dz/da = 1 - z^2"""

    reads_inputs = ()
    reads_output = True

    def forward(self, a):
        return self.xp.tanh(a)

    def backward(self, grad, z, a):
        return grad - grad * z * z  # grad * (1 - z^2), without a constant 1 to make


class Sinh(Function):
    """z = sinh(a);  dz/da = cosh(a)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.sinh(a)

    def backward(self, grad, z, a):
        return grad * Cosh.apply(a)


class Cosh(Function):
    """z = cosh(a);  dz/da = sinh(a)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.cosh(a)

    def backward(self, grad, z, a):
        return grad * Sinh.apply(a)


class Asinh(Function):
    """z = asinh(a);  dz/da = 1 / sqrt(a^2 + 1)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.arcsinh(a)

    def backward(self, grad, z, a):
        return grad * Rsqrt.apply(a * a + 1)


class Acosh(Function):
    """z = acosh(a);  dz/da = 1 / sqrt(a^2 - 1)  (a > 1)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.arccosh(a)

    def backward(self, grad, z, a):
        return grad * Rsqrt.apply(a * a - 1)


class Atanh(Function):
    """z = atanh(a);  dz/da = 1 / (1 - a^2)  (|a| < 1)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.arctanh(a)

    def backward(self, grad, z, a):
        return grad / (1 - a * a)


# About the most negative a for which e^-a is still finite, for float32 and float64.
_SIGMOID_FLOOR = {c: 1 - float(np.log(np.finfo(c).max)) for c in "fd"}


class Sigmoid(Function):
    """z = 1 / (1 + e^-a);  dz/da = z (1 - z)"""

    reads_inputs = ()
    reads_output = True

    def forward(self, a):
        # 1 / (1 + e^-a) as written, with a clamped from below where e^-a would overflow, and z
        # set to 0 there (its value to the last bit). Cheap passes and one exp:
        # exp(-logaddexp(0, -a)) was seven times slower on an LSTM's gates.
        xp = self.xp
        if a.dtype == xp.float16:  # its e^-a overflows from a = -11 on: compute in float32
            return self.forward(a.astype(xp.float32)).astype(xp.float16)
        floor = _SIGMOID_FLOOR[a.dtype.char]
        return 1 / (1 + xp.exp(-xp.maximum(a, floor))) * (a >= floor)

    def backward(self, grad, z, a):
        return grad * z * (1 - z)


class ReLU(Function):
    """z = max(a, 0);  dz/da = 1 where a > 0, else 0"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.maximum(a, 0)

    def backward(self, grad, z, a):
        return grad * (a > 0)


class LeakyReLU(Function):
    """z = a if a > 0 else slope * a;  dz/da = 1 where a > 0, else slope"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a, negative_slope):
        self.negative_slope = negative_slope
        return self.xp.where(a > 0, a, a * negative_slope)

    def backward(self, grad, z, a):
        return Where.apply(a > 0, grad, grad * self.negative_slope)


class ELU(Function):
    """z = a if a > 0 else alpha (e^a - 1);  dz/da = 1 where a > 0, else alpha e^a = z + alpha

    (At a = 0 the left branch's slope, alpha, as PyTorch takes it.)
    """

    reads_inputs = (0,)
    reads_output = True

    def forward(self, a, alpha):
        self.alpha = alpha
        # expm1 of min(a, 0): the branch not taken never overflows to inf
        return self.xp.where(a > 0, a, alpha * self.xp.expm1(self.xp.minimum(a, 0)))

    def backward(self, grad, z, a):
        positive = constant(value(a) > 0, grad)
        return Where.apply(positive, grad, grad * (z + self.alpha))


class Clip(Function):
    """z = min(max(a, low), high);  dz/da = 1 inside [low, high], else 0"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a, low, high):
        self.low, self.high = low, high
        return self.xp.clip(a, low, high)

    def backward(self, grad, z, a):
        inside = grad
        if self.low is not None:
            inside = inside * (a >= self.low)
        if self.high is not None:
            inside = inside * (a <= self.high)
        return inside


class Maximum(Function):
    """z = max(a, b);  dz/da = 1 where a > b, dz/db = 1 where b > a; a tie splits it in halves"""

    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, a, b):
        return self.xp.maximum(a, b)

    def backward(self, grad, z, a, b):
        share_a = (a > b) + (a == b) * 0.5
        return grad * share_a, grad * (1 - share_a)


class Minimum(Function):
    """z = min(a, b);  dz/da = 1 where a < b, dz/db = 1 where b < a; a tie splits it in halves"""

    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, a, b):
        return self.xp.minimum(a, b)

    def backward(self, grad, z, a, b):
        share_a = (a < b) + (a == b) * 0.5
        return grad * share_a, grad * (1 - share_a)


class Where(Function):
    """z = a where condition else b;  dz/da = condition, dz/db = not condition"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, condition, a, b):
        return self.xp.where(condition, a, b)

    def backward(self, grad, z, condition, a, b):
        zero = constant(self.xp.zeros((), dtype=grad.dtype), grad)
        return (
            None,
            Where.apply(condition, grad, zero) if self.needs_input_grad[1] else None,
            Where.apply(condition, zero, grad) if self.needs_input_grad[2] else None,
        )


class Triangle(Function):
    """z = a on and below (``lower``) or on and above the k-th diagonal of the last two axes,
    0 elsewhere:  z[..., i, j] = a[..., i, j] * [j - i <= k]  (lower) or [j - i >= k] (upper);
    dz/da = that same 0/1 mask, so the gradient is masked the same way"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, diagonal, lower):
        self.diagonal, self.lower = diagonal, lower
        return self.xp.tril(a, diagonal) if lower else self.xp.triu(a, diagonal)

    def backward(self, grad, z, a):
        return Triangle.apply(grad, diagonal=self.diagonal, lower=self.lower)


class Cast(Function):
    """z = a converted to another dtype;  dz/da = 1 (converted back by the engine)"""

    reads_inputs = ()
    reads_output = False

    def forward(self, a, dtype):
        return a.astype(dtype)

    def backward(self, grad, z, a):
        return grad


# ---- the public functions -----------------------------------------------------------------------
def _erf_array(xp: Any, a: Any) -> Any:
    """erf on a raw array, accurate to about 1e-15 in float64, with only elementwise operations.

    NumPy has no erf, so it is computed from two classic expansions, each where it converges fast:

        |a| < 2.5:   erf(a) = 2/sqrt(pi) e^(-a^2) sum_n (2a^2)^n a / (1*3*5*...*(2n+1))
        |a| >= 2.5:  erfc(a) = e^(-a^2) / (sqrt(pi) (a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))))

    The series has only positive terms (no cancellation); the continued fraction is evaluated
    from a fixed depth upwards. Both run on every element (clipped to their range) and ``where``
    picks one. On the GPU, CuPy's own erf does it in one kernel instead of about 90.
    """
    if getattr(xp, "__name__", "") == "cupy":
        from cupyx.scipy.special import erf as cupy_erf

        return cupy_erf(a)
    size = xp.abs(a)
    near = xp.minimum(size, 2.5)
    term = near
    series = near
    for n in range(1, 40):
        term = term * (2 * near * near) / (2 * n + 1)
        series = series + term
    near_value = (2 / math.sqrt(math.pi)) * xp.exp(-near * near) * series
    far = xp.maximum(size, 2.5)
    fraction = far
    for k in range(50, 0, -1):
        fraction = far + (k / 2) / fraction
    far_value = 1 - xp.exp(-far * far) / (math.sqrt(math.pi) * fraction)
    return xp.sign(a) * xp.where(size < 2.5, near_value, far_value)


class Erf(Function):
    """z = erf(a) = 2/sqrt(pi) * integral of e^(-t^2) from 0 to a;  dz/da = 2/sqrt(pi) e^(-a^2)"""

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return _erf_array(self.xp, a).astype(a.dtype, copy=False)

    def backward(self, grad, z, a):
        return grad * (2 / math.sqrt(math.pi)) * Exp.apply(-(a * a))


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)  # c in GELU's tanh form
_GELU_CUBIC = 0.044715  # k in GELU's tanh form


class GELU(Function):
    """z = x Phi(x), Phi the standard normal CDF (Hendrycks & Gimpel 2016);
    dz/dx = Phi(x) + x Phi'(x)

    approximate='none':  Phi(x) = (1 + erf(x / sqrt 2)) / 2,  Phi'(x) = e^(-x^2 / 2) / sqrt(2 pi)
    approximate='tanh':  Phi(x) ~ (1 + t) / 2 with t = tanh(c (x + k x^3)), c = sqrt(2 / pi),
                         k = 0.044715;  Phi'(x) = (1 - t^2) / 2 * c (1 + 3 k x^2)
                                                = Phi (1 - Phi) * 2 c (1 + 3 k x^2)

    One op instead of the ten or so elementwise ops the formula is made of. Forward keeps Phi(x)
    for backward, and writes each step into the array the step before made (``*=``, ``out=``):
    those arrays are this op's own, fresh and seen by no one else, so nothing is overwritten that
    anyone could read. Two full-size arrays per call, where the formula written out makes ten.
    """

    reads_inputs = (0,)
    reads_output = False

    def forward(self, x, approximate):
        self.approximate = approximate
        if approximate == "tanh":
            cdf = x * x
            cdf *= _SQRT_2_OVER_PI * _GELU_CUBIC
            cdf += _SQRT_2_OVER_PI  # c (1 + k x^2)
            cdf *= x  # c (x + k x^3)
            self.xp.tanh(cdf, out=cdf)  # t
        else:
            cdf = _erf_array(self.xp, x * (1 / math.sqrt(2))).astype(x.dtype, copy=False)
        cdf *= 0.5
        cdf += 0.5  # Phi(x) = (1 + t) / 2, or (1 + erf(x / sqrt 2)) / 2
        self.cdf = cdf
        return x * cdf

    def backward(self, grad, z, x):
        if isinstance(x, Tensor):  # recorded: Phi and Phi' as ops of x, differentiable again
            if self.approximate == "tanh":
                cdf = Tanh.apply((x + x * x * x * _GELU_CUBIC) * _SQRT_2_OVER_PI) * 0.5 + 0.5
                slope = cdf * (1 - cdf) * (x * x * (3 * _GELU_CUBIC) + 1) * (2 * _SQRT_2_OVER_PI)
            else:
                cdf = Erf.apply(x * (1 / math.sqrt(2))) * 0.5 + 0.5
                slope = Exp.apply(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))
            return grad * (cdf + x * slope)
        # On arrays: the same formula, in place in one new array (and one more for 1 - Phi).
        cdf = self.cdf
        slope = x * x
        if self.approximate == "tanh":
            slope *= 6 * _SQRT_2_OVER_PI * _GELU_CUBIC
            slope += 2 * _SQRT_2_OVER_PI  # 2 c (1 + 3 k x^2)
            slope *= cdf
            slope *= 1 - cdf
        else:
            slope *= -0.5
            self.xp.exp(slope, out=slope)
            slope *= 1 / math.sqrt(2 * math.pi)  # phi(x)
        slope *= x
        slope += cdf  # Phi + x Phi'
        slope *= grad
        return slope


class Softplus(Function):
    """z = log(1 + e^a);  dz/da = e^a / (1 + e^a) = sigmoid(a)

    Computed as max(a, 0) + log(1 + e^-|a|): the exponent is never positive, so e^x cannot
    overflow, and log1p keeps the digits when e^-|a| is tiny.
    """

    reads_inputs = (0,)
    reads_output = False

    def forward(self, a):
        return self.xp.maximum(a, 0) + self.xp.log1p(self.xp.exp(-self.xp.abs(a)))

    def backward(self, grad, z, a):
        return grad * Sigmoid.apply(a)


class LogAddExp(Function):
    """z = log(e^a + e^b);  dz/da = e^(a - z), dz/db = e^(b - z)  (each a softmax weight)

    Computed as max(a, b) + log1p(e^-|a - b|), which cannot overflow; equal infinities give
    that infinity (their difference, NaN, is never formed)."""

    reads_inputs = (0, 1)
    reads_output = True

    def forward(self, a, b):
        xp = self.xp
        high = xp.maximum(a, b)
        gap = xp.abs(a - b)  # NaN where a = b = inf (inf - inf): replaced just below
        gap = xp.where(a == b, 0, gap)
        return high + xp.log1p(xp.exp(-gap))

    def backward(self, grad, z, a, b):
        return grad * Exp.apply(a - z), grad * Exp.apply(b - z)


class BinaryCrossEntropy(Function):
    """z = -(y max(ln x, -100) + (1 - y) max(ln(1 - x), -100)), for probabilities x in [0, 1];

        dz/dx = (x - y) / max(x (1 - x), 1e-12),   dz/dy = max(ln(1 - x), -100) - max(ln x, -100)

    The logarithms are clamped at -100, as PyTorch does, so x = 0 or 1 gives a loss of 100 at
    most, never inf; the denominator is clamped likewise, so the gradient there is large but
    finite (and exactly 0 where x = y).
    """

    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, x, y):
        xp = self.xp
        log_x = xp.maximum(xp.log(x), -100)  # ln 0 = -inf, clamped
        log_rest = xp.maximum(xp.log(1 - x), -100)
        return -(y * log_x + (1 - y) * log_rest)

    def backward(self, grad, z, x, y):
        grad_x = grad_y = None
        if self.needs_input_grad[0]:
            floor = constant(self.xp.asarray(1e-12, dtype=grad.dtype), grad)
            grad_x = grad * (x - y) / Maximum.apply(x * (1 - x), floor)
        if self.needs_input_grad[1]:
            grad_y = grad * (
                Clip.apply(Log.apply(1 - x), low=-100, high=None)
                - Clip.apply(Log.apply(x), low=-100, high=None)
            )
        return grad_x, grad_y


def _scaled(a: Any, b: Any, alpha: Any, op: str) -> Any:
    """alpha * b for PyTorch's ``add``/``sub(input, other, alpha=)``, with its rules: alpha a
    number (or a one-value tensor); a float alpha refused when both operands are integers (the
    result is an integer), a bool alpha unless both are bools."""
    if isinstance(alpha, Tensor):
        alpha = alpha.item()
    if isinstance(alpha, np.generic):
        alpha = alpha.item()
    if not isinstance(alpha, (bool, int, float)):
        raise TypeError(f"{op}: alpha must be a number, got {type(alpha).__name__}")
    kinds = {x.dtype.kind if isinstance(x, Tensor) else type(x).__name__ for x in (a, b)}
    if isinstance(alpha, bool):
        if kinds - {"b", "bool"}:
            raise RuntimeError(f"{op}: alpha={alpha} (a bool) is only for bool operands")
        return b if alpha else b & False
    if isinstance(alpha, float) and not kinds & {"f", "float"}:
        raise RuntimeError(
            f"{op}: alpha={alpha!r} is a float and the operands are integers (so is the "
            "result); give an integer alpha, or convert an operand to floats"
        )
    if alpha == 1:
        return b
    return b * alpha if not isinstance(b, Tensor) else mul(b, alpha)


def add(a: Any, b: Any, *, alpha: Any = 1) -> Tensor:
    """a + alpha * b, broadcasting (PyTorch's ``add(input, other, alpha=1)``); the gradient of b
    is alpha times the output's."""
    if not (type(alpha) is int and alpha == 1):  # a + b, the common call, skips the checks
        b = _scaled(a, b, alpha, "add")
    return _binary(Add, a, b)


def sub(a: Any, b: Any, *, alpha: Any = 1) -> Tensor:
    """a - alpha * b, broadcasting (PyTorch's ``sub(input, other, alpha=1)``)."""
    if not (type(alpha) is int and alpha == 1):
        b = _scaled(a, b, alpha, "sub")
    return _binary(Sub, a, b)


def mul(a: Any, b: Any) -> Tensor:
    """a * b, broadcasting."""
    return _binary(Mul, a, b)


def div(a: Any, b: Any, *, rounding_mode: str | None = None) -> Tensor:
    """a / b, broadcasting (PyTorch's ``div``). True division by default: integers divide into
    the default float dtype. ``rounding_mode='trunc'`` rounds the quotient towards 0 (C's
    integer division) and ``'floor'`` towards -inf (Python's //, ``floor_divide``); both keep
    integers integers, refuse an integer division by 0, and have gradient 0, as PyTorch's."""
    if rounding_mode is not None:
        check_choice("div", "rounding_mode", rounding_mode, (None, "trunc", "floor"))
        if rounding_mode == "floor":
            return floor_divide(a, b)
        _integer_divisor_check(a, b, "div")
        return _binary(TruncDivide, a, b)
    if not _is_float_operand(a) and not _is_float_operand(b):  # int / int, as in PyTorch
        a, b = (x.astype(get_default_dtype()) if isinstance(x, Tensor) else x for x in (a, b))
    return _binary(Div, a, b)


def _is_float_operand(x: Any) -> bool:
    return isinstance(x, float) or (isinstance(x, Tensor) and is_floating_dtype(x.dtype))


def _integer_divisor_check(a: Any, b: Any, op: str) -> None:
    """Integer division by zero has no answer (NumPy quietly gives 0): refuse it, as PyTorch
    does. One value read from the device, and only for integer operands."""
    if _is_float_operand(a) or _is_float_operand(b):
        return  # floats divide by zero into inf or NaN, as in IEEE arithmetic
    divisor = b.data if isinstance(b, Tensor) else b
    if bool((divisor == 0).any()) if isinstance(b, Tensor) else divisor == 0:
        raise ZeroDivision(f"{op}: integer division by zero (the divisor holds a 0)")


def floor_divide(a: Any, b: Any) -> Tensor:
    """floor(a / b), rounding towards -inf (``a // b``): -7 // 2 is -4, as in Python and PyTorch.

    Integers stay integers. Its gradient is 0 (a step function; PyTorch gives none).
    """
    _integer_divisor_check(a, b, "floor_divide")
    return _binary(FloorDivide, a, b)


def remainder(a: Any, b: Any) -> Tensor:
    """a - b * floor(a / b) (``a % b``): the result has the sign of b, as Python's % and
    PyTorch's ``remainder`` (-7 % 2 is 1, 7 % -2 is -1)."""
    _integer_divisor_check(a, b, "remainder")
    return _binary(Remainder, a, b)


def fmod(a: Any, b: Any) -> Tensor:
    """a - b * trunc(a / b): the result has the sign of a, as C's fmod and PyTorch's ``fmod``
    (-7 fmod 2 is -1, where the remainder, -7 % 2, is 1). Integers stay integers."""
    _integer_divisor_check(a, b, "fmod")
    return _binary(Fmod, a, b)


def _floating(a: Tensor) -> Tensor:
    """An integer or bool tensor converted to the default float dtype (PyTorch's rule for the
    functions that only make sense in floats, such as ``rsqrt``); a float tensor as it is."""
    # a.data.dtype.kind, not is_floating_dtype(a.dtype): this runs before every tanh and exp
    return a if a.data.dtype.kind in "fc" else a.astype(get_default_dtype())


def reciprocal(a: Tensor) -> Tensor:
    """1 / a, elementwise (integers become the default float dtype)."""
    return Reciprocal.apply(_floating(a))


def pow(a: Any, b: Any) -> Tensor:
    """a ** b. A Python-number exponent is a constant (the common case: x ** 2)."""
    if isinstance(a, Tensor) and isinstance(b, (int, float)) and not isinstance(b, bool):
        if isinstance(b, float):  # an int tensor to a float power is a float, as in PyTorch
            a = _floating(a)
        elif a.dtype.kind == "b":  # a bool tensor to an int power is int64 (NumPy's is int8)
            a = a.astype(np.int64)
        return PowScalar.apply(a, exponent=b)
    return _binary(Pow, a, b)


def neg(a: Tensor) -> Tensor:
    """-a, elementwise."""
    return Neg.apply(a)


# PyTorch's other names for the same functions
multiply, subtract, divide, negative = mul, sub, div, neg


def true_divide(a: Any, b: Any) -> Tensor:
    """a / b, always true division (PyTorch's ``true_divide``: ``div`` without rounding)."""
    return div(a, b)


def exp(a: Tensor) -> Tensor:
    """e ** a, elementwise (integers: the default float dtype, as PyTorch's)."""
    return Exp.apply(_floating(a))


def expm1(a: Tensor) -> Tensor:
    """e ** a - 1, elementwise, accurate for a near 0."""
    return Expm1.apply(_floating(a))


def log(a: Tensor) -> Tensor:
    """Natural logarithm, elementwise (NaN below 0, -inf at 0, as in NumPy)."""
    return Log.apply(_floating(a))


def log1p(a: Tensor) -> Tensor:
    """ln(1 + a), elementwise, accurate for a near 0 (NaN below -1, -inf at -1)."""
    return Log1p.apply(_floating(a))


def log2(a: Tensor) -> Tensor:
    """Base-2 logarithm, elementwise."""
    return LogBase.apply(_floating(a), base=2)


def log10(a: Tensor) -> Tensor:
    """Base-10 logarithm, elementwise."""
    return LogBase.apply(_floating(a), base=10)


def sqrt(a: Tensor) -> Tensor:
    """Square root, elementwise."""
    return Sqrt.apply(_floating(a))


def rsqrt(a: Tensor) -> Tensor:
    """1 / sqrt(a), elementwise (inf at 0, NaN below 0)."""
    return Rsqrt.apply(_floating(a))


def abs(a: Tensor) -> Tensor:
    """|a|, elementwise; its gradient at 0 is 0."""
    return Abs.apply(a)


def tanh(a: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise."""
    return Tanh.apply(_floating(a))


def sin(a: Tensor) -> Tensor:
    """Sine, elementwise (radians)."""
    return Sin.apply(_floating(a))


def cos(a: Tensor) -> Tensor:
    """Cosine, elementwise (radians)."""
    return Cos.apply(_floating(a))


def tan(a: Tensor) -> Tensor:
    """Tangent, elementwise (radians);  d/da tan(a) = 1 + tan(a)^2."""
    return Tan.apply(_floating(a))


def asin(a: Tensor) -> Tensor:
    """Arcsine in [-pi/2, pi/2] (NaN outside [-1, 1]);  d/da = 1 / sqrt(1 - a^2)."""
    return Asin.apply(_floating(a))


def acos(a: Tensor) -> Tensor:
    """Arccosine in [0, pi] (NaN outside [-1, 1]);  d/da = -1 / sqrt(1 - a^2)."""
    return Acos.apply(_floating(a))


def atan(a: Tensor) -> Tensor:
    """Arctangent in (-pi/2, pi/2);  d/da = 1 / (1 + a^2)."""
    return Atan.apply(_floating(a))


def atan2(y: Any, x: Any) -> Tensor:
    """The angle of the point (x, y) in (-pi, pi], elementwise (broadcasting), as PyTorch's
    ``atan2(input, other)`` with input = y;  dz/dy = x / (x^2 + y^2), dz/dx = -y / (x^2 + y^2)."""
    like = y if isinstance(y, Tensor) else x
    if not isinstance(like, Tensor):
        raise TypeError("atan2: at least one argument must be a Tensor")
    return _binary(Atan2, _floating(lift(y, like)), _floating(lift(x, like)))


def sinh(a: Tensor) -> Tensor:
    """Hyperbolic sine;  d/da sinh(a) = cosh(a)."""
    return Sinh.apply(_floating(a))


def cosh(a: Tensor) -> Tensor:
    """Hyperbolic cosine;  d/da cosh(a) = sinh(a)."""
    return Cosh.apply(_floating(a))


def asinh(a: Tensor) -> Tensor:
    """Inverse hyperbolic sine;  d/da = 1 / sqrt(a^2 + 1)."""
    return Asinh.apply(_floating(a))


def acosh(a: Tensor) -> Tensor:
    """Inverse hyperbolic cosine (NaN below 1);  d/da = 1 / sqrt(a^2 - 1)."""
    return Acosh.apply(_floating(a))


def atanh(a: Tensor) -> Tensor:
    """Inverse hyperbolic tangent (+-inf at +-1, NaN beyond);  d/da = 1 / (1 - a^2)."""
    return Atanh.apply(_floating(a))


def sigmoid(a: Tensor) -> Tensor:
    """1 / (1 + e^-a), elementwise, computed without overflow (integers: the default float)."""
    return Sigmoid.apply(_floating(a))


def relu(a: Tensor) -> Tensor:
    """max(a, 0), elementwise."""
    return ReLU.apply(a)


def leaky_relu(a: Tensor, negative_slope: float = 0.01) -> Tensor:
    """a where a > 0, else negative_slope * a."""
    return LeakyReLU.apply(a, negative_slope=negative_slope)


def elu(a: Tensor, alpha: float = 1.0) -> Tensor:
    """a where a > 0, else alpha * (e^a - 1) (Clevert et al. 2015)."""
    return ELU.apply(a, alpha=alpha)


def clip(a: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to [min, max] (PyTorch's ``clamp``): either bound may be None, a number, or a
    Tensor broadcast against ``a``.

    As in PyTorch: where min > max every value becomes max; an int tensor clamped to a float
    bound becomes the default float dtype; the gradient passes where min <= a <= max (a value
    on a bound keeps it), and a Tensor bound gets it where it was the one taken.
    """
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # min(max(a, low), high) as two wheres, so that each bound gets its gradient
        low = a if min is None else where(a < min, min, a)
        return low if max is None else where(low > max, max, low)
    for name, bound in (("min", min), ("max", max)):
        if bound is not None:
            check_number("clip", name, bound, allow_inf=True)
    if not is_floating_dtype(a.dtype) and any(isinstance(b, float) for b in (min, max)):
        a = a.astype(get_default_dtype())
    return Clip.apply(a, low=min, high=max)


clamp = clip  # PyTorch's name


def clamp_min(a: Tensor, min: Any) -> Tensor:
    """max(a, min): a number, or a Tensor broadcast against ``a`` (PyTorch's ``clamp_min``);
    the gradient passes where a >= min."""
    if not isinstance(min, Tensor):
        check_number("clamp_min", "min", min, allow_inf=True)
    return clip(a, min=min)  # as given: an int bound keeps an int tensor int


def clamp_max(a: Tensor, max: Any) -> Tensor:
    """min(a, max): a number, or a Tensor broadcast against ``a`` (PyTorch's ``clamp_max``);
    the gradient passes where a <= max."""
    if not isinstance(max, Tensor):
        check_number("clamp_max", "max", max, allow_inf=True)
    return clip(a, max=max)  # as given: an int bound keeps an int tensor int


def square(a: Tensor) -> Tensor:
    """a * a, elementwise (integers stay integers, bools become int64 as PyTorch's square
    gives: True * True would stay a bool);  d/da a^2 = 2 a."""
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    return mul(a, a)


def lerp(a: Tensor, end: Any, weight: Any) -> Tensor:
    """a + weight * (end - a), elementwise (broadcasting), as PyTorch's ``lerp``; ``weight`` a
    number or a Tensor. Gradients: 1 - weight for a, weight for end, end - a for weight."""
    if not isinstance(a, Tensor) or not is_floating_dtype(a.dtype):
        raise TypeError(
            f"lerp: input must be a float Tensor, got {getattr(a, 'dtype', type(a).__name__)}"
        )
    if not isinstance(weight, Tensor):
        weight = check_number("lerp", "weight", weight, allow_inf=True)
    return a + weight * (end - a)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum of two tensors (broadcasting)."""
    return _binary(Maximum, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum of two tensors (broadcasting)."""
    return _binary(Minimum, a, b)


_MISSING: Any = object()


def where(condition: Any, a: Any = _MISSING, b: Any = _MISSING) -> Any:
    """Take ``a`` where ``condition`` is true, ``b`` elsewhere (broadcasting all three).

    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``, as in PyTorch: a tuple
    of index tensors, one per dim (a device sync on a GPU)."""
    if a is _MISSING and b is _MISSING:
        from .reduction import nonzero

        if not isinstance(condition, Tensor):
            raise TypeError(f"where: condition must be a Tensor, got {type(condition).__name__}")
        return nonzero(condition, as_tuple=True)
    if a is _MISSING or b is _MISSING:
        raise TypeError("where: give both a and b, or neither (where(condition) is nonzero)")
    like = next((t for t in (a, b, condition) if isinstance(t, Tensor)), None)
    if like is None:
        raise TypeError("where: at least one argument must be a Tensor")
    condition, a, b = (lift(v, like) for v in (condition, a, b))
    if condition.dtype != np.bool_:
        raise DtypeError(f"where: condition must be a boolean tensor, got {condition.dtype}")
    if a.dtype != b.dtype:  # PyTorch's promotion, as for a + b: int and float32 give float32
        a, b = _promote(a, b)
    try:
        return Where.apply(condition, a, b)
    except ValueError as error:
        raise ShapeError(
            f"where: shapes {condition.shape}, {a.shape} and {b.shape} cannot be broadcast together"
        ) from error


def _triangle(a: Tensor, diagonal: int, lower: bool) -> Tensor:
    name = "tril" if lower else "triu"
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(a).__name__}")
    if a.ndim < 2:
        raise ShapeError(f"{name}: input must have at least 2 dims (a matrix), got {a.shape}")
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{name}: diagonal must be an int, got {diagonal!r}")
    return Triangle.apply(a, diagonal=int(diagonal), lower=lower)


def tril(a: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims: a[..., i, j] where j - i <= diagonal, else 0.

    ``diagonal=0`` keeps the main diagonal, 1 one more above it, -1 drops it (PyTorch's)."""
    return _triangle(a, diagonal, lower=True)


def triu(a: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims: a[..., i, j] where j - i >= diagonal, else 0."""
    return _triangle(a, diagonal, lower=False)


def masked_fill(a: Tensor, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` is True, ``a`` elsewhere (PyTorch's ``masked_fill``).

    ``mask`` is a boolean tensor that broadcasts to ``a``'s shape (the result always has
    ``a``'s shape); ``value`` a number or a 0-d tensor. The gradient reaches ``a`` only where
    the mask is False (a 0-d tensor value gets the gradient summed over the filled places).
    ``-inf`` is the usual value for attention masks: softmax then gives those places weight 0.
    """
    if not isinstance(a, Tensor):
        raise TypeError(f"masked_fill: input must be a Tensor, got {type(a).__name__}")
    if not isinstance(mask, Tensor):
        mask = Tensor(mask, device=a.device)  # a NumPy mask or a list of bools, as where takes
    if mask.dtype != np.bool_:
        raise DtypeError(f"masked_fill: mask must be a boolean tensor, got {mask.dtype}")
    if mask.ndim > a.ndim or any(
        m != n and m != 1 for m, n in zip(reversed(mask.shape), reversed(a.shape))
    ):
        raise ShapeError(
            f"masked_fill: mask of shape {mask.shape} does not broadcast to the input's shape "
            f"{a.shape}"
        )
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got {value.shape}")
    if not isinstance(value, (Tensor, bool, int, float, np.number)):
        raise TypeError(f"masked_fill: value must be a number, got {type(value).__name__}")
    if isinstance(value, np.number):
        value = value.item()
    fill = lift(value, a)
    if fill.dtype != a.dtype:
        fill = fill.astype(a.dtype)  # PyTorch's: the result keeps the input's dtype
    return Where.apply(mask, fill, a)


def astype(a: Tensor, dtype: Any) -> Tensor:
    """The same values in another dtype; differentiable between floating dtypes."""
    dtype = np.dtype(dtype)
    if dtype == a.dtype:
        return a
    if a.requires_grad and not is_floating_dtype(dtype):
        with no_grad():
            return Cast.apply(a, dtype=dtype)
    return Cast.apply(a, dtype=dtype)


def _rounded(a: Tensor, how: str, decimals: int = 0) -> Tensor:
    if a.dtype.kind == "b" or (a.dtype.kind in "iu" and how != "sign"):
        # already whole numbers (and a bool's sign is itself): a copy, in the same dtype
        return Tensor._wrap(a.data.copy(), a.device)
    return Rounding.apply(a, how=how, decimals=decimals)


def sign(a: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each value (0 for 0, -0 and NaN, as PyTorch's); its gradient
    is 0."""
    return _rounded(a, "sign")


def floor(a: Tensor) -> Tensor:
    """The largest whole number <= a, elementwise; its gradient is 0."""
    return _rounded(a, "floor")


def ceil(a: Tensor) -> Tensor:
    """The smallest whole number >= a, elementwise; its gradient is 0."""
    return _rounded(a, "ceil")


def trunc(a: Tensor) -> Tensor:
    """a rounded towards 0 (its whole part), elementwise; its gradient is 0."""
    return _rounded(a, "trunc")


def round(a: Tensor, *, decimals: int = 0) -> Tensor:
    """a rounded to ``decimals`` decimal places, halves to the even neighbour (2.5 -> 2, as
    PyTorch and NumPy do); its gradient is 0."""
    check_int("round", "decimals", decimals)
    if decimals and a.dtype.kind in "iub":
        raise TypeError(f"round: decimals={decimals} needs a floating tensor, got {a.dtype}")
    return _rounded(a, "round", decimals)


def erf(a: Tensor) -> Tensor:
    """The error function, elementwise; integers and bools become the default float dtype, as in
    PyTorch (kept int64, erf(1) = 0.84 was stored as 0, and a bool tensor failed in NumPy)."""
    return Erf.apply(_floating(a))


def gelu(a: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x), Phi the standard normal CDF, or its tanh form (``approximate='tanh'``); see
    ``GELU``. Integers become the default float dtype."""
    return GELU.apply(_floating(a), approximate=approximate)


def softplus(a: Tensor) -> Tensor:
    """log(1 + e^a), a smooth ReLU that never overflows."""
    return Softplus.apply(a)


def logaddexp(a: Any, b: Any) -> Tensor:
    """log(e^a + e^b), elementwise (broadcasting), without overflow;  dz/da = e^(a - z),
    dz/db = e^(b - z)."""
    like = a if isinstance(a, Tensor) else b
    if not isinstance(like, Tensor):
        raise TypeError("logaddexp: at least one argument must be a Tensor")
    return _binary(LogAddExp, _floating(lift(a, like)), _floating(lift(b, like)))


def isclose(
    a: Tensor, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """|a - b| <= atol + rtol * |b|, elementwise, as a bool tensor (PyTorch's ``isclose``; equal
    infinities are close, NaN only with ``equal_nan``)."""
    from ..checks import check_bool, check_number

    rtol = check_number("isclose", "rtol", rtol, low=0)
    atol = check_number("isclose", "atol", atol, low=0)
    equal_nan = check_bool("isclose", "equal_nan", equal_nan)
    if not isinstance(a, Tensor):
        a = lift(a, b)
    b = lift(b, a)
    if a.device is not b.device:
        raise RuntimeError(f"isclose: inputs are on different devices ({a.device} and {b.device})")
    try:
        close = a.xp.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan)
    except ValueError:
        raise ShapeError(
            f"isclose: shapes {a.shape} and {b.shape} cannot be broadcast together"
        ) from None
    return Tensor._wrap(close, a.device)


def allclose(
    a: Tensor, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether every element ``isclose`` (a Python bool: one value read from the device)."""
    return bool(isclose(a, b, rtol, atol, equal_nan).data.all())


def equal(a: Tensor, b: Tensor) -> bool:
    """Whether ``a`` and ``b`` have the same shape and the same values (PyTorch's ``equal``)."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"equal: needs two Tensors, got {type(a).__name__} and {type(b).__name__}")
    return a.shape == b.shape and bool(compare(a, b, "equal").data.all())


def compare(a: Any, b: Any, name: str) -> Tensor:
    """An elementwise comparison (``name`` is a ufunc such as 'less'); a boolean tensor."""
    if type(a) is Tensor and type(b) is Tensor:
        pass  # the common case, decided in one test
    elif not isinstance(a, Tensor):
        a = lift(a, b)
    b = lift(b, a)
    if a.device is not b.device:
        raise RuntimeError(f"{name}: inputs are on different devices ({a.device} and {b.device})")
    try:
        return Tensor._wrap(getattr(a.xp, name)(a.data, b.data), a.device)
    except ValueError:
        raise ShapeError(
            f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together"
        ) from None


# ---- logic: booleans out, no gradient ---------------------------------------------------------
def _logic_pair(a: Any, b: Any, name: str) -> tuple[Tensor, Tensor]:
    like = a if isinstance(a, Tensor) else b
    if not isinstance(like, Tensor):
        raise TypeError(f"{name}: at least one argument must be a Tensor")
    a, b = lift(a, like), lift(b, like)
    if a.device is not b.device:
        raise RuntimeError(f"{name}: inputs are on different devices ({a.device} and {b.device})")
    return a, b


def _logical(a: Any, b: Any, name: str) -> Tensor:
    """A logical ufunc of two tensors: every nonzero value (NaN included) counts as true."""
    return _ufunc_pair(*_logic_pair(a, b, name), name)


def _ufunc_pair(a: Tensor, b: Tensor, name: str) -> Tensor:
    """The array module's ufunc ``name`` of two tensors (no gradient), shapes named on a miss."""
    try:
        return Tensor._wrap(getattr(a.xp, name)(a.data, b.data), a.device)
    except ValueError:
        raise ShapeError(
            f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together"
        ) from None


def logical_and(a: Any, b: Any) -> Tensor:
    """a and b, elementwise, with nonzero as true; a bool tensor."""
    return _logical(a, b, "logical_and")


def logical_or(a: Any, b: Any) -> Tensor:
    """a or b, elementwise, with nonzero as true; a bool tensor."""
    return _logical(a, b, "logical_or")


def logical_xor(a: Any, b: Any) -> Tensor:
    """Exactly one of a and b, elementwise, with nonzero as true; a bool tensor."""
    return _logical(a, b, "logical_xor")


def logical_not(a: Tensor) -> Tensor:
    """not a, elementwise (true where a is 0); a bool tensor."""
    if not isinstance(a, Tensor):
        raise TypeError(f"logical_not: input must be a Tensor, got {type(a).__name__}")
    return Tensor._wrap(a.xp.logical_not(a.data), a.device)


def bitwise(a: Any, b: Any, name: str) -> Tensor:
    """``a & b``, ``a | b`` or ``a ^ b`` (``name`` the NumPy ufunc) on bool or integer tensors,
    bit by bit; the result's dtype follows PyTorch's promotion (bool & bool stays bool)."""
    a, b = _logic_pair(a, b, name)
    for t in (a, b):
        if t.dtype.kind not in "biu":
            raise TypeError(f"{name}: needs bool or integer tensors, got {t.dtype}")
    if a.dtype != b.dtype:
        a, b = _promote(a, b)
    return _ufunc_pair(a, b, name)


def bitwise_and(a: Any, b: Any) -> Tensor:
    """``a & b`` bit by bit on bool or integer tensors (and, for bools)."""
    return bitwise(a, b, "bitwise_and")


def bitwise_or(a: Any, b: Any) -> Tensor:
    """``a | b`` bit by bit on bool or integer tensors (or, for bools)."""
    return bitwise(a, b, "bitwise_or")


def bitwise_xor(a: Any, b: Any) -> Tensor:
    """``a ^ b`` bit by bit on bool or integer tensors (exclusive or, for bools)."""
    return bitwise(a, b, "bitwise_xor")


def bitwise_not(a: Tensor) -> Tensor:
    """``~a``: logical not of a bool tensor, every bit flipped in an integer one (~x = -x - 1)."""
    if not isinstance(a, Tensor) or a.dtype.kind not in "biu":
        raise TypeError(
            f"bitwise_not: needs a bool or integer tensor, got "
            f"{getattr(a, 'dtype', type(a).__name__)}"
        )
    return Tensor._wrap(a.xp.invert(a.data), a.device)

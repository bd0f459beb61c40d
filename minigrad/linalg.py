"""PyTorch's ``torch.linalg`` for what a learner uses: norms, inverses, determinants, solves,
factorizations (Cholesky, symmetric eigendecomposition, SVD, QR) and a few helpers, all batched
over leading dims as PyTorch's are (``import minigrad.linalg as LA``).

Each factorization is a ``Function`` whose forward calls ``self.xp.linalg`` (NumPy or CuPy) and
whose backward is the standard matrix-calculus result, written with what arrays and Tensors
share, so second derivatives work through ``create_graph=True`` (except ``svdvals``' and
``qr``'s, see there). An op with several outputs (``eigh``, ``svd``) returns them packed in one
array along the last dim and its wrapper slices them apart, so the engine sees one output.

Singular or non-positive-definite inputs raise ``minigrad.linalg.LinAlgError``, a subclass of
both NumPy's ``numpy.linalg.LinAlgError`` and ``RuntimeError`` (PyTorch's
``torch.linalg.LinAlgError`` is a ``RuntimeError``), so ``except RuntimeError`` written for
PyTorch and ``except np.linalg.LinAlgError`` written for NumPy both catch it. CuPy's solvers
do not check, so on the GPU a non-finite result of ``inv``, ``solve`` or ``cholesky`` from a
finite input is reported the same way (a device sync, as PyTorch's CUDA solvers make).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .autograd import Function, constant
from .checks import DtypeError, ShapeError, check_bool, check_int
from .ops.linalg import MatMul, matmul
from .ops.more import cross as _cross
from .ops.more import diagonal as _diagonal
from .ops.more import movedim
from .ops.reduction import amax, amin
from .ops.reduction import norm as _norm
from .ops.shape import broadcast_to, reshape, unsqueeze
from .tensor import Tensor

__all__ = [
    "LinAlgError",
    "cholesky",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "inv",
    "matrix_norm",
    "matrix_power",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "vector_norm",
]


class LinAlgError(np.linalg.LinAlgError, RuntimeError):
    """A matrix the operation cannot take: singular (``inv``, ``solve``) or not positive
    definite (``cholesky``). PyTorch raises ``torch.linalg.LinAlgError`` (a RuntimeError)."""


class SignLogAbsDet(NamedTuple):
    """What ``slogdet`` returns, as PyTorch's ``torch.return_types.linalg_slogdet``."""

    sign: Tensor
    logabsdet: Tensor


class EigenvaluesEigenvectors(NamedTuple):
    """What ``eigh`` returns, as PyTorch's ``torch.return_types.linalg_eigh``."""

    eigenvalues: Tensor
    eigenvectors: Tensor


class USVh(NamedTuple):
    """What ``svd`` returns, as PyTorch's ``torch.return_types.linalg_svd``."""

    U: Tensor
    S: Tensor
    Vh: Tensor


class QR(NamedTuple):
    """What ``qr`` returns, as PyTorch's ``torch.return_types.linalg_qr``."""

    Q: Tensor
    R: Tensor


def _call(xp: Any, op: str, function: str, *arrays: Any, **kwargs: Any) -> Any:
    """``xp.linalg.<function>(*arrays)``, its LinAlgError turned into minigrad's."""
    try:
        result = getattr(xp.linalg, function)(*arrays, **kwargs)
    except np.linalg.LinAlgError as error:
        text = str(error).lower()
        if "positive definite" in text:
            why = "the input is not positive-definite"
        elif "singular" in text:
            why = "the input matrix is singular"
        else:
            why = str(error)
        raise LinAlgError(f"linalg.{op}: the computation could not be completed: {why}") from None
    if xp is not np and function in _CHECKED and _failed_silently(xp, result, arrays[0]):
        # CuPy's solvers do not report a singular or indefinite input: they leave inf or NaN.
        # PyTorch's CUDA ones check (a device sync, as here), so a finite input must not
        # give a non-finite answer silently.
        why = "the input is not positive-definite" if function == "cholesky" else "singular"
        raise LinAlgError(f"linalg.{op}: the computation could not be completed: {why}")
    return result


_CHECKED = ("inv", "solve", "cholesky")  # the ones NumPy raises for


def _failed_silently(xp: Any, result: Any, given: Any) -> bool:
    return not bool(xp.isfinite(result).all()) and bool(xp.isfinite(given).all())


def _t(x: Any) -> Any:
    """The transpose of the last two dims, for arrays and Tensors alike."""
    return x.swapaxes(-1, -2)


def _eye(xp: Any, n: int, like: Any) -> Any:
    """The n x n identity in ``like``'s dtype, as a constant a backward can combine with it."""
    return constant(xp.eye(n, dtype=like.dtype), like=like)


# ---- the Functions ------------------------------------------------------------------------------
class Inv(Function):
    """Z = A^-1;  dZ = -Z dA Z, so dL/dA = -Z^T G Z^T"""

    reads_inputs = ()

    def forward(self, a):
        return _call(self.xp, "inv", "inv", a)

    def backward(self, grad, z, a):
        zt = _t(z)
        return -(zt @ grad @ zt)


class Det(Function):
    """z = det(A);  dz = z tr(A^-1 dA), so dL/dA = g z A^-T (A invertible; for a singular A
    this formula fails, and so does the gradient here)"""

    def forward(self, a):
        return self.xp.linalg.det(a)

    def backward(self, grad, z, a):
        scale = (grad * z).reshape(z.shape + (1, 1))
        return scale * _t(Inv.apply(a))


class LogAbsDet(Function):
    """z = log |det(A)|;  dz = tr(A^-1 dA), so dL/dA = g A^-T"""

    reads_output = False

    def forward(self, a):
        return self.xp.linalg.slogdet(a)[1]

    def backward(self, grad, z, a):
        return grad.reshape(grad.shape + (1, 1)) * _t(Inv.apply(a))


class Solve(Function):
    """Z = A^-1 B (A X = B, B a batch of matrices);  dZ = A^-1 (dB - dA Z), so

    dL/dB = A^-T G,   dL/dA = -(A^-T G) Z^T
    """

    reads_inputs = (0,)

    def forward(self, a, b):
        return _call(self.xp, "solve", "solve", a, b)

    def backward(self, grad, z, a, b):
        gb = Solve.apply(_t(a), grad)
        return (-(gb @ _t(z)) if self.needs_input_grad[0] else None, gb)


class Cholesky(Function):
    """L = cholesky(A), A = L L^T, L lower triangular (only A's lower triangle is read).
    Murray (2016), as PyTorch's: with M = tril(L^T G) and Phi = (M + tril(M, -1)^T) / 2
    (M's lower triangle mirrored, its diagonal halved), dL/dA = L^-T Phi L^-1, symmetric."""

    reads_inputs = ()

    def forward(self, a):
        return _call(self.xp, "cholesky", "cholesky", a)

    def backward(self, grad, z, a):
        n = z.shape[-1]
        lower = constant(self.xp.tril(self.xp.ones((n, n), dtype=z.dtype)), like=grad)
        strict = constant(self.xp.tril(self.xp.ones((n, n), dtype=z.dtype), -1), like=grad)
        m = (_t(z) @ grad) * lower
        phi = (m + _t(m * strict)) * 0.5
        z_inv = Inv.apply(z)
        return _t(z_inv) @ phi @ z_inv


class Eigh(Function):
    """A = Q diag(w) Q^T for symmetric A (only its lower triangle is read), w ascending.
    Output packed as (..., n + 1, n): row 0 holds w, rows 1.. hold Q. With E_ij = w_j - w_i,
    F = 1/E off the diagonal (distinct eigenvalues) and S = (Q^T G_Q - G_Q^T Q) / 2,

        dL/dA = Q (diag(G_w) + F o S) Q^T

    (PyTorch's formula; symmetric, as S is skew and F antisymmetric).
    """

    reads_inputs = ()

    def forward(self, a):
        w, q = self.xp.linalg.eigh(a)
        return self.xp.concatenate([w[..., None, :], q], axis=-2)

    def backward(self, grad, z, a):
        n = z.shape[-1]
        w, q = z[..., 0, :], z[..., 1:, :]
        g_w, g_q = grad[..., 0, :], grad[..., 1:, :]
        eye = _eye(self.xp, n, grad)
        qtg = _t(q) @ g_q
        skew = (qtg - _t(qtg)) * 0.5
        gap = w[..., None, :] - w[..., :, None] + eye  # 1 on the diagonal: no division by 0
        inner = skew / gap * (1 - eye) + g_w[..., None, :] * eye
        return q @ inner @ _t(q)


class Svd(Function):
    """A = U diag(s) Vh, reduced (k = min(m, n)), s descending; output packed along the last
    dim as [U flattened, s, Vh flattened]. PyTorch's formula, for distinct nonzero s: with
    E_ij = s_j^2 - s_i^2 (1 on the diagonal) and skew(X) = X - X^T,

        dL/dA = U [ (skew(U^T G_U) / E) diag(s) + diag(s) (skew(Vh G_Vh^T) / E) + diag(G_s) ] Vh
                + (G_U - U U^T G_U) diag(1/s) Vh           (when m > k)
                + U diag(1/s) (G_Vh - Vh G_Vh^T Vh)         (when n > k)
    """

    reads_inputs = ()

    def forward(self, a):
        u, s, vh = self.xp.linalg.svd(a, full_matrices=False)
        self.m, self.n = a.shape[-2:]
        lead = a.shape[:-2]
        return self.xp.concatenate([u.reshape(lead + (-1,)), s, vh.reshape(lead + (-1,))], axis=-1)

    def backward(self, grad, z, a):
        m, n = a.shape[-2:]
        u, s, vh = _unpack_svd(z, m, n)
        g_u, g_s, g_vh = _unpack_svd(grad, m, n)
        k = min(m, n)
        eye = _eye(self.xp, k, grad)
        s2 = s * s
        gap = s2[..., None, :] - s2[..., :, None] + eye
        utg = _t(u) @ g_u
        vtg = vh @ _t(g_vh)
        inner = (
            (utg - _t(utg)) / gap * s[..., None, :]
            + s[..., :, None] * ((vtg - _t(vtg)) / gap)
            + g_s[..., None, :] * eye
        )
        out = u @ inner @ vh
        if m > k:
            out = out + ((g_u - u @ utg) / s[..., None, :]) @ vh
        if n > k:
            out = out + (u / s[..., None, :]) @ (g_vh - _t(vtg) @ vh)
        return out


def _unpack_svd(packed: Any, m: int, n: int) -> tuple[Any, Any, Any]:
    k = min(m, n)
    lead = packed.shape[:-1]
    u = packed[..., : m * k].reshape(lead + (m, k))
    s = packed[..., m * k : m * k + k]
    vh = packed[..., m * k + k :].reshape(lead + (k, n))
    return u, s, vh


class Pinv(Function):
    """P = pinv(A) (singular values below rtol * max(s) dropped). For A of constant rank,
    PyTorch's formula: if m <= n, with K = G^T P,

        dL/dA = -(P K)^T + K P^T - A P K P^T + P^T P (G^T - K A)

    and the transposed counterpart (K = P G^T) if m > n."""

    def forward(self, a, rtol):
        return self.xp.linalg.pinv(a, rcond=rtol)

    def backward(self, grad, z, a):
        m, n = a.shape[-2:]
        gt, zt = _t(grad), _t(z)
        if m <= n:
            k = gt @ z
            kzt = k @ zt
            return -_t(z @ k) + kzt - (a @ z) @ kzt + (zt @ z) @ (gt - k @ a)
        k = z @ gt
        ztk = zt @ k
        return -_t(k @ z) + ztk - ztk @ z @ a + (gt - a @ k) @ z @ zt


class Qr(Function):
    """A = Q R (reduced). Values only: its backward raises ``NotImplementedError``."""

    def forward(self, a):
        q, r = self.xp.linalg.qr(a, mode="reduced")
        lead = a.shape[:-2]
        return self.xp.concatenate([q.reshape(lead + (-1,)), r.reshape(lead + (-1,))], axis=-1)

    def backward(self, grad, z, a):
        raise NotImplementedError(
            "linalg.qr: no gradient in minigrad yet; compute Q and R from a tensor that does "
            "not require grad (.detach()), or use svd or cholesky"
        )


# ---- argument checks ----------------------------------------------------------------------------
def _matrices(a: Any, op: str, square: bool = True, name: str = "A") -> Tensor:
    if not isinstance(a, Tensor):
        raise TypeError(f"linalg.{op}: {name} must be a Tensor, got {type(a).__name__}")
    if a.dtype.kind != "f":
        raise DtypeError(
            f"linalg.{op}: expected a floating point tensor as input, got {a.dtype} "
            "(convert it with .float() or .double())"
        )
    if a.ndim < 2:
        raise ShapeError(
            f"linalg.{op}: {name} must have at least 2 dimensions, got shape {tuple(a.shape)}"
        )
    if square and a.shape[-1] != a.shape[-2]:
        raise ShapeError(
            f"linalg.{op}: {name} must be batches of square matrices, but they are "
            f"{a.shape[-2]} by {a.shape[-1]} matrices"
        )
    return a


# ---- norms --------------------------------------------------------------------------------------
def vector_norm(
    x: Tensor,
    ord: float = 2,
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim`` (all of ``x``, flattened, by default):
    (sum |x|^ord)^(1/ord); inf and -inf give max |x| and min |x|, 0 the count of nonzeros.
    ``dtype`` converts ``x`` first. The gradient is 0 where the norm is 0 (PyTorch's)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vector_norm: x must be a Tensor, got {type(x).__name__}")
    if isinstance(ord, str) or isinstance(ord, bool):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if dtype is not None:
        x = x.astype(dtype)
    if x.dtype.kind != "f":
        raise DtypeError(
            f"linalg.vector_norm: expected a floating point tensor as input, got {x.dtype}"
        )
    dims = tuple(dim) if isinstance(dim, Sequence) else dim
    if dims == ():  # PyTorch's: an empty dim means all of them
        dims = None
    return _norm(x, float(ord), dims, keepdim)


_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def matrix_norm(
    A: Tensor,
    ord: float | str = "fro",
    dim: tuple[int, int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """The matrix norm of the matrices spanned by the two dims ``dim``:

    'fro'  sqrt(sum A_ij^2)             'nuc'  sum of the singular values
    inf    max row sum of |A|           -inf   min row sum of |A|
    1      max column sum of |A|        -1     min column sum of |A|
    2      largest singular value       -2     smallest singular value
    """
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.matrix_norm: A must be a Tensor, got {type(A).__name__}")
    if dtype is not None:
        A = A.astype(dtype)
    if ord not in _MATRIX_ORDS or isinstance(ord, bool):
        raise ValueError(
            f"linalg.matrix_norm: ord must be one of 'fro', 'nuc', inf, -inf, 1, -1, 2, -2; "
            f"got {ord!r}"
        )
    _matrices(A, "matrix_norm", square=False)
    keepdim = check_bool("linalg.matrix_norm", "keepdim", keepdim)
    if not isinstance(dim, Sequence) or len(dim) != 2:
        raise ValueError(f"linalg.matrix_norm: dim must be a 2-tuple of ints, got {dim!r}")
    d0, d1 = (check_int("linalg.matrix_norm", "dim", d) for d in dim)
    rows, cols = (d % A.ndim if -A.ndim <= d < A.ndim else None for d in (d0, d1))
    if rows is None or cols is None:
        from .checks import DimError

        raise DimError(
            f"linalg.matrix_norm: dim {dim} out of range for a tensor of {A.ndim} dimensions"
        )
    if rows == cols:
        raise ValueError(f"linalg.matrix_norm: dims must be different, got {dim!r}")
    if ord == "fro":
        return _norm(A, 2.0, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(movedim(A, (rows, cols), (-2, -1)))
        out = s.sum(-1) if ord == "nuc" else amax(s, -1) if ord == 2 else amin(s, -1)
        if keepdim:
            for d in sorted((rows, cols)):
                out = unsqueeze(out, d)
        return out
    from .ops.elementwise import abs as _abs

    # inf: sum along the row (over columns), extreme over rows; 1: the other way round
    summed, extreme = (cols, rows) if ord in (math.inf, -math.inf) else (rows, cols)
    sums = _abs(A).sum(summed, keepdim=True)
    pick = amax if ord in (math.inf, 1) else amin
    out = pick(sums, extreme, keepdim=True)
    return out if keepdim else out.squeeze((rows, cols))


def norm(
    A: Tensor,
    ord: float | str | None = None,
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """PyTorch's dispatch: a vector norm over one dim (``dim`` an int), a matrix norm over two;
    without ``dim``, the 2-norm of the flattened input if ``ord`` is None, else a vector norm
    of a 1-D input or a matrix norm of a 2-D one."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.norm: A must be a Tensor, got {type(A).__name__}")
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 1:
            if isinstance(ord, str):
                raise ValueError(f"linalg.norm: ord {ord!r} is a matrix norm; dim names one dim")
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        raise ValueError(f"linalg.norm: dim must name 1 or 2 dims, got {dim!r}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        if isinstance(ord, str):
            raise ValueError(f"linalg.norm: ord {ord!r} is a matrix norm; the input is 1-D")
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise ValueError(
        f"linalg.norm: if dim is not given but ord is, the input must be 1-D or 2-D, got {A.ndim}-D"
    )


# ---- inverses, determinants, solves -------------------------------------------------------------
def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix in ``A``; ``LinAlgError`` if one is singular."""
    return Inv.apply(_matrices(A, "inv"))


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix in ``A`` (shape ``A.shape[:-2]``)."""
    return Det.apply(_matrices(A, "det"))


def slogdet(A: Tensor) -> SignLogAbsDet:
    """(sign, log |det|) of each square matrix in ``A``, stable where det would overflow. The
    sign gets no gradient; a singular matrix gives sign 0 and logabsdet -inf."""
    A = _matrices(A, "slogdet")
    sign = Tensor._wrap(A.xp.linalg.slogdet(A.data)[0], A.device)
    return SignLogAbsDet(sign, LogAbsDet.apply(A))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (``left=False``: X A = B), batch dims broadcast. B may be a vector (or a
    batch of vectors, shape ``A.shape[:-1]``), as PyTorch's."""
    A = _matrices(A, "solve")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve: B must be a Tensor, got {type(B).__name__}")
    if B.dtype != A.dtype:
        raise DtypeError(
            f"linalg.solve: A and B must have the same dtype, got {A.dtype} and {B.dtype}"
        )
    n = A.shape[-1]
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if vector:
        if not left:
            raise ShapeError("linalg.solve: left=False needs B to be a matrix, got a vector")
        B = unsqueeze(B, -1)
    if B.ndim < 2 or B.shape[-2 if left else -1] != n:
        raise ShapeError(
            f"linalg.solve: incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{n} and "
            f"{B.shape[-2] if B.ndim > 1 else ''}x{B.shape[-1]})"
        )
    try:
        lead = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"linalg.solve: batch shapes {A.shape[:-2]} and {B.shape[:-2]} cannot be broadcast"
        ) from None
    A = broadcast_to(A, lead + A.shape[-2:])
    B = broadcast_to(B, lead + B.shape[-2:])
    if left:
        out = Solve.apply(A, B)
    else:  # X A = B  <=>  A^T X^T = B^T
        out = Solve.apply(A.swapaxes(-1, -2), B.swapaxes(-1, -2)).swapaxes(-1, -2)
    return out.squeeze(-1) if vector else out


def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n by repeated squaring; n = 0 gives the identity, n < 0 powers of ``inv(A)``."""
    A = _matrices(A, "matrix_power")
    n = check_int("linalg.matrix_power", "n", n)
    if n == 0:
        eye = A.xp.broadcast_to(A.xp.eye(A.shape[-1], dtype=A.dtype), A.shape).copy()
        return Tensor._wrap(eye, A.device)
    base = inv(A) if n < 0 else A
    n = abs(n)
    result = None
    while True:
        if n & 1:
            result = base if result is None else MatMul.apply(result, base)
        n >>= 1
        if not n:
            break
        base = MatMul.apply(base, base)
    assert result is not None  # n >= 1 here, so the loop multiplied at least once
    return result


def pinv(A: Tensor, *, rtol: float | None = None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse, from the SVD: singular values at most
    ``rtol * max(s)`` count as 0 (rtol defaults to max(m, n) * eps, PyTorch's). Its gradient
    holds where the rank does not change under small perturbations (full rank, say)."""
    A = _matrices(A, "pinv", square=False)
    check_bool("linalg.pinv", "hermitian", hermitian)
    if rtol is None:
        rtol = max(A.shape[-2:]) * float(np.finfo(A.dtype).eps)
    return Pinv.apply(A, rtol=float(rtol))


# ---- factorizations -----------------------------------------------------------------------------
def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L, lower triangular with positive diagonal, such that A = L L^T, for symmetric positive
    definite A (only its lower triangle is read); ``upper=True`` gives L^T.
    ``LinAlgError`` if a matrix is not positive definite."""
    L = Cholesky.apply(_matrices(A, "cholesky"))
    return L.swapaxes(-1, -2) if check_bool("linalg.cholesky", "upper", upper) else L


def eigh(A: Tensor, UPLO: str = "L") -> EigenvaluesEigenvectors:
    """(eigenvalues ascending, eigenvectors as columns) of symmetric matrices, from their lower
    triangle (``UPLO='U'``: the upper one). Gradients hold for distinct eigenvalues, and only
    for losses that do not depend on each eigenvector's sign (as in PyTorch)."""
    A = _matrices(A, "eigh")
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    packed = Eigh.apply(A if UPLO == "L" else A.swapaxes(-1, -2))
    return EigenvaluesEigenvectors(packed[..., 0, :], packed[..., 1:, :])


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of symmetric matrices, ascending (``eigh``'s first output)."""
    return eigh(A, UPLO).eigenvalues


def svd(A: Tensor, full_matrices: bool = True) -> USVh:
    """A = U diag(S) Vh, S descending. Only the reduced form (``full_matrices=False``) is
    available: U is (m, k), Vh (k, n), k = min(m, n); a square input gives the same either way.
    Gradients hold for distinct, nonzero singular values and sign-independent losses."""
    A = _matrices(A, "svd", square=False)
    m, n = A.shape[-2:]
    if full_matrices and m != n:
        raise NotImplementedError(
            "linalg.svd: full_matrices=True is not supported for non-square inputs in "
            "minigrad; pass full_matrices=False (PyTorch recommends it too)"
        )
    u, s, vh = _unpack_svd(Svd.apply(A), m, n)
    return USVh(u, s, vh)


def svdvals(A: Tensor) -> Tensor:
    """The singular values of each matrix in ``A``, descending (``svd``'s S)."""
    return svd(A, full_matrices=False).S


def qr(A: Tensor, mode: str = "reduced") -> QR:
    """A = Q R, Q with orthonormal columns, R upper triangular (``mode='reduced'`` only).
    Values only: a backward through it raises ``NotImplementedError``."""
    A = _matrices(A, "qr", square=False)
    if mode != "reduced":
        raise NotImplementedError(f"linalg.qr: only mode='reduced' is supported, got {mode!r}")
    m, n = A.shape[-2:]
    k = min(m, n)
    packed = Qr.apply(A)
    lead = A.shape[:-2]
    return QR(
        reshape(packed[..., : m * k], lead + (m, k)), reshape(packed[..., m * k :], lead + (k, n))
    )


# ---- helpers ------------------------------------------------------------------------------------
def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (default the last), the inputs broadcast."""
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input.ndim != other.ndim:
        raise ShapeError(
            f"linalg.cross: inputs must have the same number of dimensions, got shapes "
            f"{tuple(input.shape)} and {tuple(other.shape)}"
        )
    return _cross(input, other, dim=dim)


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of two or more matrices, left to right; the first may be a 1-D row vector
    and the last a 1-D column vector (then those dims are dropped), as PyTorch's."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError("linalg.multi_dot: expected a list or tuple of Tensors")
    if len(tensors) < 2:
        raise ValueError(f"linalg.multi_dot: expected at least 2 tensors, got {len(tensors)}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"linalg.multi_dot: tensor {i} is a {type(t).__name__}")
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.ndim not in allowed:
            raise ShapeError(
                f"linalg.multi_dot: tensor {i} must be "
                f"{' or '.join(f'{d}D' for d in allowed)}, got {t.ndim}D"
            )
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of the matrices in ``A`` (``torch.diagonal`` with the last two dims)."""
    return _diagonal(A, offset, dim1, dim2)

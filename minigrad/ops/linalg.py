"""Linear algebra: matrix multiplication, batched and broadcasting like NumPy's ``@``."""

from __future__ import annotations

from typing import Any

from ..autograd import BroadcastTo, Function
from ..checks import ShapeError
from ..tensor import Tensor
from .elementwise import lift
from .reduction import column_sums
from .shape import reshape


class MatMul(Function):
    """Z = A @ B (over the last two axes, batch axes broadcast);  dA = dZ @ B^T, dB = A^T @ dZ

    The engine sums each gradient back over any broadcast batch axes.
    """

    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, a, b):
        return a @ b

    def backward(self, grad, z, a, b):
        return (
            grad @ b.swapaxes(-1, -2) if self.needs_input_grad[0] else None,
            a.swapaxes(-1, -2) @ grad if self.needs_input_grad[1] else None,
        )


class Einsum(Function):
    """z = einsum(equation, a_1, ..., a_m): products of the operands' elements, summed over
    every index the output does not keep;

        dz/da_k applied to g = einsum(g, the other operands -> a_k's indices)

    because z is linear in each operand: its gradient multiplies g by all the other operands
    and sums over every index that a_k does not have. An index that only a_k has (summed away
    inside a_k alone) appears in neither g nor the others: the gradient is the same along it,
    so it is computed without that index and broadcast along it.
    """

    reads_inputs = None  # each operand's gradient reads all the others
    reads_output = False

    def forward(self, *operands, subscripts, output):
        self.subscripts, self.output = subscripts, output
        equation = ",".join(subscripts) + "->" + output
        return self.xp.einsum(equation, *operands)

    def backward(self, grad, z, *operands):
        grads = []
        for k, (operand, indices) in enumerate(zip(operands, self.subscripts)):
            if not self.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [j for j in range(len(operands)) if j != k]
            reached = set(self.output).union(*(self.subscripts[j] for j in others))
            kept = "".join(c for c in indices if c in reached)
            g = Einsum.apply(
                grad,
                *(operands[j] for j in others),
                subscripts=(self.output, *(self.subscripts[j] for j in others)),
                output=kept,
            )
            if kept != indices:  # put back, as size-1 axes, the indices only a_k has
                g = BroadcastTo.apply(
                    g.reshape(
                        tuple(n if c in reached else 1 for c, n in zip(indices, operand.shape))
                    ),
                    shape=operand.shape,
                )
            grads.append(g)
        return grads


class AddMatMul(Function):
    """Z = C + A @ B (C broadcast to the product's shape, as PyTorch's ``addmm``/``baddbmm``);
    dC = dZ, dA = dZ @ B^T, dB = A^T @ dZ

    One op rather than a matmul and an add: C is added into the product's own fresh array, so
    there is no second array of the product's size (conv2d's bias is C). The engine sums dC
    back over the axes C was broadcast along. Measured gain (docs/performance.md): the CNN step
    went from 1.08-1.12x to 0.94-0.97x of the NumPy floor, with 13% fewer page faults.
    """

    reads_inputs = (1, 2)
    reads_output = False

    def forward(self, c, a, b):
        return _add_into(a @ b, c)

    def backward(self, grad, z, c, a, b):
        needs = self.needs_input_grad
        return (
            grad if needs[0] else None,
            grad @ b.swapaxes(-1, -2) if needs[1] else None,
            a.swapaxes(-1, -2) @ grad if needs[2] else None,
        )


class Linear(Function):
    """Y = X W^T + b, for X (N, in), W (out, in), b (out,) or no bias

        dX = dY W,   dW = dY^T X,   db = sum of dY over the batch = ones^T dY

    One Function rather than a transpose, a matmul and an add: the same matrix products, but
    each gradient comes out as a fresh array in its parameter's layout, so ``.grad`` adopts it
    without a copy (with the adoption rule, MLP peak memory fell from 1.56x to 0.81x of the
    NumPy floor; docs/performance.md). On the CPU the bias gradient is a product with a vector
    of ones (``column_sums``): NumPy sums the rows of a tall, narrow dY one row at a time.
    """

    reads_inputs = (0, 1)
    reads_output = False

    def forward(self, x, weight, bias=None):
        out = x @ weight.T
        return out if bias is None else _add_into(out, bias)

    def backward(self, grad, y, x, weight, bias=None):
        needs = self.needs_input_grad
        return (
            grad @ weight if needs[0] else None,
            grad.T @ x if needs[1] else None,
            column_sums(grad) if len(needs) > 2 and needs[2] else None,
        )


def _add_into(product: Any, c: Any) -> Any:
    """product + c, written into ``product`` (a fresh array the op owns) when that gives the same
    result, i.e. when the dtypes agree; otherwise a new array with NumPy's type promotion (an
    integer product plus a float bias is float, a float32 one plus float64 is float64)."""
    if c.dtype != product.dtype:
        return product + c
    product += c
    return product


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product. 1-D inputs act as a row (left) or a column (right), as in NumPy."""
    if not isinstance(a, Tensor):
        a = lift(a, b)
    if not isinstance(b, Tensor):
        b = lift(b, a)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: {a.shape} @ {b.shape}: 0-d tensors have no matrix product")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise ShapeError(
            f"matmul: {a.shape} @ {b.shape}: inner dimensions {a.shape[-1]} and "
            f"{b.shape[-2 if b.ndim > 1 else 0]} differ"
        )
    if a.ndim == 1:  # a row vector: (n,) -> (1, n), then drop that axis again
        out = matmul(reshape(a, (1, a.shape[0])), b)
        return reshape(out, out.shape[:-2] + out.shape[-1:] if b.ndim > 1 else ())
    if b.ndim == 1:  # a column vector: (n,) -> (n, 1)
        return reshape(matmul(a, reshape(b, (b.shape[0], 1))), a.shape[:-1])
    try:
        return MatMul.apply(a, b)
    except ValueError:
        raise ShapeError(
            f"matmul: {a.shape} @ {b.shape}: batch dimensions {a.shape[:-2]} and "
            f"{b.shape[:-2]} cannot be broadcast together"
        ) from None


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product of (B, n, m) and (B, m, p) tensors: (B, n, p). No broadcasting,
    as PyTorch's (``matmul`` broadcasts)."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"bmm: needs two Tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.ndim != 3 or b.ndim != 3:
        raise ShapeError(f"bmm: needs two 3-d tensors, got shapes {a.shape} and {b.shape}")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise ShapeError(
            f"bmm: {a.shape} @ {b.shape}: needs (B, n, m) @ (B, m, p), the same B and m"
        )
    return MatMul.apply(a, b)


def addmm(input: Any, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2), with ``input`` broadcast to the product's (n, p).

    As in PyTorch, beta = 0 ignores ``input`` altogether (a NaN in it does not spread). The
    common case, beta = alpha = 1, is one op that adds ``input`` into the product's array.
    """
    from ..checks import check_number

    beta = check_number("addmm", "beta", beta)
    alpha = check_number("addmm", "alpha", alpha)
    if not isinstance(mat1, Tensor) or not isinstance(mat2, Tensor):
        raise TypeError("addmm: mat1 and mat2 must be Tensors")
    if mat1.ndim != 2 or mat2.ndim != 2 or mat1.shape[1] != mat2.shape[0]:
        raise ShapeError(
            f"addmm: mat1 and mat2 must be (n, m) and (m, p), got {mat1.shape} and {mat2.shape}"
        )
    input = lift(input, mat1)
    shape = (mat1.shape[0], mat2.shape[1])
    if input.ndim > 2 or any(
        n != m and n != 1 for n, m in zip(reversed(input.shape), reversed(shape))
    ):
        raise ShapeError(f"addmm: input of shape {input.shape} cannot be broadcast to {shape}")
    if beta == 1 and alpha == 1 and input.dtype == mat1.dtype:
        return AddMatMul.apply(input, mat1, mat2)
    product = MatMul.apply(mat1, mat2)
    if alpha != 1:
        product = product * alpha
    return product if beta == 0 else product + input * beta


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, as ``torch.einsum``: ``einsum('ij,jk->ik', a, b)`` is a @ b,
    ``einsum('bij->bji', x)`` a transpose, ``einsum('i,i->', u, v)`` a dot product. Without
    '->' the output keeps, in alphabetical order, the indices that appear once. Operands may
    also come as one list. Not supported here: '...' and an index repeated within one operand
    (a diagonal, as in 'ii->i'); use ``diag`` and ``trace`` for those.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a string, got {type(equation).__name__}")
    if not operands or not all(isinstance(t, Tensor) for t in operands):
        raise TypeError("einsum: operands must be one or more Tensors")
    text = equation.replace(" ", "")
    if "." in text:
        raise ValueError(f"einsum: '...' is not supported, got {equation!r}")
    left, arrow, output = text.partition("->")
    subscripts = left.split(",")
    if len(subscripts) != len(operands):
        raise ValueError(
            f"einsum: {equation!r} names {len(subscripts)} operands, got {len(operands)}"
        )
    sizes: dict[str, int] = {}
    for position, (indices, operand) in enumerate(zip(subscripts, operands)):
        if not indices.isalpha() and indices:
            raise ValueError(f"einsum: subscripts must be letters, got {indices!r} in {equation!r}")
        if len(indices) != operand.ndim:
            raise ShapeError(
                f"einsum: operand {position} has {operand.ndim} dims (shape {operand.shape}) "
                f"but {indices!r} names {len(indices)}"
            )
        if len(set(indices)) != len(indices):
            raise ValueError(
                f"einsum: index repeated within operand {position} ({indices!r}): diagonals "
                "are not supported; use diag or trace"
            )
        for letter, size in zip(indices, operand.shape):
            if sizes.setdefault(letter, size) != size:
                raise ShapeError(
                    f"einsum: index {letter!r} has size {sizes[letter]} in one operand and "
                    f"{size} in operand {position}"
                )
    if not arrow:  # implicit output: the indices seen once, in alphabetical order
        counts = "".join(subscripts)
        output = "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    if not (output.isalpha() or not output) or len(set(output)) != len(output):
        raise ValueError(f"einsum: output {output!r} must be distinct letters")
    for letter in output:
        if letter not in sizes:
            raise ValueError(f"einsum: output index {letter!r} is in no operand of {equation!r}")
    device = operands[0].device
    for operand in operands[1:]:
        if operand.device is not device:
            raise RuntimeError(
                f"einsum: operands are on different devices ({device}, {operand.device})"
            )
    return Einsum.apply(*operands, subscripts=tuple(subscripts), output=output)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """The outer product of two 1-D tensors: out[i, j] = a[i] * b[j] (PyTorch's ``outer``)."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or a.ndim != 1 or b.ndim != 1:
        raise ShapeError(
            f"outer: needs two 1-D tensors, got shapes {getattr(a, 'shape', a)} and "
            f"{getattr(b, 'shape', b)}"
        )
    return reshape(a, (a.shape[0], 1)) * reshape(b, (1, b.shape[0]))


def dot(a: Tensor, b: Tensor) -> Tensor:
    """sum_i a[i] * b[i] for two 1-D tensors of one length (PyTorch's ``dot``: no broadcasting,
    no matrices; ``matmul`` does those)."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or a.ndim != 1 or b.ndim != 1:
        raise ShapeError(
            f"dot: needs two 1-D tensors, got shapes {getattr(a, 'shape', a)} and "
            f"{getattr(b, 'shape', b)}"
        )
    if a.shape != b.shape:
        raise ShapeError(f"dot: the tensors have lengths {a.shape[0]} and {b.shape[0]}")
    return matmul(a, b)

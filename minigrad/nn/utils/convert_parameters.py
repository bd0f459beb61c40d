"""All the parameters as one flat vector, and back: PyTorch's ``parameters_to_vector`` and
``vector_to_parameters``, for methods that see a model's weights as one point in R^n (a line
search, a second-order method, weight averaging, a Hessian-vector product).

    theta = parameters_to_vector(model.parameters())    # (n,), differentiable
    vector_to_parameters(theta - lr * g, model.parameters())   # back into the weights

The order is the order of the iterable (``model.parameters()``: named_parameters order), each
parameter flattened in row-major (C) order, as PyTorch's ``view(-1)``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...autograd import mark_written
from ...checks import ShapeError
from ...ops.shape import concatenate
from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D Tensor holding every parameter, flattened and concatenated in order.

    It is computed from the parameters, so a loss of it backpropagates into each of them (the
    gradient of entry k goes to the parameter entry it was copied from).
    """
    tensors = _tensors("parameters_to_vector", parameters)
    if not tensors:
        raise ValueError("parameters_to_vector: parameters is empty; there is nothing to join")
    return concatenate([tensor.reshape(-1) for tensor in tensors], 0)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Put the consecutive pieces of the 1-D ``vec`` into ``parameters`` as their new values.

    As PyTorch's, this replaces each parameter's array by a view of ``vec`` (no gradient is
    recorded; writing into ``vec`` later writes into the parameters too), and entries of
    ``vec`` beyond the parameters' total size are ignored.
    """
    owner = "vector_to_parameters"
    if not isinstance(vec, Tensor):
        raise TypeError(f"{owner}: vec must be a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"{owner}: vec must be 1-D, got shape {vec.shape}")
    tensors = _tensors(owner, parameters)
    needed = sum(tensor.numel() for tensor in tensors)
    if vec.shape[0] < needed:
        raise ShapeError(
            f"{owner}: vec has {vec.shape[0]} entries but the parameters need {needed}"
        )
    start = 0
    for tensor in tensors:
        if tensor.device is not vec.device:
            raise RuntimeError(
                f"{owner}: vec is on {vec.device} and a parameter on {tensor.device}; "
                "move one of them first"
            )
        tensor.data = vec.data[start : start + tensor.numel()].reshape(tensor.shape)
        mark_written(tensor)  # a graph that read the old values cannot backward through them now
        start += tensor.numel()


def _tensors(owner: str, parameters: Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]  # PyTorch takes a single tensor too
    tensors = list(parameters)
    for position, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            raise TypeError(
                f"{owner}: parameters must be Tensors (model.parameters()); item {position} "
                f"is a {type(tensor).__name__}"
            )
    return tensors

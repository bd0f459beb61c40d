"""PyTorch's ``torch.nn.utils``, at the same paths: gradient clipping (``clip_grad.py``),
parameters as one flat vector and back (``convert_parameters.py``), and padding a batch of
sequences of different lengths (``rnn.py``, as ``nn.utils.rnn.pad_sequence``)."""

from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "rnn", "vector_to_parameters",
]  # fmt: skip

"""PyTorch's ``torch.nn.utils.rnn.pad_sequence``: a batch of sequences of different lengths as
one tensor, the short ones filled with ``padding_value``, ready for an RNN or attention (with a
mask that marks the padding). Packed sequences (``pack_padded_sequence``) are not in minigrad.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...checks import ShapeError, check_bool, check_choice, check_number
from ...ops.shape import pad, stack
from ...tensor import Tensor

__all__ = ["pad_sequence"]


def pad_sequence(
    sequences: Sequence[Tensor] | Tensor,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack tensors of shapes (L_i, *) into one of shape (L, B, *), or (B, L, *) with
    ``batch_first=True``, where L = max L_i and B the number of sequences.

    Each sequence is padded along its first dim with ``padding_value`` up to L: after its
    values (``padding_side='right'``, the default) or before them (``'left'``). The result is
    computed from the sequences, so gradients flow back to each of them (the padding gets none).
    """
    owner = "pad_sequence"
    batch_first = check_bool(owner, "batch_first", batch_first)
    padding_value = check_number(owner, "padding_value", padding_value, allow_inf=True)
    padding_side = check_choice(owner, "padding_side", padding_side, ("right", "left"))
    sequences = list(sequences)  # a Tensor: its rows, as PyTorch iterates it
    if not sequences:
        raise ValueError(f"{owner}: sequences is empty; give at least one tensor")
    for position, sequence in enumerate(sequences):
        if not isinstance(sequence, Tensor) or sequence.ndim == 0:
            raise TypeError(
                f"{owner}: each sequence must be a Tensor of at least one dim (length first); "
                f"item {position} is {type(sequence).__name__}"
                + (" of 0 dims" if isinstance(sequence, Tensor) else "")
            )
        if sequence.shape[1:] != sequences[0].shape[1:]:
            raise ShapeError(
                f"{owner}: every sequence must have the shape of item 0 after the length dim, "
                f"{sequences[0].shape[1:]}; item {position} has {sequence.shape[1:]}"
            )
    longest = max(sequence.shape[0] for sequence in sequences)
    padded = []
    for sequence in sequences:
        missing = longest - sequence.shape[0]
        where = (0, missing) if padding_side == "right" else (missing, 0)
        padded.append(pad(sequence, [where] + [(0, 0)] * (sequence.ndim - 1), padding_value))
    return stack(padded, 0 if batch_first else 1)

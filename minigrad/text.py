"""Text for language models: a bundled corpus of first names, a character tokenizer, and a
dataset of (context, next token) blocks.

A character-level language model reads a text one character at a time and predicts the next
one. The steps, each a few lines here:

    names = load_names()                              # 5,163 first names, "aaron" ... "zulma"
    text = "\\n".join(names) + "\\n"                    # one stream; "\\n" ends every name
    tokenizer = CharTokenizer(text)                   # 27 symbols: "\\n" and a-z
    ids = tokenizer.encode(text)                      # int64 array, one id per character
    dataset = NextTokenDataset(ids, block_size=8)     # ids[i:i+8] -> ids[i+1:i+9]
    loader = DataLoader(dataset, batch_size=64, shuffle=True)

Item i of the dataset is a block of ``block_size`` tokens and the same block moved one token on:
target j is the token that follows input j, so one block trains a model on ``block_size``
predictions at once, each from the tokens before it (all of them for an RNN or a transformer,
the last few for a bigram table or an MLP over a window).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .backend import to_host
from .checks import check_int
from .data import Dataset
from .tensor import Tensor

__all__ = ["CharTokenizer", "NextTokenDataset", "load_names"]

_NAMES_FILE = Path(__file__).parent / "datasets" / "first_names.txt"


def load_names() -> list[str]:
    """The 5,163 distinct first names of the 1990 US Census name lists, lower case, a-z only,
    in alphabetical order (2 to 11 letters; 30,959 letters in all).

    They ship inside minigrad (``minigrad/datasets/first_names.txt``, no download); the lists
    are public domain (``datasets/ATTRIBUTION.md`` tells where they come from). Names suit a
    first language model: short sequences over 26 letters that a small model learns in seconds,
    and samples anyone can judge ("does this sound like a name?").
    """
    return _NAMES_FILE.read_text(encoding="ascii").split()


class CharTokenizer:
    """Characters <-> integer ids, over the characters of ``text`` in sorted order.

    ``vocab[i]`` is the character with id i; ``encode`` maps a string to an int64 array of ids,
    ``decode`` maps ids (a list, an array or a Tensor) back to a string. A character that is not
    in the vocabulary is an error, not silently dropped.
    """

    def __init__(self, text: str | Iterable[str]) -> None:
        characters = set(text) if isinstance(text, str) else set("".join(text))
        if not characters:
            raise ValueError("CharTokenizer: the text is empty, so there is no vocabulary")
        self.vocab: list[str] = sorted(characters)
        self.stoi: dict[str, int] = {char: i for i, char in enumerate(self.vocab)}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def __len__(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> np.ndarray:
        """The id of each character of ``text``, as an int64 array of shape (len(text),)."""
        if not isinstance(text, str):
            raise TypeError(f"CharTokenizer.encode: expected a str, got {type(text).__name__}")
        try:
            return np.array([self.stoi[char] for char in text], dtype=np.int64)
        except KeyError as error:
            raise ValueError(
                f"CharTokenizer.encode: character {error.args[0]!r} is not in the vocabulary "
                f"{''.join(self.vocab)!r}"
            ) from None

    def decode(self, ids: Any) -> str:
        """The characters of ``ids`` (integers in [0, vocab_size)) joined into a string."""
        if isinstance(ids, Tensor):
            ids = ids.numpy()
        ids = np.asarray(ids) if isinstance(ids, (list, tuple, int)) else to_host(ids)
        if ids.size and ids.dtype.kind not in "iu":
            raise TypeError(f"CharTokenizer.decode: ids must be integers, got {ids.dtype}")
        flat = ids.reshape(-1).astype(np.int64)
        bad = flat[(flat < 0) | (flat >= len(self.vocab))]
        if bad.size:
            raise ValueError(
                f"CharTokenizer.decode: id {int(bad[0])} is outside [0, {len(self.vocab) - 1}]"
            )
        return "".join(self.vocab[i] for i in flat)

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={len(self.vocab)}, vocab={''.join(self.vocab)!r})"


class NextTokenDataset(Dataset):
    """Blocks of a token stream for next-token prediction: item i is

        (tokens[i : i + block_size], tokens[i + 1 : i + block_size + 1])

    two int64 arrays of ``block_size`` ids: the inputs, and for each input the token after it.
    Every start position is an item, so there are len(tokens) - block_size of them.
    """

    def __init__(self, tokens: Any, block_size: int) -> None:
        self.block_size = check_int("NextTokenDataset", "block_size", block_size, low=1)
        tokens = tokens.numpy() if isinstance(tokens, Tensor) else np.asarray(tokens)
        if tokens.ndim != 1 or (tokens.size and tokens.dtype.kind not in "iu"):
            raise TypeError(
                f"NextTokenDataset: tokens must be a 1-D array of integer ids, got "
                f"{tokens.ndim}-d {tokens.dtype}"
            )
        if len(tokens) <= block_size:
            raise ValueError(
                f"NextTokenDataset: {len(tokens)} tokens make no block of block_size="
                f"{block_size} and its next token; give at least {block_size + 1}"
            )
        self.tokens = tokens.astype(np.int64)

    def __len__(self) -> int:
        return len(self.tokens) - self.block_size

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        index = check_int("NextTokenDataset", "index", index, low=-len(self), high=len(self) - 1)
        start = index % len(self)
        block = self.tokens[start : start + self.block_size + 1]
        return block[:-1], block[1:]

    def __repr__(self) -> str:
        return f"NextTokenDataset({len(self)} blocks, block_size={self.block_size})"

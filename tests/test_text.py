"""The bundled names, the character tokenizer and the next-token dataset."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader
from minigrad.text import CharTokenizer, NextTokenDataset, load_names


def test_the_names_are_the_documented_corpus():
    names = load_names()
    assert len(names) == 5163 and len(set(names)) == 5163
    assert names == sorted(names) and names[0] == "aaron" and names[-1] == "zulma"
    assert sum(map(len, names)) == 30959
    assert {len(name) for name in names} == set(range(2, 12))
    assert set("".join(names)) == set("abcdefghijklmnopqrstuvwxyz")
    assert {"mary", "james", "linda"} <= set(names)


def test_the_tokenizer_round_trips_and_sorts_its_vocabulary():
    tokenizer = CharTokenizer("hello\nworld\n")
    assert tokenizer.vocab == ["\n", "d", "e", "h", "l", "o", "r", "w"]
    assert tokenizer.vocab_size == len(tokenizer) == 8
    ids = tokenizer.encode("hello\n")
    assert ids.dtype == np.int64
    np.testing.assert_array_equal(ids, [3, 2, 4, 4, 5, 0])
    assert tokenizer.decode(ids) == "hello\n"
    assert tokenizer.decode([7, 5, 6, 4, 1]) == "world"
    assert tokenizer.decode(mg.tensor(ids)) == "hello\n"  # a Tensor on any device
    assert tokenizer.decode(np.zeros((0,), dtype=np.int64)) == ""
    assert CharTokenizer(["ab", "ba", "c"]).vocab == ["a", "b", "c"]  # from a list of words


def test_the_tokenizer_refuses_what_it_cannot_represent():
    tokenizer = CharTokenizer("abc")
    with pytest.raises(ValueError, match=r"character 'z' is not in the vocabulary 'abc'"):
        tokenizer.encode("abz")
    with pytest.raises(ValueError, match=r"id 3 is outside \[0, 2\]"):
        tokenizer.decode([0, 3])
    with pytest.raises(ValueError, match=r"id -1 is outside"):
        tokenizer.decode([-1])
    with pytest.raises(TypeError, match="ids must be integers"):
        tokenizer.decode(np.array([0.5]))
    with pytest.raises(TypeError, match="expected a str"):
        tokenizer.encode(["a"])
    with pytest.raises(ValueError, match="the text is empty"):
        CharTokenizer("")


def test_each_block_is_followed_by_its_next_tokens():
    tokens = np.arange(10) * 3
    dataset = NextTokenDataset(tokens, block_size=4)
    assert len(dataset) == 6
    x, y = dataset[0]
    np.testing.assert_array_equal(x, [0, 3, 6, 9])
    np.testing.assert_array_equal(y, [3, 6, 9, 12])
    x, y = dataset[-1]  # the last block ends with the stream's last token as a target
    np.testing.assert_array_equal(x, [15, 18, 21, 24])
    np.testing.assert_array_equal(y, [18, 21, 24, 27])
    assert x.dtype == y.dtype == np.int64
    with pytest.raises(ValueError, match="index must be an integer in"):
        dataset[6]


def test_the_dataset_refuses_a_stream_too_short_or_not_of_ids():
    with pytest.raises(ValueError, match="3 tokens make no block of block_size=3"):
        NextTokenDataset([1, 2, 3], block_size=3)
    with pytest.raises(ValueError, match="block_size must be an integer >= 1, got 0"):
        NextTokenDataset([1, 2, 3], block_size=0)
    with pytest.raises(TypeError, match="1-D array of integer ids, got 1-d float64"):
        NextTokenDataset([0.5, 1.5, 2.5], block_size=1)


def test_a_data_loader_batches_the_blocks_for_a_language_model():
    names = load_names()[:50]
    text = "\n".join(names) + "\n"
    tokenizer = CharTokenizer(text)
    dataset = NextTokenDataset(tokenizer.encode(text), block_size=8)
    mg.manual_seed(0)
    inputs, targets = next(iter(DataLoader(dataset, batch_size=16, shuffle=True)))
    assert inputs.shape == targets.shape == (16, 8) and inputs.dtype == np.int64
    np.testing.assert_array_equal(inputs.numpy()[:, 1:], targets.numpy()[:, :-1])
    assert tokenizer.decode(inputs[0]) in text

"""``minigrad.nn.utils`` at PyTorch's paths: parameters_to_vector / vector_to_parameters and
``nn.utils.rnn.pad_sequence``. Expected values built by hand with NumPy."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils.rnn import pad_sequence


def test_parameters_to_vector_is_the_flat_concatenation_and_backpropagates():
    lin = nn.Linear(3, 2, dtype=mg.float64)
    vec = nn.utils.parameters_to_vector(lin.parameters())
    expected = np.concatenate([lin.weight.numpy().ravel(), lin.bias.numpy()])
    np.testing.assert_array_equal(vec.numpy(), expected)
    (vec * mg.tensor(np.arange(8.0))).sum().backward()
    np.testing.assert_array_equal(lin.weight.grad.numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(lin.bias.grad.numpy(), [6.0, 7.0])


def test_vector_to_parameters_fills_each_parameter_in_order():
    lin = nn.Linear(3, 2, dtype=mg.float64)
    vec = mg.tensor(np.arange(9.0))  # one entry more than needed: ignored, as in PyTorch
    nn.utils.vector_to_parameters(vec, lin.parameters())
    np.testing.assert_array_equal(lin.weight.numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(lin.bias.numpy(), [6.0, 7.0])
    with pytest.raises(ValueError, match="vec has 3 entries but the parameters need 8"):
        nn.utils.vector_to_parameters(mg.zeros(3), lin.parameters())
    with pytest.raises(TypeError, match="vec must be a Tensor"):
        nn.utils.vector_to_parameters(np.zeros(8), lin.parameters())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_values_layout_and_gradients(batch_first, side):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 2)) for n in (2, 4, 1)]
    seqs = [mg.tensor(a, requires_grad=True) for a in arrays]
    out = pad_sequence(seqs, batch_first=batch_first, padding_value=-1.5, padding_side=side)
    expected = np.full((3, 4, 2), -1.5)  # (B, L, *) first
    for b, a in enumerate(arrays):
        if side == "right":
            expected[b, : len(a)] = a
        else:
            expected[b, 4 - len(a) :] = a
    if not batch_first:
        expected = expected.transpose(1, 0, 2)
    np.testing.assert_array_equal(out.numpy(), expected)
    weights = rng.standard_normal(expected.shape)
    (out * mg.tensor(weights)).sum().backward()
    chosen = weights if batch_first else weights.transpose(1, 0, 2)
    for b, (a, seq) in enumerate(zip(arrays, seqs)):
        rows = slice(0, len(a)) if side == "right" else slice(4 - len(a), 4)
        np.testing.assert_array_equal(seq.grad.numpy(), chosen[b, rows])


def test_pad_sequence_checks_its_arguments():
    with pytest.raises(ValueError, match="padding_side"):
        pad_sequence([mg.zeros(2)], padding_side="middle")
    with pytest.raises(ValueError, match=r"item 1 has \(3,\)"):
        pad_sequence([mg.zeros((2, 2)), mg.zeros((1, 3))])
    assert nn.utils.rnn.pad_sequence is pad_sequence


def test_clip_grad_takes_pytorchs_foreach_argument():
    p = nn.Parameter(mg.tensor([3.0, 4.0]))
    p.grad = mg.tensor([3.0, 4.0])
    norm = nn.utils.clip_grad_norm_([p], 1.0, foreach=True)
    assert norm.item() == pytest.approx(5.0)
    nn.utils.clip_grad_value_([p], 0.1, foreach=None)
    np.testing.assert_allclose(p.grad.numpy(), [0.1, 0.1])


# ---- Embedding's PyTorch arguments ------------------------------------------------------------


def test_embedding_max_norm_shortens_the_looked_up_rows_in_place():
    weight = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])  # norms 5, 0.5, 10
    emb = nn.Embedding(3, 2, None, 1.0, dtype=mg.float64)  # PyTorch's positional order
    emb.load_state_dict({"weight": weight})
    out = emb(mg.tensor(np.array([0, 1, 0])))
    shortened = weight[0] * (1.0 / (5.0 + 1e-7))
    np.testing.assert_allclose(out.numpy(), [shortened, weight[1], shortened], rtol=1e-15)
    # row 2 was not looked up, so it keeps its norm of 10; row 0 was rewritten
    np.testing.assert_allclose(emb.weight.numpy(), [shortened, weight[1], weight[2]], rtol=1e-15)
    l1 = nn.Embedding(3, 2, max_norm=1.4, norm_type=1.0, dtype=mg.float64)
    l1.load_state_dict({"weight": weight})
    np.testing.assert_allclose(l1(mg.tensor([0])).numpy(), [weight[0] * 1.4 / (7.0 + 1e-7)])


def test_embedding_scale_grad_by_freq_divides_each_rows_gradient_by_its_count():
    emb = nn.Embedding(4, 2, scale_grad_by_freq=True, dtype=mg.float64)
    before = emb.weight.numpy().copy()
    out = emb(mg.tensor(np.array([[1, 3, 1], [1, 0, 3]])))
    np.testing.assert_array_equal(out.numpy(), before[[[1, 3, 1], [1, 0, 3]]])
    out.sum().backward()
    # index 1 three times (3 * 1/3), 3 twice (2 * 1/2), 0 once, 2 never
    np.testing.assert_allclose(emb.weight.grad.numpy(), [[1, 1], [1, 1], [0, 0], [1, 1]])


def test_embedding_from_pretrained_shares_and_freezes_the_weight():
    table = mg.tensor(np.arange(6.0).reshape(3, 2))
    emb = nn.Embedding.from_pretrained(table, padding_idx=0)
    assert not emb.weight.requires_grad and emb.padding_idx == 0
    np.testing.assert_array_equal(emb.weight.numpy(), table.numpy())  # row 0 not zeroed
    assert emb.weight.data is table.data
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(NotImplementedError, match="sparse=True"):
        nn.Embedding(3, 2, sparse=True)

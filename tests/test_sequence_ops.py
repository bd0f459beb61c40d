"""The ops a language model needs, against what each is defined to do: tril/triu, masked_fill,
cumsum, split/chunk, gather, topk and multinomial (values, indices and gradients by hand)."""

import fake_device  # noqa: F401  (registers the stand-in device "fakegpu")
import numpy as np
import pytest

import minigrad as mg

A = np.arange(1.0, 13.0).reshape(3, 4)


def t(array, requires_grad=False):
    return mg.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


@pytest.mark.parametrize("diagonal", [-1, 0, 1, 2])
def test_tril_and_triu_keep_j_minus_i_on_their_side_of_the_diagonal(diagonal):
    i, j = np.indices(A.shape)
    np.testing.assert_array_equal(mg.tril(t(A), diagonal).numpy(), A * (j - i <= diagonal))
    np.testing.assert_array_equal(t(A).triu(diagonal=diagonal).numpy(), A * (j - i >= diagonal))


def test_tril_works_on_the_last_two_dims_of_a_batch_and_masks_its_gradient():
    x = t(np.ones((2, 3, 3)), requires_grad=True)
    x.tril().sum().backward()
    np.testing.assert_array_equal(
        x.grad.numpy(), np.broadcast_to(np.tril(np.ones((3, 3))), (2, 3, 3))
    )


def test_masked_fill_puts_the_value_where_the_mask_is_true_and_no_gradient_there():
    x = t(A, requires_grad=True)
    mask = mg.tensor([True, False, False, True])  # broadcast over the rows
    out = x.masked_fill(mask, -np.inf)
    expected = A.copy()
    expected[:, [0, 3]] = -np.inf
    np.testing.assert_array_equal(out.numpy(), expected)
    assert out.shape == A.shape
    mg.masked_fill(x, mask, 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.tile([0.0, 1.0, 1.0, 0.0], (3, 1)))


def test_cumsum_is_the_running_sum_and_its_gradient_the_sum_from_i_to_the_end():
    x = t(A, requires_grad=True)
    np.testing.assert_array_equal(mg.cumsum(x, dim=1).numpy(), np.cumsum(A, axis=1))
    np.testing.assert_array_equal(x.cumsum(0).numpy(), np.cumsum(A, axis=0))
    g = np.arange(12.0).reshape(3, 4)
    (x.cumsum(dim=1) * t(g)).sum().backward()
    # dL/dx[r, i] = g[r, i] + g[r, i+1] + ... + g[r, -1]
    np.testing.assert_allclose(x.grad.numpy(), np.cumsum(g[:, ::-1], axis=1)[:, ::-1])
    assert mg.cumsum(mg.tensor([True, True, False]), 0).tolist() == [1, 2, 2]


def test_split_by_size_and_by_sections_and_chunk_as_pytorch():
    x = mg.arange(10)
    assert [p.tolist() for p in x.split(4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [p.tolist() for p in mg.split(x, [2, 0, 8])] == [[0, 1], [], list(range(2, 10))]
    assert [p.tolist() for p in x.chunk(3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [len(p) for p in mg.arange(6).chunk(4)] == [2, 2, 2]  # fewer than asked, as PyTorch
    rows = t(A).split(3, dim=1)
    np.testing.assert_array_equal(rows[1].numpy(), A[:, 3:])


def test_split_pieces_send_their_gradients_back_to_their_own_part():
    x = t(A, requires_grad=True)
    first, second = x.split([1, 3], dim=1)
    (first * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.tile([2.0, 0.0, 0.0, 0.0], (3, 1)))
    assert second.shape == (3, 3)


def test_gather_picks_along_dim_and_adds_gradients_of_repeated_picks():
    x = t(A, requires_grad=True)
    index = mg.tensor([[0, 0], [3, 1], [2, 2]])
    out = mg.gather(x, 1, index)
    np.testing.assert_array_equal(out.numpy(), [[1.0, 1.0], [8.0, 6.0], [11.0, 11.0]])
    out.sum().backward()
    expected = np.zeros_like(A)
    expected[0, 0], expected[1, 3], expected[1, 1], expected[2, 2] = 2, 1, 1, 2
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    # dim 0, with an index smaller than the input: out[i, j] = x[index[i, j], j]
    down = t(A).gather(0, mg.tensor([[2, 0, 1]]))
    np.testing.assert_array_equal(down.numpy(), [[A[2, 0], A[0, 1], A[1, 2]]])


def test_topk_gives_sorted_values_their_indices_and_the_first_of_equal_values_first():
    x = t([[1.0, 3.0, 3.0, 2.0], [4.0, -1.0, 0.0, 5.0]])
    values, indices = mg.topk(x, 2)
    np.testing.assert_array_equal(values.numpy(), [[3.0, 3.0], [5.0, 4.0]])
    np.testing.assert_array_equal(indices.numpy(), [[1, 2], [3, 0]])
    assert indices.dtype == mg.int64
    smallest = x.topk(3, dim=1, largest=False)
    np.testing.assert_array_equal(smallest.values.numpy(), [[1.0, 2.0, 3.0], [-1.0, 0.0, 4.0]])
    np.testing.assert_array_equal(smallest.indices.numpy(), [[0, 3, 1], [1, 2, 0]])
    column = x.topk(1, dim=0)
    np.testing.assert_array_equal(column.indices.numpy(), [[1, 0, 0, 1]])
    assert mg.topk(mg.tensor([3, 1, 2]), 2).values.tolist() == [3, 2]  # integers too


def test_topk_sends_each_values_gradient_to_the_element_it_came_from():
    x = t([[0.5, 2.0, -1.0, 1.5]], requires_grad=True)
    values, _ = x.topk(2)
    (values * t([[10.0, 100.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 10.0, 0.0, 100.0]])


def test_multinomial_repeats_for_a_seed_and_follows_the_weights():
    weights = mg.tensor([1.0, 0.0, 3.0])
    mg.manual_seed(5)
    first = mg.multinomial(weights, 4000, replacement=True)
    mg.manual_seed(5)
    again = weights.multinomial(4000, True)
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    counts = np.bincount(first.numpy(), minlength=3) / 4000
    assert counts[1] == 0  # weight 0: never drawn
    assert abs(counts[2] - 0.75) < 0.03  # 3 / (1 + 3), within about 4 standard deviations
    assert first.shape == (4000,) and first.dtype == mg.int64


def test_multinomial_without_replacement_draws_distinct_categories_in_every_row():
    mg.manual_seed(0)
    rows = mg.multinomial(mg.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0, 5.0]]), 3)
    assert rows.shape == (2, 3)
    for row in rows.numpy():
        assert len(set(row.tolist())) == 3
    assert 0 not in rows.numpy()[1].tolist()  # the zero weight is never drawn
    # The heaviest category comes first most of the time (5 of 7): a draw, then the next.
    mg.manual_seed(1)
    firsts = mg.multinomial(mg.tensor([[0.0, 1.0, 1.0, 5.0]] * 2000), 1).numpy()[:, 0]
    assert abs(np.mean(firsts == 3) - 5 / 7) < 0.04


def test_multinomial_gives_the_same_samples_on_every_device():
    weights = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    draws = []
    for device in ("cpu", "fakegpu"):
        mg.manual_seed(11)
        sample = mg.multinomial(mg.tensor(weights, device=device), 6, replacement=True)
        assert sample.device == device
        draws.append(sample.numpy())
    np.testing.assert_array_equal(draws[0], draws[1])

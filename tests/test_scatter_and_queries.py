"""PyTorch's scatter family (scatter, scatter_add, index_add and their in-place forms) and its
index queries (nonzero, argwhere, unique, bincount, count_nonzero). Expected values are worked
out by hand; the gradients are checked by the op registry as well."""

import numpy as np
import pytest

import minigrad as mg


def f64(values, **kwargs):
    return mg.tensor(np.array(values, dtype=np.float64), **kwargs)


def long(values):
    return mg.tensor(np.array(values, dtype=np.int64))


def test_scatter_writes_along_dim_and_its_gradients_split_the_places():
    x = mg.zeros(3, 4, dtype=mg.float64, requires_grad=True)
    src = f64(np.arange(8.0).reshape(2, 4), requires_grad=True)
    index = long([[0, 1, 2, 0], [1, 2, 0, 1]])
    out = x.scatter(0, index, src)
    # out[index[i, j], j] = src[i, j]
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 6, 3], [4, 1, 0, 7], [0, 5, 2, 0]])
    out.backward(f64(np.arange(12.0).reshape(3, 4)))
    # x's gradient is zero where something was written; src's is the gradient read back there
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0, 0], [0, 0, 6, 0], [8, 0, 0, 11]])
    np.testing.assert_array_equal(src.grad.numpy(), [[0, 5, 10, 3], [4, 9, 2, 7]])


def test_scatter_of_a_number_and_into_integers():
    out = mg.zeros(2, 3).scatter(1, long([[2], [0]]), 2.5)
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 2.5], [2.5, 0, 0]])
    ints = mg.zeros(3, dtype=mg.int64).scatter(0, long([2]), 4)
    assert ints.dtype == mg.int64 and ints.numpy().tolist() == [0, 0, 4]
    assert mg.tensor(1.0).scatter(0, long(0), 5.0).item() == 5.0  # 0-d, as PyTorch
    flags = mg.zeros(3, dtype=mg.bool_).scatter(0, long([1]), True)
    assert flags.dtype == mg.bool_ and flags.numpy().tolist() == [False, True, False]
    assert mg.zeros(2, 3).scatter(1, mg.zeros(2, 0, dtype=mg.int64), 1.0).sum().item() == 0


def test_scatter_add_and_index_add_add_up_repeated_indices():
    out = mg.zeros(5).scatter_add(0, long([0, 0, 1]), mg.ones(3))
    np.testing.assert_array_equal(out.numpy(), [2, 1, 0, 0, 0])
    if mg.get_default_device().type == "cpu":
        ints = mg.zeros(3, dtype=mg.int64).scatter_add(0, long([2, 2]), long([1, 5]))
        assert ints.dtype == mg.int64 and ints.numpy().tolist() == [0, 0, 6]
    else:  # CuPy adds repeated indices up for floats only: refused, not wrong
        with pytest.raises(TypeError, match="only float tensors"):
            mg.zeros(3, dtype=mg.int64).scatter_add(0, long([2, 2]), long([1, 5]))
    x = f64(np.ones((3, 2)))
    source = f64([[1, 2], [3, 4]], requires_grad=True)
    out = x.index_add(0, long([2, 2]), source, alpha=2)
    np.testing.assert_array_equal(out.numpy(), [[1, 1], [1, 1], [9, 13]])
    out.backward(f64([[1, 1], [1, 1], [5, 7]]))
    np.testing.assert_array_equal(source.grad.numpy(), [[10, 14], [10, 14]])  # alpha * dz[2]


@pytest.mark.host_only("the CPU's sorted sum of whole rows, against NumPy's add.at")
@pytest.mark.parametrize(
    "target_shape, index",
    [
        ((5, 3), [[4, 0, 4], [1, 4, 0]]),  # an embedding's gradient: rows picked again and again
        ((6,), [5, 5, 0, 2, 5]),  # single values
        ((4, 2, 3), [3, 3, 1]),  # rows that are matrices
        ((3, 2), [-1, 2, 0]),  # negative rows count from the end
    ],
)
def test_adding_rows_at_repeated_indices_is_numpys_add_at(target_shape, index):
    from minigrad.backend import scatter_add

    index = np.array(index)
    values = np.random.default_rng(5).standard_normal(index.shape + target_shape[1:])
    expected = np.arange(np.prod(target_shape), dtype=np.float64).reshape(target_shape)
    got = expected.copy()
    np.add.at(expected, index, values)
    scatter_add(np, got, index, values)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    strided = np.zeros((target_shape[0], 2) + target_shape[1:])[:, 0]  # a view, not contiguous
    scatter_add(np, strided, index, values)
    np.add.at(strided, index, -values)
    np.testing.assert_allclose(strided, 0, atol=1e-14)
    rows = values.reshape((-1,) + target_shape[1:])[:2]
    with pytest.raises(IndexError):
        scatter_add(np, got, np.array([0, target_shape[0]]), rows)  # a row past the end


def test_in_place_forms_write_self_and_bump_the_version():
    x = mg.zeros(2, 2)
    assert x.scatter_(1, long([[1], [0]]), 3.0) is x
    np.testing.assert_array_equal(x.numpy(), [[0, 3], [3, 0]])
    x.scatter_add_(0, long([[1, 1]]), mg.ones(1, 2))
    x.index_add_(1, long([0]), mg.ones(2, 1), alpha=-1)
    np.testing.assert_array_equal(x.numpy(), [[-1, 3], [3, 1]])
    assert x._version == 3


def test_an_in_place_scatter_breaks_a_backward_that_reads_the_old_values():
    w = f64([1.0, 2.0], requires_grad=True)
    h = w * 1.0
    y = (h * h).sum()
    with mg.no_grad():
        h.scatter_(0, long([0]), 5.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_nonzero_argwhere_and_one_argument_where():
    x = f64([[1, 0], [0, np.nan]])  # NaN is not zero
    np.testing.assert_array_equal(x.nonzero().numpy(), [[0, 0], [1, 1]])
    assert x.nonzero().dtype == mg.int64
    np.testing.assert_array_equal(mg.argwhere(x).numpy(), [[0, 0], [1, 1]])
    rows, cols = mg.where(x != 0)
    assert rows.numpy().tolist() == [0, 1] and cols.numpy().tolist() == [0, 1]
    rows, cols = x.nonzero(as_tuple=True)
    assert rows.numpy().tolist() == [0, 1] and cols.numpy().tolist() == [0, 1]
    # empty and 0-d inputs keep PyTorch's shapes
    assert mg.nonzero(mg.zeros(0, 3)).shape == (0, 2)
    assert mg.tensor(2.0).nonzero().shape == (1, 0)
    assert mg.tensor(0.0).nonzero().shape == (0, 0)
    (only,) = mg.where(mg.tensor(2.0))
    assert only.numpy().tolist() == [0]


def test_unique_sorts_counts_and_inverts():
    x = long([[3, 1], [1, 2]])
    values, inverse, counts = x.unique(return_inverse=True, return_counts=True)
    assert values.numpy().tolist() == [1, 2, 3]
    assert inverse.numpy().tolist() == [[2, 0], [0, 1]]  # values[inverse] == x
    assert counts.numpy().tolist() == [2, 1, 1]
    assert inverse.dtype == mg.int64 and counts.dtype == mg.int64
    nan = mg.unique(f64([2, np.nan, 1, np.nan])).numpy()  # each NaN is its own value
    np.testing.assert_array_equal(nan, [1, 2, np.nan, np.nan])
    empty, empty_inverse, empty_counts = mg.unique(
        long([]), return_inverse=True, return_counts=True
    )
    assert empty.shape == empty_inverse.shape == empty_counts.shape == (0,)


def test_bincount_and_count_nonzero():
    x = long([0, 2, 2, 5])
    assert x.bincount().numpy().tolist() == [1, 0, 2, 0, 0, 1]
    assert mg.bincount(x, minlength=8).numpy().tolist() == [1, 0, 2, 0, 0, 1, 0, 0]
    assert mg.bincount(long([]), minlength=2).numpy().tolist() == [0, 0]
    weighted = mg.bincount(x, weights=mg.tensor([0.5, 1.0, 2.0, 4.0], dtype=mg.float32))
    assert weighted.dtype == mg.float32
    assert weighted.numpy().tolist() == [0.5, 0, 3, 0, 0, 4]
    assert mg.bincount(x, weights=long([1, 1, 1, 1])).dtype == mg.float64  # as PyTorch
    y = f64([[1, 0, 2], [0, 0, 3]])
    assert mg.count_nonzero(y).item() == 3 and y.count_nonzero().dtype == mg.int64
    assert y.count_nonzero(0).numpy().tolist() == [1, 0, 2]
    assert y.count_nonzero((0, 1)).item() == 3
    assert y.count_nonzero(-1).numpy().tolist() == [2, 1]

"""PyTorch's small helpers: narrow, unflatten, flip, roll, index_select, mT, outer, dot,
hstack/vstack, isclose/allclose/equal and the dtype= of sum, mean and softmax. Values worked
out by hand; gradients are checked by the op registry."""

import math

import numpy as np
import pytest

import minigrad as mg

X = np.arange(12.0).reshape(3, 4)


def t(values=X, **kwargs):
    return mg.tensor(np.array(values, dtype=np.float64), **kwargs)


def test_narrow_and_unflatten_are_slices_and_reshapes():
    np.testing.assert_array_equal(t().narrow(1, 1, 2).numpy(), [[1, 2], [5, 6], [9, 10]])
    np.testing.assert_array_equal(t().narrow(0, -1, 1).numpy(), [[8, 9, 10, 11]])
    assert t().unflatten(1, (2, 2)).shape == (3, 2, 2)
    assert t().unflatten(1, (-1, 1)).shape == (3, 4, 1)


def test_flip_reverses_and_roll_wraps_around():
    np.testing.assert_array_equal(t().flip(1).numpy()[0], [3, 2, 1, 0])
    np.testing.assert_array_equal(t().flip((0, 1)).numpy()[0], [11, 10, 9, 8])
    np.testing.assert_array_equal(t([1, 2, 3, 4]).roll(1).numpy(), [4, 1, 2, 3])
    np.testing.assert_array_equal(t([1, 2, 3, 4]).roll(-1).numpy(), [2, 3, 4, 1])
    np.testing.assert_array_equal(t([[1, 2], [3, 4]]).roll(1).numpy(), [[4, 1], [2, 3]])  # flat
    np.testing.assert_array_equal(t([[1, 2], [3, 4]]).roll(1, 0).numpy(), [[3, 4], [1, 2]])
    np.testing.assert_array_equal(t([1, 2, 3]).roll(7).numpy(), [3, 1, 2])  # 7 = 2 * 3 + 1


def test_index_select_picks_in_order_and_adds_gradients_of_repeats():
    x = t(requires_grad=True)
    out = x.index_select(1, mg.tensor([3, 0, 3]))
    np.testing.assert_array_equal(out.numpy()[0], [3, 0, 3])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0], [1, 0, 0, 2])


def test_matrix_helpers():
    batch = mg.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert batch.mT.shape == (2, 4, 3) and batch.mT.numpy()[1, 2, 0] == 14.0
    np.testing.assert_array_equal(
        mg.outer(t([1, 2]), t([3, 4, 5])).numpy(), [[3, 4, 5], [6, 8, 10]]
    )
    assert mg.dot(t([1, 2, 3]), t([4, 5, 6])).item() == 32.0
    assert mg.hstack([t([1]), t([2, 3])]).numpy().tolist() == [1, 2, 3]
    assert mg.hstack([t([[1], [2]]), t([[3], [4]])]).shape == (2, 2)
    assert mg.vstack([t([1, 2]), t([[3, 4]])]).numpy().tolist() == [[1, 2], [3, 4]]


def test_isclose_allclose_and_equal_follow_pytorchs_rule():
    a, b = t([1.0, 100.0, math.inf, math.nan]), t([1.0 + 1e-6, 100.002, math.inf, math.nan])
    # |a - b| <= atol + rtol * |b|: 1e-6 <= 1e-8 + 1e-5 * 1; 2e-3 > 1e-8 + 1e-5 * 100.002
    assert a.isclose(b).numpy().tolist() == [True, False, True, False]
    assert mg.isclose(a, b, equal_nan=True).numpy().tolist() == [True, False, True, True]
    assert not mg.allclose(a, b) and mg.allclose(a[:1], b[:1])
    assert mg.equal(t([1, 2]), t([1, 2])) and not mg.equal(t([1, 2]), t([1, 2, 3]))
    assert not t([1, 2]).equal(t([1, 3]))


def test_dtype_converts_before_summing_averaging_or_softmax():
    ints = mg.tensor([1, 2, 4])
    assert ints.sum(dtype=mg.float32).dtype == np.float32
    mean = ints.mean(dtype=mg.float64)
    assert mean.dtype == np.float64 and mean.item() == pytest.approx(7 / 3)
    soft = mg.nn.functional.softmax(
        mg.tensor([0.0, 0.0], dtype=mg.float32), dim=0, dtype=mg.float64
    )
    assert soft.dtype == np.float64 and soft.numpy().tolist() == [0.5, 0.5]

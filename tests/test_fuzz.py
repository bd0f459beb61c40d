"""Fuzzing (Hypothesis): random shapes (size-0 and size-1 axes included), broadcast pairs that
may not fit, and dtypes. Every op must either compute what NumPy computes (and, in float64,
pass gradcheck) or raise a clear ValueError/TypeError/IndexError that names the op — never an
internal exception, never a silent wrong answer."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DTYPES = st.sampled_from([np.float64, np.float32, np.int64])
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


def array(draw, shape, dtype):
    if np.dtype(dtype).kind == "f":
        elements = st.floats(0.25, 2.0).flatmap(lambda v: st.sampled_from([v, -v]))
    else:
        elements = st.integers(-3, 3)
    return draw(hnp.arrays(dtype, shape, elements=elements))


def leaf(x):
    return mg.Tensor(x, requires_grad=x.dtype == np.float64)


def small_enough_to_gradcheck(*arrays):
    return all(a.dtype == np.float64 for a in arrays) and sum(a.size for a in arrays) <= 30


BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "maximum": (mg.maximum, np.maximum),
}


@SETTINGS
@given(name=st.sampled_from(sorted(BINARY)), data=st.data())
def test_binary_ops_compute_like_numpy_or_name_both_shapes(name, data):
    ours, theirs = BINARY[name]
    dtype = data.draw(DTYPES)
    a = array(data.draw, data.draw(shapes), dtype)
    b = array(data.draw, data.draw(shapes), data.draw(DTYPES) if name != "maximum" else dtype)
    try:
        expected = theirs(a, b)
    except ValueError:
        with pytest.raises(
            ValueError,
            match=rf"{name}: shapes {a.shape} and {b.shape}".replace("(", r"\(").replace(
                ")", r"\)"
            ),
        ):
            ours(leaf(a), leaf(b))
        return
    result = ours(leaf(a), leaf(b))
    assert result.shape == expected.shape and result.dtype == expected.dtype
    np.testing.assert_array_equal(result.numpy(), expected)
    if small_enough_to_gradcheck(a, b) and name != "maximum":
        assert mg.gradcheck(ours, leaf(a), leaf(b))


UNARY = {
    "exp": (mg.exp, np.exp),
    "tanh": (mg.tanh, np.tanh),
    "abs": (mg.abs, np.abs),
    "neg": (lambda x: -x, np.negative),
    "relu": (mg.relu, lambda x: np.maximum(x, 0)),
}


@SETTINGS
@given(name=st.sampled_from(sorted(UNARY)), data=st.data())
def test_unary_ops_on_any_shape_and_dtype(name, data):
    ours, theirs = UNARY[name]
    x = array(data.draw, data.draw(shapes), data.draw(DTYPES))
    result = ours(leaf(x))
    expected = theirs(x)
    assert result.shape == expected.shape and result.dtype == expected.dtype
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)
    if small_enough_to_gradcheck(x):
        assert mg.gradcheck(ours, leaf(x))


REDUCTIONS = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}


@SETTINGS
@given(name=st.sampled_from(sorted(REDUCTIONS)), keepdims=st.booleans(), data=st.data())
def test_reductions_over_any_axis_or_a_clear_error(name, keepdims, data):
    shape = data.draw(shapes)
    x = array(data.draw, shape, data.draw(DTYPES))
    axis = data.draw(st.none() | st.integers(-4, 4))
    ours = getattr(mg, name)
    if axis is not None and not -len(shape) <= axis < len(shape):
        with pytest.raises(ValueError, match=rf"{name}: axis {axis} is out of range"):
            ours(leaf(x), axis, keepdims)
        return
    reduced = range(len(shape)) if axis is None else [axis % len(shape)]
    if name != "sum" and any(shape[i] == 0 for i in reduced):
        with pytest.raises(ValueError, match=rf"{name}: .*empty axis"):
            ours(leaf(x), axis, keepdims)
        return
    result = ours(leaf(x), axis, keepdims)
    expected = REDUCTIONS[name](x, axis=axis, keepdims=keepdims)
    assert result.shape == np.shape(expected)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)


@SETTINGS
@given(data=st.data())
def test_reshape_to_any_shape_fits_or_names_both(data):
    x = array(data.draw, data.draw(shapes), np.float64)
    target = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    if int(np.prod(target)) != x.size:
        with pytest.raises(ValueError, match="reshape: cannot reshape"):
            mg.reshape(leaf(x), target)
        return
    np.testing.assert_array_equal(mg.reshape(leaf(x), target).numpy(), x.reshape(target))


@SETTINGS
@given(data=st.data())
def test_matmul_of_any_shapes_matches_numpy_or_names_both(data):
    a = array(
        data.draw, data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3)), np.float64
    )
    b = array(
        data.draw, data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3)), np.float64
    )
    try:
        expected = a @ b
    except ValueError:
        with pytest.raises(ValueError, match=r"matmul: \("):
            leaf(a) @ leaf(b)
        return
    result = leaf(a) @ leaf(b)
    assert result.shape == np.shape(expected)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-12, atol=1e-12)
    if small_enough_to_gradcheck(a, b):
        assert mg.gradcheck(lambda p, q: p @ q, leaf(a), leaf(b))


@SETTINGS
@given(data=st.data())
def test_indexing_with_random_integer_arrays_matches_numpy_or_raises_index_error(data):
    x = array(
        data.draw, data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)), np.float64
    )
    index = np.array(data.draw(st.lists(st.integers(-5, 5), max_size=6)), dtype=np.int64)
    try:
        expected = x[index]
    except IndexError:
        with pytest.raises(IndexError, match="does not fit a tensor of shape"):
            leaf(x)[index]
        return
    np.testing.assert_array_equal(leaf(x)[index].numpy(), expected)
    if x.size <= 20:
        assert mg.gradcheck(lambda t: t[index], leaf(x))

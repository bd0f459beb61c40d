"""Fuzzing (Hypothesis): random shapes (size-0 and size-1 axes included), broadcast pairs that
may not fit, and dtypes. Every op must either compute what NumPy computes (and, in float64,
pass gradcheck) or raise a clear ValueError/TypeError/IndexError that names the op — never an
internal exception, never a silent wrong answer."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.nn import functional as F

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DTYPES = st.sampled_from([np.float64, np.float32, np.int64])
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


def array(draw, shape, dtype):
    if np.dtype(dtype).kind == "f":
        elements = st.floats(0.25, 2.0).flatmap(lambda v: st.sampled_from([v, -v]))
    else:
        elements = st.integers(-3, 3)
    return draw(hnp.arrays(dtype, shape, elements=elements))


def pytorch_promoted(a, b):
    """PyTorch's rule where NumPy's differs: a float array with an integer one keeps the float
    dtype (NumPy would widen float32 with int64 to float64), an integer one with a bool one the
    integer dtype, and within one of those categories a 0-d array beside an n-d one takes the
    n-d one's dtype, as a Python number would."""
    rank = {"b": 0, "i": 1, "u": 1, "f": 2}
    if rank[a.dtype.kind] != rank[b.dtype.kind]:
        wider = a.dtype if rank[a.dtype.kind] > rank[b.dtype.kind] else b.dtype
        return a.astype(wider), b.astype(wider)
    if a.ndim == 0 and b.ndim:
        return a.astype(b.dtype), b
    if b.ndim == 0 and a.ndim:
        return a, b.astype(a.dtype)
    return a, b


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
        expected = theirs(*pytorch_promoted(a, b))
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


def floats(x):
    """PyTorch's input to a float function: integers become the default dtype, float32."""
    return x if x.dtype.kind == "f" else x.astype(np.float32)


UNARY = {
    "exp": (mg.exp, lambda x: np.exp(floats(x))),
    "tanh": (mg.tanh, lambda x: np.tanh(floats(x))),
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


# amax/amin: the values-only max and min, which NumPy's np.max and np.min compute
REDUCTIONS = {"sum": np.sum, "mean": np.mean, "amax": np.max, "amin": np.min}


@SETTINGS
@given(name=st.sampled_from(sorted(REDUCTIONS)), keepdims=st.booleans(), data=st.data())
def test_reductions_over_any_axis_or_a_clear_error(name, keepdims, data):
    shape = data.draw(shapes)
    x = array(data.draw, shape, data.draw(DTYPES))
    axis = data.draw(st.none() | st.integers(-4, 4))
    ours = getattr(mg, name)
    ndim = max(len(shape), 1)  # as PyTorch: a 0-d tensor takes dim 0 or -1
    if axis is not None and not -ndim <= axis < ndim:
        with pytest.raises(ValueError, match=rf"{name}: axis {axis} is out of range"):
            ours(leaf(x), axis, keepdims)
        return
    if name == "mean" and x.dtype.kind != "f":
        with pytest.raises(TypeError, match="mean: needs a floating tensor"):
            ours(leaf(x), axis, keepdims)
        return
    axis = axis if shape else None  # NumPy's 0-d array has no axis 0
    reduced = range(len(shape)) if axis is None else [axis % len(shape)]
    if name != "sum" and any(shape[i] == 0 for i in reduced):
        if name == "mean":  # 0 / 0 = NaN, as PyTorch's (NumPy's too, with a warning)
            result = ours(leaf(x), axis, keepdims)
            assert result.shape == np.sum(x, axis=axis, keepdims=keepdims).shape
            assert np.isnan(result.numpy()).all()
            return
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


# ---- nn functional ops: convolution and pooling against their definitions ---------------------
FLOATS = st.sampled_from([np.float32, np.float64])
pairs = st.integers(1, 3) | st.tuples(st.integers(1, 3), st.integers(1, 3))


def as_pair(value):
    return tuple(value) if isinstance(value, tuple) else (value, value)


def close(result, expected, dtype):
    """Float64 to the last digits; float32 to what a sum of up to 48 products can keep."""
    if np.dtype(dtype) == np.float64:
        np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-4)


def padded_windows(x, kernel, stride, padding, dilation, pad_value):
    """For every output pixel (i, j), one at a time: (i, j, window, output size). The window is
    the (N, C, kh, kw) block of the padded input under the kernel's taps at rows i*sh + p*dh and
    columns j*sw + q*dw."""
    (top, bottom), (left, right) = padding
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=pad_value)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    out_h = (x.shape[2] - dh * (kh - 1) - 1) // sh + 1
    out_w = (x.shape[3] - dw * (kw - 1) - 1) // sw + 1
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
            cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
            yield i, j, x[:, :, rows, cols], (out_h, out_w)


def conv2d_by_definition(x, weight, bias, stride, padding, dilation):
    """out[n, o, i, j] = b[o] + sum over c, p, q of w[o, c, p, q] x_pad[n, c, i*sh + p*dh, ...]"""
    dtype = np.result_type(x, weight)
    out = None
    for i, j, window, (out_h, out_w) in padded_windows(
        x, weight.shape[2:], stride, padding, dilation, 0
    ):
        if out is None:
            out = np.zeros((x.shape[0], weight.shape[0], out_h, out_w), dtype=np.float64)
        for o in range(weight.shape[0]):
            out[:, o, i, j] = (window * weight[o]).sum(axis=(1, 2, 3))
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out.astype(dtype)


def pool_by_definition(x, kernel, stride, padding, dilation, reduce, pad_value):
    out = None
    pads = ((padding[0], padding[0]), (padding[1], padding[1]))
    for i, j, window, (out_h, out_w) in padded_windows(
        x, kernel, stride, pads, dilation, pad_value
    ):
        if out is None:
            out = np.zeros((x.shape[0], x.shape[1], out_h, out_w), dtype=x.dtype)
        out[:, :, i, j] = reduce(window, axis=(2, 3))
    return out


def same_padding(kernel, dilation):
    """padding='same': d (k - 1) in all, the odd one after (as in PyTorch)."""
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return tuple((t // 2, t - t // 2) for t in totals)


def kernel_too_big(op, x_shape, kernel, padding, dilation):
    (top, bottom), (left, right) = padding
    height, width = x_shape[-2] + top + bottom, x_shape[-1] + left + right
    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if span[0] > height or span[1] > width:
        return rf"{op}: kernel {span[0]}x{span[1]} is larger than the padded input {height}x{width}"
    return None


@SETTINGS
@given(data=st.data())
def test_conv2d_matches_its_definition_or_names_the_problem(data):
    dtype = data.draw(FLOATS)
    n, channels = data.draw(st.integers(0, 2)), data.draw(st.integers(1, 3))
    height, width = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    out_channels = data.draw(st.integers(1, 3))
    kernel = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)))
    weight_channels = data.draw(st.sampled_from([channels] * 4 + [channels + 1]))
    stride = data.draw(pairs)
    dilation = data.draw(
        st.just(1) | st.integers(1, 2) | st.tuples(st.integers(1, 2), st.integers(1, 2))
    )
    padding = data.draw(
        st.integers(0, 2) | st.tuples(st.integers(0, 2), st.integers(0, 2)) | st.just("same")
    )
    x = array(data.draw, (n, channels, height, width), dtype)
    if n == 1 and data.draw(st.booleans()):
        x = x[0]  # one (C, H, W) image
    weight = array(data.draw, (out_channels, weight_channels, *kernel), dtype)
    bias = array(data.draw, (out_channels,), dtype) if data.draw(st.booleans()) else None
    tensors = [leaf(x), leaf(weight)] + ([] if bias is None else [leaf(bias)])

    def conv(*ts):
        return F.conv2d(*ts, stride=stride, padding=padding, dilation=dilation)

    stride, dilation = as_pair(stride), as_pair(dilation)
    if weight_channels != channels:
        event("a clear ValueError")
        with pytest.raises(ValueError, match=rf"conv2d: input has {channels} channels, weight "):
            conv(*tensors)
        return
    if padding == "same" and stride != (1, 1):
        event("a clear ValueError")
        with pytest.raises(ValueError, match=r"conv2d: padding='same' needs stride 1"):
            conv(*tensors)
        return
    if padding == "same":
        pads = same_padding(kernel, dilation)
    else:
        rows, cols = as_pair(padding)
        pads = ((rows, rows), (cols, cols))
    problem = kernel_too_big("conv2d", x.shape, kernel, pads, dilation)
    if problem:
        event("a clear ValueError")
        with pytest.raises(ValueError, match=problem):
            conv(*tensors)
        return

    result = conv(*tensors)
    expected = conv2d_by_definition(
        x.reshape(-1, *x.shape[-3:]), weight, bias, stride, pads, dilation
    )
    expected = expected.reshape(expected.shape[1:]) if x.ndim == 3 else expected
    assert result.shape == expected.shape and result.dtype == dtype
    close(result.numpy(), expected, dtype)
    if dtype == np.float64 and 0 < result.numel() and x.size + weight.size <= 60:
        event("gradchecked")
        assert mg.gradcheck(conv, *tensors)


@SETTINGS
@given(name=st.sampled_from(["max_pool2d", "avg_pool2d"]), data=st.data())
def test_pooling_matches_its_definition_or_names_the_problem(name, data):
    dtype = data.draw(
        st.sampled_from([np.float32, np.float64, np.int64]) if name == "max_pool2d" else FLOATS
    )
    shape = (data.draw(st.integers(0, 2)), data.draw(st.integers(1, 2)),
             data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6)))  # fmt: skip
    kernel = data.draw(pairs)
    stride = data.draw(st.none() | pairs)
    kh, kw = as_pair(kernel)
    # Mostly a padding that fits (at most half the kernel), sometimes one that may not.
    padding = data.draw(
        st.tuples(st.integers(0, kh // 2), st.integers(0, kw // 2)) | st.integers(0, 2)
    )
    dilation = data.draw(st.integers(1, 2)) if name == "max_pool2d" else 1
    x = array(data.draw, shape, dtype)
    if name == "max_pool2d":
        pool = lambda t: F.max_pool2d(t, kernel, stride, padding, dilation)  # noqa: E731
    else:
        pool = lambda t: F.avg_pool2d(t, kernel, stride, padding)  # noqa: E731

    kernel, padding = as_pair(kernel), as_pair(padding)
    stride = kernel if stride is None else as_pair(stride)
    if 2 * padding[0] > kernel[0] or 2 * padding[1] > kernel[1]:
        event("a clear ValueError")
        with pytest.raises(ValueError, match=rf"{name}: padding .* at most half the kernel size"):
            pool(leaf(x))
        return
    pads = ((padding[0],) * 2, (padding[1],) * 2)
    problem = kernel_too_big(name, shape, kernel, pads, (dilation, dilation))
    if problem:
        event("a clear ValueError")
        with pytest.raises(ValueError, match=problem):
            pool(leaf(x))
        return

    result = pool(leaf(x))
    if name == "max_pool2d":
        lowest = -np.inf if dtype != np.int64 else np.iinfo(np.int64).min
        expected = pool_by_definition(x, kernel, stride, padding, (dilation,) * 2, np.max, lowest)
        assert result.dtype == dtype
        np.testing.assert_array_equal(result.numpy(), expected)
    else:
        expected = pool_by_definition(x, kernel, stride, padding, (1, 1), np.mean, 0)
        assert result.dtype == dtype
        close(result.numpy(), expected, dtype)
    if dtype == np.float64 and x.size > 0 and np.isfinite(expected).all():
        # Distinct values 0.1 apart: no ties that a finite difference could cross.
        order = data.draw(st.permutations(range(x.size)))
        distinct = (np.array(order, dtype=np.float64) * 0.1).reshape(shape)
        event("gradchecked")
        assert mg.gradcheck(pool, leaf(distinct))


# ---- joining and selecting ----------------------------------------------------------------------
@SETTINGS
@given(name=st.sampled_from(["concatenate", "stack"]), data=st.data())
def test_concatenate_and_stack_of_random_shapes_match_numpy_or_name_the_problem(name, data):
    base = data.draw(shapes)

    def shape_like_base():
        if not base or data.draw(st.booleans()):
            return data.draw(st.just(base) | shapes)
        axis = data.draw(st.integers(0, len(base) - 1))  # differs along one axis only
        return base[:axis] + (data.draw(st.integers(0, 3)),) + base[axis + 1 :]

    arrays = [
        array(data.draw, shape_like_base(), data.draw(FLOATS))
        for _ in range(data.draw(st.integers(1, 3)))
    ]
    axis = data.draw(st.integers(-4, 4))
    ours, theirs = getattr(mg, name), getattr(np, name)
    joined = arrays
    if name == "concatenate":  # torch.cat's documented rule: a 1-d empty tensor is skipped
        joined = [a for a in arrays if a.shape != (0,)] or arrays  # (it still sets the dtype)
    try:
        expected = theirs(joined, axis=axis).astype(np.result_type(*arrays))
    except ValueError:  # NumPy's AxisError is a ValueError too
        event("a clear ValueError")
        with pytest.raises(ValueError, match=rf"{name}: "):
            ours([leaf(a) for a in arrays], axis=axis)
        return
    result = ours([leaf(a) for a in arrays], axis=axis)
    assert result.shape == expected.shape and result.dtype == expected.dtype
    np.testing.assert_array_equal(result.numpy(), expected)
    if small_enough_to_gradcheck(*arrays):
        event("gradchecked")
        assert mg.gradcheck(lambda *ts: ours(list(ts), axis=axis), *[leaf(a) for a in arrays])


@SETTINGS
@given(data=st.data())
def test_where_broadcasts_condition_and_both_branches_like_numpy_or_names_all_three(data):
    condition = data.draw(hnp.arrays(np.bool_, data.draw(shapes)))
    a_dtype = data.draw(FLOATS)
    b_dtype = data.draw(st.sampled_from([a_dtype] * 3 + [np.float32, np.float64]))
    a = array(data.draw, data.draw(shapes), a_dtype)
    b = array(data.draw, data.draw(shapes), b_dtype)
    mask = mg.tensor(condition)
    try:
        expected = np.where(condition, *pytorch_promoted(a, b))  # promoted as a + b is
    except ValueError:
        shapes_named = f"where: shapes {condition.shape}, {a.shape} and {b.shape} cannot be"
        event("a clear ValueError")
        with pytest.raises(ValueError, match=re.escape(shapes_named)):
            mg.where(mask, leaf(a), leaf(b))
        return
    result = mg.where(mask, leaf(a), leaf(b))
    assert result.shape == expected.shape and result.dtype == expected.dtype
    np.testing.assert_array_equal(result.numpy(), expected)
    if small_enough_to_gradcheck(a, b):
        event("gradchecked")
        assert mg.gradcheck(lambda p, q: mg.where(mask, p, q), leaf(a), leaf(b))


# ---- softmax and friends along any axis ---------------------------------------------------------
def reference_log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


SOFTMAXES = {
    "softmax": (mg.softmax, lambda x, axis: np.exp(reference_log_softmax(x, axis))),
    "log_softmax": (mg.log_softmax, reference_log_softmax),
    "logsumexp": (
        mg.logsumexp,
        lambda x, axis: (x - reference_log_softmax(x, axis)).max(axis=axis),
    ),
}


@SETTINGS
@given(name=st.sampled_from(sorted(SOFTMAXES)), data=st.data())
def test_softmax_family_along_any_axis_or_a_clear_error(name, data):
    ours, theirs = SOFTMAXES[name]
    dtype = data.draw(FLOATS)
    shape = data.draw(shapes)
    x = array(data.draw, shape, dtype) * data.draw(st.sampled_from([1.0, 1e4]))
    axis = data.draw(st.integers(-len(shape) - 2, len(shape) + 1))
    ndim = max(len(shape), 1)  # as PyTorch: a 0-d tensor takes dim 0 or -1
    if not -ndim <= axis < ndim:
        event("a clear ValueError")
        with pytest.raises(ValueError, match=rf"{name}: axis {axis} is out of range"):
            ours(leaf(x), axis=axis)
        return
    if shape and shape[axis] == 0:  # as PyTorch: nothing to normalize, or log(0) = -inf
        event("an empty axis")
        result = ours(leaf(x), axis=axis)
        if name == "logsumexp":
            expected_shape = shape[: axis % len(shape)] + shape[axis % len(shape) + 1 :]
            assert result.shape == expected_shape and (result.numpy() == -np.inf).all()
        else:
            assert result.shape == shape and result.dtype == dtype
        return
    result = ours(leaf(x), axis=axis)
    expected = theirs(x.astype(np.float64).reshape(shape or (1,)), axis)
    expected = expected if shape else expected.reshape(())  # a 0-d input: as if one value
    assert result.shape == expected.shape and result.dtype == dtype
    assert np.isfinite(result.numpy()).all()
    tolerance = np.finfo(dtype).eps * 4 * max(1.0, float(np.abs(x).max(initial=0)))
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-5, atol=tolerance)
    if small_enough_to_gradcheck(x) and np.abs(x).max(initial=0) < 10:
        event("gradchecked")
        assert mg.gradcheck(lambda t: ours(t, axis=axis), leaf(x))

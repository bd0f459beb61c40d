"""Property-based checks (Hypothesis): random broadcastable shapes for elementwise ops and
random axes for reductions. Each example must match NumPy forward and pass gradcheck."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "maximum": (mg.maximum, np.maximum),
}
UNARY = {
    "exp": (mg.exp, np.exp),
    "tanh": (mg.tanh, np.tanh),
    "sigmoid": (mg.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "neg": (lambda x: -x, np.negative),
    "square": (lambda x: x**2, np.square),
}
REDUCTIONS = {
    "sum": (lambda x, axis, keep: x.sum(axis, keep), np.sum),
    "mean": (lambda x, axis, keep: x.mean(axis, keep), np.mean),
    "amax": (lambda x, axis, keep: x.amax(axis, keep), np.max),
    "var": (
        lambda x, axis, keep: x.var(axis, keepdim=keep, ddof=0),
        np.var,
    ),  # NumPy's default ddof
}

# Values in [0.5, 2] with a random sign: away from 0 (division) and never tied by accident.
values = st.floats(0.5, 2.0).flatmap(lambda v: st.sampled_from([v, -v]))


def arrays(shape):
    return hnp.arrays(np.float64, shape, elements=values)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(BINARY)),
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
    data=st.data(),
)
def test_binary_ops_broadcast_like_numpy_and_pass_gradcheck(name, shapes, data):
    ours, theirs = BINARY[name]
    a = data.draw(arrays(shapes.input_shapes[0]))
    b = data.draw(arrays(shapes.input_shapes[1]))
    if name == "maximum":  # keep a tie-free gap so finite differences don't cross a kink
        b = np.where(np.abs(np.abs(a) - np.abs(b)) < 0.01, b + 0.05, b)
    ta, tb = mg.Tensor(a, requires_grad=True), mg.Tensor(b, requires_grad=True)
    np.testing.assert_allclose(ours(ta, tb).numpy(), theirs(a, b), rtol=1e-12)
    assert mg.gradcheck(ours, ta, tb)


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(sorted(UNARY)),
    x=arrays(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)),
)
def test_unary_ops_match_numpy_and_pass_gradcheck(name, x):
    ours, theirs = UNARY[name]
    t = mg.Tensor(x, requires_grad=True)
    np.testing.assert_allclose(ours(t).numpy(), theirs(x), rtol=1e-12)
    assert mg.gradcheck(ours, t)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(REDUCTIONS)),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3),
    keepdims=st.booleans(),
    data=st.data(),
)
def test_reductions_match_numpy_and_pass_gradcheck(name, shape, keepdims, data):
    ours, theirs = REDUCTIONS[name]
    axis = data.draw(
        st.none() | st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True).map(tuple)
    )
    size = int(np.prod(shape))
    # distinct values 0.1 apart (max has no ties), in a random order
    order = data.draw(st.permutations(list(range(size))))
    x = np.array(order, dtype=np.float64).reshape(shape) * 0.1 - 0.3
    t = mg.Tensor(x, requires_grad=True)
    np.testing.assert_allclose(
        ours(t, axis, keepdims).numpy(), theirs(x, axis=axis, keepdims=keepdims), rtol=1e-12
    )
    assert mg.gradcheck(lambda v: ours(v, axis, keepdims), t)

"""The engine's promises: dtype policy, graph order, memory, higher order, and clear errors."""

import gc
import importlib.util
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function


# ---- dtype policy -------------------------------------------------------------------------------
def test_python_floats_become_float32_and_ints_int64():
    assert mg.tensor(1.5).dtype == np.float32
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor(True).dtype == np.bool_


def test_ndarray_keeps_its_dtype():
    for dtype in (np.float64, np.float32, np.int32, np.uint8):
        assert mg.Tensor(np.zeros(3, dtype=dtype)).dtype == dtype


def test_explicit_dtype_wins():
    assert mg.tensor([1, 2], dtype=mg.float64).dtype == np.float64


def test_set_default_dtype_changes_what_floats_become():
    try:
        mg.set_default_dtype(mg.float64)
        assert mg.tensor([1.0]).dtype == np.float64
    finally:
        mg.set_default_dtype(mg.float32)
    with pytest.raises(TypeError, match="floating"):
        mg.set_default_dtype(np.int32)


@pytest.mark.parametrize(
    "op", [lambda x: x + 2.0, lambda x: 2.0 * x, lambda x: x / 3, lambda x: x**2.0]
)
def test_python_scalars_never_promote_float32(op):
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = op(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_int_tensor_times_python_float_becomes_default_float():
    assert (mg.tensor([1, 2]) * 2.5).dtype == np.float32
    assert (mg.tensor([1, 2]) * 2).dtype == np.int64


def test_integer_and_bool_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating-point"):
        mg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating-point"):
        mg.Tensor(np.array([True]), requires_grad=True)


@pytest.mark.parametrize("bad", ["abc", {"a": 1}, object(), [1, "x"]])
def test_non_numeric_data_is_a_type_error(bad):
    with pytest.raises(TypeError, match="tensor data"):
        mg.tensor(bad)


def test_gradient_of_mixed_dtypes_comes_back_in_each_input_dtype():
    a = mg.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    b = mg.Tensor(np.ones(3, dtype=np.float64), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_astype_gradient_is_identity_in_the_new_dtype():
    x = mg.Tensor(np.array([1.5, -2.0]), requires_grad=True)  # float64
    y = x.astype(mg.float32)
    assert y.dtype == np.float32
    (y * mg.Tensor(np.array([3.0, 4.0], dtype=np.float32))).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


# ---- the graph and backward ---------------------------------------------------------------------
def test_diamond_graph_adds_both_paths():
    # y = x^2 reaches z directly and through exp: z = exp(y) + y, dz/dx = (exp(y) + 1) * 2x
    x = mg.Tensor(np.array([0.5, -1.0]), requires_grad=True)
    y = x * x
    z = (mg.exp(y) + y).sum()
    z.backward()
    xs = np.array([0.5, -1.0])
    np.testing.assert_allclose(x.grad.numpy(), (np.exp(xs**2) + 1) * 2 * xs)


def test_paths_of_different_lengths_are_ordered_correctly():
    # a feeds c both directly and through b = 3a, so c must be processed before a's other users
    a0 = mg.Tensor(np.array(2.0), requires_grad=True)
    a = a0 * 1.0
    b = a * 3.0
    c = a * b  # = 3 a^2
    d = c + a  # = 3 a^2 + a ; dd/da0 = 6 a + 1 = 13
    d.backward()
    assert a0.grad.item() == 13.0


def test_each_function_backward_runs_once(monkeypatch):
    calls = []
    original = mg.ops.elementwise.Mul.backward

    def counting(self, grad, *values):
        calls.append(self)
        return original(self, grad, *values)

    monkeypatch.setattr(mg.ops.elementwise.Mul, "backward", counting)
    x = mg.tensor(1.5, requires_grad=True)
    y = x
    for _ in range(10):
        y = y * x  # x^11, x reached from every node
    y.backward()
    assert len(calls) == 10
    assert x.grad.item() == pytest.approx(11 * 1.5**10, rel=1e-6)


def test_ops_run_latest_recorded_first_and_only_where_a_gradient_reaches(monkeypatch):
    class Stop(mg.autograd.Function):
        """z = a, but no gradient flows back (as through an integer index)."""

        def forward(self, a):
            return a.copy()

        def backward(self, grad, z, a):
            return None

    ran = []
    for op in (mg.ops.elementwise.Mul, mg.ops.elementwise.Add, mg.ops.elementwise.Exp):
        original = op.backward

        def recording(self, grad, *values, _original=original):
            ran.append(type(self).__name__)
            return _original(self, grad, *values)

        monkeypatch.setattr(op, "backward", recording)
    x = mg.tensor(0.5, dtype=mg.float64, requires_grad=True)
    hidden = Stop.apply(mg.exp(x))  # exp's output gets no gradient: Exp.backward must not run
    y = x * 3.0
    z = y + hidden + y  # recorded after y, so handled before y's Mul
    order = mg.autograd.topological_order(z._ctx)
    assert [fn.sequence for fn in order] == sorted((fn.sequence for fn in order), reverse=True)
    z.backward()
    assert ran == ["Add", "Add", "Mul"]
    assert x.grad.item() == 6.0


def test_chain_of_100k_ops_backpropagates_without_recursion():
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_gradients_accumulate_across_backward_calls():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


def test_second_backward_through_freed_graph_is_a_clear_error():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])


def test_backward_on_non_scalar_needs_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2,\) needs a gradient"):
        (x * 2).backward()
    (x * 2).backward(mg.tensor([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 20.0])


def test_backward_grad_of_wrong_shape_names_both_shapes():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(mg.tensor([1.0, 1.0, 1.0]))


def test_backward_without_requires_grad_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor(1.0).backward()


def test_each_leaf_gets_its_own_grad_buffer():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # both gradients are the same broadcast ones
    a.grad.data += 1  # in place, as an optimizer would
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_repeated_indices_accumulate_gradients():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_detach_shares_values_but_not_the_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.is_leaf
    np.testing.assert_array_equal(y.numpy(), [2.0, 4.0])


# ---- memory -------------------------------------------------------------------------------------
def test_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        x = mg.tensor(np.ones((4, 4)), requires_grad=True)
        h = mg.tanh(x @ x) * 2
        loss = h.sum()
        probes = [weakref.ref(h), weakref.ref(h._ctx), weakref.ref(loss._ctx)]
        del h
        loss.backward()
        del loss
        assert all(p() is None for p in probes), "graph objects survived without the collector"
    finally:
        gc.enable()


def test_graph_is_freed_even_without_backward():
    gc.disable()
    try:
        x = mg.tensor(np.ones(3), requires_grad=True)
        y = mg.exp(x).sum()
        probe = weakref.ref(y._ctx)
        del y
        assert probe() is None
    finally:
        gc.enable()


# ---- no_grad ------------------------------------------------------------------------------------
def test_no_grad_records_nothing():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2
    assert not y.requires_grad and y._ctx is None
    assert (x * 2).requires_grad


def test_no_grad_as_decorator_and_enable_grad_inside():
    x = mg.tensor([1.0], requires_grad=True)

    @mg.no_grad()
    def f():
        with mg.enable_grad():
            inner = x * 2
        return x * 2, inner

    outer, inner = f()
    assert not outer.requires_grad and inner.requires_grad
    assert mg.is_grad_enabled()


# ---- higher order -------------------------------------------------------------------------------
def test_create_graph_gives_second_derivatives():
    # f(x) = x^3: f'(x) = 3x^2, f''(x) = 6x
    x = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    (dfdx,) = mg.grad(x**3, [x], create_graph=True)
    assert dfdx.item() == pytest.approx(12.0)
    (d2fdx2,) = mg.grad(dfdx, [x])
    assert d2fdx2.item() == pytest.approx(12.0)


def test_newtons_method_with_create_graph_finds_the_minimum():
    # f(x) = x^4 - 3x^2 + x has a local minimum near x = 1.13; Newton: x <- x - f'/f''
    x = mg.tensor(1.5, dtype=mg.float64, requires_grad=True)
    for _ in range(20):
        f = x**4 - 3 * x**2 + x
        (g,) = mg.grad(f, [x], create_graph=True)
        (h,) = mg.grad(g, [x])
        x = mg.tensor(x.item() - g.item() / h.item(), dtype=mg.float64, requires_grad=True)
    value = x.item()
    assert 4 * value**3 - 6 * value + 1 == pytest.approx(0.0, abs=1e-10)
    assert 12 * value**2 - 6 > 0


def test_backward_with_create_graph_fills_a_differentiable_grad():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with pytest.warns(UserWarning, match="reference cycle"):  # PyTorch warns about it too
        (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    grad_norm = (x.grad * x.grad).sum()  # sum (3x^2)^2; d/dx = 36 x^3
    x.grad = None
    grad_norm.backward()
    np.testing.assert_allclose(x.grad.numpy(), [36.0, 288.0])


def test_grad_reports_unused_inputs():
    x = mg.tensor(1.0, requires_grad=True)
    y = mg.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="not used"):
        mg.grad(x * 2, [x, y])
    assert mg.grad(x * 2, [x, y], allow_unused=True)[1] is None


# ---- clear errors -------------------------------------------------------------------------------
def test_matmul_shape_error_names_both_shapes():
    a, b = mg.tensor(np.ones((2, 3))), mg.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"matmul: \(2, 3\) @ \(2, 3\)"):
        a @ b


def test_broadcast_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4,\)"):
        mg.tensor(np.ones((2, 3))) + mg.tensor(np.ones(4))


def test_unknown_axis_names_axis_and_shape():
    with pytest.raises(ValueError, match=r"axis 2 is out of range.*\(2, 3\)"):
        mg.tensor(np.ones((2, 3))).sum(axis=2)


def test_reshape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) into \(4,\)"):
        mg.tensor(np.ones((2, 3))).reshape(4)


def test_unknown_device_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        mg.tensor([1.0], device="tpu")


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed")
def test_cuda_without_cupy_says_how_to_install():
    with pytest.raises(RuntimeError, match=r"pip install -e \"\.\[gpu\]\""):
        mg.tensor([1.0], device="cuda")
    assert not mg.cuda.is_available()


def test_truth_value_of_many_values_is_ambiguous():
    with pytest.raises(RuntimeError, match="ambiguous"):  # PyTorch's type
        bool(mg.tensor([1.0, 2.0]))


# ---- gradcheck itself ---------------------------------------------------------------------------
class _WrongSquare(Function):
    """x^2 with a deliberately wrong backward (x instead of 2x)."""

    def forward(self, x):
        return x * x

    def backward(self, grad, z, x):
        return grad * x


def test_gradcheck_catches_a_wrong_backward_and_names_the_element():
    x = mg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(mg.GradcheckError, match=r"input 0 .*element \(0,\).*analytic"):
        mg.gradcheck(_WrongSquare.apply, x)


def test_gradcheck_requires_float64_and_says_why():
    with pytest.raises(TypeError, match="float64"):
        mg.gradcheck(mg.exp, mg.tensor([1.0], requires_grad=True))


def test_gradcheck_leaves_inputs_and_their_grads_untouched():
    x = mg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x.grad = mg.Tensor(np.array([5.0, 5.0]))
    before = x.numpy().copy()
    assert mg.gradcheck(lambda t: t * t, x)
    np.testing.assert_array_equal(x.numpy(), before)
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class CubeWithWrongBackward(Function):
        def forward(self, x):
            return x**3

        def backward(self, grad, z, x):
            x = x.detach() if isinstance(x, mg.Tensor) else x
            return grad * 3 * x**2  # value right, but cut from the graph

    x = mg.Tensor(np.array([0.5, 1.5]), requires_grad=True)
    assert mg.gradcheck(CubeWithWrongBackward.apply, x)
    with pytest.raises(mg.GradcheckError, match=r"gradgradcheck \(second derivatives\): input 0"):
        mg.gradgradcheck(CubeWithWrongBackward.apply, x)


# ---- randomness ---------------------------------------------------------------------------------
def test_manual_seed_makes_draws_repeat_and_rng_state_round_trips():
    mg.manual_seed(7)
    first = mg.random.generator().standard_normal(3)
    mg.manual_seed(7)
    np.testing.assert_array_equal(first, mg.random.generator().standard_normal(3))
    state = mg.get_rng_state()
    a = mg.random.generator().standard_normal(2)
    mg.set_rng_state(state)
    np.testing.assert_array_equal(a, mg.random.generator().standard_normal(2))
    with pytest.raises(ValueError, match="seed"):
        mg.manual_seed(-1)


# ---- anomaly detection --------------------------------------------------------------------------
def test_detect_anomaly_names_the_op_shapes_and_user_line_in_forward():
    x = mg.tensor([1.0, -1.0])
    with mg.detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"Log produced NaN.*\(2,\).*test_engine.py"):
            mg.log(x)  # log(-1) is NaN
    assert np.isnan(mg.log(x).numpy()[1])  # outside the block, the IEEE value, silently


def test_detect_anomaly_catches_a_nan_that_only_appears_in_backward():
    # sqrt(0) = 0 is fine forward, but its gradient 1 / (2 sqrt(0)) is inf
    x = mg.tensor([0.0, 4.0], requires_grad=True)
    with mg.detect_anomaly():
        y = mg.sqrt(x).sum()
        with pytest.raises(FloatingPointError, match=r"Sqrt produced NaN or inf in its backward"):
            y.backward()


def test_a_broadcast_gradient_becomes_a_writable_buffer_of_its_own():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.sum().backward()  # the gradient is ones broadcast from a scalar (stride 0)
    x.grad.data[0] = 5.0  # must not raise (read-only) nor change the other entries
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 1.0, 1.0])


def test_grad_never_aliases_a_user_supplied_seed():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    seed = mg.tensor([3.0, 4.0])
    (x + 0.0).backward(seed)
    seed.data[:] = 0.0
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


def test_views_of_one_gradient_are_not_shared_between_leaves():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0], requires_grad=True)
    joined = mg.concatenate([a, b])
    (joined * mg.tensor([1.0, 2.0, 3.0])).sum().backward()  # a, b get slices of one array
    a.grad.data += 10
    np.testing.assert_array_equal(b.grad.numpy(), [3.0])


def test_tensor_where_method_matches_the_function():
    x = mg.tensor([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(x.where(x > 0, 0.0).numpy(), [1.0, 0.0, 3.0])


def test_backward_leaves_the_cycle_collector_as_it_found_it():
    """run_backward pauses Python's cycle collector; it must restore it, even after an error."""
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()
            loss = (x * x).sum()
            loss.backward()
            assert gc.isenabled() is enabled
            with pytest.raises(RuntimeError, match="already freed"):
                loss.backward()  # the graph was freed: raises inside the paused section
            assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_a_backward_with_the_old_or_pytorch_signature_is_refused_where_it_is_written():
    with pytest.raises(TypeError, match=r"Twice\.backward must take \(self, grad, z, \*inputs\)"):

        class Twice(Function):
            def forward(self, x):
                return 2 * x

            def backward(self, grad_output):
                return 2 * grad_output


def test_gradients_of_0d_tensors_are_arrays_not_numpy_scalars():
    """NumPy returns 0-d arithmetic as scalars (np.float64); .grad and grad() must hold arrays."""
    x = mg.tensor(2.0, requires_grad=True)
    (x * x * x).backward()
    assert type(x.grad.data) is x.xp.ndarray and x.grad.item() == 12.0
    (g,) = mg.grad(x * x, [x])
    assert type(g.data) is x.xp.ndarray and g.item() == 4.0


# ---- grad mode: per thread, and set_grad_enabled as PyTorch's ----------------------------------
def test_grad_mode_is_per_thread():
    import threading

    inside, release = threading.Event(), threading.Event()

    def other_thread():
        with mg.no_grad():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other_thread)
    worker.start()
    inside.wait(5)
    try:
        x = mg.tensor([1.0], requires_grad=True)
        assert mg.is_grad_enabled() and (x * 2).requires_grad  # this thread still records
    finally:
        release.set()
        worker.join()


def test_set_grad_enabled_switches_when_called_and_restores_after_a_block():
    try:
        mg.set_grad_enabled(False)  # a plain call switches, as torch.set_grad_enabled does
        assert not mg.is_grad_enabled()
        with mg.set_grad_enabled(True):
            assert mg.is_grad_enabled()
        assert not mg.is_grad_enabled()
    finally:
        mg.set_grad_enabled(True)

    @mg.set_grad_enabled(False)
    def evaluate(x):
        return x * 2

    assert mg.is_grad_enabled(), "decorating must not switch the mode"
    assert not evaluate(mg.tensor([1.0], requires_grad=True)).requires_grad
    assert mg.is_grad_enabled()
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            assert mg.is_grad_enabled()
    assert mg.is_grad_enabled()


def test_slicing_a_tensor_step_by_step_adds_each_slice_into_one_gradient(monkeypatch):
    """x[t] for t = 0 .. T-1 (an RNN reading its input): the backward adds each slice's gradient
    into one buffer, O(T), rather than making T full-size zero arrays and adding them, O(T^2)."""
    from minigrad.ops import shape

    def no_full_size_arrays(*args, **kwargs):
        raise AssertionError("indexing's backward built a full-size gradient")

    monkeypatch.setattr(shape.IndexAdd, "forward", no_full_size_arrays)
    x = mg.tensor(np.arange(12.0).reshape(6, 2), requires_grad=True)
    total = sum((x[t] * (t + 1)).sum() for t in range(6)) + (x[[0, 0]] * 10).sum()
    total.backward()
    expected = np.repeat(np.arange(1.0, 7.0)[:, None], 2, axis=1)
    expected[0] += 20  # row 0 picked twice more, by an integer index
    np.testing.assert_array_equal(x.grad.numpy(), expected)


# ---- PyTorch's backward signature: gradient=, inputs=, several outputs ---------------------------
def test_backward_takes_pytorchs_gradient_keyword():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    (x * x).backward(gradient=mg.tensor([1.0, 10.0], dtype=mg.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 40.0])  # 2x * gradient


def test_backward_inputs_fills_only_those_grads_leaf_or_not():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    w = mg.tensor([3.0, 4.0], dtype=mg.float64, requires_grad=True)
    h = x * w
    (h * h).sum().backward(inputs=[h, w])
    np.testing.assert_array_equal(h.grad.numpy(), [6.0, 16.0])  # 2h
    np.testing.assert_array_equal(w.grad.numpy(), [6.0, 32.0])  # 2 h x
    assert x.grad is None  # not asked for
    with pytest.raises(RuntimeError, match="inputs cannot be empty"):
        (x * 2).sum().backward(inputs=[])


def test_backward_from_several_outputs_adds_their_passes():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    shared = x * x
    y1, y2 = shared.sum(), shared * 3.0
    mg.autograd.backward([y1, y2], [None, mg.tensor([1.0, -1.0], dtype=mg.float64)])
    # d/dx [sum(x^2) + sum(g * 3 x^2)] = 2x + 6 x g
    np.testing.assert_array_equal(x.grad.numpy(), [2.0 + 6.0, 4.0 - 12.0])
    with pytest.raises(ValueError, match="2 gradients for 1 outputs"):
        mg.autograd.backward([(x * 2).sum()], [None, None])


def test_grad_of_several_outputs_sums_them():
    x = mg.tensor(3.0, dtype=mg.float64, requires_grad=True)
    (g,) = mg.autograd.grad([x * x, x * x * x], [x])
    assert g.item() == 2 * 3.0 + 3 * 3.0**2


def test_backward_gradient_of_another_dtype_is_an_error():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(TypeError, match="dtype float32 and the output float64"):
        (x * 2).backward(mg.tensor([1.0, 1.0], dtype=mg.float32))


def test_backward_create_graph_keeps_the_graph_by_default():
    x = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    y = x * x * x
    with pytest.warns(UserWarning, match="reference"):
        y.backward(create_graph=True)  # retain_graph=None: kept, as in PyTorch
    (g2,) = mg.autograd.grad(x.grad, x)  # d(3x^2)/dx = 6x, through the kept graph
    assert g2.item() == 12.0


def test_gradcheck_returns_false_when_asked_not_to_raise():
    class WrongSquare(mg.autograd.Function):
        """z = a^2 with a wrong backward (a instead of 2a)."""

        def forward(self, a):
            return a * a

        def backward(self, grad, z, a):
            return grad * a

    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False

    class FirstOrderSquare(mg.autograd.Function):
        """z = a^2, right first derivative, but a detached a makes the second one 0, not 2."""

        def forward(self, a):
            return a * a

        def backward(self, grad, z, a):
            return grad * 2 * (a.detach() if isinstance(a, mg.Tensor) else a)

    assert mg.autograd.gradcheck(FirstOrderSquare.apply, (x,)) is True
    assert mg.autograd.gradgradcheck(FirstOrderSquare.apply, (x,), raise_exception=False) is False
    with pytest.raises(mg.GradcheckError, match="analytic gradient"):
        mg.gradcheck(WrongSquare.apply, (x,))
    assert mg.autograd.gradcheck(lambda a: a * a, (x,), raise_exception=False) is True

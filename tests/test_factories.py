"""Tensor factories, as PyTorch's: shapes, values, dtypes, devices, gradients and seeds.

Expected values come from each factory's definition (no PyTorch here). The suite runs on the
device of ``--device``: a tensor made without ``device=`` must land on ``get_default_device()``.
"""

import math

import fake_device  # noqa: F401  (registers the stand-in device "fakegpu")
import numpy as np
import pytest
from fake_device import Transfers

import minigrad as mg

FLOAT = np.dtype(np.float32)  # the default dtype, unless a test changes it
INT64 = np.dtype(np.int64)

# Every factory called as a user would, and the dtype it gives by default.
MADE = {
    "zeros": (lambda **kw: mg.zeros(2, 3, **kw), FLOAT),
    "ones": (lambda **kw: mg.ones(2, 3, **kw), FLOAT),
    "empty": (lambda **kw: mg.empty(2, 3, **kw), FLOAT),
    "full float": (lambda **kw: mg.full((2, 3), 0.5, **kw), FLOAT),
    "full int": (lambda **kw: mg.full((2, 3), 7, **kw), INT64),
    "full bool": (lambda **kw: mg.full((2, 3), True, **kw), np.dtype(np.bool_)),
    "eye": (lambda **kw: mg.eye(2, 3, **kw), FLOAT),
    "arange ints": (lambda **kw: mg.arange(6, **kw), INT64),
    "arange floats": (lambda **kw: mg.arange(0, 3, 0.5, **kw), FLOAT),
    "linspace": (lambda **kw: mg.linspace(0, 5, 6, **kw), FLOAT),
    "rand": (lambda **kw: mg.rand(2, 3, **kw), FLOAT),
    "randn": (lambda **kw: mg.randn(2, 3, **kw), FLOAT),
    "randint": (lambda **kw: mg.randint(0, 10, (2, 3), **kw), INT64),
}
RANDOM = {
    "rand": lambda **kw: mg.rand(2, 3, **kw),
    "randn": lambda **kw: mg.randn(2, 3, **kw),
    "randint": lambda **kw: mg.randint(-5, 5, (2, 3), **kw),
    "rand_like": lambda **kw: mg.rand_like(mg.zeros(2, 3), **kw),
    "randn_like": lambda **kw: mg.randn_like(mg.zeros(2, 3), **kw),
    "randint_like": lambda **kw: mg.randint_like(mg.zeros(2, 3), 10, **kw),
}


# ---- shapes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("factory", [mg.zeros, mg.ones, mg.empty, mg.rand, mg.randn])
def test_a_shape_can_be_given_as_ints_a_tuple_or_a_list(factory):
    assert factory(2, 3).shape == factory((2, 3)).shape == factory([2, 3]).shape == (2, 3)
    assert factory(4).shape == (4,)
    assert factory(()).shape == factory([]).shape == ()  # an empty shape: a 0-d tensor
    assert factory(0, 3).shape == (0, 3)
    assert factory(np.int64(2)).shape == (2,)


def test_like_of_a_0_d_tensor_is_0_d():
    assert mg.zeros_like(mg.tensor(3.0)).shape == mg.rand_like(mg.tensor(3.0)).shape == ()


def test_full_and_randint_take_the_shape_as_a_sequence_as_pytorch():
    assert mg.full((2, 3), 1.0).shape == mg.full([2, 3], 1.0).shape == (2, 3)
    assert mg.randint(5, (2, 3)).shape == mg.randint(0, 5, [2, 3]).shape == (2, 3)


# ---- values, from the definitions ---------------------------------------------------------------
def test_zeros_ones_and_full_hold_their_value():
    np.testing.assert_array_equal(mg.zeros(2, 3).numpy(), [[0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(mg.ones(3).numpy(), [1, 1, 1])
    np.testing.assert_array_equal(mg.full((2,), -2.5).numpy(), [-2.5, -2.5])
    np.testing.assert_array_equal(mg.full((2,), 7).numpy(), [7, 7])


def test_eye_is_one_where_row_equals_column():
    for n, m in [(3, None), (2, 4), (4, 2), (0, 0), (1, 1)]:
        got = mg.eye(n, m).numpy()
        rows, cols = n, n if m is None else m
        expected = [[1.0 if i == j else 0.0 for j in range(cols)] for i in range(rows)]
        assert got.shape == (rows, cols)
        np.testing.assert_array_equal(got, np.array(expected).reshape(rows, cols))


def test_empty_has_its_shape_and_dtype():
    made = mg.empty(2, 3, dtype=mg.float64)
    assert made.shape == (2, 3) and made.dtype == np.float64


@pytest.mark.parametrize(
    "start, end, step",
    [(0, 5, 1), (2, 9, 3), (5, 0, -2), (0, 0, 1), (-3, 4, 2), (0, 1, 0.1), (1.5, -1.0, -0.5)],
)
def test_arange_holds_start_plus_i_times_step_short_of_end(start, end, step):
    got = mg.arange(start, end, step)
    count = math.ceil((end - start) / step)
    expected = [start + i * step for i in range(count)]
    assert got.shape == (count,)
    np.testing.assert_allclose(got.numpy(), np.array(expected, dtype=np.float64), rtol=1e-6)
    assert all(v < end for v in got.tolist()) if step > 0 else all(v > end for v in got.tolist())


def test_arange_with_one_argument_counts_from_zero():
    np.testing.assert_array_equal(mg.arange(4).numpy(), [0, 1, 2, 3])
    np.testing.assert_array_equal(mg.arange(end=3).numpy(), [0, 1, 2])
    np.testing.assert_array_equal(mg.arange(2.5).numpy(), [0.0, 1.0, 2.0])


def test_arange_of_ints_is_exact_past_float_precision():
    big = 2**60  # float64 cannot tell big from big + 1
    np.testing.assert_array_equal(mg.arange(big, big + 3).numpy(), [big, big + 1, big + 2])


@pytest.mark.parametrize("start, end, steps", [(0, 1, 5), (-2, 3, 7), (1, 0, 4), (0, 10, 2)])
def test_linspace_spaces_steps_values_evenly_with_both_ends_exact(start, end, steps):
    got = mg.linspace(start, end, steps, dtype=mg.float64).numpy()
    expected = [start + i * (end - start) / (steps - 1) for i in range(steps)]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert got[0] == start and got[-1] == end


def test_linspace_of_one_step_is_start_and_of_zero_steps_empty():
    np.testing.assert_array_equal(mg.linspace(3, 7, 1).numpy(), [3.0])
    assert mg.linspace(3, 7, 0).shape == (0,)


def test_linspace_into_an_int_dtype_truncates_as_pytorch():
    np.testing.assert_array_equal(mg.linspace(0, 10, 5, dtype=mg.int64).numpy(), [0, 2, 5, 7, 10])


def test_rand_is_uniform_on_0_1_on_the_dtype_s_grid():
    mg.manual_seed(0)
    values = mg.rand(10_000).numpy()
    assert values.min() >= 0.0 and values.max() < 1.0
    assert abs(values.mean() - 0.5) < 0.01  # the mean of U[0, 1); its std of mean is 0.003
    assert abs(values.var() - 1 / 12) < 0.005
    # k / 2^24 for an integer k: every float32 value is exact, none can round up to 1.0
    np.testing.assert_array_equal(values * 2.0**24, np.floor(values * 2.0**24))


def test_randn_is_standard_normal():
    mg.manual_seed(0)
    values = mg.randn(20_000).numpy().astype(np.float64)
    assert abs(values.mean()) < 0.03 and abs(values.std() - 1.0) < 0.03
    assert abs((np.abs(values) < 1).mean() - 0.6827) < 0.02  # one sigma holds 68.27%


def test_randint_draws_every_integer_from_low_up_to_but_not_high():
    mg.manual_seed(0)
    values = mg.randint(-2, 3, (2000,)).numpy()
    assert set(values.tolist()) == {-2, -1, 0, 1, 2}


def test_randint_takes_pytorch_s_forms():
    mg.manual_seed(0)
    for made in (
        mg.randint(4, (50,)),  # randint(high, size)
        mg.randint(4, size=(50,)),
        mg.randint(0, 4, (50,)),  # randint(low, high, size)
        mg.randint(low=0, high=4, size=(50,)),
        mg.randint(high=4, size=(50,)),
    ):
        assert made.shape == (50,) and made.dtype == np.int64
        assert set(made.tolist()) <= {0, 1, 2, 3}


# ---- dtypes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(MADE))
def test_each_factory_gives_pytorch_s_dtype(name):
    make, dtype = MADE[name]
    assert make().dtype == dtype


@pytest.mark.parametrize("name", [n for n, (_, dtype) in MADE.items() if dtype == FLOAT])
def test_float_factories_follow_the_default_dtype(name):
    make, _ = MADE[name]
    try:
        mg.set_default_dtype(mg.float64)
        assert make().dtype == np.float64
    finally:
        mg.set_default_dtype(mg.float32)


@pytest.mark.parametrize("name", list(MADE))
def test_dtype_given_wins(name):
    make, _ = MADE[name]
    assert make(dtype=mg.float64).dtype == np.float64
    assert make(dtype="float64").dtype == np.float64


def test_full_takes_the_kind_of_its_fill_value():
    assert mg.full((1,), False).dtype == np.bool_
    assert mg.full((1,), np.int32(3)).dtype == np.int64
    assert mg.full((1,), np.float64(0.5)).dtype == mg.get_default_dtype()
    assert mg.full((1,), 2, dtype=mg.float32).dtype == np.float32


def test_arange_with_any_float_argument_is_floating():
    assert mg.arange(0, 5, 1).dtype == np.int64
    for args in [(0.0, 5, 1), (0, 5.0, 1), (0, 5, 1.0), (5.0,)]:
        assert mg.arange(*args).dtype == mg.get_default_dtype()


def test_linspace_of_ints_is_floating_as_pytorch_2():
    assert mg.linspace(0, 10, 11).dtype == mg.get_default_dtype()


def test_randint_can_be_asked_for_a_float_dtype():
    made = mg.randint(0, 10, (20,), dtype=mg.float32)
    assert made.dtype == np.float32
    np.testing.assert_array_equal(made.numpy(), np.floor(made.numpy()))


# ---- devices ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(MADE))
def test_made_without_a_device_it_lands_on_the_default_device(name):
    make, _ = MADE[name]
    made = make()
    assert made.device == mg.get_default_device()
    assert mg.get_array_module(made.data) is mg.get_default_device().xp


@pytest.mark.parametrize("name", list(MADE))
def test_the_device_given_wins(name):
    make, _ = MADE[name]
    assert make(device="cpu").device == "cpu"
    assert make(device="fakegpu").device == "fakegpu"


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "full float", "eye", "arange floats"])
def test_filled_tensors_and_ranges_are_made_on_the_device_without_a_copy(name):
    make, _ = MADE[name]
    before = Transfers.snapshot()
    made = make(device="fakegpu")
    assert Transfers.since(before) == {"to_host": 0, "syncs": 0, "to_device": 0}
    assert isinstance(made.data, fake_device.FakeArray)


def test_linspace_is_made_on_the_device_without_a_copy():
    before = Transfers.snapshot()
    mg.linspace(0, 1, 5, device="fakegpu")
    assert Transfers.since(before) == {"to_host": 0, "syncs": 0, "to_device": 0}


# ---- gradients ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n, (_, dtype) in MADE.items() if dtype == FLOAT])
def test_float_factories_make_leaves_that_require_grad(name):
    make, _ = MADE[name]
    leaf = make(requires_grad=True)
    assert leaf.requires_grad and leaf.is_leaf
    (leaf * 3).sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), np.full(leaf.shape, 3.0))


@pytest.mark.parametrize("name", list(MADE))
def test_by_default_nothing_requires_grad(name):
    make, _ = MADE[name]
    assert not make().requires_grad


@pytest.mark.parametrize("name", [n for n, (_, dtype) in MADE.items() if dtype != FLOAT])
def test_int_and_bool_factories_cannot_require_grad(name):
    make, _ = MADE[name]
    with pytest.raises(RuntimeError, match="only floating-point tensors can require grad"):
        make(requires_grad=True)
    assert make(dtype=mg.float32, requires_grad=True).requires_grad


# ---- seeds --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(RANDOM))
def test_manual_seed_repeats_the_values(name):
    make = RANDOM[name]
    mg.manual_seed(123)
    first = make().numpy()
    mg.manual_seed(123)
    np.testing.assert_array_equal(make().numpy(), first)
    assert not np.array_equal(make().numpy(), first)  # the next draw is a new one


@pytest.mark.parametrize("name", list(RANDOM))
def test_the_same_seed_gives_the_same_values_on_every_device(name):
    make = RANDOM[name]
    mg.manual_seed(7)
    on_the_cpu = make(device="cpu")
    mg.manual_seed(7)
    on_the_default = make()
    assert on_the_cpu.device == "cpu" and on_the_default.device == mg.get_default_device()
    np.testing.assert_array_equal(on_the_default.numpy(), on_the_cpu.numpy())


@pytest.mark.parametrize("name", list(RANDOM))
def test_rng_state_resumes_the_draws_exactly(name):
    make = RANDOM[name]
    mg.manual_seed(0)
    make()
    state = mg.get_rng_state()
    expected = [make().numpy() for _ in range(3)]
    mg.manual_seed(99)  # anything in between is forgotten
    make()
    mg.set_rng_state(state)
    for values in expected:
        np.testing.assert_array_equal(make().numpy(), values)


def test_factories_and_layer_initialisation_share_the_one_generator():
    mg.manual_seed(5)
    mg.nn.Linear(3, 3)
    after_a_layer = mg.randn(4).numpy()
    mg.manual_seed(5)
    assert not np.array_equal(mg.randn(4).numpy(), after_a_layer)


def test_a_refused_call_draws_nothing():
    mg.manual_seed(1)
    expected = mg.rand(3).numpy()
    mg.manual_seed(1)
    for mistake in (
        lambda: mg.rand(3, device="tpu"),
        lambda: mg.randn(3, dtype=mg.int64),
        lambda: mg.randint(5, 5, (3,)),
        lambda: mg.randint(0, 5, (-1,)),
    ):
        with pytest.raises((TypeError, ValueError)):
            mistake()
    np.testing.assert_array_equal(mg.rand(3).numpy(), expected)


def test_the_deterministic_factories_draw_nothing():
    mg.manual_seed(1)
    expected = mg.rand(3).numpy()
    mg.manual_seed(1)
    for make, _ in (MADE[n] for n in ("zeros", "full int", "eye", "arange ints", "linspace")):
        make()
    np.testing.assert_array_equal(mg.rand(3).numpy(), expected)


# ---- *_like -------------------------------------------------------------------------------------
LIKE = {
    "zeros_like": lambda x, **kw: mg.zeros_like(x, **kw),
    "ones_like": lambda x, **kw: mg.ones_like(x, **kw),
    "empty_like": lambda x, **kw: mg.empty_like(x, **kw),
    "full_like": lambda x, **kw: mg.full_like(x, 1, **kw),
    "rand_like": lambda x, **kw: mg.rand_like(x, **kw),
    "randn_like": lambda x, **kw: mg.randn_like(x, **kw),
    "randint_like": lambda x, **kw: mg.randint_like(x, 3, **kw),
}


@pytest.mark.parametrize("name", list(LIKE))
@pytest.mark.parametrize("place", ["cpu", "default"])
def test_like_takes_the_input_s_shape_dtype_and_device(name, place):
    device = None if place == "default" else place
    x = mg.zeros(2, 3, dtype=mg.float64, device=device)
    made = LIKE[name](x)
    assert (made.shape, made.dtype, made.device) == ((2, 3), np.float64, x.device)
    assert not made.requires_grad


@pytest.mark.parametrize("name", list(LIKE))
def test_like_takes_dtype_and_device_when_given(name):
    x = mg.zeros(2, 3, device="cpu")
    made = LIKE[name](x, dtype=mg.float64, device="fakegpu")
    assert (made.shape, made.dtype, made.device) == ((2, 3), np.float64, "fakegpu")
    assert LIKE[name](x, requires_grad=True).requires_grad


def test_like_of_an_int_tensor_is_an_int_tensor():
    x = mg.arange(4)
    assert mg.zeros_like(x).dtype == mg.ones_like(x).dtype == mg.randint_like(x, 5).dtype == INT64
    np.testing.assert_array_equal(mg.full_like(x, 2.5).numpy(), [2, 2, 2, 2])  # as PyTorch
    np.testing.assert_array_equal(mg.ones_like(x).numpy(), [1, 1, 1, 1])


def test_randint_like_takes_high_or_low_and_high():
    x = mg.zeros(500)
    assert set(mg.randint_like(x, 2).tolist()) == {0.0, 1.0}  # a float input, whole numbers
    assert set(mg.randint_like(x, 5, 7).tolist()) == {5.0, 6.0}
    assert set(mg.randint_like(x, low=5, high=7).tolist()) == {5.0, 6.0}


# ---- cat and stack take PyTorch's dim -----------------------------------------------------------
def test_cat_is_concatenate_with_dim_or_axis():
    a, b = mg.ones(2, 3), mg.zeros(2, 1)
    for joined in (mg.cat([a, b], 1), mg.cat([a, b], dim=1), mg.cat([a, b], axis=-1)):
        assert joined.shape == (2, 4)
        np.testing.assert_array_equal(joined.numpy(), mg.concatenate([a, b], 1).numpy())
    assert mg.cat([a, a]).shape == (4, 3)  # dim 0 by default


def test_stack_takes_dim_and_still_axis():
    a, b = mg.ones(2, 3), mg.zeros(2, 3)
    assert mg.stack([a, b]).shape == (2, 2, 3)
    assert mg.stack([a, b], 1).shape == mg.stack([a, b], dim=1).shape == (2, 2, 3)
    assert mg.stack([a, b], dim=-1).shape == mg.stack([a, b], axis=-1).shape == (2, 3, 2)
    np.testing.assert_array_equal(mg.stack([a, b], dim=2).numpy()[..., 1], b.numpy())


def test_cat_passes_gradients_back_to_each_input():
    a, b = mg.ones(2, requires_grad=True), mg.ones(3, requires_grad=True)
    (mg.cat([a, b], dim=0) * mg.arange(5.0)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0, 1])
    np.testing.assert_array_equal(b.grad.numpy(), [2, 3, 4])

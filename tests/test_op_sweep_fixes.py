"""Differences from PyTorch that a sweep of every shared function found (round 4).

Each test pins what PyTorch gives for a call minigrad got wrong: values and dtypes are worked
out by hand or with NumPy (no torch import). Tensors land on the suite's device (the autouse
fixture in conftest.py sets the default), and are read back through ``.numpy()``.
"""

import math

import numpy as np

import minigrad as mg


def t(values, dtype=np.float64, **kwargs):
    return mg.tensor(np.array(values, dtype=dtype), **kwargs)


# ---- erf of integers and bools is a float ---------------------------------------------------
def test_erf_of_integers_is_the_default_float_dtype():
    out = mg.erf(t([0, 1, -2], dtype=np.int64))
    assert out.dtype == np.float32  # it stayed int64: erf(1) = 0.8427 was stored as 0
    expected = [0.0, math.erf(1.0), math.erf(-2.0)]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(t([1, 0], dtype=np.int64).erf().numpy(), [math.erf(1.0), 0.0])


def test_erf_of_a_bool_tensor_is_erf_of_0_and_1():
    out = mg.erf(t([True, False], dtype=np.bool_))  # it failed inside NumPy (no sign for bool)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [math.erf(1.0), 0.0], rtol=1e-6)


# ---- sign of NaN is 0, and so is the gradient of abs at NaN --------------------------------
def test_sign_and_sgn_of_nan_are_zero():
    x = t([math.nan, -2.0, 0.0, -0.0, math.inf])
    np.testing.assert_array_equal(mg.sign(x).numpy(), [0.0, -1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(x.sgn().numpy(), [0.0, -1.0, 0.0, 0.0, 1.0])
    assert t([math.nan], dtype=np.float32).sign().dtype == np.float32


def test_abs_passes_no_gradient_to_a_nan():
    x = t([math.nan, -2.0, 0.0, 3.0], requires_grad=True)
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, -1.0, 0.0, 1.0])  # NaN at index 0 before


# ---- integer results of bool and int tensors keep PyTorch's integer dtype -------------------
def test_square_and_integer_power_of_bools_are_int64():
    b = t([True, False], dtype=np.bool_)
    assert mg.square(b).dtype == np.int64  # it stayed bool
    np.testing.assert_array_equal(mg.square(b).numpy(), [1, 0])
    assert (b**2).dtype == np.int64  # NumPy's bool ** 2 is int8
    np.testing.assert_array_equal(mg.pow(b, 3).numpy(), [1, 0])
    assert (b**0.5).dtype == np.float32  # a float power: the default float dtype, as before


def test_addcmul_with_an_integer_value_keeps_int64():
    a, b, c = (t([1, 2], dtype=np.int64), t([3, 4], dtype=np.int64), t([5, 6], dtype=np.int64))
    out = mg.addcmul(a, b, c, value=2)
    assert out.dtype == np.int64  # value went through float(): the result was float32
    np.testing.assert_array_equal(out.numpy(), [31, 50])
    assert a.addcmul(b, c, value=0.5).dtype == np.float32  # a float value still gives floats


# ---- prod takes dtype= as sum and PyTorch's prod do -----------------------------------------
def test_prod_takes_a_dtype():
    x = t([[1, 2, 3], [4, 5, 6]], dtype=np.int64)
    out = mg.prod(x, 1, dtype=mg.float64)  # a TypeError (unexpected keyword) before
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.numpy(), [6.0, 120.0])
    assert x.prod(dtype=mg.float32).dtype == np.float32
    assert x.prod(dtype=mg.float32).item() == 720.0
    assert x.prod(0, keepdim=True, dtype=mg.float64).shape == (1, 3)


# ---- cat: PyTorch's dtype promotion and its legacy empty 1-d tensors -------------------------
def test_cat_of_int64_and_float32_is_float32():
    out = mg.cat([t([1, 2], dtype=np.int64), t([0.5], dtype=np.float32)])
    assert out.dtype == np.float32  # np.concatenate gives float64
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0, 0.5])
    assert mg.cat([t([1.0], dtype=np.float32), t([2.0])]).dtype == np.float64
    assert mg.cat([t([True], dtype=np.bool_), t([3], dtype=np.int32)]).dtype == np.int32


def test_cat_skips_an_empty_1d_tensor_as_the_start_of_an_append_loop():
    rows = [t([[1.0, 2.0]], requires_grad=True), t([[3.0, 4.0]], requires_grad=True)]
    out = mg.tensor([])  # the PyTorch idiom: start empty, cat each new row on
    for row in rows:
        out = mg.cat([out, row])  # a ShapeError ((0,) against (1, 2)) before
    assert out.shape == (2, 2) and out.dtype == np.float64  # float32 [] with float64 rows
    np.testing.assert_array_equal(out.numpy(), [[1.0, 2.0], [3.0, 4.0]])
    (out * t([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)).sum().backward()
    np.testing.assert_array_equal(rows[0].grad.numpy(), [[1.0, 2.0]])
    np.testing.assert_array_equal(rows[1].grad.numpy(), [[3.0, 4.0]])


def test_cat_of_only_empty_1d_tensors_and_the_dtype_of_a_skipped_one():
    assert mg.cat([mg.tensor([]), mg.tensor([])]).shape == (0,)
    # the skipped float32 (0,) tensor still decides the dtype, as in PyTorch
    out = mg.cat([t([[1, 2]], dtype=np.int64), mg.tensor([])], dim=1)
    assert out.shape == (1, 2) and out.dtype == np.float32

"""jacobian and hessian (PyTorch's torch.autograd.functional), against derivatives by hand."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd.functional import hessian, jacobian


def t(values, requires_grad=False):
    return mg.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def test_jacobian_of_an_elementwise_function_is_diagonal():
    x = np.array([0.5, -1.0, 2.0])
    found = jacobian(lambda a: a.exp() * a, t(x))  # d(x e^x)/dx = (1 + x) e^x
    np.testing.assert_allclose(found.numpy(), np.diag((1 + x) * np.exp(x)), rtol=1e-12)
    assert found.requires_grad is False


def test_jacobian_of_several_inputs_and_outputs_is_a_tuple_of_tuples():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0])

    def f(a, b):
        return (a[:2] * b).exp(), a.sum() * b  # shapes (2,) and (2,)

    (d0_dx, d0_dy), (d1_dx, d1_dy) = jacobian(f, (t(x), t(y)))
    first = np.exp(x[:2] * y)
    np.testing.assert_allclose(d0_dx.numpy(), np.c_[np.diag(first * y), np.zeros(2)], rtol=1e-12)
    np.testing.assert_allclose(d0_dy.numpy(), np.diag(first * x[:2]), rtol=1e-12)
    np.testing.assert_allclose(d1_dx.numpy(), np.outer(y, np.ones(3)), rtol=1e-12)
    np.testing.assert_allclose(d1_dy.numpy(), x.sum() * np.eye(2), rtol=1e-12)
    assert d0_dx.shape == (2, 3)  # output shape + input shape


def test_an_unused_input_gets_zeros_unless_strict():
    x, y = t([1.0, 2.0]), t([3.0])
    _, d_dy = jacobian(lambda a, b: a * 2, (x, y))
    np.testing.assert_array_equal(d_dy.numpy(), np.zeros((2, 1)))
    with pytest.raises(RuntimeError, match="output 0 does not depend on input 1"):
        jacobian(lambda a, b: a * 2, (x, y), strict=True)


def test_hessian_of_a_scalar_function():
    x, y = np.array([1.0, -2.0]), np.array([0.5, 3.0])

    def f(a, b):  # sum(a^3) sum(b) + a . b
        return (a**3).sum() * b.sum() + (a * b).sum()

    (hxx, hxy), (hyx, hyy) = hessian(f, (t(x), t(y)))
    np.testing.assert_allclose(hxx.numpy(), np.diag(6 * x * y.sum()), rtol=1e-12)
    np.testing.assert_allclose(hxy.numpy(), np.outer(3 * x**2, np.ones(2)) + np.eye(2))
    np.testing.assert_allclose(hyx.numpy(), hxy.numpy().T)
    np.testing.assert_array_equal(hyy.numpy(), np.zeros((2, 2)))
    single = hessian(lambda a: (a**3).sum(), t(x))
    np.testing.assert_allclose(single.numpy(), np.diag(6 * x), rtol=1e-12)


def test_hessian_needs_a_single_value():
    with pytest.raises(RuntimeError, match="single value"):
        hessian(lambda a: a * a, t([1.0, 2.0]))


def test_create_graph_makes_the_jacobian_differentiable():
    x = t([1.0, 2.0], requires_grad=True)
    found = jacobian(lambda a: a**3, x, create_graph=True)  # diag(3 x^2)
    found.sum().backward()  # d/dx sum(3 x^2) = 6 x
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0], rtol=1e-12)


def test_the_functions_are_also_minigrad_autograd_functional():
    assert mg.autograd.functional.jacobian is jacobian
    assert mg.jacobians.hessian is hessian

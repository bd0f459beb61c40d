"""jacobian, hessian, vjp, jvp, vhp and hvp (PyTorch's torch.autograd.functional), against
derivatives by hand."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp


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


# ---- vjp, jvp, vhp, hvp --------------------------------------------------------------------------
def test_vjp_is_v_times_the_jacobian_shaped_as_the_inputs():
    x, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, -2.0, 3.0])
    out, found = vjp(lambda a: a.exp() * a, t(x), t(v))  # J = diag((1 + x) e^x)
    np.testing.assert_allclose(out.numpy(), x * np.exp(x), rtol=1e-12)
    np.testing.assert_allclose(found.numpy(), v * (1 + x) * np.exp(x), rtol=1e-12)
    assert not out.requires_grad and not found.requires_grad  # detached without create_graph
    # two inputs, two outputs: v a tuple over the outputs, the result a tuple over the inputs
    y, w = np.array([0.5, -1.0]), (np.array([2.0, 1.0]), np.array([1.0, 3.0]))
    (o0, o1), (d_dx, d_dy) = vjp(
        lambda a, b: (a[:2] * b, a.sum() * b), (t(x), t(y)), tuple(map(t, w))
    )
    np.testing.assert_allclose(o1.numpy(), x.sum() * y)
    np.testing.assert_allclose(d_dx.numpy(), np.r_[w[0] * y, 0.0] + (w[1] * y).sum(), rtol=1e-12)
    np.testing.assert_allclose(d_dy.numpy(), w[0] * x[:2] + w[1] * x.sum(), rtol=1e-12)


def test_vjp_v_may_be_left_out_only_for_a_one_element_output():
    x = np.array([0.5, -1.0, 2.0])
    out, found = vjp(lambda a: (a * a).sum(), t(x))  # v = 1: the gradient 2x
    assert isinstance(found, mg.Tensor) and out.shape == ()
    np.testing.assert_allclose(found.numpy(), 2 * x)
    with pytest.raises(RuntimeError, match="v can only be None if the user-provided function"):
        vjp(lambda a: a * a, t(x))
    with pytest.raises(RuntimeError, match=r"v has invalid size: should be \(3,\) but got \(2,\)"):
        vjp(lambda a: a * a, t(x), t([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="v is a tuple of invalid length: should be 2 but got 1"):
        vjp(lambda a: (a, a * 2), t(x), (t(x),))
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        vjp(lambda a: a * a, [t(x)], t(x))  # a list is not a tuple, as in PyTorch


def test_jvp_by_the_double_backward_trick_is_the_jacobian_times_v():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0])
    u, w = np.array([1.0, -1.0, 2.0]), np.array([3.0, 0.5])

    def f(a, b):
        return (a[:2] * b).exp(), a.sum() * b

    (o0, o1), (j0, j1) = jvp(f, (t(x), t(y)), (t(u), t(w)))  # shaped as the outputs
    e = np.exp(x[:2] * y)
    np.testing.assert_allclose(o0.numpy(), e, rtol=1e-12)
    np.testing.assert_allclose(j0.numpy(), e * (y * u[:2] + x[:2] * w), rtol=1e-12)
    np.testing.assert_allclose(j1.numpy(), u.sum() * y + x.sum() * w, rtol=1e-12)
    assert not j0.requires_grad and not o0.requires_grad
    # v may be left out for a one-element input only
    out, found = jvp(lambda a: a * a * t([1.0, 2.0]), t([3.0]))
    np.testing.assert_allclose(found.numpy(), [6.0, 12.0])  # d/da (a^2 c) = 2 a c
    with pytest.raises(RuntimeError, match="v can only be None if the input"):
        jvp(lambda a: a * a, t(x))
    # an output that depends on no input: zeros, or PyTorch's error with strict
    _, (k0, k1) = jvp(lambda a: (a * 2, t(y) * 1), t(x), t(u))
    np.testing.assert_array_equal(k1.numpy(), np.zeros(2))
    np.testing.assert_allclose(k0.numpy(), 2 * u)
    with pytest.raises(RuntimeError, match="Output 1 of the user-provided function does not"):
        jvp(lambda a: (a * 2, t(y) * 1), t(x), t(u), strict=True)


def test_vhp_and_hvp_multiply_the_hessian():
    x, y = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    u, w = np.array([2.0, 1.0]), np.array([-1.0, 4.0])

    def f(a, b):  # sum(a^3) sum(b) + a . b; the Hessian of test_hessian_of_a_scalar_function
        return (a**3).sum() * b.sum() + (a * b).sum()

    hxx, hxy = np.diag(6 * x * y.sum()), np.outer(3 * x**2, np.ones(2)) + np.eye(2)
    for product in (vhp, hvp):
        out, (dx, dy) = product(f, (t(x), t(y)), (t(u), t(w)))
        np.testing.assert_allclose(out.numpy(), (x**3).sum() * y.sum() + x @ y)
        np.testing.assert_allclose(dx.numpy(), hxx @ u + hxy @ w, rtol=1e-12)
        np.testing.assert_allclose(dy.numpy(), hxy.T @ u, rtol=1e-12)  # hyy = 0
        _, single = product(lambda a: (a**3).sum(), t(x), t(u))  # a Tensor for a Tensor
        np.testing.assert_allclose(single.numpy(), 6 * x * u, rtol=1e-12)
        with pytest.raises(RuntimeError, match="should contain a single element"):
            product(lambda a: a**3, t(x), t(u))
        with pytest.raises(RuntimeError, match="should return a single Tensor"):
            product(lambda a: ((a**3).sum(),), t(x), t(u))


def test_hessian_products_of_a_linear_function_are_zeros_unless_strict():
    x = t([1.0, 2.0])
    for product in (vhp, hvp):
        _, found = product(lambda a: (a * 2).sum(), x, x)
        np.testing.assert_array_equal(found.numpy(), [0.0, 0.0])
        with pytest.raises(RuntimeError, match="the jacobian of the user-provided function"):
            product(lambda a: (a * 2).sum(), x, x, strict=True)


def test_vjp_strict_refuses_an_unused_input():
    x, y = t([1.0, 2.0]), t([3.0])
    _, (dx, dy) = vjp(lambda a, b: a * 2, (x, y), x)
    np.testing.assert_array_equal(dy.numpy(), [0.0])
    np.testing.assert_array_equal(dx.numpy(), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="independent of input 1"):
        vjp(lambda a, b: a * 2, (x, y), x, strict=True)


def test_create_graph_makes_the_products_differentiable_in_the_input_and_in_v():
    x, v = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    cases = {  # the product for f, and its derivatives in x and in v, of sum(product)
        vjp: (lambda a: a**3, 3 * x**2 * v, 6 * x * v, 3 * x**2),
        jvp: (lambda a: a**3, 3 * x**2 * v, 6 * x * v, 3 * x**2),
        vhp: (lambda a: (a**3).sum(), 6 * x * v, 6 * v, 6 * x),
        hvp: (lambda a: (a**3).sum(), 6 * x * v, 6 * v, 6 * x),
    }
    for product, (f, value, d_dx, d_dv) in cases.items():
        a, b = t(x, requires_grad=True), t(v, requires_grad=True)
        out, found = product(f, a, b, create_graph=True)
        assert out.requires_grad and found.requires_grad
        np.testing.assert_allclose(found.numpy(), value, rtol=1e-12)
        ga, gb = mg.grad(found.sum(), [a, b])
        np.testing.assert_allclose(ga.numpy(), d_dx, rtol=1e-12, err_msg=product.__name__)
        np.testing.assert_allclose(gb.numpy(), d_dv, rtol=1e-12, err_msg=product.__name__)


def test_the_products_are_also_minigrad_autograd_functional():
    for product in (vjp, jvp, vhp, hvp):
        assert getattr(mg.autograd.functional, product.__name__) is product

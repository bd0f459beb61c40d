"""PyTorch's form of a custom Function (static ``forward(ctx, ...)``, ``backward(ctx, grad)``):
the ctx features of PyTorch's "Extending torch.autograd", with values by hand."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function, once_differentiable


def t(values, requires_grad=False):
    return mg.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


class ScaledSquare(Function):  # k a^2, with what the ctx saw kept on it for the tests
    @staticmethod
    def forward(ctx, a, k=1.0, unused=None):
        ctx.seen_in_forward = ctx.needs_input_grad
        ctx.save_for_backward(a, None)  # None may be saved, as in PyTorch
        ctx.k = k
        return a * a * k

    @staticmethod
    def backward(ctx, grad_output):
        a, nothing = ctx.saved_tensors
        assert nothing is None
        ctx.seen_in_backward = ctx.needs_input_grad
        return grad_output * 2 * ctx.k * a, None, None


def test_needs_input_grad_has_one_entry_per_argument_in_forward_and_backward():
    x = t([1.0, -2.0], requires_grad=True)
    y = ScaledSquare.apply(x, 3.0, t([5.0]))
    assert y._ctx.seen_in_forward == (True, False, False)  # a float and a constant: False
    (g,) = mg.grad(y.sum(), [x], retain_graph=True)
    np.testing.assert_allclose(g.numpy(), [6.0, -12.0])  # 2 k a
    assert y._ctx.seen_in_backward == (True, False, False)


def test_apply_binds_keyword_arguments_to_forward_as_pytorch_does():
    x = t([1.0, -2.0], requires_grad=True)
    y = ScaledSquare.apply(x, k=3.0)
    np.testing.assert_allclose(y.numpy(), [3.0, 12.0])
    (g,) = mg.grad(y.sum(), [x])
    np.testing.assert_allclose(g.numpy(), [6.0, -12.0])
    np.testing.assert_allclose(ScaledSquare.apply(a=x, k=2.0).detach().numpy(), [2.0, 8.0])
    with pytest.raises(TypeError, match="unexpected keyword argument 'q'"):
        ScaledSquare.apply(x, q=3.0)


def test_save_for_backward_refuses_what_is_not_a_tensor():
    class SavesAnInt(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a, 3)
            return a * 1

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    with pytest.raises(TypeError, match="argument 1 is of type int"):
        SavesAnInt.apply(t([1.0], requires_grad=True))


def test_a_marked_output_does_not_require_grad():
    class Positive(Function):
        @staticmethod
        def forward(ctx, a):
            out = (a > 0).to(a.dtype)
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    x = t([1.0, -2.0], requires_grad=True)
    y = Positive.apply(x)
    assert not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), [1.0, 0.0])
    assert ScaledSquare.apply(x).requires_grad  # unmarked: recorded


def test_set_materialize_grads_is_accepted_and_backward_gets_the_gradient():
    class Double(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.set_materialize_grads(False)
            return a * 2

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    x = t([1.0, 3.0], requires_grad=True)
    (g,) = mg.grad((Double.apply(x) * t([1.0, 5.0])).sum(), [x])
    np.testing.assert_array_equal(g.numpy(), [2.0, 10.0])


def test_a_forward_that_returns_no_tensor_hands_it_back_and_several_outputs_are_refused():
    class Constant(Function):
        @staticmethod
        def forward(ctx, a):
            return 3.5

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    assert Constant.apply(t([1.0], requires_grad=True)) == 3.5
    assert ScaledSquare.apply(2.0, 3.0) == 12.0  # no Tensor at all: forward alone

    class Two(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2, a * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    with pytest.raises(NotImplementedError, match="has one output"):
        Two.apply(t([1.0], requires_grad=True))


def test_backward_must_return_one_gradient_per_argument():
    class TooFew(Function):
        @staticmethod
        def forward(ctx, a, k):
            return a * k

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    y = TooFew.apply(t([1.0], requires_grad=True), 2.0)
    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 2, got 1\)"):
        y.sum().backward()


class OnceCube(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a**3

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return grad_output * 3 * a * a


def test_once_differentiable_allows_create_graph_but_refuses_a_second_derivative():
    x = t([1.0, -2.0], requires_grad=True)
    (g,) = mg.grad(OnceCube.apply(x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.numpy(), [3.0, 12.0])  # 3 a^2
    y = OnceCube.apply(x)
    (g,) = mg.grad((y * y).sum(), [x], create_graph=True)  # 2 y 3 a^2 = 6 a^5
    np.testing.assert_allclose(g.detach().numpy(), [6.0, -192.0])
    with pytest.raises(RuntimeError, match="marked with @once_differentiable"):
        mg.grad(g.sum(), [x])
    # an unmarked ctx-style backward refuses create_graph outright
    with pytest.raises(RuntimeError, match="first derivatives only"):
        mg.grad(ScaledSquare.apply(x).sum(), [x], create_graph=True)

"""PyTorch's remaining factories and helpers: Tensor.new_*, randperm, normal, bernoulli,
is_tensor, numel, inference_mode, and the unary in-place methods (abs_, exp_, ...)."""

import numpy as np
import pytest

import minigrad as mg


def test_new_factories_take_the_tensor_s_dtype_and_device():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64)
    for made in (x.new_zeros(2, 3), x.new_ones((2, 3)), x.new_empty([2, 3])):
        assert made.shape == (2, 3) and made.dtype == mg.float64 and made.device is x.device
    assert x.new_zeros(2).numpy().tolist() == [0, 0] and x.new_ones(()).item() == 1
    full = x.new_full((2,), 3)
    assert full.dtype == mg.float64 and full.numpy().tolist() == [3, 3]  # not the int's int64
    copy = x.new_tensor([1, 2])
    assert copy.dtype == mg.float64 and copy.device is x.device
    assert x.new_zeros(2, dtype=mg.int64).dtype == mg.int64
    assert x.new_ones(2, requires_grad=True).requires_grad


def test_randperm_is_a_seeded_permutation():
    mg.manual_seed(0)
    first = mg.randperm(10)
    mg.manual_seed(0)
    again = mg.randperm(10)
    assert sorted(first.numpy().tolist()) == list(range(10)) and first.dtype == mg.int64
    assert first.numpy().tolist() == again.numpy().tolist()
    assert mg.randperm(0).shape == (0,)


def test_normal_forms_moments_and_gradients():
    mg.manual_seed(0)
    sample = mg.normal(2.0, 3.0, size=(20000,))
    assert sample.dtype == mg.get_default_dtype()
    assert abs(float(sample.mean().item()) - 2.0) < 0.1
    assert abs(float(sample.std().item()) - 3.0) < 0.1
    assert mg.normal(mg.zeros(2, 1), mg.ones(3)).shape == (2, 3)  # broadcast
    assert mg.normal(mg.zeros(4, dtype=mg.float64)).dtype == mg.float64
    mean = mg.zeros(3, dtype=mg.float64, requires_grad=True)
    std = mg.full((3,), 2.0, dtype=mg.float64, requires_grad=True)
    z = mg.normal(mean, std)
    z.sum().backward()
    np.testing.assert_array_equal(mean.grad.numpy(), [1, 1, 1])  # dz/dmean = 1
    np.testing.assert_allclose(std.grad.numpy(), z.numpy() / 2.0)  # dz/dstd = e = (z - 0) / 2


def test_bernoulli_draws_ones_with_probability_p():
    mg.manual_seed(0)
    p = mg.tensor(np.array([0.0, 1.0, 0.25] * 4000), dtype=mg.float64)
    draws = mg.bernoulli(p).numpy().reshape(-1, 3)
    assert set(np.unique(draws)) <= {0.0, 1.0}
    assert draws[:, 0].sum() == 0 and draws[:, 1].sum() == 4000
    assert abs(draws[:, 2].mean() - 0.25) < 0.03
    assert mg.bernoulli(p).dtype == mg.float64


def test_is_tensor_and_numel():
    assert mg.is_tensor(mg.zeros(1)) and not mg.is_tensor(np.zeros(1))
    assert mg.numel(mg.zeros(2, 3)) == 6 and mg.numel(mg.tensor(1.0)) == 1


def test_inference_mode_is_no_grad_as_block_and_decorator():
    w = mg.ones(2, requires_grad=True)
    with mg.inference_mode():
        assert not (w * 2).requires_grad
    assert (w * 2).requires_grad

    @mg.inference_mode
    def bare():
        return (w * 2).requires_grad

    @mg.inference_mode()
    def called():
        return (w * 2).requires_grad

    @mg.inference_mode(False)
    def off():
        return (w * 2).requires_grad

    assert not bare() and not called() and off()
    with mg.no_grad(), mg.inference_mode(False):  # False changes nothing, as in PyTorch
        assert not (w * 2).requires_grad


def test_unary_in_place_methods_write_self():
    x = mg.tensor([-4.0, 9.0])
    assert x.abs_() is x and x.numpy().tolist() == [4, 9]
    x.sqrt_().neg_()
    assert x.numpy().tolist() == [-2, -3] and x._version == 3
    x.clamp_min_(-2.5).clamp_max_(-2.25)
    assert x.numpy().tolist() == [-2.25, -2.5]
    y = mg.tensor([0.0, 1.0])
    y.exp_()
    np.testing.assert_allclose(y.numpy(), [1, np.e], rtol=1e-6)
    y.log_()
    np.testing.assert_allclose(y.numpy(), [0, 1], atol=1e-6)
    with pytest.raises(TypeError, match=r"exp_: the result is float\d+, which cannot be stored"):
        mg.tensor([1, 2]).exp_()
    with pytest.raises(RuntimeError, match=r"cannot be changed in place \(abs_\)"):
        mg.ones(2, requires_grad=True).abs_()

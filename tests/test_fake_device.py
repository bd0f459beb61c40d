"""The whole op registry on a stand-in GPU whose arrays refuse NumPy, as CuPy's do.

If an op calls ``numpy`` on device data, or mixes a host array into a device computation, these
tests fail on a machine without a GPU, long before a user meets it on a real one.
"""

import numpy as np
import pytest
from fake_device import FAKE_GPU, FakeArray, HostTransfer

import minigrad as mg
from op_registry import CASES


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_registry_forward_matches_cpu_and_gradchecks_on_the_device(case):
    cpu_out = case.fn(*case.tensors("cpu"))
    inputs = case.tensors("fakegpu")
    out = case.fn(*inputs)
    assert out.device == "fakegpu" and isinstance(out.data, FakeArray)
    np.testing.assert_allclose(out.numpy(), cpu_out.numpy(), rtol=1e-12, atol=1e-12)
    assert mg.gradcheck(case.fn, *inputs)
    if case.second_order:
        assert mg.gradgradcheck(case.fn, *inputs)


def test_stand_in_refuses_numpy_on_device_data():
    x = mg.tensor([1.0, 2.0], device="fakegpu")
    with pytest.raises(TypeError, match="fakegpu"):
        np.exp(x.data)
    with pytest.raises(TypeError, match="fakegpu"):
        np.asarray(x.data)
    with pytest.raises(TypeError, match="fakegpu"):
        x.data + np.ones(2)


def test_mixing_devices_names_both():
    a = mg.tensor([1.0], device="fakegpu")
    b = mg.tensor([1.0])
    with pytest.raises(RuntimeError, match="different devices.*fakegpu.*cpu"):
        a + b
    with pytest.raises(RuntimeError, match="different devices"):
        a @ mg.tensor([[1.0]])


def test_moving_between_devices_round_trips():
    x = mg.tensor([[1.0, 2.0]], requires_grad=True)
    y = x.to("fakegpu")
    assert y.device == FAKE_GPU and y.requires_grad and y.dtype == np.float32
    back = y.to("cpu")
    assert type(back.data) is np.ndarray
    np.testing.assert_array_equal(back.numpy(), [[1.0, 2.0]])


def test_backward_on_the_device_copies_nothing_to_the_host():
    x = mg.Tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True, device="fakegpu")
    w = mg.Tensor(np.ones((4, 2)), requires_grad=True, device="fakegpu")
    before = HostTransfer.count
    loss = mg.nn.functional.cross_entropy(mg.tanh(x @ w), mg.tensor([0, 1, 1], device="fakegpu"))
    loss.backward()
    assert isinstance(x.grad.data, FakeArray) and isinstance(w.grad.data, FakeArray)
    assert HostTransfer.count == before

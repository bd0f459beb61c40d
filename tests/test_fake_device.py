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


def test_import_minigrad_does_not_import_cupy():
    import subprocess
    import sys

    code = "import sys, minigrad, optim, schedulers, regularizers; print('cupy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam", "AdamW"])
def test_a_full_training_step_stays_on_the_device(optimizer_name):
    """A CNN with batch norm and dropout, a scheduler-driven optimizer with an Elastic Net
    penalty, a shuffling DataLoader: every array stays on the device and nothing is copied
    back to the host inside the steps."""
    import optim
    import regularizers
    import schedulers

    nn = mg.nn
    mg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.2), nn.Linear(4 * 4 * 4, 3),
    ).to("fakegpu")  # fmt: skip
    kwargs = {"momentum": 0.9} if optimizer_name == "SGD" else {}
    optimizer = getattr(optim, optimizer_name)(
        model.parameters(),
        lr=0.05,
        penalty=regularizers.ElasticNet(1e-3, 0.5),
        scheduler=schedulers.CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=2),
        **kwargs,
    )
    rng = np.random.default_rng(0)
    images = rng.standard_normal((16, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 3, 16)
    loader = mg.data.DataLoader((images, labels), batch_size=8, shuffle=True, device="fakegpu")
    before = HostTransfer.count
    for x, y in loader:
        optimizer.zero_grad()
        loss = mg.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    assert HostTransfer.count == before, "a training step copied device data to the host"
    for p in model.parameters():
        assert isinstance(p.data, FakeArray) and p.dtype == np.float32
    assert optimizer.state, "the optimizer kept no state"
    for state in optimizer.state.values():
        for value in state.values():
            assert not isinstance(value, np.ndarray), "optimizer state left the device"

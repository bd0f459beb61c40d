"""The whole op registry on a stand-in GPU whose arrays refuse NumPy, as CuPy's do.

If an op calls ``numpy`` on device data, or mixes a host array into a device computation, these
tests fail on a machine without a GPU, long before a user meets it on a real one.
"""

import numpy as np
import pytest
from fake_device import FAKE_GPU, FakeArray, Transfers, fake_xp

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
    b = mg.tensor([1.0], device="cpu")
    with pytest.raises(RuntimeError, match="different devices.*fakegpu.*cpu"):
        a + b
    with pytest.raises(RuntimeError, match="different devices"):
        a @ mg.tensor([[1.0]], device="cpu")


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
    before = Transfers.to_host
    loss = mg.nn.functional.cross_entropy(mg.tanh(x @ w), mg.tensor([0, 1, 1], device="fakegpu"))
    loss.backward()
    assert isinstance(x.grad.data, FakeArray) and isinstance(w.grad.data, FakeArray)
    assert Transfers.to_host == before


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
    batches = iter(loader)
    for _ in range(len(loader)):
        before = Transfers.snapshot()
        x, y = next(batches)
        assert Transfers.since(before) == {"to_host": 0, "syncs": 0, "to_device": 2}  # x and y
        before = Transfers.snapshot()
        optimizer.zero_grad()
        loss = mg.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        # The one documented wait: cross_entropy reads whether every label is in range.
        assert Transfers.since(before) == {"to_host": 0, "syncs": 1, "to_device": 0}
    for p in model.parameters():
        assert isinstance(p.data, FakeArray) and p.dtype == np.float32
    assert optimizer.state, "the optimizer kept no state"
    for state in optimizer.state.values():
        for value in state.values():
            assert not isinstance(value, np.ndarray), "optimizer state left the device"


def small_classifier():
    nn = mg.nn
    mg.manual_seed(0)
    return nn.Sequential(
        nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 3)
    ).to("fakegpu")  # fmt: skip


def test_an_evaluation_waits_only_for_the_numbers_it_reports():
    model = small_classifier().eval()
    x = mg.tensor(np.ones((6, 4), np.float32), device="fakegpu")
    y = mg.tensor([0, 1, 2, 0, 1, 2], device="fakegpu")
    before = Transfers.snapshot()
    with mg.no_grad():
        logits = model(x)
        loss = mg.nn.functional.cross_entropy(logits, y)
        correct = (logits.argmax(axis=1) == y).sum()
    assert Transfers.since(before) == {"to_host": 0, "syncs": 1, "to_device": 0}  # the labels
    before = Transfers.snapshot()
    loss.item(), correct.item()
    assert Transfers.since(before) == {"to_host": 0, "syncs": 2, "to_device": 0}


def test_a_checkpoint_copies_each_array_once_each_way(tmp_path):
    import optim

    model = small_classifier()
    optimizer = optim.Adam(model.parameters(), lr=0.1)
    mg.nn.functional.cross_entropy(
        model(mg.tensor(np.ones((4, 4), np.float32), device="fakegpu")),
        mg.tensor([0, 1, 2, 0], device="fakegpu"),
    ).backward()
    optimizer.step()
    arrays = len(model.state_dict()) + sum(
        len([k for k in state if k != "step"]) for state in optimizer.state.values()
    )
    before = Transfers.snapshot()
    mg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "ck")
    assert Transfers.since(before) == {"to_host": arrays, "syncs": 0, "to_device": 0}
    checkpoint = mg.load(tmp_path / "ck")
    before = Transfers.snapshot()
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    assert Transfers.since(before) == {"to_host": 0, "syncs": 0, "to_device": arrays}


def test_dropout_draws_its_mask_on_the_device_the_same_as_on_the_cpu_and_resumes():
    x_cpu = mg.tensor(np.ones((64, 32), np.float32), device="cpu")
    x_gpu = x_cpu.to("fakegpu")
    mg.manual_seed(3)
    state = mg.get_rng_state()
    before = Transfers.snapshot()
    on_gpu = mg.nn.functional.dropout(x_gpu, 0.25)
    assert Transfers.since(before) == {"to_host": 0, "syncs": 0, "to_device": 0}
    mg.set_rng_state(state)
    on_cpu = mg.nn.functional.dropout(x_cpu, 0.25)
    np.testing.assert_array_equal(on_gpu.numpy(), on_cpu.numpy())
    kept = (on_cpu.numpy() != 0).mean()
    assert abs(kept - 0.75) < 0.03  # 2048 draws: the standard error is about 0.01
    np.testing.assert_array_equal(on_cpu.numpy()[on_cpu.numpy() != 0], np.float32(1 / 0.75))
    again = mg.nn.functional.dropout(x_cpu, 0.25)  # the next call draws a new mask
    assert not np.array_equal(again.numpy(), on_cpu.numpy())


def test_the_stand_in_wraps_out_of_range_indices_as_cupy_does_and_minigrad_refuses_them():
    raw = mg.tensor([10.0, 20.0, 30.0], device="fakegpu").data
    assert raw[np.array([3])].get().tolist() == [10.0]  # what CuPy does: no error
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], device="fakegpu")
    for index in (np.array([2]), [0, -3], (slice(None), np.array([5])), (..., [2])):
        with pytest.raises(IndexError, match="out of bounds"):
            x[index]
        with pytest.raises(IndexError, match="out of bounds"), mg.no_grad():
            x[index] = 0.0
    on_device = mg.tensor([0, 2], device="fakegpu")  # an index already on the device
    with pytest.raises(IndexError, match="index 2 is out of bounds for axis 0 with size 2"):
        x[on_device]
    assert x[np.array([-2, 1])].numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_assigning_host_values_into_a_device_tensor_moves_them():
    x = mg.tensor(np.zeros((2, 2)), device="fakegpu")
    x[0] = [1.0, 2.0]
    x[1] = np.array([3.0, 4.0])
    assert x.numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match="value is on cpu and the tensor on fakegpu"):
        x[0] = mg.tensor([5.0, 6.0], device="cpu")


def test_a_device_index_must_name_the_one_device_minigrad_uses():
    assert mg.get_device("fakegpu:0") is FAKE_GPU
    with pytest.raises(ValueError, match="'fakegpu:1': minigrad uses one fakegpu device"):
        mg.tensor([1.0], device="fakegpu:1")
    with pytest.raises(ValueError, match="device index must be a non-negative int"):
        mg.get_device("fakegpu:x")


def test_the_default_device_receives_new_tensors_layers_and_batches():
    mg.set_default_device("fakegpu")
    try:
        assert mg.tensor([1.0]).device is FAKE_GPU
        assert mg.Tensor(np.ones(2)).device is FAKE_GPU
        assert all(p.device is FAKE_GPU for p in mg.nn.Linear(2, 2).parameters())
        (xb,) = next(iter(mg.data.DataLoader((np.ones((3, 2)),), batch_size=2)))
        assert xb.device is FAKE_GPU
        assert mg.tensor([1.0], device="cpu").device == "cpu"  # naming a device still wins
    finally:
        mg.set_default_device(None)
    assert mg.get_default_device() == "cpu" and mg.tensor([1.0]).device == "cpu"
    on_device = mg.tensor([1.0], device="fakegpu").data
    assert mg.Tensor(on_device).device is FAKE_GPU  # an array already on a device stays there


@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy smoothed", "embedding"])
def test_a_checked_index_is_read_once_not_again_by_getitem(loss):
    F = mg.nn.functional
    x = mg.tensor(np.ones((4, 3)), device="fakegpu", requires_grad=True)
    labels = mg.tensor([0, 1, 2, 1], device="fakegpu")
    table = mg.tensor(np.ones((5, 2)), device="fakegpu", requires_grad=True)
    make = {
        "nll_loss": lambda: F.nll_loss(x, labels),
        "cross_entropy smoothed": lambda: F.cross_entropy(x, labels, label_smoothing=0.1),
        "embedding": lambda: F.embedding(labels, table),
    }[loss]
    before = Transfers.snapshot()
    make().sum().backward()
    assert Transfers.since(before) == {"to_host": 0, "syncs": 1, "to_device": 0}


def test_a_cnn_step_launches_few_kernels():
    """On a GPU each array operation is a kernel launch costing microseconds of CPU time, which is
    what small steps spend their time on (docs/gpu.md). The stand-in counts them (``Launches``):
    this holds a CNN's forward and backward (conv, ReLU, max pool, linear, cross-entropy) to
    today's count, and max pooling's backward to its 4 (argmax, arange, compare, multiply; it was
    24, as passes per window position, which the CPU keeps: there they are the faster way)."""
    from fake_device import Launches

    nn = mg.nn
    mg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1568, 10)
    ).to("fakegpu")
    x = mg.randn(16, 1, 28, 28, device="fakegpu")
    y = mg.tensor(np.arange(16) % 10, device="fakegpu")
    mg.nn.functional.cross_entropy(model(x), y).backward()  # a first step, as a warm-up
    before = Launches.count
    mg.nn.functional.cross_entropy(model(x), y).backward()
    assert Launches.count - before <= 46

    windows = mg.randn(1, 8, 28, 28, device="fakegpu", requires_grad=True)
    pooled = mg.nn.functional.max_pool2d(windows, 2).sum()
    before = Launches.count
    pooled.backward()
    assert Launches.count - before <= 1 + 4 + 4  # the seed, FirstMax, Col2Im (4 slices)


def test_an_lstm_step_launches_a_fixed_number_of_kernels_per_time_step():
    """nn.LSTM runs each layer as one op (LSTMLayer), whose loop launches a fixed number of
    kernels per time step: today 11 forward and 24 backward (recorded op by op, as unroll does,
    it was 32 and 41). Measured as the difference between 16 and 8 steps, so what is paid once
    per sequence (the input's product, the weights' gradients) does not count."""
    from fake_device import Launches

    mg.manual_seed(0)
    lstm = mg.nn.LSTM(4, 8).to("fakegpu")
    counts = {}
    for steps in (8, 16):
        x = mg.randn(steps, 3, 4, device="fakegpu")
        lstm(x)[0].sum().backward()  # a first step, as a warm-up
        start = Launches.count
        out = lstm(x)[0]
        middle = Launches.count
        out.sum().backward()
        counts[steps] = (middle - start, Launches.count - middle)
    forward, backward = ((counts[16][k] - counts[8][k]) / 8 for k in (0, 1))
    assert forward <= 11 and backward <= 24


@pytest.mark.parametrize("name", ["maximum", "minimum", "logaddexp"])
def test_accumulate_off_numpy_is_numpys_accumulate(name):
    """backend.accumulate's log2(n)-pass scan (CuPy has no maximum.accumulate) gives NumPy's
    running op, at every length and along any axis; the stand-in refuses the ufunc method."""
    from minigrad.backend import accumulate

    rng = np.random.default_rng(0)
    for n in range(1, 18):
        data = rng.normal(size=(3, n)) * 50
        expected = getattr(np, name).accumulate(data, axis=1)
        found = accumulate(fake_xp, name, fake_xp.asarray(data), 1).get()
        np.testing.assert_allclose(found, expected, rtol=1e-13)
    with pytest.raises(NotImplementedError, match="not available in CuPy"):
        fake_xp.maximum.accumulate(fake_xp.asarray(data), axis=0)

"""Optimizers and EarlyStopping behave as documented when a gradient or a metric is non-finite,
and ``detect_anomaly`` points at the op, and the line, where a NaN is born in a training step.

What is documented, and tested here:

* ``Optimizer.step`` (optim/optimizer.py): a NaN or inf gradient is applied like any other, as in
  PyTorch. The parameter becomes non-finite, so do its running averages, and it stays so; other
  parameters (and other entries of the same one) are updated as usual; the step is counted and
  the scheduler advances. ``detect_anomaly`` is the tool to find where the NaN comes from.
* ``EarlyStopping`` (regularizers/early_stopping.py, docs/regularization.md): a NaN or infinite
  metric stops at once, even during the warm-up, and the best weights are loaded back.
"""

import inspect
import math
import os

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.backend import to_host
from minigrad.data import DataLoader
from minigrad.nn import functional as F
from minigrad.training import fit
from optim import SGD, Adam, AdamW
from regularizers import EarlyStopping
from schedulers import ExponentialLR, StepLR

NON_FINITE = pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=str)
# NaN and inf are the subject here, not a surprise: minigrad gives them without a NumPy warning.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def param(values):
    return mg.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def gradient(values):
    return mg.tensor(np.array(values, dtype=np.float64))


# ---- optimizers ---------------------------------------------------------------------------------
OPTIMIZERS = {
    "SGD": (lambda params, **kw: SGD(params, lr=0.1, **kw), None),
    "SGD momentum": (lambda p, **kw: SGD(p, lr=0.1, momentum=0.9, **kw), ["momentum_buffer"]),
    "SGD nesterov": (
        lambda p, **kw: SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01, **kw),
        ["momentum_buffer"],
    ),
    "Adam": (lambda p, **kw: Adam(p, lr=0.1, **kw), ["exp_avg", "exp_avg_sq"]),
    "Adam amsgrad": (
        lambda p, **kw: Adam(p, lr=0.1, amsgrad=True, **kw),
        ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    ),
    "AdamW": (lambda p, **kw: AdamW(p, lr=0.1, weight_decay=0.1, **kw), ["exp_avg", "exp_avg_sq"]),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@NON_FINITE
def test_a_non_finite_gradient_is_applied_and_only_its_own_entries_become_non_finite(name, bad):
    make, state_names = OPTIMIZERS[name]
    a, b = param([1.0, 2.0, 3.0]), param([1.0, 2.0])
    optimizer = make([a, b], scheduler=StepLR(step_size=1, gamma=0.5))
    # The same run with a finite gradient in place of the bad one, for every other entry.
    a_twin, b_twin = param([1.0, 2.0, 3.0]), param([1.0, 2.0])
    twin = make([a_twin, b_twin], scheduler=StepLR(step_size=1, gamma=0.5))

    a.grad, a_twin.grad = gradient([0.5, bad, -0.5]), gradient([0.5, 0.25, -0.5])
    b.grad, b_twin.grad = gradient([0.1, -0.2]), gradient([0.1, -0.2])
    optimizer.step()
    twin.step()

    assert not np.isfinite(a.numpy()[1])
    np.testing.assert_array_equal(a.numpy()[[0, 2]], a_twin.numpy()[[0, 2]])
    np.testing.assert_array_equal(b.numpy(), b_twin.numpy())
    for state_name in state_names or []:
        assert not np.isfinite(to_host(optimizer.state[a][state_name])[1]), state_name
    # The step counts, and the scheduler the optimizer owns moves on.
    assert optimizer._step_count == 1
    assert optimizer.param_groups[0]["lr"] == twin.param_groups[0]["lr"] == 0.05

    for _ in range(3):  # finite gradients from now on: the entry stays non-finite
        a.grad, a_twin.grad = gradient([0.5, 0.25, -0.5]), gradient([0.5, 0.25, -0.5])
        b.grad, b_twin.grad = gradient([0.1, -0.2]), gradient([0.1, -0.2])
        optimizer.step()
        twin.step()
    assert not np.isfinite(a.numpy()[1])
    np.testing.assert_array_equal(a.numpy()[[0, 2]], a_twin.numpy()[[0, 2]])
    np.testing.assert_array_equal(b.numpy(), b_twin.numpy())


def test_sgd_applies_a_nan_or_inf_gradient_as_the_formula_says():
    # theta - lr * g: NaN stays NaN, an inf gradient sends the entry to -inf (or +inf)
    theta = param([1.0, 1.0, 1.0])
    optimizer = SGD([theta], lr=0.1)
    theta.grad = gradient([math.nan, math.inf, -math.inf])
    optimizer.step()
    assert np.isnan(theta.numpy()[0])
    assert theta.numpy()[1] == -math.inf and theta.numpy()[2] == math.inf


# ---- early stopping -----------------------------------------------------------------------------
class TinyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(2, 1, dtype=np.float64)

    def forward(self, x):
        return self.layer(x)


METRICS = {
    "float": lambda v: v,
    "numpy float32": np.float32,
    "numpy float64": np.float64,
    "0-d Tensor": lambda v: mg.tensor(np.float64(v)),
    "one-element Tensor": lambda v: mg.tensor(np.array([v])),
}


@pytest.mark.parametrize("kind", sorted(METRICS))
@pytest.mark.parametrize("mode", ["min", "max"])
@NON_FINITE
def test_a_non_finite_metric_of_any_kind_stops_at_once_and_restores_the_best_weights(
    kind, mode, bad
):
    as_metric = METRICS[kind]
    model = TinyModel()
    early_stopping = EarlyStopping(patience=100, mode=mode)
    curve = [3.0, 1.0, 2.0] if mode == "min" else [1.0, 3.0, 2.0]
    weights_at = []
    for epoch, value in enumerate(curve):
        model.layer.weight.data[...] = epoch
        weights_at.append(model.layer.weight.numpy().copy())
        assert early_stopping.step(as_metric(value), model) is False

    model.layer.weight.data[...] = math.nan  # the diverged model
    assert early_stopping.step(as_metric(bad), model) is True
    assert early_stopping.stopped_epoch == 3
    assert early_stopping.best_epoch == 1
    assert early_stopping.best_score == (1.0 if mode == "min" else 3.0)
    np.testing.assert_array_equal(model.layer.weight.numpy(), weights_at[1])
    assert early_stopping.step(as_metric(0.5), model) is True  # and it stays stopped


@NON_FINITE
def test_a_non_finite_metric_at_the_first_epoch_stops_with_nothing_to_restore(bad):
    model = TinyModel()
    before = model.layer.weight.numpy().copy()
    early_stopping = EarlyStopping(patience=5)
    assert early_stopping.step(bad, model) is True
    assert early_stopping.best_score is None and early_stopping.restore(model) is False
    np.testing.assert_array_equal(model.layer.weight.numpy(), before)


@NON_FINITE
def test_a_non_finite_metric_stops_during_the_warm_up_and_the_stop_survives_a_checkpoint(
    bad, tmp_path
):
    early_stopping = EarlyStopping(patience=5, start_from_epoch=10)
    assert early_stopping.step(1.0) is False
    assert early_stopping.step(bad) is True
    assert early_stopping.best_score is None  # the warm-up epoch never counted, the NaN neither
    path = os.path.join(tmp_path, "stopper.npz")
    mg.save(early_stopping.state_dict(), path)
    resumed = EarlyStopping(patience=5, start_from_epoch=10)
    resumed.load_state_dict(mg.load(path))
    assert resumed.stopped_epoch == 1 and resumed.step(0.5) is True


def test_a_diverging_run_is_stopped_by_early_stopping_with_the_best_weights_back():
    # Linear regression with a learning rate that grows 1.5x per step (as in an lr range test):
    # the loss falls, then, once the rate is far too large, grows until it overflows.
    generator = np.random.default_rng(0)
    x = generator.normal(size=(16, 2)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0]], dtype=np.float32)).astype(np.float32)
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 1))
    early_stopping = EarlyStopping(patience=1000)
    snapshots = []
    history = fit(
        model,
        DataLoader((x, y), batch_size=16),
        SGD(model.parameters(), lr=0.05, scheduler=ExponentialLR(gamma=1.5)),
        F.mse_loss,
        epochs=200,
        val_loader=DataLoader((x, y), batch_size=16),
        early_stopping=early_stopping,
        progress=False,
        metrics={},
        on_epoch_end=lambda epoch, h: snapshots.append(model.state_dict()["0.weight"].copy()),
    )
    losses = history["val_loss"]
    assert not math.isfinite(losses[-1]) and all(math.isfinite(v) for v in losses[:-1])
    assert history["stopped_epoch"] == len(losses) - 1 < 199
    best = int(np.argmin(losses[:-1]))
    assert history["best_epoch"] == best > 0
    # on_epoch_end ran before the stop restored anything: snapshots[best] is the best epoch's
    np.testing.assert_array_equal(model.state_dict()["0.weight"], snapshots[best])
    assert np.isfinite(model.state_dict()["0.weight"]).all()


# ---- detect_anomaly in a training step ----------------------------------------------------------
def naive_cross_entropy(logits, targets):
    probabilities = mg.softmax(logits, axis=1)
    picked = probabilities[np.arange(len(targets)), targets]
    return -mg.log(picked).mean()


def euclidean_loss(output, target):
    return mg.sqrt(((output - target) ** 2).sum(axis=1)).mean()


def line_of(function, text):
    """'test_nonfinite.py:<line>' of the line of ``function`` that contains ``text``."""
    lines, first = inspect.getsourcelines(function)
    (offset,) = [i for i, line in enumerate(lines) if text in line]
    return f"test_nonfinite.py:{first + offset}"


def confident_model():
    """A model whose logits differ by 1e4: softmax rounds the losing class's probability to 0."""
    model = nn.Sequential(nn.Linear(2, 2, dtype=np.float64))
    with mg.no_grad():
        model[0].weight[...] = [[1e4, 0.0], [0.0, 0.0]]
        model[0].bias[...] = 0.0
    return model


def test_detect_anomaly_names_the_op_and_line_where_a_training_loss_turns_infinite():
    model = confident_model()
    optimizer = SGD(model.parameters(), lr=0.1)
    before = [p.numpy().copy() for p in model.parameters()]
    x, targets = np.ones((4, 2)), np.array([1, 1, 0, 0])  # class 1 has probability exactly 0

    with mg.detect_anomaly():
        with pytest.raises(FloatingPointError) as caught:
            loss = naive_cross_entropy(model(mg.tensor(x)), targets)
            loss.backward()
            optimizer.step()
    message = str(caught.value)
    assert "Log produced NaN or inf in its forward result" in message
    assert "input shapes (4,)" in message
    assert line_of(naive_cross_entropy, "mg.log(") in message
    for p, old in zip(model.parameters(), before):  # it stopped before the step
        np.testing.assert_array_equal(p.numpy(), old)

    # The stable loss on the same logits is finite (huge) and trains.
    with mg.detect_anomaly():
        loss = F.cross_entropy(model(mg.tensor(x)), targets)
        loss.backward()
        optimizer.step()
    assert math.isfinite(loss.item())
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())


def test_detect_anomaly_names_the_op_and_line_where_a_gradient_turns_nan_in_backward():
    # sqrt(0) = 0 is fine forward, but its gradient 1/(2 sqrt(0)) is inf, times 0: NaN
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2, dtype=np.float64))
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    with mg.no_grad():
        target = model(x).numpy().copy()
    target[1] += 1.0  # sample 0 hits its target exactly, sample 1 does not

    with mg.detect_anomaly():
        loss = euclidean_loss(model(x), mg.tensor(target))
        assert math.isfinite(loss.item())  # the forward pass is fine
        with pytest.raises(FloatingPointError) as caught:
            loss.backward()
    message = str(caught.value)
    assert "Sqrt produced NaN or inf in its backward gradient" in message
    assert "input shapes (2,)" in message
    assert line_of(euclidean_loss, "mg.sqrt(") in message
    assert all(p.grad is None for p in model.parameters())  # no NaN reached a .grad

    # Without detect_anomaly the same step silently turns the weights into NaN.
    optimizer = SGD(model.parameters(), lr=0.1)
    euclidean_loss(model(x), mg.tensor(target)).backward()
    optimizer.step()
    assert np.isnan(model[0].weight.numpy()).any()


def test_detect_anomaly_reports_a_nan_weight_at_the_users_line_that_runs_the_model():
    model = nn.Sequential(nn.Linear(2, 2, dtype=np.float64))
    model[0].weight.data[0, 0] = math.nan  # what a NaN gradient and optimizer.step() leave
    with mg.detect_anomaly(), pytest.raises(FloatingPointError) as caught:
        model(mg.tensor(np.ones((3, 2))))  # the op is made inside nn, but this line is named
    line = inspect.currentframe().f_lineno - 1
    assert "Linear produced NaN or inf in its forward result" in str(caught.value)
    assert f"test_nonfinite.py:{line}" in str(caught.value)

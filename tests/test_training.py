"""minigrad.training: what fit/evaluate accept as a batch, their means, and the mode they leave.

Expected values by hand (no torch)."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.data import DataLoader
from minigrad.training import evaluate, fit
from optim import SGD

X = np.arange(10, dtype=np.float32).reshape(5, 2)
Y = np.array([[1.0], [0.0], [2.0], [-1.0], [3.0]], dtype=np.float32)


def fixed_linear() -> nn.Linear:
    model = nn.Linear(2, 1)
    with mg.no_grad():  # Tensor's setitem moves host values to the tensor's device
        model.weight[...] = np.array([[0.5, -0.25]], dtype=np.float32)
        model.bias[...] = 1.0
    return model


def hand_mse() -> float:
    prediction = X @ np.array([0.5, -0.25]) + 1.0
    return float(((prediction - Y[:, 0]) ** 2).mean())


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5])
def test_evaluate_is_the_per_sample_mean_however_the_last_batch_is_cut(batch_size):
    result = evaluate(fixed_linear(), DataLoader((X, Y), batch_size=batch_size), nn.MSELoss(), {})
    assert result["loss"] == pytest.approx(hand_mse(), rel=1e-6)


def test_a_summed_loss_is_reported_per_sample_and_an_unreduced_one_refused():
    loader = DataLoader((X, Y), batch_size=2)
    summed = evaluate(fixed_linear(), loader, nn.MSELoss(reduction="sum"), {})
    assert summed["loss"] == pytest.approx(hand_mse(), rel=1e-6)
    with pytest.raises(ValueError, match="reduction='mean' or 'sum'"):
        evaluate(fixed_linear(), loader, nn.MSELoss(reduction="none"), {})


def test_a_loader_over_one_array_is_refused_rather_than_unpacked_into_two_rows():
    # A Tensor batch of 2 rows used to unpack into inputs=row 0, targets=row 1.
    with pytest.raises(TypeError, match=r"a pair \(inputs, targets\).*got a Tensor"):
        evaluate(fixed_linear(), DataLoader(X, batch_size=2), nn.MSELoss(), {})
    model = fixed_linear()
    with pytest.raises(TypeError, match="got a Tensor"):
        fit(model, DataLoader(X, batch_size=2), SGD(model.parameters(), lr=0.1), nn.MSELoss(), 1)


def test_dict_batches_and_triples_are_refused_clearly():
    class Dicts:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": X[i], "y": Y[i]}

    with pytest.raises(TypeError, match=r"dict with keys \['x', 'y'\]"):
        evaluate(fixed_linear(), DataLoader(Dicts(), batch_size=2), nn.MSELoss(), {})
    triples = DataLoader((X, Y, Y), batch_size=2)
    with pytest.raises(ValueError, match="got a list of 3 items"):
        evaluate(fixed_linear(), triples, nn.MSELoss(), {})


def test_tuple_batches_from_a_collate_fn_and_unbatched_samples_work():
    def as_tuple(samples):
        return mg.Tensor(np.stack([s[0] for s in samples])), mg.Tensor(
            np.stack([s[1] for s in samples])
        )

    loader = DataLoader((X, Y), batch_size=2, collate_fn=as_tuple)
    assert evaluate(fixed_linear(), loader, nn.MSELoss(), {})["loss"] == pytest.approx(hand_mse())
    # batch_size=None: one sample at a time, a 0-d target counts as one sample
    model = nn.Linear(2, 1)
    model.weight.data[...] = 0.0
    model.bias.data[...] = 1.0
    targets = np.array([1.0, 3.0, 0.0], dtype=np.float32)
    samples = DataLoader((X[:3], targets), batch_size=None)

    def loss(output, target):
        return ((output.sum() - target) ** 2).mean()

    # (1-1)^2, (1-3)^2, (1-0)^2: mean 5/3
    assert evaluate(model, samples, loss, {})["loss"] == pytest.approx(5 / 3)


def test_evaluate_puts_the_mode_back_even_when_a_batch_raises():
    model = nn.Sequential(nn.Linear(2, 1), nn.Dropout(0.5))

    def broken(output, target):
        raise RuntimeError("broken loss")

    assert model.training
    with pytest.raises(RuntimeError, match="broken loss"):
        evaluate(model, DataLoader((X, Y), batch_size=2), broken, {})
    assert model.training
    model.eval()
    evaluate(model, DataLoader((X, Y), batch_size=2), nn.MSELoss(), {})
    assert not model.training


def test_a_metric_may_return_a_plain_number():
    result = evaluate(
        fixed_linear(), DataLoader((X, Y), batch_size=2), nn.MSELoss(), {"one": lambda o, t: 1.0}
    )
    assert result["one"] == 1.0

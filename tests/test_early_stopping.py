"""EarlyStopping, specified by scripted validation curves.

Each curve is a list of per-epoch validation metrics; epochs are counted from 0. Most values are
dyadic fractions (0.5, 0.25, 0.125, ...) so that the ``min_delta`` edge cases compare exactly.
The model in most tests is a stand-in: anything with ``state_dict()`` / ``load_state_dict()``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regularizers import EarlyStopping


class ScriptedModel:
    """A model whose one weight array holds the index of the epoch that produced it.

    ``state_dict`` hands out the live array (as real models do), and training overwrites it in
    place, so an EarlyStopping that kept a reference instead of a copy would be caught.
    """

    def __init__(self) -> None:
        self.weight = np.zeros(3)
        self.steps = np.array(0)

    def train_epoch(self, epoch: int) -> None:
        self.weight[...] = epoch
        self.steps += 1

    def state_dict(self) -> dict:
        return {"weight": self.weight, "steps": self.steps}

    def load_state_dict(self, state: dict) -> None:
        self.weight[...] = state["weight"]
        self.steps[...] = state["steps"]


def run(curve, model=None, **kwargs):
    """Feed ``curve`` to a new EarlyStopping; return it and the epoch it stopped at (or None)."""
    early_stopping = EarlyStopping(**kwargs)
    for epoch, metric in enumerate(curve):
        if model is not None:
            model.train_epoch(epoch)
        if early_stopping.step(metric, model):
            return early_stopping, epoch
    return early_stopping, None


# --- when it stops, and which epoch is best -------------------------------------------------------


def test_stops_after_patience_epochs_without_improvement():
    #        epoch:  0    1    2    3    4    5    6
    curve = [5.0, 4.0, 3.0, 3.5, 3.25, 3.125, 1.0]
    early_stopping, stopped = run(curve, patience=3)
    assert stopped == 5  # epochs 3, 4, 5 fail to beat 3.0; epoch 6 is never seen
    assert early_stopping.stopped_epoch == 5
    assert early_stopping.best_epoch == 2
    assert early_stopping.best_score == 3.0
    assert early_stopping.wait == 3


def test_epochs_are_counted_from_zero():
    early_stopping, stopped = run([1.0, 2.0], patience=1)
    assert (early_stopping.best_epoch, stopped) == (0, 1)


def test_an_improvement_resets_the_wait():
    curve = [4.0, 5.0, 5.0, 3.0, 5.0, 5.0, 5.0]
    early_stopping, stopped = run(curve, patience=3)
    assert early_stopping.best_epoch == 3
    assert stopped == 6


def test_patience_zero_stops_at_the_first_epoch_without_improvement():
    early_stopping, stopped = run([3.0, 2.0, 2.5, 1.0], patience=0)
    assert (early_stopping.best_epoch, stopped) == (1, 2)


def test_an_equal_metric_is_not_an_improvement():
    early_stopping, stopped = run([1.0, 1.0, 1.0], patience=2)
    assert (early_stopping.best_epoch, stopped) == (0, 2)


def test_never_stops_while_the_metric_keeps_improving():
    early_stopping, stopped = run([1.0 / (epoch + 1) for epoch in range(50)], patience=1)
    assert stopped is None
    assert early_stopping.stopped_epoch is None
    assert early_stopping.best_epoch == 49
    assert early_stopping.wait == 0


# --- min_delta: Keras semantics, improvement must beat the best by MORE than min_delta ------------


def test_beating_the_best_by_exactly_min_delta_is_not_an_improvement():
    early_stopping, stopped = run([1.0, 0.75, 0.75], patience=2, min_delta=0.25)
    assert 1.0 - 0.75 == 0.25  # exact in binary floating point
    assert (early_stopping.best_epoch, stopped) == (0, 2)


def test_beating_the_best_by_more_than_min_delta_is_an_improvement():
    early_stopping, stopped = run([1.0, 0.75, 0.5, 0.5], patience=2, min_delta=0.25)
    assert early_stopping.best_epoch == 2  # 1.0 - 0.5 = 0.5 > 0.25
    assert stopped is None


def test_min_delta_is_measured_from_the_best_not_from_the_previous_epoch():
    # Steps of 0.125 never beat the previous epoch by more than 0.25, but epoch 3 beats the best
    # (epoch 0) by 0.375: slow steady progress still counts.
    curve = [1.0, 0.875, 0.75, 0.625, 0.5, 0.375]
    early_stopping, stopped = run(curve, patience=3, min_delta=0.25)
    assert stopped is None
    assert early_stopping.best_epoch == 3  # then 0.625 - 0.25 = 0.375 is again only equal
    assert early_stopping.best_score == 0.625
    assert early_stopping.wait == 2


# --- mode='max' -----------------------------------------------------------------------------------


def test_max_mode_treats_higher_as_better():
    accuracy = [0.5, 0.75, 0.875, 0.875, 0.75, 1.0]
    early_stopping, stopped = run(accuracy, patience=2, mode="max")
    assert (early_stopping.best_epoch, early_stopping.best_score, stopped) == (2, 0.875, 4)


def test_max_mode_min_delta_edge():
    early_stopping, stopped = run([0.5, 0.75, 0.875], patience=5, mode="max", min_delta=0.25)
    assert early_stopping.best_epoch == 2  # 0.75 - 0.5 = 0.25 is not more than 0.25
    assert early_stopping.wait == 0
    early_stopping, _ = run([0.5, 0.75], patience=5, mode="max", min_delta=0.25)
    assert (early_stopping.best_epoch, early_stopping.wait) == (0, 1)


# --- NaN and infinity stop at once ----------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("mode", ["min", "max"])
def test_a_non_finite_metric_stops_at_once_and_restores_the_best(bad, mode):
    good = [3.0, 2.0, 1.0] if mode == "min" else [1.0, 2.0, 3.0]
    model = ScriptedModel()
    early_stopping, stopped = run([*good, bad, *good], model=model, patience=100, mode=mode)
    assert stopped == 3
    assert early_stopping.best_epoch == 2
    assert model.weight.tolist() == [2.0, 2.0, 2.0]  # back to the best epoch's weights


def test_a_non_finite_metric_stops_even_during_warm_up():
    early_stopping, stopped = run([1.0, math.nan, 0.5], patience=5, start_from_epoch=10)
    assert stopped == 1
    assert early_stopping.best_score is None


# --- baseline -------------------------------------------------------------------------------------


def test_nothing_counts_as_best_until_the_baseline_is_beaten():
    model = ScriptedModel()
    early_stopping, stopped = run([0.9, 0.8, 0.7, 0.1], model=model, patience=3, baseline=0.5)
    assert stopped == 2
    assert early_stopping.best_score is None and early_stopping.best_epoch is None
    assert model.weight.tolist() == [2.0, 2.0, 2.0]  # no best epoch: the weights stay as they are
    assert early_stopping.restore(model) is False


def test_the_first_epoch_that_beats_the_baseline_becomes_the_best():
    curve = [0.9, 0.75, 0.25, 0.375, 0.375, 0.375]
    early_stopping, stopped = run(curve, patience=3, baseline=0.5)
    assert early_stopping.best_epoch == 2  # epochs 0 and 1 counted towards patience
    assert stopped == 5


def test_the_baseline_must_be_beaten_by_more_than_min_delta():
    curve = [0.375, 0.25, 0.25]
    early_stopping, stopped = run(curve, patience=2, baseline=0.5, min_delta=0.125)
    assert early_stopping.best_epoch == 1  # 0.5 - 0.375 = 0.125 is not enough; 0.25 is
    assert stopped is None


def test_baseline_in_max_mode():
    early_stopping, stopped = run([0.5, 0.75, 0.875, 0.5], patience=3, mode="max", baseline=0.8)
    assert (early_stopping.best_epoch, stopped) == (2, None)
    early_stopping, stopped = run([0.5, 0.75, 0.5], patience=2, mode="max", baseline=0.8)
    assert (early_stopping.best_epoch, stopped) == (None, 1)


# --- start_from_epoch -----------------------------------------------------------------------------


def test_epochs_before_start_from_epoch_are_ignored():
    # Without the warm-up, epoch 0's lucky 0.125 would be the best and the run would stop at 2.
    curve = [0.125, 5.0, 4.0, 3.0, 3.0, 3.0, 3.0]
    early_stopping, stopped = run(curve, patience=2)
    assert (early_stopping.best_epoch, stopped) == (0, 2)
    early_stopping, stopped = run(curve, patience=2, start_from_epoch=1)
    assert (early_stopping.best_epoch, early_stopping.best_score, stopped) == (3, 3.0, 5)


def test_ignored_epochs_do_not_count_towards_patience():
    early_stopping, stopped = run([9.0, 9.0, 9.0, 1.0, 2.0], patience=1, start_from_epoch=3)
    assert (early_stopping.best_epoch, stopped) == (3, 4)


# --- the best weights -----------------------------------------------------------------------------


def test_stopping_restores_a_copy_of_the_best_weights():
    model = ScriptedModel()
    early_stopping, stopped = run([3.0, 1.0, 2.0, 2.0, 2.0], model=model, patience=3)
    assert stopped == 4
    # The model was trained in place through epoch 4; a stored reference would read 4.
    assert model.weight.tolist() == [1.0, 1.0, 1.0]
    assert model.steps == 2
    # Training the restored model further must not corrupt the stored copy.
    model.train_epoch(99)
    assert early_stopping.best_weights["weight"].tolist() == [1.0, 1.0, 1.0]
    assert early_stopping.restore(model) is True
    assert model.weight.tolist() == [1.0, 1.0, 1.0]


def test_restore_at_the_end_of_a_run_that_never_stopped():
    model = ScriptedModel()
    early_stopping, stopped = run([3.0, 1.0, 2.0], model=model, patience=5)
    assert stopped is None
    assert model.weight.tolist() == [2.0, 2.0, 2.0]
    assert early_stopping.restore(model) is True
    assert model.weight.tolist() == [1.0, 1.0, 1.0]


def test_without_restore_best_weights_nothing_is_kept_or_restored():
    model = ScriptedModel()
    early_stopping, stopped = run([3.0, 1.0, 2.0, 2.0], model=model, patience=2,
                                  restore_best_weights=False)  # fmt: skip
    assert stopped == 3
    assert early_stopping.best_weights is None
    assert model.weight.tolist() == [3.0, 3.0, 3.0]
    assert early_stopping.restore(model) is False


def test_without_a_model_it_only_tracks_the_metric():
    early_stopping, stopped = run([3.0, 1.0, 2.0, 2.0], patience=2)
    assert stopped == 3 and early_stopping.best_weights is None


def test_state_dict_values_may_be_minigrad_tensors():
    import minigrad

    class TensorModel:
        def __init__(self) -> None:
            self.weight = minigrad.Tensor(np.zeros(2), requires_grad=True)

        def state_dict(self) -> dict:
            return {"weight": self.weight}

        def load_state_dict(self, state: dict) -> None:
            self.weight.data[...] = minigrad.Tensor(state["weight"], device=self.weight.device).data

    model = TensorModel()
    early_stopping = EarlyStopping(patience=1)
    for epoch, metric in enumerate([2.0, 1.0, 3.0]):
        model.weight.data[...] = epoch
        stop = early_stopping.step(minigrad.Tensor(metric), model)  # a Tensor metric works too
    assert stop
    assert isinstance(early_stopping.best_weights["weight"], np.ndarray)
    assert model.weight.numpy().tolist() == [1.0, 1.0]


# --- resuming -------------------------------------------------------------------------------------


CURVE = [5.0, 4.0, 4.5, 3.0, 3.5, 3.25, 2.75, 3.0, 3.0, 3.0, 3.0, 1.0]


@pytest.mark.parametrize("split", range(len(CURVE)))
def test_a_resumed_run_stops_where_an_uninterrupted_one_would(split):
    options = dict(patience=3, min_delta=0.125, start_from_epoch=1)
    reference_model = ScriptedModel()
    reference, reference_stop = run(CURVE, model=reference_model, **options)
    assert reference_stop == 9 and reference.best_epoch == 6

    model = ScriptedModel()
    first = EarlyStopping(**options)
    stopped = None
    for epoch in range(split):
        model.train_epoch(epoch)
        if first.step(CURVE[epoch], model):
            stopped = epoch
            break
    checkpoint = json.loads(json.dumps({**first.state_dict(), "best_weights": None}))
    checkpoint["best_weights"] = first.state_dict()["best_weights"]

    second = EarlyStopping(**options)
    second.load_state_dict(checkpoint)
    for epoch in range(split, len(CURVE)):
        if stopped is not None:
            break
        model.train_epoch(epoch)
        if second.step(CURVE[epoch], model):
            stopped = epoch
    assert stopped == reference_stop
    for name in ("best_score", "best_epoch", "stopped_epoch", "wait", "epoch"):
        assert getattr(second, name) == getattr(reference, name), name
    assert model.weight.tolist() == reference_model.weight.tolist() == [6.0, 6.0, 6.0]


def test_state_dict_holds_a_copy_of_the_best_weights():
    model = ScriptedModel()
    early_stopping, _ = run([1.0, 2.0], model=model, patience=5)
    state = early_stopping.state_dict()
    state["best_weights"]["weight"][...] = 42.0
    assert early_stopping.best_weights["weight"].tolist() == [0.0, 0.0, 0.0]


def test_it_keeps_answering_stop_after_stopping():
    early_stopping, stopped = run([1.0, 2.0], patience=1)
    assert stopped == 1
    assert early_stopping.step(0.0) is True
    assert early_stopping.best_score == 1.0 and early_stopping.stopped_epoch == 1


def test_metric_may_be_a_numpy_scalar():
    early_stopping = EarlyStopping(patience=1)
    assert early_stopping.step(np.float32(1.5)) is False
    assert early_stopping.step(np.array(2.0)) is True
    assert early_stopping.best_score == 1.5 and isinstance(early_stopping.best_score, float)


# --- a property: the rule, restated ---------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    curve=st.lists(st.integers(0, 20), min_size=1, max_size=40),
    patience=st.integers(0, 6),
)
def test_stops_exactly_patience_epochs_after_the_first_minimum(curve, patience):
    # The stop comes at the first epoch without improvement that brings ``wait`` to patience;
    # so patience 0 and patience 1 both stop at the first epoch that fails to improve.
    early_stopping, stopped = run([float(value) for value in curve], patience=patience)
    seen = curve if stopped is None else curve[: stopped + 1]
    assert early_stopping.wait == len(seen) - 1 - early_stopping.best_epoch
    if stopped is None:
        assert early_stopping.wait < max(patience, 1)
    else:
        assert early_stopping.wait == max(patience, 1)
    assert early_stopping.best_epoch == int(np.argmin(seen))  # the first minimum seen
    assert early_stopping.best_score == min(seen)


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("patience", -1),
        ("min_delta", -0.1),
        ("min_delta", math.nan),
        ("min_delta", math.inf),
        ("mode", "minimum"),
        ("baseline", math.nan),
        ("baseline", math.inf),
        ("start_from_epoch", -1),
    ],
)
def test_bad_arguments_are_rejected_by_name(argument, value):
    with pytest.raises(ValueError, match=argument):
        EarlyStopping(**{argument: value})


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("patience", 1.5),
        ("patience", True),
        ("min_delta", "0.1"),
        ("restore_best_weights", "yes"),
        ("start_from_epoch", 2.0),
    ],
)
def test_arguments_of_the_wrong_type_are_type_errors_by_name(argument, value):
    with pytest.raises(TypeError, match=f"EarlyStopping: {argument} must be"):
        EarlyStopping(**{argument: value})


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        ("wait", -1, ValueError),
        ("epoch", 2.5, TypeError),
        ("best_score", math.nan, ValueError),
        ("best_epoch", "3", TypeError),
        ("stopped_epoch", -2, ValueError),
    ],
)
def test_load_state_dict_checks_the_counters_before_changing_anything(key, value, error):
    early_stopping = EarlyStopping(patience=3)
    early_stopping.step(1.0)
    state = early_stopping.state_dict()
    fresh = EarlyStopping(patience=3)
    with pytest.raises(error, match=f"EarlyStopping.load_state_dict: {key} must be"):
        fresh.load_state_dict({**state, key: value})
    assert fresh.epoch == 0 and fresh.best_score is None


def test_repr_shows_the_settings():
    text = repr(EarlyStopping(patience=3, mode="max"))
    assert "patience=3" in text and "mode='max'" in text


# --- a real overfitting run -----------------------------------------------------------------------


class WideMLP:
    """x -> tanh(x W1 + b1) W2 + b2 with 128 hidden units, built from bare minigrad Tensors.

    A stand-in for a minigrad.nn model (this test was written before minigrad.nn existed): it has
    the two methods EarlyStopping needs, and its state_dict hands out the live parameters.
    """

    def __init__(self, minigrad, rng, hidden=128):
        def parameter(values):
            return minigrad.Tensor(values, requires_grad=True)

        self.params = {
            "w1": parameter(4.0 * rng.standard_normal((1, hidden))),
            "b1": parameter(rng.uniform(-4.0, 4.0, hidden)),
            "w2": parameter(rng.standard_normal((hidden, 1)) / np.sqrt(hidden)),
            "b2": parameter(np.zeros(1)),
        }

    def __call__(self, x):
        p = self.params
        return (x @ p["w1"] + p["b1"]).tanh() @ p["w2"] + p["b2"]

    def state_dict(self) -> dict:
        return dict(self.params)

    def load_state_dict(self, state: dict) -> None:
        for name, value in state.items():
            param = self.params[name]
            param.data[...] = type(param)(value, device=param.device).data


def test_a_wide_mlp_on_a_small_noisy_set_stops_after_the_validation_minimum():
    import minigrad

    rng = np.random.default_rng(0)

    def sample(n):  # y = sin(3x) + noise: 10 points to train on, 200 to validate on
        x = rng.uniform(-1.0, 1.0, (n, 1))
        y = np.sin(3 * x) + 0.5 * rng.standard_normal((n, 1))
        return minigrad.Tensor(x), minigrad.Tensor(y)

    (x_train, y_train), (x_valid, y_valid) = sample(10), sample(200)
    model = WideMLP(minigrad, rng)

    def mse(x, y):
        return ((model(x) - y) ** 2).mean()

    early_stopping = EarlyStopping(patience=10)
    validation, training = [], []
    for _ in range(500):
        for _ in range(10):  # ten full-batch gradient steps per "epoch"
            loss = mse(x_train, y_train)
            for parameter in model.params.values():
                parameter.grad = None
            loss.backward()
            for parameter in model.params.values():
                parameter.data -= 0.01 * parameter.grad.data
        with minigrad.no_grad():
            training.append(mse(x_train, y_train).item())
            validation.append(mse(x_valid, y_valid).item())
        if early_stopping.step(validation[-1], model):
            break

    best, stopped = early_stopping.best_epoch, early_stopping.stopped_epoch
    assert stopped == len(validation) - 1 == best + 10  # patience epochs after the best
    assert best == int(np.argmin(validation)) and best > 0
    assert min(validation[best + 1 :]) > validation[best]  # validation got worse ...
    assert training[stopped] < training[best]  # ... while training kept improving: overfitting
    with minigrad.no_grad():
        restored = mse(x_valid, y_valid).item()
    assert restored == pytest.approx(early_stopping.best_score, rel=1e-12)  # the sweet spot
    assert early_stopping.best_score == min(validation)

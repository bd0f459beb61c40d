"""minigrad.checks: each check accepts what its rule allows, returns it in plain Python form,
and refuses the rest with a TypeError (wrong kind) or a ValueError (wrong value) whose message
names the owner, the argument, the rule and the value given."""

import math

import numpy as np
import pytest

from minigrad.checks import check_bool, check_choice, check_int, check_number

# --- check_number ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 3, 0.5, np.float32(0.25), np.float64(2.0), np.int64(7)])
def test_check_number_accepts_real_numbers_and_returns_a_python_float(value):
    result = check_number("SGD", "lr", value)
    assert type(result) is float and result == float(value)


@pytest.mark.parametrize("value", [True, np.bool_(False), "0.1", None, [0.1], np.array(0.1), 1j])
def test_check_number_refuses_what_is_not_a_real_number(value):
    with pytest.raises(TypeError, match=r"^SGD: lr must be a number, got .* \(\w+\)$"):
        check_number("SGD", "lr", value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float32("nan")])
def test_check_number_refuses_nan_and_inf_by_default(value):
    with pytest.raises(ValueError, match=r"^StepLR: gamma must be a finite number, got "):
        check_number("StepLR", "gamma", value)


def test_check_number_takes_inf_only_when_the_argument_allows_it_and_never_nan():
    assert check_number("Clip", "max_norm", math.inf, low=0, allow_inf=True) == math.inf
    with pytest.raises(ValueError, match=r"^Clip: max_norm must be a number >= 0 \(inf allowed\)"):
        check_number("Clip", "max_norm", math.nan, low=0, allow_inf=True)
    with pytest.raises(ValueError, match="got -inf"):
        check_number("Clip", "max_norm", -math.inf, low=0, allow_inf=True)


@pytest.mark.parametrize(
    "bounds, inside, outside, rule",
    [
        ({"low": 0}, [0, 1e300], [-1e-300], ">= 0"),
        ({"low": 0, "low_inclusive": False}, [1e-300], [0, -1], "> 0"),
        ({"high": 1}, [1, -5], [1.5], "<= 1"),
        ({"high": 1, "high_inclusive": False}, [0.999], [1], "< 1"),
        ({"low": 0, "high": 1}, [0, 1], [-0.1, 1.1], r"in \[0, 1\]"),
        ({"low": 0, "high": 1, "high_inclusive": False}, [0], [1], r"in \[0, 1\)"),
        ({"low": 0, "high": 1, "low_inclusive": False}, [1], [0], r"in \(0, 1\]"),
        ({"low": 1e-8}, [1e-8], [0], ">= 1e-08"),
    ],
)
def test_check_number_bounds_and_their_wording(bounds, inside, outside, rule):
    for value in inside:
        assert check_number("Owner", "x", value, **bounds) == value
    for value in outside:
        with pytest.raises(ValueError, match=rf"^Owner: x must be a finite number {rule}, got "):
            check_number("Owner", "x", value, **bounds)


def test_check_number_shows_the_value_as_given():
    with pytest.raises(ValueError, match=r"got -1$"):
        check_number("Dropout", "p", -1, low=0)
    with pytest.raises(ValueError, match=r"got 1\.5$"):
        check_number("Dropout", "p", np.float64(1.5), high=1)


# --- check_int ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 5, np.int64(3), np.int32(-2), np.uint8(9)])
def test_check_int_accepts_python_and_numpy_integers_and_returns_a_python_int(value):
    result = check_int("DataLoader", "batch_size", value)
    assert type(result) is int and result == int(value)


@pytest.mark.parametrize("value", [2.0, np.float64(3.0), True, np.bool_(True), "3", None])
def test_check_int_refuses_floats_bools_and_other_kinds(value):
    with pytest.raises(TypeError, match=r"^DataLoader: batch_size must be an integer, got "):
        check_int("DataLoader", "batch_size", value)


def test_check_int_bounds_are_inclusive():
    assert check_int("make_regression", "n_informative", 0, low=0, high=3) == 0
    assert check_int("make_regression", "n_informative", 3, low=0, high=3) == 3
    with pytest.raises(
        ValueError, match=r"^make_regression: n_informative must be an integer in \[0, 3\], got 4$"
    ):
        check_int("make_regression", "n_informative", 4, low=0, high=3)
    with pytest.raises(ValueError, match=r"^StepLR: step_size must be an integer >= 1, got 0$"):
        check_int("StepLR", "step_size", 0, low=1)
    with pytest.raises(ValueError, match=r"must be an integer <= 2, got 3$"):
        check_int("Owner", "x", 3, high=2)


# --- check_bool -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False, np.bool_(True), np.bool_(False)])
def test_check_bool_accepts_python_and_numpy_bools(value):
    result = check_bool("SGD", "nesterov", value)
    assert type(result) is bool and result == bool(value)


@pytest.mark.parametrize("value", ["no", "yes", 1, 0, 1.0, None, [True]])
def test_check_bool_refuses_values_that_are_merely_truthy_or_falsy(value):
    with pytest.raises(TypeError, match=r"^SGD: nesterov must be True or False, got .* \(\w+\)$"):
        check_bool("SGD", "nesterov", value)


# --- check_choice ---------------------------------------------------------------------------------


def test_check_choice_returns_an_allowed_value_itself():
    assert check_choice("EarlyStopping", "mode", "max", ("min", "max")) == "max"


@pytest.mark.parametrize(
    "choices, listed",
    [
        (("min", "max"), "'min' or 'max'"),
        (("mean", "sum", "none"), "'mean', 'sum' or 'none'"),
        (("cos",), "'cos'"),
    ],
)
def test_check_choice_lists_every_allowed_value(choices, listed):
    with pytest.raises(ValueError, match=rf"^Owner: mode must be {listed}, got 'best'$"):
        check_choice("Owner", "mode", "best", choices)


@pytest.mark.parametrize("value", [["min"], np.array(["min", "max"]), None, 3])
def test_check_choice_refuses_unhashable_and_other_values_without_comparing_arrays(value):
    with pytest.raises(ValueError, match="^EarlyStopping: mode must be 'min' or 'max', got "):
        check_choice("EarlyStopping", "mode", value, ("min", "max"))


def test_long_values_are_cut_short_in_messages():
    with pytest.raises(TypeError) as caught:
        check_number("SGD", "lr", "x" * 500)
    message = str(caught.value)
    assert len(message) < 120 and message.endswith("... (str)")

"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_`` against norms worked by hand.

The gradients are chosen so that every norm is a round number: [3, 4] and [12] have 2-norm
sqrt(9 + 16 + 144) = 13, 1-norm 19 and inf-norm 12.
"""

from __future__ import annotations

import math

import fake_device
import numpy as np
import pytest

import minigrad
from minigrad import Tensor
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_


def param_with_grad(values, grad, dtype=np.float64, device=None):
    p = Tensor(np.array(values, dtype=dtype), requires_grad=True, device=device)
    p.grad = Tensor(np.array(grad, dtype=dtype), device=p.device)
    return p


def two_params(dtype=np.float64, device=None):
    return [
        param_with_grad([0.0, 0.0], [3.0, 4.0], dtype, device),
        param_with_grad([0.0], [12.0], dtype, device),
    ]


def grads_of(params):
    return [p.grad.numpy().tolist() for p in params]


@pytest.mark.parametrize(
    "norm_type, total",
    [
        (2.0, 13.0),
        (1, 19.0),
        (math.inf, 12.0),
        ("inf", 12.0),
        (3, (27.0 + 64.0 + 1728.0) ** (1 / 3)),
    ],
    ids=["2-norm", "1-norm", "inf-norm", "'inf'", "3-norm"],
)
def test_clip_grad_norm_rescales_every_gradient_by_one_coefficient(norm_type, total):
    params = two_params()
    returned = clip_grad_norm_(params, max_norm=6.5, norm_type=norm_type)
    assert returned.shape == () and returned.dtype == np.float64
    assert returned.item() == pytest.approx(total, rel=1e-15)
    coef = 6.5 / (total + 1e-6)  # below 1: the gradients were too long
    expected = [[3.0 * coef, 4.0 * coef], [12.0 * coef]]
    for got, want in zip(grads_of(params), expected):
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_clip_grad_norm_leaves_short_gradients_as_they_are():
    params = two_params()
    assert clip_grad_norm_(params, max_norm=13.01).item() == 13.0
    assert grads_of(params) == [[3.0, 4.0], [12.0]]  # coef = min(13.01 / 13.000001, 1) = 1


def test_after_clipping_the_norm_is_max_norm():
    params = two_params()
    clip_grad_norm_(params, max_norm=1.0)
    assert clip_grad_norm_(params, max_norm=1.0).item() == pytest.approx(1.0, abs=1e-6)


def test_infinite_max_norm_only_measures():
    params = two_params()
    assert clip_grad_norm_(params, max_norm=float("inf")).item() == 13.0
    assert grads_of(params) == [[3.0, 4.0], [12.0]]


def test_parameters_without_a_gradient_are_skipped_and_a_single_tensor_or_generator_works():
    frozen = Tensor(np.array([100.0]), requires_grad=True)  # no .grad: not counted
    params = [*two_params(), frozen]
    assert clip_grad_norm_(iter(params), max_norm=100.0).item() == 13.0
    assert frozen.grad is None
    single = param_with_grad([0.0, 0.0], [3.0, 4.0])
    assert clip_grad_norm_(single, max_norm=1.0).item() == 5.0
    np.testing.assert_allclose(single.grad.numpy(), [3 / (5 + 1e-6), 4 / (5 + 1e-6)], rtol=1e-15)


def test_no_gradients_at_all_give_a_norm_of_zero():
    assert clip_grad_norm_([Tensor(np.ones(2), requires_grad=True)], 1.0).item() == 0.0
    assert clip_grad_norm_([], 1.0).item() == 0.0


def test_float32_gradients_stay_float32_and_huge_ones_do_not_overflow():
    params = [param_with_grad([0.0, 0.0], [1e20, 1e20], np.float32)]
    total = clip_grad_norm_(params, max_norm=1.0)
    # 1e20**2 overflows float32; the squares are summed in float64, so the norm stays finite
    assert total.dtype == np.float32
    assert total.item() == pytest.approx(math.sqrt(2) * 1e20, rel=1e-6)
    assert params[0].grad.dtype == np.float32
    np.testing.assert_allclose(params[0].grad.numpy(), [0.5**0.5] * 2, rtol=1e-6)


def test_a_nonfinite_norm_is_an_error_on_request_and_changes_nothing():
    params = [param_with_grad([0.0, 0.0], [float("nan"), 1.0]), *two_params()]
    with pytest.raises(RuntimeError, match="total norm of order 2 .* is nan"):
        clip_grad_norm_(params, max_norm=1.0, error_if_nonfinite=True)
    assert grads_of(params)[1:] == [[3.0, 4.0], [12.0]]


def test_an_infinite_norm_without_the_check_zeroes_the_finite_entries_as_pytorch_does():
    params = [param_with_grad([0.0, 0.0], [float("inf"), 1.0])]
    assert clip_grad_norm_(params, max_norm=1.0).item() == float("inf")
    got = params[0].grad.numpy()  # coef = 1 / inf = 0: inf * 0 is NaN, 1 * 0 is 0
    assert math.isnan(got[0]) and got[1] == 0.0


def test_clipping_counts_as_an_in_place_write_of_the_gradient():
    params = two_params()
    versions = [p.grad._version for p in params]
    clip_grad_norm_(params, max_norm=1.0)
    assert [p.grad._version for p in params] == [v + 1 for v in versions]
    clip_grad_value_(params, 0.1)
    assert [p.grad._version for p in params] == [v + 2 for v in versions]


def test_a_graph_that_read_the_gradient_refuses_to_backward_after_clipping():
    p = param_with_grad([1.0, 2.0], [3.0, 4.0])
    grad = p.grad.detach().requires_grad_()
    p.grad = grad
    y = (grad * grad).sum()  # the backward of grad * grad reads grad
    clip_grad_norm_([p], max_norm=1.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_clip_grad_value_clips_each_entry_on_its_own():
    p = param_with_grad([0.0, 0.0, 0.0], [-3.0, 0.5, 2.0])
    assert clip_grad_value_([p], clip_value=1.0) is None
    assert p.grad.numpy().tolist() == [-1.0, 0.5, 1.0]  # the direction changed: [-1, 0.5, 1]
    q = param_with_grad([0.0], [-3.0])
    clip_grad_value_(q, 0.0)  # a single tensor; 0 sets every entry to zero
    assert q.grad.numpy().tolist() == [0.0]


def test_gradients_on_two_devices_are_an_error():
    here = param_with_grad([0.0], [1.0], device="cpu")
    there = param_with_grad([0.0], [1.0], device=fake_device.FAKE_GPU)
    with pytest.raises(RuntimeError, match="cpu and fakegpu"):
        clip_grad_norm_([here, there], 1.0)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_on_a_device_the_norm_is_computed_and_applied_without_a_sync(norm_type):
    device, transfers = fake_device.FAKE_GPU, fake_device.Transfers
    params = two_params(np.float32, device)
    before = transfers.snapshot()
    total = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    assert transfers.since(before) == {"to_host": 0, "syncs": 0, "to_device": 0}
    assert total.device == device and all(p.grad.device == device for p in params)
    expected = two_params(np.float32, "cpu")
    clip_grad_norm_(expected, max_norm=1.0, norm_type=norm_type)
    assert total.item() == pytest.approx({2.0: 13.0, 1.0: 19.0, math.inf: 12.0}[norm_type])
    for p, q in zip(params, expected):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)

    before = transfers.snapshot()
    clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type, error_if_nonfinite=True)
    assert transfers.since(before) == {"to_host": 0, "syncs": 1, "to_device": 0}
    before = transfers.snapshot()
    clip_grad_value_(params, 0.01)
    assert transfers.since(before) == {"to_host": 0, "syncs": 0, "to_device": 0}


def test_reachable_as_in_pytorch():
    assert minigrad.nn.utils.clip_grad_norm_ is clip_grad_norm_
    assert minigrad.nn.utils.clip_grad_value_ is clip_grad_value_

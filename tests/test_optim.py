"""Optimizers: update rules checked by hand, parameter groups, saving, and the handshakes.

Every expected trajectory below is worked out in the test itself, step by step, from the update
rules in the optimizers' docstrings, with plain Python arithmetic: the gradients are given (not
computed from a loss) so that each number can be checked on paper.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import minigrad
from minigrad import Tensor
from minigrad.backend import to_host
from optim import (
    ASGD,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    NAdam,
    Optimizer,
    RAdam,
    RMSprop,
    Rprop,
)

# --- helpers --------------------------------------------------------------------------------------


def param(values, dtype=np.float64):
    """A parameter: a Tensor that requires grad."""
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def set_grad(p, values):
    p.grad = Tensor(np.array(values, dtype=p.dtype), device=p.device)


def run(optimizer, p, grads):
    """Step ``optimizer`` once per gradient in ``grads``; return p's values after each step."""
    values = []
    for g in grads:
        set_grad(p, g)
        optimizer.step()
        values.append(p.numpy().copy())
    return np.array(values)


def quadratic_loss(theta):
    """0.5 * sum(a * (theta - c)**2) with a = [1, 10], c = [3, -2]: ill-conditioned, minimum c."""
    a = Tensor(np.array([1.0, 10.0], dtype=theta.dtype))
    c = Tensor(np.array([3.0, -2.0], dtype=theta.dtype))
    return (a * (theta - c) ** 2).sum() * 0.5


def train(optimizer, p, steps, loss=quadratic_loss):
    for _ in range(steps):
        optimizer.zero_grad()
        loss(p).backward()
        optimizer.step()


class StandInPenalty:
    """The penalty protocol of ``regularizers`` (ElasticNet), in a few lines.

    Penalty l1_strength * sum|theta| + l2_strength / 2 * sum theta**2: the optimizer adds
    ``smooth_grad`` to the gradient and calls ``prox_`` (a soft-threshold) after its update.
    """

    def __init__(self, l1_strength, l2_strength):
        self.l1_strength, self.l2_strength = l1_strength, l2_strength

    def smooth_grad(self, theta):
        return self.l2_strength * theta

    def prox_(self, theta, lr):
        xp = minigrad.get_array_module(theta)
        threshold = lr * self.l1_strength
        theta[...] = xp.sign(theta) * xp.maximum(xp.abs(theta) - threshold, 0)


class HalvingScheduler:
    """The scheduler protocol of ``schedulers``, in a few lines: lr(t) = initial lr / 2**t."""

    def __init__(self):
        self.optimizer = None
        self.last_epoch = -1
        self.optimizer_steps_seen = []  # optimizer._step_count at each of our steps

    def bind(self, optimizer):
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._write()

    def step(self):
        self.optimizer_steps_seen.append(self.optimizer._step_count)
        self.last_epoch += 1
        self._write()

    def _write(self):
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base_lr / 2**self.last_epoch

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state):
        self.last_epoch, self.base_lrs = state["last_epoch"], list(state["base_lrs"])
        self._write()


# --- SGD, by hand ---------------------------------------------------------------------------------


def test_sgd_plain_steps_against_the_gradient():
    p = param([1.0, -2.0])
    optimizer = SGD([p], lr=0.1)
    values = run(optimizer, p, [[0.5, 1.0], [2.0, -1.0]])
    # theta <- theta - lr * g
    step1 = [1.0 - 0.1 * 0.5, -2.0 - 0.1 * 1.0]  # [0.95, -2.1]
    step2 = [step1[0] - 0.1 * 2.0, step1[1] - 0.1 * -1.0]  # [0.75, -2.0]
    np.testing.assert_allclose(values, [step1, step2], rtol=1e-14)


def test_sgd_momentum_buffer_starts_at_the_first_gradient():
    p = param([1.0])
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    values = run(optimizer, p, [[1.0], [2.0], [3.0]])
    b1 = 1.0  # first step: b = g
    b2 = 0.9 * b1 + 2.0  # 2.9
    b3 = 0.9 * b2 + 3.0  # 5.61
    theta1 = 1.0 - 0.1 * b1  # 0.9
    theta2 = theta1 - 0.1 * b2  # 0.61
    theta3 = theta2 - 0.1 * b3  # 0.049
    np.testing.assert_allclose(values[:, 0], [theta1, theta2, theta3], rtol=1e-12)
    np.testing.assert_allclose(to_host(optimizer.state[p]["momentum_buffer"]), [b3], rtol=1e-14)


def test_sgd_dampening_scales_new_gradients_but_not_the_first():
    p = param([1.0])
    optimizer = SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    values = run(optimizer, p, [[1.0], [2.0], [3.0]])
    b1 = 1.0  # the first step copies g, undampened (as PyTorch does)
    b2 = 0.9 * b1 + (1 - 0.5) * 2.0  # 1.9
    b3 = 0.9 * b2 + (1 - 0.5) * 3.0  # 3.21
    theta1 = 1.0 - 0.1 * b1  # 0.9
    theta2 = theta1 - 0.1 * b2  # 0.71
    theta3 = theta2 - 0.1 * b3  # 0.389
    np.testing.assert_allclose(values[:, 0], [theta1, theta2, theta3], rtol=1e-12)


def test_sgd_nesterov_steps_along_gradient_plus_momentum_times_buffer():
    p = param([1.0])
    optimizer = SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    values = run(optimizer, p, [[1.0], [2.0]])
    b1 = 1.0
    theta1 = 1.0 - 0.1 * (1.0 + 0.9 * b1)  # 1 - 0.19 = 0.81
    b2 = 0.9 * b1 + 2.0  # 2.9
    theta2 = theta1 - 0.1 * (2.0 + 0.9 * b2)  # 0.81 - 0.461 = 0.349
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-12)


def test_sgd_weight_decay_adds_lambda_theta_to_the_gradient():
    p = param([1.0])
    optimizer = SGD([p], lr=0.1, weight_decay=0.1)
    values = run(optimizer, p, [[1.0], [1.0]])
    theta1 = 1.0 - 0.1 * (1.0 + 0.1 * 1.0)  # 1 - 0.11 = 0.89
    theta2 = theta1 - 0.1 * (1.0 + 0.1 * theta1)  # 0.89 - 0.1089 = 0.7811
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-12)


def test_sgd_weight_decay_enters_the_momentum_buffer():
    p = param([1.0])
    optimizer = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1)
    values = run(optimizer, p, [[1.0], [1.0]])
    b1 = 1.0 + 0.1 * 1.0  # 1.1
    theta1 = 1.0 - 0.1 * b1  # 0.89
    b2 = 0.9 * b1 + (1.0 + 0.1 * theta1)  # 0.99 + 1.089 = 2.079
    theta2 = theta1 - 0.1 * b2  # 0.6821
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-12)


# --- Adam and AdamW, by hand ----------------------------------------------------------------------


def adam_reference_step(theta, m, v, g, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step on Python floats, exactly as written in the docstring."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    theta = theta - lr / (1 - beta1**t) * m / (math.sqrt(v) / math.sqrt(1 - beta2**t) + eps)
    return theta, m, v


def test_adam_two_steps_by_hand():
    p = param([1.0])
    optimizer = Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    values = run(optimizer, p, [[2.0], [-1.0]])
    # step 1: m = 0.1 * 2 = 0.2, v = 0.001 * 4 = 0.004; bias corrections 1 - 0.9 = 0.1 and
    # 1 - 0.999 = 0.001, so the step is 0.1 * (0.2 / 0.1) / (sqrt(0.004 / 0.001) + eps)
    # = 0.1 * 2 / 2: Adam's first step has length lr, whatever the gradient's size.
    m1, v1 = 0.1 * 2.0, 0.001 * 2.0**2
    theta1 = 1.0 - 0.1 / (1 - 0.9) * m1 / (math.sqrt(v1) / math.sqrt(1 - 0.999) + 1e-8)
    assert theta1 == pytest.approx(0.9, abs=1e-8)
    # step 2 (t = 2): m = 0.9 * 0.2 + 0.1 * -1 = 0.08, v = 0.999 * 0.004 + 0.001 * 1 = 0.004996
    m2, v2 = 0.9 * m1 + 0.1 * -1.0, 0.999 * v1 + 0.001 * (-1.0) ** 2
    theta2 = theta1 - 0.1 / (1 - 0.9**2) * m2 / (math.sqrt(v2) / math.sqrt(1 - 0.999**2) + 1e-8)
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-12)
    state = optimizer.state[p]
    assert state["step"] == 2
    m, v = to_host(state["exp_avg"]), to_host(state["exp_avg_sq"])
    np.testing.assert_allclose([m[0], v[0]], [m2, v2], rtol=1e-12)


def test_adam_amsgrad_divides_by_the_largest_v_seen():
    # A large gradient then small ones: v falls (0.5 * 100 = 50, then 25.005, ...), so plain Adam's
    # step grows again while AMSGrad keeps dividing by v_hat = 50.
    betas, lr, eps = (0.5, 0.5), 0.1, 1e-8
    grads = [10.0, 0.1, 0.1]

    p = param([1.0])
    values = run(Adam([p], lr=lr, betas=betas, eps=eps, amsgrad=True), p, [[g] for g in grads])

    theta, m, v, v_hat, expected = 1.0, 0.0, 0.0, 0.0, []
    for t, g in enumerate(grads, start=1):
        m = 0.5 * m + 0.5 * g
        v = 0.5 * v + 0.5 * g**2  # 50, 25.005, 12.5075
        v_hat = max(v_hat, v)  # 50, 50, 50
        theta = theta - lr / (1 - 0.5**t) * m / (math.sqrt(v_hat) / math.sqrt(1 - 0.5**t) + eps)
        expected.append(theta)
    np.testing.assert_allclose(values[:, 0], expected, rtol=1e-12)

    # plain Adam takes a different path from step 2 on: the difference v_hat makes
    q = param([1.0])
    plain = run(Adam([q], lr=lr, betas=betas, eps=eps), q, [[g] for g in grads])
    assert plain[0, 0] == values[0, 0]
    assert abs(plain[1, 0] - values[1, 0]) > 1e-3


def test_adam_weight_decay_is_added_to_the_gradient():
    p = param([1.0])
    values = run(Adam([p], lr=0.1, weight_decay=0.5), p, [[1.0], [1.0]])
    theta, m, v, expected = 1.0, 0.0, 0.0, []
    for t in (1, 2):
        g = 1.0 + 0.5 * theta  # g + lambda * theta, then the Adam step: 1.5, then 1 + 0.5 * 0.9
        theta, m, v = adam_reference_step(theta, m, v, g, t, lr=0.1)
        expected.append(theta)
    np.testing.assert_allclose(values[:, 0], expected, rtol=1e-12)


def test_adamw_decays_theta_first_with_the_scheduled_lr():
    p = param([1.0])
    optimizer = AdamW([p], lr=0.1, weight_decay=0.5, scheduler=HalvingScheduler())
    values = run(optimizer, p, [[2.0], [2.0]])
    # step 1, lr = 0.1: theta = 1 * (1 - 0.1 * 0.5) = 0.95, then Adam with g = 2 (no decay in g)
    theta1, m1, v1 = adam_reference_step(1.0 * (1 - 0.1 * 0.5), m=0.0, v=0.0, g=2.0, t=1, lr=0.1)
    # step 2, the scheduler halved lr to 0.05: theta *= 1 - 0.05 * 0.5, then Adam with lr 0.05
    theta2, _, _ = adam_reference_step(theta1 * (1 - 0.05 * 0.5), m1, v1, g=2.0, t=2, lr=0.05)
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-12)
    assert m1 == pytest.approx(0.2)  # the decay never entered m


def test_adamw_and_adam_weight_decay_differ():
    p, q = param([1.0]), param([1.0])
    adamw = run(AdamW([p], lr=0.1, weight_decay=0.5), p, [[2.0]] * 3)
    adam = run(Adam([q], lr=0.1, weight_decay=0.5), q, [[2.0]] * 3)
    assert not np.allclose(adamw, adam)


def test_adamw_default_weight_decay_is_one_hundredth():
    assert AdamW([param([1.0])]).param_groups[0]["weight_decay"] == 1e-2
    assert Adam([param([1.0])]).param_groups[0]["weight_decay"] == 0.0


# --- RMSprop and Adagrad, by hand -----------------------------------------------------------------


def test_rmsprop_two_steps_by_hand():
    p = param([1.0])
    optimizer = RMSprop([p], lr=0.01)  # alpha 0.99, eps 1e-8
    values = run(optimizer, p, [[2.0], [-1.0]])
    v1 = 0.01 * 2.0**2  # 0.04: v starts at zero and is not bias-corrected
    theta1 = 1.0 - 0.01 * 2.0 / (math.sqrt(v1) + 1e-8)  # 1 - 0.01 * 2 / 0.2 = 0.9: ten times lr
    v2 = 0.99 * v1 + 0.01 * (-1.0) ** 2  # 0.0496
    theta2 = theta1 - 0.01 * -1.0 / (math.sqrt(v2) + 1e-8)
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-14)
    assert theta1 == pytest.approx(0.9, abs=1e-7)
    np.testing.assert_allclose(to_host(optimizer.state[p]["square_avg"]), [v2], rtol=1e-14)
    assert optimizer.state[p]["step"] == 2 and sorted(optimizer.state[p]) == ["square_avg", "step"]


def test_rmsprop_momentum_accumulates_the_divided_step():
    p = param([1.0])
    optimizer = RMSprop([p], lr=0.01, alpha=0.9, momentum=0.5)
    values = run(optimizer, p, [[2.0], [-1.0], [3.0]])
    v1 = 0.1 * 4.0  # 0.4
    b1 = 2.0 / (math.sqrt(v1) + 1e-8)  # b starts at zero: b = 0.5 * 0 + g / d
    theta1 = 1.0 - 0.01 * b1
    v2 = 0.9 * v1 + 0.1 * 1.0  # 0.46
    b2 = 0.5 * b1 + -1.0 / (math.sqrt(v2) + 1e-8)
    theta2 = theta1 - 0.01 * b2
    v3 = 0.9 * v2 + 0.1 * 9.0  # 1.314
    b3 = 0.5 * b2 + 3.0 / (math.sqrt(v3) + 1e-8)
    theta3 = theta2 - 0.01 * b3
    np.testing.assert_allclose(values[:, 0], [theta1, theta2, theta3], rtol=1e-13)
    np.testing.assert_allclose(to_host(optimizer.state[p]["momentum_buffer"]), [b3], rtol=1e-13)


def test_rmsprop_centered_divides_by_the_standard_deviation():
    p = param([1.0])
    optimizer = RMSprop([p], lr=0.01, alpha=0.9, centered=True)
    values = run(optimizer, p, [[2.0], [-1.0]])
    v1, mean1 = 0.1 * 4.0, 0.1 * 2.0  # 0.4 and 0.2
    theta1 = 1.0 - 0.01 * 2.0 / (math.sqrt(v1 - mean1**2) + 1e-8)  # sqrt(0.36) = 0.6
    v2, mean2 = 0.9 * v1 + 0.1 * 1.0, 0.9 * mean1 + 0.1 * -1.0  # 0.46 and 0.08
    theta2 = theta1 - 0.01 * -1.0 / (math.sqrt(v2 - mean2**2) + 1e-8)  # sqrt(0.4536)
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-13)
    np.testing.assert_allclose(to_host(optimizer.state[p]["grad_avg"]), [mean2], rtol=1e-13)


def test_rmsprop_weight_decay_is_added_to_the_gradient_first():
    p = param([1.0])
    values = run(RMSprop([p], lr=0.01, weight_decay=0.5), p, [[2.0], [2.0]])
    g1 = 2.0 + 0.5 * 1.0  # 2.5
    v1 = 0.01 * g1**2
    theta1 = 1.0 - 0.01 * g1 / (math.sqrt(v1) + 1e-8)
    g2 = 2.0 + 0.5 * theta1
    v2 = 0.99 * v1 + 0.01 * g2**2
    theta2 = theta1 - 0.01 * g2 / (math.sqrt(v2) + 1e-8)
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-13)


def test_adagrad_two_steps_by_hand():
    p = param([1.0, 2.0])
    optimizer = Adagrad([p], lr=0.1)  # eps 1e-10
    values = run(optimizer, p, [[2.0, 0.5], [-1.0, 0.5]])
    s1 = [4.0, 0.25]  # the sum of squared gradients so far
    theta1 = [1.0 - 0.1 * 2.0 / (2.0 + 1e-10), 2.0 - 0.1 * 0.5 / (0.5 + 1e-10)]  # each moves lr
    s2 = [s1[0] + 1.0, s1[1] + 0.25]  # 5 and 0.5
    theta2 = [
        theta1[0] - 0.1 * -1.0 / (math.sqrt(s2[0]) + 1e-10),
        theta1[1] - 0.1 * 0.5 / (math.sqrt(s2[1]) + 1e-10),
    ]
    np.testing.assert_allclose(values, [theta1, theta2], rtol=1e-14)
    np.testing.assert_allclose(to_host(optimizer.state[p]["sum"]), s2, rtol=1e-14)
    assert optimizer.state[p]["step"] == 2


def test_adagrad_steps_shrink_like_one_over_root_t_for_a_constant_gradient():
    p = param([0.0])
    values = run(Adagrad([p], lr=0.1, eps=0.0), p, [[3.0]] * 4)
    # s_t = 9 t, so step t moves lr * 3 / sqrt(9 t) = lr / sqrt(t), whatever the gradient's size
    steps = -np.diff(np.concatenate([[0.0], values[:, 0]]))
    np.testing.assert_allclose(steps, [0.1 / math.sqrt(t) for t in (1, 2, 3, 4)], rtol=1e-14)


def test_adagrad_lr_decay_initial_accumulator_and_weight_decay():
    p = param([1.0])
    optimizer = Adagrad(
        [p], lr=0.1, lr_decay=0.5, initial_accumulator_value=1.0, weight_decay=0.2, eps=1e-3
    )
    values = run(optimizer, p, [[2.0], [-1.0]])
    g1 = 2.0 + 0.2 * 1.0  # 2.2
    s1 = 1.0 + g1**2  # s starts at initial_accumulator_value
    theta1 = 1.0 - 0.1 / (1 + 0 * 0.5) * g1 / (math.sqrt(s1) + 1e-3)
    g2 = -1.0 + 0.2 * theta1
    s2 = s1 + g2**2
    theta2 = theta1 - 0.1 / (1 + 1 * 0.5) * g2 / (math.sqrt(s2) + 1e-3)  # lr / 1.5 at t = 2
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-14)


def test_adagrad_accumulator_starts_from_the_groups_own_value():
    a, b = param([1.0]), param([1.0])
    optimizer = Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 3.0}])
    set_grad(a, [1.0])
    set_grad(b, [1.0])
    optimizer.step()
    assert to_host(optimizer.state[a]["sum"]).tolist() == [1.0]
    assert to_host(optimizer.state[b]["sum"]).tolist() == [4.0]


# --- every combination of flags -------------------------------------------------------------------

PENALTIES = [None, StandInPenalty(l1_strength=0.01, l2_strength=0.02)]
SGD_FLAGS = list(itertools.product([0.0, 0.9], [0.0, 0.5], [False, True], [0.0, 0.1], PENALTIES))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("momentum, dampening, nesterov, weight_decay, penalty", SGD_FLAGS)
def test_every_sgd_flag_combination(momentum, dampening, nesterov, weight_decay, penalty, dtype):
    p = param([0.0, 0.0], dtype)
    kwargs = dict(
        lr=0.02,
        momentum=momentum,
        dampening=dampening,
        nesterov=nesterov,
        weight_decay=weight_decay,
        penalty=penalty,
    )
    if nesterov and (momentum == 0 or dampening != 0):
        with pytest.raises(ValueError, match="nesterov"):
            SGD([p], **kwargs)
        return
    optimizer = SGD([p], **kwargs)
    start = quadratic_loss(p).item()
    train(optimizer, p, 20)
    assert p.dtype == dtype
    assert np.isfinite(p.numpy()).all()
    assert quadratic_loss(p).item() < start
    for value in optimizer.state[p].values():
        assert value.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "cls, amsgrad, weight_decay, penalty",
    list(itertools.product([Adam, AdamW], [False, True], [0.0, 0.1], PENALTIES)),
)
def test_every_adam_flag_combination(cls, amsgrad, weight_decay, penalty, dtype):
    p = param([0.0, 0.0], dtype)
    optimizer = cls([p], lr=0.05, amsgrad=amsgrad, weight_decay=weight_decay, penalty=penalty)
    start = quadratic_loss(p).item()
    train(optimizer, p, 20)
    assert p.dtype == dtype
    assert np.isfinite(p.numpy()).all()
    assert quadratic_loss(p).item() < start
    state = optimizer.state[p]
    assert state["step"] == 20 and isinstance(state["step"], int)
    arrays = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] if amsgrad else ["exp_avg", "exp_avg_sq"]
    assert sorted(state) == sorted(["step", *arrays])
    for name in arrays:
        assert state[name].dtype == dtype


RMSPROP_FLAGS = list(itertools.product([0.0, 0.9], [False, True], [0.0, 0.1], PENALTIES))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("momentum, centered, weight_decay, penalty", RMSPROP_FLAGS)
def test_every_rmsprop_flag_combination(momentum, centered, weight_decay, penalty, dtype):
    p = param([0.0, 0.0], dtype)
    optimizer = RMSprop(
        [p], lr=0.01, momentum=momentum, centered=centered, weight_decay=weight_decay,
        penalty=penalty,
    )  # fmt: skip
    start = quadratic_loss(p).item()
    train(optimizer, p, 20)
    assert p.dtype == dtype and np.isfinite(p.numpy()).all()
    assert quadratic_loss(p).item() < start
    state = optimizer.state[p]
    expected = (
        ["square_avg", "step"] + ["grad_avg"] * centered + ["momentum_buffer"] * (momentum > 0)
    )
    assert sorted(state) == sorted(expected) and state["step"] == 20
    assert all(state[name].dtype == dtype for name in expected if name != "step")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "lr_decay, weight_decay, penalty", list(itertools.product([0.0, 0.1], [0.0, 0.1], PENALTIES))
)
def test_every_adagrad_flag_combination(lr_decay, weight_decay, penalty, dtype):
    p = param([0.0, 0.0], dtype)
    optimizer = Adagrad(
        [p], lr=0.5, lr_decay=lr_decay, weight_decay=weight_decay, penalty=penalty,
        initial_accumulator_value=0.1,
    )  # fmt: skip
    start = quadratic_loss(p).item()
    train(optimizer, p, 20)
    assert p.dtype == dtype and np.isfinite(p.numpy()).all()
    assert quadratic_loss(p).item() < start
    state = optimizer.state[p]
    assert sorted(state) == ["step", "sum"] and state["sum"].dtype == dtype


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
        lambda ps: Adam(ps, lr=0.1, amsgrad=True, weight_decay=0.1),
        lambda ps: AdamW(ps, lr=0.1, amsgrad=True),
        lambda ps: RMSprop(ps, lr=0.1, momentum=0.9, centered=True, weight_decay=0.1),
        lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.1, weight_decay=0.1),
    ],
    ids=["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"],
)
def test_float32_stays_float32_even_with_numpy_float64_hyperparameters(make):
    p = param([1.0, -1.0], np.float32)
    optimizer = make([p])
    group = optimizer.param_groups[0]
    # A scheduler or a user may write NumPy float64 scalars; they must not promote the arrays.
    group["lr"] = np.float64(0.1)
    if "betas" in group:
        group["betas"] = (np.float64(0.9), np.float64(0.999))
    elif "momentum" in group:
        group["momentum"] = np.float64(0.9)
    for name in ("alpha", "eps", "lr_decay"):
        if name in group:
            group[name] = np.float64(group[name])
    for _ in range(3):
        set_grad(p, [0.5, -0.25])
        optimizer.step()
    assert p.data.dtype == np.float32
    for value in optimizer.state[p].values():
        assert not hasattr(value, "dtype") or value.dtype == np.float32


# --- what step() does and does not touch ----------------------------------------------------------


def test_parameters_without_a_gradient_are_skipped_and_their_state_does_not_advance():
    a, b = param([1.0]), param([1.0])
    optimizer = Adam([a, b], lr=0.1)
    set_grad(a, [1.0])
    optimizer.step()
    optimizer.step()
    assert b.numpy().tolist() == [1.0]
    assert b not in optimizer.state
    assert optimizer.state[a]["step"] == 2
    # b's first gradient gives Adam's first step (t = 1): length lr
    set_grad(b, [1.0])
    a.grad = None
    optimizer.step()
    assert optimizer.state[b]["step"] == 1 and optimizer.state[a]["step"] == 2
    np.testing.assert_allclose(b.numpy(), [0.9], rtol=1e-7)


def test_step_counts_every_call_even_with_no_gradients():
    optimizer = SGD([param([1.0])], lr=0.1)
    assert optimizer._step_count == 0
    optimizer.step()
    optimizer.step()
    assert optimizer._step_count == 2


def test_step_updates_in_place_and_leaves_the_gradient_alone():
    p = param([1.0, 2.0])
    array = p.data
    optimizer = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1, penalty=StandInPenalty(0.1, 0.1))
    set_grad(p, [1.0, 1.0])
    optimizer.step()
    optimizer.step()
    assert p.data is array
    assert p.grad.numpy().tolist() == [1.0, 1.0]
    assert optimizer.state[p]["momentum_buffer"] is not p.grad.data


def test_hyperparameters_are_read_from_the_group_at_every_step():
    p = param([1.0])
    optimizer = SGD([p], lr=0.1)
    set_grad(p, [1.0])
    optimizer.step()  # 1 - 0.1 = 0.9
    optimizer.param_groups[0]["lr"] = 0.5
    optimizer.step()  # 0.9 - 0.5 = 0.4
    np.testing.assert_allclose(p.numpy(), [0.4], rtol=1e-14)


# --- parameter groups -----------------------------------------------------------------------------


def test_each_group_gets_every_default_it_does_not_override():
    a, b = param([1.0]), param([1.0])
    optimizer = SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    first, second = optimizer.param_groups
    assert first == {
        "params": [a],
        "lr": 0.1,
        "momentum": 0.0,
        "dampening": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
        "maximize": False,
        "penalty": None,
    }
    assert second["params"] == [b] and second["lr"] == 0.5 and second["momentum"] == 0.9
    assert second["weight_decay"] == 0.0
    set_grad(a, [1.0])
    set_grad(b, [1.0])
    optimizer.step()
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0]], [1.0 - 0.1, 1.0 - 0.5])
    assert a not in optimizer.state or not optimizer.state[a]  # no momentum, no buffer
    assert "momentum_buffer" in optimizer.state[b]


def test_add_param_group_fills_defaults_and_the_new_group_steps():
    a, b = param([1.0]), param([1.0])
    optimizer = Adam([a], lr=0.1)
    optimizer.add_param_group({"params": [b], "betas": (0.5, 0.9)})
    assert optimizer.param_groups[1]["lr"] == 0.1
    assert optimizer.param_groups[1]["betas"] == (0.5, 0.9)
    set_grad(b, [3.0])
    optimizer.step()
    np.testing.assert_allclose(b.numpy(), [0.9], rtol=1e-7)  # Adam's first step: lr


def test_group_dicts_given_by_the_user_are_not_modified():
    p = param([1.0])
    group = {"params": [p]}
    SGD([group], lr=0.1)
    assert group == {"params": [p]}


def test_zero_grad_sets_gradients_to_none_by_default():
    a, b = param([1.0]), param([2.0])
    optimizer = SGD([a, b], lr=0.1)
    set_grad(a, [3.0])
    optimizer.zero_grad()
    assert a.grad is None and b.grad is None


def test_zero_grad_without_set_to_none_zeroes_in_place():
    a, b = param([1.0, 2.0]), param([2.0])
    optimizer = SGD([a, b], lr=0.1)
    set_grad(a, [3.0, 4.0])
    array = a.grad.data
    optimizer.zero_grad(set_to_none=False)
    assert a.grad.data is array
    assert a.grad.numpy().tolist() == [0.0, 0.0]
    assert b.grad is None  # nothing to zero


def test_repr_shows_the_class_groups_and_hyperparameters():
    optimizer = SGD([param([1.0]), param([2.0])], lr=0.1, momentum=0.9)
    text = repr(optimizer)
    assert text.startswith("SGD(")
    assert "group 0 (2 parameters)" in text and "lr=0.1" in text and "momentum=0.9" in text
    assert "scheduler" not in text
    assert "HalvingScheduler" in repr(SGD([param([1.0])], scheduler=HalvingScheduler()))


# --- convergence ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, steps",
    [
        (lambda ps: SGD(ps, lr=0.1), 300),
        (lambda ps: SGD(ps, lr=0.05, momentum=0.9), 300),
        (lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True), 300),
        (lambda ps: Adam(ps, lr=0.1), 500),
        (lambda ps: Adam(ps, lr=0.1, amsgrad=True), 500),
        (lambda ps: AdamW(ps, lr=0.1, weight_decay=0.0), 500),
        (lambda ps: RMSprop(ps, lr=0.01), 1000),
        (lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True), 500),
        (lambda ps: Adagrad(ps, lr=1.0), 500),
    ],
    ids=[
        "SGD",
        "momentum",
        "nesterov",
        "Adam",
        "AMSGrad",
        "AdamW",
        "RMSprop",
        "centered",
        "Adagrad",
    ],
)
def test_converges_to_the_minimum_of_a_quadratic(make, steps):
    p = param([0.0, 0.0])
    train(make([p]), p, steps)
    np.testing.assert_allclose(p.numpy(), [3.0, -2.0], atol=1e-3)


def test_adamw_converges_to_the_decayed_minimum():
    # With decoupled decay the fixed point is where the Adam step balances lr * lambda * theta;
    # it lies between 0 and the undecayed minimum, nearer the latter for small lambda.
    p = param([0.0, 0.0])
    train(AdamW([p], lr=0.05, weight_decay=0.01), p, 1000)
    assert 2.5 < p.numpy()[0] < 3.0 and -2.0 < p.numpy()[1] < -1.5


# --- saving and resuming --------------------------------------------------------------------------


def grads_at(step):
    """Deterministic gradients for the round-trip tests (a different one at every step)."""
    return [math.sin(step + 1.0), math.cos(2.0 * step)], [0.5 * math.sin(3.0 * step)]


def make_params():
    return param([1.0, -1.0], np.float32), param([0.5], np.float32)


OPTIMIZER_MAKERS = {
    "SGD": lambda groups, **kw: SGD(groups, lr=0.1, momentum=0.9, nesterov=True, **kw),
    "SGD-dampening": lambda groups, **kw: SGD(groups, lr=0.1, momentum=0.5, dampening=0.3, **kw),
    "Adam": lambda groups, **kw: Adam(groups, lr=0.1, amsgrad=True, weight_decay=0.01, **kw),
    "AdamW": lambda groups, **kw: AdamW(groups, lr=0.1, **kw),
    "RMSprop": lambda groups, **kw: RMSprop(
        groups, lr=0.01, momentum=0.9, centered=True, weight_decay=0.01, **kw
    ),
    "Adagrad": lambda groups, **kw: Adagrad(
        groups, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, **kw
    ),
    "Adamax": lambda groups, **kw: Adamax(groups, lr=0.1, weight_decay=0.01, **kw),
    "NAdam": lambda groups, **kw: NAdam(
        groups, lr=0.1, weight_decay=0.01, decoupled_weight_decay=True, **kw
    ),
    "RAdam": lambda groups, **kw: RAdam(groups, lr=0.1, betas=(0.9, 0.9), weight_decay=0.01, **kw),
    "Adadelta": lambda groups, **kw: Adadelta(groups, lr=1.0, weight_decay=0.01, **kw),
    "Rprop": lambda groups, **kw: Rprop(groups, lr=0.1, step_sizes=(1e-3, 1.0), **kw),
    "ASGD": lambda groups, **kw: ASGD(groups, lr=0.1, lambd=0.01, t0=1, **kw),
}


def train_with_grads(optimizer, params, steps):
    for step in steps:
        for p, g in zip(params, grads_at(step)):
            set_grad(p, g)
        optimizer.step()


@pytest.mark.parametrize("name", OPTIMIZER_MAKERS)
def test_state_dict_round_trip_continues_bitwise_identically(name):
    make = OPTIMIZER_MAKERS[name]

    def build(params):
        weight, bias = params
        groups = [{"params": [weight]}, {"params": [bias], "lr": 0.05, "penalty": None}]
        return make(groups, scheduler=HalvingScheduler(), penalty=StandInPenalty(0.01, 0.02))

    params = make_params()
    optimizer = build(params)
    train_with_grads(optimizer, params, range(3))
    saved = optimizer.state_dict()

    resumed_params = [Tensor(p.numpy().copy(), requires_grad=True) for p in params]
    resumed = build(resumed_params)
    resumed.load_state_dict(saved)
    assert resumed._step_count == 3
    assert resumed.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]

    train_with_grads(optimizer, params, range(3, 6))
    train_with_grads(resumed, resumed_params, range(3, 6))
    for p, q in zip(params, resumed_params):
        assert np.array_equal(p.numpy(), q.numpy())
        assert q.dtype == np.float32
    for p, q in zip(params, resumed_params):
        for key, value in optimizer.state[p].items():
            assert np.array_equal(to_host(value), to_host(resumed.state[q][key]))


def test_state_dict_holds_plain_values_keyed_by_position():
    a, b, c = param([1.0, 2.0]), param([3.0]), param([4.0])
    optimizer = Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, amsgrad=True)
    set_grad(a, [1.0, 1.0])
    set_grad(c, [1.0])
    optimizer.step()
    saved = optimizer.state_dict()
    assert sorted(saved["state"]) == [0, 2]  # b (position 1) has no state yet
    assert saved["state"][2]["step"] == 1
    for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        array = saved["state"][0][name]
        assert type(array) is np.ndarray and array.dtype == np.float64
        assert array is not optimizer.state[a][name]  # a copy, not the live buffer
    assert saved["param_groups"][0]["params"] == [0, 1]
    assert saved["param_groups"][1]["params"] == [2]
    assert saved["param_groups"][1]["lr"] == 0.5
    assert "penalty" not in saved["param_groups"][0]  # objects are not saved
    assert saved["step_count"] == 1 and saved["scheduler"] is None

    # Changing the saved copy changes nothing in the optimizer, and the other way round.
    saved["state"][0]["exp_avg"][...] = 99.0
    assert to_host(optimizer.state[a]["exp_avg"]).tolist() != [99.0, 99.0]


def test_load_state_dict_copies_so_two_optimizers_share_nothing():
    a = param([1.0])
    source = SGD([a], lr=0.1, momentum=0.9)
    set_grad(a, [1.0])
    source.step()
    saved = source.state_dict()
    p, q = param([1.0]), param([1.0])
    first, second = SGD([p], lr=0.1, momentum=0.9), SGD([q], lr=0.1, momentum=0.9)
    first.load_state_dict(saved)
    second.load_state_dict(saved)
    set_grad(p, [5.0])
    first.step()
    assert to_host(second.state[q]["momentum_buffer"]).tolist() == [1.0]
    assert saved["state"][0]["momentum_buffer"].tolist() == [1.0]


def test_state_dict_survives_a_checkpoint_file(tmp_path):
    from minigrad import serialization

    def build(params):
        return Adam(params, lr=0.1, amsgrad=True, scheduler=HalvingScheduler())

    params = make_params()
    optimizer = build(params)
    train_with_grads(optimizer, params, range(2))
    serialization.save(optimizer.state_dict(), tmp_path / "optimizer.npz")
    resumed_params = [Tensor(p.numpy().copy(), requires_grad=True) for p in params]
    resumed = build(resumed_params)
    resumed.load_state_dict(serialization.load(tmp_path / "optimizer.npz"))
    train_with_grads(optimizer, params, range(2, 4))
    train_with_grads(resumed, resumed_params, range(2, 4))
    for p, q in zip(params, resumed_params):
        assert np.array_equal(p.numpy(), q.numpy())


def test_load_state_dict_accepts_what_a_file_format_gives_back():
    # Formats such as JSON turn int keys into strings and tuples into lists.
    a = param([1.0])
    optimizer = Adam([a], lr=0.1)
    set_grad(a, [1.0])
    optimizer.step()
    saved = optimizer.state_dict()
    saved["state"] = {str(k): v for k, v in saved["state"].items()}
    saved["state"]["0"]["step"] = np.int64(1)
    saved["param_groups"][0]["betas"] = list(saved["param_groups"][0]["betas"])
    fresh = Adam([param([1.0])], lr=0.1)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["betas"] == (0.9, 0.999)
    assert type(next(iter(fresh.state.values()))["step"]) is int


def test_load_state_dict_rejects_a_different_layout():
    a, b = param([1.0, 2.0]), param([3.0])
    optimizer = SGD([a, b], lr=0.1, momentum=0.9)
    set_grad(a, [1.0, 1.0])
    optimizer.step()
    saved = optimizer.state_dict()

    with pytest.raises(ValueError, match="state has 1 parameter groups, this optimizer has 2"):
        SGD([{"params": [param([1.0, 2.0])]}, {"params": [param([3.0])]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 0 has 2 parameters"):
        SGD([param([1.0, 2.0])], momentum=0.9).load_state_dict(saved)
    with pytest.raises(ValueError, match="shape"):
        SGD([param([1.0, 2.0, 3.0]), param([3.0])], momentum=0.9).load_state_dict(saved)
    with pytest.raises(ValueError, match="another optimizer"):
        Adam([param([1.0, 2.0]), param([3.0])]).load_state_dict(saved)

    bad = optimizer.state_dict()
    bad["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError, match="lr"):
        SGD([param([1.0, 2.0]), param([3.0])], momentum=0.9).load_state_dict(bad)

    # Nothing changed in an optimizer whose load failed.
    target = SGD([param([1.0, 2.0, 3.0]), param([3.0])], lr=0.7, momentum=0.9)
    with pytest.raises(ValueError):
        target.load_state_dict(saved)
    assert target.param_groups[0]["lr"] == 0.7 and not target.state


def test_state_dict_includes_the_owned_scheduler_and_load_restores_it():
    p = param([1.0])
    optimizer = SGD([p], lr=0.8, scheduler=HalvingScheduler())
    run(optimizer, p, [[1.0], [1.0]])
    saved = optimizer.state_dict()
    assert saved["scheduler"] == {"last_epoch": 2, "base_lrs": [0.8]}

    scheduler = HalvingScheduler()
    resumed = SGD([param([1.0])], lr=0.8, scheduler=scheduler)
    resumed.load_state_dict(saved)
    assert scheduler.last_epoch == 2 and resumed.param_groups[0]["lr"] == 0.2

    with pytest.raises(ValueError, match="no scheduler"):
        SGD([param([1.0])], lr=0.8).load_state_dict(saved)
    with pytest.raises(ValueError, match="holds none"):
        SGD([param([1.0])], scheduler=HalvingScheduler()).load_state_dict(
            SGD([param([1.0])]).state_dict()
        )


# --- the scheduler handshake ----------------------------------------------------------------------


def test_optimizer_binds_its_scheduler_and_steps_it_after_each_update():
    p = param([1.0])
    scheduler = HalvingScheduler()
    optimizer = SGD([p], lr=0.4, scheduler=scheduler)
    assert optimizer.scheduler is scheduler and scheduler.optimizer is optimizer
    values = run(optimizer, p, [[1.0], [1.0], [1.0]])
    # Step k uses the lr the scheduler wrote after step k - 1: 0.4, 0.2, 0.1.
    np.testing.assert_allclose(values[:, 0], [1.0 - 0.4, 0.6 - 0.2, 0.4 - 0.1], rtol=1e-14)
    # The scheduler is stepped after the optimizer counted its step (so it never warns).
    assert scheduler.optimizer_steps_seen == [1, 2, 3]
    assert optimizer.param_groups[0]["lr"] == 0.05


def test_scheduler_without_bind_is_a_type_error():
    with pytest.raises(TypeError, match="scheduler.*bind.*str"):
        SGD([param([1.0])], lr=0.1, scheduler="cosine")


def schedulers_or_skip():
    import schedulers

    return schedulers


SCHEDULE_CASES = {
    "SGD+cosine": (
        lambda ps, **kw: SGD(ps, lr=0.2, momentum=0.9, **kw),
        lambda s, opt: s.CosineAnnealingLR(opt, T_max=5, eta_min=0.01),
    ),
    "SGD+cyclic-momentum": (
        lambda ps, **kw: SGD(ps, lr=0.2, momentum=0.9, **kw),
        lambda s, opt: s.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3),
    ),
    "Adam+cyclic-betas": (
        lambda ps, **kw: Adam(ps, lr=0.2, **kw),
        lambda s, opt: s.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3),
    ),
    "RMSprop+cyclic-momentum": (
        lambda ps, **kw: RMSprop(ps, lr=0.01, momentum=0.9, **kw),
        lambda s, opt: s.CyclicLR(opt, base_lr=0.001, max_lr=0.01, step_size_up=3),
    ),
    "Adagrad+cosine": (
        lambda ps, **kw: Adagrad(ps, lr=0.5, **kw),
        lambda s, opt: s.CosineAnnealingLR(opt, T_max=5, eta_min=0.01),
    ),
    "AdamW+one-cycle": (
        lambda ps, **kw: AdamW(ps, lr=0.2, **kw),
        lambda s, opt: s.OneCycleLR(opt, max_lr=0.1, total_steps=12),
    ),
}


def record_schedule(optimizer, p, steps, scheduler=None):
    """Train and record (lr, momentum or beta1, theta) after each step; ``scheduler`` is the one
    the user steps in the PyTorch style, or None when the optimizer owns it."""
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        quadratic_loss(p).backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        group = optimizer.param_groups[0]
        momentum = group["betas"][0] if "betas" in group else group.get("momentum")
        history.append((group["lr"], momentum, *p.numpy().tolist()))
    return history


@pytest.mark.parametrize("case", SCHEDULE_CASES)
def test_owned_and_pytorch_style_schedulers_give_the_same_run(case):
    schedulers = schedulers_or_skip()
    make_optimizer, make_scheduler = SCHEDULE_CASES[case]
    steps = 12

    p = param([0.0, 0.0])
    pytorch_style = make_optimizer([p])
    scheduler = make_scheduler(schedulers, pytorch_style)
    expected = record_schedule(pytorch_style, p, steps, scheduler)

    q = param([0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the owned binding must never step the scheduler early
        owned = make_optimizer([q], scheduler=make_scheduler(schedulers, None))
        assert record_schedule(owned, q, steps) == expected
    assert len({lr for lr, *_ in expected}) > 3  # the schedule really moved the lr


def test_real_cosine_scheduler_survives_the_optimizer_round_trip():
    schedulers = schedulers_or_skip()

    def build(p):
        return SGD([p], lr=0.2, momentum=0.9, scheduler=schedulers.CosineAnnealingLR(T_max=8))

    p = param([0.0, 0.0])
    optimizer = build(p)
    train(optimizer, p, 3)
    q = Tensor(p.numpy().copy(), requires_grad=True)
    resumed = build(q)
    resumed.load_state_dict(optimizer.state_dict())
    assert resumed.scheduler.last_epoch == 3
    assert record_schedule(resumed, q, 4) == record_schedule(optimizer, p, 4)


def test_real_exponential_scheduler_drives_adamw_like_the_hand_derived_stand_in():
    schedulers = schedulers_or_skip()
    p, q = param([1.0]), param([1.0])
    by_hand = run(
        AdamW([p], lr=0.1, weight_decay=0.5, scheduler=HalvingScheduler()), p, [[2.0]] * 3
    )
    real = AdamW([q], lr=0.1, weight_decay=0.5, scheduler=schedulers.ExponentialLR(gamma=0.5))
    assert np.array_equal(run(real, q, [[2.0]] * 3), by_hand)


# --- the penalty handshake ------------------------------------------------------------------------


def test_sgd_penalty_soft_thresholds_after_the_gradient_step():
    p = param([1.0, 0.2, -0.3])
    optimizer = SGD([p], lr=0.5, penalty=StandInPenalty(l1_strength=0.4, l2_strength=0.0))
    set_grad(p, [0.2, 0.0, 0.0])
    optimizer.step()
    # gradient step: [1 - 0.5 * 0.2, 0.2, -0.3] = [0.9, 0.2, -0.3]
    # soft-threshold by lr * l1 = 0.5 * 0.4 = 0.2: [0.7, 0 (exactly), -0.1]
    np.testing.assert_allclose(p.numpy(), [0.9 - 0.2, 0.0, -0.3 + 0.2], rtol=1e-14)
    assert p.numpy()[1] == 0.0


def test_sgd_elastic_net_penalty_by_hand():
    p = param([1.0, -0.05])
    optimizer = SGD([p], lr=0.5, penalty=StandInPenalty(l1_strength=0.2, l2_strength=0.5))
    set_grad(p, [0.2, 0.0])
    optimizer.step()
    # g = grad + l2 * theta = [0.2 + 0.5 * 1, 0 + 0.5 * -0.05] = [0.7, -0.025]
    # theta - lr * g = [1 - 0.35, -0.05 + 0.0125] = [0.65, -0.0375]
    # soft-threshold by 0.5 * 0.2 = 0.1: [0.55, 0]
    np.testing.assert_allclose(p.numpy(), [0.65 - 0.1, 0.0], rtol=1e-14)


def test_penalty_threshold_uses_the_lr_of_the_step():
    p = param([1.0])
    optimizer = SGD([p], lr=0.4, scheduler=HalvingScheduler(), penalty=StandInPenalty(0.5, 0.0))
    values = run(optimizer, p, [[0.0], [0.0]])
    # lr 0.4 then 0.2; no gradient, so only the thresholds lr * 0.5 = 0.2 and 0.1 act
    np.testing.assert_allclose(values[:, 0], [1.0 - 0.2, 0.8 - 0.1], rtol=1e-14)


def test_adam_penalty_threshold_is_lr_times_l1_in_parameter_space():
    p = param([1.0, 0.05])
    optimizer = Adam([p], lr=0.1, penalty=StandInPenalty(l1_strength=1.0, l2_strength=0.0))
    set_grad(p, [2.0, -4.0])
    optimizer.step()
    # Adam's first step moves each coordinate by lr against its gradient's sign: [0.9, 0.15]
    # (up to eps); then the soft-threshold subtracts lr * l1 = 0.1 from |theta|, whatever Adam's
    # per-coordinate scaling was: [0.8, 0.05].
    np.testing.assert_allclose(p.numpy(), [0.9 - 0.1, 0.15 - 0.1], rtol=1e-6)


def test_sgd_momentum_weakens_the_l1_threshold_by_one_minus_momentum():
    # Minimise 0.5 * (theta - c)**2 + lambda1 * |theta|: the Lasso answer is the soft-threshold of
    # c by lambda1. With momentum mu the buffer settles at g / (1 - mu), so the proximal run ends at
    # the soft-threshold by lambda1 * (1 - mu) instead (docs/optim.md, "SGD with momentum").
    c = np.array([3.0, 1.0, 0.3, -0.2])
    target = Tensor(c)

    def loss(theta):
        return ((theta - target) ** 2).sum() * 0.5

    def soft_threshold(z, threshold):
        return np.sign(z) * np.maximum(np.abs(z) - threshold, 0.0)

    plain, heavy = param(np.zeros(4)), param(np.zeros(4))
    train(SGD([plain], lr=0.1, penalty=StandInPenalty(0.5, 0.0)), plain, 2000, loss)
    train(SGD([heavy], lr=0.1, momentum=0.9, penalty=StandInPenalty(0.5, 0.0)), heavy, 2000, loss)
    np.testing.assert_allclose(plain.numpy(), soft_threshold(c, 0.5), atol=1e-10)  # [2.5, .5, 0, 0]
    np.testing.assert_allclose(heavy.numpy(), soft_threshold(c, 0.5 * (1 - 0.9)), atol=1e-10)


def test_group_penalty_overrides_the_default_and_none_opts_out():
    weight, bias, other = param([1.0]), param([1.0]), param([1.0])
    strong = StandInPenalty(l1_strength=0.0, l2_strength=1.0)
    optimizer = SGD(
        [
            {"params": [weight]},
            {"params": [bias], "penalty": None},
            {"params": [other], "penalty": strong},
        ],
        lr=0.1,
        penalty=StandInPenalty(l1_strength=0.0, l2_strength=0.5),
    )
    for p in (weight, bias, other):
        set_grad(p, [0.0])
    optimizer.step()
    # only the smooth part acts: theta - lr * l2 * theta
    np.testing.assert_allclose(
        [weight.numpy()[0], bias.numpy()[0], other.numpy()[0]],
        [1.0 - 0.1 * 0.5, 1.0, 1.0 - 0.1 * 1.0],
        rtol=1e-14,
    )


def regularizers_or_skip():
    import regularizers

    return regularizers


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW])
def test_real_elastic_net_acts_exactly_like_the_protocol(cls):
    regularizers = regularizers_or_skip()
    real = regularizers.ElasticNet(alpha=0.2, r=0.5)
    stand_in = StandInPenalty(real.l1_strength, real.l2_strength)
    runs = []
    for penalty in (real, stand_in):
        p = param([0.0, 0.0], np.float32)
        train(cls([p], lr=0.05, penalty=penalty), p, 30)
        runs.append(p.numpy())
    assert np.array_equal(*runs)


def test_real_lasso_gives_exact_zeros_with_sgd():
    regularizers = regularizers_or_skip()
    # 0.5 * (theta - [3, 0.1])**2 + 0.5 * |theta|: the minimum is soft_threshold([3, 0.1], 0.5)
    target = Tensor(np.array([3.0, 0.1]))
    p = param([0.0, 0.0])

    def loss(theta):
        return ((theta - target) ** 2).sum() * 0.5

    train(SGD([p], lr=0.5, penalty=regularizers.L1(0.5)), p, 100, loss)
    np.testing.assert_allclose(p.numpy(), [2.5, 0.0], atol=1e-12)
    assert p.numpy()[1] == 0.0


# --- bad input ------------------------------------------------------------------------------------


def frozen():
    return Tensor(np.array([1.0]))


class NoProx:
    l1_strength = l2_strength = 0.0

    def smooth_grad(self, theta):
        return theta


BAD_INPUTS = [
    (lambda p: SGD([p], lr=-0.1), ValueError, "lr"),
    (lambda p: SGD([p], lr=float("nan")), ValueError, "lr"),
    (lambda p: SGD([p], lr="0.1"), TypeError, "lr"),
    (lambda p: SGD([p], momentum=-0.9), ValueError, "momentum"),
    (lambda p: SGD([p], dampening=-0.1), ValueError, "dampening"),
    (lambda p: SGD([p], weight_decay=-1e-4), ValueError, "weight_decay"),
    (lambda p: SGD([p], nesterov=True), ValueError, "nesterov.*momentum"),
    (lambda p: SGD([p], momentum=0.9, dampening=0.1, nesterov=True), ValueError, "nesterov"),
    (lambda p: Adam([p], lr=-1e-3), ValueError, "lr"),
    (lambda p: Adam([p], eps=-1e-8), ValueError, "eps"),
    (lambda p: Adam([p], weight_decay=-0.1), ValueError, "weight_decay"),
    (lambda p: AdamW([p], weight_decay=-0.1), ValueError, "weight_decay"),
    (lambda p: Adam([p], betas=(1.0, 0.999)), ValueError, r"betas\[0\]"),
    (lambda p: Adam([p], betas=(0.9, -0.1)), ValueError, r"betas\[1\]"),
    (lambda p: AdamW([p], betas=(0.9, 1.5)), ValueError, r"betas\[1\]"),
    (lambda p: Adam([p], betas=(0.9,)), TypeError, "betas"),
    (lambda p: RMSprop([p], lr=-0.01), ValueError, "RMSprop: lr must be a finite number >= 0"),
    (lambda p: RMSprop([p], alpha=1.5), ValueError, r"RMSprop: alpha must be .* in \[0, 1\]"),
    (lambda p: RMSprop([p], alpha=float("nan")), ValueError, "alpha.*nan"),
    (lambda p: RMSprop([p], eps=-1e-8), ValueError, "RMSprop: eps"),
    (lambda p: RMSprop([p], momentum=-0.9), ValueError, "RMSprop: momentum"),
    (lambda p: RMSprop([p], weight_decay=-0.1), ValueError, "RMSprop: weight_decay"),
    (lambda p: RMSprop([p], centered=1), TypeError, "RMSprop: centered must be True or False"),
    (lambda p: Adagrad([p], lr=float("nan")), ValueError, "Adagrad: lr must be a finite number"),
    (lambda p: Adagrad([p], lr_decay=-0.1), ValueError, "Adagrad: lr_decay"),
    (lambda p: Adagrad([p], weight_decay=-0.1), ValueError, "Adagrad: weight_decay"),
    (lambda p: Adagrad([p], initial_accumulator_value=-1), ValueError, "initial_accumulator"),
    (lambda p: Adagrad([p], eps=-1e-10), ValueError, "Adagrad: eps"),
    (lambda p: SGD([{"params": [p], "lr": -1.0}], lr=0.1), ValueError, "lr"),
    (lambda p: SGD([{"params": [p]}], lr=-1.0), ValueError, "lr"),
    (lambda p: SGD([]), ValueError, "params is empty"),
    (lambda p: SGD(iter([])), ValueError, "params is empty"),
    (lambda p: SGD([{"params": []}]), ValueError, "params is empty"),
    (lambda p: SGD([p, p]), ValueError, "more than once"),
    (lambda p: SGD([{"params": [p]}, {"params": [p]}]), ValueError, "more than once"),
    (lambda p: SGD([p, np.zeros(1)]), TypeError, "params.*item 1 is a ndarray"),
    (lambda p: SGD([p, 1.0]), TypeError, "params.*float"),
    (lambda p: SGD(p), TypeError, "params.*single Tensor"),
    (lambda p: SGD([p, {"params": [param([1.0])]}]), TypeError, "params"),
    (lambda p: SGD([{"lr": 0.1}]), ValueError, "params"),
    (lambda p: SGD([p * 2]), ValueError, r"params: item 0 \(shape \(1,\)\) is not a leaf"),
    (lambda p: SGD([p], scheduler=object()), TypeError, "scheduler"),
    (lambda p: SGD([p], penalty=0.1), TypeError, "penalty"),
    (lambda p: Adam([{"params": [p], "penalty": NoProx()}]), TypeError, "penalty.*prox_"),
]


@pytest.mark.parametrize("make, error, match", BAD_INPUTS)
def test_bad_input_is_a_clear_error_naming_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make(param([1.0]))


def test_add_param_group_rejects_a_parameter_already_optimized():
    p = param([1.0])
    optimizer = SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optimizer.add_param_group({"params": [p]})
    with pytest.raises(ValueError, match="lr"):
        optimizer.add_param_group({"params": [param([1.0])], "lr": -0.5})
    assert len(optimizer.param_groups) == 1


def test_base_class_leaves_the_update_rule_to_subclasses():
    optimizer = Optimizer([param([1.0])], {"lr": 0.1})
    assert optimizer.param_groups[0]["lr"] == 0.1
    optimizer.param_groups[0]["params"][0].grad = Tensor(np.array([1.0]))
    with pytest.raises(NotImplementedError):
        optimizer.step()


# --- on a device: the stand-in GPU always, a real one when there is one --------------------------


def device_or_skip(name):
    """The device ``name``, plus its counter of host-device transfers (None where not counted)."""
    if name == "cuda":
        if not minigrad.cuda.is_available():
            pytest.skip("needs CuPy and a CUDA GPU")
        return minigrad.get_device("cuda"), None
    import fake_device  # tests/fake_device.py: refuses NumPy calls

    return fake_device.FAKE_GPU, fake_device.Transfers


def is_device_array(value, device):
    return hasattr(value, "shape") and minigrad.get_array_module(value) is device.xp


def state_arrays(state):
    """A parameter's state entries but its numbers (the step count, NAdam's mu_product, ASGD's
    eta and mu: Python ints and floats, on the host on every device)."""
    assert all(type(v) in (int, float) for v in state.values() if not hasattr(v, "shape"))
    return [v for k, v in state.items() if type(v) not in (int, float)]


@pytest.mark.parametrize("device_name", ["fakegpu", pytest.param("cuda", marks=pytest.mark.gpu)])
@pytest.mark.parametrize("name", OPTIMIZER_MAKERS)
def test_optimizer_on_a_device_matches_the_cpu_and_state_stays_there(name, device_name):
    device, transfers = device_or_skip(device_name)
    make = OPTIMIZER_MAKERS[name]

    def build(params):
        return make(params, scheduler=HalvingScheduler(), penalty=StandInPenalty(0.01, 0.02))

    cpu_params = [p.to("cpu") for p in make_params()]  # the suite may run on another device
    device_params = [p.to(device) for p in cpu_params]
    on_cpu, on_device = build(cpu_params), build(device_params)

    def train_both(steps):
        for step in steps:
            for p, q, g in zip(cpu_params, device_params, grads_at(step)):
                set_grad(p, g)
                q.grad = p.grad.to(device)
            on_cpu.step()
            before = transfers and transfers.snapshot()
            on_device.step()
            if transfers is not None:
                moved = transfers.since(before)
                assert moved == {"to_host": 0, "syncs": 0, "to_device": 0}, moved

    train_both(range(3))
    for p, q in zip(cpu_params, device_params):
        assert q.device == device and q.dtype == np.float32
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-5, atol=1e-6)
        assert all(is_device_array(v, device) for v in state_arrays(on_device.state[q]))

    # Saved state is on the host; loading puts it back on each parameter's device.
    saved = on_device.state_dict()
    for state in saved["state"].values():
        assert all(type(v) is np.ndarray for v in state_arrays(state))
    resumed_params = [q.numpy() for q in device_params]
    device_params = [Tensor(v, requires_grad=True, device=device) for v in resumed_params]
    on_device = build(device_params)
    on_device.load_state_dict(saved)
    for q in device_params:
        assert all(is_device_array(v, device) for v in state_arrays(on_device.state[q]))
    train_both(range(3, 5))
    for p, q in zip(cpu_params, device_params):
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-5, atol=1e-6)


def test_a_frozen_parameter_is_accepted_and_left_alone_as_in_pytorch():
    trained, still = param([1.0]), frozen()  # still does not require grad: a frozen layer
    optimizer = SGD([trained, still], lr=0.5)
    set_grad(trained, [1.0])
    optimizer.step()
    assert trained.numpy().tolist() == [0.5] and still.numpy().tolist() == [1.0]
    assert still not in optimizer.state


@pytest.mark.parametrize(
    "make, change, message",
    [
        (lambda ps: RMSprop(ps, lr=0.01), {"alpha": 1.5}, r"alpha must be .* in \[0, 1\]"),
        (lambda ps: RMSprop(ps, lr=0.01), {"centered": "no"}, "centered must be True or False"),
        (lambda ps: Adagrad(ps, lr=0.1), {"lr_decay": -1.0}, "lr_decay must be"),
        (lambda ps: Adagrad(ps, lr=0.1), {"initial_accumulator_value": float("nan")}, "initial_"),
    ],
    ids=["RMSprop alpha", "RMSprop centered", "Adagrad lr_decay", "Adagrad accumulator"],
)
def test_a_refused_state_leaves_rmsprop_and_adagrad_unchanged(make, change, message):
    p = param([1.0, -1.0])
    optimizer = make([p])
    set_grad(p, [0.5, 0.25])
    optimizer.step()
    before = optimizer.state_dict()
    saved = optimizer.state_dict()
    saved["param_groups"][0].update(change)
    saved["step_count"] = 7
    with pytest.raises((TypeError, ValueError), match=message):
        optimizer.load_state_dict(saved)
    after = optimizer.state_dict()
    assert after["param_groups"] == before["param_groups"] and after["step_count"] == 1
    for key, value in before["state"][0].items():
        assert np.array_equal(after["state"][0][key], value)


def test_a_state_from_another_optimizer_is_refused():
    p = param([1.0])
    adam = Adam([p], lr=0.1)
    with pytest.raises(ValueError, match="lacks.*alpha.*another optimizer than RMSprop"):
        RMSprop([param([1.0])]).load_state_dict(adam.state_dict())
    with pytest.raises(ValueError, match="lacks.*another optimizer than Adagrad"):
        Adagrad([param([1.0])]).load_state_dict(RMSprop([p]).state_dict())


@pytest.mark.parametrize("make", [SGD, Adam, AdamW, RMSprop, Adagrad], ids=lambda c: c.__name__)
def test_maximize_climbs_exactly_as_minimizing_the_negated_objective(make):
    """PyTorch's maximize=True negates the gradient first, so weight decay still shrinks."""
    climber, descender = param([1.0, -2.0]), param([1.0, -2.0])
    up = make([climber], lr=0.1, weight_decay=0.1, maximize=True)
    down = make([descender], lr=0.1, weight_decay=0.1)
    for g in ([0.5, 1.0], [-0.25, 2.0], [1.0, 1.0]):
        set_grad(climber, g)
        set_grad(descender, [-v for v in g])
        up.step()
        down.step()
    np.testing.assert_array_equal(climber.numpy(), descender.numpy())
    assert not np.array_equal(climber.numpy(), [1.0, -2.0])


def test_sgd_takes_pytorchs_positional_order():
    # torch.optim.SGD(params, lr, momentum, dampening, weight_decay, nesterov)
    p = param([1.0])
    optimizer = SGD([p], 0.1, 0.9, 0.0, 0.01, True)
    group = optimizer.param_groups[0]
    assert group["weight_decay"] == 0.01 and group["nesterov"] is True


def test_a_checkpoint_from_before_maximize_loads_as_minimizing():
    p = param([1.0])
    state = SGD([p], lr=0.1).state_dict()
    del state["param_groups"][0]["maximize"]
    resumed = SGD([param([1.0])], lr=0.1, maximize=True)
    resumed.load_state_dict(state)
    assert resumed.param_groups[0]["maximize"] is False


@pytest.mark.parametrize(
    "make, name, value, message",
    [
        (RMSprop, "square_avg", np.array([-1.0]), "'square_avg' is a running mean of squares"),
        (RMSprop, "step", -1, "'step' must be an int >= 0"),
        (RMSprop, "exp_avg", np.array([1.0]), "an unknown entry 'exp_avg'"),
        (Adagrad, "sum", np.array([-1.0]), "'sum' is a running mean of squares"),
        (Adagrad, "sum", None, "no 'sum'"),
    ],
    ids=["negative square_avg", "negative step", "Adam's entry", "negative sum", "no sum"],
)
def test_rmsprop_and_adagrad_refuse_a_state_they_would_misread(make, name, value, message):
    p = param([1.0])
    optimizer = make([p], lr=0.1)
    set_grad(p, [1.0])
    optimizer.step()
    saved = optimizer.state_dict()
    if value is None:
        del saved["state"][0][name]
    else:
        saved["state"][0][name] = value
    with pytest.raises((TypeError, ValueError), match=message):
        make([param([1.0])], lr=0.1).load_state_dict(saved)


# --- PyTorch's step(closure) and state names --------------------------------------------------


def test_step_runs_the_closure_with_grad_enabled_and_returns_its_loss():
    # PyTorch's contract: step(closure) calls closure() (which recomputes the loss and its
    # gradients) before updating, with gradients enabled, and returns what it returned.
    p = param([1.0, -2.0])
    optimizer = SGD([p], lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with minigrad.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(p.numpy(), [1.0 - 0.1 * 2.0, -2.0 + 0.1 * 4.0])
    assert optimizer.step() is None


def test_adam_state_uses_pytorchs_names_and_reads_the_old_ones():
    p = param([1.0])
    optimizer = Adam([p], lr=0.1, amsgrad=True)
    set_grad(p, [2.0])
    optimizer.step()
    saved = optimizer.state_dict()
    assert sorted(saved["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    # m = 0.1 * 2, v = 0.001 * 4: PyTorch's exp_avg and exp_avg_sq
    np.testing.assert_allclose(saved["state"][0]["exp_avg"], [0.2])
    np.testing.assert_allclose(saved["state"][0]["exp_avg_sq"], [0.004])

    # A checkpoint from before the rename, with m, v and v_hat, loads under the new names.
    old = {"m": "exp_avg", "v": "exp_avg_sq", "v_hat": "max_exp_avg_sq"}
    saved["state"][0] = {k: saved["state"][0][v] for k, v in old.items()} | {"step": 1}
    fresh = Adam([param([1.0])], lr=0.1, amsgrad=True)
    fresh.load_state_dict(saved)
    assert sorted(fresh.state_dict()["state"][0]) == sorted(old.values()) + ["step"]

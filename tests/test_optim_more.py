"""Adamax, NAdam, RAdam, Adadelta, Rprop and ASGD: each update rule worked out by hand.

As in ``test_optim.py``, the gradients are given (not computed from a loss) and every expected
number is computed in the test, step by step, from the equations in the optimizer's docstring,
with plain Python arithmetic. (These equations are PyTorch's; the comparison with PyTorch itself
is kept out of the suite, which does not need torch.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad
from minigrad import Tensor
from minigrad.backend import to_host
from optim import ASGD, Adadelta, Adamax, NAdam, RAdam, Rprop


def param(values, dtype=np.float64):
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


def state_of(optimizer, p, name):
    value = optimizer.state[p][name]
    return to_host(value) if hasattr(value, "shape") else value


@pytest.fixture
def float64_default():
    """minigrad's default dtype set to float64 for one test: scalar state is then float64."""
    before = minigrad.get_default_dtype()
    minigrad.set_default_dtype(np.float64)
    try:
        yield
    finally:
        minigrad.set_default_dtype(before)


def quadratic_loss(theta):
    a = Tensor(np.array([1.0, 10.0], dtype=theta.dtype), device=theta.device)
    c = Tensor(np.array([3.0, -2.0], dtype=theta.dtype), device=theta.device)
    return (a * (theta - c) ** 2).sum() * 0.5


# --- Adamax ---------------------------------------------------------------------------------------


def test_adamax_three_steps_by_hand():
    p = param([1.0])
    optimizer = Adamax([p], lr=0.1)  # betas (0.9, 0.999), eps 1e-8
    values = run(optimizer, p, [[2.0], [-1.0], [0.5]])
    m1, u1 = 0.1 * 2.0, 2.0 + 1e-8  # u = max(0, |g| + eps)
    theta1 = 1.0 - 0.1 / (1 - 0.9) * m1 / u1  # about 1 - lr: the first step has length lr
    m2, u2 = 0.9 * m1 + 0.1 * -1.0, max(0.999 * u1, 1.0 + 1e-8)  # the decayed 2 still wins
    theta2 = theta1 - 0.1 / (1 - 0.9**2) * m2 / u2
    m3, u3 = 0.9 * m2 + 0.1 * 0.5, max(0.999 * u2, 0.5 + 1e-8)
    theta3 = theta2 - 0.1 / (1 - 0.9**3) * m3 / u3
    np.testing.assert_allclose(values[:, 0], [theta1, theta2, theta3], rtol=1e-14)
    assert theta1 == pytest.approx(0.9, abs=1e-8)
    np.testing.assert_allclose(state_of(optimizer, p, "exp_inf"), [0.999**2 * u1], rtol=1e-14)
    np.testing.assert_allclose(state_of(optimizer, p, "exp_avg"), [m3], rtol=1e-14)
    assert optimizer.state[p]["step"] == 3
    assert sorted(optimizer.state[p]) == ["exp_avg", "exp_inf", "step"]


def test_adamax_weight_decay_goes_into_the_gradient_and_eps_floors_u():
    p = param([1.0, 0.0])
    optimizer = Adamax([p], lr=0.1, betas=(0.5, 0.5), eps=0.25, weight_decay=0.5)
    values = run(optimizer, p, [[2.0, 0.0], [2.0, 0.0]])
    g1 = 2.0 + 0.5 * 1.0  # 2.5
    m1, u1 = 0.5 * g1, g1 + 0.25
    theta1 = 1.0 - 0.1 / 0.5 * m1 / u1
    g2 = 2.0 + 0.5 * theta1
    m2, u2 = 0.5 * m1 + 0.5 * g2, max(0.5 * u1, g2 + 0.25)
    theta2 = theta1 - 0.1 / 0.75 * m2 / u2
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-14)
    # a coordinate with zero gradient: m = 0 and u = eps, so it stays where it is
    assert values[:, 1].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(state_of(optimizer, p, "exp_inf")[1], 0.25, rtol=1e-14)


# --- NAdam ----------------------------------------------------------------------------------------


def nadam_mu(t, beta1=0.9, psi=4e-3):
    return beta1 * (1 - 0.5 * 0.96 ** (t * psi))


def test_nadam_two_steps_by_hand(float64_default):
    p = param([1.0])
    optimizer = NAdam([p], lr=0.1)  # betas (0.9, 0.999), eps 1e-8, momentum_decay 4e-3
    values = run(optimizer, p, [[2.0], [-1.0]])
    mu1, mu2, mu3 = nadam_mu(1), nadam_mu(2), nadam_mu(3)
    m1, v1 = 0.1 * 2.0, 0.001 * 4.0
    d1 = math.sqrt(v1 / (1 - 0.999)) + 1e-8  # 2 + eps
    theta1 = 1.0 - 0.1 * (1 - mu1) / (1 - mu1) * 2.0 / d1 - 0.1 * mu2 / (1 - mu1 * mu2) * m1 / d1
    m2, v2 = 0.9 * m1 + 0.1 * -1.0, 0.999 * v1 + 0.001 * 1.0
    d2 = math.sqrt(v2 / (1 - 0.999**2)) + 1e-8
    product2 = mu1 * mu2
    theta2 = (
        theta1
        - 0.1 * (1 - mu2) / (1 - product2) * -1.0 / d2
        - 0.1 * mu3 / (1 - product2 * mu3) * m2 / d2
    )
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-14)
    assert optimizer.state[p]["mu_product"] == pytest.approx(product2, rel=1e-15)
    assert sorted(optimizer.state[p]) == ["exp_avg", "exp_avg_sq", "mu_product", "step"]
    assert mu1 == pytest.approx(0.45 * (1 + (1 - 0.96**0.004)), rel=1e-3)  # starts near beta1/2


def test_nadam_keeps_mu_product_in_float32_by_default_as_pytorch_does():
    p = param([1.0])
    optimizer = NAdam([p], lr=0.1)
    run(optimizer, p, [[2.0], [-1.0]])
    f32 = np.float32
    expected = float(f32(f32(nadam_mu(1)) * f32(nadam_mu(2))))  # P in PyTorch's 0-d float32
    assert optimizer.state[p]["mu_product"] == expected
    assert expected != nadam_mu(1) * nadam_mu(2)


def test_nadam_decoupled_weight_decay_shrinks_theta_instead(float64_default):
    coupled, decoupled = param([1.0]), param([1.0])
    a = NAdam([coupled], lr=0.1, weight_decay=0.5)
    b = NAdam([decoupled], lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    run(a, coupled, [[2.0]])
    run(b, decoupled, [[2.0]])
    mu1, mu2 = nadam_mu(1), nadam_mu(2)

    def first_step(theta, g):
        m, d = 0.1 * g, math.sqrt(0.001 * g * g / 0.001) + 1e-8
        return theta - 0.1 * g / d - 0.1 * mu2 / (1 - mu1 * mu2) * m / d

    np.testing.assert_allclose(coupled.numpy(), [first_step(1.0, 2.0 + 0.5)], rtol=1e-14)
    np.testing.assert_allclose(decoupled.numpy(), [first_step(1.0 * (1 - 0.05), 2.0)], rtol=1e-14)


# --- RAdam ----------------------------------------------------------------------------------------


def test_radam_takes_momentum_steps_until_rho_t_exceeds_5(float64_default):
    p = param([0.0])
    optimizer = RAdam([p], lr=0.1)  # betas (0.9, 0.999): the switch comes at t = 6
    values = run(optimizer, p, [[1.0]] * 7)
    rho_inf = 2 / (1 - 0.999) - 1  # 1999

    def rho(t):
        return rho_inf - 2 * t * 0.999**t / (1 - 0.999**t)

    assert rho(5) <= 5 < rho(6)
    # A constant gradient 1: m / (1 - beta1**t) = 1 and v / (1 - beta2**t) = 1 at every step.
    expected, theta = [], 0.0
    for t in range(1, 8):
        if rho(t) > 5:
            r = math.sqrt(
                (rho(t) - 4) * (rho(t) - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho(t))
            )
            v = 1 - 0.999**t
            theta -= 0.1 * 1.0 * r * math.sqrt(1 - 0.999**t) / (math.sqrt(v) + 1e-8)
        else:
            theta -= 0.1 * 1.0  # lr * m_hat: SGD with momentum
        expected.append(theta)
    np.testing.assert_allclose(values[:, 0], expected, rtol=1e-13)
    steps = -np.diff(np.concatenate([[0.0], values[:, 0]]))
    np.testing.assert_allclose(steps[:5], 0.1, rtol=1e-13)
    assert steps[5] < 0.01  # the rectification r starts small: a built-in warm-up
    assert sorted(optimizer.state[p]) == ["exp_avg", "exp_avg_sq", "step"]


def test_radam_two_steps_with_coupled_and_decoupled_weight_decay():
    for decoupled in (False, True):
        p = param([1.0])
        optimizer = RAdam(
            [p], lr=0.1, betas=(0.5, 0.9), weight_decay=0.5, decoupled_weight_decay=decoupled
        )
        values = run(optimizer, p, [[2.0], [-1.0]])
        theta, m = 1.0, 0.0
        expected = []
        for t, g in ((1, 2.0), (2, -1.0)):  # rho_inf = 19: rho_1 = 1, rho_2 = 19 - 4*0.81/0.19
            if decoupled:
                theta *= 1 - 0.1 * 0.5
            else:
                g = g + 0.5 * theta
            m = 0.5 * m + 0.5 * g
            theta -= 0.1 * m / (1 - 0.5**t)  # rho_t <= 5 at both steps
            expected.append(theta)
        np.testing.assert_allclose(values[:, 0], expected, rtol=1e-14)


# --- Adadelta -------------------------------------------------------------------------------------


def test_adadelta_two_steps_by_hand():
    p = param([1.0])
    optimizer = Adadelta([p])  # lr 1.0, rho 0.9, eps 1e-6
    values = run(optimizer, p, [[2.0], [-1.0]])
    v1 = 0.1 * 4.0
    delta1 = math.sqrt(0.0 + 1e-6) / math.sqrt(v1 + 1e-6) * 2.0  # u starts at 0: a tiny step
    u1 = 0.1 * delta1**2
    theta1 = 1.0 - delta1
    v2 = 0.9 * v1 + 0.1 * 1.0
    delta2 = math.sqrt(u1 + 1e-6) / math.sqrt(v2 + 1e-6) * -1.0
    u2 = 0.9 * u1 + 0.1 * delta2**2
    theta2 = theta1 - delta2
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-14)
    np.testing.assert_allclose(state_of(optimizer, p, "acc_delta"), [u2], rtol=1e-14)
    np.testing.assert_allclose(state_of(optimizer, p, "square_avg"), [v2], rtol=1e-14)
    assert sorted(optimizer.state[p]) == ["acc_delta", "square_avg", "step"]


def test_adadelta_lr_scales_the_step_and_weight_decay_enters_the_gradient():
    p = param([1.0])
    optimizer = Adadelta([p], lr=0.5, rho=0.5, eps=1e-2, weight_decay=0.2)
    values = run(optimizer, p, [[2.0], [2.0]])
    g1 = 2.0 + 0.2 * 1.0
    v1 = 0.5 * g1**2
    delta1 = math.sqrt(1e-2) / math.sqrt(v1 + 1e-2) * g1
    u1 = 0.5 * delta1**2
    theta1 = 1.0 - 0.5 * delta1
    g2 = 2.0 + 0.2 * theta1
    v2 = 0.5 * v1 + 0.5 * g2**2
    delta2 = math.sqrt(u1 + 1e-2) / math.sqrt(v2 + 1e-2) * g2
    theta2 = theta1 - 0.5 * delta2
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-14)


# --- Rprop ----------------------------------------------------------------------------------------


def test_rprop_grows_on_agreement_shrinks_and_rests_on_a_flip():
    p = param([1.0, 1.0, 1.0])
    optimizer = Rprop([p], lr=0.1)  # etas (0.5, 1.2), step_sizes (1e-6, 50)
    values = run(optimizer, p, [[1.0, 1.0, 0.0], [1.0, -1.0, 1.0], [1.0, 1.0, 1.0]])
    # step 1: p = 0, so f = 1 and s = lr; a zero gradient does not move its coordinate
    # step 2: g * p = [1, -1, 0]: f = [1.2, 0.5, 1], s = [0.12, 0.05, 0.1]; the flip rests
    # step 3: p = [1, 0, 1] (0 after the flip): f = [1.2, 1, 1.2], s = [0.144, 0.05, 0.12]
    expected = [[0.9, 0.9, 1.0], [0.9 - 0.12, 0.9, 0.9], [0.9 - 0.12 - 0.144, 0.85, 0.9 - 0.12]]
    np.testing.assert_allclose(values, expected, rtol=1e-14)
    np.testing.assert_allclose(state_of(optimizer, p, "step_size"), [0.144, 0.05, 0.12], 1e-14)
    np.testing.assert_array_equal(state_of(optimizer, p, "prev"), [1.0, 1.0, 1.0])
    assert sorted(optimizer.state[p]) == ["prev", "step", "step_size"]


def test_rprop_clips_the_step_sizes_and_maximize_flips_the_direction():
    p = param([0.0, 0.0])
    optimizer = Rprop([p], lr=0.1, etas=(0.3, 2.0), step_sizes=(0.05, 0.15), maximize=True)
    values = run(optimizer, p, [[1.0, 1.0], [1.0, -1.0], [1.0, -1.0]])
    # maximize: g <- -g, so a positive gradient moves theta up
    # s: [0.1, 0.1] -> [min(0.2, 0.15), max(0.03, 0.05)] -> [0.15 (clipped), 0.05 * 1]
    expected = [[0.1, 0.1], [0.25, 0.1], [0.4, 0.05]]
    np.testing.assert_allclose(values, expected, rtol=1e-14)
    np.testing.assert_allclose(state_of(optimizer, p, "step_size"), [0.15, 0.05], rtol=1e-14)


def test_rprop_lr_is_only_the_starting_step_size():
    p = param([0.0])
    optimizer = Rprop([p], lr=0.1)
    run(optimizer, p, [[1.0]])
    optimizer.param_groups[0]["lr"] = 10.0  # a scheduler's change: no effect, as in PyTorch
    values = run(optimizer, p, [[1.0]])
    np.testing.assert_allclose(values[:, 0], [-0.1 - 0.12], rtol=1e-14)


# --- ASGD -----------------------------------------------------------------------------------------


def test_asgd_four_steps_by_hand(float64_default):
    p = param([1.0])
    optimizer = ASGD([p], lr=0.1, lambd=0.1, alpha=0.75, t0=0.0)
    grads = [2.0, -1.0, 0.5, 1.0]
    values = run(optimizer, p, [[g] for g in grads])
    theta, eta, mu, ax, thetas = 1.0, 0.1, 1.0, 0.0, []
    for t, g in enumerate(grads, start=1):
        theta = theta * (1 - 0.1 * eta) - eta * g
        ax = theta if mu == 1 else ax + mu * (theta - ax)
        eta = 0.1 / (1 + 0.1 * 0.1 * t) ** 0.75
        mu = 1 / max(1, t - 0.0)
        thetas.append(theta)
    np.testing.assert_allclose(values[:, 0], thetas, rtol=1e-14)
    # mu = 1, 1, 1/2, 1/3: a is the mean of the iterates from step 2 on
    np.testing.assert_allclose(state_of(optimizer, p, "ax"), [np.mean(thetas[1:])], rtol=1e-14)
    assert optimizer.state[p]["eta"] == pytest.approx(eta, rel=1e-15)
    assert optimizer.state[p]["mu"] == pytest.approx(1 / 4, rel=1e-15)
    assert sorted(optimizer.state[p]) == ["ax", "eta", "mu", "step"]


def test_asgd_before_t0_the_average_copies_theta_and_weight_decay_enters_the_gradient():
    p = param([1.0])
    optimizer = ASGD([p], lr=0.1, lambd=0.0, weight_decay=0.5)  # t0 = 1e6; eta stays lr
    values = run(optimizer, p, [[2.0], [2.0]])
    eta = float(np.float32(0.1))  # eta lives in PyTorch's float32 scalar unless float64 default
    theta1 = 1.0 - eta * (2.0 + 0.5 * 1.0)
    theta2 = theta1 - eta * (2.0 + 0.5 * theta1)
    np.testing.assert_allclose(values[:, 0], [theta1, theta2], rtol=1e-14)
    np.testing.assert_array_equal(state_of(optimizer, p, "ax"), p.numpy())
    assert optimizer.state[p]["eta"] == eta != 0.1


# --- shared behaviour -----------------------------------------------------------------------------

MAKERS = {
    "Adamax": lambda ps, **kw: Adamax(ps, lr=0.3, **kw),
    "NAdam": lambda ps, **kw: NAdam(ps, lr=0.3, **kw),
    "RAdam": lambda ps, **kw: RAdam(ps, lr=0.3, **kw),
    "Adadelta": lambda ps, **kw: Adadelta(ps, lr=10.0, **kw),
    "Rprop": lambda ps, **kw: Rprop(ps, lr=0.1, **kw),
    "ASGD": lambda ps, **kw: ASGD(ps, lr=0.05, **kw),
}


@pytest.mark.parametrize("name", MAKERS)
def test_converges_to_the_minimum_of_a_quadratic(name):
    p = param([0.0, 0.0])
    optimizer = MAKERS[name]([p])
    for _ in range(400):
        optimizer.zero_grad()
        quadratic_loss(p).backward()
        optimizer.step()
    np.testing.assert_allclose(p.numpy(), [3.0, -2.0], atol=2e-2)


@pytest.mark.parametrize("name", MAKERS)
def test_maximize_climbs_exactly_as_minimizing_the_negated_objective(name):
    climber, descender = param([1.0, -2.0]), param([1.0, -2.0])
    up, down = MAKERS[name]([climber], maximize=True), MAKERS[name]([descender])
    for g in ([0.5, 1.0], [-0.25, 2.0], [1.0, 1.0]):
        set_grad(climber, g)
        set_grad(descender, [-v for v in g])
        up.step()
        down.step()
    np.testing.assert_array_equal(climber.numpy(), descender.numpy())
    assert not np.array_equal(climber.numpy(), [1.0, -2.0])


@pytest.mark.parametrize("name", MAKERS)
def test_float32_stays_float32(name):
    p = param([1.0, -1.0], np.float32)
    optimizer = MAKERS[name]([p])
    optimizer.param_groups[0]["lr"] = np.float64(0.1)
    for _ in range(3):
        set_grad(p, [0.5, -0.25])
        optimizer.step()
    assert p.data.dtype == np.float32
    for value in optimizer.state[p].values():
        assert not hasattr(value, "dtype") or value.dtype == np.float32


@pytest.mark.parametrize("name", MAKERS)
def test_state_dict_round_trip_with_two_groups_continues_bitwise_identically(name):
    def build(params):
        return MAKERS[name]([{"params": params[:1]}, {"params": params[1:], "lr": 0.01}])

    def train(optimizer, params, steps):
        for step in steps:
            for k, p in enumerate(params):
                set_grad(p, [math.sin(step + k), math.cos(3.0 * step - k)])
            optimizer.step()

    params = [param([1.0, -1.0]), param([0.5, 2.0])]
    optimizer = build(params)
    train(optimizer, params, range(4))
    saved = optimizer.state_dict()
    assert sorted(saved["state"]) == [0, 1]
    resumed_params = [param(p.numpy().copy()) for p in params]
    resumed = build(resumed_params)
    resumed.load_state_dict(saved)
    train(optimizer, params, range(4, 9))
    train(resumed, resumed_params, range(4, 9))
    for p, q in zip(params, resumed_params):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


BAD_INPUTS = [
    (lambda p: Adamax([p], lr=-0.1), ValueError, "Adamax: lr must be a finite number >= 0"),
    (lambda p: Adamax([p], betas=(0.9, 1.0)), ValueError, r"Adamax: betas\[1\] .* in \[0, 1\)"),
    (lambda p: Adamax([p], betas=0.9), TypeError, r"Adamax: betas must be a pair"),
    (lambda p: Adamax([p], eps=-1.0), ValueError, "Adamax: eps"),
    (lambda p: NAdam([p], momentum_decay=-1e-3), ValueError, "NAdam: momentum_decay .* >= 0"),
    (lambda p: NAdam([p], decoupled_weight_decay=""), TypeError, "NAdam: decoupled.* True or"),
    (lambda p: NAdam([p], betas=(-0.1, 0.9)), ValueError, r"NAdam: betas\[0\]"),
    (lambda p: RAdam([p], weight_decay=float("nan")), ValueError, "RAdam: weight_decay .* got nan"),
    (lambda p: RAdam([p], decoupled_weight_decay=1), TypeError, "RAdam: decoupled_weight_decay"),
    (lambda p: Adadelta([p], rho=1.1), ValueError, r"Adadelta: rho .* in \[0, 1\]"),
    (lambda p: Adadelta([p], lr=float("inf")), ValueError, "Adadelta: lr must be a finite number"),
    (lambda p: Adadelta([p], eps=-1e-6), ValueError, "Adadelta: eps"),
    (lambda p: Rprop([p], etas=(1.0, 1.2)), ValueError, r"Rprop: etas\[0\] must be .* in \(0, 1\)"),
    (lambda p: Rprop([p], etas=(0.5, 1.0)), ValueError, r"Rprop: etas\[1\] must be .* > 1"),
    (lambda p: Rprop([p], etas=(0.5,)), TypeError, "Rprop: etas must be a pair"),
    (lambda p: Rprop([p], step_sizes=(-1.0, 1.0)), ValueError, r"Rprop: step_sizes\[0\] must be"),
    (lambda p: Rprop([p], step_sizes=(1.0, 0.5)), ValueError, "step_sizes .* min_step <= max_step"),
    (lambda p: Rprop([p], step_sizes=None), TypeError, "Rprop: step_sizes must be a pair"),
    (lambda p: ASGD([p], lambd=-1e-4), ValueError, "ASGD: lambd must be a finite number >= 0"),
    (lambda p: ASGD([p], alpha=-0.75), ValueError, "ASGD: alpha"),
    (lambda p: ASGD([p], t0=float("nan")), ValueError, "ASGD: t0"),
    (lambda p: ASGD([{"params": [p], "weight_decay": -1.0}]), ValueError, "ASGD: weight_decay"),
]  # fmt: skip


@pytest.mark.parametrize("make, error, match", BAD_INPUTS)
def test_bad_input_is_a_clear_error_naming_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make(param([1.0]))


@pytest.mark.parametrize(
    "make, name, value, message",
    [
        (Adamax, "exp_inf", np.array([-1.0]), "'exp_inf' is a running maximum of |g|"),
        (NAdam, "mu_product", float("nan"), "'mu_product' must be a finite number"),
        (NAdam, "mu_product", None, "no 'mu_product'"),
        (Rprop, "step_size", np.array([-0.1]), "'step_size' is a step size and cannot be neg"),
        (Adadelta, "acc_delta", np.array([-1.0]), "'acc_delta' is a running mean of squares"),
        (ASGD, "eta", "0.1", "'eta' must be a finite number"),
        (RAdam, "mu_product", 1.0, "an unknown entry 'mu_product'"),
    ],
    ids=["Adamax", "NAdam nan", "NAdam missing", "Rprop", "Adadelta", "ASGD", "RAdam"],
)
def test_a_state_the_optimizer_would_misread_is_refused(make, name, value, message):
    p = param([1.0])
    optimizer = make([p])
    set_grad(p, [1.0])
    optimizer.step()
    saved = optimizer.state_dict()
    if value is None:
        del saved["state"][0][name]
    else:
        saved["state"][0][name] = value
    with pytest.raises((TypeError, ValueError), match=message.replace("|", r"\|")):
        make([param([1.0])]).load_state_dict(saved)

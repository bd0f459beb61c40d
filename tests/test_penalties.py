"""L1, L2 and ElasticNet penalties: values, gradients and proximal steps, checked by hand.

The penalty with strength alpha and mixing ratio r is

    P(theta) = r * alpha * sum_i |theta_i| + (1 - r) / 2 * alpha * sum_i theta_i**2

and every expected number below is worked out from that formula in the test itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad
from regularizers import L1, L2, ElasticNet


def tensor(values, dtype=np.float64):
    return minigrad.Tensor(np.array(values, dtype=dtype), requires_grad=True)


def soft_threshold(z, threshold):
    """S(z, t) = sign(z) * max(|z| - t, 0), written out for the expected values."""
    return np.sign(z) * np.maximum(np.abs(z) - threshold, 0.0)


# --- value and (sub)gradient as a loss term -------------------------------------------------------


def test_l1_value_and_gradient_by_hand():
    theta = tensor([[1.0, -2.0], [0.0, 3.0]])
    value = L1(0.5)(theta)
    # 0.5 * (|1| + |-2| + |0| + |3|) = 0.5 * 6 = 3
    assert value.item() == pytest.approx(3.0)
    value.backward()
    # d/dtheta alpha * |theta| = alpha * sign(theta), and sign(0) = 0: the zero weight gets none.
    np.testing.assert_allclose(theta.grad.numpy(), [[0.5, -0.5], [0.0, 0.5]])


def test_l2_value_and_gradient_by_hand():
    theta = tensor([[1.0, -2.0], [0.0, 3.0]])
    value = L2(0.5)(theta)
    # 0.5 / 2 * (1 + 4 + 0 + 9) = 0.25 * 14 = 3.5
    assert value.item() == pytest.approx(3.5)
    value.backward()
    # d/dtheta alpha / 2 * theta**2 = alpha * theta
    np.testing.assert_allclose(theta.grad.numpy(), [[0.5, -1.0], [0.0, 1.5]])


def test_elastic_net_value_and_gradient_by_hand_summed_over_parameters():
    weight = tensor([1.0, -2.0, 0.0])
    bias = tensor([4.0])
    value = ElasticNet(alpha=0.4, r=0.25)([weight, bias])
    # L1 part: r * alpha = 0.1, times (1 + 2 + 0 + 4) = 0.7
    # L2 part: (1 - r) * alpha / 2 = 0.15, times (1 + 4 + 0 + 16) = 3.15
    assert value.item() == pytest.approx(0.7 + 3.15)
    value.backward()
    # gradient: 0.1 * sign(theta) + 0.3 * theta
    np.testing.assert_allclose(weight.grad.numpy(), [0.1 + 0.3, -0.1 - 0.6, 0.0])
    np.testing.assert_allclose(bias.grad.numpy(), [0.1 + 1.2])


@pytest.mark.parametrize("penalty", [L1(0.3), L2(0.3), ElasticNet(0.3, 0.4)], ids=repr)
def test_gradcheck_away_from_the_kink(penalty):
    theta = tensor(np.random.default_rng(0).uniform(0.1, 1.0, (3, 4)) * [1, -1, 1, -1])
    assert minigrad.gradcheck(penalty, theta)


def test_penalty_adds_to_a_data_loss():
    # loss = mean((x * w - y)**2) + L1(0.5)(w) with x = [1, 2], y = [0, 0], w = [3, -1]
    w = tensor([3.0, -1.0])
    x = minigrad.Tensor(np.array([1.0, 2.0]))
    mse = ((x * w) ** 2).mean()  # (9 + 4) / 2 = 6.5
    loss = mse + L1(0.5)(w)  # a single Tensor is one parameter
    assert loss.item() == pytest.approx(6.5 + 0.5 * 4)
    loss.backward()
    # d mse / d w_i = x_i**2 * w_i (the 2 of the square and the 1/2 of the mean cancel)
    np.testing.assert_allclose(w.grad.numpy(), [3.0 + 0.5, -4.0 - 0.5])


def test_params_may_be_a_tensor_a_list_or_a_generator():
    weights = [tensor([1.0, -2.0]), tensor([3.0])]
    penalty = ElasticNet(0.5, 0.5)
    from_list = penalty(weights).item()
    from_generator = penalty(weight for weight in weights).item()
    one_by_one = sum(penalty(weight).item() for weight in weights)
    assert from_list == from_generator == pytest.approx(one_by_one)


def test_float32_parameters_give_a_float32_penalty():
    theta = tensor([1.0, -2.0], dtype=np.float32)
    for penalty in (L1(0.1), L2(0.1), ElasticNet(0.1, 0.5)):
        value = penalty(theta)
        assert value.dtype == np.float32, penalty
        value.backward()
        assert theta.grad.dtype == np.float32
        theta.grad = None


def test_zero_alpha_gives_a_constant_zero():
    value = ElasticNet(0.0, 0.5)([tensor([1.0, -2.0], dtype=np.float32)])
    assert value.item() == 0.0 and value.dtype == np.float32
    assert L1(0.1)([]).item() == 0.0  # no parameters: nothing to penalise


def test_a_non_tensor_parameter_is_a_type_error():
    with pytest.raises(TypeError, match="item 1"):
        L1(0.1)([tensor([1.0]), np.array([1.0])])


# --- L1 and L2 are the Elastic Net's end points ---------------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.3, 7.0])
def test_elastic_net_with_r_1_is_l1_and_with_r_0_is_l2_exactly(alpha):
    values = np.array([0.7, -1.3, 0.0, 2.9, -0.05])
    for special, mixed in ((L1(alpha), ElasticNet(alpha, 1)), (L2(alpha), ElasticNet(alpha, 0))):
        assert special.l1_strength == mixed.l1_strength
        assert special.l2_strength == mixed.l2_strength
        first, second = tensor(values), tensor(values)
        assert special(first).item() == mixed(second).item()
        if alpha > 0:
            special(first).backward()
            mixed(second).backward()
            np.testing.assert_array_equal(first.grad.numpy(), second.grad.numpy())
        np.testing.assert_array_equal(special.smooth_grad(values), mixed.smooth_grad(values))
        first_array, second_array = values.copy(), values.copy()
        special.prox_(first_array, lr=0.1)
        mixed.prox_(second_array, lr=0.1)
        np.testing.assert_array_equal(first_array, second_array)
    # and they are the textbook formulas: alpha * sum|theta|, alpha / 2 * sum theta**2
    assert L1(alpha)(tensor(values)).item() == pytest.approx(alpha * np.abs(values).sum())
    assert L2(alpha)(tensor(values)).item() == pytest.approx(alpha / 2 * (values**2).sum())


def test_strengths_are_floats_from_alpha_and_r():
    penalty = ElasticNet(alpha=2, r=0.25)
    assert penalty.l1_strength == 0.5 and isinstance(penalty.l1_strength, float)
    assert penalty.l2_strength == 1.5 and isinstance(penalty.l2_strength, float)
    assert (L1(2).l1_strength, L1(2).l2_strength) == (2.0, 0.0)
    assert (L2(2).l1_strength, L2(2).l2_strength) == (0.0, 2.0)


def test_repr_shows_alpha_and_r():
    assert repr(ElasticNet(0.1, 0.5)) == "ElasticNet(alpha=0.1, r=0.5)"
    assert repr(L1(0.1)) == "L1(alpha=0.1, r=1.0)"
    assert repr(L2(0.1)) == "L2(alpha=0.1, r=0.0)"


# --- the optimizer's side: smooth_grad and prox_ on raw arrays ------------------------------------


def test_smooth_grad_is_the_l2_strength_times_theta():
    theta = np.array([1.0, -2.0, 0.0], dtype=np.float32)
    grad = ElasticNet(alpha=0.4, r=0.25).smooth_grad(theta)
    np.testing.assert_allclose(grad, [0.3, -0.6, 0.0], rtol=1e-6)  # (1 - 0.25) * 0.4 = 0.3
    assert grad.dtype == np.float32 and type(grad) is np.ndarray
    assert theta.tolist() == [1.0, -2.0, 0.0]  # not in place
    assert L1(0.4).smooth_grad(theta).tolist() == [0.0, 0.0, 0.0]


def test_prox_soft_thresholds_in_place_by_hand():
    theta = np.array([3.0, -0.5, 0.2, -2.0, 0.0, 0.75])
    view = theta[:]
    L1(2.0).prox_(theta, lr=0.25)  # threshold lr * alpha = 0.5
    # |theta| <= 0.5 lands exactly on zero; the rest moves 0.5 towards zero.
    expected = [2.5, 0.0, 0.0, -1.5, 0.0, 0.25]
    assert theta.tolist() == expected
    assert view.tolist() == expected  # the very same memory was updated
    np.testing.assert_array_equal(theta == 0, [False, True, True, False, True, False])


def test_elastic_net_prox_uses_only_the_l1_part():
    theta = np.array([1.0, -1.0, 0.25], dtype=np.float32)
    ElasticNet(alpha=2.0, r=0.25).prox_(theta, lr=0.5)  # threshold 0.5 * 0.25 * 2 = 0.25
    assert theta.tolist() == [0.75, -0.75, 0.0]
    assert theta.dtype == np.float32


def test_prox_matches_the_soft_threshold_formula():
    theta = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    expected = soft_threshold(theta, np.float32(0.3 * 0.5 * 0.8))
    ElasticNet(alpha=0.8, r=0.5).prox_(theta, lr=0.3)
    np.testing.assert_allclose(theta, expected, rtol=1e-6)
    assert theta.dtype == np.float32


def test_prox_is_a_no_op_without_an_l1_part_or_with_lr_zero():
    theta = np.array([1.0, -1e-9, 0.0])
    before = theta.copy()
    L2(5.0).prox_(theta, lr=1.0)
    ElasticNet(0.0, 0.5).prox_(theta, lr=1.0)
    L1(5.0).prox_(theta, lr=0.0)
    assert theta.tobytes() == before.tobytes()


def test_prox_rejects_a_negative_lr():
    with pytest.raises(ValueError, match="lr"):
        L1(0.1).prox_(np.ones(2), lr=-0.1)


@pytest.mark.gpu
def test_prox_and_smooth_grad_stay_on_the_gpu():
    cupy = pytest.importorskip("cupy")
    if not minigrad.cuda.is_available():
        pytest.skip("no CUDA device")
    theta = cupy.asarray([3.0, -0.5, 0.2, -2.0], dtype=cupy.float32)
    penalty = ElasticNet(alpha=2.0, r=0.5)
    grad = penalty.smooth_grad(theta)
    assert isinstance(grad, cupy.ndarray) and grad.dtype == cupy.float32
    penalty.prox_(theta, lr=0.5)  # threshold 0.5
    assert isinstance(theta, cupy.ndarray) and theta.dtype == cupy.float32
    assert theta.get().tolist() == [2.5, 0.0, 0.0, -1.5]
    value = penalty(minigrad.Tensor(theta, device="cuda"))
    assert value.item() == pytest.approx(0.5 * 2 * 4.0 + 0.25 * 2 * (2.5**2 + 1.5**2))


# --- an orthonormal design, where the Elastic Net has a closed form -------------------------------


def orthonormal_design(n=64, p=8, seed=0):
    """X with X^T X = n I, and columns orthogonal to the all-ones vector (so a bias separates)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(np.column_stack([np.ones(n), rng.standard_normal((n, p))]))
    X = math.sqrt(n) * q[:, 1:]
    theta_true = np.array([3.0, -2.0, 0.0, 0.0, 1.0, 0.0, -0.5, 0.05])
    y = X @ theta_true + 0.1 * rng.standard_normal(n)
    return X, y


def elastic_net_closed_form(X, y, a, r):
    """The minimiser of the Elastic Net objective on an orthonormal design.

        J(theta) = ||y - X theta||**2 / (2n) + r a |theta|_1 + (1 - r) a / 2 |theta|**2

    With X^T X = n I the data term expands to

        ||y||**2 / (2n) - theta . z + |theta|**2 / 2,        z = X^T y / n,

    so J splits into one problem per coordinate:

        J_i(t) = (1 + (1 - r) a) / 2 * t**2 - z_i t + r a |t|     (+ a constant).

    At the minimum 0 lies in the subgradient: 0 in (1 + (1 - r) a) t - z_i + r a * d|t|, where
    d|t| = {sign(t)} for t != 0 and [-1, 1] at t = 0. So t = 0 exactly when |z_i| <= r a, and
    otherwise t = (z_i - r a sign(z_i)) / (1 + (1 - r) a). Both cases in one line:

        theta*_i = S(z_i, r a) / (1 + (1 - r) a),     S(z, t) = sign(z) max(|z| - t, 0):

    soft-threshold (the L1 part), then shrink (the L2 part).
    """
    n = X.shape[0]
    np.testing.assert_allclose(X.T @ X, n * np.eye(X.shape[1]), atol=1e-9)
    return soft_threshold(X.T @ y / n, r * a) / (1 + (1 - r) * a)


def proximal_gradient_descent(X, y, penalty, lr, steps):
    """Full-batch proximal gradient descent on ||y - X theta||**2 / (2n) + penalty, in NumPy."""
    n = X.shape[0]
    theta = np.zeros(X.shape[1])
    for _ in range(steps):
        grad = X.T @ (X @ theta - y) / n  # gradient of the data term
        grad = grad + penalty.smooth_grad(theta)  # ... plus the smooth (L2) part
        theta -= lr * grad
        penalty.prox_(theta, lr)  # the L1 part, as a soft-threshold
    return theta


PENALTIES = [ElasticNet(0.4, 0.5), ElasticNet(0.6, 0.9), L1(0.3), L2(0.5)]


@pytest.mark.parametrize("penalty", PENALTIES, ids=repr)
def test_proximal_gradient_reaches_the_closed_form_with_exact_zeros(penalty):
    X, y = orthonormal_design()
    expected = elastic_net_closed_form(X, y, penalty.alpha, penalty.r)
    if penalty.l1_strength > 0:  # the case is only interesting if some weights are zero
        assert 0 < np.count_nonzero(expected) < len(expected)
    theta = proximal_gradient_descent(X, y, penalty, lr=0.5, steps=200)
    np.testing.assert_allclose(theta, expected, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(theta == 0, expected == 0)  # exactly zero, not just small


def test_subgradient_descent_on_the_loss_term_never_reaches_exact_zeros():
    # The same problem trained with autograd on loss = data + penalty: the weights that should be
    # zero jump back and forth across zero instead of settling on it. This is why the optimizer
    # applies the L1 part as a proximal step.
    X, y = orthonormal_design()
    penalty = ElasticNet(0.4, 0.5)
    expected = elastic_net_closed_form(X, y, penalty.alpha, penalty.r)
    features, targets = minigrad.Tensor(X), minigrad.Tensor(y)
    theta = tensor(np.zeros(X.shape[1]))
    for _ in range(300):
        loss = ((features @ theta - targets) ** 2).sum() / (2 * len(y)) + penalty(theta)
        theta.grad = None
        loss.backward()
        with minigrad.no_grad():
            theta.data -= 0.1 * theta.grad.data
    should_be_zero = expected == 0
    assert np.all(np.abs(theta.numpy()[should_be_zero]) < 0.05)  # close to zero ...
    assert np.all(theta.numpy()[should_be_zero] != 0)  # ... but never exactly zero


@pytest.mark.parametrize(("alpha", "r"), [(0.4, 0.5), (0.2, 1.0), (0.3, 0.0)])
def test_sklearn_mapping_alpha_over_two(alpha, r):
    # The notes' objective MSE + P(theta) is twice sklearn's RSS/(2n) + P_sklearn(theta) when
    # sklearn's alpha is half of ours: both share the closed-form minimiser with a = alpha / 2.
    X, y = orthonormal_design()
    n = len(y)
    penalty = ElasticNet(alpha, r)
    theta = np.zeros(X.shape[1])
    for _ in range(200):
        grad = 2 * X.T @ (X @ theta - y) / n + penalty.smooth_grad(theta)  # MSE = RSS / n
        theta -= 0.25 * grad
        penalty.prox_(theta, 0.25)
    np.testing.assert_allclose(theta, elastic_net_closed_form(X, y, alpha / 2, r), atol=1e-9)


def test_sklearn_elastic_net_agrees():
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = orthonormal_design()
    alpha, r = 0.4, 0.5
    model = linear_model.ElasticNet(alpha=alpha / 2, l1_ratio=r, fit_intercept=False, tol=1e-12)
    model.fit(X, y)
    np.testing.assert_allclose(model.coef_, elastic_net_closed_form(X, y, alpha / 2, r), atol=1e-8)


# --- the grouping effect --------------------------------------------------------------------------


def correlated_features(seed=3, n=50):
    """Two features that are noisy copies of one signal (correlation ~0.998), and one unrelated."""
    rng = np.random.default_rng(seed)
    signal = rng.standard_normal(n)
    X = np.column_stack(
        [
            signal + 0.05 * rng.standard_normal(n),
            signal + 0.05 * rng.standard_normal(n),
            rng.standard_normal(n),
        ]
    )
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = 2 * signal + 0.5 * rng.standard_normal(n)
    return X, y - y.mean()


def minimise_mse_plus(penalty, X, y, steps=20000):
    """Proximal gradient descent on MSE + penalty; then check the optimality conditions."""
    n = len(y)
    lr = 1 / (2 * np.linalg.eigvalsh(X.T @ X / n).max() + penalty.l2_strength)  # 1 / Lipschitz
    theta = np.zeros(X.shape[1])
    for _ in range(steps):
        theta -= lr * (2 * X.T @ (X @ theta - y) / n + penalty.smooth_grad(theta))
        penalty.prox_(theta, lr)
    # Optimal iff 0 is a subgradient: smooth gradient = -l1 * sign(theta) where theta != 0,
    # and |smooth gradient| <= l1 where theta == 0.
    smooth = 2 * X.T @ (X @ theta - y) / n + penalty.smooth_grad(theta)
    nonzero = theta != 0
    np.testing.assert_allclose(smooth[nonzero], -penalty.l1_strength * np.sign(theta[nonzero]),
                               atol=1e-8)  # fmt: skip
    assert np.all(np.abs(smooth[~nonzero]) <= penalty.l1_strength + 1e-8)
    return theta


def test_grouping_effect_lasso_keeps_one_of_two_correlated_features():
    X, y = correlated_features()
    assert np.corrcoef(X[:, 0], X[:, 1])[0, 1] > 0.99
    theta = minimise_mse_plus(L1(0.5), X, y)
    assert np.count_nonzero(theta[:2]) == 1  # one twin carries the whole signal
    assert theta[2] == 0


def test_grouping_effect_elastic_net_keeps_both_correlated_features_with_similar_weights():
    X, y = correlated_features()
    theta = minimise_mse_plus(ElasticNet(0.5, 0.5), X, y)
    assert np.all(theta[:2] > 0)
    assert abs(theta[0] - theta[1]) < 0.1 * abs(theta[0] + theta[1])  # the signal is shared
    assert theta[2] == 0


def test_grouping_effect_elastic_net_drops_the_correlated_pair_together():
    X, y = correlated_features()
    theta = minimise_mse_plus(ElasticNet(10.0, 0.5), X, y)
    assert theta.tolist() == [0.0, 0.0, 0.0]


# --- the optimizer handshake (runs once optim exists) ---------------------------------------------


def optim_or_skip():
    import optim

    return optim


def test_sgd_with_a_penalty_reaches_the_closed_form_with_exact_zeros():
    optim = optim_or_skip()
    X, y = orthonormal_design()
    features, targets = minigrad.Tensor(X), minigrad.Tensor(y)
    for penalty in PENALTIES:
        expected = elastic_net_closed_form(X, y, penalty.alpha, penalty.r)
        theta = tensor(np.zeros(X.shape[1]))
        optimizer = optim.SGD([theta], lr=0.5, penalty=penalty)
        for _ in range(200):
            optimizer.zero_grad()
            loss = ((features @ theta - targets) ** 2).sum() / (2 * len(y))
            loss.backward()
            optimizer.step()
        np.testing.assert_allclose(
            theta.numpy(), expected, rtol=0, atol=1e-6, err_msg=repr(penalty)
        )
        np.testing.assert_array_equal(theta.numpy() == 0, expected == 0, err_msg=repr(penalty))


def fit_with_bias(optimizer_for, X, y, steps=200):
    """Train prediction = X w + b by full-batch SGD with the optimizer ``optimizer_for(w, b)``."""
    features, targets = minigrad.Tensor(X), minigrad.Tensor(y)
    weight, bias = tensor(np.zeros(X.shape[1])), tensor([0.0])
    optimizer = optimizer_for(weight, bias)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((features @ weight + bias - targets) ** 2).sum() / (2 * len(y))
        loss.backward()
        optimizer.step()
    return weight.numpy(), bias.numpy()


def test_param_groups_leave_the_bias_unpenalised():
    optim = optim_or_skip()
    X, y = orthonormal_design()
    y = y + 2.0  # a bias to find
    penalty = ElasticNet(0.4, 0.5)
    # Since the columns of X are orthogonal to the ones vector, the bias decouples: unpenalised it
    # is mean(y), and the weights are the closed form (X^T y is unchanged by the shift).
    expected_weight = elastic_net_closed_form(X, y, penalty.alpha, penalty.r)

    weight, bias = fit_with_bias(
        lambda w, b: optim.SGD([{"params": [w], "penalty": penalty}, {"params": [b]}], lr=0.5),
        X,
        y,
    )
    np.testing.assert_allclose(weight, expected_weight, atol=1e-6)
    np.testing.assert_array_equal(weight == 0, expected_weight == 0)
    np.testing.assert_allclose(bias, [y.mean()], atol=1e-6)

    # The optimizer-wide keyword is the default; a group opts out with "penalty": None.
    weight, bias = fit_with_bias(
        lambda w, b: optim.SGD(
            [{"params": [w]}, {"params": [b], "penalty": None}], lr=0.5, penalty=penalty
        ),
        X,
        y,
    )
    np.testing.assert_allclose(weight, expected_weight, atol=1e-6)
    np.testing.assert_allclose(bias, [y.mean()], atol=1e-6)


def test_optimizer_wide_penalty_also_shrinks_the_bias():
    optim = optim_or_skip()
    X, y = orthonormal_design()
    y = y + 2.0
    penalty = ElasticNet(0.4, 0.5)
    _, bias = fit_with_bias(lambda w, b: optim.SGD([w, b], lr=0.5, penalty=penalty), X, y)
    # The bias is one more coordinate of the closed form, with z = mean(y).
    expected = soft_threshold(y.mean(), penalty.l1_strength) / (1 + penalty.l2_strength)
    np.testing.assert_allclose(bias, [expected], atol=1e-6)


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda: ElasticNet(-0.1, 0.5), "alpha"),
        (lambda: ElasticNet(math.nan, 0.5), "alpha"),
        (lambda: ElasticNet(math.inf, 0.5), "alpha"),
        (lambda: ElasticNet(0.1, -0.01), "r"),
        (lambda: ElasticNet(0.1, 1.01), "r"),
        (lambda: ElasticNet(0.1, math.nan), "r"),
        (lambda: L1(-1.0), "alpha"),
        (lambda: L2(math.inf), "alpha"),
    ],
)
def test_bad_values_are_value_errors_naming_the_argument(make, argument):
    with pytest.raises(ValueError, match=rf"^(ElasticNet|L1|L2): {argument} must be a finite"):
        make()


@pytest.mark.parametrize("value", ["0.1", None, True, [0.1]])
def test_non_numbers_are_type_errors_naming_the_argument(value):
    with pytest.raises(TypeError, match="alpha"):
        ElasticNet(value, 0.5)
    with pytest.raises(TypeError, match="^ElasticNet: r must be a number"):
        ElasticNet(0.1, value)

"""Specification of the learning-rate schedulers.

Expected values are derived here from each paper's formula, with the arithmetic written out, or
are the published reference sequences for CyclicLR (base_lr=1, max_lr=5, step_size_up=4).
Schedulers only need ``optimizer.param_groups``, so most tests use a small stand-in optimizer;
the tests at the end use the real ``optim`` package once it exists.
"""

from __future__ import annotations

import copy
import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedulers
from schedulers import (
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)


class StandInOptimizer:
    """Just what a scheduler touches: ``param_groups``, and ``_step_count`` for the warning.

    A list for ``lr`` (or any hyper-parameter) gives one value per param group. Handed a
    scheduler, it plays the optimizer's side of the handshake as ``optim`` does: bind it once the
    groups exist, and advance it after each of its own steps."""

    def __init__(self, lr: float | list[float] = 0.1, scheduler=None, **hyper):
        lrs = lr if isinstance(lr, list) else [lr]
        self.param_groups = [{"params": [], "lr": group_lr} for group_lr in lrs]
        for name, value in hyper.items():
            for index, group in enumerate(self.param_groups):
                group[name] = value[index] if isinstance(value, list) else value
        self._step_count = 0
        self.scheduler = scheduler
        if scheduler is not None:
            scheduler.bind(self)

    def step(self) -> None:
        self._step_count += 1  # counted first, so the scheduler sees that a step happened
        if self.scheduler is not None:
            self.scheduler.step()


def train(scheduler, steps: int, group: int = 0) -> list[float]:
    """Train PyTorch-style for ``steps`` steps; return the lr each step used."""
    optimizer = scheduler.optimizer
    used = []
    for _ in range(steps):
        used.append(optimizer.param_groups[group]["lr"])
        optimizer.step()
        scheduler.step()
    return used


def curve(scheduler, steps, group: int = 0) -> list[float]:
    return [scheduler.lr_at(t)[group] for t in steps]


# ------------------------------------------------------------------------------------------------
# CosineAnnealingLR: lr(t) = eta_min + (eta_max - eta_min) * (1 + cos(pi * t / T_max)) / 2
# ------------------------------------------------------------------------------------------------


def test_cosine_falls_to_eta_min_at_t_max_and_rises_again_after():
    scheduler = CosineAnnealingLR(StandInOptimizer(lr=0.1), T_max=100, eta_min=0)
    # cos(0) = 1, cos(pi/2) = 0, cos(pi) = -1, cos(3pi/2) = 0, cos(2pi) = 1, so (1 + cos) / 2 is
    # 1, 1/2, 0, 1/2, 1 and lr = 0.1 * that:
    expected = {0: 0.1, 50: 0.05, 100: 0.0, 150: 0.05, 200: 0.1}
    used = train(scheduler, 201)
    for t, lr in expected.items():
        assert used[t] == pytest.approx(lr, abs=1e-15)
        assert scheduler.lr_at(t)[0] == pytest.approx(lr, abs=1e-15)


def test_cosine_with_a_floor():
    scheduler = CosineAnnealingLR(StandInOptimizer(lr=0.1), T_max=10, eta_min=0.01)
    # t = 5: cos(pi/2) = 0, so lr = 0.01 + (0.1 - 0.01) * 1/2 = 0.055
    assert scheduler.lr_at(5)[0] == pytest.approx(0.055)
    # t = 10: cos(pi) = -1, so lr = eta_min
    assert scheduler.lr_at(10)[0] == pytest.approx(0.01)


def test_cosine_closed_form_agrees_with_the_recursive_form_pytorch_steps_with():
    T_max, eta_min, eta_max = 50, 0.001, 0.1
    scheduler = CosineAnnealingLR(StandInOptimizer(lr=eta_max), T_max=T_max, eta_min=eta_min)
    lr = eta_max
    for t in range(1, 3 * T_max):
        if (t - 1 - T_max) % (2 * T_max) == 0:  # at the trough the ratio below would be 0/0
            lr = lr + (eta_max - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
        else:
            lr = eta_min + (lr - eta_min) * (1 + math.cos(math.pi * t / T_max)) / (
                1 + math.cos(math.pi * (t - 1) / T_max)
            )
        assert scheduler.lr_at(t)[0] == pytest.approx(lr, abs=1e-15)


@given(
    T_max=st.integers(1, 1000),
    eta_min=st.floats(0, 0.01),
    t=st.integers(0, 5000),
)
def test_cosine_stays_between_eta_min_and_eta_max(T_max, eta_min, t):
    scheduler = CosineAnnealingLR(StandInOptimizer(lr=0.1), T_max=T_max, eta_min=eta_min)
    assert eta_min - 1e-15 <= scheduler.lr_at(t)[0] <= 0.1 + 1e-15


# ------------------------------------------------------------------------------------------------
# CyclicLR: the published reference sequences (base_lr=1, max_lr=5, step_size_up=4)
# ------------------------------------------------------------------------------------------------


def cyclic(mode="triangular", **kwargs):
    optimizer = StandInOptimizer(lr=0.1, momentum=0.9)
    options = dict(base_lr=1, max_lr=5, step_size_up=4, mode=mode, cycle_momentum=False)
    return CyclicLR(optimizer, **{**options, **kwargs})


def test_cyclic_triangular_reference_sequence():
    assert train(cyclic("triangular"), 11) == [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3]


def test_cyclic_triangular2_halves_the_peak_each_cycle():
    scheduler = cyclic("triangular2")
    # cycle 1 (t = 0..8) is the triangular one; cycle 2 (t = 8..16) has scale 1/2**(2-1) = 1/2
    assert curve(scheduler, range(0, 9)) == [1, 2, 3, 4, 5, 4, 3, 2, 1]
    assert curve(scheduler, range(8, 17)) == [1, 1.5, 2, 2.5, 3, 2.5, 2, 1.5, 1]
    # cycle 3 peaks at 1 + 4 * 1/4 = 2
    assert scheduler.lr_at(20)[0] == 2


def test_cyclic_momentum_moves_opposite_to_lr():
    optimizer = StandInOptimizer(lr=0.1, momentum=0.9)
    scheduler = CyclicLR(
        optimizer, base_lr=1, max_lr=5, step_size_up=4, base_momentum=1, max_momentum=5
    )
    expected = [5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3]
    assert [scheduler.momentum_at(t)[0] for t in range(11)] == expected
    written = []
    for _ in range(11):
        written.append(optimizer.param_groups[0]["momentum"])
        optimizer.step()
        scheduler.step()
    assert written == expected


def test_cyclic_momentum_cycles_adams_beta1_and_keeps_beta2():
    optimizer = StandInOptimizer(lr=0.1, betas=(0.9, 0.999))
    scheduler = CyclicLR(optimizer, base_lr=1, max_lr=5, step_size_up=4)
    assert optimizer.param_groups[0]["betas"] == (0.9, 0.999)  # max_momentum at construction
    train(scheduler, 4)  # now at the peak: t = 4, lr = max_lr, beta1 = base_momentum
    assert optimizer.param_groups[0]["betas"] == (0.8, 0.999)
    assert optimizer.param_groups[0]["lr"] == 5


def test_cyclic_exp_range_peaks_decay_by_gamma_to_the_t():
    gamma = 0.9
    scheduler = cyclic("exp_range", gamma=gamma)
    # peaks (s = 1) at t = 4, 12, 20: lr = 1 + (5 - 1) * gamma**t
    for t in (4, 12, 20):
        assert scheduler.lr_at(t)[0] == pytest.approx(1 + 4 * gamma**t)
    # valleys (s = 0) stay at base_lr; halfway up (s = 1/2) at t = 2: 1 + 4 * 1/2 * gamma**2
    assert curve(scheduler, (0, 8, 16)) == [1, 1, 1]
    assert scheduler.lr_at(2)[0] == pytest.approx(1 + 4 * 0.5 * gamma**2)


def test_cyclic_uneven_step_sizes():
    scheduler = cyclic(step_size_up=2, step_size_down=6)
    # total = 8, ratio = 2/8 = 0.25. t = 2: x = 0.25, s = 1 -> max_lr.
    assert scheduler.lr_at(2)[0] == 5
    # t = 5: x = 5/8 = 0.625 > ratio, s = (0.625 - 1) / (0.25 - 1) = 0.5 -> 1 + 4 * 0.5 = 3
    assert scheduler.lr_at(5)[0] == 3


def test_cyclic_custom_scale_fn_by_cycle_or_by_iteration():
    by_cycle = cyclic(scale_fn=lambda cycle: 1 / cycle, scale_mode="cycle")
    # second cycle's peak is at t = 12: 1 + 4 * 1/2 = 3
    assert by_cycle.lr_at(12)[0] == 3
    by_iteration = cyclic(scale_fn=lambda t: 0.5, scale_mode="iterations")
    assert by_iteration.lr_at(4)[0] == 3


def test_cyclic_construction_sets_base_lr_and_max_momentum_per_group():
    optimizer = StandInOptimizer(lr=[0.5, 0.5], momentum=0.5)
    CyclicLR(optimizer, base_lr=[0.1, 0.2], max_lr=1.0, base_momentum=0.8, max_momentum=[0.9, 0.95])
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.2]
    assert [g["momentum"] for g in optimizer.param_groups] == [0.9, 0.95]


def test_the_notes_cyclic_example_runs_as_written():
    optimizer = StandInOptimizer(lr=0.1, momentum=0.9)
    scheduler = CyclicLR(
        optimizer,
        base_lr=0.001,
        max_lr=0.1,
        step_size_up=50,
        step_size_down=50,
        mode="triangular",
    )
    # halfway up (t = 25): 0.001 + (0.1 - 0.001) * 0.5 = 0.0505; the peak is at t = 50
    assert scheduler.lr_at(25)[0] == pytest.approx(0.0505)
    assert scheduler.lr_at(50)[0] == pytest.approx(0.1)
    assert scheduler.lr_at(100)[0] == pytest.approx(0.001)


@given(
    base=st.floats(0, 1),
    height=st.floats(0, 1),
    up=st.integers(1, 50),
    down=st.integers(1, 50),
    mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
    t=st.integers(0, 1000),
)
def test_cyclic_lr_and_momentum_stay_within_their_bounds(base, height, up, down, mode, t):
    optimizer = StandInOptimizer(lr=0.1, momentum=0.9)
    scheduler = CyclicLR(
        optimizer,
        base_lr=base,
        max_lr=base + height,
        step_size_up=up,
        step_size_down=down,
        mode=mode,
        gamma=0.99,
    )
    assert base - 1e-12 <= scheduler.lr_at(t)[0] <= base + height + 1e-12
    assert 0.8 - 1e-12 <= scheduler.momentum_at(t)[0] <= 0.9 + 1e-12


# ------------------------------------------------------------------------------------------------
# CosineAnnealingWarmRestarts
# ------------------------------------------------------------------------------------------------


def test_warm_restarts_with_t_mult_2_restart_at_10_30_70_150():
    scheduler = CosineAnnealingWarmRestarts(StandInOptimizer(lr=0.1), T_0=10, T_mult=2)
    # cycle lengths 10, 20, 40, 80: restarts at 10, 10 + 20 = 30, 30 + 40 = 70, 70 + 80 = 150
    for restart, length in ((10, 20), (30, 40), (70, 80), (150, 160)):
        previous_length = length // 2
        assert scheduler.lr_at(restart)[0] == 0.1
        # one step before: T_cur = previous_length - 1, T_i = previous_length
        before = 0.1 * (1 + math.cos(math.pi * (previous_length - 1) / previous_length)) / 2
        assert scheduler.lr_at(restart - 1)[0] == pytest.approx(before)
        # halfway through the new cycle: cos(pi/2) = 0, so 0.1 / 2
        assert scheduler.lr_at(restart + length // 2)[0] == pytest.approx(0.05)


def test_warm_restarts_match_pytorchs_step_by_step_rule():
    T_0, T_mult, eta_min = 3, 3, 0.01
    scheduler = CosineAnnealingWarmRestarts(
        StandInOptimizer(lr=0.1), T_0=T_0, T_mult=T_mult, eta_min=eta_min
    )
    T_cur, T_i = 0, T_0
    for t in range(200):
        expected = eta_min + (0.1 - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2
        assert scheduler.lr_at(t)[0] == pytest.approx(expected, abs=1e-15)
        T_cur += 1
        if T_cur >= T_i:
            T_cur, T_i = T_cur - T_i, T_i * T_mult


def test_warm_restarts_with_t_mult_1_repeat_every_t_0():
    scheduler = CosineAnnealingWarmRestarts(StandInOptimizer(lr=0.1), T_0=7)
    assert curve(scheduler, range(7)) == curve(scheduler, range(70, 77))


# ------------------------------------------------------------------------------------------------
# OneCycleLR
# ------------------------------------------------------------------------------------------------


def test_one_cycle_start_peak_and_end():
    optimizer = StandInOptimizer(lr=0.1, momentum=0.9)
    scheduler = OneCycleLR(optimizer, max_lr=1.0, total_steps=100)
    initial = 1.0 / 25  # max_lr / div_factor
    # warm-up ends at pct_start * total_steps - 1 = 0.3 * 100 - 1 = step 29
    assert optimizer.param_groups[0]["lr"] == pytest.approx(initial)
    assert optimizer.param_groups[0]["initial_lr"] == initial
    assert scheduler.lr_at(29)[0] == 1.0
    # the anneal ends at total_steps - 1 = 99, at initial / final_div_factor
    assert scheduler.lr_at(99)[0] == pytest.approx(initial / 1e4)
    # momentum takes the mirror path: 0.95 -> 0.85 -> 0.95
    assert [scheduler.momentum_at(t)[0] for t in (0, 29, 99)] == pytest.approx([0.95, 0.85, 0.95])


def test_one_cycle_linear_strategy_and_epochs_times_steps_per_epoch():
    optimizer = StandInOptimizer(lr=0.1, momentum=0.9)
    scheduler = OneCycleLR(
        optimizer, max_lr=1.0, epochs=2, steps_per_epoch=5, anneal_strategy="linear"
    )
    assert scheduler.total_steps == 10
    # warm-up is steps 0..2 (0.3 * 10 - 1 = 2); t = 1 is halfway: 0.04 + (1 - 0.04) * 0.5
    assert scheduler.lr_at(1)[0] == pytest.approx(0.52)
    # the anneal runs over steps 2..9; t = 9 is the end: 0.04 / 1e4
    assert scheduler.lr_at(9)[0] == pytest.approx(4e-6)


def test_one_cycle_three_phases():
    optimizer = StandInOptimizer(lr=0.1, momentum=0.9)
    scheduler = OneCycleLR(optimizer, max_lr=1.0, total_steps=100, pct_start=0.25, three_phase=True)
    # phase ends: 0.25 * 100 - 1 = 24, 2 * 24 = 48, 100 - 1 = 99
    assert curve(scheduler, (0, 24, 48, 99)) == pytest.approx([0.04, 1.0, 0.04, 0.04 / 1e4])


def test_one_cycle_may_reach_total_steps_but_not_pass_it():
    optimizer = StandInOptimizer(lr=0.1, momentum=0.9)
    scheduler = OneCycleLR(optimizer, max_lr=1.0, total_steps=10)
    train(scheduler, 10)  # a loop of 10 batches steps it 10 times, as in PyTorch
    assert scheduler.last_epoch == 10
    with pytest.raises(ValueError, match="total_steps"):
        scheduler.step()
    assert scheduler.last_epoch == 10  # the failed step changed nothing


# ------------------------------------------------------------------------------------------------
# StepLR, ExponentialLR, LinearLR, SequentialLR
# ------------------------------------------------------------------------------------------------


def test_step_lr_multiplies_by_gamma_every_step_size_steps():
    scheduler = StepLR(StandInOptimizer(lr=0.1), step_size=3, gamma=0.1)
    # floor(t / 3) = 0, 0, 0, 1, 1, 1, 2
    expected = [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001]
    assert train(scheduler, 7) == pytest.approx(expected)


def test_exponential_lr():
    scheduler = ExponentialLR(StandInOptimizer(lr=0.1), gamma=0.5)
    assert scheduler.lr_at(3)[0] == pytest.approx(0.1 * 0.5**3)


def test_linear_lr_warm_up():
    scheduler = LinearLR(StandInOptimizer(lr=0.1))  # start_factor 1/3 -> 1 over 5 steps
    # t = 2: factor = 1/3 + (1 - 1/3) * 2/5
    assert scheduler.lr_at(2)[0] == pytest.approx(0.1 * (1 / 3 + (2 / 3) * (2 / 5)))
    assert curve(scheduler, (0, 5, 50)) == pytest.approx([0.1 / 3, 0.1, 0.1])


def test_linear_lr_can_decay_to_zero():
    scheduler = LinearLR(StandInOptimizer(lr=0.1), start_factor=1.0, end_factor=0.0, total_iters=4)
    assert curve(scheduler, range(6)) == pytest.approx([0.1, 0.075, 0.05, 0.025, 0, 0])


def test_constant_lr_multiplies_the_first_steps_then_stops():
    scheduler = ConstantLR(StandInOptimizer(lr=0.1), factor=0.5, total_iters=3)
    assert curve(scheduler, range(6)) == pytest.approx([0.05, 0.05, 0.05, 0.1, 0.1, 0.1])


def test_polynomial_lr_reaches_zero_along_a_power_curve():
    scheduler = PolynomialLR(StandInOptimizer(lr=0.1), total_iters=4, power=2.0)
    # (1 - t/4)**2 for t = 0..4, then 0
    expected = [0.1 * (1 - t / 4) ** 2 for t in range(5)] + [0.0]
    assert curve(scheduler, range(6)) == pytest.approx(expected)
    linear = PolynomialLR(StandInOptimizer(lr=0.1), total_iters=5)
    assert linear.lr_at(2)[0] == pytest.approx(0.1 * 3 / 5)


def warmup_then_cosine(optimizer=None):
    return SequentialLR(
        optimizer,
        schedulers=[
            LinearLR(optimizer, start_factor=0.1, total_iters=5),
            CosineAnnealingLR(optimizer, T_max=10),
        ],
        milestones=[5],
    )


def test_sequential_warm_up_then_cosine_counts_each_from_its_milestone():
    scheduler = warmup_then_cosine(StandInOptimizer(lr=0.1))
    # t = 0..4: LinearLR's factor 0.1 + 0.9 * t/5
    assert curve(scheduler, range(5)) == pytest.approx([0.01, 0.028, 0.046, 0.064, 0.082])
    # t = 5, 10, 15: the cosine at its own steps 0, 5, 10 -> 0.1, 0.05, 0
    assert curve(scheduler, (5, 10, 15)) == pytest.approx([0.1, 0.05, 0.0], abs=1e-15)
    assert train(scheduler, 16)[15] == pytest.approx(0.0, abs=1e-15)


def test_sequential_bound_later_agrees_with_pytorch_style():
    pytorch_style = warmup_then_cosine(StandInOptimizer(lr=0.1))
    deferred = warmup_then_cosine()  # no optimizer anywhere yet
    deferred.bind(StandInOptimizer(lr=0.1))
    assert train(pytorch_style, 30) == train(deferred, 30)


def test_sequential_refuses_children_of_another_optimizer():
    child = CosineAnnealingLR(StandInOptimizer(), T_max=10)
    with pytest.raises(ValueError, match="different optimizer"):
        SequentialLR(StandInOptimizer(), schedulers=[LinearLR(), child], milestones=[5])


# ------------------------------------------------------------------------------------------------
# MultiStepLR: lr(t) = eta_0 * gamma ** (number of milestones <= t)
# LambdaLR:    lr(t) = eta_0 * f(t)
# ------------------------------------------------------------------------------------------------


def test_multistep_lr_decays_at_each_milestone():
    scheduler = MultiStepLR(StandInOptimizer(lr=1.0), milestones=[2, 5], gamma=0.1)
    # milestones reached by t = 0..6: 0, 0, 1, 1, 1, 2, 2
    expected = [1.0, 1.0, 0.1, 0.1, 0.1, 0.01, 0.01]
    assert train(scheduler, 7) == pytest.approx(expected, rel=1e-15)
    assert scheduler.lr_at(1000)[0] == pytest.approx(0.01, rel=1e-15)  # no decay after the last


def test_multistep_lr_with_a_milestone_at_zero_starts_decayed():
    scheduler = MultiStepLR(StandInOptimizer(lr=1.0), milestones=[0, 3], gamma=0.5)
    assert curve(scheduler, range(5)) == [0.5, 0.5, 0.5, 0.25, 0.25]


def test_lambda_lr_multiplies_the_initial_lr_by_the_function():
    scheduler = LambdaLR(StandInOptimizer(lr=0.2), lr_lambda=lambda t: 0.5**t)
    assert train(scheduler, 4) == [0.2, 0.1, 0.05, 0.025]


def test_lambda_lr_takes_one_function_per_group():
    optimizer = StandInOptimizer(lr=[0.1, 1.0])
    warm_up, decay = (lambda t: min(1.0, (t + 1) / 4)), (lambda t: 1 / (1 + t))
    scheduler = LambdaLR(optimizer, lr_lambda=[warm_up, decay])
    assert curve(scheduler, range(5), group=0) == pytest.approx([0.025, 0.05, 0.075, 0.1, 0.1])
    assert curve(scheduler, range(5), group=1) == pytest.approx([1, 1 / 2, 1 / 3, 1 / 4, 1 / 5])


def test_lambda_lr_refuses_a_factor_that_is_negative_or_nan():
    scheduler = LambdaLR(StandInOptimizer(lr=0.1), lr_lambda=lambda t: 1 - t)
    assert scheduler.lr_at(1) == [0.0]
    with pytest.raises(ValueError, match=r"LambdaLR: lr_lambda\(2\) must be a finite number >= 0"):
        scheduler.lr_at(2)
    nan = LambdaLR(StandInOptimizer(lr=0.1), lr_lambda=lambda t: 1.0 if t == 0 else math.nan)
    with pytest.raises(ValueError, match=r"lr_lambda\(1\).*nan"):
        train(nan, 2)


def test_lambda_lr_does_not_save_its_functions():
    scheduler = LambdaLR(StandInOptimizer(lr=0.1), lr_lambda=[lambda t: 0.9**t])
    train(scheduler, 3)
    state = scheduler.state_dict()
    assert "lr_lambda" not in state and "lr_lambdas" not in state
    json.dumps(state)  # plain data only


# ------------------------------------------------------------------------------------------------
# ReduceLROnPlateau: drop lr by factor after more than `patience` epochs without improvement
# ------------------------------------------------------------------------------------------------


def plateau_lrs(scheduler, metrics, group=0):
    """Step with each metric; return the lr of ``group`` after each step."""
    lrs = []
    for metric in metrics:
        scheduler.optimizer.step()
        scheduler.step(metric)
        lrs.append(scheduler.optimizer.param_groups[group]["lr"])
    return lrs


def test_plateau_drops_the_lr_after_more_than_patience_bad_epochs():
    optimizer = StandInOptimizer(lr=0.1)
    scheduler = ReduceLROnPlateau(
        optimizer, factor=0.5, patience=2, threshold_mode="abs", threshold=0
    )
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.8]
    # best:    1.0  0.9  -     -     -     -     -     -    0.8
    # bad:     0    0    1     2     3->0  1     2     3->0  0      a drop at each 3 > patience
    expected = [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025]
    assert plateau_lrs(scheduler, metrics) == pytest.approx(expected, rel=1e-15)
    assert scheduler.best == 0.8 and scheduler.num_bad_epochs == 0 and scheduler.last_epoch == 9
    assert scheduler.get_last_lr() == [0.025]


def test_plateau_relative_threshold_needs_a_gain_of_threshold_times_best():
    scheduler = ReduceLROnPlateau(StandInOptimizer(lr=1.0), patience=0, threshold=0.1)  # 'rel'
    # after best = 1.0 an improvement must beat it by more than 0.1 * 1.0: 0.95 is not one
    assert plateau_lrs(scheduler, [1.0, 0.95]) == [1.0, 0.1]
    assert scheduler.best == 1.0
    assert plateau_lrs(scheduler, [0.89]) == [0.1] and scheduler.best == 0.89


def test_plateau_relative_threshold_with_a_negative_best_is_pytorchs_best_times_factor():
    # PyTorch's documented bar in mode 'min' is best * (1 - threshold), whatever best's sign:
    # for best = -1.0 and threshold 0.1 it is -0.9, so -0.95 (worse than -1.0) counts as
    # better. The lrs must agree with PyTorch's, so the bar is PyTorch's.
    scheduler = ReduceLROnPlateau(StandInOptimizer(lr=1.0), patience=5, threshold=0.1)
    plateau_lrs(scheduler, [-1.0, -0.95])
    assert scheduler.best == -0.95 and scheduler.num_bad_epochs == 0
    plateau_lrs(scheduler, [-0.86])  # the bar is now -0.95 * 0.9 = -0.855: -0.86 is below it
    assert scheduler.best == -0.86
    plateau_lrs(scheduler, [-0.774])  # -0.86 * 0.9 = -0.774 itself is not below the bar
    assert scheduler.best == -0.86 and scheduler.num_bad_epochs == 1
    # mode 'max': the bar is best * (1 + threshold); for best = -1.0 that is -1.1
    scheduler = ReduceLROnPlateau(StandInOptimizer(lr=1.0), mode="max", threshold=0.1)
    plateau_lrs(scheduler, [-1.0, -1.05])
    assert scheduler.best == -1.05


def test_plateau_step_takes_pytorchs_keywords_metrics_and_epoch():
    scheduler = ReduceLROnPlateau(StandInOptimizer(lr=1.0))
    scheduler.step(metrics=0.5)
    assert scheduler.best == 0.5 and scheduler.last_epoch == 1
    scheduler.step(0.4, epoch=7)  # PyTorch's deprecated epoch sets last_epoch
    assert scheduler.last_epoch == 7


def test_plateau_max_mode_for_an_accuracy():
    scheduler = ReduceLROnPlateau(
        StandInOptimizer(lr=1.0), mode="max", patience=1, threshold=0.01, threshold_mode="abs"
    )
    # 0.5 best; 0.505 gains 0.005 <= 0.01: bad 1; 0.6 best; 0.6 bad 1; 0.59 bad 2 > 1: drop
    assert plateau_lrs(scheduler, [0.5, 0.505, 0.6, 0.6, 0.59]) == [1, 1, 1, 1, 0.1]


def test_plateau_cooldown_ignores_bad_epochs_after_a_drop():
    scheduler = ReduceLROnPlateau(
        StandInOptimizer(lr=1.0), patience=0, cooldown=2, threshold=0, threshold_mode="abs"
    )
    # epoch 1 bad -> drop, cooldown 2; epochs 2 and 3 are cooldown (bad reset); epoch 4 drops
    assert plateau_lrs(scheduler, [1.0, 1.0, 1.0, 1.0, 1.0]) == pytest.approx(
        [1.0, 0.1, 0.1, 0.1, 0.01], rel=1e-15
    )


def test_plateau_min_lr_per_group_and_eps_skip_tiny_changes():
    optimizer = StandInOptimizer(lr=[0.1, 1.0])
    scheduler = ReduceLROnPlateau(optimizer, patience=0, min_lr=[0.05, 0.0], eps=0.04)
    plateau_lrs(scheduler, [1.0, 1.0])  # one drop: 0.1 -> max(0.01, 0.05); 1.0 -> 0.1
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.05, 0.1], rel=1e-15)
    plateau_lrs(scheduler, [1.0])  # group 0 stays at its floor; group 1 changes by 0.09 > eps
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.05, 0.01], rel=1e-15)
    plateau_lrs(scheduler, [1.0])  # group 1 would change by 0.009 <= eps: left alone
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.05, 0.01], rel=1e-15)


def test_plateau_nan_is_a_bad_epoch_and_a_tensor_metric_is_read():
    import minigrad

    scheduler = ReduceLROnPlateau(StandInOptimizer(lr=1.0), patience=1)
    plateau_lrs(scheduler, [minigrad.tensor(1.0), math.nan, np.float32(math.nan)])
    assert scheduler.best == 1.0 and scheduler.optimizer.param_groups[0]["lr"] == 0.1


def test_plateau_agrees_with_early_stopping_on_every_improvement():
    from regularizers import EarlyStopping

    rng = np.random.default_rng(0)
    metrics = np.round(1 + np.cumsum(rng.normal(0, 0.02, 200)), 2).tolist()
    for mode, delta in [("min", 0.0), ("min", 0.01), ("max", 0.02)]:
        stopper = EarlyStopping(patience=10**6, min_delta=delta, mode=mode)
        scheduler = ReduceLROnPlateau(
            StandInOptimizer(), mode=mode, threshold=delta, threshold_mode="abs", patience=10**6
        )
        bests = []
        for metric in metrics:
            stopper.step(metric)
            scheduler.step(metric)
            assert scheduler.best == stopper.best_score
            bests.append(scheduler.best)
        assert len(set(bests)) > 3  # many improvements, and many refusals, were compared


def test_plateau_state_dict_round_trip_through_json_resumes_identically():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.9, 0.9, 0.9]
    make = lambda opt: ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, min_lr=1e-3)  # noqa: E731
    original = make(two_group_optimizer())
    plateau_lrs(original, metrics[:6])
    state = json.loads(json.dumps(original.state_dict()))
    resumed = make(two_group_optimizer())
    resumed.load_state_dict(state)
    assert resumed.optimizer.param_groups == original.optimizer.param_groups
    for group in range(2):
        rest = metrics[6:]
        expected = plateau_lrs(copy.deepcopy(original), rest, group)
        assert plateau_lrs(copy.deepcopy(resumed), rest, group) == expected
    assert len(set(plateau_lrs(original, metrics[6:]))) > 1  # the lr really moved after resuming


def test_plateau_cannot_be_owned_but_can_be_bound_later():
    with pytest.raises(TypeError, match="cannot be handed to an optimizer.*step\\(val_loss\\)"):
        StandInOptimizer(scheduler=ReduceLROnPlateau())
    scheduler = ReduceLROnPlateau(patience=0)
    optimizer = StandInOptimizer(lr=0.5)
    scheduler.bind(optimizer)
    assert optimizer.param_groups[0]["lr"] == 0.5  # binding leaves the lr alone
    plateau_lrs(scheduler, [1.0, 2.0])
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.05)


def test_plateau_has_no_closed_form_and_needs_its_metric():
    scheduler = ReduceLROnPlateau(StandInOptimizer(lr=0.1))
    with pytest.raises(TypeError, match="no lr_at"):
        scheduler.lr_at(3)
    with pytest.raises(TypeError, match=r"needs the metric.*step\(val_loss\)"):
        scheduler.step()
    with pytest.raises(TypeError, match="metric must be a number"):
        scheduler.step("0.5")
    assert scheduler.last_epoch == 0  # the refused steps counted nothing


# ------------------------------------------------------------------------------------------------
# Behaviour every scheduler shares
# ------------------------------------------------------------------------------------------------

FACTORIES = {
    "cosine": lambda opt=None: CosineAnnealingLR(opt, T_max=20, eta_min=0.001),
    "cyclic": lambda opt=None: CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3),
    "cyclic_triangular2": lambda opt=None: CyclicLR(
        opt, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5, mode="triangular2"
    ),
    "cyclic_exp_range": lambda opt=None: CyclicLR(
        opt, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.95
    ),
    "warm_restarts": lambda opt=None: CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2),
    "one_cycle": lambda opt=None: OneCycleLR(opt, max_lr=[0.1, 0.2], total_steps=60),
    "step": lambda opt=None: StepLR(opt, step_size=4, gamma=0.5),
    "exponential": lambda opt=None: ExponentialLR(opt, gamma=0.9),
    "linear": lambda opt=None: LinearLR(opt, start_factor=0.25, total_iters=8),
    "constant": lambda opt=None: ConstantLR(opt, factor=0.25, total_iters=3),
    "polynomial": lambda opt=None: PolynomialLR(opt, total_iters=6, power=1.5),
    "sequential": warmup_then_cosine,
    "multistep": lambda opt=None: MultiStepLR(opt, milestones=[3, 7, 12], gamma=0.5),
    "lambda": lambda opt=None: LambdaLR(opt, lr_lambda=lambda t: 1 / (1 + t)),
    "lambda_per_group": lambda opt=None: LambdaLR(
        opt, lr_lambda=[lambda t: 0.9**t, lambda t: min(1.0, (t + 1) / 5)]
    ),
    "multiplicative": lambda opt=None: MultiplicativeLR(opt, lr_lambda=lambda t: 0.95),
}
all_schedulers = pytest.mark.parametrize("make", FACTORIES.values(), ids=FACTORIES.keys())


def two_group_optimizer(scheduler=None):
    return StandInOptimizer(lr=[0.1, 0.05], momentum=[0.9, 0.5], scheduler=scheduler)


@all_schedulers
def test_lr_at_is_pure(make):
    optimizer = two_group_optimizer()
    scheduler = make(optimizer)
    train(scheduler, 7)
    groups, state = copy.deepcopy(optimizer.param_groups), scheduler.state_dict()
    for t in range(50):
        scheduler.lr_at(t)
        scheduler.momentum_at(t)
    assert optimizer.param_groups == groups
    assert scheduler.state_dict() == state
    assert scheduler.last_epoch == 7


@all_schedulers
def test_step_writes_lr_at_of_the_new_step(make):
    optimizer = two_group_optimizer()
    scheduler = make(optimizer)
    for t in range(1, 30):
        optimizer.step()
        scheduler.step()
        assert scheduler.last_epoch == t
        assert [g["lr"] for g in optimizer.param_groups] == scheduler.lr_at(t)
        assert scheduler.get_last_lr() == scheduler.lr_at(t)


@all_schedulers
def test_state_dict_round_trip_through_json_resumes_identically(make):
    original = make(two_group_optimizer())
    train(original, 17)
    state = json.loads(json.dumps(original.state_dict()))  # plain data only: no optimizer

    resumed_optimizer = two_group_optimizer()
    resumed = make(resumed_optimizer)
    resumed.load_state_dict(state)
    assert resumed.last_epoch == 17
    assert resumed_optimizer.param_groups == original.optimizer.param_groups
    for group in range(2):
        assert train(copy.deepcopy(resumed), 20, group) == train(copy.deepcopy(original), 20, group)


@all_schedulers
def test_both_bindings_give_the_same_lrs(make):
    pytorch_style = make(two_group_optimizer())
    owner = two_group_optimizer(scheduler=make())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the owning optimizer steps in the right order
        for _ in range(25):
            assert owner.param_groups == pytorch_style.optimizer.param_groups
            owner.step()
            pytorch_style.optimizer.step()
            pytorch_style.step()


def test_handing_a_scheduler_to_an_optimizer():
    owner = StandInOptimizer(lr=0.1, scheduler=CosineAnnealingLR(T_max=100))
    used = []
    for _ in range(101):
        used.append(owner.param_groups[0]["lr"])
        owner.step()
    assert used[0] == 0.1
    assert used[50] == pytest.approx(0.05)
    assert used[100] == pytest.approx(0.0, abs=1e-15)


def test_step_before_optimizer_step_warns():
    optimizer = StandInOptimizer(lr=0.1)
    scheduler = CosineAnnealingLR(optimizer, T_max=10)
    with pytest.warns(UserWarning, match="before optimizer.step"):
        scheduler.step()


def test_no_warning_in_the_right_order():
    optimizer = StandInOptimizer(lr=0.1)
    scheduler = CosineAnnealingLR(optimizer, T_max=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(scheduler, 3)


def test_binding_twice_and_using_an_unbound_scheduler_are_errors():
    scheduler = CosineAnnealingLR(StandInOptimizer(), T_max=10)
    with pytest.raises(RuntimeError, match="already bound"):
        scheduler.bind(StandInOptimizer())
    unbound = CosineAnnealingLR(T_max=10)
    for use in (unbound.step, lambda: unbound.lr_at(0), unbound.get_last_lr):
        with pytest.raises(RuntimeError, match="not bound"):
            use()
    with pytest.raises(RuntimeError, match="not bound"):
        unbound.load_state_dict(scheduler.state_dict())


def test_a_failed_bind_leaves_the_scheduler_unbound():
    scheduler = CyclicLR(base_lr=0.01, max_lr=0.1)
    optimizer = StandInOptimizer(lr=0.5, momentum=0.0)
    with pytest.raises(ValueError, match="cycle_momentum"):
        scheduler.bind(optimizer)
    assert scheduler.optimizer is None
    assert optimizer.param_groups[0]["lr"] == 0.5  # nothing was written


def test_custom_scale_fn_is_not_saved():
    scheduler = cyclic(scale_fn=lambda cycle: 1 / cycle)
    assert "scale_fn" not in scheduler.state_dict()


def test_plot_draws_without_disturbing_the_scheduler():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    optimizer = StandInOptimizer(lr=0.1, momentum=0.9)
    scheduler = CyclicLR(optimizer, base_lr=1, max_lr=5, step_size_up=4)
    train(scheduler, 3)
    groups = copy.deepcopy(optimizer.param_groups)
    ax = schedulers.plot(scheduler, 20)
    try:
        assert isinstance(ax, matplotlib.axes.Axes)
        assert list(ax.lines[0].get_ydata()) == curve(scheduler, range(20))
        assert len(ax.figure.axes) == 2  # momentum on a twin axis
        assert scheduler.last_epoch == 3
        assert optimizer.param_groups == groups
    finally:
        plt.close(ax.figure)
    _, given_ax = plt.subplots()
    assert schedulers.plot(CosineAnnealingLR(StandInOptimizer(), T_max=5), 10, ax=given_ax) is (
        given_ax
    )
    plt.close("all")


# ------------------------------------------------------------------------------------------------
# Bad input: a clear error naming the argument
# ------------------------------------------------------------------------------------------------


def sgd_like(momentum=0.9):
    return StandInOptimizer(lr=0.1, momentum=momentum)


BAD_INPUT = {
    "exp_range gamma 10": (
        lambda: CyclicLR(base_lr=0.001, max_lr=0.1, mode="exp_range", gamma=10),
        "gamma.*inf",
    ),
    "exp_range gamma 0": (
        lambda: CyclicLR(base_lr=0.1, max_lr=1, mode="exp_range", gamma=0),
        "gamma",
    ),
    "unknown mode": (lambda: CyclicLR(base_lr=0.1, max_lr=1, mode="cosine"), "triangular2"),
    "unknown scale_mode": (
        lambda: CyclicLR(base_lr=0.1, max_lr=1, scale_fn=abs, scale_mode="epoch"),
        "scale_mode",
    ),
    "T_max 0": (lambda: CosineAnnealingLR(T_max=0), "T_max"),
    "T_0 0": (lambda: CosineAnnealingWarmRestarts(T_0=0), "T_0"),
    "T_mult 0": (lambda: CosineAnnealingWarmRestarts(T_0=10, T_mult=0), "T_mult"),
    "step_size_up 0": (lambda: CyclicLR(base_lr=0.1, max_lr=1, step_size_up=0), "step_size_up"),
    "step_size_down 0": (
        lambda: CyclicLR(base_lr=0.1, max_lr=1, step_size_down=0),
        "step_size_down",
    ),
    "total_steps 0": (lambda: OneCycleLR(max_lr=1, total_steps=0), "total_steps"),
    "step_size 0": (lambda: StepLR(step_size=0), "step_size"),
    "total_iters 0": (lambda: LinearLR(total_iters=0), "total_iters"),
    "ConstantLR total_iters 0": (lambda: ConstantLR(total_iters=0), "total_iters"),
    "ConstantLR factor above 1": (lambda: ConstantLR(factor=1.5), "factor"),
    "PolynomialLR total_iters 0": (lambda: PolynomialLR(total_iters=0), "total_iters"),
    "PolynomialLR negative power": (lambda: PolynomialLR(power=-1.0), "power"),
    "negative base_lr": (lambda: CyclicLR(base_lr=-0.1, max_lr=1), "base_lr"),
    "negative max_lr": (lambda: OneCycleLR(max_lr=-1, total_steps=10), "max_lr"),
    "negative eta_min": (lambda: CosineAnnealingLR(T_max=10, eta_min=-1e-3), "eta_min"),
    "max_lr below base_lr": (lambda: CyclicLR(base_lr=0.1, max_lr=0.01), "max_lr"),
    "max_lr below base_lr in one group": (
        lambda: CyclicLR(base_lr=[0.1, 0.2], max_lr=[0.5, 0.1]),
        "max_lr.*group 1",
    ),
    "per-group list of the wrong length": (
        lambda: CyclicLR(sgd_like(), base_lr=[0.1, 0.2], max_lr=1),
        "base_lr has 2 entries",
    ),
    "cyclic momentum 0": (
        lambda: CyclicLR(sgd_like(momentum=0), base_lr=0.1, max_lr=1),
        "cycle_momentum=False",
    ),
    "cyclic without momentum": (
        lambda: CyclicLR(StandInOptimizer(), base_lr=0.1, max_lr=1),
        "cycle_momentum=False",
    ),
    "one cycle momentum 0": (
        lambda: OneCycleLR(sgd_like(momentum=0), max_lr=1, total_steps=10),
        "cycle_momentum=False",
    ),
    "one cycle beta1 0": (
        lambda: OneCycleLR(StandInOptimizer(betas=(0.0, 0.9)), max_lr=1, total_steps=10),
        "cycle_momentum=False",
    ),
    "anneal_strategy": (
        lambda: OneCycleLR(max_lr=1, total_steps=10, anneal_strategy="cosine"),
        "anneal_strategy",
    ),
    "pct_start": (lambda: OneCycleLR(max_lr=1, total_steps=10, pct_start=1.5), "pct_start"),
    "start_factor 0": (lambda: LinearLR(start_factor=0), "start_factor"),
    "start_factor above 1": (lambda: LinearLR(start_factor=1.5), "start_factor"),
    "end_factor above 1": (lambda: LinearLR(end_factor=1.5), "end_factor"),
    "gamma 0": (lambda: ExponentialLR(gamma=0), "gamma"),
    "milestones not increasing": (
        lambda: SequentialLR(schedulers=[LinearLR(), LinearLR(), LinearLR()], milestones=[5, 5]),
        "increasing",
    ),
    "milestones count": (
        lambda: SequentialLR(schedulers=[LinearLR(), LinearLR()], milestones=[5, 10]),
        "one entry fewer",
    ),
    "negative step": (lambda: CosineAnnealingLR(sgd_like(), T_max=10).lr_at(-1), "step"),
    "factor 1": (lambda: ReduceLROnPlateau(factor=1.0), r"factor must be .* in \[0, 1\), got 1"),
    "factor negative": (lambda: ReduceLROnPlateau(factor=-0.1), "factor"),
    "factor nan": (lambda: ReduceLROnPlateau(factor=math.nan), "factor.*nan"),
    "plateau mode": (lambda: ReduceLROnPlateau(mode="minimum"), "mode must be 'min' or 'max'"),
    "threshold_mode": (
        lambda: ReduceLROnPlateau(threshold_mode="relative"),
        "threshold_mode must be 'rel' or 'abs'",
    ),
    "negative threshold": (lambda: ReduceLROnPlateau(threshold=-1e-4), "threshold"),
    "negative patience": (lambda: ReduceLROnPlateau(patience=-1), "patience"),
    "negative cooldown": (lambda: ReduceLROnPlateau(cooldown=-1), "cooldown"),
    "negative min_lr": (lambda: ReduceLROnPlateau(min_lr=-0.1), "min_lr"),
    "negative eps": (lambda: ReduceLROnPlateau(eps=-1e-8), "eps"),
    "min_lr per group count": (
        lambda: ReduceLROnPlateau(StandInOptimizer(lr=0.1), min_lr=[0.0, 0.0]),
        "min_lr has 2 entries",
    ),
    "empty milestones": (lambda: MultiStepLR(milestones=[]), "non-empty list"),
    "negative milestone": (lambda: MultiStepLR(milestones=[-1, 10]), r"milestones\[0\]"),
    "multistep gamma 0": (lambda: MultiStepLR(milestones=[3], gamma=0), "gamma"),
    "wrong number of lambdas": (
        lambda: LambdaLR(StandInOptimizer(lr=[0.1, 0.2]), lr_lambda=[lambda t: 1.0]),
        "lr_lambda has 1 functions but there are 2 param groups",
    ),
    "plateau state of another scheduler": (
        lambda: ReduceLROnPlateau(sgd_like()).load_state_dict(
            StepLR(sgd_like(), step_size=2).state_dict()
        ),
        "does not match",
    ),
    "plateau state with a negative counter": (
        lambda: ReduceLROnPlateau(sgd_like()).load_state_dict(
            {**ReduceLROnPlateau(sgd_like()).state_dict(), "num_bad_epochs": -1}
        ),
        "num_bad_epochs must be an integer >= 0",
    ),
    "plateau state with a counter past cooldown": (
        lambda: ReduceLROnPlateau(sgd_like(), cooldown=2).load_state_dict(
            {**ReduceLROnPlateau(sgd_like(), cooldown=2).state_dict(), "cooldown_counter": 3}
        ),
        r"cooldown_counter must be an integer in \[0, 2\]",
    ),
    "plateau state with a refused factor": (
        lambda: ReduceLROnPlateau(sgd_like()).load_state_dict(
            {**ReduceLROnPlateau(sgd_like()).state_dict(), "factor": 2.0}
        ),
        "a saved hyper-parameter is refused.*factor",
    ),
    "state of another scheduler": (
        lambda: StepLR(sgd_like(), step_size=2).load_state_dict(
            CosineAnnealingLR(sgd_like(), T_max=10).state_dict()
        ),
        "does not match",
    ),
}


@pytest.mark.parametrize("make, message", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_a_clear_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_cycle_momentum_false_works_without_momentum():
    optimizer = StandInOptimizer(lr=0.1)
    scheduler = CyclicLR(optimizer, base_lr=0.1, max_lr=1, cycle_momentum=False)
    assert scheduler.momentum_at(3) is None
    assert "momentum" not in optimizer.param_groups[0]


MISSING = {
    "CosineAnnealingLR": (lambda: CosineAnnealingLR(), "T_max"),
    "CosineAnnealingWarmRestarts": (lambda: CosineAnnealingWarmRestarts(), "T_0"),
    "CyclicLR": (lambda: CyclicLR(base_lr=0.1), "max_lr"),
    "OneCycleLR max_lr": (lambda: OneCycleLR(total_steps=10), "max_lr"),
    "OneCycleLR total_steps": (lambda: OneCycleLR(max_lr=1), "total_steps"),
    "StepLR": (lambda: StepLR(), "step_size"),
    "ExponentialLR": (lambda: ExponentialLR(), "gamma"),
    "MultiStepLR": (lambda: MultiStepLR(), "milestones"),
    "LambdaLR": (lambda: LambdaLR(), "lr_lambda"),
    "a non-callable lr_lambda": (
        lambda: LambdaLR(lr_lambda=0.5),
        "lr_lambda must be a function of the step",
    ),
    "a non-callable lr_lambda in the list": (
        lambda: LambdaLR(lr_lambda=[abs, "0.5"]),
        r"lr_lambda\[1\] must be a function",
    ),
    "SequentialLR": (lambda: SequentialLR(schedulers=[LinearLR()]), "milestones"),
    "a hyper-parameter where the optimizer goes": (lambda: CosineAnnealingLR(100), "keyword"),
    "a fractional step": (lambda: CosineAnnealingLR(sgd_like(), T_max=10).lr_at(1.5), "integer"),
    "a fractional T_mult": (
        lambda: CosineAnnealingWarmRestarts(T_0=10, T_mult=1.5),
        r"T_mult must be an integer, got 1\.5",
    ),
}


@pytest.mark.parametrize("make, message", MISSING.values(), ids=MISSING.keys())
def test_missing_or_misplaced_arguments_are_a_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make()


# ------------------------------------------------------------------------------------------------
# With the real optimizers (skipped until the optim package exists)
# ------------------------------------------------------------------------------------------------


def real_optim():
    import minigrad
    import optim

    return optim, minigrad


def lrs_used(optimizer, parameter, minigrad, steps, scheduler=None):
    used = []
    for _ in range(steps):
        used.append(optimizer.param_groups[0]["lr"])
        parameter.grad = minigrad.Tensor(np.ones(2))
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return used


def test_real_sgd_owning_a_scheduler_matches_the_pytorch_style():
    optim, minigrad = real_optim()
    p1 = minigrad.Tensor(np.zeros(2), requires_grad=True)
    p2 = minigrad.Tensor(np.zeros(2), requires_grad=True)
    owning = optim.SGD([p1], lr=0.1, momentum=0.9, scheduler=CyclicLR(base_lr=0.01, max_lr=0.1))
    plain = optim.SGD([p2], lr=0.1, momentum=0.9)
    scheduler = CyclicLR(plain, base_lr=0.01, max_lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = lrs_used(plain, p2, minigrad, 30, scheduler)
        assert lrs_used(owning, p1, minigrad, 30) == expected
    assert owning.param_groups[0]["momentum"] == plain.param_groups[0]["momentum"]
    np.testing.assert_array_equal(p1.numpy(), p2.numpy())


def test_real_adam_has_its_beta1_cycled():
    optim, minigrad = real_optim()
    parameter = minigrad.Tensor(np.zeros(2), requires_grad=True)
    optimizer = optim.Adam([parameter], lr=0.1, betas=(0.9, 0.999))
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=10)
    assert optimizer.param_groups[0]["betas"] == (0.95, 0.999)
    lrs_used(optimizer, parameter, minigrad, 2, scheduler)
    assert optimizer.param_groups[0]["betas"][0] == pytest.approx(scheduler.momentum_at(2)[0])
    assert optimizer.param_groups[0]["betas"][1] == 0.999


def test_real_rmsprop_has_its_momentum_cycled_and_adagrad_has_none_to_cycle():
    optim, minigrad = real_optim()
    parameter = minigrad.Tensor(np.zeros(2), requires_grad=True)
    optimizer = optim.RMSprop([parameter], lr=0.01, momentum=0.9)
    scheduler = CyclicLR(optimizer, base_lr=0.001, max_lr=0.01, step_size_up=4)
    assert optimizer.param_groups[0]["momentum"] == 0.9  # max_momentum where lr is lowest
    lrs_used(optimizer, parameter, minigrad, 2, scheduler)
    # t = 2 of 4 up: halfway, so momentum = 0.9 - (0.9 - 0.8) * 0.5 = 0.85
    assert optimizer.param_groups[0]["momentum"] == pytest.approx(0.85)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0055)
    adagrad = optim.Adagrad([minigrad.Tensor(np.zeros(2), requires_grad=True)])
    with pytest.raises(ValueError, match="cycle_momentum=False"):
        CyclicLR(adagrad, base_lr=0.001, max_lr=0.01)
    CyclicLR(adagrad, base_lr=0.001, max_lr=0.01, cycle_momentum=False)
    assert "momentum" not in adagrad.param_groups[0]


def test_real_sgd_driven_by_reduce_lr_on_plateau_resumes_with_the_optimizer():
    optim, minigrad = real_optim()

    def build():
        parameter = minigrad.Tensor(np.zeros(2), requires_grad=True)
        optimizer = optim.SGD([parameter], lr=0.1, momentum=0.9)
        return optimizer, ReduceLROnPlateau(optimizer, patience=1), parameter

    metrics = [1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6]
    optimizer, scheduler, p1 = build()
    for metric in metrics[:4]:
        lrs_used(optimizer, p1, minigrad, 1)
        scheduler.step(metric)
    resumed_optimizer, resumed, p2 = build()
    p2.data[...] = p1.data
    resumed_optimizer.load_state_dict(optimizer.state_dict())
    resumed.load_state_dict(scheduler.state_dict())
    for metric in metrics[4:]:
        lrs_used(optimizer, p1, minigrad, 1)
        lrs_used(resumed_optimizer, p2, minigrad, 1)
        scheduler.step(metric)
        resumed.step(metric)
        assert resumed_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
    # bad epochs: 1.0 best, 1, 2 -> drop; 0.5 best, 0.6: 1, 2 -> drop; 1, 2 -> drop
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1e-4, rel=1e-12)
    np.testing.assert_array_equal(p1.numpy(), p2.numpy())
    with pytest.raises(TypeError, match="cannot be handed to an optimizer"):
        optim.SGD([p1], lr=0.1, scheduler=ReduceLROnPlateau())


def test_real_sgd_without_momentum_refuses_cycle_momentum():
    optim, minigrad = real_optim()
    parameter = minigrad.Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="cycle_momentum=False"):
        CyclicLR(optim.SGD([parameter], lr=0.1), base_lr=0.01, max_lr=0.1)


def test_real_optimizer_state_dict_carries_its_scheduler():
    optim, minigrad = real_optim()

    def build():
        parameter = minigrad.Tensor(np.zeros(2), requires_grad=True)
        scheduler = CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=3)
        return optim.SGD([parameter], lr=0.1, momentum=0.9, scheduler=scheduler), parameter

    original, p1 = build()
    lrs_used(original, p1, minigrad, 7)
    resumed, p2 = build()
    resumed.load_state_dict(original.state_dict())
    assert resumed.scheduler.last_epoch == 7
    assert lrs_used(resumed, p2, minigrad, 10) == lrs_used(original, p1, minigrad, 10)


ADDED_GROUP_SCHEDULERS = {
    "CosineAnnealingLR": lambda: CosineAnnealingLR(T_max=10),
    "CyclicLR": lambda: CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=2, cycle_momentum=False),
    "OneCycleLR": lambda: OneCycleLR(max_lr=0.1, total_steps=20, cycle_momentum=False),
    "StepLR": lambda: StepLR(step_size=2),
    "ExponentialLR": lambda: ExponentialLR(gamma=0.9),
    "MultiStepLR": lambda: MultiStepLR(milestones=[1, 4]),
    "LambdaLR": lambda: LambdaLR(lr_lambda=lambda t: 0.5**t),
    "SequentialLR": lambda: SequentialLR(
        schedulers=[StepLR(step_size=2), ExponentialLR(gamma=0.9)], milestones=[3]
    ),
}


@pytest.mark.parametrize("owned", [True, False], ids=["owned", "bound"])
@pytest.mark.parametrize("name", sorted(ADDED_GROUP_SCHEDULERS))
def test_a_param_group_added_after_the_scheduler_joins_the_schedule(name, owned):
    optim, minigrad = real_optim()
    first, second = (minigrad.Tensor(np.zeros(1), requires_grad=True) for _ in range(2))
    scheduler = ADDED_GROUP_SCHEDULERS[name]()
    if owned:
        optimizer = optim.SGD([first], lr=0.1, scheduler=scheduler)
    else:
        optimizer = optim.SGD([first], lr=0.1)
        scheduler.bind(optimizer)
    for step in range(6):
        if step == 2:
            optimizer.add_param_group({"params": [second], "lr": 0.05})
        for p in (first, second):
            p.grad = minigrad.Tensor(np.ones(1))
        optimizer.step()  # before the fix: "zip() argument 2 is shorter", after the update
        if not owned:
            scheduler.step()
    assert len(scheduler.get_last_lr()) == 2 and scheduler.last_epoch == 6
    if name == "CosineAnnealingLR":  # the new group follows the formula from its own lr
        expected = [lr * (1 + math.cos(math.pi * 6 / 10)) / 2 for lr in (0.1, 0.05)]
        assert [group["lr"] for group in optimizer.param_groups] == pytest.approx(expected)


def test_a_refused_sequential_state_leaves_it_and_its_children_unchanged():
    scheduler = warmup_then_cosine(StandInOptimizer(lr=0.1))
    train(scheduler, 7)
    saved = scheduler.state_dict()
    other = warmup_then_cosine(StandInOptimizer(lr=0.1))
    train(other, 2)
    bad = other.state_dict()
    bad["last_epoch"] = -3  # refused by SequentialLR itself, after the children loaded
    lr = scheduler.optimizer.param_groups[0]["lr"]
    with pytest.raises(ValueError, match="last_epoch"):
        scheduler.load_state_dict(bad)
    assert scheduler.state_dict() == saved
    assert scheduler.optimizer.param_groups[0]["lr"] == lr


def test_plateau_abs_threshold_compares_as_pytorch_metric_below_best_minus_threshold():
    # 1.02 - 1.01 rounds to 0.0100000000000000089 > 0.01, but PyTorch tests
    # 1.01 < 1.02 - 0.01 (== 1.01): False, so 1.01 is not an improvement there.
    scheduler = ReduceLROnPlateau(
        StandInOptimizer(lr=1.0), threshold=0.01, threshold_mode="abs", patience=5
    )
    plateau_lrs(scheduler, [1.02, 1.01])
    assert scheduler.best == 1.02 and scheduler.num_bad_epochs == 1


def test_multistep_takes_milestones_in_any_order_and_a_repeat_decays_twice():
    # PyTorch keeps the milestones in a Counter: order does not matter and a milestone given
    # twice multiplies by gamma**2 there.
    scheduler = MultiStepLR(StandInOptimizer(lr=1.0), milestones=[5, 2, 5], gamma=0.5)
    assert train(scheduler, 7) == [1.0, 1.0, 0.5, 0.5, 0.5, 0.125, 0.125]


def test_multiplicative_lr_multiplies_by_each_factor_from_step_one():
    # PyTorch's MultiplicativeLR: lr(t) = lr(t - 1) * f(t) for t >= 1, lr(0) = eta_0.
    optimizer = two_group_optimizer()
    factors = [lambda t: 0.5, lambda t: 1.0 / (t + 1)]
    scheduler = MultiplicativeLR(optimizer, factors)
    base = list(scheduler.base_lrs)
    lrs = [scheduler.get_last_lr()]
    for _ in range(4):
        train(scheduler, 1)
        lrs.append(scheduler.get_last_lr())
    for t, (first, second) in enumerate(lrs):
        assert first == pytest.approx(base[0] * 0.5**t, rel=1e-15)
        assert second == pytest.approx(base[1] / math.factorial(t + 1), rel=1e-15)

    # A fresh scheduler loaded from the state continues the same product.
    state = json.loads(json.dumps(scheduler.state_dict()))
    resumed = MultiplicativeLR(two_group_optimizer(), factors)
    resumed.load_state_dict(state)
    assert resumed.get_last_lr() == pytest.approx(lrs[-1], rel=1e-15)
    train(scheduler, 1)
    train(resumed, 1)
    assert resumed.get_last_lr() == pytest.approx(scheduler.get_last_lr(), rel=1e-15)


def test_warm_restarts_step_takes_a_fractional_epoch_as_pytorch():
    # PyTorch: step(epoch) puts the schedule at t = epoch (T_cur = epoch within its cycle),
    # last_epoch = floor(epoch), and a later plain step() goes on from epoch + 1.
    scheduler = CosineAnnealingWarmRestarts(StandInOptimizer(lr=1.0), T_0=4, T_mult=2)

    def expected(t):  # cycles [0, 4), [4, 12), [12, 28)
        T_cur, T_i = (t, 4) if t < 4 else (t - 4, 8) if t < 12 else (t - 12, 16)
        return (1 + math.cos(math.pi * T_cur / T_i)) / 2

    scheduler.step(5.5)
    assert scheduler.last_epoch == 5
    assert scheduler.get_last_lr()[0] == pytest.approx(expected(5.5), rel=1e-15)
    scheduler.step()
    scheduler.step()
    assert scheduler.last_epoch == 7
    assert scheduler.get_last_lr()[0] == pytest.approx(expected(7.5), rel=1e-15)
    scheduler.step(11.75)
    assert scheduler.get_last_lr()[0] == pytest.approx(expected(11.75), rel=1e-15)
    scheduler.step()  # 12.75: past the restart at 12
    assert scheduler.get_last_lr()[0] == pytest.approx(expected(12.75), rel=1e-15)

    resumed = CosineAnnealingWarmRestarts(StandInOptimizer(lr=1.0), T_0=4, T_mult=2)
    resumed.load_state_dict(json.loads(json.dumps(scheduler.state_dict())))
    assert resumed.get_last_lr() == scheduler.get_last_lr()
    with pytest.raises(ValueError, match="epoch"):
        scheduler.step(-1.0)


def test_chained_scheduler_composes_each_step_as_pytorch():
    # PyTorch's ChainedScheduler steps each scheduler on the lr the previous one left:
    # ConstantLR(0.1, 2) then ExponentialLR(0.9) is eta_0 * 0.1 * 0.9**t for t < 2, then
    # eta_0 * 0.9**t (ConstantLR's step at t = 2 multiplies by 1 / 0.1).
    from schedulers import ChainedScheduler

    def make(optimizer):
        parts = [ConstantLR(optimizer, factor=0.1, total_iters=2), ExponentialLR(optimizer, 0.9)]
        return ChainedScheduler(parts)

    scheduler = make(StandInOptimizer(lr=1.0))
    lrs = train(scheduler, 5)
    assert lrs == pytest.approx([0.1, 0.09, 0.81, 0.729, 0.6561], rel=1e-14)
    assert scheduler.last_epoch == 5

    resumed = make(StandInOptimizer(lr=1.0))
    resumed.load_state_dict(json.loads(json.dumps(scheduler.state_dict())))
    assert resumed.get_last_lr() == scheduler.get_last_lr()
    assert train(resumed, 3) == pytest.approx(train(scheduler, 3), rel=1e-15)


# ------------------------------------------------------------------------------------------------
# last_epoch: PyTorch's resume argument
# ------------------------------------------------------------------------------------------------


def test_construction_writes_initial_lr_and_the_step_0_lr_as_pytorch():
    optimizer = StandInOptimizer(lr=0.1)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    assert optimizer.param_groups[0]["initial_lr"] == 0.1
    assert scheduler.last_epoch == 0 and optimizer.param_groups[0]["lr"] == 0.1
    assert scheduler.get_last_lr() == [0.1]


def test_last_epoch_resumes_at_the_next_step_from_initial_lr():
    # A first run took steps 0..3 (last_epoch 3); its optimizer state restored lr = lr(3) and
    # initial_lr. StepLR(step_size=2, gamma=0.5): lr(t) = 0.1 * 0.5 ** (t // 2); PyTorch's
    # constructor steps once, to last_epoch 4: lr(4) = 0.1 * 0.25.
    optimizer = StandInOptimizer(lr=0.05, initial_lr=0.1)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5, last_epoch=3)
    assert scheduler.last_epoch == 4 and scheduler.base_lrs == [0.1]
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.025)
    scheduler.step()
    assert scheduler.last_epoch == 5 and optimizer.param_groups[0]["lr"] == pytest.approx(0.025)
    scheduler.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0125)  # lr(6) = 0.1 * 0.5 ** 3
    # a closed form whatever the class: LambdaLR at step 3 + 1 is 0.1 * f(4)
    resumed = LambdaLR(StandInOptimizer(lr=9.0, initial_lr=0.1), lambda t: 1 / (t + 1), 3)
    assert resumed.get_last_lr() == [pytest.approx(0.1 / 5)]


def test_last_epoch_without_initial_lr_is_a_key_error_and_below_minus_one_refused():
    with pytest.raises(KeyError, match=r"initial_lr.*param_groups\[0\].*last_epoch=2"):
        ExponentialLR(StandInOptimizer(lr=0.1), gamma=0.9, last_epoch=2)
    with pytest.raises(ValueError, match="last_epoch must be an integer >= -1, got -2"):
        CosineAnnealingLR(StandInOptimizer(lr=0.1), T_max=5, last_epoch=-2)
    # unbound, it waits for the optimizer that binds it
    unbound = CosineAnnealingLR(T_max=4, last_epoch=1)
    unbound.bind(StandInOptimizer(lr=0.2, initial_lr=0.1))
    assert unbound.last_epoch == 2 and unbound.get_last_lr() == [pytest.approx(0.05)]
    assert "_resume_from" not in unbound.state_dict()

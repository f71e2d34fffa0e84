"""Dynamic programming: the optimum against an independent solver, exact policy evaluation,
random tie-breaking."""

import numpy as np
import pytest
from conftest import tiny_track
from reference_racetrack import read_grid, reference_expected_steps

from racetrack_lib import (
    TabularModel,
    expected_steps_from_start,
    greedy_actions,
    load_track,
    policy_evaluation,
    value_iteration,
)
from racetrack_lib.rules import NO_CHANGE, action_number


@pytest.mark.parametrize(("track", "noise"), [("track1", 0.1), ("track2", 0.1), ("track1", 0.0)])
def test_value_iteration_matches_independent_solver(track, noise):
    model = TabularModel.build(track, noise=noise)
    result = value_iteration(model)
    reference = reference_expected_steps(read_grid(load_track(track).to_text()), noise)
    assert expected_steps_from_start(model, result.values) == pytest.approx(
        reference["from_start"], abs=1e-6
    )
    reference_steps = np.array([reference["steps"][model.describe(s)] for s in range(model.n_states)])
    np.testing.assert_allclose(-result.values, reference_steps, atol=1e-6)


def test_straight_track_by_hand():
    # Accelerate to speed 1 (row 2), accelerate to speed 2 and cross the finish: 2 steps.
    model = TabularModel.build(tiny_track("straight"), noise=0.0)
    assert expected_steps_from_start(model, value_iteration(model).values) == pytest.approx(2.0)
    # With noise p = 1/2 leaving the start line takes a geometric 1 / (1 - p) = 2 steps; from
    # row 2 the second acceleration works half the time (1 step), else speed 1 needs 2 steps.
    noisy = TabularModel.build(tiny_track("straight"), noise=0.5)
    assert expected_steps_from_start(noisy, value_iteration(noisy).values) == pytest.approx(
        2 + (0.5 * 1 + 0.5 * 2), abs=1e-8
    )


def test_convergence_is_monotone_and_below_tolerance(track1_solution):
    changes = track1_solution.max_changes
    assert changes[-1] < 1e-10 and len(changes) == track1_solution.sweeps
    # Values only fall from V_0 = 0: each sweep's new values are below the last ones.
    assert track1_solution.values.max() <= -1.0


def test_optimal_policy_evaluates_to_optimal_values(track1_model, track1_solution):
    policy = greedy_actions(track1_solution.q_values, np.random.default_rng(0), tolerance=1e-9)
    values = policy_evaluation(track1_model, policy)
    np.testing.assert_allclose(values, track1_solution.values, atol=1e-8)


def test_policy_evaluation_of_a_fixed_policy_matches_simulation(track1_model):
    # The policy that is optimal without noise, driven with noise: it crashes now and then.
    noiseless = TabularModel.build("track1", noise=0.0)
    policy = greedy_actions(value_iteration(noiseless).q_values, np.random.default_rng(0), 1e-9)
    values = policy_evaluation(track1_model, policy)
    exact = expected_steps_from_start(track1_model, values)
    rng = np.random.default_rng(3)
    lengths = []
    for _ in range(2000):
        state, steps, finished = track1_model.sample_start(rng), 0, False
        while not finished and steps < 10_000:
            state, _, finished, _ = track1_model.sample_step(state, policy[state], rng)
            steps += 1
        lengths.append(steps)
    standard_error = np.std(lengths) / np.sqrt(len(lengths))
    assert abs(np.mean(lengths) - exact) < 4 * standard_error
    assert exact > expected_steps_from_start(track1_model, value_iteration(track1_model).values)


def test_policy_that_never_finishes_has_minus_infinite_value():
    model = TabularModel.build(tiny_track("straight"), noise=0.1)
    policy = np.full(model.n_states, NO_CHANGE)  # never leaves the start cell
    values = policy_evaluation(model, policy)
    assert np.isneginf(values[model.start_states]).all()
    # A car already moving cannot stop off the start line: from row 1 it crosses in one step.
    assert values[model.state_id(1, 1, 1, 0)] == -1.0
    # Accelerate from the start, then coast: finite everywhere.
    policy[model.start_states] = action_number(1, 0)
    assert np.isfinite(policy_evaluation(model, policy)).all()


def test_discounted_values_are_finite_and_above_undiscounted(track1_model, track1_solution):
    discounted = value_iteration(track1_model, gamma=0.9)
    assert (discounted.values >= track1_solution.values).all()
    starts = track1_model.start_states
    assert (discounted.values[starts] > track1_solution.values[starts]).all()
    assert (discounted.values > -1 / (1 - 0.9)).all()
    stall = np.full(track1_model.n_states, NO_CHANGE)
    assert np.isfinite(policy_evaluation(track1_model, stall, gamma=0.9)).all()


@pytest.mark.parametrize("gamma", [0.0, -0.5, 1.01])
def test_gamma_out_of_range_is_named(track1_model, gamma):
    with pytest.raises(ValueError, match=r"gamma = .* out of range: allowed \(0, 1\]"):
        value_iteration(track1_model, gamma=gamma)


def test_greedy_ties_are_broken_uniformly_at_random():
    q_values = np.array([[0.0, 1.0, 1.0, 0.5, 1.0]] * 30_000)
    choices = greedy_actions(q_values, np.random.default_rng(0))
    counts = np.bincount(choices, minlength=5)
    assert counts[0] == counts[3] == 0
    assert np.all(np.abs(counts[[1, 2, 4]] - 10_000) < 4 * np.sqrt(30_000 * (1 / 3) * (2 / 3)))
    # argmax would always choose action 1; a unique maximum is always chosen.
    assert (greedy_actions(np.array([[0.0, 2.0, 1.0]]), np.random.default_rng(1)) == 1).all()


def test_greedy_tolerance_counts_near_ties():
    q_values = np.array([[1.0, 1.0 - 1e-12, 0.0]] * 2000)
    exact = greedy_actions(q_values, np.random.default_rng(0))
    near = greedy_actions(q_values, np.random.default_rng(0), tolerance=1e-9)
    assert set(exact) == {0} and set(near) == {0, 1}


def test_stochastic_policy_evaluation_matches_simulation():
    model = TabularModel.build(tiny_track("corner"), noise=0.1)
    uniform = np.full((model.n_states, 9), 1 / 9)
    exact = expected_steps_from_start(model, policy_evaluation(model, uniform))
    rng = np.random.default_rng(11)
    lengths = []
    for _ in range(4000):
        state, steps, finished = model.sample_start(rng), 0, False
        while not finished:
            state, _, finished, _ = model.sample_step(state, int(rng.integers(9)), rng)
            steps += 1
        lengths.append(steps)
    assert abs(np.mean(lengths) - exact) < 4 * np.std(lengths) / np.sqrt(len(lengths))


def test_one_hot_policy_equals_deterministic_policy(track1_model, track1_solution):
    policy = greedy_actions(track1_solution.q_values, np.random.default_rng(2), tolerance=1e-9)
    one_hot = np.eye(9)[policy]
    np.testing.assert_allclose(policy_evaluation(track1_model, one_hot),
                               policy_evaluation(track1_model, policy))
    with pytest.raises(ValueError, match="expected"):
        policy_evaluation(track1_model, policy[:-1])


def _start_cells_that_crash_on_purpose(model):
    q_values = value_iteration(model).q_values[model.start_states]
    tied = q_values >= q_values.max(axis=1, keepdims=True) - 1e-9
    crashes = model.next_states[model.start_states, :, 0] == -2
    return set(model.track.start_cells[(tied & crashes).any(axis=1), 1].tolist())


@pytest.mark.parametrize(
    ("track", "noise", "columns"),
    [("track1", 0.0, {8}), ("track1", 0.02, {8}), ("track1", 0.1, set()), ("track2", 0.1, {22}),
     ("track2", 0.5, {22})],
)
def test_crashing_on_purpose_claims_of_chapters_1_and_2(track, noise, columns):
    assert _start_cells_that_crash_on_purpose(TabularModel.build(track, noise)) == columns

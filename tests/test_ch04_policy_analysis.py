"""racetrack_lib.policy_analysis (chapter 4): exact crash probabilities, visits and wall
distances of a policy, checked against dynamic programming and against driving."""

import numpy as np
import pytest

from racetrack_lib import (
    CRASHED,
    TabularModel,
    expected_steps_from_start,
    greedy_actions,
    policy_evaluation,
    run_episode,
    value_iteration,
)
from racetrack_lib.policy_analysis import (
    analyse_policy,
    crash_probabilities,
    epsilon_greedy_probabilities,
    wall_distances,
)
from racetrack_lib.rules import action_number
from racetrack_lib.track import WALL


@pytest.fixture(scope="module")
def optimal_policy(track1_model, track1_solution):
    return greedy_actions(track1_solution.q_values, np.random.default_rng(0), 1e-9)


def test_epsilon_greedy_probabilities():
    probabilities = epsilon_greedy_probabilities(np.array([0, 4, 8]), 0.45)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities[1, 4] == pytest.approx(0.55 + 0.05)
    assert probabilities[1, 0] == pytest.approx(0.05)
    with pytest.raises(ValueError):
        epsilon_greedy_probabilities(np.array([0]), 1.5)


@pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.5])
def test_visits_sum_to_the_expected_steps_of_policy_evaluation(track1_model, optimal_policy,
                                                               epsilon):
    policy = epsilon_greedy_probabilities(optimal_policy, epsilon)
    analysis = analyse_policy(track1_model, policy)
    exact = expected_steps_from_start(track1_model, policy_evaluation(track1_model, policy))
    assert analysis.expected_steps == pytest.approx(exact, rel=1e-9)
    assert analysis.visits.min() >= 0.0
    assert analysis.expected_crashes == pytest.approx(
        analysis.crash_probability / (1 - analysis.crash_probability))


def test_crash_probability_is_the_start_line_mean_of_the_per_state_one(track1_model,
                                                                       optimal_policy):
    policy = epsilon_greedy_probabilities(optimal_policy, 0.3)
    per_state = crash_probabilities(track1_model, policy)
    assert per_state[track1_model.start_states].mean() == pytest.approx(
        analyse_policy(track1_model, policy).crash_probability, rel=1e-9)
    reached = ~np.isnan(per_state)
    assert ((per_state[reached] >= -1e-12) & (per_state[reached] <= 1 + 1e-12)).all()


def test_crashes_agree_with_driving(track1_model, optimal_policy):
    """Driven 4,000 times epsilon-greedily: the share of episodes with a crash and the mean
    number of crashes agree with the exact numbers (within 4 standard errors)."""
    epsilon = 0.5
    analysis = analyse_policy(track1_model, epsilon_greedy_probabilities(optimal_policy, epsilon))
    rng = np.random.default_rng(5)
    crashes = np.array([run_episode(track1_model, optimal_policy, rng, epsilon=epsilon).n_crashes
                        for _ in range(4000)])
    q = analysis.crash_probability
    assert 0.5 < q < 0.95  # a case that tests something
    assert (crashes > 0).mean() == pytest.approx(q, abs=4 * np.sqrt(q * (1 - q) / 4000))
    assert crashes.mean() == pytest.approx(analysis.expected_crashes,
                                           abs=4 * crashes.std() / np.sqrt(4000))


def test_a_crash_on_purpose_from_one_start_cell(track1_model, optimal_policy):
    """The greedy optimum does not crash from rest; steering the rightmost start cell into the
    wall beside it crashes every episode that starts there and no other."""
    rightmost = track1_model.start_states[-1]
    into_wall = action_number(0, 1)  # accelerate right: column 9 is a wall
    assert track1_model.next_states[rightmost, into_wall, 0] == CRASHED
    policy = optimal_policy.copy()
    policy[rightmost] = into_wall
    before = crash_probabilities(track1_model, optimal_policy)[track1_model.start_states]
    after = crash_probabilities(track1_model, policy)[track1_model.start_states]
    # the noise (0.1) keeps the car at rest instead, so the crash comes with probability 0.9
    assert after[-1] == pytest.approx(0.9 + 0.1 * after[-1])
    np.testing.assert_allclose(after[:-1], before[:-1])


def test_a_policy_that_never_leaves_the_start_line_is_refused(track1_model):
    # action 0 (-1, -1) at rest on the start line keeps the car at rest, forever
    with pytest.raises(ValueError, match="does not finish"):
        analyse_policy(track1_model, np.zeros(track1_model.n_states, dtype=int))
    with pytest.raises(ValueError, match="does not finish"):
        crash_probabilities(track1_model, np.zeros(track1_model.n_states, dtype=int))


def test_wall_distances_count_the_grid_edge_as_a_wall():
    model = TabularModel.build("track1")
    distances = wall_distances(model.track)
    assert distances[31, 3] == 1.0  # start cell with the wall (31, 2) beside it
    assert distances[4, 0] == 1.0  # track on the left edge of the grid
    assert distances[5, 9] == pytest.approx(np.sqrt(2))  # the wall (6, 10) diagonally
    assert distances[20, 5] == 4.0  # the middle of the straight: walls at columns 1 and 9
    assert (distances[model.track.cells == WALL] == 0).all()
    assert (distances[model.track.cells != WALL] >= 1).all()


def test_mean_wall_distance_is_the_visit_weighted_mean(track1_model, optimal_policy):
    analysis = analyse_policy(track1_model, optimal_policy)
    distances = wall_distances(track1_model.track)[track1_model.positions[:, 0],
                                                  track1_model.positions[:, 1]]
    assert analysis.mean_wall_distance == pytest.approx(
        np.average(distances, weights=analysis.visits))
    assert 1.0 <= analysis.mean_wall_distance <= distances.max()


def test_without_noise_the_crash_probability_counts_start_cells():
    """Without noise each start cell's first attempt either crashes or finishes: q is the share
    of start cells from which the optimal drive crashes (the optimum crashes on purpose from
    some, chapter 2's exercise 3), as driving it shows."""
    model = TabularModel.build("track1", noise=0.0)
    optimum = value_iteration(model)
    policy = greedy_actions(optimum.q_values, np.random.default_rng(0), 1e-9)
    analysis = analyse_policy(model, policy)
    # an episode without a crash is a first attempt that finished
    crashing = ["crash" in run_episode(model, policy, np.random.default_rng(0),
                                       start_state=start).events
                for start in model.start_states]
    assert 0 < sum(crashing) < len(crashing)
    assert analysis.crash_probability == pytest.approx(np.mean(crashing), abs=1e-12)
    assert analysis.expected_steps == pytest.approx(
        expected_steps_from_start(model, optimum.values))

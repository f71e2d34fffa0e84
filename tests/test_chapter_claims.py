"""Numbers that the chapters' exercise solutions quote, recomputed so that they cannot drift.

(Numbers in the chapters' main text are printed by a cell, which nbval compares, or asserted in a
cell.)
"""

import numpy as np
import pytest

from racetrack_lib import (
    TabularModel,
    expected_steps_from_start,
    greedy_actions,
    policy_evaluation,
    value_iteration,
)
from racetrack_lib.config import AgentConfig
from racetrack_lib.training import train


@pytest.fixture(scope="module")
def default_q_learning(track1_model):
    return train(AgentConfig(), track1_model, n_agents=8, seed=0)


def median_final(result):
    return float(np.median(result.final_expected_steps))


def test_chapter2_exercise1_discounted_optimum_needs_12_14_steps(track1_model):
    discounted = value_iteration(track1_model, gamma=0.9)
    policy = greedy_actions(discounted.q_values, np.random.default_rng(0), 1e-9)
    steps = expected_steps_from_start(track1_model, policy_evaluation(track1_model, policy))
    assert steps == pytest.approx(12.14, abs=0.005)


def test_chapter3_exercise1_constant_step_sizes(track1_model, default_q_learning):
    default = median_final(default_q_learning)
    assert default == pytest.approx(12.6, abs=0.05)  # "the per-pair schedule at 12.6"
    finals = {}
    for alpha in (0.05, 0.2, 0.8):
        constant = AgentConfig(alpha=alpha, alpha_power=0.0, alpha_min=0.0)
        finals[alpha] = train(constant, track1_model, n_agents=8, seed=0).final_expected_steps
    assert np.median(finals[0.05]) == pytest.approx(15.2, abs=0.05)  # "about 15.2 steps"
    assert np.median(finals[0.8]) == pytest.approx(15.6, abs=0.06)  # "about 15.6 steps"
    assert np.isinf(finals[0.8]).sum() == 1  # "one agent's greedy policy does not even finish"
    assert np.median(finals[0.2]) == pytest.approx(12.9, abs=0.05)  # "ends at 12.9"
    sarsa = train(AgentConfig(target="sarsa"), track1_model, n_agents=8, seed=0)
    assert median_final(sarsa) == pytest.approx(12.4, abs=0.05)  # "(and SARSA's at 12.4)"


def test_chapter3_exercise2_discounted_learner_ends_around_12_7(track1_model, default_q_learning):
    result = train(AgentConfig(gamma=0.9), track1_model, n_agents=8, seed=0)
    assert median_final(result) == pytest.approx(12.7, abs=0.05)  # "around 12.7"
    assert abs(median_final(result) - median_final(default_q_learning)) < 0.1  # "hardly different"


def test_chapter3_exercise4_constant_epsilon(track1_model, default_q_learning):
    config = AgentConfig(epsilon_start=0.1, epsilon_decay=1.0, epsilon_min=0.1)
    result = train(config, track1_model, n_agents=8, seed=0)
    assert median_final(result) == pytest.approx(12.2, abs=0.05)  # "about 12.2 steps"
    assert median_final(result) < median_final(default_q_learning)  # "closer ... than the default"
    returns = float(np.median(result.mean_return_last(100)))
    assert returns == pytest.approx(-14.7, abs=0.1)  # "around 14.7 steps"


def test_chapter1_exercise1_state_count_of_track2():
    model = TabularModel.build("track2")
    n_cells = int(np.isin(model.track.cells, [1, 2]).sum())
    assert (n_cells, model.n_states) == (506, 506 * 24 + 23)

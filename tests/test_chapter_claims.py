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


def test_chapter3_exercise1_step_sizes_both_end_further_than_the_default(track1_model,
                                                                         default_q_learning):
    default = median_final(default_q_learning)
    assert default == pytest.approx(12.93, abs=0.005)  # "the default's 12.9"
    for alpha in (0.05, 0.8):
        result = train(AgentConfig(alpha=alpha), track1_model, n_agents=8, seed=0)
        assert median_final(result) > default + 1.0


def test_chapter3_exercise2_discounted_learner_ends_around_12_8(track1_model, default_q_learning):
    result = train(AgentConfig(gamma=0.9), track1_model, n_agents=8, seed=0)
    assert 12.7 <= median_final(result) <= 12.85  # "around 12.8"
    assert median_final(result) < median_final(default_q_learning)  # "slightly better"


def test_chapter3_exercise4_constant_epsilon(track1_model):
    config = AgentConfig(epsilon_start=0.1, epsilon_decay=1.0, epsilon_min=0.1)
    result = train(config, track1_model, n_agents=8, seed=0)
    assert 12.7 <= median_final(result) <= 12.85  # "about 12.8 steps"
    returns = float(np.median(result.mean_return_last(100)))
    assert -15.5 <= returns <= -14.5  # "around 15 steps"


def test_chapter1_exercise1_state_count_of_track2():
    model = TabularModel.build("track2")
    n_cells = int(np.isin(model.track.cells, [1, 2]).sum())
    assert (n_cells, model.n_states) == (506, 506 * 24 + 23)

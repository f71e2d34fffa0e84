"""Chapter 3's saved run of on-policy Monte Carlo control (racetrack_lib/data): made with the
library's Monte Carlo defaults, and exactly what the library computes now - the start of the run
is re-trained here and compared number for number."""

import numpy as np
import pytest

from racetrack_lib import TabularModel, expected_steps_from_start, policy_evaluation
from racetrack_lib.config import for_method
from racetrack_lib.mc_runs import saved_best_policy, saved_on_policy_run
from racetrack_lib.training import train


@pytest.fixture(scope="module")
def saved():
    return saved_on_policy_run()


def test_the_saved_run_is_the_command_lines_run(saved):
    assert saved.config == for_method("mc_on_policy")
    assert (saved.track_name, saved.noise, saved.seed, saved.n_agents) == ("track1", 0.1, 0, 8)
    assert saved.eval_episodes[-1] == saved.config.num_episodes


def test_the_start_of_the_saved_run_is_what_the_library_computes(saved):
    first = 5_000  # the evaluations up to episode 5,000 (1, 2, 5, ..., 5,000)
    again = train(for_method("mc_on_policy", num_episodes=first), "track1", n_agents=2, seed=0,
                  eval_every=10_000, n_jobs=2)
    k = len(again.eval_episodes)
    assert np.array_equal(again.eval_episodes, saved.eval_episodes[:k])
    assert np.array_equal(again.greedy_expected_steps, saved.greedy_expected_steps[:2, :k])
    assert np.array_equal(again.eval_env_steps, saved.eval_env_steps[:2, :k])


def test_the_saved_policy_is_the_best_agents(saved):
    model = TabularModel.build("track1", noise=0.1)
    policy = saved_best_policy()
    steps = expected_steps_from_start(model, policy_evaluation(model, policy))
    assert steps == pytest.approx(saved.final_expected_steps.min(), abs=1e-9)

"""TD learning: convergence to Q*, what must differ (and agree) between Q-learning and SARSA,
tie-breaking, seeding, and the compiled code against the same code run as plain Python."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import tiny_track

from racetrack_lib import (
    TabularModel,
    epsilon_greedy,
    greedy_action,
    greedy_actions,
    policy_evaluation,
    value_iteration,
)
from racetrack_lib.config import AgentConfig
from racetrack_lib.greedy_evaluation import expected_steps_of_greedy
from racetrack_lib.td import Q_LEARNING, SARSA, Transition, td_target, td_update
from racetrack_lib.training import (
    Learner,
    agent_generators,
    evaluation_generator,
    run_episodes,
    train,
)


def run_agent(model, config, seed=0):
    learner = Learner.new(model, config)
    lengths = run_episodes(learner, model, config, np.random.default_rng(seed), 0,
                           config.num_episodes)
    return learner.q_values, lengths


def test_update_rules():
    q_values = np.array([[0.0, -2.0], [-1.0, -3.0]])
    step = Transition(state=0, action=1, reward=-1.0, next_state=1, next_action=1,
                      finished=False)
    # Q-learning: max_b Q(1, b) = -1, found in the row (-1) or given as the greedy action 0
    assert td_target(q_values, step, Q_LEARNING, 0.5, -1) == -1.0 + 0.5 * -1.0
    assert td_target(q_values, step, Q_LEARNING, 0.5, 0) == -1.0 + 0.5 * -1.0
    # SARSA: Q(1, a' = 1) = -3, whatever the greedy action
    assert td_target(q_values, step, SARSA, 0.5, -1) == -1.0 + 0.5 * -3.0
    assert td_target(q_values, step, SARSA, 0.5, 0) == -1.0 + 0.5 * -3.0
    # A finishing step: the target is the reward alone, for both
    finishing = step._replace(next_state=0, next_action=0, finished=True)
    assert td_target(q_values, finishing, Q_LEARNING, 0.5, -1) == -1.0
    assert td_target(q_values, finishing, SARSA, 0.5, -1) == -1.0
    # The update: Q += alpha * delta, delta = target - Q(0, 1) = -4 - -2 = -2, alpha = 0.25
    target = -4.0
    delta = target - q_values[0, 1]
    assert delta == -2.0
    quarter, visits = np.array([0.25]), np.ones((2, 2), dtype=np.int64)
    td_update(q_values, quarter, visits, 0, 1, target)
    assert q_values[0, 1] == -2.5 == -2.0 + 0.25 * delta
    assert q_values.tolist() == [[0.0, -2.5], [-1.0, -3.0]]  # only Q(0, 1) moved
    assert visits.tolist() == [[1, 1], [1, 1]]  # an update does not count a visit


def test_q_learning_converges_to_q_star_on_a_tiny_deterministic_track():
    # One start cell and no noise: every transition is deterministic, so with alpha = 1 the
    # Q-learning update is exactly the Bellman optimality backup on the pairs it visits.
    model = TabularModel.build(tiny_track("single_start"), noise=0.0)
    assert len(model.start_states) == 1
    q_star = value_iteration(model).q_values
    config = AgentConfig(alpha=1.0, alpha_power=0.0, epsilon_start=1.0, epsilon_decay=1.0,
                         epsilon_min=1.0, num_episodes=50_000)  # behaviour: uniformly random (off-policy)
    q_values, _ = run_agent(model, config)
    visited = (q_values != 0).all(axis=1)
    assert visited[model.start_states].all() and visited.sum() > 50
    np.testing.assert_allclose(q_values[visited], q_star[visited], atol=1e-12)


def test_sarsa_learns_the_values_of_the_policy_it_follows():
    # Same random behaviour: SARSA (on-policy) estimates the random driver, Q-learning the optimum.
    model = TabularModel.build(tiny_track("single_start"), noise=0.0)
    config = AgentConfig(alpha=0.05, alpha_power=0.0, alpha_min=0.0, epsilon_start=1.0,
                         epsilon_decay=1.0, epsilon_min=1.0, num_episodes=50_000, target="sarsa")
    q_values, _ = run_agent(model, config)
    q_learned, _ = run_agent(model, AgentConfig(**{**config.to_dict(), "target": "q_learning"}))
    uniform = np.full((model.n_states, 9), 1 / 9)
    v_random = policy_evaluation(model, uniform)[model.start_states[0]]
    v_star = value_iteration(model).values[model.start_states[0]]
    start_value = q_values[model.start_states[0]].mean()  # V^random(s) = mean_a Q^random(s, a)
    assert v_random < v_star - 1.0
    assert start_value == pytest.approx(v_random, rel=0.15)
    assert q_values[model.start_states[0]].max() < v_star - 1.0
    assert q_learned[model.start_states[0]].max() == pytest.approx(v_star, abs=0.05)


def test_greedy_behaviour_makes_sarsa_and_q_learning_identical(track1_model):
    # With epsilon = 0 the action taken next is the greedy one: the two targets coincide.
    config = AgentConfig(epsilon_start=0.0, epsilon_min=0.0, num_episodes=300)
    q_learning = run_agent(track1_model, config)
    sarsa = run_agent(track1_model, AgentConfig(**{**config.to_dict(), "target": "sarsa"}))
    np.testing.assert_array_equal(q_learning[0], sarsa[0])
    np.testing.assert_array_equal(q_learning[1], sarsa[1])


def test_exploring_makes_them_differ(track1_model):
    config = AgentConfig(epsilon_start=0.2, epsilon_min=0.2, num_episodes=300)
    q_learning = run_agent(track1_model, config)
    sarsa = run_agent(track1_model, AgentConfig(**{**config.to_dict(), "target": "sarsa"}))
    assert not np.array_equal(q_learning[0], sarsa[0])


def test_greedy_action_breaks_ties_uniformly():
    q_values = np.array([[0.0, 1.0, 1.0, 0.5, 1.0, 0.0, 0.0, 0.0, 0.0]])
    rng = np.random.default_rng(0)
    counts = np.bincount([greedy_action(q_values, 0, rng) for _ in range(30_000)], minlength=9)
    assert counts[[0, 3, 5, 6, 7, 8]].sum() == 0
    assert np.all(np.abs(counts[[1, 2, 4]] - 10_000) < 4 * np.sqrt(30_000 * 2 / 9))
    assert (greedy_actions(np.tile(q_values, (5, 1)), rng) != 0).all()


def test_epsilon_greedy_frequencies():
    q_values = np.zeros((1, 9))
    q_values[0, 6] = 1.0
    rng = np.random.default_rng(1)
    counts = np.bincount([epsilon_greedy(q_values, 0, 0.3, rng) for _ in range(45_000)],
                         minlength=9)
    expected = np.full(9, 45_000 * 0.3 / 9)
    expected[6] += 45_000 * 0.7
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))


def test_greedy_evaluation_matches_full_policy_evaluation():
    for track, noise in [("track1", 0.1), ("track2", 0.1), ("track1", 0.0), ("track1", 0.5)]:
        model = TabularModel.build(track, noise)
        for seed in range(4):
            q_values = np.random.default_rng(seed).normal(size=(model.n_states, 9))
            if seed == 0:  # near-optimal tables give finite values; random ones rarely do
                q_values = value_iteration(model).q_values + 1e-6 * q_values
            policy = q_values.argmax(axis=1)  # no ties in continuous random values
            exact = -policy_evaluation(model, policy)[model.start_states].mean()
            fast = expected_steps_of_greedy(model, q_values, np.random.default_rng(0))
            if np.isinf(exact):
                assert np.isinf(fast)
            else:
                assert fast == pytest.approx(exact, rel=1e-9)
        assert np.isfinite(exact) or seed > 0


def test_same_seed_same_numbers_and_agents_independent_of_their_number():
    config = AgentConfig(num_episodes=400)
    two = train(config, "track1", n_agents=2, seed=3, eval_every=100)
    again = train(config, "track1", n_agents=2, seed=3, eval_every=100)
    five = train(config, "track1", n_agents=5, seed=3, eval_every=100)
    np.testing.assert_array_equal(two.episode_lengths, again.episode_lengths)
    np.testing.assert_array_equal(two.greedy_expected_steps, again.greedy_expected_steps)
    np.testing.assert_array_equal(two.episode_lengths, five.episode_lengths[:2])
    np.testing.assert_array_equal(two.q_values, five.q_values[:2])
    np.testing.assert_array_equal(two.greedy_expected_steps, five.greedy_expected_steps[:2])
    other = train(config, "track1", n_agents=2, seed=4, eval_every=100)
    assert not np.array_equal(two.episode_lengths, other.episode_lengths)


def test_evaluating_more_often_does_not_change_learning():
    config = AgentConfig(num_episodes=300)
    rare = train(config, "track1", n_agents=2, seed=0, eval_every=300)
    often = train(config, "track1", n_agents=2, seed=0, eval_every=10)
    np.testing.assert_array_equal(rare.q_values, often.q_values)
    assert often.greedy_expected_steps.shape == (2, 33)  # 1, 2, 5, then every 10
    np.testing.assert_array_equal(often.eval_episodes[:5], [1, 2, 5, 10, 20])
    # ... nor the value reported for a policy: at the episodes both evaluated, the same numbers
    # (early tables have many ties, so a shared tie-breaking stream would differ here).
    both = np.intersect1d(rare.eval_episodes, often.eval_episodes)
    assert len(both) >= 2
    np.testing.assert_array_equal(rare.greedy_expected_steps[:, np.isin(rare.eval_episodes, both)],
                                  often.greedy_expected_steps[:, np.isin(often.eval_episodes, both)])


def test_agent_streams_are_distinct():
    streams = agent_generators(0, 3)
    draws = [training.random(4).tolist() + evaluation_generator(evaluation, 10).random(4).tolist()
             for training, evaluation in streams]
    flat = [x for row in draws for x in row]
    assert len(set(flat)) == len(flat)


def test_steps_to_within_reads_the_learning_curve():
    result = train(AgentConfig(num_episodes=200), "track1", n_agents=1, seed=0, eval_every=50)
    result.greedy_expected_steps = np.array([[30.0, 14.0, 12.5, 14.0]])
    result.eval_env_steps = np.array([[100, 200, 300, 400]])
    optimum = result.optimal_expected_steps  # 12.10: 14.0 is 16 % above it
    assert result.steps_to_within(0.10)[0] == 300
    assert result.steps_to_within(14.0 / optimum - 1 + 1e-9)[0] == 200
    result.greedy_expected_steps[:] = np.inf
    assert np.isnan(result.steps_to_within(0.10)[0])
    assert result.median_steps_to_within(0.10) == np.inf  # never: infinitely slow, not ignored


def test_median_steps_to_within_counts_agents_that_never_got_there():
    result = train(AgentConfig(num_episodes=10), "track1", n_agents=4, seed=0, eval_every=5)
    result.eval_env_steps = np.array([[10, 20], [10, 30], [10, 40], [10, 50]])
    result.greedy_expected_steps = np.array([[99, 12], [99, 12], [99, 12], [99, 99.0]])
    assert result.median_steps_to_within(0.10) == 35.0  # median of 20, 30, 40, inf
    result.greedy_expected_steps[2:, 1] = 99.0
    assert result.median_steps_to_within(0.10) == np.inf  # half never got there


def test_steps_to_stay_within_counts_only_the_entry_that_lasts():
    result = train(AgentConfig(num_episodes=10), "track1", n_agents=3, seed=0, eval_every=5)
    result.eval_env_steps = np.array([[10, 20, 30, 40, 50]] * 3)
    result.greedy_expected_steps = np.array([
        [30.0, 12.5, 14.0, 12.5, 12.2],  # in at 20, out at 30, in for good from 40
        [30.0, 12.5, 12.5, 12.5, 12.5],  # in for good from 20
        [30.0, 12.5, 12.5, 12.5, 14.0],  # in at 20, but the final policy is outside
    ])
    np.testing.assert_array_equal(result.steps_to_within(0.10), [20, 20, 20])
    np.testing.assert_array_equal(result.steps_to_stay_within(0.10), [40, 20, np.nan])
    assert result.median_steps_to_stay_within(0.10) == 40.0  # median of 20, 40, inf
    assert result.median_steps_to_within(0.10) == 20.0


COMPILED_VS_PYTHON = """
import json, sys
from racetrack_lib.config import AgentConfig
from racetrack_lib.training import train
result = train(AgentConfig(num_episodes=60), sys.argv[1], n_agents=2, seed=11, eval_every=20)
print(json.dumps({"lengths": result.episode_lengths.tolist(),
                  "q": result.q_values.round(12).tolist(),
                  "greedy": result.greedy_expected_steps.tolist()}))
"""


def test_compiled_and_plain_python_runs_give_the_same_numbers(tmp_path: Path):
    track = str(Path(__file__).parent / "data" / "tracks" / "corner.txt")
    outputs = []
    for disable in ("0", "1"):
        env = {**os.environ, "NUMBA_DISABLE_JIT": disable}
        completed = subprocess.run([sys.executable, "-c", COMPILED_VS_PYTHON, track],
                                   capture_output=True, text=True, env=env, timeout=600)
        assert completed.returncode == 0, completed.stderr
        outputs.append(json.loads(completed.stdout))
    assert outputs[0] == outputs[1]
    assert sum(map(abs, outputs[0]["lengths"][0])) > 60


def test_a_policy_that_crashes_all_but_certainly_is_never_finished_not_a_division_by_zero():
    """One start state whose action crashes unless the noise (p = 1e-20) holds the car, which
    then finishes: b = 1 - 1e-20 rounds to 1, so the exact 1 / (1 - b) is beyond any float."""
    from racetrack_lib.greedy_evaluation import _start_line_steps
    from racetrack_lib.rules import CRASHED, FINISHED

    next_states = np.empty((2, 9, 2), dtype=np.int64)
    next_states[0] = (CRASHED, 1)  # intended: crash; noise: on to state 1
    next_states[1] = (FINISHED, FINISHED)
    steps = _start_line_steps(np.array([1, 0]), np.zeros(2, dtype=np.int64), next_states,
                              np.array([0]), 1e-20)
    assert steps == np.inf
    assert _start_line_steps(np.array([1, 0]), np.zeros(2, dtype=np.int64), next_states,
                             np.array([0]), 0.25) == pytest.approx(1.25 / (1 - 0.75))

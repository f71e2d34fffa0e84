"""Monte Carlo control (chapter 3): the returns, first-visit averaging and the weighted
importance-sampling updates against a plain dictionary reference on logged episodes, the
behaviour probabilities, cut episodes, seeding and agent-count independence, and bad options."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict

import numpy as np
import pytest

from racetrack_lib import TabularModel
from racetrack_lib.agent import loop_settings
from racetrack_lib.config import AgentConfig
from racetrack_lib.errors import RacetrackError
from racetrack_lib.mc import (
    drive_episode,
    learn_first_visits,
    learn_weighted_importance,
    mc_episode,
)
from racetrack_lib.training import Learner, run_episodes, train

N_ACTIONS = 9


@pytest.fixture(scope="module")
def model():
    return TabularModel.build("track1", noise=0.1)


def logged(log, steps):
    """The episode as plain Python lists: [(S_t, A_t, b(A_t | S_t)), ...]."""
    return list(zip(log.states[:steps].tolist(), log.actions[:steps].tolist(),
                    log.behaviour_probabilities[:steps].tolist(), strict=True))


def epsilon_greedy_probability(row: np.ndarray, action: int, epsilon: float) -> float:
    greedy = [a for a in range(len(row)) if row[a] == max(row)]
    return epsilon / len(row) + ((1 - epsilon) / len(greedy) if action in greedy else 0.0)


def reference_first_visit(q, counts, episode, gamma, step_sizes):
    """S&B 5.4 with a dictionary: the return after each pair's first visit, averaged with the
    step size of its count."""
    returns, ret = [], 0.0
    for _, _, _ in episode:
        returns.append(None)
    for t in range(len(episode) - 1, -1, -1):
        ret = gamma * ret - 1.0
        returns[t] = ret
    seen = set()
    for t, (state, action, _) in enumerate(episode):
        if (state, action) in seen:
            continue
        seen.add((state, action))
        counts[state, action] += 1
        alpha = step_sizes[min(counts[state, action], len(step_sizes)) - 1]
        q[state, action] += alpha * (returns[t] - q[state, action])


def reference_weighted_importance(q, c, n_states_actions_row, episode, gamma):
    """S&B 5.7's boxed algorithm with dictionaries; ``n_states_actions_row(q, s)`` lists Q(s, .).
    Returns the number of pairs updated."""
    ret, weight, updated = 0.0, 1.0, 0
    for state, action, behaviour in reversed(episode):
        ret = gamma * ret - 1.0
        c[state, action] += weight
        q[state, action] += weight / c[state, action] * (ret - q[state, action])
        updated += 1
        values = n_states_actions_row(q, state)
        if q[state, action] < max(values):
            break
        weight *= (1 / values.count(max(values))) / behaviour
    return updated


@pytest.mark.parametrize("method", ["mc_on_policy", "mc_off_policy"])
def test_updates_match_a_dictionary_reference_on_logged_episodes(model, method):
    config = AgentConfig(method=method, alpha_power=0.7, alpha_min=0.02, gamma=0.9)
    learner = Learner.new(model, config)
    rng = np.random.default_rng(3)
    q_ref, counts, c_ref = defaultdict(float), defaultdict(int), defaultdict(float)
    row = lambda q, s: [q[s, a] for a in range(N_ACTIONS)]  # noqa: E731
    step_sizes = config.step_sizes()
    tails, lengths = [], []
    for episode_number in range(30):
        epsilon = max(0.05, 0.9**episode_number)
        before = learner.q_values.copy()
        steps, finished = drive_episode(model.tables, learner.q_values, learner.episode_log,
                                        epsilon, config.max_episode_steps, rng)
        assert finished
        episode = logged(learner.episode_log, steps)
        # The log: b(A_t | S_t) of the epsilon-greedy policy of Q as it was while driving.
        for state, action, behaviour in episode:
            assert behaviour == pytest.approx(
                epsilon_greedy_probability(before[state], action, epsilon), abs=1e-15)
        if method == "mc_on_policy":
            updated = learn_first_visits(learner.q_values, learner.visits, learner.step_sizes,
                                         learner.episode_log, steps, config.gamma)
            reference_first_visit(q_ref, counts, episode, config.gamma, step_sizes)
            assert updated == len({(s, a) for s, a, _ in episode})
        else:
            updated = learn_weighted_importance(learner.q_values, learner.visits,
                                                learner.weights, learner.episode_log, steps,
                                                config.gamma)
            assert updated == reference_weighted_importance(q_ref, c_ref, row, episode,
                                                            config.gamma)
            for (state, action), weight in c_ref.items():
                assert learner.weights[state, action] == pytest.approx(weight, rel=1e-12)
        tails.append(updated)
        lengths.append(steps)
        for (state, action), value in q_ref.items():
            assert learner.q_values[state, action] == pytest.approx(value, abs=1e-12)
        assert (learner.episode_log.first_step == -1).all()  # ready for the next episode
    changed = np.count_nonzero(learner.q_values)
    assert changed == len([v for v in q_ref.values() if v != 0.0])
    if method == "mc_off_policy":  # only tails: fewer updates than steps
        assert sum(tails) < sum(lengths)


def test_the_return_is_the_number_of_steps_left_with_gamma_1(model):
    """Undiscounted, a pair first visited t steps before the end learns G = -(T - t): with
    alpha 1 on its first return, Q holds exactly that."""
    config = AgentConfig(method="mc_on_policy", alpha_power=0.0, alpha=1.0, alpha_min=0.0)
    learner = Learner.new(model, config)
    steps, _ = drive_episode(model.tables, learner.q_values, learner.episode_log, 1.0,
                             config.max_episode_steps, np.random.default_rng(0))
    episode = logged(learner.episode_log, steps)
    learn_first_visits(learner.q_values, learner.visits, learner.step_sizes,
                       learner.episode_log, steps, 1.0)
    first = {}
    for t, (state, action, _) in enumerate(episode):
        first.setdefault((state, action), t)
    for (state, action), t in first.items():
        assert learner.q_values[state, action] == -(steps - t)


def test_a_cut_episode_teaches_nothing(model):
    config = AgentConfig(method="mc_on_policy", max_episode_steps=5)
    learner = Learner.new(model, config)
    steps, finished = mc_episode(model.tables, learner, loop_settings(config), 1.0,
                                 np.random.default_rng(0))
    assert (steps, finished) == (5, False)
    assert not learner.q_values.any() and not learner.visits.any()
    assert (learner.episode_log.first_step == -1).all()


@pytest.mark.parametrize("method", ["mc_on_policy", "mc_off_policy"])
def test_mc_episode_is_drive_then_learn(model, method):
    config = AgentConfig(method=method, num_episodes=30)
    whole, parts = Learner.new(model, config), Learner.new(model, config)
    lengths = run_episodes(whole, model, config, np.random.default_rng(5), 0, 30)
    rng = np.random.default_rng(5)
    for episode in range(30):
        steps, _ = drive_episode(model.tables, parts.q_values, parts.episode_log,
                                 config.epsilon(episode), config.max_episode_steps, rng)
        assert steps == lengths[episode]
        if method == "mc_on_policy":
            learn_first_visits(parts.q_values, parts.visits, parts.step_sizes,
                               parts.episode_log, steps, 1.0)
        else:
            learn_weighted_importance(parts.q_values, parts.visits, parts.weights,
                                      parts.episode_log, steps, 1.0)
    assert np.array_equal(whole.q_values, parts.q_values)


@pytest.mark.parametrize("method", ["mc_on_policy", "mc_off_policy"])
def test_reproducible_and_independent_of_the_number_of_agents(model, method):
    config = AgentConfig(method=method, num_episodes=300)
    three = train(config, model, n_agents=3, seed=7, n_jobs=2)
    again = train(config, model, n_agents=3, seed=7, n_jobs=1)
    one = train(config, model, n_agents=1, seed=7)
    assert np.array_equal(three.episode_lengths, again.episode_lengths)
    assert np.array_equal(three.greedy_expected_steps, again.greedy_expected_steps)
    assert np.array_equal(three.q_values[:1], one.q_values)
    assert np.array_equal(three.greedy_expected_steps[:1], one.greedy_expected_steps)
    assert not np.array_equal(three.q_values[0], three.q_values[1])  # agents differ


@pytest.mark.parametrize("knob", [{"trace_decay": 0.5}, {"memory_size": 100},
                                  {"planning_steps": 5}])
def test_monte_carlo_refuses_the_knobs_of_td(knob):
    name, value = next(iter(knob.items()))
    with pytest.raises(RacetrackError, match=f"{name} = {value} is out of range: allowed 0 "
                                             "with method = 'mc_on_policy'"):
        AgentConfig(method="mc_on_policy", **knob)


@pytest.mark.parametrize(("args", "message"), [
    (["--method", "monte_carlo"], "--method = 'monte_carlo' is not one of td, mc_on_policy, "
                                  "mc_off_policy"),
    (["--method", "mc_off_policy", "--planning-steps", "5"],
     "--planning-steps = 5 is out of range: allowed 0 with --method = 'mc_off_policy'"),
])
def test_bad_method_options_exit_2_naming_the_option(args, message):
    completed = subprocess.run([sys.executable, "-m", "racetrack_lib.cli", "train", "track1",
                                *args], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], completed.stderr


def test_the_command_line_takes_the_method_defaults_and_options_override_them():
    from racetrack_lib.cli import _method, build_parser

    argv = ["train", "track1", "--method", "mc_on_policy", "--alpha-min", "0.1"]
    args = build_parser(None, _method(argv)).parse_args(argv)
    assert (args.method, args.num_episodes, args.epsilon_decay) == ("mc_on_policy", 1_000_000,
                                                                    0.99999)
    assert args.alpha_min == 0.1  # given explicitly
    td_args = build_parser(None, _method(["train", "track1"])).parse_args(["train", "track1"])
    assert (td_args.method, td_args.num_episodes) == ("td", 100_000)
    assert _method(["solve", "track1", "--method", "policy_iteration"]) == "td"

"""Chapter 2's coding exercises: the checks accept the chapter's solutions and reject typical
wrong answers, each with the hint of the idea it misses."""

import re

import numpy as np
import pytest
from exercise_support import assert_rejected, solution

from racetrack_lib import dp
from racetrack_lib.exercises import ch02
from racetrack_lib.mdp import TabularModel
from racetrack_lib.policy import greedy_actions
from racetrack_lib.rules import CRASHED, FINISHED

# --- bellman_backup: typical wrong answers --------------------------------------------------------


def _q_values(model, values, state, gamma, successor_value=None, noise=None, discount_reward=False):
    """Q(s, .) as a wrong answer computes it; ``successor_value(values, s')`` values a successor."""
    crash_value = values[model.start_states].mean()

    def right_value(values, successor):
        if successor == FINISHED:
            return 0.0
        return crash_value if successor == CRASHED else values[successor]

    value_of = successor_value or right_value
    p = model.noise if noise is None else noise
    q = []
    for action in range(9):
        intended, noisy = model.next_states[state, action]
        next_value = (1 - p) * value_of(values, intended) + p * value_of(values, noisy)
        q.append(gamma * (-1 + next_value) if discount_reward else -1 + gamma * next_value)
    return np.array(q)


def mean_over_actions(model, values, state, gamma):
    return _q_values(model, values, state, gamma).mean()


def discounts_the_reward_too(model, values, state, gamma):
    return _q_values(model, values, state, gamma, discount_reward=True).max()


def ignores_gamma(model, values, state, gamma):
    return _q_values(model, values, state, 1.0).max()


def ignores_the_noise(model, values, state, gamma):
    return _q_values(model, values, state, gamma, noise=0.0).max()


def finish_read_as_an_index(model, values, state, gamma):
    crash_value = values[model.start_states].mean()
    return _q_values(model, values, state, gamma, lambda v, s: crash_value if s == CRASHED
                     else v[s]).max()  # values[-1]: the last state's value, not 0


def crash_is_the_end(model, values, state, gamma):
    return _q_values(model, values, state, gamma,
                     lambda v, s: 0.0 if s in (FINISHED, CRASHED) else v[s]).max()


def crash_read_as_an_index(model, values, state, gamma):
    return _q_values(model, values, state, gamma,
                     lambda v, s: 0.0 if s == FINISHED else v[s]).max()  # values[-2]


BACKUP_CATALOGUE = [
    (mean_over_actions, "the best of nine actions"),
    (discounts_the_reward_too, "discounting"),
    (ignores_gamma, "discounting"),
    (ignores_the_noise, "the noise"),
    (finish_read_as_an_index, "the finish"),
    (crash_is_the_end, "a crash restarts the car"),
    (crash_read_as_an_index, "a crash restarts the car"),
]

# --- evaluate_policy: typical wrong answers -------------------------------------------------------


def _sweep(model, policy, values, gamma, noise=None, crash_value=None, q_max=False):
    """One sweep of a (possibly wrong) evaluation."""
    p = model.noise if noise is None else noise
    crash = values[model.start_states].mean() if crash_value is None else crash_value
    extended = np.concatenate([values, [crash, 0.0]])
    q = -1 + gamma * ((1 - p) * extended[model.next_states[:, :, 0]]
                      + p * extended[model.next_states[:, :, 1]])
    return q.max(axis=1) if q_max else q[np.arange(model.n_states), policy]


def _until_stable(model, policy, gamma, tolerance, **wrong):
    values = np.zeros(model.n_states)
    while True:
        new_values = _sweep(model, policy, values, gamma, **wrong)
        change = np.abs(new_values - values).max()
        values = new_values
        if change < tolerance:
            return values


def one_sweep(model, policy, gamma, tolerance):
    return _sweep(model, policy, np.zeros(model.n_states), gamma)


def best_action_instead(model, policy, gamma, tolerance):
    return _until_stable(model, policy, gamma, tolerance, q_max=True)


def ignores_the_noise_too(model, policy, gamma, tolerance):
    return _until_stable(model, policy, gamma, tolerance, noise=0.0)


def crash_ends_the_episode(model, policy, gamma, tolerance):
    return _until_stable(model, policy, gamma, tolerance, crash_value=0.0)


def crash_read_as_an_index_too(model, policy, gamma, tolerance):
    values = np.zeros(model.n_states)
    states = np.arange(model.n_states)
    while True:
        extended = np.append(values, 0.0)  # index -1 reads the finish's 0, -2 the last state
        outcomes = model.next_states[states, policy]
        new_values = -1 + gamma * ((1 - model.noise) * extended[outcomes[:, 0]]
                                   + model.noise * extended[outcomes[:, 1]])
        change = np.abs(new_values - values).max()
        values = new_values
        if change < tolerance:
            return values


def a_hundred_sweeps(model, policy, gamma, tolerance):
    values = np.zeros(model.n_states)
    for _ in range(100):
        values = _sweep(model, policy, values, gamma)
    return values


def gamma_forgotten(model, policy, gamma, tolerance):
    return _until_stable(model, policy, 1.0, tolerance)


EVALUATION_CATALOGUE = [
    (one_sweep, "sweeps until nothing moves"),
    (best_action_instead, "the policy's action"),
    (ignores_the_noise_too, "the noise"),
    (crash_ends_the_episode, "a crash restarts the car"),
    (crash_read_as_an_index_too, "a crash restarts the car"),
    (a_hundred_sweeps, "the stopping test"),
    (gamma_forgotten, "discounting"),
]


@pytest.mark.parametrize("exercise, name", [(ch02.BELLMAN_BACKUP, "bellman_backup"),
                                            (ch02.EVALUATE_POLICY, "evaluate_policy")])
def test_the_chapters_solution_passes(exercise, name):
    result = exercise.run(solution(2, name))
    assert result.passed, result.message


@pytest.mark.parametrize("exercise, catalogue", [(ch02.BELLMAN_BACKUP, BACKUP_CATALOGUE),
                                                 (ch02.EVALUATE_POLICY, EVALUATION_CATALOGUE)])
def test_each_wrong_answer_gets_its_own_message(exercise, catalogue):
    messages = [assert_rejected(exercise, wrong, idea) for wrong, idea in catalogue]
    assert len(set(messages)) == len(messages)


def test_the_library_values_a_crash_as_the_start_lines_mean():
    # the reference the first exercise is checked against, on a case the crash decides
    model = TabularModel.build("track1", noise=0.0)
    values = np.random.default_rng(0).uniform(-30, 0, model.n_states)
    state, action = map(int, np.argwhere(model.next_states[:, :, 0] == CRASHED)[0])
    q = dp.backup(model, values)[state, action]
    assert q == pytest.approx(-1 + values[model.start_states].mean())


def test_a_message_shows_an_array_where_it_differs_most():
    # one sweep gives -1 everywhere: right next to the finish line, wrong on the start line
    message = ch02.EVALUATE_POLICY.run(one_sweep).message
    (expected, where), (got, where_too) = re.findall(
        r"V = (\S+) at (state \d+ \(row \d+, col \d+, velocity \(\d, \d\)\))", message)
    assert where == where_too and float(got) == -1 and float(expected) < -2
    model = ch02.TabularModel.build(ch02.OPEN_TRACK, noise=0.0)
    assert int(where.split()[1]) in model.start_states
    assert "on average over the start line" in message and "sweep again" in message


def test_used_for_real_the_backup_leaves_v_star_where_it_is(capsys):
    ch02.check_bellman_backup(solution(2, "bellman_backup"))
    printed = capsys.readouterr().out
    states, change = re.search(r"at all ([\d,]+) states moves no value by more than (\S+):",
                               printed).groups()
    model = TabularModel.build("track1", noise=0.1)
    assert int(states.replace(",", "")) == model.n_states
    assert float(change) < 1e-8
    optimum = dp.value_iteration(model).values
    library = np.abs(dp.backup(model, optimum).max(axis=1) - optimum).max()
    assert float(change) == pytest.approx(library, abs=1e-9)
    assert f"{dp.expected_steps_from_start(model, optimum):.2f} expected steps" in printed


def test_used_for_real_the_evaluation_meets_the_exact_value(capsys):
    ch02.check_evaluate_policy(solution(2, "evaluate_policy"))
    printed = capsys.readouterr().out
    yours, exact, optimum = re.search(r"gives (\S+) expected steps .*?exact solve (\S+),.*?the "
                                      r"optimum is (\S+)\.", printed, re.S).groups()
    model = TabularModel.build("track1", noise=0.1)
    solution_ = dp.value_iteration(model)
    policy = greedy_actions(solution_.q_values, np.random.default_rng(5), 1e-9)
    assert yours == exact == f"{dp.expected_steps_from_start(model, dp.policy_evaluation(model, policy)):.4f}"
    assert optimum == f"{dp.expected_steps_from_start(model, solution_.values):.2f}"


def test_a_wrong_evaluation_is_not_used(capsys):
    ch02.check_evaluate_policy(a_hundred_sweeps)
    assert "Used on track 1" not in capsys.readouterr().out

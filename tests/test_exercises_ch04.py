"""Chapter 4's coding exercises: the checks accept the chapter's solutions and reject typical
wrong answers, each with the hint of the idea it misses; once right, the functions are used on
the library's own models and reproduce the library's numbers."""

import re

import numpy as np
import pytest
from exercise_support import assert_rejected, solution

from racetrack_lib import dp
from racetrack_lib.exercises import ch04
from racetrack_lib.greedy_evaluation import expected_steps_of_greedy
from racetrack_lib.mdp import TabularModel
from racetrack_lib.policy_analysis import epsilon_greedy_probabilities
from racetrack_lib.training import Learner, run_episodes

# --- action_probabilities: typical wrong answers -------------------------------------------------


def first_maximum_takes_all(q_row, epsilon):  # np.argmax: no random ties
    probabilities = np.full(9, epsilon / 9)
    probabilities[np.argmax(q_row)] += 1 - epsilon
    return probabilities


def exploring_only_the_others(q_row, epsilon):  # the random action is never the greedy one
    probabilities = np.full(9, epsilon / 8)
    probabilities[np.argmax(q_row)] = 1 - epsilon
    return probabilities


def greedy_without_its_exploring_share(q_row, epsilon):
    probabilities = np.full(9, epsilon / 9)
    probabilities[np.argmax(q_row)] = 1 - epsilon
    return probabilities


def every_tie_gets_the_whole_greedy_share(q_row, epsilon):
    probabilities = np.full(9, epsilon / 9)
    probabilities[q_row == q_row.max()] += 1 - epsilon
    return probabilities


PROBABILITY_CATALOGUE = [
    (first_maximum_takes_all, "tied greedy actions"),
    (exploring_only_the_others, "one greedy action"),
    (greedy_without_its_exploring_share, "one greedy action"),
    (every_tie_gets_the_whole_greedy_share, "tied greedy actions"),
]

# --- td_target: typical wrong answers ------------------------------------------------------------


def sarsa_from_the_maximum(method, reward, next_q_row, next_action, finished, gamma):
    return reward if finished else reward + gamma * max(next_q_row)


def q_learning_from_the_next_action(method, reward, next_q_row, next_action, finished, gamma):
    return reward if finished else reward + gamma * next_q_row[next_action]


def _bootstrap(method, next_q_row, next_action):
    return next_q_row[next_action] if method == "sarsa" else max(next_q_row)


def gamma_ignored(method, reward, next_q_row, next_action, finished, gamma):
    return reward if finished else reward + _bootstrap(method, next_q_row, next_action)


def bootstraps_past_the_finish(method, reward, next_q_row, next_action, finished, gamma):
    return reward + gamma * _bootstrap(method, next_q_row, next_action)


def the_finish_is_worth_nothing(method, reward, next_q_row, next_action, finished, gamma):
    return 0.0 if finished else reward + gamma * _bootstrap(method, next_q_row, next_action)


TARGET_CATALOGUE = [
    (sarsa_from_the_maximum, "the SARSA target"),
    (q_learning_from_the_next_action, "the Q-learning target"),
    (gamma_ignored, "the discount"),
    (bootstraps_past_the_finish, "the finishing step"),
    (the_finish_is_worth_nothing, "the finishing step"),
]

EXERCISES = [(ch04.ACTION_PROBABILITIES, "action_probabilities", PROBABILITY_CATALOGUE),
             (ch04.TD_TARGET, "td_target", TARGET_CATALOGUE)]
IDS = [name for _, name, _ in EXERCISES]


@pytest.mark.parametrize("exercise, name, catalogue", EXERCISES, ids=IDS)
def test_the_chapters_solution_passes(exercise, name, catalogue):
    result = exercise.run(solution(4, name))
    assert result.passed, result.message


@pytest.mark.parametrize("exercise, name, catalogue", EXERCISES, ids=IDS)
def test_each_wrong_answer_gets_its_own_message(exercise, name, catalogue):
    messages = [assert_rejected(exercise, wrong, idea) for wrong, idea in catalogue]
    assert len(set(messages)) == len(messages)
    assert len(catalogue) >= 3


def test_the_probes_test_what_they_say():
    probes = {probe.idea: probe for probe in ch04.ACTION_PROBABILITIES.all_probes()}
    for idea, tied in (("one greedy action", {1}), ("tied greedy actions", set(range(2, 10)))):
        counts = {int((row == row.max()).sum()) for row, _ in
                  (case.arguments for case in probes[idea].cases)}
        assert counts == tied, idea
    assert {case.arguments[1] for case in probes["epsilon = 0"].cases} == {0.0}
    assert {case.arguments[1] for case in probes["epsilon = 1"].cases} == {1.0}
    for probe in probes.values():  # every expected answer is a distribution
        for case in probe.cases:
            assert abs(case.expected.sum() - 1) < 1e-12
    # the library's probabilities are those of policy_analysis for a row without ties
    row = ch04._row_with_ties(np.random.default_rng(0), 1)
    np.testing.assert_allclose(ch04.library_probabilities(row, 0.3),
                               epsilon_greedy_probabilities(np.array([np.argmax(row)]), 0.3)[0])
    targets = ch04.TD_TARGET.all_probes()
    assert all(case.arguments[4] is False and case.arguments[5] == 1.0
               for probe in targets[:2] for case in probe.cases)
    first_sarsa = targets[0].cases[0].arguments  # its next action is not greedy: SARSA differs
    assert first_sarsa[2][first_sarsa[3]] < first_sarsa[2].max()


def test_a_message_names_the_input_the_expected_and_the_returned_answer():
    message = ch04.TD_TARGET.run(sarsa_from_the_maximum).message
    expected, got = re.search(r"expected (-?[\d.]+), got (-?[\d.]+)\.", message).groups()
    assert float(got) > float(expected)  # the maximum is above the value of the action taken
    assert "method = 'sarsa'" in message and "next_action = " in message and "eq. 6.7" in message


def test_used_for_real_the_probabilities_give_the_librarys_exploring_driver(capsys):
    ch04.check_action_probabilities(solution(4, "action_probabilities"))
    printed = capsys.readouterr().out
    exploring, optimal, tied, states = re.search(
        r"driver that needs ([\d.]+) expected steps.*?needs ([\d.]+)\. The optimal values tie in "
        r"([\d,]+) of its ([\d,]+) states", printed, re.S).groups()
    model = TabularModel.build("track1", noise=0.1)
    solved = dp.value_iteration(model)
    q_star = solved.q_values
    library = np.array([ch04.library_probabilities(row, ch04.USE_EPSILON) for row in q_star])
    assert float(exploring) == round(dp.expected_steps_from_start(
        model, dp.policy_evaluation(model, library)), 2)
    assert float(optimal) == round(dp.expected_steps_from_start(model, solved.values), 2)
    assert int(states.replace(",", "")) == model.n_states
    assert int(tied.replace(",", "")) == int(
        ((q_star == q_star.max(axis=1, keepdims=True)).sum(axis=1) > 1).sum())
    assert float(exploring) > float(optimal)


def test_used_for_real_sarsa_with_the_readers_target_is_the_librarys_sarsa(capsys):
    ch04.check_td_target(solution(4, "td_target"))
    printed = capsys.readouterr().out
    steps, states, learned, optimum, difference = re.search(
        r"\(([\d,]+) real steps.*?track of (\d+) states\. Its greedy policy needs ([\d.]+) "
        r"expected steps \(exact\); the optimum is ([\d.]+)\..*?largest difference ([\d.e+-]+)\)",
        printed, re.S).groups()
    model = ch04.small_model()
    config = ch04.SARSA_CONFIG
    learner = Learner.new(model, config)
    lengths = run_episodes(learner, model, config, np.random.default_rng(ch04.SARSA_SEED), 0,
                           config.num_episodes)
    assert int(states) == model.n_states
    assert int(steps.replace(",", "")) == np.abs(lengths).sum()
    assert float(learned) == round(expected_steps_of_greedy(
        model, learner.q_values, np.random.default_rng(0)), 2)
    assert float(optimum) == round(dp.expected_steps_from_start(
        model, dp.value_iteration(model).values), 2)
    assert float(difference) == 0.0
    assert float(optimum) <= float(learned) < 1.5 * float(optimum)


def test_the_python_loop_with_the_librarys_target_learns_the_librarys_table_for_q_learning():
    from dataclasses import replace

    model, config = ch04.small_model(), replace(ch04.SARSA_CONFIG, target="q_learning",
                                                num_episodes=100)
    q_values, lengths = ch04.td_in_python(model, config, ch04.library_target,
                                          np.random.default_rng(3))
    learner = Learner.new(model, config)
    library_lengths = run_episodes(learner, model, config, np.random.default_rng(3), 0, 100)
    np.testing.assert_array_equal(lengths, library_lengths)
    np.testing.assert_array_equal(q_values, learner.q_values)


def test_a_wrong_target_learns_something_else():
    model = ch04.small_model()
    right = ch04.sarsa_with(solution(4, "td_target"), model)
    wrong = ch04.sarsa_with(sarsa_from_the_maximum, model)
    assert right["difference"] == 0.0 < wrong["difference"]

"""Chapter 3's coding exercises: the checks accept the chapter's solutions and reject typical
wrong answers, each with the hint of the idea it misses."""

import re

import numpy as np
import pytest
from exercise_support import assert_rejected, solution

from racetrack_lib import mc
from racetrack_lib.exercises import ch03

# --- returns: typical wrong answers ---------------------------------------------------------------


def without_the_next_reward(rewards, gamma):
    # G_t = R_{t+2} + gamma R_{t+3} + ...: rewards[t] taken for R_t
    return [sum(gamma ** (k - t - 1) * rewards[k] for k in range(t + 1, len(rewards)))
            for t in range(len(rewards))]


def summing_forward(rewards, gamma):
    return [sum(gamma ** k * rewards[k] for k in range(t + 1)) for t in range(len(rewards))]


def with_the_reward_before(rewards, gamma):
    # G_t = R_t + gamma G_{t+1}, with R_t read as rewards[t - 1] (rewards[-1] for t = 0)
    returns, following = [], 0.0
    for t in reversed(range(len(rewards))):
        following = rewards[t - 1] + gamma * following
        returns.append(following)
    return returns[::-1]


def discounted_from_the_start(rewards, gamma):
    return [sum(gamma ** k * rewards[k] for k in range(t, len(rewards)))
            for t in range(len(rewards))]


def gamma_ignored(rewards, gamma):
    return [sum(rewards[t:]) for t in range(len(rewards))]


EPISODE_RETURNS_CATALOGUE = [
    (without_the_next_reward, "the reward after step t"),
    (summing_forward, "the rewards that follow"),
    (with_the_reward_before, "each reward in its place"),
    (discounted_from_the_start, "discounting"),
    (gamma_ignored, "discounting"),
]

# --- weighted_importance_update: typical wrong answers --------------------------------------------


def _update(q_values, weights, episode, gamma, ratio_first=False, ordinary=False,
            keep_going=False, ties_ignored=False):
    ret, weight = 0.0, 1.0
    for state, action, reward, probability in reversed(episode):
        ret = gamma * ret + reward
        row = q_values[state]
        if ratio_first:  # the step's own ratio, from the Q before the update
            greedy = np.flatnonzero(row == row.max())
            weight *= (1 / len(greedy)) / probability
        if ordinary:  # C counts the returns, and Q averages W * G
            weights[state, action] += 1
            q_values[state, action] += (weight * ret - row[action]) / weights[state, action]
        else:
            weights[state, action] += weight
            q_values[state, action] += weight / weights[state, action] * (ret - row[action])
        greedy = np.flatnonzero(row == row.max())
        if action not in greedy and not keep_going:
            return
        if not ratio_first:
            weight *= (1 if ties_ignored or keep_going else 1 / len(greedy)) / probability


def weight_updated_before_q(q_values, weights, episode, gamma):
    _update(q_values, weights, episode, gamma, ratio_first=True)


def ordinary_importance_sampling(q_values, weights, episode, gamma):
    _update(q_values, weights, episode, gamma, ordinary=True)


def keeps_going_after_a_non_greedy_action(q_values, weights, episode, gamma):
    _update(q_values, weights, episode, gamma, keep_going=True)


def ties_ignored(q_values, weights, episode, gamma):
    _update(q_values, weights, episode, gamma, ties_ignored=True)


def no_discount(q_values, weights, episode, gamma):
    _update(q_values, weights, episode, 1.0)


UPDATE_CATALOGUE = [
    (weight_updated_before_q, "the last step"),
    (ordinary_importance_sampling, "the weight of a return"),
    (keeps_going_after_a_non_greedy_action, "a non-greedy action stops the loop"),
    (ties_ignored, "tied greedy actions"),
    (no_discount, "discounting"),
]


@pytest.mark.parametrize("exercise, name", [(ch03.EPISODE_RETURNS, "episode_returns"),
                                            (ch03.WEIGHTED_IMPORTANCE_UPDATE,
                                             "weighted_importance_update")])
def test_the_chapters_solution_passes(exercise, name):
    result = exercise.run(solution(3, name))
    assert result.passed, result.message


@pytest.mark.parametrize("exercise, catalogue", [(ch03.EPISODE_RETURNS,
                                                  EPISODE_RETURNS_CATALOGUE),
                                                 (ch03.WEIGHTED_IMPORTANCE_UPDATE,
                                                  UPDATE_CATALOGUE)])
def test_each_wrong_answer_gets_its_own_message(exercise, catalogue):
    messages = [assert_rejected(exercise, wrong, idea) for wrong, idea in catalogue]
    assert len(set(messages)) == len(messages)


def test_the_reference_returns_are_the_librarys_first_visit_returns():
    # an episode that revisits a pair: the library learns each pair's first return
    log = mc.new_episode_log(3, 9, 5)
    log.states[:5], log.actions[:5] = [0, 1, 0, 2, 1], [4, 4, 4, 8, 4]
    for step in range(5):
        if log.first_step[log.states[step], log.actions[step]] < 0:
            log.first_step[log.states[step], log.actions[step]] = step
    q_values = np.zeros((3, 9))
    mc.learn_first_visits(q_values, np.zeros((3, 9), np.int64), np.array([1.0]), log, 5, 0.9)
    expected = ch03.reference_returns([-1.0] * 5, 0.9)
    assert q_values[0, 4] == pytest.approx(expected[0]) and q_values[1, 4] == pytest.approx(
        expected[1]) and q_values[2, 8] == pytest.approx(expected[3])


def test_an_update_that_changes_nothing_is_shown_where_it_should_have():
    def does_nothing(q_values, weights, episode, gamma):
        return q_values.copy(), weights.copy()  # new tables instead of the ones it was given

    result = ch03.WEIGHTED_IMPORTANCE_UPDATE.run(does_nothing)
    assert result.idea == "the last step" and "in q_values and cumulative_weights" in result.message
    (state, action), = {tuple(map(int, pair)) for pair in
                        re.findall(r"C\[(\d+), (\d+)\]", result.message)}
    episode = result.case.arguments[2]
    assert episode[-1][:2] == (state, action)  # the pair of the last step
    before = re.search(r"before the episode: .*?C\[\d+, \d+\] = (\S+)\)", result.message)
    got = re.search(r"got .*?C\[\d+, \d+\] = (\S+)\.", result.message)
    assert before.group(1) == got.group(1)


def test_used_for_real_returns_give_the_librarys_first_visits(capsys):
    ch03.check_episode_returns(solution(3, "episode_returns"))
    printed = capsys.readouterr().out
    steps, first, updates = re.search(r"\(T = ([\d,]+)\): your G_0 = (\S+); .*? makes ([\d,]+) "
                                      r"updates and gives the same Q", printed, re.S).groups()
    assert float(first) == -int(steps.replace(",", ""))
    result = ch03.returns_on_a_random_episode(ch03.reference_returns)
    assert int(steps.replace(",", "")) == result["steps"] and result["agree"]
    assert int(updates.replace(",", "")) == result["first visits"]


def test_used_for_real_the_update_learns_the_librarys_table(capsys):
    ch03.check_weighted_importance_update(solution(3, "weighted_importance_update"))
    printed = capsys.readouterr().out
    assert "left the same tables as the library's update" in printed
    tail, length, greedy, optimum = re.search(
        r"learned from (\S+) of an episode's (\S+) steps .*?needs (\S+) expected steps; the "
        r"optimum, where it started, is (\S+)\.", printed, re.S).groups()

    def library_update(q_values, weights, episode, gamma):
        ch03.library_update(q_values, weights, episode, gamma)

    result = ch03.off_policy_near_the_optimum(library_update)
    assert tail == f"{result['mean tail']:.2f}" and length == f"{result['mean length']:.1f}"
    assert greedy == f"{result['greedy steps']:.2f}" and optimum == f"{result['optimum']:.2f}"

"""Chapter 7's coding exercises: the checks accept the chapter's solutions and reject typical
wrong answers, each with the hint of the idea it misses."""

import re

import numpy as np
import pytest
from exercise_support import assert_rejected, solution

from racetrack_lib.exercises import ch07
from racetrack_lib.rules import FINISHED, REWARD_PER_STEP

# --- learn_model: typical wrong answers -----------------------------------------------------------


def no_entry_for_a_new_pair(model, state, action, next_state, finished):
    outcome = FINISHED if finished else next_state
    model[(state, action)][outcome] = model[(state, action)].get(outcome, 0) + 1  # KeyError


def keeps_the_last_outcome(model, state, action, next_state, finished):
    model[(state, action)] = {FINISHED if finished else next_state: 1}  # Dyna-Q's "last" model


def counts_the_pair(model, state, action, next_state, finished):
    outcomes = model.setdefault((state, action), {})
    outcomes[FINISHED if finished else next_state] = sum(outcomes.values()) + 1


def replaces_on_a_new_outcome(model, state, action, next_state, finished):
    outcome = FINISHED if finished else next_state
    outcomes = model.get((state, action), {})
    if outcome in outcomes:
        outcomes[outcome] += 1
    else:
        model[(state, action)] = {outcome: 1}


def no_entry_for_a_new_outcome(model, state, action, next_state, finished):
    outcome = FINISHED if finished else next_state
    if (state, action) not in model:
        model[(state, action)] = {outcome: 1}
    else:
        model[(state, action)][outcome] += 1  # KeyError


def counts_the_next_state_at_the_finish(model, state, action, next_state, finished):
    outcomes = model.setdefault((state, action), {})
    outcomes[next_state] = outcomes.get(next_state, 0) + 1


LEARNING_CATALOGUE = [
    (no_entry_for_a_new_pair, "a pair tried for the first time"),
    (keeps_the_last_outcome, "counting, not the last outcome"),
    (counts_the_pair, "counting, not the last outcome"),
    (replaces_on_a_new_outcome, "a new outcome of a tried pair"),
    (no_entry_for_a_new_outcome, "a new outcome of a tried pair"),
    (counts_the_next_state_at_the_finish, "the finish"),
]

# --- planning_step: typical wrong answers ---------------------------------------------------------


def _draw_pair(model, rng):
    pairs = list(model)
    return pairs[rng.integers(len(pairs))]


def _draw_outcome(outcomes, rng):
    counts = np.array(list(outcomes.values()))
    return list(outcomes)[rng.choice(len(counts), p=counts / counts.sum())]


def _update(q_values, alphas, state, action, target):
    q_values[state, action] += alphas[state, action] * (target - q_values[state, action])


def _q_learning_target(q_values, outcome, gamma):
    if outcome == FINISHED:
        return REWARD_PER_STEP
    return REWARD_PER_STEP + gamma * q_values[outcome].max()


def bootstraps_from_the_same_action(q_values, alphas, model, gamma, rng):
    state, action = _draw_pair(model, rng)
    outcome = _draw_outcome(model[(state, action)], rng)
    target = REWARD_PER_STEP if outcome == FINISHED else (
        REWARD_PER_STEP + gamma * q_values[outcome, action])  # SARSA-like: no action was taken
    _update(q_values, alphas, state, action, target)


def bootstraps_from_a_random_action(q_values, alphas, model, gamma, rng):
    state, action = _draw_pair(model, rng)
    outcome = _draw_outcome(model[(state, action)], rng)
    target = REWARD_PER_STEP if outcome == FINISHED else (
        REWARD_PER_STEP + gamma * q_values[outcome, rng.integers(q_values.shape[1])])
    _update(q_values, alphas, state, action, target)


def forgets_gamma(q_values, alphas, model, gamma, rng):
    state, action = _draw_pair(model, rng)
    outcome = _draw_outcome(model[(state, action)], rng)
    _update(q_values, alphas, state, action, _q_learning_target(q_values, outcome, 1.0))


def bootstraps_past_the_finish(q_values, alphas, model, gamma, rng):
    state, action = _draw_pair(model, rng)
    outcome = _draw_outcome(model[(state, action)], rng)
    target = REWARD_PER_STEP + gamma * q_values[outcome].max()  # Q[-1]: the last row
    _update(q_values, alphas, state, action, target)


def any_pair_of_the_table(q_values, alphas, model, gamma, rng):
    state, action = rng.integers(q_values.shape[0]), rng.integers(q_values.shape[1])
    outcome = _draw_outcome(model[(state, action)], rng)  # KeyError for an untried pair
    _update(q_values, alphas, state, action, _q_learning_target(q_values, outcome, gamma))


def pairs_as_often_as_tried(q_values, alphas, model, gamma, rng):
    pairs = list(model)
    tries = np.array([sum(outcomes.values()) for outcomes in model.values()], dtype=float)
    state, action = pairs[rng.choice(len(pairs), p=tries / tries.sum())]  # like replay
    outcome = _draw_outcome(model[(state, action)], rng)
    _update(q_values, alphas, state, action, _q_learning_target(q_values, outcome, gamma))


def outcomes_uniformly(q_values, alphas, model, gamma, rng):
    state, action = _draw_pair(model, rng)
    seen = list(model[(state, action)])
    outcome = seen[rng.integers(len(seen))]
    _update(q_values, alphas, state, action, _q_learning_target(q_values, outcome, gamma))


def the_most_counted_outcome(q_values, alphas, model, gamma, rng):
    state, action = _draw_pair(model, rng)
    outcomes = model[(state, action)]
    outcome = max(outcomes, key=outcomes.get)
    _update(q_values, alphas, state, action, _q_learning_target(q_values, outcome, gamma))


def the_global_generator(q_values, alphas, model, gamma, rng):
    pairs = list(model)
    state, action = pairs[np.random.randint(len(pairs))]  # noqa: NPY002
    outcome = _draw_outcome(model[(state, action)], rng)
    _update(q_values, alphas, state, action, _q_learning_target(q_values, outcome, gamma))


def updates_a_copy(q_values, alphas, model, gamma, rng):
    q_values = q_values.copy()
    state, action = _draw_pair(model, rng)
    outcome = _draw_outcome(model[(state, action)], rng)
    _update(q_values, alphas, state, action, _q_learning_target(q_values, outcome, gamma))


PLANNING_CATALOGUE = [
    (bootstraps_from_the_same_action, "the Q-learning update"),
    (bootstraps_from_a_random_action, "the Q-learning update"),
    (forgets_gamma, "the Q-learning update"),
    (updates_a_copy, "the Q-learning update"),
    (bootstraps_past_the_finish, "the finish"),
    (any_pair_of_the_table, "only tried pairs"),
    (pairs_as_often_as_tried, "pairs drawn uniformly"),
    (outcomes_uniformly, "outcomes in proportion to the counts"),
    (the_most_counted_outcome, "outcomes in proportion to the counts"),
    (the_global_generator, "the agent's generator"),
]


@pytest.mark.parametrize("exercise, name", [(ch07.LEARN_MODEL, "learn_model"),
                                            (ch07.PLANNING_STEP, "planning_step")])
def test_the_chapters_solution_passes(exercise, name):
    result = exercise.run(solution(7, name))
    assert result.passed, result.message


def test_the_library_way_of_drawing_passes_too():
    def planning(q_values, alphas, model, gamma, rng):
        ch07.LibraryPlanning()(q_values, alphas, model, gamma, rng)

    assert ch07.PLANNING_STEP.run(planning).passed
    assert ch07.LEARN_MODEL.run(ch07.reference_learn_model).passed


@pytest.mark.parametrize("exercise, catalogue", [(ch07.LEARN_MODEL, LEARNING_CATALOGUE),
                                                 (ch07.PLANNING_STEP, PLANNING_CATALOGUE)])
def test_each_wrong_answer_gets_its_own_message(exercise, catalogue):
    messages = [assert_rejected(exercise, wrong, idea) for wrong, idea in catalogue]
    assert len(set(messages)) == len(messages)


def test_the_cases_match_the_library_model():
    # a case's expected model is the library's after the history and the step; its input model
    # the library's after the history alone, so the step adds exactly one count
    for probe in ch07.LEARN_MODEL.all_probes():
        for case in probe.cases:
            before, after = case.arguments[0], case.expected
            assert (sum(map(sum, (o.values() for o in after.values())))
                    == sum(map(sum, (o.values() for o in before.values()))) + 1)


def test_a_wrong_value_names_the_outcomes_and_their_values():
    message = ch07.PLANNING_STEP.run(bootstraps_past_the_finish).message
    assert "FINISHED" in message and "Q[-1] is the last row" in message
    assert re.search(r"gives? -?[\d.]+ \((FINISHED|state \d+)\)", message)


def test_the_finishing_step_is_counted_as_finished():
    model = {}
    learn = solution(7, "learn_model")
    learn(model, 3, 4, 3, True)
    learn(model, 3, 4, 9, False)
    assert model == ch07.library_model([(3, 4, 3, True), (3, 4, 9, False)]) == {
        (3, 4): {FINISHED: 1, 9: 1}}


def test_used_for_real_the_model_reproduces_the_library(capsys):
    ch07.check_learn_model(solution(7, "learn_model"))
    printed = capsys.readouterr().out
    model = ch07.small_model()
    q_values, learned, lengths = ch07.dyna_in_python(
        model, ch07.DYNA_CONFIG, ch07.reference_learn_model, None,
        np.random.default_rng(ch07.DYNA_SEED))
    assert np.array_equal(q_values, ch07.library_dyna())  # the library's own table, exactly
    assert "(largest difference 0)" in printed
    assert (f"needs {ch07.greedy_steps(q_values):.2f} expected steps (exact); the optimum is "
            f"{ch07.small_optimum():.2f}") in printed
    assert f"({np.abs(lengths).sum():,} real steps)" in printed
    noisy = ch07.noise_estimates(learned, model)
    assert f"at {noisy.mean():.3f} on average" in printed and abs(noisy.mean() - 0.1) < 0.03


def test_used_for_real_the_planning_step_learns_as_the_library(capsys):
    ch07.check_planning_step(solution(7, "planning_step"))
    printed = capsys.readouterr().out
    yours = float(re.search(r"Its greedy policy needs ([\d.]+)", printed).group(1))
    spread = ch07.library_dyna_spread()
    assert spread[0] <= yours <= spread[-1]  # within what the library's agents reach
    assert f"{spread[0]:.2f} to {spread[-1]:.2f}, median {np.median(spread):.2f}" in printed
    assert ch07.small_optimum() < spread[0]


def test_a_wrong_answer_is_not_used(capsys, monkeypatch):
    monkeypatch.delenv("RACETRACK_CHECKS_RAISE", raising=False)
    ch07.check_planning_step(bootstraps_past_the_finish)
    ch07.check_learn_model(keeps_the_last_outcome)
    assert "Used for real" not in capsys.readouterr().out

"""Chapter 5's coding exercises: the checks accept the chapter's solutions and reject typical
wrong answers, each with the hint of the idea it misses; the module's lambda-return (the library
has none) is the one the library's traces add up to; once right, the functions are used on the
library's own models and reproduce the library's numbers."""

import re
from dataclasses import replace

import numpy as np
import pytest
from exercise_support import assert_rejected, solution

from racetrack_lib import dp
from racetrack_lib.exercises import ch04, ch05
from racetrack_lib.greedy_evaluation import expected_steps_of_greedy
from racetrack_lib.mdp import TabularModel
from racetrack_lib.traces import TRACE_THRESHOLD
from racetrack_lib.training import Learner, run_episodes

# --- traced_update: typical wrong answers --------------------------------------------------------


def _finish(eligibility, decay, cut, drop=True):
    eligibility *= decay
    if drop:
        eligibility[eligibility < TRACE_THRESHOLD] = 0.0
    if cut:
        eligibility[:] = 0.0


def never_decayed(q_values, eligibility, state, action, delta, alpha, decay, cut):
    eligibility[state, action] = 1.0
    q_values += alpha * delta * eligibility
    if cut:
        eligibility[:] = 0.0


def decayed_before_the_update(q_values, eligibility, state, action, delta, alpha, decay, cut):
    eligibility[state, action] = 1.0
    eligibility *= decay
    q_values += alpha * delta * eligibility
    _finish(eligibility, 1.0, cut)


def only_the_visited_pair(q_values, eligibility, state, action, delta, alpha, decay, cut):
    eligibility[state, action] = 1.0
    q_values[state, action] += alpha * delta  # one-step TD
    _finish(eligibility, decay, cut)


def accumulating(q_values, eligibility, state, action, delta, alpha, decay, cut):
    eligibility[state, action] += 1.0
    q_values += alpha * delta * eligibility
    _finish(eligibility, decay, cut)


def clears_the_other_actions(q_values, eligibility, state, action, delta, alpha, decay, cut):
    eligibility[state, :] = 0.0  # Singh & Sutton's variant, which the library does not use
    eligibility[state, action] = 1.0
    q_values += alpha * delta * eligibility
    _finish(eligibility, decay, cut)


def never_dropped(q_values, eligibility, state, action, delta, alpha, decay, cut):
    eligibility[state, action] = 1.0
    q_values += alpha * delta * eligibility
    _finish(eligibility, decay, cut, drop=False)


def never_cut(q_values, eligibility, state, action, delta, alpha, decay, cut):
    eligibility[state, action] = 1.0
    q_values += alpha * delta * eligibility
    _finish(eligibility, decay, False)


def cut_before_the_update(q_values, eligibility, state, action, delta, alpha, decay, cut):
    if cut:
        eligibility[:] = 0.0
    eligibility[state, action] = 1.0
    q_values += alpha * delta * eligibility
    _finish(eligibility, decay, False)


UPDATE_CATALOGUE = [
    (never_decayed, "the visit"),
    (decayed_before_the_update, "the visit"),
    (only_the_visited_pair, "every traced pair"),
    (accumulating, "replacing a trace"),
    (clears_the_other_actions, "the other actions of the state"),
    (never_dropped, "dropping small traces"),
    (never_cut, "Watkins's cut"),
    (cut_before_the_update, "Watkins's cut"),
]

# --- lambda_return: typical wrong answers --------------------------------------------------------


def _returns(rewards, values, t, gamma, bootstrap_at_the_end=False, discount_values=True):
    """G_{t:t+n} for n = 1 .. T - t, with the mistakes a variant asks for."""
    end, returns = len(rewards), []
    for n in range(1, end - t + 1):
        value = sum(gamma**i * rewards[t + i] for i in range(n))
        if t + n < end or bootstrap_at_the_end:
            value += (gamma**n if discount_values else gamma) * values[min(t + n, end - 1)]
        returns.append(value)
    return returns


def weights_lambda_to_the_n(rewards, values, t, gamma, trace_decay):
    returns = _returns(rewards, values, t, gamma)
    return (sum((1 - trace_decay) * trace_decay**n * g for n, g in enumerate(returns[:-1], 1))
            + trace_decay ** len(returns) * returns[-1])


def no_weight_left_for_the_end(rewards, values, t, gamma, trace_decay):
    returns = _returns(rewards, values, t, gamma)
    return sum((1 - trace_decay) * trace_decay ** (n - 1) * g for n, g in enumerate(returns, 1))


def the_end_bootstraps(rewards, values, t, gamma, trace_decay):
    returns = _returns(rewards, values, t, gamma, bootstrap_at_the_end=True)
    return (sum((1 - trace_decay) * trace_decay ** (n - 1) * g
                for n, g in enumerate(returns[:-1], 1))
            + trace_decay ** (len(returns) - 1) * returns[-1])


def end_weight_one_power_too_many(rewards, values, t, gamma, trace_decay):
    returns = _returns(rewards, values, t, gamma)
    return (sum((1 - trace_decay) * trace_decay ** (n - 1) * g
                for n, g in enumerate(returns[:-1], 1))
            + trace_decay ** len(returns) * returns[-1])


def gamma_ignored(rewards, values, t, gamma, trace_decay):
    return ch05.lambda_return_by_definition(rewards, values, t, 1.0, trace_decay)


def values_discounted_once(rewards, values, t, gamma, trace_decay):
    returns = _returns(rewards, values, t, gamma, discount_values=False)
    return (sum((1 - trace_decay) * trace_decay ** (n - 1) * g
                for n, g in enumerate(returns[:-1], 1))
            + trace_decay ** (len(returns) - 1) * returns[-1])


def plain_average(rewards, values, t, gamma, trace_decay):
    return float(np.mean(_returns(rewards, values, t, gamma)))


RETURN_CATALOGUE = [
    (weights_lambda_to_the_n, "the one-step target (lambda = 0)"),
    (plain_average, "the one-step target (lambda = 0)"),
    (no_weight_left_for_the_end, "the Monte Carlo return (lambda = 1)"),
    (the_end_bootstraps, "the Monte Carlo return (lambda = 1)"),
    (end_weight_one_power_too_many, "the weighted n-step returns"),
    (gamma_ignored, "discounting"),
    (values_discounted_once, "discounting"),
]

EXERCISES = [(ch05.TRACED_UPDATE, "traced_update", UPDATE_CATALOGUE),
             (ch05.LAMBDA_RETURN, "lambda_return", RETURN_CATALOGUE)]
IDS = [name for _, name, _ in EXERCISES]


@pytest.mark.parametrize("exercise, name, catalogue", EXERCISES, ids=IDS)
def test_the_chapters_solution_passes(exercise, name, catalogue):
    result = exercise.run(solution(5, name))
    assert result.passed, result.message


@pytest.mark.parametrize("exercise, name, catalogue", EXERCISES, ids=IDS)
def test_each_wrong_answer_gets_its_own_message(exercise, name, catalogue):
    messages = [assert_rejected(exercise, wrong, idea) for wrong, idea in catalogue]
    assert len(set(messages)) == len(messages)
    assert len(catalogue) >= 3


def test_the_update_probes_test_what_they_say():
    probes = {probe.idea: probe for probe in ch05.TRACED_UPDATE.all_probes()}
    for idea, probe in probes.items():
        for case in probe.cases:
            _, eligibility, state, action, _, _, decay, cut = case.arguments
            traced = eligibility > 0
            others_of_state = np.delete(traced[state], action).any()
            fading = traced & (eligibility * decay < TRACE_THRESHOLD)
            assert cut == (idea == "Watkins's cut"), idea
            assert traced[state, action] == (idea == "replacing a trace"), idea
            assert others_of_state == (idea == "the other actions of the state"), idea
            assert (idea == "the visit") == (not traced.any()) or idea == "dropping small traces"
            if idea != "dropping small traces":
                assert not fading.any(), idea
            elif decay > 0:  # the finishing step's decay 0 drops everything anyway
                assert fading.any() and (eligibility[fading] >= TRACE_THRESHOLD).all()


def test_the_module_lambda_return_is_what_the_librarys_traces_add_up_to():
    """The forward view by definition against the backward view of the library's own trace
    functions (accumulating, Q held fixed), on short episodes where no trace is dropped."""
    rng = np.random.default_rng(11)
    for gamma, trace_decay in ((1.0, 0.9), (0.9, 0.5), (1.0, 0.0), (1.0, 1.0), (0.95, 0.7)):
        length = 12
        rewards = [-1.0] * length
        values = list(rng.uniform(-10, -1, length))
        deltas = [rewards[k] + gamma * (values[k + 1] if k + 1 < length else 0.0) - values[k]
                  for k in range(length)]
        pairs = [(k, 0) for k in range(length)]  # a different pair at each step
        credits = ch05.backward_view_credits(pairs, deltas, length, gamma * trace_decay)
        for t in range(length):
            by_definition = ch05.lambda_return_by_definition(rewards, values, t, gamma,
                                                             trace_decay)
            assert by_definition - values[t] == pytest.approx(credits[t, 0], abs=1e-12)


def test_decaying_into_a_new_array_gets_the_hint_on_in_place():
    def decayed_into_a_new_array(q_values, eligibility, state, action, delta, alpha, decay, cut):
        eligibility[state, action] = 1.0
        q_values += alpha * delta * eligibility
        eligibility = eligibility * decay  # the caller's array keeps its old traces
        eligibility[eligibility < TRACE_THRESHOLD] = 0.0
        if cut:
            eligibility[:] = 0.0

    message = assert_rejected(ch05.TRACED_UPDATE, decayed_into_a_new_array, "the visit")
    assert "in place" in message


def test_a_message_names_the_input_the_expected_and_the_returned_answer():
    message = ch05.TRACED_UPDATE.run(accumulating).message
    assert "traces before {" in message and "expected {'Q': {" in message and "got {'Q'" in message
    assert "accumulating" in message
    message = ch05.LAMBDA_RETURN.run(gamma_ignored).message
    assert "gamma = 0.9" in message and "gamma^n" in message


def test_used_for_real_watkins_with_the_readers_update_is_the_librarys(capsys):
    ch05.check_traced_update(solution(5, "traced_update"))
    printed = capsys.readouterr().out
    steps, states, learned, optimum, difference = re.search(
        r"\(([\d,]+) real steps;.*?track \((\d+) states\)\. Its greedy policy needs ([\d.]+) "
        r"expected steps \(exact\); the optimum is ([\d.]+)\..*?largest difference ([\d.e+-]+)\)",
        printed, re.S).groups()
    model, config = ch04.small_model(), ch05.WATKINS_CONFIG
    learner = Learner.new(model, config)
    lengths = run_episodes(learner, model, config, np.random.default_rng(ch05.WATKINS_SEED), 0,
                           config.num_episodes)
    assert int(states) == model.n_states
    assert int(steps.replace(",", "")) == np.abs(lengths).sum()
    assert float(learned) == round(expected_steps_of_greedy(
        model, learner.q_values, np.random.default_rng(0)), 2)
    assert float(optimum) == round(dp.expected_steps_from_start(
        model, dp.value_iteration(model).values), 2)
    assert float(difference) == 0.0
    assert config.q_lambda == "watkins" and config.trace_kind == "replacing"


def test_the_python_traced_loop_is_the_librarys_for_sarsa_lambda_too():
    model = ch04.small_model()
    config = replace(ch05.WATKINS_CONFIG, target="sarsa", num_episodes=100,
                     trace_schedule="constant")
    q_values, lengths = ch05.traced_in_python(model, config, ch05.library_traced_update,
                                               np.random.default_rng(5))
    learner = Learner.new(model, config)
    library_lengths = run_episodes(learner, model, config, np.random.default_rng(5), 0, 100)
    np.testing.assert_array_equal(lengths, library_lengths)
    np.testing.assert_allclose(q_values, learner.q_values, rtol=0, atol=1e-12)


def test_a_wrong_update_learns_something_else():
    right = ch05.watkins_with(solution(5, "traced_update"), ch04.small_model())
    wrong = ch05.watkins_with(never_cut, ch04.small_model())
    assert right["difference"] == 0.0 < wrong["difference"]


def test_used_for_real_the_lambda_returns_are_the_backward_view(capsys):
    ch05.check_lambda_return(solution(5, "lambda_return"))
    printed = capsys.readouterr().out
    steps, pairs, difference, g_lambda, q = re.search(
        r"an episode of (\d+) steps \((\d+) pairs\).*?\(none dropped\), to ([\d.e+-]+)\. From "
        r"the start, G\^lambda_0 = (-[\d.]+) against Q\(s_0, a_0\) = (-[\d.]+)\.",
        printed, re.S).groups()
    model = TabularModel.build("track1", noise=0.1)
    run = ch05.forward_and_backward(ch05.lambda_return_by_definition, model,
                                    dp.value_iteration(model).q_values)
    assert (int(steps), int(pairs)) == (run["steps"], run["pairs"])
    assert float(difference) < 1e-12 and run["difference"] < 1e-12 and not run["dropped"]
    assert (float(g_lambda), float(q)) == (round(run["g_lambda"], 2), round(run["q"], 2))

"""Chapter 8's coding exercises: the checks accept the chapter's solutions and reject typical
wrong answers, each with the hint of the idea it misses; the plain reference of the full agent's
step reproduces the library's compiled agent."""

import copy
import math
import re

import numpy as np
import pytest
from exercise_support import assert_rejected, solution

from racetrack_lib import ablation, training
from racetrack_lib.agent import Learner, schedule_of
from racetrack_lib.config import AgentConfig
from racetrack_lib.exercises import ch08
from racetrack_lib.mdp import TabularModel
from racetrack_lib.rules import FINISHED, REWARD_PER_STEP
from racetrack_lib.traces import TRACE_THRESHOLD

# --- agent_step: typical wrong answers ------------------------------------------------------------


def step_with(*, accumulate=False, keep_faded=False, cut=True, tie_explores=False,
              judge_after=False, sarsa=False, own_step_size=True, bootstrap_finish=False,
              keep_traces_at_finish=False, replay_first=False, plan_first=False,
              plan_before_replay=False, last_outcome=False, model_pair="taken",
              stored_pair="taken"):
    """The chapter's step with one thing changed (each keyword a typical mistake)."""

    def agent_step(agent, state, action, next_state, next_action):
        q, traces = agent.q, agent.traces
        finished = next_state is None
        if finished:  # bootstrap_finish: from s itself, the library's s' at the finish
            bootstrap = agent.gamma * q[state].max() if bootstrap_finish else 0.0
            delta = REWARD_PER_STEP + bootstrap - q[state, action]
        else:
            following = q[next_state, next_action] if sarsa else q[next_state].max()
            delta = REWARD_PER_STEP + agent.gamma * following - q[state, action]

        def exploratory():
            if finished:
                return False
            if tie_explores:
                return next_action != int(np.argmax(q[next_state]))
            return q[next_state, next_action] < q[next_state].max()

        explored = None if judge_after else exploratory()

        def remember_and_replay():
            pair = (state, action) if stored_pair == "taken" else (next_state, next_action)
            agent.memory.append((*pair, REWARD_PER_STEP, next_state, next_action, finished))
            agent.replay()

        if replay_first:
            remember_and_replay()
        traces[(state, action)] = traces.get((state, action), 0.0) + 1.0 if accumulate else 1.0
        decay = 0.0 if finished and not keep_traces_at_finish else agent.gamma * agent.lam
        for pair, trace in list(traces.items()):
            alpha = agent.step_size(*pair) if own_step_size else agent.step_size(state, action)
            q[pair] += alpha * delta * trace
            if keep_faded or trace * decay >= TRACE_THRESHOLD:
                traces[pair] = trace * decay
            else:
                del traces[pair]
        if judge_after:
            explored = exploratory()
        if explored and cut:
            traces.clear()

        def learn_and_plan():
            pair = (state, action) if model_pair == "taken" else (next_state, next_action)
            outcome = FINISHED if finished else next_state
            if plan_first:
                agent.plan()
            counts = agent.model.setdefault(pair, {})
            if last_outcome:
                counts.clear()
            counts[outcome] = counts.get(outcome, 0) + 1
            if not plan_first:
                agent.plan()

        if plan_before_replay:
            learn_and_plan()
        if not replay_first:
            remember_and_replay()
        if not plan_before_replay:
            learn_and_plan()

    return agent_step


def bootstraps_past_the_finish(agent, state, action, next_state, next_action):
    """Bootstraps from Q(s', .) even at the finish (with the library's own convention of
    ``s' = s`` there)."""
    step_with(bootstrap_finish=True)(agent, state, action, next_state, next_action)


STEP_CATALOGUE = [
    (step_with(own_step_size=False), "the traced update"),
    (step_with(sarsa=True), "Q-learning's target"),
    (step_with(accumulate=True), "replacing traces"),
    (step_with(keep_faded=True), "dropping faded traces"),
    (step_with(cut=False), "Watkins's cut"),
    (step_with(tie_explores=True), "a tie is greedy"),
    (step_with(judge_after=True), "judged before the update"),
    (step_with(stored_pair="next"), "remember the transition"),
    (step_with(replay_first=True), "remember, then replay"),
    (step_with(last_outcome=True), "the counting model"),
    (step_with(model_pair="next"), "the counting model"),
    (step_with(plan_first=True), "teach the model, then plan"),
    (step_with(plan_before_replay=True), "replay, then plan"),
    (bootstraps_past_the_finish, "the finish"),
    (step_with(keep_traces_at_finish=True), "the finish"),
]

# --- steps_to_within: typical wrong answers -------------------------------------------------------


def _good(expected_steps, optimum, fraction, strict=False, additive=False, skip_inf=False):
    band = optimum + fraction if additive else (1 + fraction) * optimum
    good = [value < band if strict else value <= band for value in expected_steps]
    if skip_inf:  # an evaluation that never finishes is ignored instead of outside
        good = [g or math.isinf(value) for g, value in zip(good, expected_steps, strict=True)]
    return good


def _measure(real_steps, good):
    first = next((real_steps[k] for k, g in enumerate(good) if g), math.nan)
    stays = math.nan
    for k in range(len(good) - 1, -1, -1):
        if not good[k]:
            break
        stays = real_steps[k]
    return float(first), float(stays)


def band_as_optimum_plus_fraction(real_steps, expected_steps, optimum, fraction):
    return _measure(real_steps, _good(expected_steps, optimum, fraction, additive=True))


def first_entry_as_stays_within(real_steps, expected_steps, optimum, fraction):
    first, _ = _measure(real_steps, _good(expected_steps, optimum, fraction))
    stays = first if _good(expected_steps, optimum, fraction)[-1] else math.nan
    return first, stays


def strictly_below_the_band(real_steps, expected_steps, optimum, fraction):
    return _measure(real_steps, _good(expected_steps, optimum, fraction, strict=True))


def last_entry_whatever_the_end(real_steps, expected_steps, optimum, fraction):
    good = _good(expected_steps, optimum, fraction)
    first, _ = _measure(real_steps, good)
    entries = [k for k, g in enumerate(good) if g and (k == 0 or not good[k - 1])]
    return first, float(real_steps[entries[-1]]) if entries else math.nan


def argmax_without_checking(real_steps, expected_steps, optimum, fraction):
    good = np.array(_good(expected_steps, optimum, fraction))
    from_here = np.flip(np.logical_and.accumulate(np.flip(good)))
    return float(real_steps[np.argmax(good)]), float(real_steps[np.argmax(from_here)])


def entry_needs_an_evaluation_before(real_steps, expected_steps, optimum, fraction):
    good = _good(expected_steps, optimum, fraction)
    first = next((real_steps[k] for k in range(1, len(good)) if good[k] and not good[k - 1]),
                 math.nan)
    stays = math.nan
    for k in range(len(good) - 1, 0, -1):
        if not good[k]:
            break
        stays = real_steps[k]
    return float(first), float(stays)


def misses_the_last_evaluation(real_steps, expected_steps, optimum, fraction):
    good = [*_good(expected_steps, optimum, fraction)[:-1], False]
    first, _ = _measure(real_steps, good)
    _, stays = _measure(real_steps, _good(expected_steps, optimum, fraction))
    return first, stays


def ignores_policies_that_never_finish(real_steps, expected_steps, optimum, fraction):
    return _measure(real_steps, _good(expected_steps, optimum, fraction, skip_inf=True))


WITHIN_CATALOGUE = [
    (band_as_optimum_plus_fraction, "the band"),
    (first_entry_as_stays_within, "leaving and coming back"),
    (argmax_without_checking, "never within"),
    (last_entry_whatever_the_end, "ending outside the band"),
    (entry_needs_an_evaluation_before, "within from the start"),
    (misses_the_last_evaluation, "within only at the last evaluation"),
    (strictly_below_the_band, "on the band's edge"),
    (ignores_policies_that_never_finish, "a policy that never finishes"),
]


@pytest.mark.parametrize("exercise, name", [(ch08.AGENT_STEP, "agent_step"),
                                            (ch08.STEPS_TO_WITHIN, "steps_to_within")])
def test_the_chapters_solution_passes(exercise, name):
    result = exercise.run(solution(8, name))
    assert result.passed, result.message


def test_the_reference_step_passes():
    assert ch08.AGENT_STEP.run(ch08.reference_agent_step).passed


@pytest.mark.parametrize("exercise, catalogue", [(ch08.AGENT_STEP, STEP_CATALOGUE),
                                                 (ch08.STEPS_TO_WITHIN, WITHIN_CATALOGUE)])
def test_each_wrong_answer_gets_its_own_message(exercise, catalogue):
    messages = [assert_rejected(exercise, wrong, idea) for wrong, idea in catalogue]
    assert len(set(messages)) == len(messages)


def test_every_probe_catches_a_wrong_answer():
    for exercise, catalogue in ((ch08.AGENT_STEP, STEP_CATALOGUE),
                                (ch08.STEPS_TO_WITHIN, WITHIN_CATALOGUE)):
        assert {probe.idea for probe in exercise.all_probes()} == {idea for _, idea in catalogue}


def test_a_step_message_shows_only_what_differs():
    message = ch08.AGENT_STEP.run(step_with(cut=False)).message
    expected, got = re.search(r"expected (.*), got (.*)\.\n", message).groups()
    assert expected == "traces {}" and got.startswith("traces {(") and "Q(" not in got
    assert "(exploratory;" in message and "Watkins" in message


def test_a_measure_message_names_the_curve_and_nan():
    message = ch08.STEPS_TO_WITHIN.run(argmax_without_checking).message
    assert "expected (nan, nan)" in message and "optimum" in message and "argmax" in message


def _compiled_and_plain(config: AgentConfig, first: int, last: int):
    """Agent 0 of seed 0 after ``first`` episodes in the compiled loop, then episodes
    ``first .. last - 1`` both compiled and in plain Python with the reference step."""
    model = TabularModel.build("track1", noise=0.1)
    rng, _ = training.agent_generators(0, 1)[0]
    learner = Learner.new(model, config)
    training.run_episodes(learner, model, config, rng, 0, first)
    plain = ch08.SampledAgent.from_learner(learner, config, copy.deepcopy(rng))
    schedule = schedule_of(config, first, last)
    lengths = ch08.drive_episodes(ch08.reference_agent_step, plain, model.tables,
                                  schedule.epsilons, schedule.trace_decays,
                                  config.max_episode_steps)
    compiled = training.run_episodes(learner, model, config, rng, first, last)
    return plain, learner, lengths, compiled


@pytest.mark.parametrize("config, first, last, wrapped", [
    # from the start (lambda 0 at first), the memory not yet full
    (ablation.full_agent(AgentConfig(epsilon_decay=0.9, memory_size=20_000)), 0, 3, False),
    # handed over with the memory full and wrapped round, lambda near 0.9, gamma below 1
    (ablation.full_agent(AgentConfig(epsilon_decay=0.9, memory_size=500, batch_size=8,
                                     planning_steps=3, gamma=0.99)), 30, 45, True),
])
def test_the_reference_step_reproduces_the_compiled_agent(config, first, last, wrapped):
    plain, learner, lengths, compiled = _compiled_and_plain(config, first, last)
    assert (len(plain.memory) > config.memory_size) == wrapped
    assert lengths == compiled.tolist()
    np.testing.assert_array_equal(plain.q, learner.q_values)
    np.testing.assert_array_equal(plain.visits, learner.visits)
    assert plain.model == ch08.SampledAgent.from_learner(learner, config, plain.rng).model


def test_used_for_real_the_step_gives_the_saved_run(capsys):
    run = ch08.drive_saved_agent(solution(8, "agent_step"))
    saved = ablation.saved_ladder()[run.line]
    evaluation = list(saved.eval_episodes).index(run.last)
    assert run.largest_difference == 0.0
    assert run.real_steps == saved.eval_env_steps[0, evaluation] == run.saved_real_steps
    assert run.expected_steps == saved.greedy_expected_steps[0, evaluation]
    assert run.trace_decay > 0.8 and run.epsilon == 0.01  # traces and cuts at work
    ch08.check_agent_step(solution(8, "agent_step"))
    printed = capsys.readouterr().out
    assert f"{sum(run.lengths):,} real steps" in printed
    assert f"{run.real_steps:,} real steps (the saved curve: {run.real_steps:,})" in printed
    assert "entry for entry" in printed and "the saved run, number for number." in printed


def test_used_for_real_the_measure_agrees_on_every_saved_agent(capsys):
    runs = ablation.saved_ablation()
    agreement = ch08.measures_agree(solution(8, "steps_to_within"), runs)
    for label, (agreeing, first, stays) in agreement.items():
        assert agreeing == runs[label].n_agents
        assert first == runs[label].median_steps_to_within()
        assert stays == runs[label].median_steps_to_stay_within()
    ch08.check_steps_to_within(solution(8, "steps_to_within"))
    printed = capsys.readouterr().out
    agreeing, total = re.search(r"library's for (\d+) of the (\d+) agents", printed).groups()
    assert agreeing == total == str(sum(result.n_agents for result in runs.values()))

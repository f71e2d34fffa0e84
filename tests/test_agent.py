"""The full agent's loop and the records every loop reads: without replay and planning the
agent's loop is exactly the traced loop (and with lambda 0 both are the one-step loop), the
compiled episode schedule is the config's own, every config word becomes the right code, and no
compiled function takes a long list of parameters."""

import importlib
import inspect
import itertools
import pkgutil

import numpy as np
import pytest

import racetrack_lib
from racetrack_lib.agent import (
    CERTAINTY_EQUIVALENCE,
    TD,
    Learner,
    LoopSettings,
    Schedule,
    agent_episode,
    loop_settings,
    run_agent_episodes,
    schedule_of,
)
from racetrack_lib.config import METHODS, Q_LAMBDAS, TARGETS, TRACE_KINDS, AgentConfig, preset
from racetrack_lib.dyna import COUNTS, LAST, MODEL_KINDS
from racetrack_lib.mc import OFF_POLICY, ON_POLICY
from racetrack_lib.mdp import TabularModel
from racetrack_lib.prioritized import PLANNING_KINDS, PRIORITIZED, UNIFORM
from racetrack_lib.td import Q_LEARNING, SARSA, td_episode
from racetrack_lib.traces import ACCUMULATING, REPLACING, EpisodeSettings, traced_episode

EPISODES = 300


@pytest.fixture(scope="module")
def track1():
    return TabularModel.build("track1", 0.1)


def one_step(mdp, learner, settings, episode, rng):
    """``td.td_episode`` called like the other two loops (it takes epsilon only)."""
    return td_episode(mdp, learner, settings, episode.epsilon, rng)


def run_loop(loop, model, config, seed=7, episodes=EPISODES):
    """``episodes`` episodes of ``loop`` (one of the three episode loops), called from Python
    one episode at a time with the config's schedule; the final Q table and visit counts, the
    episode lengths (negative if cut) and the learner."""
    learner = Learner.new(model, config)
    settings = loop_settings(config)
    schedule = schedule_of(config, 0, episodes)
    rng = np.random.default_rng(seed)
    lengths = np.zeros(episodes, dtype=np.int64)
    for episode in range(episodes):
        this = EpisodeSettings(schedule.epsilons[episode], schedule.trace_decays[episode])
        steps, finished = loop(model.tables, learner, settings, this, rng)
        lengths[episode] = steps if finished else -steps
    return learner.q_values, learner.visits, lengths, learner


def assert_same_numbers(first, second):
    np.testing.assert_array_equal(first[0], second[0])  # Q, bit for bit
    np.testing.assert_array_equal(first[1], second[1])  # visit counts
    np.testing.assert_array_equal(first[2], second[2])  # episode lengths


TRACED = {"alpha": 0.5, "alpha_power": 0.5, "alpha_min": 0.05, "gamma": 0.99,
          "epsilon_decay": 0.98, "epsilon_min": 0.05, "trace_decay": 0.9,
          "num_episodes": EPISODES}


@pytest.mark.parametrize(
    ("target", "q_lambda", "trace_kind"),
    [(target, q_lambda, kind) for target, q_lambda in
     [("q_learning", "watkins"), ("q_learning", "naive"), ("sarsa", "watkins")]
     for kind in ("replacing", "accumulating")],
)
def test_agent_loop_without_replay_or_planning_is_the_traced_loop(track1, target, q_lambda,
                                                                  trace_kind):
    config = AgentConfig(**TRACED, target=target, q_lambda=q_lambda, trace_kind=trace_kind)
    settings = loop_settings(config)
    assert settings.batch_size == 0 and settings.planning_steps == 0
    agent = run_loop(agent_episode, track1, config)
    traced = run_loop(traced_episode, track1, config)
    assert_same_numbers(agent, traced)
    for learner in (agent[3], traced[3]):  # both leave the traces empty
        assert (learner.traces.slot == -1).all()
    # and the traces did something: the one-step loop gives other numbers
    assert not np.array_equal(agent[0], run_loop(one_step, track1, config)[0])
    assert (agent[2] > 0).all() and np.abs(agent[2]).sum() > 10 * EPISODES


def test_agent_loop_is_the_traced_loop_when_episodes_are_cut(track1):
    # Episodes cut at 150 steps (early, random ones are far longer): the cut path clears too.
    config = AgentConfig(**{**TRACED, "epsilon_decay": 0.99}, max_episode_steps=150,
                         trace_schedule="constant")
    agent = run_loop(agent_episode, track1, config)
    traced = run_loop(traced_episode, track1, config)
    assert_same_numbers(agent, traced)
    assert (agent[2] < 0).sum() > 10 and (agent[2] > 0).sum() > 10  # cut and finished ones
    assert (agent[3].traces.slot == -1).all() and (traced[3].traces.slot == -1).all()


@pytest.mark.parametrize(
    "settings",
    [{"target": "q_learning"}, {"target": "sarsa"},
     {"target": "q_learning", "q_lambda": "naive", "trace_kind": "accumulating"},
     {"target": "sarsa", "max_episode_steps": 150}],
)
def test_with_lambda_zero_all_three_loops_are_the_one_step_loop(track1, settings):
    config = AgentConfig(**{**TRACED, "trace_decay": 0.0, **settings})
    assert not schedule_of(config, 0, EPISODES).trace_decays.any()
    plain = run_loop(one_step, track1, config)
    assert_same_numbers(run_loop(traced_episode, track1, config), plain)
    assert_same_numbers(run_loop(agent_episode, track1, config), plain)
    assert np.abs(plain[2]).sum() > 10 * EPISODES


def test_run_agent_episodes_gives_the_numbers_of_its_loops(track1):
    # The compiled loop over episodes picks the traced loop for lambda > 0 (the ramp starts at
    # lambda 0, so the first episodes run the one-step loop): the same numbers as calling the
    # loops one episode at a time.
    config = AgentConfig(**TRACED)
    learner = Learner.new(track1, config)
    lengths = np.zeros(EPISODES, dtype=np.int64)
    run_agent_episodes(track1.tables, learner, loop_settings(config),
                       schedule_of(config, 0, EPISODES), lengths, np.random.default_rng(7))
    expected = run_loop(traced_episode, track1, config)
    assert_same_numbers((learner.q_values, learner.visits, lengths), expected)


SCHEDULES = [
    (AgentConfig(), 0, AgentConfig().num_episodes),
    (AgentConfig(epsilon_decay=0.9999, epsilon_min=0.0, trace_decay=0.9), 0, 200_000),
    (preset("combined-150"), 0, 150),
    (AgentConfig(trace_decay=0.7, trace_schedule="constant"), 0, 5_000),
    (AgentConfig(trace_decay=0.9, epsilon_decay=0.999, epsilon_min=0.05), 1_234, 5_678),
    (AgentConfig(epsilon_start=0.5, epsilon_decay=0.999, epsilon_min=0.1, trace_decay=0.8),
     17, 20_017),
    (AgentConfig(epsilon_min=1.0, epsilon_decay=1.0, trace_decay=0.6), 3, 1_000),
]


@pytest.mark.parametrize(("config", "first", "last"), SCHEDULES)
def test_compiled_schedule_is_the_configs_own(config, first, last):
    schedule = schedule_of(config, first, last)
    assert isinstance(schedule, Schedule)
    episodes = range(first, last)
    epsilons = np.array([config.epsilon(e) for e in episodes])
    trace_decays = np.array([config.trace_decay_at(e) for e in episodes])
    assert schedule.epsilons.shape == schedule.trace_decays.shape == (last - first,)
    assert schedule.epsilons.dtype == schedule.trace_decays.dtype == np.float64
    assert np.array_equal(schedule.epsilons, epsilons), np.flatnonzero(
        schedule.epsilons != epsilons)[:10]
    assert np.array_equal(schedule.trace_decays, trace_decays), np.flatnonzero(
        schedule.trace_decays != trace_decays)[:10]


def test_schedules_exercise_both_trace_schedules():
    # The cases above are not all trivial: some ramp, some hold lambda, epsilon reaches a floor.
    ramps = [schedule_of(config, first, last).trace_decays
             for config, first, last in SCHEDULES
             if config.trace_schedule == "ramp" and config.epsilon_min < 1.0
             and config.trace_decay > 0]
    assert len(ramps) >= 3 and all(len(np.unique(r)) > 100 for r in ramps)
    default = schedule_of(AgentConfig(), 0, 100_000).epsilons
    assert default[0] == 1.0 and default[-1] == 0.01


def test_loop_settings_map_every_word_to_its_code():
    codes = {"q_learning": Q_LEARNING, "sarsa": SARSA,
             "replacing": REPLACING, "accumulating": ACCUMULATING,
             "counts": COUNTS, "last": LAST}
    assert len({Q_LEARNING, SARSA}) == len({REPLACING, ACCUMULATING}) == len({COUNTS, LAST}) == 2
    assert [MODEL_KINDS.index(kind) for kind in ("counts", "last")] == [COUNTS, LAST]
    checked = 0
    for target, trace_kind, q_lambda, model_kind, memory_size, planning_steps in itertools.product(
            TARGETS, TRACE_KINDS, Q_LAMBDAS, MODEL_KINDS, (0, 500), (0, 3)):
        config = AgentConfig(target=target, trace_kind=trace_kind, q_lambda=q_lambda,
                             model_kind=model_kind, memory_size=memory_size, batch_size=16,
                             planning_steps=planning_steps, gamma=0.95, max_episode_steps=777)
        settings = loop_settings(config)
        assert isinstance(settings, LoopSettings)
        assert settings.target == codes[target]
        assert settings.trace_kind == codes[trace_kind]
        assert settings.model_kind == codes[model_kind]
        assert settings.cut_traces is (q_lambda == "watkins" and target == "q_learning")
        assert settings.batch_size == (16 if memory_size > 0 else 0)
        assert settings.planning_steps == planning_steps
        assert settings.gamma == 0.95 and settings.max_steps == 777
        assert settings.method == TD
        # plain Python numbers: the types the compiled loops are compiled for
        assert type(settings.gamma) is float and type(settings.cut_traces) is bool
        assert all(type(getattr(settings, name)) is int for name in
                   ("target", "trace_kind", "batch_size", "planning_steps", "model_kind",
                    "max_steps", "method"))
        checked += 1
    assert checked == 2 * 2 * 2 * 2 * 2 * 2
    assert set(LoopSettings._fields) == {"gamma", "target", "trace_kind", "cut_traces",
                                         "batch_size", "planning_steps", "model_kind",
                                         "max_steps", "method", "planning_kind",
                                         "priority_threshold", "untried_value",
                                         "exploration_bonus", "confidence_penalty", "optimistic",
                                         "replan_every"}
    methods = {method: loop_settings(AgentConfig(method=method)).method for method in METHODS}
    assert methods == {"td": TD, "mc_on_policy": ON_POLICY, "mc_off_policy": OFF_POLICY,
                       "certainty_equivalence": CERTAINTY_EQUIVALENCE}
    assert len(set(methods.values())) == 4
    kinds = {kind: loop_settings(AgentConfig(planning_kind=kind)).planning_kind
             for kind in PLANNING_KINDS}
    assert kinds == {"uniform": UNIFORM, "prioritized": PRIORITIZED}
    settings = loop_settings(AgentConfig(untried_value=-2.5, exploration_bonus=0.3,
                                         confidence_penalty=0.7, replan_every=9,
                                         priority_threshold=0.01, untried_pairs="pessimistic"))
    assert (settings.untried_value, settings.exploration_bonus, settings.confidence_penalty,
            settings.replan_every, settings.priority_threshold, settings.optimistic) == (
            -2.5, 0.3, 0.7, 9, 0.01, False)


MAX_PARAMETERS = 8


def test_no_compiled_function_takes_more_than_eight_parameters():
    compiled, offenders = [], []
    for info in pkgutil.iter_modules(racetrack_lib.__path__, "racetrack_lib."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            function = getattr(obj, "py_func", None)  # a numba dispatcher
            if function is None or function.__module__ != module.__name__:
                continue  # not compiled, or imported from another module
            compiled.append(f"{info.name}.{name}")
            parameters = len(inspect.signature(function).parameters)
            if parameters > MAX_PARAMETERS:
                offenders.append(f"{info.name}.{name} ({parameters} parameters)")
    assert not offenders, (f"compiled functions with more than {MAX_PARAMETERS} parameters: "
                           + ", ".join(offenders))
    # the search does find the compiled code (a search that found nothing would pass)
    assert {"racetrack_lib.td.td_episode", "racetrack_lib.traces.traced_episode",
            "racetrack_lib.agent.agent_episode", "racetrack_lib.replay.replay_batch",
            "racetrack_lib.dyna.plan"} <= set(compiled)
    assert len(compiled) >= 20

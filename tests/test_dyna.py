"""Dyna planning: the learned model (counts and last outcome), simulated outcomes in proportion
to the counts, the planning update, planning_steps = 0 as exactly the agent without planning, and
the learned model against the true dynamics. (The whole loop with planning is checked against a
dense textbook implementation in test_traces.py.)"""

import numpy as np
import pytest
from scipy import stats

from racetrack_lib.agent import Learner, loop_settings
from racetrack_lib.certainty_equivalence import new_planner
from racetrack_lib.config import AgentConfig
from racetrack_lib.dyna import (
    COUNTS,
    LAST,
    DynamicsModel,
    learn_and_plan,
    learn_model,
    new_dynamics_model,
    outcomes_of,
    plan,
    simulate,
)
from racetrack_lib.errors import RacetrackError
from racetrack_lib.mc import new_episode_log
from racetrack_lib.replay import new_memory
from racetrack_lib.rules import FINISHED
from racetrack_lib.td import Transition
from racetrack_lib.traces import new_traces
from racetrack_lib.training import run_episodes, train


def planning_learner(q_values, dynamics_model, alpha=0.5):
    """A learner record around ``q_values`` and ``dynamics_model``: a constant step size
    ``alpha``, every pair visited once, no replay."""
    return Learner(q_values=q_values, visits=np.ones(q_values.shape, dtype=np.int64),
                   step_sizes=np.array([alpha]), traces=new_traces(*q_values.shape),
                   memory=new_memory(0), dynamics_model=dynamics_model,
                   episode_log=new_episode_log(*q_values.shape, 0, enabled=False),
                   weights=np.zeros((0, q_values.shape[1])),
                   queue=None,
                   planner=new_planner(0, 0, np.zeros(0), 0.0, enabled=False))


def planning_settings(planning_steps, model_kind="counts", target="q_learning", gamma=1.0):
    return loop_settings(AgentConfig(gamma=gamma, target=target, planning_steps=planning_steps,
                                     model_kind=model_kind))


def test_counts_model_counts_each_distinct_outcome():
    model = new_dynamics_model(5, 3, n_start=2)
    for outcome in (4, 4, FINISHED, 4, 2):
        learn_model(model, 1, 2, outcome, False)
    learn_model(model, 3, 0, 1, False)
    assert isinstance(model, DynamicsModel)
    outcomes, counts, n_outcomes = model.outcomes, model.counts, model.n_outcomes
    tried_pairs, n_tried = model.tried_pairs, model.n_tried
    assert n_outcomes[1, 2] == 3
    assert outcomes[1, 2, :3].tolist() == [4, FINISHED, 2]
    assert counts[1, 2, :3].tolist() == [3, 1, 1]
    assert tried_pairs[: n_tried[0]].tolist() == [1 * 3 + 2, 3 * 3 + 0]  # each pair once


def test_last_outcome_model_keeps_only_the_last():
    model = new_dynamics_model(5, 3, n_start=2)
    for outcome in (4, FINISHED, 2):
        learn_model(model, 1, 2, outcome, True)
    assert model.n_outcomes[1, 2] == 1 and model.outcomes[1, 2, 0] == 2
    assert simulate(model, 1, 2, np.random.default_rng(0)) == 2
    assert model.n_tried[0] == 1


def test_simulated_outcomes_follow_the_counts():
    model = new_dynamics_model(2, 1, n_start=3)
    for outcome, times in ((0, 6), (1, 3), (FINISHED, 1)):
        for _ in range(times):
            learn_model(model, 0, 0, outcome, False)
    rng = np.random.default_rng(2)
    draws = np.array([simulate(model, 0, 0, rng) for _ in range(20_000)])
    observed = [(draws == 0).sum(), (draws == 1).sum(), (draws == FINISHED).sum()]
    assert sum(observed) == len(draws)
    assert stats.chisquare(observed, np.array([0.6, 0.3, 0.1]) * len(draws)).pvalue > 1e-3


def planned(learner, settings, rng):
    """``plan`` on a learner record's arrays, as the agent's loop calls it."""
    plan(learner.q_values, learner.step_sizes, learner.visits, learner.dynamics_model, settings,
         rng)


def taught(learner, settings, transition, rng):
    """``learn_and_plan`` on a learner record's arrays, as the agent's loop calls it."""
    learn_and_plan(learner.q_values, learner.step_sizes, learner.visits, learner.dynamics_model,
                   settings, transition, rng)


def test_planning_updates_tried_pairs_with_the_q_learning_target():
    q_values = np.array([[-5.0, -5.0], [-2.0, -8.0], [-4.0, -4.0]])
    model = new_dynamics_model(3, 2, n_start=1)
    learn_model(model, 0, 1, 1, True)  # (0, 1) -> state 1
    learner = planning_learner(q_values.copy(), model)
    planned_q = learner.q_values
    # the target is Q-learning's even for a SARSA agent (a simulated step has no next action)
    for target in ("q_learning", "sarsa"):
        planned_q[:] = q_values
        planned(learner, planning_settings(1, "last", target), np.random.default_rng(0))
        assert planned_q[0, 1] == -5.0 + 0.5 * (-1.0 + -2.0 - -5.0)  # max_b Q(1, b) = -2
        assert (planned_q != q_values).sum() == 1
    learn_model(model, 0, 1, FINISHED, True)
    planned(learner, planning_settings(1, "last"), np.random.default_rng(0))
    assert planned_q[0, 1] == -4.0 + 0.5 * (-1.0 - -4.0)  # the finish: the target is r alone
    assert (learner.visits == 1).all()  # planned updates are not visits


def test_learn_and_plan_teaches_the_model_then_plans():
    # planning_steps 0 (an agent that does not plan): the model learns nothing, nothing is drawn
    q_values = np.array([[-5.0, -5.0], [-2.0, -8.0], [-4.0, -4.0]])
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    idle = planning_learner(q_values.copy(), new_dynamics_model(3, 2, n_start=1))
    taught(idle, planning_settings(0), Transition(0, 1, -1.0, 1, 0, False), rng)
    assert rng.bit_generator.state == before and idle.dynamics_model.n_tried[0] == 0
    np.testing.assert_array_equal(idle.q_values, q_values)
    # one planning step, counts model: the outcome is counted, then (0, 1) is planned from
    assert planning_settings(1).model_kind == COUNTS
    assert planning_settings(1, "last").model_kind == LAST
    learner = planning_learner(q_values.copy(), new_dynamics_model(3, 2, n_start=1))
    for _ in range(2):
        taught(learner, planning_settings(1), Transition(0, 1, -1.0, 1, 0, False), rng)
    assert outcomes_of(learner.dynamics_model, 0, 1) == {1: 2}
    once = -5.0 + 0.5 * (-1.0 + -2.0 - -5.0)  # target r + max_b Q(1, b) = -3
    assert learner.q_values[0, 1] == once + 0.5 * (-1.0 + -2.0 - once)  # planned twice
    # a finishing transition is taught as FINISHED; the last-outcome model keeps only it
    taught(learner, planning_settings(1, "last"), Transition(0, 1, -1.0, 0, 0, True), rng)
    assert outcomes_of(learner.dynamics_model, 0, 1) == {FINISHED: 1}


def test_planning_steps_zero_is_the_agent_without_planning(track1_model):
    plain = train(AgentConfig(num_episodes=2_000), track1_model, n_agents=2, seed=3)
    zero = train(AgentConfig(num_episodes=2_000, planning_steps=0, model_kind="last"),
                 track1_model, n_agents=2, seed=3)
    np.testing.assert_array_equal(plain.q_values, zero.q_values)
    np.testing.assert_array_equal(plain.episode_lengths, zero.episode_lengths)
    planning = train(AgentConfig(num_episodes=2_000, planning_steps=2), track1_model,
                     n_agents=2, seed=3)
    assert not np.array_equal(plain.q_values, planning.q_values)


def test_counts_model_learns_the_true_dynamics(track1_model):
    # For pairs tried often, the counted frequencies estimate P(s'|s, a): the intended successor
    # with probability 0.9, the noisy one (no velocity change) with 0.1.
    config = AgentConfig(num_episodes=300, planning_steps=1)
    learner = Learner.new(track1_model, config)
    run_episodes(learner, track1_model, config, np.random.default_rng(0), 0, 300)
    counts = learner.dynamics_model.counts
    checked = 0
    for state, action in zip(*np.nonzero(counts.sum(axis=2) >= 400), strict=True):
        intended, noisy = track1_model.next_states[state, action]
        if intended < 0 or noisy < 0 or intended == noisy:
            continue  # crashes go to a random start cell; equal outcomes cannot be told apart
        seen = outcomes_of(learner.dynamics_model, state, action)
        assert set(seen) == {intended, noisy}
        total = seen[intended] + seen[noisy]
        assert stats.binomtest(seen[noisy], total, 0.1).pvalue > 1e-4
        checked += 1
    assert checked >= 5


def test_bad_planning_settings_are_named():
    with pytest.raises(RacetrackError, match="planning_steps = -1 is out of range"):
        AgentConfig(planning_steps=-1)
    with pytest.raises(RacetrackError, match="model_kind = 'exact' is not one of counts, last"):
        AgentConfig(model_kind="exact")


def test_updates_count_planned_and_replayed_ones(track1_model):
    config = AgentConfig(num_episodes=50, planning_steps=3, memory_size=100, batch_size=2)
    result = train(config, track1_model, n_agents=1, seed=0)
    np.testing.assert_array_equal(result.eval_updates, result.eval_env_steps * 6)

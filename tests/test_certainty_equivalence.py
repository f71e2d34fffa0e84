"""The certainty-equivalence learner (racetrack_lib/certainty_equivalence.py): its solve is exact,
optimism finds what greed misses, and what it reports depends only on what it has seen."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from racetrack_lib.agent import loop_settings
from racetrack_lib.certainty_equivalence import new_planner, report
from racetrack_lib.config import AgentConfig, for_method
from racetrack_lib.dp import value_iteration
from racetrack_lib.dyna import new_dynamics_model
from racetrack_lib.errors import RacetrackError
from racetrack_lib.mdp import TabularModel
from racetrack_lib.ordered_dp import sweep_order
from racetrack_lib.track import parse_track
from racetrack_lib.training import train

# Two ways from the start line to the finish: up the left column and along the top (10 steps
# or so), or a turn to the right at row 7 into a short dead-straight corridor to the finish
# (the shortcut, hidden behind the turn).
SHORTCUT_TRACK = """\
#.......F
#.......F
#.######F
#.######F
#.######F
#.######F
#.....F##
#..######
SS#######"""


def true_counts(model: TabularModel, samples: int = 10):
    """The counting model an agent would hold had it seen every pair ``samples`` times in the
    exact proportions of the noise (0.1: 9 intended outcomes, 1 noisy)."""
    n_start = len(model.start_states)
    dynamics = new_dynamics_model(model.n_states, 9, n_start)
    outcomes, counts, n_outcomes, _, _ = dynamics
    noisy = round(samples * model.noise)
    for state in range(model.n_states):
        for action in range(9):
            intended, slipped = model.next_states[state, action]
            seen = {int(intended): samples - noisy}
            seen[int(slipped)] = seen.get(int(slipped), 0) + noisy
            for index, (outcome, count) in enumerate((o, c) for o, c in seen.items() if c):
                outcomes[state, action, index], counts[state, action, index] = outcome, count
                n_outcomes[state, action] = index + 1
    return dynamics, np.full((model.n_states, 9), samples, dtype=np.int64)


def test_solving_the_exact_counts_gives_the_dp_optimum():
    """With counts in the true proportions and no penalty, the learned model is the MDP, so one
    solve (ordered sweeps and Newton's steps on the crash value) must give DP's V*."""
    model = TabularModel.build("track1", 0.1)
    dynamics, visits = true_counts(model)
    planner = new_planner(model.n_states, 9, sweep_order(model), -3.0)
    planner.visited[:] = True
    q_values = np.zeros((model.n_states, 9))
    settings = loop_settings(for_method("certainty_equivalence", confidence_penalty=0.0))
    report(dynamics, visits, planner, model.start_states, q_values, settings)
    optimum = value_iteration(model, gamma=1.0, tol=1e-12).values
    assert np.abs(planner.report_values - optimum).max() < 1e-8
    assert np.abs(q_values.max(axis=1) - optimum).max() < 1e-8
    # a penalty makes every pair tried 10 times cost 1/sqrt(10) more per step: values drop
    penalised = np.zeros_like(q_values)
    report(dynamics, visits, planner, model.start_states, penalised,
           settings._replace(confidence_penalty=1.0))
    assert (planner.report_values < optimum - 0.3).all()


def test_optimism_finds_the_hidden_shortcut_that_greed_misses():
    """On a deterministic track, valuing untried pairs at -1 (no pair can do better than one step
    to go) makes the learner try every pair on its way, so it finds the optimum; valuing them as
    a crash, it drives greedily down the first way it found."""
    model = TabularModel.build(parse_track(SHORTCUT_TRACK), 0.0)
    config = for_method("certainty_equivalence", num_episodes=200, untried_value=-1.0,
                        confidence_penalty=0.0, max_episode_steps=1000)
    optimistic = train(config, model, n_agents=8, seed=0, eval_every=50)
    greedy = train(replace(config, untried_pairs="pessimistic"), model, n_agents=8, seed=0,
                   eval_every=50)
    optimum = optimistic.optimal_expected_steps
    assert np.allclose(optimistic.final_expected_steps, optimum, atol=1e-9)
    missed = greedy.final_expected_steps > optimum + 0.5
    assert missed.sum() >= 6, greedy.final_expected_steps


def test_what_it_reports_depends_only_on_what_it_has_seen():
    """The reported policy is solved afresh at every evaluation; evaluating more or less often
    must not change the agent or its numbers."""
    config = for_method("certainty_equivalence", num_episodes=120)
    often, rarely = (train(config, "track1", n_agents=2, seed=5, eval_every=every)
                     for every in (7, 60))
    assert np.array_equal(often.episode_lengths, rarely.episode_lengths)
    assert np.array_equal(often.q_values, rarely.q_values)
    in_often = np.isin(often.eval_episodes, rarely.eval_episodes)
    in_rarely = np.isin(rarely.eval_episodes, often.eval_episodes)
    assert in_often.sum() >= 4  # episodes 1, 2, 5 and 120
    assert np.array_equal(often.greedy_expected_steps[:, in_often],
                          rarely.greedy_expected_steps[:, in_rarely])


def test_the_efficient_preset_learns_track1_in_few_real_steps():
    """A short run of the preset's learner (2 agents): within 10 % of the optimum in well under
    100,000 real steps (the chapter's recorded ladder has 8 agents to the end)."""
    config = replace(for_method("certainty_equivalence"), num_episodes=2500)
    result = train(config, "track1", n_agents=2, seed=0, eval_every=50)
    assert (result.steps_to_within(0.10) < 80_000).all()
    assert (result.final_expected_steps < 1.1 * result.optimal_expected_steps).all()


@pytest.mark.parametrize("knob", ["trace_decay", "memory_size", "planning_steps"])
def test_it_refuses_the_knobs_of_td(knob):
    value = 0.5 if knob == "trace_decay" else 10
    with pytest.raises(RacetrackError, match=rf"{knob} = .*\(certainty equivalence solves"):
        AgentConfig(method="certainty_equivalence", **{knob: value})

"""Chapter 5's explorer opens on Figure 5.6's naive Q(0.9) with the ramp (its curve is the left
part of that figure's), and its question - the largest first-visit step size at which naive
Q(0.9) with a constant lambda keeps a finite table for 20,000 episodes - has an answer on the
slider (between 0.25 and 0.3)."""

import numpy as np
import pytest

from racetrack_lib.config import AgentConfig
from racetrack_lib.errors import RacetrackError
from racetrack_lib.recorded_sweeps import saved_sweep
from racetrack_lib.training import train


def explorer_config(**settings) -> AgentConfig:
    """What explore_traces trains with (alpha_min = min(0.02, alpha))."""
    values = {"target": "q_learning", "trace_decay": 0.9, "alpha": 1.0, "q_lambda": "naive",
              "trace_schedule": "ramp", **settings}
    return AgentConfig(alpha_min=min(0.02, values["alpha"]), num_episodes=20_000, **values)


def test_the_explorer_opens_on_the_first_20000_episodes_of_figure_5_6(track1_model):
    # Figure 5.6's "naive Q(0.9), ramp", as the chapter loads it (tests/test_recorded_sweeps.py
    # checks that the recording is what the library trains)
    figure = saved_sweep("lambda_schedule")["naive Q(0.9), ramp"]
    assert figure.config == AgentConfig(trace_decay=0.9, q_lambda="naive")
    assert (figure.n_agents, figure.seed) == (8, 0)
    explorer = train(explorer_config(), track1_model, n_agents=8, seed=0, eval_every=500,
                     n_jobs=2)
    shared = np.intersect1d(figure.eval_episodes, explorer.eval_episodes)
    assert len(shared) >= 25 and shared.max() == 20_000
    in_figure = np.searchsorted(figure.eval_episodes, shared)
    in_explorer = np.searchsorted(explorer.eval_episodes, shared)
    np.testing.assert_array_equal(figure.greedy_expected_steps[:, in_figure],
                                  explorer.greedy_expected_steps[:, in_explorer])


def test_the_question_has_an_answer_on_the_slider(track1_model):
    constant = {"trace_schedule": "constant"}
    # An agent's training does not depend on how often it is evaluated (evaluations draw from a
    # generator of their own), so the explorer's agents diverge as here; evaluating every 50
    # episodes rather than the explorer's 500 only finds it sooner (a diverged agent drives
    # episodes of 100,000 steps until it is found: 64 s of the test's CPU, now 7 s)
    with pytest.raises(RacetrackError, match="diverged"):
        train(explorer_config(**constant), track1_model, n_agents=8, seed=0, eval_every=50,
              n_jobs=2)  # the opening alpha, 1: the table runs away
    with pytest.raises(RacetrackError, match="diverged"):
        train(explorer_config(alpha=0.3, **constant), track1_model, n_agents=8, seed=0,
              eval_every=50, n_jobs=2)
    finite = train(explorer_config(alpha=0.25, **constant), track1_model, n_agents=8, seed=0,
                   eval_every=500, n_jobs=2)
    assert np.isfinite(finite.q_values).all()

"""Chapter 10's recorded ladder (racetrack_lib/frontier.py, scripts/record_frontier.py): every
saved run is what the library computes, re-trained here for its first episodes, and the presets
are the rungs the chapter names."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from racetrack_lib.ablation import full_agent
from racetrack_lib.config import PRESET_AGENTS, AgentConfig, preset
from racetrack_lib.errors import RacetrackError
from racetrack_lib.frontier import (
    eval_every,
    frontier_configs,
    frontier_row,
    ladder,
    saved_frontier,
)
from racetrack_lib.mdp import TabularModel
from racetrack_lib.training import train

MODEL = TabularModel.build("track1", 0.1)


@pytest.fixture(scope="module")
def saved():
    return saved_frontier()


@pytest.mark.parametrize("label", list(frontier_configs()))
def test_every_saved_run_is_what_the_library_computes(saved, label):
    result = saved[label]
    assert result.config == frontier_configs()[label]
    assert result.n_agents == 8 and result.seed == 0 and result.noise == 0.1
    config = result.config
    # the first checkpoints only (1, 2, 5 episodes, and 10, 20, 40 for certainty
    # equivalence): the early episodes are the longest, and prioritized sweeping's the dearest
    episodes = 40 if config.method == "certainty_equivalence" else 5
    again = train(replace(config, num_episodes=episodes), MODEL, n_agents=1, seed=0,
                  eval_every=eval_every(config))
    shared = len(again.eval_episodes)
    assert np.array_equal(again.eval_episodes, result.eval_episodes[:shared])
    assert np.array_equal(again.eval_env_steps[0], result.eval_env_steps[0, :shared])
    assert np.array_equal(again.greedy_expected_steps[0],
                          result.greedy_expected_steps[0, :shared])


def test_the_rows_are_quartiles_of_the_saved_curves(saved):
    result = saved["+ optimism instead of epsilon"]
    row = frontier_row(result)
    stays = result.steps_to_stay_within()
    assert row["real steps to stay within 10 %"][1] == pytest.approx(np.median(stays))
    assert row["final expected steps"][1] == pytest.approx(
        np.median(result.greedy_expected_steps[:, -1]))


def test_the_presets_are_the_chapters_rungs():
    rungs = ladder()
    assert preset("efficient") == rungs["+ optimism instead of epsilon"]
    assert preset("full-agent") == rungs["+ faster epsilon decay"]
    assert preset("full-agent") == replace(full_agent(AgentConfig(num_episodes=20_000)),
                                           epsilon_decay=0.99)
    assert PRESET_AGENTS["efficient"] == PRESET_AGENTS["full-agent"] == 8
    assert preset("efficient").method == "certainty_equivalence"


def test_the_best_learner_meets_its_target_in_the_recording(saved):
    """The chapter's claim for the preset 'efficient': the median of its 8 agents stays within
    10 % of the optimum from at most 100,000 real steps to the end of the run."""
    result = saved["+ optimism instead of epsilon"]
    stays = np.where(np.isnan(result.steps_to_stay_within()), np.inf,
                     result.steps_to_stay_within())
    assert np.median(stays) <= 100_000
    assert np.median(result.final_expected_steps) <= 1.1 * result.optimal_expected_steps
    assert np.median(result.eval_env_steps[:, -1]) > 1.2 * np.median(stays)  # and well beyond


def test_a_missing_recording_names_the_script(monkeypatch):
    from racetrack_lib import ablation
    monkeypatch.setattr(ablation.resources, "files", lambda package: ablation.Path("/nowhere"))
    with pytest.raises(RacetrackError, match=r"chapter 10's saved runs .*record_frontier"):
        saved_frontier()

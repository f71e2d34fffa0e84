"""The recorded sweeps of chapters 4 to 8 (racetrack_lib/data): made with this library's
settings, and exactly what it computes now - the start of every setting is re-trained here and
compared number for number (an agent's numbers depend only on the seed and its number, and
episode e's epsilon only on e, so the first episodes of a shorter run are those of the saved one).
Each chapter re-trains one recorded agent to the end and compares it too (with its tables, where
the sweep keeps them)."""

from dataclasses import replace

import numpy as np
import pytest

from racetrack_lib import recorded_sweeps
from racetrack_lib.config import AgentConfig, preset
from racetrack_lib.errors import RacetrackError
from racetrack_lib.recorded_sweeps import (
    FIRST_EPISODES,
    RUNS,
    SETTINGS,
    saved_sweep,
    saved_tables,
    sweep_configs,
)
from racetrack_lib.training import default_eval_every, train

FIRST = 20  # episodes re-trained per setting: up to 68,000 real steps per agent
AGENTS = 2  # of the saved agents: the first two


@pytest.fixture(scope="module", params=sorted(SETTINGS))
def sweep(request):
    return request.param, saved_sweep(request.param)


def test_every_setting_is_saved_with_its_config(sweep):
    name, results = sweep
    run = RUNS[name]
    base = preset(run.base) if run.base else AgentConfig()
    assert list(results) == list(SETTINGS[name])
    for label, result in results.items():
        assert result.config == replace(base, num_episodes=run.num_episodes,
                                        **SETTINGS[name][label])
        assert (result.track_name, result.noise, result.seed, result.n_agents) == (
            "track1", 0.1, 0, run.n_agents)
        assert result.eval_episodes[-1] == run.num_episodes
        # the curves only: no episode lengths or Q tables
        assert result.episode_lengths.shape == (run.n_agents, 0)
        assert result.q_values.shape == (run.n_agents, 0, 9)


def test_the_chapters_runs_are_recorded():
    assert RUNS["replay"].num_episodes == RUNS["planning"].num_episodes == 20_000
    assert sweep_configs("combined") == {"combined-150": preset("combined-150")}
    assert RUNS["combined"].n_agents == 20
    assert {name for name, run in RUNS.items() if run.tables} == {"cliff", "lambda_schedule"}


def test_the_start_of_every_setting_is_what_the_library_computes(sweep, track1_model):
    name, results = sweep
    tables = saved_tables(name) if RUNS[name].tables else {}
    for label, saved in results.items():
        config = replace(saved.config, num_episodes=FIRST)
        again = train(config, track1_model, n_agents=AGENTS, seed=0, n_jobs=2,
                      eval_every=default_eval_every(saved.config.num_episodes))
        k = len(again.eval_episodes)
        assert k >= 5 and np.array_equal(again.eval_episodes, saved.eval_episodes[:k]), label
        assert np.array_equal(again.eval_env_steps, saved.eval_env_steps[:AGENTS, :k]), label
        assert np.array_equal(again.greedy_expected_steps,
                              saved.greedy_expected_steps[:AGENTS, :k]), label
        if tables:  # the first episodes' lengths (the policies: each chapter's re-trained agent)
            assert np.array_equal(again.episode_lengths,
                                  tables[label]["first lengths"][:AGENTS, :FIRST]), label


def test_the_tables_have_their_shapes(track1_model):
    for name in ("cliff", "lambda_schedule"):
        results, tables = saved_sweep(name), saved_tables(name)
        assert list(tables) == list(results)
        for kept in tables.values():
            assert kept["greedy policies"].shape == (8, track1_model.n_states)
            assert kept["greedy policies"].dtype == np.int64
            assert kept["start values"].shape == (8, len(track1_model.start_states), 9)
            assert kept["first lengths"].shape == (8, FIRST_EPISODES)


def test_a_sweep_recorded_with_other_settings_is_refused(monkeypatch):
    monkeypatch.setitem(SETTINGS["planning"], "planning 5", {"planning_steps": 6})
    with pytest.raises(RacetrackError, match=r"other settings.*scripts/record_sweeps\.py planning"):
        saved_sweep("planning")


def test_a_missing_file_or_sweep_says_how_to_get_it(monkeypatch):
    with pytest.raises(RacetrackError, match="no recorded sweep 'traces'"):
        sweep_configs("traces")
    with pytest.raises(RacetrackError, match="'replay' keeps no tables"):
        saved_tables("replay")
    monkeypatch.setattr(recorded_sweeps, "file_name", lambda sweep: "absent.npz")
    with pytest.raises(RacetrackError, match=r"chapter 6's recorded sweep.*record_sweeps\.py"):
        saved_sweep("replay")
    monkeypatch.setattr(recorded_sweeps, "tables_file_name", lambda sweep: "absent.npz")
    with pytest.raises(RacetrackError, match=r"chapter 4's recorded sweep.*record_sweeps\.py"):
        saved_tables("cliff")

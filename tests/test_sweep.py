"""Sweeps: the grid, parallel processes giving exactly the serial numbers, and results saved to a
file atomically and loaded back identical."""

import json
import os
import stat
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from racetrack_lib.config import AgentConfig
from racetrack_lib.errors import RacetrackError
from racetrack_lib.results import ARRAYS, CURVES, load_results, save_results
from racetrack_lib.sweep import grid, sweep
from racetrack_lib.training import train


def test_grid_is_every_combination():
    configs = grid(AgentConfig(num_episodes=10), alpha=[0.5, 1.0], trace_decay=[0.0, 0.9, 0.5])
    assert len(configs) == 6
    assert {(c.alpha, c.trace_decay) for c in configs} == {
        (a, t) for a in (0.5, 1.0) for t in (0.0, 0.9, 0.5)}
    assert all(c.num_episodes == 10 for c in configs)


@pytest.fixture(scope="module")
def small_sweep():
    configs = grid(AgentConfig(num_episodes=300), trace_decay=[0.0, 0.9],
                   planning_steps=[0, 2])
    return configs, sweep(configs, "track1", n_agents=2, seed=5, n_jobs=1)


def test_parallel_sweep_equals_serial(small_sweep):
    configs, serial = small_sweep
    parallel = sweep(configs, "track1", n_agents=2, seed=5, n_jobs=2)
    assert [r.config for r in parallel] == configs
    for one, other in zip(serial, parallel, strict=True):
        for name in ("episode_lengths", "greedy_expected_steps", "q_values", "eval_env_steps"):
            np.testing.assert_array_equal(getattr(one, name), getattr(other, name))
    assert not np.array_equal(serial[0].q_values, serial[1].q_values)  # configs do differ


def test_agents_trained_in_parallel_equal_serial():
    config = AgentConfig(num_episodes=300, trace_decay=0.9, memory_size=500, batch_size=4,
                         planning_steps=2)
    serial = train(config, "track1", n_agents=3, seed=2, n_jobs=1)
    parallel = train(config, "track1", n_agents=3, seed=2, n_jobs=2)
    for name in ("episode_lengths", "greedy_expected_steps", "q_values", "eval_env_steps"):
        np.testing.assert_array_equal(getattr(serial, name), getattr(parallel, name))
    alone = train(config, "track1", n_agents=1, seed=2)  # agent 0 whatever runs beside it
    np.testing.assert_array_equal(alone.q_values[0], serial.q_values[0])


def test_curves_only_keeps_the_curves(small_sweep, tmp_path):
    _, results = small_sweep
    path = tmp_path / "curves.npz"
    save_results(path, results, curves_only=True)
    for saved, loaded in zip(results, load_results(path), strict=True):
        for name in CURVES:
            np.testing.assert_array_equal(getattr(saved, name), getattr(loaded, name))
        assert loaded.q_values.shape == (saved.n_agents, 0, 9)
        assert loaded.n_agents == saved.n_agents
        np.testing.assert_array_equal(saved.steps_to_within(), loaded.steps_to_within())
        np.testing.assert_array_equal(saved.seconds_to_within(), loaded.seconds_to_within())


def test_seconds_to_within_reads_the_first_good_checkpoint(small_sweep):
    result = small_sweep[1][0]
    result = replace(result, greedy_expected_steps=np.array([[99.0, 13.0, 12.5, 99.0],
                                                             [99.0, 99.0, 99.0, 99.0]]),
                     eval_seconds=np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]),
                     optimal_expected_steps=12.0)
    np.testing.assert_array_equal(result.seconds_to_within(), [2.0, np.nan])


def test_saved_results_load_back_identical(small_sweep, tmp_path):
    _, results = small_sweep
    path = tmp_path / "sweep.npz"
    save_results(path, results)
    loaded = load_results(path)
    assert len(loaded) == len(results)
    for original, copy in zip(results, loaded, strict=True):
        assert copy.config == original.config
        assert (copy.seed, copy.track_name, copy.noise) == (5, "track1", original.noise)
        assert copy.optimal_expected_steps == original.optimal_expected_steps
        for name in ARRAYS:
            np.testing.assert_array_equal(getattr(copy, name), getattr(original, name))
    assert [p.name for p in tmp_path.iterdir()] == ["sweep.npz"]  # no temporary left


def test_saved_file_has_the_usual_permissions(small_sweep, tmp_path):
    path = tmp_path / "shared.npz"
    save_results(path, small_sweep[1][:1])
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask  # as open() would, not 0o600


def test_interrupted_save_keeps_the_old_file(small_sweep, tmp_path, monkeypatch):
    _, results = small_sweep
    path = tmp_path / "result.npz"
    save_results(path, results[:1])
    before = path.read_bytes()

    def interrupted(file, **arrays):
        file.write(b"PK half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez_compressed", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_results(path, results)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["result.npz"]


def test_loading_a_bad_file_names_it(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a results file")
    with pytest.raises(RacetrackError, match=r"bad\.npz: not a results file saved by racetrack"):
        load_results(bad)
    with pytest.raises(RacetrackError, match=r"missing\.npz: not a results file"):
        load_results(tmp_path / "missing.npz")


def test_bad_n_jobs_is_named():
    with pytest.raises(RacetrackError, match="n_jobs = 0 is out of range"):
        sweep([AgentConfig(num_episodes=1)], n_jobs=0)
    with pytest.raises(RacetrackError, match="n_jobs = -2 is out of range"):
        train(AgentConfig(num_episodes=1), n_jobs=-2)


def test_cli_out_npz_has_the_config_and_seed(tmp_path):
    out = tmp_path / "run.npz"
    completed = subprocess.run(
        [sys.executable, "-m", "racetrack_lib.cli", "train", "track1", "--episodes", "200",
         "--agents", "2", "--seed", "7", "--trace-decay", "0.5", "--json", "--out", str(out)],
        capture_output=True, text=True, check=True)
    summary = json.loads(completed.stdout)
    (result,) = load_results(out)
    assert result.seed == 7 and result.config.trace_decay == 0.5
    assert result.config.to_dict() == summary["config"]
    assert result.final_expected_steps.tolist() == pytest.approx(
        summary["greedy_expected_steps"])

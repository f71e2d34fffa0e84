"""The saved scaling numbers (benchmarks/bench_scaling.py -> racetrack_lib/data/scaling.json):
the full agent's real steps to within 10 % must be what the library computes now, and the
script's merge must keep one phase's numbers while the other is measured again."""

import importlib.util
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from racetrack_lib import TabularModel, expected_steps_from_start
from racetrack_lib.ablation import full_agent
from racetrack_lib.config import AgentConfig
from racetrack_lib.generate import generate_track
from racetrack_lib.ordered_dp import ordered_value_iteration
from racetrack_lib.training import train

ROOT = Path(__file__).parent.parent
SPEC = importlib.util.spec_from_file_location("bench_scaling",
                                              ROOT / "benchmarks" / "bench_scaling.py")
bench = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench)
SAVED = ROOT / "racetrack_lib" / "data" / "scaling.json"


@pytest.fixture(scope="module")
def measured() -> list[dict]:
    """The entries of sizes whose agent phase ran."""
    return [entry for entry in json.loads(SAVED.read_text()) if "agent_config" in entry]


def test_saved_agent_numbers_hang_together(measured):
    assert len(measured) >= 4
    assert [entry["n_states"] for entry in measured] == sorted(
        entry["n_states"] for entry in measured)
    for entry in measured:  # saved before later knobs existed: they take their defaults
        saved = AgentConfig(**entry["agent_config"], num_episodes=full_agent().num_episodes)
        assert saved == full_agent()
        steps = entry["agent_steps_to_within_10pct"]
        reached = sorted(each for each in steps if each is not None)
        assert entry["agent_never"] == len(steps) - len(reached)
        assert entry["agent_band_expected_steps"] == pytest.approx(
            1.1 * entry["agent_optimal_expected_steps"])
        if reached:
            assert entry["agent_steps_to_within_10pct_min"] == reached[0]
        if len(reached) == len(steps):
            assert entry["agent_steps_to_within_10pct_max"] == reached[-1]
            assert entry["agent_steps_to_within_10pct_median"] == np.median(reached)
        for agent, within in enumerate(steps):
            final = entry["agent_final_expected_steps"][agent]
            outside = entry["agent_steps_last_outside"][agent]
            if within is None:  # ran to the budget
                assert outside >= entry["agent_budget_real_steps"] * (
                    1 - entry["agent_eval_resolution"]) / 1.1
                assert final is None or final > entry["agent_band_expected_steps"]
            else:  # located to about the resolution
                assert final <= entry["agent_band_expected_steps"]
                assert outside < within
                assert entry["agent_steps_while_exploring"][agent] <= within


def test_the_smallest_size_is_what_train_computes(measured):
    """Agent 0 of the smallest size, retrained by training.train to the saved number of
    episodes: the same real steps, and a greedy policy just as good (within the band)."""
    entry = measured[0]
    model = TabularModel.build(generate_track(entry["rows"], entry["cols"], seed=1,
                                              shape="corner"), noise=0.1)
    assert model.n_states == entry["n_states"]
    optimum = expected_steps_from_start(model, ordered_value_iteration(model).values)
    assert optimum == pytest.approx(entry["agent_optimal_expected_steps"], abs=1e-9)
    episodes = entry["agent_episodes"][0]
    result = train(replace(full_agent(), num_episodes=episodes), model, n_agents=1,
                   seed=entry["agent_seed"], eval_every=episodes, progress=False)
    assert result.eval_env_steps[0, -1] == entry["agent_steps_to_within_10pct"][0]
    assert result.final_expected_steps[0] == pytest.approx(
        entry["agent_final_expected_steps"][0], rel=1e-12)


def test_merge_replaces_only_the_phases_measured():
    old = [{"rows": 32, "cols": 17, "n_states": 5069, "build_seconds": 9.0, "textbook_sweeps": 1,
            "agent_steps_to_within_10pct": [1, None]},
           {"rows": 60, "cols": 40, "n_states": 18152, "build_seconds": 2.0}]
    timings = {"rows": 32, "cols": 17, "n_states": 5069, "build_seconds": 0.01}
    merged = bench.merge(old, timings, {"size", "timing"})
    assert merged[0] == {"rows": 32, "cols": 17, "n_states": 5069, "build_seconds": 0.01,
                         "agent_steps_to_within_10pct": [1, None]}  # textbook: not measured now
    assert merged[1] == old[1]
    agent = {"rows": 45, "cols": 28, "n_states": 8910, "agent_never": 0}
    assert [entry["rows"] for entry in bench.merge(merged, agent, {"size", "agent"})] == [
        32, 45, 60]


def test_floor_episode_is_where_epsilon_reaches_its_floor():
    config = full_agent()
    floor = bench.floor_episode(config)
    assert config.epsilon(floor) == config.epsilon_min < config.epsilon(floor - 1)
    assert bench.floor_episode(replace(config, epsilon_decay=1.0)) > 10**9
    assert not math.isinf(floor)

"""Chapter 8: the ablation's variants, and the saved runs the chapter reads (they must be exactly
what the library computes now, so a change to the library that moves them fails here)."""

import itertools
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from racetrack_lib import ablation, expected_steps_from_start, policy_evaluation
from racetrack_lib.ablation import (
    COMPONENTS,
    ablation_configs,
    combined_ladder,
    full_agent,
    quartiles,
    saved_ablation,
    saved_best_policy,
    saved_ladder,
    summary,
)
from racetrack_lib.config import AgentConfig, preset
from racetrack_lib.errors import RacetrackError
from racetrack_lib.results import load_results, save_results
from racetrack_lib.training import train

COMPONENT_FIELDS = {name: set(settings) for name, settings in COMPONENTS.items()}


def changed_fields(a: AgentConfig, b: AgentConfig) -> set[str]:
    return {name for name, value in asdict(a).items() if asdict(b)[name] != value}


def test_variants_differ_only_in_their_components():
    variants = ablation_configs()
    plain, full = variants["plain Q-learning"], variants["full agent"]
    assert plain == AgentConfig()
    assert full == full_agent()
    assert (full.trace_decay, full.memory_size, full.batch_size, full.planning_steps) == (
        0.9, 10_000, 32, 10)  # the settings chapter 8 states
    for name, fields in COMPONENT_FIELDS.items():
        assert changed_fields(plain, variants[f"{name} only"]) == fields - {"batch_size"}
        assert changed_fields(full, variants[f"full without {name}"]) == fields - {"batch_size"}


def test_combined_ladder_starts_at_the_preset_and_ends_at_the_defaults():
    ladder = list(combined_ladder(num_episodes=3_000).values())
    assert changed_fields(preset("combined-150"), ladder[0]) == {"num_episodes"}
    last = ladder[-1]
    defaults = AgentConfig()
    for name in ("alpha", "alpha_power", "alpha_min", "gamma", "q_lambda", "trace_schedule",
                 "model_kind"):
        assert getattr(last, name) == getattr(defaults, name), name
    for before, after in itertools.pairwise(ladder):  # each rung changes something
        assert changed_fields(before, after)


def test_quartiles_count_never_as_infinitely_slow():
    assert quartiles(np.array([1.0, 2.0, 3.0, 4.0])) == (1.0, 2.5, 4.0)
    low, median, high = quartiles(np.array([1.0, np.nan, np.nan, 2.0]))
    assert (low, high) == (1.0, np.inf) and median == np.inf


@pytest.fixture(scope="module", name="saved")
def saved_runs():
    return saved_ablation()


def test_saved_ablation_has_the_variants_and_seed(saved):
    for label, result in saved.items():
        assert result.config == ablation_configs()[label], label
        assert (result.seed, result.n_agents, result.track_name) == (0, 8, "track1")
        assert result.eval_episodes[-1] == 100_000


@pytest.mark.parametrize("label", ["plain Q-learning", "traces only"])
def test_saved_ablation_is_what_the_library_computes(saved, track1_model, label):
    run = saved[label]
    again = train(run.config, track1_model, n_agents=8, seed=0)
    np.testing.assert_array_equal(again.greedy_expected_steps, run.greedy_expected_steps)
    np.testing.assert_array_equal(again.eval_env_steps, run.eval_env_steps)
    assert summary(again)["final expected steps"] == summary(run)["final expected steps"]


def test_the_combination_beats_plain_q_learning_in_the_saved_run(saved):
    """Chapter 8's test of the claim: the full agent's median ends within 10 % of the optimum,
    after at most a third of plain Q-learning's real steps."""
    full, plain = saved["full agent"], saved["plain Q-learning"]
    assert np.median(full.final_expected_steps) <= 1.10 * full.optimal_expected_steps
    assert full.median_steps_to_within() <= plain.median_steps_to_within() / 3


def test_saved_best_policy_is_the_best_full_agents(saved, track1_model):
    """Re-deriving it needs the Q table, which is not saved; check its value instead (ties
    between equal Q values are broken at random, so two greedy policies of one table can
    differ by a hair)."""
    policy = saved_best_policy()
    assert policy.shape == (track1_model.n_states,)
    steps = expected_steps_from_start(track1_model, policy_evaluation(track1_model, policy))
    assert steps == pytest.approx(saved["full agent"].final_expected_steps.min(), abs=1e-3)


def test_saved_ladder_agent_0_is_reproduced(track1_model):
    ladder = saved_ladder()
    assert [result.config for result in ladder.values()] == list(combined_ladder().values())
    first = ladder["the combined agent"]
    again = train(first.config, track1_model, n_agents=1, seed=0, eval_every=100)
    np.testing.assert_array_equal(again.greedy_expected_steps[0], first.greedy_expected_steps[0])


def test_missing_saved_runs_name_the_command_that_makes_them(monkeypatch):
    monkeypatch.setattr(ablation, "LADDER_FILE", "no_such_file.npz")
    with pytest.raises(RacetrackError, match=r"no_such_file\.npz.*`python scripts/record_ablation\.py`"):
        saved_ladder()


def test_saved_runs_of_other_settings_are_refused(monkeypatch, tmp_path):
    """A file saved with other configs (an older library) must not load under today's labels."""
    runs = list(saved_ladder().values())
    save_results(tmp_path / "ladder.npz", runs[::-1])
    monkeypatch.setattr(ablation, "_load", lambda name, loader: load_results(tmp_path / name))
    monkeypatch.setattr(ablation, "LADDER_FILE", "ladder.npz")
    with pytest.raises(RacetrackError, match=r"other settings.*`python scripts/record_ablation\.py`"):
        saved_ladder()


def test_landing_page_quotes_the_saved_best_driver(saved):
    """book/index.md states the optimum and the best learned driver's expected steps."""
    landing = (Path(__file__).parent.parent / "book" / "index.md").read_text()
    best = saved["full agent"].final_expected_steps.min()
    optimum = saved["full agent"].optimal_expected_steps
    assert f"{best:.2f} expected steps" in landing and f"({optimum:.2f} expected" in landing
    assert f"{round(100 * (best / optimum - 1))} % above the optimum" in landing

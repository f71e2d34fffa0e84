"""The command line: JSON output that agrees with the library, one-line errors with exit 2."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from reference_racetrack import read_grid, reference_expected_steps

from racetrack_lib import load_track
from racetrack_lib.cli import main
from racetrack_lib.config import AgentConfig


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "racetrack_lib.cli", *args],
        capture_output=True, text=True, timeout=120,
    )


def test_solve_json_agrees_with_independent_solver():
    completed = run_cli("solve", "track1", "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert {"expected_steps_from_start", "per_start_cell", "sweeps", "seconds"} <= set(result)
    reference = reference_expected_steps(read_grid(load_track("track1").to_text()), 0.1)
    assert result["expected_steps_from_start"] == pytest.approx(reference["from_start"], abs=1e-6)
    assert len(result["per_start_cell"]) == 6
    for cell in result["per_start_cell"]:
        key = (cell["row"], cell["col"], 0, 0)
        assert cell["expected_steps"] == pytest.approx(reference["steps"][key], abs=1e-6)


def test_solve_with_noise_and_gamma(capsys):
    assert main(["solve", "track2", "--noise", "0", "--json"]) == 0
    noiseless = json.loads(capsys.readouterr().out)
    assert main(["solve", "track2", "--gamma", "0.9", "--json"]) == 0
    discounted = json.loads(capsys.readouterr().out)
    assert main(["solve", "track2", "--json"]) == 0
    optimal = json.loads(capsys.readouterr().out)
    # Noise only delays the car; a discounted optimum is a policy no faster than the optimum.
    assert noiseless["expected_steps_from_start"] < optimal["expected_steps_from_start"]
    assert discounted["expected_steps_from_start"] >= optimal["expected_steps_from_start"] - 1e-9


def test_solve_text_output(capsys):
    assert main(["solve", "track1"]) == 0
    out = capsys.readouterr().out
    assert "optimal expected steps from the start line: 12.1" in out
    assert main(["solve", "track1", "--gamma", "0.9"]) == 0
    discounted = capsys.readouterr().out  # 12.14 steps: not the optimum in steps, say so
    assert "expected steps of the optimal policy for gamma 0.9 from the start line: 12.14" in (
        discounted)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["solve", "track1", "--noise", "1.5"], "--noise = 1.5 is out of range: allowed [0, 0.9]"),
        (["solve", "track1", "--noise", "1"], "--noise = 1.0 is out of range: allowed [0, 0.9]"),
        (["solve", "track1", "--gamma", "0"], "--gamma = 0.0 is out of range: allowed (0, 1]"),
        (["solve", "track1", "--gamma", "abc"], "argument --gamma: 'abc' is not a number"),
        (["solve", "track9"], "track9: no such track file"),
        (["solve"], "the following arguments are required: track"),
        (["fly", "track1"], "invalid choice: 'fly'"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    completed = run_cli(*args)
    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], completed.stderr
    assert "Traceback" not in completed.stderr


def test_malformed_track_file_names_line_and_column(tmp_path: Path):
    path = tmp_path / "bad.txt"
    path.write_text("#S..F\n#.?..\n")
    completed = run_cli("solve", str(path))
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        f"racetrack: error: {path}:2:3: unknown character '?' "
        "(allowed: '#' wall, '.' track, 'S' start, 'F' finish)"
    )


def test_console_script_is_installed():
    script = shutil.which("racetrack", path=str(Path(sys.executable).parent))
    assert script is not None
    completed = subprocess.run([script, "solve", "tests/data/tracks/straight.txt", "--noise", "0",
                                "--json"], capture_output=True, text=True, timeout=120,
                               cwd=Path(__file__).parent.parent)
    assert json.loads(completed.stdout)["expected_steps_from_start"] == pytest.approx(2.0)


@pytest.fixture(scope="module")
def default_training_runs():
    """The README's default training command, run twice, and with two agents."""
    runs = []
    for agents in ("8", "8", "2"):
        completed = run_cli("train", "track1", "--agents", agents, "--seed", "0", "--json")
        assert completed.returncode == 0, completed.stderr
        runs.append(json.loads(completed.stdout))
    return runs


def test_train_defaults_reach_within_10pct_of_the_optimum(default_training_runs):
    result = default_training_runs[0]
    keys = {"config", "optimal_expected_steps", "greedy_expected_steps", "steps_to_within_10pct",
            "mean_return_last_100", "env_steps", "seconds"}
    assert keys <= set(result)
    assert result["optimal_expected_steps"] == pytest.approx(12.1013, abs=1e-3)
    finals = result["greedy_expected_steps"]
    assert len(finals) == 8 and None not in finals
    assert np.median(finals) <= 1.10 * result["optimal_expected_steps"]
    assert all(isinstance(steps, int) for steps in result["steps_to_within_10pct"])
    for first, lasting in zip(result["steps_to_within_10pct"],
                              result["steps_to_stay_within_10pct"], strict=True):
        assert lasting is None or lasting >= first  # staying within is the stricter measure
    assert result["env_steps"] > 8 * result["config"]["num_episodes"] * 10


def test_train_is_reproducible_and_agents_independent(default_training_runs):
    first, again, two = default_training_runs
    for key in ("greedy_expected_steps", "steps_to_within_10pct", "steps_to_stay_within_10pct",
                "mean_return_last_100", "env_steps"):
        assert first[key] == again[key], key
    for key in ("greedy_expected_steps", "steps_to_within_10pct", "mean_return_last_100"):
        assert two[key] == first[key][:2], key


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--alpha", "1.5"], "--alpha = 1.5 is out of range: allowed (0, 1]"),
        (["--gamma", "-1"], "--gamma = -1.0 is out of range: allowed (0, 1]"),
        (["--epsilon-decay", "0"], "--epsilon-decay = 0.0 is out of range: allowed (0, 1]"),
        (["--jobs", "0"], "--jobs = 0 is out of range: allowed -1 or [1, inf)"),
        (["--target", "td0"], "--target = 'td0' is not one of q_learning, sarsa"),
        (["--episodes", "0"], "--episodes = 0 is out of range"),
        (["--agents", "0"], "--agents = 0 is out of range: allowed [1, 10000]"),
        (["--eval-every", "0"], "--eval-every = 0 is out of range"),
        (["--episodes", "ten"], "argument --episodes: 'ten' is not a whole number"),
        (["--noise", "1"], "--noise = 1.0 is out of range: allowed [0, 0.9]"),
        (["--memory-size", "-5"], "--memory-size = -5 is out of range"),
        (["--memory-size", "10", "--batch-size", "11"],
         "--batch-size = 11 is out of range: allowed [1, --memory-size = 10] with replay"),
        (["--memory-size", "10", "--batch-size", "0"], "--batch-size = 0 is out of range"),
        (["--batch-size", "-1"], "--batch-size = -1 is out of range"),
        (["--alpha-power", "2"], "--alpha-power = 2.0 is out of range: allowed [0, 1]"),
        (["--trace-decay", "1.5"], "--trace-decay = 1.5 is out of range: allowed [0, 1]"),
        (["--trace-schedule", "fast"], "--trace-schedule = 'fast' is not one of ramp, constant"),
    ],
)
def test_train_bad_input_exits_2_naming_the_parameter(args, message):
    completed = run_cli("train", "track1", *args)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], completed.stderr


def test_train_out_file_is_written_whole(tmp_path: Path):
    out = tmp_path / "result.json"
    completed = run_cli("train", "track1", "--agents", "2", "--episodes", "500", "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    saved = json.loads(out.read_text())
    assert saved["agents"] == 2 and len(saved["greedy_expected_steps"]) == 2
    assert "final greedy policies" in completed.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temporary left behind
    # A bad run never touches an existing result.
    before = out.read_text()
    assert run_cli("train", "track1", "--alpha", "2", "--out", str(out)).returncode == 2
    assert out.read_text() == before


def test_combined_preset_sets_the_defaults_and_options_override_it():
    from racetrack_lib.cli import build_parser
    from racetrack_lib.config import PRESETS, preset

    args = build_parser("combined-150").parse_args(["train", "track1", "--preset",
                                                    "combined-150"])
    assert args.agents == 20 and args.num_episodes == 150
    config = preset("combined-150")
    assert (config.q_lambda, config.trace_decay, config.trace_schedule) == ("naive", 0.9,
                                                                           "constant")
    assert (config.alpha, config.alpha_power, config.gamma) == (0.1, 0.0, 0.99)
    assert (config.memory_size, config.batch_size, config.planning_steps) == (10_000, 32, 5)
    assert config.epsilon(0) == 1.0 and config.epsilon(149) == pytest.approx(0.01)
    assert config.epsilon(148) > 0.01
    completed = run_cli("train", "track1", "--preset", "combined-150", "--episodes", "20",
                        "--agents", "2", "--json")
    summary = json.loads(completed.stdout)
    assert summary["agents"] == 2
    assert summary["config"] == {**AgentConfig().to_dict(), **PRESETS["combined-150"],
                                 "num_episodes": 20}


def test_unknown_preset_exits_2():
    completed = run_cli("train", "track1", "--preset", "fast")
    assert completed.returncode == 2
    assert (completed.stderr.strip()
            == "racetrack: error: --preset 'fast' is not one of combined-150, efficient, "
               "full-agent")


def test_the_old_preset_name_is_gone():
    """The preset is named after what it is; "seed" would read as the random seed (--seed)."""
    completed = run_cli("train", "track1", "--preset", "seed")
    assert completed.returncode == 2 and "not one of combined-150" in completed.stderr

"""`racetrack sweep SPEC`: the sweep file is checked field by field, the results folder resumes
an interrupted sweep with identical numbers and refuses another sweep's file, a write killed
halfway never leaves a partial result, and a Dask cluster (two local workers, one of them killed
partway) gives exactly the numbers of the local run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from racetrack_lib.cli import main
from racetrack_lib.results import load_results, save_results
from racetrack_lib.sweeping import (
    SpecError,
    parse_spec,
    prepare_folder,
    read_spec,
    run_sweep,
    summary_rows,
)
from racetrack_lib.sweeping.runner import train_task

SMALL = """\
tracks = ["track1"]
agents = 2
seed = 3
eval_every = 20

[base]
num_episodes = 60

[grid]
planning_steps = [0, 2]
trace_decay = [0.0, 0.5]
"""


def write_spec(folder: Path, text: str = SMALL, name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def assert_same_numbers(results, reference) -> None:
    """Identical arrays, result by result (only the wall-clock seconds may differ)."""
    assert len(results) == len(reference)
    for mine, theirs in zip(results, reference, strict=True):
        assert mine.config == theirs.config
        assert mine.optimal_expected_steps == theirs.optimal_expected_steps
        for name in ("eval_episodes", "eval_env_steps", "greedy_expected_steps"):
            np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The small sweep, run serially in this process: the numbers every other way must give."""
    folder = tmp_path_factory.mktemp("reference")
    return run_sweep(read_spec(write_spec(folder)), folder / "out", progress=False)


# ----- the sweep file ---------------------------------------------------------------------------

def test_the_grid_is_every_combination_in_order():
    spec = parse_spec({"tracks": ["track1", "track2"], "grid": {"alpha": [0.5, 1.0],
                                                               "trace_decay": [0.0, 0.9]}})
    tasks = spec.tasks()
    assert [task.label for task in tasks[:4]] == [
        "alpha=0.5, trace_decay=0.0", "alpha=0.5, trace_decay=0.9",
        "alpha=1.0, trace_decay=0.0", "alpha=1.0, trace_decay=0.9"]
    assert [task.track for task in tasks] == ["track1"] * 4 + ["track2"] * 4
    assert tasks[3].config.alpha == 1.0 and tasks[3].config.trace_decay == 0.9
    assert len({task.key for task in tasks}) == 8


@pytest.mark.parametrize(("text", "named"), [
    ("agents = 2\nepisodes = 10\n", "unknown field 'episodes'"),
    ("[grid]\nplaning_steps = [0, 5]\n", "unknown field 'grid.planing_steps'"),
    ("[base]\nalpha = 2.0\n", "base.alpha = 2.0: alpha = 2.0"),
    ("[grid]\nalpha = [0.5, 1.5]\n", "grid.alpha = 1.5: alpha = 1.5"),
    ("[grid]\nplanning_steps = []\n", "grid.planning_steps: an empty list"),
    ("[grid]\nplanning_steps = 5\n", "grid.planning_steps = 5: must be a list"),
    ("agents = 0\n", "agents = 0: must be a whole number in [1, 10,000]"),
    ("noise = 0.95\n", "noise = 0.95: must be a number in [0, 0.9]"),
    ("tracks = [\"track1\", \"no_such.txt\"]\n", "tracks[1]: no_such.txt: no such track file"),
    ("agents = \n", "not valid TOML"),
])
def test_a_bad_sweep_file_exits_2_with_one_line_naming_the_field(tmp_path, capsys, text, named):
    spec = write_spec(tmp_path, text)
    assert main(["sweep", str(spec)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error
    assert f"racetrack: error: {spec}: " in error and named in error, error
    assert not (tmp_path / "sweep.results").exists()  # nothing written


def test_quartiles_interpolate_and_count_never_above_every_number():
    from racetrack_lib.sweeping.summary import _quartiles

    assert _quartiles(np.array([10.0, 20.0])) == [12.5, 15.0, 17.5]
    assert _quartiles(np.array([10.0, 20.0, 30.0, np.inf])) == [17.5, 25.0, None]
    assert _quartiles(np.array([np.inf, 10.0])) == [None, None, None]
    assert _quartiles(np.array([np.inf, np.inf, 3.0, 5.0, 7.0])) == [5.0, 7.0, None]


def test_a_grid_combination_that_breaks_a_rule_between_fields_is_named():
    with pytest.raises(SpecError, match=r"grid: the combination \{'alpha': 0.01, 'alpha_min': "
                                        r"0.02\}: alpha_min = 0.02 is out of range"):
        parse_spec({"base": {"alpha_min": 0.0},
                    "grid": {"alpha": [0.01, 0.5], "alpha_min": [0.0, 0.02]}})
    with pytest.raises(SpecError, match=r"grid.alpha = 0.01: alpha_min = 0.02"):
        parse_spec({"base": {"alpha_min": 0.02}, "grid": {"alpha": [0.01, 0.5]}})


# ----- running, resuming, refusing --------------------------------------------------------------

def test_two_local_processes_give_the_serial_numbers(tmp_path, reference):
    results = run_sweep(read_spec(write_spec(tmp_path)), tmp_path / "out", jobs=2,
                        progress=False)
    assert_same_numbers(results, reference)


def test_a_rerun_trains_nothing_and_a_changed_file_is_refused(tmp_path, capsys, reference):
    spec = write_spec(tmp_path)
    assert main(["sweep", str(spec), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["trained_now"], first["already_done"]) == (4, 0)
    assert main(["sweep", str(spec), "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert (second["trained_now"], second["already_done"]) == (0, 4)
    assert second["rows"] == first["rows"]
    files = sorted(path.name for path in (tmp_path / "sweep.results").iterdir())
    write_spec(tmp_path, SMALL.replace("seed = 3", "seed = 4"))
    assert main(["sweep", str(spec)]) == 2
    error = capsys.readouterr().err
    assert "holds the results of another sweep (what differs: seed)" in error
    assert sorted(path.name for path in (tmp_path / "sweep.results").iterdir()) == files


def test_the_summary_has_quartiles_of_final_steps_and_real_steps(reference, tmp_path):
    spec = read_spec(write_spec(tmp_path))
    rows = summary_rows(spec.tasks(), reference)
    for row, result in zip(rows, reference, strict=True):
        assert row["final_expected_steps"] == pytest.approx(
            list(np.percentile(result.final_expected_steps, [25, 50, 75])))
        assert row["never"] == int(np.isnan(result.steps_to_within(0.1)).sum())
    assert main(["sweep", str(tmp_path / "sweep.toml"), "--plot", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").stat().st_size > 10_000


def run_killed(command: list[str], folder: Path, after_files: int) -> None:
    """Start `command`, kill it (SIGKILL) once `folder` holds `after_files` result files."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    try:
        while len(list(folder.glob("*.npz"))) < after_files:
            assert process.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "the sweep made no progress"
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait(timeout=30)


def test_a_sweep_killed_partway_resumes_to_the_uninterrupted_numbers(tmp_path, reference):
    spec = write_spec(tmp_path)
    out = tmp_path / "sweep.results"
    command = [sys.executable, "-m", "racetrack_lib.cli", "sweep", str(spec)]
    run_killed(command, out, after_files=2)
    saved = sorted(out.glob("*.npz"))
    assert 2 <= len(saved) < 4
    for path in saved:  # whatever is there is complete
        assert len(load_results(path)) == 1
    assert subprocess.run(command, capture_output=True, text=True, timeout=300).returncode == 0
    assert_same_numbers(run_sweep(read_spec(spec), out, progress=False), reference)
    assert list(out.glob(".*.tmp")) == []


WRITER = """
import sys
from pathlib import Path
from racetrack_lib.results import load_results
from racetrack_lib.sweeping import read_spec, write_result
task = read_spec(sys.argv[1]).tasks()[0]
(result,) = load_results(sys.argv[2])
print("ready", flush=True)
while True:  # rewrite the same result, a large one, until killed
    write_result(Path(sys.argv[3]), task, result, keep_tables=True)
"""


def test_a_write_killed_halfway_never_leaves_a_partial_result(tmp_path):
    spec_path = write_spec(tmp_path, SMALL.replace("num_episodes = 60", "num_episodes = 300"))
    folder = tmp_path / "out"
    folder.mkdir()
    task = read_spec(spec_path).tasks()[0]
    _, expected = train_task(task)
    source = tmp_path / "result.npz"
    save_results(source, [expected])
    kills_mid_write = 0
    for delay in (0.05, 0.17, 0.31, 0.47):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(spec_path), str(source), str(folder)],
            stdout=subprocess.PIPE, text=True)
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        writer.stdout.close()
        kills_mid_write += bool(list(folder.glob(".*.tmp")))
        target = folder / task.file_name
        if target.exists():  # complete, whenever the kill came
            (result,) = load_results(target)
            np.testing.assert_array_equal(result.episode_lengths, expected.episode_lengths)
            np.testing.assert_array_equal(result.q_values, expected.q_values)
    assert kills_mid_write >= 1  # some kills did land inside a write
    prepare_folder(folder, read_spec(spec_path))  # what a rerun does first: clear the leftovers
    assert list(folder.glob(".*.tmp")) == []
    assert (folder / task.file_name).exists()


# ----- on a Dask cluster ------------------------------------------------------------------------

@pytest.fixture
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as local:
        yield local


def test_a_dask_cluster_gives_the_local_numbers(tmp_path, cluster, reference):
    results = run_sweep(read_spec(write_spec(tmp_path)), tmp_path / "out",
                        scheduler=cluster.scheduler_address, progress=False)
    assert_same_numbers(results, reference)


def test_a_worker_killed_partway_has_its_work_done_again_with_the_same_numbers(tmp_path, cluster):
    """Six configurations of about a second each on two workers: when the first is saved, both
    workers are busy, and one of them is killed; its configuration runs again (Dask reschedules
    it, the nanny restarts the worker) and every number equals a serial run's."""
    text = SMALL.replace("num_episodes = 60", "num_episodes = 400").replace(
        "trace_decay = [0.0, 0.5]", "trace_decay = [0.0, 0.5, 0.9]")
    spec = read_spec(write_spec(tmp_path, text))
    killed = []

    def kill_a_worker(task):
        if not killed:
            nanny = next(iter(cluster.workers.values()))
            killed.append(nanny.process.process.pid)
            os.kill(killed[0], signal.SIGKILL)

    results = run_sweep(spec, tmp_path / "cluster", scheduler=cluster.scheduler_address,
                        progress=False, on_saved=kill_a_worker)
    assert killed and len(results) == 6
    assert_same_numbers(results, run_sweep(spec, tmp_path / "serial", progress=False))


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, capsys):
    pytest.importorskip("distributed")
    spec = write_spec(tmp_path)
    started = time.monotonic()
    status = main(["sweep", str(spec), "--scheduler", "tcp://127.0.0.1:9", "--timeout", "2"])
    assert status == 2 and time.monotonic() - started < 60
    assert "no Dask scheduler answered at tcp://127.0.0.1:9" in capsys.readouterr().err


def test_the_sweep_file_of_the_readme_runs(tmp_path):
    text = Path(__file__).resolve().parent.parent.joinpath("README.md").read_text()
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    spec = parse_spec(__import__("tomllib").loads(textwrap.dedent(example)))
    assert len(spec.tasks()) >= 2

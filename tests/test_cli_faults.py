"""The command line under faults: a place --out cannot write, an interruption, values that cannot
work, sizes that cannot fit. Each ends in one line on stderr and a clear exit status, never a
traceback, and never after a whole training run that could not be saved."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from racetrack_lib import cli

TRACKS = Path(__file__).parent / "data" / "tracks"


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "racetrack_lib.cli", *args],
                          capture_output=True, text=True, timeout=timeout)


def one_error_line(completed: subprocess.CompletedProcess) -> str:
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    return lines[0]


@pytest.fixture
def training_must_not_start(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("training started before --out was checked")
    monkeypatch.setattr(cli, "train", refuse)


def bad_destinations(tmp_path: Path) -> list[tuple[str, str]]:
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a folder")
    return [
        (str(tmp_path / "missing" / "result.json"), "does not exist"),
        (str(a_file / "result.json"), "is not a folder"),
        (str(tmp_path), "is a folder, not a file"),
        ("/proc/racetrack_result.npz", "cannot write in /proc"),  # a place nobody writes, root
    ]


def test_a_bad_out_is_refused_before_training(tmp_path, capsys, training_must_not_start):
    for destination, reason in bad_destinations(tmp_path):
        status = cli.main(["train", "track1", "--out", destination])
        error = capsys.readouterr().err.strip()
        assert status == 2, error
        assert error.startswith(f"racetrack: error: --out {destination}: "), error
        assert reason in error and len(error.splitlines()) == 1, error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file.txt"]  # no probe left


def test_a_bad_out_exits_2_with_one_line_from_the_command(tmp_path):
    completed = run_cli("train", "track1", "--out", str(tmp_path / "missing" / "r.npz"))
    assert completed.returncode == 2
    assert "does not exist" in one_error_line(completed)


def test_ctrl_c_says_interrupted_exits_130_and_leaves_nothing(tmp_path):
    out = tmp_path / "result.npz"
    process = subprocess.Popen(
        [sys.executable, "-m", "racetrack_lib.cli", "train", "track1", "--agents", "8",
         "--episodes", "100000", "--jobs", "2", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Interrupt while it trains, as a user would: once its training threads exist (before,
    # Python may still be importing, where no program can catch a Ctrl-C as its own). Python
    # and numpy run 2 or 3 threads; joblib's pool for 2 agents at once adds at least 4.
    deadline = time.monotonic() + 120
    while psutil.Process(process.pid).num_threads() < 6 and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.2)
    assert psutil.Process(process.pid).num_threads() >= 6, "training did not start in 120 s"
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["racetrack: interrupted; nothing was written"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--noise", "-1e-3"], "--noise = -0.001 is out of range: allowed [0, 0.9]"),
    (["--alpha", "-1e-3"], "--alpha = -0.001 is out of range: allowed (0, 1]"),
    (["--episodes", "0"], "--episodes = 0 is out of range"),
    (["--epsilon", "2"], "--epsilon = 2.0 is out of range: allowed [0, 1]"),
    (["--memory-size", "10", "--batch-size", "11"],
     "--batch-size = 11 is out of range: allowed [1, --memory-size = 10] with replay"),
    (["--agents", "10000", "--episodes", "10000000"], "needs about 1.5 TB of memory"),
    (["--agents", "1000", "--jobs", "1000", "--episodes", "10", "--memory-size", "10000000"],
     "1000 at once) needs about"),
])
def test_messages_name_the_option_the_user_typed(capsys, args, message):
    status = cli.main(["train", "track1", *args])
    error = capsys.readouterr().err.strip()
    assert status == 2 and message in error, error
    assert len(error.splitlines()) == 1
    assert "num_episodes" not in error and "epsilon_start" not in error


def test_a_noise_whose_solution_takes_minutes_is_refused_at_once():
    completed = run_cli("solve", "track1", "--noise", "0.9999")
    assert completed.returncode == 2
    line = one_error_line(completed)
    assert "--noise = 0.9999 is out of range: allowed [0, 0.9] (above 0.9 the car" in line, line


def test_value_iteration_stops_as_soon_as_it_sees_it_cannot_converge():
    from racetrack_lib import TabularModel, value_iteration
    from racetrack_lib.errors import RacetrackError

    slow = TabularModel.build("track1", noise=0.9)  # converges after 1,483 sweeps
    with pytest.raises(RacetrackError, match=r"^value iteration would need about 1,4\d\d sweeps "
                                             r"\(noise = 0.9\), more than max_sweeps = 300"):
        value_iteration(slow, max_sweeps=300)
    assert value_iteration(slow, max_sweeps=1_500).sweeps == 1_483  # no false alarm


def test_solve_still_answers_a_high_but_workable_noise():
    completed = run_cli("solve", "track1", "--noise", "0.5", "--json")
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["expected_steps_from_start"] > 20


def test_no_option_value_is_taken_for_an_option(capsys):
    # "-1" after an option is its value, also written with an exponent
    assert cli._negative_numbers_attached(["--seed", "-1e2", "--json"]) == ["--seed=-1e2",
                                                                            "--json"]
    assert cli._negative_numbers_attached(["--json", "--agents", "2"]) == ["--json", "--agents",
                                                                           "2"]
    status = cli.main(["train", "track1", "--seed", "-1e2"])
    assert status == 2
    assert "argument --seed: '-1e2' is not a whole number" in capsys.readouterr().err


@pytest.fixture
def read_only_folder(tmp_path):
    """A read-only file system (a tmpfs mounted read-only): where even root cannot write."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "none", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only file system here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_out_on_a_read_only_file_system_is_refused(read_only_folder, capsys,
                                                   training_must_not_start):
    destination = read_only_folder / "result.json"
    status = cli.main(["train", "track1", "--out", str(destination)])
    assert status == 2
    assert capsys.readouterr().err.strip() == (
        f"racetrack: error: --out {destination}: cannot write in {read_only_folder} "
        "(Read-only file system)")


PATH_PARTS = st.sampled_from(["missing", "a_file.txt", "folder", ".", "..", "new"])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(PATH_PARTS, min_size=0, max_size=3),
       name=st.sampled_from(["result.json", "result.npz", "folder", "a_file.txt", ""]))
def test_any_out_path_writes_a_whole_file_or_exits_2_with_one_line(tmp_path_factory, capsys,
                                                                   parts, name):
    root = tmp_path_factory.mktemp("out")
    (root / "folder").mkdir()
    (root / "a_file.txt").write_text("keep me")
    destination = root.joinpath(*parts, name) if name else root.joinpath(*parts)
    status = cli.main(["train", str(TRACKS / "straight.txt"), "--episodes", "3", "--agents", "1",
                       "--out", str(destination)])
    captured = capsys.readouterr()
    assert status in (0, 2), captured.err
    if status == 2:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"racetrack: error: --out {destination}")
    else:
        assert destination.is_file() and destination.stat().st_size > 0
    assert (root / "a_file.txt").read_text() == "keep me" or destination == root / "a_file.txt"
    leftovers = [p for p in root.rglob(".*") if p.suffix in (".tmp", ".probe")]
    assert leftovers == []  # no temporary or probe file is ever left behind

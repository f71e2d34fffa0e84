"""A chapter that stalls stops the book build fast, with a message naming the chapter and the cell.

scripts/notebook_execution.py executes the chapters for the book (book/conf.py hands it the job
MyST-NB would do). These tests make a notebook stall on purpose, and reproduce the lost wake-up
that made `make book` wait five minutes at chapter 2's explorer and then carry on as if nothing
had happened.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import zmq
import zmq.asyncio
from book_support import ROOT, fetch_web_assets
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

sys.path.insert(0, str(ROOT / "scripts"))
from notebook_execution import (
    ChapterExecutionError,
    SlicedPollChannel,
    execute_notebook,
)

STALL = "time.sleep(600)  # never finishes in time"


def write_notebook(path: Path, *sources: str) -> Path:
    cells = [new_markdown_cell("# A chapter")] + [new_code_cell(source) for source in sources]
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(notebook, path)
    return path


def test_a_stalled_cell_fails_fast_naming_notebook_and_cell(tmp_path):
    """A kernel that uses no CPU for `stall_seconds` is stopped, long before the cell timeout."""
    notebook = write_notebook(tmp_path / "stall.ipynb", "import time", STALL, "after = 1")
    start = time.monotonic()
    with pytest.raises(ChapterExecutionError) as error:
        execute_notebook(notebook, timeout=300, name="notebooks/stall.ipynb", stall_seconds=3)
    assert time.monotonic() - start < 45  # 3 s, plus starting and stopping the kernel
    message = str(error.value)
    assert message.startswith("notebooks/stall.ipynb: cell 2 (code cell 2, first line: "
                              "`time.sleep(600)")
    assert "stalled: its kernel used no CPU for 3 s" in message


def test_a_cell_that_computes_past_the_timeout_fails(tmp_path):
    notebook = write_notebook(tmp_path / "busy.ipynb", "while True:\n    pass")
    start = time.monotonic()
    with pytest.raises(ChapterExecutionError, match=r"busy.ipynb: cell 1 \(code cell 1, first "
                                                    r"line: `while True:`\) did not finish within "
                                                    r"3 s \(the cell timeout\)"):
        execute_notebook(notebook, timeout=3, stall_seconds=60)
    assert time.monotonic() - start < 45


def test_a_kernel_waiting_for_its_own_worker_processes_is_not_stalled(tmp_path):
    """The kernel idles while processes it started compute (joblib's sweeps): that is work."""
    work = "import time\nend = time.time() + 6\nwhile time.time() < end:\n    pass"
    notebook = write_notebook(tmp_path / "workers.ipynb", "import subprocess, sys",
                              f"subprocess.run([sys.executable, '-c', {work!r}], check=True)")
    _, report = execute_notebook(notebook, timeout=60, stall_seconds=3)
    assert report.cell_seconds[2] >= 6


def test_an_error_names_the_cell_and_the_exception(tmp_path):
    notebook = write_notebook(tmp_path / "error.ipynb", "x = 1",
                              "raise ValueError('the track has no start line')")
    with pytest.raises(ChapterExecutionError, match=r"cell 2 \(code cell 2.*raised an error"
                                                    r"(.|\n)*the track has no start line"):
        execute_notebook(notebook, timeout=30)


def test_a_notebook_that_runs_reports_its_time_and_slowest_cell(tmp_path):
    notebook = write_notebook(tmp_path / "fine.ipynb", "x = 6 * 7", "print(x)")
    executed, report = execute_notebook(notebook, timeout=30)
    assert executed.cells[2].outputs[0]["text"] == "42\n"
    assert set(report.cell_seconds) == {1, 2}
    assert "fine.ipynb: executed in" in report.summary()
    assert nbformat.read(notebook, as_version=4).cells[2].outputs == []  # the file is untouched


@pytest.fixture
def stalling_book(tmp_path) -> Path:
    """A one-chapter book with the real book/conf.py; its chapter stalls."""
    fetch_web_assets()
    book = tmp_path / "book"
    (book / "notebooks").mkdir(parents=True)
    for name in ("conf.py", "mathjax_config.js"):
        shutil.copy(ROOT / "book" / name, book / name)
    (book / "_vendor").symlink_to(ROOT / "book" / "_vendor")
    (tmp_path / "scripts").symlink_to(ROOT / "scripts")  # conf.py imports notebook_execution
    (book / "index.md").write_text("# Book\n\n```{toctree}\nnotebooks/stall\n```\n")
    write_notebook(book / "notebooks" / "stall.ipynb", "import time", "x = 1", STALL)
    return book


def test_the_book_build_stops_fast_on_a_stalled_cell(stalling_book, tmp_path):
    """sphinx-build exits non-zero seconds into the stall, naming chapter and cell."""
    start = time.monotonic()
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-D", "racetrack_stall_seconds=3",
         str(stalling_book), str(tmp_path / "html")],
        capture_output=True, text=True, env=dict(os.environ, RACETRACK_REPOSITORY_URL=""))
    assert time.monotonic() - start < 90
    assert build.returncode != 0
    assert "notebooks/stall.ipynb: cell 3 (code cell 3, first line: `time.sleep(600)" in build.stderr
    assert "stalled: its kernel used no CPU for 3 s" in build.stderr


def test_the_book_builds_without_executing_when_asked(stalling_book, tmp_path):
    """-D nb_execution_mode=off (the tests' quick build) does not execute the chapters."""
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-D", "nb_execution_mode=off",
         "-D", "racetrack_stall_seconds=3", str(stalling_book), str(tmp_path / "html")],
        capture_output=True, text=True, env=dict(os.environ, RACETRACK_REPOSITORY_URL=""))
    assert build.returncode == 0, build.stderr
    assert (tmp_path / "html" / "notebooks" / "stall.html").exists()


async def wait_for_reply_after_a_send(channel_class: type, timeout: float) -> tuple[str, float]:
    """What nbclient does at an explorer cell, made deterministic.

    The client waits for the kernel's reply on the shell socket. The reply arrives; before the
    event loop runs again, the client sends on the same socket (nbclient's stand-in for the
    Output widget sends each captured figure back to the kernel, through jupyter_client's
    Session.send, which sends on a plain shadow of the asyncio socket). That send consumes the
    socket's edge-triggered wake-up, so the wait does not notice the reply.
    """
    kernel = zmq.Context.instance().socket(zmq.ROUTER)
    port = kernel.bind_to_random_port("tcp://127.0.0.1")
    client = zmq.asyncio.Context.instance().socket(zmq.DEALER)
    client.connect(f"tcp://127.0.0.1:{port}")
    session = Session(key=b"")
    channel = channel_class(client, session)
    try:
        session.send(client, session.msg("execute_request"))
        identity = kernel.recv_multipart()[0]
        start = time.monotonic()
        waiting = asyncio.ensure_future(channel.get_msg(timeout=timeout))
        await asyncio.sleep(0.1)  # the channel is now waiting on the socket
        session.send(kernel, session.msg("execute_reply"), ident=identity)
        time.sleep(0.2)  # the reply arrives while the event loop is busy...
        session.send(client, session.msg("comm_msg"))  # ...which then sends on the same socket
        reply = await waiting
        return reply["msg_type"], time.monotonic() - start
    finally:
        client.close(0)
        kernel.close(0)


def in_a_fresh_event_loop(coroutine_function, *args):
    """Run a coroutine in an event loop of its own, in a thread of its own: a browser test
    earlier in the same pytest worker leaves Playwright's loop running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(coroutine_function(*args))).result(timeout=120)


def test_a_lost_wake_up_costs_one_slice_not_the_whole_timeout():
    # nbclient's own channel: the reply is taken only when the wait times out, with no error
    msg_type, seconds = in_a_fresh_event_loop(wait_for_reply_after_a_send,
                                              AsyncZMQSocketChannel, 3)
    assert msg_type == "execute_reply" and seconds >= 3
    # the book's channel polls in slices and finds it at the end of the first one
    msg_type, seconds = in_a_fresh_event_loop(wait_for_reply_after_a_send, SlicedPollChannel, 3)
    assert msg_type == "execute_reply" and seconds < 1.5


def test_an_exercise_check_that_does_not_pass_stops_the_chapter(tmp_path):
    """The chapters hold every exercise's solution: the executor runs them with
    RACETRACK_CHECKS_RAISE=1, so a check that fails (or finds a stub) is an error."""
    notebook = write_notebook(
        tmp_path / "exercise.ipynb",
        "from racetrack_lib.exercises import ch01 as exercises",
        "def next_velocity(v_up, v_right, dv_up, dv_right, on_start):\n"
        "    return v_up + dv_up, v_right + dv_right",
        "exercises.check_next_velocity(next_velocity)")
    with pytest.raises(ChapterExecutionError, match=r"(?s)code cell 3.*ExerciseNotPassed.*"
                                                    r"the speed limit"):
        execute_notebook(notebook, timeout=120)

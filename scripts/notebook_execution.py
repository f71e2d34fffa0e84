"""Execute a chapter for the book, and stop with a clear message when a cell stalls.

The book (book/conf.py) executes every chapter with this module instead of MyST-NB's own
executor. Both drive the kernel with nbclient; this one differs in three ways:

1. It does not lose replies. nbclient waits for a cell's reply with one poll of the shell socket
   that lasts the whole cell timeout. While an explorer cell runs, nbclient also sends on that
   socket: its stand-in for the ipywidgets Output widget sends each captured figure back to the
   kernel, through jupyter_client's Session.send, which sends on a plain (not asyncio) view of
   the socket. Such a send consumes the socket's edge-triggered wake-up, and when the kernel's
   reply has just arrived, nothing wakes the poll: the reply sits unread until the poll times out,
   and then nbclient takes it and carries on as if nothing had happened. In `make book` that was
   five minutes of silence at chapter 2's explorer, then success. Measured on a notebook of 40
   explorer cells (20 s timeout): 19 of 1280 explorer cells waited the whole timeout although the
   kernel had replied within a second, with ipykernel 6.31.0 and 7.4.0 and pyzmq 26.4.0, 27.2.0
   and 27.3.0 alike (so no pin of those fixes it), and none of 400 without the Output widget's
   sends. Here the client polls in slices of POLL_SLICE seconds up to the same deadline: a lost
   wake-up costs at most one slice (none of 400 cells stalled), and a reply that is not there by
   the deadline still times out. tests/test_notebook_execution.py reproduces the lost wake-up.
2. A stall stops the build fast, with a message that names the notebook and the cell (its index,
   its number among the code cells and its first line), not a traceback of the executor. A cell
   stalls when its kernel, with the processes it started, uses no CPU for STALL_SECONDS (an idle
   kernel uses none: measured 0.000 s in 20 s) - then the kernel is stopped and the build fails
   at once, however loaded the machine; a cell that computes for longer than the cell timeout
   fails too. (A cell timeout alone cannot be both short and safe: on a loaded 2-core machine
   one cell of chapter 7 took over 120 s of honest computing.)
3. It reports how long each notebook took and its slowest cell.

Usage, to execute notebooks the way the book does (nothing is written back without --write,
which `make notebooks` uses to store the outputs in the .ipynb)::

    python scripts/notebook_execution.py notebooks/02_dynamic_programming.ipynb [--timeout S]
        [--runs N] [--write]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

import nbformat
import psutil
import zmq
from jupyter_client import AsyncKernelManager
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets import Type, default

CELL_TIMEOUT = 300  # seconds a cell may compute; book/conf.py's nb_execution_timeout sets the book's
STALL_SECONDS = 60  # seconds a cell's kernel may use no CPU; book/conf.py's racetrack_stall_seconds
POLL_SLICE = 0.5  # seconds: the longest a lost wake-up can delay a reply
IDLE_SHARE = 0.02  # "no CPU": under 2 % of one core over the last STALL_SECONDS


class ChapterExecutionError(RuntimeError):
    """A cell of a notebook failed, timed out, or its kernel died."""


class SlicedPollChannel(AsyncZMQSocketChannel):
    """A kernel channel whose `get_msg` polls in short slices up to the same deadline."""

    rescued = 0  # shell replies found only at the end of a slice: wake-ups that were lost

    async def get_msg(self, timeout: float | None = None) -> dict:
        assert self.socket is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            now = time.monotonic()
            wait = POLL_SLICE if deadline is None else max(0.0, min(POLL_SLICE, deadline - now))
            if await self.socket.poll(int(wait * 1000)):
                if (wait > 0 and time.monotonic() - now >= wait
                        and self.socket.type == zmq.DEALER):  # the shell, not IOPub
                    SlicedPollChannel.rescued += 1
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


class SlicedPollKernelClient(AsyncKernelClient):
    shell_channel_class = Type(SlicedPollChannel)
    iopub_channel_class = Type(SlicedPollChannel)


class SlicedPollKernelManager(AsyncKernelManager):
    @default("client_factory")
    def _default_client_factory(self) -> type:
        return SlicedPollKernelClient


class StallWatch(threading.Thread):
    """Stops the kernel when, while a cell runs, it and its children use no CPU for `seconds`."""

    def __init__(self, pid: int, seconds: float) -> None:
        super().__init__(daemon=True)
        self.kernel = psutil.Process(pid)
        self.seconds = seconds
        self.cell: int | None = None  # the index of the running cell
        self.stalled: tuple[int, float] | None = None  # (cell, seconds idle) when it stopped it
        self.done = threading.Event()

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in [self.kernel, *self.kernel.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def run(self) -> None:
        samples: list[tuple[float, float]] = []  # (time, CPU seconds) while this cell runs
        watched = None
        while not self.done.wait(1.0):
            cell = self.cell
            if cell != watched:
                samples, watched = [], cell
            if cell is None:
                continue
            try:
                samples.append((time.monotonic(), self.cpu_seconds()))
            except psutil.NoSuchProcess:
                return
            now, cpu = samples[-1]
            samples = [sample for sample in samples if sample[0] >= now - self.seconds - 1.5]
            since, cpu_then = samples[0]
            if now - since >= self.seconds and cpu - cpu_then < IDLE_SHARE * (now - since):
                self.stalled = (cell, now - since)
                self.kernel.kill()  # nbclient notices within a second and stops
                return

    def stop(self) -> None:
        self.done.set()


@dataclass
class ExecutionReport:
    notebook: str
    seconds: float = 0.0
    cell_seconds: dict[int, float] = field(default_factory=dict)

    def summary(self) -> str:
        if not self.cell_seconds:
            return f"{self.notebook}: executed in {self.seconds:.1f} s"
        slowest = max(self.cell_seconds, key=self.cell_seconds.__getitem__)
        return (f"{self.notebook}: executed in {self.seconds:.1f} s "
                f"(slowest: cell {slowest}, {self.cell_seconds[slowest]:.1f} s)")


def describe_cell(notebook: nbformat.NotebookNode, index: int) -> str:
    """'cell 34 (code cell 17, first line: `...`)' for messages."""
    code_number = sum(cell.cell_type == "code" for cell in notebook.cells[: index + 1])
    lines = [line for line in notebook.cells[index].source.splitlines() if line.strip()]
    first = lines[0].strip() if lines else ""
    return f"cell {index} (code cell {code_number}, first line: `{first[:70]}`)"


def execute_notebook(path: Path, timeout: float = CELL_TIMEOUT, name: str | None = None,
                     stall_seconds: float = STALL_SECONDS,
                     ) -> tuple[nbformat.NotebookNode, ExecutionReport]:
    """Execute a copy of `path` in its own folder; return it with a report.

    Raises ChapterExecutionError naming the notebook (as `name`, by default its path) and the
    cell when a cell raises, stalls (its kernel uses no CPU for `stall_seconds`), runs longer
    than `timeout` seconds, or its kernel dies.
    """
    path = Path(path)
    name = name or str(path)
    notebook = nbformat.read(path, as_version=4)
    report = ExecutionReport(name)
    running: dict[str, float | int] = {}

    watch: list[StallWatch] = []

    def kernel_started(notebook) -> None:
        watch.append(StallWatch(client.km.provisioner.pid, stall_seconds))
        watch[0].start()

    def cell_started(cell, cell_index: int) -> None:
        running.update(index=cell_index, start=time.monotonic())
        watch[0].cell = cell_index

    def cell_finished(cell, cell_index: int, execute_reply) -> None:
        watch[0].cell = None
        report.cell_seconds[cell_index] = time.monotonic() - running["start"]

    client = NotebookClient(
        notebook, timeout=timeout, allow_errors=False, kernel_manager_class=SlicedPollKernelManager,
        resources={"metadata": {"path": str(path.resolve().parent)}},
        on_notebook_start=kernel_started, on_cell_execute=cell_started,
        on_cell_executed=cell_finished)
    start = time.monotonic()
    # the chapters as written hold every exercise's solution: a check that does not pass stops
    # the chapter (racetrack_lib.exercises.checking)
    kernel_environment = dict(os.environ, RACETRACK_CHECKS_RAISE="1")
    try:
        client.execute(env=kernel_environment)
    except (CellTimeoutError, CellExecutionError, DeadKernelError) as error:
        where = describe_cell(notebook, running["index"]) if running else "before its first cell"
        if watch and watch[0].stalled:
            what = (f"stalled: its kernel used no CPU for {watch[0].stalled[1]:.0f} s, so it was "
                    "stopped")
        elif isinstance(error, CellTimeoutError):
            what = f"did not finish within {timeout:g} s (the cell timeout)"
        elif isinstance(error, DeadKernelError):
            what = "lost its kernel (it died)"
        else:
            what = f"raised an error:\n{error}"
        raise ChapterExecutionError(f"{name}: {where} {what}") from None
    finally:
        if watch:
            watch[0].stop()
    report.seconds = time.monotonic() - start
    # nbclient takes a reply that is already there when its wait ends: a cell that waited the
    # whole timeout has stalled, even though it "finished" (see the module's docstring)
    stalled = [index for index, seconds in report.cell_seconds.items() if seconds >= timeout]
    if stalled:
        raise ChapterExecutionError(
            f"{name}: {describe_cell(notebook, stalled[0])} waited the whole cell timeout "
            f"({timeout:g} s) for its reply")
    return notebook, report


def _write_atomically(notebook: nbformat.NotebookNode, path: Path) -> None:
    """Replace ``path`` by the executed notebook in one rename: never half a file."""
    temporary = path.with_name(f".{path.name}.tmp")
    nbformat.write(notebook, temporary)
    temporary.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=float, default=CELL_TIMEOUT, help="per cell, seconds")
    parser.add_argument("--stall", type=float, default=STALL_SECONDS,
                        help="seconds a cell's kernel may use no CPU")
    parser.add_argument("--runs", type=int, default=1, help="execute each notebook this often")
    parser.add_argument("--write", action="store_true",
                        help="write the executed notebook back to its file (make notebooks); "
                             "a notebook that fails or stalls is left as it was")
    arguments = parser.parse_args(argv)
    for run in range(arguments.runs):
        for path in arguments.notebooks:
            try:
                executed, report = execute_notebook(path, arguments.timeout,
                                                    stall_seconds=arguments.stall)
            except ChapterExecutionError as error:
                print(f"run {run}: {error}", file=sys.stderr)
                return 1
            if arguments.write:
                _write_atomically(executed, path)
            print(f"run {run}: {report.summary()}; lost wake-ups rescued so far: "
                  f"{SlicedPollChannel.rescued}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

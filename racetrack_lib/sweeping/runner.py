"""Running a sweep into a results folder, resumably, in local processes or on a Dask cluster.

The folder holds ``spec.json`` (what decides the numbers) and one ``.npz`` file per finished
configuration, written atomically (``results.save_results``: a temporary file renamed into
place), so a file that is there is complete. A rerun reads the folder, skips every configuration
whose file is there and trains only the others; a folder written by another sweep file is
refused. Every configuration is trained by ``training.train``, whose agents depend only on
(seed, agent number), so where and in what order the configurations run never changes a number.

Where the work runs:

- ``local`` (the default): ``jobs`` processes on this machine (joblib), one configuration each;
- ``dask``: a Dask distributed cluster, the one at ``scheduler`` (``tcp://host:port``), or
  without an address a local cluster of ``jobs`` worker processes. Workers return each result to
  this process, which writes it: the workers need the library, not the folder. A worker that
  dies has its configuration run again elsewhere (Dask reschedules it).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

from joblib import Parallel, delayed
from tqdm import tqdm  # a text bar on a terminal (a notebook's widget bar would be saved)

from ..errors import RacetrackError
from ..mdp import TabularModel
from ..numba_cache import source_digest
from ..results import TrainingResult, load_results, save_results
from ..training import train
from .spec import SweepSpec, SweepTask

SPEC_FILE = "spec.json"
BACKENDS = ("local", "dask")
CONNECT_TIMEOUT_S = 30


class SweepFolderError(RacetrackError):
    """A results folder that belongs to another sweep, or cannot be used."""


# ----- the folder ------------------------------------------------------------------------------

def prepare_folder(folder: Path, spec: SweepSpec) -> None:
    """Create ``folder`` for ``spec``, or check that it already holds this sweep; remove the
    temporary files an interrupted write can leave (never a result file)."""
    wanted = spec.canonical()
    spec_path = folder / SPEC_FILE
    if spec_path.exists():
        try:
            found = json.loads(spec_path.read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise SweepFolderError(f"{spec_path}: unreadable ({error})") from None
        if found != json.loads(json.dumps(wanted)):
            changed = sorted(key for key in {*found, *wanted}
                             if json.dumps(found.get(key), sort_keys=True)
                             != json.dumps(wanted.get(key), sort_keys=True))
            raise SweepFolderError(
                f"{folder} holds the results of another sweep (what differs: "
                f"{', '.join(changed)}); give another --out folder, or delete this one to start "
                "again")
    else:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write_text_atomically(spec_path, json.dumps(wanted, indent=1, sort_keys=True))
        except OSError as error:
            raise SweepFolderError(f"{folder}: cannot be written ({error.strerror})") from None
    for leftover in folder.glob(".*.tmp"):  # a write killed halfway: never read, now removed
        leftover.unlink(missing_ok=True)


def finished(folder: Path, tasks: list[SweepTask]) -> set[int]:
    """The indices of the tasks whose result file is in the folder."""
    return {task.index for task in tasks if (folder / task.file_name).exists()}


def write_result(folder: Path, task: SweepTask, result: TrainingResult,
                 keep_tables: bool = False) -> Path:
    """Save one configuration's result, atomically (complete, or not at all)."""
    path = folder / task.file_name
    save_results(path, [result], curves_only=not keep_tables)
    return path


def load_sweep(folder: Path, tasks: list[SweepTask]) -> list[TrainingResult]:
    """Every task's result from the folder, in the sweep's order."""
    results = []
    for task in tasks:
        try:
            (result,) = load_results(folder / task.file_name)
        except (OSError, ValueError, KeyError) as error:
            raise SweepFolderError(f"{folder / task.file_name}: unreadable ({error}); delete "
                                   "it and rerun the sweep to compute it again") from None
        results.append(result)
    return results


def _write_text_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text + "\n")
    os.replace(temporary, path)


# ----- the work ---------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _model(track: str, noise: float) -> TabularModel:
    """Each process builds a track's model once, however many configurations it trains on it."""
    return TabularModel.build(track, noise)


def train_task(task: SweepTask) -> tuple[int, TrainingResult]:
    """Train one configuration (in whatever process runs it); returns ``(index, result)``."""
    result = train(task.config, _model(task.track, task.noise), n_agents=task.agents,
                   seed=task.seed, eval_every=task.eval_every, progress=False, n_jobs=1)
    return task.index, result


def run_sweep(spec: SweepSpec, folder: str | Path, backend: str = "local", jobs: int = 1,
              scheduler: str | None = None, keep_tables: bool = False,
              progress: bool | None = None, on_saved: Callable[[SweepTask], None] | None = None,
              stall_timeout: float = 3600.0) -> list[TrainingResult]:
    """Run every configuration of ``spec`` not yet in ``folder``, saving each as it finishes;
    return all the results, in the sweep's order.

    Args:
        backend: ``"local"`` (processes here) or ``"dask"`` (a Dask cluster).
        jobs: local processes, or the local cluster's workers (``dask`` without ``scheduler``).
        scheduler: a Dask scheduler's address, ``tcp://host:port`` (implies ``dask``).
        keep_tables: also save each agent's episode lengths and final Q table (large).
        progress: show a progress bar (on standard error); ``None``: when it is a terminal.
        on_saved: called with each task as soon as its file is written.
        stall_timeout: give up if no configuration finishes for this many seconds (what is
            finished stays; a rerun goes on from there).
    """
    if backend not in BACKENDS:
        raise RacetrackError(f"backend = {backend!r} is not one of {', '.join(BACKENDS)}")
    if scheduler is not None:
        backend = "dask"
    folder = Path(folder)
    prepare_folder(folder, spec)
    tasks = spec.tasks()
    done = finished(folder, tasks)
    todo = [task for task in tasks if task.index not in done]
    bar = tqdm(total=len(tasks), initial=len(done), unit="config", desc="sweep",
               disable=None if progress is None else not progress)  # None: on a terminal only
    by_index = {task.index: task for task in tasks}
    run = _run_local if backend == "local" else _run_dask
    outcomes = run(todo, jobs, scheduler, stall_timeout)
    try:
        for index, result in outcomes:
            write_result(folder, by_index[index], result, keep_tables)
            bar.update(1)
            if on_saved is not None:
                on_saved(by_index[index])
    finally:
        bar.close()
        if hasattr(outcomes, "close"):
            outcomes.close()  # stop the workers, close the cluster
    return load_sweep(folder, tasks)


def _run_local(todo: list[SweepTask], jobs: int, scheduler: str | None,
               stall_timeout: float) -> Iterator[tuple[int, TrainingResult]]:
    if not todo:
        return iter(())
    if jobs == 1:  # in this process, one after another
        return (train_task(task) for task in todo)
    parallel = Parallel(n_jobs=jobs, return_as="generator_unordered", timeout=stall_timeout)
    return parallel(delayed(train_task)(task) for task in todo)


def _run_dask(todo: list[SweepTask], jobs: int, scheduler: str | None,
              stall_timeout: float) -> Iterator[tuple[int, TrainingResult]]:
    try:
        from distributed import Client, LocalCluster, wait
    except ImportError:
        raise RacetrackError("the dask backend needs Dask's distributed scheduler: "
                             "pip install 'racetrack-rl[cluster]'") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        scheduler = cluster.scheduler_address
    connect_timeout = min(CONNECT_TIMEOUT_S, stall_timeout)
    try:
        client = Client(scheduler, timeout=connect_timeout)
    except (OSError, TimeoutError) as error:
        if cluster is not None:
            cluster.close()
        raise RacetrackError(f"no Dask scheduler answered at {scheduler} within "
                             f"{connect_timeout:g} s ({type(error).__name__})") from None
    try:
        try:
            client.wait_for_workers(1, timeout=connect_timeout)
        except TimeoutError:
            raise RacetrackError(f"the Dask scheduler at {scheduler} has no workers (waited "
                                 f"{connect_timeout:g} s)") from None
        _check_workers(client)
        pending = {client.submit(train_task, task, key=f"racetrack-{task.index}-{task.key}",
                                 retries=3) for task in todo}
        while pending:
            started = time.monotonic()
            done, pending = wait(pending, timeout=stall_timeout, return_when="FIRST_COMPLETED")
            if not done:
                raise RacetrackError(
                    f"no configuration finished in {time.monotonic() - started:.0f} s on "
                    f"{scheduler}; are its workers alive? What finished is saved: rerun to go on")
            for future in done:
                yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_workers(client) -> None:
    """Every worker must run this version of the library (else its numbers could differ)."""
    digests = client.run(source_digest)
    if not digests:
        raise RacetrackError(f"the Dask cluster at {client.scheduler.address} has no workers")
    ours = source_digest()
    others = sorted(worker for worker, digest in digests.items() if digest != ours)
    if others:
        raise RacetrackError(f"worker {others[0]} runs another version of racetrack_lib than "
                             "this machine: install the same version on every worker")

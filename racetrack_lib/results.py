"""Training results saved to and loaded from files.

Results are saved as one ``.npz`` file: the arrays of each result, and a JSON record of what
produced them (the config, track, noise, seed, optimum, seconds). The file is written to a
temporary name in the same folder and renamed over the target only when complete, so an
interrupted save never leaves a corrupt file, and an older file survives a failed one.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .config import AgentConfig
from .errors import RacetrackError
from .training import TrainingResult

ARRAYS = ("episode_lengths", "eval_episodes", "eval_env_steps", "eval_seconds",
          "greedy_expected_steps", "q_values")
RECORD = ("track_name", "noise", "seed", "optimal_expected_steps", "seconds")


CURVES = ("eval_episodes", "eval_env_steps", "eval_seconds", "greedy_expected_steps")


def save_results(path: str | Path, results: list[TrainingResult],
                 curves_only: bool = False) -> None:
    """Write ``results`` to ``path`` (``.npz``) atomically: complete, or not at all.

    ``curves_only`` keeps the learning curves (every array of ``CURVES``) but not the episode
    lengths and Q tables (megabytes per result); they load back as empty arrays, ``(A, 0)`` and
    ``(A, 0, 9)``."""
    path = Path(path)
    arrays = {}
    records = []
    for index, result in enumerate(results):
        for name in ARRAYS:
            value = getattr(result, name)
            if curves_only and name not in CURVES:
                value = value[:, :0]  # keep the agent axis: n_agents still reads right
            arrays[f"{index}/{name}"] = value
        record = {name: getattr(result, name) for name in RECORD}
        records.append({**record, "config": result.config.to_dict()})
    arrays["records"] = np.array(json.dumps(records))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez_compressed(file, **arrays)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; save like open()
        os.replace(temporary, path)  # atomic on the same file system
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's file-creation mask (reading it means setting it, so set it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load_results(path: str | Path) -> list[TrainingResult]:
    """Read results written by :func:`save_results`."""
    path = Path(path)
    try:
        with np.load(path) as stored:
            records = json.loads(str(stored["records"]))
            return [
                TrainingResult(
                    config=AgentConfig.from_dict(record["config"]),
                    **{name: record[name] for name in RECORD},
                    **{name: stored[f"{index}/{name}"] for name in ARRAYS},
                )
                for index, record in enumerate(records)
            ]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as error:
        raise RacetrackError(f"{path}: not a results file saved by racetrack ({error})") from None

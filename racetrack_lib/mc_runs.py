"""Chapter 3's saved run of on-policy Monte Carlo control, too long to train in a chapter.

``scripts/record_monte_carlo.py`` trains what ``racetrack train track1 --method mc_on_policy
--agents 8 --seed 0`` trains and saves its learning curves and its best agent's greedy policy in
the library's ``data`` folder (installed with it); ``tests/test_mc_runs.py`` re-trains the start
of the run and checks the saved numbers against the library.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar

import numpy as np

from .config import for_method
from .errors import RacetrackError
from .results import TrainingResult, load_results

SAVED_RUN = "monte_carlo_on_policy_track1.npz"
SAVED_BEST_POLICY = "monte_carlo_best_policy_track1.npy"
RECREATE = "python scripts/record_monte_carlo.py"

Loaded = TypeVar("Loaded")


def saved_on_policy_run() -> TrainingResult:
    """The saved run: 8 agents of ``for_method("mc_on_policy")`` on track 1, seed 0 (learning
    curves only: no episode lengths or Q tables)."""
    (result,) = _load(SAVED_RUN, load_results)
    if result.config != for_method("mc_on_policy"):
        raise RacetrackError(f"{SAVED_RUN}: saved with other settings than this version of the "
                             f"library's Monte Carlo defaults; recreate it with `{RECREATE}`")
    return result


def saved_best_policy() -> np.ndarray:
    """The greedy policy of the saved run's best agent, one action per state of track 1."""
    return _load(SAVED_BEST_POLICY, np.load).astype(np.int64)


def _load(name: str, loader: Callable[[Path], Loaded]) -> Loaded:
    resource = resources.files(__package__).joinpath("data", name)
    if not resource.is_file():
        raise RacetrackError(f"{name}: chapter 3's saved run is not in this installation of "
                             f"racetrack_lib; recreate it from a clone with `{RECREATE}`")
    with resources.as_file(resource) as path:
        return loader(path)

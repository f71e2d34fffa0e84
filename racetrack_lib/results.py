"""Training results: what :func:`training.train` measured, and how it is saved to and loaded
from files.

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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import AgentConfig
from .errors import RacetrackError

WITHIN = 0.10  # "within 10 % of the optimum"


@dataclass
class TrainingResult:
    """What :func:`train` measured. Shapes use A agents, E episodes, K evaluations.

    Attributes:
        config: the hyperparameters.
        track_name, noise, seed: what was trained on, and the root seed.
        optimal_expected_steps: the DP optimum from the start line.
        episode_lengths: ``(A, E)`` steps of every episode (the return is minus this).
        eval_episodes: ``(K,)`` episodes completed at each evaluation.
        eval_env_steps: ``(A, K)`` real steps taken by then.
        eval_seconds: ``(A, K)`` seconds of learning by then (wall time of the learning loop,
            without the evaluations).
        greedy_expected_steps: ``(A, K)`` exact expected steps of the greedy policy then
            (``inf``: the policy does not finish with probability 1).
        q_values: ``(A, n_states, 9)`` the final tables.
        seconds: wall time of the training (without the DP solve).
    """

    config: AgentConfig
    track_name: str
    noise: float
    seed: int
    optimal_expected_steps: float
    episode_lengths: np.ndarray
    eval_episodes: np.ndarray
    eval_env_steps: np.ndarray
    eval_seconds: np.ndarray
    greedy_expected_steps: np.ndarray
    q_values: np.ndarray
    seconds: float

    @property
    def n_agents(self) -> int:
        return self.episode_lengths.shape[0]

    @property
    def eval_updates(self) -> np.ndarray:
        """``(A, K)`` TD updates made by each evaluation: one per real step plus the replayed
        and planned ones (``batch_size`` and ``planning_steps`` per step; replays counted from
        the first step, a slight overcount while the memory holds fewer than a batch)."""
        per_step = 1 + self.config.replayed_per_step + self.config.planning_steps
        return self.eval_env_steps * per_step

    @property
    def returns(self) -> np.ndarray:
        """``(A, E)`` undiscounted return of every episode: -1 per step."""
        return -np.abs(self.episode_lengths).astype(float)

    @property
    def final_expected_steps(self) -> np.ndarray:
        """``(A,)`` exact expected steps of each agent's final greedy policy."""
        return self.greedy_expected_steps[:, -1]

    @property
    def env_steps(self) -> int:
        """Real environment steps taken by all agents together."""
        return int(np.abs(self.episode_lengths).sum())

    def _first_within(self, fraction: float) -> tuple[np.ndarray, np.ndarray]:
        """``(A,)`` index of each agent's first evaluation within ``fraction`` of the optimum,
        and ``(A,)`` whether it ever was."""
        good = self.greedy_expected_steps <= (1 + fraction) * self.optimal_expected_steps
        return np.argmax(good, axis=1), good.any(axis=1)

    def _stays_within(self, fraction: float) -> tuple[np.ndarray, np.ndarray]:
        """``(A,)`` index of each agent's first evaluation from which *every* later evaluation
        is within ``fraction`` of the optimum, and ``(A,)`` whether there is one (the last
        evaluation is within)."""
        good = self.greedy_expected_steps <= (1 + fraction) * self.optimal_expected_steps
        # good_from_here[:, k] is True when evaluations k, k+1, ..., K-1 are all within
        good_from_here = np.flip(np.logical_and.accumulate(np.flip(good, axis=1), axis=1), axis=1)
        return np.argmax(good_from_here, axis=1), good_from_here[:, -1]

    def steps_to_within(self, fraction: float = WITHIN) -> np.ndarray:
        """``(A,)`` real steps until the greedy policy was *first* within ``fraction`` of the
        optimum (``nan`` if never): the sample efficiency of each agent. An agent may leave the
        band again later; :meth:`steps_to_stay_within` counts only the entry that lasts."""
        first, reached = self._first_within(fraction)
        steps = self.eval_env_steps[np.arange(self.n_agents), first].astype(float)
        return np.where(reached, steps, np.nan)

    def steps_to_stay_within(self, fraction: float = WITHIN) -> np.ndarray:
        """``(A,)`` real steps until the greedy policy was within ``fraction`` of the optimum
        *and stayed within* at every later evaluation (``nan`` if the final policy is outside):
        the stricter measure, never smaller than :meth:`steps_to_within`."""
        first, stays = self._stays_within(fraction)
        steps = self.eval_env_steps[np.arange(self.n_agents), first].astype(float)
        return np.where(stays, steps, np.nan)

    def seconds_to_within(self, fraction: float = WITHIN) -> np.ndarray:
        """``(A,)`` seconds of learning (one core, evaluations excluded) until the greedy policy
        was first within ``fraction`` of the optimum (``nan`` if never)."""
        first, reached = self._first_within(fraction)
        return np.where(reached, self.eval_seconds[np.arange(self.n_agents), first], np.nan)

    def seconds_to_stay_within(self, fraction: float = WITHIN) -> np.ndarray:
        """``(A,)`` seconds of learning (evaluations excluded) until the evaluation from which
        the greedy policy stayed within ``fraction`` of the optimum (``nan`` if it did not)."""
        first, stays = self._stays_within(fraction)
        return np.where(stays, self.eval_seconds[np.arange(self.n_agents), first], np.nan)

    def median_steps_to_within(self, fraction: float = WITHIN) -> float:
        """The median over agents of :meth:`steps_to_within`, an agent that never got there
        counting as infinitely slow (so the median is ``inf`` when half of them never did)."""
        return _median_with_never(self.steps_to_within(fraction))

    def median_steps_to_stay_within(self, fraction: float = WITHIN) -> float:
        """The median over agents of :meth:`steps_to_stay_within`, an agent whose final policy
        is outside counting as infinitely slow."""
        return _median_with_never(self.steps_to_stay_within(fraction))

    def mean_return_last(self, episodes: int = 100) -> np.ndarray:
        """``(A,)`` mean return of each agent's last ``episodes`` episodes."""
        return self.returns[:, -episodes:].mean(axis=1)


def _median_with_never(steps: np.ndarray) -> float:
    """The median of ``steps``, ``nan`` (never) counting as infinitely many."""
    return float(np.median(np.where(np.isnan(steps), np.inf, steps)))


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

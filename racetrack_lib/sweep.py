"""Hyperparameter sweeps in parallel processes.

A sweep trains every configuration of a list with the same seed, each in its own process
(joblib). Every agent's random stream depends only on the seed and the agent's number
(``training.agent_generators``), so a parallel sweep gives exactly the numbers of a serial one
(tested); only the wall times differ. ``results.save_results`` stores what a sweep returns.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

from joblib import Parallel, delayed

from .config import AgentConfig
from .mdp import TabularModel
from .results import TrainingResult
from .track import Track
from .training import check_n_jobs, train


def grid(base: AgentConfig, **values: list) -> list[AgentConfig]:
    """Every combination of the given values, each applied to ``base``:
    ``grid(AgentConfig(), alpha=[0.5, 1.0], trace_decay=[0, 0.9])`` gives 4 configs."""
    names = list(values)
    return [replace(base, **dict(zip(names, combination, strict=True)))
            for combination in itertools.product(*(values[name] for name in names))]


def sweep(configs: list[AgentConfig], track: str | Path | Track | TabularModel = "track1",
          n_agents: int = 8, seed: int = 0, noise: float = 0.1, n_jobs: int = 1,
          eval_every: int | None = None) -> list[TrainingResult]:
    """Train each config (``n_agents`` agents, the same ``seed``), ``n_jobs`` processes at once
    (``-1``: one per core). Returns the results in the order of ``configs``."""
    check_n_jobs(n_jobs)
    jobs = (delayed(train)(config, track, n_agents, seed, noise, eval_every, False, n_jobs=1)
            for config in configs)
    return Parallel(n_jobs=n_jobs)(jobs)

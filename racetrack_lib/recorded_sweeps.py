"""The recorded runs of chapters 4 to 8: the settings a chapter compares, each trained by
several agents for thousands of episodes, too long to train every time a chapter runs.

``scripts/record_sweeps.py`` trains every setting of a sweep (the library's defaults, or a
preset's, plus the setting's own fields; every setting the same agents, seed 0) and saves the
results in this package's ``data`` folder, installed with the library, so the chapters load them
wherever they run: the learning curves (every agent's greedy policy valued exactly at each
evaluation, with its real steps and its seconds of learning, on the machine that recorded them),
not the episode lengths and Q tables (megabytes). Where a chapter reads more than the curves, a
second file keeps just that (``saved_tables``): each agent's final greedy policy, its Q values
at the start states and the lengths of its first 1,000 episodes. ``tests/test_recorded_sweeps.py``
re-trains the start of every setting and checks that the saved numbers are exactly what the
library computes now; each chapter re-trains one recorded agent to the end and compares too.

- ``"cliff"`` (chapter 4): Q-learning and SARSA exploring with a constant epsilon of 0.5,
  100,000 episodes, with tables.
- ``"lambda"`` (chapter 5): Watkins's Q(λ) and SARSA(λ) with λ = 0, 0.5 and 0.9, 100,000
  episodes.
- ``"lambda_schedule"`` (chapter 5): λ = 0.9 constant (SARSA, Watkins) and naive Q(0.9) with the
  ramp, 100,000 episodes, with tables.
- ``"replay"`` (chapter 6): no replay; memories of 1,000, 10,000 and 100,000 transitions with
  batches of 8; a memory of 10,000 with batches of 2. 20,000 episodes.
- ``"planning"`` (chapter 7): no planning; 5, 10 and 50 planning steps with the counting model;
  10 with the last-outcome model. 20,000 episodes.
- ``"combined"`` (chapter 8): the preset ``combined-150``, 20 agents x 150 episodes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TypeVar

import numpy as np

from .config import PRESET_AGENTS, AgentConfig, preset
from .errors import RacetrackError
from .mdp import TabularModel
from .policy import greedy_actions
from .results import TrainingResult, load_results

Loaded = TypeVar("Loaded")

NUM_EPISODES = 20_000  # chapters 6 and 7's sweeps
N_AGENTS = 8
SEED = 0
TRACK = "track1"
NOISE = 0.1
FIRST_EPISODES = 1_000  # the episode lengths kept with the tables
RECREATE = "python scripts/record_sweeps.py"  # from a clone of the repository
TABLES = ("greedy policies", "start values", "first lengths")  # what saved_tables keeps

EXPLORING = {"epsilon_start": 0.5, "epsilon_decay": 1.0, "epsilon_min": 0.5}  # chapter 4's cliff
SETTINGS: dict[str, dict[str, dict]] = {
    "cliff": {
        "q_learning": {"target": "q_learning", **EXPLORING},
        "sarsa": {"target": "sarsa", **EXPLORING},
    },
    "lambda": {
        f"{name}({trace_decay})": {"target": target, "trace_decay": trace_decay}
        for target, name in (("q_learning", "Watkins Q"), ("sarsa", "SARSA"))
        for trace_decay in (0.0, 0.5, 0.9)
    },
    "lambda_schedule": {
        "SARSA(0.9), constant λ": {"target": "sarsa", "trace_decay": 0.9,
                                   "trace_schedule": "constant"},
        "Watkins Q(0.9), constant λ": {"trace_decay": 0.9, "trace_schedule": "constant"},
        "naive Q(0.9), ramp": {"trace_decay": 0.9, "q_lambda": "naive"},
    },
    "replay": {
        "no replay": {},
        "memory 1,000, batch 8": {"memory_size": 1_000, "batch_size": 8},
        "memory 10,000, batch 8": {"memory_size": 10_000, "batch_size": 8},
        "memory 100,000, batch 8": {"memory_size": 100_000, "batch_size": 8},
        "memory 10,000, batch 2": {"memory_size": 10_000, "batch_size": 2},
    },
    "planning": {
        "no planning": {},
        "planning 5": {"planning_steps": 5},
        "planning 10": {"planning_steps": 10},
        "planning 50": {"planning_steps": 50},
        "planning 10, last outcome": {"planning_steps": 10, "model_kind": "last"},
    },
    "combined": {"combined-150": {}},
}


@dataclass(frozen=True)
class Run:
    """How every setting of a sweep trains, besides its own fields.

    Attributes:
        chapter: the chapter that loads it.
        num_episodes: episodes per agent.
        n_agents: agents per setting (the same agents, seed 0, for every setting).
        base: the preset the settings change, or ``None`` for the library's defaults.
        tables: whether the sweep also keeps, per agent, the greedy policy, the start states'
            Q values and the first episodes' lengths (``saved_tables``).
    """

    chapter: int
    num_episodes: int = NUM_EPISODES
    n_agents: int = N_AGENTS
    base: str | None = None
    tables: bool = False


RUNS = {
    "cliff": Run(4, num_episodes=100_000, tables=True),
    "lambda": Run(5, num_episodes=100_000),
    "lambda_schedule": Run(5, num_episodes=100_000, tables=True),
    "replay": Run(6),
    "planning": Run(7),
    "combined": Run(8, num_episodes=150, n_agents=PRESET_AGENTS["combined-150"],
                    base="combined-150"),
}
CHAPTERS = {sweep: run.chapter for sweep, run in RUNS.items()}


def file_name(sweep: str) -> str:
    """The name of ``sweep``'s file in the package's ``data`` folder."""
    _check_sweep(sweep)
    return f"{sweep}_sweep_{TRACK}.npz"


def tables_file_name(sweep: str) -> str:
    """The name of the file of ``sweep``'s tables (``saved_tables``) in the ``data`` folder."""
    _check_sweep(sweep)
    return f"{sweep}_sweep_tables_{TRACK}.npz"


def sweep_configs(sweep: str) -> dict[str, AgentConfig]:
    """Every setting of ``sweep`` as the config it trains, by label: the base (the library's
    defaults or the run's preset) with the run's number of episodes and the setting's fields,
    e.g. ``AgentConfig(num_episodes=20_000, **setting)``."""
    _check_sweep(sweep)
    run = RUNS[sweep]
    base = preset(run.base) if run.base else AgentConfig()
    return {label: replace(base, num_episodes=run.num_episodes, **fields)
            for label, fields in SETTINGS[sweep].items()}


def saved_sweep(sweep: str) -> dict[str, TrainingResult]:
    """The saved results of ``sweep`` (a key of ``SETTINGS``), by label, each checked to be the
    run of its config: the run's agents (``RUNS``), seed 0, track 1 with noise 0.1. The episode
    lengths and Q tables are not saved (they load as empty arrays, ``(A, 0)`` and ``(A, 0, 9)``,
    so ``env_steps`` is 0: the real steps are ``eval_env_steps``); the seconds are those of the
    recording."""
    configs = sweep_configs(sweep)
    results = _load(sweep, file_name(sweep), load_results)
    recorded = [(result.config, result.track_name, result.noise, result.seed, result.n_agents)
                for result in results]
    expected = [(config, TRACK, NOISE, SEED, RUNS[sweep].n_agents) for config in configs.values()]
    if recorded != expected:
        raise RacetrackError(
            f"{file_name(sweep)}: recorded with other settings than this version of the "
            f"library's; recreate it with `{RECREATE} {sweep}`")
    return dict(zip(configs, results, strict=True))


def kept_tables(result: TrainingResult, model: TabularModel) -> dict[str, np.ndarray]:
    """What ``saved_tables`` keeps of a result trained in full: ``"greedy policies"``
    ``(A, n_states)``, each agent's final greedy policy, ties broken as the chapters break them
    (``greedy_actions`` with a generator seeded 0, one per agent); ``"start values"``
    ``(A, n_start_states, 9)``, its final Q values at the start states; ``"first lengths"``
    ``(A, 1000)``, the lengths of its first 1,000 episodes."""
    policies = [greedy_actions(q_values, np.random.default_rng(0)) for q_values in result.q_values]
    return {"greedy policies": np.array(policies, dtype=np.int8),
            "start values": result.q_values[:, model.start_states],
            "first lengths": result.episode_lengths[:, :FIRST_EPISODES]}


def saved_tables(sweep: str) -> dict[str, dict[str, np.ndarray]]:
    """The saved tables of ``sweep`` (a sweep of ``RUNS`` with ``tables``), by label, each a
    dict of the arrays of ``kept_tables`` (the policies as ``int64``)."""
    _check_sweep(sweep)
    if not RUNS[sweep].tables:
        raise RacetrackError(f"the recorded sweep {sweep!r} keeps no tables")

    def read(path: Path) -> dict[str, dict[str, np.ndarray]]:
        with np.load(path) as stored:
            return {label: {name: stored[f"{index}/{name}"] for name in TABLES}
                    for index, label in enumerate(SETTINGS[sweep])}

    tables = _load(sweep, tables_file_name(sweep), read)
    for kept in tables.values():
        kept["greedy policies"] = kept["greedy policies"].astype(np.int64)
    return tables


def save_tables(path: Path, tables: list[dict[str, np.ndarray]]) -> None:
    """Write the ``kept_tables`` of every setting of a sweep, in ``SETTINGS`` order, to ``path``
    (under a temporary name first, so an interrupted save leaves no half-written file)."""
    arrays = {f"{index}/{name}": kept[name] for index, kept in enumerate(tables) for name in TABLES}
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as file:
        np.savez_compressed(file, **arrays)
    os.replace(temporary, path)


def _load(sweep: str, name: str, loader: Callable[[Path], Loaded]) -> Loaded:
    """``loader(path)`` of the data file ``name``, or an error saying how to recreate it."""
    resource = resources.files(__package__).joinpath("data", name)
    if not resource.is_file():
        raise RacetrackError(
            f"{name}: chapter {CHAPTERS[sweep]}'s recorded sweep is not in this installation of "
            f"racetrack_lib (its data folder); recreate it from a clone with `{RECREATE}`")
    with resources.as_file(resource) as path:
        return loader(path)


def _check_sweep(sweep: str) -> None:
    if sweep not in SETTINGS:
        raise RacetrackError(f"no recorded sweep {sweep!r}: there are {sorted(SETTINGS)}")

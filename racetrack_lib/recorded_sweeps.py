"""The recorded sweeps of chapters 6 and 7: eight agents per setting, 20,000 episodes each, too
long to train every time a chapter runs.

``scripts/record_sweeps.py`` trains every setting of a sweep (the library's defaults plus the
setting's own fields; every setting the same agents, seed 0) and saves the results in this
package's ``data`` folder, installed with the library, so the chapters load them wherever they
run: the learning curves (every agent's greedy policy valued exactly every 200 episodes, with its
real steps and its seconds of learning, on the machine that recorded them), not the episode
lengths and Q tables (megabytes). ``tests/test_recorded_sweeps.py`` re-trains the start of every setting and
checks that the saved numbers are exactly what the library computes now.

- ``"replay"`` (chapter 6): no replay; memories of 1,000, 10,000 and 100,000 transitions with
  batches of 8; a memory of 10,000 with batches of 2.
- ``"planning"`` (chapter 7): no planning; 5, 10 and 50 planning steps with the counting model;
  10 with the last-outcome model.
"""

from __future__ import annotations

from importlib import resources

from .config import AgentConfig
from .errors import RacetrackError
from .results import TrainingResult, load_results

NUM_EPISODES = 20_000
N_AGENTS = 8
SEED = 0
TRACK = "track1"
NOISE = 0.1
RECREATE = "python scripts/record_sweeps.py"  # from a clone of the repository

SETTINGS: dict[str, dict[str, dict]] = {
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
}
CHAPTERS = {"replay": 6, "planning": 7}


def file_name(sweep: str) -> str:
    """The name of ``sweep``'s file in the package's ``data`` folder."""
    _check_sweep(sweep)
    return f"{sweep}_sweep_{TRACK}.npz"


def sweep_configs(sweep: str) -> dict[str, AgentConfig]:
    """Every setting of ``sweep`` as the config it trains, by label:
    ``AgentConfig(num_episodes=20_000, **setting)``."""
    _check_sweep(sweep)
    return {label: AgentConfig(num_episodes=NUM_EPISODES, **fields)
            for label, fields in SETTINGS[sweep].items()}


def saved_sweep(sweep: str) -> dict[str, TrainingResult]:
    """The saved results of ``sweep`` (``"replay"`` or ``"planning"``), by label, each checked to
    be the run of its config: 8 agents, seed 0, track 1 with noise 0.1. The episode lengths
    and Q tables are not saved (they load as empty arrays, ``(8, 0)`` and ``(8, 0, 9)``); the
    seconds are those of the recording."""
    configs = sweep_configs(sweep)
    name = file_name(sweep)
    resource = resources.files(__package__).joinpath("data", name)
    if not resource.is_file():
        raise RacetrackError(
            f"{name}: chapter {CHAPTERS[sweep]}'s recorded sweep is not in this installation of "
            f"racetrack_lib (its data folder); recreate it from a clone with `{RECREATE}`")
    with resources.as_file(resource) as path:
        results = load_results(path)
    recorded = [(result.config, result.track_name, result.noise, result.seed, result.n_agents)
                for result in results]
    if recorded != [(config, TRACK, NOISE, SEED, N_AGENTS) for config in configs.values()]:
        raise RacetrackError(
            f"{name}: recorded with other settings than this version of the library's; "
            f"recreate it with `{RECREATE} {sweep}`")
    return dict(zip(configs, results, strict=True))


def _check_sweep(sweep: str) -> None:
    if sweep not in SETTINGS:
        raise RacetrackError(f"no recorded sweep {sweep!r}: there are {sorted(SETTINGS)}")

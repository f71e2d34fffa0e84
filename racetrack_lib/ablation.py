"""The ablation of chapter 8: the full agent, each component alone, each component removed;
the combined agent's ladder; and the saved runs of both, which the chapter loads.

The full agent is one-step Q-learning (chapter 4) with Watkins's Q(lambda) traces (chapter 5),
experience replay (chapter 6) and Dyna planning (chapter 7), each at one setting:
``trace_decay=0.9, memory_size=10_000, batch_size=32, planning_steps=10``. Every other
hyperparameter is the library's default, the same for every variant, and every variant trains the
same agents (same seed), so the differences are the components'.

The runs take minutes, so ``scripts/record_ablation.py`` makes them once and saves them in this package's
``data`` folder (installed with the library, so the chapter finds them wherever it runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import TypeVar

import numpy as np

from .config import AgentConfig, preset
from .errors import RacetrackError
from .results import TrainingResult, load_results

ABLATION_FILE = "ablation_track1.npz"
LADDER_FILE = "combined_ladder_track1.npz"
BEST_POLICY_FILE = "full_agent_best_policy_track1.npy"
RECREATE = "python scripts/record_ablation.py"  # from a clone of the repository

COMPONENTS = {
    "traces": {"trace_decay": 0.9},
    "replay": {"memory_size": 10_000, "batch_size": 32},
    "planning": {"planning_steps": 10},
}
WITHOUT = {"traces": {"trace_decay": 0.0}, "replay": {"memory_size": 0},
           "planning": {"planning_steps": 0}}


def full_agent(base: AgentConfig | None = None) -> AgentConfig:
    """``base`` (default: ``AgentConfig()``) with every component switched on."""
    config = base or AgentConfig()
    for settings in COMPONENTS.values():
        config = replace(config, **settings)
    return config


def ablation_configs(base: AgentConfig | None = None) -> dict[str, AgentConfig]:
    """The variants, by label: plain Q-learning, each component alone, the full agent, and the
    full agent without each component (what a component adds to the others)."""
    base = base or AgentConfig()
    configs = {"plain Q-learning": base}
    configs |= {f"{name} only": replace(base, **settings) for name, settings in COMPONENTS.items()}
    configs["full agent"] = full_agent(base)
    configs |= {f"full without {name}": replace(full_agent(base), **settings)
                for name, settings in WITHOUT.items()}
    return configs


def quartiles(values: np.ndarray) -> tuple[float, float, float]:
    """(25th percentile, median, 75th percentile); ``nan`` (never got there) counts as ``inf``."""
    finite_or_inf = np.where(np.isnan(values), np.inf, values)
    # "lower"/"higher" pick observed values: interpolating towards an inf would give nan
    low = np.percentile(finite_or_inf, 25, method="lower")
    high = np.percentile(finite_or_inf, 75, method="higher")
    return float(low), float(np.median(finite_or_inf)), float(high)


def summary(result: TrainingResult) -> dict[str, tuple[float, float, float]]:
    """Quartiles over the agents of the real steps to within 10 % of the optimum (the first
    evaluation within, and the one from which the agent stays within), of the seconds of learning
    to the first, and of the final greedy policy's exact expected steps."""
    return {
        "real steps to within 10 %": quartiles(result.steps_to_within()),
        "real steps to stay within 10 %": quartiles(result.steps_to_stay_within()),
        "seconds to within 10 %": quartiles(result.seconds_to_within()),
        "final expected steps": quartiles(result.final_expected_steps),
    }


def combined_ladder(num_episodes: int = 10_000) -> dict[str, AgentConfig]:
    """The combined agent (``config.preset("combined-150")``) trained for ``num_episodes``
    episodes, then the changes that take it to the library's defaults, one more at each rung
    (cumulative)."""
    combined = replace(preset("combined-150"), num_episodes=num_episodes)
    rungs = {
        "the combined agent": {},
        "+ counting model": {"model_kind": "counts"},
        "+ Watkins's cut, lambda ramp": {"q_lambda": "watkins", "trace_schedule": "ramp"},
        "+ per-pair step sizes": {"alpha": 1.0, "alpha_power": 0.7, "alpha_min": 0.02},
        "+ gamma 1": {"gamma": 1.0},
        "+ slower epsilon decay": {"epsilon_decay": AgentConfig().epsilon_decay},
    }
    ladder, config = {}, combined
    for label, settings in rungs.items():
        config = replace(config, **settings)
        ladder[label] = config
    return ladder


def saved_ablation() -> dict[str, TrainingResult]:
    """The saved runs of :func:`ablation_configs` (8 agents x 100,000 episodes each), by label."""
    return _labelled(_load(ABLATION_FILE, load_results), ablation_configs(), ABLATION_FILE)


def saved_ladder() -> dict[str, TrainingResult]:
    """The saved runs of :func:`combined_ladder` (20 agents x 10,000 episodes each), by label."""
    return _labelled(_load(LADDER_FILE, load_results), combined_ladder(), LADDER_FILE)


def saved_best_policy() -> np.ndarray:
    """The greedy policy of the full agent that ended best in the saved ablation (one action per
    state of track 1)."""
    return _load(BEST_POLICY_FILE, np.load).astype(np.int64)


Loaded = TypeVar("Loaded")


def _load(name: str, loader: Callable[[Path], Loaded], chapter: int = 8,
          recreate: str = RECREATE) -> Loaded:
    """``loader`` applied to the saved file ``name`` of the package's data folder."""
    resource = resources.files(__package__).joinpath("data", name)
    if not resource.is_file():
        raise RacetrackError(
            f"{name}: chapter {chapter}'s saved runs are not in this installation of "
            "racetrack_lib (its data folder); recreate them from a clone of the repository "
            f"with `{recreate}`"
        )
    with resources.as_file(resource) as path:
        return loader(path)


def _labelled(results: list[TrainingResult], configs: dict[str, AgentConfig],
              name: str, recreate: str = RECREATE) -> dict[str, TrainingResult]:
    """``results`` by the labels of ``configs``, checking that each was trained with its config."""
    if [result.config for result in results] != list(configs.values()):
        raise RacetrackError(
            f"{name}: the saved runs were made with other settings than this version of the "
            f"library's; recreate them with `{recreate}`"
        )
    return dict(zip(configs, results, strict=True))

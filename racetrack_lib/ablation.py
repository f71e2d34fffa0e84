"""The ablation of chapter 7: the full agent, each component alone, each component removed.

The full agent is one-step Q-learning (chapter 3) with Watkins's Q(lambda) traces (chapter 4),
experience replay (chapter 5) and Dyna planning (chapter 6), all at the settings of the issue
that asked for it: ``trace_decay=0.9, memory_size=10_000, batch_size=32, planning_steps=10``.
Every other hyperparameter is the library's default, the same for every variant, and every
variant trains the same agents (same seed), so the differences are the components'.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .config import AgentConfig, preset
from .training import TrainingResult

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
    """Quartiles over the agents of the real steps and seconds of learning to within 10 % of
    the optimum, and of the final greedy policy's exact expected steps."""
    return {
        "real steps to within 10 %": quartiles(result.steps_to_within()),
        "seconds to within 10 %": quartiles(result.seconds_to_within()),
        "final expected steps": quartiles(result.final_expected_steps),
    }


def seed_ladder(num_episodes: int = 10_000) -> dict[str, AgentConfig]:
    """The seed's agent (``config.preset("seed")``) trained for ``num_episodes`` episodes, then
    the changes that take it to the library's defaults, one more at each rung (cumulative)."""
    seed = replace(preset("seed"), num_episodes=num_episodes)
    rungs = {
        "the seed's agent": {},
        "+ counting model": {"model_kind": "counts"},
        "+ Watkins's cut, lambda ramp": {"q_lambda": "watkins", "trace_schedule": "ramp"},
        "+ per-pair step sizes": {"alpha": 1.0, "alpha_power": 0.7, "alpha_min": 0.02},
        "+ gamma 1": {"gamma": 1.0},
        "+ slower epsilon decay": {"epsilon_decay": AgentConfig().epsilon_decay},
    }
    ladder, config = {}, seed
    for label, settings in rungs.items():
        config = replace(config, **settings)
        ladder[label] = config
    return ladder

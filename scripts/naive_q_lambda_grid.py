"""When naive Q(lambda) runs away on track 1 (chapter 5): a grid of step sizes x lambda x
algorithm, every run followed episode by episode until its table stops being finite.

    python scripts/naive_q_lambda_grid.py    # -> racetrack_lib/data/naive_q_lambda_grid_track1.npz
    python scripts/naive_q_lambda_grid.py --jobs 1 --out /tmp

Every run is one agent of ``train``'s seed 0 (the same random stream as agent ``i`` of
``train(config, n_agents=..., seed=0)``), a constant lambda from the first episode, 3,000
episodes, and after every episode the largest entry of its table. A run stops at the first
episode after which its table holds a value that is not finite (an overflow). The grid:

- main: 5 step-size schedules x lambda 0.5, 0.8, 0.9, 0.95 x (naive Q, Watkins's Q, SARSA),
  replacing traces, gamma 1;
- accumulating: the same at lambda 0.9 with accumulating traces;
- discounted: naive Q at lambda 0.9 with gamma 0.99 (chapter 8's combined agent discounts);
- fast epsilon: naive Q at lambda 0.9, epsilon decaying to its floor of 0.01 within 150
  episodes (as chapter 8's combined agent's does) instead of about 2,300, with gamma 1 and 0.99.

It takes about a quarter of an hour with 2 processes. ``tests/test_ch05_naive_grid.py``
re-runs some of the cells and checks that the saved numbers are
exactly what the library computes now.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from racetrack_lib import TabularModel
from racetrack_lib.config import AgentConfig
from racetrack_lib.training import Learner, agent_generators, run_episodes

# The library's data folder: installed with it, so the chapter finds the file wherever it runs.
DATA = Path(__file__).resolve().parents[1] / "racetrack_lib" / "data"
FILE = "naive_q_lambda_grid_track1.npz"
EPISODES = 3_000
AGENTS = 4
STEP_SIZES = {  # label -> (alpha, alpha_power, alpha_min)
    "per-pair, alpha_1 = 1": (1.0, 0.7, 0.02),  # the library's default
    "per-pair, alpha_1 = 0.5": (0.5, 0.7, 0.02),
    "per-pair, alpha_1 = 0.2": (0.2, 0.7, 0.02),
    "constant 0.5": (0.5, 0.0, 0.0),
    "constant 0.1": (0.1, 0.0, 0.0),
}
TRACE_DECAYS = (0.5, 0.8, 0.9, 0.95)
ALGORITHMS = {"naive Q": {"q_lambda": "naive"}, "Watkins's Q": {"q_lambda": "watkins"},
              "SARSA": {"target": "sarsa"}}
FAST_EPSILON_DECAY = 0.01 ** (1 / 149)  # epsilon 1 -> 0.01 over episodes 0-149 (chapter 8)


def grid_config(step_sizes: str, trace_decay: float, algorithm: str,
                trace_kind: str = "replacing", gamma: float = 1.0,
                epsilon_decay: float = AgentConfig.epsilon_decay) -> AgentConfig:
    """One cell of the grid: the library's defaults but for these, and a constant lambda."""
    alpha, power, floor = STEP_SIZES[step_sizes]
    return AgentConfig(alpha=alpha, alpha_power=power, alpha_min=floor, gamma=gamma,
                       epsilon_decay=epsilon_decay, trace_decay=trace_decay,
                       trace_schedule="constant", trace_kind=trace_kind,
                       num_episodes=EPISODES, **ALGORITHMS[algorithm])


def grid_cells() -> dict[tuple, AgentConfig]:
    """Every cell: key (part, step sizes, lambda, algorithm) -> its config."""
    cells = {}
    for step_sizes, trace_decay, algorithm in itertools.product(STEP_SIZES, TRACE_DECAYS,
                                                                ALGORITHMS):
        cells[("main", step_sizes, trace_decay, algorithm)] = grid_config(
            step_sizes, trace_decay, algorithm)
    for step_sizes, algorithm in itertools.product(STEP_SIZES, ALGORITHMS):
        cells[("accumulating", step_sizes, 0.9, algorithm)] = grid_config(
            step_sizes, 0.9, algorithm, trace_kind="accumulating")
    for step_sizes in STEP_SIZES:
        cells[("discounted", step_sizes, 0.9, "naive Q")] = grid_config(
            step_sizes, 0.9, "naive Q", gamma=0.99)
    for (part, gamma), step_sizes in itertools.product(
            (("fast epsilon", 1.0), ("fast epsilon, discounted", 0.99)), STEP_SIZES):
        cells[(part, step_sizes, 0.9, "naive Q")] = grid_config(
            step_sizes, 0.9, "naive Q", gamma=gamma, epsilon_decay=FAST_EPSILON_DECAY)
    return cells


def largest_value_per_episode(config: AgentConfig, model: TabularModel, agent: int,
                              seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Agent ``agent`` of seed ``seed`` trained episode by episode: after each episode the
    largest entry of its table, shape ``(E,)`` (``nan`` after the table stopped being finite),
    and each episode's number of steps (0 after it stopped). It stops after the first episode
    whose table is not finite: that episode is the first entry of ``largest`` that is not
    finite."""
    rng, _ = agent_generators(seed, agent + 1)[agent]
    learner = Learner.new(model, config)
    largest = np.full(config.num_episodes, np.nan)
    lengths = np.zeros(config.num_episodes, dtype=np.int64)
    for episode in range(config.num_episodes):
        run_episodes(learner, model, config, rng, episode, episode + 1,
                     lengths[episode:episode + 1])
        largest[episode] = learner.q_values.max()
        if not np.isfinite(learner.q_values).all():
            largest[episode] = np.inf
            break
    return largest, lengths


def overflow_episode(largest: np.ndarray) -> int:
    """The number of the first episode (counted from 1) after which the table was not finite,
    0 if it stayed finite."""
    bad = ~np.isfinite(largest)
    return int(np.argmax(bad)) + 1 if bad.any() else 0


def first_positive_episode(largest: np.ndarray) -> int:
    """The number of the first episode (from 1) after which some value was above 0 (no return
    of this track is: every reward is -1), 0 if none ever was."""
    positive = np.nan_to_num(largest, nan=np.inf) > 0
    return int(np.argmax(positive)) + 1 if positive.any() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="runs at once, in processes")
    parser.add_argument("--out", type=Path, default=DATA, help="folder of the saved file")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    model = TabularModel.build("track1", noise=0.1)
    cells = grid_cells()
    tasks = [(key, agent) for key in cells for agent in range(AGENTS)]
    started = time.perf_counter()
    outputs = Parallel(n_jobs=args.jobs, verbose=5)(
        delayed(largest_value_per_episode)(cells[key], model, agent) for key, agent in tasks)
    largest = np.stack([out[0] for out in outputs]).reshape(len(cells), AGENTS, EPISODES)
    lengths = np.stack([out[1] for out in outputs]).reshape(len(cells), AGENTS, EPISODES)
    np.savez_compressed(args.out / FILE, largest=largest, steps=np.abs(lengths).sum(axis=2),
                        keys=np.array(json.dumps([list(key) for key in cells])),
                        configs=np.array(json.dumps([c.to_dict() for c in cells.values()])))
    print(f"{len(tasks)} runs in {time.perf_counter() - started:.0f} s -> {args.out / FILE}")
    summary(args.out / FILE)


def load_grid(path: Path) -> tuple[dict[tuple, AgentConfig], np.ndarray, np.ndarray]:
    """The saved grid: its cells (key -> config), the largest value of every run after every
    episode ``(cells, agents, episodes)`` and the real steps of every run ``(cells, agents)``."""
    with np.load(path) as saved:
        keys = [tuple(key) for key in json.loads(str(saved["keys"]))]
        configs = [AgentConfig.from_dict(c) for c in json.loads(str(saved["configs"]))]
        return dict(zip(keys, configs, strict=True)), saved["largest"], saved["steps"]


def summary(path: Path) -> None:
    """Print the grid: per cell, after which episode each agent's table overflowed (0: never)."""
    cells, largest, _ = load_grid(path)
    for key, runs in zip(cells, largest, strict=True):
        overflow = [overflow_episode(run) for run in runs]
        peak = np.nanmax(np.where(np.isfinite(runs), runs, np.nan))
        print(f"{key[0]:<25}{key[1]:<25}{key[2]:<6}{key[3]:<13}overflow after {overflow}   "
              f"largest finite value {peak:.3g}")


if __name__ == "__main__":
    main()

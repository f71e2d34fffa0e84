"""Run chapter 8's ablation and save its learning curves (the chapter reads the file).

    python scripts/record_ablation.py              # track 1, seed 0, 2 processes -> racetrack_lib/data
    python scripts/record_ablation.py --jobs 1 --out /tmp

It saves ``ablation_track1.npz`` (8 agents x 100,000 episodes per variant), the greedy policy
of the full agent that ended best (``full_agent_best_policy_track1.npy``, one action per state)
and ``combined_ladder_track1.npz`` (the combined agent, preset ``combined-150``, trained for
10,000 episodes, and the changes that bring it to the library's defaults, 20 agents each). They
go to the library's ``data`` folder, which is installed with it (``racetrack_lib.ablation`` loads
them).

Every variant of ``racetrack_lib.ablation.ablation_configs()`` trains 8 agents for the default
100,000 episodes with the same seed; ``tests/test_ablation.py`` re-trains the cheap variants and
checks that the saved numbers are exactly what the library computes. The seconds are those of
the machine that ran it (one core per process).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from racetrack_lib import greedy_actions
from racetrack_lib.ablation import (
    ABLATION_FILE,
    BEST_POLICY_FILE,
    LADDER_FILE,
    ablation_configs,
    combined_ladder,
    summary,
)
from racetrack_lib.results import save_results
from racetrack_lib.training import train

DATA = Path(__file__).resolve().parents[1] / "racetrack_lib" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2,
                        help="agents trained at once, in processes (-1: one per core)")
    parser.add_argument("--out", type=Path, default=DATA, help="folder of the saved files")
    parser.add_argument("--parts", nargs="+", choices=("ablation", "ladder"),
                        default=["ablation", "ladder"], help="what to run (default: both)")
    args = parser.parse_args()
    if "ablation" in args.parts:
        results = run(ABLATION_FILE, ablation_configs(), args, eval_every=None)
        full = results[list(ablation_configs()).index("full agent")]
        best = int(np.argmin(full.final_expected_steps))
        policy = greedy_actions(full.q_values[best], np.random.default_rng(args.seed))
        np.save(args.out / BEST_POLICY_FILE, policy.astype(np.int8))
        print(f"full agent {best}'s greedy policy ({full.final_expected_steps[best]:.3f} "
              "expected steps) saved")
    if "ladder" in args.parts:
        run(LADDER_FILE, combined_ladder(), args, eval_every=100, n_agents=20)


def run(name: str, configs: dict, args: argparse.Namespace, eval_every: int | None,
        n_agents: int | None = None) -> list:
    """Train every config of ``configs`` and save them to ``<out>/<name>``."""
    n_agents = n_agents or args.agents
    results = []
    for label, config in configs.items():  # the agents of each config in parallel processes
        started = time.perf_counter()
        results.append(train(config, "track1", n_agents, args.seed, eval_every=eval_every,
                             n_jobs=args.jobs))
        cells = "  ".join(f"{quantity} {low:.4g} / {median:.4g} / {high:.4g}"
                          for quantity, (low, median, high) in summary(results[-1]).items())
        print(f"{label:<30} {time.perf_counter() - started:4.0f} s  {cells}", flush=True)
    path = args.out / name
    save_results(path, results, curves_only=True)
    print(f"saved to {path}")
    return results


if __name__ == "__main__":
    main()

"""Train chapter 3's on-policy Monte Carlo agents and save their learning curves (the chapter
reads the file: the run takes minutes, too long to execute in a chapter).

    python scripts/record_monte_carlo.py             # track 1, seed 0, 8 agents -> racetrack_lib/data
    python scripts/record_monte_carlo.py --out /tmp

It trains exactly what ``racetrack train track1 --method mc_on_policy --agents 8 --seed 0``
trains (the method's defaults, ``config.for_method("mc_on_policy")``) and saves the curves as
``monte_carlo_on_policy_track1.npz``, and the greedy policy of the agent that ended best as
``monte_carlo_best_policy_track1.npy`` (one action per state). ``tests/test_mc_runs.py``
re-trains the start of the run and checks that the saved numbers are what the library computes
now. The seconds are those of the machine that ran it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from racetrack_lib import greedy_actions
from racetrack_lib.config import for_method
from racetrack_lib.mc_runs import SAVED_BEST_POLICY, SAVED_RUN
from racetrack_lib.results import save_results
from racetrack_lib.training import train

DATA = Path(__file__).resolve().parents[1] / "racetrack_lib" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=-1, help="agents trained at once (threads)")
    parser.add_argument("--out", type=Path, default=DATA, help="folder of the saved files")
    args = parser.parse_args()
    result = train(for_method("mc_on_policy"), "track1", n_agents=args.agents, seed=args.seed,
                   n_jobs=args.jobs, progress=True)
    save_results(args.out / SAVED_RUN, [result], curves_only=True)
    best = int(np.argmin(result.final_expected_steps))
    policy = greedy_actions(result.q_values[best], np.random.default_rng(args.seed))
    np.save(args.out / SAVED_BEST_POLICY, policy.astype(np.int8))
    print(f"{args.agents} agents in {result.seconds:.0f} s; final exact expected steps "
          f"{np.round(result.final_expected_steps, 2)}, median "
          f"{np.median(result.final_expected_steps):.2f} (optimum "
          f"{result.optimal_expected_steps:.2f}); agent {best}'s greedy policy saved")


if __name__ == "__main__":
    main()

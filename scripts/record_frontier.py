"""Run chapter 10's ladder and its variants and save their learning curves (the chapter reads them).

    python scripts/record_frontier.py              # track 1, seed 0, 2 agents at once -> racetrack_lib/data
    python scripts/record_frontier.py --jobs 1 --out /tmp

Every run of ``racetrack_lib.frontier.frontier_configs()`` trains 8 agents with the same seed and
is saved, curves only, to ``frontier_track1.npz`` in the library's ``data`` folder (installed
with it). ``tests/test_frontier.py`` re-trains a slice of every run and checks the saved numbers
are exactly what the library computes. The seconds are those of the machine that ran it: run it
with nothing else running, since the chapter compares them.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from racetrack_lib.frontier import FRONTIER_FILE, eval_every, frontier_configs, frontier_row
from racetrack_lib.mdp import TabularModel
from racetrack_lib.results import save_results
from racetrack_lib.training import train

DATA = Path(__file__).resolve().parents[1] / "racetrack_lib" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="agents trained at once (threads)")
    parser.add_argument("--out", type=Path, default=DATA, help="folder of the saved file")
    args = parser.parse_args()
    model = TabularModel.build("track1", 0.1)
    for config in frontier_configs().values():  # compile first: no run's seconds include it
        train(replace(config, num_episodes=2), model, 1, args.seed, n_jobs=1)
    results = []
    for label, config in frontier_configs().items():
        started = time.perf_counter()
        results.append(train(config, model, args.agents, args.seed,
                             eval_every=eval_every(config), n_jobs=args.jobs))
        cells = "  ".join(f"{quantity} {low:.4g} / {median:.4g} / {high:.4g}"
                          for quantity, (low, median, high) in frontier_row(results[-1]).items())
        print(f"{label:<40} {time.perf_counter() - started:4.0f} s  {cells}", flush=True)
    path = args.out / FRONTIER_FILE
    save_results(path, results, curves_only=True)
    print(f"saved to {path}")


if __name__ == "__main__":
    main()

"""Train the recorded sweeps of chapters 4 to 8 and save them (the chapters load the files:
training every setting takes minutes, too long to execute in a chapter).

    python scripts/record_sweeps.py                  # every sweep -> racetrack_lib/data
    python scripts/record_sweeps.py planning --jobs 2 --out /tmp

Every setting of ``racetrack_lib.recorded_sweeps.SETTINGS[sweep]`` trains the agents of
``RUNS[sweep]`` (8, or the preset's 20) for its episodes on track 1 (noise 0.1) with seed 0, the
library's defaults (or the run's preset) otherwise, and is saved as ``<sweep>_sweep_track1.npz``:
the learning curves (the exact value of every agent's greedy policy, with its real steps and
seconds of learning, at every evaluation), not the episode lengths and Q tables (megabytes). A
sweep with ``tables`` also saves ``<sweep>_sweep_tables_track1.npz``: each agent's final greedy
policy, its Q values at the start states and the lengths of its first 1,000 episodes.
``tests/test_recorded_sweeps.py`` re-trains the start of every setting and checks that the saved
numbers are exactly what the library computes. The seconds are those of the machine that ran it,
one agent at a time by default (``--jobs``: more at once, each slowed by the others on a busy
machine).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from racetrack_lib.mdp import TabularModel
from racetrack_lib.recorded_sweeps import (
    NOISE,
    RUNS,
    SEED,
    SETTINGS,
    TRACK,
    file_name,
    kept_tables,
    save_tables,
    sweep_configs,
    tables_file_name,
)
from racetrack_lib.results import save_results
from racetrack_lib.training import train

DATA = Path(__file__).resolve().parents[1] / "racetrack_lib" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweeps", nargs="*", metavar="sweep",
                        help=f"which sweeps to record, of {sorted(SETTINGS)} (default: all)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="agents trained at once (threads; 1: each agent's seconds its own)")
    parser.add_argument("--out", type=Path, default=DATA, help="folder of the saved files")
    args = parser.parse_args()
    unknown = set(args.sweeps) - set(SETTINGS)
    if unknown:
        parser.error(f"no sweep {sorted(unknown)}: the sweeps are {sorted(SETTINGS)}")
    for sweep in args.sweeps or sorted(SETTINGS):
        record(sweep, args.jobs, args.out)


def record(sweep: str, n_jobs: int, out: Path) -> None:
    """Train every setting of ``sweep`` and save the learning curves (and the tables, if the
    sweep keeps them)."""
    model = TabularModel.build(TRACK, NOISE)
    results, tables = [], []
    for label, config in sweep_configs(sweep).items():
        result = train(config, model, RUNS[sweep].n_agents, SEED, n_jobs=n_jobs)
        results.append(result)
        tables.append(kept_tables(result, model))
        print(f"{sweep}: {label:<26} {result.seconds:5.1f} s; final expected steps, median "
              f"{np.median(result.final_expected_steps):.2f}", flush=True)
    path = out / file_name(sweep)
    save_results(path, results, curves_only=True)
    print(f"saved to {path} ({path.stat().st_size / 1e3:.0f} kB)")
    if RUNS[sweep].tables:
        path = out / tables_file_name(sweep)
        save_tables(path, tables)
        print(f"saved to {path} ({path.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()

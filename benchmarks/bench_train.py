"""Benchmark: training speed as a user meets it - the whole ``racetrack train`` command, from
starting Python to the printed JSON (imports, compiled-code cache, the exact solve, every
agent's training and its exact evaluations) - against a plain textbook Q-learning loop measured
in the same run.

Run on demand: ``python benchmarks/bench_train.py`` (about two minutes on two cores).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_td import textbook_q_learning

from racetrack_lib import RacetrackEnv, TabularModel

COMMAND = ["train", "track1", "--agents", "8", "--seed", "0", "--json"]


def command_run(extra: list[str]) -> tuple[int, float]:
    """One ``racetrack train`` in a fresh Python process: (real steps, wall seconds)."""
    started = time.perf_counter()
    finished = subprocess.run([sys.executable, "-m", "racetrack_lib.cli", *COMMAND, *extra],
                              capture_output=True, text=True, check=True, timeout=1800)
    seconds = time.perf_counter() - started
    return json.loads(finished.stdout)["env_steps"], seconds


def textbook_rate(steps: int, seed: int) -> float:
    """Steps per second of the textbook loop (epsilon 0.1, alpha 0.2) on track 1."""
    env = RacetrackEnv(model=TabularModel.build("track1", noise=0.1))
    started = time.perf_counter()
    taken = textbook_q_learning(env, steps, 0.2, 0.1, np.random.default_rng(seed))
    return taken / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--textbook-steps", type=int, default=100_000)
    parser.add_argument("extra", nargs="*", help="more options for racetrack train")
    args = parser.parse_args()
    command_run([*args.extra, "--episodes", "10"])  # fill the compiled-code cache first
    command_rates, textbook_rates = [], []
    for repeat in range(args.repeats):  # alternating, so both see the same machine
        steps, seconds = command_run(args.extra)
        command_rates.append(steps / seconds)
        textbook_rates.append(textbook_rate(args.textbook_steps, repeat))
        print(f"run {repeat}: {steps:,} real steps in {seconds:.2f} s "
              f"({steps / seconds / 1e6:.2f} M/s); textbook {textbook_rates[-1] / 1e6:.3f} M/s")
    fast, slow = statistics.median(command_rates), statistics.median(textbook_rates)
    print(f"racetrack {' '.join(COMMAND + args.extra)}: {fast / 1e6:.2f} M real steps/s end to "
          f"end; textbook loop {slow / 1e6:.3f} M steps/s; ratio {fast / slow:.0f}x "
          f"(medians of {args.repeats})")


if __name__ == "__main__":
    main()

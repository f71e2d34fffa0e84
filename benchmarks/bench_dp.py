"""Benchmark: building the tabular model and solving it by value iteration, on both tracks.

Run on demand (`make benchmark`), never as a test. Prints the median and the spread of several
runs, measured in one process; these machines are noisy, so compare medians from one run only.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from racetrack_lib import TabularModel, greedy_actions, policy_evaluation, value_iteration
from racetrack_lib.ordered_dp import ordered_value_iteration


def timed(function: Callable[[], object], repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls."""
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return seconds


def report(label: str, seconds: list[float]) -> None:
    print(f"{label:<42} median {1000 * statistics.median(seconds):8.1f} ms   "
          f"(min {1000 * min(seconds):.1f}, max {1000 * max(seconds):.1f}, n={len(seconds)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    for track in ("track1", "track2"):
        model = TabularModel.build(track, noise=0.1)
        print(f"{track}: {model.n_states} states x {model.n_actions} actions")
        report(f"  build TabularModel ({track})",
               timed(lambda track=track: TabularModel.build(track, noise=0.1), args.repeats))
        solution = value_iteration(model)
        textbook = timed(lambda model=model: value_iteration(model), args.repeats)
        report(f"  value_iteration, {solution.sweeps} sweeps, tol 1e-10", textbook)
        ordered_value_iteration(model)  # compiled (or loaded from numba's cache) before timing
        fast = timed(lambda model=model: ordered_value_iteration(model), args.repeats)
        report(f"  ordered_value_iteration, {ordered_value_iteration(model).sweeps} sweeps",
               fast)
        print(f"  {'':<40} textbook / ordered: "
              f"{statistics.median(textbook) / statistics.median(fast):.1f}x")
        policy = greedy_actions(solution.q_values, np.random.default_rng(0), tolerance=1e-9)
        report("  policy_evaluation (exact, sparse solve)",
               timed(lambda model=model, policy=policy: policy_evaluation(model, policy),
                     args.repeats))


if __name__ == "__main__":
    main()

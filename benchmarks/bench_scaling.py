"""Benchmark: how the cost grows with the track, on generated tracks from Figure 5.5's size to
over a million states.

For each size, in a fresh process (so that its peak memory is its own): generate a corner track
(racetrack_lib.generate), build its model, solve it by the ordered sweeps (racetrack solve's
default) and, up to ``--textbook-limit`` states, by chapter 2's textbook value iteration; evaluate
the optimal greedy policy exactly, in one ordered sweep and, up to ``--evaluation-limit``
states, by chapter 2's sparse solve; and run one-step Q-learning for a fixed
number of real steps to measure its speed. Prints one line a size, with each phase's seconds and
the peak memory traced by ``tracemalloc`` during it, and writes every number to ``--out`` (JSON).
Run on demand, never as a test:

    python benchmarks/bench_scaling.py --out scaling.json
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

SIZES = [(32, 17), (60, 40), (100, 80), (160, 140), (260, 240), (400, 400)]  # rows, cols


def measure(rows: int, cols: int, textbook_limit: int, evaluation_limit: int,
            q_steps: int) -> dict:
    """Every phase on one generated track (runs in its own process)."""
    import numpy as np

    from racetrack_lib import (
        TabularModel,
        expected_steps_from_start,
        greedy_actions,
        policy_evaluation,
        value_iteration,
    )
    from racetrack_lib.config import AgentConfig
    from racetrack_lib.generate import generate_track
    from racetrack_lib.ordered_dp import ordered_policy_evaluation, ordered_value_iteration
    from racetrack_lib.training import Learner, run_episodes

    found: dict = {"rows": rows, "cols": cols}

    def phase(name: str, work, traced: bool = False):
        """Time ``work``; with ``traced``, run it again under tracemalloc for its peak memory
        (tracemalloc slows allocation, so it never runs while a phase is timed)."""
        started = time.perf_counter()
        result = work()
        found[f"{name}_seconds"] = time.perf_counter() - started
        if traced:
            tracemalloc.start()
            work()
            found[f"{name}_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        return result

    # compile (or load from numba's cache) on a small track first, so no phase times it
    small = TabularModel.build("track1")
    ordered_policy_evaluation(small, ordered_value_iteration(small).q_values.argmax(axis=1))
    run_episodes(Learner.new(small, AgentConfig(num_episodes=2)), small,
                 AgentConfig(num_episodes=2), np.random.default_rng(0), 0, 2)

    track = phase("generate", lambda: generate_track(rows, cols, seed=1, shape="corner"))
    model = phase("build", lambda: TabularModel.build(track, noise=0.1), traced=True)
    found["n_states"] = model.n_states
    solution = phase("ordered", lambda: ordered_value_iteration(model), traced=True)
    found["ordered_sweeps"] = solution.sweeps
    found["expected_steps"] = expected_steps_from_start(model, solution.values)
    if model.n_states <= textbook_limit:
        textbook = phase("textbook", lambda: value_iteration(model))
        found["textbook_sweeps"] = textbook.sweeps
        found["largest_difference"] = float(np.abs(textbook.values - solution.values).max())
    policy = greedy_actions(solution.q_values, np.random.default_rng(0), tolerance=1e-9)
    values = phase("evaluation", lambda: ordered_policy_evaluation(model, policy))
    found["evaluation_difference"] = float(np.abs(values - solution.values).max())
    if model.n_states <= evaluation_limit:  # a sparse LU solve: its fill-in grows fast
        sparse = phase("sparse_evaluation", lambda: policy_evaluation(model, policy))
        found["sparse_difference"] = float(np.abs(sparse - values).max())
    config = AgentConfig(num_episodes=1_000_000, max_episode_steps=q_steps)

    def q_learning() -> int:
        learner = Learner.new(model, config)
        lengths = run_episodes(learner, model, config, np.random.default_rng(0), 0, 1)
        return int(abs(lengths[0]))  # one episode, cut at q_steps real steps if not finished

    steps = phase("q_learning", q_learning)
    found["q_learning_steps_per_second"] = steps / found["q_learning_seconds"]
    found["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="write the numbers (JSON)")
    parser.add_argument("--textbook-limit", type=int, default=300_000,
                        help="states up to which chapter 2's value iteration runs too")
    parser.add_argument("--evaluation-limit", type=int, default=250_000,
                        help="states up to which the sparse policy evaluation (an LU "
                             "solve) runs: at 574,000 states it took over 3 GB and "
                             "minutes")
    parser.add_argument("--q-steps", type=int, default=2_000_000,
                        help="real steps of Q-learning timed per size")
    parser.add_argument("--one", nargs=2, type=int, metavar=("ROWS", "COLS"),
                        help=argparse.SUPPRESS)  # the child process's job
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(*args.one, args.textbook_limit, args.evaluation_limit,
                                 args.q_steps)))
        return
    rows_found = []
    for rows, cols in SIZES:
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(rows), str(cols),
             "--textbook-limit", str(args.textbook_limit), "--evaluation-limit",
             str(args.evaluation_limit), "--q-steps", str(args.q_steps)],
            capture_output=True, text=True, timeout=1800, check=True)
        found = json.loads(child.stdout.splitlines()[-1])
        rows_found.append(found)
        textbook = (f"textbook {found['textbook_seconds']:7.2f} s ({found['textbook_sweeps']} "
                    "sweeps)" if "textbook_seconds" in found else "textbook -")
        print(f"{rows}x{cols}: {found['n_states']:>9,} states | build {found['build_seconds']:6.2f}"
              f" s ({found['build_peak_mb']:6.0f} MB) | ordered {found['ordered_seconds']:6.2f} s "
              f"({found['ordered_sweeps']} sweeps, {found['ordered_peak_mb']:5.0f} MB) | {textbook}"
              f" | evaluation {found['evaluation_seconds']:6.2f} s (sparse "
              f"{found.get('sparse_evaluation_seconds', float('nan')):6.2f} s) | Q-learning "
              f"{found['q_learning_steps_per_second'] / 1e6:5.2f} M steps/s | peak RSS "
              f"{found['max_rss_mb']:6.0f} MB", flush=True)
    if args.out:
        args.out.write_text(json.dumps(rows_found, indent=1) + "\n")


if __name__ == "__main__":
    main()

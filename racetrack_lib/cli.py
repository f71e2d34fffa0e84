"""The ``racetrack`` command line: a stable surface for lecturers' scripts and for the tests.

Bad input (a malformed track, a value out of range) exits with status 2 and prints one line that
names the problem; it never shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

import numpy as np

from .dp import expected_steps_from_start, policy_evaluation, value_iteration
from .errors import RacetrackError, check_range
from .model import TabularModel
from .policy import greedy_actions

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints the usage too)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise RacetrackError(message)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="racetrack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    solve = commands.add_parser(
        "solve", help="solve a track exactly by value iteration (the ground truth)"
    )
    solve.add_argument("track", help="track1, track2, or a path to a track file")
    solve.add_argument("--noise", type=_number, default=0.1,
                       help="probability that a step's increments are zero (default 0.1)")
    solve.add_argument("--gamma", type=_number, default=1.0,
                       help="discount factor in (0, 1] (default 1)")
    solve.add_argument("--json", action="store_true", help="print the result as JSON")
    solve.set_defaults(run=_solve)
    return parser


def _solve(args: argparse.Namespace) -> dict:
    """Solve the track; with gamma < 1 the optimal discounted policy is scored in expected steps."""
    check_range("--noise", args.noise, 0.0, 1.0)
    check_range("--gamma", args.gamma, 0.0, 1.0, low_open=True)
    started = time.perf_counter()
    model = TabularModel.build(args.track, args.noise)
    result = value_iteration(model, gamma=args.gamma)
    if args.gamma == 1.0:
        steps_values = result.values
    else:
        policy = greedy_actions(result.q_values, np.random.default_rng(0), tolerance=1e-9)
        steps_values = policy_evaluation(model, policy, gamma=1.0)
    seconds = time.perf_counter() - started
    per_start = [
        {"row": int(row), "col": int(col), "expected_steps": _finite(-steps_values[state])}
        for state, (row, col) in zip(model.start_states, model.track.start_cells, strict=True)
    ]
    return {
        "track": model.track.name,
        "noise": args.noise,
        "gamma": args.gamma,
        "n_states": model.n_states,
        "expected_steps_from_start": _finite(expected_steps_from_start(model, steps_values)),
        "per_start_cell": per_start,
        "sweeps": result.sweeps,
        "seconds": round(seconds, 4),
    }


def _finite(value: float) -> float | None:
    """JSON has no infinity: a policy that never finishes gives ``null``."""
    return float(value) if np.isfinite(value) else None


def _print_text(command: str, result: dict) -> None:
    if command == "solve":
        print(f"track {result['track']}, noise {result['noise']}, gamma {result['gamma']}: "
              f"{result['n_states']} states, {result['sweeps']} sweeps, {result['seconds']} s")
        print(f"optimal expected steps from the start line: {result['expected_steps_from_start']}")
        for cell in result["per_start_cell"]:
            print(f"  start cell (row {cell['row']}, col {cell['col']}): {cell['expected_steps']}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``racetrack`` console script; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        result = args.run(args)
    except RacetrackError as error:
        print(f"racetrack: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_text(args.command, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``racetrack`` command line: a stable surface for lecturers' scripts and for the tests.

Bad input (a malformed track, a value out of range) exits with status 2 and prints one line that
names the problem; it never shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

import numpy as np

from .config import METHOD_DEFAULTS, PRESET_AGENTS, PRESETS, AgentConfig, for_method, preset
from .dp import expected_steps_from_start, policy_iteration, value_iteration
from .errors import RacetrackError, check_range
from .generate import SHAPES, generate_track
from .mdp import TabularModel
from .memory import states_of_track
from .ordered_dp import ordered_policy_evaluation, ordered_value_iteration
from .policy import greedy_actions
from .results import TrainingResult, save_results
from .sweeping.runner import BACKENDS, run_sweep
from .sweeping.runner import finished as finished_tasks
from .sweeping.spec import read_spec
from .sweeping.summary import format_table, plot_summary, summary_rows
from .training import default_eval_every, train

SOLVERS = ("ordered", "value_iteration", "policy_iteration")
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints the usage too)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise RacetrackError(message)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def _add_track_arguments(command: argparse.ArgumentParser) -> None:
    """TRACK and --noise, the same for every command."""
    command.add_argument("track", help="track1, track2, or a path to a track file")
    command.add_argument("--noise", type=_number, default=0.1,
                         help=f"probability in [0, {MAX_NOISE}] that a step's increments are "
                              "zero (default 0.1)")


# The rules allow any noise below 1, but above 0.9 the car answers its driver less than one step
# in ten, and value iteration needs ~1,500 sweeps at 0.9 (2 s on track 1), ~50,000 at 0.99 (over
# a minute) and more than it may take beyond: the command line offers what answers in seconds.
MAX_NOISE = 0.9


def _model(args: argparse.Namespace) -> TabularModel:
    """The compiled track of TRACK and --noise."""
    if isinstance(args.noise, float) and args.noise == args.noise and 0.9 < args.noise < 1.0:
        raise RacetrackError(
            f"--noise = {args.noise!r} is out of range: allowed [0, {MAX_NOISE}] (above "
            f"{MAX_NOISE} the car answers its driver less than one step in ten, and solving "
            "the track exactly takes minutes or more)")
    check_range("--noise", args.noise, 0.0, MAX_NOISE)
    return TabularModel.build(args.track, args.noise)


def build_parser(preset_name: str | None = None,
                 method: str = "td") -> argparse.ArgumentParser:
    """The command line; with ``preset_name`` the train command's defaults are that preset's,
    else those of the learning ``method`` (options given explicitly still override them)."""
    parser = _Parser(prog="racetrack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    solve = commands.add_parser(
        "solve", help="solve a track exactly by dynamic programming (the ground truth)"
    )
    _add_track_arguments(solve)
    solve.add_argument("--method", choices=SOLVERS, default="ordered",
                       help="ordered (value iteration in place, sweeping the states in the "
                            "order the track's moves impose: fast), value_iteration (chapter "
                            "2's sweeps of Bellman backups) or policy_iteration (exact "
                            "evaluation, then improvement) (default %(default)s)")
    solve.add_argument("--gamma", type=_number, default=1.0,
                       help="discount factor in (0, 1] (default 1)")
    solve.add_argument("--json", action="store_true", help="print the result as JSON")
    solve.set_defaults(run=_solve)

    generate = commands.add_parser(
        "generate", help="write a random solvable track (reproducible from its seed)")
    generate.add_argument("--rows", type=_whole, required=True, help="rows of the grid")
    generate.add_argument("--cols", type=_whole, required=True, help="columns of the grid")
    generate.add_argument("--seed", type=_whole, default=0, help="seed (default 0)")
    generate.add_argument("--shape", choices=SHAPES, default="random",
                          help="corner (up, then right), s-bend (right, up, right), staircase "
                               "(up and right, 4 to 6 segments) or random (default %(default)s)")
    generate.add_argument("--out", required=True,
                          help="the track file to write (the format `racetrack solve` reads)")
    generate.add_argument("--json", action="store_true", help="print the result as JSON")
    generate.set_defaults(run=_generate)

    defaults = preset(preset_name) if preset_name else for_method(method)
    default_agents = PRESET_AGENTS.get(preset_name, 8)
    train = commands.add_parser(
        "train", help="train independent agents and measure them against the exact optimum"
    )
    _add_track_arguments(train)
    for knob in fields(AgentConfig):  # an option for every hyperparameter, from its _knob
        train.add_argument(AgentConfig.option(knob), dest=knob.name,
                           metavar=AgentConfig.option(knob)[2:].upper().replace("-", "_"),
                           type={"float": _number, "int": _whole}.get(knob.type, str),
                           default=getattr(defaults, knob.name),
                           help=f"{knob.metadata['help']}, {AgentConfig.allowed(knob)} "
                                "(default %(default)s)")
    train.add_argument("--preset", default=None,
                       help="start from a named configuration: "
                            f"{', '.join(PRESETS)} (combined-150: naive Q(0.9) with replay "
                            "10000/32 and 5 Dyna-Q planning steps, constant alpha 0.1, gamma "
                            "0.99, 20 agents x 150 episodes; chapter 8)")
    train.add_argument("--agents", type=_whole, default=default_agents,
                       help="number of independent agents (default %(default)s)")
    train.add_argument("--eval-every", type=_whole, default=None,
                       help="evaluate each greedy policy exactly every N episodes "
                            "(default: episodes / 100)")
    train.add_argument("--seed", type=_whole, default=0, help="root seed (default 0)")
    train.add_argument("--jobs", type=_whole, default=-1,
                       help="agents trained at once (in threads); -1: one per core (default "
                            "-1; the numbers are the same whatever it is)")
    train.add_argument("--json", action="store_true", help="print the result as JSON")
    train.add_argument("--out", default=None,
                       help="also write the result to this file: the JSON summary, or with a "
                            ".npz name every array (curves, Q tables) with the config and seed")
    train.set_defaults(run=_train)

    sweep = commands.add_parser(
        "sweep", help="train every configuration of a sweep file (TOML) into a results folder, "
                      "then summarize; rerun the same command to resume")
    sweep.add_argument("spec", help="the sweep file: tracks, agents, seed, [base] and [grid] "
                                    "(see the README)")
    sweep.add_argument("--out", default=None,
                       help="the results folder (default: the sweep file's name with "
                            "'.results', beside it)")
    sweep.add_argument("--jobs", type=_whole, default=1,
                       help="configurations trained at once: local processes, or the workers "
                            "of a local Dask cluster; -1: one per core (default 1)")
    sweep.add_argument("--backend", choices=BACKENDS, default="local",
                       help="local (processes on this machine) or dask (a Dask cluster: the "
                            "one at --scheduler, or a local one) (default %(default)s)")
    sweep.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="the address of a running Dask scheduler (implies --backend dask)")
    sweep.add_argument("--timeout", type=_number, default=3600.0,
                       help="give up when no configuration finishes for this many seconds "
                            "(default 3600; what finished is kept)")
    sweep.add_argument("--keep-tables", action="store_true",
                       help="also keep each agent's episode lengths and final Q table (large)")
    sweep.add_argument("--plot", default=None, help="also draw the summary to this image file")
    sweep.add_argument("--json", action="store_true", help="print the summary as JSON")
    sweep.set_defaults(run=_sweep)
    return parser


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


# The option that sets each AgentConfig field, so that an error names what the user typed.
FIELD_OPTIONS = {knob.name: AgentConfig.option(knob) for knob in fields(AgentConfig)}


def _with_option_names(message: str) -> str:
    """``num_episodes = 0 is out of range`` -> ``--episodes = 0 is out of range``."""
    pattern = r"(?<![\w-])(" + "|".join(FIELD_OPTIONS) + r")\b(?= =)"
    return re.sub(pattern, lambda match: FIELD_OPTIONS[match.group(1)], message)


def _config_from_options(args: argparse.Namespace) -> AgentConfig:
    """The AgentConfig the options describe; a bad value is named by its option."""
    try:
        return _agent_config(args)
    except RacetrackError as error:
        raise RacetrackError(_with_option_names(str(error))) from None


def _train(args: argparse.Namespace) -> dict:
    """Train ``--agents`` agents; report each final greedy policy's exact expected steps."""
    config = _config_from_options(args)
    out = _checked_out(args.out)
    eval_every = args.eval_every if args.eval_every is not None else default_eval_every(
        config.num_episodes)
    model = _model(args)  # --agents, --seed, --jobs and --eval-every: train() checks them
    try:
        result = train(config, model, n_agents=args.agents, seed=args.seed,
                       eval_every=eval_every, progress=None if sys.stderr.isatty() else False,
                       n_jobs=args.jobs)
    except RacetrackError as error:
        raise RacetrackError(_with_option_names(_training_message(str(error)))) from None
    if out is not None and out.suffix == ".npz":
        try:
            save_results(out, [result])
        except OSError as error:
            raise RacetrackError(f"--out {out}: cannot write ({error.strerror})") from None
    return _train_summary(args, model, config, eval_every, result)


def _training_message(message: str) -> str:
    """The library's names of train()'s arguments, as the options that set them."""
    for name, option in (("n_agents", "--agents"), ("n_jobs", "--jobs"), ("seed", "--seed"),
                         ("eval_every", "--eval-every")):
        message = re.sub(rf"^{name} = ", f"{option} = ", message)
    return message


def _checked_out(out: str | None) -> Path | None:
    """``--out`` as a path, checked before any training: its folder must exist and take a new
    file (a test file is made and removed), and it must not be a folder itself."""
    if out is None:
        return None
    path = Path(out)
    folder = path.parent
    if path.is_dir():
        raise RacetrackError(f"--out {out}: is a folder, not a file")
    if not folder.exists():
        raise RacetrackError(f"--out {out}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise RacetrackError(f"--out {out}: {folder} is not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".probe"):
            pass
    except OSError as error:
        raise RacetrackError(f"--out {out}: cannot write in {folder} ({error.strerror})") from None
    return path


def _agent_config(args: argparse.Namespace) -> AgentConfig:
    """The options' values as an AgentConfig (checked by AgentConfig itself)."""
    return AgentConfig(**{knob.name: getattr(args, knob.name) for knob in fields(AgentConfig)})


def _train_summary(args: argparse.Namespace, model: TabularModel, config: AgentConfig,
                   eval_every: int, result: TrainingResult) -> dict:
    """What ``train`` prints (and writes to a ``.json`` ``--out``)."""
    return {
        "track": model.track.name,
        "noise": model.noise,
        "seed": args.seed,
        "agents": args.agents,
        "eval_every": eval_every,
        "config": config.to_dict(),
        "optimal_expected_steps": result.optimal_expected_steps,
        "greedy_expected_steps": [_finite(x) for x in result.final_expected_steps],
        "steps_to_within_10pct": [None if np.isnan(x) else int(x)
                                  for x in result.steps_to_within(0.10)],
        "steps_to_stay_within_10pct": [None if np.isnan(x) else int(x)
                                       for x in result.steps_to_stay_within(0.10)],
        "mean_return_last_100": [float(x) for x in result.mean_return_last(100)],
        "env_steps": result.env_steps,
        "seconds": round(result.seconds, 4),
    }


def _solve(args: argparse.Namespace) -> dict:
    """Solve the track; with gamma < 1 the optimal discounted policy is scored in expected steps."""
    check_range("--gamma", args.gamma, 0.0, 1.0, low_open=True)
    started = time.perf_counter()
    model = _model(args)
    built = time.perf_counter()
    if args.method == "policy_iteration":
        result = policy_iteration(model, gamma=args.gamma)
        policy, sweeps, iterations = result.policy, None, result.iterations
    else:
        solver = ordered_value_iteration if args.method == "ordered" else value_iteration
        result = solver(model, gamma=args.gamma)
        policy = greedy_actions(result.q_values, np.random.default_rng(0), tolerance=1e-9)
        sweeps, iterations = result.sweeps, None
    solved = time.perf_counter()
    if args.gamma == 1.0:
        steps_values = result.values
    else:  # exact, in one ordered sweep (a sparse solve would not scale to a million states)
        steps_values = ordered_policy_evaluation(model, policy, gamma=1.0)
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
        "method": args.method,
        "sweeps": sweeps,  # value iteration's
        "iterations": iterations,  # policy iteration's: policies evaluated
        "build_seconds": round(built - started, 4),  # the model
        "solve_seconds": round(solved - built, 4),  # the solver alone
        "seconds": round(seconds, 4),
    }


def _sweep(args: argparse.Namespace) -> dict:
    """Run (or resume) a sweep file into its results folder, then summarize every configuration."""
    spec = read_spec(args.spec)
    if args.jobs != -1:
        check_range("--jobs", args.jobs, 1, 1024)
    jobs = (os.cpu_count() or 1) if args.jobs == -1 else args.jobs
    check_range("--timeout", args.timeout, 0.0, float("inf"), low_open=True)
    out = Path(args.out) if args.out else Path(args.spec).with_suffix(".results")
    args.sweep_out = out  # for the message if interrupted
    tasks = spec.tasks()
    already = len(finished_tasks(out, tasks)) if (out / "spec.json").exists() else 0
    started = time.perf_counter()
    results = run_sweep(spec, out, backend=args.backend, jobs=jobs, scheduler=args.scheduler,
                        keep_tables=args.keep_tables, progress=None,
                        stall_timeout=args.timeout)
    rows = summary_rows(tasks, results)
    if args.plot:
        plot_summary(rows, args.plot)
    return {"spec": str(args.spec), "out": str(out), "configurations": len(tasks),
            "already_done": already, "trained_now": len(tasks) - already,
            "seconds": round(time.perf_counter() - started, 2),
            "backend": "dask" if args.scheduler else args.backend, "rows": rows}


def _generate(args: argparse.Namespace) -> dict:
    """Generate a track and write it to ``--out`` (atomically)."""
    out = _checked_out(args.out)
    track = generate_track(args.rows, args.cols, args.seed, args.shape)
    _write_atomically(out, track.to_text() + "\n")
    n_cells = int((track.cells != 0).sum() - len(track.finish_cells))  # track and start cells
    return {"track": track.name, "out": str(out), "rows": args.rows, "cols": args.cols,
            "seed": args.seed, "start_cells": len(track.start_cells),
            "finish_cells": len(track.finish_cells),
            "n_states": states_of_track(n_cells, len(track.start_cells))}


def _finite(value: float) -> float | None:
    """JSON has no infinity: a policy that never finishes gives ``null``."""
    return float(value) if np.isfinite(value) else None


def _print_text(command: str, result: dict) -> None:
    if command == "generate":
        print(f"{result['track']}: {result['n_states']:,} states, {result['start_cells']} start "
              f"cells, {result['finish_cells']} finish cells; written to {result['out']}")
    elif command == "solve":
        work = (f"{result['sweeps']} sweeps" if result["sweeps"] is not None else
                f"{result['iterations']} policies evaluated")
        print(f"track {result['track']}, noise {result['noise']}, gamma {result['gamma']}: "
              f"{result['n_states']} states, {result['method'].replace('_', ' ')}, {work}, "
              f"{result['seconds']} s")
        which = ("optimal expected steps" if result["gamma"] == 1.0 else
                 f"expected steps of the optimal policy for gamma {result['gamma']}")
        print(f"{which} from the start line: {result['expected_steps_from_start']}")
        for cell in result["per_start_cell"]:
            print(f"  start cell (row {cell['row']}, col {cell['col']}): {cell['expected_steps']}")
    elif command == "sweep":
        print(f"{result['configurations']} configurations: {result['trained_now']} trained now, "
              f"{result['already_done']} already in {result['out']} ({result['seconds']} s, "
              f"{result['backend']})")
        print(format_table(result["rows"]))
    elif command == "train":
        steps = [f"{x:.2f}" if x is not None else "never" for x in result["greedy_expected_steps"]]
        print(f"{result['agents']} agents x {result['config']['num_episodes']} episodes on "
              f"{result['track']} ({result['config']['target']}): {result['env_steps']} real "
              f"steps in {result['seconds']} s")
        print(f"optimal expected steps {result['optimal_expected_steps']:.3f}; final greedy "
              f"policies: {', '.join(steps)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``racetrack`` console script; returns the exit status (bad input: 2,
    with one line on standard error naming it).

    >>> main(["train", "track1", "--alpha", "2"])
    2
    """
    argv = _negative_numbers_attached(sys.argv[1:] if argv is None else list(argv))
    try:
        args = build_parser(_preset_name(argv), _method(argv)).parse_args(argv)
        result = args.run(args)
        text = json.dumps(result, indent=2)
        if args.command == "train" and args.out and Path(args.out).suffix != ".npz":
            _write_atomically(Path(args.out), text + "\n")
    except RacetrackError as error:
        print(f"racetrack: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        out = getattr(locals().get("args"), "sweep_out", None)
        if out is not None:
            print(f"racetrack: interrupted; the configurations finished so far are saved in "
                  f"{out}: run the same command to go on", file=sys.stderr)
        else:
            print("racetrack: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print("racetrack: error: out of memory (try fewer agents, episodes or --jobs, or a "
              "smaller --memory-size)", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(text)
    else:
        _print_text(args.command, result)
    return 0


def _negative_numbers_attached(argv: list[str]) -> list[str]:
    """``--noise -1e-3`` -> ``--noise=-1e-3``: argparse takes a negative number written with an
    exponent for an option, and would report the value as missing instead of out of range."""
    attached: list[str] = []
    for token in argv:
        if (attached and attached[-1].startswith("--") and "=" not in attached[-1]
                and token.startswith("-") and _is_number(token)):
            attached[-1] = f"{attached[-1]}={token}"
        else:
            attached.append(token)
    return attached


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _method(argv: Sequence[str] | None) -> str:
    """The value of ``train --method`` (read first: a Monte Carlo method has defaults of its own);
    ``td`` if absent, or if not a learning method (``train`` then reports it)."""
    if not argv or argv[0] != "train":
        return "td"
    early = _Parser(add_help=False)
    early.add_argument("--method", default="td")
    method = early.parse_known_args(argv)[0].method
    return method if method in METHOD_DEFAULTS else "td"


def _preset_name(argv: Sequence[str] | None) -> str | None:
    """The value of ``--preset`` if given (read first: the preset sets the other defaults)."""
    early = _Parser(add_help=False)  # its errors are one line too
    early.add_argument("--preset", default=None)
    name = early.parse_known_args(argv)[0].preset
    if name is not None and name not in PRESETS:
        raise RacetrackError(f"--preset {name!r} is not one of {', '.join(PRESETS)}")
    return name


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it: a reader (or an interrupted
    run) never sees half a file, and an old result is replaced only by a complete new one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise RacetrackError(f"--out {path}: cannot write ({error.strerror})") from None


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: how the cost grows with the track, on generated tracks from Figure 5.5's size to
over a million states.

For each size, in a fresh process (so that its peak memory is its own): generate a corner track
(racetrack_lib.generate), build its model, solve it by the ordered sweeps (racetrack solve's
default) and, up to ``--textbook-limit`` states, by chapter 2's textbook value iteration; evaluate
the optimal greedy policy exactly, in one ordered sweep and, up to ``--evaluation-limit``
states, by chapter 2's sparse solve; and run one-step Q-learning for a fixed
number of real steps to measure its speed. Prints one line a size, with each phase's seconds and
the peak memory traced by ``tracemalloc`` during it, and writes every number to ``--out`` (JSON).

Then, in another fresh process per size (up to ``--agent-limit`` states), the *agent phase*: the
real steps chapter 8's full agent needs before its greedy policy, evaluated exactly on the model,
is first within 10 % of the optimum (expected steps from the start line <= 1.1 x optimal).
Its choices, and why:

- The agent is ``racetrack_lib.ablation.full_agent()``, the same on every size: Watkins's
  Q(0.9) with the lambda ramp, replay 10,000 / 32, 10 Dyna planning steps per real step with
  the counting model, the library's defaults otherwise (per-pair step sizes, gamma 1, epsilon
  from 1 decaying by 0.998 an episode to 0.01, reached at episode 2,301; an episode cut at
  100,000 steps). One configuration for every size, so that the slope is the agent's and not a
  per-size tuning's; at Figure 5.5's size it is the agent chapter 8 measures. (The "combined"
  agent, naive Q(0.9) of preset ``combined-150``, is chapter 8's other agent, not this one.)
- Its epsilon decays per episode whatever ``num_episodes`` is, so the number of episodes is
  only a budget: each agent trains until its first evaluation within the band, or until
  ``--agent-budget`` real steps (then it counts as *never*: null in the JSON, kept, not dropped).
  Only the first entry into the band is measured (``TrainingResult.steps_to_within``'s
  definition), so training stops there; whether it stays within is not measured.
- The agents, the seed and the evaluations are ``training.train``'s: agent ``i`` of
  ``--agents`` (default 3) with seed 0 has train's random stream ``i``, and each evaluation the
  tie-breaking stream train gives it after that many episodes; so an agent's numbers are
  exactly those train would report at the same checkpoints. The optimum is the ordered value
  iteration's (equal to chapter 2's to 1e-9; train's textbook solve would take minutes here).
- Checkpoints: an exact evaluation after each chunk of episodes whose real steps come to about
  ``--agent-resolution`` (2 %) of the steps taken so far, at least one episode: evenly spaced in
  log(steps), as the log-log plot needs, so the crossing is located to about 2 % (the steps of
  the last evaluation outside the band are kept too: the crossing lies between the two) with
  50-110 evaluations an agent; at 64 k states one every 10 episodes cost a fifth of the CPU.
  An early greedy policy can crash so surely that ``expected_steps_of_greedy`` divides by
  zero (the chance of crashing before finishing rounds to 1); such an evaluation counts as
  outside the band (its expected steps are beyond 1e16), and ``agent_evaluations_crash_certain``
  counts them.
- Three agents (median, min and max; the median counts a *never* as infinitely many steps, so
  it is null when half of them never got there): more would not fit the CPU this took, and the
  agents' spread is small next to the growth across sizes (measured: see the JSON).
- The budget: 40 M real steps an agent, and agents only up to 70,000 states. Measured (seed 0,
  3 agents, median and min-max of the real steps to within 10 %): 1.40 M (1.25-1.42) at 5,069
  states, 2.47 M (2.36-2.48) at 8,910, 2.09 M (2.05-2.09) at 18,152, 11.8 M (11.4-12.1) at
  37,433, 20.2 M (19.7-20.4) at 63,813: a log-log slope of 1.06 (0.94-1.21 leaving out any one
  size), no agent never; 10 s of CPU an agent at the smallest size, 225 s at 63,813 states,
  19 minutes for the five sizes. Most of those steps come in the first few hundred episodes,
  while epsilon is high: a nearly random car rarely finishes a large track, so those episodes
  run to the 100,000-step cut (``agent_steps_while_exploring``, the steps before epsilon
  reaches its floor: 75-99 % of them). At 194,511 states one agent, after 31 M real steps and
  600 s of CPU, still had a greedy policy of 212 expected steps (the band: 63); the slope
  predicts some 65 M steps there, some 20 minutes of CPU an agent (19 us a step there). To measure the larger
  sizes, raise ``--agent-limit`` and ``--agent-budget`` (and ``--agent-jobs``).

Real steps are counts (the same seed gives the same numbers on any machine), so the agent phase
can run on a busy machine; the timings cannot. ``--out`` is therefore updated, not overwritten:
a run replaces, for each size it measures (by rows and cols), the keys of the phases it ran
(every ``agent_`` key for the agent phase, every other key for the timing phase) and keeps the
rest, writing the file after each size. Run on demand, never as a test:

    python benchmarks/bench_scaling.py --out racetrack_lib/data/scaling.json   # everything
    # the timings again, on a quiet machine, keeping the agent's numbers:
    python benchmarks/bench_scaling.py --skip-agent --out racetrack_lib/data/scaling.json
    # the agent phase alone (any machine; two agents at once on two cores):
    nice -n 10 python benchmarks/bench_scaling.py --agent-only --agent-jobs 2 \\
        --out racetrack_lib/data/scaling.json

``--sizes 32x17 45x28`` measures only those sizes (a quick check).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SIZES = [(32, 17), (45, 28), (60, 40), (80, 60), (100, 80), (160, 140), (260, 240),
         (400, 400)]  # rows, cols
WITHIN = 0.10  # the band: within 10 % of the optimum (results.WITHIN)
SIZE_KEYS = ("rows", "cols", "n_states")  # every other key belongs to one phase


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
    found["timed_on"] = f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores"  # the machine
    return found


def floor_episode(config) -> int:
    """The first episode explored at ``epsilon_min`` (``AgentConfig.epsilon``), or a huge number
    if epsilon never decays."""
    if config.epsilon_start <= config.epsilon_min:
        return 0
    if config.epsilon_decay == 1.0 or config.epsilon_min == 0.0:
        return sys.maxsize
    episode = math.ceil(math.log(config.epsilon_min / config.epsilon_start)
                        / math.log(config.epsilon_decay))
    while episode > 0 and config.epsilon(episode - 1) <= config.epsilon_min:
        episode -= 1  # the float rounding of the logarithms, either way
    while config.epsilon(episode) > config.epsilon_min:
        episode += 1
    return episode


def train_to_band(model, config, optimum: float, seed: int, agent: int, budget: int,
                  resolution: float) -> dict:
    """Agent ``agent`` of ``training.train(config, model, n_agents, seed)``, trained until its
    greedy policy is first within the band, or until ``budget`` real steps (see the module's
    docstring); its numbers."""
    import numpy as np

    from racetrack_lib.errors import RacetrackError
    from racetrack_lib.greedy_evaluation import expected_steps_of_greedy
    from racetrack_lib.training import (
        Learner,
        agent_generators,
        evaluation_generator,
        run_episodes,
    )

    started = time.thread_time()
    training_rng, evaluation_seed = agent_generators(seed, agent + 1)[agent]
    learner = Learner.new(model, config)
    band = (1 + WITHIN) * optimum
    floor = floor_episode(config)
    episodes = steps = exploring = last_outside = evaluations = rounded = 0
    evaluate_at = 1  # the real steps of the next evaluation
    longest = before = 1  # the longest episode since the last evaluation, and in the interval before
    while True:
        while steps < evaluate_at:  # in chunks that should not overshoot it much
            chunk = max(1, (evaluate_at - steps) // max(longest, before))
            lengths = np.abs(run_episodes(learner, model, config, training_rng, episodes,
                                          episodes + chunk))
            exploring += int(lengths[:max(0, floor - episodes)].sum())
            episodes += chunk
            steps += int(lengths.sum())
            longest = max(longest, int(lengths.max()))
        if not np.isfinite(learner.q_values).all():
            raise RacetrackError(f"agent {agent}: the Q values diverged by episode {episodes}")
        try:
            value = expected_steps_of_greedy(model, learner.q_values,
                                             evaluation_generator(evaluation_seed, episodes))
        except ZeroDivisionError:  # the chance of crashing before finishing rounded to 1: the
            value = math.inf  # expected steps are beyond 1e16, far outside the band
            rounded += 1
        evaluations += 1
        if value <= band or steps >= budget:
            break
        last_outside = steps
        evaluate_at = math.ceil(steps * (1 + resolution))
        longest, before = 1, longest
    return {"steps_to_within": steps if value <= band else None,
            "steps_last_outside": last_outside, "episodes": episodes,
            "final_expected_steps": value if math.isfinite(value) else None,
            "steps_while_exploring": exploring, "evaluations": evaluations,
            "evaluations_crash_certain": rounded,
            "cpu_seconds": time.thread_time() - started}


def measure_agent(rows: int, cols: int, n_agents: int, budget: int, limit: int, jobs: int,
                  resolution: float, seed: int) -> dict:
    """The agent phase on one generated track (runs in its own process): every key but the
    size's starts with ``agent_``."""
    from dataclasses import asdict

    from racetrack_lib import TabularModel, expected_steps_from_start
    from racetrack_lib.ablation import full_agent
    from racetrack_lib.generate import generate_track
    from racetrack_lib.ordered_dp import ordered_value_iteration

    model = TabularModel.build(generate_track(rows, cols, seed=1, shape="corner"), noise=0.1)
    found: dict = {"rows": rows, "cols": cols, "n_states": model.n_states}
    if model.n_states > limit:
        found["agent_skipped"] = (f"{model.n_states:,} states > --agent-limit {limit:,}: too "
                                  "costly for the budget (see the script's docstring)")
        return found
    config = full_agent()
    optimum = expected_steps_from_start(model, ordered_value_iteration(model).values)
    started = time.process_time()
    with ThreadPoolExecutor(max_workers=jobs) as pool:  # the compiled loops release the GIL
        runs = list(pool.map(lambda agent: train_to_band(model, config, optimum, seed, agent,
                                                         budget, resolution),
                             range(n_agents)))
    steps = [run["steps_to_within"] for run in runs]
    reached = sorted(each for each in steps if each is not None)
    ranked = reached + [math.inf] * (len(steps) - len(reached))  # never: infinitely many
    middle = len(ranked) // 2
    median = ranked[middle] if len(ranked) % 2 else (ranked[middle - 1] + ranked[middle]) / 2
    settings = {name: value for name, value in asdict(config).items()
                if name != "num_episodes"}  # unused: the budget is in real steps
    found |= {
        "agent_config": settings,
        "agent_config_name": "racetrack_lib.ablation.full_agent() (chapter 8's full agent)",
        "agent_seed": seed,
        "agent_budget_real_steps": budget,
        "agent_eval_resolution": resolution,
        "agent_optimal_expected_steps": optimum,
        "agent_band_expected_steps": (1 + WITHIN) * optimum,
        "agent_steps_to_within_10pct": steps,
        "agent_steps_to_within_10pct_median": median if math.isfinite(median) else None,
        "agent_steps_to_within_10pct_min": reached[0] if reached else None,
        "agent_steps_to_within_10pct_max": reached[-1] if len(reached) == len(steps) else None,
        "agent_never": len(steps) - len(reached),
        **{f"agent_{key}": [run[key] for run in runs]
           for key in ("steps_last_outside", "episodes", "final_expected_steps",
                       "steps_while_exploring", "evaluations", "evaluations_crash_certain",
                       "cpu_seconds")},
        "agent_total_cpu_seconds": time.process_time() - started,
    }
    return found


def phase_of(key: str) -> str:
    """Which phase measured a key of a size's entry: ``size``, ``agent`` or ``timing``."""
    if key in SIZE_KEYS:
        return "size"
    return "agent" if key.startswith("agent_") else "timing"


def merge(previous: list[dict], fresh: dict, phases: set[str]) -> list[dict]:
    """``previous`` entries with ``fresh``'s size's entry updated: the keys of ``phases``
    replaced by ``fresh``'s, the others kept."""
    by_size = {(entry["rows"], entry["cols"]): entry for entry in previous}
    key = (fresh["rows"], fresh["cols"])
    kept = {name: value for name, value in by_size.get(key, {}).items()
            if phase_of(name) not in phases}
    entry = {name: value for name, value in {**kept, **fresh}.items() if name in SIZE_KEYS}
    entry |= {name: value for name, value in {**kept, **fresh}.items() if name not in entry}
    by_size[key] = entry
    return sorted(by_size.values(), key=lambda each: each["rows"] * each["cols"])


def write_atomically(path: Path, entries: list[dict]) -> None:
    """``entries`` as JSON to ``path``: complete, or the old file stays."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(json.dumps(entries, indent=1) + "\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def size(text: str) -> tuple[int, int]:
    """``"32x17"`` -> ``(32, 17)``."""
    rows, _, cols = text.lower().partition("x")
    return int(rows), int(cols)


def run_child(arguments: list[str], timeout: float | None) -> dict:
    """The last line of a child process of this script, as JSON."""
    child = subprocess.run([sys.executable, __file__, *arguments], capture_output=True,
                           text=True, timeout=timeout, check=False)
    if child.returncode != 0:
        sys.exit(f"{' '.join(arguments)} failed:\n{child.stderr}")
    return json.loads(child.stdout.splitlines()[-1])


def print_timing(found: dict) -> None:
    textbook = (f"textbook {found['textbook_seconds']:7.2f} s ({found['textbook_sweeps']} "
                "sweeps)" if "textbook_seconds" in found else "textbook -")
    print(f"{found['rows']}x{found['cols']}: {found['n_states']:>9,} states | build "
          f"{found['build_seconds']:6.2f} s ({found['build_peak_mb']:6.0f} MB) | ordered "
          f"{found['ordered_seconds']:6.2f} s ({found['ordered_sweeps']} sweeps, "
          f"{found['ordered_peak_mb']:5.0f} MB) | {textbook} | evaluation "
          f"{found['evaluation_seconds']:6.2f} s (sparse "
          f"{found.get('sparse_evaluation_seconds', float('nan')):6.2f} s) | Q-learning "
          f"{found['q_learning_steps_per_second'] / 1e6:5.2f} M steps/s | peak RSS "
          f"{found['max_rss_mb']:6.0f} MB", flush=True)


def print_agent(found: dict) -> None:
    head = f"{found['rows']}x{found['cols']}: {found['n_states']:>9,} states | full agent:"
    if "agent_skipped" in found:
        print(f"{head} skipped ({found['agent_skipped']})", flush=True)
        return

    def millions(steps: float | None) -> str:
        return "never" if steps is None else f"{steps / 1e6:.2f} M"

    print(f"{head} real steps to within 10 % median "
          f"{millions(found['agent_steps_to_within_10pct_median'])} (min "
          f"{millions(found['agent_steps_to_within_10pct_min'])}, max "
          f"{millions(found['agent_steps_to_within_10pct_max'])}; never "
          f"{found['agent_never']} of {len(found['agent_steps_to_within_10pct'])}) | episodes "
          f"{found['agent_episodes']} | {found['agent_total_cpu_seconds']:.0f} s of CPU",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="the JSON file of the numbers, updated (see the docstring)")
    parser.add_argument("--sizes", nargs="+", type=size, default=SIZES, metavar="ROWSxCOLS",
                        help="the sizes to measure (default: all)")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--skip-agent", action="store_true",
                      help="the timing phases only (keeps the agent's numbers in --out)")
    only.add_argument("--agent-only", action="store_true",
                      help="the agent phase only (keeps the timings in --out)")
    parser.add_argument("--textbook-limit", type=int, default=300_000,
                        help="states up to which chapter 2's value iteration runs too")
    parser.add_argument("--evaluation-limit", type=int, default=250_000,
                        help="states up to which the sparse policy evaluation (an LU "
                             "solve) runs: at 574,000 states it took over 3 GB and "
                             "minutes")
    parser.add_argument("--q-steps", type=int, default=2_000_000,
                        help="real steps of Q-learning timed per size")
    parser.add_argument("--agents", type=int, default=3, help="full agents per size")
    parser.add_argument("--agent-budget", type=int, default=40_000_000,
                        help="real steps per agent; one not within 10 %% by then is 'never'")
    parser.add_argument("--agent-limit", type=int, default=70_000,
                        help="states up to which the agent phase runs")
    parser.add_argument("--agent-jobs", type=int, default=1, help="agents trained at once")
    parser.add_argument("--agent-resolution", type=float, default=0.02,
                        help="evaluate after real steps grew by about this fraction")
    parser.add_argument("--agent-seed", type=int, default=0)
    parser.add_argument("--one", nargs=2, type=int, metavar=("ROWS", "COLS"),
                        help=argparse.SUPPRESS)  # a child process's job: the timings
    parser.add_argument("--one-agent", nargs=2, type=int, metavar=("ROWS", "COLS"),
                        help=argparse.SUPPRESS)  # a child process's job: the agent
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(*args.one, args.textbook_limit, args.evaluation_limit,
                                 args.q_steps)))
        return
    if args.one_agent:
        print(json.dumps(measure_agent(*args.one_agent, args.agents, args.agent_budget,
                                       args.agent_limit, args.agent_jobs,
                                       args.agent_resolution, args.agent_seed)))
        return
    entries = json.loads(args.out.read_text()) if args.out and args.out.exists() else []
    for rows, cols in args.sizes:
        sizes = [str(rows), str(cols)]
        if not args.agent_only:
            found = run_child(["--one", *sizes, "--textbook-limit", str(args.textbook_limit),
                               "--evaluation-limit", str(args.evaluation_limit),
                               "--q-steps", str(args.q_steps)], timeout=1800)
            print_timing(found)
            entries = merge(entries, found, {"size", "timing"})
        if not args.skip_agent:
            found = run_child(["--one-agent", *sizes, "--agents", str(args.agents),
                               "--agent-budget", str(args.agent_budget),
                               "--agent-limit", str(args.agent_limit),
                               "--agent-jobs", str(args.agent_jobs),
                               "--agent-resolution", str(args.agent_resolution),
                               "--agent-seed", str(args.agent_seed)], timeout=None)
            print_agent(found)
            entries = merge(entries, found, {"size", "agent"})
        if args.out:
            write_atomically(args.out, entries)


if __name__ == "__main__":
    main()

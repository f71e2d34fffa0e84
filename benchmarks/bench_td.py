"""Benchmark: Q-learning and SARSA steps per second (one-step, with traces, with replay, with
planning, and all together), the library against a textbook-style loop, measured side by side in
one run.

The textbook-style baseline is how the algorithm is usually first written: a Gymnasium
environment object stepped once per move, a numpy Q table indexed per step, epsilon-greedy with
random tie-breaking through numpy calls; for replay, a ``collections.deque`` of transition
tuples and a batch of indices drawn per step. The library runs the same algorithm, compiled by numba
over the model's tables. Both run on one core.

Run on demand: ``python benchmarks/bench_td.py`` (or ``make benchmark``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import deque

import numpy as np

from racetrack_lib import RacetrackEnv, TabularModel
from racetrack_lib.config import AgentConfig
from racetrack_lib.training import Learner, run_episodes


def textbook_q_learning(env: RacetrackEnv, n_steps: int, alpha: float, epsilon: float,
                        rng: np.random.Generator, sarsa: bool = False, memory_size: int = 0,
                        batch_size: int = 0, planning_steps: int = 0) -> int:
    """Q-learning (or SARSA) as a textbook writes it, optionally with experience replay or
    Dyna-Q planning (a dict model of outcome counts); returns the number of steps taken."""
    q_values = np.zeros((env.observation_space.n, env.action_space.n))
    memory: deque = deque(maxlen=max(memory_size, 1))
    model: dict = {}  # (s, a) -> {(s', done): count}
    tried: list = []

    def update(state: int, action: int, reward: float, next_state: int, next_action: int,
               terminated: bool) -> None:
        if terminated:
            target = reward
        elif sarsa:
            target = reward + q_values[next_state, next_action]
        else:
            target = reward + q_values[next_state].max()
        q_values[state, action] += alpha * (target - q_values[state, action])

    def choose(state: int) -> int:
        if rng.random() < epsilon:
            return int(rng.integers(env.action_space.n))
        best = np.flatnonzero(q_values[state] == q_values[state].max())
        return int(rng.choice(best))

    steps = 0
    while steps < n_steps:
        state, _ = env.reset(seed=int(rng.integers(2**31)))
        action = choose(state)
        terminated = False
        while not terminated and steps < n_steps:
            next_state, reward, terminated, _, _ = env.step(action)
            steps += 1
            next_action = choose(next_state)
            update(state, action, reward, next_state, next_action, terminated)
            if memory_size:
                memory.append((state, action, reward, next_state, next_action, terminated))
                if len(memory) >= batch_size:
                    for index in rng.integers(len(memory), size=batch_size):
                        update(*memory[index])
            if planning_steps:
                outcomes = model.setdefault((state, action), {})
                if not outcomes:
                    tried.append((state, action))
                key = (next_state, terminated)
                outcomes[key] = outcomes.get(key, 0) + 1
                for _ in range(planning_steps):
                    s, a = tried[rng.integers(len(tried))]
                    choices = list(model[(s, a)].items())
                    counts = np.array([count for _, count in choices])
                    (s2, done), _ = choices[rng.choice(len(choices), p=counts / counts.sum())]
                    update(s, a, -1.0, s2, 0, done)
            state, action = next_state, next_action
    return steps


def library_run(model: TabularModel, config: AgentConfig, seed: int) -> tuple[int, float]:
    """The library's compiled loop for ``config.num_episodes`` episodes: (steps, seconds)."""
    learner = Learner.new(model, config)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    lengths = run_episodes(learner, model, config, rng, 0, config.num_episodes)
    return int(np.abs(lengths).sum()), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--textbook-steps", type=int, default=100_000)
    args = parser.parse_args()
    model = TabularModel.build("track1", noise=0.1)
    env = RacetrackEnv(model=model)
    print(f"track1: {model.n_states} states; one core; medians of {args.repeats} runs")
    # (target, lambda, replay batch, planning steps); the last row is chapter 8's full agent
    cases = [("q_learning", 0.0, 0, 0), ("sarsa", 0.0, 0, 0), ("q_learning", 0.9, 0, 0),
             ("sarsa", 0.9, 0, 0), ("q_learning", 0.0, 32, 0), ("q_learning", 0.0, 0, 10),
             ("q_learning", 0.9, 32, 10)]
    for target, trace_decay, batch_size, planning_steps in cases:
        # The defaults (the chapter-4 agent), with traces, replay or planning in the last rows.
        # The textbook baseline for traces is the one-step loop (a textbook lambda loop would
        # be slower still); for replay and planning it replays and plans too.
        memory_size = 10_000 if batch_size else 0
        settings = {"target": target, "trace_decay": trace_decay, "memory_size": memory_size,
                    "batch_size": batch_size or 32, "planning_steps": planning_steps}
        # 100,000 episodes take over a minute with replay and planning together: 10,000 then
        episodes = 10_000 if batch_size and planning_steps else 100_000
        config = AgentConfig(**settings, num_episodes=episodes)
        library_run(model, AgentConfig(**settings, num_episodes=10), 0)  # compile first
        library = []
        for repeat in range(args.repeats):
            steps, seconds = library_run(model, config, seed=repeat)
            library.append(steps / seconds)
        textbook = []
        for repeat in range(args.repeats):
            rng = np.random.default_rng(repeat)
            started = time.perf_counter()
            textbook_steps = args.textbook_steps // (1 + batch_size + planning_steps)
            steps = textbook_q_learning(env, textbook_steps, 0.2, 0.1, rng,
                                        sarsa=target == "sarsa", memory_size=memory_size,
                                        batch_size=batch_size, planning_steps=planning_steps)
            textbook.append(steps / (time.perf_counter() - started))
        fast, slow = statistics.median(library), statistics.median(textbook)
        label = target if trace_decay == 0 else f"{target}, lambda {trace_decay}"
        if batch_size:
            label += f", replay {memory_size}/{batch_size}"
        if planning_steps:
            label += f", planning {planning_steps}"
        print(f"{label:<22} library {fast / 1e6:6.2f} M steps/s "
              f"(min {min(library) / 1e6:.2f}, max {max(library) / 1e6:.2f})   "
              f"textbook {slow / 1e6:6.3f} M steps/s   ratio {fast / slow:5.0f}x")


if __name__ == "__main__":
    main()

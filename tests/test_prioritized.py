"""Prioritized sweeping (racetrack_lib/prioritized.py) against a plain dictionary version of the
same algorithm (S&B section 8.4), update by update, on a logged run; its heap; and its place in
the agent's loop."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from racetrack_lib.agent import loop_settings
from racetrack_lib.config import AgentConfig
from racetrack_lib.dyna import new_dynamics_model
from racetrack_lib.errors import RacetrackError
from racetrack_lib.exercises.ch07 import SMALL_TRACK
from racetrack_lib.mdp import TabularModel
from racetrack_lib.prioritized import learn_and_sweep, new_priority_queue, pop, push
from racetrack_lib.rules import FINISHED
from racetrack_lib.td import Transition
from racetrack_lib.track import parse_track
from racetrack_lib.training import train

REWARD = -1.0


def logged_run(model: TabularModel, n_steps: int, seed: int) -> list[tuple[int, int, int, bool]]:
    """``n_steps`` real steps of a random driver: (s, a, s' or the state itself, finished)."""
    rng = np.random.default_rng(seed)
    log, state = [], int(rng.choice(model.start_states))
    for _ in range(n_steps):
        action = int(rng.integers(9))
        next_state, _, finished, _ = model.sample_step(state, action, rng)
        log.append((state, action, int(next_state), bool(finished)))
        state = int(rng.choice(model.start_states)) if finished else int(next_state)
    return log


class DictionarySweeping:
    """Prioritized sweeping written plainly: dictionaries for the model, the predecessors and the
    queue, and a scan for the pair of highest priority (older first among equals)."""

    def __init__(self, n_states: int, gamma: float, theta: float, planning_steps: int):
        self.q = np.zeros((n_states, 9))
        self.model: dict[tuple[int, int], dict[int, int]] = {}
        self.predecessors: dict[int, list[tuple[int, int]]] = {}
        self.queue: dict[tuple[int, int], tuple[float, int]] = {}
        self.stamp = 0
        self.gamma, self.theta, self.planning_steps = gamma, theta, planning_steps
        self.updates: list[int] = []

    def target(self, pair: tuple[int, int]) -> float:
        weighted, total = 0.0, 0
        for outcome, count in self.model[pair].items():
            value = REWARD
            if outcome != FINISHED:
                value += self.gamma * self.q[outcome].max()
            total += count
            weighted += count * value
        return weighted / total

    def queue_if_due(self, pair: tuple[int, int]) -> None:
        priority = abs(self.target(pair) - self.q[pair])
        if priority <= self.theta:
            return
        if pair in self.queue and priority <= self.queue[pair][0]:
            return
        self.queue[pair] = (priority, self.stamp)
        self.stamp += 1

    def real_step(self, state: int, action: int, outcome: int) -> None:
        pair = (state, action)
        seen = self.model.setdefault(pair, {})
        if outcome not in seen and outcome != FINISHED:
            self.predecessors.setdefault(outcome, []).append(pair)
        seen[outcome] = seen.get(outcome, 0) + 1
        self.queue_if_due(pair)
        for _ in range(self.planning_steps):
            if not self.queue:
                break
            top = min(self.queue, key=lambda each: (-self.queue[each][0], self.queue[each][1]))
            del self.queue[top]
            self.q[top] = self.target(top)
            self.updates.append(top[0] * 9 + top[1])
            # the library keeps each state's predecessors as a list it walks newest first
            for before in reversed(self.predecessors.get(top[0], [])):
                self.queue_if_due(before)


@pytest.mark.parametrize(("planning_steps", "theta"), [(5, 1e-4), (40, 0.0), (1, 0.05)])
def test_same_updates_in_the_same_order_as_a_dictionary_version(planning_steps, theta):
    model = TabularModel.build("track1", 0.1)
    settings = loop_settings(AgentConfig(planning_steps=planning_steps,
                                         planning_kind="prioritized",
                                         priority_threshold=theta))
    q_values = np.zeros((model.n_states, 9))
    dynamics = new_dynamics_model(model.n_states, 9, len(model.start_states))
    queue = new_priority_queue(model.n_states, 9, len(model.start_states), log_size=200_000)
    reference = DictionarySweeping(model.n_states, settings.gamma, theta, planning_steps)
    log = logged_run(model, 3_000, seed=planning_steps)
    for step, (state, action, next_state, finished) in enumerate(log):
        learn_and_sweep(q_values, dynamics, queue, settings,
                        Transition(state, action, REWARD, next_state, 0, finished))
        reference.real_step(state, action, FINISHED if finished else next_state)
        if step % 500 == 0 or step == len(log) - 1:
            assert np.array_equal(q_values, reference.q), f"after real step {step}"
    n_logged = int(queue.log[0])
    assert queue.log[1:n_logged + 1].tolist() == reference.updates
    assert n_logged > len(log) // 2  # it planned: updates popped from the queue
    assert int(queue.size[0]) == len(reference.queue)
    assert int(queue.size[2]) == reference.stamp  # as many queue entries set, in both


def test_the_heap_gives_the_highest_priority_first_and_ties_in_order():
    queue = new_priority_queue(50, 1, 0)
    rng = np.random.default_rng(3)
    priorities = rng.choice([0.5, 1.0, 2.0, 3.0], size=50)
    for pair, priority in enumerate(priorities):
        push(queue, pair, float(priority))
    push(queue, 7, 0.1)  # lower than its own: ignored
    push(queue, 8, 10.0)  # higher: moves to the front
    priorities[8] = 10.0
    order = [pop(queue) for _ in range(50)]
    expected = sorted(range(50), key=lambda pair: (-priorities[pair], pair))
    expected.remove(8)
    assert order == [8, *expected]
    assert queue.size[0] == 0 and (queue.positions == -1).all()


def test_nothing_over_theta_means_no_planning_and_no_random_numbers():
    """With a threshold no change reaches, the prioritized agent is exactly the agent without
    planning: prioritized sweeping draws no random numbers of its own."""
    base = AgentConfig(num_episodes=200, trace_decay=0.9, memory_size=1000, batch_size=8)
    silent = replace(base, planning_steps=10, planning_kind="prioritized",
                     priority_threshold=1000.0)
    without, with_queue = (train(config, "track1", n_agents=2, seed=4) for config in
                           (base, silent))
    assert np.array_equal(without.q_values, with_queue.q_values)
    assert np.array_equal(without.episode_lengths, with_queue.episode_lengths)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_prioritized_sweeping_learns_more_from_the_same_experience_than_uniform_dyna(seed):
    """On a small track (603 states), 4 agents x 200 episodes: about the same real steps, and a
    better final greedy policy when the 10 planning steps follow the queue."""
    model = TabularModel.build(parse_track(SMALL_TRACK), 0.1)
    base = AgentConfig(num_episodes=200, planning_steps=10, epsilon_decay=0.97)
    uniform, swept = (train(replace(base, planning_kind=kind), model, n_agents=4, seed=seed)
                      for kind in ("uniform", "prioritized"))
    assert 0.8 < swept.env_steps / uniform.env_steps < 1.2
    assert np.median(swept.final_expected_steps) < np.median(uniform.final_expected_steps)


def test_prioritized_sweeping_needs_the_counting_model():
    with pytest.raises(RacetrackError, match=r"model_kind = 'last' .* planning_kind"):
        AgentConfig(planning_kind="prioritized", model_kind="last")

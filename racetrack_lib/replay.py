"""Experience replay: a fixed-size memory of past transitions, replayed through the TD rule.

Notation (chapter 6): a transition is ``(s, a, r, s', a', done)``; ``memory_size`` is the
capacity of the memory, ``batch_size`` how many stored transitions are replayed after every real
step. ``a'`` is the action the agent took next (SARSA's target needs it); ``done`` says that the
step crossed the finish line (then the target is just ``r``).

The memory is a ring buffer (a :class:`ReplayMemory` record): one numpy array per field, a
write position that wraps around, and the number of transitions stored so far. When it is full, a new transition overwrites the oldest.
Replay samples uniformly, with replacement, from the stored transitions only, with the agent's
own random generator.

Replayed updates are **one-step** updates, never traced: an eligibility trace is the memory of
the trajectory being driven now, and a replayed transition is not part of it (chapter 6 gives the
reasoning). They use the agent's own target and update (``td.td_target``, ``td.td_update``: max
for Q-learning, the stored ``a'`` for SARSA, each pair's current step size), and they do not
count as visits.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .td import Transition, td_target, td_update

SIZE, POSITION = 0, 1  # fill[SIZE]: transitions stored; fill[POSITION]: the next slot to write


class ReplayMemory(NamedTuple):
    """A ring buffer of transitions: one array per field of a ``td.Transition``, each of shape
    ``(capacity,)``, and ``fill``, shape ``(2,)``: ``[size, position]``."""

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_states: np.ndarray
    next_actions: np.ndarray
    dones: np.ndarray
    fill: np.ndarray


def new_memory(capacity: int) -> ReplayMemory:
    """An empty memory for ``capacity`` transitions (0: an agent without replay)."""
    return ReplayMemory(
        states=np.zeros(capacity, dtype=np.int64),
        actions=np.zeros(capacity, dtype=np.int64),
        rewards=np.zeros(capacity),
        next_states=np.zeros(capacity, dtype=np.int64),
        next_actions=np.zeros(capacity, dtype=np.int64),
        dones=np.zeros(capacity, dtype=np.bool_),
        fill=np.zeros(2, dtype=np.int64),
    )


@njit(cache=True, inline="always")
def store(memory: ReplayMemory, transition: Transition) -> None:
    """Write one transition at the write position, overwriting the oldest when full."""
    capacity = len(memory.states)
    slot = memory.fill[POSITION]
    memory.states[slot] = transition.state
    memory.actions[slot] = transition.action
    memory.rewards[slot] = transition.reward
    memory.next_states[slot] = transition.next_state
    memory.next_actions[slot] = transition.next_action
    memory.dones[slot] = transition.finished
    memory.fill[POSITION] = (slot + 1) % capacity
    memory.fill[SIZE] = min(memory.fill[SIZE] + 1, capacity)


@njit(cache=True, inline="always")
def sample_slot(memory: ReplayMemory, rng: np.random.Generator) -> int:
    """A uniformly random slot among the transitions stored so far (never an empty slot)."""
    return rng.integers(0, memory.fill[SIZE])


@njit(cache=True)  # not inlined: keeps the episode loops small
def replay_batch(q_values: np.ndarray, step_sizes: np.ndarray, visits: np.ndarray,
                 memory: ReplayMemory, settings: tuple, rng: np.random.Generator) -> None:
    """Replay ``settings.batch_size`` transitions sampled from ``memory``, one one-step TD
    update each, in place::

        for each sampled (s, a, r, s', a', done):
            target = r                          if done
                   = r + gamma * max_b Q(s', b) (Q-learning)
                   = r + gamma * Q(s', a')      (SARSA)
            Q(s, a) += alpha_n(s, a) * (target - Q(s, a))

    Nothing is replayed until the memory holds at least ``batch_size`` transitions.

    Args:
        q_values, step_sizes, visits: the learner's ``Q``, step-size table and visit counts
            (``agent.Learner``; the loop hands over the arrays, see ``td.td_episode``).
        memory: the replay memory (``learner.memory``).
        settings: the loop's settings (``agent.LoopSettings``): ``batch_size``, ``target``,
            ``gamma``.
    """
    # The memory's arrays, taken out of their record once, before the loop (td.td_episode)
    states, actions, rewards, next_states, next_actions, dones, fill = memory
    if fill[SIZE] < settings.batch_size:
        return
    for _ in range(settings.batch_size):
        slot = sample_slot(memory, rng)
        replayed = Transition(states[slot], actions[slot], rewards[slot], next_states[slot],
                              next_actions[slot], dones[slot])
        target = td_target(q_values, replayed, settings.target, settings.gamma, -1)
        td_update(q_values, step_sizes, visits, replayed.state, replayed.action, target)


@njit(cache=True, inline="always")
def remember_and_replay(q_values: np.ndarray, step_sizes: np.ndarray, visits: np.ndarray,
                        memory: ReplayMemory, settings: tuple, transition: Transition,
                        rng: np.random.Generator) -> None:
    """After a real step: store its transition and replay a batch (nothing if
    ``settings.batch_size`` is 0, so an agent without replay draws no extra random numbers)."""
    if settings.batch_size == 0:
        return
    store(memory, transition)
    replay_batch(q_values, step_sizes, visits, memory, settings, rng)

"""Experience replay: a fixed-size memory of past transitions, replayed through the TD rule.

Notation (chapter 5): a transition is ``(s, a, r, s', a', done)``; ``memory_size`` is the
capacity of the memory, ``batch_size`` how many stored transitions are replayed after every real
step. ``a'`` is the action the agent took next (SARSA's target needs it); ``done`` says that the
step crossed the finish line (then the target is just ``r``).

The memory is a ring buffer: one numpy array per field, a write position that wraps around, and
the number of transitions stored so far. When it is full, a new transition overwrites the oldest.
Replay samples uniformly, with replacement, from the stored transitions only, with the agent's
own random generator.

Replayed updates are **one-step** updates, never traced: an eligibility trace is the memory of
the trajectory being driven now, and a replayed transition is not part of it (chapter 5 gives the
reasoning). They use the agent's own target (max for Q-learning, the stored ``a'`` for SARSA) and
each pair's current step size, and they do not count as visits.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .step_size import step_size

# The fields of a memory, in order, as returned by new_memory.
FIELDS = ("states", "actions", "rewards", "next_states", "next_actions", "done", "fill")
SIZE, POSITION = 0, 1  # fill[SIZE]: transitions stored; fill[POSITION]: the next slot to write


def new_memory(capacity: int) -> tuple:
    """An empty memory for ``capacity`` transitions: a tuple of arrays named by ``FIELDS``, each
    of shape ``(capacity,)``, and ``fill``, shape ``(2,)``: ``[size, position]``."""
    return (
        np.zeros(capacity, dtype=np.int64),  # states
        np.zeros(capacity, dtype=np.int64),  # actions
        np.zeros(capacity),  # rewards
        np.zeros(capacity, dtype=np.int64),  # next_states
        np.zeros(capacity, dtype=np.int64),  # next_actions
        np.zeros(capacity, dtype=np.bool_),  # done
        np.zeros(2, dtype=np.int64),  # fill: [size, position]
    )


@njit(cache=True, inline="always")
def store(memory: tuple, state: int, action: int, reward: float, next_state: int,
          next_action: int, done: bool) -> None:
    """Write one transition at the write position, overwriting the oldest when full."""
    states, actions, rewards, next_states, next_actions, dones, fill = memory
    capacity = len(states)
    slot = fill[POSITION]
    states[slot] = state
    actions[slot] = action
    rewards[slot] = reward
    next_states[slot] = next_state
    next_actions[slot] = next_action
    dones[slot] = done
    fill[POSITION] = (slot + 1) % capacity
    fill[SIZE] = min(fill[SIZE] + 1, capacity)


@njit(cache=True, inline="always")
def sample_slot(memory: tuple, rng: np.random.Generator) -> int:
    """A uniformly random slot among the transitions stored so far (never an empty slot)."""
    return rng.integers(0, memory[-1][SIZE])


@njit(cache=True)  # not inlined: keeps the episode loops small
def replay_batch(q_values: np.ndarray, memory: tuple, batch_size: int, step_sizes: np.ndarray,
                 visits: np.ndarray, gamma: float, use_sarsa: bool,
                 rng: np.random.Generator) -> None:
    """Replay ``batch_size`` sampled transitions, one one-step TD update each, in place::

        for each sampled (s, a, r, s', a', done):
            target = r                          if done
                   = r + gamma * max_b Q(s', b) (Q-learning)
                   = r + gamma * Q(s', a')      (SARSA)
            Q(s, a) += alpha_n(s, a) * (target - Q(s, a))

    Nothing is replayed until the memory holds at least ``batch_size`` transitions.
    """
    states, actions, rewards, next_states, next_actions, dones, fill = memory
    if fill[SIZE] < batch_size:
        return
    for _ in range(batch_size):
        slot = sample_slot(memory, rng)
        state, action, target = states[slot], actions[slot], rewards[slot]
        if not dones[slot]:
            if use_sarsa:
                target += gamma * q_values[next_states[slot], next_actions[slot]]
            else:
                target += gamma * q_values[next_states[slot]].max()
        alpha = step_size(step_sizes, visits, state, action)
        q_values[state, action] += alpha * (target - q_values[state, action])


@njit(cache=True, inline="always")
def remember_and_replay(q_values: np.ndarray, memory: tuple, batch_size: int,
                        step_sizes: np.ndarray, visits: np.ndarray, gamma: float,
                        use_sarsa: bool, rng: np.random.Generator, state: int, action: int,
                        reward: float, next_state: int, next_action: int, done: bool) -> None:
    """After a real step: store its transition and replay a batch (nothing if ``batch_size``
    is 0, so an agent without replay draws no extra random numbers)."""
    if batch_size == 0:
        return
    store(memory, state, action, reward, next_state, next_action, done)
    replay_batch(q_values, memory, batch_size, step_sizes, visits, gamma, use_sarsa, rng)

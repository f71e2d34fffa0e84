"""Choosing actions from action values: greedy with random tie-breaking, and epsilon-greedy.

Compiled with numba (``NUMBA_DISABLE_JIT=1`` runs the same source as plain Python). Random
numbers come from the ``np.random.Generator`` passed in, so a seeded generator gives the same
choices compiled or not.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def greedy_action(q_values: np.ndarray, state: int, rng: np.random.Generator,
                  tolerance: float = 0.0) -> int:
    """An action with the largest ``Q(s, a)``, chosen uniformly among ties.

    ``np.argmax`` always returns the lowest-numbered of tied actions; an agent whose table starts
    at all zeros would then always try action 0 first, a bias that shows in its learning curve.
    Values within ``tolerance`` of the maximum count as tied.

    Args:
        q_values: ``Q``, shape ``(n_states, n_actions)``.

    >>> q_values = np.array([[0.0, 1.0, 1.0, -1.0]])  # actions 1 and 2 tie
    >>> sorted({greedy_action(q_values, 0, np.random.default_rng(seed)) for seed in range(20)})
    [1, 2]
    """
    # Pass 1: the maximum and the first action reaching it (what np.argmax returns).
    best, first = q_values[state, 0], 0
    for action in range(1, q_values.shape[1]):
        if q_values[state, action] > best:
            best, first = q_values[state, action], action
    # Pass 2: how many actions tie with it (a sum of booleans: no branch to mispredict).
    n_tied = 0
    for action in range(q_values.shape[1]):
        n_tied += q_values[state, action] >= best - tolerance
    if n_tied == 1:
        return first
    # Only with ties: draw one of them uniformly and find it.
    pick = rng.integers(0, n_tied)
    for action in range(q_values.shape[1]):
        if q_values[state, action] >= best - tolerance:
            if pick == 0:
                return action
            pick -= 1
    return -1  # unreachable: some action always attains the maximum


@njit(cache=True)
def greedy_actions(q_values: np.ndarray, rng: np.random.Generator,
                   tolerance: float = 0.0) -> np.ndarray:
    """The greedy action of every state (ties broken at random), shape ``(n_states,)``.

    Args:
        q_values: ``Q``, shape ``(n_states, n_actions)``.
    """
    actions = np.empty(q_values.shape[0], dtype=np.int64)
    for state in range(q_values.shape[0]):
        actions[state] = greedy_action(q_values, state, rng, tolerance)
    return actions


@njit(cache=True, inline="always")
def explore(greedy: int, epsilon: float, n_actions: int, rng: np.random.Generator) -> int:
    """Epsilon-greedy from a greedy action already chosen: with probability ``epsilon`` a
    uniformly random action instead (S&B section 2.2)."""
    if rng.random() < epsilon:
        return rng.integers(0, n_actions)
    return greedy


@njit(cache=True, inline="always")
def epsilon_greedy(q_values: np.ndarray, state: int, epsilon: float,
                   rng: np.random.Generator) -> int:
    """With probability ``epsilon`` a uniformly random action, else a greedy one (S&B sec. 2.2).

    Every action keeps probability at least ``epsilon / n_actions``, so every (state, action)
    pair that is reached keeps being tried.
    """
    return explore(greedy_action(q_values, state, rng, 0.0), epsilon, q_values.shape[1], rng)

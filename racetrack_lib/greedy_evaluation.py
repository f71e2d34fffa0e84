"""The exact expected steps of a greedy policy from the start line, fast enough to call every
few episodes during training.

``dp.policy_evaluation`` solves a linear system over every state of the track (milliseconds).
A learning curve needs less: the value from the start line of the greedy policy. This module
(1) follows the policy from the start line to find the states it can reach, computing the greedy
action only there; (2) orders them so that every state comes after the states it leads to; and
(3) solves the linear system ``T = 1 + P_pi T`` by back-substitution in that order, in
microseconds.

Why an order exists: off the start line the velocity is never (0, 0) and its components are never
negative, so every move strictly increases ``col - row``. The only ways back are crashes (to the
start line) and staying at rest on a start cell (a self-loop). Leaving those out, the states form
a directed acyclic graph. Each expected step count is then affine in the one unknown
``C = mean over start states of T``: ``T(s) = a(s) + b(s) * C``, with ``b(s)`` the probability
of crashing before finishing. The start line closes the loop: ``C = mean(a) + mean(b) * C``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .mdp import CRASHED, FINISHED, TabularModel
from .policy import greedy_action


@njit(cache=True)
def _outcome_probabilities(noise: float) -> tuple[float, float]:
    return 1.0 - noise, noise


@njit(cache=True, nogil=True)  # agents evaluate in threads at once (training.train)
def _reachable_greedy(q_values: np.ndarray, next_states: np.ndarray, start_states: np.ndarray,
                      noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """States reachable from the start line under the greedy policy (breadth-first order), and
    the policy: ``policy[s]`` is the greedy action of reachable ``s`` (ties at random), else -1."""
    n_states = next_states.shape[0]
    policy = np.full(n_states, -1, dtype=np.int64)
    order = np.empty(n_states, dtype=np.int64)
    count = 0
    for state in start_states:
        if policy[state] < 0:
            policy[state] = greedy_action(q_values, state, rng, 0.0)
            order[count] = state
            count += 1
    probabilities = _outcome_probabilities(noise)
    head = 0
    while head < count:
        state = order[head]
        head += 1
        for outcome in range(2):
            landing = next_states[state, policy[state], outcome]
            if probabilities[outcome] > 0.0 and landing >= 0 and policy[landing] < 0:
                policy[landing] = greedy_action(q_values, landing, rng, 0.0)
                order[count] = landing
                count += 1
    return order[:count], policy


@njit(cache=True, nogil=True)  # agents evaluate in threads at once (training.train)
def _successors_first(states: np.ndarray, policy: np.ndarray, next_states: np.ndarray,
                      noise: float) -> np.ndarray:
    """The states reordered so that each comes after every state it moves to (crashes and
    self-loops aside): Kahn's topological sort, on the reversed edges. Returns an empty array if
    the moves had a cycle (impossible under the racetrack rules, checked anyway)."""
    n_states = next_states.shape[0]
    probabilities = _outcome_probabilities(noise)
    n_unresolved = np.zeros(n_states, dtype=np.int64)  # successors not yet placed
    predecessors_count = np.zeros(n_states, dtype=np.int64)
    for state in states:
        for outcome in range(2):
            landing = next_states[state, policy[state], outcome]
            if probabilities[outcome] > 0.0 and landing >= 0 and landing != state:
                n_unresolved[state] += 1
                predecessors_count[landing] += 1
    # Predecessor lists in one flat array (compressed rows).
    offsets = np.zeros(n_states + 1, dtype=np.int64)
    for state in range(n_states):
        offsets[state + 1] = offsets[state] + predecessors_count[state]
    predecessors = np.empty(offsets[-1], dtype=np.int64)
    filled = offsets[:-1].copy()
    for state in states:
        for outcome in range(2):
            landing = next_states[state, policy[state], outcome]
            if probabilities[outcome] > 0.0 and landing >= 0 and landing != state:
                predecessors[filled[landing]] = state
                filled[landing] += 1
    order = np.empty(len(states), dtype=np.int64)
    count = 0
    for state in states:
        if n_unresolved[state] == 0:
            order[count] = state
            count += 1
    head = 0
    while head < count:
        state = order[head]
        head += 1
        for index in range(offsets[state], offsets[state + 1]):
            before = predecessors[index]
            n_unresolved[before] -= 1
            if n_unresolved[before] == 0:
                order[count] = before
                count += 1
    if count < len(states):
        return np.empty(0, dtype=np.int64)
    return order


@njit(cache=True, nogil=True)  # agents evaluate in threads at once (training.train)
def _start_line_steps(order: np.ndarray, policy: np.ndarray, next_states: np.ndarray,
                      start_states: np.ndarray, noise: float) -> float:
    """Back-substitution of ``T(s) = 1 + sum_s' P(s'|s) T(s')`` along ``order``; returns ``C``."""
    n_states = next_states.shape[0]
    probabilities = _outcome_probabilities(noise)
    steps_alone = np.zeros(n_states)  # a(s): expected steps, counting a crash as free
    crash_probability = np.zeros(n_states)  # b(s): probability of crashing before finishing
    finishes = np.zeros(n_states, dtype=np.bool_)  # can reach the finish without crashing
    crashes = np.zeros(n_states, dtype=np.bool_)  # can reach a crash
    for state in order:
        stay, a_sum, b_sum = 0.0, 0.0, 0.0
        for outcome in range(2):
            prob = probabilities[outcome]
            if prob == 0.0:
                continue
            landing = next_states[state, policy[state], outcome]
            if landing == FINISHED:
                finishes[state] = True
            elif landing == CRASHED:
                b_sum += prob
                crashes[state] = True
            elif landing == state:
                stay += prob
            else:
                a_sum += prob * steps_alone[landing]
                b_sum += prob * crash_probability[landing]
                finishes[state] = finishes[state] or finishes[landing]
                crashes[state] = crashes[state] or crashes[landing]
        if stay < 1.0:  # a self-loop of probability 1 would never end: caught below
            steps_alone[state] = (1.0 + a_sum) / (1.0 - stay)
            crash_probability[state] = b_sum / (1.0 - stay)
    restart_finishes = False
    for start in start_states:
        restart_finishes = restart_finishes or finishes[start]
    for state in order:
        if not (finishes[state] or (crashes[state] and restart_finishes)):
            return np.inf  # from here the finish cannot be reached: the episode never ends
    mean_a = 0.0
    mean_b = 0.0
    for start in start_states:
        mean_a += steps_alone[start] / len(start_states)
        mean_b += crash_probability[start] / len(start_states)
    if mean_b >= 1.0:  # finishing before a crash is so unlikely that 1 - b rounds to 0:
        return np.inf  # the expected steps overflow any float, and 1 / 0 would raise
    return mean_a / (1.0 - mean_b)


def expected_steps_of_greedy(model: TabularModel, q_values: np.ndarray,
                             rng: np.random.Generator) -> float:
    """The exact expected number of steps from the start line of the greedy policy of
    ``q_values`` (ties broken with ``rng``); ``inf`` if it does not finish with probability 1.

    Equals ``-mean_b V^pi(b)`` of ``dp.policy_evaluation`` for the same policy (tested), computed
    on the reachable states only; see the module docstring for the method.

    Args:
        q_values: ``Q``, shape ``(n_states, 9)``.

    >>> import numpy as np
    >>> from racetrack_lib import TabularModel, value_iteration
    >>> model = TabularModel.build("track1", noise=0.1)
    >>> q_star = value_iteration(model).q_values
    >>> round(expected_steps_of_greedy(model, q_star, np.random.default_rng(0)), 4)
    12.1013
    >>> expected_steps_of_greedy(model, np.zeros_like(q_star), np.random.default_rng(0))
    inf
    """
    states, policy = _reachable_greedy(q_values, model.next_states, model.start_states,
                                       model.noise, rng)
    order = _successors_first(states, policy, model.next_states, model.noise)
    if len(order) == 0:
        raise AssertionError("the moves of a policy formed a cycle: the rules were broken")
    return float(_start_line_steps(order, policy, model.next_states, model.start_states,
                                   model.noise))

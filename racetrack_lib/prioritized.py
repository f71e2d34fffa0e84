"""Prioritized sweeping (Sutton & Barto section 8.4): planning where the values are changing.

Dyna (chapter 7, ``dyna.plan``) draws the pairs it plans from uniformly, so most of its simulated
updates change nothing: far from the states whose values just moved, the targets are what the
estimates already say. Prioritized sweeping keeps a queue of state-action pairs ordered by how
much an update would change them, and works backwards from the change:

- after a real step, the pair just tried gets the priority ``P = |target(s, a) - Q(s, a)|``;
- a planning step takes the pair of highest priority and applies the *expected* update of the
  counting model (every outcome seen, weighted by its count, S&B eq. 8.1 with ``p-hat``)::

      Q(s, a) <- sum_o  n(s, a, o) / n(s, a) * (r + gamma * max_b Q(o, b))   (0 for the finish)

- each pair the model predicts to lead to ``s`` (a *predecessor*) then gets its own priority,
  because its target has just moved.

A pair joins the queue only if its priority exceeds ``priority_threshold`` (S&B's ``theta``); a
pair already queued keeps the higher of its two priorities. ``planning_steps`` bounds the updates
after each real step.

The queue is a binary heap indexed by pair, so raising a queued pair's priority moves it in place
and the heap never holds more than one entry per pair. Equal priorities leave in the order they
were set (a stamp counts every push), so the order of updates is fully determined; a test checks
it, update by update, against a plain dictionary version of the same algorithm.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .dyna import DynamicsModel, learn_model
from .rules import FINISHED, REWARD_PER_STEP

PLANNING_KINDS = ("uniform", "prioritized")
# The planning kinds as codes in ``settings.planning_kind`` (in the order of ``PLANNING_KINDS``).
UNIFORM, PRIORITIZED = 0, 1


class PriorityQueue(NamedTuple):
    """The planning queue and the model's predecessor lists (see :func:`new_priority_queue`)."""

    heap_pairs: np.ndarray
    priorities: np.ndarray
    stamps: np.ndarray
    positions: np.ndarray
    size: np.ndarray
    predecessor_head: np.ndarray
    predecessor_next: np.ndarray
    predecessor_pair: np.ndarray
    log: np.ndarray


def new_priority_queue(n_states: int, n_actions: int, n_start: int, enabled: bool = True,
                       log_size: int = 0) -> PriorityQueue:
    """An empty queue.

    Shapes (``P = n_states * n_actions`` pairs, pairs numbered ``s * n_actions + a``):

    - ``heap_pairs`` ``(P,)``: the heap, the pair of highest priority first;
    - ``priorities``, ``stamps`` ``(P,)``: each queued pair's priority and when it was set;
    - ``positions`` ``(P,)``: where a pair sits in the heap, -1 if not queued;
    - ``size`` ``(3,)``: pairs in the heap, predecessor entries used, stamps given;
    - ``predecessor_head`` ``(n_states,)``, ``predecessor_next``, ``predecessor_pair``
      ``(P * (2 + n_start),)``: for every state, a linked list of the pairs seen leading to it
      (one entry per distinct outcome a pair has shown: at most ``2 + n_start``, as in
      ``dyna.new_dynamics_model``);
    - ``log`` ``(log_size + 1,)``: the pairs updated, in order (``log[0]`` counts them; for
      tests, 0 keeps no log).

    With ``enabled=False`` every array is empty (an agent that does not sweep).
    """
    pairs = n_states * n_actions if enabled else 0
    return PriorityQueue(
        heap_pairs=np.zeros(pairs, dtype=np.int64),
        priorities=np.zeros(pairs),
        stamps=np.zeros(pairs, dtype=np.int64),
        positions=np.full(pairs, -1, dtype=np.int64),
        size=np.zeros(3, dtype=np.int64),
        predecessor_head=np.full(n_states if enabled else 0, -1, dtype=np.int64),
        predecessor_next=np.zeros(pairs * (2 + n_start), dtype=np.int64),
        predecessor_pair=np.zeros(pairs * (2 + n_start), dtype=np.int64),
        log=np.zeros(log_size + 1, dtype=np.int64),
    )


@njit(cache=True, inline="always")
def _before(queue: PriorityQueue, pair: int, other: int) -> bool:
    """Does ``pair`` leave the queue before ``other``? Higher priority first, then older stamp."""
    if queue.priorities[pair] != queue.priorities[other]:
        return queue.priorities[pair] > queue.priorities[other]
    return queue.stamps[pair] < queue.stamps[other]


@njit(cache=True, inline="always")
def _place(queue: PriorityQueue, index: int, pair: int) -> None:
    queue.heap_pairs[index] = pair
    queue.positions[pair] = index


@njit(cache=True)
def _sift_up(queue: PriorityQueue, index: int) -> None:
    pair = queue.heap_pairs[index]
    while index > 0:
        parent = (index - 1) // 2
        if not _before(queue, pair, queue.heap_pairs[parent]):
            break
        _place(queue, index, queue.heap_pairs[parent])
        index = parent
    _place(queue, index, pair)


@njit(cache=True)
def _sift_down(queue: PriorityQueue, index: int) -> None:
    pair, size = queue.heap_pairs[index], queue.size[0]
    while True:
        child = 2 * index + 1
        if child >= size:
            break
        if child + 1 < size and _before(queue, queue.heap_pairs[child + 1],
                                        queue.heap_pairs[child]):
            child += 1
        if not _before(queue, queue.heap_pairs[child], pair):
            break
        _place(queue, index, queue.heap_pairs[child])
        index = child
    _place(queue, index, pair)


@njit(cache=True)
def push(queue: PriorityQueue, pair: int, priority: float) -> None:
    """Queue ``pair`` with ``priority``; a queued pair keeps the higher of its two priorities
    (S&B section 8.4: "insert into PQueue with priority P")."""
    position = queue.positions[pair]
    if position >= 0 and priority <= queue.priorities[pair]:
        return
    queue.priorities[pair] = priority
    queue.stamps[pair] = queue.size[2]
    queue.size[2] += 1
    if position < 0:  # a new entry at the bottom of the heap
        position = queue.size[0]
        queue.size[0] += 1
        _place(queue, position, pair)
    _sift_up(queue, position)


@njit(cache=True)
def pop(queue: PriorityQueue) -> int:
    """Remove and return the pair of highest priority (the queue must not be empty)."""
    top = queue.heap_pairs[0]
    queue.positions[top] = -1
    queue.size[0] -= 1
    if queue.size[0] > 0:
        _place(queue, 0, queue.heap_pairs[queue.size[0]])
        _sift_down(queue, 0)
    return top


@njit(cache=True)
def add_predecessor(queue: PriorityQueue, state: int, pair: int) -> None:
    """Remember that ``pair`` has led to ``state`` (called once per new outcome of a pair)."""
    entry = queue.size[1]
    queue.size[1] += 1
    queue.predecessor_pair[entry] = pair
    queue.predecessor_next[entry] = queue.predecessor_head[state]
    queue.predecessor_head[state] = entry


@njit(cache=True)
def expected_target(q_values: np.ndarray, dynamics_model: DynamicsModel, state: int,
                    action: int, gamma: float) -> float:
    """The counting model's expected one-step target of a tried pair::

        sum_o  n(s, a, o) / n(s, a) * (r + gamma * max_b Q(o, b))     (r alone for the finish)

    (S&B eq. 8.1 with the estimates ``p-hat`` in place of the model's probabilities.)
    """
    outcomes, counts, n_outcomes, _, _ = dynamics_model
    total, weighted = 0, 0.0
    for index in range(n_outcomes[state, action]):
        outcome, count = outcomes[state, action, index], counts[state, action, index]
        value = REWARD_PER_STEP
        if outcome != FINISHED:
            value += gamma * q_values[outcome].max()
        total += count
        weighted += count * value
    return weighted / total


@njit(cache=True)
def queue_if_due(q_values: np.ndarray, dynamics_model: DynamicsModel, queue: PriorityQueue,
                 state: int, action: int, settings: tuple) -> None:
    """``P <- |expected target(s, a) - Q(s, a)|``; queue the pair if ``P > theta``."""
    priority = abs(expected_target(q_values, dynamics_model, state, action, settings.gamma)
                   - q_values[state, action])
    if priority > settings.priority_threshold:
        push(queue, state * q_values.shape[1] + action, priority)


@njit(cache=True)
def sweep(q_values: np.ndarray, dynamics_model: DynamicsModel, queue: PriorityQueue,
          settings: tuple, state: int, action: int) -> None:
    """After the real step from ``(s, a)`` (its outcome already in the model)::

        queue (s, a) if its priority exceeds theta
        repeat planning_steps times, while the queue is not empty:
            (s, a) <- the pair of highest priority (removed from the queue)
            Q(s, a) <- expected target(s, a)
            for every pair (s_, a_) seen leading to s:  queue (s_, a_) if its priority > theta

    Args:
        q_values: ``Q``, shape ``(n_states, n_actions)``.
        settings: the loop's settings (``agent.LoopSettings``): ``planning_steps``, ``gamma``,
            ``priority_threshold``.
    """
    n_actions = q_values.shape[1]
    queue_if_due(q_values, dynamics_model, queue, state, action, settings)
    for _ in range(settings.planning_steps):
        if queue.size[0] == 0:
            break
        pair = pop(queue)
        state, action = pair // n_actions, pair % n_actions
        q_values[state, action] = expected_target(q_values, dynamics_model, state, action,
                                                  settings.gamma)
        if queue.log.shape[0] > 1 + queue.log[0]:
            queue.log[0] += 1
            queue.log[queue.log[0]] = pair
        entry = queue.predecessor_head[state]
        while entry >= 0:
            before = queue.predecessor_pair[entry]
            queue_if_due(q_values, dynamics_model, queue, before // n_actions,
                         before % n_actions, settings)
            entry = queue.predecessor_next[entry]


@njit(cache=True)
def is_new_outcome(dynamics_model: DynamicsModel, state: int, action: int, outcome: int) -> bool:
    """Has ``(s, a)`` never shown ``outcome`` (so the model is about to gain a predecessor)?"""
    outcomes, _, n_outcomes, _, _ = dynamics_model
    for index in range(n_outcomes[state, action]):
        if outcomes[state, action, index] == outcome:
            return False
    return True


@njit(cache=True, inline="always")
def learn_and_sweep(q_values: np.ndarray, dynamics_model: DynamicsModel, queue: PriorityQueue,
                    settings: tuple, transition: tuple) -> None:
    """After a real step: teach the counting model its outcome (and, for an outcome the pair has
    not shown before, the predecessor it makes), then :func:`sweep`. Draws no random numbers."""
    state, action = transition.state, transition.action
    outcome = FINISHED if transition.finished else transition.next_state
    new = is_new_outcome(dynamics_model, state, action, outcome)
    learn_model(dynamics_model, state, action, outcome, False)
    if new and outcome != FINISHED:
        add_predecessor(queue, outcome, state * q_values.shape[1] + action)
    sweep(q_values, dynamics_model, queue, settings, state, action)

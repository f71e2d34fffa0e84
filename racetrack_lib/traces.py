"""Eligibility traces, kept sparse: only the recently visited (state, action) pairs.

Notation (chapter 4): ``e(s, a)`` the eligibility trace of a pair, ``lambda`` the trace decay
(``trace_decay``), ``delta`` the TD error of the current step. The backward view of TD(lambda)
(S&B section 12.2 and eq. 12.5-12.7, for action values section 12.7):

    on a visit:  e(s, a) <- 1 (replacing)  or  e(s, a) <- e(s, a) + 1 (accumulating)
    every step:  Q(x, b) <- Q(x, b) + alpha * delta * e(x, b)   for every traced pair
                 e(x, b) <- gamma * lambda * e(x, b)

A dense table of traces would be decayed in full at every step, ~63,000 multiplications on
track 1. Here a trace is dropped once it falls below ``threshold`` (``(gamma * lambda)^k``
falls below 1e-4 after 88 steps at 0.9), so a step touches at most the pairs visited in the
last 88 steps (fewer after a Watkins cut or a revisit). The traced pairs live in three arrays:

    trace_pairs[i] = (s, a)    trace_values[i] = e(s, a)    slot[s, a] = i   (-1: not traced)

Functions return the new number of traced pairs (numba functions cannot change an integer in
place).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .step_size import step_size

TRACE_THRESHOLD = 1e-4  # traces below this are dropped


@njit(cache=True)
def new_traces(n_states: int, n_actions: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Empty traces for a table of ``(n_states, n_actions)``: ``(slot, trace_pairs, trace_values)``.

    Capacity for every pair at once, so the arrays never grow (each pair is traced at most once).
    """
    slot = np.full((n_states, n_actions), -1, dtype=np.int64)
    trace_pairs = np.empty((n_states * n_actions, 2), dtype=np.int64)
    trace_values = np.empty(n_states * n_actions)
    return slot, trace_pairs, trace_values


@njit(cache=True, inline="always")
def visit(slot: np.ndarray, trace_pairs: np.ndarray, trace_values: np.ndarray, n_traced: int,
          state: int, action: int, replacing: bool) -> int:
    """Mark a visit to ``(s, a)``: ``e(s, a) <- 1`` (replacing) or ``e(s, a) + 1`` (accumulating)."""
    index = slot[state, action]
    if index >= 0:
        trace_values[index] = 1.0 if replacing else trace_values[index] + 1.0
        return n_traced
    slot[state, action] = n_traced
    trace_pairs[n_traced, 0] = state
    trace_pairs[n_traced, 1] = action
    trace_values[n_traced] = 1.0
    return n_traced + 1


@njit(cache=True, inline="always")
def update_traced(q_values: np.ndarray, slot: np.ndarray, trace_pairs: np.ndarray,
                  trace_values: np.ndarray, n_traced: int, step_sizes: np.ndarray,
                  visits: np.ndarray, delta: float, decay: float, threshold: float) -> int:
    """``Q(x, b) += alpha_n(x, b) * delta * e(x, b)`` over the traced pairs, each with the step
    size of its own visit count (``step_size.py``), then ``e *= decay`` (``gamma * lambda``),
    dropping the traces that fall below ``threshold``. Returns how many remain."""
    kept = 0
    for index in range(n_traced):
        state, action = trace_pairs[index, 0], trace_pairs[index, 1]
        alpha = step_size(step_sizes, visits, state, action)
        q_values[state, action] += alpha * delta * trace_values[index]
        trace = trace_values[index] * decay
        if trace >= threshold and trace > 0.0:  # keep it, packed to the front
            trace_pairs[kept, 0] = state
            trace_pairs[kept, 1] = action
            trace_values[kept] = trace
            slot[state, action] = kept
            kept += 1
        else:
            slot[state, action] = -1
    return kept


@njit(cache=True, inline="always")
def clear(slot: np.ndarray, trace_pairs: np.ndarray, n_traced: int) -> int:
    """Drop every trace (end of an episode; Watkins's cut after an exploratory action)."""
    for index in range(n_traced):
        slot[trace_pairs[index, 0], trace_pairs[index, 1]] = -1
    return 0


def traces_at_finish(pairs: list[tuple[int, int]], cut_after: list[bool], n_states: int,
                     n_actions: int, decay: float, replacing: bool = True) -> np.ndarray:
    """The traces ``e(s, a)`` at the last step of a logged episode: the weight with which the
    finishing step's TD error is credited to every earlier pair. For drawing (chapter 4).

    Uses the same ``visit``, ``update_traced`` (with ``delta = 0``, so no value moves) and
    ``clear`` as the learning loop, in the same order.

    Args:
        pairs: the episode's (state, action) pairs in order, the finishing one last.
        cut_after: for each pair, whether the traces are cleared after its step (Watkins's
            Q(lambda): the next action was exploratory); all False for SARSA(lambda).
        decay: ``gamma * lambda``.
    Returns:
        shape ``(n_states, n_actions)``, zero where a pair is not traced.
    """
    slot, trace_pairs, trace_values = new_traces(n_states, n_actions)
    unused_q = np.zeros((n_states, n_actions))
    no_step = np.zeros(1), np.ones((n_states, n_actions), dtype=np.int64)
    n_traced = 0
    for index, (state, action) in enumerate(pairs):
        n_traced = visit(slot, trace_pairs, trace_values, n_traced, state, action, replacing)
        if index == len(pairs) - 1:
            break
        n_traced = update_traced(unused_q, slot, trace_pairs, trace_values, n_traced, *no_step,
                                 0.0, decay, TRACE_THRESHOLD)
        if cut_after[index]:
            n_traced = clear(slot, trace_pairs, n_traced)
    traces = np.zeros((n_states, n_actions))
    traces[trace_pairs[:n_traced, 0], trace_pairs[:n_traced, 1]] = trace_values[:n_traced]
    return traces

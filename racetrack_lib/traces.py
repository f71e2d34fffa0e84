"""Eligibility traces, kept sparse: only the recently visited (state, action) pairs.

Notation (chapter 5): ``e(s, a)`` the eligibility trace of a pair, ``lambda`` the trace decay
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

The three arrays travel together as a :class:`Traces` record; the number of traced pairs,
``n_traced``, travels beside it as a plain integer that each function returns updated (numba
functions cannot change an integer in place, and an integer kept in an array instead made the
traced loop half as fast).

The traced loop (:func:`traced_episode`) is the one-step loop of chapter 4 (``td.td_episode``)
with its update replaced by the traced update (:func:`visit`, :func:`update_traced`,
:func:`clear`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .mdp import sample_transition
from .policy import explore, greedy_action
from .rules import REWARD_PER_STEP
from .step_size import count_visit, step_size
from .td import Transition, start_episode, td_target

TRACE_THRESHOLD = 1e-4  # traces below this are dropped
# The two kinds of trace, as codes in ``settings.trace_kind``.
REPLACING, ACCUMULATING = 0, 1


class Traces(NamedTuple):
    """The traced pairs: ``slot`` ``(n_states, n_actions)``, ``pairs`` ``(n_states * n_actions,
    2)``, ``values`` ``(n_states * n_actions,)``; the first ``n_traced`` entries are in use."""

    slot: np.ndarray
    pairs: np.ndarray
    values: np.ndarray


class EpisodeSettings(NamedTuple):
    """What changes from one episode to the next: ``epsilon`` and the trace decay ``lambda``."""

    epsilon: float
    trace_decay: float


def new_traces(n_states: int, n_actions: int) -> Traces:
    """Empty traces for a table of ``(n_states, n_actions)``.

    Capacity for every pair at once, so the arrays never grow (each pair is traced at most once).
    """
    return Traces(np.full((n_states, n_actions), -1, dtype=np.int64),
                  np.empty((n_states * n_actions, 2), dtype=np.int64),
                  np.empty(n_states * n_actions))


@njit(cache=True, inline="always")
def visit(traces: Traces, n_traced: int, state: int, action: int, replacing: bool) -> int:
    """Mark a visit to ``(s, a)``: ``e(s, a) <- 1`` (replacing) or ``e(s, a) + 1`` (accumulating).
    Returns the new ``n_traced``."""
    index = traces.slot[state, action]
    if index >= 0:
        traces.values[index] = 1.0 if replacing else traces.values[index] + 1.0
        return n_traced
    traces.slot[state, action] = n_traced
    traces.pairs[n_traced, 0] = state
    traces.pairs[n_traced, 1] = action
    traces.values[n_traced] = 1.0
    return n_traced + 1


@njit(cache=True, inline="always")
def update_traced(q_values: np.ndarray, traces: Traces, n_traced: int, step_sizes: np.ndarray,
                  visits: np.ndarray, delta: float, decay: float) -> int:
    """``Q(x, b) += alpha_n(x, b) * delta * e(x, b)`` over the traced pairs, each with the step
    size of its own visit count (``step_size.py``), then ``e *= decay`` (``gamma * lambda``),
    dropping the traces that fall below ``TRACE_THRESHOLD``. Returns how many remain."""
    kept = 0
    for index in range(n_traced):
        state, action = traces.pairs[index, 0], traces.pairs[index, 1]
        alpha = step_size(step_sizes, visits, state, action)
        q_values[state, action] += alpha * delta * traces.values[index]
        trace = traces.values[index] * decay
        if trace >= TRACE_THRESHOLD and trace > 0.0:  # keep it, packed to the front
            traces.pairs[kept, 0] = state
            traces.pairs[kept, 1] = action
            traces.values[kept] = trace
            traces.slot[state, action] = kept
            kept += 1
        else:
            traces.slot[state, action] = -1
    return kept


@njit(cache=True, inline="always")
def clear(traces: Traces, n_traced: int) -> int:
    """Drop every trace (end of an episode; Watkins's cut after an exploratory action).
    Returns 0, the new ``n_traced``."""
    for index in range(n_traced):
        traces.slot[traces.pairs[index, 0], traces.pairs[index, 1]] = -1
    return 0


@njit(cache=True)  # not inlined: keeps the one-step loop of agent.run_agent_episodes small
def traced_episode(mdp: tuple, learner: tuple, settings: tuple, episode: EpisodeSettings,
                   rng: np.random.Generator) -> tuple[int, bool]:
    """One episode of SARSA(lambda) or Q(lambda) with eligibility traces (S&B section 12.7;
    Watkins's Q(lambda): S&B 1st edition section 7.6), learning in place.

    The loop of ``td.td_episode`` with its update replaced by the traced update::

        s <- a random start state;  a <- epsilon-greedy(Q, s);  e <- 0
        repeat:
            take a: observe r = -1 and s' (or the finish);  n(s, a) += 1
            if finished: delta = r - Q(s, a);  update with e decayed to 0;  stop
            g <- a greedy action of s';  a' <- g, or a random action with probability epsilon
            target = r + gamma * Q(s', g)  = r + gamma * max_b Q(s', b)   (Q-learning)
                   = r + gamma * Q(s', a')                                (SARSA)
            delta = target - Q(s, a);  update
            for Watkins's Q(lambda), if a' was exploratory (Q(s', a') < Q(s', g), judged
            with Q before this update), e <- 0
            s, a <- s', a'

        update:  mark the visit of (s, a) in e;
                 Q(x, b) += alpha_n(x, b) * delta * e(x, b) for every traced pair;
                 e *= gamma * lambda

    Without cuts (SARSA, naive Q(lambda)) and with Q held fixed, the updates a pair receives
    add up to alpha * sum_k (gamma lambda)^k delta_{t+k}: for SARSA(lambda) its lambda-return
    minus Q; for naive Q(lambda) that plus gamma (gamma lambda)^(k-1) (max_b Q(s', b) - Q(s', a'))
    >= 0 for every non-greedy a' taken k steps later (chapter 5; tested in test_traces.py).

    Traces draw no random numbers, so a lambda so small that every trace is dropped at once
    gives exactly the numbers of one-step TD (tested).

    Args:
        mdp, learner, settings: as in ``td.td_episode``; ``learner.traces`` starts empty and is
            left empty. ``settings.trace_kind``: ``REPLACING`` or ``ACCUMULATING``;
            ``settings.cut_traces``: True for Watkins's Q(lambda) only (never for SARSA).
        episode: this episode's ``epsilon`` and ``trace_decay`` (lambda).
    Returns:
        (number of steps, whether the car finished; False if cut at ``settings.max_steps``).
    """
    # The arrays, taken out of their records once (see td.td_episode).
    q_values, visits, step_sizes = learner.q_values, learner.visits, learner.step_sizes
    traces, (next_states, start_states, noise) = learner.traces, mdp
    replacing, decay = settings.trace_kind == REPLACING, settings.gamma * episode.trace_decay
    n_traced = 0
    state, action = start_episode(mdp, q_values, episode.epsilon, rng)
    for step in range(1, settings.max_steps + 1):
        next_state, finished, _, _ = sample_transition(
            next_states, start_states, noise, state, action, rng
        )
        count_visit(visits, state, action)
        if finished:
            last = Transition(state, action, REWARD_PER_STEP, state, 0, True)
            delta = td_target(q_values, last, settings.target, settings.gamma, -1) - q_values[
                state, action]
            n_traced = visit(traces, n_traced, state, action, replacing)
            update_traced(q_values, traces, n_traced, step_sizes, visits, delta,
                          0.0)  # decay 0: every trace is dropped
            return step, True
        greedy_next = greedy_action(q_values, next_state, rng, 0.0)
        next_action = explore(greedy_next, episode.epsilon, q_values.shape[1], rng)
        taken = Transition(state, action, REWARD_PER_STEP, next_state, next_action, False)
        delta = td_target(q_values, taken, settings.target, settings.gamma,
                          greedy_next) - q_values[state, action]
        explored = q_values[next_state, next_action] < q_values[next_state, greedy_next]
        n_traced = visit(traces, n_traced, state, action, replacing)
        n_traced = update_traced(q_values, traces, n_traced, step_sizes, visits, delta, decay)
        if explored and settings.cut_traces:
            n_traced = clear(traces, n_traced)  # Watkins: credit greedy steps only
        state, action = next_state, next_action
    clear(traces, n_traced)
    return settings.max_steps, False


def traces_at_finish(pairs: list[tuple[int, int]], cut_after: list[bool], n_states: int,
                     n_actions: int, decay: float, replacing: bool = True) -> np.ndarray:
    """The traces ``e(s, a)`` at the last step of a logged episode: the weight with which the
    finishing step's TD error is credited to every earlier pair. For drawing (chapter 5).

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
    traces = new_traces(n_states, n_actions)
    unused_q = np.zeros((n_states, n_actions))
    no_step = np.zeros(1), np.ones((n_states, n_actions), dtype=np.int64)
    n_traced = 0
    for index, (state, action) in enumerate(pairs):
        n_traced = visit(traces, n_traced, state, action, replacing)
        if index == len(pairs) - 1:
            break
        n_traced = update_traced(unused_q, traces, n_traced, *no_step, 0.0, decay)
        if cut_after[index]:
            n_traced = clear(traces, n_traced)
    values = np.zeros((n_states, n_actions))
    values[traces.pairs[:n_traced, 0], traces.pairs[:n_traced, 1]] = traces.values[:n_traced]
    return values

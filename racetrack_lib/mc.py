"""Monte Carlo control: learning from the returns of whole episodes (chapter 3).

Notation (chapter 3, S&B chapter 5): an episode ``S_0, A_0, R_1, S_1, A_1, R_2, ..., S_{T-1},
A_{T-1}, R_T`` ends when the car crosses the finish line after ``T`` steps; every reward is
``R = -1``. The return from step ``t`` is

    G_t = R_{t+1} + gamma * G_{t+1},   G_T = 0            (S&B eq. 3.9)

so that with ``gamma = 1``, ``-G_t`` is the number of steps left. Monte Carlo control estimates
``Q(s, a)`` by averaging the returns that followed ``(s, a)``, and acts epsilon-greedily with
respect to it. An episode is first driven to its end with ``Q`` fixed (:func:`drive_episode`),
then learned backwards, from the last step to the first, where each ``G_t`` costs one multiply
and one add:

- on-policy first-visit MC control with an epsilon-soft policy (S&B section 5.4):
  :func:`learn_first_visits`;
- off-policy MC control with weighted importance sampling (S&B section 5.7, its boxed algorithm):
  :func:`learn_weighted_importance`; the target policy is greedy with respect to ``Q``, the
  behaviour policy is the epsilon-greedy one that drove the episode.

An episode cut at ``max_steps`` has no return, and teaches nothing.

Everything here is compiled with numba; ``NUMBA_DISABLE_JIT=1`` runs the same source as plain
Python.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .mdp import sample_transition
from .policy import epsilon_greedy
from .rules import REWARD_PER_STEP
from .step_size import count_visit, step_size
from .td import start_episode

# The learning methods, as codes in ``settings.method`` (``agent.loop_settings`` makes them from
# ``AgentConfig.method``); 0 is temporal-difference learning (``agent.TD``).
ON_POLICY, OFF_POLICY = 1, 2


class EpisodeLog(NamedTuple):
    """One episode as Monte Carlo keeps it until it is learned.

    Attributes:
        states: ``S_t``, shape ``(max_steps,)``.
        actions: ``A_t``, shape ``(max_steps,)``.
        behaviour_probabilities: ``b(A_t | S_t)``, the probability that the epsilon-greedy
            policy which drove the episode took ``A_t``, shape ``(max_steps,)``.
        first_step: for each pair ``(s, a)``, the step ``t`` of its first visit in the episode
            (``-1``: not visited), shape ``(n_states, n_actions)``; back to ``-1`` after learning.
    """

    states: np.ndarray
    actions: np.ndarray
    behaviour_probabilities: np.ndarray
    first_step: np.ndarray


def new_episode_log(n_states: int, n_actions: int, max_steps: int,
                    enabled: bool = True) -> EpisodeLog:
    """An empty log for episodes of up to ``max_steps`` steps (size 0 if not ``enabled``: a TD
    agent keeps no episodes)."""
    length, pairs = (max_steps, n_states) if enabled else (0, 0)
    return EpisodeLog(
        states=np.zeros(length, dtype=np.int64),
        actions=np.zeros(length, dtype=np.int64),
        behaviour_probabilities=np.zeros(length),
        first_step=np.full((pairs, n_actions), -1, dtype=np.int64),
    )


@njit(cache=True, inline="always")
def behaviour_probability(q_values: np.ndarray, state: int, action: int,
                          epsilon: float) -> float:
    """``b(a | s)`` of the epsilon-greedy policy (random ties)::

        b(a | s) = epsilon / |A| + (1 - epsilon) / k    if a is one of the k greedy actions of s
                 = epsilon / |A|                        otherwise

    Every action keeps at least ``epsilon / |A|``: the policy is epsilon-soft (S&B section 5.4).

    >>> q_values = np.array([[0.0, 0.0, -1.0, -2.0]])  # actions 0 and 1 tie
    >>> behaviour_probability(q_values, 0, 1, 0.4), behaviour_probability(q_values, 0, 3, 0.4)
    (0.4, 0.1)
    """
    row = q_values[state]
    best = row.max()
    n_tied = 0
    for value in row:
        n_tied += value == best
    explore = epsilon / len(row)
    if row[action] == best:
        return explore + (1.0 - epsilon) / n_tied
    return explore


@njit(cache=True)
def drive_episode(mdp: tuple, q_values: np.ndarray, log: EpisodeLog, epsilon: float,
                  max_steps: int, rng: np.random.Generator) -> tuple[int, bool]:
    """Drive one episode epsilon-greedily with ``Q`` fixed, logging ``S_t``, ``A_t``,
    ``b(A_t | S_t)`` and each pair's first step into ``log``::

        s <- a random start state
        for t = 0, 1, ...:
            a <- epsilon-greedy(Q, s);  log S_t = s, A_t = a, b(A_t | S_t)
            take a: the finish (stop), or the next state s'   (a crash: a start state)
            s <- s'

    Returns:
        (number of steps ``T``, whether the car finished; False if cut at ``max_steps``).
    """
    next_states, start_states, noise = mdp
    states, actions, probabilities, first_step = log
    state, action = start_episode(mdp, q_values, epsilon, rng)
    for step in range(max_steps):
        states[step], actions[step] = state, action
        probabilities[step] = behaviour_probability(q_values, state, action, epsilon)
        if first_step[state, action] < 0:
            first_step[state, action] = step
        next_state, finished, _, _ = sample_transition(
            next_states, start_states, noise, state, action, rng
        )
        if finished:
            return step + 1, True
        state, action = next_state, epsilon_greedy(q_values, next_state, epsilon, rng)
    return max_steps, False


@njit(cache=True)
def learn_first_visits(q_values: np.ndarray, visits: np.ndarray, step_sizes: np.ndarray,
                       log: EpisodeLog, steps: int, gamma: float) -> int:
    """On-policy first-visit Monte Carlo: move each pair's value towards the return that
    followed its first visit in the episode (S&B section 5.4, its boxed algorithm)::

        G <- 0
        for t = T-1, T-2, ..., 0:
            G <- gamma * G + R_{t+1}
            if (S_t, A_t) is not visited before t:
                n(S_t, A_t) += 1
                Q(S_t, A_t) += alpha_n * (G - Q(S_t, A_t))

    With ``alpha_n = 1 / n`` (``alpha = 1``, ``alpha_power = 1``, ``alpha_min = 0``) ``Q`` is
    exactly the average of the pair's first-visit returns, S&B's ``average(Returns(S_t,
    A_t))``; the library's default schedule weighs recent returns more (``step_size.py``).

    Args:
        q_values: ``Q``, shape ``(n_states, n_actions)``, updated in place.
        visits: ``n(s, a)``, the returns each pair has learned from, updated in place.
        step_sizes: ``step_sizes[n - 1] = alpha_n``.
        log: the episode (:func:`drive_episode`); its ``first_step`` is reset to ``-1``.
        steps: the episode's length ``T``.
    Returns:
        the number of pairs updated.
    """
    states, actions, _, first_step = log
    ret, updated = 0.0, 0
    for step in range(steps - 1, -1, -1):
        state, action = states[step], actions[step]
        ret = gamma * ret + REWARD_PER_STEP
        if first_step[state, action] == step:
            count_visit(visits, state, action)
            alpha = step_size(step_sizes, visits, state, action)
            q_values[state, action] += alpha * (ret - q_values[state, action])
            first_step[state, action] = -1  # ready for the next episode
            updated += 1
    return updated


@njit(cache=True)
def learn_weighted_importance(q_values: np.ndarray, visits: np.ndarray, weights: np.ndarray,
                              log: EpisodeLog, steps: int, gamma: float) -> int:
    """Off-policy Monte Carlo control with weighted importance sampling (S&B section 5.7, its
    boxed algorithm; the incremental weighted average of eq. 5.8): the target policy ``pi`` is
    greedy with respect to ``Q``, the episode was driven by the epsilon-greedy ``b``::

        G <- 0;  W <- 1
        for t = T-1, T-2, ..., 0:
            G <- gamma * G + R_{t+1}
            C(S_t, A_t) += W
            Q(S_t, A_t) += W / C(S_t, A_t) * (G - Q(S_t, A_t))
            if A_t is not greedy in S_t under the updated Q: stop   (pi(A_t | S_t) = 0)
            W <- W * pi(A_t | S_t) / b(A_t | S_t)

    Learning stops at the last action the greedy policy would not have taken: only the *tail*
    of the episode after it is learned. ``pi`` breaks ties at random, as every greedy policy of
    the book does: ``pi(a | s) = 1 / k`` for each of the ``k`` greedy actions of ``s`` (S&B's
    box has a deterministic ``pi``, ``k = 1``, so there ``W <- W / b(A_t | S_t)``).
    ``n(s, a)`` counts each pair's updates.

    Args:
        q_values: ``Q``, shape ``(n_states, n_actions)``, updated in place.
        visits: ``n(s, a)``, updated in place.
        weights: ``C(s, a)``, the sum of the weights ``W`` of the pair's returns so far,
            shape ``(n_states, n_actions)``, updated in place.
        log: the episode (:func:`drive_episode`); its ``first_step`` is reset to ``-1``.
        steps: the episode's length ``T``.
    Returns:
        the number of pairs updated: the length of the tail.
    """
    states, actions, probabilities, first_step = log
    ret, weight, updated = 0.0, 1.0, 0
    for step in range(steps - 1, -1, -1):
        state, action = states[step], actions[step]
        ret = gamma * ret + REWARD_PER_STEP
        weights[state, action] += weight
        q_values[state, action] += weight / weights[state, action] * (
            ret - q_values[state, action])
        count_visit(visits, state, action)
        updated += 1
        best = q_values[state].max()
        if q_values[state, action] < best:  # pi(A_t | S_t) = 0: stop
            break
        n_tied = 0
        for value in q_values[state]:
            n_tied += value == best
        weight *= (1.0 / n_tied) / probabilities[step]  # pi(A_t | S_t) / b(A_t | S_t)
    for step in range(steps):  # this rule keeps no first visits: make them ready again
        first_step[states[step], actions[step]] = -1
    return updated


@njit(cache=True, inline="always")
def mc_episode(mdp: tuple, learner: tuple, settings: tuple, epsilon: float,
               rng: np.random.Generator) -> tuple[int, bool]:
    """One episode of Monte Carlo control: drive it, then learn from its returns::

        drive an episode epsilon-greedily with Q fixed            (drive_episode)
        if it finished: learn backwards from its returns
            on-policy:  first-visit averages                    (learn_first_visits)
            off-policy: weighted importance sampling            (learn_weighted_importance)

    Args:
        mdp: the track's tables (``mdp.MDPTables``).
        learner: the agent's arrays (``agent.Learner``): ``q_values``, ``visits``,
            ``step_sizes``, ``episode_log`` and ``weights`` (``C``, off-policy).
        settings: the loop's settings (``agent.LoopSettings``): ``method`` (``ON_POLICY`` or
            ``OFF_POLICY``), ``gamma``, ``max_steps``.
    Returns:
        (number of steps, whether the car finished; False if cut at ``settings.max_steps``).
    """
    q_values, visits, log = learner.q_values, learner.visits, learner.episode_log
    steps, finished = drive_episode(mdp, q_values, log, epsilon, settings.max_steps, rng)
    if not finished:  # no return to learn from
        for step in range(steps):
            log.first_step[log.states[step], log.actions[step]] = -1
    elif settings.method == ON_POLICY:
        learn_first_visits(q_values, visits, learner.step_sizes, log, steps, settings.gamma)
    else:
        learn_weighted_importance(q_values, visits, learner.weights, log, steps,
                                  settings.gamma)
    return steps, finished

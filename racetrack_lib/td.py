"""One-step temporal-difference learning: the target, the update, and the episode loop.

Notation (chapter 4): ``Q(s, a)`` the agent's action-value table, ``alpha`` the step size,
``gamma`` the discount, ``r`` the reward of a step (always -1 here), ``s'`` the next state and
``a'`` the next action the agent will take there. A step's ``(s, a, r, s', a')`` travels as a
:class:`Transition`.

The loops read three records (``agent.py`` builds them): ``mdp``, the track's tables
(``mdp.MDPTables``); ``learner``, the agent's arrays (``agent.Learner``: ``q_values``,
``visits``, ``step_sizes``, and the traces, memory and model of later chapters); and
``settings``, the loop's fixed settings (``agent.LoopSettings``: ``gamma``, ``target``,
``max_steps``, ...).

Everything here is compiled with numba; ``NUMBA_DISABLE_JIT=1`` runs the very same source as
plain Python (slowly), which is how to step through it in a debugger.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .mdp import sample_transition
from .policy import epsilon_greedy, explore, greedy_action
from .rules import REWARD_PER_STEP
from .step_size import count_visit, step_size

# The two targets, as codes in ``settings.target`` (``agent.loop_settings`` makes them from
# ``AgentConfig.target``).
Q_LEARNING, SARSA = 0, 1


class Transition(NamedTuple):
    """One step ``(s, a, r, s', a')``: what a real step produced, what the replay memory stores
    and what a planning step simulates. ``finished``: the step crossed the finish line (then
    nothing follows it; ``next_state`` is ``state`` and ``next_action`` 0, unused)."""

    state: int
    action: int
    reward: float
    next_state: int
    next_action: int
    finished: bool


@njit(cache=True, inline="always")
def td_target(q_values: np.ndarray, transition: Transition, target: int, gamma: float,
              greedy_next: int) -> float:
    """The one-step TD target of a transition; the real step, replay and planning all use it::

        r                                                       if s' is the finish
        r + gamma * max_b Q(s', b)  = r + gamma * Q(s', g)      Q-learning  (S&B eq. 6.8)
        r + gamma * Q(s', a')                                   SARSA       (S&B eq. 6.7)

    Q-learning is off-policy: it bootstraps from the best next action, whichever action the agent
    takes next. SARSA is on-policy: it bootstraps from the action actually taken.

    Args:
        q_values: ``Q``, shape ``(n_states, n_actions)``.
        target: ``Q_LEARNING`` or ``SARSA``.
        greedy_next: a greedy action ``g`` of ``s'`` when the caller has one (a real step has
            just chosen one, with random ties, to act), so that ``Q(s', g)`` is the maximum
            without a second pass over the row; ``-1``: take the maximum here.

    >>> q_values = np.array([[0.0, 0.0], [-2.0, -3.0]])
    >>> step = Transition(state=0, action=1, reward=-1.0, next_state=1, next_action=1,
    ...                   finished=False)
    >>> td_target(q_values, step, Q_LEARNING, 0.5, -1), td_target(q_values, step, SARSA, 0.5, -1)
    (-2.0, -2.5)
    """
    if transition.finished:
        return transition.reward
    if target == SARSA:
        bootstrap = q_values[transition.next_state, transition.next_action]
    elif greedy_next >= 0:
        bootstrap = q_values[transition.next_state, greedy_next]
    else:
        bootstrap = q_values[transition.next_state].max()
    return transition.reward + gamma * bootstrap


@njit(cache=True, inline="always")
def td_update(q_values: np.ndarray, step_sizes: np.ndarray, visits: np.ndarray, state: int,
              action: int, target: float) -> None:
    """``Q(s, a) <- Q(s, a) + alpha_n(s, a) * (target - Q(s, a))``, in place (S&B eq. 6.7/6.8),
    with the step size of the pair's visit count (``step_size.py``); ``target - Q(s, a)`` is the
    TD error ``delta`` (S&B eq. 6.5, for action values)."""
    alpha = step_size(step_sizes, visits, state, action)
    q_values[state, action] += alpha * (target - q_values[state, action])


@njit(cache=True, inline="always")
def start_episode(mdp: tuple, q_values: np.ndarray, epsilon: float,
                  rng: np.random.Generator) -> tuple[int, int]:
    """A random start state ``s`` and the first action ``a``, epsilon-greedy in ``s``."""
    state = mdp.start_states[rng.integers(0, len(mdp.start_states))]
    return state, epsilon_greedy(q_values, state, epsilon, rng)


@njit(cache=True, inline="always")
def td_episode(mdp: tuple, learner: tuple, settings: tuple, epsilon: float,
               rng: np.random.Generator) -> tuple[int, bool]:
    """One episode of one-step Q-learning or SARSA (S&B sections 6.4-6.5), learning in place.

    ::

        s <- a random start state;  a <- epsilon-greedy(Q, s)
        repeat:
            take a: observe r = -1 and s' (or the finish);  n(s, a) += 1
            if finished: Q(s, a) += alpha_n(s, a) * (r - Q(s, a));  stop
            g <- a greedy action of s';  a' <- g, or a random action with probability epsilon
            target = r + gamma * Q(s', g)  = r + gamma * max_b Q(s', b)   (Q-learning)
                   = r + gamma * Q(s', a')                                (SARSA)
            Q(s, a) += alpha_n(s, a) * (target - Q(s, a))
            s, a <- s', a'

    A crash is an ordinary step to a start state. The next action is chosen before the update
    for both targets, so the two algorithms draw their random numbers the same way.

    Args:
        mdp: the track's tables (``mdp.MDPTables``).
        learner: the agent's arrays (``agent.Learner``); its ``q_values`` ``Q`` and ``visits``
            ``n(s, a)``, both shape ``(n_states, 9)``, change in place; ``step_sizes`` is the
            step-size schedule, ``step_sizes[n - 1] = alpha_n`` (one entry: a constant alpha).
        settings: the loop's settings (``agent.LoopSettings``): ``target``, ``gamma``,
            ``max_steps``.
    Returns:
        (number of steps, whether the car finished; False if cut at ``settings.max_steps``).
    """
    # The arrays, taken out of their records once, before the loop: numba counts a reference
    # for every array of a record used inside a loop's helpers, and that costs more than the
    # step itself (CONTRIBUTING.md, "numba").
    q_values, visits, step_sizes = learner.q_values, learner.visits, learner.step_sizes
    next_states, start_states, noise = mdp
    target, gamma = settings.target, settings.gamma
    state, action = start_episode(mdp, q_values, epsilon, rng)
    for step in range(1, settings.max_steps + 1):
        next_state, finished, _, _ = sample_transition(
            next_states, start_states, noise, state, action, rng
        )
        count_visit(visits, state, action)
        if finished:
            last = Transition(state, action, REWARD_PER_STEP, state, 0, True)
            td_update(q_values, step_sizes, visits, state, action,
                      td_target(q_values, last, target, gamma, -1))
            return step, True
        greedy_next = greedy_action(q_values, next_state, rng, 0.0)
        next_action = explore(greedy_next, epsilon, q_values.shape[1], rng)  # epsilon-greedy
        taken = Transition(state, action, REWARD_PER_STEP, next_state, next_action, False)
        td_update(q_values, step_sizes, visits, state, action,
                  td_target(q_values, taken, target, gamma, greedy_next))
        state, action = next_state, next_action
    return settings.max_steps, False

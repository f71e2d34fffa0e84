"""Temporal-difference learning: the targets, the TD error, the update, and the episode loop.

Notation (chapter 3): ``Q(s, a)`` the agent's action-value table, ``alpha`` the step size,
``gamma`` the discount, ``r`` the reward of a step (always -1 here), ``s'`` the next state and
``a'`` the next action the agent will take there.

Everything here is compiled with numba; ``NUMBA_DISABLE_JIT=1`` runs the very same source as
plain Python (slowly), which is how to step through it in a debugger.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .model import sample_transition
from .policy import epsilon_greedy, explore, greedy_action
from .rules import REWARD_PER_STEP


@njit(cache=True, inline="always")
def q_learning_target(q_values: np.ndarray, reward: float, next_state: int,
                      greedy_next: int, gamma: float) -> float:
    """The Q-learning target ``r + gamma * max_a' Q(s', a')`` (S&B eq. 6.8).

    Off-policy: it bootstraps from the best next action, whichever action the agent takes next.
    ``greedy_next`` is a greedy action of ``s'``, so ``Q(s', greedy_next)`` is that maximum
    (the agent has just computed it to choose its own next action: no second pass over the row).
    """
    return reward + gamma * q_values[next_state, greedy_next]


@njit(cache=True, inline="always")
def sarsa_target(q_values: np.ndarray, reward: float, next_state: int, next_action: int,
                 gamma: float) -> float:
    """The SARSA target ``r + gamma * Q(s', a')`` with ``a'`` the action taken next (S&B eq. 6.7).

    On-policy: it bootstraps from the action the exploring agent actually takes.
    """
    return reward + gamma * q_values[next_state, next_action]


@njit(cache=True, inline="always")
def td_error(target: float, q_values: np.ndarray, state: int, action: int) -> float:
    """The TD error ``delta = target - Q(s, a)`` (S&B eq. 6.5, for action values)."""
    return target - q_values[state, action]


@njit(cache=True, inline="always")
def td_update(q_values: np.ndarray, state: int, action: int, alpha: float,
              delta: float) -> None:
    """The update ``Q(s, a) <- Q(s, a) + alpha * delta``, in place (S&B eq. 6.7/6.8)."""
    q_values[state, action] += alpha * delta


@njit(cache=True, inline="always")
def td_episode(q_values: np.ndarray, next_states: np.ndarray, start_states: np.ndarray,
               noise: float, alpha: float, gamma: float, epsilon: float, use_sarsa: bool,
               max_steps: int, rng: np.random.Generator) -> tuple[int, bool]:
    """One episode of one-step Q-learning or SARSA (S&B sections 6.4-6.5), learning in place.

    ::

        s <- a random start state;  a <- epsilon-greedy(Q, s)
        repeat:
            take a: observe r = -1 and s' (or the finish)
            if finished: delta = r - Q(s, a);  Q(s, a) += alpha * delta;  stop
            g <- a greedy action of s';  a' <- g, or a random action with probability epsilon
            target = r + gamma * Q(s', g)  = r + gamma * max_b Q(s', b)   (Q-learning)
                   = r + gamma * Q(s', a')                                (SARSA)
            Q(s, a) += alpha * (target - Q(s, a))
            s, a <- s', a'

    A crash is an ordinary step to a start state. The next action is chosen before the update
    for both targets, so the two algorithms draw their random numbers the same way.

    Args:
        q_values: ``Q``, shape ``(n_states, 9)``, updated in place.
    Returns:
        (number of steps, whether the car finished; False if cut at ``max_steps``).
    """
    state = start_states[rng.integers(0, len(start_states))]
    action = epsilon_greedy(q_values, state, epsilon, rng)
    for step in range(1, max_steps + 1):
        next_state, finished, _, _ = sample_transition(
            next_states, start_states, noise, state, action, rng
        )
        if finished:
            delta = td_error(REWARD_PER_STEP, q_values, state, action)
            td_update(q_values, state, action, alpha, delta)
            return step, True
        greedy_next = greedy_action(q_values, next_state, rng, 0.0)
        next_action = explore(greedy_next, epsilon, q_values.shape[1], rng)  # epsilon-greedy
        if use_sarsa:
            target = sarsa_target(q_values, REWARD_PER_STEP, next_state, next_action, gamma)
        else:
            target = q_learning_target(q_values, REWARD_PER_STEP, next_state, greedy_next, gamma)
        td_update(q_values, state, action, alpha, td_error(target, q_values, state, action))
        state, action = next_state, next_action
    return max_steps, False


@njit(cache=True)
def td_episodes(q_values: np.ndarray, next_states: np.ndarray, start_states: np.ndarray,
                noise: float, alpha: float, gamma: float, epsilons: np.ndarray,
                use_sarsa: bool, max_steps: int, rng: np.random.Generator,
                lengths: np.ndarray) -> None:
    """Run ``len(epsilons)`` episodes in a row, episode ``i`` exploring with ``epsilons[i]``.

    Writes each episode's number of steps into ``lengths`` (negative if the episode was cut).
    """
    for episode in range(len(epsilons)):
        steps, finished = td_episode(q_values, next_states, start_states, noise, alpha, gamma,
                                     epsilons[episode], use_sarsa, max_steps, rng)
        lengths[episode] = steps if finished else -steps

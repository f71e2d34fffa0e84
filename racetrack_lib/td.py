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

from .dyna import learn_and_plan
from .mdp import sample_transition
from .policy import epsilon_greedy, explore, greedy_action
from .replay import remember_and_replay
from .rules import FINISHED, REWARD_PER_STEP
from .step_size import count_visit, step_size
from .traces import TRACE_THRESHOLD, clear, new_traces, update_traced, visit


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
               noise: float, step_sizes: np.ndarray, visits: np.ndarray, gamma: float,
               epsilon: float, use_sarsa: bool, max_steps: int,
               rng: np.random.Generator) -> tuple[int, bool]:
    """One episode of one-step Q-learning or SARSA (S&B sections 6.4-6.5), learning in place.

    ::

        s <- a random start state;  a <- epsilon-greedy(Q, s)
        repeat:
            take a: observe r = -1 and s' (or the finish);  n(s, a) += 1;  alpha = alpha_n(s, a)
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
        step_sizes: the step-size schedule, ``step_sizes[n - 1] = alpha_n`` (``step_size.py``);
            one entry is a constant ``alpha``.
        visits: ``n(s, a)``, shape ``(n_states, 9)``, counted in place.
    Returns:
        (number of steps, whether the car finished; False if cut at ``max_steps``).
    """
    state = start_states[rng.integers(0, len(start_states))]
    action = epsilon_greedy(q_values, state, epsilon, rng)
    for step in range(1, max_steps + 1):
        next_state, finished, _, _ = sample_transition(
            next_states, start_states, noise, state, action, rng
        )
        count_visit(visits, state, action)
        alpha = step_size(step_sizes, visits, state, action)
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


@njit(cache=True)  # not inlined: keeps the one-step loop of td_episodes small and fast
def td_lambda_episode(q_values: np.ndarray, next_states: np.ndarray, start_states: np.ndarray,
               noise: float, step_sizes: np.ndarray, visits: np.ndarray, gamma: float,
               epsilon: float, use_sarsa: bool,
               max_steps: int, rng: np.random.Generator, trace_decay: float, replacing: bool,
               cut_traces: bool, slot: np.ndarray, trace_pairs: np.ndarray,
               trace_values: np.ndarray, memory: tuple, batch_size: int,
               dynamics_model: tuple, planning_steps: int,
               last_only: bool) -> tuple[int, bool]:
    """One episode of SARSA(lambda) or Q(lambda) with eligibility traces (S&B section 12.7;
    Watkins's Q(lambda): S&B 1st edition section 7.6), learning in place.

    The loop of :func:`td_episode` with its update replaced by the traced update, and with
    experience replay (chapter 5) and Dyna planning (chapter 6) after every real step. It is the
    general loop: it also runs one-step TD with replay or planning (``trace_decay = 0``: every
    trace is dropped right after its own update). It is kept apart from :func:`td_episode` so that the plain one-step loop stays as
    fast as it can be (even an unused call to the replay code halved its speed).

    ::

        s <- a random start state;  a <- epsilon-greedy(Q, s)
        repeat:
            take a: observe r = -1 and s' (or the finish)
            if finished: delta = r - Q(s, a);  update;  stop
            g <- a greedy action of s';  a' <- g, or a random action with probability epsilon
            target = r + gamma * Q(s', g)  = r + gamma * max_b Q(s', b)   (Q-learning)
                   = r + gamma * Q(s', a')                                (SARSA)
            delta = target - Q(s, a);  update
            with replay: store (s, a, r, s', a', done); replay a batch (one-step, untraced)
            with planning: teach the model (s, a) -> s'; make planning_steps simulated updates
            s, a <- s', a'

        update:  n(s, a) += 1;  mark the visit of (s, a) in e;
                 Q(x, b) += alpha_n(x, b) * delta * e(x, b) for every traced pair;  e *= gamma * lambda;
                 for Watkins's Q(lambda), if a' was exploratory (Q(s', a') < Q(s', g), judged
                 with Q before this update), e <- 0

    Without cuts (SARSA, naive Q(lambda)) and with Q held fixed, the updates a pair receives
    add up to alpha * sum_k (gamma lambda)^k delta_{t+k}: for SARSA(lambda) its lambda-return
    minus Q; for naive Q(lambda) that plus gamma (gamma lambda)^(k-1) (max_b Q(s', b) - Q(s', a'))
    >= 0 for every non-greedy a' taken k steps later (chapter 4; tested in test_traces.py).

    A crash is an ordinary step to a start state. The next action is chosen before the update
    for both targets, so the two algorithms draw their random numbers the same way; traces draw
    none, so a lambda so small that every trace is dropped at once gives exactly the numbers of
    one-step TD (tested).

    Args:
        q_values: ``Q``, shape ``(n_states, 9)``, updated in place.
        step_sizes, visits: the step-size schedule and the visit counts, as in :func:`td_episode`.
        cut_traces: Watkins's Q(lambda) (True) or "naive" Q(lambda) (False); SARSA never cuts.
        slot, trace_pairs, trace_values: empty traces from ``traces.new_traces``, left empty.
        memory, batch_size: the replay memory (``replay.new_memory``) and the transitions
            replayed per real step (0: none); replayed updates are one-step, never traced.
        dynamics_model, planning_steps, last_only: the learned model (``dyna.py``), the
            simulated updates per real step (0: none), and whether the model keeps only the last
            outcome of a pair (else it counts outcomes).
    Returns:
        (number of steps, whether the car finished; False if cut at ``max_steps``).
    """
    n_traced = 0
    state = start_states[rng.integers(0, len(start_states))]
    action = epsilon_greedy(q_values, state, epsilon, rng)
    for step in range(1, max_steps + 1):
        next_state, finished, _, _ = sample_transition(
            next_states, start_states, noise, state, action, rng
        )
        count_visit(visits, state, action)
        if finished:
            delta = td_error(REWARD_PER_STEP, q_values, state, action)
            n_traced = visit(slot, trace_pairs, trace_values, n_traced, state, action, replacing)
            update_traced(q_values, slot, trace_pairs, trace_values, n_traced, step_sizes, visits,
                          delta, 0.0, TRACE_THRESHOLD)  # decay 0: every trace is dropped
            if batch_size > 0:
                remember_and_replay(q_values, memory, batch_size, step_sizes, visits, gamma,
                                    use_sarsa, rng, state, action, REWARD_PER_STEP, state, 0,
                                    True)
            if planning_steps > 0:
                learn_and_plan(q_values, dynamics_model, planning_steps, last_only, step_sizes,
                               visits, gamma, rng, state, action, FINISHED)
            return step, True
        greedy_next = greedy_action(q_values, next_state, rng, 0.0)
        next_action = explore(greedy_next, epsilon, q_values.shape[1], rng)  # epsilon-greedy
        if use_sarsa:
            target = sarsa_target(q_values, REWARD_PER_STEP, next_state, next_action, gamma)
        else:
            target = q_learning_target(q_values, REWARD_PER_STEP, next_state, greedy_next, gamma)
        delta = td_error(target, q_values, state, action)
        explored = q_values[next_state, next_action] < q_values[next_state, greedy_next]
        n_traced = visit(slot, trace_pairs, trace_values, n_traced, state, action, replacing)
        n_traced = update_traced(q_values, slot, trace_pairs, trace_values, n_traced,
                                 step_sizes, visits, delta, gamma * trace_decay, TRACE_THRESHOLD)
        if explored and cut_traces and not use_sarsa:
            n_traced = clear(slot, trace_pairs, n_traced)  # Watkins: credit greedy steps only
        if batch_size > 0:
            remember_and_replay(q_values, memory, batch_size, step_sizes, visits, gamma,
                                use_sarsa, rng, state, action, REWARD_PER_STEP, next_state,
                                next_action, False)
        if planning_steps > 0:
            learn_and_plan(q_values, dynamics_model, planning_steps, last_only, step_sizes,
                           visits, gamma, rng, state, action, next_state)
        state, action = next_state, next_action
    clear(slot, trace_pairs, n_traced)
    return max_steps, False


@njit(cache=True)
def td_episodes(q_values: np.ndarray, next_states: np.ndarray, start_states: np.ndarray,
                noise: float, step_sizes: np.ndarray, visits: np.ndarray, gamma: float,
                epsilons: np.ndarray, use_sarsa: bool, max_steps: int, rng: np.random.Generator,
                lengths: np.ndarray, trace_decays: np.ndarray, memory: tuple, batch_size: int,
                dynamics_model: tuple, planning_steps: int, last_only: bool,
                replacing: bool = True, cut_traces: bool = True) -> None:
    """Run ``len(epsilons)`` episodes in a row, episode ``i`` exploring with ``epsilons[i]``
    and with trace decay ``trace_decays[i]`` (lambda), replaying ``batch_size`` transitions from
    ``memory`` and making ``planning_steps`` simulated updates with ``dynamics_model`` after
    every real step (none if 0). Plain one-step TD (lambda 0, no replay, no planning) runs in
    :func:`td_episode`, everything else in :func:`td_lambda_episode`.

    Writes each episode's number of steps into ``lengths`` (negative if the episode was cut).
    """
    slot, trace_pairs, trace_values = new_traces(q_values.shape[0], q_values.shape[1])
    for episode in range(len(epsilons)):
        trace_decay = trace_decays[episode]
        if trace_decay > 0.0 or batch_size > 0 or planning_steps > 0:  # the general loop
            steps, finished = td_lambda_episode(
                q_values, next_states, start_states, noise, step_sizes, visits, gamma,
                epsilons[episode],
                use_sarsa, max_steps, rng, trace_decay, replacing, cut_traces, slot,
                trace_pairs, trace_values, memory, batch_size, dynamics_model, planning_steps,
                last_only)
        else:
            steps, finished = td_episode(q_values, next_states, start_states, noise, step_sizes,
                                         visits, gamma, epsilons[episode], use_sarsa, max_steps,
                                         rng)
        lengths[episode] = steps if finished else -steps

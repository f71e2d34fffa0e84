"""Certainty equivalence: plan to convergence on the learned model (the model-based limit).

Dyna (chapter 7) and prioritized sweeping (``prioritized.py``) spend a fixed number of updates on
the learned model after each real step. The limit of that idea is to *solve* the learned model:
treat the counting model's estimates ``p-hat(o | s, a) = n(s, a, o) / n(s, a)`` as if they were
the truth (hence "certainty equivalence") and compute its optimal values exactly, then act on
them. Every real step is then used as well as the model allows; what remains is which real steps
to take, and how far to trust a pair seen only once or twice.

What the learner observes of each real step: the next state, or that the car finished, or that
it crashed (the rules say a crash restarts the car on a random start cell, so a crash is an
outcome of its own, worth ``c`` = the mean value of the start states). It also knows where each
state lies on the grid, so it can solve in the track's order (``ordered_dp.sweep_order``); it
never reads the model's tables or its noise.

Two solutions of the same counts, for two purposes:

- **exploring** (``behaviour_q``, what the agent drives by, greedily): optimistic. A pair never
  tried is worth ``untried_value`` (an optimistic guess of its value, like optimistic initial
  values, S&B section 2.6), and a tried pair's value is mixed, with the weight
  ``w = min(1, bonus / sqrt(n))``, with ``max(untried_value, its value)`` (a count-based bonus
  for rarely tried pairs: it never lowers a value, and fades as the pair is tried)::

      Q+(s, a) = untried_value                                     if n(s, a) = 0
               = (1 - w) * Q_hat(s, a) + w * max(untried_value, Q_hat(s, a))   otherwise

- **reported** (``q_values``, what is evaluated against the optimum): cautious. A pair never
  tried is as bad as a crash, ``c - 1``, and each step of a tried pair costs
  ``penalty / sqrt(n)`` more (a lower confidence bound), so the policy prefers pairs it has
  seen often to pairs that looked good once.

Both solve the Bellman optimality equation of the learned model (S&B eq. 4.2 with ``p-hat``)::

      Q_hat(s, a) = -1 - penalty / sqrt(n) + sum_o p-hat(o | s, a) * V(o),   V(o) = max_b Q_hat(o, b)

with ``V(finish) = 0`` and ``V(crash) = c``. Every move of the car goes up or right, so a sweep
in decreasing ``col - row`` meets each successor before the states that lead to it, and one sweep
solves the equations exactly for a given ``c``. The only other loop is a start cell at rest
staying put (``o = s``), solved in closed form::

      Q_hat(s, a) = (-1 - penalty / sqrt(n) + sum_{o != s} p-hat(o) V(o)) / (1 - p-hat(s))

and ``c`` must equal the mean of ``V`` over the start states: a few Newton steps on ``c`` (the
slope is the greedy policy's chance of crashing before it finishes) find it, about two sweeps in
all.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .dyna import DynamicsModel, learn_model
from .mdp import sample_transition
from .policy import explore, greedy_action
from .rules import CRASHED, FINISHED, REWARD_PER_STEP
from .step_size import count_visit

NEVER = -1e9  # the value of a pair that (as far as seen) never leaves its state
FLOOR = -1e6  # values are kept above this, so a model where nothing finishes stays finite
TOLERANCE = 1e-9  # the crash value is solved to this
MAX_SWEEPS = 100


class CertaintyEquivalence(NamedTuple):
    """The learner's arrays besides its counting model (see :func:`new_planner`)."""

    behaviour_q: np.ndarray
    behaviour_values: np.ndarray
    report_values: np.ndarray
    crash_chances: np.ndarray
    visited: np.ndarray
    order: np.ndarray
    counters: np.ndarray


class Valuation(NamedTuple):
    """How a solve values what it is unsure of.

    Attributes:
        optimistic: the exploring solution (True) or the reported one (False).
        untried_value: an untried pair's value when optimistic.
        bonus: the count-based bonus ``beta`` (optimistic only).
        penalty: the cost ``penalty / sqrt(n)`` added to each step (reported only).
    """

    optimistic: bool
    untried_value: float
    bonus: float
    penalty: float


def new_planner(n_states: int, n_actions: int, order: np.ndarray, untried_value: float,
                enabled: bool = True) -> CertaintyEquivalence:
    """An empty learner.

    Shapes: ``behaviour_q`` ``(n_states, n_actions)`` (all ``untried_value``);
    ``behaviour_values``, ``report_values``, ``crash_chances`` ``(n_states,)``; ``visited``
    ``(n_states,)`` (has the car stood in the state); ``order`` ``(n_states,)`` the sweep order;
    ``counters`` ``(3,)``: real steps since the last solve, solves, sweeps.
    With ``enabled=False`` every array is empty.
    """
    if not enabled:
        n_states = 0
        order = np.zeros(0, dtype=np.int64)
    return CertaintyEquivalence(
        behaviour_q=np.full((n_states, n_actions), untried_value),
        behaviour_values=np.full(n_states, untried_value),
        report_values=np.zeros(n_states),
        crash_chances=np.zeros(n_states),
        visited=np.zeros(n_states, dtype=np.bool_),
        order=order.astype(np.int64),
        counters=np.zeros(3, dtype=np.int64),
    )


@njit(cache=True, inline="always")
def untried(valuation: Valuation, crash_value: float) -> float:
    """What a pair never tried is worth: ``untried_value``, or ``c - 1`` (a crash) when cautious."""
    return valuation.untried_value if valuation.optimistic else crash_value + REWARD_PER_STEP


@njit(cache=True)
def pair_value(model: DynamicsModel, visits: np.ndarray, values: np.ndarray,
               visited: np.ndarray, state: int, action: int, crash_value: float,
               valuation: Valuation) -> float:
    """``Q+(s, a)`` or ``Q_hat(s, a)`` of the learned model, given the values ``V`` (shape
    ``(n_states,)``) and the crash value ``c`` (see the module's docstring). A state the car has
    never stood in is worth an untried pair."""
    outcomes, counts, n_outcomes, _, _ = model
    n = visits[state, action]
    if n == 0:
        return untried(valuation, crash_value)
    stayed, onward = 0, 0.0
    for index in range(n_outcomes[state, action]):
        outcome, count = outcomes[state, action, index], counts[state, action, index]
        if outcome == state:
            stayed += count
        elif outcome == CRASHED:
            onward += count * crash_value
        elif outcome != FINISHED:
            onward += count * (values[outcome] if visited[outcome]
                               else untried(valuation, crash_value))
    if stayed == n:
        return NEVER
    penalty = 0.0 if valuation.optimistic else valuation.penalty / np.sqrt(n)
    value = (REWARD_PER_STEP - penalty + onward / n) / (1.0 - stayed / n)
    if valuation.optimistic and valuation.bonus > 0.0:
        share = min(1.0, valuation.bonus / np.sqrt(n))
        value = (1.0 - share) * value + share * max(valuation.untried_value, value)
    return value


@njit(cache=True)
def crash_chance(model: DynamicsModel, visits: np.ndarray, crash_chances: np.ndarray,
                 visited: np.ndarray, state: int, action: int, optimistic: bool) -> float:
    """The chance that the learned model's greedy policy crashes before it finishes, from
    ``(s, a)``: the slope of ``Q_hat(s, a)`` in ``c``, for the Newton step on ``c``."""
    outcomes, counts, n_outcomes, _, _ = model
    n = visits[state, action]
    if n == 0:
        return 0.0 if optimistic else 1.0
    stayed, crashing = 0, 0.0
    for index in range(n_outcomes[state, action]):
        outcome, count = outcomes[state, action, index], counts[state, action, index]
        if outcome == state:
            stayed += count
        elif outcome == CRASHED:
            crashing += count
        elif outcome != FINISHED:
            crashing += count * (crash_chances[outcome] if visited[outcome]
                                 else (0.0 if optimistic else 1.0))
    if stayed == n:
        return 0.0
    return crashing / (n - stayed)


@njit(cache=True)
def solve(model: DynamicsModel, visits: np.ndarray, planner: CertaintyEquivalence,
          start_states: np.ndarray, q_table: np.ndarray, values: np.ndarray,
          crash_value: float, valuation: Valuation) -> int:
    """Solve the learned model into ``q_table`` ``(n_states, n_actions)`` and ``values``
    ``(n_states,)``, from the guess ``crash_value`` for ``c``; returns the sweeps made::

        repeat:
            for s in the visited states, in decreasing col - row:   (successors first)
                Q(s, a) <- pair_value(s, a) for every a;  V(s) <- max_a Q(s, a)
                B(s) <- crash_chance of the greedy pair
            f <- mean of V over the start states;  b <- mean of B over them
            stop if |f - c| < tolerance
            c <- c + (f - c) / (1 - b)          (Newton's step on c = f(c))
    """
    crash_chances, visited, order = planner.crash_chances, planner.visited, planner.order
    n_actions = q_table.shape[1]
    sweeps = 0
    for _ in range(MAX_SWEEPS):
        sweeps += 1
        for state in order:
            if not visited[state]:
                continue
            best, best_action = -np.inf, 0
            for action in range(n_actions):
                value = pair_value(model, visits, values, visited, state, action, crash_value,
                                   valuation)
                q_table[state, action] = value
                if value > best:
                    best, best_action = value, action
            values[state] = max(best, FLOOR)
            crash_chances[state] = crash_chance(model, visits, crash_chances, visited, state,
                                                best_action, valuation.optimistic)
        start_value, start_crash = 0.0, 0.0
        for state in start_states:
            start_value += values[state] if visited[state] else untried(valuation, crash_value)
            start_crash += crash_chances[state] if visited[state] else 0.0
        start_value /= len(start_states)
        start_crash /= len(start_states)
        if abs(start_value - crash_value) < TOLERANCE:
            break
        if start_crash < 1.0 - 1e-9:
            crash_value += (start_value - crash_value) / (1.0 - start_crash)
        else:
            crash_value = start_value
        crash_value = max(crash_value, FLOOR)
    return sweeps


@njit(cache=True, inline="always")
def exploring(settings: tuple) -> Valuation:
    """The exploring solution's valuation: optimistic (``untried_value`` and the bonus), or, with
    ``untried_pairs = "pessimistic"``, an untried pair as bad as a crash and no bonus."""
    if settings.optimistic:
        return Valuation(True, settings.untried_value, settings.exploration_bonus, 0.0)
    return Valuation(False, settings.untried_value, 0.0, 0.0)


@njit(cache=True, inline="always")
def start_mean(values: np.ndarray, start_states: np.ndarray) -> float:
    """The mean of ``values`` over the start states: the value of a crash."""
    total = 0.0
    for state in start_states:
        total += values[state]
    return total / len(start_states)


@njit(cache=True)
def plan_behaviour(model: DynamicsModel, visits: np.ndarray, planner: CertaintyEquivalence,
                   start_states: np.ndarray, settings: tuple) -> None:
    """Solve the exploring (optimistic) values in place, from the last solution's ``c``."""
    sweeps = solve(model, visits, planner, start_states, planner.behaviour_q,
                   planner.behaviour_values,
                   start_mean(planner.behaviour_values, start_states), exploring(settings))
    planner.counters[1] += 1
    planner.counters[2] += sweeps


@njit(cache=True)
def report(model: DynamicsModel, visits: np.ndarray, planner: CertaintyEquivalence,
           start_states: np.ndarray, q_values: np.ndarray, settings: tuple) -> None:
    """Solve the reported (cautious) values into ``q_values``, ``(n_states, n_actions)``.

    Its guess for ``c`` comes from the exploring solution, never from an earlier report, so what
    is reported depends only on what the agent has seen, not on how often it was reported."""
    cautious = Valuation(False, settings.untried_value, 0.0, settings.confidence_penalty)
    solve(model, visits, planner, start_states, q_values, planner.report_values,
          start_mean(planner.behaviour_values, start_states), cautious)


@njit(cache=True)
def certainty_equivalence_episode(mdp: tuple, learner: tuple, settings: tuple, epsilon: float,
                                  rng: np.random.Generator) -> tuple[int, bool]:
    """One episode of the certainty-equivalence learner::

        s <- a random start state
        repeat:
            mark s visited;  a <- greedy(Q+, s) (epsilon-greedy if epsilon > 0)
            take a: observe s', the finish or a crash;  n(s, a) += 1;  n(s, a, outcome) += 1
            Q+(s, a) <- pair_value(s, a)                 (this pair, at once)
            every replan_every real steps: solve Q+ on the learned model
            stop if finished;  s <- s'

    Returns:
        (number of steps, whether the car finished; False if cut at ``settings.max_steps``).
    """
    next_states, start_states, noise = mdp
    visits, model, planner = learner.visits, learner.dynamics_model, learner.planner
    behaviour_q, values, visited = planner.behaviour_q, planner.behaviour_values, planner.visited
    state = start_states[rng.integers(0, len(start_states))]
    for step in range(1, settings.max_steps + 1):
        visited[state] = True
        action = explore(greedy_action(behaviour_q, state, rng, 0.0), epsilon,
                         behaviour_q.shape[1], rng)
        next_state, finished, crashed, _ = sample_transition(next_states, start_states, noise,
                                                             state, action, rng)
        count_visit(visits, state, action)
        outcome = FINISHED if finished else (CRASHED if crashed else next_state)
        learn_model(model, state, action, outcome, False)
        behaviour_q[state, action] = pair_value(model, visits, values, visited, state, action,
                                                start_mean(values, start_states),
                                                exploring(settings))
        planner.counters[0] += 1
        if planner.counters[0] >= settings.replan_every:
            planner.counters[0] = 0
            plan_behaviour(model, visits, planner, start_states, settings)
        if finished:
            return step, True
        state = next_state
    return settings.max_steps, False


@njit(cache=True, nogil=True)  # agents train in threads at once (training.train)
def run_certainty_equivalence_episodes(mdp: tuple, learner: tuple, settings: tuple,
                                       schedule: tuple, lengths: np.ndarray,
                                       rng: np.random.Generator) -> None:
    """``len(schedule.epsilons)`` episodes in a row (as ``agent.run_agent_episodes`` for the
    other learners), each one's number of steps written into ``lengths`` (negative if cut), then
    the cautious solution reported into ``learner.q_values`` (:func:`report`). A loop of its
    own, so that the TD learners' compiled loop does not carry this learner's code."""
    for episode in range(len(schedule.epsilons)):
        steps, finished = certainty_equivalence_episode(mdp, learner, settings,
                                                        schedule.epsilons[episode], rng)
        lengths[episode] = steps if finished else -steps
    report(learner.dynamics_model, learner.visits, learner.planner, mdp.start_states,
           learner.q_values, settings)

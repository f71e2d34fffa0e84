"""Model-based planning (Dyna): a learned dynamics model and simulated updates from it.

Notation (chapter 7): the ``dynamics_model`` remembers, for each state-action pair the agent has
tried, what followed it; ``planning_steps`` is how many simulated updates follow every real step
(Sutton & Barto section 8.2, Tabular Dyna-Q).

Two models, both held in one :class:`DynamicsModel` record of arrays indexed by ``(s, a)``:

- ``"last"`` (Tabular Dyna-Q, S&B section 8.2): the last outcome observed. On a noisy track
  it is not consistent: one sampled outcome, perhaps the rare noisy one, stands for the pair
  until the pair is tried again.
- ``"counts"``: every distinct outcome with its count; a simulated step draws an outcome with
  probability ``count / total``, the maximum-likelihood estimate of ``P(s' | s, a)``.

An outcome is the next state, or ``FINISHED``. A pair has two moves, the intended one and the
noisy one (sometimes the same move). A move that finishes or drives on has one outcome; a move
that crashes sends the car to a random start cell, so it has ``n_start``. Neither, one or both of
the moves may crash, so a pair has at most 2, ``1 + n_start`` or ``n_start`` distinct outcomes:
at most ``1 + n_start`` in every case. The table holds ``2 + n_start`` per pair (one spare).

Planning draws a pair uniformly among those tried so far, from a list kept as the model learns
(never a scan of the table), with the agent's own generator, simulates an outcome and applies the
one-step Q-learning update to it (the reward is always -1 here), with the target and update of
every other step (``td.td_target``, ``td.td_update``):

    Q(s, a) <- Q(s, a) + alpha_n(s, a) * (r + gamma * max_b Q(s', b) - Q(s, a))
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .rules import FINISHED, REWARD_PER_STEP
from .td import Q_LEARNING, Transition, td_target, td_update

MODEL_KINDS = ("counts", "last")
# The two models, as codes in ``settings.model_kind`` (in the order of ``MODEL_KINDS``).
COUNTS, LAST = 0, 1


class DynamicsModel(NamedTuple):
    """The learned model's arrays (see :func:`new_dynamics_model` for their shapes)."""

    outcomes: np.ndarray
    counts: np.ndarray
    n_outcomes: np.ndarray
    tried_pairs: np.ndarray
    n_tried: np.ndarray


def new_dynamics_model(n_states: int, n_actions: int, n_start: int,
                       enabled: bool = True) -> DynamicsModel:
    """An empty model: ``DynamicsModel(outcomes, counts, n_outcomes, tried_pairs, n_tried)``.

    Shapes: ``outcomes`` and ``counts`` ``(n_states, n_actions, 2 + n_start)`` (the distinct
    next states seen, ``FINISHED`` for the finish, and how often); ``n_outcomes``
    ``(n_states, n_actions)``; ``tried_pairs`` ``(n_states * n_actions,)`` the pairs tried so
    far as ``s * n_actions + a``, in the order first tried; ``n_tried`` ``(1,)`` how many.
    With ``enabled=False`` every array is empty (an agent that does not plan).
    """
    width = 2 + n_start
    if not enabled:
        n_states = n_actions = width = 0
    return DynamicsModel(  # int32: half the memory traffic of int64
        outcomes=np.zeros((n_states, n_actions, width), dtype=np.int32),
        counts=np.zeros((n_states, n_actions, width), dtype=np.int32),
        n_outcomes=np.zeros((n_states, n_actions), dtype=np.int32),
        tried_pairs=np.zeros(n_states * n_actions, dtype=np.int64),
        n_tried=np.zeros(1, dtype=np.int64),
    )


@njit(cache=True, inline="always")
def uniform_index(n: int, rng: np.random.Generator) -> int:
    """A uniform integer in ``[0, n)`` from one uniform float: ``rng.integers`` costs ~50 ns in
    compiled code, this ~5 ns, and planning draws twice per simulated step. (The float has 53
    random bits, so the bias for n below a million is under 1e-10.)"""
    return int(rng.random() * n)


@njit(cache=True, inline="always")
def learn_model(dynamics_model: DynamicsModel, state: int, action: int, outcome: int,
                last_only: bool) -> None:
    """Record that action ``a`` in ``s`` led to ``outcome`` (a state id or ``FINISHED``).

    ``last_only``: keep only this outcome (Dyna-Q's deterministic model); else count it.
    """
    outcomes, counts, n_outcomes, tried_pairs, n_tried = dynamics_model
    if n_outcomes[state, action] == 0:  # first try of this pair: add it to the list
        tried_pairs[n_tried[0]] = state * outcomes.shape[1] + action
        n_tried[0] += 1
    if last_only:
        outcomes[state, action, 0] = outcome
        counts[state, action, 0] = 1
        n_outcomes[state, action] = 1
        return
    for index in range(n_outcomes[state, action]):
        if outcomes[state, action, index] == outcome:
            counts[state, action, index] += 1
            return
    index = n_outcomes[state, action]
    outcomes[state, action, index] = outcome
    counts[state, action, index] = 1
    n_outcomes[state, action] = index + 1


def outcomes_of(dynamics_model: DynamicsModel, state: int, action: int) -> dict[int, int]:
    """What the model has seen after ``(s, a)``: ``{outcome: count}`` (for inspection)."""
    n = dynamics_model.n_outcomes[state, action]
    return dict(zip(dynamics_model.outcomes[state, action, :n].tolist(),
                    dynamics_model.counts[state, action, :n].tolist(), strict=True))


@njit(cache=True, inline="always")
def simulate(dynamics_model: DynamicsModel, state: int, action: int,
             rng: np.random.Generator) -> int:
    """A simulated outcome of a tried pair: drawn in proportion to the counts (with the
    last-outcome model there is only one)."""
    outcomes, counts, n_outcomes, _, _ = dynamics_model
    n = n_outcomes[state, action]
    if n == 1:
        return outcomes[state, action, 0]
    total = 0
    for index in range(n):
        total += counts[state, action, index]
    draw = uniform_index(total, rng)
    for index in range(n):
        draw -= counts[state, action, index]
        if draw < 0:
            return outcomes[state, action, index]
    return outcomes[state, action, n - 1]  # not reached


@njit(cache=True)  # not inlined: keeps the episode loop small
def plan(q_values: np.ndarray, step_sizes: np.ndarray, visits: np.ndarray,
         dynamics_model: DynamicsModel, settings: tuple, rng: np.random.Generator) -> None:
    """``settings.planning_steps`` simulated one-step Q-learning updates from uniformly drawn
    tried pairs of the learned model::

        repeat planning_steps times:
            (s, a) <- a random pair tried so far;  s' <- simulate(model, s, a)
            target = r                            if s' is the finish
                   = r + gamma * max_b Q(s', b)   otherwise
            Q(s, a) += alpha_n(s, a) * (target - Q(s, a))

    The target is Q-learning's whatever the agent's own (a simulated step has no next action
    taken; Dyna-Q, S&B section 8.2).

    Args:
        q_values, step_sizes, visits: the learner's ``Q``, step-size table and visit counts
            (``agent.Learner``; the loop hands over the arrays, see ``td.td_episode``).
        dynamics_model: the learned model (``learner.dynamics_model``).
        settings: the loop's settings (``agent.LoopSettings``): ``planning_steps``, ``gamma``.
    """
    _, _, _, tried_pairs, n_tried = dynamics_model
    n_actions = q_values.shape[1]
    gamma = settings.gamma
    for _ in range(settings.planning_steps):
        pair = tried_pairs[uniform_index(n_tried[0], rng)]
        state, action = pair // n_actions, pair % n_actions
        outcome = simulate(dynamics_model, state, action, rng)
        finished = outcome == FINISHED
        simulated = Transition(state, action, REWARD_PER_STEP, state if finished else outcome, 0,
                               finished)
        target = td_target(q_values, simulated, Q_LEARNING, gamma, -1)
        td_update(q_values, step_sizes, visits, state, action, target)


@njit(cache=True, inline="always")
def learn_and_plan(q_values: np.ndarray, step_sizes: np.ndarray, visits: np.ndarray,
                   dynamics_model: DynamicsModel, settings: tuple, transition: Transition,
                   rng: np.random.Generator) -> None:
    """After a real step: teach the model its outcome, then plan (nothing if
    ``settings.planning_steps`` is 0, so an agent that does not plan draws no extra random
    numbers)."""
    if settings.planning_steps == 0:
        return
    outcome = FINISHED if transition.finished else transition.next_state
    learn_model(dynamics_model, transition.state, transition.action, outcome,
                settings.model_kind == LAST)
    plan(q_values, step_sizes, visits, dynamics_model, settings, rng)

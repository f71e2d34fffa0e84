"""Value iteration fast enough for a million states: in-place sweeps in the order the track imposes.

Chapter 2's value iteration is the textbook's: every sweep computes all new values from the old
ones (a Jacobi sweep, S&B eq. 4.10), and on track 1 it needs 84 sweeps. The racetrack has a
structure that makes most of those sweeps unnecessary. Velocities are never negative, and off the
start line never (0, 0), so every move goes up or right: ``col - row`` grows with every step that
moves. Only two kinds of transitions do not move the car forward:

- a crash, which sends it back to a start state (through the crash value, the mean over them);
- a car on the start line that comes to rest, or stays at rest, on its start cell.

So if the states are swept in decreasing ``col - row``, in place (Gauss-Seidel, S&B section 4.5),
each state's successors have already been given their new value in this sweep, except through
those two. Start states at rest come first among the states of equal ``col - row``, since the
moving states of a start cell can come to rest there. After one sweep every value is exact given
the crash value, and the sweeps that remain only settle the crash value and the start line.

    repeat
        for s in states, by decreasing col - row (at rest on the start line first):
            V(s) <- max_a { r + gamma [(1 - p) V(s'_a) + p V(s'_0)] }     (in place)
        (the crash value, the mean of V over the start states, follows each change)
    until no value moved by more than tol

The fixed point is the same ``V*`` (the update is the Bellman optimality operator; only the order
in which values are replaced differs), so the result is checked against chapter 2's.

The same order evaluates a given policy exactly in a single sweep
(:func:`ordered_policy_evaluation`): in that order every state's value is an affine function of
the crash value ``c``, ``V(s) = a(s) + b(s) c``, computed from its successors' ``a`` and ``b``
(a start state's own noise, which keeps it at rest, is solved for in closed form). Then ``c``,
the mean of ``V`` over the start states, solves ``c = A + B c``: ``c = A / (1 - B)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .dp import ValueIterationResult, _action_probabilities, _check_model, backup
from .errors import RacetrackError, check_count, check_range
from .mdp import MDPTables, TabularModel
from .rules import CRASHED, FINISHED, N_ACTIONS, REWARD_PER_STEP


class SweepSettings(NamedTuple):
    """What the compiled sweeps need besides the model: ``gamma``, ``tol`` and ``max_sweeps``."""

    gamma: float
    tol: float
    max_sweeps: int


def sweep_order(model: TabularModel) -> np.ndarray:
    """The states in the order the sweeps visit them: decreasing ``col - row``, and among equal
    ``col - row`` the start states (at rest) first. Shape ``(n_states,)``."""
    progress = model.positions[:, 1] - model.positions[:, 0]
    at_rest = np.zeros(model.n_states, dtype=bool)
    at_rest[model.start_states] = True
    # np.lexsort sorts by the last key first: by -progress, then rest states (key 0) first
    return np.lexsort((~at_rest, -progress)).astype(np.int64)


@njit(cache=True)
def _outcome_value(successor: int, values: np.ndarray, crash_value: float) -> float:
    if successor == FINISHED:
        return 0.0
    if successor == CRASHED:
        return crash_value
    return values[successor]


@njit(cache=True)
def _ordered_sweeps(tables: MDPTables, order: np.ndarray, settings: SweepSettings,
                    values: np.ndarray, max_changes: np.ndarray) -> int:
    """Sweep in ``order``, in place, until the largest change is below ``settings.tol``; write
    each sweep's largest change into ``max_changes``; return the sweeps made (-1: no
    convergence within ``settings.max_sweeps``)."""
    next_states, start_states, noise = tables.next_states, tables.start_states, tables.noise
    gamma, tol = settings.gamma, settings.tol
    is_start = np.zeros(values.shape[0], dtype=np.bool_)
    is_start[start_states] = True
    n_start = start_states.shape[0]
    for sweep in range(settings.max_sweeps):
        start_sum = values[start_states].sum()  # afresh each sweep: no drift from the updates
        largest = 0.0
        for state in order:
            crash_value = start_sum / n_start
            best = -np.inf
            for action in range(N_ACTIONS):
                intended = _outcome_value(next_states[state, action, 0], values, crash_value)
                noisy = _outcome_value(next_states[state, action, 1], values, crash_value)
                value = REWARD_PER_STEP + gamma * ((1.0 - noise) * intended + noise * noisy)
                if value > best:
                    best = value
            change = abs(best - values[state])
            if change > largest:
                largest = change
            if is_start[state]:
                start_sum += best - values[state]
            values[state] = best
        max_changes[sweep] = largest
        if largest < tol:
            return sweep + 1
    return -1


def ordered_value_iteration(model: TabularModel, gamma: float = 1.0, tol: float = 1e-10,
                            max_sweeps: int = 100_000) -> ValueIterationResult:
    """Value iteration with in-place sweeps in the track's order (see the module's docstring);
    stops when no value moves by more than ``tol`` in a sweep. Returns the same record as
    :func:`racetrack_lib.dp.value_iteration`.

    >>> from racetrack_lib import TabularModel, expected_steps_from_start
    >>> model = TabularModel.build("track1", noise=0.1)
    >>> result = ordered_value_iteration(model)
    >>> result.sweeps, round(expected_steps_from_start(model, result.values), 4)
    (25, 12.1013)
    """
    _check_model(model)
    check_range("gamma", gamma, 0.0, 1.0, low_open=True)
    check_range("tol", tol, 0.0, np.inf, low_open=True)
    max_sweeps = check_count("max_sweeps", max_sweeps, 1, np.inf)
    values = np.zeros(model.n_states)  # above every true value: they fall to V*
    max_changes = np.zeros(max_sweeps)
    sweeps = _ordered_sweeps(model.tables, sweep_order(model),
                             SweepSettings(float(gamma), float(tol), max_sweeps),
                             values, max_changes)
    if sweeps < 0:
        raise RacetrackError(f"value iteration did not converge in {max_sweeps:,} sweeps "
                             f"(noise = {model.noise})")
    return ValueIterationResult(values, backup(model, values, gamma), sweeps,
                                max_changes[:sweeps].copy())



@njit(cache=True)
def _affine_values(tables: MDPTables, order: np.ndarray, action_probs: np.ndarray,
                   gamma: float, a: np.ndarray, b: np.ndarray) -> None:
    """One sweep in ``order``: ``V_pi(s) = a(s) + b(s) c`` for every state, ``c`` the crash
    value; ``a(s) = -inf`` where the policy never finishes (``b(s)`` is then 0)."""
    next_states, noise = tables.next_states, tables.noise
    for state in order:
        total_a, total_b, self_loop, endless = 0.0, 0.0, 0.0, False
        for action in range(N_ACTIONS):
            chance = action_probs[state, action]
            if chance == 0.0:
                continue
            total_a += chance * REWARD_PER_STEP
            for outcome in range(2):
                weight = chance * gamma * (noise if outcome == 1 else 1.0 - noise)
                successor = next_states[state, action, outcome]
                if weight == 0.0 or successor == FINISHED:
                    continue
                if successor == CRASHED:
                    total_b += weight
                elif successor == state:  # at rest on the start line, staying there
                    self_loop += weight
                elif a[successor] == -np.inf:
                    endless = True
                else:
                    total_a += weight * a[successor]
                    total_b += weight * b[successor]
        if endless or self_loop >= 1.0 - 1e-12:
            a[state], b[state] = -np.inf, 0.0
        else:  # V = total_a + total_b c + self_loop V, solved for V
            a[state], b[state] = total_a / (1.0 - self_loop), total_b / (1.0 - self_loop)


def ordered_policy_evaluation(model: TabularModel, policy: np.ndarray,
                              gamma: float = 1.0) -> np.ndarray:
    """The exact value ``V^pi`` of a policy (S&B eq. 4.4) in one sweep in the track's order, then
    one equation for the crash value (see the module's docstring): the same values as
    :func:`racetrack_lib.dp.policy_evaluation`'s sparse solve, in time proportional to the
    number of states.

    Args:
        policy: deterministic, shape ``(n_states,)``, or stochastic, ``(n_states, 9)``.
    Returns:
        ``V^pi``, shape ``(n_states,)``; ``-inf`` where the policy never finishes (gamma = 1).

    >>> import numpy as np
    >>> from racetrack_lib import TabularModel, expected_steps_from_start, greedy_actions
    >>> model = TabularModel.build("track1", noise=0.1)
    >>> optimal = greedy_actions(ordered_value_iteration(model).q_values,
    ...                          np.random.default_rng(0), 1e-9)
    >>> round(expected_steps_from_start(model, ordered_policy_evaluation(model, optimal)), 4)
    12.1013
    """
    _check_model(model)
    check_range("gamma", gamma, 0.0, 1.0, low_open=True)
    action_probs = _action_probabilities(model, policy)
    a, b = np.zeros(model.n_states), np.zeros(model.n_states)
    _affine_values(model.tables, sweep_order(model), action_probs, float(gamma), a, b)
    start_a, start_b = a[model.start_states].mean(), b[model.start_states].mean()
    if np.isfinite(start_a) and start_b < 1.0 - 1e-12:
        crash_value = start_a / (1.0 - start_b)
    else:  # from the start line the policy never finishes
        crash_value = -np.inf
    with np.errstate(invalid="ignore"):  # 0 * -inf where b = 0: those states never crash
        values = np.where(b == 0.0, a, a + b * crash_value)
    return values

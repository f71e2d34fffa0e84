"""Chapter 10's exercises: the value of a pair under the learned model, and the priority of a pair
in prioritized sweeping.

Exercise 10.1: ``learned_q(outcome_counts, values, crash_value, state, penalty)``, the
certainty-equivalence value of one pair of the counting model, checked against
:func:`racetrack_lib.certainty_equivalence.pair_value` (the reported, cautious valuation).
Exercise 10.2: ``priority(outcome_counts, q_values, q_sa)``, how much an expected update would
change a pair, checked against :func:`racetrack_lib.prioritized.expected_target`.

The reader's outcome counts are a dictionary ``{outcome: count}``, an outcome being a next
state's number, ``"finish"`` or (10.1 only) ``"crash"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from functools import cache

import numpy as np

from ..certainty_equivalence import NEVER, Valuation, pair_value
from ..dp import value_iteration
from ..dyna import new_dynamics_model
from ..mdp import TabularModel
from ..prioritized import expected_target
from ..rules import CRASHED, FINISHED
from .checking import Case, Exercise, Probe, check

CODES = {"finish": FINISHED, "crash": CRASHED}


def _fill(dynamics, state: int, outcome_counts: dict) -> int:
    outcomes, counts, n_outcomes, _, _ = dynamics
    for index, (outcome, count) in enumerate(outcome_counts.items()):
        outcomes[state, 0, index] = CODES.get(outcome, outcome)
        counts[state, 0, index] = count
    n_outcomes[state, 0] = len(outcome_counts)
    return sum(outcome_counts.values())


def library_learned_q(outcome_counts: dict, values: list, crash_value: float, state: int,
                      penalty: float) -> float:
    """The library's ``Q_hat(s, a)`` for one pair (``-inf`` if it has only ever stayed put)."""
    values = np.asarray(values, dtype=float)
    dynamics = new_dynamics_model(len(values), 1, len(outcome_counts))
    visits = np.zeros((len(values), 1), dtype=np.int64)
    visits[state, 0] = _fill(dynamics, state, outcome_counts)
    visited = np.ones(len(values), dtype=np.bool_)
    value = pair_value(dynamics, visits, values, visited, state, 0, float(crash_value),
                       Valuation(False, 0.0, 0.0, float(penalty)))
    return -math.inf if value == NEVER else float(value)


def library_priority(outcome_counts: dict, q_values: list, q_sa: float) -> float:
    """The library's priority ``|expected target - Q(s, a)|`` of one pair (gamma = 1)."""
    q_table = np.asarray(q_values, dtype=float)
    dynamics = new_dynamics_model(len(q_table), 1, len(outcome_counts))
    _fill(dynamics, 0, outcome_counts)
    # the library's function reads Q rows of the outcomes; the pair's own row is row 0
    return abs(float(expected_target(q_table, dynamics, 0, 0, 1.0)) - q_sa)


def _q_case(outcome_counts: dict, values: list, crash_value: float, state: int,
            penalty: float) -> Case:
    shown = (f"outcome_counts = {outcome_counts}, values = {values}, crash_value = "
             f"{crash_value}, state = {state}, penalty = {penalty}")
    return Case((outcome_counts, values, crash_value, state, penalty), shown,
                library_learned_q(outcome_counts, values, crash_value, state, penalty))


VALUES = [-5.0, -4.0, -3.0, -2.0, -1.0, -6.0]


def _q_probes() -> list[Probe]:
    return [
        Probe("the counts are the probabilities",
              "p-hat(o) = count(o) / n, with n the sum of the counts; the value is -1 plus the "
              "sum of p-hat(o) * values[o].",
              [_q_case({3: 9, 5: 1}, VALUES, -8.0, 0, 0.0), _q_case({2: 1}, VALUES, -8.0, 1, 0.0),
               _q_case({4: 3, 1: 1}, VALUES, -8.0, 0, 0.0)]),
        Probe("the finish is worth 0 and a crash is worth crash_value",
              "an outcome \"finish\" adds nothing after its -1; an outcome \"crash\" is worth "
              "crash_value, the mean value of the start cells the car restarts on.",
              [_q_case({"finish": 2, 3: 2}, VALUES, -8.0, 0, 0.0),
               _q_case({"crash": 1, 4: 3}, VALUES, -8.0, 0, 0.0),
               _q_case({"finish": 1, "crash": 1}, VALUES, -7.5, 2, 0.0)]),
        Probe("the caution: penalty / sqrt(n) more per step",
              "each step of a pair tried n times costs -1 - penalty / sqrt(n), n the sum of its "
              "counts.",
              [_q_case({3: 4}, VALUES, -8.0, 0, 1.0), _q_case({3: 9, "crash": 7}, VALUES, -8.0,
                                                              0, 0.5)]),
        Probe("staying put: solve for the value",
              "if the car can stay in `state` (a start cell at rest), Q appears on both sides: "
              "Q = -1 - c + p-hat(state) * Q + sum over the other outcomes, so divide by "
              "1 - p-hat(state); a pair that has only ever stayed put never leaves: -inf.",
              [_q_case({0: 3, 2: 1}, VALUES, -8.0, 0, 0.0), _q_case({1: 1, "finish": 1}, VALUES,
                                                                    -8.0, 1, 1.0),
               _q_case({5: 2}, VALUES, -8.0, 5, 0.0)]),
    ]


LEARNED_Q = Exercise("learned_q", 10, "the value of a pair under the learned model", _q_probes)


def _p_case(outcome_counts: dict, q_values: list, q_sa: float) -> Case:
    shown = f"outcome_counts = {outcome_counts}, q_values = {q_values}, q_sa = {q_sa}"
    return Case((outcome_counts, q_values, q_sa), shown,
                library_priority(outcome_counts, q_values, q_sa))


Q_ROWS = [[-9.0, -9.0], [-3.0, -2.0], [-5.0, -7.0], [-1.0, -4.0]]


def _p_probes() -> list[Probe]:
    return [
        Probe("one outcome",
              "the target of one outcome s' is -1 + max_b Q(s', b); the priority is how far the "
              "pair's value q_sa is from it.",
              [_p_case({1: 5}, Q_ROWS, -4.0), _p_case({2: 1}, Q_ROWS, -6.0)]),
        Probe("the finish",
              "after the finish there is nothing more: its target is the reward, -1.",
              [_p_case({"finish": 3}, Q_ROWS, -1.0), _p_case({"finish": 1}, Q_ROWS, -2.5)]),
        Probe("every outcome, weighted by its count",
              "the expected target is sum_o count(o) / n * target(o), n the sum of the counts.",
              [_p_case({1: 3, 3: 1}, Q_ROWS, -3.0), _p_case({"finish": 1, 2: 1}, Q_ROWS, -4.0)]),
        Probe("a priority is never negative",
              "the priority is the absolute value |expected target - q_sa|: a value too low "
              "matters as much as one too high.",
              [_p_case({1: 2}, Q_ROWS, -1.0), _p_case({3: 1, 2: 1}, Q_ROWS, 0.0)]),
    ]


PRIORITY = Exercise("priority", 10, "the priority of a pair", _p_probes)


@cache
def _optimum() -> tuple[TabularModel, np.ndarray]:
    model = TabularModel.build("track1", 0.1)
    return model, value_iteration(model, gamma=1.0).values


def check_learned_q(learned_q: Callable) -> None:
    """Check the reader's ``learned_q``; if it is right, give it the counts of track 1 in the
    noise's exact proportions and V*: it must give Q* (the Bellman optimality equation)."""

    def use(function: Callable) -> Iterator[str]:
        model, optimum = _optimum()
        crash_value = float(optimum[model.start_states].mean())
        rng = np.random.default_rng(0)
        pairs = rng.integers(0, model.n_states * 9, size=300)
        worst = 0.0
        values = optimum.tolist()
        for pair in pairs:
            state, action = divmod(int(pair), 9)
            intended, slipped = (int(o) for o in model.next_states[state, action])
            name = {FINISHED: "finish", CRASHED: "crash"}
            counts = {name.get(intended, intended): 9}
            slipped = name.get(slipped, slipped)
            counts[slipped] = counts.get(slipped, 0) + 1
            mine = function(counts, values, crash_value, state, 0.0)
            exact = library_learned_q(counts, values, crash_value, state, 0.0)
            if math.isfinite(exact):
                worst = max(worst, abs(mine - exact))
        yield (f"  On 300 pairs of track 1, with counts 9 : 1 (the noise) and V*, your learned_q "
               f"gives Q* to within {worst:.1e}: the learned model of exact counts is the MDP.")

    check(LEARNED_Q, learned_q, use)


def check_priority(priority: Callable) -> None:
    """Check the reader's ``priority``."""
    check(PRIORITY, priority)

"""Chapter 2's exercises: one Bellman optimality backup, and iterative policy evaluation.

The reader's ``bellman_backup`` is checked against :func:`racetrack_lib.dp.backup` (the best of
its nine ``Q`` values at one state), and ``evaluate_policy`` against the exact solve of
:func:`racetrack_lib.dp.policy_evaluation`.

An answer that is a whole array of values is compared entry by entry, and a message shows it at
the entry where it differs most (:class:`ArrayAnswer`, :func:`same_arrays`): the first entries
of a value array are the states next to the finish line, which most wrong answers get right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .. import dp
from ..mdp import TabularModel
from ..policy import greedy_actions
from ..rules import CRASHED, FINISHED, N_ACTIONS
from .checking import Case, Exercise, Probe, check, describe

# A track on which no move can crash: the top row and the right column are finish cells, and a
# car only moves up or right, so any move that would leave the grid crosses the finish first.
OPEN_TRACK = """\
FFFFFF
.....F
.....F
.....F
.....F
SSS..F
"""
VALUES_TOLERANCE = 1e-6  # an evaluation stopped at tolerance 1e-10 is within 1e-8 of the exact


# --- answers that are arrays ---------------------------------------------------------------------

@dataclass(eq=False)
class ArrayAnswer:
    """An answer made of arrays (the reader's or the library's), as a message shows it: at one
    entry, ``focus``, which :func:`same_arrays` sets to where two answers differ most.

    Attributes:
        arrays: the arrays, each of the same shape as its counterpart in the other answer.
        show: writes the answer at an entry (``focus``; ``None`` before any comparison).
        focus: the index of that entry in the arrays.
    """

    arrays: tuple[np.ndarray, ...]
    show: Callable[[tuple[np.ndarray, ...], tuple[int, ...] | None], str]
    focus: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return self.show(self.arrays, self.focus)


def same_arrays(observed: object, expected: ArrayAnswer, tolerance: float) -> bool:
    """Whether ``observed`` holds arrays of the expected shapes, equal to ``expected``'s within
    ``tolerance`` (absolutely or relatively); when not, both answers' ``focus`` becomes the entry
    where they differ most (or the first entry that is not a finite number)."""
    if not isinstance(observed, ArrayAnswer) or len(observed.arrays) != len(expected.arrays):
        return False
    worst = np.zeros(expected.arrays[0].shape)
    for mine, theirs in zip(observed.arrays, expected.arrays, strict=True):
        if mine.shape != theirs.shape:
            return False
        with np.errstate(invalid="ignore"):
            gap = np.abs(mine - theirs) - tolerance * np.maximum(1.0, np.abs(theirs))
        gap[np.isnan(gap) | (np.isinf(mine) != np.isinf(theirs))] = np.inf
        gap[np.isinf(mine) & (mine == theirs)] = -1.0  # the same infinity
        worst = np.maximum(worst, gap)
    if (worst <= 0).all():
        return True
    focus = tuple(int(i) for i in np.unravel_index(int(np.argmax(worst)), worst.shape))
    observed.focus = expected.focus = focus
    return False


def as_float_array(answer: object, shape: tuple[int, ...]) -> np.ndarray | None:
    """``answer`` as a float array of ``shape``, or ``None`` if it is not one."""
    try:
        array = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return None
    return array if array.shape == shape else None


# --- Exercise 2.1: one Bellman optimality backup -------------------------------------------------

def library_backup(model: TabularModel, values: np.ndarray, state: int, gamma: float) -> float:
    """The library's answer: ``max_a Q(s, a)`` of one sweep of :func:`dp.backup` from ``values``."""
    return float(dp.backup(model, values, gamma)[state].max())


def _outcomes(model: TabularModel, state: int) -> np.ndarray:
    return model.next_states[state].ravel()  # the 18 outcomes: (action, intended or noise)


def _state_text(model: TabularModel, state: int) -> str:
    row, col, v_up, v_right = model.describe(state)
    return f"state {state} (row {row}, col {col}, velocity ({v_up}, {v_right}))"


def _backup_probes() -> list[Probe]:
    rng = np.random.default_rng(2)  # the same cases for every reader
    models = {noise: TabularModel.build("track1", noise=noise) for noise in (0.0, 0.1, 0.3)}
    outcomes = models[0.1].next_states.reshape(models[0.1].n_states, -1)
    finishes = (outcomes == FINISHED).any(axis=1)
    crashes = (outcomes == CRASHED).any(axis=1)
    kinds = {"plain": ~finishes & ~crashes, "finish": finishes & ~crashes, "crash": crashes}

    def cases(kind: str, noise: float, gamma: float, count: int) -> list[Case]:
        model, chosen = models[noise], []
        for state in np.sort(rng.choice(np.flatnonzero(kinds[kind]), count, replace=False)):
            values = rng.uniform(-30.0, 0.0, model.n_states)  # any values V, not only V*
            finishing = sorted({a for a in range(N_ACTIONS)
                                if FINISHED in model.next_states[state, a]})
            crashing = sorted({a for a in range(N_ACTIONS)
                               if CRASHED in model.next_states[state, a]})
            notes = "".join([
                f"; actions {finishing} may finish" if finishing else "",
                f"; actions {crashing} may crash" if crashing else "",
            ])
            shown = (f"{_state_text(model, int(state))} of track 1, noise {noise:g}, gamma "
                     f"{gamma:g}, values V drawn at random in [-30, 0]{notes}")
            expected = library_backup(model, values, int(state), gamma)
            chosen.append(Case((model, values, int(state), gamma), shown, expected))
        return chosen

    return [
        Probe("the best of nine actions", "V(s) is the largest of the nine Q(s, a) = -1 + gamma "
              "* V(s'_a), one for each action a = 0..8, with s'_a = model.next_states[s, a, 0]: "
              "the max over the actions, not their sum or mean.", cases("plain", 0.0, 1.0, 40)),
        Probe("discounting", "gamma multiplies the value of the successor only: Q(s, a) = -1 + "
              "gamma * V(s'_a); the reward -1 is not discounted.",
              cases("plain", 0.0, 0.9, 20)),
        Probe("the noise", "with probability p = model.noise the increments do not apply and the "
              "car lands on s'_0 = model.next_states[s, a, 1]: Q(s, a) = -1 + gamma * [(1 - p) "
              "V(s'_a) + p V(s'_0)].", cases("plain", 0.1, 1.0, 30) + cases("plain", 0.3, 0.9, 10)),
        Probe("the finish", "a successor FINISHED (-1) is worth 0: the episode is over. Careful: "
              "FINISHED is not a state, and values[-1] is the value of the last state, not 0.",
              cases("finish", 0.1, 1.0, 40)),
        Probe("a crash restarts the car", "a successor CRASHED (-2) is not the end: the car "
              "restarts at rest on a start cell drawn uniformly, so it is worth the mean of V over "
              "model.start_states (and values[-2] is a state's value, not that).",
              cases("crash", 0.1, 1.0, 40)),
    ]


BELLMAN_BACKUP = Exercise("bellman_backup", 2, "one Bellman optimality backup", _backup_probes)


def largest_change_at_the_optimum(function: Callable, model: TabularModel,
                                  optimum: np.ndarray) -> float:
    """``max_s |function(model, V*, s, 1) - V*(s)|`` over every state: 0 up to rounding, since
    ``V*`` is a fixed point of the Bellman optimality backup."""
    changes = [abs(float(function(model, optimum, state, 1.0)) - optimum[state])
               for state in range(model.n_states)]
    return max(changes)


def check_bellman_backup(bellman_backup: Callable) -> None:
    """Check the reader's ``bellman_backup(model, values, state, gamma)``; if it is right, apply
    it to ``V*`` at every state of track 1."""

    def use(function: Callable) -> Iterator[str]:
        model = TabularModel.build("track1", noise=0.1)
        optimum = dp.value_iteration(model).values
        change = largest_change_at_the_optimum(function, model, optimum)
        steps = dp.expected_steps_from_start(model, optimum)
        yield (f"  Used on track 1: your backup of V* (value iteration's, {steps:.2f} expected "
               f"steps from the start line) at all {model.n_states:,} states moves no value by "
               f"more than {change:.1e}: V* is a fixed point of the Bellman optimality equation.")

    check(BELLMAN_BACKUP, bellman_backup, use)


# --- Exercise 2.2: iterative policy evaluation ---------------------------------------------------

def _show_values(model: TabularModel) -> Callable:
    def show(arrays: tuple[np.ndarray, ...], focus: tuple[int, ...] | None) -> str:
        (values,) = arrays
        state = int(model.start_states[0]) if focus is None else focus[0]
        start_line = values[model.start_states].mean()
        return (f"V = {describe(values[state])} at {_state_text(model, state)} and "
                f"{describe(start_line)} on average over the start line")
    return show


def observe_values(function: Callable, arguments: tuple) -> object:
    """The reader's values as an :class:`ArrayAnswer` (what came back, if not an array of one
    value per state)."""
    model = arguments[0]
    answer = function(*arguments)
    values = as_float_array(answer, (model.n_states,))
    return answer if values is None else ArrayAnswer((values,), _show_values(model))


def _same_values(observed: object, expected: ArrayAnswer) -> bool:
    return same_arrays(observed, expected, VALUES_TOLERANCE)


def _policy_case(model: TabularModel, where: str, policy: np.ndarray, which: str, gamma: float,
                 tolerance: float = 1e-10) -> Case:
    exact = dp.policy_evaluation(model, policy, gamma)
    assert np.isfinite(exact).all(), which  # only policies that finish from every state
    shown = (f"{where}, noise {model.noise:g}, gamma {gamma:g}, tolerance {tolerance:g}, "
             f"{which}")
    return Case((model, policy, gamma, tolerance), shown,
                ArrayAnswer((exact,), _show_values(model)))


def _moving_policy(model: TabularModel, rng: np.random.Generator) -> np.ndarray:
    """A random policy that never picks standing still on the start line (every other state
    moves whatever the action), so that it finishes from every state of a crash-free track."""
    policy = rng.integers(0, N_ACTIONS, model.n_states)
    for state in model.start_states:
        moving = np.flatnonzero(model.next_states[state, :, 0] != state)
        policy[state] = rng.choice(moving)
    return policy


def _optimal_policy(model: TabularModel, seed: int) -> np.ndarray:
    return greedy_actions(dp.value_iteration(model).q_values, np.random.default_rng(seed), 1e-9)


def _evaluation_probes() -> list[Probe]:
    rng = np.random.default_rng(3)  # the same cases for every reader
    open_models = {noise: TabularModel.build(OPEN_TRACK, noise=noise) for noise in (0.0, 0.1, 0.3)}
    track1 = {noise: TabularModel.build("track1", noise=noise) for noise in (0.0, 0.1)}
    optimal = _optimal_policy(track1[0.1], 5)
    noiseless_optimal = _optimal_policy(track1[0.0], 0)
    crash_free = "the crash-free test track (exercises.OPEN_TRACK)"

    def random_policies(noise: float, gamma: float, count: int) -> list[Case]:
        model = open_models[noise]
        return [_policy_case(model, crash_free, _moving_policy(model, rng),
                             f"random policy {index + 1}", gamma) for index in range(count)]

    return [
        Probe("sweeps until nothing moves", "start from V = 0 and sweep again and again: each "
              "sweep sets V(s) = -1 + gamma * V(s'), a finish worth 0, from the previous sweep's "
              "values; stop only when the largest change |V_new - V| of a sweep is below "
              "tolerance.",
              [_policy_case(open_models[0.0], crash_free, _optimal_policy(open_models[0.0], seed),
                            f"an optimal policy (ties broken with random seed {seed})", 1.0)
               for seed in (0, 1)]),
        Probe("the policy's action", "evaluation follows the policy: each state's value comes "
              "from the one action policy[s], not from the best action (that would be value "
              "iteration, and the optimal values).", random_policies(0.0, 1.0, 3)),
        Probe("the noise", "with probability p = model.noise the car lands on s'_0 = "
              "model.next_states[s, policy[s], 1] instead: V(s) = -1 + gamma * [(1 - p) V(s'_a) "
              "+ p V(s'_0)].", random_policies(0.1, 1.0, 2) + random_policies(0.3, 1.0, 1)),
        Probe("a crash restarts the car", "a successor CRASHED (-2) puts the car back at rest on "
              "a start cell drawn uniformly: it is worth the mean of the current V over "
              "model.start_states, not 0 (and not values[-2]).",
              [_policy_case(track1[0.1], "track 1", optimal,
                            "the optimal policy of value iteration (ties broken with random seed "
                            "5)", 1.0),
               _policy_case(track1[0.0], "track 1", noiseless_optimal,
                            "the optimal policy without noise (ties broken with random seed 0)",
                            1.0)]),
        Probe("the stopping test", "stop when the largest change of a sweep is below tolerance, "
              "however many sweeps that takes (not after a fixed number): a policy that crashes "
              "often needs many sweeps (these two about 170 and 200).",
              [_policy_case(track1[0.1], "track 1", noiseless_optimal,
                            "the optimal policy without noise, driven with noise", 1.0),
               _policy_case(track1[0.1], "track 1", dp.shortest_path_policy(track1[0.1]),
                            "the driver who ignores the noise (dp.shortest_path_policy)", 1.0)]),
        Probe("discounting", "gamma multiplies the successor's value only: V(s) = -1 + gamma * "
              "[(1 - p) V(s'_a) + p V(s'_0)].",
              [*random_policies(0.1, 0.9, 1),
               _policy_case(track1[0.1], "track 1", optimal,
                            "the optimal policy of value iteration (ties broken with random seed "
                            "5)", 0.9)]),
    ]


EVALUATE_POLICY = Exercise("evaluate_policy", 2, "iterative policy evaluation", _evaluation_probes,
                           observe=observe_values, same=_same_values)


def evaluation_on_track1(function: Callable) -> dict[str, float]:
    """Run ``function`` on track 1's optimal policy (ties broken with random seed 5, as in the
    chapter) at gamma 1 and tolerance 1e-10: the expected steps from the start line it gives,
    the exact ones, the optimum, its largest difference from the exact values, and its time."""
    import time

    model = TabularModel.build("track1", noise=0.1)
    solution = dp.value_iteration(model)
    policy = greedy_actions(solution.q_values, np.random.default_rng(5), 1e-9)
    started = time.perf_counter()
    values = np.asarray(function(model, policy.copy(), 1.0, 1e-10), dtype=float)
    seconds = time.perf_counter() - started
    exact = dp.policy_evaluation(model, policy)
    return {"yours": dp.expected_steps_from_start(model, values),
            "exact": dp.expected_steps_from_start(model, exact),
            "optimum": dp.expected_steps_from_start(model, solution.values),
            "largest difference": float(np.abs(values - exact).max()),
            "seconds": seconds}


def check_evaluate_policy(evaluate_policy: Callable) -> None:
    """Check the reader's ``evaluate_policy(model, policy, gamma, tolerance)``; if it is right,
    evaluate track 1's optimal policy with it."""

    def use(function: Callable) -> Iterator[str]:
        result = evaluation_on_track1(function)
        yield (f"  Used on track 1: your evaluation of the optimal policy gives "
               f"{result['yours']:.4f} expected steps from the start line in "
               f"{result['seconds']:.2f} s (the exact solve {result['exact']:.4f}, largest "
               f"difference at any state {result['largest difference']:.0e}); the optimum is "
               f"{result['optimum']:.2f}.")

    check(EVALUATE_POLICY, evaluate_policy, use)

"""Chapter 2, exercise 2: value iteration in place, in the order its solution names.

The solution says that sweeping from the finish backwards (top rows first, right columns first)
carries the news of the finish over the whole track in one sweep, that what still needs repeated
sweeps is the noise and the crash term, and how many sweeps that takes. Checked here with an
in-place implementation written for the test: the cells are updated one at a time in that order,
all velocities of a cell together (a cell's states never move to each other, except a car at rest
on the start line staying put), each from the newest values of the others.
"""

from __future__ import annotations

import numpy as np
import pytest

from racetrack_lib import CRASHED, FINISHED, TabularModel, value_iteration
from racetrack_lib.rules import REWARD_PER_STEP
from racetrack_lib.track import START


def in_place_sweeps(model: TabularModel, tol: float = 1e-10) -> tuple[int, np.ndarray]:
    """Gauss-Seidel value iteration, cell by cell from the top row down, right to left.

    Returns the number of sweeps to converge and the values."""
    rows, cols = model.positions[:, 0], model.positions[:, 1]
    cells = np.unique(np.stack([rows, -cols], axis=1), axis=0)  # top rows first, right first
    by_cell = [np.flatnonzero((rows == row) & (cols == -neg_col)) for row, neg_col in cells]
    values = np.zeros(model.n_states)
    for sweep in range(1, 10_000):
        old = values.copy()
        for states in by_cell:
            extended = np.concatenate([values, [values[model.start_states].mean(), 0.0]])
            assert (CRASHED, FINISHED) == (-2, -1)  # the two extra entries, as in dp.backup
            outcomes = model.next_states[states]
            q = REWARD_PER_STEP + ((1 - model.noise) * extended[outcomes[:, :, 0]]
                                   + model.noise * extended[outcomes[:, :, 1]])
            values[states] = q.max(axis=1)
        if np.abs(values - old).max() < tol:
            return sweep, values
    raise RuntimeError("no convergence")


@pytest.mark.parametrize(("track", "in_place", "jacobi"), [("track1", 25, 84), ("track2", 23, 43)])
def test_in_place_sweeps_in_the_solutions_order(track, in_place, jacobi):
    model = TabularModel.build(track, noise=0.1)
    solution = value_iteration(model)
    sweeps, values = in_place_sweeps(model)
    assert solution.sweeps == jacobi  # "instead of 84" ("43"), as chapter 2 prints
    assert sweeps == pytest.approx(in_place, abs=2)  # "about 25" ("about 23")
    np.testing.assert_allclose(values, solution.values, atol=1e-8)


def test_one_in_place_sweep_carries_the_news_of_the_finish_everywhere():
    """Without noise and with the crash value frozen at its final value, one in-place sweep in
    this order gives every state off the start line its optimal value ("carries the news of the
    finish to every state off the start line in a single sweep"). On the start line a car can
    stop where it is, so those states wait for themselves; with the live crash value and the
    noise it takes the sweeps counted above."""
    model = TabularModel.build("track1", noise=0.0)
    optimum = value_iteration(model).values
    crash_value = optimum[model.start_states].mean()
    rows, cols = model.positions[:, 0], model.positions[:, 1]
    order = np.lexsort((-cols, rows))
    values = np.zeros(model.n_states)
    for state in order:
        landing = model.next_states[state, :, 0]
        successor = np.where(landing == FINISHED, 0.0,
                             np.where(landing == CRASHED, crash_value, values[landing]))
        values[state] = (REWARD_PER_STEP + successor).max()
    off_start = model.track.cells[rows, cols] != START
    np.testing.assert_allclose(values[off_start], optimum[off_start], atol=1e-9)
    assert not np.allclose(values[~off_start], optimum[~off_start])  # the start line waits

"""The rules of one racetrack step, exactly as chapter 1 states them.

Actions are the nine velocity increments ``(dv_up, dv_right)`` in {-1, 0, +1}^2, numbered
``a = 3 * (dv_up + 1) + (dv_right + 1)``, so action 4 is "no change". One step:

1. noise: with probability ``noise`` the increments are both zero, whatever the action;
2. velocity: each component of ``v + dv`` is clipped to ``0..MAX_SPEED``; a result of (0, 0) off
   the start line keeps the old velocity;
3. path: the straight segment between the two cell centres, and every cell whose closed square
   it touches, grouped by the first time ``t`` in (0, 1] the segment touches them;
4. outcome: the first group holding a finish cell ends the episode (even if it also holds a wall);
   otherwise the first group holding a wall (or a cell off the grid) is a crash; otherwise the car
   moves to the segment's end cell;
5. reward: -1 for every step.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import numpy as np

from .track import FINISH, WALL, Track

MAX_SPEED = 4
N_ACTIONS = 9
NO_CHANGE = 4  # the action (0, 0); it is also what the noise does
REWARD_PER_STEP = -1.0

# Outcome codes of a step that does not land on a state.
FINISHED = -1
CRASHED = -2


def action_increments(action: int) -> tuple[int, int]:
    """The increments ``(dv_up, dv_right)`` of an action number 0..8."""
    return action // 3 - 1, action % 3 - 1


def action_number(dv_up: int, dv_right: int) -> int:
    """The action number of the increments ``(dv_up, dv_right)``."""
    return 3 * (dv_up + 1) + (dv_right + 1)


def next_velocity(
    v_up: int, v_right: int, dv_up: int, dv_right: int, on_start: bool
) -> tuple[int, int]:
    """Rule 2: clip each component of ``v + dv`` to 0..4; (0, 0) is allowed only on the start line."""
    new_up = min(max(v_up + dv_up, 0), MAX_SPEED)
    new_right = min(max(v_right + dv_right, 0), MAX_SPEED)
    if new_up == 0 and new_right == 0 and not on_start:
        return v_up, v_right
    return new_up, new_right


@cache
def path_cells(v_up: int, v_right: int) -> tuple[tuple[Fraction, tuple[tuple[int, int], ...]], ...]:
    """Rule 3: the cells a move with velocity ``(v_up, v_right)`` passes, in groups of equal ``t``.

    The car moves from the centre of cell (0, 0) to the centre of cell ``(-v_up, v_right)``.
    Cell (i, j) is the closed square ``[i - 1/2, i + 1/2] x [j - 1/2, j + 1/2]``; the segment
    touches it during the interval of ``t`` where both coordinates are within 1/2 of the cell's
    centre, and the cell is taken at the first such ``t`` in (0, 1] (exact fractions, no rounding).

    Returns ``((t, ((d_row, d_col), ...)), ...)`` ordered by ``t``; cells in a group are sorted.
    """
    d_row, d_col = -v_up, v_right
    first_touch: dict[tuple[int, int], Fraction] = {}
    for i in range(min(0, d_row) - 1, max(0, d_row) + 2):
        for j in range(min(0, d_col) - 1, max(0, d_col) + 2):
            interval = _touch_interval(i, d_row)
            other = _touch_interval(j, d_col)
            if interval is None or other is None:
                continue
            low = max(interval[0], other[0], Fraction(0))
            high = min(interval[1], other[1], Fraction(1))
            if low <= high and high > 0 and (i, j) != (0, 0):
                first_touch[(i, j)] = low
    groups: dict[Fraction, list[tuple[int, int]]] = {}
    for cell, t in first_touch.items():
        groups.setdefault(t, []).append(cell)
    return tuple((t, tuple(sorted(groups[t]))) for t in sorted(groups))


def _touch_interval(index: int, displacement: int) -> tuple[Fraction, Fraction] | None:
    """Times t at which ``t * displacement`` lies within 1/2 of ``index`` (None: never)."""
    half = Fraction(1, 2)
    if displacement == 0:
        # Never moving along this axis: touching all the time or never.
        return (Fraction(-1), Fraction(2)) if abs(index) <= half else None
    ends = sorted(((index - half) / displacement, (index + half) / displacement))
    return ends[0], ends[1]


def move_outcomes(track: Track, v_up: int, v_right: int) -> np.ndarray:
    """Rule 4 for every cell at once: where a car starting there with this velocity ends up.

    Returns an int array of the track's shape: ``FINISHED``, ``CRASHED``, or the flat index
    ``row * n_cols + col`` of the end cell. Entries for wall and finish cells are meaningless.
    """
    n_rows, n_cols = track.shape
    flat_index = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    outcome = np.full(track.shape, -3, dtype=np.int64)  # -3: not decided yet
    for _, group in path_cells(v_up, v_right):
        finish = np.zeros(track.shape, dtype=bool)
        wall = np.zeros(track.shape, dtype=bool)
        for d_row, d_col in group:
            shifted = _shifted(track.cells, d_row, d_col)
            finish |= shifted == FINISH
            wall |= shifted == WALL
        undecided = outcome == -3
        outcome[undecided & finish] = FINISHED
        outcome[undecided & ~finish & wall] = CRASHED
    end = _shifted(flat_index, -v_up, v_right, fill=-3)
    return np.where(outcome == -3, end, outcome)


def _shifted(grid: np.ndarray, d_row: int, d_col: int, fill: int = WALL) -> np.ndarray:
    """``result[r, c] = grid[r + d_row, c + d_col]``, with ``fill`` (a wall) off the grid."""
    n_rows, n_cols = grid.shape
    padded = np.full((n_rows + 2 * 5, n_cols + 2 * 5), fill, dtype=grid.dtype)
    padded[5 : 5 + n_rows, 5 : 5 + n_cols] = grid
    return padded[5 + d_row : 5 + d_row + n_rows, 5 + d_col : 5 + d_col + n_cols]


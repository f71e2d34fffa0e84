"""An independent implementation of the racetrack rules, for checking the library against.

Written from the rules text only, differently on purpose: the path is found by stepping along the
segment at every t = k/24 (every time at which a cell is first touched is a multiple of 1/24 when
speeds are at most 4) with integer arithmetic, and the optimum is computed as expected steps
(costs, min) by a plain Gauss-Seidel loop over Python dictionaries.
"""

from __future__ import annotations

from functools import cache

import numpy as np

TICKS = 24  # 2 * speed divides 24 for every speed 1..4


def read_grid(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@cache
def touched_groups(v_up: int, v_right: int) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Cells touched by the move, grouped by the first tick k at which they are touched."""
    d_row, d_col = -v_up, v_right
    seen: set[tuple[int, int]] = {(0, 0)}
    groups = []
    for k in range(1, TICKS + 1):
        # point = (k * d_row / 24, k * d_col / 24); cell (i, j) touched iff both |24 * offset| <= 12
        new = []
        for i in range(-6, 7):
            for j in range(-6, 7):
                if abs(k * d_row - TICKS * i) * 2 <= TICKS and abs(k * d_col - TICKS * j) * 2 <= TICKS:
                    if (i, j) not in seen:
                        new.append((i, j))
        seen.update(new)
        if new:
            groups.append(tuple(sorted(new)))
    return tuple(groups)


def clamp(value: int) -> int:
    return 0 if value < 0 else 4 if value > 4 else value


def reference_step(grid: list[str], row: int, col: int, v_up: int, v_right: int, dv_up: int,
                   dv_right: int):
    """Returns ("finish",), ("crash",) or ("move", row, col, v_up, v_right)."""
    new_up, new_right = clamp(v_up + dv_up), clamp(v_right + dv_right)
    if (new_up, new_right) == (0, 0) and grid[row][col] != "S":
        new_up, new_right = v_up, v_right
    for group in touched_groups(new_up, new_right):
        kinds = []
        for d_row, d_col in group:
            r, c = row + d_row, col + d_col
            inside = 0 <= r < len(grid) and 0 <= c < len(grid[0])
            kinds.append(grid[r][c] if inside else "#")
        if "F" in kinds:
            return ("finish",)
        if "#" in kinds:
            return ("crash",)
    return ("move", row - new_up, col + new_right, new_up, new_right)


def reference_states(grid: list[str]) -> list[tuple[int, int, int, int]]:
    states = []
    for row, line in enumerate(grid):
        for col, char in enumerate(line):
            if char in ".S":
                for v_up in range(5):
                    for v_right in range(5):
                        if (v_up, v_right) != (0, 0) or char == "S":
                            states.append((row, col, v_up, v_right))
    return states


def reference_expected_steps(grid: list[str], noise: float, tol: float = 1e-12) -> dict:
    """Optimal expected steps to the finish of every state, T(s) = 1 + min_a E[T(next)]."""
    states = reference_states(grid)
    starts = [s for s in states if grid[s[0]][s[1]] == "S" and s[2:] == (0, 0)]
    increments = [(du, dr) for du in (-1, 0, 1) for dr in (-1, 0, 1)]
    outcomes = {
        s: [reference_step(grid, *s, du, dr) for du, dr in increments] for s in states
    }
    steps = dict.fromkeys(states, 0.0)

    def cost(outcome, restart):
        if outcome[0] == "finish":
            return 0.0
        if outcome[0] == "crash":
            return restart
        return steps[outcome[1:]]

    while True:
        restart = sum(steps[s] for s in starts) / len(starts)
        change = 0.0
        for s in states:
            noisy = cost(outcomes[s][4], restart)
            best = min((1 - noise) * cost(o, restart) + noise * noisy for o in outcomes[s])
            new = 1.0 + best
            change = max(change, abs(new - steps[s]))
            steps[s] = new
        if change < tol:
            return {"steps": steps, "starts": starts, "outcomes": outcomes,
                    "from_start": float(np.mean([steps[s] for s in starts]))}

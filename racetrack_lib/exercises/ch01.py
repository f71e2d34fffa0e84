"""Chapter 1's exercises: the velocity update (rule 2) and the outcome of a move (rules 3-4).

The reader's functions are checked against :func:`racetrack_lib.rules.next_velocity` and
:func:`racetrack_lib.rules.move_outcomes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import product

import numpy as np

from .. import rules
from ..mdp import TabularModel
from ..rules import CRASHED, FINISHED, MAX_SPEED, N_ACTIONS
from ..track import FINISH, START, TRACK, WALL, Track, load_track, parse_track
from .checking import Case, Exercise, Probe, check, describe

# A small track where moves leave the grid at the top and on the right without meeting a wall,
# and where a finish cell and a wall can be touched at the same instant.
EDGE_TRACK = """\
....#F
..#..F
......
.#..#.
SSS...
"""
MAX_CASES_PER_PROBE = 400


# --- Exercise 1.1: the velocity update -----------------------------------------------------------

def _velocity_case(v_up: int, v_right: int, dv_up: int, dv_right: int, on_start: bool) -> Case:
    where = "on the start line" if on_start else "off the start line"
    shown = f"v = ({v_up}, {v_right}), dv = ({_signed(dv_up)}, {_signed(dv_right)}), {where}"
    expected = rules.next_velocity(v_up, v_right, dv_up, dv_right, on_start)
    return Case((v_up, v_right, dv_up, dv_right, on_start), shown, expected)


def _signed(increment: int) -> str:
    return f"{increment:+d}" if increment else "0"


def _velocity_probes() -> list[Probe]:
    speeds, increments = range(MAX_SPEED + 1), (-1, 0, 1)
    groups: dict[str, list[Case]] = {"plain": [], "limit": [], "negative": [], "rest": [],
                                     "start": []}
    for v_up, v_right, dv_up, dv_right, on_start in product(
            speeds, speeds, increments, increments, (False, True)):
        if (v_up, v_right) == (0, 0) and not on_start:
            continue  # no such state: the car is at rest only on the start line
        raw = (v_up + dv_up, v_right + dv_right)
        case = _velocity_case(v_up, v_right, dv_up, dv_right, on_start)
        clipped = tuple(min(max(v, 0), MAX_SPEED) for v in raw)
        if on_start:
            groups["start"].append(case)
        elif clipped == (0, 0):
            groups["rest"].append(case)
        elif max(raw) > MAX_SPEED and min(raw) >= 0:
            groups["limit"].append(case)
        elif min(raw) < 0:  # (with the other component over the limit, too)
            groups["negative"].append(case)
        else:
            groups["plain"].append(case)
    return [
        Probe("adding the increment", "the new velocity is v + dv, component by component: "
              "(v_up + dv_up, v_right + dv_right).", groups["plain"]),
        Probe("the speed limit", "each component is clipped to at most MAX_SPEED (4) after "
              "adding the increment.", groups["limit"]),
        Probe("no negative speed", "each component is clipped to at least 0: the car never "
              "moves down or left.", groups["negative"]),
        Probe("never at rest off the start line", "if both components become 0 and the car is "
              "not on the start line, the velocity stays what it was (rule 2).", groups["rest"]),
        Probe("the start line", "on the start line (0, 0) is allowed: apply the same clipping, "
              "but keep a (0, 0) result.", groups["start"]),
    ]


NEXT_VELOCITY = Exercise("next_velocity", 1, "the velocity update", _velocity_probes)


def successor_velocities_agree(function: Callable, model: TabularModel) -> tuple[int, int]:
    """Of every (state, action, noise or not) of the model that lands on a state, how many land
    with the velocity ``function`` gives: ``(agreeing, total)``."""
    agreeing = total = 0
    on_start = model.track.cells[model.positions[:, 0], model.positions[:, 1]] == START
    for state in range(model.n_states):
        v_up, v_right = (int(v) for v in model.velocities[state])
        for action in range(N_ACTIONS):
            for noisy, (dv_up, dv_right) in enumerate((rules.action_increments(action), (0, 0))):
                successor = model.next_states[state, action, noisy]
                if successor < 0:
                    continue
                total += 1
                answer = function(v_up, v_right, dv_up, dv_right, bool(on_start[state]))
                agreeing += tuple(int(v) for v in answer) == tuple(model.velocities[successor])
    return agreeing, total


def check_next_velocity(next_velocity: Callable) -> None:
    """Check the reader's ``next_velocity(v_up, v_right, dv_up, dv_right, on_start)``; if it is
    right, use it on every move of track 1's model."""

    def use(function: Callable) -> Iterator[str]:
        agreeing, total = successor_velocities_agree(function, TabularModel.build("track1"))
        yield (f"  Used on track 1: of the {total:,} moves of its model that land on the track, "
               f"your rule gives the velocity they land with for {agreeing:,}.")

    check(NEXT_VELOCITY, next_velocity, use)


# --- Exercise 1.2: the outcome of a move ---------------------------------------------------------

def library_outcomes(track: Track, v_up: int, v_right: int) -> np.ndarray:
    """The library's answer for every cell at once (rule 4): ``FINISHED``, ``CRASHED`` or the
    flat index of the end cell, shape ``track.shape``."""
    return rules.move_outcomes(track, v_up, v_right)


def _as_answer(code: int, n_cols: int) -> int | tuple[int, int]:
    return code if code < 0 else divmod(code, n_cols)


def _cell_at(track: Track, row: int, col: int) -> int:
    n_rows, n_cols = track.shape
    if 0 <= row < n_rows and 0 <= col < n_cols:
        return int(track.cells[row, col])
    return -1  # off the grid


def _kind(track: Track, row: int, col: int, v_up: int, v_right: int) -> str:
    """Which idea a move tests, from the cells of its path (rules 3 and 4)."""
    groups = [[_cell_at(track, row + d_row, col + d_col) for d_row, d_col in cells]
              for _, cells in rules.path_cells(v_up, v_right)]
    for index, group in enumerate(groups):
        if FINISH in group:
            return "finish and wall" if (WALL in group or -1 in group) else "finish"
        if WALL in group or -1 in group:
            later_finish = any(FINISH in later for later in groups[index + 1:])
            if later_finish:
                return "wall before finish"
            if -1 in group:
                return "off the grid"
            end = _cell_at(track, row - v_up, col + v_right)
            return "into a wall" if end in (WALL, -1) else "clipping a wall"
    return "clear"


def _outcome_probes() -> list[Probe]:
    tracks = [load_track("track1"), parse_track(EDGE_TRACK, "a small test track")]
    groups: dict[str, list[Case]] = {}
    for track in tracks:
        cells = np.argwhere(np.isin(track.cells, (TRACK, START)))
        for v_up, v_right in product(range(MAX_SPEED + 1), range(MAX_SPEED + 1)):
            if (v_up, v_right) == (0, 0):
                continue
            outcomes = library_outcomes(track, v_up, v_right)
            for row, col in cells.tolist():
                shown = (f"the car at row {row}, col {col} of {_track_name(track)} with velocity "
                         f"({v_up}, {v_right})")
                expected = _as_answer(int(outcomes[row, col]), track.shape[1])
                groups.setdefault(_kind(track, row, col, v_up, v_right), []).append(
                    Case((track, row, col, v_up, v_right), shown, expected))
    rng = np.random.default_rng(1)  # the same sample of cases for every reader

    def sample(kind: str) -> list[Case]:
        cases = groups.get(kind, [])
        if len(cases) <= MAX_CASES_PER_PROBE:
            return cases
        chosen = np.sort(rng.choice(len(cases), MAX_CASES_PER_PROBE, replace=False))
        return [cases[index] for index in chosen]

    return [
        Probe("a clear path", "when no cell of the path is a wall or a finish, the car moves to "
              "(row - v_up, col + v_right).", sample("clear")),
        Probe("a crash", "a wall anywhere on the path is a crash: return CRASHED.",
              sample("into a wall")),
        Probe("every cell of the path", "the end cell can be free while a cell on the way is a "
              "wall: walk every group of path_cells(v_up, v_right), not only the end cell.",
              sample("clipping a wall")),
        Probe("off the grid", "a cell outside the grid counts as a wall. Careful: a negative "
              "index does not fail in Python, cells[-1] is the last row.", sample("off the grid")),
        Probe("the finish line", "the first group holding a finish cell ends the episode: return "
              "FINISHED, even if the car would end beyond the grid.", sample("finish")),
        Probe("finish and wall at once", "when one group holds both a finish cell and a wall (or "
              "a cell off the grid), the finish wins (rule 4).", sample("finish and wall")),
        Probe("groups in order", "walk the groups in order of t and stop at the first one that "
              "decides: a wall met before the finish line is a crash.",
              sample("wall before finish")),
    ]


def _track_name(track: Track) -> str:
    return track.name if track.name in ("track1", "track2") else "the small test track"


def _outcome_text(answer: object) -> str:
    """An answer as a message shows it: the outcome codes by name."""
    names = {FINISHED: "FINISHED", CRASHED: "CRASHED"}
    if isinstance(answer, int) and not isinstance(answer, bool) and answer in names:
        return f"{names[answer]} ({answer})"
    return describe(answer)


MOVE_OUTCOME = Exercise("move_outcome", 1, "the outcome of a move", _outcome_probes,
                        describe_answer=_outcome_text)


def outcomes_agree(function: Callable, model: TabularModel) -> tuple[int, int, int, int]:
    """Run ``function`` on every (state, action) of the model, with the increments applied:
    ``(agreeing, total, crashes, finishes)`` counted by the library's model."""
    agreeing = crashes = finishes = 0
    track, n_cols = model.track, model.track.shape[1]
    on_start = track.cells[model.positions[:, 0], model.positions[:, 1]] == START
    for state in range(model.n_states):
        row, col = (int(x) for x in model.positions[state])
        v_up, v_right = (int(v) for v in model.velocities[state])
        for action in range(N_ACTIONS):
            dv_up, dv_right = rules.action_increments(action)
            velocity = rules.next_velocity(v_up, v_right, dv_up, dv_right, bool(on_start[state]))
            successor = int(model.next_states[state, action, 0])
            answer = function(track, row, col, *velocity)
            if successor == FINISHED:
                finishes += 1
                agreeing += answer == FINISHED
            elif successor == CRASHED:
                crashes += 1
                agreeing += answer == CRASHED
            else:
                end_row, end_col = model.positions[successor]
                agreeing += (isinstance(answer, tuple | list) and len(answer) == 2
                             and int(answer[0]) * n_cols + int(answer[1])
                             == end_row * n_cols + end_col)
    return agreeing, model.n_states * N_ACTIONS, crashes, finishes


def check_move_outcome(move_outcome: Callable) -> None:
    """Check the reader's ``move_outcome(track, row, col, v_up, v_right)``; if it is right, use
    it to decide every move of track 1."""

    def use(function: Callable) -> Iterator[str]:
        agreeing, total, crashes, finishes = outcomes_agree(function, TabularModel.build("track1"))
        yield (f"  Used on track 1: your rule decides all {total:,} moves of its model (every "
               f"state, every action, no noise) - {crashes:,} crashes, {finishes:,} finishes - "
               f"and agrees with the model on {agreeing:,}.")

    check(MOVE_OUTCOME, move_outcome, use)

"""Chapter 1's coding exercises: the checks accept the chapter's solutions and reject typical
wrong answers, each with the hint of the idea it misses."""

import re

import pytest
from exercise_support import assert_rejected, solution

from racetrack_lib import rules
from racetrack_lib.exercises import ch01
from racetrack_lib.rules import CRASHED, FINISHED, MAX_SPEED
from racetrack_lib.track import FINISH, WALL

# --- next_velocity: typical wrong answers ---------------------------------------------------------


def no_clipping(v_up, v_right, dv_up, dv_right, on_start):
    return v_up + dv_up, v_right + dv_right


def clipped_only_at_the_top(v_up, v_right, dv_up, dv_right, on_start):
    new = (min(v_up + dv_up, MAX_SPEED), min(v_right + dv_right, MAX_SPEED))
    return (v_up, v_right) if new == (0, 0) and not on_start else new


def allows_rest_anywhere(v_up, v_right, dv_up, dv_right, on_start):
    return min(max(v_up + dv_up, 0), MAX_SPEED), min(max(v_right + dv_right, 0), MAX_SPEED)


def keeps_velocity_on_the_start_line_too(v_up, v_right, dv_up, dv_right, on_start):
    new = min(max(v_up + dv_up, 0), MAX_SPEED), min(max(v_right + dv_right, 0), MAX_SPEED)
    return (v_up, v_right) if new == (0, 0) else new


VELOCITY_CATALOGUE = [
    (no_clipping, "the speed limit"),
    (clipped_only_at_the_top, "no negative speed"),
    (allows_rest_anywhere, "never at rest off the start line"),
    (keeps_velocity_on_the_start_line_too, "the start line"),
]

# --- move_outcome: typical wrong answers ----------------------------------------------------------


def _code(track, r, c):
    n_rows, n_cols = track.shape
    return track.cells[r, c] if 0 <= r < n_rows and 0 <= c < n_cols else WALL


def only_the_end_cell(track, row, col, v_up, v_right):
    end = _code(track, row - v_up, col + v_right)
    if end == FINISH:
        return FINISHED
    return CRASHED if end == WALL else (row - v_up, col + v_right)


def negative_indices_wrap(track, row, col, v_up, v_right):
    for _, cells in rules.path_cells(v_up, v_right):
        codes = []
        for d_row, d_col in cells:
            try:
                codes.append(track.cells[row + d_row, col + d_col])
            except IndexError:
                codes.append(WALL)
        if FINISH in codes:
            return FINISHED
        if WALL in codes:
            return CRASHED
    return row - v_up, col + v_right


def wall_wins_a_tie(track, row, col, v_up, v_right):
    for _, cells in rules.path_cells(v_up, v_right):
        codes = [_code(track, row + d_row, col + d_col) for d_row, d_col in cells]
        if WALL in codes:
            return CRASHED
        if FINISH in codes:
            return FINISHED
    return row - v_up, col + v_right


def finish_anywhere_first(track, row, col, v_up, v_right):
    groups = [[_code(track, row + d_row, col + d_col) for d_row, d_col in cells]
              for _, cells in rules.path_cells(v_up, v_right)]
    if any(FINISH in codes for codes in groups):
        return FINISHED
    if any(WALL in codes for codes in groups):
        return CRASHED
    return row - v_up, col + v_right


OUTCOME_CATALOGUE = [
    (only_the_end_cell, "every cell of the path"),
    (negative_indices_wrap, "off the grid"),
    (wall_wins_a_tie, "finish and wall at once"),
    (finish_anywhere_first, "groups in order"),
]


@pytest.mark.parametrize("exercise, name", [(ch01.NEXT_VELOCITY, "next_velocity"),
                                            (ch01.MOVE_OUTCOME, "move_outcome")])
def test_the_chapters_solution_passes(exercise, name):
    result = exercise.run(solution(1, name))
    assert result.passed, result.message


@pytest.mark.parametrize("exercise, catalogue", [(ch01.NEXT_VELOCITY, VELOCITY_CATALOGUE),
                                                 (ch01.MOVE_OUTCOME, OUTCOME_CATALOGUE)])
def test_each_wrong_answer_gets_its_own_message(exercise, catalogue):
    messages = [assert_rejected(exercise, wrong, idea) for wrong, idea in catalogue]
    assert len(set(messages)) == len(messages)


def test_a_message_names_the_input_the_expected_and_the_returned_answer():
    message = ch01.NEXT_VELOCITY.run(no_clipping).message
    # the first case of the speed-limit probe: v = (3, 4) plus (+1, +1) would be (4, 5)
    expected, got = re.search(r"expected (\(.*?\)), got (\(.*?\))", message).groups()
    assert got != expected and "5" in got
    assert "off the start line" in message and "MAX_SPEED" in message


def test_used_for_real_the_solutions_reproduce_track_1s_model(capsys):
    ch01.check_next_velocity(solution(1, "next_velocity"))
    ch01.check_move_outcome(solution(1, "move_outcome"))
    printed = capsys.readouterr().out
    velocity = re.search(r"of the ([\d,]+) moves of its model that land.*?for ([\d,]+)\.",
                         printed, re.S).groups()
    assert velocity[0] == velocity[1]
    outcome = re.search(r"decides all ([\d,]+) moves.*?agrees with the model on ([\d,]+)\.",
                        printed, re.S).groups()
    assert outcome[0] == outcome[1] == "63,126"


def test_a_wrong_answer_is_not_used():
    assert ch01.successor_velocities_agree(no_clipping, _track1())[0] < \
        ch01.successor_velocities_agree(solution(1, "next_velocity"), _track1())[1]


def _track1():
    from racetrack_lib.mdp import TabularModel
    return TabularModel.build("track1")

"""How every exercise check behaves, whatever the exercise: one message, never a traceback from
inside the checker, a stub is pending, a loop that never stops is stopped, nothing leaks between
cases, and RACETRACK_CHECKS_RAISE=1 turns a check that does not pass into an error."""

import time

import numpy as np
import pytest

from racetrack_lib.exercises import REGISTRY, all_exercises, checking
from racetrack_lib.exercises.checking import Case, Exercise, ExerciseNotPassed, Probe, same_value


def _square_exercise(seconds: float = 10.0) -> Exercise:
    def probes():
        return [Probe("squaring", "multiply the number by itself.",
                      [Case(([value],), f"the list [{value}]", value * value) for value in
                       (1, 2, 3)])]
    exercise = Exercise("square_of_first", 0, "a test exercise", probes, seconds=seconds)
    REGISTRY.pop("square_of_first")  # not one of the book's exercises
    return exercise


def test_a_right_answer_passes_and_counts_its_cases():
    result = _square_exercise().run(lambda values: values[0] ** 2)
    assert result.passed and "all 3 cases (squaring)" in result.message


def test_a_wrong_answer_names_the_input_the_expected_the_answer_and_the_hint():
    result = _square_exercise().run(lambda values: values[0] * 2)
    assert result.status == "failed" and result.idea == "squaring"
    assert result.message.splitlines() == [
        "✗ square_of_first is not right yet.", "  For the list [1]:",
        "  expected 1, got 2.", "  Hint (squaring): multiply the number by itself."]


def test_an_exception_in_the_readers_code_is_its_answer_not_a_traceback():
    result = _square_exercise().run(lambda values: values[0] / 0)
    assert result.status == "failed"
    assert "it raised ZeroDivisionError: division by zero" in result.message
    assert "Traceback" not in result.message and "checking.py" not in result.message


def test_a_stub_is_pending_and_not_a_failure():
    def stub(values):
        raise NotImplementedError()
    result = _square_exercise().run(stub)
    assert result.status == "pending" and "not yet implemented" in result.message


def test_something_that_is_not_a_function_is_named():
    result = _square_exercise().run(42)
    assert result.status == "failed" and "should be a function; got int 42" in result.message


def test_a_loop_that_never_stops_is_stopped_with_a_message():
    def forever(values):
        while True:
            pass
    start = time.monotonic()
    result = _square_exercise(seconds=0.3).run(forever)
    assert time.monotonic() - start < 5
    assert result.status == "failed" and "no answer within 0.3 s" in result.message


def test_a_function_that_changes_its_input_cannot_spoil_the_next_case():
    def squares_and_spoils(values):
        answer = values[0] ** 2
        values[0] = -1
        return answer
    exercise = _square_exercise()
    assert exercise.run(squares_and_spoils).passed
    assert [case.arguments for case in exercise.all_probes()[0].cases] == [([1],), ([2],), ([3],)]


def test_checks_raise_only_when_asked(monkeypatch, capsys):
    exercise = _square_exercise()
    monkeypatch.delenv(checking.STRICT_VARIABLE, raising=False)
    checking.check(exercise, lambda values: 0)
    assert "✗" in capsys.readouterr().out
    monkeypatch.setenv(checking.STRICT_VARIABLE, "1")
    with pytest.raises(ExerciseNotPassed, match="not right yet"):
        checking.check(exercise, lambda values: 0)
    checking.check(exercise, lambda values: values[0] ** 2)  # a pass never raises


def test_the_use_of_a_right_answer_runs_only_when_it_passes(capsys):
    exercise = _square_exercise()
    used = []
    checking.check(exercise, lambda values: 0, use=lambda f: used.append(f) or ["used"])
    checking.check(exercise, lambda values: values[0] ** 2, use=lambda f: ["  used it"])
    assert used == [] and capsys.readouterr().out.endswith("  used it\n")


@pytest.mark.parametrize("observed, expected, same", [
    ((1, 2), (1, 2), True), ([1, 2], (1, 2), True), (np.array([1, 2]), (1, 2), True),
    ((1, 2), (2, 1), False), ((1,), (1, 2), False), (1.0 + 1e-12, 1.0, True),
    (1.001, 1.0, False), (True, 1, False), (1, True, False), ("1", 1, False),
    (np.int64(3), 3, True), (None, (1, 2), False), (float("inf"), float("inf"), True),
    ({1: 0.5}, {1: 0.5}, True), ({1: 0.5}, {2: 0.5}, False), ("crash", "crash", True),
])
def test_answers_are_compared_by_value(observed, expected, same):
    assert same_value(observed, expected) is same


def test_every_chapter_has_its_exercises():
    """Two in each of the chapters of the algorithms (1 to 8 and 10), one in chapter 9's lab."""
    by_chapter = {}
    for exercise in all_exercises().values():
        by_chapter.setdefault(exercise.chapter, []).append(exercise.name)
    assert sorted(by_chapter) == list(range(1, 11))
    assert all(len(by_chapter[chapter]) >= 2 for chapter in (*range(1, 9), 10)), by_chapter
    assert by_chapter[9] == ["finish_reachable"]

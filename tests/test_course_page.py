"""The lecturers' page (book/course.md) says what the chapters hold: every coding exercise in its
chapter's row, each chapter's reading time as the chapter gives it, and the example message as
the check prints it."""

import re

from exercise_support import ROOT

from racetrack_lib.exercises import all_exercises, ch01

PAGE = (ROOT / "book" / "course.md").read_text()
ROWS = {int(match[1]): match[0] for match in re.finditer(r"^\| \d \| (\d+)\. .*$", PAGE, re.M)}


def test_every_chapter_has_a_row_listing_its_exercises_in_order():
    assert sorted(ROWS) == list(range(1, 11))
    numbers: dict[int, int] = {}
    for name, exercise in all_exercises().items():
        numbers[exercise.chapter] = numbers.get(exercise.chapter, 0) + 1
        listed = f"{exercise.chapter}.{numbers[exercise.chapter]} `{name}` ({exercise.title})"
        assert listed in ROWS[exercise.chapter], f"{listed} is not in:\n{ROWS[exercise.chapter]}"
    for chapter, row in ROWS.items():
        assert row.count("`") == 2 * numbers[chapter], row  # no exercise that does not exist


def test_reading_times_are_the_chapters_own():
    for chapter, row in ROWS.items():
        (source,) = (ROOT / "notebooks").glob(f"{chapter:02d}_*.py")
        stated = re.search(r"\*\*Time\*\*: about ([^.]+)\.", source.read_text())[1]
        expected = {"an hour": "1 h"}.get(stated, stated.replace("minutes", "min"))
        assert f"| {expected} |" in row, (chapter, stated, row)


def test_the_example_message_is_what_the_check_prints():
    code = re.search(r"```python\n(def next_velocity.*?)```", PAGE, re.S)[1]
    namespace: dict = {}
    exec(code, namespace)
    message = ch01.NEXT_VELOCITY.run(namespace["next_velocity"]).message
    assert f"```text\n{message}\n```" in PAGE

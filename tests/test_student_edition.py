"""The student edition (scripts/student_edition.py, `make student`): solutions stubbed as nbgrader
would, hidden solutions gone, check cells kept with the message a stub gets, every other cell as
the chapter has it. (nbval runs the student edition in `make test`: it must execute top to bottom
with no exercise solved and print what the chapter prints.)"""

import sys

import nbformat
import pytest
from exercise_support import ROOT

from racetrack_lib.exercises import all_exercises

sys.path.insert(0, str(ROOT / "scripts"))
from student_edition import BEGIN, END, MarkupError, stub_out, student_notebook

CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_a_solution_becomes_the_stub_at_its_indent():
    source = f"import math\n\n\ndef area(r):\n    {BEGIN}\n    return math.pi * r * r\n    {END}\n"
    assert stub_out(source, "here") == ("import math\n\n\ndef area(r):\n    # YOUR CODE HERE\n"
                                        "    raise NotImplementedError()")


@pytest.mark.parametrize("source, problem", [
    (f"def f():\n    {BEGIN}\n    return 1\n", "never closed"),
    (f"def f():\n    return 1\n    {END}\n", "without"),
    (f"def f():\n    {BEGIN}\n    {BEGIN}\n    {END}\n", "inside a solution"),
    ("def f():\n    return 1\n", "without ### BEGIN"),
])
def test_broken_markup_is_named(source, problem):
    with pytest.raises(MarkupError, match=problem):
        stub_out(source, "chapter 9, cell 3")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_the_student_edition_of_each_chapter(chapter):
    instructor = nbformat.read(chapter, as_version=4)
    student = student_notebook(instructor, chapter.name)
    exercises = all_exercises()
    assert len(student.cells) == len(instructor.cells)
    solved = []
    for index, (theirs, ours) in enumerate(zip(student.cells, instructor.cells, strict=True)):
        grading = ours.metadata.get("nbgrader", {})
        if grading.get("solution"):
            solution = ours.source.split(BEGIN)[1].split(END)[0]
            code_lines = [line.strip() for line in solution.splitlines() if line.strip()]
            assert not any(line in theirs.source.splitlines() for line in code_lines
                           if not line.startswith("#")), f"cell {index} keeps solution code"
            assert "raise NotImplementedError()" in theirs.source and theirs.outputs == []
            assert "hide-input" not in theirs.metadata.get("tags", [])
            name = grading["grade_id"]
            assert f"def {name}(" in theirs.source and name in exercises
            # its check follows: a graded, locked cell that calls check_<name>(<name>)
            check = instructor.cells[index + 1]
            assert check.metadata["nbgrader"] == {
                "grade": True, "grade_id": f"check_{name}", "locked": True, "points": 1,
                "schema_version": 3, "solution": False, "task": False}
            assert check.source.strip() == f"exercises.check_{name}({name})"
            assert exercises[name].chapter == int(chapter.name[:2])
            solved.append(name)
        elif grading.get("grade"):
            (output,) = theirs.outputs
            assert "not yet implemented" in output["text"]
            assert theirs.source == ours.source
        elif theirs.cell_type == "markdown":
            assert "<details><summary>Solutions" not in theirs.source
            if "<details><summary>Solutions" not in ours.source:
                assert theirs.source == ours.source
        else:
            assert (theirs.source, theirs.outputs) == (ours.source, ours.outputs)
    chapter_number = int(chapter.name[:2])
    assert sorted(solved) == sorted(name for name, exercise in exercises.items()
                                    if exercise.chapter == chapter_number)
    assert len(solved) >= (2 if chapter_number <= 8 else 1)
    assert len(set(solved)) == len(solved)


def test_an_nbgrader_source_keeps_the_solutions_and_drops_only_the_hidden_ones():
    chapter = CHAPTERS[0]
    instructor = nbformat.read(chapter, as_version=4)
    source = student_notebook(instructor, chapter.name, keep_solutions=True)
    assert "jupytext" not in source.metadata
    for theirs, ours in zip(source.cells, instructor.cells, strict=True):
        if theirs.cell_type == "code":
            assert (theirs.source, theirs.outputs, theirs.metadata) == (
                ours.source, ours.outputs, ours.metadata)
        else:
            assert "<details><summary>Solutions" not in theirs.source
    assert any("<details><summary>Solutions" in cell.source for cell in instructor.cells)

"""Write the student edition of the chapters: ``student/NN_name.ipynb`` for every chapter.

The chapters (``notebooks/*.ipynb``, the instructor edition) mark each coding exercise with
nbgrader's markup: the reader's function is a *solution* cell whose body lies between
``### BEGIN SOLUTION`` and ``### END SOLUTION``, and its check is a *graded* cell. Here, as
``nbgrader generate_assignment`` would do:

- the body of every solution cell becomes ``raise NotImplementedError()`` (the stub);
- every check cell keeps its code, and its output becomes what it prints for a stub ("not yet
  implemented"), so that nbval can compare the whole student edition with what it prints;
- the hidden solutions of the pen-and-paper exercises (``<details><summary>Solutions``) go.

Every other cell keeps the outputs of the instructor edition: a student sees what the chapter
will draw, and the test suite (nbval) checks that the student edition, with no exercise solved,
runs from top to bottom and prints the same numbers. The notebooks lose jupytext's pairing (a
student's copy should not write a .py file beside itself).

With ``--for-nbgrader`` the solutions stay, markup and all, and only the hidden solutions of the
pen-and-paper exercises go: the result is the *source* of an nbgrader assignment, from which
``nbgrader generate_assignment`` makes the release (it keeps markdown as it is, so it would
leave those solutions in).

    python scripts/student_edition.py [--out student] [--for-nbgrader] [chapter.ipynb ...]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from racetrack_lib.exercises import all_exercises  # noqa: E402

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
HIDDEN_SOLUTIONS = re.compile(r"\n*<details><summary>Solutions</summary>.*?</details>\n*", re.S)
CHECK_PREFIX = "check_"


class MarkupError(ValueError):
    """A chapter's exercise markup is broken (the message names the chapter and the cell)."""


def stub_out(source: str, where: str) -> str:
    """Replace every solution region of a cell's source by the stub, at the region's indent."""
    lines, result, inside = source.splitlines(), [], False
    for line in lines:
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise MarkupError(f"{where}: {BEGIN} inside a solution")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            result.extend(indent + stub_line for stub_line in STUB)
        elif stripped == END:
            if not inside:
                raise MarkupError(f"{where}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            result.append(line)
    if inside:
        raise MarkupError(f"{where}: {BEGIN} is never closed")
    if len(result) == len(lines):
        raise MarkupError(f"{where}: a solution cell without {BEGIN}")
    return "\n".join(result)


def student_notebook(notebook: nbformat.NotebookNode, name: str,
                     keep_solutions: bool = False) -> nbformat.NotebookNode:
    """The student edition of one chapter (a new notebook; the argument is left as it was);
    with ``keep_solutions``, the source of an nbgrader assignment instead."""
    exercises = all_exercises()
    student = nbformat.from_dict(nbformat.from_dict(notebook))  # a deep copy
    student.metadata.pop("jupytext", None)
    for index, cell in enumerate(student.cells):
        where = f"{name}, cell {index}"
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown":
            cell.source = HIDDEN_SOLUTIONS.sub("\n\n", cell.source).strip("\n")
        elif keep_solutions:
            continue
        elif grading.get("solution"):
            cell.source = stub_out(cell.source, where)
            cell.outputs, cell.execution_count = [], None
            tags = [tag for tag in cell.metadata.get("tags", []) if tag != "hide-input"]
            cell.metadata["tags"] = tags
            if not tags:
                del cell.metadata["tags"]
        elif grading.get("grade"):
            exercise_name = grading["grade_id"].removeprefix(CHECK_PREFIX)
            if exercise_name not in exercises:
                raise MarkupError(f"{where}: the check {grading['grade_id']!r} names no exercise "
                                  f"of racetrack_lib.exercises")
            message = exercises[exercise_name].pending_message()
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=message + "\n")]
    return student


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "student")
    parser.add_argument("--for-nbgrader", action="store_true",
                        help="keep the solutions (with their markup): an nbgrader source")
    parser.add_argument("chapters", nargs="*", type=Path,
                        help="instructor notebooks (default: every notebooks/NN_*.ipynb)")
    arguments = parser.parse_args(argv)
    chapters = arguments.chapters or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    arguments.out.mkdir(parents=True, exist_ok=True)
    for chapter in chapters:
        notebook = nbformat.read(chapter, as_version=4)
        try:
            student = student_notebook(notebook, chapter.name, arguments.for_nbgrader)
        except MarkupError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        target = arguments.out / chapter.name
        temporary = target.with_name(f".{target.name}.tmp")
        nbformat.write(student, temporary)
        temporary.replace(target)  # never half a file
    what = "An nbgrader source" if arguments.for_nbgrader else "The student edition"
    print(f"{what} ({len(chapters)} chapters) is in {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

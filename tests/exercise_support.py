"""What the exercise tests share: the reference solutions, taken from the chapters themselves."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def chapter_path(chapter: int) -> Path:
    (path,) = (ROOT / "notebooks").glob(f"{chapter:02d}_*.ipynb")
    return path


def _only_imports(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # an IPython magic
        return False
    return bool(tree.body) and all(isinstance(node, ast.Import | ast.ImportFrom)
                                   for node in tree.body)


def solution(chapter: int, name: str) -> Any:
    """The reader's function ``name`` as the chapter's solution cell defines it (the cell whose
    nbgrader grade_id is ``name``), after the chapter's import cells before it."""
    notebook = nbformat.read(chapter_path(chapter), as_version=4)
    namespace: dict[str, Any] = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if cell.metadata.get("nbgrader", {}).get("grade_id") == name:
            exec(compile(cell.source, f"<chapter {chapter}: {name}>", "exec"), namespace)
            return namespace[name]
        if _only_imports(cell.source):
            exec(compile(cell.source, f"<chapter {chapter} imports>", "exec"), namespace)
    raise LookupError(f"chapter {chapter} has no solution cell {name!r}")


def assert_rejected(exercise, wrong, idea: str) -> str:
    """``wrong`` fails ``exercise`` in the probe named ``idea``; returns the message."""
    result = exercise.run(wrong)
    assert result.status == "failed", f"{wrong.__name__} was not rejected: {result.message}"
    assert result.idea == idea, f"{wrong.__name__}: expected a hint on {idea!r}, got:\n{result.message}"
    assert "Traceback" not in result.message
    return result.message

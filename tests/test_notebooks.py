"""Each chapter's executed .ipynb is the same notebook as its .py source (jupytext pairing).

jupytext's own --diff exits 0 either way, so the cells are compared here. nbval (run by
`make test` on notebooks/) then re-executes each .ipynb and compares its outputs.
"""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from chapter_cells import cell_with

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def test_every_chapter_is_paired():
    assert CHAPTERS, "no chapters found"
    sources = {path.stem for path in CHAPTERS}
    executed = {path.stem for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert sources == executed


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda path: path.stem)
def test_ipynb_in_sync_with_py(source: Path):
    text_cells = jupytext.read(source).cells
    notebook_cells = nbformat.read(source.with_suffix(".ipynb"), as_version=4).cells
    assert [(cell.cell_type, cell.source.strip()) for cell in notebook_cells] == [
        (cell.cell_type, cell.source.strip()) for cell in text_cells
    ], f"{source.name} changed: run `make notebooks` to regenerate its .ipynb"


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda path: path.stem)
def test_ipynb_is_executed_without_errors(source: Path):
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells), "not executed"
    counts = [cell.execution_count for cell in code_cells]
    assert counts == list(range(1, len(counts) + 1)), "not executed top to bottom in one run"
    outputs = [output for cell in code_cells for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda path: path.stem)
def test_figures_are_labelled_as_their_titles_number_them(source: Path):
    """Each figure cell's book label (fig-4-2) and caption agree with the number its title shows
    ("Figure 4.2: ..."), the numbers run 1, 2, 3, ... in the chapter, and every image is labelled.

    The book numbers figures itself (Sphinx, from the labelled cells); the titles carry the same
    numbers for readers in JupyterLab. The browser test checks the numbers Sphinx printed."""
    chapter = int(source.name[:2])
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    numbers = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        images = sum("image/png" in output.get("data", {}) for output in cell.outputs)
        figure = cell.metadata.get("mystnb", {}).get("figure")
        if figure is None:
            assert images == 0 or "interact" in cell.source, f"unlabelled figure:\n{cell.source}"
            continue
        assert images == 1, f"{figure['name']}: a labelled cell must draw exactly one image"
        assert figure["caption"].strip()
        titled = re.findall(rf"Figure ({chapter})\.(\d+):", cell.source)
        assert [f"fig-{c}-{n}" for c, n in titled] == [figure["name"]], cell.source[:200]
        numbers.append(int(titled[0][1]))
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("chapter", [path for path in CHAPTERS if "widgets.interact(" in
                                     path.read_text()], ids=lambda path: path.stem[:2])
def test_explorer_plumbing_is_hidden_and_the_function_it_calls_is_not(chapter):
    """In the book the widgets' plumbing sits behind "show code"; what the explorer computes
    stays in view."""
    cells = jupytext.read(chapter).cells
    plumbing = cell_with(cells, "widgets.interact(")
    assert "hide-input" in plumbing.metadata.get("tags", [])
    assert plumbing.source.splitlines()[0] == "# NBVAL_IGNORE_OUTPUT"
    called = re.search(r"widgets\.interact\(\s*(\w+)", plumbing.source)[1]
    explorer = cell_with(cells, f"def {called}(")
    assert "hide-input" not in explorer.metadata.get("tags", [])
    assert "widgets.interact" not in explorer.source

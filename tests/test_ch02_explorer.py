"""Chapter 2's explorer: it opens on the settings of Figures 2.3 and 2.4 (left panels), as its
markdown says; its plumbing is a hide-input cell; and its question has an answer to find."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import jupytext
import matplotlib
import numpy as np
import pytest

import racetrack_lib as rl

CHAPTER = Path(__file__).parent.parent / "notebooks" / "02_dynamic_programming.py"


@pytest.fixture(scope="module")
def cells():
    return [cell for cell in jupytext.read(CHAPTER).cells if cell.cell_type == "code"]


def cell_defining(cells, name: str):
    return next(cell for cell in cells if f"def {name}(" in cell.source)


@pytest.fixture(scope="module")
def explore(cells):
    """The chapter's `explore`, defined by running its imports and the two cells it needs."""
    matplotlib.use("Agg")
    namespace: dict = {}
    for cell in (cells[0], cell_defining(cells, "drive_optimally"), cell_defining(cells, "explore")):
        exec(cell.source, namespace)
    return namespace["explore"]


def test_the_widget_cell_is_hidden_plumbing_that_starts_as_the_function_does(cells, explore):
    widget_cells = [cell for cell in cells if "widgets.interact(" in cell.source]
    assert len(widget_cells) == 1
    (widget,) = widget_cells
    assert widget.metadata.get("tags") == ["hide-input"]
    assert widget.source.splitlines()[0] == "# NBVAL_IGNORE_OUTPUT"
    assert "def " not in widget.source  # the function it calls stays a visible cell
    defaults = {name: parameter.default
                for name, parameter in inspect.signature(explore).parameters.items()}
    assert defaults == {"track": "track1", "noise": 0.1, "episode_seed": 7}
    interact = next(node for node in ast.walk(ast.parse(widget.source))
                    if isinstance(node, ast.Call) and ast.unparse(node.func) == "widgets.interact")
    starts = {keyword.arg: next(ast.literal_eval(inner.value) for inner in keyword.value.keywords
                                if inner.arg == "value")
              for keyword in interact.keywords}
    assert starts == defaults  # each control starts on the function's default


def test_the_defaults_are_those_of_figures_2_3_and_2_4(cells):
    figure_2_3 = next(cell for cell in cells if "Figure 2.3:" in cell.source)
    assert "drive_optimally(model, solutions[name], episode_seed=7)" in figure_2_3.source
    figure_2_4 = next(cell for cell in cells if "Figure 2.4:" in cell.source)
    assert 'reduce="min"' in figure_2_4.source
    solving = next(cell for cell in cells if "models[name] = rl.TabularModel.build" in cell.source)
    assert "noise=0.1" in solving.source and '("track1", "track2")' in solving.source


def test_explore_draws_both_panels(explore):
    import matplotlib.pyplot as plt

    figures = []
    original_show = plt.show
    plt.show = lambda: figures.append(plt.gcf())
    try:
        explore("track2", 0.5, 3)
    finally:
        plt.show = original_show
    (figure,) = figures
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles[0].startswith("track2, noise 0.5: optimum")
    assert re.fullmatch(r"value iteration: \d+ sweeps", titles[1])
    plt.close(figure)


def test_the_question_has_an_answer_sweeps_grow_with_the_noise():
    """'On track 1, move the noise from 0 to 0.5: how does the number of sweeps change?'
    It grows at every step of the slider, from 26 to 199."""
    sweeps = [rl.value_iteration(rl.TabularModel.build("track1", noise=noise)).sweeps
              for noise in np.round(np.arange(0.0, 0.51, 0.05), 2)]
    assert (np.diff(sweeps) > 0).all()
    assert (sweeps[0], sweeps[2], sweeps[-1]) == (26, 84, 199)

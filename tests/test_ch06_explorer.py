"""Chapter 6's explorer: its widgets' plumbing is a hidden-input cell, and it opens on settings
that Figure 6.3 trains (the same agents, seed and episodes), so its first picture is the
figure's."""

import ast
import re
from pathlib import Path

import jupytext

CHAPTER = Path(__file__).parent.parent / "notebooks" / "06_dyna_planning.py"


def cell_with(cells, text):
    found = [cell for cell in cells if text in cell.source]
    assert len(found) == 1, text
    return found[0]


def assigned_dict(source: str, name: str) -> dict:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned")


def test_explorer_plumbing_is_hidden_and_the_function_is_not():
    cells = jupytext.read(CHAPTER).cells
    plumbing = cell_with(cells, "widgets.interact(")
    assert "hide-input" in plumbing.metadata.get("tags", [])
    assert plumbing.source.splitlines()[0] == "# NBVAL_IGNORE_OUTPUT"
    explorer = cell_with(cells, "def explore_dyna(")
    assert "hide-input" not in explorer.metadata.get("tags", [])
    assert "widgets.interact" not in explorer.source


def test_explorer_opens_on_a_setting_of_figure_6_3():
    cells = jupytext.read(CHAPTER).cells
    plumbing = cell_with(cells, "widgets.interact(").source
    steps = int(re.search(r"planning_steps=widgets.IntSlider\(value=(\d+)", plumbing)[1])
    kind = re.search(r"model_kind=widgets.Dropdown\(options=\[\"(\w+)\"", plumbing)[1]
    trained = cell_with(cells, "planning_settings = {")
    settings = assigned_dict(trained.source, "planning_settings")
    opening = {"planning_steps": steps, **({} if kind == "counts" else {"model_kind": kind})}
    assert opening in settings.values()
    figure = cell_with(cells, "Figure 6.3:").source
    assert "plot_time_to_within(results" in figure  # the figure draws every trained setting
    # the explorer trains other settings as the figure's were trained
    explorer = cell_with(cells, "def explore_dyna(").source
    for source in (trained.source, explorer):
        assert re.search(r"num_episodes=20_000.*n_agents=8, seed=0", source, re.DOTALL)

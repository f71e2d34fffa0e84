"""Chapter 7's explorer opens on settings that Figure 7.3 trains (the same agents,
seed and episodes), so its first picture is the figure's (its hidden plumbing is checked in
test_notebooks.py)."""

import re
from pathlib import Path

import jupytext
from chapter_cells import assigned_dict, cell_with

CHAPTER = Path(__file__).parent.parent / "notebooks" / "07_dyna_planning.py"


def test_explorer_opens_on_a_setting_of_figure_7_3():
    cells = jupytext.read(CHAPTER).cells
    plumbing = cell_with(cells, "widgets.interact(").source
    steps = int(re.search(r"planning_steps=widgets.IntSlider\(value=(\d+)", plumbing)[1])
    kind = re.search(r"model_kind=widgets.Dropdown\(options=\[\"(\w+)\"", plumbing)[1]
    trained = cell_with(cells, "planning_settings = {")
    settings = assigned_dict(trained.source, "planning_settings")
    opening = {"planning_steps": steps, **({} if kind == "counts" else {"model_kind": kind})}
    assert opening in settings.values()
    figure = cell_with(cells, "Figure 7.3:").source
    assert "plot_time_to_within(results" in figure  # the figure draws every trained setting
    # the explorer trains other settings as the figure's were trained
    explorer = cell_with(cells, "def explore_dyna(").source
    for source in (trained.source, explorer):
        assert re.search(r"num_episodes=20_000.*n_agents=8, seed=0", source, re.DOTALL)

"""Chapter 7's explorer opens on settings that Figure 7.3 draws from the recorded sweep (the same
agents, seed and episodes), so its first picture is the figure's (its hidden plumbing is checked
in test_notebooks.py)."""

import re
from pathlib import Path

import jupytext
from chapter_cells import cell_with

from racetrack_lib import recorded_sweeps

CHAPTER = Path(__file__).parent.parent / "notebooks" / "07_dyna_planning.py"


def test_explorer_opens_on_a_setting_of_figure_7_3():
    cells = jupytext.read(CHAPTER).cells
    plumbing = cell_with(cells, "widgets.interact(").source
    steps = int(re.search(r"planning_steps=widgets.IntSlider\(value=(\d+)", plumbing)[1])
    kind = re.search(r"model_kind=widgets.Dropdown\(options=\[\"(\w+)\"", plumbing)[1]
    loaded = cell_with(cells, "planning_settings = ").source
    assert 'saved_sweep("planning")' in loaded and 'SETTINGS["planning"]' in loaded
    settings = recorded_sweeps.SETTINGS["planning"]
    opening = {"planning_steps": steps, **({} if kind == "counts" else {"model_kind": kind})}
    assert opening in settings.values()
    figure = cell_with(cells, "Figure 7.3:").source
    assert "plot_time_to_within(results" in figure  # the figure draws every trained setting
    # the explorer trains other settings as the recorded ones were trained
    recorded = (recorded_sweeps.NUM_EPISODES, recorded_sweeps.N_AGENTS, recorded_sweeps.SEED)
    assert recorded == (20_000, 8, 0)
    explorer = cell_with(cells, "def explore_dyna(").source
    assert re.search(r"num_episodes=20_000.*n_agents=8, seed=0", explorer, re.DOTALL)

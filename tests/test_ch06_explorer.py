"""Chapter 6's explorer opens on settings that Figure 6.2 draws from the recorded sweep (the same
agents, seed and episodes), so its first picture is the figure's (its hidden plumbing is checked
in test_notebooks.py)."""

import re
from pathlib import Path

import jupytext
from chapter_cells import cell_with

from racetrack_lib import recorded_sweeps

CHAPTER = Path(__file__).parent.parent / "notebooks" / "06_experience_replay.py"


def test_explorer_opens_on_a_setting_of_figure_6_2():
    cells = jupytext.read(CHAPTER).cells
    plumbing = cell_with(cells, "widgets.interact(").source
    memory = int(re.search(r"SelectionSlider\(.*?value=([\d_]+)", plumbing, re.DOTALL)[1])
    batch = int(re.search(r"batch_size=widgets.IntSlider\(value=(\d+)", plumbing)[1])
    target = re.search(r"target=widgets.Dropdown\(options=\[\"(\w+)\"", plumbing)[1]
    loaded = cell_with(cells, "replay_settings = ").source
    assert 'saved_sweep("replay")' in loaded and 'SETTINGS["replay"]' in loaded
    settings = recorded_sweeps.SETTINGS["replay"]
    assert target == "q_learning"  # the figure's agents are Q-learning agents
    label = next(name for name, value in settings.items()
                 if value == {"memory_size": memory, "batch_size": batch})
    figure = cell_with(cells, "Figure 6.2:").source
    assert f"\"{label}\"" in figure  # a curve of the figure
    # the explorer trains other settings as the recorded ones were trained
    recorded = (recorded_sweeps.NUM_EPISODES, recorded_sweeps.N_AGENTS, recorded_sweeps.SEED)
    assert recorded == (20_000, 8, 0)
    explorer = cell_with(cells, "def explore_replay(").source
    assert re.search(r"num_episodes=20_000.*n_agents=8, seed=0", explorer, re.DOTALL)

"""Chapter 5: the saved grid of naive Q(lambda) runs (scripts/naive_q_lambda_grid.py) must be
exactly what the library computes now, so a change to the library that moves it fails here."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).parent.parent
SPEC = importlib.util.spec_from_file_location("naive_q_lambda_grid",
                                              ROOT / "scripts" / "naive_q_lambda_grid.py")
grid_script = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(grid_script)


@pytest.fixture(scope="module")
def saved_grid():
    return grid_script.load_grid(grid_script.DATA / grid_script.FILE)


def test_saved_grid_has_every_cell_with_its_config(saved_grid):
    cells, largest, steps = saved_grid
    assert cells == grid_script.grid_cells()
    assert largest.shape == (len(cells), grid_script.AGENTS, grid_script.EPISODES)
    assert steps.shape == (len(cells), grid_script.AGENTS)
    for config in cells.values():
        assert config.trace_schedule == "constant" and config.num_episodes == 3_000


@pytest.mark.parametrize(("cell", "agent"), [
    (("main", "per-pair, alpha_1 = 1", 0.9, "naive Q"), 0),  # the chapter's default case
    (("main", "constant 0.5", 0.95, "naive Q"), 2),  # overflows within a few episodes
    (("fast epsilon", "constant 0.1", 0.9, "naive Q"), 1),  # stays bounded for 3,000
    (("main", "constant 0.5", 0.9, "SARSA"), 3),  # a control: never above 0
])
def test_saved_grid_is_what_the_library_computes(saved_grid, track1_model, cell, agent):
    cells, largest, steps = saved_grid
    index = list(cells).index(cell)
    again, lengths = grid_script.largest_value_per_episode(cells[cell], track1_model, agent)
    np.testing.assert_array_equal(again, largest[index, agent])  # nan where both stopped
    assert np.abs(lengths).sum() == steps[index, agent]


def test_overflow_and_first_positive_episodes():
    largest = np.array([-1.0, 0.5, 3.0, np.inf, np.nan])
    assert grid_script.overflow_episode(largest) == 4
    assert grid_script.first_positive_episode(largest) == 2
    assert grid_script.overflow_episode(np.zeros(3)) == 0
    assert grid_script.first_positive_episode(np.zeros(3)) == 0

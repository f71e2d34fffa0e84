"""The compiled model against an independent implementation of the rules, entry by entry."""

import numpy as np
import pytest
from conftest import tiny_track
from reference_racetrack import read_grid, reference_states, reference_step

from racetrack_lib import CRASHED, FINISHED, TabularModel, TrackError, load_track
from racetrack_lib.rules import action_increments


@pytest.mark.parametrize("track", ["track1", "track2", tiny_track("straight"), tiny_track("corner")])
def test_successor_table_matches_reference_rules(track):
    model = TabularModel.build(track, noise=0.1)
    grid = read_grid(load_track(track).to_text())
    states = reference_states(grid)
    assert model.n_states == len(states)
    for state, (row, col, v_up, v_right) in enumerate(states):
        assert model.describe(state) == (row, col, v_up, v_right)
        for action in range(9):
            outcome = reference_step(grid, row, col, v_up, v_right, *action_increments(action))
            landing = model.next_states[state, action, 0]
            if outcome[0] == "finish":
                assert landing == FINISHED
            elif outcome[0] == "crash":
                assert landing == CRASHED
            else:
                assert model.describe(landing) == outcome[1:]


def test_state_numbering_round_trips(track1_model):
    n_cells = int(np.isin(track1_model.track.cells, [1, 2]).sum())
    n_start = len(track1_model.track.start_cells)
    assert track1_model.n_states == 24 * n_cells + n_start
    for state in range(0, track1_model.n_states, 37):
        assert track1_model.state_id(*track1_model.describe(state)) == state
    with pytest.raises(KeyError):
        track1_model.state_id(0, 0, 1, 1)  # a wall cell


def test_start_states_are_start_cells_at_rest(track1_model):
    starts = track1_model.start_states
    assert len(starts) == 6
    for state in starts:
        row, col, v_up, v_right = track1_model.describe(state)
        assert track1_model.track.cells[row, col] == 2 and (v_up, v_right) == (0, 0)


@pytest.mark.parametrize("noise", [-0.1, 1.0, 2.0, float("nan")])
def test_noise_out_of_range_is_named(noise):
    with pytest.raises(ValueError, match=r"noise = .* is out of range: allowed \[0, 1\)"):
        TabularModel.build("track1", noise=noise)


def test_track_whose_finish_cannot_be_reached_is_rejected():
    with pytest.raises(TrackError, match="no start cell can reach a finish cell"):
        TabularModel.build("S#F\n", noise=0.1)

"""One test (at least) per rule of chapter 1: noise, clipping, the (0, 0) rule, the path cells,
ties to the finish, crash to a random start cell, and the reward."""

import json
from fractions import Fraction

import numpy as np
import pytest
from conftest import DATA
from reference_racetrack import touched_groups

from racetrack_lib import CRASHED, FINISHED, TabularModel
from racetrack_lib.rules import (
    MAX_SPEED,
    NO_CHANGE,
    action_increments,
    action_number,
    next_velocity,
    path_cells,
)

OPEN = "\n".join(["F" * 12] + ["." * 12] * 10 + ["S" * 12])  # a wide open field


def test_action_numbering():
    assert [action_increments(a) for a in range(9)] == [
        (du, dr) for du in (-1, 0, 1) for dr in (-1, 0, 1)
    ]
    assert action_number(0, 0) == NO_CHANGE == 4
    assert all(action_number(*action_increments(a)) == a for a in range(9))


# --- rule 1: noise ------------------------------------------------------------------------------
def test_noise_outcome_is_the_no_change_outcome(track1_model):
    noisy = track1_model.next_states[:, :, 1]
    assert (noisy == track1_model.next_states[:, NO_CHANGE : NO_CHANGE + 1, 0]).all()


@pytest.mark.parametrize("noise", [0.0, 0.1, 0.5])
def test_noise_happens_with_its_probability(noise):
    model = TabularModel.build(OPEN, noise=noise)
    state = model.state_id(10, 5, 0, 1)
    accelerate = action_number(1, 0)
    intended = model.next_states[state, accelerate, 0]
    assert intended != model.next_states[state, accelerate, 1]
    rng = np.random.default_rng(1)
    draws = 20_000
    noisy = sum(model.sample_step(state, accelerate, rng)[0] != intended for _ in range(draws))
    sigma = np.sqrt(draws * noise * (1 - noise))
    assert abs(noisy - draws * noise) <= 4 * sigma + 1e-9


# --- rule 2: velocity -----------------------------------------------------------------------------
def test_velocity_is_clipped_to_0_4():
    assert next_velocity(MAX_SPEED, 2, +1, +1, on_start=False) == (4, 3)
    assert next_velocity(0, 3, -1, +1, on_start=False) == (0, 4)
    assert next_velocity(2, 4, +1, +1, on_start=False) == (3, 4)
    model = TabularModel.build(OPEN, noise=0.0)
    state = model.state_id(10, 0, 4, 0)  # top speed up, one row above the start line
    landing = model.next_states[state, action_number(1, 0), 0]
    assert model.describe(landing) == (6, 0, 4, 0)


def test_zero_velocity_only_on_the_start_line():
    # Off the start line braking to (0, 0) keeps the old velocity ...
    assert next_velocity(1, 0, -1, 0, on_start=False) == (1, 0)
    model = TabularModel.build(OPEN, noise=0.0)
    state = model.state_id(5, 5, 1, 0)
    assert model.describe(model.next_states[state, action_number(-1, 0), 0]) == (4, 5, 1, 0)
    # ... on the start line it stops the car where it is.
    assert next_velocity(0, 1, 0, -1, on_start=True) == (0, 0)
    on_start = model.state_id(11, 5, 0, 1)
    assert model.describe(model.next_states[on_start, action_number(0, -1), 0]) == (11, 5, 0, 0)
    # A zero velocity exists only for start cells.
    zero = (model.velocities == 0).all(axis=1)
    assert set(model.positions[zero, 0]) == {11}


# --- rule 3: the path -----------------------------------------------------------------------------
def test_path_cells_match_the_test_vectors():
    vectors = json.loads((DATA / "path_cells.json").read_text())
    assert len(vectors) == 24  # every velocity but (0, 0)
    for key, groups in vectors.items():
        v_up, v_right = map(int, key.split(","))
        expected = tuple(
            (Fraction(group["t"]), tuple(sorted(map(tuple, group["cells"])))) for group in groups
        )
        assert path_cells(v_up, v_right) == expected, key


@pytest.mark.parametrize("v_up", range(5))
@pytest.mark.parametrize("v_right", range(5))
def test_path_cells_match_a_brute_force_walk(v_up, v_right):
    assert tuple(cells for _, cells in path_cells(v_up, v_right)) == touched_groups(v_up, v_right)


def test_path_through_a_corner_touches_both_side_cells():
    t, cells = path_cells(1, 1)[0]
    assert t == Fraction(1, 2) and cells == ((-1, 0), (-1, 1), (0, 1))


def test_no_squeezing_between_walls_that_meet_at_a_corner():
    model = TabularModel.build("#.F\nS#.\nS..", noise=0.0)
    state = model.state_id(1, 0, 0, 0)
    assert model.next_states[state, action_number(1, 1), 0] == CRASHED


# --- rule 4: the outcome --------------------------------------------------------------------------
def test_finish_wins_a_tie_with_a_wall():
    # The diagonal move touches the wall above, the finish cell and the wall to the right at t=1/2.
    model = TabularModel.build("#F\nS#", noise=0.0)
    assert model.next_states[model.state_id(1, 0, 0, 0), action_number(1, 1), 0] == FINISHED


def test_a_wall_before_the_finish_is_a_crash():
    model = TabularModel.build("..F\nS#.\nS..", noise=0.0)
    state = model.state_id(1, 0, 1, 1)  # velocity (1, 1) + (0, +1): path hits the wall first
    assert model.next_states[state, action_number(0, 1), 0] == CRASHED


def test_crossing_the_finish_line_ends_the_episode(track1_model):
    state = track1_model.state_id(2, 14, 0, 3)  # speeding right across the finish line
    assert track1_model.next_states[state, action_number(0, 1), 0] == FINISHED


def test_leaving_the_grid_is_a_crash():
    model = TabularModel.build(OPEN, noise=0.0)
    state = model.state_id(5, 10, 0, 1)
    assert model.next_states[state, action_number(0, 1), 0] == CRASHED


def test_crash_restarts_on_a_uniform_random_start_cell():
    model = TabularModel.build(OPEN, noise=0.0)
    state = model.state_id(5, 11, 0, 1)
    rng = np.random.default_rng(7)
    counts = np.zeros(model.n_states, dtype=int)
    draws = 12_000
    for _ in range(draws):
        landing, reward, finished, crashed = model.sample_step(state, action_number(0, 0), rng)
        assert crashed and not finished and reward == -1.0
        counts[landing] += 1
    assert set(np.flatnonzero(counts)) == set(model.start_states)
    start_counts = counts[model.start_states]
    expected = draws / len(model.start_states)
    chi_square = ((start_counts - expected) ** 2 / expected).sum()
    assert chi_square < 35  # 11 degrees of freedom: p ~ 0.0003 for a uniform draw
    assert (model.velocities[model.start_states] == 0).all()


# --- rule 5: the reward ---------------------------------------------------------------------------
def test_every_step_pays_minus_one():
    model = TabularModel.build(OPEN, noise=0.0)
    rng = np.random.default_rng(0)
    move = model.sample_step(model.state_id(5, 5, 1, 0), NO_CHANGE, rng)
    crash = model.sample_step(model.state_id(5, 11, 0, 1), NO_CHANGE, rng)
    finish = model.sample_step(model.state_id(1, 5, 1, 0), NO_CHANGE, rng)
    assert [move[1:], crash[1:], finish[1:]] == [
        (-1.0, False, False), (-1.0, False, True), (-1.0, True, False)
    ]

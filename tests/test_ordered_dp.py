"""The fast solver (racetrack_lib.ordered_dp): in-place sweeps in the track's order reach chapter
2's value iteration's V* (to 1e-9), on the built-in tracks and on generated ones."""

import numpy as np
import pytest

from racetrack_lib import TabularModel, value_iteration
from racetrack_lib.errors import RacetrackError
from racetrack_lib.generate import generate_track
from racetrack_lib.ordered_dp import ordered_value_iteration, sweep_order


@pytest.mark.parametrize("track, noise, gamma", [
    ("track1", 0.1, 1.0), ("track1", 0.0, 1.0), ("track1", 0.5, 1.0), ("track1", 0.1, 0.9),
    ("track2", 0.1, 1.0), ("track2", 0.3, 0.99),
])
def test_the_same_optimum_as_value_iteration(track, noise, gamma):
    model = TabularModel.build(track, noise=noise)
    textbook = value_iteration(model, gamma=gamma)
    ordered = ordered_value_iteration(model, gamma=gamma)
    np.testing.assert_allclose(ordered.values, textbook.values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ordered.q_values, textbook.q_values, rtol=0, atol=1e-9)
    assert ordered.sweeps < textbook.sweeps  # what the order buys
    assert ordered.max_changes[-1] < 1e-10 <= ordered.max_changes[-2]


@pytest.mark.parametrize("shape", ["corner", "s-bend", "staircase"])
def test_the_same_optimum_on_generated_tracks(shape):
    model = TabularModel.build(generate_track(40, 30, seed=5, shape=shape), noise=0.1)
    np.testing.assert_allclose(ordered_value_iteration(model).values,
                               value_iteration(model).values, rtol=0, atol=1e-9)


def test_the_order_visits_later_cells_first_and_rest_states_first_among_equals():
    model = TabularModel.build("track1")
    order = sweep_order(model)
    assert sorted(order) == list(range(model.n_states))
    progress = (model.positions[:, 1] - model.positions[:, 0])[order]
    assert (np.diff(progress) <= 0).all()
    at_rest = np.isin(order, model.start_states)
    for key in np.unique(progress[at_rest]):
        same = np.flatnonzero(progress == key)
        rests = at_rest[same]
        assert rests[:rests.sum()].all()  # the rest states lead their group


def test_every_move_that_does_not_move_forward_is_a_crash_or_comes_to_rest_on_the_start_line():
    """The structure the order relies on: col - row grows along every transition except a crash
    (back to the start) and one that ends at rest on a start cell."""
    model = TabularModel.build("track2", noise=0.1)
    progress = model.positions[:, 1] - model.positions[:, 0]
    successors = model.next_states.reshape(model.n_states, -1)
    lands = successors >= 0
    from_state = np.repeat(progress[:, None], successors.shape[1], axis=1)[lands]
    to_state = progress[successors[lands]]
    still = to_state <= from_state
    assert np.isin(successors[lands][still], model.start_states).all()
    assert (to_state[still] == from_state[still]).all()


@pytest.mark.parametrize("arguments, message", [
    ({"gamma": 0.0}, "gamma = 0.0 is out of range"),
    ({"tol": -1.0}, "tol = -1.0 is out of range"),
    ({"max_sweeps": 0}, "max_sweeps = 0"),
    ({"max_sweeps": 3}, "did not converge in 3 sweeps"),
])
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(RacetrackError, match=message):
        ordered_value_iteration(TabularModel.build("track1"), **arguments)


def _policies(model: TabularModel) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    optimal = ordered_value_iteration(model).q_values.argmax(axis=1)
    uniform = np.full((model.n_states, 9), 1 / 9)
    mostly_optimal = np.full((model.n_states, 9), 0.02)
    mostly_optimal[np.arange(model.n_states), optimal] += 0.82
    return {"optimal": optimal, "uniform random": uniform, "epsilon-greedy": mostly_optimal,
            "random actions": rng.integers(0, 9, model.n_states),  # most never finish
            "always no change": np.full(model.n_states, 4)}  # stays at rest on the start line


@pytest.mark.parametrize("track, gamma", [("track1", 1.0), ("track2", 1.0), ("track1", 0.9)])
def test_ordered_policy_evaluation_is_the_sparse_solve(track, gamma):
    from racetrack_lib import policy_evaluation
    from racetrack_lib.ordered_dp import ordered_policy_evaluation

    model = TabularModel.build(track, noise=0.1)
    for name, policy in _policies(model).items():
        exact = policy_evaluation(model, policy, gamma)
        ours = ordered_policy_evaluation(model, policy, gamma)
        assert (np.isinf(ours) == np.isinf(exact)).all(), name
        finite = np.isfinite(exact)
        np.testing.assert_allclose(ours[finite], exact[finite], rtol=1e-9, atol=1e-9,
                                   err_msg=name)
    if gamma == 1.0:  # the last two never finish from the start line
        assert np.isinf(exact[model.start_states]).all()

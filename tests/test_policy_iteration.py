"""Policy iteration (S&B section 4.3) finds value iteration's optimum, from a first policy that
finishes surely, and the command line offers both solvers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from racetrack_lib import TabularModel, cli
from racetrack_lib.dp import (
    backup,
    expected_steps_from_start,
    policy_evaluation,
    policy_iteration,
    shortest_path_policy,
    value_iteration,
)
from racetrack_lib.errors import RacetrackError

CASES = [("track1", 0.1), ("track1", 0.0), ("track2", 0.1), ("track2", 0.0)]


@pytest.fixture(scope="module", params=CASES, ids=[f"{t}-noise{n}" for t, n in CASES])
def solved(request):
    track, noise = request.param
    model = TabularModel.build(track, noise)
    return model, value_iteration(model), policy_iteration(model)


def test_policy_iteration_finds_value_iterations_optimum(solved):
    model, by_values, by_policies = solved
    assert abs(expected_steps_from_start(model, by_policies.values)
               - expected_steps_from_start(model, by_values.values)) < 1e-9
    # every state (value iteration stops within its tolerance of V*, not exactly at it)
    np.testing.assert_allclose(by_policies.values, by_values.values, rtol=0, atol=1e-7)
    assert 2 <= by_policies.iterations <= 10
    assert len(by_policies.changed) == by_policies.iterations - 1
    assert (by_policies.changed > 0).all()


def test_the_final_policy_is_stable_and_valued_exactly(solved):
    model, _, by_policies = solved
    np.testing.assert_array_equal(policy_evaluation(model, by_policies.policy), by_policies.values)
    q_values = backup(model, by_policies.values)
    chosen = q_values[np.arange(model.n_states), by_policies.policy]
    assert (q_values.max(axis=1) <= chosen + 1e-9 * (1 + np.abs(chosen))).all()  # greedy


def test_the_first_policy_finishes_surely_from_every_state(solved):
    model, by_values, _ = solved
    first = policy_evaluation(model, shortest_path_policy(model))
    assert np.isfinite(first).all()
    assert (first <= by_values.values + 1e-9).all()  # no better than the optimum


def test_the_first_policy_is_not_already_optimal_under_noise():
    model = TabularModel.build("track1", 0.1)
    first = expected_steps_from_start(model, policy_evaluation(model, shortest_path_policy(model)))
    assert first > expected_steps_from_start(model, policy_iteration(model).values) + 1.0


def test_discounted_policy_iteration_gives_value_iterations_policy():
    model = TabularModel.build("track1", 0.1)
    discounted = policy_iteration(model, gamma=0.9)
    np.testing.assert_allclose(discounted.values, value_iteration(model, gamma=0.9).values,
                               rtol=0, atol=1e-7)


def test_bad_arguments_name_themselves():
    with pytest.raises(RacetrackError, match=r"^gamma = 0 is out of range"):
        policy_iteration(TabularModel.build("track1"), gamma=0)
    with pytest.raises(RacetrackError, match="model = 'track1' is not a TabularModel"):
        policy_iteration("track1")


def test_the_command_line_offers_both_solvers(capsys):
    results = {}
    for method in ("value_iteration", "policy_iteration"):
        assert cli.main(["solve", "track1", "--method", method, "--json"]) == 0
        results[method] = json.loads(capsys.readouterr().out)
    by_values, by_policies = results["value_iteration"], results["policy_iteration"]
    assert abs(by_values["expected_steps_from_start"]
               - by_policies["expected_steps_from_start"]) < 1e-9
    assert (by_values["method"], by_values["sweeps"], by_values["iterations"]) == (
        "value_iteration", 84, None)
    assert (by_policies["method"], by_policies["sweeps"], by_policies["iterations"]) == (
        "policy_iteration", None, 6)
    assert cli.main(["solve", "track1", "--method", "newton"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == ("racetrack: error: argument --method: invalid choice: 'newton' (choose from "
                     "'ordered', 'value_iteration', 'policy_iteration')")

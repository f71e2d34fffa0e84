"""Chapter 2: the planned lines of a policy and the steps on them one noise away from a crash
(the section on what the noise costs, and exercise 1's solution about the discounted driver)."""

from __future__ import annotations

import numpy as np

from racetrack_lib import (
    CRASHED,
    FINISHED,
    TabularModel,
    expected_steps_from_start,
    greedy_actions,
    policy_evaluation,
    value_iteration,
)


def steps_one_noise_from_a_crash(model: TabularModel, driver: np.ndarray) -> np.ndarray:
    """Per start cell: along the intended outcomes of the driver's actions, the steps whose
    noise outcome is a crash (a crash on purpose ends the line)."""
    counts = []
    for state in model.start_states:
        count = 0
        for _ in range(1000):
            intended, noisy = model.next_states[state, driver[state]]
            if intended == CRASHED:
                break
            count += int(noisy == CRASHED)
            if intended == FINISHED:
                break
            state = intended
        else:
            raise AssertionError("the planned line does not end")
        counts.append(count)
    return np.array(counts)


def test_discounted_driver_plans_no_line_one_noise_from_a_crash(track1_model):
    """Exercise 1's solution: gamma = 0.9 costs about 0.04 steps, and not by such lines."""
    discounted = greedy_actions(value_iteration(track1_model, gamma=0.9).q_values,
                                np.random.default_rng(0), 1e-9)
    optimal = greedy_actions(value_iteration(track1_model).q_values, np.random.default_rng(0), 1e-9)
    assert (steps_one_noise_from_a_crash(track1_model, discounted) == 0).all()
    assert (steps_one_noise_from_a_crash(track1_model, optimal) == 0).all()
    gap = (expected_steps_from_start(track1_model, policy_evaluation(track1_model, discounted))
           - expected_steps_from_start(track1_model, policy_evaluation(track1_model, optimal)))
    assert 0.035 < gap < 0.045  # "its 0.04 steps"


def test_the_noiseless_optimum_plans_lines_one_noise_from_a_crash():
    """The section on the noise: 5 of 6 start cells on track 1, 2 of 23 on track 2; none for the
    optimum with noise (the chapter prints these and asserts the last)."""
    for track, risky in (("track1", 5), ("track2", 2)):
        noisy, noiseless = TabularModel.build(track, noise=0.1), TabularModel.build(track, noise=0.0)
        bold = greedy_actions(value_iteration(noiseless).q_values, np.random.default_rng(0), 1e-9)
        careful = greedy_actions(value_iteration(noisy).q_values, np.random.default_rng(5), 1e-9)
        assert (steps_one_noise_from_a_crash(noisy, bold) > 0).sum() == risky
        assert (steps_one_noise_from_a_crash(noisy, careful) == 0).all()

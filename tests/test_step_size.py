"""Step sizes per pair: the schedule, the sample average it gives at power 1, the visit counts,
and the trace-decay ramp."""

import re

import numpy as np
import pytest

from racetrack_lib import TabularModel
from racetrack_lib.config import AgentConfig
from racetrack_lib.errors import RacetrackError
from racetrack_lib.step_size import MAX_TABULATED_VISITS, count_visit, step_size, step_size_table
from racetrack_lib.td import td_update
from racetrack_lib.training import Learner, run_episodes


def test_schedule_values():
    assert step_size_table(0.3).tolist() == [0.3]  # power 0: a constant step size
    table = step_size_table(1.0, 0.7, 0.02)
    n = np.arange(1, len(table) + 1)
    np.testing.assert_allclose(table, np.maximum(0.02, n**-0.7))
    assert table[-1] == 0.02 and table[-2] > 0.02  # the table stops at the floor
    assert np.all(np.diff(table) <= 0)
    assert len(step_size_table(1.0, 0.5, 0.0)) == MAX_TABULATED_VISITS  # no floor: capped


def test_later_visits_keep_the_last_step_size():
    table = step_size_table(1.0, 1.0, 0.25)  # 1, 1/2, 1/3, 1/4
    visits = np.array([[0, 1, 4, 1000]])
    assert [step_size(table, visits, 0, a) for a in range(4)] == [1.0, 1.0, 0.25, 0.25]


def test_power_one_is_the_sample_average():
    # alpha_n = 1/n turns the TD update into the running mean of the targets (S&B eq. 2.3-2.4).
    table = step_size_table(1.0, 1.0, 0.0)
    q_values, visits = np.zeros((1, 1)), np.zeros((1, 1), dtype=np.int64)
    targets = np.random.default_rng(0).normal(-10.0, 3.0, size=50)
    for target in targets:
        count_visit(visits, 0, 0)
        td_update(q_values, table, visits, 0, 0, target)  # alpha_n = table[n - 1] = 1 / n
    assert q_values[0, 0] == pytest.approx(targets.mean(), rel=1e-12)


@pytest.mark.parametrize("trace_decay", [0.0, 0.9])
def test_visits_count_every_step_taken(trace_decay):
    model = TabularModel.build("track1")
    config = AgentConfig(num_episodes=200, trace_decay=trace_decay)
    learner = Learner.new(model, config)
    lengths = run_episodes(learner, model, config, np.random.default_rng(0), 0,
                           config.num_episodes)
    q_values, visits = learner.q_values, learner.visits
    assert visits.sum() == np.abs(lengths).sum()
    assert ((visits > 0) == (q_values != 0)).all()  # exactly the pairs taken were updated


def test_trace_decay_ramp():
    config = AgentConfig(trace_decay=0.9, epsilon_decay=0.99, epsilon_min=0.05)
    assert config.trace_decay_at(0) == 0.0  # epsilon 1: acting at random, no traces
    middle = config.trace_decay_at(50)
    assert middle == pytest.approx(0.9 * (1 - 0.99**50) / 0.95)
    assert config.trace_decay_at(10_000) == pytest.approx(0.9)  # epsilon at its floor
    constant = AgentConfig(trace_decay=0.9, trace_schedule="constant")
    assert constant.trace_decay_at(0) == constant.trace_decay_at(10_000) == 0.9


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"alpha": 0.01}, "alpha_min = 0.02 is out of range: allowed [0, 0.01]"),
     ({"alpha_power": 1.5}, "alpha_power = 1.5 is out of range"),
     ({"alpha_min": -0.1}, "alpha_min = -0.1 is out of range"),
     ({"trace_schedule": "linear"}, "trace_schedule = 'linear' is not one of ramp, constant")],
)
def test_bad_schedules_are_named(settings, message):
    with pytest.raises(RacetrackError, match=re.escape(message)):
        AgentConfig(**settings)


def test_a_tiny_floor_does_not_overflow():
    """Found by the property tests: (alpha / alpha_min) ** (1 / power) overflowed."""
    table = step_size_table(1.0, 0.5, 1e-266)
    assert len(table) == MAX_TABULATED_VISITS and table[-1] == pytest.approx(100_000**-0.5)
    assert len(step_size_table(0.5, 0.7, 0.5)) == 1  # the floor from the first visit

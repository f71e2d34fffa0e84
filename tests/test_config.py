"""AgentConfig: every field validated with a message naming it, its value and its range."""

import numpy as np
import pytest

from racetrack_lib import RacetrackError
from racetrack_lib.config import AgentConfig


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("alpha", 0.0, "alpha = 0.0 is out of range: allowed (0, 1]"),
        ("alpha", 1.5, "alpha = 1.5 is out of range: allowed (0, 1]"),
        ("gamma", 0.0, "gamma = 0.0 is out of range: allowed (0, 1]"),
        ("gamma", float("nan"), "gamma = nan is out of range"),
        ("epsilon_start", -0.1, "epsilon_start = -0.1 is out of range: allowed [0, 1]"),
        ("epsilon_decay", 0.0, "epsilon_decay = 0.0 is out of range: allowed (0, 1]"),
        ("epsilon_min", 2.0, "epsilon_min = 2.0 is out of range: allowed [0, 1]"),
        ("target", "td", "target = 'td' is not one of q_learning, sarsa"),
        ("num_episodes", 0, "num_episodes = 0 is out of range: allowed [1, 10000000]"),
        ("num_episodes", 2.5, "num_episodes = 2.5 is not a whole number"),
        ("max_episode_steps", 0, "max_episode_steps = 0 is out of range"),
        ("memory_size", -1, "memory_size = -1 is out of range: allowed [0, 100000000]"),
        ("alpha", "fast", "alpha = 'fast' is not a number"),
        ("trace_decay", 1.5, "trace_decay = 1.5 is out of range: allowed [0, 1]"),
        ("trace_kind", "dutch", "trace_kind = 'dutch' is not one of replacing, accumulating"),
        ("q_lambda", "peng", "q_lambda = 'peng' is not one of watkins, naive"),
    ],
)
def test_bad_values_are_named(field, value, message):
    with pytest.raises(RacetrackError) as error:
        AgentConfig(**{field: value})
    assert str(error.value).startswith(message)


def test_epsilon_min_cannot_exceed_epsilon_start():
    with pytest.raises(RacetrackError, match=r"epsilon_min = 0.5 is out of range: allowed \[0, 0.2\]"):
        AgentConfig(epsilon_start=0.2, epsilon_min=0.5)


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"memory_size": -1}, "memory_size = -1 is out of range"),
     ({"memory_size": 100, "batch_size": 101},
      "batch_size = 101 is out of range: allowed [1, memory_size = 100] with replay"),
     ({"memory_size": 100, "batch_size": 0}, "batch_size = 0 is out of range"),
     ({"batch_size": -3}, "batch_size = -3 is out of range")],
)
def test_bad_replay_settings_are_named(settings, message):
    with pytest.raises(RacetrackError) as error:
        AgentConfig(**settings)
    assert str(error.value).startswith(message)


def test_batch_size_is_ignored_without_a_memory():
    assert AgentConfig(memory_size=0, batch_size=64).replayed_per_step == 0
    assert AgentConfig(memory_size=1000, batch_size=64).replayed_per_step == 64


def test_epsilon_schedule():
    config = AgentConfig(epsilon_start=0.8, epsilon_decay=0.5, epsilon_min=0.1)
    assert [config.epsilon(e) for e in range(5)] == [0.8, 0.4, 0.2, 0.1, 0.1]
    default = AgentConfig()
    e = np.arange(10_000)
    expected = np.maximum(default.epsilon_min, default.epsilon_start * default.epsilon_decay**e)
    assert np.allclose([default.epsilon(k) for k in e], expected, rtol=1e-12)


def test_round_trip_through_a_dict():
    config = AgentConfig(alpha=0.3, target="sarsa")
    assert AgentConfig.from_dict(config.to_dict()) == config
    with pytest.raises(RacetrackError, match="unknown hyperparameter"):
        AgentConfig.from_dict({"alpha": 0.1, "lr": 0.2})


def test_numpy_integers_are_whole_numbers():
    assert AgentConfig(num_episodes=np.int64(10)).num_episodes == 10

"""Experience replay: the ring buffer (capacity, wrap-around, only stored slots, uniform), the
replayed update, and memory_size = 0 as exactly the agent without replay. (That replayed updates
are one-step and untraced, in the right order inside the traced loop, is checked against the
dense reference in test_traces.py.)"""

import numpy as np
import pytest
from scipy import stats

from racetrack_lib.config import AgentConfig
from racetrack_lib.replay import new_memory, replay_batch, sample_slot, store
from racetrack_lib.training import train


def filled(capacity, n):
    memory = new_memory(capacity)
    for t in range(n):
        store(memory, t, t % 9, -1.0, t + 1, (t + 1) % 9, t % 4 == 3)
    return memory


def test_capacity_and_wrap_around():
    states, actions, rewards, next_states, next_actions, done, fill = filled(5, 7)
    assert fill.tolist() == [5, 2]  # full; the next write goes to slot 2
    assert states.tolist() == [5, 6, 2, 3, 4]  # transitions 5 and 6 overwrote the oldest
    assert next_states.tolist() == [6, 7, 3, 4, 5]
    assert actions.tolist() == [5, 6, 2, 3, 4] and next_actions.tolist() == [6, 7, 3, 4, 5]
    assert done.tolist() == [False, False, False, True, False]
    assert rewards.tolist() == [-1.0] * 5


def test_samples_only_stored_slots():
    memory = filled(100, 3)
    rng = np.random.default_rng(0)
    slots = np.array([sample_slot(memory, rng) for _ in range(3_000)])
    assert set(slots.tolist()) == {0, 1, 2}


def test_sampling_is_uniform():
    memory = filled(10, 25)
    rng = np.random.default_rng(1)
    counts = np.bincount([sample_slot(memory, rng) for _ in range(50_000)], minlength=10)
    assert stats.chisquare(counts).pvalue > 1e-3


def test_replayed_update_uses_the_agents_target():
    q_values = np.array([[-2.0, -6.0], [-3.0, -7.0]])
    constant = np.array([0.5]), np.ones((2, 2), dtype=np.int64)
    memory = new_memory(1)
    store(memory, 0, 1, -1.0, 1, 1, False)  # (s=0, a=1) -> s'=1, a'=1
    rng = np.random.default_rng(0)
    q_learning = q_values.copy()
    replay_batch(q_learning, memory, 1, *constant, 1.0, False, rng)
    assert q_learning[0, 1] == -6.0 + 0.5 * (-1.0 + -3.0 - -6.0)  # max_b Q(1, b) = -3
    sarsa = q_values.copy()
    replay_batch(sarsa, memory, 1, *constant, 1.0, True, rng)
    assert sarsa[0, 1] == -6.0 + 0.5 * (-1.0 + -7.0 - -6.0)  # Q(1, a' = 1) = -7
    store(memory, 1, 0, -1.0, 1, 0, True)  # a finishing step: the target is r alone
    finishing = q_values.copy()
    replay_batch(finishing, memory, 1, *constant, 1.0, False, rng)
    assert finishing[1, 0] == -3.0 + 0.5 * (-1.0 - -3.0)
    changed = (q_values != q_learning).sum(), (q_values != finishing).sum()
    assert changed == (1, 1)  # one pair per replayed transition, nothing else


def test_nothing_is_replayed_before_a_full_batch_is_stored():
    q_values = np.zeros((10, 9))
    memory = filled(100, 3)
    replay_batch(q_values, memory, 4, np.array([0.5]), np.ones((10, 9), dtype=np.int64), 1.0,
                 False, np.random.default_rng(0))
    assert not q_values.any()


def test_memory_size_zero_is_the_agent_without_replay(track1_model):
    plain = train(AgentConfig(num_episodes=2_000), track1_model, n_agents=2, seed=3)
    no_memory = train(AgentConfig(num_episodes=2_000, memory_size=0, batch_size=64),
                      track1_model, n_agents=2, seed=3)
    np.testing.assert_array_equal(plain.q_values, no_memory.q_values)
    np.testing.assert_array_equal(plain.episode_lengths, no_memory.episode_lengths)
    replaying = train(AgentConfig(num_episodes=2_000, memory_size=1_000, batch_size=8),
                      track1_model, n_agents=2, seed=3)
    assert not np.array_equal(plain.q_values, replaying.q_values)


@pytest.mark.parametrize("trace_decay", [0.0, 0.9])
def test_replay_is_reproducible(track1_model, trace_decay):
    config = AgentConfig(num_episodes=1_000, memory_size=500, batch_size=8,
                         trace_decay=trace_decay)
    first = train(config, track1_model, n_agents=2, seed=4)
    again = train(config, track1_model, n_agents=3, seed=4)
    np.testing.assert_array_equal(first.q_values, again.q_values[:2])

"""Experience replay: the ring buffer (capacity, wrap-around, only stored slots, uniform), the
replayed update, and memory_size = 0 as exactly the agent without replay. (That replayed updates
are one-step and untraced, in the right order inside the traced loop, is checked against the
dense reference in test_traces.py.)"""

import numpy as np
import pytest
from scipy import stats

from racetrack_lib.agent import Learner, loop_settings
from racetrack_lib.certainty_equivalence import new_planner
from racetrack_lib.config import AgentConfig
from racetrack_lib.dyna import new_dynamics_model
from racetrack_lib.mc import new_episode_log
from racetrack_lib.replay import (
    ReplayMemory,
    new_memory,
    remember_and_replay,
    replay_batch,
    sample_slot,
    store,
)
from racetrack_lib.td import SARSA, Transition
from racetrack_lib.traces import new_traces
from racetrack_lib.training import train


def filled(capacity, n):
    memory = new_memory(capacity)
    for t in range(n):
        store(memory, Transition(t, t % 9, -1.0, t + 1, (t + 1) % 9, t % 4 == 3))
    return memory


def replaying_learner(q_values, memory, alpha=0.5):
    """A learner record around ``q_values`` and ``memory``: a constant step size ``alpha``,
    every pair visited once, no planning."""
    return Learner(q_values=q_values, visits=np.ones(q_values.shape, dtype=np.int64),
                   step_sizes=np.array([alpha]), traces=new_traces(*q_values.shape),
                   memory=memory, dynamics_model=new_dynamics_model(0, 0, 0, enabled=False),
                   episode_log=new_episode_log(*q_values.shape, 0, enabled=False),
                   weights=np.zeros((0, q_values.shape[1])),
                   queue=None,
                   planner=new_planner(0, 0, np.zeros(0), 0.0, enabled=False))


def stored(memory, slot):
    """The transition stored in ``slot``."""
    return Transition(int(memory.states[slot]), int(memory.actions[slot]),
                      float(memory.rewards[slot]), int(memory.next_states[slot]),
                      int(memory.next_actions[slot]), bool(memory.dones[slot]))


def replay(learner, settings, rng):
    """``replay_batch`` on a learner record's arrays, as the agent's loop calls it."""
    replay_batch(learner.q_values, learner.step_sizes, learner.visits, learner.memory, settings,
                 rng)


def remember(learner, settings, transition, rng):
    """``remember_and_replay`` on a learner record's arrays, as the agent's loop calls it."""
    remember_and_replay(learner.q_values, learner.step_sizes, learner.visits, learner.memory,
                        settings, transition, rng)


def replay_settings(batch_size, target="q_learning", gamma=1.0):
    return loop_settings(AgentConfig(gamma=gamma, target=target, memory_size=100,
                                     batch_size=batch_size))


def test_capacity_and_wrap_around():
    memory = filled(5, 7)
    assert isinstance(memory, ReplayMemory)
    states, actions, rewards = memory.states, memory.actions, memory.rewards
    next_states, next_actions, done = memory.next_states, memory.next_actions, memory.dones
    assert memory.fill.tolist() == [5, 2]  # full; the next write goes to slot 2
    assert states.tolist() == [5, 6, 2, 3, 4]  # transitions 5 and 6 overwrote the oldest
    assert next_states.tolist() == [6, 7, 3, 4, 5]
    assert actions.tolist() == [5, 6, 2, 3, 4] and next_actions.tolist() == [6, 7, 3, 4, 5]
    assert done.tolist() == [False, False, False, True, False]
    assert rewards.tolist() == [-1.0] * 5
    # each slot holds the transition stored there
    assert stored(memory, 3) == Transition(3, 3, -1.0, 4, 4, True)
    assert stored(memory, 0) == Transition(5, 5, -1.0, 6, 6, False)


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
    memory = new_memory(1)
    store(memory, Transition(0, 1, -1.0, 1, 1, False))  # (s=0, a=1) -> s'=1, a'=1
    rng = np.random.default_rng(0)
    q_learning = replaying_learner(q_values.copy(), memory)
    replay(q_learning, replay_settings(1), rng)
    assert q_learning.q_values[0, 1] == -6.0 + 0.5 * (-1.0 + -3.0 - -6.0)  # max_b Q(1, b) = -3
    sarsa = replaying_learner(q_values.copy(), memory)
    assert replay_settings(1, "sarsa").target == SARSA
    replay(sarsa, replay_settings(1, "sarsa"), rng)
    assert sarsa.q_values[0, 1] == -6.0 + 0.5 * (-1.0 + -7.0 - -6.0)  # Q(1, a' = 1) = -7
    # a finishing step: the target is r alone
    store(memory, Transition(1, 0, -1.0, 1, 0, True))
    finishing = replaying_learner(q_values.copy(), memory)
    replay(finishing, replay_settings(1), rng)
    assert finishing.q_values[1, 0] == -3.0 + 0.5 * (-1.0 - -3.0)
    changed = (q_values != q_learning.q_values).sum(), (q_values != finishing.q_values).sum()
    assert changed == (1, 1)  # one pair per replayed transition, nothing else
    assert (q_learning.visits == 1).all()  # replayed updates are not visits


def test_nothing_is_replayed_before_a_full_batch_is_stored():
    learner = replaying_learner(np.zeros((10, 9)), filled(100, 3))
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    replay(learner, replay_settings(4), rng)
    assert not learner.q_values.any()
    assert rng.bit_generator.state == before  # and no random number was drawn


def test_remember_and_replay_stores_then_replays():
    # batch size 0 (an agent without replay): nothing stored, nothing drawn
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    idle = replaying_learner(np.zeros((3, 2)), new_memory(0))
    remember(idle, replay_settings(1)._replace(batch_size=0),
             Transition(0, 1, -1.0, 1, 0, False), rng)
    assert rng.bit_generator.state == before and not idle.q_values.any()
    # batch size 1: the step is stored, then replayed (the only transition in memory)
    learner = replaying_learner(np.zeros((3, 2)), new_memory(4))
    remember(learner, replay_settings(1), Transition(0, 1, -1.0, 1, 0, False), rng)
    assert learner.memory.fill.tolist() == [1, 1]
    assert stored(learner.memory, 0) == Transition(0, 1, -1.0, 1, 0, False)
    assert learner.q_values[0, 1] == 0.5 * (-1.0 + 0.0 - 0.0)
    assert (learner.q_values != 0).sum() == 1


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

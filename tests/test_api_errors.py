"""The Python API under wrong types and impossible sizes: the library's own error, naming the
parameter, before anything is computed - never a TypeError from numpy or numba, nor a
MemoryError after minutes."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import racetrack_lib as rl
from racetrack_lib import memory
from racetrack_lib.config import AgentConfig
from racetrack_lib.errors import RacetrackError
from racetrack_lib.track import load_track, parse_track
from racetrack_lib.training import train

WRONG_VALUES = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.floats(),
                         st.lists(st.integers(), max_size=2), st.just(object()))


@pytest.mark.parametrize("track", [None, 3, 2.5, ["track1"], b"track1"])
def test_load_track_names_a_track_that_is_no_track(track):
    with pytest.raises(RacetrackError, match=r"^track = .* is not a track name, path or text"):
        load_track(track)
    with pytest.raises(RacetrackError, match=r"^track = "):
        rl.TabularModel.build(track)


def test_parse_track_refuses_text_that_is_no_string():
    with pytest.raises(RacetrackError, match="the track text is NoneType, not a string"):
        parse_track(None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(["n_agents", "seed", "eval_every", "n_jobs"]), value=WRONG_VALUES)
def test_train_names_any_wrong_whole_number(track1_model, name, value):
    if (isinstance(value, int) and not isinstance(value, bool)) or (
            name == "eval_every" and value is None):
        return  # a plain int may be right (ranges are tested below); None: the default
    with pytest.raises(RacetrackError, match=rf"^{name} = "):
        train(AgentConfig(num_episodes=1), track1_model, **{name: value})


@pytest.mark.parametrize(("name", "value", "allowed"), [
    ("n_agents", 0, r"\[1, 10000\]"), ("seed", -1, r"\[0, "), ("eval_every", 0, r"\[1, inf\]"),
    ("n_jobs", -2, r"-1 or \[1, inf\)"),
])
def test_train_names_a_whole_number_out_of_range(track1_model, name, value, allowed):
    with pytest.raises(RacetrackError, match=rf"^{name} = {value} is out of range: allowed {allowed}"):
        train(AgentConfig(num_episodes=1), track1_model, **{name: value})


@pytest.mark.parametrize(("name", "value"), [("config", {"alpha": 0.5}), ("config", None),
                                             ("track", None), ("track", 1)])
def test_train_names_a_config_or_track_of_the_wrong_type(name, value):
    arguments = {"config": AgentConfig(num_episodes=1), "track": "track1", name: value}
    with pytest.raises(RacetrackError, match=rf"^{name} = .* is not a"):
        train(arguments["config"], arguments["track"], n_agents=1)


def test_numpy_integers_count_as_whole_numbers(track1_model):
    config = AgentConfig(num_episodes=20)
    plain = train(config, track1_model, n_agents=2, seed=3, eval_every=10)
    numpy_ints = train(config, track1_model, n_agents=np.int64(2), seed=np.int32(3),
                       eval_every=np.int16(10), n_jobs=np.int64(1))
    np.testing.assert_array_equal(plain.episode_lengths, numpy_ints.episode_lengths)
    np.testing.assert_array_equal(plain.greedy_expected_steps, numpy_ints.greedy_expected_steps)


def test_a_run_that_cannot_fit_in_memory_is_refused_at_once(track1_model):
    huge = AgentConfig(num_episodes=10_000_000)
    with pytest.raises(RacetrackError, match=r"^training 10000 agents x 10000000 episodes on "
                                             r"track1 .* needs about 1\.\d TB of memory"):
        train(huge, track1_model, n_agents=10_000)
    big_memories = AgentConfig(num_episodes=10, memory_size=10_000_000)  # 410 MB each
    with pytest.raises(RacetrackError, match=r"1000 at once\) needs about .* GB of memory"):
        train(big_memories, track1_model, n_agents=1000, n_jobs=1000)


def test_a_track_too_big_for_memory_is_refused_before_it_is_built(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 100 * 2**20)  # a 100 MB machine
    text = "\n".join(["S" + "." * 98 + "F"] * 100)  # 10,000 cells, 240,000 states: ~96 MB
    with pytest.raises(RacetrackError, match=r"^the model of <text> \(23\d,\d{3} states\) "
                                             r"needs about 9\d\.\d MB of memory, but this "
                                             r"machine has 100\.0 MB available"):
        rl.TabularModel.build(text)
    rl.TabularModel.build("track1")  # ~2.8 MB: still fits


def test_memory_estimate_of_a_model_is_close_to_what_building_it_takes():
    import tracemalloc

    text = "\n".join(["S" + "." * 198 + "F"] * 20)
    tracemalloc.start()
    model = rl.TabularModel.build(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    estimate = memory.model_bytes(model.n_states)
    assert memory.states_of_track(20 * 199, 20) == model.n_states  # 199 cells a row are not F
    assert 0.8 * estimate < peak <= estimate  # an estimate that errs on the safe side, closely


def test_policy_evaluation_refuses_a_policy_that_is_no_policy(track1_model):
    n = track1_model.n_states
    cases = [
        (np.full(n, -1), r"^policy\[0\] = -1 is not an action: allowed 0\.\.8"),
        (np.full(n, 9), r"^policy\[0\] = 9 is not an action"),
        (np.full(n, 4.0), r"^policy has dtype float64: a deterministic policy holds action"),
        (np.full((n, 9), np.nan), r"^a stochastic policy's rows must be probabilities"),
        (np.zeros(3, dtype=int), r"^policy has shape \(3,\)"),
    ]
    for policy, message in cases:
        with pytest.raises(RacetrackError, match=message):
            rl.policy_evaluation(track1_model, policy)


@pytest.mark.parametrize("model", [None, "track1", 3])
def test_dynamic_programming_names_a_model_that_is_no_model(model):
    with pytest.raises(RacetrackError, match=r"^model = .* is not a TabularModel"):
        rl.value_iteration(model)
    with pytest.raises(RacetrackError, match=r"^model = .* is not a TabularModel"):
        rl.policy_evaluation(model, np.zeros(7014, dtype=int))


def test_numpy_scalars_in_a_config_are_stored_as_plain_numbers(track1_model):
    numpy_config = AgentConfig(trace_decay=np.float16(0.5), alpha=np.float32(0.5),
                               num_episodes=np.int64(30), memory_size=np.int32(100),
                               batch_size=np.int8(4), planning_steps=np.uint16(2))
    plain_config = AgentConfig(trace_decay=0.5, alpha=0.5, num_episodes=30, memory_size=100,
                               batch_size=4, planning_steps=2)
    assert numpy_config == plain_config
    assert all(type(value) in (float, int, str) for value in numpy_config.to_dict().values())
    trained = [train(config, track1_model, n_agents=1, seed=1, eval_every=10)
               for config in (numpy_config, plain_config)]
    np.testing.assert_array_equal(trained[0].q_values, trained[1].q_values)

"""Numbers that the chapters' exercise solutions quote, recomputed so that they cannot drift.

(Numbers in the chapters' main text are printed by a cell, which nbval compares, or asserted in a
cell.) A setting that chapters 5, 6 and 7 load from their recorded sweeps is read from the
recording rather than trained again (tests/test_recorded_sweeps.py checks that it is what the library trains).
"""

import os
import subprocess
import sys

import numpy as np
import pytest

from racetrack_lib import (
    TabularModel,
    expected_steps_from_start,
    greedy_actions,
    policy_evaluation,
    value_iteration,
)
from racetrack_lib.config import AgentConfig
from racetrack_lib.recorded_sweeps import saved_sweep, sweep_configs
from racetrack_lib.replay import new_memory, store
from racetrack_lib.td import Transition
from racetrack_lib.traces import TRACE_THRESHOLD, new_traces, update_traced, visit
from racetrack_lib.training import train


@pytest.fixture(scope="module")
def default_q_learning():
    """Q-learning with the defaults, as chapter 5 recorded it (its "Watkins Q(0.0)")."""
    return recorded("lambda", "Watkins Q(0.0)", AgentConfig())


def median_final(result):
    return float(np.median(result.final_expected_steps))


def test_chapter2_exercise1_discounted_optimum_needs_12_14_steps(track1_model):
    discounted = value_iteration(track1_model, gamma=0.9)
    policy = greedy_actions(discounted.q_values, np.random.default_rng(0), 1e-9)
    steps = expected_steps_from_start(track1_model, policy_evaluation(track1_model, policy))
    assert steps == pytest.approx(12.14, abs=0.005)


def test_chapter4_exercise1_constant_step_sizes(track1_model, default_q_learning):
    default = median_final(default_q_learning)
    assert default == pytest.approx(12.8, abs=0.05)  # "the per-pair schedule at 12.8"
    finals, early = {}, {}
    for alpha in (0.05, 0.2, 0.8):
        constant = AgentConfig(alpha=alpha, alpha_power=0.0, alpha_min=0.0)
        result = train(constant, track1_model, n_agents=8, seed=0)
        finals[alpha] = result.final_expected_steps
        after_10000 = list(result.eval_episodes).index(10_000)
        early[alpha] = np.median(result.greedy_expected_steps[:, after_10000])
    # "after 10,000 episodes ... about 65 steps, against about 18 with 0.8"
    assert early[0.05] == pytest.approx(65, abs=1) and early[0.8] == pytest.approx(18, abs=1)
    assert np.median(finals[0.05]) == pytest.approx(15.2, abs=0.05)  # "about 15.2 steps"
    assert np.median(finals[0.8]) == pytest.approx(15.7, abs=0.05)  # "about 15.7 steps"
    assert np.median(finals[0.2]) == pytest.approx(13.2, abs=0.05)  # "ends at 13.2"
    assert np.median(finals[0.2]) <= 1.10 * default_q_learning.optimal_expected_steps  # "inside"
    sarsa = recorded("lambda", "SARSA(0.0)", AgentConfig(target="sarsa"))
    assert median_final(sarsa) == pytest.approx(12.3, abs=0.05)  # "(and SARSA's at 12.3)"


def test_chapter4_exercise2_discounted_learner_ends_around_12_7(track1_model, default_q_learning):
    result = train(AgentConfig(gamma=0.9), track1_model, n_agents=8, seed=0)
    assert median_final(result) == pytest.approx(12.7, abs=0.05)  # "around 12.7"
    assert abs(median_final(result) - median_final(default_q_learning)) < 0.1  # "hardly different"


def test_chapter4_exercise4_constant_epsilon(track1_model, default_q_learning):
    config = AgentConfig(epsilon_start=0.1, epsilon_decay=1.0, epsilon_min=0.1)
    result = train(config, track1_model, n_agents=8, seed=0)
    assert median_final(result) == pytest.approx(12.2, abs=0.05)  # "about 12.2 steps"
    assert median_final(result) < median_final(default_q_learning)  # "closer ... than the default"
    returns = float(np.median(result.mean_return_last(100)))
    assert returns == pytest.approx(-14.7, abs=0.1)  # "around 14.7 steps"
    # "with fewer real steps (about 1.8 million per agent against 2.0 million)"
    real_steps = np.median(result.eval_env_steps[:, -1])
    default_steps = np.median(default_q_learning.eval_env_steps[:, -1])
    assert real_steps == pytest.approx(1.8e6, abs=0.05e6)
    assert default_steps == pytest.approx(2.0e6, abs=0.05e6)


def test_chapter1_exercise1_state_count_of_track2():
    model = TabularModel.build("track2")
    n_cells = int(np.isin(model.track.cells, [1, 2]).sum())
    assert (n_cells, model.n_states) == (506, 506 * 24 + 23)


@pytest.fixture(scope="module")
def watkins_09():
    """Watkins's Q(0.9), as chapter 5 recorded it."""
    return recorded("lambda", "Watkins Q(0.9)", AgentConfig(trace_decay=0.9))


def test_chapter5_exercise1_accumulating_traces_about_the_same(track1_model, watkins_09):
    config = AgentConfig(trace_decay=0.9, trace_kind="accumulating")
    accumulating = train(config, track1_model, n_agents=8, seed=0)
    assert median_final(accumulating) == pytest.approx(12.87, abs=0.005)  # "about 12.87"
    assert median_final(watkins_09) == pytest.approx(12.93, abs=0.005)  # "against 12.93"
    ratio = np.nanmedian(accumulating.steps_to_within()) / np.nanmedian(watkins_09.steps_to_within())
    assert 0.9 < ratio < 1.1  # "after about the same number of real steps"


@pytest.mark.parametrize(("trace_decay", "dropped_at"), [(0.9, 88), (0.99, 917)])
def test_chapter5_exercise2_a_trace_is_dropped_after(trace_decay, dropped_at):
    assert TRACE_THRESHOLD == 1e-4  # the threshold the exercise's answer is computed for
    traces = new_traces(1, 1)
    n_traced = visit(traces, 0, 0, 0, True)
    q_values, visits = np.zeros((1, 1)), np.ones((1, 1), dtype=np.int64)
    steps = 0
    while n_traced > 0:  # gamma = 1: each step multiplies the trace by lambda
        n_traced = update_traced(q_values, traces, n_traced, np.zeros(1), visits, 0.0,
                                 trace_decay)
        steps += 1
    assert steps == dropped_at


def test_chapter5_exercise3_lambda_095(track1_model):
    results = {target: train(AgentConfig(target=target, trace_decay=0.95), track1_model,
                             n_agents=8, seed=0) for target in ("q_learning", "sarsa")}
    watkins, sarsa = results["q_learning"], results["sarsa"]
    assert median_final(watkins) == pytest.approx(13.79, abs=0.005)  # "medians about 13.79"
    assert median_final(watkins) > 1.10 * watkins.optimal_expected_steps  # "outside the band"
    assert np.isfinite(watkins.steps_to_within()).sum() == 1  # "only one of its 8 agents"
    assert median_final(sarsa) == pytest.approx(13.25, abs=0.005)  # "and 13.25 (SARSA)"
    assert sarsa.median_steps_to_within() / 1e6 == pytest.approx(1.0, abs=0.05)  # "about 1.0 M"
    assert sarsa.median_steps_to_stay_within() / 1e6 == pytest.approx(1.6, abs=0.05)  # "1.6 M"


def replay_config(**settings):
    return AgentConfig(num_episodes=20_000, memory_size=10_000, batch_size=8, **settings)


def replay_result(track1_model, **settings):
    return train(replay_config(**settings), track1_model, n_agents=8, seed=0)


def recorded(sweep, label, config):
    """The run of ``config`` (8 agents, seed 0, track 1 with noise 0.1) that chapters 5, 6 and 7
    load from their recorded sweeps instead of training it again:
    ``saved_sweep`` refuses a file recorded with other settings, and tests/test_recorded_sweeps.py
    checks that its numbers are the ones the library trains. Its learning curves only: no
    episode lengths or Q tables."""
    assert sweep_configs(sweep)[label] == config  # the very setting the exercise trains
    result = saved_sweep(sweep)[label]
    assert (result.track_name, result.noise, result.seed, result.n_agents) == ("track1", 0.1, 0, 8)
    return result


@pytest.fixture(scope="module")
def recorded_replay():
    """Q-learning with a memory of 10,000 and batches of 8, as chapter 6 recorded it."""
    return recorded("replay", "memory 10,000, batch 8", replay_config())


@pytest.fixture(scope="module")
def recorded_planning_10():
    """Q-learning with 10 planning steps (the counting model), as chapter 7 recorded it."""
    return recorded("planning", "planning 10", AgentConfig(num_episodes=20_000, planning_steps=10))


def test_chapter6_exercise1_sarsa_with_replay(track1_model):
    sarsa = replay_result(track1_model, target="sarsa")
    assert np.isfinite(sarsa.steps_to_within()).sum() == 0  # "none of the eight agents"
    assert median_final(sarsa) == pytest.approx(14.2, abs=0.05)  # "ends at about 14.2"
    assert median_final(sarsa) > 1.10 * sarsa.optimal_expected_steps  # "does not stay there"


def test_chapter6_exercise2_what_a_memory_holds(recorded_replay):
    # The recording holds no episode lengths, but it holds their sums: each agent's real steps
    # after episodes 10, 19,000 and 20,000 (eval_env_steps is the running sum of its episodes'
    # lengths), so the mean lengths of its first ten and of its last 1,000 episodes are exact.
    at = {int(episode): k for k, episode in enumerate(recorded_replay.eval_episodes)}
    steps = recorded_replay.eval_env_steps
    first_ten = steps[:, at[10]] / 10
    assert 1_250 < first_ten.min() and first_ten.max() < 3_400  # "1,250 to 3,400 per agent"
    assert first_ten.mean() == pytest.approx(2_400, abs=100)  # "about 2,400 steps each"
    late = (steps[:, at[20_000]] - steps[:, at[19_000]]).mean() / 1_000
    assert 12.5 < late < 13.5  # "about 13 steps"
    assert 1_000 / late < 80  # "under 80 late episodes"


def test_chapter6_exercise3_ring_buffer():
    memory = new_memory(10)
    for t in range(25):
        store(memory, Transition(t, 0, -1.0, t, 0, False))
    assert memory.states[0] == 20
    assert memory.states.tolist() == [20, 21, 22, 23, 24, 15, 16, 17, 18, 19]
    assert memory.fill.tolist() == [10, 5]  # full; the next write goes to slot 5


def test_chapter6_exercise4_replay_with_traces(track1_model, recorded_replay):
    traced = replay_result(track1_model, trace_decay=0.9)
    plain = recorded_replay
    assert (median_final(traced), median_final(plain)) == (pytest.approx(12.55, abs=0.005),
                                                           pytest.approx(12.56, abs=0.005))
    assert np.nanmedian(traced.steps_to_within()) / 1e6 == pytest.approx(0.47, abs=0.01)
    assert np.nanmedian(plain.steps_to_within()) / 1e6 == pytest.approx(0.52, abs=0.01)
    # "but stays within from about the same point (0.60 against 0.62 M)"
    assert traced.median_steps_to_stay_within() / 1e6 == pytest.approx(0.60, abs=0.005)
    assert plain.median_steps_to_stay_within() / 1e6 == pytest.approx(0.62, abs=0.005)


def test_chapter7_exercise3_replay_or_planning(recorded_replay, recorded_planning_10):
    replay, planning = recorded_replay, recorded_planning_10
    # "Replay ...: first within 10 % after 0.52 M real steps, within from then on after 0.62 M,
    # final 12.56 steps; planning 10: 0.43 M, 0.52 M and 12.25 steps"
    quoted = {"replay": (0.52, 0.62, 12.56), "planning": (0.43, 0.52, 12.25)}
    for name, result in (("replay", replay), ("planning", planning)):
        first, stay, final = quoted[name]
        assert result.median_steps_to_within() / 1e6 == pytest.approx(first, abs=0.005), name
        assert result.median_steps_to_stay_within() / 1e6 == pytest.approx(stay, abs=0.005), name
        assert median_final(result) == pytest.approx(final, abs=0.005), name
    # "with about as many updates per real step (11 against 9)"
    assert (1 + planning.config.planning_steps, 1 + replay.config.replayed_per_step) == (11, 9)


ARGMAX_RUN = """
import sys
import numpy as np
from numba import njit
import racetrack_lib.policy as policy
if sys.argv[1] == "argmax":
    @njit
    def first_maximum(q_values, state, rng, tolerance=0.0):
        return np.argmax(q_values[state])
    # numba reads these globals when it compiles (into this run's empty cache), not before.
    # Every module that took greedy_action from policy (importing racetrack_lib imports them
    # all: the loops of td, traces and agent, policy's own epsilon_greedy, the greedy
    # evaluation) gets the replacement.
    original = policy.greedy_action
    patched = [name for name, module in sorted(sys.modules.items())
               if name.startswith("racetrack_lib") and
               getattr(module, "greedy_action", None) is original]
    for name in patched:
        sys.modules[name].greedy_action = first_maximum
    assert {"racetrack_lib.policy", "racetrack_lib.td", "racetrack_lib.traces",
            "racetrack_lib.agent", "racetrack_lib.greedy_evaluation"} <= set(patched), patched
from racetrack_lib.config import AgentConfig
from racetrack_lib.training import train
result = train(AgentConfig(num_episodes=2000), "track1", 8, 0, eval_every=100)
at = {int(e): k for k, e in enumerate(result.eval_episodes)}
print(*(np.median(result.greedy_expected_steps[:, at[e]]) for e in (300, 2000)))
"""


def test_chapter4_exercise3_argmax_bias(tmp_path):
    """The agent with np.argmax for its greedy choice (chapter 4, exercise 3): greedy_action
    replaced before anything is compiled, in a fresh process with its own numba cache."""
    # the argmax agent compiles everything afresh into its own cache; the library's own agent
    # (random ties) runs here, from the shared cache
    argmax = subprocess.run([sys.executable, "-c", ARGMAX_RUN, "argmax"], capture_output=True,
                            text=True, timeout=300,
                            env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "argmax")})
    assert argmax.returncode == 0, argmax.stderr[-2000:]
    argmax_300, argmax_2000 = (float(word) for word in argmax.stdout.split())
    result = train(AgentConfig(num_episodes=2000), "track1", 8, 0, eval_every=100)
    at = {int(e): k for k, e in enumerate(result.eval_episodes)}
    random_300, random_2000 = (np.median(result.greedy_expected_steps[:, at[e]])
                               for e in (300, 2000))
    assert argmax_300 == pytest.approx(67, abs=1) and random_300 == pytest.approx(48, abs=1)
    assert argmax_2000 == pytest.approx(27, abs=0.5) and random_2000 == pytest.approx(27, abs=0.5)


def test_chapter1_exercises2_and_3_corner_cases():
    from racetrack_lib.rules import path_cells

    groups = [set(cells) for _, cells in path_cells(2, 2)]
    assert groups == [{(-1, 0), (-1, 1), (0, 1)}, {(-2, 1), (-2, 2), (-1, 2)}]
    corner = TabularModel.build("#F\nS#\n", noise=0)
    assert corner.next_states[0, 8, 0] == -1  # FINISHED: the tie goes to the finish


def crashing_start_columns(track: str, noise: float) -> set[int]:
    """Chapter 2, exercise 3: start columns where an optimal action crashes on purpose."""
    model = TabularModel.build(track, noise=noise)
    q_values = value_iteration(model).q_values[model.start_states]
    optimal = q_values >= q_values.max(axis=1, keepdims=True) - 1e-9
    crashes = model.next_states[model.start_states, :, 0] == -2  # CRASHED
    return {int(model.positions[state, 1])
            for state, row in zip(model.start_states, optimal & crashes, strict=True) if row.any()}


def test_chapter2_exercise3_who_crashes_on_purpose():
    noise_levels = np.round(np.linspace(0.0, 0.5, 11), 2)
    track1 = {float(p): crashing_start_columns("track1", p) for p in noise_levels}
    assert {p for p, columns in track1.items() if columns} == {0.0}  # only p <= 0.02 of the grid
    assert track1[0.0] == {8}
    assert crashing_start_columns("track1", 0.02) == {8}
    assert crashing_start_columns("track1", 0.03) == set()
    for p in noise_levels:
        assert 22 in crashing_start_columns("track2", p), p  # the rightmost start cell, always


def test_chapter8_exercises_read_the_saved_ablation():
    from racetrack_lib.ablation import saved_ablation, summary
    from racetrack_lib.config import preset

    saved = saved_ablation()
    table = {label: summary(result) for label, result in saved.items()}
    steps = {label: row["real steps to within 10 %"] for label, row in table.items()}
    stays = {label: row["real steps to stay within 10 %"] for label, row in table.items()}
    seconds = {label: row["seconds to within 10 %"] for label, row in table.items()}
    single = ["traces only", "replay only", "planning only"]
    # 1. planning alone: fewest real steps; replay alone: most seconds; per second traces, then plain
    assert min(single, key=lambda label: steps[label][1]) == "planning only"
    assert max(single, key=lambda label: seconds[label][1]) == "replay only"
    assert sorted([*single, "plain Q-learning"], key=lambda label: seconds[label][1])[:2] == [
        "traces only", "plain Q-learning"]
    # 2. without replay: a little sooner to the band, but 1.8 times the full agent's real steps
    #    to stay within; replay alone cuts plain Q-learning's by over 60 %, by either measure
    assert steps["full without replay"][1] < steps["full agent"][1]
    assert 1.75 < stays["full without replay"][1] / stays["full agent"][1] < 1.85
    for measure in (steps, stays):
        assert measure["replay only"][1] < 0.40 * measure["plain Q-learning"][1]
    # 3. one second: traces ~0.2 s, plain 0.3 s (0.7 s for its slower quarter), full without
    #    replay 0.8 s at the median but not for all; one million real steps: every variant with
    #    a component gets there, its slower quarter too, without replay with the most to spare;
    #    to stay within, that one's slower quarter needs over a million, three quarters of the
    #    full agent's agents under half a million; plain Q-learning does not get there
    assert 0.15 < seconds["traces only"][1] < 0.25 and seconds["traces only"][2] < 1
    assert 0.25 < seconds["plain Q-learning"][1] < 0.35 and 0.65 < seconds["plain Q-learning"][2] < 1
    assert 0.75 < seconds["full without replay"][1] < 0.85 < 1 < seconds["full without replay"][2]
    with_a_component = [label for label in saved if label != "plain Q-learning"]
    assert all(steps[label][2] < 1e6 for label in with_a_component)
    assert min(with_a_component, key=lambda label: steps[label][2]) == "full without replay"
    assert stays["full without replay"][2] > 1e6 and stays["full agent"][2] < 0.5e6
    assert steps["plain Q-learning"][1] > 1e6
    # 4. epsilon at episode 75 of the combined agent's schedule
    assert preset("combined-150").epsilon(75) == pytest.approx(0.098, abs=5e-4)

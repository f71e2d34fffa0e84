"""Chapter 7's summaries of many agents: how soon each got within 10 % of the optimum (Figure 7.3)
and each agent's final policy (Figure 7.4), drawn from small made-up results whose answers are
known."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from racetrack_lib.config import AgentConfig
from racetrack_lib.plotting import plot_final_values, plot_time_to_within
from racetrack_lib.results import TrainingResult

OPTIMUM = 10.0  # within 10 %: at most 11


def made_up_result(greedy: list[list[float]]) -> TrainingResult:
    """Agents evaluated after 1,000, 2,000, ... real steps (and 0.5, 1, 1.5, ... seconds)."""
    greedy = np.array(greedy, dtype=float)
    n_agents, n_evaluations = greedy.shape
    steps = np.tile(np.arange(1, n_evaluations + 1) * 1_000, (n_agents, 1))
    return TrainingResult(
        config=AgentConfig(), track_name="made up", noise=0.1, seed=0,
        optimal_expected_steps=OPTIMUM, episode_lengths=np.zeros((n_agents, 0), dtype=int),
        eval_episodes=np.arange(1, n_evaluations + 1), eval_env_steps=steps,
        eval_seconds=steps / 2_000, greedy_expected_steps=greedy,
        q_values=np.zeros((n_agents, 0, 9)), seconds=0.0)


# agent 0: within from the 2nd evaluation on; agent 1: within at the 2nd, out (never finishing)
# at the 3rd, within from the 4th on; agent 2: within at the 3rd, outside at the end; agent 3:
# never within
RESULT = made_up_result([[20, 10.5, 10.2, 10.1],
                         [30, 10.9, np.inf, 10.3],
                         [40, 15, 10.8, 12],
                         [50, 40, 30, 20]])


def drawn_curves(ax):
    """The step curves drawn (solid, dashed), as (x, y) arrays."""
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) > 2]
    return [(np.asarray(line.get_xdata()), np.asarray(line.get_ydata())) for line in lines]


def height_at(curve, x):
    """The height of a step curve drawn with where="post" at x (matplotlib keeps the points)."""
    xs, ys = curve
    return ys[np.searchsorted(xs, x, side="right") - 1]


def test_time_to_within_counts_agents_first_within_and_staying_within():
    assert RESULT.steps_to_within().tolist()[:3] == [2_000, 2_000, 3_000]
    assert RESULT.steps_to_stay_within().tolist()[:2] == [2_000, 4_000]
    _, ax = plt.subplots()
    plot_time_to_within({"made up": RESULT}, ax=ax)
    first, stay = drawn_curves(ax)
    # first within: two agents at 2,000 steps, the third at 3,000, the fourth never
    assert [height_at(first, x) for x in (1_000, 2_000, 3_000, 4_000)] == [0, 0.5, 0.75, 0.75]
    # within from then on: agent 0 from 2,000, agent 1 from 4,000; agent 2 is outside at the end
    assert [height_at(stay, x) for x in (1_000, 2_000, 3_000, 4_000)] == [0, 0.25, 0.25, 0.5]
    assert first[0][-1] == stay[0][-1] == 4_000  # both run on to the end of training
    plt.close("all")


def test_time_to_within_per_second_uses_each_agents_own_seconds():
    _, ax = plt.subplots()
    plot_time_to_within({"made up": RESULT}, ax=ax, x="seconds", legend_loc=None)
    first, stay = drawn_curves(ax)
    assert height_at(first, 1.0) == 0.5 and height_at(stay, 1.9) == 0.25
    assert first[0][-1] == 2.0 and ax.get_legend() is None
    plt.close("all")


def test_final_values_points_medians_and_agents_above_the_plot():
    other = made_up_result([[20, 10.4], [20, 10.6], [20, 10.8]])
    _, ax = plt.subplots()
    plot_final_values({"made up": RESULT, "other": other}, ax=ax, limits=(9.5, 13.0))
    points = [line for line in ax.get_lines() if line.get_marker() == "o"]
    above = [line for line in ax.get_lines() if line.get_marker() == "^"]
    assert sorted(points[0].get_ydata()) == [10.1, 10.3, 12]  # agent 3 (20) is above
    assert len(above) == 1 and list(above[0].get_ydata()) == [13.0]
    texts = [text.get_text() for text in ax.texts]
    assert "1 above" in texts and "11.15" in texts and "10.60" in texts  # the medians
    assert ax.get_ylim() == (9.5, 13.0)
    plt.close("all")


@pytest.mark.parametrize("finals", [[np.inf, np.inf], [12.0, 14.0]])
def test_final_values_limits_from_the_data(finals):
    result = made_up_result([[20, final] for final in finals])
    _, ax = plt.subplots()
    plot_final_values({"agents": result}, ax=ax)
    low, high = ax.get_ylim()
    assert low < OPTIMUM and high > 1.1 * OPTIMUM  # the optimum and the band's edge show
    finite = [final for final in finals if np.isfinite(final)]
    assert all(low <= final <= high for final in finite)
    plt.close("all")

"""Chapter 4's explorer opens on Figure 4.2's Q-learning agents: its first curve is the left part
of that figure's, value for value, at every evaluation the two share."""

import numpy as np

from racetrack_lib.config import AgentConfig
from racetrack_lib.training import train


def test_the_explorer_opens_on_the_first_20000_episodes_of_figure_4_2(track1_model):
    figure = train(AgentConfig(target="q_learning"), track1_model, n_agents=8, seed=0, n_jobs=2)
    # what explore_td trains with its default settings (alpha_min = min(0.02, alpha) = 0.02)
    explorer_config = AgentConfig(target="q_learning", alpha=1.0, alpha_power=0.7, alpha_min=0.02,
                                  gamma=1.0, epsilon_start=1.0, epsilon_decay=0.998,
                                  epsilon_min=0.01, num_episodes=20_000)
    explorer = train(explorer_config, "track1", n_agents=8, seed=0, eval_every=500, n_jobs=2)
    shared = np.intersect1d(figure.eval_episodes, explorer.eval_episodes)
    assert len(shared) >= 25 and shared.max() == 20_000
    in_figure = np.searchsorted(figure.eval_episodes, shared)
    in_explorer = np.searchsorted(explorer.eval_episodes, shared)
    np.testing.assert_array_equal(figure.greedy_expected_steps[:, in_figure],
                                  explorer.greedy_expected_steps[:, in_explorer])
    np.testing.assert_array_equal(figure.eval_env_steps[:, in_figure],
                                  explorer.eval_env_steps[:, in_explorer])

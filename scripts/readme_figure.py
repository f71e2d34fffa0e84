"""Regenerate book/_static/optimal_track1.png, the figure of the README and the book's landing page."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import racetrack_lib as rl
from racetrack_lib import plotting

model = rl.TabularModel.build("track1", noise=0.1)
solution = rl.value_iteration(model)
policy = rl.greedy_actions(solution.q_values, np.random.default_rng(5), tolerance=1e-9)
episode = rl.run_episode(model, policy, np.random.default_rng(7))
fig, ax = plt.subplots(figsize=(3.6, 5.4))
plotting.plot_episode(model, episode, ax=ax, title="track 1, optimal driver")
fig.tight_layout()
fig.savefig("book/_static/optimal_track1.png", dpi=80)

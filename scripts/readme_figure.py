"""Regenerate the landing page's figures (and the README's): book/_static/optimal_track1.png, the
optimal driver, and book/_static/learned_track1.png, the best driver chapter 8's full agent learned
(its greedy policy, saved by scripts/record_ablation.py). Run from the repository's root."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import racetrack_lib as rl
from racetrack_lib import plotting
from racetrack_lib.ablation import saved_best_policy

model = rl.TabularModel.build("track1", noise=0.1)
solution = rl.value_iteration(model)
optimal = rl.greedy_actions(solution.q_values, np.random.default_rng(5), tolerance=1e-9)
learned = saved_best_policy().astype(np.int64)
for policy, title, name in ((optimal, "track 1, optimal driver", "optimal"),
                            (learned, "track 1, learned driver", "learned")):
    steps = rl.expected_steps_from_start(model, rl.policy_evaluation(model, policy))
    episode = rl.run_episode(model, policy, np.random.default_rng(7))
    fig, ax = plt.subplots(figsize=(3.6, 5.4))
    plotting.plot_episode(model, episode, ax=ax, title=f"{title}\n({steps:.2f} expected steps)")
    fig.tight_layout()
    fig.savefig(f"book/_static/{name}_track1.png", dpi=80)
    plt.close(fig)
    print(f"{name}: {steps:.3f} expected steps; this drive {episode.n_steps} steps")

# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Monte Carlo control: learning from whole episodes
#
# **What you will learn**
# - the return of an episode, and how first-visit Monte Carlo averages returns into $Q$;
# - why this chapter explores with an epsilon-soft policy and not with exploring starts;
# - on-policy Monte Carlo control, the method Exercise 5.12 of Sutton & Barto asks for, as the
#   library implements it, measured exactly against the optimum of chapter 2; and the output the
#   exercise asks for: the learned policy's noise-free drives from every start cell;
# - importance sampling, ordinary and weighted, and off-policy Monte Carlo control - and why,
#   on this track, it learns only the last few steps of each episode;
# - how Monte Carlo compares with one-step TD learning (chapter 4) at equal *real steps*, the
#   steps the car actually drives while it learns.
#
# **Time**: about 40 minutes. **Needs**: chapters 1 and 2.

# %%
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import racetrack_lib as rl
from racetrack_lib import mc, plotting
from racetrack_lib.config import AgentConfig, for_method
from racetrack_lib.exercises import ch03 as exercises
from racetrack_lib.greedy_evaluation import expected_steps_of_greedy
from racetrack_lib.mc_runs import saved_best_policy, saved_on_policy_run
from racetrack_lib.show import show_beside, show_source
from racetrack_lib.training import Learner, train

model = rl.TabularModel.build("track1", noise=0.1)
solution = rl.value_iteration(model)
optimum = rl.expected_steps_from_start(model, solution.values)
print(f"track 1, noise 0.1: the optimum is {optimum:.3f} expected steps (chapter 2)")

# %% [markdown]
# ## Learning from returns
#
# Chapter 2 knew the dynamics and solved the Bellman equations. A learning agent only drives. A
# Monte Carlo method drives a whole episode, $S_0, A_0, R_1, S_1, A_1, R_2, \dots, R_T$, and only
# then learns, from its **returns** (Sutton & Barto, eq. 3.9):
#
# $$
# G_t = R_{t+1} + \gamma\, G_{t+1}, \qquad G_T = 0 .
# $$
#
# Every reward is $-1$, so with $\gamma = 1$ the return from step $t$ is minus the number of
# steps left, $G_t = -(T - t)$: an unbiased sample of $q_\pi(S_t, A_t)$, the value of taking
# $A_t$ in $S_t$ and following the policy $\pi$ that drove the episode. Averaging such samples
# estimates $q_\pi$ with no model, and without building one estimate on another (what chapter 4
# will call bootstrapping).
#
# Here is one episode of a driver who knows nothing yet ($Q = 0$, every action at random):

# %%
config = for_method("mc_on_policy")
learner = Learner.new(model, config)
steps, finished = mc.drive_episode(model.tables, learner.q_values, learner.episode_log, 1.0,
                                   config.max_episode_steps, np.random.default_rng(1))
log = learner.episode_log
pairs = set(zip(log.states[:steps].tolist(), log.actions[:steps].tolist(), strict=True))
print(f"one random episode: T = {steps} steps, finished: {finished}")
print(f"G_0 = {-steps} (gamma 1); distinct (state, action) pairs: {len(pairs)}, "
      f"so {steps - len(pairs)} of the {steps} steps revisit a pair")

# %% [markdown]
# A pair can occur many times in one episode: the car restarts on the start line after every
# crash, and standing still there keeps it in the same state. **First-visit** Monte Carlo
# (Sutton & Barto section 5.1) learns, for each pair, from the return after its *first* visit
# in the episode only. The library computes all returns in one backward pass, $G \leftarrow
# \gamma G + R$, and moves $Q(s, a)$ a step $\alpha_n$ towards each first-visit return, where $n$
# counts the pair's returns so far. With $\alpha_n = 1/n$ this is exactly the average of the
# returns; the library's default schedule, $\alpha_n = \max(\alpha_{\min}, \alpha\, n^{-0.7})$
# (chapter 4 discusses it), gives recent returns more weight:

# %%
show_beside(mc.learn_first_visits)

# %% [markdown]
# The episode is driven with $Q$ fixed and logged first; the driving loop records each
# $S_t, A_t$, the probability $b(A_t \mid S_t)$ that the driving policy gave $A_t$ (needed
# later), and each pair's first step:

# %%
show_source(mc.EpisodeLog, mc.behaviour_probability, mc.drive_episode)

# %% [markdown]
# ## Exploring starts, or a soft policy
#
# Averaging returns estimates $q_\pi$ only for the pairs $\pi$ visits. A greedy driver never
# tries the other actions, so it never finds out that one of them is better. Sutton &
# Barto give two remedies. **Exploring starts** (section 5.3) begin each episode in a random
# state with a random first action, so that every pair is a possible start. On the racetrack
# that changes the problem: the rules put the car on the start line at rest, and only these
# states can begin an episode:

# %%
print(f"states that can begin an episode: {len(model.start_states)} of {model.n_states:,}")

# %% [markdown]
# The other remedy keeps the problem as it is: an **epsilon-soft** policy (section 5.4), which
# gives every action in every state a probability of at least $\epsilon/|\mathcal A|$. The
# **epsilon-greedy** policy is one: with probability $\epsilon$ a uniformly random action, else
# a greedy one (ties broken at random), $\epsilon$ decaying with the episode number $e$ as
# $\epsilon_e = \max(\epsilon_{\min}, \epsilon_0 d^{\,e})$. Every pair the car reaches keeps being
# tried.
#
# ## On-policy Monte Carlo control
#
# Control alternates evaluation and improvement, as policy iteration did in chapter 2, but one
# episode at a time: drive an episode epsilon-greedily with respect to $Q$, move $Q$ towards
# its returns, and the next episode's policy is epsilon-greedy with respect to the new $Q$.
# This is **on-policy** control: the policy that is improved is the one that drives.

# %%
show_beside(mc.mc_episode)

# %% [markdown]
# Monte Carlo has defaults of its own: 1,000,000 episodes, with epsilon decaying by $d = 0.99999$
# per episode to a floor of 0.02 (the TD learners' defaults decay by 0.998 to 0.01, within about
# 2,300 episodes). Eight agents with them take too long to train in a chapter. They were trained by
# `scripts/record_monte_carlo.py` - exactly what `racetrack train track1 --method mc_on_policy
# --agents 8 --seed 0` trains - and their learning curves are loaded here (a test re-trains the
# start of the run and checks that it matches these curves number for number). For comparison,
# 8 one-step Q-learning agents train here with the library's TD defaults (chapter 4 teaches
# them; here they are a yardstick):

# %%
on_policy = saved_on_policy_run()
started = time.perf_counter()
q_learning = train(AgentConfig(), model, n_agents=8, seed=0, n_jobs=2)
print(f"Q-learning trained in {time.perf_counter() - started:.0f} s")
real_steps = {"on-policy MC": on_policy.eval_env_steps[:, -1],
              "Q-learning": q_learning.eval_env_steps[:, -1]}
for name, result in {"on-policy MC": on_policy, "Q-learning": q_learning}.items():
    print(f"{name:>12}: {result.config.num_episodes:>9,} episodes, median "
          f"{np.median(real_steps[name]) / 1e6:4.1f} M real steps per agent; final greedy "
          f"policies: {np.round(result.final_expected_steps, 2)}, median "
          f"{np.median(result.final_expected_steps):.2f}")
print(f"within 10 % of the optimum: <= {1.1 * optimum:.2f}")
MC_FINAL = np.median(on_policy.final_expected_steps)
TD_FINAL = np.median(q_learning.final_expected_steps)
STEPS_RATIO = np.median(real_steps["on-policy MC"]) / np.median(real_steps["Q-learning"])
print(f"Monte Carlo's real steps: {STEPS_RATIO:.0f} times Q-learning's")
band = 1.1 * optimum
median_curve = np.median(on_policy.greedy_expected_steps, axis=0)
entered = int(np.flatnonzero(median_curve <= band)[0])
later_above = int((median_curve[entered + 1:] > band).sum())
print(f"Monte Carlo's median curve first within 10 % after episode "
      f"{on_policy.eval_episodes[entered]:,} "
      f"({np.median(on_policy.eval_env_steps[:, entered]) / 1e6:.1f} M real steps); above the "
      f"band again at {later_above} of the {len(median_curve) - entered - 1} later evaluations")

# %% [markdown]
# Both final medians are within 10 % of the optimum, Monte Carlo's only just: its median curve
# first entered the band after 380,000 episodes and left it again at more than half of the
# later evaluations. Its agents drove 24 times Q-learning's real steps. Compared at equal real
# steps, where Q-learning stops (each agent read at its last evaluation within the budget):

# %%
def median_at(result, real_steps: float) -> float:
    """The agents' median exact expected steps at their last evaluation within ``real_steps``
    real steps (the curves of Figure 3.1, read at one budget)."""
    values = [curve[steps <= real_steps][-1] if (steps <= real_steps).any() else np.inf
              for curve, steps in zip(result.greedy_expected_steps, result.eval_env_steps,
                                      strict=True)]
    return float(np.median(values))


budget = float(np.median(real_steps["Q-learning"]))
mc_at_budget, td_at_budget = median_at(on_policy, budget), median_at(q_learning, budget)
print(f"at {budget / 1e6:.1f} M real steps per agent: Q-learning {td_at_budget:.2f}, "
      f"on-policy MC {mc_at_budget:.2f} expected steps (medians)")
assert MC_FINAL <= 1.1 * optimum and TD_FINAL <= 1.1 * optimum
assert STEPS_RATIO > 10 and np.isinf(mc_at_budget) and round(STEPS_RATIO) == 24
assert on_policy.eval_episodes[entered] == 380_000
assert 2 * later_above > len(median_curve) - entered - 1

# %% mystnb={"figure": {"name": "fig-3-1", "caption": "The exact expected steps of the greedy policy while learning, against the real steps each agent has driven: on-policy Monte Carlo control and one-step Q-learning, 8 agents each, with their defaults. Lines are medians, bands interquartile ranges; the grey band is within 10 % of the optimum."}}
_, ax = plt.subplots(figsize=(8, 4.2))
plotting.plot_learning_curves({"on-policy Monte Carlo": on_policy, "Q-learning (chapter 4)":
                               q_learning}, ax=ax)
ax.set_title("Figure 3.1: Monte Carlo and one-step TD at equal real steps (track 1)")
plt.show()

# %% [markdown]
# At Q-learning's budget the Monte Carlo agents' greedy policies do not even finish (their
# exact value is infinite, drawn at the top of the plot). Monte Carlo's early episodes, driven
# almost at random while epsilon is still large, are long:

# %%
early = int(np.flatnonzero(on_policy.eval_episodes == 10_000)[0])
early_steps = np.median(on_policy.eval_env_steps[:, early])
print(f"the first 10,000 episodes: {early_steps / 1e6:.1f} M real steps per agent (median), "
      f"{early_steps / 10_000:.0f} per episode; epsilon after them: "
      f"{on_policy.config.epsilon(10_000):.2f}")

# %% [markdown]
# Each of those episodes teaches only the pairs it visited, once it has ended. A TD update, by
# contrast, learns at every step, from a target that builds on the estimate of the next state
# (chapter 4).
#
# ## The exercise's output: drives from every start cell
#
# Exercise 5.12 asks to exhibit trajectories of the learned policy with the noise turned off.
# Below, the best of the 8 on-policy agents (its greedy policy was saved with the run) drives once from each of the 6 start cells on the
# noise-free track, beside the optimal policy of chapter 2 (its ties broken with random seed
# 5, as there). The noise-free model has the same states as the noisy one, so the same tables
# drive it.

# %% mystnb={"figure": {"name": "fig-3-2", "caption": "Noise-free drives from each of the 6 start cells (one colour each): the greedy policy of the best on-policy Monte Carlo agent, and the optimal policy of chapter 2. The title lists each drive's steps."}}
noiseless = rl.TabularModel.build("track1", noise=0.0)
assert noiseless.n_states == model.n_states
best = int(np.argmin(on_policy.final_expected_steps))
drivers = {
    f"on-policy MC agent {best}": saved_best_policy(),  # greedy, ties broken with seed 0
    "optimal (chapter 2)": rl.greedy_actions(solution.q_values, np.random.default_rng(5),
                                             tolerance=1e-9),
}
drives = {name: [rl.run_episode(noiseless, driver, np.random.default_rng(0), start_state=start)
                 for start in model.start_states] for name, driver in drivers.items()}
fig, axes = plt.subplots(1, 2, figsize=(10, 7))
for ax, (name, episodes) in zip(axes, drives.items(), strict=True):
    plotting.plot_drives(noiseless, episodes, ax=ax, title=name)
fig.suptitle("Figure 3.2: noise-free drives from every start cell (track 1)")
fig.tight_layout()
plt.show()
learned = drives[f"on-policy MC agent {best}"]
optimal = drives["optimal (chapter 2)"]
columns = [model.describe(start)[1] for start in model.start_states]
print("start column   learned steps (crashes)   optimal steps (crashes)")
for column, mine, best_drive in zip(columns, learned, optimal, strict=True):
    print(f"{column:12d}   {mine.n_steps:13d} ({mine.n_crashes})   {best_drive.n_steps:13d} "
          f"({best_drive.n_crashes})")
slower = [column for column, mine, best_drive in zip(columns, learned, optimal, strict=True)
          if mine.n_steps > best_drive.n_steps]
crashing = [column for column, mine in zip(columns, learned, strict=True) if mine.n_crashes]
assert slower == [6, 8] and crashing == [8] and max(columns) == 8
assert not any(drive.n_crashes for drive in optimal)

# %% [markdown]
# Without noise, the learned policy reaches the finish from every start cell. From four of
# them it is as fast as the optimal policy; from column 6 it takes a step more. From the
# rightmost start cell, column 8, its greedy action drives into the wall - with the noise off,
# the crash is the policy's own choice - and the car restarts on a random start cell (chapter 4
# meets the same choice in SARSA's agents). The optimal policy never crashes here.

# %% [markdown]
# ## Importance sampling: learning about one policy from another's episodes
#
# On-policy control learns the values of the policy that explores. To learn the values of
# the *greedy* policy $\pi$ while an epsilon-greedy policy $b$ drives, each return must be
# reweighted by how much more (or less) likely its trajectory is under $\pi$ than under $b$,
# the **importance-sampling ratio** (eq. 5.3); the transition probabilities cancel:
#
# $$
# \rho_{t:T-1} = \prod_{k=t}^{T-1} \frac{\pi(A_k \mid S_k)}{b(A_k \mid S_k)} .
# $$
#
# From $n$ episodes, **ordinary** importance sampling averages $\rho\,G$ (eq. 5.5, unbiased,
# but its variance can be large or even infinite); **weighted** importance sampling divides by
# the sum of the ratios instead of by $n$ (eq. 5.6, biased for few episodes, with far less
# variance):
#
# $$
# V_{\text{ordinary}} = \frac{\sum_i \rho_i G_i}{n}, \qquad
# V_{\text{weighted}} = \frac{\sum_i \rho_i G_i}{\sum_i \rho_i} .
# $$
#
# A greedy $\pi$ gives an action it would not take probability 0: one non-greedy action
# anywhere in an episode makes its ratio 0 (a random draw that happens to pick a greedy action
# does not). To see both estimators at work, let $b$ be
# epsilon-greedy ($\epsilon = 0.2$) around the optimal policy of chapter 2, and estimate the
# value of that optimal policy from the start line, whose exact value we know: minus the
# optimum. `drive_episode` logs $b(A_t \mid S_t)$; $\pi$ breaks ties at random, so it gives
# each of the $k$ tied greedy actions $1/k$.

# %%
def greedy_probability(q_values: np.ndarray, state: int, action: int) -> float:
    """pi(a | s) of the greedy policy that breaks ties at random."""
    best_actions = np.flatnonzero(q_values[state] == q_values[state].max())
    return 1.0 / len(best_actions) if action in best_actions else 0.0


behaviour_log = mc.new_episode_log(model.n_states, model.n_actions, 10_000)
rng = np.random.default_rng(2)
ratios, returns = [], []
for _ in range(4000):
    steps, _ = mc.drive_episode(model.tables, solution.q_values, behaviour_log, 0.2, 10_000,
                                rng)
    ratio = 1.0
    for t in range(steps):
        state, action = behaviour_log.states[t], behaviour_log.actions[t]
        behaviour_log.first_step[state, action] = -1  # this demo keeps no first visits
        ratio *= (greedy_probability(solution.q_values, state, action)
                  / behaviour_log.behaviour_probabilities[t])
    ratios.append(ratio)
    returns.append(-float(steps))
ratios, returns = np.array(ratios).reshape(400, 10), np.array(returns).reshape(400, 10)
ordinary = (ratios * returns).sum(axis=1) / 10  # 400 estimates, from 10 episodes each
with np.errstate(invalid="ignore"):  # a batch with no greedy episode has no weighted estimate
    weighted = (ratios * returns).sum(axis=1) / ratios.sum(axis=1)
print(f"episodes that the greedy policy could have driven (ratio > 0): "
      f"{(ratios > 0).mean():.0%}; largest ratio {ratios.max():.1f}")
print(f"true value from the start line: {-optimum:.2f}")
print(f"estimates from 10 episodes, over 400 batches: ordinary mean {ordinary.mean():.2f} "
      f"(standard error {ordinary.std() / np.sqrt(400):.2f}), std {ordinary.std():.2f}; "
      f"weighted mean {np.nanmean(weighted):.2f}, std {np.nanstd(weighted):.2f} "
      f"({np.isnan(weighted).sum()} batches without one)")
both = ~np.isnan(weighted)  # the batches that have both estimates
print(f"over the {both.sum()} batches with both: std ordinary {ordinary[both].std():.2f}, "
      f"weighted {weighted[both].std():.2f}")
assert ordinary[both].std() > 5 * weighted[both].std()

# %% [markdown]
# Only the episodes with no non-greedy action have a ratio above 0, and their ratio, the
# product of $\pi(A_t \mid S_t)/b(A_t \mid S_t)$, is large. Ordinary importance sampling
# averages a few large terms and many zeros, and single estimates scatter widely. The weighted
# estimate is the average of the greedy episodes' returns, weighted by their ratios; on the
# batches that have both, its spread is a small fraction of the ordinary one's (printed above),
# at the price of having no estimate at all from a batch with no greedy episode.

# %% [markdown]
# ## Off-policy Monte Carlo control
#
# Sutton & Barto's off-policy control algorithm (section 5.7) learns the greedy policy's values
# with weighted importance sampling, incrementally: each pair keeps $C(s, a)$, the sum of the
# weights of its returns so far, and moves $Q(s, a)$ by $W / C(s, a)$ of the way to each new
# return (eq. 5.8). Going backwards through the episode, the weight $W$ of the return from
# step $t$ is the ratio of the steps after it. Once an action is one the greedy policy would
# not take, every earlier step's ratio is 0, and learning stops: only the **tail** of the
# episode after its last non-greedy action teaches anything. (The library counts in the tail the
# step where learning stops too: that pair is updated before the test.)

# %%
show_beside(mc.learn_weighted_importance)

# %% [markdown]
# How long are the tails? One off-policy agent with its defaults (2,000 episodes, the TD
# schedule of epsilon), driven and learned episode by episode, recording each episode's length
# and the number of pairs it updated:

# %%
off_config = for_method("mc_off_policy")
off_learner = Learner.new(model, off_config)
rng = np.random.default_rng(0)
off_steps, tails = [], []
for episode in range(off_config.num_episodes):
    steps, finished = mc.drive_episode(model.tables, off_learner.q_values,
                                       off_learner.episode_log, off_config.epsilon(episode),
                                       off_config.max_episode_steps, rng)
    assert finished
    tails.append(mc.learn_weighted_importance(
        off_learner.q_values, off_learner.visits, off_learner.weights, off_learner.episode_log,
        steps, off_config.gamma))
    off_steps.append(steps)
off_steps, tails = np.array(off_steps), np.array(tails)
print(f"{'episodes':>11} {'epsilon':>8} {'mean T':>8} {'mean tail':>10} "
      f"{'tail > 1':>9} {'whole':>6}")
for first in range(0, off_config.num_episodes, 400):
    block = slice(first, first + 400)
    print(f"{first + 1:>5}-{first + 400:<5} {off_config.epsilon(first + 399):>8.3f} "
          f"{off_steps[block].mean():>8.0f} "
          f"{tails[block].mean():>10.2f} "
          f"{(tails[block] > 1).mean():>9.0%} {(tails[block] == off_steps[block]).mean():>6.0%}")
print(f"steps learned from: {tails.sum():,} of {off_steps.sum():,} "
      f"({tails.sum() / off_steps.sum():.2%}); episodes learned whole: "
      f"{(tails == off_steps).sum()}")

# %% [markdown]
# As epsilon decays, more episodes are learned beyond their last step, but the tails stay a
# couple of steps long, and not one episode of the 2,000 is learned whole. And the episodes
# grow longer, not shorter.
#
# The table $Q$ starts at 0, above every true value. After its update, $Q(S_t, A_t)$ is a
# negative return, so $A_t$ stays greedy only if every other action of $S_t$ has been updated
# too, with a value no higher; an action never updated keeps its 0 and is the greedy one. The
# loop above does not record why each tail stopped, so the next cell replays the question on
# the final table; it counts how many visited states still have an action never updated:

# %%
updated_actions = (off_learner.visits > 0).sum(axis=1)
visited = updated_actions > 0
print(f"states with some action updated: {visited.sum():,}; with all 9: "
      f"{(updated_actions == 9).sum():,}")
greedy = rl.greedy_actions(off_learner.q_values, np.random.default_rng(0))
stays = [s for s in model.start_states if model.tables.next_states[s, greedy[s], 0] == s]
start_updates = off_learner.visits[model.start_states].sum(axis=1)
print(f"start cells where the greedy action keeps the car standing still: {len(stays)} of "
      f"{len(model.start_states)}")
print(f"updates of any action on each start cell: {start_updates.tolist()}")
off_value = expected_steps_of_greedy(model, off_learner.q_values, np.random.default_rng(0))
print(f"exact expected steps of the greedy policy after {off_config.num_episodes:,} episodes: "
      f"{off_value}")

assert np.isinf(off_value) and stays and (updated_actions == 9).sum() < visited.sum()
assert all(off_learner.visits[s].sum() == 0 for s in stays)

# %% [markdown]
# No action of the start line, where every episode begins, was updated in 2,000 episodes:
# there all nine actions keep $Q = 0$ and tie. The greedy policy evaluated here breaks those
# ties once, at random, and on 3 of the 6 start cells picked an action that keeps the car at
# rest. A policy that stands still for ever never finishes: its exact value is infinite.
#
# Sutton & Barto (section 5.7) warn that this method learns only from the tails of episodes,
# and so slowly when non-greedy actions are common. Temporal-difference learning (chapter 4)
# learns the greedy policy's values from every step.

# %% [markdown]
# ## Explore
#
# The explorer trains 4 on-policy Monte Carlo agents with your settings for 10,000 episodes
# (evaluated every 500) and draws their exact learning curves against real steps. So that it
# retrains in seconds, it opens on a faster schedule than the Monte Carlo defaults: epsilon
# decays by 0.9994 per episode and reaches its floor of 0.02 after about 6,500 episodes.
#
# **Question**: Monte Carlo's defaults decay epsilon slowly. Set the decay to the TD default,
# 0.998, so that epsilon reaches its floor after about 2,000 episodes. Where does the median
# curve end after 10,000 episodes? Then try a floor of 0.1 instead of 0.02.

# %%
def explore_monte_carlo(track: str = "track1", epsilon_decay: float = 0.9994,
                        epsilon_min: float = 0.02, alpha_power: float = 0.7,
                        alpha_min: float = 0.02) -> None:
    """Train 4 on-policy Monte Carlo agents for 10,000 episodes; draw their learning curves."""
    explorer_config = for_method("mc_on_policy", epsilon_decay=epsilon_decay,
                                 epsilon_min=epsilon_min, alpha_power=alpha_power,
                                 alpha_min=alpha_min, num_episodes=10_000)
    result = train(explorer_config, track, n_agents=4, seed=0, eval_every=500, n_jobs=2)
    _, ax = plt.subplots(figsize=(7.5, 4))
    plotting.plot_learning_curves({"on-policy Monte Carlo": result}, ax=ax)
    ax.set_title(f"{track}: final median {np.median(result.final_expected_steps):.2f} steps, "
                 f"optimum {result.optimal_expected_steps:.2f}")
    plt.show()


# %% tags=["hide-input"]
# NBVAL_IGNORE_OUTPUT
labels = {"style": {"description_width": "110px"}}  # room for the longest name
slider = {"continuous_update": False, **labels}  # retrain on release, not while dragging
widgets.interact(
    explore_monte_carlo,
    track=widgets.Dropdown(options=["track1", "track2"], **labels),
    epsilon_decay=widgets.FloatLogSlider(value=0.9994, base=10, min=-0.001, max=0,
                                         step=0.00001, readout_format=".5f", **slider),
    epsilon_min=widgets.FloatSlider(value=0.02, min=0.0, max=0.5, step=0.01, **slider),
    alpha_power=widgets.FloatSlider(value=0.7, min=0.0, max=1.0, step=0.05,
                                    description="omega", **slider),
    alpha_min=widgets.FloatSlider(value=0.02, min=0.0, max=0.5, step=0.01, **slider),
);

# %% [markdown]
# ## Your turn: returns and the weighted update
#
# The library learns from returns inside compiled loops. Here you write the two pieces of this
# chapter yourself, in plain Python (NumPy allowed). Each check below calls your function on
# many inputs (episodes of one step and of several, rewards other than -1, discounts, tables
# with ties), compares its answers with the library's, and stops at the first one that differs:
# it names the input, what was expected, what came back, and the idea you missed. Once your
# function is right, the check uses it on track 1.
#
# **Exercise 3.1: the returns of an episode.** Write `episode_returns(rewards, gamma)`:
# `rewards` lists the rewards $R_1, R_2, \dots, R_T$ of an episode, so `rewards[t]` is
# $R_{t+1}$, the reward of the step taken at time $t$; return the list
# $[G_0, G_1, \dots, G_{T-1}]$ of eq. 3.9. The check gives any rewards, not only $-1$, and
# discounts below 1.

# %% tags=["hide-input"] nbgrader={"grade": false, "grade_id": "episode_returns", "locked": false, "schema_version": 3, "solution": true, "task": false}
def episode_returns(rewards, gamma):
    ### BEGIN SOLUTION
    following = 0.0  # G_T = 0
    backwards = []  # G_{T-1}, G_{T-2}, ..., G_0
    for reward in reversed(rewards):  # rewards[t] is R_{t+1}
        following = reward + gamma * following  # G_t = R_{t+1} + gamma * G_{t+1}
        backwards.append(following)
    return backwards[::-1]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_episode_returns", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
exercises.check_episode_returns(episode_returns)

# %% [markdown]
# **Exercise 3.2: the weighted importance-sampling update.** Write
# `weighted_importance_update(q_values, cumulative_weights, episode, gamma)`: the backward loop
# of `mc.learn_weighted_importance` (shown above) for one episode, given as a list of steps
# `(state, action, reward, behaviour_probability)`, that is $(S_t, A_t, R_{t+1}, b(A_t \mid
# S_t))$ for $t = 0, \dots, T - 1$. Update $Q$ (`q_values`, shape `(n_states, 9)`) and $C$
# (`cumulative_weights`, the same shape) in place, and return nothing. The target policy is
# greedy with random ties, as in `greedy_probability` above: $\pi(a \mid s) = 1/k$ for each of
# the $k$ actions tied for the largest $Q(s, \cdot)$ (compare the values exactly, with `==`),
# and 0 for the others - with $Q$ as just updated at this step, as in the box of section 5.7. The check runs your update and the library's on small tables, with
# episodes of up to 6 steps, and compares both tables after.

# %% tags=["hide-input"] nbgrader={"grade": false, "grade_id": "weighted_importance_update", "locked": false, "schema_version": 3, "solution": true, "task": false}
import numpy as np


def weighted_importance_update(q_values, cumulative_weights, episode, gamma):
    ### BEGIN SOLUTION
    ret, weight = 0.0, 1.0  # G and W
    for state, action, reward, behaviour_probability in reversed(episode):
        ret = gamma * ret + reward
        cumulative_weights[state, action] += weight
        q_values[state, action] += (weight / cumulative_weights[state, action]
                                    * (ret - q_values[state, action]))
        row = q_values[state]
        greedy = np.flatnonzero(row == row.max())  # under the updated Q
        if action not in greedy:  # pi(A_t | S_t) = 0: no earlier return counts
            return
        weight *= (1 / len(greedy)) / behaviour_probability  # pi(A_t | S_t) / b(A_t | S_t)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_weighted_importance_update", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
exercises.check_weighted_importance_update(weighted_importance_update)

# %% [markdown]
# ## Exercises
#
# 1. **Every visit.** Change `learn_first_visits` into every-visit Monte Carlo (learn from
#    the return after *every* visit of a pair). Run it on the logged episode at the start of
#    this chapter: how many updates does it make, against the first-visit rule's 563?
# 2. **Ordinary or weighted.** Repeat the importance-sampling experiment with
#    $\epsilon = 0.5$. What happens to the share of episodes with a non-zero ratio, and to the
#    spread of each estimator?
#
# <details><summary>Solutions</summary>
#
# 1. Drop the test `first_step[state, action] == step` (update at every step): it makes one
#    update per step, 833, of which 270 repeat a pair already updated in the same episode.
#    Each of those later-in-time visits has a shorter return than the first visit of the
#    same pair, so every-visit estimates are more optimistic early on; both converge (Sutton &
#    Barto section 5.1).
# 2. Measured (seed 2, 400 batches of 10 episodes): only 0.6 % of the episodes are entirely
#    greedy (15 % at $\epsilon = 0.2$), and their ratios reach 534 (47.5). 95 % of the
#    batches have ratio 0 everywhere: their ordinary estimate is 0, far from the true value,
#    and their weighted estimate does not exist. The ordinary estimator's spread grows from
#    13.7 to 77, and its mean drifts to -16.2; the weighted estimator exists for 22 batches
#    only, with a mean of -12.00 and a spread of 0.85.
#
# </details>

# %% [markdown]
# ## Summary
#
# - Monte Carlo learns $Q(s, a)$ from returns, $G_t = R_{t+1} + \gamma G_{t+1}$, computed
#   backwards once an episode has ended; first-visit Monte Carlo learns from the return after a
#   pair's first visit in each episode.
# - Only the 6 start states can begin an episode, so instead of exploring starts the agent
#   explores with an epsilon-soft (epsilon-greedy) policy.
# - On-policy Monte Carlo control, with its defaults (1,000,000 episodes, epsilon decaying to
#   0.02), gets the median of 8 agents to 13.14 expected steps, within 10 % of the optimum's
#   12.10, after 49 million real steps per agent; Q-learning gets to 12.78 with 2 million.
#   Without noise, the best agent's policy finishes from every start cell, from four of them as
#   fast as the optimal policy.
# - Importance sampling learns about one policy from another's episodes; weighted importance
#   sampling has a far smaller spread than the ordinary estimator, and no estimate from a batch
#   without a greedy episode.
# - Off-policy Monte Carlo control with a greedy target learns only the tail of each episode
#   after its last non-greedy action: here 0.04 % of the steps driven, and no action of the
#   start line in 2,000 episodes. There its greedy policy breaks ties between zeros, stands
#   still on 3 of the 6 start cells, and never finishes.
#
# **Next**: [chapter 4](04_td_learning.ipynb) learns from every step as it happens, by
# bootstrapping on its own estimates: temporal-difference learning.

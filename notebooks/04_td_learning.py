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
# # TD learning: Q-learning and SARSA
#
# **What you will learn**
# - the temporal-difference idea: learn from every step by *bootstrapping* on your own
#   estimates, through the TD error $\delta$;
# - Q-learning (off-policy) and SARSA (on-policy), as the library implements them;
# - epsilon-greedy exploration, why its ties must be broken at random, and why epsilon decays;
# - per-pair step sizes, and what their floor buys and gives up;
# - how to train several independent agents reproducibly and measure them *exactly* against the
#   optimum of chapter 2, with two measures of "within 10 % of the optimum";
# - what on-policy learning changes in how the car drives, measured exactly on the model.
#
# **Time**: about 45 minutes. **Needs**: chapters 1 and 2.

# %%
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import racetrack_lib as rl
from racetrack_lib import greedy_evaluation, plotting, policy, recorded_sweeps, step_size, td
from racetrack_lib.config import AgentConfig
from racetrack_lib.exercises import ch04 as exercises
from racetrack_lib.policy_analysis import (
    analyse_policy,
    crash_probabilities,
    epsilon_greedy_probabilities,
)
from racetrack_lib.show import show_source
from racetrack_lib.training import Learner, run_episodes, train

# %%
model = rl.TabularModel.build("track1", noise=0.1)
optimum = rl.expected_steps_from_start(model, rl.value_iteration(model).values)
print(f"track 1, noise 0.1: the optimum is {optimum:.3f} expected steps (chapter 2)")

# %% [markdown]
# ## Learning without a model
#
# Chapter 2 knew the dynamics and solved the Bellman equation. A learning agent only drives: it
# sees a state $s$, takes an action $a$, gets a reward $r$ and lands in $s'$. Temporal-difference
# (TD) learning turns every such step into an update of its action-value table $Q$. It compares
# its current estimate $Q(s, a)$ with a *target* built from what just happened plus its own
# estimate of what comes next, and moves part of the way, the step size $\alpha$, towards it
# (Sutton & Barto, chapter 6):
#
# $$
# \delta = \underbrace{r + \gamma\, Q(s', a')}_{\text{target}} - Q(s, a), \qquad
# Q(s, a) \leftarrow Q(s, a) + \alpha\, \delta .
# $$
#
# $\delta$ is the **TD error** (eq. 6.5, for action values). The target uses the agent's own
# estimate $Q(s', \cdot)$: it *bootstraps*. It need not wait for the end of the episode, as a
# Monte Carlo method would; after the finishing step the target is just $r$.
#
# Which $a'$? That is the difference between the two algorithms of this chapter:
#
# | | target | learns the value of |
# |---|---|---|
# | **SARSA** (eq. 6.7) | $r + \gamma\, Q(s', a')$, $a'$ the action the agent takes next | the policy it follows, exploration included (*on-policy*) |
# | **Q-learning** (eq. 6.8) | $r + \gamma \max_{b} Q(s', b)$ | the greedy policy, whatever it does meanwhile (*off-policy*) |
#
# The library's functions say exactly this:

# %%
show_source(td.Transition, td.td_target, td.td_update)

# %% [markdown]
# ## Exploring: epsilon-greedy, with honest ties
#
# An agent that always takes its best-looking action never finds out about the others. With
# probability $\epsilon$ the agent picks an action uniformly at random, otherwise a greedy one.
#
# The greedy choice hides a trap. The table starts at zero everywhere, so in a new state all
# nine actions tie. `np.argmax` returns the *first* of tied actions: such an agent would always
# try action 0, $(-1, -1)$, first, everywhere - an action that at rest does nothing at all. A
# systematic bias, not exploration. The library breaks
# ties uniformly at random, in two cheap passes over the nine values (a third only when there
# are ties):

# %%
show_source(policy.greedy_action, policy.explore, policy.epsilon_greedy)

# %% [markdown]
# Starting at $Q = 0$ is also *optimistic* (Sutton & Barto section 2.6): every true value here is
# negative (each step costs 1), so an action already tried looks worse than one never tried, and
# even the greedy choice tries the untried ones.
#
# ### The epsilon schedule
#
# Exploration is expensive once the agent knows the track, so $\epsilon$ decays with the episode
# number $e$: $\epsilon_e = \max(\epsilon_{\min}, \epsilon_0 \cdot d^{\,e})$. The library's
# defaults are below.

# %% mystnb={"figure": {"name": "fig-4-1", "caption": "The default epsilon schedule: 1 at first, multiplied by 0.998 after every episode, never below 0.01 (reached at about episode 2,300)."}}
config = AgentConfig()
print(config)
episodes = np.arange(config.num_episodes)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(episodes, [config.epsilon(e) for e in episodes])
ax.set_xscale("log")
ax.set_xlabel("episode e")
ax.set_ylabel(r"$\epsilon_e$")
ax.set_title("Figure 4.1: the default epsilon schedule")
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# ### How big a step: one step size per pair
#
# A constant $\alpha$ keeps every estimate chasing its most recent targets, which are noisy here
# (the track is noisy and the next action is random while exploring). The average of all the
# targets seen would be steadier: that is $\alpha = 1/n$ after $n$ visits of a pair (Sutton &
# Barto eq. 2.3-2.4). The library gives each pair $(s, a)$ its own count $n(s, a)$ and step size
#
# $$
# \alpha_n = \max\left(\alpha_{\min},\; \alpha \cdot n^{-\omega}\right).
# $$
#
# $\omega = 0$ is a constant $\alpha$; $\omega = 1$, $\alpha = 1$, $\alpha_{\min} = 0$ is the plain
# average. Without a floor ($\alpha_{\min} = 0$), any $0.5 < \omega \le 1$ meets the two conditions
# of Sutton & Barto's eq. 2.7, under which estimates of a fixed target converge: the step sizes
# sum to infinity, their squares do not. The library's defaults are $\alpha = 1$, $\omega = 0.7$
# and a floor $\alpha_{\min} = 0.02$, and the floor breaks the second condition: from the visit
# where $\alpha n^{-\omega}$ falls below 0.02 on, the step size is the constant 0.02, and the sum of
# the squared step sizes grows without bound. The defaults therefore do *not* meet eq. 2.7.
#
# What the floor buys: the targets here are not drawn from a fixed distribution. They move as the
# policy and the other estimates improve, so old targets are out of date. Without the floor, a
# pair visited 100,000 times would move by 0.0003 of each new target's error, hardly following at
# all; at the floor, each new target keeps the same weight, and an old target's weight halves
# with every 34 later updates of the pair. What it gives up: the estimates never settle. Like any
# constant step size, the floor keeps them moving with the latest targets (Sutton & Barto section
# 2.5). The schedule is tabulated once, until it reaches the floor, so the compiled loop looks the
# step size up:

# %%
show_source(step_size.step_size_table, step_size.count_visit, step_size.step_size)
schedule = config.step_sizes()
no_floor = step_size.step_size_table(config.alpha, config.alpha_power, 0.0)
half_life = np.log(0.5) / np.log(1 - config.alpha_min)
print(f"alpha_n = {schedule[0]:.2f}, {schedule[1]:.3f}, {schedule[9]:.3f}, {schedule[99]:.3f} "
      f"after 1, 2, 10, 100 visits; the floor {config.alpha_min} from visit {len(schedule)} on")
print(f"without the floor: {no_floor[99_999]:.4f} at visit 100,000; at the floor a target's "
      f"weight halves every {half_life:.1f} updates")
assert 0.0003 <= no_floor[99_999] < 0.00035 and 34 < half_life < 35  # "0.0003", "every 34"

# %% [markdown]
# Each pair has its own count: a pair first tried late in training still takes large steps, while
# the pairs of the start line, where every episode begins and every crash restarts, reach the
# floor. How much of the
# learning happens at the floor? One agent trained with the defaults (the training machinery comes
# below; `Learner` keeps its visit counts $n(s, a)$):

# %%
learner = Learner.new(model, config)
run_episodes(learner, model, config, np.random.default_rng(0), 0, config.num_episodes)
floor_from = len(schedule)  # the first visit made with the floor's step size
updates = learner.visits.sum()
at_floor = np.maximum(learner.visits - (floor_from - 1), 0).sum()
print(f"one agent, {config.num_episodes:,} episodes: {updates:,} updates, {at_floor:,} of them "
      f"({100 * at_floor / updates:.0f} %) with the floor's step size; "
      f"{(learner.visits >= floor_from).sum():,} of the {(learner.visits > 0).sum():,} pairs it "
      f"tried reached the floor")
assert 0.4 < at_floor / updates < 0.65  # "about half of its updates"
assert (learner.visits >= floor_from).sum() < 0.1 * (learner.visits > 0).sum()  # "under a tenth"
assert (learner.visits[model.start_states] >= floor_from).all()  # "the start line ... reach it"

# %% [markdown]
# About half of its updates were made with the floor's step size, by under a tenth of the pairs it
# tried: those it tried 268 times or more.

# %% [markdown]
# ## The whole algorithm
#
# One episode, for either target, reads like the pseudocode of Sutton & Barto (sections 6.4 and
# 6.5). The car starts on a random start cell; a crash is an ordinary step back to the start line.
# Note that the greedy action of $s'$ serves twice: it is the action taken when not exploring,
# and its value *is* $\max_b Q(s', b)$, the Q-learning target. The step itself is chapter 1's
# `sample_transition`, the same function the Gymnasium environment uses. The loop reads three
# records: `mdp`, the track's tables; `learner`, the agent's arrays ($Q$, the visit counts, the
# step sizes); and `settings`, what the configuration fixes for the whole run (the target as a
# code, $\gamma$, the step limit).

# %%
show_source(td.td_episode)

# %% [markdown]
# The loop is compiled by [numba](https://numba.pydata.org). Its speed in this run is printed
# below, in real steps per second of one agent's learning loop on one core (the exact evaluations
# excluded); `benchmarks/bench_td.py` measures it side by side with a textbook loop over a
# Gymnasium environment. Setting the environment variable `NUMBA_DISABLE_JIT=1` runs the very
# same code as plain Python, for stepping through it in a debugger; a test checks that both give
# identical numbers.
#
# ## Several agents, seeded, measured exactly
#
# One learning run is one draw of a random process. We train **8 independent agents**: each has
# its own table and its own random stream, derived from one seed by
# `np.random.SeedSequence(seed).spawn(8)`, so agent $i$ is the same agent whether it trains
# alone or beside a hundred others.
#
# Every 1,000 episodes (and early on after 1, 2, 5, 10, 20, ... episodes, where the curve moves
# fastest), each agent's greedy policy is evaluated **exactly** on the model: its expected number
# of steps from the start line, computed as in chapter 2 but only on the states that policy can
# reach (`racetrack_lib/greedy_evaluation.py` explains how; the time one evaluation takes in this run is
# printed below). That is the true learning curve, with no sampling noise from the evaluation
# itself. The evaluations draw their tie-breaking from a stream of their own, so evaluating more
# or less often never changes what an agent learns. `n_jobs=2` trains two agents at once, in two
# threads: for the same reason, the numbers are exactly those of one at a time (a test checks
# it), only sooner on two cores.
#
# ### How fast an agent learns: two measures
#
# This book measures the speed of learning in **real steps**, the steps the car actually drives,
# by two numbers read off each agent's learning curve:
#
# - **steps to within 10 %** (`TrainingResult.steps_to_within(0.10)`): the real steps the agent had
#   taken at the *first* evaluation where its greedy policy was within 10 % of the optimum, that
#   is, where its exact expected steps were at most 1.1 times the optimum's (the grey band of the
#   figures below);
# - **steps to stay within 10 %** (`steps_to_stay_within(0.10)`): the real steps at the first
#   evaluation from which the policy is within 10 % at *every* later evaluation - never, if the
#   final policy is outside. A policy can enter the band and leave it again, so this one is never
#   smaller.
#
# Over 8 agents we report medians, an agent that never got there counting as infinitely slow
# (`median_steps_to_within`, `median_steps_to_stay_within`; the command-line tool writes both per
# agent, as `steps_to_within_10pct` and `steps_to_stay_within_10pct`).

# %%
started = time.perf_counter()
results = {
    "Q-learning": train(AgentConfig(target="q_learning"), model, n_agents=8, seed=0, n_jobs=2),
    "SARSA": train(AgentConfig(target="sarsa"), model, n_agents=8, seed=0, n_jobs=2),
}
print(f"trained 2 x 8 agents x {config.num_episodes:,} episodes in "
      f"{time.perf_counter() - started:.1f} s")
for label, result in results.items():
    finals = result.final_expected_steps
    first, stay = result.steps_to_within(0.10), result.steps_to_stay_within(0.10)
    left = np.isfinite(first) & ~(stay <= first)  # entered the band, then left it at least once
    speed = result.env_steps / result.eval_seconds[:, -1].sum()  # learning loops only
    print(f"{label}: final greedy policies median {np.median(finals):.2f} steps "
          f"({100 * (np.median(finals) / optimum - 1):.1f} % above the optimum), "
          f"range {finals.min():.2f}-{finals.max():.2f}, {(finals > 1.1 * optimum).sum()} of 8 "
          f"outside the band\n"
          f"  median real steps to within 10 %: {result.median_steps_to_within() / 1e6:.2f} M, "
          f"to stay within: {result.median_steps_to_stay_within() / 1e6:.2f} M "
          f"(of {np.median(result.eval_env_steps[:, -1]) / 1e6:.2f} M in all); "
          f"{left.sum()} of 8 entered the band and left it again\n"
          f"  compiled learning loop, per agent on one core, evaluations excluded "
          f"({speed / 1e6:.1f} M steps/s)")
q_tables = results["Q-learning"].q_values
greedy_evaluation.expected_steps_of_greedy(model, q_tables[0], np.random.default_rng(0))  # warm up
started = time.perf_counter()
for q_values in q_tables:
    greedy_evaluation.expected_steps_of_greedy(model, q_values, np.random.default_rng(0))
print(f"one exact evaluation of a final greedy policy: "
      f"{1000 * (time.perf_counter() - started) / len(q_tables):.2f} ms")

# %% mystnb={"figure": {"name": "fig-4-2", "caption": "The exact expected steps of the greedy policy while learning, against the real steps each agent has driven, Q-learning and SARSA, 8 agents each: lines are medians, shaded bands the interquartile ranges, the grey band is within 10 % of the optimum."}}
fig, ax = plt.subplots(figsize=(7.5, 4.2))
plotting.plot_learning_curves(results, ax=ax)
ax.set_title("Figure 4.2: exact value of the greedy policy while learning (track 1)")
plt.show()

# %%
q_result, sarsa_result = results["Q-learning"], results["SARSA"]
q_finals = q_result.final_expected_steps
early = list(q_result.eval_episodes).index(100)
assert np.median(q_result.greedy_expected_steps[:, early]) > 200  # "hundreds of steps"
assert np.median(q_finals) <= 1.10 * optimum  # the text below says "within 10 %"
assert 1.4e6 < q_result.median_steps_to_within() < 1.55e6  # Q-learning "about 1.5 million"
assert sarsa_result.median_steps_to_within() < 1.0e6  # SARSA "under a million"
assert (q_finals > 1.10 * optimum).sum() == 2  # "two ... outside"
assert np.isfinite(q_finals).all() and np.isfinite(sarsa_result.final_expected_steps).all()
for result in results.values():  # "every one of the 16 agents left the band again"
    assert (result.steps_to_stay_within() > result.steps_to_within()).sum() + np.isnan(
        result.steps_to_stay_within()).sum() == 8
assert 1.9e6 < q_result.median_steps_to_stay_within() < 2.05e6  # "about 2 million"
assert 1.2e6 < sarsa_result.median_steps_to_stay_within() < 1.45e6  # "about 1.3 million"
assert np.median(sarsa_result.final_expected_steps) < np.median(q_finals)  # SARSA ends better

# %% [markdown]
# For the first hundred episodes or so (the left of the figure, where epsilon is still near 1) the
# greedy policies need hundreds of steps or never finish at all; they are drawn at the top edge.
# Then the medians get within 10 % of the optimum (the grey band): SARSA's agents first get there
# after under a million real steps each (median), Q-learning's after about 1.5 million. Entering
# the band is not staying in it: every one of the 16 agents left it again at least once, and two of
# the 8 Q-learning agents end outside it. The stricter measure, steps to *stay* within 10 %, is
# about 1.3 million real steps for SARSA and about 2 million for Q-learning, near the end of its
# training. The median is the honest summary of 8 agents, the shaded band shows their spread.
#
# After 100,000 episodes neither reaches the optimum. From about episode 2,300 on, epsilon is at
# its floor of 0.01, and the agents mostly drive their greedy line. Whether exploring more would
# have helped is measured at the end of the next section, at equal real experience.
#
# One learned driver, the agent whose greedy policy ended best:

# %% mystnb={"figure": {"name": "fig-4-3", "caption": "The greedy policy of the best Q-learning agent, driven once from the start line."}}
best = int(np.argmin(q_finals))
learned_policy = rl.greedy_actions(results["Q-learning"].q_values[best], np.random.default_rng(0))
episode = rl.run_episode(model, learned_policy, np.random.default_rng(7))
plotting.plot_episode(model, episode,
                      title=f"Figure 4.3: Q-learning agent {best}, expected {q_finals[best]:.2f} steps")
plt.show()

# %% [markdown]
# ## On-policy and off-policy near the walls
#
# Sutton & Barto's cliff-walking example (Example 6.6) shows the difference between the two
# targets. Q-learning learns the values of the *greedy* policy, so it learns to walk along the
# edge of the cliff; but it keeps *exploring* while it walks, and an exploratory step there ends
# in the cliff. SARSA learns the values of what it actually does, exploration included, and learns
# the safer path further from the edge. Does the same happen beside the walls of the racetrack?
#
# With the default schedule, which explores in only 1 % of the steps from episode 2,300 on, the
# pattern does not show: SARSA's greedy policies ended *better* than Q-learning's (12.32 against
# 12.78 steps, printed above). To see what on-policy learning changes, both learn here with a
# constant $\epsilon = 0.5$ for 100,000 episodes, and we evaluate exactly, for each learned table,
# both the greedy policy and the $\epsilon$-greedy policy the agent actually drives with
# ($\pi(a \mid s) = \epsilon/9$, plus $1 - \epsilon$ on the greedy action). The library's
# `policy_analysis` module computes, from the same tables as chapter 2's policy evaluation, each
# policy's expected steps, the probability that an episode has a crash, and where the car spends
# its steps:

# %%
show_source(analyse_policy)

# %% [markdown]
# Training these 16 agents takes too long to repeat every time the chapter runs (the time it took
# is printed below), so `python scripts/record_sweeps.py cliff` (from a clone of the repository)
# trained them once and saved, in the library's `data` folder (installed with it), their
# learning curves and each agent's final greedy policy (ties broken as everywhere in this
# chapter, `greedy_actions` with a generator seeded 0), which is all the analysis below reads.
# `recorded_sweeps.saved_sweep("cliff")` and `saved_tables("cliff")` load them wherever the
# chapter runs, after checking that they were trained with the settings of this version of the
# library. The numbers are what the library computes: a test re-trains the start of both
# settings and compares, and the cell re-trains one agent to the end.

# %%
exploring = 0.5
cliff_results = recorded_sweeps.saved_sweep("cliff")  # by target: "q_learning", "sarsa"
greedy_policies = {target: kept["greedy policies"]  # per target: (8 agents, states)
                   for target, kept in recorded_sweeps.saved_tables("cliff").items()}
for target, result in cliff_results.items():  # what was trained
    assert result.config == AgentConfig(target=target, epsilon_start=exploring,
                                        epsilon_decay=1.0, epsilon_min=exploring,
                                        num_episodes=100_000)
print(f"recorded by scripts/record_sweeps.py: 2 x 8 agents x 100,000 episodes, trained in "
      f"{sum(result.seconds for result in cliff_results.values()):.0f} s on the machine that "
      "ran it")
again = train(cliff_results["sarsa"].config, model, n_agents=1, seed=0)  # agent 0, re-trained
identical = (np.array_equal(again.greedy_expected_steps,
                            cliff_results["sarsa"].greedy_expected_steps[:1])
             and np.array_equal(rl.greedy_actions(again.q_values[0], np.random.default_rng(0)),
                                greedy_policies["sarsa"][0]))
print(f"SARSA, agent 0 re-trained: every evaluation and its greedy policy identical to the "
      f"recorded ones: {identical}")
assert identical

analyses = {}  # per learner, per agent: (greedy policy, epsilon-greedy policy)
for target, policies in greedy_policies.items():
    analyses[target] = [(analyse_policy(model, greedy),
                         analyse_policy(model, epsilon_greedy_probabilities(greedy, exploring)))
                        for greedy in policies]


def median_of(target: str, which: int, quantity: str) -> float:
    """The median over the 8 agents of one quantity of their greedy (0) or exploring (1) policy."""
    return float(np.median([getattr(pair[which], quantity) for pair in analyses[target]]))


for target, result in cliff_results.items():  # the two exact evaluations agree
    np.testing.assert_allclose([greedy.expected_steps for greedy, _ in analyses[target]],
                               result.final_expected_steps, rtol=1e-9)

# %% mystnb={"figure": {"name": "fig-4-4", "caption": "Exact expected steps, median of 8 agents that learned with epsilon 0.5: Q-learning's greedy policy is the faster one, but driven as they learned, exploring half of the time, SARSA's policy does better."}}
assert median_of("q_learning", 0, "expected_steps") < median_of("sarsa", 0, "expected_steps")
assert median_of("sarsa", 1, "expected_steps") < median_of("q_learning", 1, "expected_steps")
assert abs(median_of("q_learning", 0, "expected_steps") - 12.13) < 0.01  # "12.13" below
assert 2250 < np.log(0.01) / np.log(AgentConfig().epsilon_decay) < 2350  # "episode 2,300"
fig, ax = plt.subplots(figsize=(6, 3.2))
positions = np.arange(2)
for offset, target in zip((-0.2, 0.2), cliff_results):
    ax.bar(positions + offset, [median_of(target, 0, "expected_steps"),
                                median_of(target, 1, "expected_steps")], width=0.4, label=target)
ax.axhline(optimum, color="black", linewidth=1, label="DP optimum")
ax.set_xticks(positions, ["greedy policy", f"epsilon-greedy, epsilon={exploring}"])
ax.set_ylabel("expected steps (exact, median of 8)")
ax.legend(fontsize=8)
ax.set_title("Figure 4.4: off-policy learns the better greedy policy,\n"
             "on-policy the better exploring one")
plt.show()

# %% [markdown]
# The classic pattern: Q-learning's greedy policy is faster, but driven as they learned,
# exploring half of the time, SARSA's agents do better. What do they do differently? The table
# measures it on each of the 8 policies of each learner, exactly, not on one drive: the
# probability that an episode has at least one crash, the expected number of crashes, and the
# mean distance from the car to the nearest wall over all the steps it drives, each step counted
# at the cell it starts from (in cells: 1 is beside a wall; the edge of the grid counts as a
# wall).

# %%
rows = [("expected steps", "expected_steps", "{:.2f}"),
        ("episodes with a crash", "crash_probability", "{:.1%}"),
        ("expected crashes per episode", "expected_crashes", "{:.2f}"),
        ("mean distance to a wall", "mean_wall_distance", "{:.2f}")]
print(f"{'median of 8 agents (learned with epsilon 0.5)':<47}{'Q-learning':>11}{'SARSA':>9}")
for which, policy_name in ((0, "greedy policy"), (1, f"epsilon-greedy, epsilon {exploring}")):
    print(policy_name)
    for name, quantity, number in rows:
        print(f"  {name:<45}" + "".join(f"{number.format(median_of(target, which, quantity)):>10}"
                                         for target in cliff_results))

# From the rightmost start cell, at rest, three actions accelerate to the right, into the wall
# beside it: a crash on purpose, and a new start cell.
rightmost = model.start_states[-1]
into_wall = [a for a in range(9) if model.next_states[rightmost, a, 0] == rl.CRASHED]
on_purpose, other_starts, crash_costs, agent_costs = {}, {}, {}, {}
for target, greedy_tables in greedy_policies.items():
    on_purpose[target] = sum(int(greedy[rightmost] in into_wall) for greedy in greedy_tables)
    # the greedy policies' crash probability from the other five start cells
    other_starts[target] = np.median([crash_probabilities(model, greedy)[
        model.start_states[:-1]].mean() for greedy in greedy_tables])
    # Exact expected steps from the rightmost start cell after its first action, -Q^pi(s, a):
    # the best crash against the best other action, under the exploring and the greedy policy.
    costs = []
    for greedy in greedy_tables:
        for probabilities in (epsilon_greedy_probabilities(greedy, exploring), greedy):
            steps = -rl.backup(model, rl.policy_evaluation(model, probabilities))[rightmost]
            costs.append((steps[into_wall].min(), np.delete(steps, into_wall).min()))
    agent_costs[target] = np.reshape(costs, (8, 2, 2))  # agent, (exploring, greedy), (crash, other)
    crash_costs[target] = np.median(agent_costs[target], axis=0)
    print(f"{target}: {on_purpose[target]} of 8 greedy policies crash on purpose from the "
          f"rightmost start cell; from the other five, {other_starts[target]:.1%} of episodes "
          f"crash (greedy, median)\n  from the rightmost start cell, exact expected steps after "
          f"crashing against after the best other action (median of 8): exploring policy "
          f"{crash_costs[target][0, 0]:.2f} against {crash_costs[target][0, 1]:.2f}, greedy "
          f"policy {crash_costs[target][1, 0]:.2f} against {crash_costs[target][1, 1]:.2f}")

# %%
for which in (0, 1):  # SARSA further from the walls, greedy and exploring
    assert median_of("sarsa", which, "mean_wall_distance") > median_of(
        "q_learning", which, "mean_wall_distance") + 0.1
assert median_of("sarsa", 1, "crash_probability") < median_of("q_learning", 1,
                                                               "crash_probability")
assert median_of("sarsa", 1, "expected_crashes") < median_of("q_learning", 1,
                                                             "expected_crashes")


def every_agent(target: str, which: int, quantity: str) -> np.ndarray:
    """One quantity of the greedy (0) or exploring (1) policy of each of the 8 agents."""
    return np.array([getattr(pair[which], quantity) for pair in analyses[target]])


# "every one of SARSA's 8 policies against every one of Q-learning's"
for which, quantity in ((1, "crash_probability"), (1, "expected_crashes")):
    assert every_agent("sarsa", which, quantity).max() < every_agent(
        "q_learning", which, quantity).min()
for which in (0, 1):
    assert every_agent("sarsa", which, "mean_wall_distance").min() > every_agent(
        "q_learning", which, "mean_wall_distance").max()
assert median_of("sarsa", 0, "crash_probability") > 0.15  # "about one in six episodes"
assert median_of("q_learning", 0, "crash_probability") < 0.05  # "under one in twenty"
assert on_purpose == {"q_learning": 0, "sarsa": 7}  # "7 of its 8 agents", "none of Q-learning's"
assert other_starts["sarsa"] < 0.02  # "nearly all of that is one decision"
for target in cliff_results:  # crashing pays while exploring, not when greedy: each agent
    assert (agent_costs[target][:, 0, 0] < agent_costs[target][:, 0, 1]).all()
    assert (agent_costs[target][:, 1, 0] > agent_costs[target][:, 1, 1]).all()

# %% [markdown]
# What the numbers show, and only that:
#
# - **Exploring, SARSA's agents crash less.** Driven with $\epsilon = 0.5$, SARSA's policies have
#   fewer episodes with a crash and fewer crashes per episode than Q-learning's, and their cars are
#   further from the walls on average. This holds for the medians in the table and also for every
#   one of SARSA's 8 policies against every one of Q-learning's (asserted below the table).
# - **Their greedy lines keep further from the walls too**, but they crash *more*: in about one in
#   six episodes, against under one in twenty for Q-learning's. Nearly all of that is one
#   decision: 7 of SARSA's 8 greedy policies steer the car, at rest on the rightmost start cell,
#   into the wall to its right (from the other five start cells, under 2 % of their
#   episodes crash). A crash costs one step and puts the car on a start cell drawn at random.
#   None of Q-learning's 8 policies do this.
# - **That crash is right for the policy SARSA learns the values of.** The last lines compute,
#   exactly, the expected steps from the rightmost start cell after crashing and after the best
#   other first action. For the exploring policies, of each of the 16 agents, crashing is
#   cheaper: a step and a fresh start cell cost less than driving on from there while half of the
#   actions are random. For the greedy policies, of each of the 16, it is dearer. SARSA learns the values of its exploring policy
#   and takes the crash; Q-learning learns the values of its greedy policy and does not.
#
# So on this track what on-policy learning changed is measurable: SARSA's policies crash less
# while exploring and keep further from the walls, and they include a crash that pays only while
# exploring.
#
# On the track: the greedy lines of each learner's best agent, driven once from the rightmost
# start cell, where SARSA's greedy policies crash on purpose. One drive is one sample of a noisy
# process, an illustration of the table, not evidence. Each arrow is one step, drawn from the cell
# where the step began to where the car's new velocity takes it (a crash: a dotted line to a
# cross, after which the car restarts on the start line). The finishing step is drawn the
# same way, so its arrow can end beyond the finish line, outside the grid: the car crossed the
# finish line during that step and the episode ended there (the plot widens to show it).

# %% mystnb={"figure": {"name": "fig-4-5", "caption": "The greedy lines of each learner's best agent, driven once from the rightmost start cell: SARSA's crashes into the wall beside it on purpose and restarts on a random start cell; Q-learning's drives up beside the wall. The last arrow of a drive can end beyond the finish line."}}
fig, axes = plt.subplots(1, 2, figsize=(9, 6))
drives, first_actions = {}, {}
for ax, (target, result) in zip(axes, cliff_results.items()):
    agent = int(np.argmin(result.final_expected_steps))
    greedy = greedy_policies[target][agent]
    first_actions[target] = greedy[rightmost]
    drives[target] = rl.run_episode(model, greedy, np.random.default_rng(3),
                                    start_state=rightmost)
    plotting.plot_episode(model, drives[target], ax=ax,
                          title=f"{target} agent {agent}, learned with epsilon={exploring}")
fig.suptitle("Figure 4.5: greedy lines learned off-policy and on-policy (rightmost start cell)")
fig.tight_layout()
plt.show()
first_crash = drives["sarsa"].events.index("crash")  # its crash, from the rightmost start cell
assert drives["sarsa"].states[first_crash] == rightmost and drives["q_learning"].n_crashes == 0
assert first_actions["sarsa"] in into_wall  # "on purpose": its greedy action there

# %% [markdown]
# Which learner you want depends on whether the agent must perform *while* it learns.
#
# ### More exploration, or more experience?
#
# Q-learning's agents above, exploring half of the time, end at 12.13 steps, practically the
# optimum, far closer than the default schedule's 12.78. But the two did not get the same
# experience: in the same 100,000 episodes the exploring agents drove 2.3 times the real steps
# (printed below). Compared at equal real steps, with each agent's greedy policy taken at its last
# evaluation within the budget:

# %%
learners = {"Q-learning, defaults": results["Q-learning"],
            "Q-learning, epsilon 0.5": cliff_results["q_learning"],
            "SARSA, defaults": results["SARSA"], "SARSA, epsilon 0.5": cliff_results["sarsa"]}
budgets = (1.0e6, 2.0e6)


def value_at_budget(result, budget: float) -> float:
    """Median over agents of the greedy policy's exact expected steps at each agent's last
    evaluation with at most ``budget`` real steps."""
    last = (result.eval_env_steps <= budget).sum(axis=1) - 1
    return float(np.median(result.greedy_expected_steps[np.arange(result.n_agents), last]))


print(f"{'median of 8 agents':<25}{'real steps':>11}{'final':>8}"
      + "".join(f"{f'at {b / 1e6:.0f} M':>9}" for b in budgets) + f"{'to within':>11}")
for label, result in learners.items():
    print(f"{label:<25}{np.median(result.eval_env_steps[:, -1]) / 1e6:>9.2f} M"
          f"{np.median(result.final_expected_steps):>8.2f}"
          + "".join(f"{value_at_budget(result, b):>9.2f}" for b in budgets)
          + f"{result.median_steps_to_within() / 1e6:>9.2f} M")
default_q, exploring_q = learners["Q-learning, defaults"], learners["Q-learning, epsilon 0.5"]
experience = np.median(exploring_q.eval_env_steps[:, -1]) / np.median(
    default_q.eval_env_steps[:, -1])
print(f"Q-learning with epsilon 0.5 drove {experience:.1f} times the real steps of the defaults")

# %% mystnb={"figure": {"name": "fig-4-6", "caption": "The learners of Figures 4.2 and 4.4 against real steps: exploring half of the time, Q-learning gets within 10 % sooner, but at 2 million real steps, where the defaults stop, both are at about 12.6 steps; SARSA exploring half of the time is above its default at 1 and at 2 million real steps."}}
assert 2.2 < experience < 2.5  # "2.3 times"
assert 340 < np.log(0.5) / np.log(config.epsilon_decay) < 350  # default above 0.5: "350 or so"
assert value_at_budget(exploring_q, 1e6) < value_at_budget(default_q, 1e6) - 2  # "ahead early"
assert exploring_q.median_steps_to_within() < default_q.median_steps_to_within()  # "sooner"
assert abs(value_at_budget(exploring_q, 2e6) - value_at_budget(default_q, 2e6)) < 0.1  # "level"
for budget in budgets:  # "SARSA exploring half of the time is behind its default"
    assert value_at_budget(learners["SARSA, epsilon 0.5"], budget) > value_at_budget(
        learners["SARSA, defaults"], budget) + 1
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
for ax, name in zip(axes, ("Q-learning", "SARSA")):
    plotting.plot_learning_curves({label: result for label, result in learners.items()
                                   if label.startswith(name)}, ax=ax, ceiling=50.0)
    ax.set_title(name)
fig.suptitle("Figure 4.6: the default schedule and epsilon 0.5, per real step (track 1)")
fig.tight_layout()
plt.show()

# %% [markdown]
# At equal real steps the gap closes. Exploring half of the time throughout (less than the default
# schedule in its first 350 episodes or so, far more afterwards), Q-learning is ahead early and
# gets within 10 % sooner, but at 2 million real steps, where the default agents stop, the two
# are level, at about 12.6 steps. The 12.13 it ends at took the real steps it drove beyond that.
# SARSA exploring half of the time is behind its default at both budgets; its greedy policies,
# as the table above showed, are made for driving while exploring.
#
# ## Explore
#
# The explorer retrains 8 agents with your settings for 20,000 episodes (a fifth of Figure 4.2's
# training) and redraws their exact learning curves, evaluated every 500 episodes. It opens on the
# settings of Figure 4.2's Q-learning agents, the library's defaults: the same 8 agents, seed 0,
# over their first 20,000 episodes, so its curve is the left part of that figure's Q-learning
# curve (a test checks it). The floor of the step size stays 0.02 (or $\alpha$, if smaller).
#
# **Question**: does the first step size matter? Move the $\alpha$ slider, the step size of a
# pair's first visit, from 1 down to 0.1. Does the median curve reach the grey band sooner or
# later, and where is it after 20,000 episodes?

# %%
def explore_td(track: str = "track1", target: str = "q_learning", alpha: float = 1.0,
               alpha_power: float = 0.7, gamma: float = 1.0, epsilon_start: float = 1.0,
               epsilon_decay: float = 0.998, epsilon_min: float = 0.01) -> None:
    """Train 8 agents for 20,000 episodes with these settings and draw their learning curves."""
    explorer_config = AgentConfig(target=target, alpha=alpha, alpha_power=alpha_power,
                                  alpha_min=min(0.02, alpha), gamma=gamma,
                                  epsilon_start=epsilon_start, epsilon_decay=epsilon_decay,
                                  epsilon_min=min(epsilon_min, epsilon_start),
                                  num_episodes=20_000)
    result = train(explorer_config, track, n_agents=8, seed=0, eval_every=500, n_jobs=2)
    _, ax = plt.subplots(figsize=(7.5, 4))
    plotting.plot_learning_curves({target: result}, ax=ax)
    ax.set_title(f"{track}: final median {np.median(result.final_expected_steps):.2f} steps, "
                 f"optimum {result.optimal_expected_steps:.2f}")
    plt.show()


# %% tags=["hide-input"]
# NBVAL_IGNORE_OUTPUT
labels = {"style": {"description_width": "110px"}}  # room for the longest name
slider = {"continuous_update": False, **labels}  # retrain on release, not while dragging
widgets.interact(
    explore_td,
    track=widgets.Dropdown(options=["track1", "track2"], **labels),
    target=widgets.Dropdown(options=["q_learning", "sarsa"], **labels),
    alpha=widgets.FloatSlider(value=1.0, min=0.02, max=1.0, step=0.01, **slider),
    alpha_power=widgets.FloatSlider(value=0.7, min=0.0, max=1.0, step=0.05,
                                    description="omega", **slider),
    gamma=widgets.FloatSlider(value=1.0, min=0.5, max=1.0, step=0.01, **slider),
    epsilon_start=widgets.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.05, **slider),
    epsilon_decay=widgets.FloatLogSlider(value=0.998, base=10, min=-0.05, max=0, step=0.0005,
                                         readout_format=".4f", **slider),
    epsilon_min=widgets.FloatSlider(value=0.01, min=0.0, max=0.5, step=0.01, **slider),
);

# %% [markdown]
# ## Your turn: explore, then bootstrap
#
# The library chooses actions and computes targets in compiled code, for the agent's whole table.
# Here you write both for one state, in plain Python. Each check below calls your function on
# dozens of inputs, compares its answers with the library's, and stops at the first one that
# differs: it names the input, what was expected, what came back, and the idea you missed. Once
# your function is right, the check puts it to work.
#
# **Exercise 4.1: epsilon-greedy's probabilities.** Write `action_probabilities(q_row, epsilon)`.
# `q_row` holds the nine action values $Q(s, \cdot)$ of one state (a NumPy array); return the
# probability $\pi(a \mid s)$ with which this chapter's agent takes each action there, as 9
# numbers in action order. Recall how it chooses: with probability $\epsilon$ an action drawn
# uniformly from all nine, otherwise a greedy one, ties broken uniformly at random. Once right,
# the check evaluates exactly, on track 1, the driver that explores with your probabilities around
# the optimal action values of chapter 2.

# %% tags=["hide-input"] nbgrader={"grade": false, "grade_id": "action_probabilities", "locked": false, "schema_version": 3, "solution": true, "task": false}
def action_probabilities(q_row, epsilon):
    ### BEGIN SOLUTION
    n_actions = len(q_row)
    probabilities = np.full(n_actions, epsilon / n_actions)  # exploring: any action, greedy or not
    greedy = np.flatnonzero(q_row == q_row.max())  # every action tied for the largest value
    probabilities[greedy] += (1 - epsilon) / len(greedy)  # not exploring: one of them at random
    return probabilities
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_action_probabilities", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
exercises.check_action_probabilities(action_probabilities)

# %% [markdown]
# **Exercise 4.2: the two targets.** Write `td_target(method, reward, next_q_row, next_action,
# finished, gamma)`, the TD target of one step $(s, a, r, s', a')$ for `method` `"sarsa"` or
# `"q_learning"`. `reward` is $r$, `next_q_row` the nine values $Q(s', \cdot)$, `next_action`
# the action $a'$ the agent takes next, `gamma` the discount $\gamma$; `finished` says whether the
# step crossed the finish line (then `next_q_row` and `next_action` mean nothing). Once right, the
# check runs SARSA in plain Python with your target in place of the library's: the loop of
# `td_episode` above, on a small track, with the same random draws as the compiled loop. It
# evaluates the greedy policy learned exactly and compares its table with the compiled loop's.

# %% tags=["hide-input"] nbgrader={"grade": false, "grade_id": "td_target", "locked": false, "schema_version": 3, "solution": true, "task": false}
def td_target(method, reward, next_q_row, next_action, finished, gamma):
    ### BEGIN SOLUTION
    if finished:  # nothing follows the finish: no bootstrap
        return reward
    if method == "sarsa":  # on-policy: the action actually taken next
        return reward + gamma * next_q_row[next_action]
    return reward + gamma * max(next_q_row)  # Q-learning: the best next action
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_td_target", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
exercises.check_td_target(td_target)

# %% [markdown]
# ## Exercises
#
# 1. **Constant step size.** Train Q-learning with a constant $\alpha$ of 0.05, 0.2 and 0.8
#    ($\omega = 0$, defaults otherwise). Which learns faster early, which ends closer to the
#    optimum, and why? How do they compare with the per-pair schedule?
# 2. **Discounting.** Train with $\gamma = 0.9$. The learned greedy policy is still evaluated
#    in undiscounted steps. Is it worse? Compare with exercise 1 of chapter 2.
# 3. **The argmax bias.** Replace the random tie-breaking with `np.argmax` (write a variant of
#    `greedy_action` that returns the first maximum, and an episode loop that uses it) and train
#    from a zero table. What changes in the first few hundred episodes?
# 4. **No decay.** Keep $\epsilon = 0.1$ forever. How do the final greedy policy and the mean
#    return of the last 100 episodes (`result.mean_return_last(100)`) compare, and why do they
#    disagree?
#
# <details><summary>Solutions</summary>
#
# 1. `train(AgentConfig(alpha=0.05, alpha_power=0, alpha_min=0), model)`, and the same with 0.2
#    and 0.8. A small $\alpha$ averages the noisy targets well but moves each estimate only 5 % of
#    the way per update, so the news of the finish spreads slowly: after 10,000 episodes its
#    median greedy policy needs about 65 steps, against about 18 with 0.8, and it is still at
#    about 15.2 steps after 100,000 episodes. A large $\alpha$ moves fast, but each estimate is
#    then mostly the last target, noise included: about 15.7 steps at the end. The best constant
#    of the three, 0.2, ends at 13.2, just inside the band; the per-pair schedule at 12.8 (and
#    SARSA's at 12.3): large steps for new pairs, small ones for well-known pairs.
# 2. Hardly different, here: with $\gamma = 0.9$ the median greedy policy ends around 12.7
#    steps, against the default's 12.8. But the problem has changed: the best a discounted
#    learner can ever reach is the discounted optimum, which chapter 2 found needs 12.14 steps
#    instead of 12.10, a difference far smaller than either learner's distance from its optimum.
# 3. Every new state is first tried with action 0, $(-1, -1)$. The early episodes are mostly
#    random anyway (epsilon starts at 1); what suffers is the greedy policy. Measured with the
#    default settings (8 agents, seed 0), its median expected steps after 300 episodes is about
#    67 with `np.argmax` against about 48 with random ties. By 2,000 episodes the difference has
#    gone (about 27 steps for both): the bias is in what the agent believes is best early on,
#    which is exactly what this book measures.
# 4. The greedy policy gets *closer* to the optimum than with the default schedule (about 12.2
#    steps against 12.8), and with fewer real steps (about 1.8 million per agent against 2.0
#    million): Q-learning learns the greedy policy's values whatever it does. But the returns of
#    the last episodes are worse, around 14.7 steps: they measure the *exploring* driver, which is
#    why this book measures learning by the exact value of the greedy policy and not by returns.
#
# </details>
#
# ## Summary
#
# - TD learning updates $Q(s, a)$ after every step towards a target that bootstraps on $Q$:
#   $Q(s, a) \leftarrow Q(s, a) + \alpha\,\delta$.
# - SARSA bootstraps on the action taken next (on-policy), Q-learning on the greedy action
#   (off-policy); with $\epsilon = 0$ the two are the same algorithm (a test checks it).
# - Epsilon-greedy exploration needs random tie-breaking; epsilon decays from 1 to 0.01.
# - Each pair has its own step size, $\alpha_n = \max(\alpha_{\min}, \alpha n^{-\omega})$ after $n$
#   visits. The floor (reached at visit 268 with the defaults) keeps the estimates following
#   targets that move as the policy improves; in exchange, the schedule no longer meets the
#   convergence conditions of eq. 2.7.
# - With the library's defaults, 8 independent agents on track 1 first get within 10 % of the
#   optimum after a median of about 1.5 million (Q-learning) and under 1 million (SARSA) real
#   steps; they *stay* within only after about 2 and 1.3 million. Every number is reproducible
#   from the random seed.
# - Learning while exploring half of the time, SARSA's agents crash less when they drive as they
#   learned, and their greedy policies crash on purpose from one start cell, a choice that pays
#   only while exploring; Q-learning learns the better greedy policy. Compared at equal real
#   steps (2 million), exploring Q-learning is level with the default schedule; its lead at the
#   end came with 2.3 times the real steps.
#
# **Next**: [chapter 5](05_eligibility_traces.ipynb) lets one reward update many earlier steps at once, with eligibility traces.

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
# - how to train several independent agents reproducibly and measure them *exactly* against the
#   optimum of chapter 2 - and what on-policy learning changes near the walls.
#
# **Time**: about 45 minutes. **Needs**: chapters 1 and 2.

# %%
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import racetrack_lib as rl
from racetrack_lib import plotting, policy, step_size, td
from racetrack_lib.config import AgentConfig
from racetrack_lib.show import show_source
from racetrack_lib.training import train

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
show_source(td.q_learning_target, td.sarsa_target, td.td_error, td.td_update)

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
# Starting at $Q = 0$ is also *optimistic*: every true value here is negative (each step costs
# 1), so untried actions look better than tried ones, which drives early exploration on its own.
#
# ### The epsilon schedule
#
# Exploration is expensive once the agent knows the track, so $\epsilon$ decays with the episode
# number $e$: $\epsilon_e = \max(\epsilon_{\min}, \epsilon_0 \cdot d^{\,e})$. The library's
# defaults, chosen by measuring a grid of settings on track 1, are below.

# %% mystnb={"figure": {"name": "fig-3-1", "caption": "The default epsilon schedule: 1 at first, multiplied by 0.998 after every episode, never below 0.01 (reached at about episode 2,300)."}}
config = AgentConfig()
print(config)
episodes = np.arange(config.num_episodes)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(episodes, [config.epsilon(e) for e in episodes])
ax.set_xscale("log")
ax.set_xlabel("episode e")
ax.set_ylabel(r"$\epsilon_e$")
ax.set_title("Figure 3.1: the default epsilon schedule")
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# ### How big a step: one step size per pair
#
# A constant $\alpha$ keeps every estimate chasing the last few targets, which are noisy here
# (the track is noisy and the next action is random while exploring). The average of all the
# targets seen would be steadier: that is $\alpha = 1/n$ after $n$ visits of a pair (Sutton &
# Barto eq. 2.3-2.4). The library gives each pair $(s, a)$ its own count $n(s, a)$ and step size
#
# $$
# \alpha_n = \max\left(\alpha_{\min},\; \alpha \cdot n^{-\omega}\right).
# $$
#
# $\omega = 0$ is a constant $\alpha$; $\omega = 1$, $\alpha = 1$, $\alpha_{\min} = 0$ is the plain
# average. For $0.5 < \omega \le 1$ the step sizes meet the conditions of eq. 2.7 under which the
# estimates converge (they sum to infinity, their squares do not). But the targets are not drawn
# from a fixed distribution: they move as the policy and the other estimates improve, so early
# targets deserve less weight than a plain average gives them. The defaults, $\alpha = 1$,
# $\omega = 0.7$ and a floor $\alpha_{\min} = 0.02$, forget slowly, and were chosen by measuring a
# grid of $(\omega, \alpha_{\min})$ with one-step TD and with the eligibility traces of chapter 4
# (exercise 1 compares constant step sizes). A pair first seen late in training still learns
# fast, while the start line, visited in every episode, settles. The schedule is tabulated once,
# so the compiled loop looks the step size up:

# %%
show_source(step_size.step_size_table, step_size.count_visit, step_size.step_size)
schedule = config.step_sizes()
print(f"alpha_n = {schedule[0]:.2f}, {schedule[1]:.3f}, {schedule[9]:.3f}, {schedule[99]:.3f} "
      f"after 1, 2, 10, 100 visits; the floor {config.alpha_min} from visit {len(schedule)} on")

# %% [markdown]
# ## The whole algorithm
#
# One episode, for either target, reads like the pseudocode of Sutton & Barto (sections 6.4 and
# 6.5). The car starts on a random start cell; a crash is an ordinary step back to the start line.
# Note that the greedy action of $s'$ serves twice: it is the action taken when not exploring,
# and its value *is* $\max_b Q(s', b)$, the Q-learning target. The step itself is chapter 1's
# `sample_transition`, the same function the Gymnasium environment uses.

# %%
show_source(td.td_episode)

# %% [markdown]
# The loop is compiled by [numba](https://numba.pydata.org): on one core it runs some 10 to 20
# million steps a second, several hundred times a textbook loop over a Gymnasium environment
# (`benchmarks/bench_td.py` measures both side by side; the training below also includes the
# exact evaluations, so it reports less). Setting the environment variable
# `NUMBA_DISABLE_JIT=1` runs the very same code as plain Python, for stepping through it in a
# debugger; a test checks that both give identical numbers.
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
# reach (a millisecond at most; `racetrack_lib/evaluation.py` explains how). That is the true
# learning curve, with no sampling noise from the evaluation itself. The evaluations draw their
# tie-breaking from a stream of their own, so evaluating more or less often never changes what an
# agent learns. `n_jobs=2` trains the agents in two processes at once: for the same reason, the
# numbers are exactly those of one process (a test checks it), only sooner on two cores.

# %%
started = time.perf_counter()
results = {
    "Q-learning": train(AgentConfig(target="q_learning"), model, n_agents=8, seed=0, n_jobs=2),
    "SARSA": train(AgentConfig(target="sarsa"), model, n_agents=8, seed=0, n_jobs=2),
}
print(f"trained 2 x 8 agents x {config.num_episodes} episodes in "
      f"{time.perf_counter() - started:.1f} s")
for label, result in results.items():
    finals = result.final_expected_steps
    to_10 = result.steps_to_within(0.10)
    print(f"{label:<10} final greedy policies: median {np.median(finals):.2f} steps "
          f"({100 * (np.median(finals) / optimum - 1):.1f} % above the optimum), "
          f"range {finals.min():.2f}-{finals.max():.2f}; "
          f"within 10 % after a median of {np.nanmedian(to_10) / 1e6:.2f} M real steps")

# %% mystnb={"figure": {"name": "fig-3-2", "caption": "The exact expected steps of the greedy policy while learning, Q-learning and SARSA, 8 agents each: lines are medians, shaded bands the interquartile ranges, the grey band is within 10 % of the optimum."}}
fig, ax = plt.subplots(figsize=(7.5, 4.2))
plotting.plot_learning_curves(results, ax=ax)
ax.set_title("Figure 3.2: exact value of the greedy policy while learning (track 1)")
plt.show()

# %%
q_finals = results["Q-learning"].final_expected_steps
to_10_median = np.nanmedian(results["Q-learning"].steps_to_within(0.10))
assert np.median(q_finals) <= 1.10 * optimum  # the text below says "within 10 %"
assert 1.4e6 < to_10_median < 1.55e6  # ... Q-learning "after about 1.5 million real steps"
assert np.nanmedian(results["SARSA"].steps_to_within(0.10)) < 1.0e6  # SARSA "under a million"
assert np.isfinite(q_finals).all() and (q_finals > 1.10 * optimum).sum() == 2  # "two ... outside"

# %% [markdown]
# For the first few hundred episodes (the left of the figure, where epsilon is still near 1) the
# greedy policies need hundreds of steps or never finish at all; they are drawn at the top edge.
# Then the medians get within 10 % of the optimum (the grey band): SARSA after under a million
# real steps per agent, Q-learning after about 1.5 million, and both creep closer. Two of the 8
# Q-learning agents end just outside the band: the median is the honest summary, the band shows
# the spread.
#
# They do not reach the optimum, and not mainly because of the step size. By episode 2,300
# epsilon has reached its floor of 0.01, so the states just off the greedy line are hardly
# visited any more and their estimates stay rough. Learners that keep exploring do better: the
# Q-learners of [Figure 3.4](#fig-3-4) below, exploring half of the time, end at 12.13 steps, practically the
# optimum. The defaults were chosen over a grid of settings so that Q-learning, SARSA and their
# versions with eligibility traces (chapter 4) all end within 10 % after 100,000 episodes -
# and SARSA, which learns the value of what it does, needs little exploration at the end for its
# greedy policy to be good. Exercise 4 measures the trade-off.
#
# One learned driver, the agent whose greedy policy ended best:

# %% mystnb={"figure": {"name": "fig-3-3", "caption": "The greedy policy of the best Q-learning agent, driven once from the start line."}}
best = int(np.argmin(q_finals))
learned_policy = rl.greedy_actions(results["Q-learning"].q_values[best], np.random.default_rng(0))
episode = rl.run_episode(model, learned_policy, np.random.default_rng(7))
plotting.plot_episode(model, episode,
                      title=f"Figure 3.3: Q-learning agent {best}, expected {q_finals[best]:.2f} steps")
plt.show()

# %% [markdown]
# ## On-policy and off-policy near the walls
#
# Sutton & Barto's cliff-walking example (Example 6.6) shows the difference between the two
# targets. Q-learning learns the values of the *greedy* policy, so it learns to drive along the
# edge; but it keeps *exploring* while it drives, and an exploratory step along the edge ends in
# a crash. SARSA learns the values of what it actually does, exploration included, so it learns
# to keep some distance.
#
# On the racetrack the effect is small, because a crash costs only a restart: with the default
# schedule it is invisible, and with a constant $\epsilon = 0.3$ SARSA has not yet converged
# after 100,000 episodes. It shows with a lot of exploration: here both learn with a constant
# $\epsilon = 0.5$, and we evaluate exactly,
# for each learned table, both the greedy policy and the $\epsilon$-greedy policy the agent
# actually drives with ($\pi(a \mid s) = \epsilon/9$, plus $1 - \epsilon$ on the greedy action):

# %%
exploring = 0.5
cliff_results = {}
for target in ("q_learning", "sarsa"):
    cliff_config = AgentConfig(target=target, epsilon_start=exploring,
                               epsilon_decay=1.0, epsilon_min=exploring, num_episodes=100_000)
    cliff_results[target] = train(cliff_config, model, n_agents=8, seed=0, n_jobs=2)


def epsilon_greedy_steps(q_values: np.ndarray, epsilon: float) -> float:
    """Exact expected steps of the epsilon-greedy policy of a table."""
    greedy = rl.greedy_actions(q_values, np.random.default_rng(0))
    probabilities = np.full((model.n_states, 9), epsilon / 9)
    probabilities[np.arange(model.n_states), greedy] += 1 - epsilon
    return rl.expected_steps_from_start(model, rl.policy_evaluation(model, probabilities))


cliff_table = {}
for target, result in cliff_results.items():
    greedy_steps = np.median(result.final_expected_steps)
    behaving_steps = np.median([epsilon_greedy_steps(q, exploring) for q in result.q_values])
    cliff_table[target] = (greedy_steps, behaving_steps)
    print(f"{target:<10} greedy policy {greedy_steps:.2f} steps; "
          f"epsilon-greedy policy (how it drives) {behaving_steps:.2f} steps")

# %% mystnb={"figure": {"name": "fig-3-4", "caption": "Exact expected steps, median of 8 agents: Q-learning's greedy policy is the faster one, but while both still explore, SARSA's policy does better."}}
assert cliff_table["q_learning"][0] < cliff_table["sarsa"][0]  # greedy: Q-learning better
assert abs(cliff_table["q_learning"][0] - 12.13) < 0.01  # quoted above ("end at 12.13 steps")
assert 2250 < np.log(0.01) / np.log(AgentConfig().epsilon_decay) < 2350  # "by episode 2,300"
assert cliff_table["sarsa"][1] < cliff_table["q_learning"][1]  # exploring: SARSA better
fig, ax = plt.subplots(figsize=(6, 3.2))
positions = np.arange(2)
for offset, (target, (greedy_steps, behaving_steps)) in zip((-0.2, 0.2), cliff_table.items()):
    ax.bar(positions + offset, [greedy_steps, behaving_steps], width=0.4, label=target)
ax.axhline(optimum, color="black", linewidth=1, label="DP optimum")
ax.set_xticks(positions, ["greedy policy", f"epsilon-greedy, epsilon={exploring}"])
ax.set_ylabel("expected steps (exact, median of 8)")
ax.legend(fontsize=8)
ax.set_title("Figure 3.4: off-policy learns the better greedy policy,\n"
             "on-policy the better exploring one")
plt.show()

# %% [markdown]
# On the track: the greedy line of each learner's best agent, from the same start cell.
# Q-learning's takes the corner at speed. SARSA's, learned while half of its actions are random,
# slows down before the corner (more, shorter moves there): it has learned that, at speed, the
# random actions it keeps taking would put it into the wall.

# %% mystnb={"figure": {"name": "fig-3-5", "caption": "The greedy lines of each learner's best agent from the same start cell: Q-learning's takes the corner at speed, SARSA's slows down before it."}}
fig, axes = plt.subplots(1, 2, figsize=(9, 6))
drives = {}
for ax, (target, result) in zip(axes, cliff_results.items()):
    agent = int(np.argmin(result.final_expected_steps))
    greedy = rl.greedy_actions(result.q_values[agent], np.random.default_rng(0))
    drives[target] = rl.run_episode(model, greedy, np.random.default_rng(3),
                                    start_state=model.start_states[2])
    plotting.plot_episode(model, drives[target], ax=ax,
                          title=f"{target}, learned with epsilon={exploring}")
fig.suptitle("Figure 3.5: greedy lines learned off-policy and on-policy (same start cell)")
fig.tight_layout()
plt.show()
assert drives["sarsa"].n_steps > drives["q_learning"].n_steps  # SARSA's "more, shorter moves"

# %% [markdown]
# The classic pattern, in exact numbers: Q-learning's greedy policy is faster, but while both
# explore, SARSA's cautious driver does a little better. Which one you want depends on whether
# the agent must perform *while* it learns.
#
# ## Explore
#
# The explorer retrains 8 agents with your settings (20,000 episodes each, so it answers in about
# a second; the figures above used 100,000) and redraws the exact learning curves. Try a
# constant step size ($\omega = 0$) with a large $\alpha$, a $\gamma$ below 1, or an epsilon that
# never decays. The chapter's point is already
# made by the figures above; this is for your own questions.

# %%
# NBVAL_IGNORE_OUTPUT
def explore_td(track: str = "track1", target: str = "q_learning", alpha: float = 1.0,
               alpha_power: float = 0.7, gamma: float = 1.0, epsilon_start: float = 1.0,
               epsilon_decay: float = 0.998, epsilon_min: float = 0.01) -> None:
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
#    and 0.8. A small $\alpha$ averages the noisy targets well but propagates the news of the
#    finish slowly: it is slower early and still about 15.2 steps after 100,000 episodes. A large
#    $\alpha$ moves fast but each estimate follows the last few noisy targets, so the greedy choice
#    keeps flipping: about 15.7 steps. The best constant of the three, 0.2, ends at 13.2, just
#    inside the band; the per-pair schedule at 12.8 (and SARSA's at 12.3): large steps for new
#    pairs, small ones for well-known pairs.
# 2. Hardly different, here: with $\gamma = 0.9$ the median greedy policy ends around 12.7
#    steps, against the default's 12.8. Discounting shortens the horizon over which estimates
#    bootstrap, which makes them less noisy, but the problem has changed: the best a discounted
#    learner can ever reach is the discounted optimum, which chapter 2 found needs 12.14 steps
#    instead of 12.10 - with more training the undiscounted learner wins.
# 3. Every new state is first tried with action 0, $(-1, -1)$. The early episodes are mostly
#    random anyway (epsilon starts at 1), so they are not longer; what suffers is the greedy
#    policy: measured with the default settings (8 agents, seed 0), its median expected steps
#    after 300 episodes is about 67 with `np.argmax` against about 48 with random ties. By 2,000
#    episodes the difference has gone (about 27 steps for both): the bias is in what the agent
#    believes is best early on, which is exactly what this book measures.
# 4. The greedy policy gets *closer* to the optimum than with the default schedule (about 12.2
#    steps against 12.8; Q-learning is off-policy, and more exploration keeps the estimates off
#    the greedy line fresh), but the returns of the last episodes are worse, around 14.7 steps:
#    they measure the *exploring* driver, which is why this book measures learning by the exact
#    value of the greedy policy and not by returns.
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
#   visits: steadier than a constant $\alpha$, still able to follow a changing policy.
# - With the library's defaults, 8 independent agents on track 1 reach a median within 10 % of
#   the optimum in a few seconds of compiled training; every number is reproducible from the
#   seed.
#
# **Next**: [chapter 4](04_eligibility_traces.ipynb) lets one reward update many earlier steps at once, with eligibility traces.

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
# # Eligibility traces: SARSA(λ) and Watkins's Q(λ)
#
# **What you will learn**
# - the λ-return (the *forward view*) and eligibility traces (the *backward view*), and how one
#   TD error updates every recently visited pair at once;
# - replacing and accumulating traces, and how the library keeps them sparse;
# - SARSA(λ), and Watkins's Q(λ), which cuts its traces after an exploratory action - and why
#   "naive" Q(λ), which does not, can blow up on this track, and under which conditions;
# - what λ buys on the racetrack, measured exactly against the optimum, per real step and per
#   second.
#
# **Time**: about an hour. **Needs**: chapter 4.

# %%
import json
import time
from dataclasses import replace
from importlib import resources

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import racetrack_lib as rl
from racetrack_lib import plotting, recorded_sweeps, traces
from racetrack_lib.config import AgentConfig, preset
from racetrack_lib.errors import RacetrackError
from racetrack_lib.exercises import ch05 as exercises
from racetrack_lib.show import show_beside, show_source
from racetrack_lib.training import Learner, run_episodes, train

# %%
model = rl.TabularModel.build("track1", noise=0.1)
optimum = rl.expected_steps_from_start(model, rl.value_iteration(model).values)
print(f"track 1, noise 0.1: the optimum is {optimum:.3f} expected steps (chapter 2)")

# %% [markdown]
# ## One reward, many updates
#
# One-step TD (chapter 4) moves only $Q(s, a)$, the pair just left. When the car crosses the
# finish line, the news reaches the pair one step earlier; the pair before that learns of it only
# the next time the car passes there. On a track of a dozen moves, news travels back one step per
# visit.
#
# ### The forward view: the λ-return
#
# The $n$-step return looks $n$ rewards ahead before it bootstraps,
# $G_{t:t+n} = r_{t+1} + \gamma r_{t+2} + \dots + \gamma^{n-1} r_{t+n} + \gamma^n Q(s_{t+n}, a_{t+n})$.
# The λ-return averages all of them, with weights that decay geometrically (Sutton & Barto
# eq. 12.2 and, for episodes that end, eq. 12.3):
#
# $$
# G_t^\lambda = (1 - \lambda) \sum_{n=1}^{\infty} \lambda^{n-1} G_{t:t+n} .
# $$
#
# $\lambda = 0$ is the one-step target of chapter 4; $\lambda = 1$ is the Monte Carlo return, the
# actual sum of rewards to the end of the episode. In between, λ sets how far the target trusts
# what really happened before it trusts the table.

# %% mystnb={"figure": {"name": "fig-5-1", "caption": "The weight $(1-\\lambda)\\lambda^{n-1}$ of each $n$-step return in the $\\lambda$-return: the longer the return, the less it counts."}}
fig, ax = plt.subplots(figsize=(6, 3))
n = np.arange(1, 41)
for trace_decay in (0.5, 0.8, 0.9):
    ax.plot(n, (1 - trace_decay) * trace_decay ** (n - 1), marker="o", markersize=3,
            label=rf"$\lambda$ = {trace_decay}")
ax.set_xlabel("n (the n-step return)")
ax.set_ylabel(r"weight $(1-\lambda)\lambda^{n-1}$")
ax.set_title(r"Figure 5.1: the weights of the $\lambda$-return")
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# ### The backward view: eligibility traces
#
# The forward view must wait for the future. The backward view gets the same effect online:
# each pair keeps an *eligibility trace* $e(s, a)$, a fading memory of having been visited, and
# every TD error $\delta$ is applied to all pairs in proportion to their traces (Sutton & Barto
# section 12.2, eq. 12.5-12.7, written here for action values as in section 12.7):
#
# $$
# \begin{aligned}
# \delta &= r + \gamma\, Q(s', a') - Q(s, a) &&\text{(SARSA; } \max_b Q(s', b) \text{ for Q-learning, as in chapter 4)}\\
# e(s, a) &\leftarrow 1 \ \text{(replacing)} \quad\text{or}\quad e(s, a) + 1 \ \text{(accumulating)}
#   &&\text{on visiting } (s, a)\\
# Q(x, b) &\leftarrow Q(x, b) + \alpha_n(x, b)\, \delta\, e(x, b) &&\text{for every pair } (x, b)\\
# e(x, b) &\leftarrow \gamma \lambda\, e(x, b) &&\text{for every pair } (x, b)
# \end{aligned}
# $$
#
# A pair last visited $k$ steps ago (with no cut since, see below) has trace $(\gamma\lambda)^k$:
# it receives the TD error of that later step with exactly the weight it carries in the
# λ-return, because the λ-return minus the current estimate is a discounted sum of the TD errors
# that follow (S&B 2nd ed. Exercise 12.3, with $Q$ held fixed):
#
# $$
# G_t^\lambda - Q(s_t, a_t) = \sum_{k \ge 0} (\gamma\lambda)^k\, \delta_{t+k} .
# $$
#
# So, with accumulating traces and a fixed step size, the backward view summed over an episode
# makes the same updates as the forward view when $Q$ does not change during the episode. A test,
# `test_backward_view_equals_the_forward_view_lambda_return`, checks it: on a logged episode, with
# $Q$ held fixed, it computes every $G^\lambda_t$ from its definition (the weighted $n$-step
# returns of eq. 12.3) and compares $\alpha\,(G^\lambda_t - Q(s_t, a_t))$, summed per pair, with
# what the library's trace functions add, to $10^{-12}$. Replacing traces differ only when a pair
# is revisited within an episode, and learning online changes $Q$ as it goes; both make the
# backward view an approximation of the forward view, a close one when the step sizes are small.
#
# **Replacing or accumulating?** On this track the car often revisits a pair: it waits on the
# start line, and after a crash it is back there. Accumulating traces then grow above 1 and the
# same TD error is counted several times over. Replacing traces (Singh & Sutton, 1996) cap the
# trace at 1; they are the library's default. Exercise 1 measures the difference.
#
# **Sparse.** A dense table of traces would be decayed in full at every step: some 63,000
# multiplications on track 1, for traces that are almost all zero. The library keeps only the
# traced pairs, in a packed list, and drops a trace once it falls below $10^{-4}$ (after 88 steps
# at $\gamma\lambda = 0.9$). A test compares it with a dense textbook implementation to $10^{-12}$.

# %%
show_source(traces.visit, traces.update_traced, traces.clear)

# %% [markdown]
# Note that each traced pair is updated with *its own* step size $\alpha_n(x, b)$, the per-pair
# schedule of chapter 4.
#
# ## SARSA(λ), Watkins's Q(λ), and naive Q(λ)
#
# For SARSA the traces are simply the backward view of its on-policy λ-return (Sutton & Barto
# section 12.7). For Q-learning there is a catch. Its target is the value of the *greedy* policy.
# The rewards that follow an exploratory action are not what the greedy policy would have got,
# so they must not be credited to the pairs before it. **Watkins's Q(λ)** (Watkins 1989; Sutton &
# Barto section 12.10) therefore clears every trace when the next action is not greedy: the
# λ-return is cut at the first exploratory action. While epsilon is large that happens often (a
# trace survives a step only if the next action is greedy, with probability about
# $1 - \tfrac{8}{9}\epsilon$), so its traces are short; as epsilon decays they grow longer.
#
# **Naive Q(λ)** (the name comes from Sutton & Barto's 1st edition, section 7.6) never cuts;
# chapter 8's combined agent uses it. It credits greedy-policy values with the rewards of
# exploratory steps, a target that is the λ-return of neither policy (made exact below, where
# it matters). The library offers both (`q_lambda="watkins"`, the default, or `"naive"`).
#
# The whole episode loop, for all three, is below: on the left what it does (the pseudocode of
# its docstring), on the right the library's code. It is chapter 4's loop (`td_episode`) with the
# update replaced by the traced one; `settings.cut_traces` is true for Watkins's Q(λ) only.

# %%
show_beside(traces.traced_episode)

# %% [markdown]
# ## Traces on the track
#
# What does an agent credit when it finally crosses the finish line? Below, an agent that has
# trained for 2,000 episodes drives one episode exploring with $\epsilon = 0.2$, and we draw the
# traces at its finishing step - the weight with which the last TD error reaches every pair
# (`traces.traces_at_finish` replays the episode through the same `visit`, `update_traced` and
# `clear`). Per cell, the largest trace over the velocities and actions taken there.

# %% mystnb={"figure": {"name": "fig-5-2", "caption": "The eligibility traces when the car finishes: without cuts the finishing step's TD error reaches back along the whole recent path; Watkins's Q(λ) credits only the pairs since the last exploratory action (white rings)."}}
warm_up = train(AgentConfig(num_episodes=2_000, trace_decay=0.9), model, n_agents=1, seed=0)
warm_policy = rl.greedy_actions(warm_up.q_values[0], np.random.default_rng(0))
drive = rl.run_episode(model, warm_policy, np.random.default_rng(11), epsilon=0.2)
pairs = list(zip(drive.states[: drive.n_steps], drive.actions))
decay = 1.0 * 0.9  # gamma * lambda
q_warm = warm_up.q_values[0]
# The learner's own test: an action is exploratory if its value is below the best of its state.
exploratory = [bool(q_warm[state, action] < q_warm[state].max()) for state, action in pairs]
no_cuts = [False] * drive.n_steps
watkins_cuts = [*exploratory[1:], False]  # cut after step t if the action of step t+1 explored
trace_tables = {
    "SARSA(λ) and naive Q(λ): never cut": traces.traces_at_finish(
        pairs, no_cuts, model.n_states, 9, decay),
    "Watkins's Q(λ): cut at each exploratory action": traces.traces_at_finish(
        pairs, watkins_cuts, model.n_states, 9, decay),
}
fig, axes = plt.subplots(1, 2, figsize=(10, 6.5))
explored_steps = [t for t, explored in enumerate(exploratory) if explored]
for ax, (label, table) in zip(axes, trace_tables.items()):
    plotting.plot_traces(model, table, drive, ax=ax, title=label, marked_steps=explored_steps)
fig.suptitle(r"Figure 5.2: traces at the finishing step, $\gamma\lambda$ = 0.9; "
             "white rings: exploratory actions")
fig.tight_layout()
plt.show()
last_explored = max(explored_steps)
traced_steps = {label: int((table > 0).sum()) for label, table in trace_tables.items()}
print(f"{drive.n_steps} steps, exploratory actions at steps {explored_steps}; "
      f"traced pairs at the finish: {traced_steps}")

# %%
assert len(explored_steps) >= 2  # the figure needs exploratory actions to show the cut
watkins_traced = trace_tables["Watkins's Q(λ): cut at each exploratory action"]
assert (watkins_traced > 0).sum() == drive.n_steps - last_explored  # cut at the last one

# %% [markdown]
# Without cutting, the finishing step's TD error reaches back along the whole recent path, its
# weight fading by 0.9 per step. Watkins's Q(λ) credits only the pairs since the last exploratory
# action: before it, the agent was not following the policy it is learning about.
#
# ## What λ buys
#
# Eight agents each, seed 0, 100,000 episodes, the default settings of chapter 4 (the
# epsilon schedule, per-pair step sizes) with λ = 0, 0.5 and 0.9, for both algorithms; λ grows
# with the agent's greed (the library's default "ramp", explained at the end of the chapter).
# As in chapter 4, every greedy policy is evaluated exactly on the model, and "within 10 %
# after" counts the real steps until an agent's greedy policy is first within 10 % of the
# optimum, "stays within after" those until it is within at every later evaluation.
#
# Training these 48 agents takes too long to repeat every time the chapter runs (the time it took
# is printed below), so `python scripts/record_sweeps.py lambda` (from a clone of the repository)
# trained them once and saved their learning curves in the library's `data` folder, which is
# installed with it; `recorded_sweeps.saved_sweep("lambda")` loads them wherever the chapter runs,
# after checking that they were trained with the settings of this version of the library. The
# numbers are what the library computes (a test re-trains the start of every setting and
# compares, and the cell after the table re-trains one agent to the end); the seconds were
# measured when the sweep was recorded, one agent at a time.

# %%
curves = recorded_sweeps.saved_sweep("lambda")
for target, name in (("q_learning", "Watkins Q"), ("sarsa", "SARSA")):
    for trace_decay in (0.0, 0.5, 0.9):  # the recorded settings (the defaults otherwise)
        config = AgentConfig(target=target, trace_decay=trace_decay)
        assert curves[f"{name}({trace_decay})"].config == config
print(f"recorded by scripts/record_sweeps.py: {len(curves)} settings of 8 agents x 100,000 "
      f"episodes, trained in {sum(result.seconds for result in curves.values()):.0f} s on the "
      "machine that ran it")

rows = {}
for label, result in curves.items():
    learning_seconds = result.eval_seconds[:, -1]  # per agent, without the evaluations
    real_steps = result.eval_env_steps[:, -1]  # per agent, all its episodes
    rows[label] = {"final": np.median(result.final_expected_steps),
                   "to_10": result.median_steps_to_within(0.10),
                   "stay_10": result.median_steps_to_stay_within(0.10),
                   "seconds_to_10": np.nanmedian(result.seconds_to_within(0.10)),
                   "speed": real_steps.sum() / learning_seconds.sum()}
    row = rows[label]
    print(f"{label:<15} final median {row['final']:6.2f} steps   within 10 % after "
          f"{row['to_10'] / 1e6:4.2f} M real steps, stays within after "
          f"{row['stay_10'] / 1e6:4.2f} M   within after {row['seconds_to_10']:4.2f} s of "
          f"learning ({row['speed'] / 1e6:4.1f} M steps/s)")

# %%
recorded = curves["SARSA(0.9)"]  # agent 0, re-trained here: the same numbers, other seconds
again = train(recorded.config, model, n_agents=1, seed=0)
identical = (np.array_equal(again.greedy_expected_steps, recorded.greedy_expected_steps[:1])
             and np.array_equal(again.eval_env_steps, recorded.eval_env_steps[:1]))
print(f"SARSA(0.9), agent 0 re-trained: every evaluation identical to the recorded one: "
      f"{identical}; learning took {again.eval_seconds[0, -1]:.1f} s here, "
      f"{recorded.eval_seconds[0, -1]:.1f} s when recorded")
assert identical

# %% mystnb={"figure": {"name": "fig-5-3", "caption": "Per real step, with λ = 0.9 both Watkins's Q(λ) and SARSA(λ) come within 10 % of the optimum sooner than their one-step versions (medians and interquartile ranges of 8 agents)."}}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
for ax, name in zip(axes, ("Watkins Q", "SARSA")):
    plotting.plot_learning_curves(
        {label: result for label, result in curves.items() if label.startswith(name)}, ax=ax)
    ax.set_title(f"{name}(λ)")
fig.suptitle("Figure 5.3: exact value of the greedy policy per real step (track 1)")
fig.tight_layout()
plt.show()

# %% mystnb={"figure": {"name": "fig-5-4", "caption": "The same curves against seconds of learning: a traced step updates many pairs and takes longer, so per second λ gains less than per real step."}}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
for ax, name in zip(axes, ("Watkins Q", "SARSA")):
    plotting.plot_learning_curves(
        {label: result for label, result in curves.items() if label.startswith(name)}, ax=ax,
        x="seconds")
    ax.set_title(f"{name}(λ)")
fig.suptitle("Figure 5.4: the same curves against wall time of learning (one core)")
fig.tight_layout()
plt.show()

# %%
# "A traced step takes longer": the same 3,000 episodes (2,001-5,000, epsilon near its floor)
# from Figure 5.2's trained table, one-step and with λ = 0.9, timed in turn 7 times; the best
# time of each is the least disturbed by other work on the machine.
def seconds_per_step(configs: dict, repeats: int = 7) -> dict:
    best = dict.fromkeys(configs, np.inf)
    for repeat in range(repeats):
        for label, config in configs.items():
            learner = Learner.new(model, config, q_values=q_warm.copy())
            started = time.perf_counter()
            lengths = run_episodes(learner, model, config, np.random.default_rng(repeat),
                                   2_000, 5_000)
            best[label] = min(best[label], (time.perf_counter() - started) / np.abs(lengths).sum())
    return best


for target, name in (("q_learning", "Watkins Q"), ("sarsa", "SARSA")):
    timed = seconds_per_step({"one-step": AgentConfig(target=target),
                              "λ = 0.9": AgentConfig(target=target, trace_decay=0.9)})
    print(f"{name}: {timed['one-step'] * 1e6:.2f} µs per real step one-step, "
          f"{timed['λ = 0.9'] * 1e6:.2f} µs with λ = 0.9 (best of 7)")
    assert timed["λ = 0.9"] > 1.3 * timed["one-step"], name  # "more than 1.3 times as long"

# %%
for label, row in rows.items():
    assert row["final"] <= 1.10 * optimum, label  # "every one ... ends within 10 %"
    assert row["stay_10"] >= row["to_10"], label  # staying within is the stricter measure
ratio = {name: rows[f"{name}(0.9)"]["to_10"] / rows[f"{name}(0.0)"]["to_10"]
         for name in ("Watkins Q", "SARSA")}
stay_ratio = {name: rows[f"{name}(0.9)"]["stay_10"] / rows[f"{name}(0.0)"]["stay_10"]
              for name in ("Watkins Q", "SARSA")}
print("real steps to within 10 %, λ = 0.9 / λ = 0:", {k: round(v, 2) for k, v in ratio.items()},
      "  to stay within:", {k: round(v, 2) for k, v in stay_ratio.items()})
assert ratio["Watkins Q"] < 0.4  # "Watkins's Q(0.9) ... under 40 % of the real steps"
assert all(value < 0.35 for value in stay_ratio.values())  # "stays ...: less than 35 %"
for name in ("Watkins Q", "SARSA"):  # "after first entering, one-step takes longer to stay"
    leaves = {lam: np.nanmedian(curves[f"{name}({lam})"].steps_to_stay_within()
                                - curves[f"{name}({lam})"].steps_to_within()) for lam in (0.0, 0.9)}
    assert leaves[0.0] > leaves[0.9], name
assert 0.4 < ratio["SARSA"] < 0.6  # "SARSA(0.9) after about half of one-step SARSA's"
assert min(rows, key=lambda label: rows[label]["to_10"]) == "SARSA(0.9)"  # "the fastest"
assert rows["SARSA(0.9)"]["to_10"] < rows["SARSA(0.5)"]["to_10"] < rows["SARSA(0.0)"]["to_10"]
assert rows["Watkins Q(0.5)"]["final"] < rows["Watkins Q(0.0)"]["final"]  # "λ = 0.5 ends closer"
assert rows["Watkins Q(0.9)"]["final"] > rows["Watkins Q(0.5)"]["final"]  # "λ = 0.9 ... further"
assert rows["SARSA(0.9)"]["final"] > rows["SARSA(0.0)"]["final"]
spread = {label: curves[label].final_expected_steps for label in ("Watkins Q(0.0)",
                                                                   "Watkins Q(0.5)")}
assert 12.15 < spread["Watkins Q(0.5)"].min() and spread["Watkins Q(0.5)"].max() < 12.3
assert 12.25 < spread["Watkins Q(0.0)"].min() and 13.45 < spread["Watkins Q(0.0)"].max() < 13.55
assert 62_500 < model.n_states * 9 < 63_500  # "some 63,000 multiplications" (traces section)
# "The Q-learning curves jump back to the top edge (400 steps, or never finishing) for a while,
# between about 0.35 and 0.56 million real steps"
for label in ("Watkins Q(0.0)", "Watkins Q(0.5)", "Watkins Q(0.9)"):
    result = curves[label]
    at_top = np.median(result.greedy_expected_steps, axis=0) >= 400
    back = at_top & (np.arange(at_top.size) > np.argmin(at_top))  # after it first came below
    where = np.median(result.eval_env_steps, axis=0)[back]
    print(f"{label}: median curve back at the top edge at "
          + ", ".join(f"{steps / 1e6:.2f}" for steps in where) + " M real steps")
    assert back.any() and (0.3e6 < where).all() and (where < 0.6e6).all(), label
    # "at each, at least half of the 8 greedy policies never finish" (a median of 8 is infinite)
    assert np.isinf(np.median(result.greedy_expected_steps, axis=0)[back]).all(), label

# %% [markdown]
# The median of every one of the six ends within 10 % of the optimum. What λ buys is mainly
# **speed of learning per real step**: Watkins's Q(0.9) is within 10 % after under 40 % of the
# real steps of one-step Q-learning, and SARSA(0.9) after about half of one-step SARSA's, the
# fastest of the six. By the stricter measure, the real steps until the greedy policy is within
# 10 % and stays there, the gain is larger still: λ = 0.9 needs less than 35 % of one-step's
# real steps, for both algorithms (after first entering the band, one-step agents take longer
# to stay in it). The final policy is another matter. For Watkins's Q(λ),
# λ = 0.5 ends closer to the optimum than one-step Q-learning, and more consistently (all 8 agents
# within 12.2-12.3 steps, against 12.3-13.5). But λ = 0.9 ends a little *further* from it than
# λ = 0.5, and for SARSA than λ = 0 (and λ = 0.95 ends further still, exercise 3). This chapter
# does not isolate why; longer returns through a noisy track are noisier targets, which is one
# candidate.
#
# Per second of learning the gain shrinks. A traced step updates every traced pair (up to 88 of
# them at $\gamma\lambda = 0.9$, fewer after Watkins's cuts) instead of one, so it takes longer:
# timed on the same episodes of a trained agent (above), more than 1.3 times as long for both
# algorithms. The steps per second and the seconds to get within 10 % printed with the table
# are those of the recorded run (one agent at a time on one core, the evaluations excluded);
# with other work on the machine they are noisy, and `benchmarks/bench_td.py` measures speed
# properly. [Figure 5.4](#fig-5-4) shows the same curves against those seconds.
#
# The Q-learning curves also jump back to the top edge for a while, between about 0.35 and 0.56
# million real steps (printed above), after they had first come down. A greedy policy is all or
# nothing: if a single reachable state's best-looking action leads into a loop (waiting on the
# start line, say), the whole policy never finishes and its exact value is infinite. Evaluating
# exactly shows these moments for what they are: at each, at least half of the 8 greedy
# policies never finish.
#
# ## Two things that go wrong without care
#
# The defaults hide two design decisions. Here is what each one prevents, measured.
#
# **1. Naive Q(λ) can blow up.** Never cutting, with a constant λ = 0.9 from the first episode
# and the default step sizes, the table does not stay finite. The library checks after every
# evaluation and stops with an error rather than evaluate a table of `nan`:

# %%
naive_constant = AgentConfig(trace_decay=0.9, q_lambda="naive", trace_schedule="constant",
                             num_episodes=2_000)
try:
    train(naive_constant, model, n_agents=1, seed=0)
    naive_error = ""
except RacetrackError as error:
    naive_error = str(error)
    print(f"RacetrackError: {error}")
assert naive_error

# %% [markdown]
# **Where the push comes from.** Hold $Q$ fixed for one episode and compare what a visit to a
# pair is credited with (accumulating traces, as in the backward view above). SARSA(λ)'s TD
# errors add up to its λ-return minus $Q$, the λ-return of the policy actually followed: each TD
# error bootstraps from $Q(s', a')$ and the next one, weighted by $\gamma\lambda$, subtracts the
# same $Q(s', a')$, so in the weighted sum the estimates cancel down to the share
# $\gamma(1 - \lambda)$ the λ-return gives them. Naive Q(λ)'s TD error
# bootstraps from $\max_b Q(s', b)$ instead, while the next one still subtracts $Q(s', a')$ of
# the action taken. When $a'$ is not greedy the two differ, and the pair of step $t$ is
# credited with
#
# $$
# \sum_{k \ge 0} (\gamma\lambda)^k \delta_{t+k}
#   = \underbrace{G^\lambda_t - Q(s_t, a_t)}_{\text{SARSA}(\lambda)\text{'s}}
#   + \sum_{k \ge 1} \gamma (\gamma\lambda)^{k-1}
#     \big(\max_b Q(s_{t+k}, b) - Q(s_{t+k}, a_{t+k})\big),
# $$
#
# with $G^\lambda_t$ the λ-return of the policy followed. The extra sum is never negative: every
# exploratory action $k$ steps later adds the gap between the best and the taken value of its
# state, with weight $\gamma(\gamma\lambda)^{k-1}$ (the test named above checks this identity, as
# well as SARSA's and Watkins's, to $10^{-12}$). Watkins's Q(λ) has no such terms: it cuts the
# traces exactly where one would begin, so its sum ends on an ordinary Q-learning target
# $r + \gamma \max_b Q(s', b)$.
#
# The push can feed on itself. It raises the values of the pairs before an exploratory action;
# the raised values become the maxima of their states; the next time the car explores from one
# of those states the gap, and so the push, is larger. Whether that runs away depends on how big
# a step takes the push ($\alpha$), how far back it reaches ($\gamma\lambda$, a total weight of
# $1/(1 - \gamma\lambda)$) and how often an action is exploratory (epsilon). Off-policy λ-returns
# that neither cut their traces nor reweight them are known to need care, but the theory does
# not settle this case: Harutyunyan et al. (2016) studied updates of this kind (uncut traces,
# bootstrapping from the target policy's values) and give a *sufficient* condition for their
# convergence, $\lambda\gamma\,\max_s \lVert \pi - \mu \rVert_1 < 1 - \gamma$ ($\pi$ the greedy
# policy, $\mu$ the behaviour). At $\gamma = 1$ its right side is 0, so for an exploring agent it
# covers no λ > 0; at $\gamma = 0.99$, even with epsilon at its floor of 0.01
# ($\lVert \pi - \mu \rVert_1 = 2 \cdot \tfrac{8}{9} \cdot 0.01 \approx 0.018$), it asks for
# λ below about 0.57. It neither predicts nor rules out a blow-up here. An experiment does.
#
# **The experiment.** `scripts/naive_q_lambda_grid.py` trained 4 agents (seed 0) per cell for
# 3,000 episodes, λ constant from the first episode, and recorded the largest value in the table
# after every episode: every step costs 1, so no true value here is above -1, and a value above
# 0 is an artefact. The cells: five step-size schedules (the per-pair default with
# $\alpha_1 = 1$; per-pair with $\alpha_1$ = 0.5 and 0.2, the same power 0.7 and floor 0.02;
# constants 0.5 and 0.1) × λ = 0.5, 0.8, 0.9, 0.95 × naive Q(λ), Watkins's Q(λ) and SARSA(λ),
# with replacing traces, γ = 1 and the library's epsilon schedule; at λ = 0.9 the same three
# with accumulating traces; and, for naive Q(λ) alone at λ = 0.9, γ = 0.99, and an epsilon that
# reaches its floor of 0.01 within 150 episodes instead of about 2,300 (as chapter 8's combined
# agent's does), with γ = 1 and 0.99. The run is too long to repeat every time this page is
# built, so it is loaded here; a test re-runs cells of it and checks that the saved numbers are
# what the library computes now.

# %%
# The saved grid, in the library's data folder (installed with it, so found wherever this runs)
saved_grid = resources.files("racetrack_lib").joinpath("data", "naive_q_lambda_grid_track1.npz")
with saved_grid.open("rb") as file, np.load(file) as saved:
    grid = dict(zip([tuple(key) for key in json.loads(str(saved["keys"]))], saved["largest"],
                    strict=True))  # cell -> (agent, episode): largest value after each episode
    grid_configs = [AgentConfig.from_dict(c) for c in json.loads(str(saved["configs"]))]
RUNAWAY = 1e6  # "ran away": the largest value passed a million


def first_episode_above(runs: np.ndarray, level: float) -> np.ndarray:
    """Per agent, the first episode (from 1) after which the largest value was above ``level``
    (or not finite: after an overflow the table holds inf or nan), 0 if never."""
    above = np.nan_to_num(runs, nan=np.inf) > level
    return np.where(above.any(axis=1), above.argmax(axis=1) + 1, 0)


def overflow_episodes(runs: np.ndarray) -> np.ndarray:
    """Per agent, the first episode after which the table was not finite, 0 if never."""
    bad = ~np.isfinite(runs)
    return np.where(bad.any(axis=1), bad.argmax(axis=1) + 1, 0)


def describe(runs: np.ndarray) -> str:
    """'ran away / 4: median episode passing 10^6 / median episode of overflow' of a cell."""
    away, over = first_episode_above(runs, RUNAWAY), overflow_episodes(runs)
    if not away.any():
        return "0"
    text = f"{(away > 0).sum()}: {np.median(away[away > 0]):4.0f} /"
    return text + (f" {np.median(over[over > 0]):4.0f}" if over.any() else "    -")


step_labels = ["per-pair, alpha_1 = 1", "per-pair, alpha_1 = 0.5", "per-pair, alpha_1 = 0.2",
               "constant 0.5", "constant 0.1"]
print("naive Q(λ), replacing traces, γ = 1, the library's epsilon schedule; per cell: agents "
      "(of 4) that ran away: median episode passing 10^6 / median episode of overflow")
print(f"{'step sizes':<25}" + "".join(f"{'λ = ' + str(lam):<18}" for lam in (0.5, 0.8, 0.9, 0.95)))
for steps in step_labels:
    print(f"{steps:<25}" + "".join(f"{describe(grid[('main', steps, lam, 'naive Q')]):<18}"
                                   for lam in (0.5, 0.8, 0.9, 0.95)))
variants = {"replacing": "main", "accumulating": "accumulating", "γ = 0.99": "discounted",
            "fast epsilon": "fast epsilon", "fast eps., γ = 0.99": "fast epsilon, discounted"}
print("\nnaive Q(0.9), the same measure")
print(f"{'step sizes':<25}" + "".join(f"{label:<21}" for label in variants))
for steps in step_labels:
    print(f"{steps:<25}" + "".join(f"{describe(grid[(part, steps, 0.9, 'naive Q')]):<21}"
                                   for part in variants.values()))
controls = {cell: runs for cell, runs in grid.items() if cell[3] != "naive Q"}
control_largest = {kind: max(np.nanmax(runs) for cell, runs in controls.items()
                             if (cell[0] == "accumulating") == (kind == "accumulating"))
                   for kind in ("replacing", "accumulating")}
naive_bounded = [runs[first_episode_above(runs, RUNAWAY) == 0] for cell, runs in grid.items()
                 if cell[3] == "naive Q"]
print(f"\nWatkins's Q(λ) and SARSA(λ), {len(controls)} cells x 4 agents: "
      f"{sum(first_episode_above(runs, RUNAWAY).astype(bool).sum() for runs in controls.values())}"
      f" ran away; the largest value any of their tables held: "
      f"{control_largest['replacing']:.2f} (replacing traces), "
      f"{control_largest['accumulating']:.2f} (accumulating)")
print(f"naive Q(λ) agents that did not run away: largest value held "
      f"{max(np.max(runs) for runs in naive_bounded if runs.size):.2f}")
# %% mystnb={"figure": {"name": "fig-5-5", "caption": "The largest value in the table after each episode, naive Q(0.9) with a constant λ, 4 agents per step-size schedule (every true value is -1 or below). Left, the library's epsilon schedule: every schedule but the per-pair one starting at 0.2 runs away and overflows (the line ends); SARSA(0.9) with the default step sizes (grey, dashed) never goes above 0: its line lies on the bottom edge. Right, epsilon at its floor within 150 episodes: the constant 0.1 stays bounded too."}}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), sharey=True)
colours = dict(zip(step_labels, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
episodes = np.arange(1, grid[("main", step_labels[0], 0.9, "naive Q")].shape[1] + 1)
for ax, part, title in ((axes[0], "main", "the library's epsilon schedule"),
                        (axes[1], "fast epsilon", "epsilon at 0.01 within 150 episodes")):
    ax.set_xscale("log")
    # linear from 0 to 1 (a tenth of the height), logarithmic above, up to the largest float
    ax.set_yscale("symlog", linthresh=1.0, linscale=30)
    ax.set_ylim(0, 1e308)  # fixed: autoscaling would overflow past the largest float
    ax.set_yticks([0, 1, 1e50, 1e100, 1e150, 1e200, 1e250, 1e300])
    for steps in step_labels:
        for agent, run in enumerate(grid[(part, steps, 0.9, "naive Q")]):
            ax.plot(episodes, run, color=colours[steps], linewidth=0.9,
                    label=steps.replace("alpha_1", "α₁") if agent == 0 else None)
    if part == "main":
        for agent, run in enumerate(grid[("main", step_labels[0], 0.9, "SARSA")]):
            ax.plot(episodes, run, color="grey", linestyle="--", linewidth=1.2,
                    label="SARSA(0.9), per-pair, α₁ = 1" if agent == 0 else None)
    ax.set_xlabel("episode")
    ax.set_title(title)
    ax.grid(alpha=0.3)
axes[0].set_ylabel("largest value in the table")
fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=6, fontsize=8,
           bbox_to_anchor=(0.5, -0.06))
fig.suptitle("Figure 5.5: naive Q(0.9) with a constant λ, the largest value after each episode")
fig.tight_layout()
plt.show()

# %%
default_cell = grid[("main", step_labels[0], 0.9, "naive Q")]
default_positive = first_episode_above(default_cell, 0.0)
default_away = first_episode_above(default_cell, RUNAWAY)
default_overflow = overflow_episodes(default_cell)
print(f"default step sizes, λ = 0.9, agents 0-3: a value above 0 after episode "
      f"{default_positive}, above 10^6 after episode {default_away}, overflow after episode "
      f"{default_overflow}")
print("agent 0's largest value after episodes 1, 10, 100, 200: "
      + ", ".join(f"{default_cell[0, episode - 1]:.1e}" for episode in (1, 10, 100, 200)))
# The saved run is the library's: train() above stopped at its first evaluation after agent 0's
# overflow (every 20 episodes from 20 on: 2,000 episodes / 100).
assert f"within the first {int(np.ceil(default_overflow[0] / 20) * 20)} episodes" in naive_error
assert (default_positive == 1).all() and (default_away <= 2).all()  # "first", "first two"
growth = np.log10(default_cell[0, [9, 99, 199]])  # after episodes 10, 100, 200
assert (np.diff(growth) > 10).all()  # "by tens of orders of magnitude every hundred episodes"


def ran_away(part: str, steps: str, lam: float, algorithm: str = "naive Q") -> int:
    return int((first_episode_above(grid[(part, steps, lam, algorithm)], RUNAWAY) > 0).sum())


# "Watkins's Q(λ) and SARSA(λ) never ran away, in any cell"; "with replacing traces, never above 0"
assert all(ran_away(*cell) == 0 for cell in controls) and control_largest["replacing"] <= 0.0
assert 0.0 < control_largest["accumulating"] < 10
# exercise 1: "SARSA(0.9) with a constant α = 0.5 and accumulating traces pushed values above 0"
assert np.nanmax(grid[("accumulating", "constant 0.5", 0.9, "SARSA")]) > 0.0
assert all(ran_away("main", steps, 0.5) == 0 for steps in step_labels)  # "λ = 0.5: none"
assert all(ran_away("main", steps, 0.95) == 4 for steps in step_labels)  # "λ = 0.95: all"
assert ran_away("main", "constant 0.1", 0.9) == 4  # "a constant 0.1 runs away at λ = 0.9"
assert ran_away("main", "per-pair, alpha_1 = 0.2", 0.9) == 0
assert [ran_away("main", steps, 0.8) for steps in step_labels] == [4, 0, 0, 4, 0]  # "at 0.8"
assert all(ran_away("accumulating", steps, 0.9) == ran_away("main", steps, 0.9)
           for steps in step_labels)  # "accumulating: the same cells run away"
# "with epsilon at its floor within 150 episodes the constant 0.1 stays bounded, at both γ"
assert ran_away("fast epsilon", "constant 0.1", 0.9) == 0
assert ran_away("fast epsilon, discounted", "constant 0.1", 0.9) == 0
for part in ("fast epsilon", "fast epsilon, discounted"):  # "per-pair α_1 = 1 runs away ...
    fast_away = first_episode_above(grid[(part, step_labels[0], 0.9, "naive Q")], RUNAWAY)
    assert (fast_away > 0).all() and (fast_away <= 2).all()  # ... within two episodes"
assert ran_away("discounted", "constant 0.1", 0.9) == 3  # "γ = 0.99: 3 of 4"
naive_cells = [cell for cell in grid if cell[3] == "naive Q"]
assert sum(ran_away(*cell) > 0 for cell in naive_cells) > len(naive_cells) / 2  # "most"
assert [ran_away("main", steps, 0.9) for steps in step_labels] == [4, 4, 0, 4, 4]  # "all but"
overflow_095 = [np.median(overflow_episodes(grid[("main", steps, 0.95, "naive Q")]))
                for steps in step_labels]
assert overflow_095[0] < overflow_095[1] < overflow_095[2]  # "the smaller the steps, the later"
assert overflow_095[3] < overflow_095[4]  # (per-pair α_1 = 1, 0.5, 0.2; constant 0.5, 0.1)
# "Every run that ran away passed a million in an episode whose epsilon was above 0.4"
onset_epsilons = [config.epsilon(episode - 1)
                  for config, runs in zip(grid_configs, grid.values(), strict=True)
                  for episode in first_episode_above(runs, RUNAWAY) if episode > 0]
print(f"{len(onset_epsilons)} runs ran away; the smallest epsilon of the episode in which one "
      f"passed a million: {min(onset_epsilons):.2f}")
assert min(onset_epsilons) > 0.4
assert sum(abs(ran_away("discounted", steps, 0.9) - ran_away("main", steps, 0.9))
           for steps in step_labels) == 1  # "γ = 0.99 changed one agent of one cell"
assert (default_overflow.min(), default_overflow.max()) == (217, 274)  # "after 217-274"
assert max(np.max(runs) for runs in naive_bounded if runs.size) < 10  # "they stay small"
# The cell "fast epsilon, γ = 0.99, constant 0.1" is chapter 8's combined agent without its
# replay and planning (the preset combined-150 trained for 3,000 episodes).
combined = grid_configs[list(grid).index(("fast epsilon, discounted", "constant 0.1", 0.9,
                                          "naive Q"))]
bare = replace(preset("combined-150"), memory_size=0, planning_steps=0, num_episodes=3_000)
assert replace(combined, model_kind=bare.model_kind) == bare

# %% [markdown]
# What the grid shows, cell by cell in the tables above:
#
# - **The push is needed.** With the same step sizes, λ and (the library's) epsilon schedule,
#   with replacing or accumulating traces, Watkins's Q(λ) and SARSA(λ) never ran away, in any of
#   their cells; with replacing traces no value of theirs ever went above 0. Naive Q(λ) did in
#   most of its cells.
# - **A first step of 1 is not needed.** At λ = 0.95 every step-size schedule ran away, the
#   constant 0.1 included; at λ = 0.5 none did. Larger steps run away at a smaller λ: at
#   λ = 0.8 only the per-pair $\alpha_1 = 1$ and the constant 0.5 did, at λ = 0.9 all but the
#   per-pair $\alpha_1 = 0.2$. And sooner: at λ = 0.95, within each kind of schedule (per-pair
#   or constant), the smaller the steps, the later the table overflowed.
# - **Frequent exploration matters.** Every run that ran away passed a million in an episode
#   whose epsilon was above 0.4 (printed above). With epsilon at its floor within 150 episodes,
#   the constant 0.1 stays bounded at λ = 0.9, with γ = 1 and with γ = 0.99, where under the
#   library's slower epsilon schedule it ran away (all 4 agents at γ = 1, 3 of 4 at γ = 0.99).
#   The per-pair $\alpha_1 = 1$ runs away under either schedule, within the first two
#   episodes, while epsilon is still large.
# - **The kind of trace and the discount do not decide it.** Accumulating traces ran away in
#   the same cells as replacing ones, and γ = 0.99 changed one agent of one cell.
#
# With the default step sizes the table holds a value above 0 after the first episode and
# passes a million within the first two; from there it keeps growing, by tens of orders of
# magnitude every hundred episodes (printed above), until it overflows, after 217-274 episodes.
# (The library's check runs at evaluations, so `train` above reported the first evaluation
# after agent 0's overflow.) Values above 0 also appear in naive cells that stay bounded, but
# there they stay small (printed above).
#
# So the cause, with its conditions: naive Q(λ) credits every pair with a push that is never
# negative and grows with the gaps between the values of a state's actions, and it feeds on
# itself when large steps ($\alpha$) take it over long traces ($\gamma\lambda$ near 1) while
# actions are often exploratory (epsilon large). Watkins's cut removes the push; the ramp below
# keeps long traces and large epsilon apart; small constant steps with a short exploration phase
# kept it in check on this track. The grid's cells "fast eps., γ = 0.99" are chapter 8's
# combined agent (naive Q(0.9), constant α = 0.1, epsilon at 0.01 after 150 episodes) without
# its replay and planning, trained for 3,000 episodes: with its constant α = 0.1 the table
# stays finite, with this chapter's per-pair steps it runs away. Chapter 8 comes back to this.
#
# **2. λ at full strength from the start hurts.** The first episodes are close to random
# driving (epsilon is above 0.5 for the first 347 episodes) and long (printed below). With a
# constant λ = 0.9 their long, pessimistic λ-returns pour into the estimates. Watkins's Q(λ)
# cuts its traces at every exploratory action, so they stay short while epsilon is large;
# SARSA(λ) does not. The library's default therefore lets λ grow with the agent's greed,
# `trace_schedule="ramp"`:
#
# $$
# \lambda_e = \lambda\, \frac{1 - \epsilon_e}{1 - \epsilon_{\min}} ,
# $$
#
# zero while the agent drives at random, the full λ once epsilon reaches its floor. Watkins's
# cuts do something similar for Q-learning: a trace survives a step with probability about
# $1 - \tfrac{8}{9}\epsilon$ (a random action is the greedy one 1 time in 9), so its expected
# decay per step is $\gamma\lambda(1 - \tfrac{8}{9}\epsilon_e)$. The ramp also keeps long traces
# and frequent exploration apart, the combination under which naive Q(λ) ran away in the grid
# above; with it, naive Q(0.9) at the default step sizes keeps a finite table for 100,000
# episodes (`train` would stop otherwise) - measured below, not guaranteed.

# %%
show_source(AgentConfig.trace_decay_at)
# recorded as the sweep above was, by `python scripts/record_sweeps.py lambda_schedule`
recorded_schedules = recorded_sweeps.saved_sweep("lambda_schedule")
for label, settings in (
    ("SARSA(0.9), constant λ", {"target": "sarsa", "trace_schedule": "constant"}),
    ("Watkins Q(0.9), constant λ", {"trace_schedule": "constant"}),
    ("naive Q(0.9), ramp", {"q_lambda": "naive"}),
):
    assert recorded_schedules[label].config == AgentConfig(trace_decay=0.9, **settings)
schedules = {"SARSA(0.9), constant λ": recorded_schedules["SARSA(0.9), constant λ"],
             "SARSA(0.9), ramp": curves["SARSA(0.9)"],
             "Watkins Q(0.9), constant λ": recorded_schedules["Watkins Q(0.9), constant λ"],
             "naive Q(0.9), ramp": recorded_schedules["naive Q(0.9), ramp"],
             "Watkins Q(0.9), ramp": curves["Watkins Q(0.9)"]}
for label, result in schedules.items():
    print(f"{label:<28} final median {np.median(result.final_expected_steps):6.2f} steps")
# Of the trapped agents the recording also keeps what the cells below read from their episodes
# and tables: the lengths of their first 1,000 episodes, their final greedy policies and their
# Q values at the start line. Agent 0, re-trained here, gives the same numbers.
trapped_kept = recorded_sweeps.saved_tables("lambda_schedule")["SARSA(0.9), constant λ"]
trapped = schedules["SARSA(0.9), constant λ"]
again = train(trapped.config, model, n_agents=1, seed=0)
identical = (np.array_equal(again.greedy_expected_steps, trapped.greedy_expected_steps[:1])
             and all(np.array_equal(kept, trapped_kept[name][:1])
                     for name, kept in recorded_sweeps.kept_tables(again, model).items()))
print(f"SARSA(0.9), constant λ, agent 0 re-trained: curve, episodes and tables identical to "
      f"the recorded ones: {identical}")
assert identical
early = np.abs(trapped_kept["first lengths"])
print(f"SARSA(0.9), constant λ: median episode length {np.median(early[:, :100]):.0f} steps in "
      f"episodes 1-100, {np.median(early[:, 300:400]):.0f} in 301-400, "
      f"{np.median(early[:, 900:1000]):.0f} in 901-1000")
assert AgentConfig().epsilon(346) > 0.5 > AgentConfig().epsilon(347)  # "the first 347 episodes"

# %% mystnb={"figure": {"name": "fig-5-6", "caption": "With a constant λ = 0.9, SARSA settles more than 20 % above the optimum; with λ growing as epsilon decays it does not, and Watkins's Q(λ), which cuts its traces, needs no ramp."}}
finals = {label: np.median(result.final_expected_steps) for label, result in schedules.items()}
assert finals["SARSA(0.9), constant λ"] > 1.2 * optimum  # "stuck more than 20 % above"
assert finals["SARSA(0.9), ramp"] <= 1.10 * optimum
assert finals["Watkins Q(0.9), constant λ"] <= 1.10 * optimum  # "Watkins does not need it"
assert finals["naive Q(0.9), ramp"] <= 1.10 * optimum
fig, ax = plt.subplots(figsize=(7.5, 4.2))
plotting.plot_learning_curves(schedules, ax=ax)
ax.set_title("Figure 5.6: a constant λ traps SARSA(0.9); Watkins's cuts do not need the ramp")
plt.show()

# %%
trapped = schedules["SARSA(0.9), constant λ"]
half = len(trapped.eval_episodes) // 2
trapped_curve = np.median(trapped.greedy_expected_steps, axis=0)
assert (trapped_curve[half:] > 1.2 * optimum).all()  # "... and stays there" (second half)
assert finals["Watkins Q(0.9), constant λ"] < finals["Watkins Q(0.9), ramp"]  # "even closer"
assert finals["naive Q(0.9), ramp"] > finals["Watkins Q(0.9), ramp"]  # "a little further"
# At the start line, what each trapped agent's estimates say, against the true values of its own
# greedy policy pi: Q^pi(s, a) = -1 + E[V^pi(s')], take a once and then follow pi.
starts = model.start_states
underestimates, chosen_errors = [], []
for policy, start_values in zip(trapped_kept["greedy policies"], trapped_kept["start values"],
                                strict=True):  # per agent; start_values: Q at the start states
    q_true = rl.backup(model, rl.policy_evaluation(model, policy))
    chosen = policy[starts]
    chosen_errors.append(np.abs(start_values[np.arange(len(starts)), chosen]
                                - q_true[starts, chosen]))
    better = q_true[starts] > q_true[starts, chosen][:, None] + 0.1  # better by > 0.1 step
    underestimates.append((q_true[starts] - start_values)[better])
underestimates, chosen_errors = np.concatenate(underestimates), np.concatenate(chosen_errors)
print(f"start line, 8 agents x {len(starts)} states: {underestimates.size} actions better than "
      f"the chosen one (by over 0.1 step), their estimates too low by "
      f"{underestimates.min():.1f}-{underestimates.max():.1f} steps (median "
      f"{np.median(underestimates):.1f}); the chosen actions' estimates within "
      f"{chosen_errors.max():.2f} steps of their true values")
assert underestimates.size >= 8 and underestimates.min() > 20  # "by tens of steps"
assert chosen_errors.max() < 2  # "the values of the actions it takes are close to right"

# %% [markdown]
# With a constant λ, SARSA(0.9) settles on a policy more than 20 % above the optimum and stays
# there (its median curve is above that line over the whole second half of training). It is an
# exploration trap, and the start line, where every episode begins and every crash returns,
# shows it. Against the true values of each agent's own greedy policy (take the action once,
# then follow the policy), the actions that are better than the one the agent chooses look far
# worse to it than they are - by tens of steps (printed above) - while its estimates of the
# actions it does choose are close to right. Once epsilon is at 0.01, a given other action is
# tried about once in 900 visits, and in 100,000 episodes that did not repair the estimates.
# Watkins's Q(0.9) does not need the ramp (here it even ends a little closer without it); naive
# Q(0.9) with the ramp ends within 10 % too, a little further than Watkins's. The ramp is a
# design choice of this book, not of Sutton & Barto: we chose it because the measurements above
# show it makes all three variants work with one set of defaults.
#
# ## Explore
#
# The explorer retrains 8 agents (seed 0, 20,000 episodes each, evaluated every 500) with your
# λ, first-visit step size α (per pair, the same power 0.7 and floor 0.02, or α if smaller),
# target, Q(λ) variant and trace schedule, and redraws the exact learning curves. It opens on
# the settings of Figure 5.6's naive Q(0.9) with the ramp, over its first 20,000 episodes.
#
# **Question**: switch `trace_schedule` to constant, and the table runs away (the explorer says
# so). Now lower α: what is the largest first-visit step size at which naive Q(0.9) with a
# constant λ keeps a finite table for 20,000 episodes?

# %%
def explore_traces(trace_decay: float = 0.9, alpha: float = 1.0, target: str = "q_learning",
                   q_lambda: str = "naive", trace_schedule: str = "ramp") -> None:
    """Train 8 agents for 20,000 episodes with these settings and draw their learning curves."""
    explorer_config = AgentConfig(target=target, trace_decay=trace_decay, alpha=alpha,
                                  alpha_min=min(0.02, alpha), q_lambda=q_lambda,
                                  trace_schedule=trace_schedule, num_episodes=20_000)
    _, ax = plt.subplots(figsize=(7.5, 4))
    try:
        result = train(explorer_config, model, n_agents=8, seed=0, eval_every=500, n_jobs=2)
    except RacetrackError as error:  # e.g. naive Q(lambda) with a constant lambda ran away
        ax.text(0.5, 0.5, str(error), ha="center", va="center", wrap=True,
                transform=ax.transAxes)
        plt.show()
        return
    plotting.plot_learning_curves({f"λ = {trace_decay}": result}, ax=ax)
    ax.set_title(f"final median {np.median(result.final_expected_steps):.2f} steps, "
                 f"optimum {result.optimal_expected_steps:.2f}")
    plt.show()


# %% tags=["hide-input"]
# NBVAL_IGNORE_OUTPUT
labels = {"style": {"description_width": "110px"}}  # room for the longest name
slider = {"continuous_update": False, **labels}  # retrain on release, not while dragging
widgets.interact(
    explore_traces,
    trace_decay=widgets.FloatSlider(value=0.9, min=0.0, max=1.0, step=0.05,
                                    description="lambda", **slider),
    alpha=widgets.FloatSlider(value=1.0, min=0.02, max=1.0, step=0.01, **slider),
    target=widgets.Dropdown(options=["q_learning", "sarsa"], **labels),
    q_lambda=widgets.Dropdown(options=["naive", "watkins"], **labels),
    trace_schedule=widgets.Dropdown(options=["ramp", "constant"], **labels),
);

# %% [markdown]
# ## Your turn: the backward view and the forward view
#
# The library keeps its traces sparse and compiled. Here you write the backward view's update on
# dense tables, and the forward view's λ-return from its definition, both in plain Python. Each
# check below calls your function on dozens of inputs, compares its answers with the library's,
# and stops at the first one that differs: it names the input, what was expected, what came
# back, and the idea you missed. Once your function is right, the check puts it to work.
#
# **Exercise 5.1: one traced update.** Write `traced_update(q_values, eligibility, state, action,
# delta, alpha, decay, cut)`: the update of Watkins's Q(λ) with replacing traces after one step,
# as `traced_episode` above makes it with `visit`, `update_traced` and `clear`. `q_values` ($Q$)
# and `eligibility` ($e$) are NumPy arrays of shape `(n_states, 9)`, with $e = 0$ for a pair
# without a trace; change both in place and return nothing. The step took `action` in `state`,
# its TD error is `delta`, `alpha` is the step size (one number here, the same for every pair),
# `decay` is $\gamma\lambda$, and `cut` says whether the next action is exploratory. A trace
# that falls below `traces.TRACE_THRESHOLD` when it decays is dropped, as in the library. Once right, the check runs Watkins's
# Q(λ) in plain Python with your update in place of the library's, on chapter 4's small track,
# with the same random draws as the compiled loop; it evaluates the greedy policy learned exactly
# and compares its table with the compiled loop's.

# %% tags=["hide-input"] nbgrader={"grade": false, "grade_id": "traced_update", "locked": false, "schema_version": 3, "solution": true, "task": false}
def traced_update(q_values, eligibility, state, action, delta, alpha, decay, cut):
    ### BEGIN SOLUTION
    eligibility[state, action] = 1.0  # a replacing trace: the visit sets it to 1
    q_values += alpha * delta * eligibility  # one TD error, every traced pair
    eligibility *= decay  # gamma * lambda, in place
    eligibility[eligibility < traces.TRACE_THRESHOLD] = 0.0  # drop the faded traces
    if cut:  # Watkins: the next action is exploratory, credit stops here
        eligibility[:] = 0.0
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_traced_update", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
exercises.check_traced_update(traced_update)

# %% [markdown]
# **Exercise 5.2: the λ-return.** Write `lambda_return(rewards, values, t, gamma, trace_decay)`,
# the λ-return $G^\lambda_t$ of step `t` of an episode that ended after $T$ steps, from the
# weighted $n$-step returns of the forward view (`trace_decay` is λ). `rewards` and `values` are
# lists of $T$ numbers: `rewards[k]` is $r_{k+1}$, the reward of step $k$, and `values[k]` is
# $Q(s_k, a_k)$, the value of the pair taken at step $k$, from which an $n$-step return ending
# there bootstraps (SARSA's returns). In an episode that ends, every $n$-step return that reaches
# the end ($t + n \ge T$) is the return to the end, $G_t$, which does not bootstrap (Sutton &
# Barto eq. 12.3). Once right, the check computes your λ-returns on an episode driven on track 1
# and compares them with what the library's traces credit each pair: the two views side by side.

# %% tags=["hide-input"] nbgrader={"grade": false, "grade_id": "lambda_return", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lambda_return(rewards, values, t, gamma, trace_decay):
    ### BEGIN SOLUTION
    end = len(rewards)  # T: the last step is T - 1

    def n_step_return(n):  # G_{t:t+n}; with t + n = T, the return to the end
        discounted = sum(gamma**i * rewards[t + i] for i in range(n))
        if t + n < end:  # bootstrap, unless the episode is over
            discounted += gamma**n * values[t + n]
        return discounted

    weighted = sum((1 - trace_decay) * trace_decay ** (n - 1) * n_step_return(n)
                   for n in range(1, end - t))
    return weighted + trace_decay ** (end - t - 1) * n_step_return(end - t)  # the rest: G_t
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_lambda_return", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
exercises.check_lambda_return(lambda_return)

# %% [markdown]
# ## Exercises
#
# 1. **Accumulating traces.** Train Watkins's Q(0.9) with `trace_kind="accumulating"`. Does it
#    differ from replacing traces here? Why might it matter more with a constant step size?
# 2. **How long is a trace?** With replacing traces, $\gamma = 1$ and λ = 0.9, how many steps
#    after a visit is a pair's trace dropped (threshold $10^{-4}$)? And at λ = 0.99? What does
#    that mean early in training, when an episode takes thousands of steps?
# 3. **λ close to 1.** Train both algorithms with λ = 0.95. Compare with λ = 0.9 above: final
#    policy and real steps to within 10 %.
# 4. **The forward view by hand.** An episode visits three different pairs $p_0, p_1, p_2$ and
#    finishes; the TD errors were $\delta_0, \delta_1, \delta_2$ with $Q$ held fixed. With
#    accumulating traces and $\gamma\lambda = 0.5$, by how much does the backward view change
#    $Q(p_0)$ over the episode (step size $\alpha$)? Write it as $\alpha\,(G^\lambda_0 - Q(p_0))$.
#
# <details><summary>Solutions</summary>
#
# 1. `train(AgentConfig(trace_decay=0.9, trace_kind="accumulating"), model)`: median about 12.87
#    steps against 12.93 for replacing traces, within 10 % after about the same number of real
#    steps - no real difference here. With a constant α an accumulated trace of 2 or 3 (on the
#    start line the car may wait several steps) multiplies a step that never shrinks, and can
#    overshoot; the grid of this chapter shows one case: SARSA(0.9) with a constant α = 0.5 and
#    accumulating traces pushed values above 0, which no SARSA or Watkins run with replacing
#    traces ever did.
# 2. A trace is $(\gamma\lambda)^k$ after $k$ steps; it falls below $10^{-4}$ when
#    $k > \ln 10^{-4} / \ln 0.9 \approx 87.4$, so at the 88th step. At λ = 0.99 it takes 917
#    steps. The first episodes last about a thousand steps (the median of the first 100 is
#    printed under "λ at full strength from the start hurts" above), so at λ = 0.9 a finishing reward reaches back only over the
#    last 88 steps of a random drive; at λ = 0.99 over ten times more - and
#    the traced pairs (and the cost of each step) grow accordingly.
# 3. `AgentConfig(trace_decay=0.95)` and the same with `target="sarsa"`: medians about 13.79
#    (Watkins) and 13.25 (SARSA) steps, both further than at λ = 0.9. Watkins's median is outside
#    the band and only one of its 8 agents was ever within 10 %; SARSA(0.95) gets there after about
#    1.0 M real steps (and stays within after about 1.6 M), slower than at λ = 0.9.
# 4. $\alpha(\delta_0 + 0.5\,\delta_1 + 0.25\,\delta_2)$: the trace of $p_0$ is 1, 0.5, 0.25 at the
#    three steps. That is $\alpha\,(G^\lambda_0 - Q(p_0))$, since the λ-return minus $Q$ is the
#    $\gamma\lambda$-discounted sum of the TD errors that follow.
#
# </details>
#
# ## Summary
#
# - Eligibility traces apply each TD error to every recently visited pair, weighted by
#   $(\gamma\lambda)^k$: with $Q$ held fixed and accumulating traces, the backward view of the
#   λ-return (tested against the λ-return computed from its definition).
# - Replacing traces (the default) cap a trace at 1; the library keeps traces sparse.
# - Watkins's Q(λ) cuts its traces after an exploratory action. Naive Q(λ) does not, and adds
#   to SARSA's λ-return a push that is never negative; on this track that push ran away when
#   large steps, long traces and frequent exploration came together (with the default step
#   sizes and a constant λ ≥ 0.8, and even with a constant α = 0.1 at λ ≥ 0.9), and never
#   without the push (SARSA(λ), Watkins's Q(λ)).
# - λ = 0.9 cuts the real steps Watkins's Q(λ) needs to get within 10 % of the optimum by more
#   than half, but does not improve the final policy (λ = 0.5 does, a little), and each step
#   costs more time.
# - λ grows with the agent's greed (the ramp): without it, SARSA(0.9) is trapped more than 20 %
#   above the optimum, its estimates of the better actions at the start line tens of steps too
#   low.
#
# **Next**: [chapter 6](06_experience_replay.ipynb) replays stored transitions instead of tracing recent ones.

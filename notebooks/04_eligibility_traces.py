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
# - SARSA(λ), and Watkins's Q(λ), which cuts its traces after an exploratory action - and what
#   happens on this track to "naive" Q(λ), which does not;
# - what λ buys on the racetrack, measured exactly against the optimum, per real step and per
#   second.
#
# **Time**: about 45 minutes. **Needs**: chapter 3.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import racetrack_lib as rl
from racetrack_lib import plotting, td, traces
from racetrack_lib.config import AgentConfig
from racetrack_lib.errors import RacetrackError
from racetrack_lib.show import show_source
from racetrack_lib.training import train

model = rl.TabularModel.build("track1", noise=0.1)
optimum = rl.expected_steps_from_start(model, rl.value_iteration(model).values)
print(f"track 1, noise 0.1: the optimum is {optimum:.3f} expected steps (chapter 2)")

# %% [markdown]
# ## One reward, many updates
#
# One-step TD (chapter 3) moves only $Q(s, a)$, the pair just left. When the car crosses the
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
# $\lambda = 0$ is the one-step target of chapter 3; $\lambda = 1$ is the Monte Carlo return, the
# actual sum of rewards to the end of the episode. In between, λ sets how far the target trusts
# what really happened before it trusts the table.

# %% mystnb={"figure": {"name": "fig-4-1", "caption": "The weight $(1-\\lambda)\\lambda^{n-1}$ of each $n$-step return in the $\\lambda$-return: the longer the return, the less it counts."}}
fig, ax = plt.subplots(figsize=(6, 3))
n = np.arange(1, 41)
for trace_decay in (0.5, 0.8, 0.9):
    ax.plot(n, (1 - trace_decay) * trace_decay ** (n - 1), marker="o", markersize=3,
            label=rf"$\lambda$ = {trace_decay}")
ax.set_xlabel("n (the n-step return)")
ax.set_ylabel(r"weight $(1-\lambda)\lambda^{n-1}$")
ax.set_title(r"Figure 4.1: the weights of the $\lambda$-return")
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
# \delta &= r + \gamma\, Q(s', a') - Q(s, a) &&\text{(SARSA; } \max_b Q(s', b) \text{ for Q-learning, as in chapter 3)}\\
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
# So, with accumulating traces and a fixed step size per pair, the backward view summed over an
# episode makes the same updates as the forward view when $Q$ does not change during the episode
# (a test, `test_backward_view_equals_the_forward_view_lambda_return`, checks it on a logged
# episode). Replacing traces differ only when a pair is revisited within an episode, and learning
# online changes $Q$ as it goes; both are approximations of the forward view, close ones when the
# step sizes are small.
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
# schedule of chapter 3.
#
# ## SARSA(λ), Watkins's Q(λ), and naive Q(λ)
#
# For SARSA the traces are simply the backward view of its on-policy λ-return (Sutton & Barto
# section 12.7). For Q-learning there is a catch. Its target is the value of the *greedy* policy.
# The rewards that follow an exploratory action are not what the greedy policy would have got,
# so they must not be credited to the pairs before it. **Watkins's Q(λ)** (Watkins 1989; Sutton &
# Barto section 12.10) therefore clears every trace when the next action is not greedy: the
# λ-return is cut at the first exploratory action. While epsilon is large that happens often,
# and Watkins's Q(λ) behaves much like one-step Q-learning; as epsilon decays its traces grow
# longer.
#
# **Naive Q(λ)** (the name comes from Sutton & Barto's 1st edition, section 7.6) never cuts: the
# agent this project was first described with uses it. It credits
# greedy-policy values with returns of exploratory steps, which is not the return of any single
# policy. The library offers both (`q_lambda="watkins"`, the default, or `"naive"`). The whole
# episode loop, for all three:

# %%
show_source(td.td_lambda_episode)

# %% [markdown]
# ## Traces on the track
#
# What does an agent credit when it finally crosses the finish line? Below, an agent that has
# trained for 2,000 episodes drives one episode exploring with $\epsilon = 0.2$, and we draw the
# traces at its finishing step - the weight with which the last TD error reaches every pair
# (`traces.traces_at_finish` replays the episode through the same `visit`, `update_traced` and
# `clear`). Per cell, the largest trace over the velocities and actions taken there.

# %% mystnb={"figure": {"name": "fig-4-2", "caption": "The eligibility traces when the car finishes: without cuts the finishing step's TD error reaches back along the whole recent path; Watkins's Q(λ) credits only the pairs since the last exploratory action (white rings)."}}
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
fig.suptitle(r"Figure 4.2: traces at the finishing step, $\gamma\lambda$ = 0.9; "
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
# Eight agents each, seed 0, 100,000 episodes, the default settings of chapter 3 (the
# epsilon schedule, per-pair step sizes) with λ = 0, 0.5 and 0.9, for both algorithms. As in
# chapter 3, every greedy policy is evaluated exactly on the model.

# %%
trace_decays = (0.0, 0.5, 0.9)
curves = {}
for target, name in (("q_learning", "Watkins Q"), ("sarsa", "SARSA")):
    for trace_decay in trace_decays:
        config = AgentConfig(target=target, trace_decay=trace_decay)
        curves[f"{name}({trace_decay})"] = train(config, model, n_agents=8, seed=0,
                                                 n_jobs=2)

rows = []
for label, result in curves.items():
    to_10 = result.median_steps_to_within(0.10)
    learning_seconds = result.eval_seconds[:, -1]  # per agent, without the evaluations
    rows.append((label, np.median(result.final_expected_steps), to_10,
                 np.median(learning_seconds), result.env_steps / learning_seconds.sum()))
    print(f"{label:<15} final median {rows[-1][1]:6.2f} steps   within 10 % after "
          f"{to_10 / 1e6:4.2f} M real steps   {rows[-1][3]:4.2f} s of learning per agent "
          f"({rows[-1][4] / 1e6:4.1f} M steps/s)")

# %% mystnb={"figure": {"name": "fig-4-3", "caption": "Per real step, with λ = 0.9 both Watkins's Q(λ) and SARSA(λ) come within 10 % of the optimum sooner than their one-step versions (medians and interquartile ranges of 8 agents)."}}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
for ax, name in zip(axes, ("Watkins Q", "SARSA")):
    plotting.plot_learning_curves(
        {label: result for label, result in curves.items() if label.startswith(name)}, ax=ax)
    ax.set_title(f"{name}(λ)")
fig.suptitle("Figure 4.3: exact value of the greedy policy per real step (track 1)")
fig.tight_layout()
plt.show()

# %% mystnb={"figure": {"name": "fig-4-4", "caption": "The same curves against seconds of learning: a traced step updates many pairs and takes longer, so per second λ gains less than per real step."}}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
for ax, name in zip(axes, ("Watkins Q", "SARSA")):
    plotting.plot_learning_curves(
        {label: result for label, result in curves.items() if label.startswith(name)}, ax=ax,
        x="seconds")
    ax.set_title(f"{name}(λ)")
fig.suptitle("Figure 4.4: the same curves against wall time of learning (one core)")
fig.tight_layout()
plt.show()

# %%
summary = {label: (final, to_10) for label, final, to_10, _, _ in rows}
for label, (final, _) in summary.items():
    assert final <= 1.10 * optimum, label  # "every one ... ends within 10 %"
# "Watkins's Q(0.9) gets there in about half the real steps of one-step Q-learning"
assert summary["Watkins Q(0.9)"][1] < 0.6 * summary["Watkins Q(0.0)"][1]
assert summary["SARSA(0.9)"][1] < 0.6 * summary["SARSA(0.0)"][1]  # "SARSA ... about half"
assert summary["SARSA(0.9)"][1] < summary["SARSA(0.5)"][1] < summary["SARSA(0.0)"][1]
assert summary["Watkins Q(0.5)"][0] < summary["Watkins Q(0.0)"][0]  # "λ = 0.5 ends closer"
assert summary["Watkins Q(0.9)"][0] > summary["Watkins Q(0.5)"][0]  # "λ = 0.9 ... further"
assert summary["SARSA(0.9)"][0] > summary["SARSA(0.0)"][0]
spread = {label: curves[label].final_expected_steps for label in ("Watkins Q(0.0)",
                                                                   "Watkins Q(0.5)")}
assert 12.15 < spread["Watkins Q(0.5)"].min() and spread["Watkins Q(0.5)"].max() < 12.3
assert 12.25 < spread["Watkins Q(0.0)"].min() and 13.45 < spread["Watkins Q(0.0)"].max() < 13.55
assert 62_500 < model.n_states * 9 < 63_500  # "some 63,000 multiplications" (traces section)
speed = {label: steps_per_second for label, _, _, _, steps_per_second in rows}
for name in ("Watkins Q", "SARSA"):  # "a traced step ... the loop runs slower" (Figure 4.4)
    assert speed[f"{name}(0.9)"] < speed[f"{name}(0.0)"], name

# %% [markdown]
# The median of every one of the six ends within 10 % of the optimum. What λ buys is mainly
# **speed of learning per real step**: Watkins's Q(0.9) is within 10 % after under 40 % of the
# real steps of one-step Q-learning, and SARSA(0.9) after about half of one-step SARSA's, the
# fastest of the six. The final policy is another matter. For Watkins's Q(λ), λ = 0.5
# ends closer to the optimum than one-step Q-learning, and more consistently (all 8 agents within
# 12.2-12.3 steps, against 12.3-13.5). But λ = 0.9 ends a little *further* from it than λ = 0.5,
# and for SARSA than λ = 0: long returns through a noisy track are noisy targets, and once epsilon
# has reached its floor there is little news left to propagate.
#
# Per second the gain shrinks, and for Watkins's Q(λ) it may vanish or reverse: a traced step updates a few dozen pairs instead of one, so the
# loop runs slower: in the run that built this page, the steps per second above; timings on a
# shared machine are noisy, and `benchmarks/bench_td.py` measures them properly (the ratio of
# λ = 0.9 to one-step speed was about a third to two thirds in our runs). [Figure 4.4](#fig-4-4) shows both
# effects at once: in this run, per second of learning, one-step SARSA got close quickest.
#
# The Q-learning curves also jump to the top edge for a while, around half a million steps. A
# greedy policy is all or nothing: if a single reachable state's best-looking action leads into
# a loop (waiting on the start line, say), the whole policy never finishes and its exact value is
# infinite. Evaluating exactly shows these moments; a noisy average of returns would hide them.
#
# ## Two things that go wrong without care
#
# The defaults hide two design decisions. Here is what each one prevents, measured.
#
# **1. Naive Q(λ) diverges.** Never cutting, with a constant λ = 0.9 from the first episode,
# the table blows up: values turn positive within the first episodes (although every reward is
# $-1$) and overflow after about 300. Why? With the Q-learning target the TD errors of an episode
# no longer add up to a return: at a step where the agent takes a non-greedy action $a'$, the
# target uses $\max_b Q(s', b)$ while the next TD error starts from $Q(s', a')$. Every such step
# adds $(\gamma\lambda)^k\,(\max_b Q(s', b) - Q(s', a')) \ge 0$ to the pairs $k$ steps before
# it. In the long, random early episodes that is a steady upward push, and a larger maximum makes
# the next push larger. Off-policy λ-returns without corrections are known to need this care:
# Harutyunyan et al. (2016) prove convergence only when $\lambda\gamma\,\max_s \lVert \pi - \mu
# \rVert_1 < 1 - \gamma$ ($\pi$ the greedy policy, $\mu$ the behaviour), which for $\gamma = 1$
# allows no λ above 0 at all. The library stops and says so rather than evaluating a table of
# `nan`:

# %%
naive_constant = AgentConfig(trace_decay=0.9, q_lambda="naive", trace_schedule="constant",
                             num_episodes=2_000)
try:
    train(naive_constant, model, n_agents=1, seed=0)
    naive_diverged = False
except RacetrackError as error:
    naive_diverged = True
    print(f"RacetrackError: {error}")
assert naive_diverged

# %% [markdown]
# **2. λ at full strength from the start hurts.** The first thousand episodes are close to random
# driving, thousands of steps each. With a constant λ = 0.9 their long, pessimistic λ-returns
# pour into the estimates. Watkins's Q(λ) is protected by its own cuts (a random action is
# usually exploratory, so its traces stay short while epsilon is large); SARSA(λ) is not. The
# library's default therefore lets λ grow with the agent's greed, `trace_schedule="ramp"`:
#
# $$
# \lambda_e = \lambda\, \frac{1 - \epsilon_e}{1 - \epsilon_{\min}} ,
# $$
#
# zero while the agent drives at random, the full λ once epsilon reaches its floor. Watkins's cuts
# do something similar for Q-learning: a trace survives a step with probability about
# $1 - \tfrac{8}{9}\epsilon$ (a random action is the greedy one 1 time in 9), so its expected
# decay per step is $\gamma\lambda(1 - \tfrac{8}{9}\epsilon_e)$. With the ramp, naive Q(λ) no longer
# diverges either - measured below, not guaranteed: the theorem above does not cover it.

# %%
show_source(AgentConfig.trace_decay_at)
schedules = {}
for label, settings in (
    ("SARSA(0.9), constant λ", {"target": "sarsa", "trace_schedule": "constant"}),
    ("SARSA(0.9), ramp", {"target": "sarsa"}),
    ("Watkins Q(0.9), constant λ", {"trace_schedule": "constant"}),
    ("naive Q(0.9), ramp", {"q_lambda": "naive"}),
):
    if label == "SARSA(0.9), ramp":
        schedules[label] = curves["SARSA(0.9)"]
        continue
    schedules[label] = train(AgentConfig(trace_decay=0.9, **settings), model, n_agents=8,
                             seed=0, n_jobs=2)
schedules["Watkins Q(0.9), ramp"] = curves["Watkins Q(0.9)"]
for label, result in schedules.items():
    print(f"{label:<28} final median {np.median(result.final_expected_steps):6.2f} steps")

# %% mystnb={"figure": {"name": "fig-4-5", "caption": "With a constant λ = 0.9, SARSA settles more than 20 % above the optimum; with λ growing as epsilon decays it does not, and Watkins's Q(λ), which cuts its traces, needs no ramp."}}
finals = {label: np.median(result.final_expected_steps) for label, result in schedules.items()}
assert finals["SARSA(0.9), constant λ"] > 1.2 * optimum  # "stuck more than 20 % above"
assert finals["SARSA(0.9), ramp"] <= 1.10 * optimum
assert finals["Watkins Q(0.9), constant λ"] <= 1.10 * optimum  # "Watkins does not need it"
assert finals["naive Q(0.9), ramp"] <= 1.10 * optimum
fig, ax = plt.subplots(figsize=(7.5, 4.2))
plotting.plot_learning_curves(schedules, ax=ax)
ax.set_title("Figure 4.5: a constant λ traps SARSA(0.9); Watkins's cuts do not need the ramp")
plt.show()

# %% [markdown]
# With a constant λ, SARSA(0.9) settles on a policy more than 20 % above the optimum and stays
# there. It is an exploration trap: the long, poor returns of the early episodes made the better
# actions of often-visited states look far worse than they are (by tens of steps, in one agent
# we examined), and once epsilon is at 0.01 such an action is retried about once in 900 visits -
# too rarely for its small step size to repair the estimate. Its values for the actions it does
# take are accurate; it simply never finds out that others are better. Watkins's Q(0.9) does not
# need the ramp (here it even ends a little closer without it, as its cuts already shorten the
# early traces); naive Q(0.9) with the ramp ends within 10 % too, a little further than Watkins's. The ramp is a design choice of this book, not of Sutton &
# Barto: we chose it because the measurements above show it makes all three variants work with
# one set of defaults.
#
# ## Explore
#
# The explorer retrains 8 agents (20,000 episodes each, about a second or two) with your λ,
# first-visit step size α and target, and redraws the exact learning curves. The main points are
# already made by the figures above.

# %%
# NBVAL_IGNORE_OUTPUT
def explore_traces(trace_decay: float = 0.9, alpha: float = 1.0, target: str = "q_learning",
                   q_lambda: str = "watkins", trace_schedule: str = "ramp") -> None:
    explorer_config = AgentConfig(target=target, trace_decay=trace_decay, alpha=alpha,
                                  alpha_min=min(0.02, alpha), q_lambda=q_lambda,
                                  trace_schedule=trace_schedule, num_episodes=20_000)
    _, ax = plt.subplots(figsize=(7.5, 4))
    try:
        result = train(explorer_config, model, n_agents=8, seed=0, eval_every=500, n_jobs=2)
    except RacetrackError as error:  # e.g. naive Q(lambda) with a constant lambda diverges
        ax.text(0.5, 0.5, str(error), ha="center", va="center", wrap=True,
                transform=ax.transAxes)
        plt.show()
        return
    plotting.plot_learning_curves({f"λ = {trace_decay}": result}, ax=ax)
    ax.set_title(f"final median {np.median(result.final_expected_steps):.2f} steps, "
                 f"optimum {result.optimal_expected_steps:.2f}")
    plt.show()


labels = {"style": {"description_width": "110px"}}  # room for the longest name
slider = {"continuous_update": False, **labels}  # retrain on release, not while dragging
widgets.interact(
    explore_traces,
    trace_decay=widgets.FloatSlider(value=0.9, min=0.0, max=1.0, step=0.05,
                                    description="lambda", **slider),
    alpha=widgets.FloatSlider(value=1.0, min=0.02, max=1.0, step=0.01, **slider),
    target=widgets.Dropdown(options=["q_learning", "sarsa"], **labels),
    q_lambda=widgets.Dropdown(options=["watkins", "naive"], **labels),
    trace_schedule=widgets.Dropdown(options=["ramp", "constant"], **labels),
);

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
#    steps - no real difference here. Each pair's own step size shrinks with its visits, which
#    tames the repeated credit; with a constant α (and on the start line, where the car may
#    wait several steps) an accumulated trace of 2 or 3 multiplies the step and overshoots.
# 2. A trace is $(\gamma\lambda)^k$ after $k$ steps; it falls below $10^{-4}$ when
#    $k > \ln 10^{-4} / \ln 0.9 \approx 87.4$, so at the 88th step. At λ = 0.99 it takes 917
#    steps. Early episodes last thousands of steps, so at λ = 0.9 a finishing reward reaches
#    back only over the last 88 steps of a random drive; at λ = 0.99 over ten times more - and
#    the traced pairs (and the cost of each step) grow accordingly.
# 3. `AgentConfig(trace_decay=0.95)` and the same with `target="sarsa"`: medians about 13.79
#    (Watkins) and 13.25 (SARSA) steps, both further than at λ = 0.9. Watkins's median is outside
#    the band and only one of its 8 agents was ever within 10 %; SARSA(0.95) gets there after about
#    1.0 M real steps, slower than at λ = 0.9. Longer returns through a noisy track mean noisier
#    targets.
# 4. $\alpha(\delta_0 + 0.5\,\delta_1 + 0.25\,\delta_2)$: the trace of $p_0$ is 1, 0.5, 0.25 at the
#    three steps. That is $\alpha\,(G^\lambda_0 - Q(p_0))$, since the λ-return minus $Q$ is the
#    $\gamma\lambda$-discounted sum of the TD errors that follow.
#
# </details>
#
# ## Summary
#
# - Eligibility traces apply each TD error to every recently visited pair, weighted by
#   $(\gamma\lambda)^k$: the backward view of the λ-return.
# - Replacing traces (the default) cap a trace at 1; the library keeps traces sparse.
# - Watkins's Q(λ) cuts its traces after an exploratory action; naive Q(λ) does not, and with a
#   constant λ = 0.9 it diverges on this track.
# - λ = 0.9 cuts the real steps Watkins's Q(λ) needs to get within 10 % of the optimum by more
#   than half, but does not improve the final policy (λ = 0.5 does, a little), and each step costs more time.
# - λ grows with the agent's greed (the ramp): without it, SARSA(0.9) stays more than 20 % above
#   the optimum.
#
# **Next**: [chapter 5](05_experience_replay.ipynb) replays stored transitions instead of tracing recent ones.

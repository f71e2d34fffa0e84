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
# # Experience replay
#
# **What you will learn**
# - why the transitions an agent meets one after another are strongly correlated, and what
#   reusing them can do;
# - the replay memory: a ring buffer of past transitions, sampled uniformly, replayed through the
#   TD rule after every real step;
# - how replay combines with eligibility traces, and with SARSA;
# - what replay buys on the racetrack per real step, and what it costs per update and per
#   second, for several memory sizes and batch sizes.
#
# **Time**: about 40 minutes. **Needs**: chapters 4 and 5.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import racetrack_lib as rl
from racetrack_lib import plotting, recorded_sweeps, replay
from racetrack_lib.config import AgentConfig
from racetrack_lib.exercises import ch06 as exercises
from racetrack_lib.results import TrainingResult
from racetrack_lib.show import show_source
from racetrack_lib.training import Learner, run_episodes, train

model = rl.TabularModel.build("track1", noise=0.1)
optimum = rl.expected_steps_from_start(model, rl.value_iteration(model).values)
print(f"track 1, noise 0.1: the optimum is {optimum:.3f} expected steps (chapter 2)")

# %% [markdown]
# ## Every transition used once
#
# The agents of chapters 4 and 5 learn from each transition once, at the moment it happens, and
# then forget it. Two things are wasteful about that. A transition that carried news - the first
# time the car crossed the finish from some state - updates one estimate and is gone; the states
# before it learn the news only when the car passes there again. And the transitions arrive in a
# strongly correlated order: a run of steps on the start line, then a run up the straight, then
# the corner. The table is updated in long runs about one small region of the track at a time.
# (With a neural network, as in DQN, such runs destabilise learning, because every update moves
# weights shared by all states. A table has no shared weights to disturb, so on the racetrack
# the argument for replay is rather the *reuse*: spreading news to earlier states without
# driving there again. This chapter measures what replay buys as a whole and does not separate
# the two effects.)
#
# **Experience replay** (Lin, 1992; made famous by DQN, Mnih et al., 2015) keeps the last
# `memory_size` transitions $(s, a, r, s', a', \text{done})$ and, after every real step, replays
# `batch_size` of them, drawn uniformly from memory, through the same TD update. Each real
# transition is then used about `batch_size` times over its life in memory, in a shuffled order.
#
# First, the correlation. Below, an agent has driven 500 episodes with a memory of 10,000
# transitions. On the left, the row of the car for 300 consecutive transitions as stored: each
# episode climbs from the start line (row 31) to the finish (rows 0-5), a sawtooth in which each
# row predicts the next. On the right, 300 transitions as replay samples them.

# %% mystnb={"figure": {"name": "fig-6-1", "caption": "The row of the car in consecutive transitions as driven (left) and in transitions sampled uniformly from the memory (right): the first are strongly correlated, the second hardly at all."}}
learner = Learner.new(model, AgentConfig(memory_size=10_000, batch_size=8))
config_500 = AgentConfig(memory_size=10_000, batch_size=8, num_episodes=500)
run_episodes(learner, model, config_500, np.random.default_rng(0), 0, 500)
stored_states = learner.memory.states
size, position = learner.memory.fill
oldest_first = np.roll(stored_states, -position)  # the ring buffer in time order
consecutive_rows = model.positions[oldest_first[-300:], 0]
sampling_rng = np.random.default_rng(1)
sample = np.array([replay.sample_slot(learner.memory, sampling_rng) for _ in range(300)])
sampled_rows = model.positions[stored_states[sample], 0]


def lag_one_correlation(values: np.ndarray) -> float:
    """Correlation of each value with the next one."""
    return float(np.corrcoef(values[:-1], values[1:])[0, 1])


fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
for ax, rows, label in ((axes[0], consecutive_rows, "consecutive (as driven)"),
                        (axes[1], sampled_rows, "sampled uniformly from memory")):
    ax.plot(rows, marker=".", linewidth=0.6)
    ax.set_title(f"{label}\nlag-1 correlation {lag_one_correlation(rows):.2f}")
    ax.set_xlabel("transition")
axes[0].set_ylabel("row of the car (0 = top)")
axes[0].invert_yaxis()
fig.suptitle("Figure 6.1: consecutive transitions are correlated; uniform samples of them are not")
fig.tight_layout()
plt.show()
print(f"memory: {size} transitions stored, next write at slot {position}")

# %%
assert lag_one_correlation(consecutive_rows) > 0.6  # "strongly correlated"
assert abs(lag_one_correlation(sampled_rows)) < 0.2  # "... are not"

# %% [markdown]
# ## The memory: a ring buffer
#
# The memory is one numpy array per field of a transition $(s, a, r, s', a', \text{done})$, of
# length `memory_size`, plus a write position and a count, held together in one record. A new
# transition goes to the write position, which then moves on by one and wraps
# around to 0 at the end: when the memory is full, the oldest transition is overwritten. Sampling
# draws a slot uniformly from the slots filled so far, with the agent's own random generator, so
# replay is as reproducible as everything else (tests check the capacity, the wrap-around, that
# an empty slot is never sampled, and uniformity by a chi-square test).

# %%
show_source(replay.ReplayMemory, replay.new_memory, replay.store, replay.sample_slot)

# %% [markdown]
# ## The batch update
#
# After each real step (and its own TD update), the agent stores the transition and replays a
# batch. Each replayed transition gets the one-step update of chapter 4 - the same `td_target`
# and `td_update` - with the agent's own target, and the step size of its pair. Replays do not count as visits, so $n(s, a)$ stays the
# number of real visits: a pair seen once is replayed with $\alpha_1 = 1$, and each of its
# replays sets $Q(s, a)$ to that one target - until real visits shrink its step size.
#
# $$
# Q(s, a) \leftarrow Q(s, a) + \alpha_n(s, a)\,\bigl(r + \gamma\,\max_b Q(s', b) - Q(s, a)\bigr)
# \qquad\text{(Q-learning; } r \text{ alone if the step finished)}
# $$

# %%
show_source(replay.replay_batch, replay.remember_and_replay)

# %% [markdown]
# Two design decisions hide in these lines.
#
# **Replay and eligibility traces.** A trace is the memory of *the trajectory being driven now*:
# it says "this pair led, a few steps ago, to where the car is". A replayed transition was driven
# long ago; tracing it would credit it with TD errors of the current trajectory, which it did not
# lead to. So replayed updates are one-step and untraced; traces keep working on the online
# sequence exactly as in chapter 5. (Replaying whole stored sequences with their λ-returns is
# possible, but it needs the returns recomputed with the current table; we keep replay simple.)
# A test checks the combined loop against a dense textbook implementation.
#
# **Replay and SARSA.** SARSA's target uses the next action *the agent took*, $a'$, which is
# stored with the transition. But it was chosen by an older policy (early in training a more
# exploratory one; later, older greedy choices): replaying
# it makes SARSA learn about a mixture of its past policies. Q-learning's max target does not
# care which policy chose the stored action, which is why replay is usually paired with
# Q-learning. Exercise 1 measures the difference.
#
# ## What replay buys
#
# Eight agents each, seed 0, 20,000 episodes (a fifth of chapter 4's: replay needs fewer), the
# default settings otherwise: without replay, with memories of 1,000, 10,000 and 100,000
# transitions (batch 8), and with batches of 2 and 8 (memory 10,000). For each setting the table
# gives the median agent's final policy, the real steps until it was first within 10 % of the
# optimum and until it was within from then on (chapter 4's two measures), the TD updates of the
# first, and the seconds of learning per agent: the wall time of its learning loop, evaluations
# excluded.
#
# Training these 40 agents takes too long to repeat every time the chapter runs (the time it took is
# printed below), so `python scripts/record_sweeps.py replay` (from a clone of the repository)
# trained them once and saved their learning curves in the library's `data` folder, which is
# installed with it; `recorded_sweeps.saved_sweep("replay")` loads them wherever the chapter runs,
# after checking that they were trained with the settings of this version of the library. Run the
# script again to re-record them. The numbers are what the library computes (a test re-trains the
# start of every setting and compares); the seconds were measured when the sweep was recorded, one
# agent at a time, and change from run to run with the load on the machine.

# %%
replay_settings = recorded_sweeps.SETTINGS["replay"]  # label: fields changed from the defaults
results = recorded_sweeps.saved_sweep("replay")
print(f"recorded by scripts/record_sweeps.py: {len(results)} settings of 8 agents x 20,000 "
      f"episodes, trained in {sum(result.seconds for result in results.values()):.0f} s on the "
      "machine that ran it")
summary = {}
print(f"{'':<24} {'final':>6}   {'first within 10 % after':<25} {'within from':<12} learning\n"
      f"{'':<24} {'steps':>6}   {'real steps':<12} {'updates':<12} {'then on':<12} per agent")
for label, result in results.items():
    # inf: half the agents never got there (or, for the second, were outside at the end)
    to_10 = result.median_steps_to_within(0.10)
    stay_10 = result.median_steps_to_stay_within(0.10)
    updates_to_10 = to_10 * (1 + result.config.replayed_per_step)
    seconds = np.median(result.eval_seconds[:, -1])
    summary[label] = (np.median(result.final_expected_steps), to_10, updates_to_10, seconds,
                      stay_10)
    print(f"{label:<24} {summary[label][0]:6.2f}   {to_10 / 1e6:6.2f} M     "
          f"{updates_to_10 / 1e6:6.1f} M     {stay_10 / 1e6:6.2f} M     {seconds:4.1f} s")

# %% [markdown]
# Is the file what the library computes? An agent's random numbers depend only on the seed and
# its number, so the first agent of "memory 10,000, batch 8" can be re-trained alone: every
# evaluation should come out the same, and only the seconds differ.

# %%
recorded = results["memory 10,000, batch 8"]
again = train(recorded.config, model, n_agents=1, seed=0)
identical = (np.array_equal(again.greedy_expected_steps, recorded.greedy_expected_steps[:1])
             and np.array_equal(again.eval_env_steps, recorded.eval_env_steps[:1]))
print(f"memory 10,000, batch 8, agent 0 re-trained: every evaluation identical to the recorded "
      f"one: {identical}; learning took {again.eval_seconds[0, -1]:.1f} s here, "
      f"{recorded.eval_seconds[0, -1]:.1f} s when recorded")
assert identical

# %% mystnb={"figure": {"name": "fig-6-2", "caption": "Per real step, replay brings the agents within 10 % of the optimum far sooner than one-step Q-learning; left, memory sizes; right, batch sizes."}}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
memory_curves = {label: results[label] for label in list(results)[:4]}
plotting.plot_learning_curves(memory_curves, ax=axes[0])
axes[0].set_title("memory size (batch 8)")
batch_curves = {label: results[label] for label in
                ("no replay", "memory 10,000, batch 2", "memory 10,000, batch 8")}
plotting.plot_learning_curves(batch_curves, ax=axes[1])
axes[1].set_title("batch size (memory 10,000)")
fig.suptitle("Figure 6.2: exact value of the greedy policy per real step (track 1)")
fig.tight_layout()
plt.show()

# %% mystnb={"figure": {"name": "fig-6-3", "caption": "The same agents per TD update, replayed updates included: per update the picture reverses, because a replayed update is worth less than a fresh one."}}
fig, ax = plt.subplots(figsize=(7.5, 4.2))
plotting.plot_learning_curves(batch_curves, ax=ax, x="updates")
ax.set_title("Figure 6.3: the same, per TD update (replayed updates included)")
plt.show()

# %%
no_replay = summary["no replay"]
assert not no_replay[0] <= 1.10 * optimum  # "not yet within 10 % after 20,000 episodes"
for label in ("memory 10,000, batch 8", "memory 100,000, batch 8"):
    assert summary[label][0] <= 1.10 * optimum, label
assert summary["memory 1,000, batch 8"][0] > summary["memory 10,000, batch 8"][0]
assert summary["memory 100,000, batch 8"][0] < summary["memory 10,000, batch 8"][0]
assert summary["memory 100,000, batch 8"][1] == min(value[1] for value in list(summary.values())[1:])
batch_2, batch_8 = summary["memory 10,000, batch 2"], summary["memory 10,000, batch 8"]
print(f"batch 8 / batch 2: {batch_8[1] / batch_2[1]:.2f} x the real steps, "
      f"{batch_8[2] / batch_2[2]:.2f} x the updates to within 10 %")
assert batch_8[1] < batch_2[1] and batch_8[2] > 2 * batch_2[2]
assert batch_8[0] < batch_2[0] <= 1.10 * optimum  # "... further from the optimum, still within"
assert abs(batch_2[0] - 13.17) < 0.005  # "at 13.17 steps"
assert 0.6e6 < batch_8[4] < 0.64e6  # "and from 0.62 million on"
assert summary["memory 100,000, batch 8"][4] == min(value[4] for value in list(summary.values())[1:])


def seconds_per_real_step(result: TrainingResult) -> float:
    """Median over agents of the seconds of learning per real step (the recorded timing)."""
    return float(np.median(result.eval_seconds[:, -1] / result.eval_env_steps[:, -1]))


# The recorded seconds. Timings vary with the load on the machine (the ratio was 5 to 10 in the
# runs made while writing this chapter); the margin leaves room for a recording in which another
# process slowed one setting only.
per_million = {label: 1e6 * seconds_per_real_step(results[label])
               for label in ("no replay", "memory 10,000, batch 8")}
print("seconds of learning per million real steps, as recorded: "
      + "; ".join(f"{label}: {seconds:.2f} s" for label, seconds in per_million.items()))
assert per_million["memory 10,000, batch 8"] > 2 * per_million["no replay"]  # "more than twice"
small_memory = results["memory 1,000, batch 8"]
# the real steps of the last 1,000 episodes: those between the evaluations after 19,000 and 20,000
late_steps = small_memory.eval_env_steps[:, -1] - small_memory.eval_env_steps[
    :, list(small_memory.eval_episodes).index(19_000)]
late_length = late_steps.mean() / 1_000
print(f"memory 1,000: the last 1,000 episodes took {late_length:.1f} steps on average, so the "
      f"memory held about {1_000 / late_length:.0f} of them")
assert 1_000 / late_length < 80  # "under 80 late episodes"

# Two learners of chapters 4 and 5, without replay, 100,000 episodes as there:
without_replay = {
    "one-step Q-learning": train(AgentConfig(), model, n_agents=8, seed=0, n_jobs=2),
    "SARSA(0.5)": train(AgentConfig(target="sarsa", trace_decay=0.5), model, n_agents=8,
                        seed=0, n_jobs=2),
}
for label, result in without_replay.items():
    print(f"{label:<20} within 10 % after {result.median_steps_to_within() / 1e6:.2f} M real "
          f"steps, from then on after {result.median_steps_to_stay_within() / 1e6:.2f} M "
          f"(= updates: one per real step)")
q_learning, sarsa_05 = without_replay.values()
assert 1.4e6 < q_learning.median_steps_to_within() < 1.55e6  # "about 1.5 million"
assert 1.9e6 < q_learning.median_steps_to_stay_within() < 2.05e6  # "about 2.0 million"
assert 0.45e6 < sarsa_05.median_steps_to_within() < 0.48e6  # "after 0.46 million"
assert 0.53e6 < sarsa_05.median_steps_to_stay_within() < 0.57e6  # "from 0.55 million on"

# %% [markdown]
# (The bands are the interquartile range of the agents; a greedy policy that never finishes is
# drawn at the top edge, 400.)
#
# Per **real step**, replay is a large gain over one-step Q-learning: after 20,000 episodes the
# agents without replay are still far from the optimum (chapter 4's agents, trained for 100,000
# episodes, first got within 10 % after about 1.5 million real steps and stayed within from about
# 2.0 million on, printed above), while with a memory of 10,000 and batches of 8 the median agent is
# within 10 % after about 0.5 million real steps, and from 0.62 million on. Replay is not the only
# way to learn from so little experience: chapter 5's SARSA(0.5), without replay, got there after
# 0.46 million, and stayed from 0.55 million on (printed above).
#
# The memory size matters. A small memory (1,000 transitions: late in training, about 76
# episodes) replays a narrow window of recent driving and ends further from the optimum; a
# large one (100,000) keeps old, varied experience, gets there soonest and ends closest.
# Batches of 2 reach the band after a little more real experience than batches of 8 (0.63
# against 0.52 M steps) and end further from the optimum, at 13.17 steps against 12.56 (still
# within 10 %); one seed is not enough to say more about small batches.
#
# Per **update**, the picture reverses ([Figure 6.3](#fig-6-3)): a replayed update is a second,
# third, ... look at a transition already used, and it is worth less than a fresh one. Batches of 8
# need about 2.5 times the updates of batches of 2 to reach the band, and chapter 4's agents without
# replay needed only about 1.5 million updates (one per real step). And updates cost time: the loop
# makes `1 + batch_size` updates per real step, and in the recorded sweep a real step with replay
# (memory 10,000, batch 8) took more than twice as long as one without (asserted; the seconds per
# million real steps printed above give the recorded ratio; the table's seconds are per agent, and
# the agents drove different numbers of real steps). Replay trades computation for experience -
# the right trade when experience is expensive (a real car, a slow simulator). Whether it pays per
# second when a real step is a table lookup, as here, chapter 8 measures.
#
# ## Explore
#
# The explorer draws the learning curves of [Figure 6.2](#fig-6-2) for one setting: eight
# agents, seed 0, 20,000 episodes, with your memory size, batch size and target. It opens on
# the figure's "memory 10,000, batch 8" (the settings of the figure are shown from the recorded
# sweep; any other is trained anew, eight agents, two at a time: the table's seconds per agent,
# as recorded, suggest how long that takes, longer for large batches). **Question**:
# with batches of 8, what is the smallest memory with which the median agent's final policy is
# within 10 % of the optimum?


# %%
def explore_replay(memory_size: int = 10_000, batch_size: int = 8,
                   target: str = "q_learning") -> None:
    """Figure 6.2's curves for one setting; the recorded settings are not trained again."""
    batch_size = min(batch_size, max(memory_size, 1))  # a batch cannot exceed the memory
    settings = ({} if memory_size == 0 else {"memory_size": memory_size, "batch_size": batch_size})
    label = f"memory {memory_size:,}, batch {batch_size}" if memory_size else "no replay"
    if target == "q_learning" and settings in replay_settings.values():
        result = results[next(name for name, trained in replay_settings.items()
                               if trained == settings)]
    else:
        result = train(AgentConfig(target=target, num_episodes=20_000, **settings), model,
                       n_agents=8, seed=0, n_jobs=2)
    _, ax = plt.subplots(figsize=(7.5, 4))
    plotting.plot_learning_curves({f"{label}, {target}": result}, ax=ax)
    final = np.median(result.final_expected_steps)
    inside = "within" if final <= 1.10 * optimum else "not within"
    ax.set_title(f"final median {final:.2f} steps: {inside} 10 % of the optimum "
                 f"{optimum:.2f}")
    plt.show()


# %% tags=["hide-input"]
# NBVAL_IGNORE_OUTPUT
labels = {"style": {"description_width": "110px"}}  # room for the longest name
slider = {"continuous_update": False, **labels}  # retrain on release, not while dragging
widgets.interact(
    explore_replay,
    memory_size=widgets.SelectionSlider(options=[0, 100, 1_000, 10_000, 100_000],
                                        value=10_000, **slider),
    batch_size=widgets.IntSlider(value=8, min=1, max=32, **slider),
    target=widgets.Dropdown(options=["q_learning", "sarsa"], **labels),
);

# %% [markdown]
# ## Your turn: the replay memory
#
# The library's memory is compiled; here you write its two operations in plain Python, on the
# library's own record (`replay.new_memory(capacity)` makes an empty one). Each check below calls
# your function on many memories, compares what it does with what the library does, and stops at
# the first difference: it names the input, what was expected, what came back, and the idea you
# missed. Once your function is right, the check uses it on the memory of
# [Figure 6.1](#fig-6-1).
#
# **Exercise 6.1: storing a transition.** Write `store(memory, transition)`, the ring buffer's
# write: it changes `memory` in place and returns nothing. `memory` is a `replay.ReplayMemory`:
# six arrays of length `capacity` - `states`, `actions`, `rewards`, `next_states`,
# `next_actions`, `dones`, one per field of a transition - and `fill`, the array
# `[size, next slot]`. `transition` is a `td.Transition` with the fields `state`, `action`,
# `reward`, `next_state`, `next_action`, `finished`, in that order. The check's messages show a
# memory slot by slot: `t3` is the fourth transition it was given, `-` an empty slot.

# %% tags=["hide-input"] nbgrader={"grade": false, "grade_id": "store", "locked": false, "schema_version": 3, "solution": true, "task": false}
def store(memory, transition):
    ### BEGIN SOLUTION
    size, slot = memory.fill  # the transitions held, the slot to write
    capacity = len(memory.states)
    # the memory's first six arrays hold the six fields of a transition, in the same order
    for array, value in zip(memory[:6], transition):
        array[slot] = value
    memory.fill[0] = min(size + 1, capacity)  # a full memory stays full
    memory.fill[1] = (slot + 1) % capacity  # wraps around: once full, the oldest is next
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_store", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
exercises.check_store(store)

# %% [markdown]
# **Exercise 6.2: sampling a batch.** Write `replay_slots(memory, batch_size, rng)`: the slots
# that `replay_batch` replays after one real step, as a list of `batch_size` slot numbers drawn
# uniformly and with replacement among the filled slots, with the generator `rng` (a
# `np.random.Generator`); an empty list while the memory holds fewer than `batch_size`
# transitions. The answer is random, so the check calls your function 2,000 times per memory and
# tests the slots it returns: only filled slots, every one of them, equally often (a chi-square
# test), repeats within a batch as often as drawing with replacement makes them, the same slots
# again from the same generator state. Each statistical test rejects a right answer with a
# probability below one in a billion.

# %% tags=["hide-input"] nbgrader={"grade": false, "grade_id": "replay_slots", "locked": false, "schema_version": 3, "solution": true, "task": false}
def replay_slots(memory, batch_size, rng):
    ### BEGIN SOLUTION
    size = memory.fill[0]  # the filled slots are 0 to size - 1
    if size < batch_size:
        return []  # nothing is replayed before the memory holds a batch
    return [int(rng.integers(0, size)) for _ in range(batch_size)]  # uniform, with replacement
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_replay_slots", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
exercises.check_replay_slots(replay_slots)

# %% [markdown]
# ## Exercises
#
# 1. **SARSA with replay.** Train SARSA with a memory of 10,000 and batches of 8 (20,000
#    episodes). Compare with Q-learning above and explain the difference.
# 2. **What a memory holds.** Late in training an episode takes about 13 steps. How many
#    episodes does a memory of 10,000 transitions hold then? And in the first episodes, when a
#    near-random episode takes over a thousand steps? What does that mean for a memory of 1,000?
# 3. **The ring buffer.** A memory of capacity 10 has received 25 transitions, numbered 0 to 24.
#    Which transition is in slot 0, and where will the next one be written?
# 4. **Replay with traces.** Train Watkins's Q(0.9) with a memory of 10,000 and batches of 8.
#    Does it help compared with replay alone? Why would tracing the replayed transitions be
#    wrong?
#
# <details><summary>Solutions</summary>
#
# 1. `train(AgentConfig(target="sarsa", memory_size=10_000, batch_size=8, num_episodes=20_000),
#    model)`: none of the eight agents ever gets within 10 %, and the median ends at about
#    14.2 steps, against 12.6 for Q-learning with the same replay. A likely reason, which these
#    runs do not isolate: the stored next actions $a'$ were chosen by older policies, so the
#    replayed SARSA targets estimate the value of a mixture of those policies, not of the
#    current one.
# 2. About 10,000 / 13 ≈ 770 episodes late in training. The first ten episodes of these agents took
#    about 2,400 steps each on average (1,250 to 3,400 per agent), so early on the memory holds only
#    four or five episodes. A memory of 1,000 transitions holds under 80 late episodes and less than
#    one early one. It is the worst of the three memories with batches of 8 above; how much of that
#    comes from the early phase, when it holds less than an episode, and how much from its narrow
#    window late in training, these runs do not separate.
# 3. Slot 0 holds transition 20 (slots 0-4 hold 20-24, slots 5-9 hold 15-19); the next one goes
#    to slot 5, overwriting transition 15, the oldest.
# 4. `AgentConfig(trace_decay=0.9, memory_size=10_000, batch_size=8, num_episodes=20_000)`: the
#    final median is the same as replay alone (12.55 against 12.56 steps) and it gets within 10 %
#    a little earlier (0.47 against 0.52 M real steps), but stays within from about the same
#    point (0.60 against 0.62 M): with replay, the traces added little here. Tracing a replayed
#    transition would credit it with the TD errors of the trajectory being driven now, which it
#    did not lead to.
#
# </details>
#
# ## Summary
#
# - Replay stores the last `memory_size` transitions in a ring buffer and replays `batch_size`
#   of them, sampled uniformly, after every real step.
# - It breaks the correlation of consecutive transitions and reuses each one many times: on the
#   racetrack it gets within 10 % of the optimum in far fewer real steps than one-step
#   Q-learning.
# - Per update it is less efficient, and each real step takes longer; a small memory replays
#   only a narrow window of recent experience and ends further from the optimum.
# - Replayed updates are one-step, untraced, with the agent's own target. SARSA with replay
#   ended further from the optimum than Q-learning with the same replay (Exercise 1); its
#   replayed targets use the actions of its old policies.
#
# **Next**: [chapter 7](07_dyna_planning.ipynb) learns a model of the track and plans with it.

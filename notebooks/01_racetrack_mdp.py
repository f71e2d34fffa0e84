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
# # The racetrack MDP
#
# **What you will learn**
# - the racetrack of Sutton & Barto's Exercise 5.12, with every rule stated exactly;
# - how the track becomes a Markov decision process: states, actions, rewards, transitions;
# - how the library compiles it into a table, and drives it through the Gymnasium interface;
# - how bad a random driver is, and why crashing on purpose can be the best move.
#
# **Time**: about 30 minutes. **Needs**: Python and NumPy; no reinforcement learning yet.
#
# Everything this chapter runs comes from the library `racetrack_lib`; where the chapter shows
# code, it shows the library's own source, so what you read is what runs.

# %%
from fractions import Fraction

import gymnasium as gym
import matplotlib.pyplot as plt
import numpy as np

import racetrack_lib as rl
from racetrack_lib import plotting, rules
from racetrack_lib.exercises import ch01 as exercises
from racetrack_lib.show import show_source

# %% [markdown]
# ## The tracks
#
# A track is a text grid, one character a cell, row 0 at the top: `#` is a wall (off the track),
# `.` is track, `S` is the start line and `F` the finish line. These are the two tracks of
# Sutton & Barto's Figure 5.5; the car starts at the bottom and must reach the finish line on the
# right by turning a corner.

# %%
tracks = {name: rl.load_track(name) for name in ("track1", "track2")}
print(tracks["track1"].to_text())

# %% mystnb={"figure": {"name": "fig-1-1", "caption": "Track 1 and track 2 as the library reads them from their text files: the start line is at the bottom, the finish line on the right edge."}}
fig, axes = plt.subplots(1, 2, figsize=(11, 6), gridspec_kw={"width_ratios": [17, 32]})
for ax, track in zip(axes, tracks.values()):
    plotting.plot_track(track, ax=ax, legend=ax is axes[1])
fig.suptitle("Figure 1.1: the two tracks of Figure 5.5 (Sutton & Barto)")
fig.tight_layout()
plt.show()

# %% [markdown]
# A track file that breaks the grid rules is refused with a message that says where:

# %%
try:
    rl.parse_track("#S.F\n#.x.\n")
except rl.TrackError as error:
    print(error)

# %% [markdown]
# ## The rules, exactly
#
# The exercise leaves a few details open. This book fixes one reading of each, and marks the
# choices that are ours rather than the exercise's with *(ours)*. Another reading of these corner
# cases would make a slightly different problem, with its own optimal numbers.
#
# **State.** The car's position (row, column) on a track or start cell, and its velocity
# $(v_\uparrow, v_\rightarrow)$: how many cells it moves up and right per step, each an integer
# from 0 to 4. The velocity is $(0, 0)$ only on the start line.
#
# **Actions.** The nine velocity increments $(\Delta v_\uparrow, \Delta v_\rightarrow) \in
# \{-1, 0, +1\}^2$, numbered $a = 3(\Delta v_\uparrow + 1) + (\Delta v_\rightarrow + 1)$, so action 4
# is "change nothing".
#
# **An episode** starts on a start cell drawn uniformly at random, at rest. Then each step:
#
# 1. **Noise.** With probability $p = 0.1$, independently at every step, both increments are
#    zero whatever the action.
# 2. **Velocity.** Each component of $v + \Delta v$ is clipped to $0..4$. If the result is $(0, 0)$
#    and the car is not on the start line, the velocity stays what it was *(ours: the exercise
#    only forbids $(0, 0)$)*.
# 3. **Path.** The car moves from the centre of its cell by $v_\uparrow$ rows up and
#    $v_\rightarrow$ columns right, along the straight segment between the two cell centres. It
#    passes every cell whose *closed* square the segment touches - an edge or a corner point is
#    enough - each at the first time $t \in (0, 1]$ it touches it; cells touched at the same $t$
#    form a group. So a diagonal move through a grid corner touches both side cells: the car
#    cannot squeeze between two walls that meet at a corner *(ours)*.
# 4. **Outcome.** Walking the groups in order of $t$: the first group holding a finish cell ends
#    the episode, even if it also holds a wall *(ours: ties go to the finish)*; otherwise the first
#    group holding a wall, or a cell off the grid, is a **crash**: the car goes back to a start
#    cell drawn uniformly at random, at rest, and the episode goes on; otherwise the car moves to
#    the end cell.
# 5. **Reward.** $-1$ for every step, the finishing step and a crash step included. No
#    discounting ($\gamma = 1$) unless a chapter says otherwise.
#
# With $\gamma = 1$ and a reward of $-1$ a step, the return of an episode is minus its number of
# steps: maximising return means finishing in as few steps as possible.
#
# Rule 3 is the subtle one. Here are the cells three moves touch, numbered by group, with the
# time $t$ of first touch; the square outlined in black is the car's cell.

# %% mystnb={"figure": {"name": "fig-1-2", "caption": "Every cell a move passes through (rule 3), grouped by the instant the move first touches it; cells touched at the same instant form one group."}}
fig, axes = plt.subplots(1, 3, figsize=(11, 4))
for ax, velocity in zip(axes, [(1, 1), (1, 2), (3, 2)]):
    plotting.plot_path_cells(*velocity, ax=ax)
fig.suptitle("Figure 1.2: the cells a move passes (rule 3), grouped by first touch")
fig.tight_layout()
plt.show()

# %% [markdown]
# The diagonal move (1, 1) passes exactly through the corner of four cells at $t = 1/2$: the
# cell above, the cell to the right and the end cell are all touched at that instant, so they form
# one group. The library computes these groups with exact fractions; each group is
# `(t, cells)`, a cell given as (rows down, columns right) from the car's cell:

# %%
print("path_cells(1, 1):", rules.path_cells(1, 1))
# "the cell above, the cell to the right and the end cell ... form one group" at t = 1/2
assert rules.path_cells(1, 1) == ((Fraction(1, 2), ((-1, 0), (-1, 1), (0, 1))),)

# %%
show_source(rules.path_cells)

# %% [markdown]
# The step rules 2 and 4 are the two functions below. `move_outcomes` decides rule 4 for every
# cell of the track at once, for one velocity, by walking the groups in order.

# %%
show_source(rules.next_velocity, rules.move_outcomes)

# %% [markdown]
# ## The MDP in numbers
#
# How big is the problem? Every track or start cell can hold a car with any of the 24 non-zero
# velocities; start cells also hold a car at rest.

# %%
models = {}
for name, track in tracks.items():
    n_cells = int(np.isin(track.cells, [1, 2]).sum())
    model = models[name] = rl.TabularModel.build(track, noise=0.1)
    print(f"{name}: {track.shape[0]} x {track.shape[1]} grid, {n_cells} drivable cells, "
          f"{len(track.start_cells)} start cells -> {n_cells} x 24 + {len(track.start_cells)} "
          f"= {model.n_states} states, {model.n_actions} actions")

# %% [markdown]
# The action numbering, as a table of $(\Delta v_\uparrow, \Delta v_\rightarrow)$:

# %%
for dv_up in (1, 0, -1):
    print("   ".join(f"a={rules.action_number(dv_up, dv_right)}: ({dv_up:+d}, {dv_right:+d})"
                     for dv_right in (-1, 0, 1)))

# %% [markdown]
# ## The compiled model
#
# Rather than re-running the rules at every step, the library runs them once per
# (state, action) and stores the answer. `TabularModel` numbers every state and keeps, for each
# (state, action), its two possible outcomes: where the car lands when the increments apply, and
# where it lands under the noise (increments zero). An outcome is a state id, or `FINISHED` (-1),
# or `CRASHED` (-2). Dynamics then cost one table lookup, and so does everything built on them.

# %%
model = models["track1"]
print("next_states has shape", model.next_states.shape, "(states, actions, [intended, noise])")
state = model.state_id(31, 5, 0, 0)  # start cell in column 5, at rest
for action in (rules.action_number(1, 0), rules.action_number(1, 1), rules.action_number(0, -1)):
    landing = model.next_states[state, action, 0]
    print(f"from {model.describe(state)} action {action} {rules.action_increments(action)} "
          f"-> {model.describe(landing)}")

# %% [markdown]
# States print as (row, column, $v_\uparrow$, $v_\rightarrow$). The third action asks for the
# velocity $(0, -1)$; rule 2 clips it to $(0, 0)$, which is allowed on the start line, so the car
# stays where it is, at rest.
#
# One sampled step draws the noise, looks up the outcome, and restarts the car after a crash.
# This one function serves everything that drives the car: the Gymnasium environment below (through
# `TabularModel.sample_step`) and, compiled, every learner of the later chapters.

# %%
show_source(rl.mdp.sample_transition)

# %% [markdown]
# ## The Gymnasium interface
#
# For code written against the standard interface, the same model is wrapped as a
# [Gymnasium](https://gymnasium.farama.org) environment: importing `racetrack_lib` registers
# `Racetrack-v0`. Observations are state ids; `info` decodes them. `reset(seed=...)` makes an
# episode reproducible.

# %%
env = gym.make("Racetrack-v0", track="track1", noise=0.1, render_mode="ansi")
observation, info = env.reset(seed=0)
print("observation", observation, info)
for action in (7, 7, 8):
    observation, reward, terminated, truncated, info = env.step(action)
    print(f"action {action}: reward {reward}, terminated {terminated}, {info}")
print(env.render())

# %% [markdown]
# With the random seed 0 the noise struck twice in three steps: the second and the third action changed
# nothing, and the car kept its velocity (1, 0).
#
# ## A random driver
#
# How long does a driver who picks one of the nine actions uniformly at random take? We drive
# 30 seeded episodes through the Gymnasium interface:

# %%
def random_driver_episode(env: gym.Env, rng: np.random.Generator) -> tuple[int, int]:
    """Drive one episode with uniformly random actions; return (steps, crashes)."""
    env.reset(seed=int(rng.integers(2**31)))
    steps = crashes = 0
    terminated = False
    while not terminated:
        _, _, terminated, _, info = env.step(int(rng.integers(9)))
        steps += 1
        crashes += info["crashed"]
    return steps, crashes


rng = np.random.default_rng(2024)
random_env = gym.make("Racetrack-v0", track="track1")
episodes = np.array([random_driver_episode(random_env, rng) for _ in range(30)])
print(f"random driver, 30 episodes: mean {episodes[:, 0].mean():.0f} steps "
      f"(min {episodes[:, 0].min()}, max {episodes[:, 0].max()}), "
      f"mean {episodes[:, 1].mean():.0f} crashes per episode")

# %% [markdown]
# Thirty episodes are a noisy estimate. Because the model is a table, we need not guess.
# A **policy** is a rule for choosing actions: a deterministic policy $\pi(s)$ names one action
# for each state $s$, a stochastic one gives each action $a$ a probability $\pi(a \mid s)$. The
# expected number of steps of *any* policy solves one linear system (chapter 2 explains how).
# The random driver is the stochastic policy $\pi(a \mid s) = 1/9$ for every state and action:

# %%
uniform = np.full((model.n_states, model.n_actions), 1 / 9)
random_steps = rl.expected_steps_from_start(model, rl.policy_evaluation(model, uniform))
print(f"random driver, exact expected steps from the start line: {random_steps:.1f}")
assert 2400 < random_steps < 2600  # the prose below quotes "about 2,500"
# "the simulated episodes above crashed about 300 times each on average"
assert 250 < episodes[:, 1].mean() < 350

# %% [markdown]
# About 2,500 steps, and the simulated episodes above crashed about 300 times each on average
# (the shortest of them, 27 steps, far fewer): the random driver keeps being sent back to the
# start line. Chapter 2 will show that a good driver needs
# about 12.

# %% [markdown]
# ## Why crashing can be optimal
#
# A crash costs one step and puts the car on a *random* start cell. From a start cell that is
# badly placed, that lottery can be cheaper than driving. To see it cleanly, switch the noise
# off and ask dynamic programming (next chapter) for the best a driver can do. Its answer comes in
# two tables. `solution.values` holds the **optimal value** $V^*(s)$ of every state: the best
# expected return from $s$, here minus the expected number of steps to the finish.
# `solution.q_values` holds the **optimal action value** $Q^*(s, a)$ of every state and action:
# the expected return of taking $a$ in $s$ and driving optimally afterwards. The optimal expected
# steps from each start cell are then:

# %%
noiseless = rl.TabularModel.build("track1", noise=0.0)
solution = rl.value_iteration(noiseless)
steps_from = -solution.values[noiseless.start_states]
for state, steps in zip(noiseless.start_states, steps_from):
    row, col, _, _ = noiseless.describe(state)
    print(f"start cell column {col}: {steps:.2f} steps")
restart_cost = 1 + steps_from.mean()
print(f"crash now: 1 + mean over start cells = {restart_cost:.2f} steps")
# "every start cell but the last needs a whole number of steps"
assert np.allclose(steps_from[:-1], np.round(steps_from[:-1]))
assert not np.isclose(steps_from[-1], np.round(steps_from[-1]))

# %% [markdown]
# Without noise every start cell but the last needs a whole number of steps. The rightmost
# start cell (column 8) needs 11.4, not a whole number: that is exactly the price of crashing at
# once, one step plus the average over all six start cells, itself included
# ($x = 1 + (4 \cdot 10 + 11 + x)/6$ gives $x = 11.4$). Driving away from column 8 without
# crashing costs more:

# %%
worst = noiseless.state_id(31, 8, 0, 0)
drives = [a for a in range(9) if noiseless.next_states[worst, a, 0] != rl.CRASHED]
best_drive = -solution.q_values[worst, drives].max()
print(f"from column 8: best move that does not crash {best_drive:.2f} steps, "
      f"crash at once {-solution.values[worst]:.2f} steps")
assert best_drive > -solution.values[worst] + 0.5

# %% [markdown]
# An optimal driver takes, in every state, an action of largest $Q^*(s, a)$: the *greedy* policy
# of $Q^*$, which `rl.greedy_actions` computes (breaking ties at random, and counting values
# within `tolerance` of the largest as tied, since they are computed in floating point; chapter 2
# shows it). So from column 8 the optimal driver crashes on purpose and re-rolls its start cell:

# %% mystnb={"figure": {"name": "fig-1-3", "caption": "From the start cell in column 8 the optimal driver, without noise, steers into a wall on purpose: a crash puts the car back on a random start cell, which on average is quicker than driving on from here."}}
policy = rl.greedy_actions(solution.q_values, np.random.default_rng(0), tolerance=1e-9)
episode = rl.run_episode(noiseless, policy, np.random.default_rng(1), start_state=worst)
print("first events from column 8:", episode.events[:3])
assert episode.events[0] == "crash" and abs(steps_from[-1] - restart_cost) < 1e-9
plotting.plot_episode(noiseless, episode,
                      title="Figure 1.3: the optimal driver from column 8 crashes first")
plt.show()

# %% [markdown]
# With the exercise's noise of 0.1 this particular crash stops paying on track 1, but on track 2
# the rightmost start cell (column 22) still prefers to crash. Here a state *prefers to crash* when
# one of its best actions (largest $Q^*$, to within rounding) has a crash as its intended outcome:

# %%
def prefers_to_crash(model: rl.TabularModel, q_values: np.ndarray, state: int) -> bool:
    """Whether an action tied (to 1e-9) for the best Q*(state, a) crashes on purpose."""
    best = q_values[state] >= q_values[state].max() - 1e-9
    return bool((best & (model.next_states[state, :, 0] == rl.CRASHED)).any())


for name, model_of_track in models.items():  # noise 0.1
    row, column = model_of_track.track.start_cells[model_of_track.track.start_cells[:, 1].argmax()]
    rightmost = model_of_track.state_id(row, column, 0, 0)
    crashes = prefers_to_crash(model_of_track, rl.value_iteration(model_of_track).q_values, rightmost)
    print(f"{name}, noise 0.1, rightmost start cell (column {column}): prefers to crash: {crashes}")
    # "stops paying on track 1, but on track 2 the rightmost start cell (column 22) ..."
    assert (column, crashes) == {"track1": (8, False), "track2": (22, True)}[name]

# %% [markdown]
# Chapter 2's exercise 3 asks at which noise levels each track's start cells prefer to crash.
# Crashing on purpose follows from rule 4, which sends a crashed car to a random start cell: a
# crash is a move the rules allow, and an optimal driver uses it when it pays.
#
# ## Your turn: write the rules
#
# The library's rules work on whole grids at once, compiled for speed. Here you write them for
# one car, in plain Python. Each check below calls your function on hundreds of inputs, compares
# its answers with the library's, and stops at the first one that differs: it names the input,
# what was expected, what came back, and the idea you missed. Once your function is right, the
# check uses it on every move of track 1.
#
# **Exercise 1.1: the velocity update.** Write `next_velocity(v_up, v_right, dv_up, dv_right,
# on_start)` for rule 2: it returns the new velocity `(v_up, v_right)`. `on_start` says whether
# the car is on the start line. `rules.MAX_SPEED` is 4.

# %% tags=["hide-input"] nbgrader={"grade": false, "grade_id": "next_velocity", "locked": false, "schema_version": 3, "solution": true, "task": false}
def next_velocity(v_up, v_right, dv_up, dv_right, on_start):
    ### BEGIN SOLUTION
    new_up = min(max(v_up + dv_up, 0), rules.MAX_SPEED)
    new_right = min(max(v_right + dv_right, 0), rules.MAX_SPEED)
    if (new_up, new_right) == (0, 0) and not on_start:
        return v_up, v_right  # never at rest off the start line
    return new_up, new_right
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_next_velocity", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
exercises.check_next_velocity(next_velocity)

# %% [markdown]
# **Exercise 1.2: the outcome of a move.** Write `move_outcome(track, row, col, v_up, v_right)`
# for rule 4: a car on cell `(row, col)` moves with the (already updated) velocity `(v_up,
# v_right)`. Return `rules.FINISHED` if it crosses the finish line, `rules.CRASHED` if it
# crashes, and otherwise the end cell `(row - v_up, col + v_right)`. Walk the groups of
# `rules.path_cells(v_up, v_right)` in order (a cell is given as rows down and columns right from
# the car's cell); `track.cells[r, c]` holds a cell's code, `WALL`, `TRACK`, `START` or
# `FINISH` (the two you need, `FINISH` and `WALL`, are imported below).

# %% tags=["hide-input"] nbgrader={"grade": false, "grade_id": "move_outcome", "locked": false, "schema_version": 3, "solution": true, "task": false}
from racetrack_lib.track import FINISH, WALL


def move_outcome(track, row, col, v_up, v_right):
    ### BEGIN SOLUTION
    n_rows, n_cols = track.shape
    for _, cells in rules.path_cells(v_up, v_right):
        codes = []
        for d_row, d_col in cells:
            r, c = row + d_row, col + d_col
            on_grid = 0 <= r < n_rows and 0 <= c < n_cols
            codes.append(track.cells[r, c] if on_grid else WALL)  # off the grid: a wall
        if FINISH in codes:  # the finish wins a tie with a wall
            return rules.FINISHED
        if WALL in codes:
            return rules.CRASHED
    return row - v_up, col + v_right
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_move_outcome", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
exercises.check_move_outcome(move_outcome)

# %% [markdown]
# ## Exercises
#
# 1. Count the states of track 2 by hand from its grid, and check your count against
#    `rl.TabularModel.build("track2").n_states`.
# 2. Which cells does the move with velocity (2, 2) touch, and in how many groups? Predict, then
#    call `rules.path_cells(2, 2)`.
# 3. Make a track on which the "ties go to the finish" rule changes the outcome of some move, and
#    find that move in the model's `next_states`.
# 4. Estimate the random driver's expected steps on track 2, by simulation and exactly.
#
# <details><summary>Solutions</summary>
#
# 1. Track 2 has 506 drivable cells (`.` or `S`), 23 of them on the start line. Each holds 24
#    moving states and each start cell one more at rest: $506 \times 24 + 23 = 12{,}167$.
#    `np.isin(tracks["track2"].cells, [1, 2]).sum()` counts the cells for you.
# 2. Velocity (2, 2) is a pure diagonal: it passes two grid corners, at $t = 1/4$ and $t = 3/4$,
#    so `path_cells(2, 2)` has two groups of three cells each: $\{(-1,0), (-1,1), (0,1)\}$ then
#    $\{(-2,1), (-2,2), (-1,2)\}$.
# 3. The smallest example is the two-row track `#F` over `S#`: from the start cell at rest, the
#    action (+1, +1) moves diagonally through the corner where both walls and the finish cell
#    meet; `TabularModel.build("#F\nS#\n", noise=0).next_states[0, 8, 0]` is `FINISHED` (-1).
# 4. Reuse `random_driver_episode` with `gym.make("Racetrack-v0", track="track2")`, and
#    `rl.policy_evaluation` with the uniform policy on `rl.TabularModel.build("track2")`.
#
# </details>
#
# ## Summary
#
# - The racetrack is a finite MDP: a state is a position and a velocity (7,014 states on track 1,
#   12,167 on track 2), an action is one of nine velocity increments, every step pays $-1$.
# - The rules are fixed exactly, including the corner cases the exercise leaves open; the test
#   suite checks each one (`tests/test_rules.py`).
# - The library compiles the rules once into a table of outcomes (`TabularModel`), which the
#   Gymnasium environment, dynamic programming and every learner share.
# - A policy chooses the actions, $\pi(s)$ or $\pi(a \mid s)$; the exact value of any policy
#   comes from one linear solve. A random driver needs about 2,500 steps.
# - $V^*(s)$ and $Q^*(s, a)$ are the best expected returns from a state and from a state-action
#   pair; an optimal driver is greedy with respect to $Q^*$. Because a crash re-rolls the start
#   cell, crashing can be its best move.
#
# **Next**: [chapter 2](02_dynamic_programming.ipynb) computes the optimal policy exactly - the ground truth for the whole book.

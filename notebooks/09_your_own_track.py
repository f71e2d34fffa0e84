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
# # Your own track, and how the cost grows
#
# **What you will learn**
# - to draw a racetrack of your own and see, at once, its optimal driver - and then a learning
#   agent on it;
# - how the library makes random tracks of any size that are always drivable;
# - a value iteration that uses the racetrack's structure: the same $V^*$ as chapter 2's, in a
#   fraction of the sweeps;
# - how states, model, solving and learning grow with the track, up to over a million states,
#   and where the memory goes.
#
# **Time**: about 30 minutes. **Needs**: chapters 1, 2 and 8.

# %%
import json
import time
import tracemalloc
from importlib import resources

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter

import racetrack_lib as rl
from racetrack_lib import generate, memory, ordered_dp
from racetrack_lib.designer import TrackDesigner, solve_design
from racetrack_lib.exercises import ch09 as exercises
from racetrack_lib.show import show_source

# %% [markdown]
# ## The track designer
#
# Paint with the mouse: choose a brush (wall, track, start, finish) and click cells; with
# *rectangle* ticked, two clicks paint the whole box between them. *rows*, *columns* and
# *resize* change the grid (new cells are wall), *clear* starts from a blank sheet. The text box
# beside the grid holds the same track in the format of chapter 1 (`#` wall, `.` track, `S`
# start, `F` finish): edit it and click outside the box to apply the change.
#
# After every change the designer runs the library's own parser and model on the track, so it
# accepts exactly the tracks `racetrack solve` accepts. A mistake is named with its line and
# column (counted from 1, as an editor counts) and its cell turns red. A valid track is solved
# there and then: its number of states, the optimal expected steps from the start line and
# from each start cell, and the optimal policy driven without noise from every start cell. *train
# the full agent* trains chapter 8's full agent on it (three independent agents, one after the
# other) and draws their learning curves against the optimum; *save* writes the track to a file
# that the command line reads (`racetrack solve my_track.txt`,
# `racetrack train my_track.txt`).
#
# In the book the designer is a picture of the controls; it responds in JupyterLab.

# %%
designer = TrackDesigner()
designer

# %% [markdown]
# What runs after each change is this function. `replace(model, noise=0.0)` is the same model
# with no noise: the same states and the same moves, so the optimal policy of the noisy track can
# be driven on it to show where it means to go.

# %%
show_source(solve_design)

# %% [markdown]
# Everything the buttons do can also be done from code - `paint`, `set_text`, `resize`,
# `train`, `save` - which is how this chapter (and its tests) drive the designer. The starting
# track is a small corner; here is what the designer found, and one training run on it:

# %%
solution = designer.solution
print(f"{solution.model.n_states:,} states, optimal expected steps from the start line "
      f"{solution.expected_steps:.3f}; the noise-free drives take "
      f"{[drive.n_steps for drive in solution.drives]} steps")
started = time.perf_counter()
result = designer.train()
print(f"trained {result.n_agents} agents of {result.config.num_episodes:,} episodes in "
      f"{time.perf_counter() - started:.1f} s; final greedy policies "
      f"{np.round(result.final_expected_steps, 2)} expected steps "
      f"(optimum {result.optimal_expected_steps:.2f})")

# %% [markdown]
# An error, as the designer reports it - here a cell typed as `x`:

# %%
broken = designer.track_text.replace(".", "x", 1)
designer.set_text(broken)
print(designer.error)
print("marked cell (row, col from 0):", designer.error_cell)
assert designer.solution is None and designer.error_cell is not None
designer.set_text(designer.track_text)  # the grid still holds the last valid track
assert designer.solution is not None

# %% [markdown]
# ## Generated tracks
#
# Drawing by hand is slow beyond a few hundred cells. `generate.generate_track(rows, cols, seed,
# shape)` makes random tracks of any size from a seed. Each is a corridor of straight segments
# that alternate between going up and going right, each with its own width and ragged walls; the
# start line is on the bottom edge when the corridor begins by going up and on the left edge
# when it begins by going right, and the finish line is on the right edge. Because the car only
# ever moves up or right, a track is drivable only if a path of track cells leads up and right
# from the start line to the finish line; `generate.finish_reachable` searches for one, and a
# track without one is never returned. From the command line:
# `racetrack generate --rows 60 --cols 40 --seed 3 --shape s-bend --out my_track.txt`.

# %%
show_source(generate.finish_reachable)

# %% mystnb={"figure": {"name": "fig-9-1", "caption": "Generated tracks, 40 rows by 32 columns, two seeds of each shape family, with the optimal policy driven without noise from three of their start cells; the title gives the number of states and the optimal expected steps from the start line."}}
shapes = [("corner", 1), ("corner", 2), ("s-bend", 1), ("s-bend", 2), ("staircase", 1),
          ("staircase", 2)]
fig, axes = plt.subplots(1, len(shapes), figsize=(15, 4.2))
for ax, (shape, seed) in zip(axes, shapes, strict=True):
    track = generate.generate_track(40, 32, seed=seed, shape=shape)
    found = solve_design(track)
    rl.plotting.plot_drives(found.model, found.drives[:3], ax=ax,
                            title=f"{shape}, seed {seed}\n{found.model.n_states:,} states, "
                                  f"optimum {found.expected_steps:.1f}")
    ax.title.set_fontsize(8)
fig.suptitle("Figure 9.1: generated tracks, two seeds of each shape, and their optimal drives")
plt.tight_layout()
plt.show()

# %% [markdown]
# The same arguments always give the same track, and different seeds give different layouts:

# %%
again = generate.generate_track(40, 32, seed=1, shape="s-bend")
assert np.array_equal(again.cells, generate.generate_track(40, 32, seed=1, shape="s-bend").cells)
layouts = {generate.generate_track(40, 32, seed=seed, shape="random").to_text()
           for seed in range(20)}
print(f"20 seeds of shape 'random' at 40 x 32: {len(layouts)} distinct tracks")
assert len(layouts) == 20

# %% [markdown]
# ## Value iteration in the track's order
#
# Chapter 2's value iteration computes every new value from the old ones - a *Jacobi* sweep, as
# S&B eq. 4.10 writes it - and needs 84 sweeps on track 1. The racetrack has a structure that
# makes most of them unnecessary. Velocities are never negative and, off the start line, never
# (0, 0), so every move that does not crash takes the car up or right: $\text{col} -
# \text{row}$ grows. Only two kinds of transitions break that order: a crash (back to the start
# line, through the crash value, the mean of $V$ over the start states) and a car on the start
# line that stays at, or comes to, rest.
#
# So sweep the states *in place* (S&B section 4.5) in decreasing $\text{col} - \text{row}$: when
# a state is updated, every successor it can move to has already been updated in this sweep.
# After one sweep every value is exact *given the crash value*; the sweeps that follow only
# settle the crash value and the start line. The update is the same Bellman optimality backup,
# so the fixed point is the same $V^*$ - only the order in which values are replaced differs.

# %%
show_source(ordered_dp.sweep_order)

# %%
model = rl.TabularModel.build("track1")
timings = {}
for name, solver in (("textbook (chapter 2)", rl.value_iteration),
                     ("in the track's order", ordered_dp.ordered_value_iteration)):
    solver(model)  # once to compile or load the compiled code
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        solved = solver(model)
        runs.append(time.perf_counter() - started)
    timings[name] = (solved, float(np.median(runs)))
    print(f"{name:22s} {solved.sweeps:3d} sweeps, {1000 * np.median(runs):6.1f} ms "
          f"(median of 5), expected steps {rl.expected_steps_from_start(model, solved.values):.4f}")
(textbook, textbook_seconds), (ordered, ordered_seconds) = timings.values()
difference = np.abs(textbook.values - ordered.values).max()
print(f"largest difference between the two V*: {difference:.1e}; "
      f"{textbook_seconds / ordered_seconds:.0f} times faster, "
      f"{textbook.sweeps / ordered.sweeps:.1f} times fewer sweeps")
assert difference < 1e-9 and ordered.sweeps < textbook.sweeps / 2

# %% [markdown]
# The same order evaluates a *given* policy exactly in a single sweep: in that order every value
# is an affine function of the crash value $c$, $V(s) = a(s) + b(s)\,c$, built from its
# successors' $a$ and $b$; then $c$, the mean of $V$ over the start states, solves $c = A + B c$.
# Chapter 2 did the same job with a sparse linear solve, which does not scale (below).
# `racetrack solve` uses the ordered sweeps by default (`--method value_iteration` runs
# chapter 2's).

# %%
policy = rl.greedy_actions(ordered.q_values, np.random.default_rng(0), tolerance=1e-9)
started = time.perf_counter()
one_sweep = ordered_dp.ordered_policy_evaluation(model, policy)
sweep_ms = 1000 * (time.perf_counter() - started)
started = time.perf_counter()
solved_sparse = rl.policy_evaluation(model, policy)
sparse_ms = 1000 * (time.perf_counter() - started)
print(f"one ordered sweep {sweep_ms:.1f} ms, sparse solve {sparse_ms:.1f} ms; largest "
      f"difference {np.abs(one_sweep - solved_sparse).max():.1e}")
assert np.abs(one_sweep - solved_sparse).max() < 1e-9

# %% [markdown]
# ## How the cost grows
#
# How do states, model, solving and learning grow with the track? `benchmarks/bench_scaling.py`
# measures them on generated corner tracks from the size of Figure 5.5's to 400 x 400 cells,
# each size in a fresh process so that its peak memory is its own. The largest sizes take
# minutes, too long for a chapter, so the chapter loads the numbers of one run of it, saved with
# the library, and checks on the smallest sizes that the tracks it describes are the ones the
# library generates today. Timings are from the machine that ran it (two cores); yours will
# differ, not the slopes.

# %%
runs = json.loads(resources.files("racetrack_lib").joinpath("data", "scaling.json").read_text())
print(f"timed on {runs[0]['timed_on']}; the full agent's real steps are counts, the same on any "
      "machine")
print(f"{'track':>9} {'states':>10} {'build s':>8} {'sweeps':>6} {'solve s':>8} "
      f"{'textbook s':>10} {'eval s':>7} {'sparse s':>8} {'Q M/s':>6} {'peak MB':>8}")
for run in runs:
    print(f"{run['rows']:>4}x{run['cols']:<4} {run['n_states']:>10,} {run['build_seconds']:8.2f} "
          f"{run['ordered_sweeps']:6d} {run['ordered_seconds']:8.2f} "
          f"{run.get('textbook_seconds', float('nan')):10.2f} {run['evaluation_seconds']:7.3f} "
          f"{run.get('sparse_evaluation_seconds', float('nan')):8.2f} "
          f"{run['q_learning_steps_per_second'] / 1e6:6.2f} {run['max_rss_mb']:8.0f}")
for run in runs[:3]:  # the saved numbers describe the tracks the library generates now
    track = generate.generate_track(run["rows"], run["cols"], seed=1, shape="corner")
    assert rl.TabularModel.build(track).n_states == run["n_states"]
largest = runs[-1]
assert largest["n_states"] >= 1_000_000
assert max(run["ordered_seconds"] for run in runs) < 60

# %% [markdown]
# Each quantity against the number of states, on log-log axes; the dashed line is a least-squares
# fit $y \propto n^{k}$ and $k$, its slope, is in the legend. A slope of 1 is linear growth.

# %% mystnb={"figure": {"name": "fig-9-2", "caption": "How the cost grows with the number of states, on generated corner tracks from 5,000 to 1.27 million states (one benchmark run on a 2-core machine): each quantity on log-log axes with its least-squares slope. The full agent was measured up to the size its budget allowed (median of three agents, the bar from the fastest to the slowest)."}}
def fitted_slope(ax, states, values, label, marker="o"):
    """Plot values against states on log-log axes with the least-squares slope in the label."""
    states, values = np.asarray(states, float), np.asarray(values, float)
    slope, intercept = np.polyfit(np.log(states), np.log(values), 1)
    ax.loglog(states, values, marker, label=f"{label}: slope {slope:.2f}")
    ax.loglog(states, np.exp(intercept) * states ** slope, "--", color="grey", linewidth=1)
    return slope


def column(key):
    """(states, values) of the sizes at which ``key`` was measured."""
    chosen = [run for run in runs if run.get(key) is not None]
    return [run["n_states"] for run in chosen], [run[key] for run in chosen]


fig, axes = plt.subplots(2, 4, figsize=(17, 8))
slopes = {}
slopes["states per grid cell"] = fitted_slope(
    axes[0, 0], [run["rows"] * run["cols"] for run in runs], [run["n_states"] for run in runs],
    "states")
axes[0, 0].set(xlabel="cells of the grid (rows x columns)", ylabel="states",
               title="states of a generated corner")
slopes["build"] = fitted_slope(axes[0, 1], *column("build_seconds"), "model build")
axes[0, 1].set(ylabel="seconds", title="building the model")
slopes["ordered"] = fitted_slope(axes[0, 2], *column("ordered_seconds"), "ordered sweeps")
slopes["textbook"] = fitted_slope(axes[0, 2], *column("textbook_seconds"), "textbook", "s")
axes[0, 2].set(ylabel="seconds", title="value iteration")
slopes["ordered sweeps"] = fitted_slope(axes[0, 3], *column("ordered_sweeps"), "ordered")
slopes["textbook sweeps"] = fitted_slope(axes[0, 3], *column("textbook_sweeps"), "textbook", "s")
axes[0, 3].set(ylabel="sweeps", title="value iteration: sweeps to converge")
slopes["evaluation"] = fitted_slope(axes[1, 0], *column("evaluation_seconds"),
                                    "one ordered sweep")
slopes["sparse"] = fitted_slope(axes[1, 0], *column("sparse_evaluation_seconds"),
                                "sparse solve", "s")
axes[1, 0].set(ylabel="seconds", title="exact policy evaluation")
slopes["q_learning"] = fitted_slope(axes[1, 1], *column("q_learning_steps_per_second"),
                                    "steps per second")
axes[1, 1].set(ylabel="real steps per second", title="one-step Q-learning, speed")
agent_states, agent_median = column("agent_steps_to_within_10pct_median")
slopes["full agent"] = fitted_slope(axes[1, 2], agent_states, agent_median, "median")
measured = [run for run in runs if run.get("agent_steps_to_within_10pct_median") is not None]
axes[1, 2].vlines(agent_states, [run["agent_steps_to_within_10pct_min"] for run in measured],
                  [run["agent_steps_to_within_10pct_max"] for run in measured], color="C0")
axes[1, 2].set(ylabel="real steps", title="full agent: real steps to within 10 %")
slopes["build memory"] = fitted_slope(axes[1, 3], *column("build_peak_mb"), "building")
slopes["solve memory"] = fitted_slope(axes[1, 3], *column("ordered_peak_mb"), "solving", "s")
axes[1, 3].set(ylabel="MB", title="peak memory allocated (traced)")
for ax in axes.flat:
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    ax.xaxis.set_minor_formatter(NullFormatter())  # powers of ten only: no crowded labels
    if ax is not axes[0, 0]:
        ax.set_xlabel("states")
fig.suptitle("Figure 9.2: how the cost grows with the number of states (log-log, fitted slopes)")
plt.tight_layout()
plt.show()
print("fitted slopes:", {name: round(slope, 2) for name, slope in slopes.items()})

# %% [markdown]
# What the slopes say:
#
# - A generated corner has states in proportion to its grid's cells (24 velocities on each
#   track cell, one more on each start cell).
# - Building the model, evaluating a policy in one ordered sweep and the memory of both grow in
#   proportion to the states: twice the track, twice the cost.
# - Value iteration grows faster than the states, because the number of sweeps grows too. The
#   ordered sweeps stay several times faster than the textbook's at every size where both ran
#   (the ratios below); on the largest track the ordered solve takes the seconds of the table
#   above, against the minute the requirement of a million states allows.
# - The sparse solve of chapter 2 grows fastest of all; the benchmark stops it at 250,000 states.
# - One-step Q-learning slows down only slowly with the track: from the smallest tracks to the
#   largest, 250 times the states, its speed falls by about half.
# - The full agent's real steps to within 10 % grow about in proportion to the states over the
#   five sizes it was measured on; the computing time its three agents took at the largest of
#   them (below) is why the benchmark stops there. Most of those steps come early, while epsilon
#   is still above its floor.

# %%
both = [run for run in runs if run.get("textbook_seconds") is not None]
ratios = [run["textbook_seconds"] / run["ordered_seconds"] for run in both]
print("textbook / ordered seconds:", ", ".join(f"{ratio:.0f}x" for ratio in ratios))
shares = []
for run in runs:
    if run.get("agent_steps_while_exploring"):
        shares.append(np.sum(run["agent_steps_while_exploring"])
                      / np.sum(run["agent_steps_to_within_10pct"]))
        print(f"{run['n_states']:>7,} states: full agent "
              f"{run['agent_steps_to_within_10pct_median'] / 1e6:5.1f} M real steps to within "
              f"10 % (median of 3), {shares[-1]:.0%} of them while epsilon was above its floor, "
              f"{run['agent_total_cpu_seconds'] / 60:4.1f} minutes of computing")
assert min(shares) > 0.5
assert 0.9 < slopes["states per grid cell"] < 1.1
assert all(0.85 < slopes[name] < 1.15 for name in ("build", "evaluation", "build memory",
                                                    "solve memory"))
assert slopes["ordered"] > 1.1 and slopes["ordered sweeps"] > 0.1 and min(ratios) > 3
assert slopes["sparse"] > slopes["ordered"] and slopes["sparse"] > slopes["textbook"]
speeds = [run["q_learning_steps_per_second"] for run in runs]
print(f"Q-learning: {speeds[0] / 1e6:.1f} M steps/s on the smallest track, {speeds[-1] / 1e6:.1f} M "
      f"on the largest ({runs[-1]['n_states'] / runs[0]['n_states']:.0f} times the states)")
assert -0.3 < slopes["q_learning"] < 0 and 0.3 < speeds[-1] / speeds[0] < 0.7
assert 0.8 < slopes["full agent"] < 1.3

# %% [markdown]
# ## Where the memory goes
#
# Every array of the model and of the solution has one entry (or a fixed number of entries) per
# state, except the index from (row, col, velocity) to state, which has 25 per cell of the grid.
# So the bytes per state measured on any track give each array's size at the largest one
# exactly. Building and solving also need memory for a while that they give back: `tracemalloc`
# (Python's allocation tracer) measures those peaks, here on a track of 18,000 states.

# %%
def traced_peak(work) -> float:
    """The most memory allocated at once while ``work()`` runs, in bytes."""
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


sample_track = generate.generate_track(60, 40, seed=1, shape="corner")
sample = rl.TabularModel.build(sample_track)
sample_solution = ordered_dp.ordered_value_iteration(sample)
n = sample.n_states
kept = {
    "successor table next_states (9 actions x 2 outcomes)": sample.next_states.nbytes / n,
    "positions and velocities": (sample.positions.nbytes + sample.velocities.nbytes) / n,
    "Q values of the solution (9 actions, float64)": sample_solution.q_values.nbytes / n,
    "V values of the solution (float64)": sample_solution.values.nbytes / n,
}
index_bytes = sample.state_index.nbytes / sample.state_index[..., 0, 0].size  # per grid cell
print(f"kept, at the largest track's {largest['n_states']:,} states ({largest['rows']} x "
      f"{largest['cols']} grid):")
total = 0.0
for name, size in kept.items():
    total += size * largest["n_states"] / 2**20
    print(f"  {name:53s} {size:4.0f} bytes a state {size * largest['n_states'] / 2**20:6.0f} MB")
index_mb = index_bytes * largest["rows"] * largest["cols"] / 2**20
total += index_mb
print(f"  {'state index (25 velocities a grid cell)':53s} {index_bytes:4.0f} bytes a cell  "
      f"{index_mb:6.0f} MB")
print(f"  {'together':53s} {'':15s} {total:6.0f} MB")
build_peak = traced_peak(lambda: rl.TabularModel.build(sample_track)) / n
solve_peak = traced_peak(lambda: ordered_dp.ordered_value_iteration(sample)) / n
backup_peak = traced_peak(lambda: rl.dp.backup(sample, sample_solution.values)) / n
print(f"peaks on {n:,} states: building {build_peak:.0f} bytes a state (the library's bound: "
      f"{memory.BYTES_PER_STATE_BUILDING}); solving {solve_peak:.0f}, of which computing Q from "
      f"the final V alone (dp.backup) {backup_peak:.0f}")
print(f"the benchmark at {largest['n_states']:,} states: building {largest['build_peak_mb']:.0f}"
      f" MB ({largest['build_peak_mb'] * 2**20 / largest['n_states']:.0f} bytes a state), solving "
      f"{largest['ordered_peak_mb']:.0f} MB "
      f"({largest['ordered_peak_mb'] * 2**20 / largest['n_states']:.0f} bytes a state); the "
      f"whole process {largest['max_rss_mb']:.0f} MB, of which about {runs[0]['max_rss_mb']:.0f} "
      "MB are Python, NumPy and the compiled code (the process on the smallest track)")
available = memory.available_bytes()
print(f"this machine has {available / 2**30:.1f} GB available: the library builds models of up "
      f"to {memory.SAFETY * available / memory.BYTES_PER_STATE_BUILDING / 1e6:.0f} million "
      "states on it, and refuses larger ones at once with the memory they would need")
print(f"a laptop with 8 GB free: up to {memory.SAFETY * 8 * 2**30 / memory.BYTES_PER_STATE_BUILDING / 1e6:.0f} "
      "million states")
model_kept = (sample.next_states.nbytes + sample.positions.nbytes + sample.velocities.nbytes
              + sample.state_index.nbytes) / n
solution_kept = (sample_solution.q_values.nbytes + sample_solution.values.nbytes) / n
print(f"the build's peak is {build_peak / model_kept:.1f} times the model it keeps; the solve "
      f"keeps {solution_kept / solve_peak:.0%} of its peak (Q and V)")
assert build_peak < memory.BYTES_PER_STATE_BUILDING and 3 < build_peak / model_kept < 5
assert solution_kept / solve_peak < 0.3
assert backup_peak > 0.5 * solve_peak

# %% [markdown]
# So on the largest track the memory goes, in order of size: to Python, NumPy and the compiled
# code, before any track; to the build, which peaks at about four times the tables it keeps; and
# to the solve, whose peak is mostly the last step, computing every $Q(s, a)$ from the final $V$
# (it gathers both successors' values of all nine actions of every state at once): what it keeps,
# Q and V, is under a third of that peak.
#
# A larger track is refused before anything is allocated, with the size it would need - never a
# crash halfway:

# %%
try:
    memory.check_fits("the model of a 10,000 x 10,000 track (2.4 billion states)",
                      memory.model_bytes(2_400_000_000))
except rl.RacetrackError as error:
    print(error)

# %% [markdown]
# ## Your turn: can the finish be reached?
#
# The generator checks every track before it returns it, and so does the model: a track on which
# no start cell can reach the finish has no optimal driver at all. The check below calls your
# function on a dozen small tracks, compares its answer with the library's
# (`generate.finish_reachable`, shown above) and stops at the first track where they differ,
# naming it, with a hint. Once your answer is right it judges 40 generated tracks, each with one
# row walled up.
#
# **Exercise 9.1: can the finish be reached?** Write `finish_reachable(rows)`: `rows` is a track
# as its lines of text (`#` wall, `.` track, `S` start, `F` finish), and the answer is `True` when
# a path of cells that are not walls, each step one cell up or one cell right, leads from some
# start cell to some finish cell. (Why up or right only? The car's velocity components are never
# negative, so it never moves down or left.) Any method will do; sweeping the rows from the
# bottom up, as the library does, visits each cell once.

# %% tags=["hide-input"] nbgrader={"grade": false, "grade_id": "finish_reachable", "locked": false, "schema_version": 3, "solution": true, "task": false}
def finish_reachable(rows):
    ### BEGIN SOLUTION
    n_rows, n_cols = len(rows), len(rows[0])
    reached = [[False] * n_cols for _ in range(n_rows)]
    for row in range(n_rows - 1, -1, -1):  # from the bottom row up, each row left to right
        for col in range(n_cols):
            if rows[row][col] == "#":
                continue
            from_below = row + 1 < n_rows and reached[row + 1][col]
            from_left = col > 0 and reached[row][col - 1]
            reached[row][col] = rows[row][col] == "S" or from_below or from_left
    return any(reached[row][col] and rows[row][col] == "F"
               for row in range(n_rows) for col in range(n_cols))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_finish_reachable", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
exercises.check_finish_reachable(finish_reachable)

# %% [markdown]
# ## Exercises
#
# 1. A sharper corner. In the designer, narrow the corner of the starting track to two cells.
#    How many more expected steps does the optimum need, and where do the noise-free drives
#    slow down?
# 2. A chicane. Draw a track whose corridor goes up, right, up and right again. Does the optimal
#    driver brake before each turn, or cut through at speed 1?
# 3. Crashing on purpose. A crash sends the car back to a start cell drawn at random. Add to a
#    track a second piece of start line, far from the finish, at the end of a long corridor. When
#    is it better, from there, to crash at once and draw again? Compare the designer's expected
#    steps from that start cell with the length of its noise-free drive.
# 4. Noise. Solve one generated track with `TabularModel.build(track, noise=p)` for p = 0, 0.1,
#    0.3. Does the cost of noise grow with the track's size?
#
# <details><summary>Solutions</summary>
#
# 1-2. The designer prints the answer; draw the drives before and after.
# 3. Crashing at once costs one step plus the mean expected steps of the start line; when the
#    drive from the far start cell is longer than that, its expected steps are that mean plus one
#    and its noise-free drive begins with a crash.
# 4. Use `solve_design(track).expected_steps` for each noise level and compare the ratios.
#
# </details>
#
# ## Summary
#
# - The designer accepts exactly the tracks the library accepts, names a mistake by line and
#   column, and solves a valid track as you draw it.
# - Generated tracks are reproducible from their seed and drivable by construction (checked).
# - Sweeping in the track's own order, in place, gives chapter 2's $V^*$ in a fraction of the
#   sweeps, and evaluates a policy exactly in one sweep.
# - Model, evaluation and memory grow in proportion to the states; value iteration a little
#   faster, as its sweeps grow in number; the full agent's real steps to within 10 % about in
#   proportion over the sizes measured, most of them spent exploring.

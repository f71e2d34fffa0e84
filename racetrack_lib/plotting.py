"""Figures of the racetrack: the track, a driven episode on it, and per-cell value maps.

Colours are the Okabe-Ito palette and the ``cividis`` colour map, both readable with the common
forms of colour blindness.
"""

from __future__ import annotations

import re
import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter, ScalarFormatter

from .env import CAR_COLOUR, CELL_COLOURS
from .mdp import Episode, TabularModel
from .rules import path_cells
from .track import FINISH, START, TRACK, WALL, Track

CELL_NAMES = {WALL: "wall", TRACK: "track", START: "start line", FINISH: "finish line"}


def _new_axes(ax: Axes | None, track: Track) -> Axes:
    if ax is None:
        n_rows, n_cols = track.shape
        _, ax = plt.subplots(figsize=(0.22 * n_cols + 1.5, 0.22 * n_rows + 0.8))
    return ax


def plot_track(track: Track, ax: Axes | None = None, title: str | None = None,
               legend: bool = True) -> Axes:
    """Draw the track: walls, track, start line and finish line, row 0 at the top."""
    ax = _new_axes(ax, track)
    colours = ListedColormap([np.array(CELL_COLOURS[code]) / 255 for code in range(4)])
    ax.imshow(track.cells, cmap=colours, vmin=-0.5, vmax=3.5, interpolation="nearest")
    _cell_grid(ax, track)
    if legend:
        handles = [Patch(facecolor=np.array(CELL_COLOURS[code]) / 255, edgecolor="grey",
                         label=CELL_NAMES[code]) for code in (TRACK, START, FINISH, WALL)]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8)
    ax.set_title(title if title is not None else track.name)
    return ax


def _cell_grid(ax: Axes, track: Track) -> None:
    n_rows, n_cols = track.shape
    ax.set_xticks(np.arange(-0.5, n_cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, n_rows, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=0.4)
    ax.tick_params(which="minor", length=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("column")
    ax.set_ylabel("row")


def plot_episode(model: TabularModel, episode: Episode, ax: Axes | None = None,
                 title: str | None = None) -> Axes:
    """Draw an episode on its track: one arrow per move, a cross for each crash."""
    ax = plot_track(model.track, ax=ax, title=title, legend=False)
    return _draw_moves(ax, model, episode, title)


def plot_drives(model: TabularModel, episodes: list[Episode], ax: Axes | None = None,
                title: str | None = None) -> Axes:
    """Draw several episodes on one track (say, one from each start cell), each in its own
    colour; the title gives each one's number of steps."""
    ax = plot_track(model.track, ax=ax, title=title, legend=False)
    colours = plt.get_cmap("tab10").colors
    for number, episode in enumerate(episodes):
        _draw_moves(ax, model, episode, title, colour=colours[number % len(colours)])
    steps = ", ".join(str(episode.n_steps) for episode in episodes)
    ax.set_title((title + "\n" if title else "") + f"steps: {steps}")
    return ax


def animate_episode(model: TabularModel, episode: Episode, title: str = "",
                    interval_ms: int = 400) -> FuncAnimation:
    """An animation of the episode: frame ``t`` shows the car after ``t`` steps, the moves so far
    drawn behind it. In a notebook, ``IPython.display.HTML(animation_html(animation))`` plays
    it, in JupyterLab and in the static book alike (the frames are embedded in the page)."""
    ax = plot_track(model.track, title=title, legend=False)
    fig = ax.figure
    colour = np.array(CAR_COLOUR) / 255
    (path,) = ax.plot([], [], "-", color=colour, linewidth=1.5, alpha=0.6)
    (car,) = ax.plot([], [], "o", color=colour, markersize=9, markeredgecolor="black")
    caption = ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=9,
                      bbox={"facecolor": "white", "alpha": 0.8})
    # cells[t]: where the car is after t steps; a crash puts it back on the start line, where
    # the next move begins (the drawn path breaks there: a nan point)
    cells, path_points = [episode.segments[0][0]], [episode.segments[0][0]]
    for step, ((_, end), event) in enumerate(zip(episode.segments, episode.events, strict=True)):
        crashed_then_restarted = event == "crash" and step + 1 < episode.n_steps
        cells.append(episode.segments[step + 1][0] if crashed_then_restarted else end)
        path_points.append(end)
        if crashed_then_restarted:
            path_points += [(np.nan, np.nan), cells[-1]]
    # path_index[t]: how many path points to draw after t steps
    path_index = np.cumsum([1] + [3 if (event == "crash" and step + 1 < episode.n_steps) else 1
                                  for step, event in enumerate(episode.events)])

    def draw(frame: int) -> tuple:
        rows, cols = zip(*path_points[: path_index[frame]], strict=True)
        path.set_data(cols, rows)
        car.set_data([cells[frame][1]], [cells[frame][0]])
        event = episode.events[frame - 1] if frame > 0 else "start"
        caption.set_text(f"step {frame} of {episode.n_steps}: {event}")
        return path, car, caption

    animation = FuncAnimation(fig, draw, frames=len(cells), interval=interval_ms, blit=True)
    plt.close(fig)  # the animation shows the figure; do not also show it as a still
    return animation


def animation_html(animation: FuncAnimation, default_mode: str = "once") -> str:
    """The animation as a self-contained HTML player (matplotlib's ``to_jshtml``), without the
    link to Font Awesome 4 on a CDN that matplotlib's player puts in for its button icons.

    JupyterLab and the book's theme both provide Font Awesome already, so the icons still show;
    the link only made a reader offline wait on a server the page cannot reach.
    """
    player = animation.to_jshtml(default_mode=default_mode)
    return re.sub(r'<link rel="stylesheet"\s+href="https://[^"]*font-awesome[^"]*">\s*', "",
                  player)


def plot_traces(model: TabularModel, traces: np.ndarray, episode: Episode,
                ax: Axes | None = None, title: str | None = None,
                marked_steps: list[int] | None = None) -> Axes:
    """Eligibility traces as a heat map over the track (per cell, the largest trace of any
    velocity and action, on a fixed 0-1 scale), with the episode's moves drawn on top and the
    steps in ``marked_steps`` (e.g. the exploratory actions) ringed in white.

    Args:
        traces: ``(n_states, n_actions)`` traces, e.g. from ``traces.traces_at_finish``.
    """
    per_cell = cell_map(model, traces.max(axis=1), reduce="max")
    per_cell[per_cell <= 0] = np.nan  # untraced cells show the track underneath
    ax = plot_cell_map(model, per_cell, "trace e(s, a)", ax=ax, title=title, cmap="viridis",
                       limits=(0.0, 1.0))
    ax = _draw_moves(ax, model, episode, title, colour=(0.9, 0.1, 0.1))
    for step in marked_steps or []:
        (row, col), _ = episode.segments[step]
        ax.plot(col, row, "o", markersize=11, markerfacecolor="none", markeredgecolor="white",
                markeredgewidth=2)
    return ax


def _draw_moves(ax: Axes, model: TabularModel, episode: Episode, title: str | None,
                colour: tuple | None = None) -> Axes:
    colour = np.array(CAR_COLOUR) / 255 if colour is None else colour
    for (start, end), event in zip(episode.segments, episode.events, strict=True):
        (r0, c0), (r1, c1) = start, end
        if event == "crash":
            ax.plot([c0, c1], [r0, r1], linestyle=":", color="black", linewidth=1)
            ax.plot(c1, r1, marker="x", color="black", markersize=8, mew=2)
        else:
            ax.annotate("", xy=(c1, r1), xytext=(c0, r0),
                        arrowprops={"arrowstyle": "->", "color": colour, "linewidth": 1.8})
        ax.plot(c0, r0, "o", color=colour, markersize=3)
    # The finishing move may end beyond the grid: widen the view so that it shows.
    n_rows, n_cols = model.track.shape
    ends = np.array([end for _, end in episode.segments] or [(0, 0)])
    ax.set_xlim(-0.5, max(n_cols - 0.5, ends[:, 1].max() + 0.5))
    ax.set_ylim(n_rows - 0.5, min(-0.5, ends[:, 0].min() - 0.5))
    crashes = "1 crash" if episode.n_crashes == 1 else f"{episode.n_crashes} crashes"
    summary = f"{episode.n_steps} steps, {crashes}"
    ax.set_title((title + "\n" if title else "") + summary)
    return ax


def cell_map(model: TabularModel, per_state: np.ndarray, reduce: str = "min") -> np.ndarray:
    """Collapse a per-state quantity onto the grid: the min (or max) over velocities in each cell.

    Args:
        per_state: shape ``(n_states,)``.
    Returns:
        shape ``track.shape``, NaN on walls and finish cells.
    """
    grid = np.full(model.track.shape, np.nan)
    rows, cols = model.positions[:, 0], model.positions[:, 1]
    combine = np.fmin if reduce == "min" else np.fmax
    combine.at(grid, (rows, cols), per_state)  # fmin/fmax ignore the NaN a cell starts with
    return grid


def plot_cell_map(model: TabularModel, grid: np.ndarray, label: str, ax: Axes | None = None,
                  title: str | None = None, cmap: str = "cividis",
                  limits: tuple[float, float] | None = None) -> Axes:
    """Draw a per-cell quantity (see :func:`cell_map`) as a heat map over the track;
    ``limits`` fixes the colour scale (to compare panels), else it spans the data."""
    ax = plot_track(model.track, ax=ax, title=title, legend=False)
    vmin, vmax = limits if limits is not None else (None, None)
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, interpolation="nearest",
                      vmin=vmin, vmax=vmax)
    ax.figure.colorbar(image, ax=ax, label=label, shrink=0.8)
    return ax


def plot_convergence(max_changes: np.ndarray, ax: Axes | None = None,
                     label: str | None = None) -> Axes:
    """Value iteration's progress: ``max_s |V_{k+1}(s) - V_k(s)|`` against the sweep ``k``."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    ax.semilogy(np.arange(1, len(max_changes) + 1), max_changes, label=label)
    ax.set_xlabel("sweep k")
    ax.set_ylabel(r"$\max_s |V_{k+1}(s) - V_k(s)|$")
    ax.grid(True, which="both", alpha=0.3)
    return ax


def plot_path_cells(v_up: int, v_right: int, ax: Axes | None = None) -> Axes:
    """Rule 3 drawn: the segment of a move and the cells it touches, labelled by group order."""
    if ax is None:
        _, ax = plt.subplots(figsize=(3, 3))
    groups = path_cells(v_up, v_right)
    rows = range(-v_up - 1, 2)
    cols = range(-1, v_right + 2)
    for order, (t, cells) in enumerate(groups, start=1):
        for d_row, d_col in cells:
            ax.add_patch(plt.Rectangle((d_col - 0.5, d_row - 0.5), 1, 1,
                                       facecolor=plt.cm.cividis(order / (len(groups) + 1)),
                                       edgecolor="grey"))
            ax.text(d_col, d_row, f"{order}\nt={t}", ha="center", va="center", fontsize=7,
                    color="white" if order / (len(groups) + 1) < 0.5 else "black")
    ax.add_patch(plt.Rectangle((-0.5, -0.5), 1, 1, facecolor="none", edgecolor="black", lw=2))
    ax.annotate("", xy=(v_right, -v_up), xytext=(0, 0),
                arrowprops={"arrowstyle": "->", "color": np.array(CAR_COLOUR) / 255, "lw": 2})
    ax.set_xticks(list(cols))
    ax.set_yticks(list(rows))
    ax.set_xlim(min(cols) - 0.5, max(cols) + 0.5)
    ax.set_ylim(max(rows) + 0.5, min(rows) - 0.5)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xlabel("column offset")
    ax.set_ylabel("row offset")
    ax.set_title(f"velocity (up {v_up}, right {v_right})")
    return ax


def plot_learning_curves(results: dict, ax: Axes | None = None, x: str = "steps",
                         ceiling: float = 400.0) -> Axes:
    """Learning curves measured exactly: each greedy policy's expected steps from the start line,
    median over agents with the interquartile band, against real steps (or episodes).

    Args:
        results: ``{label: TrainingResult}``.
        x: ``"steps"`` (real environment steps per agent, median over agents), ``"updates"``
            (TD updates per agent, replayed ones included), ``"seconds"`` (wall time of
            learning per agent, median over agents) or ``"episodes"``.
        ceiling: the top of the plot; slower policies, and those that never finish (infinite
            steps), are drawn at this height.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    optimum = None
    for label, result in results.items():
        steps = np.minimum(result.greedy_expected_steps, ceiling)  # inf: drawn at the ceiling
        low, median, high = np.percentile(steps, [25, 50, 75], axis=0)
        if x == "steps":
            horizontal = np.median(result.eval_env_steps, axis=0)
        elif x == "updates":
            horizontal = np.median(result.eval_updates, axis=0)
        elif x == "seconds":
            horizontal = np.median(result.eval_seconds, axis=0)
        else:
            horizontal = result.eval_episodes
        (line,) = ax.plot(horizontal, median, label=f"{label} (median of {result.n_agents})")
        ax.fill_between(horizontal, low, high, color=line.get_color(), alpha=0.25, linewidth=0)
        optimum = result.optimal_expected_steps
    if optimum is not None:
        ax.axhline(optimum, color="black", linewidth=1, label=f"DP optimum {optimum:.2f}")
        ax.axhspan(optimum, 1.1 * optimum, color="grey", alpha=0.15, label="within 10 %")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(0.9 * (optimum or 1), ceiling)
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks([t for t in (10, 12, 15, 20, 30, 50, 100, 200, 400) if t <= ceiling])
    ax.set_xlabel({"steps": "real steps per agent", "updates": "TD updates per agent",
                   "seconds": "seconds of learning per agent", "episodes": "episodes"}[x])
    ax.set_ylabel("greedy policy: expected steps\n(exact, from the start line)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def _seconds_at(result, steps: np.ndarray) -> np.ndarray:
    """``(A,)`` seconds of learning of each agent at the evaluation where it had taken ``steps``
    real steps (``nan`` stays ``nan``)."""
    seconds = np.full(result.n_agents, np.nan)
    for agent, value in enumerate(steps):
        if not np.isnan(value):
            index = np.searchsorted(result.eval_env_steps[agent], value)
            seconds[agent] = result.eval_seconds[agent, index]
    return seconds


def plot_time_to_within(results: dict, ax: Axes | None = None, x: str = "steps",
                        fraction: float = 0.10, legend_loc: str | None = "best") -> Axes:
    """How many agents have got within ``fraction`` of the optimum, against real steps (or
    seconds of learning): for each result, the fraction of its agents whose greedy policy has
    been within at least once (solid; ``steps_to_within``) and the fraction that are within and
    stay within at every later evaluation (dashed; ``steps_to_stay_within``).

    Both curves only rise, so unlike a median learning curve they do not flicker when a policy
    briefly stops finishing; each reaches one half at the agents' middle value (with an even
    number of agents, the lower of the two that the printed median averages). A dot marks
    where training ended (its last agent): a curve that ends below 1 ran out of episodes.

    Args:
        results: ``{label: TrainingResult}``.
        x: ``"steps"`` (real environment steps per agent) or ``"seconds"`` (wall time of each
            agent's learning loop, evaluations excluded).
        legend_loc: where the legend goes (matplotlib's ``loc``); ``None``: no legend (for
            one legend shared by several panels, ``fig.legend(*ax.get_legend_handles_labels())``).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for label, result in results.items():
        first, stay = result.steps_to_within(fraction), result.steps_to_stay_within(fraction)
        end = result.eval_env_steps[:, -1].max()
        if x == "seconds":
            first, stay = _seconds_at(result, first), _seconds_at(result, stay)
            end = result.eval_seconds[:, -1].max()
        colour = None
        for values, style in ((first, "-"), (stay, "--")):
            reached = np.sort(values[~np.isnan(values)])
            heights = np.arange(len(reached) + 1) / result.n_agents
            (line,) = ax.step(np.concatenate([[0.0], reached, [end]]),
                              np.concatenate([heights, [heights[-1]]]), where="post",
                              linestyle=style, color=colour,
                              label=f"{label} ({result.n_agents} agents)" if style == "-" else None)
            colour = line.get_color()
            ax.plot(end, heights[-1], "o", color=colour, markersize=4)
    ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
    percent = f"{100 * fraction:g} %"
    ax.plot([], [], color="black", linestyle="-", label=f"within {percent} at least once")
    ax.plot([], [], color="black", linestyle="--", label=f"within {percent} from then on")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=0)
    if x == "steps":
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value / 1e6:g} M"))
    ax.set_xlabel({"steps": "real steps per agent",
                   "seconds": "seconds of learning per agent (this run)"}[x])
    ax.set_ylabel(f"fraction of agents within {percent}\nof the optimum")
    ax.grid(True, alpha=0.3)
    if legend_loc is not None:
        ax.legend(fontsize=8, loc=legend_loc)
    return ax


def plot_final_values(results: dict, ax: Axes | None = None,
                      limits: tuple[float, float] | None = None) -> Axes:
    """Each agent's final greedy policy (its exact expected steps from the start line) as a
    point, one column per result, the median as a bar (its value beside it), with the DP
    optimum and the line 10 % above it. Agents above ``limits`` (or that never finish) are
    drawn as triangles at the top, with how many there are.

    Args:
        results: ``{label: TrainingResult}``.
        limits: the range of the vertical axis; ``None``: from the data.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    finals = {label: result.final_expected_steps for label, result in results.items()}
    optimum = next(iter(results.values())).optimal_expected_steps
    if limits is None:
        finite = np.concatenate([values[np.isfinite(values)] for values in finals.values()]
                                + [[optimum]])  # the optimum alone when no policy finishes
        limits = (min(optimum, finite.min()) - 0.1, max(1.1 * optimum, finite.max()) + 0.1)
    low, high = limits
    for column, values in enumerate(finals.values()):
        values = np.sort(values)  # spread left to right from the best agent
        spread = np.linspace(-0.2, 0.2, len(values)) if len(values) > 1 else np.zeros(1)
        inside = values <= high
        (points,) = ax.plot(column + spread[inside], values[inside], "o", alpha=0.8)
        above = int((~inside).sum())
        if above:
            ax.plot(column + spread[~inside], np.full(above, high), "^", color=points.get_color(),
                    clip_on=False)
            ax.annotate(f"{above} above", (column, high), xytext=(0, -14),
                        textcoords="offset points", ha="center", fontsize=8)
        median = np.median(values)
        if median <= high:
            ax.plot([column - 0.3, column + 0.3], [median, median], color=points.get_color(),
                    linewidth=2)
            ax.text(column + 0.32, median, f"{median:.2f}", va="center", fontsize=8)
    ax.axhline(optimum, color="black", linewidth=1, label=f"DP optimum {optimum:.2f}")
    ax.axhline(1.1 * optimum, color="black", linewidth=1, linestyle="--",
               label=f"10 % above it, {1.1 * optimum:.2f}")
    ax.set_ylim(low, high)
    ax.set_xticks(range(len(finals)))
    ax.set_xticklabels([textwrap.fill(label, 14) for label in finals], fontsize=8)
    ax.set_ylabel("final greedy policy: expected\nsteps (exact, from the start line)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return ax

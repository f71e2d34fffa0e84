"""A track designer for JupyterLab: paint a racetrack, see it solved at once, train on it.

The designer is made of ipywidgets alone: the paintable grid is one small button per cell,
coloured as the book draws the cells, and a text box holds the same track as text. Core widgets
need no JavaScript beyond what JupyterLab already has, and the HTML book renders their saved
state with the widget manager it already ships, so the designer looks the same in both.

Every change (a click on the grid, an edit of the text, a resize) goes through the library's
own parser (:func:`racetrack_lib.track.parse_track`) and model (:class:`TabularModel`), so the
designer accepts exactly the tracks ``racetrack solve`` accepts; an error names its line and
column and the cell is marked. A valid track is solved at once by the ordered sweeps
(:func:`racetrack_lib.ordered_dp.ordered_value_iteration`) and the optimal policy is driven
without noise from each start cell.
"""

from __future__ import annotations

import base64
import io
import os
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..ablation import full_agent
from ..agent import Learner
from ..config import AgentConfig
from ..dp import expected_steps_from_start
from ..env import CELL_COLOURS
from ..errors import RacetrackError, check_count
from ..greedy_evaluation import expected_steps_of_greedy
from ..mdp import Episode, TabularModel, run_episode
from ..ordered_dp import ordered_value_iteration
from ..plotting import plot_drives, plot_learning_curves
from ..policy import greedy_actions
from ..results import TrainingResult
from ..track import FINISH, START, TRACK, WALL, Track, load_track, parse_track
from ..training import (
    _checkpoints,  # the evaluation points train() uses, so the curves are train()'s
    agent_generators,
    default_eval_every,
    evaluation_generator,
    run_episodes,
)

PAINT_LIMIT = 40  # rows and columns of the paintable grid (a button a cell); text has no limit
MIN_SIZE = 3
SOURCE = "your track"  # how the parser names the track in its messages
SYMBOLS = {WALL: "#", TRACK: ".", START: "S", FINISH: "F"}
STARTER = """\
##################
##########.......F
#########........F
########.........F
########......####
########.....#####
#######......#####
#######.....######
######......######
######.....#######
#####......#######
#####.....########
#####.....########
#####SSSSS########
"""
# a parse error that points at one cell, "your track:3:5: unknown character 'x' ..."
LOCATED = re.compile(r"^.*?:(?P<line>\d+):(?P<column>\d+): (?P<what>.*)$", re.DOTALL)
CELL_ERRORS = ("unknown character", "ragged row", "blank line")


@dataclass(frozen=True)
class Solution:
    """The optimum of a designed track.

    Attributes:
        model: the track's MDP at the designer's noise.
        values: ``(n_states,)`` V*, minus the expected steps to the finish.
        expected_steps: optimal expected steps from the start line (a uniform start cell).
        per_start: ``(n_start,)`` optimal expected steps from each start cell.
        drives: the optimal policy driven without noise from each start cell.
        seconds: model build and solve, wall time.
    """

    model: TabularModel
    values: np.ndarray
    expected_steps: float
    per_start: np.ndarray
    drives: list[Episode]
    seconds: float


def solve_design(track: Track, noise: float = 0.1) -> Solution:
    """Build the track's model, solve it exactly and drive the optimal policy without noise.

    >>> solution = solve_design(parse_track(STARTER))
    >>> solution.model.n_states, round(solution.expected_steps, 3), len(solution.drives)
    (1877, 6.621, 5)
    """
    started = time.perf_counter()
    model = TabularModel.build(track, noise=noise)
    optimum = ordered_value_iteration(model)
    policy = greedy_actions(optimum.q_values, np.random.default_rng(0), tolerance=1e-9)
    without_noise = replace(model, noise=0.0)  # the same states and moves, no noise
    drives = [run_episode(without_noise, policy, np.random.default_rng(0), start_state=state,
                          max_steps=1_000) for state in model.start_states]
    return Solution(model=model, values=optimum.values,
                    expected_steps=expected_steps_from_start(model, optimum.values),
                    per_start=-optimum.values[model.start_states], drives=drives,
                    seconds=time.perf_counter() - started)


def train_full_agent(model: TabularModel, episodes: int, n_agents: int, seed: int,
                     on_checkpoint=None) -> TrainingResult:
    """Train chapter 8's full agent (every component on, library defaults otherwise) for
    ``episodes`` episodes, ``n_agents`` independent agents, one after another, calling
    ``on_checkpoint(done, total)`` after each exact evaluation (for a progress bar).

    The numbers are those of ``train(full_agent(AgentConfig(num_episodes=episodes)), model,
    n_agents, seed)``: the same streams, the same evaluation points (tested).
    """
    config = full_agent(AgentConfig(num_episodes=episodes))
    checkpoints = _checkpoints(episodes, default_eval_every(episodes))
    lengths = np.zeros((n_agents, episodes), dtype=np.int64)
    greedy_steps = np.zeros((n_agents, len(checkpoints)))
    seconds = np.zeros((n_agents, len(checkpoints)))
    q_tables = []
    started = time.perf_counter()
    for agent, (training_rng, evaluation_seed) in enumerate(agent_generators(seed, n_agents)):
        learner, done, clock = Learner.new(model, config), 0, 0.0
        for k, checkpoint in enumerate(checkpoints):
            chunk_started = time.perf_counter()
            run_episodes(learner, model, config, training_rng, done, checkpoint,
                         lengths[agent, done:checkpoint])
            clock += time.perf_counter() - chunk_started
            seconds[agent, k] = clock
            greedy_steps[agent, k] = expected_steps_of_greedy(
                model, learner.q_values, evaluation_generator(evaluation_seed, checkpoint))
            done = checkpoint
            if on_checkpoint is not None:
                on_checkpoint(agent * len(checkpoints) + k + 1, n_agents * len(checkpoints))
        q_tables.append(learner.q_values)
    optimum = ordered_value_iteration(model)
    return TrainingResult(
        config=config, track_name=model.track.name, noise=model.noise, seed=seed,
        optimal_expected_steps=expected_steps_from_start(model, optimum.values),
        episode_lengths=lengths, eval_episodes=checkpoints,
        eval_env_steps=np.cumsum(np.abs(lengths), axis=1)[:, checkpoints - 1],
        eval_seconds=seconds, greedy_expected_steps=greedy_steps, q_values=np.stack(q_tables),
        seconds=time.perf_counter() - started)


def located_cell(message: str) -> tuple[int, int] | None:
    """The (row, col), counted from 0, of the cell a parse error points at, if it points at one.

    >>> located_cell("your track:3:5: unknown character 'x' (allowed: ...)")
    (2, 4)
    >>> located_cell("your track:1:1: the track has no start cell 'S'") is None
    True
    """
    found = LOCATED.match(message)
    if found is None or not found["what"].startswith(CELL_ERRORS):
        return None
    return int(found["line"]) - 1, int(found["column"]) - 1


def readable_error(message: str) -> str:
    """``"your track:3:5: what"`` as ``"line 3, column 5: what"``; other messages as they are."""
    found = LOCATED.match(message)
    if found is None:
        return message.removeprefix(f"{SOURCE}: ")
    if found["what"].startswith("the track has no"):
        return found["what"]
    return f"line {found['line']}, column {found['column']}: {found['what']}"


class TrackDesigner:
    """Paint a track, see its optimum at once, train the full agent on it, save it.

    Args:
        track: where to begin: a built-in name, a path, a track's text or a Track.
        noise: the probability that an action has no effect (Exercise 5.12: 0.1).
        seed: the root seed of the agents trained on the track.
        episodes: episodes per agent when training.
        n_agents: independent agents trained, one after another.

    In a notebook, show it by leaving it as a cell's last expression. Everything a click does
    can be done from code as well (:meth:`paint`, :meth:`set_text`, :meth:`resize`,
    :meth:`train`, :meth:`save`), which is how the tests drive it.
    """

    def __init__(self, track: str | Path | Track = STARTER, noise: float = 0.1, seed: int = 0,
                 episodes: int = 2_000, n_agents: int = 3) -> None:
        self.noise = noise
        self.seed = check_count("seed", seed, 0, 2**63 - 1)
        self.n_agents = check_count("n_agents", n_agents, 1, 100)
        self.cells = load_track(track).cells.copy()
        self.solution: Solution | None = None
        self.error: str | None = None
        self.error_cell: tuple[int, int] | None = None
        self.result: TrainingResult | None = None
        self._anchor: tuple[int, int] | None = None  # first corner of a rectangle
        self._styles = {code: widgets.ButtonStyle(button_color=_hex(CELL_COLOURS[code]),
                                                  text_color=_text_colour(code))
                        for code in SYMBOLS}
        self._error_style = widgets.ButtonStyle(button_color="#e41a1c", text_color="white",
                                                font_weight="bold")
        self._anchor_style = widgets.ButtonStyle(button_color="#4daf4a", text_color="white")
        self._cell_layout = widgets.Layout(width="22px", height="22px", padding="0",
                                           margin="0")
        self._make_controls(episodes)
        self._show_cells()

    # ----- what a reader does -----------------------------------------------------------------

    def paint(self, row: int, col: int, code: int | None = None) -> None:
        """Paint one cell (row and column counted from 0) with ``code`` (default: the brush)."""
        code = self.brush.value if code is None else code
        self._check_cell(row, col)
        self.cells[row, col] = code
        self._changed()

    def click(self, row: int, col: int) -> None:
        """What a click on the grid does: paint the cell, or with "rectangle" on, the first
        click marks a corner and the second paints the box between the two."""
        if not self.rectangle.value:
            self.paint(row, col)
            return
        if self._anchor is None:
            self._anchor = (row, col)
            self._buttons[row * self.cells.shape[1] + col].style = self._anchor_style
            return
        (row0, col0), self._anchor = self._anchor, None
        rows = slice(min(row0, row), max(row0, row) + 1)
        cols = slice(min(col0, col), max(col0, col) + 1)
        self.cells[rows, cols] = self.brush.value
        self._changed()

    def set_text(self, text: str) -> None:
        """Replace the track by ``text``, as if typed into the text box."""
        self.text.value = text

    def resize(self, rows: int, cols: int) -> None:
        """Make the grid ``rows`` x ``cols``: kept cells stay, new cells are wall."""
        rows = check_count("rows", rows, MIN_SIZE, PAINT_LIMIT)
        cols = check_count("cols", cols, MIN_SIZE, PAINT_LIMIT)
        resized = np.full((rows, cols), WALL, dtype=np.int8)
        keep_rows, keep_cols = min(rows, self.cells.shape[0]), min(cols, self.cells.shape[1])
        resized[:keep_rows, :keep_cols] = self.cells[:keep_rows, :keep_cols]
        self.cells = resized
        self._show_cells()

    def clear(self) -> None:
        """Every cell wall: a blank sheet."""
        self.cells[:] = WALL
        self._changed()

    def train(self, episodes: int | None = None) -> TrainingResult:
        """Train the full agent on the track (it must be valid) and draw its learning curve."""
        if self.solution is None:
            raise RacetrackError(f"the track is not valid yet: {self.error}")
        episodes = check_count("episodes", self.episodes.value if episodes is None else episodes,
                               1, 1_000_000)

        def advance(done: int, total: int) -> None:
            self.progress.max, self.progress.value = total, done

        self.progress.value = 0
        self.result = train_full_agent(self.solution.model, episodes, self.n_agents, self.seed,
                                       on_checkpoint=advance)
        self._draw_learning_curve()
        return self.result

    def save(self, path: str | Path | None = None) -> Path:
        """Write the track to ``path`` (default: the file name box) in the format ``racetrack
        solve`` reads, atomically: an old file is replaced only by a complete new one."""
        if self.solution is None:
            raise RacetrackError(f"the track is not valid yet, so it was not saved: {self.error}")
        path = Path(self.file_name.value if path is None else path)
        if path.name == "" or path.is_dir():
            raise RacetrackError(f"{path}: not a file name")
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(self.track_text + "\n", encoding="utf-8")
            os.replace(temporary, path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise RacetrackError(f"{path}: cannot write ({error.strerror})") from None
        return path

    @property
    def track_text(self) -> str:
        """The painted track as text, one line a row."""
        return "\n".join("".join(SYMBOLS[code] for code in row) for row in self.cells)

    @property
    def widget(self) -> widgets.Widget:
        return self._box

    def _repr_mimebundle_(self, **kwargs):
        return self._box._repr_mimebundle_(**kwargs)

    # ----- the controls -----------------------------------------------------------------------

    def _make_controls(self, episodes: int) -> None:
        self.brush = widgets.ToggleButtons(
            options=[("wall #", WALL), ("track .", TRACK), ("start S", START),
                     ("finish F", FINISH)], value=TRACK, description="paint",
            style={"button_width": "70px"})
        self.rectangle = widgets.Checkbox(value=False, description="rectangle: two clicks "
                                          "paint the box between them", indent=False)
        self.rows_box = widgets.BoundedIntText(min=MIN_SIZE, max=PAINT_LIMIT, description="rows",
                                               layout=widgets.Layout(width="130px"))
        self.cols_box = widgets.BoundedIntText(min=MIN_SIZE, max=PAINT_LIMIT,
                                               description="columns",
                                               layout=widgets.Layout(width="150px"))
        resize_button = widgets.Button(description="resize")
        resize_button.on_click(lambda _: self.resize(self.rows_box.value, self.cols_box.value))
        clear_button = widgets.Button(description="clear (all wall)")
        clear_button.on_click(lambda _: self.clear())
        self.grid = widgets.GridBox(layout=widgets.Layout(grid_gap="1px"))
        self.grid.add_class("racetrack-designer-grid")
        self.text = widgets.Textarea(continuous_update=False,
                                     layout=widgets.Layout(width="260px", height="300px"))
        self.text.add_class("racetrack-designer-text")
        self.text.observe(lambda change: self._text_edited(change["new"]), names="value")
        self.status = widgets.HTML()
        self.status.add_class("racetrack-designer-status")
        self.drawing = widgets.Output()
        self.episodes = widgets.BoundedIntText(value=episodes, min=1, max=1_000_000,
                                               description="episodes",
                                               layout=widgets.Layout(width="170px"))
        train_button = widgets.Button(description=f"train the full agent ({self.n_agents} "
                                      "agents)", layout=widgets.Layout(width="240px"))
        train_button.on_click(lambda _: self._reporting(self.train))
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="training")
        self.curve = widgets.Output()
        self.file_name = widgets.Text(value="my_track.txt", description="file")
        save_button = widgets.Button(description="save")
        save_button.on_click(lambda _: self._reporting(self._save_and_say))
        self.saved = widgets.HTML()
        monospace = widgets.HTML(
            "<style>.racetrack-designer-text textarea {font-family: monospace;}</style>")
        self._box = widgets.VBox([
            monospace,
            widgets.HBox([self.brush]),
            widgets.HBox([self.rectangle, clear_button]),
            widgets.HBox([self.rows_box, self.cols_box, resize_button]),
            widgets.HBox([self.grid, self.text], layout=widgets.Layout(grid_gap="12px")),
            self.status,
            self.drawing,
            widgets.HBox([self.episodes, train_button, self.progress]),
            self.curve,
            widgets.HBox([self.file_name, save_button, self.saved]),
        ])
        self._box.add_class("racetrack-designer")

    def _reporting(self, action) -> None:
        """Run a button's action; an error is shown beside it, never as a traceback."""
        try:
            action()
        except RacetrackError as error:
            self.saved.value = f"<b style='color:#c00'>✗ {_escape(str(error))}</b>"

    def _save_and_say(self) -> None:
        path = self.save()
        self.saved.value = (f"✓ saved to <code>{_escape(str(path))}</code>: "
                            f"<code>racetrack solve {_escape(str(path))}</code> solves it")

    # ----- keeping grid, text, status and drawing in step ---------------------------------------

    def _show_cells(self) -> None:
        """Rebuild the grid for the current cells (after a resize or a text of another shape)."""
        n_rows, n_cols = self.cells.shape
        self.rows_box.value, self.cols_box.value = min(n_rows, PAINT_LIMIT), min(n_cols,
                                                                                 PAINT_LIMIT)
        self._buttons = []
        if n_rows <= PAINT_LIMIT and n_cols <= PAINT_LIMIT:
            for row in range(n_rows):
                for col in range(n_cols):
                    button = widgets.Button(layout=self._cell_layout,
                                            tooltip=f"line {row + 1}, column {col + 1}")
                    button.on_click(lambda _, row=row, col=col: self.click(row, col))
                    self._buttons.append(button)
        self.grid.layout.grid_template_columns = f"repeat({n_cols}, 22px)"
        self.grid.children = self._buttons
        self._changed()

    def _changed(self) -> None:
        """The cells changed: show them, put them in the text box, validate and solve."""
        self._anchor = None
        self._restyle()
        self._setting_text = True
        try:
            self.text.value = self.track_text
        finally:
            self._setting_text = False
        self._check(self.track_text)

    def _text_edited(self, text: str) -> None:
        if getattr(self, "_setting_text", False):
            return  # the grid wrote it
        self._check(text)
        if self.solution is not None:
            same_shape = self.solution.model.track.shape == self.cells.shape
            self.cells = self.solution.model.track.cells.copy()
            if same_shape:
                self._restyle()
            else:
                self._show_cells()

    def _restyle(self) -> None:
        for button, code in zip(self._buttons, self.cells.ravel(), strict=False):
            button.style = self._styles[int(code)]
            button.description = SYMBOLS[int(code)]

    def _check(self, text: str) -> None:
        """Parse, build and solve ``text``; show the optimum, or the error and its cell."""
        try:
            track = parse_track(text, source=SOURCE)
            self.solution = solve_design(track, self.noise)
        except RacetrackError as error:
            self.solution, self.error = None, str(error)
            self.error_cell = located_cell(self.error)
            self._show_error()
            return
        self.error = self.error_cell = None
        self._show_solution()

    def _show_error(self) -> None:
        self._restyle()
        if self.error_cell is not None and self.error_cell[0] < self.cells.shape[0] \
                and self.error_cell[1] < self.cells.shape[1]:
            row, col = self.error_cell
            self._buttons[row * self.cells.shape[1] + col].style = self._error_style
        self.status.value = f"<b style='color:#c00'>✗ {_escape(readable_error(self.error))}</b>"
        self.drawing.outputs = ()

    def _show_solution(self) -> None:
        solution = self.solution
        per_start = ", ".join(_steps(value) for value in solution.per_start)
        self.status.value = (
            f"<b>✓ {solution.model.n_states:,} states</b>; optimal expected steps from the "
            f"start line <b>{_steps(solution.expected_steps)}</b> (from each start cell: "
            f"{per_start}); built and solved in {1000 * solution.seconds:.0f} ms")
        n_rows, n_cols = self.cells.shape
        figure, ax = plt.subplots(figsize=(min(9.0, 1.0 + 0.32 * n_cols),
                                           min(9.0, 1.2 + 0.32 * n_rows)))
        plot_drives(solution.model, solution.drives, ax=ax,
                    title="the optimal policy driven without noise from each start cell")
        _show_figure(self.drawing, figure)

    def _draw_learning_curve(self) -> None:
        result = self.result
        finals = result.final_expected_steps
        figure, ax = plt.subplots(figsize=(7, 3.6))
        plot_learning_curves({"full agent": result}, ax=ax,
                             ceiling=max(400.0, 4 * result.optimal_expected_steps))
        ax.set_title(f"{result.n_agents} agents, {result.config.num_episodes:,} episodes each: "
                     f"final greedy policies {', '.join(_steps(x) for x in finals)} steps "
                     f"(optimum {result.optimal_expected_steps:.2f})", fontsize=9)
        _show_figure(self.curve, figure)

    def _check_cell(self, row: int, col: int) -> None:
        n_rows, n_cols = self.cells.shape
        if not (0 <= row < n_rows and 0 <= col < n_cols):
            raise RacetrackError(f"cell ({row}, {col}) is off the {n_rows} x {n_cols} grid")


def _show_figure(output: widgets.Output, figure: plt.Figure) -> None:
    """Put the figure, as a PNG, into the output widget in place of what it showed, and close
    it. (Setting the widget's outputs works with or without a running kernel, with no flicker.)"""
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=80, bbox_inches="tight")
    plt.close(figure)
    output.outputs = ({"output_type": "display_data", "metadata": {},
                       "data": {"image/png": base64.b64encode(png.getvalue()).decode("ascii"),
                                "text/plain": "<a figure>"}},)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _text_colour(code: int) -> str:
    return "#dddddd" if code in (WALL, FINISH) else "#555555"


def _steps(value: float) -> str:
    return "never" if not np.isfinite(value) else f"{value:.2f}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

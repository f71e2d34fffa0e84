"""Chapter 9's track designer, driven from code as its buttons drive it: painting, text edits,
errors named by line and column, the optimum, training and saving."""

from __future__ import annotations

import json

import numpy as np
import pytest

from racetrack_lib import TabularModel, expected_steps_from_start, value_iteration
from racetrack_lib.ablation import full_agent
from racetrack_lib.cli import main
from racetrack_lib.config import AgentConfig
from racetrack_lib.designer import STARTER, TrackDesigner, solve_design, train_full_agent
from racetrack_lib.designer.track_designer import located_cell, readable_error
from racetrack_lib.errors import RacetrackError
from racetrack_lib.track import FINISH, START, TRACK, WALL, load_track, parse_track
from racetrack_lib.training import train

SMALL = "#######F\n#.....F#\n#....###\n#SSSS###\n"


@pytest.fixture
def designer():
    return TrackDesigner(SMALL, n_agents=2)


def test_the_starting_track_is_solved_to_chapter_2s_optimum():
    designer = TrackDesigner()
    model = TabularModel.build(STARTER)
    optimum = expected_steps_from_start(model, value_iteration(model).values)
    assert designer.error is None
    assert designer.solution.expected_steps == pytest.approx(optimum, abs=1e-9)
    assert f"{model.n_states:,} states" in designer.status.value
    assert f"{optimum:.2f}" in designer.status.value


def test_the_noise_free_drives_follow_the_optimal_policy_and_finish():
    solution = solve_design(parse_track(STARTER))
    assert len(solution.drives) == len(solution.model.start_states)
    for drive, start in zip(solution.drives, solution.model.start_states, strict=True):
        assert drive.states[0] == start
        assert drive.events[-1] == "finish"
        assert drive.n_steps <= 2 * solution.expected_steps


def test_a_click_paints_the_brush_into_the_grid_and_the_text(designer):
    designer.brush.value = TRACK
    designer.click(0, 1)
    assert designer.cells[0, 1] == TRACK
    assert designer.text.value.splitlines()[0] == "#.#####F"
    assert designer._buttons[1].description == "."


def test_rectangle_mode_paints_the_box_between_two_clicks(designer):
    designer.rectangle.value, designer.brush.value = True, WALL
    designer.click(1, 1)
    assert designer.cells[1, 1] == TRACK  # the first click only marks a corner
    designer.click(2, 3)
    assert (designer.cells[1:3, 1:4] == WALL).all() and designer.cells[1, 4] == TRACK


def test_a_typed_error_is_named_by_line_and_column_and_its_cell_marked(designer):
    lines = SMALL.splitlines()
    lines[2] = "#..x.###"
    designer.set_text("\n".join(lines))
    assert designer.solution is None
    assert designer.error_cell == (2, 3)
    assert "line 3, column 4: unknown character 'x'" in designer.status.value
    assert designer._buttons[2 * 8 + 3].style is designer._error_style
    designer.set_text(SMALL)
    assert designer.solution is not None and designer.error is None


def test_a_ragged_row_is_located_where_it_goes_wrong(designer):
    designer.set_text("#######F\n#.....F\n#....###\n#SSSS###")
    assert "line 2, column 8: ragged row" in designer.status.value
    assert designer.error_cell == (1, 7)


def test_a_track_without_a_start_or_a_way_to_the_finish_says_so_and_marks_no_cell(designer):
    designer.brush.value = TRACK
    for col in range(1, 5):
        designer.paint(3, col)
    assert "the track has no start cell 'S'" in designer.status.value
    assert designer.error_cell is None
    designer.set_text("####F\n#..##\n#####\nSS###")
    assert "no start cell can reach a finish cell" in designer.status.value


def test_a_text_of_another_shape_rebuilds_the_grid(designer):
    designer.set_text(STARTER)
    assert designer.cells.shape == (14, 18) and len(designer.grid.children) == 14 * 18
    assert designer._buttons[-1].tooltip == "line 14, column 18"


def test_a_text_of_the_same_size_but_another_shape_rebuilds_the_grid_too():
    designer = TrackDesigner("####F\n#...F\nSS..#\n#####")  # 4 x 5
    designer.set_text("###F\n#..F\n#..#\n#..#\nSS.#")  # 5 x 4: also 20 cells
    assert designer.cells.shape == (5, 4)
    assert designer.grid.layout.grid_template_columns == "repeat(4, 22px)"
    assert designer._buttons[-1].tooltip == "line 5, column 4"


def test_resizing_keeps_the_cells_that_remain_and_walls_the_new_ones(designer):
    designer.resize(5, 10)
    assert designer.cells.shape == (5, 10)
    assert (designer.cells[:4, :8] == load_track(SMALL).cells).all()
    assert (designer.cells[4] == WALL).all() and (designer.cells[:, 8:] == WALL).all()
    with pytest.raises(RacetrackError, match=r"rows = 2 .*\[3, 40\]"):
        designer.resize(2, 10)


def test_training_gives_the_numbers_of_train(designer):
    result = designer.train(episodes=60)
    reference = train(full_agent(AgentConfig(num_episodes=60)), TabularModel.build(SMALL),
                      n_agents=2, seed=0)
    np.testing.assert_array_equal(result.episode_lengths, reference.episode_lengths)
    np.testing.assert_array_equal(result.eval_episodes, reference.eval_episodes)
    np.testing.assert_array_equal(result.greedy_expected_steps, reference.greedy_expected_steps)
    assert result.optimal_expected_steps == pytest.approx(reference.optimal_expected_steps,
                                                          abs=1e-9)
    assert designer.progress.value == designer.progress.max > 0


def test_progress_is_reported_after_every_evaluation():
    seen = []
    model = TabularModel.build(SMALL)
    result = train_full_agent(model, 30, 2, 0, on_checkpoint=lambda done, total: seen.append(
        (done, total)))
    checkpoints = len(result.eval_episodes)
    assert seen == [(k, 2 * checkpoints) for k in range(1, 2 * checkpoints + 1)]


def test_an_invalid_track_is_neither_trained_nor_saved(designer, tmp_path):
    target = tmp_path / "mine.txt"
    target.write_text("kept\n")
    designer.clear()
    with pytest.raises(RacetrackError, match="not valid yet"):
        designer.train(episodes=5)
    with pytest.raises(RacetrackError, match="not saved"):
        designer.save(target)
    assert target.read_text() == "kept\n"


def test_a_saved_track_is_what_the_command_line_solves(designer, tmp_path, capsys):
    designer.paint(1, 1, FINISH)
    designer.paint(1, 1, TRACK)
    designer.paint(3, 4, START) if designer.cells[3, 4] == WALL else None
    path = designer.save(tmp_path / "mine.txt")
    assert load_track(path).to_text() == designer.track_text
    assert main(["solve", str(path), "--json"]) == 0
    solved = json.loads(capsys.readouterr().out)
    assert solved["n_states"] == designer.solution.model.n_states
    assert solved["expected_steps_from_start"] == pytest.approx(
        designer.solution.expected_steps, abs=1e-9)


def test_saving_into_a_missing_folder_is_a_clear_error(designer, tmp_path):
    with pytest.raises(RacetrackError, match="cannot write"):
        designer.save(tmp_path / "no such folder" / "mine.txt")


def test_located_cell_points_only_at_errors_that_have_a_cell():
    assert located_cell("your track:2:5: ragged row: 4 cells, but the first row has 5") == (1, 4)
    assert located_cell("your track:1:1: the track has no finish cell 'F'") is None
    assert located_cell("your track: no start cell can reach a finish cell") is None
    assert readable_error("your track:1:1: the track has no finish cell 'F'") == \
        "the track has no finish cell 'F'"

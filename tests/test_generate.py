"""Generated tracks (racetrack_lib.generate, `racetrack generate`): solvable, reproducible,
varied, with the start line on the bottom or left edge and the finish line on the right."""

import json

import numpy as np
import pytest

from racetrack_lib import TabularModel, load_track, parse_track
from racetrack_lib.cli import main
from racetrack_lib.errors import RacetrackError
from racetrack_lib.generate import SHAPES, finish_reachable, generate_track
from racetrack_lib.ordered_dp import ordered_value_iteration

SEEDS = range(25)


@pytest.mark.parametrize("shape", SHAPES)
def test_every_generated_track_is_solvable_and_follows_the_edge_rules(shape):
    for seed in SEEDS:
        rows, cols = 12 + seed % 7 * 3, 10 + seed % 5 * 4
        track = generate_track(rows, cols, seed, shape)
        assert track.shape == (rows, cols) and finish_reachable(track)
        model = TabularModel.build(track, noise=0.1)  # raises if no start cell reaches a finish
        assert np.isfinite(ordered_value_iteration(model).values[model.start_states]).all()
        starts, finishes = track.start_cells, track.finish_cells
        assert ((starts[:, 0] == rows - 1).all() or (starts[:, 1] == 0).all()), track.name
        assert (finishes[:, 1] == cols - 1).all(), track.name
        # the text round-trips through the parser `racetrack solve` uses
        assert (parse_track(track.to_text()).cells == track.cells).all()


def test_the_same_arguments_give_the_same_track_and_other_seeds_other_tracks():
    first = generate_track(30, 24, 7, "random")
    assert (generate_track(30, 24, 7, "random").cells == first.cells).all()
    layouts = {generate_track(30, 24, seed, "random").to_text() for seed in range(40)}
    assert len(layouts) == 40
    shapes = {generate_track(30, 24, seed, "random").name.split("-")[1] for seed in range(40)}
    assert shapes == {"corner", "s", "staircase"}  # "s-bend" splits at its hyphen


def test_reachability_follows_the_up_and_right_rule():
    assert finish_reachable(load_track("track1")) and finish_reachable(load_track("track2"))
    # the finish lies up and to the LEFT of the start: no move goes left
    assert not finish_reachable(parse_track("F..#\n##.#\n##.S\n"))
    assert finish_reachable(parse_track("#..F\n#.##\nS.##\n"))
    # a wall across the way
    assert not finish_reachable(parse_track("...F\n####\nS...\n"))


@pytest.mark.parametrize("arguments, message", [
    ((3, 20, 0, "corner"), "rows = 3 is out of range"),
    ((20, 20, -1, "corner"), "seed = -1 is out of range"),
    ((20, 20, 0, "zigzag"), "shape = 'zigzag' is not one of corner, s-bend, staircase, random"),
])
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(RacetrackError, match=message):
        generate_track(*arguments)


def test_the_command_writes_a_track_that_solve_reads(tmp_path, capsys):
    out = tmp_path / "mine.txt"
    assert main(["generate", "--rows", "40", "--cols", "30", "--seed", "3", "--out", str(out),
                 "--json"]) == 0
    written = json.loads(capsys.readouterr().out)
    track = generate_track(40, 30, 3)
    assert out.read_text() == track.to_text() + "\n"
    model = TabularModel.build(out)
    assert written["n_states"] == model.n_states
    assert main(["solve", str(out), "--json"]) == 0
    solved = json.loads(capsys.readouterr().out)
    assert solved["method"] == "ordered" and solved["n_states"] == model.n_states
    assert main(["solve", str(out), "--method", "value_iteration", "--json"]) == 0
    textbook = json.loads(capsys.readouterr().out)
    assert solved["expected_steps_from_start"] == pytest.approx(
        textbook["expected_steps_from_start"], abs=1e-9)
    assert solved["sweeps"] < textbook["sweeps"]


@pytest.mark.parametrize("options, message", [
    (["--rows", "2", "--cols", "30"], "rows = 2 is out of range"),
    (["--rows", "20", "--cols", "30", "--shape", "loop"], "invalid choice: 'loop'"),
])
def test_bad_options_exit_2_with_one_line(tmp_path, capsys, options, message):
    assert main(["generate", *options, "--out", str(tmp_path / "t.txt")]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not (tmp_path / "t.txt").exists()


def test_an_out_folder_that_does_not_exist_is_named(tmp_path, capsys):
    assert main(["generate", "--rows", "20", "--cols", "20", "--out",
                 str(tmp_path / "nowhere" / "t.txt")]) == 2
    assert "does not exist" in capsys.readouterr().err


"""Parsing tracks: the built-in ones, and errors that name line and column."""

from pathlib import Path

import numpy as np
import pytest

from racetrack_lib import Track, TrackError, load_track, parse_track
from racetrack_lib.track import FINISH, START, WALL


@pytest.mark.parametrize(
    ("name", "shape", "n_start", "n_finish"),
    [("track1", (32, 17), 6, 6), ("track2", (30, 32), 23, 9)],
)
def test_builtin_tracks_have_figure_5_5_sizes(name, shape, n_start, n_finish):
    track = load_track(name)
    assert track.shape == shape
    assert len(track.start_cells) == n_start
    assert len(track.finish_cells) == n_finish
    # Figure 5.5: start line on the bottom row, finish line on the right edge.
    assert (track.start_cells[:, 0] == shape[0] - 1).all()
    assert (track.finish_cells[:, 1] == shape[1] - 1).all()


def test_load_by_name_path_and_text_agree(tmp_path: Path):
    text = load_track("track1").to_text()
    path = tmp_path / "copy.txt"
    path.write_text(text + "\n\n\n")  # trailing blank lines are ignored
    by_path = load_track(path)
    by_string_path = load_track(str(path))
    by_text = load_track(text)
    for track in (by_path, by_string_path, by_text):
        np.testing.assert_array_equal(track.cells, load_track("track1").cells)


def test_cell_codes():
    track = parse_track("#S\nF.")
    assert track.cells[0, 0] == WALL and track.cells[0, 1] == START
    assert track.cells[1, 0] == FINISH


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#S.F\n#.x.\n", "<text>:2:3: unknown character 'x'"),
        ("#S.F\n#..\n", "<text>:2:4: ragged row: 3 cells, but the first row has 4"),
        ("#S.F\n#....\n", "<text>:2:5: ragged row: 5 cells, but the first row has 4"),
        ("#..F\n#..F\n", "<text>:1:1: the track has no start cell 'S'"),
        ("#S..\n#...\n", "<text>:1:1: the track has no finish cell 'F'"),
        ("", "<text>: the track is empty"),
        ("\n\n", "<text>: the track is empty"),
        ("#S.F\n\n#..F\n", "<text>:2:1: blank line inside the track"),
        ("#S\t.F\n", "<text>:1:3: unknown character '\\t'"),
    ],
)
def test_malformed_tracks_name_line_and_column(text, expected):
    with pytest.raises(TrackError) as error:
        parse_track(text)
    assert str(error.value).startswith(expected)


def test_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(TrackError, match="no such track file"):
        load_track(tmp_path / "nope.txt")
    with pytest.raises(TrackError, match="track1, track2"):
        load_track("track3")


def test_file_errors_name_the_file(tmp_path: Path):
    path = tmp_path / "bad.txt"
    path.write_text("S.F\n..Z\n")
    with pytest.raises(TrackError, match=r"bad\.txt:2:3: unknown character 'Z'"):
        load_track(path)
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(TrackError, match="not a text file"):
        load_track(path)


def test_track_round_trips_through_text():
    track = load_track("track2")
    assert isinstance(track, Track)
    np.testing.assert_array_equal(parse_track(track.to_text()).cells, track.cells)

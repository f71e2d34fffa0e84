"""Racetrack grids: parsing, validation and the built-in tracks of Figure 5.5.

A track is a text grid, one character a cell, row 0 at the top::

    #  wall (off the track)      .  track
    S  start line                F  finish line

Every row has the same length and blank lines at the end are ignored. Anything else is a
:class:`TrackError` that names the line and column (both counted from 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .errors import RacetrackError

# Integer codes of the cells in ``Track.cells``.
WALL, TRACK, START, FINISH = 0, 1, 2, 3
CELL_CODES = {"#": WALL, ".": TRACK, "S": START, "F": FINISH}
BUILTIN_TRACKS = ("track1", "track2")


class TrackError(RacetrackError):
    """A track text that breaks the grid rules; the message names where."""


@dataclass(frozen=True)
class Track:
    """A parsed racetrack.

    Attributes:
        name: where the track came from (a built-in name, a file path or ``"<text>"``).
        cells: the grid, shape ``(n_rows, n_cols)``, codes ``WALL, TRACK, START, FINISH``.
    """

    name: str
    cells: np.ndarray = field(repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.cells.shape

    @property
    def start_cells(self) -> np.ndarray:
        """(row, col) of every start cell, row-major order, shape ``(n_start, 2)``."""
        return np.argwhere(self.cells == START)

    @property
    def finish_cells(self) -> np.ndarray:
        """(row, col) of every finish cell, row-major order, shape ``(n_finish, 2)``."""
        return np.argwhere(self.cells == FINISH)

    def to_text(self) -> str:
        """The track back as text (one line a row)."""
        symbols = np.array(list("#.SF"))
        return "\n".join("".join(symbols[row]) for row in self.cells)


def parse_track(text: str, source: str = "<text>") -> Track:
    """Parse a track from its text; raise :class:`TrackError` naming line and column.

    >>> track = parse_track("####F\\n#...F\\nSS..#")
    >>> track.cells.shape, len(track.start_cells)
    ((3, 5), 2)
    >>> parse_track("##F\\n#x.\\nSS.")
    Traceback (most recent call last):
    racetrack_lib.track.TrackError: <text>:2:2: unknown character 'x' (allowed: '#' wall, '.' track, 'S' start, 'F' finish)
    """
    if not isinstance(text, str):
        raise TrackError(f"{source}: the track text is {type(text).__name__}, not a string")
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and lines[-1].strip() == "":
        lines.pop()
    if not lines:
        raise TrackError(f"{source}: the track is empty (no rows)")
    width = len(lines[0])
    rows = []
    for line_number, line in enumerate(lines, start=1):
        if line == "":
            raise TrackError(f"{source}:{line_number}:1: blank line inside the track")
        for column, char in enumerate(line, start=1):
            if char not in CELL_CODES:
                raise TrackError(
                    f"{source}:{line_number}:{column}: unknown character {char!r} "
                    "(allowed: '#' wall, '.' track, 'S' start, 'F' finish)"
                )
        if len(line) != width:
            column = min(len(line), width) + 1
            raise TrackError(
                f"{source}:{line_number}:{column}: ragged row: {len(line)} cells, "
                f"but the first row has {width}"
            )
        rows.append([CELL_CODES[char] for char in line])
    cells = np.array(rows, dtype=np.int8)
    for code, what in ((START, "start cell 'S'"), (FINISH, "finish cell 'F'")):
        if not (cells == code).any():
            raise TrackError(f"{source}:1:1: the track has no {what}")
    return Track(name=source, cells=cells)


def load_track(track: str | Path | Track) -> Track:
    """Load a track from a built-in name (``"track1"``, ``"track2"``), a file path, or its text.

    A string that contains a newline is read as the track's text itself.

    >>> load_track("track1").cells.shape  # Figure 5.5, left
    (32, 17)
    """
    if isinstance(track, Track):
        return track
    if not isinstance(track, (str, Path)):
        raise RacetrackError(f"track = {track!r} is not a track name, path or text")
    if isinstance(track, Path):
        return _load_file(track)
    if "\n" in track:
        return parse_track(track, source="<text>")
    if track in BUILTIN_TRACKS:
        text = resources.files("racetrack_lib").joinpath("tracks", f"{track}.txt").read_text()
        return parse_track(text, source=track)
    return _load_file(Path(track))


def _load_file(path: Path) -> Track:
    if not path.is_file():
        raise TrackError(
            f"{path}: no such track file (built-in tracks: {', '.join(BUILTIN_TRACKS)})"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise TrackError(f"{path}: not a text file ({error.reason})") from None
    except OSError as error:
        raise TrackError(f"{path}: cannot be read ({error.strerror})") from None
    return parse_track(text, source=str(path))

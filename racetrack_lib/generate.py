"""Random racetracks of any size, reproducible from a seed, and always solvable.

The car only ever moves up or right (velocities are never negative), so a track is drivable only
if a path of track cells leads from the start line up and to the right to the finish line. Every
generated track is built around such a path: a corridor of straight segments that alternate
between going up and going right, each with its own width (wide and narrow sections), with
ragged walls. The start line lies on the bottom edge when the first segment goes up, on the left
edge when it goes right; the finish line on the right edge, where the last segment ends - as in
Figure 5.5.

Shape families:

- ``"corner"``: up, then right (Figure 5.5's shape);
- ``"s-bend"``: right, up, right;
- ``"staircase"``: four to six segments, up first;
- ``"random"``: one of the three, chosen by the seed.

A track is checked before it is returned: :func:`finish_reachable` must find a path of track
cells, each step up or right, from a start cell to a finish cell (a car at speed 1 can follow
it). A track that fails is never returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import RacetrackError, check_count
from .track import FINISH, START, TRACK, WALL, Track

SHAPES = ("corner", "s-bend", "staircase", "random")
MIN_SIZE = 8  # rows and columns: room for two segments and their walls
MAX_SIZE = 4_000


@dataclass(frozen=True)
class Segment:
    """A straight piece of the corridor: ``direction`` "up" or "right", from ``start`` to
    ``end`` (row, col) on its centre line, ``width`` cells across."""

    direction: str
    start: tuple[int, int]
    end: tuple[int, int]
    width: int


def generate_track(rows: int, cols: int, seed: int, shape: str = "random") -> Track:
    """A random solvable track of ``rows`` x ``cols`` cells, the same for the same arguments.

    >>> track = generate_track(32, 17, seed=1, shape="corner")
    >>> track.shape, finish_reachable(track)
    ((32, 17), True)
    """
    rows = check_count("rows", rows, MIN_SIZE, MAX_SIZE)
    cols = check_count("cols", cols, MIN_SIZE, MAX_SIZE)
    seed = check_count("seed", seed, 0, 2**63 - 1)
    if shape not in SHAPES:
        raise RacetrackError(f"shape = {shape!r} is not one of {', '.join(SHAPES)}")
    rng = np.random.default_rng([seed, rows, cols])
    if shape == "random":
        shape = str(rng.choice(SHAPES[:-1]))
    segments = _segments(rows, cols, shape, rng)
    cells = _draw(rows, cols, segments, rng)
    track = Track(name=f"generated-{shape}-{rows}x{cols}-seed{seed}", cells=cells)
    if not finish_reachable(track):  # the construction guarantees it; this proves it
        raise RacetrackError(f"{track.name}: the generator made a track whose finish cannot be "
                             "reached (a bug: please report the arguments)")
    return track


def finish_reachable(track: Track) -> bool:
    """Whether a path of drivable cells, each step one cell up or right, leads from a start cell
    to a finish cell. (Such a path can always be driven at speed 1; without one, no move can
    reach the finish, since no move goes down or left.)"""
    n_rows, n_cols = track.shape
    open_cells = track.cells != WALL
    reached = np.zeros(track.shape, dtype=bool)
    positions = np.arange(n_cols)
    below = np.zeros(n_cols, dtype=bool)
    for row in range(n_rows - 1, -1, -1):  # from the bottom up
        # a cell is reached if it is a start cell or the cell below it is reached, or if such a
        # cell lies to its left with no wall between them (the car drives right along the row)
        seeds = open_cells[row] & ((track.cells[row] == START) | below)
        last_seed = np.maximum.accumulate(np.where(seeds, positions, -1))
        last_wall = np.maximum.accumulate(np.where(open_cells[row], -1, positions))
        reached[row] = open_cells[row] & (last_seed > last_wall)
        below = reached[row]
    return bool((reached & (track.cells == FINISH)).any())


def _segments(rows: int, cols: int, shape: str, rng: np.random.Generator) -> list[Segment]:
    """The corridor's centre line: segments alternating up and right, with random lengths and
    widths, that fit inside the grid with a wall all round (except where start and finish lie
    on the edge)."""
    directions = {"corner": ["up", "right"], "s-bend": ["right", "up", "right"],
                  "staircase": ["up", "right"] * int(rng.integers(2, 4))}[shape]
    shortest = min(rows, cols)
    widths = [int(rng.integers(max(2, shortest // 12), max(3, shortest // 3) + 1))
              for _ in directions]
    n_up = directions.count("up")
    n_right = len(directions) - n_up
    # the turning rows (from the bottom up) and columns (from left to right), evenly spread
    # with some randomness, inside margins that leave room for the widest segment
    margin = max(widths) // 2 + 1
    turn_rows = _spread(rows - 1 - margin if directions[0] == "right" else rows - 1,
                        margin, n_up, rng)
    turn_cols = _spread(margin, cols - 1 - margin if directions[-1] == "up" else cols - 1,
                        n_right, rng)
    row, col = (rows - 1, int(rng.integers(margin, max(margin + 1, cols // 3)))) \
        if directions[0] == "up" else (int(rng.integers(max(margin, 2 * rows // 3),
                                                        rows - margin)), 0)
    segments = []
    ups, rights = iter(turn_rows), iter(turn_cols)
    for direction, width in zip(directions, widths, strict=True):
        end = (next(ups), col) if direction == "up" else (row, next(rights))
        segments.append(Segment(direction, (row, col), end, width))
        row, col = end
    return segments


def _spread(first: int, last: int, count: int, rng: np.random.Generator) -> list[int]:
    """``count`` increasing (or decreasing, if ``last < first``) positions from ``first`` towards
    ``last``, the final one ``last`` itself, the others at random in equal shares of the way."""
    step = (last - first) / count
    positions = [round(first + step * (k + rng.uniform(0.5, 0.9))) for k in range(count - 1)]
    return [*positions, last]


def _draw(rows: int, cols: int, segments: list[Segment], rng: np.random.Generator) -> np.ndarray:
    """The grid: wall everywhere, each segment's band of track (with ragged outer walls), then
    the start line on the first segment's edge and the finish line on the last's."""
    cells = np.full((rows, cols), WALL, dtype=np.int8)
    for segment in segments:
        (row0, col0), (row1, col1) = segment.start, segment.end
        low, high = -(segment.width // 2), (segment.width - 1) // 2
        if segment.direction == "up":
            span = range(row1 - high, row0 + 1)
            outer, inner = _ragged(len(span), rng), _ragged(len(span), rng)
            for row, left_out, right_out in zip(span, outer, inner, strict=True):
                left, right = col0 + low - left_out, col0 + high + right_out
                cells[row, max(left, 0):min(right, cols - 1) + 1] = TRACK
        else:
            span = range(col0, col1 + 1)
            outer, inner = _ragged(len(span), rng), _ragged(len(span), rng)
            for col, top_out, bottom_out in zip(span, outer, inner, strict=True):
                top, bottom = row0 + low - top_out, row0 + high + bottom_out
                cells[max(top, 1):min(bottom, rows - 1) + 1, col] = TRACK
    first, last = segments[0], segments[-1]
    if first.direction == "up":
        cells[rows - 1][cells[rows - 1] == TRACK] = START
    else:
        cells[:, 0][cells[:, 0] == TRACK] = START
    if last.direction == "right":
        cells[:, cols - 1][cells[:, cols - 1] == TRACK] = FINISH
    else:
        cells[0][cells[0] == TRACK] = FINISH
    return cells


def _ragged(length: int, rng: np.random.Generator) -> np.ndarray:
    """How far a wall steps out of its band along a segment, 0 or 1 cell, in runs (it changes
    with probability 0.2 from one row or column to the next), so walls are ragged, not spiky."""
    changes = rng.random(length) < 0.2
    return (np.cumsum(changes) + int(rng.integers(2))) % 2

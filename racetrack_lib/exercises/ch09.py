"""Chapter 9's exercise: can the finish line be reached at all?

Exercise 9.1: ``finish_reachable(rows)``, given a track as its lines of text (``#`` wall, ``.``
track, ``S`` start, ``F`` finish), says whether a path of non-wall cells, each step one cell up
or one cell right, leads from a start cell to a finish cell - the test the track generator
applies before it returns a track. It is checked against
:func:`racetrack_lib.generate.finish_reachable`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..generate import finish_reachable as library_finish_reachable
from ..generate import generate_track
from ..track import TRACK, WALL, parse_track
from .checking import Case, Exercise, Probe, check


def library_answer(rows: list[str]) -> bool:
    """The library's answer for a track given as its lines."""
    return library_finish_reachable(parse_track("\n".join(rows)))


def _case(text: str) -> Case:
    rows = text.strip("\n").split("\n")
    return Case((rows,), f"rows = {rows!r}", library_answer(rows))


def _probes() -> list[Probe]:
    return [
        Probe("a straight corridor",
              "start from the start cells and spread to the track cells next to them, up and "
              "right, until nothing new is reached; the answer is whether a finish cell was.",
              [_case("##F\n#.F\n#S#"), _case("F\nS"), _case("S.F")]),
        Probe("walls block the way",
              "a wall cell is never entered: a path goes round it or does not exist.",
              [_case("###F\n####\n#S..\n"), _case("F..\n###\n.S.")]),
        Probe("the car never moves down or left",
              "a finish cell below or to the left of every start cell cannot be reached, even "
              "if a corridor joins them: the car's velocity is never negative.",
              [_case("S..\n...\n..F"), _case("F.S"), _case("#S\n.F"),
               _case("F#...\n.#.#.\n.#.#.\n...#S")]),
        Probe("a path may turn, and any start cell will do",
              "a path can alternate up and right steps as often as it needs to; one start cell "
              "that reaches the finish is enough.",
              [_case("####F\n###.F\n##..#\n#..##\nS.###"),
               _case("S#F\n#.F\nS.#"),
               _case(generate_track(12, 12, seed=3, shape="staircase").to_text())]),
    ]


FINISH_REACHABLE = Exercise("finish_reachable", 9, "can the finish be reached?", _probes)


def check_finish_reachable(finish_reachable: Callable) -> None:
    """Check the reader's ``finish_reachable(rows)``; if it is right, run it on generated tracks
    with one row walled up, which sometimes cuts the way to the finish."""

    def use(function: Callable) -> Iterator[str]:
        agreeing = blocked = 0
        for seed in range(40):
            cells = generate_track(16, 16, seed=seed, shape="random").cells.copy()
            row = 2 + seed % 12
            cells[row][cells[row] == TRACK] = WALL  # wall up the row's track cells
            rows = ["".join("#.SF"[code] for code in line) for line in cells]
            expected = library_answer(rows)
            agreeing += function(rows) == expected
            blocked += not expected
        yield (f"  Used on 40 generated tracks with one row walled up ({blocked} of them cut off "
               f"from the finish): your answer agrees with the library's on {agreeing}.")

    check(FINISH_REACHABLE, finish_reachable, use)

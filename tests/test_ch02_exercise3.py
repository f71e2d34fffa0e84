"""Chapter 2, exercise 3, on a grid ten times finer than the solution's own check in
test_chapter_claims.py: which start cells prefer to crash, at every noise level 0, 0.01, ..., 0.5.

The solution says: on track 1 only for p <= 0.02 (column 8); on track 2 the rightmost start cell
(column 22) at every noise level checked, the book's 0.1 included."""

from __future__ import annotations

import numpy as np

from racetrack_lib import CRASHED, TabularModel, value_iteration

NOISE_LEVELS = np.round(np.arange(0.0, 0.501, 0.01), 2)


def crashing_start_columns(track: str, noise: float) -> set[int]:
    """Start columns where an action tied (to 1e-9) for the best Q* crashes on purpose."""
    model = TabularModel.build(track, noise=noise)
    q_values = value_iteration(model).q_values[model.start_states]
    best = q_values >= q_values.max(axis=1, keepdims=True) - 1e-9
    crashes = model.next_states[model.start_states, :, 0] == CRASHED
    return {int(model.positions[state, 1])
            for state, row in zip(model.start_states, best & crashes, strict=True) if row.any()}


def test_track1_only_up_to_noise_0_02_and_only_column_8():
    columns = {float(p): crashing_start_columns("track1", p) for p in NOISE_LEVELS}
    assert {p: c for p, c in columns.items() if c} == {0.0: {8}, 0.01: {8}, 0.02: {8}}


def test_track2_column_22_at_every_noise_level():
    for p in NOISE_LEVELS:
        assert 22 in crashing_start_columns("track2", float(p)), p

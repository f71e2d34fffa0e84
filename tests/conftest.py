from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
sys.path.insert(0, str(TESTS))  # for reference_racetrack

from racetrack_lib import TabularModel, value_iteration  # noqa: E402

DATA = TESTS / "data"


@pytest.fixture(scope="session")
def track1_model() -> TabularModel:
    return TabularModel.build("track1", noise=0.1)


@pytest.fixture(scope="session")
def track1_solution(track1_model):
    return value_iteration(track1_model)


def tiny_track(name: str) -> Path:
    return DATA / "tracks" / f"{name}.txt"

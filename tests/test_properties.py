"""Property-based tests (hypothesis): random text at the track parser, random values at
AgentConfig and the command line. Every bad input gets a clear error (a TrackError naming line
and column, a RacetrackError naming the parameter, exit status 2 and one line on the command
line), never a traceback; every good input works."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from racetrack_lib import TabularModel, TrackError, parse_track
from racetrack_lib.cli import main
from racetrack_lib.config import AgentConfig
from racetrack_lib.errors import RacetrackError
from racetrack_lib.mdp import _enumerate_states, _successor_table
from racetrack_lib.training import train

TRACKS = Path(__file__).parent / "data" / "tracks"
# PROPERTY_EXAMPLES=2000 pytest tests/test_properties.py searches harder (CI: 60 per test)
SETTINGS = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
GRID_CHARACTERS = list("#.SF")
WHERE = re.compile(r"^<text>(:\d+:\d+)?: ")  # the source, then line:column where it applies


def grid_text(rows: list[str]) -> str:
    return "\n".join(rows)


@SETTINGS
@given(st.lists(st.sampled_from([*GRID_CHARACTERS, "\n", "\r\n", " ", "x", "\t", "é"]),
                max_size=80).map("".join))
def test_parser_parses_or_names_line_and_column(text):
    try:
        track = parse_track(text)
    except TrackError as error:
        assert WHERE.match(str(error)), str(error)
        line_column = re.match(r"^<text>:(\d+):(\d+): ", str(error))
        if line_column:  # the named place exists in the text
            lines = text.replace("\r\n", "\n").split("\n")
            line, column = map(int, line_column.groups())
            assert 1 <= line <= len(lines) and 1 <= column <= max(len(lines[line - 1]), 1) + 1
        return
    rows = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    assert track.cells.shape == (len(rows), len(rows[0]))
    assert (track.cells == parse_track(grid_text(rows)).cells).all()


@SETTINGS
@given(st.text(max_size=60))
def test_parser_on_any_text_raises_only_track_errors(text):
    try:
        parse_track(text)
    except TrackError as error:
        assert WHERE.match(str(error)), str(error)


@st.composite
def grids(draw) -> list[str]:
    width = draw(st.integers(1, 6))
    height = draw(st.integers(1, 6))
    return [draw(st.text(alphabet=st.sampled_from(GRID_CHARACTERS), min_size=width,
                         max_size=width)) for _ in range(height)]


@SETTINGS
@given(grids())
def test_every_good_grid_builds_a_model_or_says_why_not(rows):
    try:
        track = parse_track(grid_text(rows))
    except TrackError as error:
        assert "has no start cell" in str(error) or "has no finish cell" in str(error)
        return
    try:
        model = TabularModel.build(track, noise=0.1)
    except TrackError as error:
        assert "no start cell can reach a finish cell" in str(error)
        return
    assert model.n_states >= len(model.start_states) >= 1
    assert model.next_states.shape == (model.n_states, 9, 2)


def forward_search_finds_the_finish(track) -> bool:
    """A plain forward search over (row, col, velocity) with the rules, no compiled tables."""
    positions, velocities, index = _enumerate_states(track)
    table = _successor_table(track, positions, velocities, index)[:, :, 0]
    starts = [int(index[row, col, 0, 0]) for row, col in track.start_cells]
    seen, frontier = set(starts), list(starts)
    while frontier:
        state = frontier.pop()
        for landing in table[state]:
            if landing == -1:  # FINISHED
                return True
            if landing >= 0 and int(landing) not in seen:
                seen.add(int(landing))
                frontier.append(int(landing))
    return False  # a crash only leads back to the start line, already searched


@SETTINGS
@given(grids())
def test_finish_reachability_agrees_with_a_forward_search(rows):
    try:
        track = parse_track(grid_text(rows))
    except TrackError:
        return
    try:
        TabularModel.build(track, noise=0.1)
        built = True
    except TrackError:
        built = False
    assert built == forward_search_finds_the_finish(track)


FIELDS = [field for field in AgentConfig.__dataclass_fields__]
# A bad value of one field can make a field checked against it fail instead: name either.
DEPENDENT = {"alpha": "alpha_min", "epsilon_start": "epsilon_min", "memory_size": "batch_size"}
ANY_VALUE = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**12, 10**12),
                      st.text(max_size=6), st.booleans(), st.none(),
                      st.lists(st.integers(), max_size=2))


@SETTINGS
@given(st.sampled_from(FIELDS), ANY_VALUE)
def test_agent_config_accepts_or_names_the_field(field, value):
    try:
        config = AgentConfig(**{field: value})
    except RacetrackError as error:
        named = str(error).split(" = ")[0]
        assert named in (field, DEPENDENT.get(field)), (field, str(error))
        return
    # a good config gives numbers in range
    assert 0.0 <= config.epsilon(7) <= 1.0 and 0.0 <= config.trace_decay_at(7) <= 1.0
    assert np.all((config.step_sizes() > 0) & (config.step_sizes() <= 1))


VALID_CONFIGS = st.builds(
    lambda alpha, power, floor, gamma, start, decay, low, target, trace, schedule, kind, q_lambda,
    memory, batch, planning, model_kind: AgentConfig(
        alpha=alpha, alpha_power=power, alpha_min=floor * alpha, gamma=gamma,
        epsilon_start=start, epsilon_decay=decay, epsilon_min=low * start, target=target,
        num_episodes=3, max_episode_steps=300, trace_decay=trace, trace_schedule=schedule,
        trace_kind=kind, q_lambda=q_lambda, memory_size=memory,
        batch_size=min(batch, memory) if memory else batch, planning_steps=planning,
        model_kind=model_kind),
    st.floats(0.001, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.01, 1.0),
    st.floats(0.0, 1.0), st.floats(0.01, 1.0), st.floats(0.0, 1.0),
    st.sampled_from(["q_learning", "sarsa"]), st.floats(0.0, 1.0),
    st.sampled_from(["ramp", "constant"]), st.sampled_from(["replacing", "accumulating"]),
    st.sampled_from(["watkins", "naive"]), st.integers(0, 50), st.integers(1, 8),
    st.integers(0, 5), st.sampled_from(["counts", "last"]))


@pytest.fixture(scope="module")
def straight_model():
    return TabularModel.build(parse_track("....F\n....F\nSS..F"), noise=0.1)


@SETTINGS
@given(VALID_CONFIGS)
def test_every_valid_config_trains(straight_model, config):
    try:
        result = train(config, straight_model, n_agents=1, seed=0)
    except RacetrackError as error:  # the one allowed failure: learning diverged, said so
        assert "diverged" in str(error)
        return
    assert result.episode_lengths.shape == (1, 3)
    assert np.all(np.abs(result.episode_lengths) >= 1)
    assert result.greedy_expected_steps.shape[0] == 1


OPTIONS = ["--alpha", "--alpha-power", "--alpha-min", "--gamma", "--epsilon", "--epsilon-decay",
           "--epsilon-min", "--trace-decay", "--trace-schedule", "--trace-kind", "--q-lambda",
           "--memory-size", "--batch-size", "--planning-steps", "--model-kind", "--target",
           "--noise", "--seed", "--preset", "--episodes", "--agents", "--eval-every", "--jobs"]
# short values only: a valid "--planning-steps 9999" must still finish quickly
SHORT_VALUES = st.text(alphabet=st.sampled_from(list("0123456789.-eainf")), min_size=1,
                       max_size=4) | st.sampled_from(["nan", "-1", "0", "1", "0.5", "1e9", "ramp",
                                                      "sarsa", "combined-150", "last", ""])


@SETTINGS
@given(st.sampled_from(OPTIONS), SHORT_VALUES)
def test_cli_exits_0_or_2_with_one_line(capsys, option, value):
    # A small run; the option under test replaces its own default. Values stay within 4
    # characters, so a valid --planning-steps or --memory-size is still quick on this track.
    if option in ("--agents", "--jobs") and re.fullmatch(r"\d+", value):
        assume(int(value) <= 4)  # thousands of agents or processes: valid, only slow
    small_run = {"--episodes": "2", "--agents": "1", "--jobs": "1"}
    small_run.pop(option, None)
    argv = ["train", str(TRACKS / "straight.txt"), option, value, "--json",
            *[text for pair in small_run.items() for text in pair]]
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own exit (e.g. a missing value)
        status = exit_.code
    captured = capsys.readouterr()
    assert status in (0, 2), captured.err
    if status == 2:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("racetrack: error:"), captured.err
        assert "Traceback" not in captured.err

"""A sweep described in a small TOML file, checked field by field before anything runs.

An example (``racetrack sweep planning.toml``)::

    tracks = ["track1"]          # built-in names or track files; or track = "track1"
    agents = 8                   # independent agents per configuration
    seed = 0                     # the root seed: agent i's numbers depend on (seed, i) only
    noise = 0.1                  # optional (default 0.1)
    eval_every = 200             # optional: exact evaluations every N episodes
    preset = "combined-150"      # optional: the base starts from this preset

    [base]                       # AgentConfig fields shared by every configuration
    num_episodes = 2000
    trace_decay = 0.9

    [grid]                       # every combination of these values is one configuration
    planning_steps = [0, 5, 10]
    model_kind = ["counts", "last"]

The sweep is every track times every combination of the grid, in that order (the grid's last
field changes fastest). A mistake stops it at once with one line that names the field: an
unknown field, a value out of its range, an empty list, a track that cannot be read.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ..config import PRESETS, AgentConfig, preset
from ..errors import RacetrackError
from ..track import load_track

TOP_LEVEL = {"track", "tracks", "agents", "seed", "noise", "eval_every", "preset", "base", "grid"}
MAX_AGENTS = 10_000
MAX_NOISE = 0.9  # as the command line's --noise
CONFIG_FIELDS = [each.name for each in fields(AgentConfig)]


class SpecError(RacetrackError):
    """A sweep file that cannot be run; the message names the file and the field."""


@dataclass(frozen=True)
class SweepTask:
    """One configuration on one track: what a worker trains and a file in the results folder.

    Attributes:
        index: its place in the sweep (0, 1, ...).
        track: the track's name or path, as the file gives it.
        config: the hyperparameters.
        setting: the grid's values of this configuration, ``{field: value}`` (its label).
        agents, seed, noise, eval_every: as the file gives them.
    """

    index: int
    track: str
    config: AgentConfig
    setting: dict
    agents: int
    seed: int
    noise: float
    eval_every: int | None

    @property
    def label(self) -> str:
        """``planning_steps=5, model_kind=last`` (``base`` for a sweep without a grid)."""
        return ", ".join(f"{name}={value}" for name, value in self.setting.items()) or "base"

    @property
    def key(self) -> str:
        """A hash of everything that decides this task's numbers (16 hex digits)."""
        described = {"track": self.track, "config": self.config.to_dict(), "agents": self.agents,
                     "seed": self.seed, "noise": self.noise, "eval_every": self.eval_every}
        text = json.dumps(described, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def file_name(self) -> str:
        return f"{self.index:04d}-{self.key}.npz"


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep file.

    Attributes:
        source: the file it was read from (for messages).
        tracks: the tracks, as the file names them.
        agents, seed, noise, eval_every: the training settings of every configuration.
        base: the configuration the grid's values are applied to.
        grid: ``{field: [values]}``, in the file's order.
    """

    source: str
    tracks: tuple[str, ...]
    agents: int
    seed: int
    noise: float
    eval_every: int | None
    base: AgentConfig
    grid: dict

    def tasks(self) -> list[SweepTask]:
        """Every track times every combination of the grid: the sweep's configurations."""
        names = list(self.grid)
        combinations = list(itertools.product(*(self.grid[name] for name in names)))
        tasks = []
        for track in self.tracks:
            for values in combinations:
                setting = dict(zip(names, values, strict=True))
                tasks.append(SweepTask(len(tasks), track, replace(self.base, **setting), setting,
                                       self.agents, self.seed, self.noise, self.eval_every))
        return tasks

    def canonical(self) -> dict:
        """Everything that decides the sweep's numbers, as JSON-able data: a results folder
        keeps it, and a rerun with a different file is refused."""
        return {"tracks": list(self.tracks), "agents": self.agents, "seed": self.seed,
                "noise": self.noise, "eval_every": self.eval_every,
                "base": self.base.to_dict(), "grid": self.grid}


def read_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep file; raise :class:`SpecError` naming the field at fault."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: no such sweep file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"{path}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML: {error}") from None
    return parse_spec(data, source=str(path))


def parse_spec(data: dict, source: str = "<sweep>") -> SweepSpec:
    """Check the contents of a sweep file (a dict as TOML gives it)."""

    def fail(message: str) -> SpecError:
        return SpecError(f"{source}: {message}")

    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        raise fail(f"unknown field {unknown[0]!r} (allowed: {', '.join(sorted(TOP_LEVEL))})")
    tracks = _tracks(data, fail)
    agents = _whole(data.get("agents", 8), "agents", 1, MAX_AGENTS, fail)
    seed = _whole(data.get("seed", 0), "seed", 0, 2**63 - 1, fail)
    noise = data.get("noise", 0.1)
    if isinstance(noise, bool) or not isinstance(noise, int | float) or not 0 <= noise <= MAX_NOISE:
        raise fail(f"noise = {noise!r}: must be a number in [0, {MAX_NOISE}]")
    eval_every = data.get("eval_every")
    if eval_every is not None:
        eval_every = _whole(eval_every, "eval_every", 1, 10_000_000, fail)
    base = _base(data, fail)
    grid = _grid(data, base, fail)
    return SweepSpec(source, tracks, agents, seed, float(noise), eval_every, base, grid)


def _tracks(data: dict, fail) -> tuple[str, ...]:
    if "track" in data and "tracks" in data:
        raise fail("give 'track' or 'tracks', not both")
    tracks = data.get("tracks", [data.get("track", "track1")])
    if isinstance(tracks, str):
        tracks = [tracks]
    if not isinstance(tracks, list) or not tracks:
        raise fail("tracks: give a list of at least one track name or file")
    for number, track in enumerate(tracks):
        if not isinstance(track, str):
            raise fail(f"tracks[{number}] = {track!r}: not a track name or file")
        if track in tracks[:number]:
            raise fail(f"tracks[{number}] = {track!r}: listed twice")
        try:
            load_track(track)
        except RacetrackError as error:
            raise fail(f"tracks[{number}]: {error}") from None
    return tuple(tracks)


def _whole(value, name: str, low: int, high: int, fail) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise fail(f"{name} = {value!r}: must be a whole number in [{low:,}, {high:,}]")
    return value


def _base(data: dict, fail) -> AgentConfig:
    name = data.get("preset")
    if name is not None and name not in PRESETS:
        raise fail(f"preset = {name!r}: not one of {', '.join(PRESETS)}")
    base = preset(name) if name else AgentConfig()
    values = data.get("base", {})
    if not isinstance(values, dict):
        raise fail("base: must be a table of hyperparameters ([base])")
    for field_name, value in values.items():
        base = _apply(base, field_name, value, f"base.{field_name}", fail)
    return base


def _grid(data: dict, base: AgentConfig, fail) -> dict:
    grid = data.get("grid", {})
    if not isinstance(grid, dict):
        raise fail("grid: must be a table of lists ([grid])")
    for field_name, values in grid.items():
        where = f"grid.{field_name}"
        if not isinstance(values, list):
            raise fail(f"{where} = {values!r}: must be a list of values")
        if not values:
            raise fail(f"{where}: an empty list (give at least one value)")
        if len(set(map(repr, values))) < len(values):
            raise fail(f"{where}: a value is listed twice")
        for value in values:
            _apply(base, field_name, value, where, fail)
    for values in itertools.product(*grid.values()):  # fields that depend on each other
        try:
            replace(base, **dict(zip(grid, values, strict=True)))
        except RacetrackError as error:
            raise fail(f"grid: the combination {dict(zip(grid, values, strict=True))}: "
                       f"{error}") from None
    return grid


def _apply(config: AgentConfig, name: str, value, where: str, fail) -> AgentConfig:
    """``config`` with ``name = value``, or a SpecError naming ``where``."""
    if name not in CONFIG_FIELDS:
        raise fail(f"unknown field {where!r} (not a hyperparameter; see `racetrack train "
                   "--help`)")
    try:
        return replace(config, **{name: value})
    except RacetrackError as error:
        raise fail(f"{where} = {value!r}: {error}") from None
    except TypeError as error:
        raise fail(f"{where} = {value!r}: {error}") from None

"""Every hyperparameter of the agent in one validated record."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from numbers import Integral

import numpy as np

from .dyna import MODEL_KINDS
from .errors import RacetrackError, check_range
from .step_size import step_size_table

TARGETS = ("q_learning", "sarsa")
TRACE_SCHEDULES = ("ramp", "constant")
TRACE_KINDS = ("replacing", "accumulating")
Q_LAMBDAS = ("watkins", "naive")


@dataclass(frozen=True)
class AgentConfig:
    """The agent's hyperparameters; every field is checked when the config is made.

    Attributes:
        alpha: step size of the TD update, in (0, 1]: the constant step size when
            ``alpha_power`` is 0, else the step size of a pair's first visit.
        alpha_power: how fast each pair's step size shrinks with its visit count ``n``:
            ``alpha_n = max(alpha_min, alpha * n ** -alpha_power)`` (chapter 3), in [0, 1];
            0 is a constant step size.
        alpha_min: the floor of that schedule, in [0, alpha].
        gamma: discount factor ``gamma``, in (0, 1]; 1 makes returns minus the number of steps.
        epsilon_start: exploration rate of the first episode, in [0, 1].
        epsilon_decay: factor applied to epsilon after every episode, in (0, 1].
        epsilon_min: the floor epsilon decays to, in [0, epsilon_start].
        target: ``"q_learning"`` (off-policy, max over next actions) or ``"sarsa"`` (on-policy,
            the next action actually taken).
        num_episodes: episodes each agent trains for, at least 1.
        max_episode_steps: an episode is cut after this many steps (a safety net for policies
            that loop; a cut episode gets no terminal update), at least 1.
        trace_decay: ``lambda`` of eligibility traces (chapter 4), in [0, 1]; 0 is one-step TD.
        trace_schedule: ``"ramp"`` (the default) grows the trace decay of episode ``e`` with the
            agent's greed, ``lambda_e = lambda * (1 - epsilon_e) / (1 - epsilon_min)``: no traces
            while it acts at random, the full ``lambda`` once epsilon reaches its floor (the
            long, random early episodes would otherwise pour pessimistic lambda-returns into
            the estimates; Watkins's Q(lambda) gets the same effect, on average, by cutting).
            ``"constant"``: ``lambda`` in every episode.
        trace_kind: ``"replacing"`` (a visit sets ``e(s, a) = 1``) or ``"accumulating"`` (adds 1).
            Replacing is the default: on this track the car often revisits a pair (waiting on
            the start line, crashing back to it), and accumulating traces then grow above 1 and
            make a constant step size overshoot (Singh & Sutton 1996).
        q_lambda: with Q-learning and traces, ``"watkins"`` cuts the traces after an exploratory
            action (the default: the only off-policy-correct choice) or ``"naive"`` never cuts.
        memory_size: capacity of the replay memory (chapter 5), in [0, 10^8]; 0 is no replay.
        batch_size: transitions replayed after every real step (chapter 5); with replay in
            [1, memory_size], ignored without.
        planning_steps: simulated updates per real step (chapter 6), in [0, 100000]; 0 is no
            planning.
        model_kind: the learned dynamics model (chapter 6): ``"counts"`` counts each pair's
            outcomes and samples them in proportion, ``"last"`` keeps only the last outcome
            (Tabular Dyna-Q).
    """

    alpha: float = 1.0
    alpha_power: float = 0.7
    alpha_min: float = 0.02
    gamma: float = 1.0
    epsilon_start: float = 1.0
    epsilon_decay: float = 0.998
    epsilon_min: float = 0.01
    target: str = "q_learning"
    num_episodes: int = 100_000
    max_episode_steps: int = 100_000
    trace_decay: float = 0.0
    trace_schedule: str = "ramp"
    trace_kind: str = "replacing"
    q_lambda: str = "watkins"
    memory_size: int = 0
    batch_size: int = 32
    planning_steps: int = 0
    model_kind: str = "counts"

    def __post_init__(self) -> None:
        check_range("alpha", self.alpha, 0.0, 1.0, low_open=True)
        check_range("alpha_power", self.alpha_power, 0.0, 1.0)
        check_range("alpha_min", self.alpha_min, 0.0, self.alpha)
        check_range("gamma", self.gamma, 0.0, 1.0, low_open=True)
        check_range("epsilon_start", self.epsilon_start, 0.0, 1.0)
        check_range("epsilon_decay", self.epsilon_decay, 0.0, 1.0, low_open=True)
        check_range("epsilon_min", self.epsilon_min, 0.0, self.epsilon_start)
        if self.target not in TARGETS:
            raise RacetrackError(f"target = {self.target!r} is not one of {', '.join(TARGETS)}")
        _check_count("num_episodes", self.num_episodes, 1, 10_000_000)
        _check_count("max_episode_steps", self.max_episode_steps, 1, 100_000_000)
        check_range("trace_decay", self.trace_decay, 0.0, 1.0)
        for name, allowed in (("trace_schedule", TRACE_SCHEDULES), ("trace_kind", TRACE_KINDS),
                              ("q_lambda", Q_LAMBDAS), ("model_kind", MODEL_KINDS)):
            if getattr(self, name) not in allowed:
                raise RacetrackError(
                    f"{name} = {getattr(self, name)!r} is not one of {', '.join(allowed)}"
                )
        _check_count("memory_size", self.memory_size, 0, 100_000_000)
        _check_count("batch_size", self.batch_size, 0, 100_000)
        _check_count("planning_steps", self.planning_steps, 0, 100_000)
        if self.memory_size > 0 and not 1 <= self.batch_size <= self.memory_size:
            raise RacetrackError(
                f"batch_size = {self.batch_size} is out of range: allowed [1, memory_size = "
                f"{self.memory_size}] with replay"
            )
        self._store_plain_numbers()

    def _store_plain_numbers(self) -> None:
        """Keep every number as a Python ``float`` or ``int``: a numpy scalar (``np.float16``,
        ``np.int64``) would reach the compiled loops as a type they were not compiled for, and
        would not survive a round trip through JSON."""
        for field in fields(self):
            value = getattr(self, field.name)
            if field.type == "float":
                object.__setattr__(self, field.name, float(value))  # frozen: set it once here
            elif field.type == "int":
                object.__setattr__(self, field.name, int(value))

    def epsilon(self, episode: int) -> float:
        """The exploration rate of episode ``episode`` (counted from 0):
        ``epsilon_e = max(epsilon_min, epsilon_start * epsilon_decay ** e)``."""
        return max(self.epsilon_min, self.epsilon_start * self.epsilon_decay**episode)

    def trace_decay_at(self, episode: int) -> float:
        """The trace decay (lambda) of episode ``episode``: ``trace_decay``, or with the
        ``"ramp"`` schedule ``trace_decay * (1 - epsilon_e) / (1 - epsilon_min)``."""
        if self.trace_schedule == "constant" or self.epsilon_min == 1.0:
            return self.trace_decay
        greed = (1.0 - self.epsilon(episode)) / (1.0 - self.epsilon_min)
        return self.trace_decay * greed

    @property
    def replayed_per_step(self) -> int:
        """Transitions replayed after each real step: ``batch_size``, or 0 without a memory."""
        return self.batch_size if self.memory_size > 0 else 0

    def step_sizes(self) -> np.ndarray:
        """The step-size schedule as a table, ``step_sizes[n - 1] = alpha_n`` (``step_size.py``)."""
        return step_size_table(self.alpha, self.alpha_power, self.alpha_min)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> AgentConfig:
        known = {field.name for field in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise RacetrackError(f"unknown hyperparameter(s): {', '.join(sorted(unknown))}")
        return cls(**values)


# Named configurations, each named after what it is. "combined-150" (chapter 7): every component
# of the agent at once - naive Q(lambda) with lambda 0.9 in every episode, replay 10000/32, and
# 5 Dyna planning steps per real step with the last-outcome model of Tabular Dyna-Q - with a
# constant alpha 0.1, gamma 0.99, epsilon decaying from 1.0 to 0.01 by the last of 150 episodes,
# 20 agents. Chapter 7 tests whether combining the components this way beats simpler methods.
PRESETS = {
    "combined-150": {
        "alpha": 0.1, "alpha_power": 0.0, "alpha_min": 0.0, "gamma": 0.99,
        "epsilon_start": 1.0, "epsilon_decay": 0.01 ** (1 / 149), "epsilon_min": 0.01,
        "target": "q_learning", "num_episodes": 150, "trace_decay": 0.9,
        "trace_schedule": "constant", "trace_kind": "replacing", "q_lambda": "naive",
        "memory_size": 10_000, "batch_size": 32, "planning_steps": 5, "model_kind": "last",
    },
}
PRESET_AGENTS = {"combined-150": 20}


def preset(name: str) -> AgentConfig:
    """The named configuration (see ``PRESETS``)."""
    if name not in PRESETS:
        raise RacetrackError(f"preset = {name!r} is not one of {', '.join(PRESETS)}")
    return AgentConfig(**PRESETS[name])


def _check_count(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise RacetrackError(f"{name} = {value!r} is not a whole number")
    if not low <= value <= high:
        raise RacetrackError(f"{name} = {value!r} is out of range: allowed [{low}, {high}]")

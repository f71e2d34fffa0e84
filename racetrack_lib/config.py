"""Every hyperparameter of the agent in one validated record."""

from __future__ import annotations

from dataclasses import Field, asdict, dataclass, field, fields
from numbers import Integral

import numpy as np

from .dyna import MODEL_KINDS
from .errors import RacetrackError, check_range
from .prioritized import PLANNING_KINDS
from .step_size import step_size_table

METHODS = ("td", "mc_on_policy", "mc_off_policy", "certainty_equivalence")
TARGETS = ("q_learning", "sarsa")
TRACE_SCHEDULES = ("ramp", "constant")
TRACE_KINDS = ("replacing", "accumulating")
Q_LAMBDAS = ("watkins", "naive")
UNTRIED_PAIRS = ("optimistic", "pessimistic")


def _knob(default: object, help: str, *, low: float | None = None,
          high: float | str | None = None, low_open: bool = False,
          choices: tuple[str, ...] | None = None, option: str | None = None) -> Field:
    """A hyperparameter: its default, its help, the values it allows (a number in ``[low,
    high]``, ``(low, high]`` with ``low_open``, or one of ``choices``) and its command-line
    option (``--`` and the name with dashes, unless given)."""
    return field(default=default, metadata={"help": help, "low": low, "high": high,
                                            "low_open": low_open, "choices": choices,
                                            "option": option})


@dataclass(frozen=True)
class AgentConfig:
    """The agent's hyperparameters; every field is checked when the config is made.

    >>> AgentConfig(trace_decay=0.9, memory_size=10_000).replayed_per_step
    32
    >>> AgentConfig(alpha=1.5)
    Traceback (most recent call last):
    racetrack_lib.errors.RacetrackError: alpha = 1.5 is out of range: allowed (0, 1]

    Attributes:
        method: how the agent learns: ``"td"``, temporal-difference learning (every learner of
            chapters 4-8: Q-learning or SARSA, with traces, replay and planning as set below),
            or Monte Carlo control from whole episodes (chapter 3): ``"mc_on_policy"``,
            first-visit with the epsilon-greedy policy, or ``"mc_off_policy"``, weighted
            importance sampling with a greedy target policy. Monte Carlo uses no ``target``, traces,
            replay or planning; off-policy Monte Carlo no step size either.
            ``"certainty_equivalence"`` (chapter 10) counts every pair's outcomes and solves
            that learned model exactly every ``replan_every`` real steps
            (``certainty_equivalence.py``); it uses no step size, traces, replay or planning
            steps.
        alpha: step size of the TD update, in (0, 1]: the constant step size when
            ``alpha_power`` is 0, else the step size of a pair's first visit.
        alpha_power: how fast each pair's step size shrinks with its visit count ``n``:
            ``alpha_n = max(alpha_min, alpha * n ** -alpha_power)`` (chapter 4), in [0, 1];
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
        trace_decay: ``lambda`` of eligibility traces (chapter 5), in [0, 1]; 0 is one-step TD.
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
        memory_size: capacity of the replay memory (chapter 6), in [0, 10^8]; 0 is no replay.
        batch_size: transitions replayed after every real step (chapter 6); with replay in
            [1, memory_size], ignored without.
        planning_steps: simulated updates per real step (chapter 7), in [0, 100000]; 0 is no
            planning.
        model_kind: the learned dynamics model (chapter 7): ``"counts"`` counts each pair's
            outcomes and samples them in proportion, ``"last"`` keeps only the last outcome
            (Tabular Dyna-Q).
        planning_kind: how the planning steps choose what to update: ``"uniform"``, Dyna's
            random tried pairs (chapter 7), or ``"prioritized"``, prioritized sweeping's queue
            of the pairs whose values would change most (chapter 10; needs the ``"counts"``
            model).
        priority_threshold: prioritized sweeping's ``theta``: a pair is queued only if its
            update would change it by more than this, in [0, 1000].
        untried_pairs: how the certainty-equivalence learner values, while exploring, a pair
            it has never tried: ``"optimistic"``, at ``untried_value``, or ``"pessimistic"``,
            as a crash (as its reported policy always does; it then explores only by epsilon).
        untried_value: its optimistic value of a pair never tried (above the values it will
            find), in [-1000, 0].
        exploration_bonus: its count-based bonus ``beta``: a pair tried ``n`` times has its
            value ``Q`` replaced by ``(1 - w) Q + w max(untried_value, Q)``, ``w = min(1, beta /
            sqrt(n))``, in [0, 100].
        confidence_penalty: the cost ``penalty / sqrt(n)`` its reported policy adds to each step
            of a pair tried ``n`` times (a lower confidence bound), in [0, 100].
        replan_every: it solves its learned model after every this many real steps, in
            [1, 100000000].
    """

    # Each field is one line: its default, a short help (the command line's), and what values
    # it allows (``high`` may name an earlier field). __post_init__ checks every field from
    # these, and the command line makes an option of each (cli.py), so a new hyperparameter is
    # this one line, its line in the docstring above, and the code that uses it.
    method: str = _knob("td", "how the agent learns: TD, or Monte Carlo control from whole "
                        "episodes", choices=METHODS)
    alpha: float = _knob(1.0, "step size of a pair's first visit", low=0.0, high=1.0,
                         low_open=True)
    alpha_power: float = _knob(0.7, "step size alpha * n^-power after n visits; 0: constant",
                               low=0.0, high=1.0)
    alpha_min: float = _knob(0.02, "floor of the step size", low=0.0, high="alpha")
    gamma: float = _knob(1.0, "discount factor", low=0.0, high=1.0, low_open=True)
    epsilon_start: float = _knob(1.0, "exploration rate of the first episode", low=0.0, high=1.0,
                                 option="--epsilon")
    epsilon_decay: float = _knob(0.998, "factor applied to epsilon after each episode", low=0.0,
                                 high=1.0, low_open=True)
    epsilon_min: float = _knob(0.01, "the floor of epsilon", low=0.0, high="epsilon_start")
    target: str = _knob("q_learning", "the TD target", choices=TARGETS)
    num_episodes: int = _knob(100_000, "episodes per agent", low=1, high=10_000_000,
                              option="--episodes")
    max_episode_steps: int = _knob(100_000, "an episode is cut after this many steps", low=1,
                                   high=100_000_000)
    trace_decay: float = _knob(0.0, "lambda of eligibility traces; 0: one-step TD", low=0.0,
                               high=1.0)
    trace_schedule: str = _knob("ramp", "lambda per episode: ramp grows it as epsilon decays",
                                choices=TRACE_SCHEDULES)
    trace_kind: str = _knob("replacing", "the kind of eligibility trace", choices=TRACE_KINDS)
    q_lambda: str = _knob("watkins", "Q(lambda): watkins cuts the traces after exploring",
                          choices=Q_LAMBDAS)
    memory_size: int = _knob(0, "replay memory capacity; 0: no replay", low=0, high=100_000_000)
    batch_size: int = _knob(32, "transitions replayed after each real step (at most the "
                            "memory size)", low=0, high=100_000)
    planning_steps: int = _knob(0, "simulated updates per real step; 0: no planning", low=0,
                                high=100_000)
    model_kind: str = _knob("counts", "learned dynamics model for planning",
                            choices=MODEL_KINDS)
    planning_kind: str = _knob("uniform", "what planning updates: Dyna's random pairs or "
                               "prioritized sweeping's queue", choices=PLANNING_KINDS)
    priority_threshold: float = _knob(1e-4, "prioritized sweeping queues a pair only if its "
                                      "update exceeds this", low=0.0, high=1000.0)
    untried_pairs: str = _knob("optimistic", "certainty equivalence: how exploring values an "
                               "untried pair", choices=UNTRIED_PAIRS)
    untried_value: float = _knob(-3.0, "certainty equivalence: value of an untried pair while "
                                 "exploring", low=-1000.0, high=0.0)
    exploration_bonus: float = _knob(0.0, "certainty equivalence: count-based bonus beta",
                                      low=0.0, high=100.0)
    confidence_penalty: float = _knob(1.0, "certainty equivalence: reported policy's cost "
                                      "penalty / sqrt(n) per step", low=0.0, high=100.0)
    replan_every: int = _knob(100, "certainty equivalence: solve the learned model every this "
                              "many real steps", low=1, high=100_000_000)

    def __post_init__(self) -> None:
        for knob in fields(self):
            self._check(knob)
        if self.method != "td":
            self._check_monte_carlo()
        if self.planning_kind == "prioritized" and self.model_kind != "counts":
            raise RacetrackError(
                f"model_kind = {self.model_kind!r} is out of range: allowed 'counts' with "
                "planning_kind = 'prioritized' (its expected updates weigh every outcome seen)")
        if self.memory_size > 0 and not 1 <= self.batch_size <= self.memory_size:
            raise RacetrackError(
                f"batch_size = {self.batch_size} is out of range: allowed [1, memory_size = "
                f"{self.memory_size}] with replay"
            )
        self._store_plain_numbers()

    def _check_monte_carlo(self) -> None:
        """Monte Carlo learns from whole episodes, certainty equivalence by solving its model:
        refuse the knobs of TD's later chapters."""
        learner = ("certainty equivalence solves its model instead"
                   if self.method == "certainty_equivalence" else "Monte Carlo has no traces, "
                   "replay or planning")
        for name in ("trace_decay", "memory_size", "planning_steps"):
            if getattr(self, name) != 0:
                raise RacetrackError(
                    f"{name} = {getattr(self, name)!r} is out of range: allowed 0 with method = "
                    f"{self.method!r} ({learner})")

    def _check(self, knob: Field) -> None:
        """Check one field against its ``_knob`` (the error names the field and the range)."""
        value, allowed = getattr(self, knob.name), knob.metadata
        if allowed["choices"] is not None:
            if value not in allowed["choices"]:
                raise RacetrackError(
                    f"{knob.name} = {value!r} is not one of {', '.join(allowed['choices'])}")
            return
        high = allowed["high"]
        if isinstance(high, str):  # another field's value, checked before this one
            high = getattr(self, high)
        if knob.type == "int":
            _check_count(knob.name, value, allowed["low"], high)
        else:
            check_range(knob.name, value, allowed["low"], high, low_open=allowed["low_open"])

    @staticmethod
    def option(knob: Field) -> str:
        """The command-line option that sets a field: ``--alpha-min`` for ``alpha_min``."""
        return knob.metadata["option"] or "--" + knob.name.replace("_", "-")

    @staticmethod
    def allowed(knob: Field) -> str:
        """The values a field allows, in words: ``in (0, 1]`` or ``one of ramp, constant``."""
        allowed = knob.metadata
        if allowed["choices"] is not None:
            return "one of " + ", ".join(allowed["choices"])
        high = allowed["high"]
        if isinstance(high, str):  # another field: named by its option, as the user types it
            high = AgentConfig.option(next(each for each in fields(AgentConfig)
                                           if each.name == high))
        else:
            high = f"{high:,}" if knob.type == "int" else f"{high:g}"
        return f"in {'(' if allowed['low_open'] else '['}{allowed['low']:g}, {high}]"

    def _store_plain_numbers(self) -> None:
        """Keep every number as a Python ``float`` or ``int``: a numpy scalar (``np.float16``,
        ``np.int64``) would reach the compiled loops as a type they were not compiled for, and
        would not survive a round trip through JSON."""
        for each in fields(self):
            value = getattr(self, each.name)
            if each.type == "float":
                object.__setattr__(self, each.name, float(value))  # frozen: set it once here
            elif each.type == "int":
                object.__setattr__(self, each.name, int(value))

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
        known = {each.name for each in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise RacetrackError(f"unknown hyperparameter(s): {', '.join(sorted(unknown))}")
        return cls(**values)


# Named configurations, each named after what it is. "combined-150" (chapter 8): every component
# of the agent at once - naive Q(lambda) with lambda 0.9 in every episode, replay 10000/32, and
# 5 Dyna planning steps per real step with the last-outcome model of Tabular Dyna-Q - with a
# constant alpha 0.1, gamma 0.99, epsilon decaying from 1.0 to 0.01 by the last of 150 episodes,
# 20 agents. Chapter 8 tests whether combining the components this way beats simpler methods.
PRESETS = {
    "combined-150": {
        "alpha": 0.1, "alpha_power": 0.0, "alpha_min": 0.0, "gamma": 0.99,
        "epsilon_start": 1.0, "epsilon_decay": 0.01 ** (1 / 149), "epsilon_min": 0.01,
        "target": "q_learning", "num_episodes": 150, "trace_decay": 0.9,
        "trace_schedule": "constant", "trace_kind": "replacing", "q_lambda": "naive",
        "memory_size": 10_000, "batch_size": 32, "planning_steps": 5, "model_kind": "last",
    },
}
# "efficient" (chapter 10): the learner of the fewest real steps measured on track 1, certainty
# equivalence - it counts every pair's outcomes, solves that learned model exactly every 100 real
# steps, explores greedily on optimistic values (an untried pair is worth 3 steps to go) and
# reports the policy of a cautious solution (a cost 1 / sqrt(n) per step of a pair tried n
# times) - for 6,000 episodes (about 150,000 real steps), 8 agents.
PRESETS["efficient"] = {
    "method": "certainty_equivalence", "num_episodes": 6_000, "epsilon_start": 0.0,
    "epsilon_min": 0.0, "untried_pairs": "optimistic", "untried_value": -3.0,
    "exploration_bonus": 0.0, "confidence_penalty": 1.0, "replan_every": 100,
}
# "full-agent" (chapter 10): chapter 8's full agent - Watkins's Q(lambda 0.9), replay 10000/32,
# 10 Dyna planning steps - with the exploration schedule that serves it on track 1: epsilon
# decaying by 0.99 per episode instead of the library's 0.998 (chapter 10 measures 0.998, 0.995,
# 0.99 and 0.98). Chapter 8's ablation keeps the library's schedule for every variant, so that
# the components are compared at one schedule.
PRESETS["full-agent"] = {
    "trace_decay": 0.9, "memory_size": 10_000, "batch_size": 32, "planning_steps": 10,
    "epsilon_decay": 0.99, "num_episodes": 20_000,
}
PRESET_AGENTS = {"combined-150": 20, "efficient": 8, "full-agent": 8}


# Monte Carlo control (chapter 3) waits for the end of each episode and learns from its returns
# alone, so it needs many more episodes, explored for longer and to a higher floor: these
# defaults replace the TD learners' for the two Monte Carlo methods (chapter 3 measures them;
# options given explicitly still override them).
# Off-policy Monte Carlo keeps the TD schedule and gets 2,000 episodes: it learns only the last
# few steps of each episode, its episodes grow longer, not shorter, as epsilon decays, and its
# greedy policy does not finish (chapter 3 measures all three); more episodes only cost more.
METHOD_DEFAULTS = {
    "td": {},
    "mc_on_policy": {"num_episodes": 1_000_000, "epsilon_decay": 0.99999, "epsilon_min": 0.02},
    "mc_off_policy": {"num_episodes": 2_000},
    "certainty_equivalence": {"num_episodes": 6_000, "epsilon_start": 0.0, "epsilon_min": 0.0},
}


def for_method(method: str, **overrides: object) -> AgentConfig:
    """A configuration of ``method`` with that method's defaults (``METHOD_DEFAULTS``), and
    ``overrides`` on top.

    >>> config = for_method("mc_on_policy")
    >>> config.num_episodes, config.epsilon_decay, config.epsilon_min
    (1000000, 0.99999, 0.02)
    """
    if method not in METHOD_DEFAULTS:
        raise RacetrackError(f"method = {method!r} is not one of {', '.join(METHODS)}")
    return AgentConfig(**{"method": method, **METHOD_DEFAULTS[method], **overrides})


def preset(name: str) -> AgentConfig:
    """The named configuration (see ``PRESETS``).

    >>> config = preset("combined-150")
    >>> config.num_episodes, config.trace_decay, config.planning_steps, config.model_kind
    (150, 0.9, 5, 'last')
    """
    if name not in PRESETS:
        raise RacetrackError(f"preset = {name!r} is not one of {', '.join(PRESETS)}")
    return AgentConfig(**PRESETS[name])


def _check_count(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise RacetrackError(f"{name} = {value!r} is not a whole number")
    if not low <= value <= high:
        raise RacetrackError(f"{name} = {value!r} is out of range: allowed [{low}, {high}]")

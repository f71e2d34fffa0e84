"""Chapter 8's exercises: one real step of the full agent, composed from its pieces, and the
chapter's measure of learning speed (the real steps to within 10 % of the optimum).

Exercise 8.1: ``agent_step(agent, state, action, next_state, next_action)``, what the full
agent does after each real step (``agent.agent_episode``): the traced update of Watkins's
Q(lambda) (chapter 5), storing the transition and replaying (chapter 6), teaching the counting
model and planning (chapter 7), on plain Python structures (a :class:`StepAgent`). The library's
step lives inside its compiled loop, so the reference is :func:`reference_agent_step`, a plain
copy of that loop's order; :func:`drive_episodes` runs any such step in the library's loop with
the library's random draws (a test checks that with the reference it reproduces the compiled
agent number for number).

Exercise 8.2: ``steps_to_within(real_steps, expected_steps, optimum, fraction)``, checked against
``TrainingResult.steps_to_within`` and ``TrainingResult.steps_to_stay_within``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .. import ablation, training
from ..agent import Learner, schedule_of
from ..config import AgentConfig
from ..greedy_evaluation import expected_steps_of_greedy
from ..mdp import MDPTables, TabularModel, _sample_transition_python
from ..policy import explore, greedy_action
from ..replay import POSITION, SIZE
from ..results import WITHIN, TrainingResult
from ..rules import FINISHED, N_ACTIONS, REWARD_PER_STEP
from ..traces import TRACE_THRESHOLD
from .checking import TOLERANCE, Case, Exercise, Probe, check, same_value

Pair = tuple[int, int]
# The plain Python versions of the library's compiled choices (same source, same random draws).
_greedy_action = getattr(greedy_action, "py_func", greedy_action)
_explore = getattr(explore, "py_func", explore)


# --- Exercise 8.1: one real step of the full agent -------------------------------------------------

@dataclass
class StepAgent:
    """What the full agent keeps between real steps, as plain Python structures.

    Attributes:
        q: ``Q``, shape ``(n_states, 9)``, learned in place.
        traces: the eligibility traces, ``{(s, a): e(s, a)}`` for the traced pairs only.
        memory: the replay memory, the transitions ``(s, a, r, s', a', done)`` stored so far,
            oldest first (at the finish ``s'`` and ``a'`` are ``None``).
        model: the counting model, ``{(s, a): {outcome: count}}``: the pairs in the order first
            tried, the outcomes (a next state, or ``rules.FINISHED``) in the order first seen.
        gamma: the discount.
        lam: this episode's lambda (the trace decay).

    :meth:`step_size`, :meth:`replay` and :meth:`plan` are given: the two subclasses below
    define them, one for the check (:class:`ScriptedAgent`), one with the library's random
    draws (:class:`SampledAgent`).
    """

    q: np.ndarray
    traces: dict[Pair, float]
    memory: list[tuple]
    model: dict[Pair, dict[int, int]]
    gamma: float
    lam: float

    def step_size(self, state: int, action: int) -> float:
        """``alpha(s, a)``, the step size of a pair's next update."""
        raise NotImplementedError

    def replay(self) -> None:
        """Replay a batch from ``memory``: one-step Q-learning updates of ``q``."""
        raise NotImplementedError

    def plan(self) -> None:
        """Planning updates of ``q`` from ``model``."""
        raise NotImplementedError

    def _update(self, state: int, action: int, target: float) -> None:
        """``Q(s, a) += alpha(s, a) * (target - Q(s, a))`` (``td.td_update``)."""
        self.q[state, action] += self.step_size(state, action) * (target - self.q[state, action])

    def _target(self, next_state: int | None) -> float:
        """``r``, or ``r + gamma * max_b Q(s', b)`` (``td.td_target``, Q-learning's)."""
        if next_state is None or next_state == FINISHED:
            return REWARD_PER_STEP
        return REWARD_PER_STEP + self.gamma * self.q[next_state].max()


@dataclass
class ScriptedAgent(StepAgent):
    """The agent of the check's cases: a step size per pair, a replay batch and a list of
    planned pairs fixed in advance, so that every answer is deterministic.

    Attributes:
        step_sizes: ``alpha(s, a)``, shape ``(n_states, 9)``.
        batch: the indices into ``memory`` replayed (``-1``: the newest transition).
        planned: the pairs planned from, in order; each gets the expected update over the
            model's counts (a pair the model has not seen is skipped).
    """

    step_sizes: np.ndarray = field(default_factory=lambda: np.zeros((0, N_ACTIONS)))
    batch: tuple[int, ...] = ()
    planned: tuple[Pair, ...] = ()

    def step_size(self, state: int, action: int) -> float:
        return float(self.step_sizes[state, action])

    def replay(self) -> None:
        for index in self.batch:
            state, action, _, next_state, _, done = self.memory[index]
            self._update(state, action, self._target(None if done else next_state))

    def plan(self) -> None:
        for pair in self.planned:
            counts = self.model.get(pair)
            if not counts:
                continue
            total = sum(counts.values())
            target = sum(count / total * self._target(outcome)
                         for outcome, count in counts.items())
            self._update(*pair, target)


@dataclass
class SampledAgent(StepAgent):
    """The library's full agent in plain Python: per-pair step sizes from the visit counts,
    replay and planning with the library's random draws (``replay.replay_batch``,
    ``dyna.plan``), in the same order, so that a run reproduces the compiled agent's numbers.

    ``memory`` is a list of every transition stored; the library's ring buffer of
    ``capacity`` slots holds in slot ``k`` the newest one whose index is ``k`` modulo the
    capacity, and that is the one replayed.
    """

    step_sizes: np.ndarray = field(default_factory=lambda: np.ones(1))
    visits: np.ndarray = field(default_factory=lambda: np.zeros((0, N_ACTIONS), dtype=np.int64))
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    capacity: int = 0
    batch_size: int = 0
    planning_steps: int = 0
    tried: list[Pair] = field(default_factory=list)

    def step_size(self, state: int, action: int) -> float:
        n = max(int(self.visits[state, action]), 1)  # step_size.step_size
        return float(self.step_sizes[min(n, len(self.step_sizes)) - 1])

    def replay(self) -> None:
        if self.batch_size == 0:
            return
        written = len(self.memory)
        size = min(written, self.capacity)
        if size < self.batch_size:
            return
        for _ in range(self.batch_size):
            slot = int(self.rng.integers(0, size))
            newest = slot + self.capacity * ((written - 1 - slot) // self.capacity)
            state, action, _, next_state, _, done = self.memory[newest]
            self._update(state, action, self._target(None if done else next_state))

    def plan(self) -> None:
        if self.planning_steps == 0:
            return
        if len(self.model) > len(self.tried):  # a pair tried for the first time: the newest key
            self.tried.append(next(reversed(self.model)))
        for _ in range(self.planning_steps):
            state, action = self.tried[int(self.rng.random() * len(self.tried))]
            self._update(state, action, self._target(self._simulate(state, action)))

    def _simulate(self, state: int, action: int) -> int:
        """An outcome of a tried pair, drawn in proportion to its count (``dyna.simulate``)."""
        outcomes = self.model[(state, action)]
        if len(outcomes) == 1:  # no draw then
            return next(iter(outcomes))
        draw = int(self.rng.random() * sum(outcomes.values()))
        for outcome, count in outcomes.items():
            draw -= count
            if draw < 0:
                return outcome
        return outcome  # not reached

    @classmethod
    def from_learner(cls, learner: Learner, config: AgentConfig,
                     rng: np.random.Generator) -> SampledAgent:
        """The plain agent holding what a library agent (between two episodes) has learned:
        the same table, visit counts, memory and model, drawing from ``rng``."""
        memory = learner.memory
        capacity, size, position = len(memory.states), int(memory.fill[SIZE]), \
            int(memory.fill[POSITION])
        written = size if size < capacity else capacity + position
        fields = [array.tolist() for array in (memory.states, memory.actions, memory.rewards,
                                               memory.next_states, memory.next_actions,
                                               memory.dones)]
        stored: list[tuple] = [()] * (written - size)  # overwritten in the ring: never replayed
        for index in range(written - size, written):
            state, action, reward, next_state, next_action, done = (
                column[index % capacity] for column in fields)
            stored.append((state, action, reward, None if done else next_state,
                           None if done else next_action, done))
        dynamics = learner.dynamics_model
        n_actions = learner.q_values.shape[1]
        model: dict[Pair, dict[int, int]] = {}
        n_outcomes = dynamics.n_outcomes.tolist()
        for code in dynamics.tried_pairs[:dynamics.n_tried[0]].tolist():
            state, action = divmod(code, n_actions)
            n = n_outcomes[state][action]
            model[(state, action)] = dict(zip(dynamics.outcomes[state, action, :n].tolist(),
                                              dynamics.counts[state, action, :n].tolist(),
                                              strict=True))
        return cls(q=learner.q_values.copy(), traces={}, memory=stored, model=model,
                   gamma=config.gamma, lam=config.trace_decay, step_sizes=learner.step_sizes,
                   visits=learner.visits.copy(), rng=rng, capacity=capacity,
                   batch_size=config.replayed_per_step, planning_steps=config.planning_steps,
                   tried=list(model))


def reference_agent_step(agent: StepAgent, state: int, action: int, next_state: int | None,
                         next_action: int | None) -> None:
    """One real step of the full agent (Watkins's Q(lambda), replacing traces, replay, the
    counting model), in the order of ``agent.agent_episode``, after the action was taken and
    the next one chosen; ``next_state`` and ``next_action`` are ``None`` when the car finished.
    Learns in place."""
    q, traces = agent.q, agent.traces
    finished = next_state is None
    if finished:  # the TD error and Watkins's test, with Q before this step's update
        delta, explored = REWARD_PER_STEP - q[state, action], False
    else:
        best_next = q[next_state].max()
        delta = REWARD_PER_STEP + agent.gamma * best_next - q[state, action]
        explored = q[next_state, next_action] < best_next
    traces[(state, action)] = 1.0  # the traced update (traces.visit, traces.update_traced)
    decay = 0.0 if finished else agent.gamma * agent.lam
    for pair, trace in list(traces.items()):
        q[pair] += agent.step_size(*pair) * delta * trace
        if trace * decay >= TRACE_THRESHOLD:
            traces[pair] = trace * decay
        else:
            del traces[pair]
    if explored:
        traces.clear()  # Watkins's cut (traces.clear)
    agent.memory.append((state, action, REWARD_PER_STEP, next_state, next_action, finished))
    agent.replay()  # replay.remember_and_replay
    counts = agent.model.setdefault((state, action), {})  # dyna.learn_and_plan
    outcome = FINISHED if finished else next_state
    counts[outcome] = counts.get(outcome, 0) + 1
    agent.plan()


def drive_episodes(step: Callable, agent: SampledAgent, tables: MDPTables,
                   epsilons: np.ndarray, trace_decays: np.ndarray,
                   max_steps: int) -> list[int]:
    """Episodes of the full agent's loop (``agent.agent_episode``) in plain Python, with
    ``step(agent, s, a, s', a')`` making each real step's updates and the library's random
    draws for the rest (the start, the noise, the next action). Returns each episode's number
    of steps, negative for one cut at ``max_steps``."""
    next_states, start_states, noise = tables
    rng, lengths = agent.rng, []
    for epsilon, trace_decay in zip(epsilons.tolist(), trace_decays.tolist(), strict=True):
        agent.lam = trace_decay
        state = int(start_states[rng.integers(0, len(start_states))])  # td.start_episode
        action = int(_explore(_greedy_action(agent.q, state, rng, 0.0), epsilon, N_ACTIONS, rng))
        for steps in range(1, max_steps + 1):
            next_state, finished, _, _ = _sample_transition_python(
                next_states, start_states, noise, state, action, rng)
            agent.visits[state, action] += 1
            if finished:
                step(agent, state, action, None, None)
                lengths.append(steps)
                break
            next_state = int(next_state)
            greedy_next = _greedy_action(agent.q, next_state, rng, 0.0)
            next_action = int(_explore(greedy_next, epsilon, N_ACTIONS, rng))
            step(agent, state, action, next_state, next_action)
            state, action = next_state, next_action
        else:
            agent.traces.clear()
            lengths.append(-max_steps)
    return lengths


# The check's cases: a small table (6 states), numbers a reader can follow.
N_STATES = 6
CASES_PER_PROBE = 20


@dataclass
class AfterStep:
    """What a step left behind, compared part by part (``compared``: the parts a probe tests).
    Its text, in a message, shows only the parts that differ (set by the comparison)."""

    q: np.ndarray
    traces: dict
    memory: list
    model: dict
    compared: tuple[str, ...] = ("q", "traces", "memory", "model")
    differing: tuple[str, ...] = ()
    q_entries: tuple[Pair, ...] = ()
    memory_from: int = 0
    model_pairs: tuple = ()

    def __repr__(self) -> str:
        parts = []
        if "q" in self.differing:
            parts.append(", ".join(f"Q{pair} = {_number(self.q[pair])}"
                                   for pair in self.q_entries[:4])
                         + (", ..." if len(self.q_entries) > 4 else ""))
        if "traces" in self.differing:
            parts.append(f"traces {_pairs_text(self.traces)}")
        if "memory" in self.differing:
            newest = self.memory[self.memory_from:self.memory_from + 2]
            parts.append(f"memory[{self.memory_from}:] = [{', '.join(map(_transition, newest))}"
                         f"{', ...' if len(self.memory) > self.memory_from + 2 else ''}]")
        if "model" in self.differing:
            shown = [f"model[{pair}] = {_counts_text(self.model[pair])}" if pair in self.model
                     else f"no model[{pair}]" for pair in self.model_pairs[:2]]
            parts.append(", ".join(shown) if shown else
                         f"the model's pairs in the order first tried {list(self.model)}")
        return "; ".join(parts) if parts else "the same"


def _number(value: float) -> str:
    return f"{float(value):.6g}"


def _pairs_text(values: dict) -> str:
    return "{" + ", ".join(f"{pair}: {_number(value)}" for pair, value in values.items()) + "}"


def _counts_text(counts: dict) -> str:
    return "{" + ", ".join(f"{'FINISHED' if outcome == FINISHED else outcome}: {count}"
                           for outcome, count in counts.items()) + "}"


def _transition(transition: tuple) -> str:
    return "(" + ", ".join(_number(item) if isinstance(item, float) else str(item)
                           for item in transition) + ")"


def _observe_step(function: Callable, arguments: tuple) -> AfterStep:
    agent = arguments[0]
    function(*arguments)
    return AfterStep(np.array(agent.q, dtype=float), dict(agent.traces), list(agent.memory),
                     {pair: dict(counts) for pair, counts in agent.model.items()})


def _same_step(observed: AfterStep, expected: AfterStep) -> bool:
    """Whether the compared parts agree; records in both which parts differ, for the message."""
    differing = []
    entries: tuple[Pair, ...] = ()
    if "q" in expected.compared:
        if observed.q.shape != expected.q.shape:
            differing.append("q")
        else:
            close = np.isclose(observed.q, expected.q, rtol=TOLERANCE, atol=TOLERANCE)
            entries = tuple((int(s), int(a)) for s, a in np.argwhere(~close))
            if entries:
                differing.append("q")
    if "traces" in expected.compared and not same_value(observed.traces, expected.traces):
        differing.append("traces")
    memory_from = 0
    if "memory" in expected.compared and not same_value(observed.memory, expected.memory):
        differing.append("memory")
        memory_from = next((index for index, (seen, wanted) in enumerate(
            zip(observed.memory, expected.memory, strict=False)) if not same_value(seen, wanted)),
            min(len(observed.memory), len(expected.memory)))
    pairs: tuple = ()
    if "model" in expected.compared:
        pairs = tuple(pair for pair in {**expected.model, **observed.model}
                      if list(observed.model.get(pair, {}).items())
                      != list(expected.model.get(pair, {}).items()))
        if pairs or list(observed.model) != list(expected.model):
            differing.append("model")
    for after in (observed, expected):
        after.differing, after.q_entries = tuple(differing), entries
        after.memory_from, after.model_pairs = memory_from, pairs
    return not differing


def _random_q(rng: np.random.Generator) -> np.ndarray:
    return -rng.integers(1, 41, size=(N_STATES, N_ACTIONS)) / 4  # -0.25, -0.5, ..., -10


def _make_greedy(q: np.ndarray, state: int, action: int) -> None:
    """Make ``action`` the only greedy action of ``state``."""
    others = np.delete(q[state], action)
    q[state, action] = max(q[state, action], others.max() + 0.25)


def _make_exploratory(q: np.ndarray, state: int, action: int) -> None:
    """Make ``action`` strictly worse than the best action of ``state``."""
    others = np.delete(q[state], action)
    q[state, action] = min(q[state, action], others.max() - 0.25)


def _make_tie(q: np.ndarray, state: int, action: int, rng: np.random.Generator) -> None:
    """Make ``action`` tie with a lower-numbered action for the largest value of ``state``
    (so ``np.argmax`` does not return it); ``action`` is at least 1."""
    best = q[state].max() + 0.25
    q[state, action] = q[state, rng.integers(0, action)] = best


def _base_agent(rng: np.random.Generator, state: int, action: int, next_state: int,
                n_traced: int) -> ScriptedAgent:
    """A random agent before the step from ``(state, action)`` to ``next_state``: traces on
    pairs of other states than ``next_state``, a few stored transitions and model entries."""
    q = _random_q(rng)
    others = [s for s in range(N_STATES) if s not in (next_state,)]
    traced: dict[Pair, float] = {}
    while len(traced) < n_traced:
        pair = (int(rng.choice(others)), int(rng.integers(0, N_ACTIONS)))
        if pair != (state, action):
            traced[pair] = float(rng.choice([1.0, 0.9, 0.81, 0.5, 0.25, 0.05]))
    memory = [(int(rng.integers(0, N_STATES)), int(rng.integers(0, N_ACTIONS)), REWARD_PER_STEP,
               int(rng.integers(0, N_STATES)), int(rng.integers(0, N_ACTIONS)), False)
              for _ in range(int(rng.integers(3, 6)))]
    model: dict[Pair, dict[int, int]] = {}
    for _ in range(int(rng.integers(2, 5))):
        pair = (int(rng.integers(0, N_STATES)), int(rng.integers(0, N_ACTIONS)))
        if pair != (state, action):
            model[pair] = {int(rng.integers(0, N_STATES)): int(rng.integers(1, 5))}
    return ScriptedAgent(q=q, traces=traced, memory=memory, model=model,
                         gamma=float(rng.choice([1.0, 0.99, 0.9])),
                         lam=float(rng.choice([0.9, 0.8, 0.5])),
                         step_sizes=rng.choice([1.0, 0.5, 0.25, 0.1], size=(N_STATES, N_ACTIONS)))


def _step_text(agent: ScriptedAgent, state: int, action: int, next_state: int | None,
               next_action: int | None, note: str = "") -> str:
    """How a message describes one step's input."""
    if next_state is None:
        move = f"the step from s = {state} with a = {action} that crosses the finish line"
    else:
        row = ", ".join(_number(value) for value in agent.q[next_state])
        move = (f"the step from s = {state} with a = {action} to s' = {next_state}, then "
                f"a' = {next_action} ({note}; Q({next_state}, ·) = [{row}])")
    lines = [f"{move}; Q({state}, {action}) = {_number(agent.q[state, action])}, "
             f"gamma {_number(agent.gamma)}, lambda {_number(agent.lam)}, traces "
             f"{_pairs_text(agent.traces)}"]
    if agent.batch:
        lines.append(f"the replay batch: memory{list(agent.batch)} (-1: the newest; "
                     f"{len(agent.memory)} transitions stored before this step)")
    if agent.planned:
        lines.append("planning from " + ", ".join(
            f"{pair} (model {_counts_text(agent.model[pair]) if pair in agent.model else '{}'})"
            for pair in agent.planned))
    return "; ".join(lines)


def _step_case(agent: ScriptedAgent, state: int, action: int, next_state: int | None,
               next_action: int | None, compared: tuple[str, ...], note: str = "") -> Case:
    arguments = (agent, state, action, next_state, next_action)
    expected = _observe_step(reference_agent_step, copy.deepcopy(arguments))
    expected.compared = compared
    return Case(arguments, _step_text(agent, state, action, next_state, next_action, note),
                expected)


QT = ("q", "traces")
ALL = ("q", "traces", "memory", "model")


def _step_probes() -> list[Probe]:
    rng = np.random.default_rng(8)  # the same cases for every reader

    def draw(n_traced: int | None = None) -> tuple[int, int, int, int, ScriptedAgent]:
        state, next_state = (int(s) for s in rng.choice(N_STATES, 2, replace=False))
        action, next_action = (int(a) for a in rng.integers(1, N_ACTIONS, 2))
        n = int(rng.integers(1, 4)) if n_traced is None else n_traced
        return state, action, next_state, next_action, _base_agent(rng, state, action,
                                                                   next_state, n)

    def cases(build: Callable[[], Case | None], n: int = CASES_PER_PROBE) -> list[Case]:
        made: list[Case] = []
        while len(made) < n:
            case = build()
            if case is not None:
                made.append(case)
        return made

    def greedy(compared=QT, batch=(), planned=None, model_kind=None):
        def build() -> Case:
            s, a, s2, a2, agent = draw()
            _make_greedy(agent.q, s2, a2)
            agent.batch = batch
            if model_kind is not None:
                _teach_before(agent, s, a, s2, model_kind, rng)
            if planned is not None:
                agent.planned = planned(agent, s, a)
            return _step_case(agent, s, a, s2, a2, compared, "greedy")
        return build

    def q_target() -> Case:
        s, a, s2, a2, agent = draw()
        agent.lam = 0.0  # one-step: no trace survives, so no cut shows
        _make_exploratory(agent.q, s2, a2)
        return _step_case(agent, s, a, s2, a2, QT, "exploratory")

    def replacing() -> Case:
        s, a, s2, a2, agent = draw()
        _make_greedy(agent.q, s2, a2)
        agent.traces[(s, a)] = float(rng.choice([0.9, 0.81, 0.5, 0.3]))
        return _step_case(agent, s, a, s2, a2, QT, "greedy")

    def faded() -> Case:
        s, a, s2, a2, agent = draw()
        _make_greedy(agent.q, s2, a2)
        decay = agent.gamma * agent.lam
        pair = next(iter(agent.traces))
        agent.traces[pair] = float(TRACE_THRESHOLD * rng.uniform(1.0, 1.0 / decay))
        return _step_case(agent, s, a, s2, a2, QT, "greedy")

    def cut() -> Case:
        s, a, s2, a2, agent = draw()
        _make_exploratory(agent.q, s2, a2)
        return _step_case(agent, s, a, s2, a2, QT, "exploratory")

    def tie() -> Case:
        s, a, s2, a2, agent = draw()
        _make_tie(agent.q, s2, a2, rng)
        return _step_case(agent, s, a, s2, a2, QT, "tied with the best")

    def before_update() -> Case | None:
        s, a, s2, a2, agent = draw()
        b = int(rng.integers(0, N_ACTIONS))
        if b == a2:
            return None
        agent.traces[(s2, b)] = float(rng.choice([1.0, 0.9, 0.81]))
        agent.q[s2, b] = agent.q[s2].max() + float(rng.choice([0.0, 0.25]))  # b is the best
        if rng.random() < 0.5:
            agent.q[s2, a2] = agent.q[s2, b]  # a' tied with it
        explored_before = agent.q[s2, a2] < agent.q[s2].max()
        # Q(s', .) after the traced update alone (the step's other parts do not touch s' here)
        updated = agent.q[s2].copy()
        delta = REWARD_PER_STEP + agent.gamma * agent.q[s2].max() - agent.q[s, a]
        updated[b] += agent.step_size(s2, b) * delta * agent.traces[(s2, b)]
        if explored_before == (updated[a2] < updated.max()):
            return None
        return _step_case(agent, s, a, s2, a2, QT,
                          "exploratory" if explored_before else "greedy")

    def finish() -> Case:
        s, a, _, _, agent = draw()
        agent.batch = (-1,) if rng.random() < 0.5 else ()
        agent.planned = ((s, a),) if rng.random() < 0.5 else ()
        if rng.random() < 0.5:
            agent.model[(s, a)] = {int(rng.integers(0, N_STATES)): int(rng.integers(1, 4))}
        return _step_case(agent, s, a, None, None, ALL)

    return [
        Probe("the traced update", "the TD error is delta = r + gamma * max_b Q(s', b) - Q(s, a) "
              "with r = -1 and Q as it was before this step; then e(s, a) = 1, and every traced "
              "pair moves by Q(x, b) += agent.step_size(x, b) * delta * e(x, b) (its own step "
              "size) before its trace decays, e(x, b) *= gamma * lambda.", cases(greedy())),
        Probe("Q-learning's target", "Q-learning bootstraps from the best next action, "
              "max_b Q(s', b), whichever action a' the agent takes next (Q(s', a') would be "
              "SARSA's target).", cases(q_target)),
        Probe("replacing traces", "a pair visited again gets e(s, a) = 1 (replacing traces), "
              "not e(s, a) + 1.", cases(replacing)),
        Probe("dropping faded traces", "a trace that falls below TRACE_THRESHOLD (1e-4) when it "
              "decays is removed from agent.traces: the library keeps its traces sparse.",
              cases(faded)),
        Probe("Watkins's cut", "when a' is exploratory (Q(s', a') below max_b Q(s', b)), "
              "Watkins's Q(lambda) clears every trace - after this step's update, which still "
              "uses them.", cases(cut)),
        Probe("a tie is greedy", "a' is exploratory only if Q(s', a') is strictly below the "
              "largest Q(s', b); an action tied with the best is greedy, whatever np.argmax "
              "returns.", cases(tie)),
        Probe("judged before the update", "decide whether a' is exploratory with Q as it was "
              "before this step's update, like the TD error: the update changes Q(s', b) when "
              "(s', b) is traced.", cases(before_update)),
        Probe("remember the transition", "append this step's transition (s, a, r, s', a', "
              "done) = (state, action, -1.0, next_state, next_action, False) to agent.memory.",
              cases(greedy(compared=("q", "traces", "memory")))),
        Probe("remember, then replay", "after the traced update, store this step's transition "
              "and only then call agent.replay(): its batch may replay the transition just "
              "stored.", cases(greedy(compared=("q", "traces", "memory"), batch=(-1,)))),
        Probe("the counting model", "count this step's outcome in agent.model[(s, a)], a dict "
              "{outcome: count}: a new pair starts at {}, a new outcome at 0, and every outcome "
              "keeps its count (not only the last one seen).",
              cases(greedy(compared=ALL, model_kind="random"))),
        Probe("teach the model, then plan", "teach the model this step's outcome before calling "
              "agent.plan(): planning may draw the pair just tried.",
              cases(greedy(compared=ALL, model_kind="random",
                           planned=lambda agent, s, a: ((s, a),)))),
        Probe("replay, then plan", "the order of a real step (agent_episode): the traced "
              "update, then store and replay, then teach the model and plan.",
              cases(greedy(compared=ALL, batch=(-1,), model_kind="random",
                           planned=lambda agent, s, a: ((s, a), *list(agent.model)[:1])))),
        Probe("the finish", "when the car finishes (next_state is None) the target is r alone: "
              "nothing to bootstrap from after the finish; no trace survives the last step; "
              "store (s, a, -1.0, None, None, True); the model's outcome is rules.FINISHED.",
              cases(finish)),
    ]


def _teach_before(agent: ScriptedAgent, state: int, action: int, next_state: int, kind: str,
                  rng: np.random.Generator) -> None:
    """Give the model, before the step, a pair ``(s, a)`` that is new, or seen before with the
    step's outcome, or with another one."""
    choice = rng.integers(0, 3) if kind == "random" else ("new", "same", "other").index(kind)
    agent.model.pop((state, action), None)
    if choice == 1:
        agent.model[(state, action)] = {next_state: int(rng.integers(1, 4))}
    elif choice == 2:
        other = int((next_state + rng.integers(1, N_STATES)) % N_STATES)
        agent.model[(state, action)] = {other: int(rng.integers(1, 4))}


AGENT_STEP = Exercise("agent_step", 8, "one real step of the full agent", _step_probes,
                      observe=_observe_step, same=_same_step)

# The run the reader's step continues: agent 0 of a saved line of Figure 8.1, handed over from
# the library's compiled loop after HANDOVER episodes, driven by the reader's step up to the
# next evaluation of the saved curve.
DRIVEN_LINE = "+ gamma 1"
HANDOVER, EVALUATED = 590, 600


@dataclass
class DrivenRun:
    """What :func:`drive_saved_agent` measured: the reader's run and the library's."""

    line: str
    first: int
    last: int
    epsilon: float
    trace_decay: float
    batch_size: int
    planning_steps: int
    lengths: list[int]
    real_steps: int
    saved_real_steps: int
    expected_steps: float
    saved_expected_steps: float
    optimum: float
    largest_difference: float


def drive_saved_agent(step: Callable, line: str = DRIVEN_LINE, first: int = HANDOVER,
                      last: int = EVALUATED) -> DrivenRun:
    """Agent 0 of the saved ``line`` of Figure 8.1: the library's compiled loop trains its first
    ``first`` episodes, ``step`` drives episodes ``first`` to ``last - 1`` (:func:`drive_episodes`)
    and the compiled loop drives the same episodes from a copy; ``last`` must be one of the saved
    curve's evaluations."""
    saved = ablation.saved_ladder()[line]
    config = saved.config
    model = TabularModel.build(saved.track_name, noise=saved.noise)
    rng, evaluation_seed = training.agent_generators(saved.seed, 1)[0]
    learner = Learner.new(model, config)
    training.run_episodes(learner, model, config, rng, 0, first)
    plain = SampledAgent.from_learner(learner, config, copy.deepcopy(rng))
    schedule = schedule_of(config, first, last)
    lengths = drive_episodes(step, plain, model.tables, schedule.epsilons, schedule.trace_decays,
                             max_steps=min(config.max_episode_steps, 20_000))
    training.run_episodes(learner, model, config, rng, first, last)  # the library's, compiled
    evaluation = list(saved.eval_episodes).index(last)
    expected = expected_steps_of_greedy(model, plain.q, training.evaluation_generator(
        evaluation_seed, last))
    return DrivenRun(
        line=line, first=first, last=last, epsilon=float(schedule.epsilons[-1]),
        trace_decay=float(schedule.trace_decays[-1]), batch_size=config.replayed_per_step,
        planning_steps=config.planning_steps, lengths=lengths, real_steps=int(plain.visits.sum()),
        saved_real_steps=int(saved.eval_env_steps[0, evaluation]), expected_steps=expected,
        saved_expected_steps=float(saved.greedy_expected_steps[0, evaluation]),
        optimum=saved.optimal_expected_steps,
        largest_difference=float(np.abs(plain.q - learner.q_values).max()))


def check_agent_step(agent_step: Callable) -> None:
    """Check the reader's ``agent_step(agent, state, action, next_state, next_action)``; if it is
    right, let it drive a saved agent of Figure 8.1 for ten episodes."""

    def use(function: Callable) -> Iterator[str]:
        run = drive_saved_agent(function)
        same_run = (run.real_steps == run.saved_real_steps
                    and run.expected_steps == run.saved_expected_steps)
        yield (f"  Used for real: agent 0 of Figure 8.1's line '{run.line}' was trained for its "
               f"first {run.first} episodes in the library's compiled loop; your step then drove "
               f"episodes {run.first} to {run.last - 1} (epsilon {run.epsilon:.2g}, lambda "
               f"{run.trace_decay:.2g}): {sum(abs(n) for n in run.lengths):,} real steps, each "
               f"followed by {run.batch_size} replayed and {run.planning_steps} planned updates.")
        table = ("entry for entry the compiled agent's" if run.largest_difference == 0 else
                 f"within {run.largest_difference:.1g} of the compiled agent's")
        yield (f"  After the same episodes its table is {table}; after {run.last} episodes the "
               f"agent has taken "
               f"{run.real_steps:,} real steps (the saved curve: {run.saved_real_steps:,}) and "
               f"its greedy policy needs {run.expected_steps:.2f} expected steps (the saved "
               f"curve: {run.saved_expected_steps:.2f}; the optimum: {run.optimum:.2f})"
               + (": the saved run, number for number." if same_run else "."))

    check(AGENT_STEP, agent_step, use)


# --- Exercise 8.2: real steps to within 10 % ---------------------------------------------------

def library_steps_to_within(real_steps: np.ndarray, expected_steps: np.ndarray, optimum: float,
                            fraction: float) -> tuple[float, float]:
    """The library's two numbers for one learning curve: ``(first entry, stays within)``, from
    ``TrainingResult.steps_to_within`` and ``steps_to_stay_within`` (``nan``: never)."""
    result = _one_curve(np.asarray(real_steps), np.asarray(expected_steps, dtype=float), optimum)
    return (float(result.steps_to_within(fraction)[0]),
            float(result.steps_to_stay_within(fraction)[0]))


def _one_curve(real_steps: np.ndarray, expected_steps: np.ndarray,
               optimum: float) -> TrainingResult:
    """A result of one agent with this learning curve (the other fields empty)."""
    n = len(real_steps)
    return TrainingResult(
        config=AgentConfig(), track_name="track1", noise=0.1, seed=0,
        optimal_expected_steps=optimum, episode_lengths=np.zeros((1, 0), dtype=np.int64),
        eval_episodes=np.arange(1, n + 1), eval_env_steps=real_steps[None, :],
        eval_seconds=np.zeros((1, n)), greedy_expected_steps=expected_steps[None, :],
        q_values=np.zeros((1, 0, N_ACTIONS)), seconds=0.0)


def _curve_case(real_steps: np.ndarray, expected_steps: np.ndarray, optimum: float,
                fraction: float) -> Case:
    steps = ", ".join(f"{int(n):,}" for n in real_steps)
    values = ", ".join("inf" if math.isinf(v) else f"{v:.6g}" for v in expected_steps)
    shown = (f"real_steps [{steps}], expected_steps [{values}], optimum {optimum:.6g}, "
             f"fraction {fraction:g}")
    return Case((real_steps, expected_steps, optimum, fraction), shown,
                library_steps_to_within(real_steps, expected_steps, optimum, fraction))


def _within_probes() -> list[Probe]:
    rng = np.random.default_rng(80)  # the same cases for every reader

    def curve(pattern: str, fraction: float | None = None, optimum: float | None = None,
              edge: bool = False) -> Case:
        """A learning curve whose evaluations are inside (``i``), outside (``o``), never
        finishing (``x``, outside) or on the band's edge (``e``), in the order of ``pattern``."""
        fraction = float(rng.choice([0.1, 0.05, 0.2])) if fraction is None else fraction
        optimum = float(rng.uniform(8, 20)) if optimum is None else optimum
        band = (1 + fraction) * optimum
        real_steps = np.cumsum(rng.integers(1_000, 50_000, len(pattern)))
        values = []
        for kind in pattern:
            if kind == "i":  # inside, above optimum + fraction (the band is not that)
                low = max(optimum * (1 + fraction / 4), optimum + 2 * fraction)
                values.append(float(rng.uniform(low, band - 1e-6 * band)))
            elif kind == "o":
                values.append(float(band * rng.choice([1.01, 1.05, 1.3, 2.0, 8.0, 40.0])))
            elif kind == "x":
                values.append(math.inf)
            else:
                values.append(band)
        return _curve_case(real_steps, np.array(values), optimum, fraction)

    def patterns(*shapes: str) -> list[Case]:
        return [curve(shape) for shape in shapes for _ in range(4)]

    dyadic = [(12.0, 0.25), (16.0, 0.5), (10.0, 0.125), (12.5, 0.25), (20.0, 0.5)]
    edge_cases = [curve(shape, fraction, optimum)
                  for optimum, fraction in dyadic for shape in ("ooei", "oeii", "oiie", "ooe")]
    return [
        Probe("the band", "within `fraction` of the optimum means expected steps at most "
              "(1 + fraction) * optimum: 13.3 for an optimum of 12.1 and 10 %, a band that "
              "scales with the optimum.", patterns("ooiii", "oooooii", "oiiiiiii", "ooooii")),
        Probe("leaving and coming back", "the first entry is the first evaluation within the "
              "band; to stay within, the policy must be within at that evaluation and every "
              "later one, so an entry followed by a later exit does not count.",
              patterns("ooioii", "oiooiii", "oioioi", "ooiiioooii")),
        Probe("never within", "a curve that never enters the band has no first entry: return "
              "nan for both numbers (float('nan'), as the library does) - careful, np.argmax of "
              "all-False is 0.", patterns("ooo", "oooooo")),
        Probe("ending outside the band", "if the last evaluation is outside the band the policy "
              "did not stay within: the second number is nan, even if it entered (and left) "
              "before.", patterns("oiio", "ooioio", "oiiiio")),
        Probe("within from the start", "the first evaluation may already be within: then both "
              "numbers can be its real steps, real_steps[0].", patterns("iii", "iiioii", "ioi")),
        Probe("within only at the last evaluation", "the last evaluation counts too: a curve "
              "that enters the band only there has both numbers equal to real_steps[-1].",
              patterns("ooooi", "oi")),
        Probe("on the band's edge", "the band includes its edge: expected steps equal to "
              "(1 + fraction) * optimum are within (<=, not <).", edge_cases),
        Probe("a policy that never finishes", "an evaluation whose greedy policy never "
              "finishes has expected steps inf: it is outside the band, and so it breaks a stay "
              "within like any other.", patterns("oixii", "ixiii", "oiiix")),
    ]


STEPS_TO_WITHIN = Exercise("steps_to_within", 8, "real steps to within 10 % of the optimum",
                           _within_probes)


def measures_agree(function: Callable, results: dict[str, TrainingResult],
                   fraction: float = WITHIN) -> dict[str, tuple[int, float, float]]:
    """For each run: how many of its agents get both of the library's numbers from ``function``,
    and the medians of ``function``'s two numbers over the agents (nan counting as never)."""
    agreement = {}
    for label, result in results.items():
        pairs = [function(result.eval_env_steps[agent], result.greedy_expected_steps[agent],
                          result.optimal_expected_steps, fraction)
                 for agent in range(result.n_agents)]
        library = zip(result.steps_to_within(fraction), result.steps_to_stay_within(fraction),
                      strict=True)
        agreeing = sum(same_value(tuple(pair), (first, stays))
                       for pair, (first, stays) in zip(pairs, library, strict=True))
        first, stays = (np.array([float(pair[k]) for pair in pairs]) for k in (0, 1))
        never = np.inf
        agreement[label] = (agreeing, float(np.median(np.where(np.isnan(first), never, first))),
                            float(np.median(np.where(np.isnan(stays), never, stays))))
    return agreement


def check_steps_to_within(steps_to_within: Callable) -> None:
    """Check the reader's ``steps_to_within(real_steps, expected_steps, optimum, fraction)``; if
    it is right, use it on every agent of the chapter's saved ablation."""

    def use(function: Callable) -> Iterator[str]:
        runs = ablation.saved_ablation()
        agreement = measures_agree(function, runs)
        n_agents = sum(result.n_agents for result in runs.values())
        agreeing = sum(row[0] for row in agreement.values())
        yield (f"  Used on the ablation's saved runs ({len(runs)} variants, {n_agents} agents, "
               f"{len(next(iter(runs.values())).eval_episodes)} evaluations each): your two "
               f"numbers are the library's for {agreeing} of the {n_agents} agents.")
        for label in ("full agent", "full without replay"):
            _, first, stays = agreement[label]
            result = runs[label]
            yield (f"  {label}: median real steps to within 10 % {first / 1e6:.2f} M, to stay "
                   f"within {stays / 1e6:.2f} M (the table above: "
                   f"{result.median_steps_to_within() / 1e6:.2f} M, "
                   f"{result.median_steps_to_stay_within() / 1e6:.2f} M)")

    check(STEPS_TO_WITHIN, steps_to_within, use)

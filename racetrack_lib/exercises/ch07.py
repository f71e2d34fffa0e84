"""Chapter 7's exercises: the counting model (learning it from a real step) and one planning step
from it.

The reader's model is a plain dictionary, ``{(state, action): {outcome: count}}``, an outcome
being a next state or ``FINISHED``. Their ``learn_model`` is checked against
:func:`racetrack_lib.dyna.learn_model` (read back with :func:`racetrack_lib.dyna.outcomes_of`).
Their ``planning_step`` draws at random, so its check calls it 1,000 times per model, each time
on a fresh copy of the same action values, and tests what the library's :func:`dyna.plan`
guarantees: each call makes one Q-learning update of a tried pair to one of the values its
outcomes allow (the reward alone after the finish), the pairs are drawn uniformly, the outcomes
in proportion to their counts (chi-square tests), with the generator given. Each statistical
test rejects a right answer with a probability under one in a billion.

Once right, each function is used for real: a Dyna agent in plain Python on :data:`SMALL_TRACK`
(:func:`dyna_in_python`), whose random draws are made as the library's compiled loop makes them,
so that with the library's model learning and planning it learns exactly the library's table.

The random check needs a comparison the framework lacks: whether 1,000 calls are right is a
test on all of them, not an equality. :class:`Planning` (the expected) and :class:`Planned`
(what came back) carry it through :class:`~.checking.Exercise`'s ``observe`` and ``same``.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import islice

import numpy as np
from scipy import stats

from .. import dyna, policy, step_size
from ..agent import schedule_of
from ..config import AgentConfig
from ..dp import expected_steps_from_start, value_iteration
from ..greedy_evaluation import expected_steps_of_greedy
from ..mdp import TabularModel, _sample_transition_python
from ..rules import FINISHED, N_ACTIONS, REWARD_PER_STEP
from ..track import parse_track
from .checking import Case, Exercise, Probe, check, describe

# A small track (603 states) on which a Dyna agent in plain Python gets near the optimum in a
# few hundred episodes, under a second.
SMALL_TRACK = """\
#####...F
####....F
###....##
##....###
#....####
#...#####
#SSS#####
"""
DYNA_CONFIG = AgentConfig(num_episodes=300, planning_steps=5, epsilon_decay=0.98)
DYNA_SEED = 0
MIN_TRIES = 20  # pairs tried this often have their noise probability estimated in the use


def _uncompiled(function: Callable) -> Callable:
    """The plain-Python source of a compiled (numba) function (itself if not compiled)."""
    return getattr(function, "py_func", function)


_learn_model = _uncompiled(dyna.learn_model)
_greedy_action = _uncompiled(policy.greedy_action)
_explore = _uncompiled(policy.explore)
_count_visit = _uncompiled(step_size.count_visit)
_uniform_index = _uncompiled(dyna.uniform_index)
_step_size = _uncompiled(step_size.step_size)


def _outcome_name(outcome: int) -> str:
    return "FINISHED" if outcome == FINISHED else f"state {outcome}"


# --- Exercise 7.1: the counting model ------------------------------------------------------------

N_STATES_71, N_START_71 = 40, 6  # the library's model the cases are learned in


def library_model(history: list[tuple[int, int, int, bool]]) -> dict:
    """The library's counting model after the real steps ``history`` ``(state, action,
    next_state, finished)``, as the reader's dictionary ``{(state, action): {outcome: count}}``
    (pairs in the order first tried, outcomes in the order first seen)."""
    learned = dyna.new_dynamics_model(N_STATES_71, N_ACTIONS, N_START_71)
    for state, action, next_state, finished in history:
        outcome = FINISHED if finished else next_state  # as dyna.learn_and_plan does
        _learn_model(learned, state, action, outcome, False)
    n_actions = learned.outcomes.shape[1]
    return {(int(pair // n_actions), int(pair % n_actions)):
            dyna.outcomes_of(learned, int(pair // n_actions), int(pair % n_actions))
            for pair in learned.tried_pairs[:learned.n_tried[0]]}


def _random_step(rng: np.random.Generator, pairs: list[tuple[int, int]],
                 next_states: dict[tuple[int, int], list[int]], finish_share: float
                 ) -> tuple[int, int, int, bool]:
    state, action = pairs[rng.integers(len(pairs))]
    if rng.random() < finish_share:
        return state, action, state, True  # after the finish next_state is the state itself
    return state, action, int(rng.choice(next_states[(state, action)])), False


def _learning_kind(model: dict, state: int, action: int, next_state: int, finished: bool) -> str:
    if finished:
        return "finish"
    if (state, action) not in model:
        return "first try"
    return "seen" if next_state in model[(state, action)] else "new outcome"


def _learning_probes() -> list[Probe]:
    rng = np.random.default_rng(7)  # the same cases for every reader
    groups: dict[str, list[Case]] = {}
    while min((len(groups.get(kind, [])) for kind in ("first try", "seen", "new outcome",
                                                       "finish")), default=0) < 25:
        states = rng.choice(N_STATES_71, 3, replace=False)
        pairs = [(int(s), int(rng.integers(N_ACTIONS))) for s in states]
        next_states = {pair: [int(s) for s in rng.choice(
            [s for s in range(N_STATES_71) if s != pair[0]], int(rng.integers(1, 4)),
            replace=False)] for pair in pairs}
        finish_share = float(rng.choice([0.0, 0.3]))
        history = [_random_step(rng, pairs[:-1] if rng.random() < 0.3 else pairs, next_states,
                                finish_share) for _ in range(int(rng.integers(0, 9)))]
        step = _random_step(rng, pairs, next_states, 0.25)
        before = library_model(history)
        kind = _learning_kind(before, *step)
        if len(groups.get(kind, [])) >= 40 or (kind == "seen" and max(
                len(outcomes) for outcomes in before.values()) < 2 and rng.random() < 0.7):
            continue  # enough of this kind; mostly pairs with two outcomes or more seen
        state, action, next_state, finished = step
        shown = (f"learn_model(model, {state}, {action}, {next_state}, {finished}) with model = "
                 f"{describe(before)}")
        groups.setdefault(kind, []).append(Case((before, *step), shown,
                                                library_model([*history, step])))
    # first the cases whose pair has led to the most outcomes so far
    for kind in groups:
        groups[kind].sort(key=lambda case: -len(case.arguments[0].get(case.arguments[1:3], {})))
    return [
        Probe("a pair tried for the first time", "a pair not in the model yet gets its own "
              "dictionary of outcomes, with a count of 1 for this one: {next_state: 1}.",
              groups["first try"]),
        Probe("counting, not the last outcome", "the counting model adds 1 to the count of this "
              "outcome and keeps the counts of the pair's other outcomes (replacing them would "
              "keep only the last outcome, Tabular Dyna-Q's model).", groups["seen"]),
        Probe("a new outcome of a tried pair", "an outcome the pair has not led to before is "
              "added to the pair's outcomes with a count of 1, next to the others.",
              groups["new outcome"]),
        Probe("the finish", "when the step finished, the outcome to count is FINISHED: next_state "
              "is then the state itself (as in td.Transition), not a state the car reached.",
              groups["finish"]),
    ]


def _observe_learning(function: Callable, arguments: tuple) -> object:
    function(*arguments)
    return arguments[0]


LEARN_MODEL = Exercise("learn_model", 7, "the counting model", _learning_probes,
                       observe=_observe_learning)


# --- A Dyna agent in plain Python, for the two uses ----------------------------------------------

@cache
def small_model() -> TabularModel:
    """The model of :data:`SMALL_TRACK` at noise 0.1."""
    return TabularModel.build(parse_track(SMALL_TRACK, "the small track"), noise=0.1)


def reference_learn_model(model: dict, state: int, action: int, next_state: int,
                          finished: bool) -> None:
    """The library's counting (``dyna.learn_model``) on the reader's dictionary."""
    outcomes = model.setdefault((state, action), {})
    outcome = FINISHED if finished else next_state
    outcomes[outcome] = outcomes.get(outcome, 0) + 1


class LibraryPlanning:
    """The library's planning step (``dyna.plan`` with one planning step) on the reader's
    dictionary, drawing its random numbers exactly as the compiled code does: a pair by one
    uniform float, then (only if the pair has two outcomes or more) an outcome by another. The
    pairs are read in the dictionary's order (first tried first, as the library's list)."""

    def __init__(self) -> None:
        self.pairs: list[tuple[int, int]] = []

    def __call__(self, q_values: np.ndarray, alphas: np.ndarray, model: dict, gamma: float,
                 rng: np.random.Generator) -> None:
        if len(self.pairs) < len(model):  # the model only grows: append the new pairs
            self.pairs.extend(islice(model, len(self.pairs), None))
        state, action = self.pairs[_uniform_index(len(self.pairs), rng)]
        outcomes = model[(state, action)]
        if len(outcomes) == 1:
            outcome = next(iter(outcomes))
        else:
            draw = int(rng.random() * sum(outcomes.values()))
            for outcome, count in outcomes.items():  # noqa: B007 - the loop's last is the answer
                draw -= count
                if draw < 0:
                    break
        target = REWARD_PER_STEP if outcome == FINISHED else (
            REWARD_PER_STEP + gamma * q_values[outcome].max())
        q_values[state, action] += alphas[state, action] * (target - q_values[state, action])


def dyna_in_python(model: TabularModel, config: AgentConfig, learn: Callable,
                   plan: Callable | None, rng: np.random.Generator
                   ) -> tuple[np.ndarray, dict, np.ndarray]:
    """``config.num_episodes`` episodes of the library's Dyna-Q agent (``agent.agent_episode``
    with ``config.planning_steps`` planning steps, no traces, no replay) in plain Python, with
    ``learn(model, state, action, next_state, finished)`` in place of ``dyna.learn_model`` and
    ``plan(q_values, alphas, model, gamma, rng)`` (one planning step) in place of one of
    ``dyna.plan``'s (``None``: :class:`LibraryPlanning`). ``alphas[s, a]`` is the step size of
    the pair's real visits, ``alpha_n(s, a)``.

    The real steps draw their random numbers as the compiled loop does; with the library's
    learning and planning this learns exactly the table ``training.run_episodes`` learns from the
    same generator.

    Returns:
        ``(Q, learned model, lengths)``: the table ``(n_states, 9)``, the dictionary model and
        each episode's number of steps (negative if cut at ``config.max_episode_steps``).
    """
    next_states, start_states, noise = model.tables
    q_values = np.zeros((model.n_states, N_ACTIONS))
    visits = np.zeros((model.n_states, N_ACTIONS), dtype=np.int64)
    alphas = np.zeros((model.n_states, N_ACTIONS))
    step_sizes, gamma = config.step_sizes(), config.gamma
    plan = LibraryPlanning() if plan is None else plan
    learned: dict = {}
    epsilons = schedule_of(config, 0, config.num_episodes).epsilons
    lengths = np.zeros(config.num_episodes, dtype=np.int64)
    for episode, epsilon in enumerate(epsilons):
        state = int(start_states[rng.integers(0, len(start_states))])
        action = _explore(_greedy_action(q_values, state, rng, 0.0), epsilon, N_ACTIONS, rng)
        lengths[episode] = -config.max_episode_steps
        for step in range(1, config.max_episode_steps + 1):
            next_state, finished, _, _ = _sample_transition_python(
                next_states, start_states, noise, state, action, rng)
            next_state = int(next_state)
            _count_visit(visits, state, action)
            alphas[state, action] = _step_size(step_sizes, visits, state, action)
            if finished:  # the real step's own update (Q-learning), then the model, then planning
                target = REWARD_PER_STEP
            else:
                greedy_next = _greedy_action(q_values, next_state, rng, 0.0)
                next_action = _explore(greedy_next, epsilon, N_ACTIONS, rng)
                target = REWARD_PER_STEP + gamma * q_values[next_state, greedy_next]
            q_values[state, action] += alphas[state, action] * (target - q_values[state, action])
            learn(learned, state, action, state if finished else next_state, bool(finished))
            for _ in range(config.planning_steps):
                plan(q_values, alphas, learned, gamma, rng)
            if finished:
                lengths[episode] = step
                break
            state, action = next_state, int(next_action)
    return q_values, learned, lengths


@cache
def library_dyna(config: AgentConfig = DYNA_CONFIG, seed: int = DYNA_SEED) -> np.ndarray:
    """The table the library's compiled Dyna agent learns on the small track."""
    from ..training import Learner, run_episodes

    model = small_model()
    learner = Learner.new(model, config)
    run_episodes(learner, model, config, np.random.default_rng(seed), 0, config.num_episodes)
    return learner.q_values


N_SEEDS = 16  # compiled Dyna agents the reader's planning is compared with


@cache
def library_dyna_spread(n_seeds: int = N_SEEDS) -> np.ndarray:
    """The exact expected steps of the greedy policies the library's compiled Dyna agent learns
    on the small track with :data:`DYNA_CONFIG`, seeds 0 to ``n_seeds - 1``, sorted."""
    return np.sort([greedy_steps(library_dyna(DYNA_CONFIG, seed)) for seed in range(n_seeds)])


@cache
def small_optimum() -> float:
    """The optimal expected steps from the start line of the small track."""
    model = small_model()
    return expected_steps_from_start(model, value_iteration(model).values)


def greedy_steps(q_values: np.ndarray) -> float:
    """The exact expected steps of the greedy policy of ``q_values`` on the small track."""
    return expected_steps_of_greedy(small_model(), q_values, np.random.default_rng(0))


def noise_estimates(learned: dict, model: TabularModel, min_tries: int = MIN_TRIES
                    ) -> np.ndarray:
    """For each pair tried at least ``min_tries`` times whose intended and noisy moves lead to
    two distinct states, the counted frequency of the noisy outcome (as Figure 7.2)."""
    estimates = []
    for (state, action), outcomes in learned.items():
        tries = sum(outcomes.values())
        intended, noisy = (int(x) for x in model.next_states[state, action])
        if tries >= min_tries and min(intended, noisy) >= 0 and intended != noisy:
            estimates.append(outcomes.get(noisy, 0) / tries)
    return np.array(estimates)


def check_learn_model(learn_model: Callable) -> None:
    """Check the reader's ``learn_model(model, state, action, next_state, finished)``; if it is
    right, a Dyna agent in plain Python learns its model with it on the small track."""

    def use(function: Callable) -> Iterator[str]:
        model = small_model()
        q_values, learned, lengths = dyna_in_python(model, DYNA_CONFIG, function, None,
                                                    np.random.default_rng(DYNA_SEED))
        difference = float(np.abs(q_values - library_dyna()).max())
        noisy = noise_estimates(learned, model)
        yield (f"  Used for real: a Dyna agent in plain Python, with your model and the "
               f"library's planning ({DYNA_CONFIG.planning_steps} planning steps per real step), "
               f"{DYNA_CONFIG.num_episodes} episodes ({np.abs(lengths).sum():,} real steps) on a "
               f"small track of {model.n_states} states. Its greedy policy needs "
               f"{greedy_steps(q_values):.2f} expected steps (exact); the optimum is "
               f"{small_optimum():.2f}. The library's compiled Dyna, on the same random numbers, "
               f"learned the same table (largest difference {difference:.2g}). Your model counts "
               f"{len(learned):,} tried pairs; the {len(noisy)} tried {MIN_TRIES} times or more "
               f"with two distinct outcomes estimate the noise probability at "
               f"{noisy.mean():.3f} on average (true 0.1).")

    check(LEARN_MODEL, learn_model, use)


# --- Exercise 7.2: one planning step ------------------------------------------------------------

N_CALLS = 1_000  # calls per model, each on a fresh copy of the same action values
N_REPEATED = 100  # calls repeated from the same generator state, to test where draws come from
P_REJECT = 1e-9  # a statistical test rejects a right answer with this probability at most
MATCH = 1e-9  # a new value is an outcome's when within this of it


@dataclass
class Call:
    """What one call did: the entries it changed, and for a single one its pair, its new value
    and the outcome whose update gives that value (``None``: no outcome's)."""

    changed: int
    pair: tuple[int, int] | None = None
    value: float = 0.0
    outcome: int | None = None


@dataclass
class Planned:
    """What ``planning_step`` did over ``N_CALLS`` calls, and the inputs it did it to (to
    explain a wrong value); ``repeated``: the first ``N_REPEATED`` calls again, from the same
    generator state with the global random states changed. ``verdict``, set by the comparison,
    is what a message shows."""

    calls: list[Call]
    repeated: list[Call]
    q_values: np.ndarray
    alphas: np.ndarray
    model: dict
    gamma: float
    problem: str | None = None
    verdict: str | None = field(default=None)

    def __repr__(self) -> str:
        return self.verdict if self.verdict is not None else f"{len(self.calls):,} updates"


def update_values(q_values: np.ndarray, alphas: np.ndarray, outcomes: dict, gamma: float,
                  state: int, action: int) -> dict[int, float]:
    """The value ``Q(s, a)`` takes after a planning update from each outcome of the pair (the
    library's ``td_target`` with Q-learning's max, and ``td_update``)."""
    old, alpha = q_values[state, action], alphas[state, action]
    values = {}
    for outcome in outcomes:
        target = REWARD_PER_STEP if outcome == FINISHED else (
            REWARD_PER_STEP + gamma * q_values[outcome].max())
        values[outcome] = float(old + alpha * (target - old))
    return values


@dataclass(frozen=True)
class Planning:
    """What the calls on a model should show, and the properties a probe tests (its own first,
    then those before it in :data:`PROPERTIES`)."""

    up_to: str

    def __repr__(self) -> str:
        return ("one Q-learning update per call, Q[s, a] += alphas[s, a] * (target - Q[s, a]), "
                "of a tried pair drawn uniformly, its outcome drawn in proportion to its counts, "
                "with the generator given")

    def judge(self, observed: Planned) -> str | None:
        for name in (self.up_to, *PROPERTIES[:PROPERTIES.index(self.up_to)]):
            verdict = _TESTS[name](observed)
            if verdict is not None:
                return verdict
        return None


def _wrong_value(observed: Planned, number: int, call: Call) -> str:
    state, action = call.pair
    values = update_values(observed.q_values, observed.alphas, observed.model[call.pair],
                           observed.gamma, state, action)
    options = " or ".join(f"{describe(value)} ({_outcome_name(outcome)})"
                          for outcome, value in values.items())
    return (f"Q[{state}, {action}] = {describe(call.value)} after call {number:,}, from "
            f"Q[{state}, {action}] = {describe(observed.q_values[state, action])} with "
            f"alphas[{state}, {action}] = {describe(observed.alphas[state, action])} and gamma "
            f"{observed.gamma:g}; Q-learning from the pair's "
            f"{'outcome gives' if len(values) == 1 else 'outcomes give'} {options}")


def _the_update(observed: Planned) -> str | None:
    if observed.problem is not None:
        return observed.problem
    for number, call in enumerate(observed.calls, 1):
        if call.changed != 1:
            what = ("no entry of q_values changed (update it in place)" if call.changed == 0
                    else f"{call.changed} entries of q_values changed")
            return f"{what} in call {number:,}"
        if (call.pair in observed.model and FINISHED not in observed.model[call.pair]
                and call.outcome is None):
            return _wrong_value(observed, number, call)
    return None


def _the_finish(observed: Planned) -> str | None:
    for number, call in enumerate(observed.calls, 1):
        if call.pair in observed.model and call.outcome is None:
            return _wrong_value(observed, number, call)
    return None


def _tried_pairs(observed: Planned) -> str | None:
    for number, call in enumerate(observed.calls, 1):
        if call.pair is not None and call.pair not in observed.model:
            return (f"Q[{call.pair[0]}, {call.pair[1]}] changed in call {number:,}, a pair the "
                    f"model has never tried")
    return None


def _uniform_pairs(observed: Planned) -> str | None:
    pairs = list(observed.model)
    index = {pair: k for k, pair in enumerate(pairs)}
    counts = np.bincount([index[call.pair] for call in observed.calls], minlength=len(pairs))
    p_value = stats.chisquare(counts).pvalue
    if p_value < P_REJECT:
        tries = [sum(observed.model[pair].values()) for pair in pairs]
        order = np.argsort(tries)
        return (f"the {len(pairs)} pairs drawn {_counts(counts[order])} times, from the least "
                f"tried ({_tries(tries[order[0]])}) to the most ({_tries(tries[order[-1]])}): a "
                f"chi-square test says they are not drawn uniformly ({_p(p_value)})")
    return None


def _counted_outcomes(observed: Planned) -> str | None:
    statistic, degrees, shown = 0.0, 0, []
    for pair, outcomes in observed.model.items():
        if len(outcomes) < 2:
            continue
        drawn = [call.outcome for call in observed.calls if call.pair == pair]
        frequencies = np.array([drawn.count(outcome) for outcome in outcomes])
        expected = len(drawn) * np.array(list(outcomes.values())) / sum(outcomes.values())
        statistic += float(((frequencies - expected) ** 2 / expected).sum())
        degrees += len(outcomes) - 1
        shown.append(f"{pair}: counts {list(outcomes.values())}, drawn "
                     f"{frequencies.tolist()}")
    p_value = float(stats.chi2.sf(statistic, degrees)) if degrees else 1.0
    if p_value < P_REJECT:
        return (f"outcomes drawn out of proportion to their counts ({_p(p_value)}, chi-square): "
                + "; ".join(shown[:3]))
    return None


def _generator(observed: Planned) -> str | None:
    first = observed.calls[:N_REPEATED]
    for number, (one, other) in enumerate(zip(first, observed.repeated, strict=True), 1):
        if (one.pair, one.value) != (other.pair, other.value):
            return (f"different updates from the same state of the generator given: "
                    f"Q{list(one.pair or ())} in one run, Q{list(other.pair or ())} in another "
                    f"(call {number})")
    return None


_TESTS = {"the update": _the_update, "the finish": _the_finish, "tried pairs": _tried_pairs,
          "uniform pairs": _uniform_pairs, "counted outcomes": _counted_outcomes,
          "the generator": _generator}
PROPERTIES = tuple(_TESTS)


def _counts(values: np.ndarray, limit: int = 10) -> str:
    values = [int(v) for v in values]
    return "[" + ", ".join(map(str, values[:limit])) + (", ...]" if len(values) > limit else "]")


def _tries(n: int) -> str:
    return f"{n} {'try' if n == 1 else 'tries'}"


def _p(p_value: float) -> str:
    return f"p = {p_value:.1e}" if p_value > 0 else "p < 1e-300"


def _calls(function: Callable, arguments: tuple, rng: np.random.Generator, n_calls: int,
           global_seed: int) -> list[Call]:
    q_values, alphas, model, gamma, _ = arguments
    # The global generators are seeded differently in the two runs (a function that draws from
    # them updates other pairs), and put back as they were afterwards.
    saved = np.random.get_state(), random.getstate()  # noqa: NPY002
    np.random.seed(global_seed)  # noqa: NPY002
    random.seed(global_seed)
    allowed = {pair: update_values(q_values, alphas, outcomes, gamma, *pair)
               for pair, outcomes in model.items()}
    n_actions = q_values.shape[1]
    try:
        calls = []
        for _ in range(n_calls):  # the same model and step sizes: planning only reads them
            table = q_values.copy()
            function(table, alphas, model, gamma, rng)
            changed = np.flatnonzero(table.ravel() != q_values.ravel())
            if len(changed) != 1:
                calls.append(Call(len(changed)))
                continue
            pair = (int(changed[0] // n_actions), int(changed[0] % n_actions))
            value = float(table[pair])
            call = Call(1, pair, value)
            for outcome, right in allowed.get(pair, {}).items():
                if abs(value - right) <= MATCH * max(1.0, abs(right)):
                    call.outcome = outcome
                    break
            calls.append(call)
        return calls
    finally:
        np.random.set_state(saved[0])  # noqa: NPY002
        random.setstate(saved[1])


def _observe_planning(function: Callable, arguments: tuple) -> Planned:
    q_values, alphas, model, gamma, rng = arguments
    start, model_before, alphas_before = copy.deepcopy((rng, model, alphas))
    calls = _calls(function, arguments, rng, N_CALLS, 1)
    changed = [name for name, same in (("model", model == model_before),
                                       ("alphas", np.array_equal(alphas, alphas_before)))
               if not same]
    if changed:
        return Planned(calls, [], q_values, alphas_before, model_before, gamma,
                       problem=f"{' and '.join(changed)} changed (planning only reads them)")
    repeated = _calls(function, arguments, start, N_REPEATED, 2)
    return Planned(calls, repeated, q_values, alphas, model, gamma)


def _same_planning(observed: Planned, expected: Planning) -> bool:
    if not isinstance(observed, Planned):
        return False
    observed.verdict = expected.judge(observed)
    return observed.verdict is None


def _planning_case(rng: np.random.Generator, n_states: int, model: dict, gamma: float,
                   what: str, up_to: str) -> Case:
    """Random action values (negative) and step sizes for a ``model`` whose outcomes are states
    below ``n_states - 1`` (so that Q[FINISHED], the last row, is no outcome's)."""
    q_values = -rng.uniform(1.0, 12.0, (n_states, N_ACTIONS))
    alphas = rng.uniform(0.05, 1.0, (n_states, N_ACTIONS))
    for (state, action), outcomes in model.items():
        values = list(update_values(q_values, alphas, outcomes, gamma, state, action).values())
        assert len(values) == len(set(np.round(values, 6))), "outcomes must be told apart"
    shown = (f"a model of {len(model)} tried pairs of a table of {n_states} states ({what}), "
             f"gamma {gamma:g}, {N_CALLS:,} calls on copies of the same q_values with one "
             f"generator")
    return Case((q_values, alphas, model, gamma, np.random.default_rng(int(rng.integers(1 << 30)))),
                shown, Planning(up_to))


def _planning_probes() -> list[Probe]:
    rng = np.random.default_rng(72)  # the same cases for every reader

    def model_of(pairs: list[tuple[int, int]], n_states: int, finish_share: float = 0.0
                 ) -> dict:
        """1 to 3 outcomes per pair, states below n_states - 1 or FINISHED, counts 1 to 6."""
        model = {}
        for pair in pairs:
            seen = [int(s) for s in rng.choice(n_states - 1, int(rng.integers(1, 4)),
                                               replace=False)]
            if rng.random() < finish_share:
                seen[int(rng.integers(len(seen)))] = FINISHED
            model[pair] = {outcome: int(rng.integers(1, 7)) for outcome in seen}
        return model

    def every_pair(n_states: int) -> list[tuple[int, int]]:
        return [(s, a) for s in range(n_states) for a in range(N_ACTIONS)]

    def some_pairs(n_states: int, n_pairs: int) -> list[tuple[int, int]]:
        chosen = rng.choice(n_states * N_ACTIONS, n_pairs, replace=False)
        return [(int(k // N_ACTIONS), int(k % N_ACTIONS)) for k in chosen]

    unequal_tries = (1, 1, 2, 3, 5, 10, 20, 40, 80, 160)
    tried_unequally = {pair: {int(rng.integers(7)): tries} for pair, tries in zip(
        some_pairs(8, len(unequal_tries)), unequal_tries, strict=True)}
    uneven = [{0: 9, 1: 1}, {2: 1, 3: 1, 4: 8}, {FINISHED: 3, 5: 7}, {1: 2, FINISHED: 2, 6: 16}]
    counted_unevenly = dict(zip(some_pairs(8, len(uneven)), uneven, strict=True))
    return [
        Probe("the Q-learning update", "update the pair drawn in place: Q[s, a] += alphas[s, a] "
              "* (target - Q[s, a]), with Q-learning's target -1 + gamma * max(Q[next state]) "
              "(a simulated step has no next action taken: always the max).",
              [_planning_case(rng, 6, model_of(every_pair(6), 6), gamma,
                              "every action of every state tried, next states only", "the update")
               for gamma in (0.9,)]),
        Probe("the finish", "after the finish nothing follows: the target is the reward alone, "
              "-1. Careful: FINISHED is -1, and Q[-1] is the last row of the table.",
              [_planning_case(rng, 6, model_of(every_pair(6), 6, 0.4), gamma,
                              "every action of every state tried, some outcomes FINISHED",
                              "the finish") for gamma in (1.0,)]),
        Probe("only tried pairs", "plan only from the pairs the model has tried, the keys of "
              "model: an untried pair has no outcome to simulate.",
              [_planning_case(rng, 8, model_of(some_pairs(8, 15), 8, 0.3), 1.0,
                              "15 of its 72 pairs tried", "tried pairs")]),
        Probe("pairs drawn uniformly", "draw the pair uniformly among the tried pairs, however "
              "often each was tried (replay's memory samples transitions, so often-tried pairs "
              "more often; planning does not).",
              [_planning_case(rng, 8, tried_unequally, 1.0, "tried from 1 to 160 times",
                              "uniform pairs")]),
        Probe("outcomes in proportion to the counts", "draw the outcome with probability count / "
              "total of the pair's counts (the maximum-likelihood estimate of P(s' | s, a)), not "
              "uniformly among the outcomes seen, nor always the most counted.",
              [_planning_case(rng, 8, counted_unevenly, 0.9, "pairs with several outcomes, "
                              "unequal counts", "counted outcomes")]),
        Probe("the agent's generator", "draw with the generator rng passed in (rng.integers, "
              "rng.choice, rng.random), not np.random or the random module, so that a run can be "
              "repeated exactly.",
              [_planning_case(rng, 6, model_of(some_pairs(6, 10), 6, 0.3), 1.0,
                              "10 pairs tried", "the generator")]),
    ]


PLANNING_STEP = Exercise("planning_step", 7, "one planning step", _planning_probes,
                         observe=_observe_planning, same=_same_planning, seconds=30)


def check_planning_step(planning_step: Callable) -> None:
    """Check the reader's ``planning_step(q_values, alphas, model, gamma, rng)``; if it is
    right, a Dyna agent in plain Python plans with it on the small track."""

    def use(function: Callable) -> Iterator[str]:
        model = small_model()
        q_values, _, lengths = dyna_in_python(model, DYNA_CONFIG, reference_learn_model,
                                              function, np.random.default_rng(DYNA_SEED))
        spread = library_dyna_spread()
        yield (f"  Used for real: a Dyna agent in plain Python planning with your step "
               f"({DYNA_CONFIG.planning_steps} per real step), {DYNA_CONFIG.num_episodes} "
               f"episodes ({np.abs(lengths).sum():,} real steps) on a small track of "
               f"{model.n_states} states. Its greedy policy needs {greedy_steps(q_values):.2f} "
               f"expected steps (exact); the optimum is {small_optimum():.2f}. The library's "
               f"compiled Dyna with the same settings, on {N_SEEDS} seeds (your step draws its "
               f"own random numbers, so no seed repeats your run): {spread[0]:.2f} to "
               f"{spread[-1]:.2f}, median {np.median(spread):.2f}.")

    check(PLANNING_STEP, planning_step, use)

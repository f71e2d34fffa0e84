"""Chapter 6's exercises: storing a transition in the ring buffer, and sampling a batch to replay.

The reader's ``store`` is checked against :func:`racetrack_lib.replay.store` on memories of
every fill (empty, partly full, full, capacity 1). The reader's ``replay_slots`` draws at random,
so its check calls it 2,000 times per memory with one generator and tests what the library's
sampling (:func:`racetrack_lib.replay.sample_slot`, :func:`racetrack_lib.replay.replay_batch`)
guarantees: only filled slots, every filled slot, uniformly (a chi-square test), with
replacement, from the generator given, and nothing before the memory holds a batch. The
statistical tests reject a right answer with a probability under one in a billion.

The random checks need a comparison the framework lacks: whether 2,000 batches are right is a
test on all of them, not an equality. :class:`Sampling` (the expected) and :class:`Batches` (what
came back) carry it through :class:`~.checking.Exercise`'s ``observe`` and ``same``.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from scipy import stats

from .. import replay
from ..config import AgentConfig
from ..mdp import TabularModel
from ..td import Transition
from ..training import Learner, run_episodes
from .checking import Case, Exercise, Probe, check

# --- Exercise 6.1: storing a transition --------------------------------------------------------


def _stream(length: int) -> tuple[Transition, ...]:
    """The transitions t0, t1, ... the cases store, in order: distinct states, so that each
    slot's six fields name the transition they came from."""
    rng = np.random.default_rng(6)
    states = rng.choice(np.arange(1, 7_014), length, replace=False)  # track 1's states, not 0
    stream = []
    for state in states.tolist():
        finished = bool(rng.random() < 0.2)
        next_state, next_action = ((state, 0) if finished  # td.Transition's convention
                                   else (int(rng.integers(0, 7_014)), int(rng.integers(0, 9))))
        stream.append(Transition(state, int(rng.integers(0, 9)), -1.0, next_state, next_action,
                                 finished))
    return tuple(stream)


CAPACITIES = (1, 2, 3, 4, 5, 7)
STREAM = _stream(2 * max(CAPACITIES) + 2)
FIELDS = ("s", "a", "r", "s'", "a'", "done")


def filled_memory(capacity: int, n_stored: int) -> replay.ReplayMemory:
    """A memory of ``capacity`` after the library has stored t0 ... t(n_stored - 1)."""
    memory = replay.new_memory(capacity)
    for transition in STREAM[:n_stored]:
        replay.store(memory, transition)
    return memory


@dataclass(frozen=True)
class Contents:
    """What a memory holds, as a message shows it: each slot as ``tK`` (all six fields of the
    K-th transition stored), ``-`` (empty) or ``?(...)`` (anything else), the size and the next
    slot. ``checked`` names what a comparison looks at."""

    slots: tuple[str, ...]
    size: int
    next_slot: int
    checked: tuple[str, ...] = ("slots", "size", "next slot")

    @classmethod
    def of(cls, memory: replay.ReplayMemory, checked: tuple[str, ...] | None = None) -> Contents:
        slots = tuple(_slot_label(tuple(array[slot].item() for array in memory[:6]))
                      for slot in range(len(memory.states)))
        size, next_slot = (int(x) for x in memory.fill)
        return cls(slots, size, next_slot, checked or cls.checked)

    def agrees_with(self, expected: Contents) -> bool:
        return all(getattr(self, _ATTRIBUTE[aspect]) == getattr(expected, _ATTRIBUTE[aspect])
                   for aspect in expected.checked)

    def __repr__(self) -> str:
        parts = {"slots": f"slots [{', '.join(self.slots)}]", "size": f"size {self.size}",
                 "next slot": f"next slot {self.next_slot}"}
        return ", ".join(text for aspect, text in parts.items() if aspect in self.checked)


_ATTRIBUTE = {"slots": "slots", "size": "size", "next slot": "next_slot"}


def _slot_label(fields: tuple) -> str:
    for number, transition in enumerate(STREAM):
        if fields == tuple(transition):
            return f"t{number}"
    if not any(fields):
        return "-"
    return "?" + _fields(fields)


def _fields(fields: tuple) -> str:
    return "(" + ", ".join(f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
                           for name, value in zip(FIELDS, fields, strict=True)) + ")"


def _observe_store(function: Callable, arguments: tuple) -> Contents:
    memory, transition = arguments
    function(memory, transition)
    return Contents.of(memory)


def _same_contents(observed: Contents, expected: Contents) -> bool:
    return isinstance(observed, Contents) and observed.agrees_with(expected)


def _store_probes() -> list[Probe]:
    groups: dict[str, list[tuple[replay.ReplayMemory, int]]] = {}
    for capacity in CAPACITIES:
        for n_stored in range(2 * capacity + 2):
            if capacity == 1:
                kind = "capacity 1"
            elif n_stored == 0:
                kind = "empty"
            elif n_stored <= capacity - 2:
                kind = "room"
            elif n_stored == capacity - 1:
                kind = "last slot"
            else:
                kind = "full"
            groups.setdefault(kind, []).append((filled_memory(capacity, n_stored), n_stored))

    def cases(kind: str, checked: tuple[str, ...] | None = None) -> list[Case]:
        made = []
        for memory, n_stored in groups[kind]:
            after = copy.deepcopy(memory)
            replay.store(after, STREAM[n_stored])
            held = ", ".join(f"t{k}" for k in range(max(0, n_stored - len(memory.states)),
                                                       n_stored)) or "nothing"
            shown = (f"storing t{n_stored} = {_fields(STREAM[n_stored])} in a memory of capacity {len(memory.states)} holding "
                     f"{held} ({Contents.of(memory)!r})")
            made.append(Case((memory, STREAM[n_stored]), shown, Contents.of(after, checked)))
        return made

    return [
        Probe("the next slot", "write the six fields of the transition at slot fill[1] (the "
              "next slot), then move fill[1] on by one and count one more transition in "
              "fill[0].", cases("room")),
        Probe("an empty memory", "an empty memory has size 0 and next slot 0: the first "
              "transition goes to slot 0; after it the size is 1 and the next slot 1.",
              cases("empty")),
        Probe("the wrap-around", "after the last slot (capacity - 1) the next slot wraps "
              "around to 0: (slot + 1) % capacity.", cases("last slot")),
        Probe("overwriting the oldest", "in a full memory the next slot holds the oldest "
              "transition: write there, as always (the newest is in the slot before it), and "
              "move on by one.", cases("full", ("slots", "next slot"))),
        Probe("the size of a full memory", "fill[0] counts the transitions the memory holds, at "
              "most its capacity: min(size + 1, capacity).", cases("full")),
        Probe("capacity 1", "a memory of one slot always writes at slot 0, and its next slot "
              "stays 0.", cases("capacity 1")),
    ]


STORE = Exercise("store", 6, "storing a transition", _store_probes, observe=_observe_store,
                 same=_same_contents)


@cache
def figure_memory() -> replay.ReplayMemory:
    """The memory of Figure 6.1: 10,000 transitions, after 500 episodes of an agent with a
    memory of 10,000 and batches of 8 on track 1 (noise 0.1, seed 0)."""
    model = _track1()
    config = AgentConfig(memory_size=10_000, batch_size=8, num_episodes=500)
    learner = Learner.new(model, config)
    run_episodes(learner, model, config, np.random.default_rng(0), 0, 500)
    return learner.memory


@cache
def _track1() -> TabularModel:
    return TabularModel.build("track1", noise=0.1)


def oldest_first(memory: replay.ReplayMemory) -> list[Transition]:
    """The transitions a full memory holds, oldest first (as driven)."""
    size, position = (int(x) for x in memory.fill)
    order = np.roll(np.arange(size), -position) if size == len(memory.states) else range(size)
    return [Transition(*(array[slot].item() for array in memory[:6])) for slot in order]


def store_stream(function: Callable, transitions: list[Transition], capacity: int
                 ) -> replay.ReplayMemory:
    """A memory of ``capacity`` after ``function`` has stored ``transitions`` one by one."""
    memory = replay.new_memory(capacity)
    for transition in transitions:
        function(memory, transition)
    return memory


def same_memory(first: replay.ReplayMemory, second: replay.ReplayMemory) -> tuple[int, bool]:
    """How many slots hold the same transition in both memories, and whether size and next slot
    agree."""
    agreeing = sum(all(a[slot] == b[slot] for a, b in zip(first[:6], second[:6], strict=True))
                   for slot in range(len(first.states)))
    return agreeing, bool(np.array_equal(first.fill, second.fill))


def check_store(store: Callable) -> None:
    """Check the reader's ``store(memory, transition)``; if it is right, use it to store the
    10,000 transitions of Figure 6.1's memory in a memory of 1,000."""

    def use(function: Callable) -> Iterator[str]:
        driven = oldest_first(figure_memory())
        yours = store_stream(function, driven, 1_000)
        library = store_stream(replay.store, driven, 1_000)
        agreeing, fill_agrees = same_memory(yours, library)
        holds_the_last = oldest_first(yours) == driven[-1_000:]
        size, next_slot = (int(x) for x in yours.fill)
        yield (f"  Used on Figure 6.1's memory: its {len(driven):,} transitions, oldest first, "
               f"stored with your function in a memory of capacity 1,000. It agrees with the "
               f"library's in {agreeing:,} of the 1,000 slots, with size {size:,} and next slot "
               f"{next_slot} ({'as' if fill_agrees else 'unlike'} the library's), and "
               f"{'holds' if holds_the_last else 'does not hold'} the last 1,000 transitions "
               f"driven, the oldest at the next slot.")

    check(STORE, store, use)


# --- Exercise 6.2: sampling a batch ------------------------------------------------------------

N_BATCHES = 2_000  # calls per memory, with one generator
N_REPEATED = 100  # calls repeated from the same generator state, to test where draws come from
P_REJECT = 1e-9  # a statistical test rejects a right answer with this probability at most


@dataclass
class Batches:
    """What ``replay_slots`` returned over ``N_BATCHES`` calls: the batches (each a tuple of
    slots), or ``problem`` if a return value was not a list of slot numbers; ``repeated``: the
    first ``N_REPEATED`` batches again, from the same generator state with the global random
    states changed. ``verdict``, set by the comparison, is what a message shows."""

    batches: list[tuple[int, ...]] = field(default_factory=list)
    repeated: list[tuple[int, ...]] = field(default_factory=list)
    problem: str | None = None
    verdict: str | None = None

    def __repr__(self) -> str:
        if self.verdict is not None:
            return self.verdict
        sizes = sorted({len(batch) for batch in self.batches})
        return f"{len(self.batches):,} batches of {' or '.join(map(str, sizes))} slots"


@dataclass(frozen=True)
class Sampling:
    """What the batches from a memory should be, and which properties a probe tests (the
    properties up to ``up_to``, in the order of :data:`PROPERTIES`)."""

    size: int
    capacity: int
    batch_size: int
    up_to: str

    def __repr__(self) -> str:
        if self.size < self.batch_size:
            return (f"an empty batch every time (the memory holds {self.size}, fewer than "
                    f"batch_size = {self.batch_size})")
        return (f"batches of {self.batch_size} slots drawn uniformly, with replacement, from the "
                f"filled slots 0 to {self.size - 1}, with the generator given")

    def judge(self, observed: Batches) -> str | None:
        """What is wrong with ``observed``, or None."""
        if observed.problem is not None:
            return observed.problem
        # the probe's own property first, so that a message shows what its hint is about
        tests = (self.up_to, *PROPERTIES[:PROPERTIES.index(self.up_to)])
        if self.size < self.batch_size:
            tests = ("nothing before a full batch", "the generator")
        for name in tests:
            verdict = _TESTS[name](self, observed)
            if verdict is not None:
                return verdict
        return None


def _count(sampling: Sampling, observed: Batches) -> str | None:
    for number, batch in enumerate(observed.batches, 1):
        if len(batch) != sampling.batch_size:
            return f"a batch of {len(batch)} slots from call {number:,}: {_show(batch)}"
        wrong = [slot for slot in batch if not 0 <= slot < sampling.capacity]
        if wrong:
            return (f"slot {wrong[0]} in call {number:,}: {_show(batch)} (the memory has slots "
                    f"0 to {sampling.capacity - 1})")
    return None


def _filled(sampling: Sampling, observed: Batches) -> str | None:
    for number, batch in enumerate(observed.batches, 1):
        empty = [slot for slot in batch if slot >= sampling.size]
        if empty:
            return (f"slot {empty[0]} in call {number:,}: {_show(batch)} (an empty slot: only "
                    f"0 to {sampling.size - 1} hold transitions)")
    return None


def _every(sampling: Sampling, observed: Batches) -> str | None:
    counts = _slot_counts(sampling, observed)
    never = np.flatnonzero(counts == 0)
    if len(never):
        return (f"{_slots(never)} never drawn in {len(observed.batches):,} batches "
                f"(slot counts {_show(counts)})")
    return None


def _uniform(sampling: Sampling, observed: Batches) -> str | None:
    counts = _slot_counts(sampling, observed)
    p_value = stats.chisquare(counts).pvalue
    if p_value < P_REJECT:
        return (f"slot counts {_show(counts)} over {counts.sum():,} draws: a chi-square test says "
                f"they are not uniform ({_p(p_value)})")
    return None


def repeat_probability(size: int, batch_size: int) -> float:
    """The probability that a batch drawn uniformly with replacement repeats a slot."""
    return 1.0 - math.prod(1.0 - k / size for k in range(batch_size))


def _replacement(sampling: Sampling, observed: Batches) -> str | None:
    n = len(observed.batches)
    repeats = sum(len(set(batch)) < len(batch) for batch in observed.batches)
    p = repeat_probability(sampling.size, sampling.batch_size)
    p_value = stats.binomtest(repeats, n, p).pvalue
    if p_value < P_REJECT:
        return (f"a slot repeated within the batch in {repeats:,} of {n:,} batches (drawn "
                f"independently, with replacement: about {p * n:,.0f}, {_p(p_value)})")
    return None


def _generator(sampling: Sampling, observed: Batches) -> str | None:
    first = observed.batches[:N_REPEATED]
    if observed.repeated != first:
        number = next(k for k, (a, b) in enumerate(zip(first, observed.repeated, strict=True), 1)
                      if a != b)
        return (f"different slots from the same state of the generator given: "
                f"{_show(first[number - 1])} in one run, {_show(observed.repeated[number - 1])} in "
                f"another (call {number})")
    return None


def _nothing(sampling: Sampling, observed: Batches) -> str | None:
    if sampling.size < sampling.batch_size:
        full = next((batch for batch in observed.batches if len(batch)), None)
        if full is not None:
            return f"{_show(full)} (a batch from {sampling.size} transitions)"
        return None
    return _count(sampling, observed)


_TESTS = {"a batch of slots": _count, "only filled slots": _filled,
          "every filled slot": _every, "uniformly": _uniform,
          "with replacement": _replacement, "the generator": _generator,
          "nothing before a full batch": _nothing}
PROPERTIES = tuple(_TESTS)


def _slot_counts(sampling: Sampling, observed: Batches) -> np.ndarray:
    slots = np.concatenate([np.asarray(batch, dtype=np.int64) for batch in observed.batches])
    return np.bincount(slots, minlength=sampling.size)[:sampling.size]


def _show(values, limit: int = 10) -> str:
    values = [int(v) for v in values]
    more = ", ..." if len(values) > limit else ""
    return f"[{', '.join(map(str, values[:limit]))}{more}]"


def _slots(slots: np.ndarray) -> str:
    shown = ", ".join(str(int(s)) for s in slots[:5])
    return ("slot " if len(slots) == 1 else "slots ") + shown + (", ..." if len(slots) > 5 else "")


def _p(p_value: float) -> str:
    return f"p = {p_value:.1e}" if p_value > 0 else "p < 1e-300"


def _as_batch(value) -> tuple[int, ...] | str:
    """A return value as a tuple of slots, or what is wrong with it."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__"):
        return f"{value!r} (not a list of slot numbers)"
    items = list(np.asarray(value).ravel()) if isinstance(value, np.ndarray) else list(value)
    if not all(isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_))
               for item in items):
        return f"{value!r} (not a list of slot numbers: integers)"
    return tuple(int(item) for item in items)


def _calls(function: Callable, memory: replay.ReplayMemory, batch_size: int,
           rng: np.random.Generator, n_calls: int, global_seed: int) -> list | str:
    # The global generators are seeded differently in the two runs (a function that draws from
    # them gives different slots), and put back as they were afterwards.
    saved = np.random.get_state(), random.getstate()  # noqa: NPY002
    np.random.seed(global_seed)  # noqa: NPY002
    random.seed(global_seed)
    try:
        batches = []
        for _ in range(n_calls):
            batch = _as_batch(function(memory, batch_size, rng))
            if isinstance(batch, str):
                return batch
            batches.append(batch)
        return batches
    finally:
        np.random.set_state(saved[0])  # noqa: NPY002
        random.setstate(saved[1])


def _observe_batches(function: Callable, arguments: tuple) -> Batches:
    memory, batch_size, rng = arguments
    start = copy.deepcopy(rng)
    batches = _calls(function, memory, batch_size, rng, N_BATCHES, 1)
    if isinstance(batches, str):
        return Batches(problem=batches)
    repeated = _calls(function, memory, batch_size, start, N_REPEATED, 2)
    if isinstance(repeated, str):
        return Batches(problem=repeated)
    return Batches(batches, repeated)


def _same_sampling(observed: Batches, expected: Sampling) -> bool:
    if not isinstance(observed, Batches):
        return False
    observed.verdict = expected.judge(observed)
    return observed.verdict is None


def sampling_memory(capacity: int, size: int) -> replay.ReplayMemory:
    """A memory of ``capacity`` holding ``size`` transitions (the library's stores)."""
    memory = replay.new_memory(capacity)
    for number in range(size):
        replay.store(memory, Transition(number + 1, number % 9, -1.0, number + 2, 0, False))
    return memory


def _sampling_probes() -> list[Probe]:
    def cases(up_to: str, memories: list[tuple[int, int, int]]) -> list[Case]:
        made = []
        for seed, (capacity, size, batch_size) in enumerate(memories):
            rng = np.random.default_rng(60 + seed)
            shown = (f"a memory of capacity {capacity} holding {size} transitions, batch_size "
                     f"{batch_size}, {N_BATCHES:,} calls with one generator")
            made.append(Case((sampling_memory(capacity, size), batch_size, rng), shown,
                             Sampling(size, capacity, batch_size, up_to)))
        return made

    return [
        Probe("a batch of slots", "return a list of batch_size slot numbers, each a slot of the "
              "memory, 0 to capacity - 1.", cases("a batch of slots", [(10, 10, 4),
                                                                        (30, 30, 8)])),
        Probe("only filled slots", "draw only among the slots that hold a transition, 0 to "
              "size - 1 (size = memory.fill[0]), never an empty one.",
              cases("only filled slots", [(10, 6, 4), (100, 37, 8)])),
        Probe("every filled slot", "every filled slot must be drawn, the last one too: "
              "rng.integers(low, high) never returns high itself. And draw each slot of each "
              "batch afresh.", cases("every filled slot", [(8, 5, 2), (12, 12, 3)])),
        Probe("uniformly", "each filled slot must be equally likely: rng.integers(0, size) "
              "does it, rounding rng.random() * (size - 1) does not (the two end slots come "
              "half as often).", cases("uniformly", [(12, 12, 3), (20, 9, 4)])),
        Probe("with replacement", "draw the slots of a batch independently, with replacement, "
              "as the library does: one slot can come twice in a batch.",
              cases("with replacement", [(50, 40, 8)])),
        Probe("the agent's generator", "draw with the generator rng passed in (rng.integers), "
              "not np.random or the random module, so that a run can be repeated exactly.",
              cases("the generator", [(10, 7, 4)])),
        Probe("a full batch first", "nothing is replayed until the memory holds at least "
              "batch_size transitions: return an empty list while size < batch_size (a batch "
              "from exactly batch_size is fine).",
              cases("nothing before a full batch", [(20, 0, 8), (20, 5, 8), (20, 8, 8)])),
    ]


REPLAY_SLOTS = Exercise("replay_slots", 6, "sampling a batch to replay", _sampling_probes,
                        observe=_observe_batches, same=_same_sampling, seconds=30)


def lag_one_correlation(values: np.ndarray) -> float:
    """Correlation of each value with the next one (as in Figure 6.1)."""
    return float(np.corrcoef(values[:-1], values[1:])[0, 1])


def replayed_rows(function: Callable, memory: replay.ReplayMemory, n_transitions: int = 300,
                  batch_size: int = 8, seed: int = 1) -> np.ndarray:
    """The row of the car in the first ``n_transitions`` transitions ``function`` replays from
    ``memory``, in batches of ``batch_size``."""
    rng = np.random.default_rng(seed)
    slots: list[int] = []
    while len(slots) < n_transitions:
        slots.extend(int(slot) for slot in function(memory, batch_size, rng))
    states = memory.states[np.array(slots[:n_transitions])]
    return _track1().positions[states, 0]


def driven_rows(memory: replay.ReplayMemory, n_transitions: int = 300) -> np.ndarray:
    """The row of the car in the last ``n_transitions`` transitions stored, as driven."""
    states = np.array([transition.state for transition in oldest_first(memory)[-n_transitions:]])
    return _track1().positions[states, 0]


def check_replay_slots(replay_slots: Callable) -> None:
    """Check the reader's ``replay_slots(memory, batch_size, rng)``; if it is right, replay 300
    transitions of Figure 6.1's memory with it."""

    def use(function: Callable) -> Iterator[str]:
        memory = figure_memory()
        yours = lag_one_correlation(replayed_rows(function, memory))
        driven = lag_one_correlation(driven_rows(memory))
        yield (f"  Used on Figure 6.1's memory: 300 transitions replayed in batches of 8 with "
               f"your function; the row of the car has a lag-1 correlation of {yours:.2f} "
               f"(the last 300 transitions as driven: {driven:.2f}).")

    check(REPLAY_SLOTS, replay_slots, use)

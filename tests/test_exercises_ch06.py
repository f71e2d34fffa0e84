"""Chapter 6's coding exercises: the checks accept the chapter's solutions and reject typical
wrong answers, each with the hint of the idea it misses."""

import random
import re

import numpy as np
import pytest
from exercise_support import assert_rejected, solution

from racetrack_lib import replay
from racetrack_lib.exercises import ch06

# --- store: typical wrong answers -----------------------------------------------------------------


def _write(memory, slot, transition):
    for array, value in zip(memory[:6], transition, strict=True):
        array[slot] = value


def never_wraps(memory, transition):
    size, slot = memory.fill
    _write(memory, slot, transition)
    memory.fill[:] = min(size + 1, len(memory.states)), slot + 1


def size_beyond_capacity(memory, transition):
    size, slot = memory.fill
    _write(memory, slot, transition)
    memory.fill[:] = size + 1, (slot + 1) % len(memory.states)


def overwrites_the_newest(memory, transition):
    size, position = memory.fill
    capacity = len(memory.states)
    slot = (position - 1) % capacity if size == capacity else position
    _write(memory, slot, transition)
    memory.fill[:] = min(size + 1, capacity), (slot + 1) % capacity


def slot_zero_when_full(memory, transition):
    size, _ = memory.fill
    capacity = len(memory.states)
    slot = size % capacity  # the size as the write position: 0 once full
    _write(memory, slot, transition)
    memory.fill[:] = min(size + 1, capacity), (slot + 1) % capacity


def the_size_as_the_slot(memory, transition):
    size, _ = memory.fill
    capacity = len(memory.states)
    _write(memory, size, transition)  # IndexError once full
    memory.fill[:] = min(size + 1, capacity), (size + 1) % capacity


def forgets_the_done_flag(memory, transition):
    size, slot = memory.fill
    capacity = len(memory.states)
    for array, value in zip(memory[:5], transition[:5], strict=True):
        array[slot] = value
    memory.fill[:] = min(size + 1, capacity), (slot + 1) % capacity


STORE_CATALOGUE = [
    (forgets_the_done_flag, "the next slot"),
    (never_wraps, "the wrap-around"),
    (overwrites_the_newest, "overwriting the oldest"),
    (slot_zero_when_full, "overwriting the oldest"),
    (the_size_as_the_slot, "overwriting the oldest"),
    (size_beyond_capacity, "the size of a full memory"),
]

# --- replay_slots: typical wrong answers ----------------------------------------------------------


def from_every_slot(memory, batch_size, rng):
    if memory.fill[0] < batch_size:
        return []
    return rng.integers(0, len(memory.states), batch_size)  # empty slots too


def never_the_last(memory, batch_size, rng):
    if memory.fill[0] < batch_size:
        return []
    return rng.integers(0, memory.fill[0] - 1, batch_size)


def always_slot_zero(memory, batch_size, rng):
    return [] if memory.fill[0] < batch_size else [0] * batch_size


def rounds_a_float(memory, batch_size, rng):
    size = memory.fill[0]
    if size < batch_size:
        return []
    return [round(rng.random() * (size - 1)) for _ in range(batch_size)]


def one_draw_per_batch(memory, batch_size, rng):
    size = memory.fill[0]
    return [] if size < batch_size else [int(rng.integers(0, size))] * batch_size


def without_replacement(memory, batch_size, rng):
    size = memory.fill[0]
    return [] if size < batch_size else rng.choice(size, batch_size, replace=False)


def global_numpy_generator(memory, batch_size, rng):
    size = memory.fill[0]
    return [] if size < batch_size else np.random.randint(0, size, batch_size)  # noqa: NPY002


def random_module(memory, batch_size, rng):
    size = memory.fill[0]
    return [] if size < batch_size else [random.randrange(size) for _ in range(batch_size)]


def no_full_batch_check(memory, batch_size, rng):
    return rng.integers(0, memory.fill[0], batch_size)


def waits_for_more_than_a_batch(memory, batch_size, rng):
    size = memory.fill[0]
    return [] if size <= batch_size else rng.integers(0, size, batch_size)


SAMPLING_CATALOGUE = [
    (from_every_slot, "only filled slots"),
    (never_the_last, "every filled slot"),
    (always_slot_zero, "every filled slot"),
    (rounds_a_float, "uniformly"),
    (one_draw_per_batch, "with replacement"),
    (without_replacement, "with replacement"),
    (global_numpy_generator, "the agent's generator"),
    (random_module, "the agent's generator"),
    (no_full_batch_check, "a full batch first"),
    (waits_for_more_than_a_batch, "a full batch first"),
]


@pytest.mark.parametrize("exercise, name", [(ch06.STORE, "store"),
                                            (ch06.REPLAY_SLOTS, "replay_slots")])
def test_the_chapters_solution_passes(exercise, name):
    result = exercise.run(solution(6, name))
    assert result.passed, result.message


def test_other_right_answers_pass_too():
    def vectorised(memory, batch_size, rng):
        size = memory.fill[replay.SIZE]
        return np.array([], dtype=int) if size < batch_size else rng.integers(0, size, batch_size)

    def by_choice(memory, batch_size, rng):
        size = memory.fill[0]
        return [] if size < batch_size else list(rng.choice(size, batch_size))

    for right in (vectorised, by_choice):
        assert ch06.REPLAY_SLOTS.run(right).passed


@pytest.mark.parametrize("exercise, catalogue", [(ch06.STORE, STORE_CATALOGUE),
                                                 (ch06.REPLAY_SLOTS, SAMPLING_CATALOGUE)])
def test_each_wrong_answer_gets_its_own_message(exercise, catalogue):
    messages = [assert_rejected(exercise, wrong, idea) for wrong, idea in catalogue]
    assert len(set(messages)) == len(messages)


def test_a_store_message_shows_the_memory_slot_by_slot():
    message = ch06.STORE.run(never_wraps).message
    # the first case of the wrap-around: t1 into a memory of capacity 2 holding t0
    assert re.search(r"storing t1 = \(s=\d+, .*\) in a memory of capacity 2 holding t0", message)
    expected, got = re.search(r"expected (.*?), got (.*?)\.\n", message).groups()
    assert expected == "slots [t0, t1], size 2, next slot 0"
    assert got == "slots [t0, t1], size 2, next slot 2"


def test_a_sampling_message_names_the_slot_and_the_memory():
    message = ch06.REPLAY_SLOTS.run(from_every_slot).message
    assert "holding 6 transitions" in message and "an empty slot: only 0 to 5" in message


def test_the_global_random_states_are_left_as_they_were():
    # the legacy global generators, on purpose: the check seeds them, then puts them back
    np.random.seed(5)  # noqa: NPY002
    random.seed(5)
    expected = np.random.random(), random.random()  # noqa: NPY002
    np.random.seed(5)  # noqa: NPY002
    random.seed(5)
    ch06.REPLAY_SLOTS.run(global_numpy_generator)
    assert (np.random.random(), random.random()) == expected  # noqa: NPY002


def test_used_for_real_the_solutions_match_the_library(capsys):
    ch06.check_store(solution(6, "store"))
    ch06.check_replay_slots(solution(6, "replay_slots"))
    printed = capsys.readouterr().out
    memory = ch06.figure_memory()
    driven = ch06.oldest_first(memory)
    library = ch06.store_stream(replay.store, driven, 1_000)
    assert ch06.oldest_first(library) == driven[-1_000:]
    next_slot = len(driven) % 1_000
    assert (f"in 1,000 of the 1,000 slots, with size 1,000 and next slot {next_slot} (as the "
            f"library's), and holds the last 1,000") in printed
    # Figure 6.1's two correlations: the library's sampler, and the rows as driven
    driven_correlation = ch06.lag_one_correlation(ch06.driven_rows(memory))
    library_rows = ch06.replayed_rows(lambda m, b, rng: [replay.sample_slot(m, rng)
                                                         for _ in range(b)], memory)
    yours = float(re.search(r"lag-1 correlation of (-?[\d.]+)", printed).group(1))
    assert abs(yours) < 0.2 and abs(ch06.lag_one_correlation(library_rows)) < 0.2
    assert f"as driven: {driven_correlation:.2f})" in printed and driven_correlation > 0.6


def test_a_wrong_answer_is_not_used(capsys, monkeypatch):
    monkeypatch.delenv("RACETRACK_CHECKS_RAISE", raising=False)
    ch06.check_store(never_wraps)
    assert "Used on" not in capsys.readouterr().out

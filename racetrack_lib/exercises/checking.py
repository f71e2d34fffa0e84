"""How a coding exercise checks the reader's function: the same inputs as the library, one message.

An :class:`Exercise` is a list of :class:`Probe` objects, each a group of :class:`Case` inputs
that test one idea (the plain case, the speed limit, a tie, the finishing step...), in the order
a reader meets them. :meth:`Exercise.run` calls the reader's function on every case, on a fresh
copy of its arguments, and stops at the first answer that differs from the library's. The
:class:`CheckResult` it returns carries one short message: that input, what was expected, what
came back, and the hint of the probe it belongs to. It never shows a traceback from inside the
checker: an exception raised by the reader's code is reported as what came back.

A function whose body still raises ``NotImplementedError`` (the student edition's stub) is
*pending*: its check says so and the chapter goes on with the library's version.

When the environment variable ``RACETRACK_CHECKS_RAISE`` is ``1``, a check that does not pass
raises :class:`ExerciseNotPassed` after printing its message. The book's build sets it (every
solution must pass), and so can a lecturer who grades with nbgrader (a failing check then scores
zero); a reader working through the student edition never sees it.
"""

from __future__ import annotations

import copy
import math
import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, is_dataclass
from typing import Any

import numpy as np

STRICT_VARIABLE = "RACETRACK_CHECKS_RAISE"
PASSED, FAILED, PENDING = "passed", "failed", "pending"
TOLERANCE = 1e-9  # floats agree when within this, absolutely or relatively

REGISTRY: dict[str, Exercise] = {}  # every exercise by its name (the function the reader writes)


class ExerciseNotPassed(AssertionError):
    """Raised by a check that did not pass, when ``RACETRACK_CHECKS_RAISE=1``."""


class CheckTimeout(Exception):
    """The reader's function ran longer than the exercise allows."""


@dataclass(frozen=True)
class Case:
    """One input to the reader's function.

    Attributes:
        arguments: the positional arguments (copied afresh for every call).
        shown: how a message describes this input to the reader.
        expected: what the library's own version gives (compared by :attr:`Exercise.same`).
    """

    arguments: tuple
    shown: str
    expected: Any


@dataclass(frozen=True)
class Probe:
    """Cases that test one idea, and the hint a reader gets when one of them goes wrong."""

    idea: str
    hint: str
    cases: Sequence[Case]


@dataclass(frozen=True)
class CheckResult:
    """What a check found: ``status`` is ``"passed"``, ``"failed"`` or ``"pending"``.

    For a failure, ``case`` is the first input that went wrong and ``idea`` the probe it
    belongs to."""

    status: str
    message: str
    idea: str | None = None
    case: Case | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASSED


@dataclass
class Exercise:
    """A coding exercise: what the reader writes and how it is checked.

    Attributes:
        name: the name of the function the reader writes (``next_velocity``).
        chapter: the chapter's number.
        title: a few words shown in messages (``"the velocity update"``).
        probes: builds the probes (called once, on the first check).
        observe: what is compared, from ``(function, arguments)``; by default the return value.
            Exercises whose function changes an array in place return that array.
        same: whether an observed answer equals the expected one (default: :func:`same_value`).
        seconds: how long one call may take before the check stops it.
        describe_answer: how a message shows an answer (default: :func:`describe`).
    """

    name: str
    chapter: int
    title: str
    probes: Callable[[], list[Probe]]
    observe: Callable[[Callable, tuple], Any] | None = None
    same: Callable[[Any, Any], bool] | None = None
    seconds: float = 10.0
    describe_answer: Callable[[Any], str] | None = None
    _built: list[Probe] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        REGISTRY[self.name] = self

    def all_probes(self) -> list[Probe]:
        if self._built is None:
            self._built = self.probes()
        return self._built

    def pending_message(self) -> str:
        return (f"… {self.name} is not yet implemented: the chapter goes on with the library's "
                f"version.")

    def run(self, function: Any) -> CheckResult:
        """Check ``function`` on every case; stop at the first wrong answer."""
        if not callable(function):
            return CheckResult(FAILED, f"✗ {self.name} should be a function; got "
                                       f"{type(function).__name__} {describe(function)}.")
        same = self.same or same_value
        n_cases = 0
        for probe in self.all_probes():
            for case in probe.cases:
                n_cases += 1
                try:
                    observed = self._call(function, case)
                except NotImplementedError:
                    return CheckResult(PENDING, self.pending_message())
                except CheckTimeout:
                    return self._failure(probe, case, f"no answer within {self.seconds:g} s "
                                                      "(too slow, or a loop that never stops?)")
                except Exception as error:  # the reader's code raised: that is its answer
                    return self._failure(probe, case, f"{type(error).__name__}: {error}")
                if not same(observed, case.expected):
                    show = self.describe_answer or describe
                    return self._failure(probe, case, show(observed), expected=show(case.expected))
        ideas = ", ".join(probe.idea for probe in self.all_probes())
        return CheckResult(PASSED, f"✓ {self.name} agrees with the library on all {n_cases:,} "
                                   f"cases ({ideas}).")

    def _call(self, function: Callable, case: Case) -> Any:
        # a fresh copy, so a function that changes its input cannot spoil the next case; frozen
        # records (a track, a model) are shared, not copied
        keep = {id(argument): argument for argument in case.arguments if _frozen(argument)}
        arguments = copy.deepcopy(case.arguments, keep)
        with time_limit(self.seconds):
            if self.observe is None:
                return function(*arguments)
            return self.observe(function, arguments)

    def _failure(self, probe: Probe, case: Case, got: str, expected: str | None = None
                 ) -> CheckResult:
        lines = [f"✗ {self.name} is not right yet.", f"  For {case.shown}:"]
        if expected is None:
            lines.append(f"  it raised {got}.")
        else:
            lines.append(f"  expected {expected}, got {got}.")
        lines.append(f"  Hint ({probe.idea}): {probe.hint}")
        return CheckResult(FAILED, "\n".join(lines), idea=probe.idea, case=case)


def _frozen(value: Any) -> bool:
    return is_dataclass(value) and value.__dataclass_params__.frozen


def report(result: CheckResult) -> CheckResult:
    """Print a result's message; raise :class:`ExerciseNotPassed` if it did not pass and
    ``RACETRACK_CHECKS_RAISE=1``."""
    print(result.message)
    if not result.passed and os.environ.get(STRICT_VARIABLE) == "1":
        raise ExerciseNotPassed(result.message)
    return result


def check(exercise: Exercise, function: Any,
          use: Callable[[Callable], Iterable[str]] | None = None) -> None:
    """Check the reader's ``function``; when it passes, ``use`` runs it for real and yields the
    lines to print (a short run with it in place, its result against the optimum)."""
    result = report(exercise.run(function))
    if result.passed and use is not None:
        for line in use(function):
            print(line)


@contextmanager
def time_limit(seconds: float):
    """Raise :class:`CheckTimeout` in the block after ``seconds`` (wall clock). The alarm needs
    the main thread of a Unix process (as in a Jupyter kernel); elsewhere there is no limit."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise CheckTimeout

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def same_value(observed: Any, expected: Any) -> bool:
    """Equal, with floats compared to :data:`TOLERANCE` and sequences element by element
    (a tuple, a list and a 1-d array with the same entries are the same answer)."""
    if isinstance(expected, str) or expected is None:
        return isinstance(observed, type(expected)) and observed == expected
    if isinstance(expected, dict):
        return (isinstance(observed, dict) and observed.keys() == expected.keys()
                and all(same_value(observed[key], expected[key]) for key in expected))
    if isinstance(expected, (tuple, list, np.ndarray)):
        if isinstance(observed, (str, dict)) or not hasattr(observed, "__len__"):
            return False
        observed_array = np.asarray(observed, dtype=object)
        expected_array = np.asarray(expected, dtype=object)
        if observed_array.shape != expected_array.shape:
            return False
        return all(same_value(o, e) for o, e in zip(observed_array.flat, expected_array.flat,
                                                    strict=True))
    if isinstance(expected, (bool, np.bool_)):
        return isinstance(observed, (bool, np.bool_)) and bool(observed) == bool(expected)
    if isinstance(expected, (int, float, np.integer, np.floating)):
        if isinstance(observed, (bool, np.bool_)) or not isinstance(
                observed, (int, float, np.integer, np.floating)):
            return False
        if math.isinf(expected) or math.isnan(expected):
            return bool(observed == expected) or (math.isnan(expected) and math.isnan(observed))
        return math.isclose(float(observed), float(expected), rel_tol=TOLERANCE,
                            abs_tol=TOLERANCE)
    return bool(observed == expected)


def describe(value: Any, limit: int = 12) -> str:
    """A short text of a value for a message: floats to 10 significant digits (so that a
    difference of 1e-6, or a trace of 9.7e-5 below a threshold of 1e-4, shows), long arrays cut."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.10g}"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, np.ndarray):
        flat = [describe(item) for item in value.ravel()[:limit]]
        more = ", ..." if value.size > limit else ""
        shape = f" (shape {value.shape})" if value.ndim > 1 else ""
        return f"[{', '.join(flat)}{more}]{shape}"
    if isinstance(value, tuple):
        return f"({', '.join(describe(item) for item in value)}{',' if len(value) == 1 else ''})"
    if isinstance(value, list):
        flat = [describe(item) for item in value[:limit]]
        return f"[{', '.join(flat)}{', ...' if len(value) > limit else ''}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{describe(k)}: {describe(v)}" for k, v in value.items()) + "}"
    return repr(value)

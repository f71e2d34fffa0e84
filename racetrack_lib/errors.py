"""The one exception type behind every "bad input" message of the library and the command line."""

from numbers import Integral, Real


class RacetrackError(ValueError):
    """Bad input (a track, a hyperparameter, a command-line value); the message names it."""


def check_range(
    name: str,
    value: float,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` if it lies in the range, else raise an error naming name, value and range.

    >>> check_range("noise", 0.1, 0.0, 1.0)
    0.1
    """
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    if isinstance(value, bool) or not isinstance(value, Real):  # "0.5" or True is no number
        raise RacetrackError(f"{name} = {value!r} is not a number")
    number = float(value)
    too_low = number <= low if low_open else number < low
    too_high = number >= high if high_open else number > high
    if not (number == number) or too_low or too_high:  # number != number only for NaN
        raise RacetrackError(
            f"{name} = {value!r} is out of range: allowed {left}{low:g}, {high:g}{right}"
        )
    return value


def check_count(name: str, value: int, low: int, high: float) -> int:
    """Return ``value`` as an ``int`` if it is a whole number in ``[low, high]`` (numpy integers
    count; ``True``, ``2.0`` and ``"2"`` do not), else raise an error naming name, value and range.

    >>> check_count("n_agents", 8, 1, 10_000)
    8
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise RacetrackError(f"{name} = {value!r} is not a whole number")
    if not low <= value <= high:
        raise RacetrackError(f"{name} = {value!r} is out of range: allowed [{low}, {high:g}]")
    return int(value)


def check_type(name: str, value: object, allowed: tuple[type, ...], what: str) -> None:
    """Raise an error naming the parameter if ``value`` is none of the ``allowed`` types;
    ``what`` says in words what is expected."""
    if not isinstance(value, allowed):
        raise RacetrackError(f"{name} = {value!r} is not {what}")

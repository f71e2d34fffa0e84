"""Step sizes that shrink with each pair's number of visits.

Notation (chapter 4): ``n(s, a)`` how many times the agent has taken action ``a`` in state ``s``,
``alpha_n`` the step size of the n-th update of a pair. The schedule is

    alpha_n = max(alpha_min, alpha * n ** -power)

``power = 0`` is the constant step size of chapter 4. ``power = 1`` with ``alpha = 1`` and no
floor is the sample average, ``Q = (1/n) * sum of targets`` (S&B eq. 2.3-2.4). Between them,
*without a floor*, ``0.5 < power <= 1`` satisfies the conditions under which estimates of a
fixed target converge (S&B eq. 2.7: the step sizes sum to infinity, their squares do not).

A floor ``alpha_min > 0`` gives that up: from visit ``ceil((alpha / alpha_min) ** (1 / power))``
on (268 with the defaults ``alpha = 1``, ``power = 0.7``, ``alpha_min = 0.02``) the step size is
the constant ``alpha_min``, whose squares sum to infinity, so eq. 2.7 no longer holds and the
estimates keep moving with their latest targets instead of settling. What it buys: the targets
move as the agent's policy and its other estimates improve, and a pair visited very often still
follows them (without the floor the default schedule's step at visit 100,000 is 0.0003).

Each pair has its own count, so a pair visited for the first time learns fast even late in
training, while the pairs of the start line - where every episode begins and every crash
restarts - reach the floor's small steps.

The schedule is tabulated once (``step_sizes[n - 1] = alpha_n``), so the compiled loops look a
number up instead of computing a power at every update.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MAX_TABULATED_VISITS = 100_000  # beyond this many visits a pair keeps the last step size


def step_size_table(alpha: float, power: float = 0.0, alpha_min: float = 0.0) -> np.ndarray:
    """``step_sizes[n - 1] = max(alpha_min, alpha * n ** -power)`` for ``n = 1, 2, ...``,
    shape ``(k,)``; the table stops where the schedule reaches its floor (or at
    ``MAX_TABULATED_VISITS``), and later visits use its last entry."""
    if power == 0.0:
        return np.array([alpha])
    # The floor is reached at n = (alpha / alpha_min) ** (1 / power); compare in logarithms,
    # since that power overflows for a tiny floor or a tiny power.
    if alpha_min > 0.0 and np.log(alpha) - np.log(alpha_min) < power * np.log(
            MAX_TABULATED_VISITS):
        length = max(1, int(np.ceil((alpha / alpha_min) ** (1.0 / power))))
    else:  # no floor, or one reached only after more visits than the table holds
        length = MAX_TABULATED_VISITS
    visits = np.arange(1, length + 1, dtype=float)
    return np.maximum(alpha_min, alpha * visits**-power)


@njit(cache=True, inline="always")
def count_visit(visits: np.ndarray, state: int, action: int) -> None:
    """``n(s, a) <- n(s, a) + 1``: the agent takes action ``a`` in state ``s``."""
    visits[state, action] += 1


@njit(cache=True, inline="always")
def step_size(step_sizes: np.ndarray, visits: np.ndarray, state: int, action: int) -> float:
    """``alpha_n`` for the pair's current count ``n = n(s, a)`` (at least 1)."""
    n = max(visits[state, action], 1)
    return step_sizes[min(n, len(step_sizes)) - 1]

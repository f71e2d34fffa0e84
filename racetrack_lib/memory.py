"""How much memory a model or a training run needs, estimated before any of it is allocated.

A request that cannot fit (a huge track, a replay memory of 10^8 transitions per agent, ten
thousand agents of ten million episodes) is refused at once with the size it needs, instead of
ending minutes later in a ``MemoryError`` or in the machine swapping.

The per-state figures below were measured with ``tracemalloc`` on a 3 x 10,000 track (720,000
states): building the model peaks at about 380 bytes per state (the Python lists of the state
enumeration), the finished model keeps about 92.
"""

from __future__ import annotations

import os

from .errors import RacetrackError

BYTES_PER_STATE_BUILDING = 400  # peak while the model is built (measured: ~383)
BYTES_PER_STATE_MODEL = 100  # the finished model's tables (measured: ~92)
BYTES_PER_PAIR = 8  # one float64 or int64 per (state, action) pair
N_ACTIONS = 9
BYTES_PER_TRANSITION = 41  # one replay-memory record: five int64/float64 fields and a bool
SAFETY = 0.9  # refuse what would use more than this share of the available memory


def available_bytes() -> int:
    """The memory available to new allocations now (Linux ``MemAvailable``), else the total."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**63  # unknown: do not refuse


def states_of_track(n_cells: int, n_start: int) -> int:
    """The number of states of a track with ``n_cells`` track and start cells: 24 velocities
    per cell, plus standing still (velocity (0, 0)) on each of the ``n_start`` start cells."""
    return 24 * n_cells + n_start


def model_bytes(n_states: int) -> int:
    """Peak bytes while building the model of ``n_states`` states."""
    return BYTES_PER_STATE_BUILDING * n_states


def agent_bytes(n_states: int, n_start: int, num_episodes: int, memory_size: int,
                planning: bool, logged_steps: int = 0, sweeping: bool = False,
                model_based: bool = False) -> int:
    """Bytes one agent holds while it learns: its Q table and visit counts, the sparse traces
    (allocated for every pair), its replay memory, its learned dynamics model (one slot per
    possible outcome: the intended and noisy landing, the finish, or any start cell after a
    crash), Monte Carlo's episode log of ``logged_steps`` steps (0 for TD) with its first-visit
    and weight tables, prioritized sweeping's queue and predecessor lists (``sweeping``), the
    certainty-equivalence learner's exploring table and value vectors (``model_based``), and its
    episode lengths."""
    pairs = n_states * N_ACTIONS
    tables = 2 * BYTES_PER_PAIR * pairs  # Q and n(s, a)
    traces = 4 * BYTES_PER_PAIR * pairs  # slot, trace_pairs (two columns), trace_values
    dynamics = pairs * (2 * 4 * (2 + n_start) + 4 + 8) if planning else 0
    monte_carlo = 3 * 8 * logged_steps + 2 * BYTES_PER_PAIR * pairs if logged_steps else 0
    queue = pairs * (4 * 8 + 2 * 8 * (2 + n_start)) + 8 * n_states if sweeping else 0
    solving = BYTES_PER_PAIR * pairs + 4 * 8 * n_states if model_based else 0
    return (tables + traces + dynamics + monte_carlo + queue + solving
            + BYTES_PER_TRANSITION * memory_size + 8 * num_episodes)


def training_bytes(n_states: int, n_start: int, num_episodes: int, memory_size: int,
                   planning: bool, n_agents: int, at_once: int, logged_steps: int = 0,
                   sweeping: bool = False, model_based: bool = False) -> int:
    """Peak bytes of training ``n_agents`` agents, ``at_once`` at a time (threads sharing one
    model): the model, the learning agents, and every agent's final Q table and episode lengths,
    twice while they are gathered into one array."""
    working = BYTES_PER_STATE_MODEL * n_states + at_once * agent_bytes(
        n_states, n_start, num_episodes, memory_size, planning, logged_steps, sweeping,
        model_based)
    kept = 2 * n_agents * (BYTES_PER_PAIR * N_ACTIONS * n_states + 8 * num_episodes)
    return working + kept


def check_fits(what: str, needed: int, available: int | None = None) -> None:
    """Raise :class:`RacetrackError` if ``needed`` bytes exceed the share ``SAFETY`` of the
    available memory; the message says what needs how much."""
    if available is None:
        available = available_bytes()
    if needed > SAFETY * available:
        raise RacetrackError(
            f"{what} needs about {_size(needed)} of memory, but this machine has "
            f"{_size(available)} available"
        )


def _size(n_bytes: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n_bytes < 1024 or unit == "TB":
            return f"{n_bytes:.0f} {unit}" if unit == "bytes" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.1f} PB"  # not reached

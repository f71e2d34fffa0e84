"""The racetrack compiled into a tabular MDP: integer states and a table of successors.

Every later algorithm reads these arrays instead of re-running the rules: a step costs one table
lookup, dynamic programming is a few array operations, and any greedy policy can be evaluated
exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numba import njit
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from .errors import check_range
from .memory import check_fits, model_bytes, states_of_track
from .rules import (
    CRASHED,
    FINISHED,
    MAX_SPEED,
    N_ACTIONS,
    NO_CHANGE,
    REWARD_PER_STEP,
    action_increments,
    move_outcomes,
    next_velocity,
)
from .track import START, TRACK, Track, TrackError, load_track

N_SPEEDS = MAX_SPEED + 1


class MDPTables(NamedTuple):
    """What the compiled learning loops read of the track (``TabularModel.tables``):
    ``next_states`` ``(n_states, 9, 2)``, ``start_states`` ``(n_start,)`` and ``noise``."""

    next_states: np.ndarray
    start_states: np.ndarray
    noise: float


@dataclass(frozen=True, eq=False)
class TabularModel:
    """The racetrack MDP as arrays.

    A state is a position on a track or start cell plus a velocity ``(v_up, v_right)``, each in
    0..4, with (0, 0) only on start cells. States are numbered row by row, then by velocity.

    Attributes:
        track: the track it was built from.
        noise: probability that a step's increments are both zero, whatever the action.
        positions: ``(n_states, 2)`` row and column of each state.
        velocities: ``(n_states, 2)`` ``(v_up, v_right)`` of each state.
        next_states: ``(n_states, 9, 2)``; ``next_states[s, a, 0]`` is where action ``a`` leads
            when its increments apply, ``next_states[s, a, 1]`` where it leads under the noise
            (increments zero). Values: a state id, ``FINISHED`` (-1) or ``CRASHED`` (-2).
        start_states: ids of the start cells with velocity (0, 0), where episodes begin and where
            a crash sends the car (uniformly at random).
        state_index: ``(n_rows, n_cols, 5, 5)`` the id of each (row, col, v_up, v_right), -1 if none.
    """

    track: Track
    noise: float
    positions: np.ndarray = field(repr=False)
    velocities: np.ndarray = field(repr=False)
    next_states: np.ndarray = field(repr=False)
    start_states: np.ndarray = field(repr=False)
    state_index: np.ndarray = field(repr=False)

    @classmethod
    def build(cls, track: str | Path | Track = "track1", noise: float = 0.1) -> TabularModel:
        """Compile a track (name, path, text or :class:`Track`) at a noise level.

        >>> model = TabularModel.build("track1", noise=0.1)
        >>> model.n_states, len(model.start_states), model.next_states.shape
        (7014, 6, (7014, 9, 2))
        """
        # noise = 1 would freeze the car on the start line forever: no policy could finish.
        check_range("noise", noise, 0.0, 1.0, high_open=True)
        track = load_track(track)
        n_states = states_of_track(int(np.isin(track.cells, (TRACK, START)).sum()),
                                   len(track.start_cells))
        check_fits(f"the model of {track.name} ({n_states:,} states)", model_bytes(n_states))
        positions, velocities, state_index = _enumerate_states(track)
        next_states = _successor_table(track, positions, velocities, state_index)
        start_rows, start_cols = track.start_cells.T
        start_states = state_index[start_rows, start_cols, 0, 0]
        if not _finish_reachable(next_states, start_states):
            raise TrackError(f"{track.name}: no start cell can reach a finish cell")
        return cls(track, float(noise), positions, velocities, next_states, start_states, state_index)

    @property
    def n_states(self) -> int:
        return len(self.positions)

    @property
    def n_actions(self) -> int:
        return N_ACTIONS

    @property
    def tables(self) -> MDPTables:
        """The arrays the compiled loops step through, as one record."""
        return MDPTables(self.next_states, self.start_states, self.noise)

    def state_id(self, row: int, col: int, v_up: int, v_right: int) -> int:
        """The id of a state; raises ``KeyError`` if there is no such state."""
        state = int(self.state_index[row, col, v_up, v_right])
        if state < 0:
            raise KeyError(f"no state at row {row}, col {col} with velocity ({v_up}, {v_right})")
        return state

    def describe(self, state: int) -> tuple[int, int, int, int]:
        """``(row, col, v_up, v_right)`` of a state id."""
        row, col = self.positions[state]
        v_up, v_right = self.velocities[state]
        return int(row), int(col), int(v_up), int(v_right)

    def sample_start(self, rng: np.random.Generator) -> int:
        """A start state drawn uniformly at random."""
        return int(self.start_states[rng.integers(0, len(self.start_states))])

    def sample_step(
        self, state: int, action: int, rng: np.random.Generator
    ) -> tuple[int, float, bool, bool]:
        """One step of the MDP: ``(next_state, reward, finished, crashed)``.

        After a crash ``next_state`` is a start state drawn uniformly; after finishing it is
        ``state`` itself (the episode is over, there is no next state).
        """
        next_state, finished, crashed, _ = _sample_transition_python(
            self.next_states, self.start_states, self.noise, state, action, rng
        )
        return int(next_state), REWARD_PER_STEP, bool(finished), bool(crashed)


@njit(cache=True, inline="always")
def sample_transition(
    next_states: np.ndarray,
    start_states: np.ndarray,
    noise: float,
    state: int,
    action: int,
    rng: np.random.Generator,
) -> tuple[int, bool, bool, bool]:
    """One step of the racetrack from the compiled table: ``(next_state, finished, crashed, noisy)``.

    Draws the noise (rule 1), looks up the outcome (rules 2-4), and after a crash draws the start
    cell the car restarts on. Returns ``state`` itself as ``next_state`` when the car finished.
    Compiled, so that learners call it in their inner loop; ``TabularModel.sample_step`` is the
    same function for Python callers.
    """
    noisy = rng.random() < noise
    landing = next_states[state, action, 1 if noisy else 0]
    if landing == FINISHED:
        return state, True, False, noisy
    if landing == CRASHED:
        return start_states[rng.integers(0, len(start_states))], False, True, noisy
    return landing, False, False, noisy


# The same function, uncompiled, for callers in Python: passing a Generator into compiled code
# costs ~20 microseconds a call, far more than the step itself. Same source, same random draws.
_sample_transition_python = getattr(sample_transition, "py_func", sample_transition)  # no JIT: itself


@dataclass
class Episode:
    """One episode of a policy: what happened at each step, ready to be drawn.

    Attributes:
        states: the state at the start of each step, then the last state reached.
        actions: the action chosen at each step.
        events: ``"move"``, ``"crash"`` or ``"finish"`` for each step.
        explored: for each step, whether its action was a random one that differs from the
            policy's (only when driven with ``epsilon > 0``).
        segments: the straight move of each step, ``((row, col), (row, col))`` from one cell
            centre to the next (the finishing move is drawn to where its velocity would take it).
    """

    states: list[int] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    explored: list[bool] = field(default_factory=list)
    segments: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    @property
    def n_steps(self) -> int:
        return len(self.actions)

    @property
    def n_crashes(self) -> int:
        return self.events.count("crash")


def run_episode(
    model: TabularModel,
    policy: np.ndarray,
    rng: np.random.Generator,
    start_state: int | None = None,
    max_steps: int = 10_000,
    epsilon: float = 0.0,
) -> Episode:
    """Drive one episode with a deterministic policy (``policy[s]`` is the action in ``s``), or
    epsilon-greedily around it: with probability ``epsilon`` a uniformly random action."""
    check_range("epsilon", epsilon, 0.0, 1.0)
    state = model.sample_start(rng) if start_state is None else int(start_state)
    episode = Episode(states=[state])
    for _ in range(max_steps):
        action = int(policy[state])
        if epsilon > 0.0 and rng.random() < epsilon:
            action = int(rng.integers(0, model.n_actions))
        episode.explored.append(action != int(policy[state]))
        next_state, finished, crashed, noisy = _sample_transition_python(
            model.next_states, model.start_states, model.noise, state, action, rng
        )
        # The velocity the car moved with, for drawing the segment (rule 2 once more).
        row, col, v_up, v_right = model.describe(state)
        dv_up, dv_right = (0, 0) if noisy else action_increments(action)
        on_start = bool(model.track.cells[row, col] == START)
        new_up, new_right = next_velocity(v_up, v_right, dv_up, dv_right, on_start)
        episode.actions.append(action)
        episode.segments.append(((row, col), (row - new_up, col + new_right)))
        if finished:
            episode.events.append("finish")
            break
        episode.events.append("crash" if crashed else "move")
        state = int(next_state)
        episode.states.append(state)
    return episode


def _finish_reachable(next_states: np.ndarray, start_states: np.ndarray) -> bool:
    """Whether some sequence of actions leads from the start line to the finish.

    One breadth-first search backwards from the finish over the graph of intended moves, in time
    linear in the number of states. Two extra nodes stand for "finished" and "crashed"; the crash
    node leads to every start state, since a crash sends the car back to the start line.
    """
    n_states = len(next_states)
    finish_node, crash_node = n_states, n_states + 1
    intended = next_states[:, :, 0]
    sources = np.repeat(np.arange(n_states), intended.shape[1])
    targets = intended.ravel().astype(np.int64)
    targets = np.where(targets == FINISHED, finish_node, targets)
    targets = np.where(targets == CRASHED, crash_node, targets)
    sources = np.concatenate([sources, np.full(len(start_states), crash_node)])
    targets = np.concatenate([targets, start_states])
    n_nodes = n_states + 2
    # Reversed edges: target -> source, so the search from "finished" finds who can get there.
    reverse = csr_matrix((np.ones(len(sources), dtype=np.int8), (targets, sources)),
                         shape=(n_nodes, n_nodes))
    can_finish = np.zeros(n_nodes, dtype=bool)
    can_finish[breadth_first_order(reverse, finish_node, directed=True,
                                   return_predecessors=False)] = True
    return bool(can_finish[start_states].any())


def _enumerate_states(track: Track) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Number every (position, velocity) state: positions row by row, velocities in order."""
    n_rows, n_cols = track.shape
    state_index = np.full((n_rows, n_cols, N_SPEEDS, N_SPEEDS), -1, dtype=np.int32)
    positions, velocities = [], []
    for row, col in np.argwhere((track.cells == TRACK) | (track.cells == START)):
        on_start = track.cells[row, col] == START
        for v_up in range(N_SPEEDS):
            for v_right in range(N_SPEEDS):
                if v_up == 0 and v_right == 0 and not on_start:
                    continue
                state_index[row, col, v_up, v_right] = len(positions)
                positions.append((row, col))
                velocities.append((v_up, v_right))
    return (
        np.array(positions, dtype=np.int32),
        np.array(velocities, dtype=np.int32),
        state_index,
    )


def _successor_table(
    track: Track, positions: np.ndarray, velocities: np.ndarray, state_index: np.ndarray
) -> np.ndarray:
    """``next_states[s, a, k]`` for every state and action, vectorised over states."""
    n_cols = track.shape[1]
    # Where a car lands from every cell, for each velocity it may move with (rules 3 and 4).
    outcome_by_velocity = np.stack(
        [
            np.stack([move_outcomes(track, v_up, v_right).ravel() for v_right in range(N_SPEEDS)])
            for v_up in range(N_SPEEDS)
        ]
    )  # shape (5, 5, n_rows * n_cols)
    flat_position = positions[:, 0] * n_cols + positions[:, 1]
    on_start = track.cells[positions[:, 0], positions[:, 1]] == START
    flat_state_index = state_index.reshape(-1, N_SPEEDS, N_SPEEDS)

    intended = np.empty((len(positions), N_ACTIONS), dtype=np.int32)
    for action in range(N_ACTIONS):
        dv_up, dv_right = action_increments(action)
        # Rule 2, vectorised: clip, then keep the old velocity if (0, 0) off the start line.
        new_up = np.clip(velocities[:, 0] + dv_up, 0, MAX_SPEED)
        new_right = np.clip(velocities[:, 1] + dv_right, 0, MAX_SPEED)
        stopped = (new_up == 0) & (new_right == 0) & ~on_start
        new_up = np.where(stopped, velocities[:, 0], new_up)
        new_right = np.where(stopped, velocities[:, 1], new_right)
        landing = outcome_by_velocity[new_up, new_right, flat_position]
        landed_state = flat_state_index[np.maximum(landing, 0), new_up, new_right]
        intended[:, action] = np.where(landing >= 0, landed_state, landing)
    if (intended == -3).any() or ((intended >= 0) & (intended >= len(positions))).any():
        raise AssertionError("successor table has an undecided entry")  # cannot happen
    noisy = np.repeat(intended[:, NO_CHANGE : NO_CHANGE + 1], N_ACTIONS, axis=1)
    return np.stack([intended, noisy], axis=2)


__all__ = ["CRASHED", "FINISHED", "Episode", "TabularModel", "run_episode"]

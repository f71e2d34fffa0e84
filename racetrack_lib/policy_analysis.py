"""Exact properties of a policy on the model, beyond its expected number of steps: how likely an
episode is to crash, how often the car is in each state, and how far from the walls it drives.

Notation (chapter 4): ``pi(a|s)`` the policy. Everything here comes from one Markov chain, the
*no-crash chain* ``P``: ``P[s, s']`` is the probability that one step from ``s`` lands on ``s'``;
a step that finishes or crashes leaves the chain. From it:

- ``k(s)``, the probability that the next step from ``s`` crashes;
- the probability ``c(s)`` of crashing before finishing, from ``s``: ``c = P c + k``;
- the expected visits ``x(s)`` of each state before the first crash (or the finish), from a start
  cell drawn uniformly (``mu``): ``x = mu + P^T x``.

After a crash the car restarts on a uniformly drawn start cell, so an episode is a run of
independent *attempts*, each ending in a crash with the same probability
``q = mean over start states b of c(b) = sum_s x(s) k(s)``, the last one at the finish. The number
of crashes in an episode is geometric: ``P(at least j crashes) = q ** j``,
``E[crashes] = q / (1 - q)``, and the expected visits of a state in a whole episode are
``x(s) / (1 - q)``; they sum to the expected number of steps, as ``dp.policy_evaluation``
computes it (a test checks it).

Only the states the policy can reach from the start line enter the linear systems: a
deterministic policy may loop forever somewhere it never goes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import distance_transform_edt
from scipy.sparse import coo_matrix, csr_matrix, identity
from scipy.sparse.csgraph import breadth_first_order
from scipy.sparse.linalg import spsolve

from .mdp import TabularModel
from .rules import CRASHED, FINISHED
from .track import WALL, Track


@dataclass(frozen=True)
class PolicyAnalysis:
    """What :func:`analyse_policy` computed for one policy, exactly.

    Attributes:
        expected_steps: expected steps of an episode from a uniformly drawn start cell (the
            same number as ``dp.expected_steps_from_start`` of ``dp.policy_evaluation``).
        crash_probability: ``q``, the probability that an episode crashes at least once.
        expected_crashes: the expected number of crashes in an episode, ``q / (1 - q)``.
        visits: ``(n_states,)`` expected number of steps taken from each state in an episode.
        mean_wall_distance: the distance from the car's cell to the nearest wall
            (:func:`wall_distances`), in cells, averaged over all the steps driven: the expected
            total distance of an episode divided by its expected number of steps.
    """

    expected_steps: float
    crash_probability: float
    expected_crashes: float
    visits: np.ndarray
    mean_wall_distance: float


def epsilon_greedy_probabilities(greedy: np.ndarray, epsilon: float,
                                 n_actions: int = 9) -> np.ndarray:
    """``pi(a|s)`` of the epsilon-greedy policy around a deterministic one: ``epsilon / 9`` for
    every action, plus ``1 - epsilon`` for ``greedy[s]``; shape ``(n_states, 9)``.

    Args:
        greedy: the greedy action of every state, shape ``(n_states,)``.
    """
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon = {epsilon!r} is out of range: allowed [0, 1]")
    probabilities = np.full((len(greedy), n_actions), epsilon / n_actions)
    probabilities[np.arange(len(greedy)), greedy] += 1.0 - epsilon
    return probabilities


def wall_distances(track: Track) -> np.ndarray:
    """The distance from each cell's centre to the centre of the nearest wall cell, in cells
    (a cell beside a wall: 1, diagonally: 1.41; the grid's edge counts as a wall, since leaving
    the grid is a crash), shape ``track.shape``."""
    open_cells = np.pad(track.cells != WALL, 1, constant_values=False)
    return distance_transform_edt(open_cells)[1:-1, 1:-1]


def analyse_policy(model: TabularModel, policy: np.ndarray) -> PolicyAnalysis:
    """Expected steps, crash probability, expected crashes, state visits and mean distance to
    the walls of a policy, exactly (one sparse linear solve; see the module docstring).

    Args:
        policy: deterministic, the action of every state, shape ``(n_states,)``; or stochastic,
            ``pi(a|s)``, shape ``(n_states, 9)`` (e.g. :func:`epsilon_greedy_probabilities`).
    Raises:
        ValueError: if the policy does not finish with probability 1 from the start line.
    """
    chain, crash_next, reached = _attempt_chain(model, policy)
    start = np.zeros(model.n_states)
    start[model.start_states] = 1.0 / len(model.start_states)
    per_attempt = np.zeros(model.n_states)
    per_attempt[reached] = _solve(chain.T, start[reached])
    crash_probability = float(per_attempt @ crash_next)
    if not crash_probability < 1.0 - 1e-12:
        raise ValueError("the policy crashes in every attempt: it never finishes")
    visits = per_attempt / (1.0 - crash_probability)
    distances = wall_distances(model.track)[model.positions[:, 0], model.positions[:, 1]]
    return PolicyAnalysis(
        expected_steps=float(visits.sum()),
        crash_probability=crash_probability,
        expected_crashes=crash_probability / (1.0 - crash_probability),
        visits=visits,
        mean_wall_distance=float(visits @ distances / visits.sum()),
    )


def crash_probabilities(model: TabularModel, policy: np.ndarray) -> np.ndarray:
    """``c(s)``: the probability of crashing at least once before finishing, from each state the
    policy reaches from the start line (``nan`` for the others), shape ``(n_states,)``.

    Args:
        policy: as for :func:`analyse_policy`.
    Raises:
        ValueError: if the policy does not finish with probability 1 from the start line.
    """
    chain, crash_next, reached = _attempt_chain(model, policy)
    result = np.full(model.n_states, np.nan)
    result[reached] = _solve(chain, crash_next[reached])
    return result


def _solve(chain: csr_matrix, right_hand_side: np.ndarray) -> np.ndarray:
    """``y`` with ``(I - chain) y = right_hand_side``."""
    system = (identity(chain.shape[0], format="csc") - chain).tocsc()
    return np.atleast_1d(spsolve(system, right_hand_side))


def _attempt_chain(model: TabularModel, policy: np.ndarray
                   ) -> tuple[csr_matrix, np.ndarray, np.ndarray]:
    """The no-crash chain on the states reached from the start line (sparse, square), ``k(s)``
    for every state, and the mask of the reached states. Checks that every reached state ends
    its attempt (finishes or crashes) with probability 1, so that ``I - P`` is invertible."""
    probabilities = _action_probabilities(model, policy)
    n = model.n_states
    states = np.arange(n)
    rows, cols, values = [], [], []
    crash_next, finish_next = np.zeros(n), np.zeros(n)
    for outcome, outcome_probability in ((0, 1.0 - model.noise), (1, model.noise)):
        for action in range(model.n_actions):
            probability = probabilities[:, action] * outcome_probability
            landing = model.next_states[:, action, outcome]
            moves = (landing >= 0) & (probability > 0)
            rows.append(states[moves])
            cols.append(landing[moves])
            values.append(probability[moves])
            crash_next += np.where(landing == CRASHED, probability, 0.0)
            finish_next += np.where(landing == FINISHED, probability, 0.0)
    rows, cols, values = np.concatenate(rows), np.concatenate(cols), np.concatenate(values)
    chain = coo_matrix((values, (rows, cols)), shape=(n, n)).tocsr()  # sums repeated entries
    # Reached: from an extra node n with an edge to every start state.
    reached = _search(np.concatenate([rows, np.full(len(model.start_states), n)]),
                      np.concatenate([cols, model.start_states]), n)
    # Ends its attempt surely: can reach a state that may end it (edge to node n), searched
    # backwards (edges reversed).
    ends = states[(crash_next + finish_next) > 0]
    can_end = _search(np.concatenate([cols, np.full(len(ends), n)]),
                      np.concatenate([rows, ends]), n)
    if not (can_end[reached].all() and (finish_next[reached] > 0).any()):
        raise ValueError("the policy does not finish with probability 1 from the start line")
    return chain[reached][:, reached], crash_next, reached


def _search(rows: np.ndarray, cols: np.ndarray, n: int) -> np.ndarray:
    """The nodes 0..n-1 reachable from node ``n`` along the edges ``rows[i] -> cols[i]``."""
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1)).tocsr()
    found = np.zeros(n + 1, dtype=bool)
    found[breadth_first_order(graph, n, directed=True, return_predecessors=False)] = True
    return found[:n]


def _action_probabilities(model: TabularModel, policy: np.ndarray) -> np.ndarray:
    """``pi(a|s)``, shape ``(n_states, 9)``, from a deterministic or a stochastic policy."""
    policy = np.asarray(policy)
    if policy.shape == (model.n_states,):
        return epsilon_greedy_probabilities(policy, 0.0, model.n_actions)
    if policy.shape != (model.n_states, model.n_actions):
        raise ValueError(f"policy has shape {policy.shape}: expected ({model.n_states},) or "
                         f"({model.n_states}, {model.n_actions})")
    if not np.allclose(policy.sum(axis=1), 1.0) or (policy < 0).any():
        raise ValueError("a stochastic policy's rows must be probabilities summing to 1")
    return policy.astype(float)


__all__ = ["PolicyAnalysis", "analyse_policy", "crash_probabilities",
           "epsilon_greedy_probabilities", "wall_distances"]

"""Dynamic programming on the compiled racetrack: the ground truth every learner is measured by.

Notation (chapter 2): ``V(s)`` the value of state ``s`` (expected return), ``Q(s, a)`` the value
of taking ``a`` in ``s``, ``p`` the noise probability, ``s'_a`` the state action ``a`` leads to
when its increments apply and ``s'_0`` where it leads under the noise. Every step pays ``r = -1``,
so with ``gamma = 1`` the value ``-V(s)`` is the expected number of steps to the finish.

Two special successors: finishing has value 0, and a crash is worth the mean value of the
start states, ``V_crash = mean over start states b of V(b)``, because the car restarts on a start
cell drawn uniformly at random.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order
from scipy.sparse.linalg import spsolve

from .errors import RacetrackError, check_range, check_type
from .mdp import TabularModel
from .rules import CRASHED, FINISHED, REWARD_PER_STEP


@dataclass(frozen=True)
class ValueIterationResult:
    """What :func:`value_iteration` found.

    Attributes:
        values: ``V*``, shape ``(n_states,)``; with gamma = 1, ``-values`` are expected steps.
        q_values: ``Q*``, shape ``(n_states, 9)``.
        sweeps: how many sweeps it took to converge.
        max_changes: ``max_s |V_{k+1}(s) - V_k(s)|`` after each sweep, shape ``(sweeps,)``.
    """

    values: np.ndarray
    q_values: np.ndarray
    sweeps: int
    max_changes: np.ndarray


def backup(model: TabularModel, values: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """One Bellman backup of every (state, action) pair: ``Q(s, a)`` from ``V``.

    ``Q(s, a) = r + gamma * [(1 - p) * V(s'_a) + p * V(s'_0)]``: the term S&B eq. 4.1 and 4.10
    maximise over ``a`` (their sum over ``s', r`` of ``p(s', r | s, a) [r + gamma V(s')]``) with
    the racetrack's two outcomes, ``V(finish) = 0`` and ``V(crash) = mean_b V(b)`` over the start
    states ``b``.

    Args:
        values: ``V``, shape ``(n_states,)``.
    Returns:
        ``Q``, shape ``(n_states, 9)``.
    """
    # Append the two special successors so that one fancy-index lookup serves all outcomes:
    # index -1 (FINISHED) reads the last entry, index -2 (CRASHED) the one before it.
    crash_value = values[model.start_states].mean()
    extended = np.concatenate([values, [crash_value, 0.0]])
    intended = extended[model.next_states[:, :, 0]]
    noisy = extended[model.next_states[:, :, 1]]
    return REWARD_PER_STEP + gamma * ((1.0 - model.noise) * intended + model.noise * noisy)


def value_iteration(
    model: TabularModel, gamma: float = 1.0, tol: float = 1e-10, max_sweeps: int = 100_000
) -> ValueIterationResult:
    """Value iteration: repeat ``V(s) <- max_a Q(s, a)`` until no value moves more than ``tol``.

    ``V_{k+1}(s) = max_a { r + gamma * [(1 - p) V_k(s'_a) + p V_k(s'_0)] }``  (S&B eq. 4.10).

    Starting from ``V_0 = 0``, which is above every true value since each step costs 1, the values
    fall monotonically to ``V*`` also when ``gamma = 1`` (every step costs, so a policy that never
    finishes has value minus infinity and cannot be optimal).

    >>> from racetrack_lib import TabularModel
    >>> model = TabularModel.build("track1", noise=0.1)
    >>> result = value_iteration(model)
    >>> result.sweeps, round(expected_steps_from_start(model, result.values), 4)
    (84, 12.1013)
    """
    _check_model(model)
    check_range("gamma", gamma, 0.0, 1.0, low_open=True)
    values = np.zeros(model.n_states)
    max_changes = []
    for _ in range(max_sweeps):
        q_values = backup(model, values, gamma)
        new_values = q_values.max(axis=1)
        max_changes.append(float(np.abs(new_values - values).max()))
        values = new_values
        if max_changes[-1] < tol:
            break
        _stop_if_too_slow(max_changes, tol, max_sweeps, model.noise)
    else:
        raise RacetrackError(f"value iteration did not converge in {max_sweeps} sweeps "
                             f"(noise = {model.noise})")
    return ValueIterationResult(values, backup(model, values, gamma), len(max_changes),
                                np.array(max_changes))


def _check_model(model: TabularModel) -> None:
    check_type("model", model, (TabularModel,), "a TabularModel (TabularModel.build(track))")


def _stop_if_too_slow(max_changes: list[float], tol: float, max_sweeps: int,
                      noise: float) -> None:
    """Once the largest change shrinks geometrically, predict the sweeps still needed from its
    rate over the last 100 sweeps; stop at once if they clearly exceed ``max_sweeps`` (by 10 %:
    the prediction is close, 1,488 for the 1,483 sweeps of track 1 at noise 0.9), rather than
    after all of them."""
    sweeps = len(max_changes)
    if sweeps < 200 or sweeps % 100:
        return
    before, now = max_changes[-101], max_changes[-1]
    if not 0.0 < now < before:
        return
    rate = (now / before) ** (1 / 100)
    needed = sweeps + np.log(tol / now) / np.log(rate)
    if needed > 1.1 * max_sweeps:
        raise RacetrackError(
            f"value iteration would need about {needed:,.0f} sweeps (noise = {noise}), more "
            f"than max_sweeps = {max_sweeps:,}: the largest change shrinks by a factor of only "
            f"{rate:.6f} a sweep")


def policy_evaluation(
    model: TabularModel, policy: np.ndarray, gamma: float = 1.0
) -> np.ndarray:
    """The exact value ``V^pi`` of a policy, by one sparse linear solve.

    ``V^pi(s) = sum_a pi(a|s) [r + gamma * sum_s' p(s'|s, a) V^pi(s')]``  (S&B eq. 4.4), i.e.
    ``(I - gamma P_pi) V^pi = r``. With ``gamma = 1`` a state from which the policy does not reach
    the finish with probability 1 has value ``-inf`` (it runs forever, paying 1 per step).

    Args:
        policy: deterministic, the action of every state, shape ``(n_states,)``; or stochastic,
            the probability ``pi(a|s)`` of every action, shape ``(n_states, 9)``.
    Returns:
        ``V^pi``, shape ``(n_states,)``; ``-V^pi`` are expected steps when ``gamma = 1``.

    The optimal policy's exact value is the optimum value iteration found:

    >>> import numpy as np
    >>> from racetrack_lib import TabularModel, greedy_actions
    >>> model = TabularModel.build("track1", noise=0.1)
    >>> optimal = greedy_actions(value_iteration(model).q_values, np.random.default_rng(0), 1e-9)
    >>> round(expected_steps_from_start(model, policy_evaluation(model, optimal)), 4)
    12.1013
    """
    _check_model(model)
    check_range("gamma", gamma, 0.0, 1.0, low_open=True)
    action_probs = _action_probabilities(model, policy)
    transitions = _policy_transitions(model, action_probs)
    finite = (
        np.ones(model.n_states, dtype=bool)
        if gamma < 1.0
        else _finishes_surely(model, action_probs, transitions)
    )
    values = np.full(model.n_states, -np.inf)
    if finite.any():
        sub = transitions[finite][:, finite]
        identity = csr_matrix((np.ones(sub.shape[0]), (np.arange(sub.shape[0]),) * 2))
        rewards = np.full(sub.shape[0], REWARD_PER_STEP)
        values[finite] = np.atleast_1d(spsolve((identity - gamma * sub).tocsc(), rewards))
    return values


def _action_probabilities(model: TabularModel, policy: np.ndarray) -> np.ndarray:
    """``pi(a|s)`` as an ``(n_states, 9)`` array, from either form of policy."""
    policy = np.asarray(policy)
    if policy.shape == (model.n_states,):
        if not np.issubdtype(policy.dtype, np.integer):
            raise RacetrackError(f"policy has dtype {policy.dtype}: a deterministic policy "
                                 "holds action numbers (integers 0..8)")
        bad = np.flatnonzero((policy < 0) | (policy >= model.n_actions))
        if len(bad):  # -1 would silently index action 8
            raise RacetrackError(f"policy[{bad[0]}] = {policy[bad[0]]} is not an action: "
                                 f"allowed 0..{model.n_actions - 1}")
        one_hot = np.zeros((model.n_states, model.n_actions))
        one_hot[np.arange(model.n_states), policy] = 1.0
        return one_hot
    if policy.shape == (model.n_states, model.n_actions):
        if (not np.issubdtype(policy.dtype, np.number) or not np.isfinite(policy).all()
                or not np.allclose(policy.sum(axis=1), 1.0) or (policy < 0).any()):
            raise RacetrackError("a stochastic policy's rows must be probabilities summing to 1")
        return policy.astype(float)
    raise RacetrackError(
        f"policy has shape {policy.shape}: expected ({model.n_states},) or "
        f"({model.n_states}, {model.n_actions})"
    )


def expected_steps_from_start(model: TabularModel, values: np.ndarray) -> float:
    """Mean over the start cells of the expected number of steps, ``-mean_b V(b)`` (gamma = 1)."""
    return float(-values[model.start_states].mean())


def _policy_transitions(model: TabularModel, action_probs: np.ndarray) -> csr_matrix:
    """``P_pi`` as a sparse matrix, ``(n_states, n_states)``; finishing leaves the matrix."""
    states = np.arange(model.n_states)
    n_start = len(model.start_states)
    rows, cols, probs = [], [], []
    for action in range(model.n_actions):
        for outcome, outcome_prob in _possible_outcomes(model):
            prob = action_probs[:, action] * outcome_prob
            landing = model.next_states[:, action, outcome]
            moved = (landing >= 0) & (prob > 0)
            rows.append(states[moved])
            cols.append(landing[moved])
            probs.append(prob[moved])
            crashed = states[(landing == CRASHED) & (prob > 0)]
            rows.append(np.repeat(crashed, n_start))
            cols.append(np.tile(model.start_states, len(crashed)))
            probs.append(np.repeat(prob[crashed] / n_start, n_start))
    matrix = coo_matrix(
        (np.concatenate(probs), (np.concatenate(rows), np.concatenate(cols))),
        shape=(model.n_states, model.n_states),
    )
    return matrix.tocsr()  # duplicate entries (several ways to one state) are summed


def _finishes_surely(
    model: TabularModel, action_probs: np.ndarray, graph: csr_matrix
) -> np.ndarray:
    """Which states reach the finish with probability 1 under the policy.

    A finite Markov chain ends surely from ``s`` exactly when every state reachable from ``s``
    can still reach the finish. Two breadth-first searches on the transition graph, each from one
    extra node: backwards from "finish", then backwards from "stuck" (tied to every state that
    cannot reach the finish).
    """
    n = model.n_states
    states = np.arange(n)
    # A node n stands for "finished": add an edge s -> n for every state that may finish.
    may_finish = np.zeros(n, dtype=bool)
    for action in range(model.n_actions):
        for outcome, _ in _possible_outcomes(model):
            finishes = model.next_states[:, action, outcome] == FINISHED
            may_finish |= finishes & (action_probs[:, action] > 0)
    reverse = _with_extra_node(graph, states[may_finish]).T.tocsr()
    can_finish = np.zeros(n + 1, dtype=bool)
    can_finish[breadth_first_order(reverse, n, directed=True, return_predecessors=False)] = True
    stuck = states[~can_finish[:n]]
    if len(stuck) == 0:
        return np.ones(n, dtype=bool)
    reverse = _with_extra_node(graph, stuck).T.tocsr()
    reaches_stuck = np.zeros(n + 1, dtype=bool)
    reaches_stuck[breadth_first_order(reverse, n, directed=True, return_predecessors=False)] = True
    return ~reaches_stuck[:n]


def _possible_outcomes(model: TabularModel) -> list[tuple[int, float]]:
    """The outcomes (0: increments apply, 1: noise) that have positive probability."""
    pairs = [(0, 1.0 - model.noise), (1, model.noise)]
    return [(outcome, prob) for outcome, prob in pairs if prob > 0.0]


def _with_extra_node(graph: csr_matrix, tied: np.ndarray) -> csr_matrix:
    """The graph with one more node (number n) and an edge from each state in ``tied`` to it."""
    n = graph.shape[0]
    edges = graph.tocoo()
    rows = np.concatenate([edges.row, tied])
    cols = np.concatenate([edges.col, np.full(len(tied), n)])
    data = np.ones(len(rows))
    return coo_matrix((data, (rows, cols)), shape=(n + 1, n + 1)).tocsr()


@dataclass(frozen=True)
class PolicyIterationResult:
    """What :func:`policy_iteration` found.

    Attributes:
        values: ``V*``, shape ``(n_states,)``: the exact value of the final policy.
        q_values: ``Q*``, shape ``(n_states, 9)``: one backup of ``values``.
        policy: the optimal policy, an action per state, shape ``(n_states,)``.
        iterations: how many policies were evaluated (the last one is stable).
        changed: how many states changed action at each improvement, shape
            ``(iterations - 1,)``.
    """

    values: np.ndarray
    q_values: np.ndarray
    policy: np.ndarray
    iterations: int
    changed: np.ndarray


def policy_iteration(model: TabularModel, gamma: float = 1.0,
                     max_iterations: int = 1_000) -> PolicyIterationResult:
    """Policy iteration (S&B section 4.3): evaluate the policy exactly, make it greedy with
    respect to its own values, and repeat until no state changes its action::

        pi <- the noise-free shortest-path policy (a driver who ignores the noise)
        repeat:
            V <- V^pi                         exact, one linear solve (policy_evaluation, eq. 4.4)
            Q(s, a) = r + gamma * [(1 - p) V(s'_a) + p V(s'_0)]          (backup, eq. 4.6)
            pi'(s) = pi(s) if it is among the best actions of Q(s, .), else argmax_a Q(s, a)
            stop if pi' = pi;  pi <- pi'                                     (eq. 4.9)

    The first policy must finish surely from every state when ``gamma = 1`` (else its values
    are minus infinity and the improvement cannot tell good actions from bad): the shortest
    path to the finish with the noise ignored does, since every move makes progress and a crash
    restarts it. Keeping the current action when it ties with the best (within ``1e-9``)
    stops the loop from cycling between equally good policies (S&B Exercise 4.4).

    >>> from racetrack_lib import TabularModel
    >>> model = TabularModel.build("track1", noise=0.1)
    >>> result = policy_iteration(model)
    >>> result.iterations, round(expected_steps_from_start(model, result.values), 4)
    (6, 12.1013)
    """
    _check_model(model)
    check_range("gamma", gamma, 0.0, 1.0, low_open=True)
    policy = shortest_path_policy(model)
    changed = []
    for iteration in range(1, max_iterations + 1):
        values = policy_evaluation(model, policy, gamma)
        q_values = backup(model, values, gamma)
        current = q_values[np.arange(model.n_states), policy]
        better = q_values.max(axis=1) > current + 1e-9 * (1.0 + np.abs(current))
        if not better.any():
            return PolicyIterationResult(values, q_values, policy, iteration, np.array(changed))
        policy = np.where(better, q_values.argmax(axis=1), policy)
        changed.append(int(better.sum()))
    raise RacetrackError(f"policy iteration did not converge in {max_iterations} iterations")


# Action (+1, +1): speed up towards the top right (rules.action_number(1, 1)).
SPEED_UP = 8


def shortest_path_policy(model: TabularModel) -> np.ndarray:
    """The policy of a driver who ignores the noise: in every state the action that reaches the
    finish in the fewest steps if the increments always applied (a crash counts as never),
    shape ``(n_states,)``. Where no such path exists, speed up (``SPEED_UP``): a moving car
    always makes progress, so it soon crashes back to the start line or finishes."""
    intended = model.next_states[:, :, 0]
    distance = np.full(model.n_states, np.inf)  # fewest noise-free steps to the finish
    while True:
        after = np.where(intended == FINISHED, 0.0,
                         np.where(intended >= 0, distance[np.maximum(intended, 0)], np.inf))
        new_distance = 1.0 + after.min(axis=1)
        if np.array_equal(new_distance, distance):
            break
        distance = new_distance
    policy = np.where(np.isfinite(after.min(axis=1)), after.argmin(axis=1), SPEED_UP)
    return policy.astype(np.int64)

"""Chapter 3's exercises: the returns of an episode, and the weighted importance-sampling update
of off-policy Monte Carlo control.

The library computes returns inside its learning loops only, with every reward ``-1``, so the
reference for the returns is :func:`reference_returns` below (the backward recursion of S&B
eq. 3.9, for any rewards); the use checks it against :func:`racetrack_lib.mc.learn_first_visits`.
The reader's update is checked against :func:`racetrack_lib.mc.learn_weighted_importance`, on
small tables, so that a message can show a whole row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from .. import dp, mc
from ..config import for_method
from ..mdp import TabularModel
from ..policy import greedy_actions
from ..rules import N_ACTIONS, REWARD_PER_STEP
from .ch02 import ArrayAnswer, same_arrays
from .checking import TOLERANCE, Case, Exercise, Probe, check, describe

# --- Exercise 3.1: the returns of an episode -----------------------------------------------------


def reference_returns(rewards: Sequence[float], gamma: float) -> list[float]:
    """``[G_0, ..., G_{T-1}]`` for ``rewards[t] = R_{t+1}``, backwards from ``G_T = 0``:
    ``G_t = R_{t+1} + gamma * G_{t+1}`` (S&B eq. 3.9)."""
    returns, following = [], 0.0
    for reward in reversed(rewards):
        following = reward + gamma * following
        returns.append(following)
    return returns[::-1]


def _returns_case(rewards: list[float], gamma: float, shown: str | None = None) -> Case:
    shown = shown or f"rewards = {describe(rewards)}, gamma = {gamma:g}"
    return Case((rewards, gamma), shown, reference_returns(rewards, gamma))


def _returns_probes() -> list[Probe]:
    rng = np.random.default_rng(4)  # the same cases for every reader

    def varied(length: int) -> list[float]:
        return [float(r) for r in rng.integers(-5, 6, length)]

    one_step = [_returns_case([reward], gamma, f"rewards = [{reward:g}] (a one-step episode), "
                                               f"gamma = {gamma:g}")
                for reward in (-1.0, -3.0, 2.0) for gamma in (1.0, 0.9)]
    steps_left = [_returns_case([REWARD_PER_STEP] * length, 1.0,
                                f"{length} rewards of -1 (an episode of {length} steps), gamma = 1")
                  for length in (2, 3, 5, 8, 13, 30)]
    return [
        Probe("the reward after step t", "rewards[t] is R_{t+1}, the first reward of G_t: a "
              "one-step episode's return is its only reward, G_0 = rewards[0]. Return one G_t "
              "per step.", one_step),
        Probe("the rewards that follow", "G_t looks forward: it adds the rewards from rewards[t] "
              "to the end of the episode, and the list starts with G_0, the whole episode's "
              "return. With every reward -1 and gamma = 1, G_t = -(T - t).", steps_left),
        Probe("each reward in its place", "G_t = rewards[t] + gamma * G_{t+1}: R_{t+1} is "
              "rewards[t] (not rewards[t - 1]), and G_T = 0 after the last reward.",
              [_returns_case(varied(length), 1.0) for length in (2, 3, 4, 6, 9)]),
        Probe("discounting", "gamma counts from step t: G_t = R_{t+1} + gamma R_{t+2} + gamma^2 "
              "R_{t+3} + ..., so the first reward of every G_t is not discounted; gamma^t does not "
              "start at the beginning of the episode.",
              [_returns_case(varied(length), gamma) for length, gamma in
               ((3, 0.9), (5, 0.5), (4, 0.0), (8, 0.9))]),
    ]


EPISODE_RETURNS = Exercise("episode_returns", 3, "the returns of an episode", _returns_probes)


def returns_on_a_random_episode(function: Callable) -> dict[str, int | bool]:
    """The chapter's random episode (``Q = 0``, epsilon 1, random seed 1), learned by first-visit
    Monte Carlo with step size 1 from ``Q = 0`` twice: with ``function``'s returns, and by
    :func:`mc.learn_first_visits`. Returns ``T``, ``G_0``, the number of first visits and whether
    the two tables agree."""
    model = TabularModel.build("track1", noise=0.1)
    config = for_method("mc_on_policy")
    log = mc.new_episode_log(model.n_states, model.n_actions, config.max_episode_steps)
    q_values = np.zeros((model.n_states, model.n_actions))
    steps, _ = mc.drive_episode(model.tables, q_values, log, 1.0, config.max_episode_steps,
                                np.random.default_rng(1))
    states, actions = log.states[:steps], log.actions[:steps]
    answer = np.asarray(function([REWARD_PER_STEP] * steps, 1.0), dtype=float)
    first = log.first_step[states, actions] == np.arange(steps)  # the first visits
    yours = np.zeros_like(q_values)
    yours[states[first], actions[first]] = answer[first]  # Q = G, the first return with alpha 1
    visits = np.zeros(q_values.shape, dtype=np.int64)
    mc.learn_first_visits(q_values, visits, np.array([1.0]), log, steps, 1.0)
    return {"steps": steps, "first return": float(answer[0]), "first visits": int(first.sum()),
            "agree": bool(np.allclose(yours, q_values, rtol=0.0, atol=TOLERANCE))}


def check_episode_returns(episode_returns: Callable) -> None:
    """Check the reader's ``episode_returns(rewards, gamma)``; if it is right, learn the
    chapter's random episode with it."""

    def use(function: Callable) -> Iterator[str]:
        result = returns_on_a_random_episode(function)
        same = "the same" if result["agree"] else "not the same"
        yield (f"  Used on the chapter's random episode (T = {result['steps']:,}): your "
               f"G_0 = {result['first return']:g}; first-visit Monte Carlo with your returns "
               f"(step size 1, from Q = 0) makes {result['first visits']:,} updates and gives "
               f"{same} Q as the library's learn_first_visits.")

    check(EPISODE_RETURNS, episode_returns, use)


# --- Exercise 3.2: the weighted importance-sampling update ---------------------------------------

Step = tuple[int, int, float, float]  # (S_t, A_t, R_{t+1}, b(A_t | S_t))


def library_update(q_values: np.ndarray, cumulative_weights: np.ndarray,
                   episode: Sequence[Step], gamma: float) -> int:
    """The library's update (:func:`mc.learn_weighted_importance`) of ``q_values`` and
    ``cumulative_weights`` in place, from an episode of ``(state, action, reward, behaviour
    probability)`` steps whose rewards are all -1; returns the length of the tail learned."""
    assert all(reward == REWARD_PER_STEP for _, _, reward, _ in episode)
    log = mc.new_episode_log(*q_values.shape, max(len(episode), 1))
    for step, (state, action, _, probability) in enumerate(episode):
        log.states[step], log.actions[step] = state, action
        log.behaviour_probabilities[step] = probability
    visits = np.zeros(q_values.shape, dtype=np.int64)
    return mc.learn_weighted_importance(q_values, visits, cumulative_weights, log, len(episode),
                                        gamma)


def _what_happens(q_values: np.ndarray, weights: np.ndarray, episode: Sequence[Step],
                  gamma: float) -> tuple[int, bool]:
    """What the update of an episode meets, on copies of the tables: ``(steps learned, whether
    a greedy action it went past was tied)``."""
    q_values, weights = q_values.copy(), weights.copy()
    ret, weight, learned, tied = 0.0, 1.0, 0, False
    for state, action, reward, probability in reversed(episode):
        ret = gamma * ret + reward
        weights[state, action] += weight
        q_values[state, action] += weight / weights[state, action] * (ret - q_values[state, action])
        learned += 1
        best = np.flatnonzero(q_values[state] == q_values[state].max())
        if action not in best:
            break
        tied |= len(best) > 1 and learned < len(episode)
        weight *= (1.0 / len(best)) / probability
    return learned, tied


def _random_table(rng: np.random.Generator, n_states: int) -> tuple[np.ndarray, np.ndarray]:
    """Q and C as after some learning: a few pairs never updated (Q = C = 0), the others a
    whole number of steps, -1 to -6, and a positive sum of weights. (Whole numbers make ties,
    and returns equal to a value, common.)"""
    updated = rng.random((n_states, N_ACTIONS)) >= 0.05
    q_values = np.where(updated, -rng.integers(1, 7, (n_states, N_ACTIONS)), 0).astype(float)
    weights = np.where(updated, rng.choice([1.0, 2.0, 3.5, 10.0, 41.25], updated.shape), 0.0)
    return q_values, weights


def _random_episode(rng: np.random.Generator, q_values: np.ndarray, length: int,
                    epsilon: float) -> list[Step]:
    """An episode driven epsilon-greedily with respect to ``q_values`` (fixed), with its
    behaviour probabilities; the states follow one another at random."""
    episode = []
    for _ in range(length):
        state = int(rng.integers(0, q_values.shape[0]))
        row = q_values[state]
        greedy = np.flatnonzero(row == row.max())
        action = int(rng.integers(0, N_ACTIONS) if rng.random() < epsilon else rng.choice(greedy))
        probability = epsilon / N_ACTIONS + ((1.0 - epsilon) / len(greedy)
                                             if action in greedy else 0.0)
        episode.append((state, action, REWARD_PER_STEP, float(probability)))
    return episode


def _show_pair(before: tuple[np.ndarray, np.ndarray] | None = None) -> Callable:
    def show(arrays: tuple[np.ndarray, ...], focus: tuple[int, ...] | None) -> str:
        q_values, weights = arrays
        state, action = focus if focus is not None else (0, 0)
        text = (f"Q[{state}] = {describe(q_values[state])} and C[{state}, {action}] = "
                f"{describe(weights[state, action])}")
        if before is not None:
            text += (f" (before the episode: Q[{state}] = {describe(before[0][state])}, "
                     f"C[{state}, {action}] = {describe(before[1][state, action])})")
        return text
    return show


def _update_case(q_values: np.ndarray, weights: np.ndarray, episode: list[Step],
                 gamma: float) -> Case:
    after_q, after_weights = q_values.copy(), weights.copy()
    library_update(after_q, after_weights, episode, gamma)
    shown = (f"the episode {describe(episode)} (gamma {gamma:g}), on a table Q, C of "
             f"{q_values.shape[0]} states")
    return Case((q_values, weights, episode, gamma), shown,
                ArrayAnswer((after_q, after_weights), _show_pair((q_values, weights))))


def _update_probes() -> list[Probe]:
    rng = np.random.default_rng(5)  # the same cases for every reader
    wanted = {"one step": 8, "all greedy": 8, "stops": 8, "tie": 6, "discounted": 6}
    groups: dict[str, list[Case]] = {kind: [] for kind in wanted}
    for _ in range(5_000):  # about 200 are needed
        if all(len(groups[kind]) >= count for kind, count in wanted.items()):
            break
        q_values, weights = _random_table(rng, int(rng.integers(2, 4)))
        length = int(rng.integers(1, 7))
        gamma = 0.9 if length > 1 and rng.random() < 0.2 else 1.0
        episode = _random_episode(rng, q_values, length, float(rng.choice([0.1, 0.3, 0.5])))
        learned, tied = _what_happens(q_values, weights, episode, gamma)
        if gamma < 1.0:
            kind = "discounted" if learned > 1 else None
        elif length == 1:
            kind = "one step"
        elif tied:
            kind = "tie"
        elif learned == length:
            kind = "all greedy"
        else:
            kind = "stops" if learned > 1 else None  # the plain update shows on the last step
        if kind is not None and len(groups[kind]) < wanted[kind]:
            groups[kind].append(_update_case(q_values, weights, episode, gamma))
    return [
        Probe("the last step", "go backwards from the last step with G = 0 and W = 1: G = gamma "
              "* G + R; C(S, A) += W; Q(S, A) += W / C(S, A) * (G - Q(S, A)), in q_values and "
              "cumulative_weights themselves. The step's own ratio pi/b weighs only the steps "
              "before it: multiply W after the update.", groups["one step"]),
        Probe("the weight of a return", "after each step the greedy policy could have taken, "
              "W *= pi(A|S) / b(A|S); W enters both the sum C(S, A) += W and the step W / C(S, A) "
              "of the weighted average (G itself is not multiplied by W, and C is no count of "
              "returns); the greedy actions are those of Q as just updated at this step.",
              groups["all greedy"]),
        Probe("a non-greedy action stops the loop", "after updating Q(S_t, A_t), if A_t is not a "
              "greedy action of S_t under the updated Q, pi(A_t|S_t) = 0: every earlier return "
              "has weight 0, so stop (S&B's 'exit').", groups["stops"]),
        Probe("tied greedy actions", "the greedy policy breaks ties at random: if A_t is one of "
              "k actions tied for the largest Q(S_t, .), pi(A_t|S_t) = 1/k, so W *= (1/k) / "
              "b(A_t|S_t), with the ties of Q as just updated at this step.", groups["tie"]),
        Probe("discounting", "G = gamma * G + R, going backwards: the return from step t "
              "discounts the rewards after R_{t+1}.", groups["discounted"]),
    ]


def observe_update(function: Callable, arguments: tuple) -> object:
    """What the reader's update leaves in the two tables, as an :class:`ArrayAnswer`."""
    q_values, weights = arguments[0], arguments[1]
    function(*arguments)
    return ArrayAnswer((np.asarray(q_values, dtype=float), np.asarray(weights, dtype=float)),
                       _show_pair())


def _same_tables(observed: object, expected: ArrayAnswer) -> bool:
    return same_arrays(observed, expected, TOLERANCE)


WEIGHTED_IMPORTANCE_UPDATE = Exercise(
    "weighted_importance_update", 3, "the weighted importance-sampling update", _update_probes,
    observe=observe_update, same=_same_tables)


def off_policy_near_the_optimum(function: Callable, episodes: int = 300, epsilon: float = 0.2
                                ) -> dict[str, float | bool]:
    """Off-policy Monte Carlo control on track 1 from ``Q = Q*`` and ``C = 0``, with episodes
    driven epsilon-greedily around the table being learned: each episode is learned with
    ``function`` and, on a second table, with the library's update. Returns the mean episode
    length, the mean tail learned, whether the two tables agree at the end, and the exact expected
    steps of the learned table's greedy policy against the optimum."""
    model = TabularModel.build("track1", noise=0.1)
    solution = dp.value_iteration(model)
    yours, library = solution.q_values.copy(), solution.q_values.copy()
    your_weights, library_weights = np.zeros_like(yours), np.zeros_like(yours)
    log = mc.new_episode_log(model.n_states, model.n_actions, 10_000)
    rng = np.random.default_rng(0)
    lengths, tails = [], []
    for _ in range(episodes):
        steps, _ = mc.drive_episode(model.tables, library, log, epsilon, 10_000, rng)
        episode = [(int(s), int(a), REWARD_PER_STEP, float(b)) for s, a, b in zip(
            log.states[:steps], log.actions[:steps], log.behaviour_probabilities[:steps],
            strict=True)]
        function(yours, your_weights, episode, 1.0)
        tails.append(mc.learn_weighted_importance(library, np.zeros(library.shape, np.int64),
                                                  library_weights, log, steps, 1.0))
        lengths.append(steps)
    greedy = greedy_actions(yours, np.random.default_rng(0))
    return {"mean length": float(np.mean(lengths)), "mean tail": float(np.mean(tails)),
            "agree": bool(np.allclose(yours, library, rtol=0.0, atol=TOLERANCE)
                          and np.allclose(your_weights, library_weights, atol=TOLERANCE)),
            "greedy steps": dp.expected_steps_from_start(
                model, dp.policy_evaluation(model, greedy)),
            "optimum": dp.expected_steps_from_start(model, solution.values)}


def check_weighted_importance_update(weighted_importance_update: Callable) -> None:
    """Check the reader's ``weighted_importance_update(q_values, cumulative_weights, episode,
    gamma)``; if it is right, learn 300 episodes of track 1 with it."""

    def use(function: Callable) -> Iterator[str]:
        result = off_policy_near_the_optimum(function)
        same = "the same tables as" if result["agree"] else "other tables than"
        yield (f"  Used on track 1: off-policy control with your update for 300 episodes, from "
               f"Q = Q* and C = 0, each episode driven epsilon-greedily (epsilon 0.2) with "
               f"respect to the table being learned. It learned from {result['mean tail']:.2f} "
               f"of an episode's {result['mean length']:.1f} steps on average "
               f"({result['mean tail'] / result['mean length']:.0%}) and left {same} the "
               f"library's update. The greedy policy of the learned table needs "
               f"{result['greedy steps']:.2f} expected steps; the optimum, where it started, is "
               f"{result['optimum']:.2f}.")

    check(WEIGHTED_IMPORTANCE_UPDATE, weighted_importance_update, use)

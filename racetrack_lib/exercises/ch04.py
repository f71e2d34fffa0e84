"""Chapter 4's exercises: the probabilities of epsilon-greedy with random ties, and the two TD
targets (SARSA's and Q-learning's).

The reader's functions are checked against :func:`racetrack_lib.mc.behaviour_probability` and
:func:`racetrack_lib.td.td_target`, run as plain Python (``py_func``: the same source as the
compiled functions, without the cost of calling compiled code once per case). Once right, the
probabilities are used to evaluate an exploring driver exactly on track 1, and the target drives
a whole SARSA run in plain Python on :data:`SMALL_TRACK`, replaying the random draws of the
library's compiled loop (``td.td_episode``) step by step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from .. import mc, policy, step_size, td
from ..agent import schedule_of
from ..config import AgentConfig
from ..dp import expected_steps_from_start, policy_evaluation, value_iteration
from ..greedy_evaluation import expected_steps_of_greedy
from ..mdp import TabularModel, _sample_transition_python
from ..rules import N_ACTIONS, REWARD_PER_STEP
from ..track import parse_track
from .checking import Case, Exercise, Probe, check, describe

# A small track, 603 states, where a plain-Python learning loop reaches the optimum's
# neighbourhood in a few hundred episodes (a fraction of a second).
SMALL_TRACK = """\
#####...F
####....F
###....##
##....###
#....####
#...#####
#SSS#####
"""
USE_EPSILON = 0.1  # the exploring driver evaluated with the reader's probabilities
SARSA_CONFIG = AgentConfig(target="sarsa", num_episodes=500, epsilon_decay=0.99)
SARSA_SEED = 0


def _uncompiled(function: Callable) -> Callable:
    """The plain-Python source of a compiled (numba) function; the function itself if it is not
    compiled (``NUMBA_DISABLE_JIT=1``)."""
    return getattr(function, "py_func", function)


_behaviour_probability = _uncompiled(mc.behaviour_probability)
_td_target = _uncompiled(td.td_target)
_greedy_action = _uncompiled(policy.greedy_action)
_explore = _uncompiled(policy.explore)
_count_visit = _uncompiled(step_size.count_visit)
_step_size = _uncompiled(step_size.step_size)


# --- Exercise 4.1: epsilon-greedy's probabilities ------------------------------------------------

def library_probabilities(q_row: np.ndarray, epsilon: float) -> np.ndarray:
    """``pi(a | s)`` of the library's epsilon-greedy policy for every action of one state, from
    its action values ``q_row`` (shape ``(9,)``): ``mc.behaviour_probability`` of each action."""
    q_values = np.asarray(q_row, dtype=float)[None, :]
    return np.array([_behaviour_probability(q_values, 0, action, epsilon)
                     for action in range(N_ACTIONS)])


def _row_with_ties(rng: np.random.Generator, n_tied: int) -> np.ndarray:
    """Nine action values (one decimal, negative, as on the racetrack) whose maximum is shared by
    exactly ``n_tied`` actions."""
    best = -round(float(rng.uniform(1.0, 15.0)), 1)
    row = np.round(best - rng.uniform(0.1, 10.0, N_ACTIONS), 1)
    row = np.minimum(row, best - 0.1)  # strictly below the best, even after rounding
    row[rng.choice(N_ACTIONS, n_tied, replace=False)] = best
    return row


def _probability_case(q_row: np.ndarray, epsilon: float) -> Case:
    return Case((q_row, epsilon), f"q_row = {describe(q_row)}, epsilon = {epsilon:g}",
                library_probabilities(q_row, epsilon))


def _probability_probes() -> list[Probe]:
    rng = np.random.default_rng(4)  # the same cases for every reader
    exploring = (0.1, 0.2, 0.5, 0.8, 0.05, 0.3)
    single = [_probability_case(_row_with_ties(rng, 1), epsilon)
              for epsilon in exploring for _ in range(5)]
    ties = [_probability_case(_row_with_ties(rng, n_tied), epsilon)
            for n_tied in range(2, N_ACTIONS + 1) for epsilon in exploring[:3]]
    greedy = [_probability_case(_row_with_ties(rng, n_tied), 0.0) for n_tied in (1, 1, 2, 3, 9)]
    uniform = [_probability_case(_row_with_ties(rng, n_tied), 1.0) for n_tied in (1, 1, 2, 5)]
    return [
        Probe("one greedy action", "exploring draws one of all 9 actions at random, the greedy "
              "one included: every action gets epsilon / 9, and the greedy action gets 1 - "
              "epsilon more (the probabilities add up to 1).", single),
        Probe("tied greedy actions", "the greedy choice breaks ties at random: each of the k "
              "actions that share the largest value gets (1 - epsilon) / k on top of its "
              "epsilon / 9 (np.argmax would give it all to the first of them).", ties),
        Probe("epsilon = 0", "with epsilon = 0 the agent never explores: 1 / k to each of the "
              "k best actions, 0 to the others.", greedy),
        Probe("epsilon = 1", "with epsilon = 1 the agent always explores: 1 / 9 to every action, "
              "whatever the values.", uniform),
    ]


ACTION_PROBABILITIES = Exercise("action_probabilities", 4, "epsilon-greedy's probabilities",
                                _probability_probes)


def probabilities_of_table(function: Callable, q_values: np.ndarray,
                           epsilon: float) -> np.ndarray:
    """``function(q_values[s], epsilon)`` for every state, shape ``(n_states, 9)``."""
    return np.array([np.asarray(function(q_values[state].copy(), epsilon), dtype=float)
                     for state in range(len(q_values))])


def exploring_driver(function: Callable, model: TabularModel,
                     epsilon: float = USE_EPSILON) -> dict[str, float]:
    """The exact expected steps from the start line of the epsilon-greedy policy around the
    optimal action values, with ``function``'s probabilities (``"exploring"``), of the optimal
    greedy policy (``"optimum"``), and how many states have tied optimal values (``"tied"``)."""
    solution = value_iteration(model)
    q_star = solution.q_values
    probabilities = probabilities_of_table(function, q_star, epsilon)
    tied = (q_star == q_star.max(axis=1, keepdims=True)).sum(axis=1) > 1
    return {"exploring": expected_steps_from_start(model, policy_evaluation(model, probabilities)),
            "optimum": expected_steps_from_start(model, solution.values),
            "tied": int(tied.sum())}


def check_action_probabilities(action_probabilities: Callable) -> None:
    """Check the reader's ``action_probabilities(q_row, epsilon)``; if it is right, evaluate
    exactly, on track 1, the driver that explores with its probabilities around the optimal
    action values."""

    def use(function: Callable) -> Iterator[str]:
        model = TabularModel.build("track1", noise=0.1)
        driver = exploring_driver(function, model)
        yield (f"  Used on track 1 (noise 0.1): around the optimal action values, exploring with "
               f"epsilon = {USE_EPSILON}, your probabilities make a driver that needs "
               f"{driver['exploring']:.2f} expected steps (chapter 2's exact policy evaluation); "
               f"the optimal greedy driver needs {driver['optimum']:.2f}. The optimal values tie "
               f"in {driver['tied']:,} of its {model.n_states:,} states.")

    check(ACTION_PROBABILITIES, action_probabilities, use)


# --- Exercise 4.2: the SARSA and Q-learning targets ----------------------------------------------

TARGET_CODES = {"sarsa": td.SARSA, "q_learning": td.Q_LEARNING}


def library_target(method: str, reward: float, next_q_row: np.ndarray, next_action: int,
                   finished: bool, gamma: float) -> float:
    """The library's target (``td.td_target``) of a step ``(s, a, r, s', a')``: the values of
    ``s'`` are ``next_q_row``; ``method`` is ``"sarsa"`` or ``"q_learning"``."""
    q_values = np.vstack([np.zeros(len(next_q_row)), np.asarray(next_q_row, dtype=float)])
    step = td.Transition(0, 0, float(reward), 1, int(next_action), bool(finished))
    return float(_td_target(q_values, step, TARGET_CODES[method], gamma, -1))


def _target_case(rng: np.random.Generator, method: str, gamma: float, finished: bool,
                 greedy_next: bool = False, reward: float = REWARD_PER_STEP) -> Case:
    row = _row_with_ties(rng, 1 if rng.random() < 0.8 else 2)
    best = np.flatnonzero(row == row.max())
    others = np.flatnonzero(row < row.max())
    next_action = int(rng.choice(best if greedy_next else others))
    arguments = (method, reward, row, next_action, finished, gamma)
    shown = (f"method = {method!r}, reward = {reward:g}, next_q_row = {describe(row)}, "
             f"next_action = {next_action}, finished = {finished}, gamma = {gamma:g}")
    return Case(arguments, shown, library_target(*arguments))


def _target_probes() -> list[Probe]:
    rng = np.random.default_rng(5)  # the same cases for every reader
    rewards = (REWARD_PER_STEP, REWARD_PER_STEP, -2.0, 0.0, 1.5)

    def cases(method: str, gammas: tuple[float, ...], finished: bool) -> list[Case]:
        # mostly a next action that is not greedy (where SARSA and Q-learning differ), then
        # greedy ones
        return ([_target_case(rng, method, gamma, finished, reward=reward)
                 for gamma in gammas for reward in rewards]
                + [_target_case(rng, method, gamma, finished, greedy_next=True)
                   for gamma in gammas])

    discounted, any_gamma = (0.9, 0.5, 0.99), (1.0, 0.9, 0.5)
    return [
        Probe("the SARSA target", "SARSA bootstraps from the action it takes next: reward + "
              "gamma * next_q_row[next_action] (eq. 6.7), whether that action is greedy or not.",
              cases("sarsa", (1.0,), False)),
        Probe("the Q-learning target", "Q-learning bootstraps from the best next action, "
              "whichever it takes: reward + gamma * max(next_q_row) (eq. 6.8).",
              cases("q_learning", (1.0,), False)),
        Probe("the discount", "the value of the next state is discounted: reward + gamma * "
              "(its value), with the gamma given.",
              cases("sarsa", discounted, False) + cases("q_learning", discounted, False)),
        Probe("the finishing step", "after the finishing step nothing follows: the target is "
              "the reward alone, for both methods (next_q_row and next_action mean nothing then).",
              cases("sarsa", any_gamma, True) + cases("q_learning", any_gamma, True)),
    ]


TD_TARGET = Exercise("td_target", 4, "the TD targets", _target_probes)


def td_in_python(model: TabularModel, config: AgentConfig, target_function: Callable,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``config.num_episodes`` episodes of the library's one-step loop (``td.td_episode``), in
    plain Python, with ``target_function(method, reward, next_q_row, next_action, finished,
    gamma)`` in place of ``td.td_target``.

    Every random draw is made as the compiled loop makes it (the same functions, uncompiled, in
    the same order), so with the library's target this learns exactly the table that
    ``training.run_episodes`` learns from the same generator.

    Returns:
        ``(Q, lengths)``: the learned table, shape ``(n_states, 9)``, and each episode's number
        of steps (negative if cut at ``config.max_episode_steps``).
    """
    next_states, start_states, noise = model.tables
    q_values = np.zeros((model.n_states, N_ACTIONS))
    visits = np.zeros((model.n_states, N_ACTIONS), dtype=np.int64)
    step_sizes, gamma, method = config.step_sizes(), config.gamma, config.target
    epsilons = schedule_of(config, 0, config.num_episodes).epsilons
    lengths = np.zeros(config.num_episodes, dtype=np.int64)
    for episode, epsilon in enumerate(epsilons):
        state = start_states[rng.integers(0, len(start_states))]
        action = _explore(_greedy_action(q_values, state, rng, 0.0), epsilon, N_ACTIONS, rng)
        lengths[episode] = -config.max_episode_steps
        for step in range(1, config.max_episode_steps + 1):
            next_state, finished, _, _ = _sample_transition_python(
                next_states, start_states, noise, state, action, rng)
            _count_visit(visits, state, action)
            if finished:
                target = target_function(method, REWARD_PER_STEP, q_values[state].copy(), 0, True,
                                         gamma)
            else:
                greedy_next = _greedy_action(q_values, next_state, rng, 0.0)
                next_action = _explore(greedy_next, epsilon, N_ACTIONS, rng)
                target = target_function(method, REWARD_PER_STEP, q_values[next_state].copy(),
                                         next_action, False, gamma)
            alpha = _step_size(step_sizes, visits, state, action)
            q_values[state, action] += alpha * (float(target) - q_values[state, action])
            if finished:
                lengths[episode] = step
                break
            state, action = next_state, next_action
    return q_values, lengths


def small_model() -> TabularModel:
    """The model of :data:`SMALL_TRACK` at noise 0.1."""
    return TabularModel.build(parse_track(SMALL_TRACK, "the small track"), noise=0.1)


def sarsa_with(function: Callable, model: TabularModel) -> dict[str, float]:
    """SARSA in plain Python with ``function`` as its target (:func:`td_in_python`,
    :data:`SARSA_CONFIG`): the exact expected steps of its greedy policy (``"learned"``), the
    optimum's (``"optimum"``), the real steps driven (``"steps"``), and the largest difference
    from the table the library's compiled loop learns from the same generator
    (``"difference"``)."""
    from ..training import Learner, run_episodes

    q_values, lengths = td_in_python(model, SARSA_CONFIG, function,
                                     np.random.default_rng(SARSA_SEED))
    learner = Learner.new(model, SARSA_CONFIG)
    run_episodes(learner, model, SARSA_CONFIG, np.random.default_rng(SARSA_SEED), 0,
                 SARSA_CONFIG.num_episodes)
    return {"learned": expected_steps_of_greedy(model, q_values, np.random.default_rng(0)),
            "optimum": expected_steps_from_start(model, value_iteration(model).values),
            "steps": int(np.abs(lengths).sum()),
            "difference": float(np.abs(q_values - learner.q_values).max())}


def check_td_target(td_target: Callable) -> None:
    """Check the reader's ``td_target(method, reward, next_q_row, next_action, finished,
    gamma)``; if it is right, run SARSA with it in plain Python on a small track and evaluate
    the greedy policy it learned exactly."""

    def use(function: Callable) -> Iterator[str]:
        model = small_model()
        run = sarsa_with(function, model)
        yield (f"  Used for real: SARSA in plain Python with your target, "
               f"{SARSA_CONFIG.num_episodes} episodes ({run['steps']:,} real steps, epsilon "
               f"from 1 down by a factor {SARSA_CONFIG.epsilon_decay} per episode) on a small "
               f"track of {model.n_states} states. Its greedy policy needs {run['learned']:.2f} "
               f"expected steps (exact); the optimum is {run['optimum']:.2f}. The library's "
               f"compiled SARSA, on the same random numbers, learned the same table (largest "
               f"difference {run['difference']:.2g}).")

    check(TD_TARGET, td_target, use)

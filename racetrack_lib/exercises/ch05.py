"""Chapter 5's exercises: one traced update of Watkins's Q(lambda) (the backward view), and the
lambda-return of a logged episode (the forward view).

The traced update is checked against the library's own :func:`racetrack_lib.traces.visit`,
:func:`~racetrack_lib.traces.update_traced` and :func:`~racetrack_lib.traces.clear`, in the order
:func:`~racetrack_lib.traces.traced_episode` calls them, on dense tables. The library has no function for the
lambda-return itself: :func:`lambda_return_by_definition` computes it from the weighted n-step
returns of Sutton & Barto's eq. 12.3, and the tests check it against the library's traces (the
backward view adds up to it, with ``Q`` held fixed).

Once right, the traced update drives a whole Watkins's Q(lambda) run in plain Python on chapter
4's small track, replaying the random draws of the library's compiled loop step by step; the
lambda-return is computed for an episode driven on track 1 and compared with what the library's
traces credit each pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from .. import traces as traces_module
from ..agent import schedule_of
from ..config import AgentConfig
from ..dp import value_iteration
from ..greedy_evaluation import expected_steps_of_greedy
from ..mdp import TabularModel, _sample_transition_python, run_episode
from ..policy import greedy_actions
from ..rules import N_ACTIONS, REWARD_PER_STEP
from ..traces import TRACE_THRESHOLD
from .ch04 import _count_visit, _explore, _greedy_action, small_model
from .checking import Case, Exercise, Probe, check, describe

# The library's compiled trace functions, called from Python as traces.traces_at_finish calls
# them (their plain-Python source would call the compiled step_size, whose first call from Python
# costs a second).
_visit, _update_traced, _clear = traces_module.visit, traces_module.update_traced, traces_module.clear

N_STATES = 4  # the small tables of the checks: 4 states x 9 actions
WATKINS_CONFIG = AgentConfig(trace_decay=0.9, alpha=0.5, alpha_power=0.0, alpha_min=0.0,
                             epsilon_decay=0.99, num_episodes=300)
WATKINS_SEED = 0
USE_TRACE_DECAY, USE_EPSILON, USE_SEED = 0.9, 0.2, 2  # the episode of the lambda-return's use


# --- Exercise 5.1: one traced update -------------------------------------------------------------

def library_traced_update(q_values: np.ndarray, eligibility: np.ndarray, state: int,
                          action: int, delta: float, alpha: float, decay: float,
                          cut: bool) -> None:
    """The library's traced update of one step, on dense tables changed in place: the pairs
    with a trace (``eligibility > 0``) become the library's sparse traces, then ``visit``
    (replacing), ``update_traced`` (a constant step size ``alpha``) and, if ``cut``, ``clear``,
    as in ``traces.traced_episode``; the traces left are written back."""
    shape = q_values.shape
    sparse = traces_module.new_traces(*shape)
    n_traced = 0
    for traced_state, traced_action in np.argwhere(eligibility > 0):
        n_traced = _visit(sparse, n_traced, traced_state, traced_action, True)
        sparse.values[n_traced - 1] = eligibility[traced_state, traced_action]
    n_traced = _visit(sparse, n_traced, state, action, True)
    n_traced = _update_traced(q_values, sparse, n_traced, np.array([alpha]),
                              np.ones(shape, dtype=np.int64), delta, decay)
    if cut:
        n_traced = _clear(sparse, n_traced)
    eligibility[:] = 0.0
    kept = sparse.pairs[:n_traced]
    eligibility[kept[:, 0], kept[:, 1]] = sparse.values[:n_traced]


def _entries(table: np.ndarray, where: np.ndarray) -> dict[tuple[int, int], float]:
    return {(int(s), int(a)): float(table[s, a]) for s, a in np.argwhere(where)}


def observe_update(function: Callable, arguments: tuple) -> dict[str, dict]:
    """What a traced update did: the entries of ``Q`` it changed (``"Q"``) and the traces it left
    (``"e"``, the non-zero ones), each as ``{(s, a): value}``."""
    q_values, eligibility = arguments[0], arguments[1]
    before = np.array(q_values, dtype=float, copy=True)
    function(*arguments)
    q_after, e_after = np.asarray(q_values, dtype=float), np.asarray(eligibility, dtype=float)
    return {"Q": _entries(q_after, q_after != before), "e": _entries(e_after, e_after != 0.0)}


def _pairs_text(values: dict[tuple[int, int], float]) -> str:
    """``{(s, a): value, ...}`` in pair order, to 6 significant digits (a trace near the
    threshold, 1.05e-4, shows as 0.000105)."""
    return "{" + ", ".join(f"({s}, {a}): {value:.6g}" for (s, a), value in sorted(values.items())) + "}"


def _update_case(rng: np.random.Generator, traced: dict[tuple[int, int], float], state: int,
                 action: int, decay: float, cut: bool) -> Case:
    q_values = np.round(rng.uniform(-12.0, -1.0, (N_STATES, N_ACTIONS)), 1)
    eligibility = np.zeros((N_STATES, N_ACTIONS))
    for pair, value in traced.items():
        eligibility[pair] = value
    delta = float(np.round(rng.uniform(-3.0, 2.0), 1)) or -1.0
    alpha = float(rng.choice([0.5, 0.1, 0.2, 1.0]))
    arguments = (q_values, eligibility, state, action, delta, alpha, decay, cut)
    shown_q = {pair: float(q_values[pair]) for pair in sorted({*traced, (state, action)})}
    shown = (f"(state, action) = ({state}, {action}), delta = {delta:g}, alpha = {alpha:g}, "
             f"decay = {decay:g}, cut = {cut}; traces before {_pairs_text(traced)} (0 elsewhere), "
             f"Q before {_pairs_text(shown_q)} at those pairs")
    q_expected, e_expected = q_values.copy(), eligibility.copy()
    library_traced_update(q_expected, e_expected, state, action, delta, alpha, decay, cut)
    expected = {"Q": _entries(q_expected, q_expected != q_values),
                "e": _entries(e_expected, e_expected != 0.0)}
    return Case(arguments, shown, expected)


def _earlier_traces(rng: np.random.Generator, state: int, action: int, decay: float, kind: str
                    ) -> dict[tuple[int, int], float]:
    """Traces of a few earlier pairs (the traces of pairs visited 1, 2, ... steps ago), chosen
    so that each case tests one idea: ``"others"`` other states only, none dropped by this
    step's decay; ``"revisit"`` also the visited pair; ``"same state"`` also other actions of
    ``state``; ``"small"`` also traces that this step's decay takes below the threshold."""
    others = [s for s in range(N_STATES) if s != state]
    traced: dict[tuple[int, int], float] = {}
    for age in range(1, int(rng.integers(2, 5))):
        pair = (int(rng.choice(others)), int(rng.integers(N_ACTIONS)))
        traced.setdefault(pair, round(decay**age, 6))
    if kind == "revisit":
        traced[(state, action)] = round(decay ** int(rng.integers(1, 4)), 6)
    elif kind == "same state":
        for other in rng.choice([b for b in range(N_ACTIONS) if b != action], 2, replace=False):
            traced[(state, int(other))] = round(decay ** int(rng.integers(1, 4)), 6)
    elif kind == "small":
        for _ in range(2):
            pair = (int(rng.choice(others)), int(rng.integers(N_ACTIONS)))
            # a trace that this step's decay takes below the threshold (but not to 0)
            traced[pair] = round(TRACE_THRESHOLD * float(rng.uniform(1.05, 0.98 / decay)), 9)
    return traced


def _update_probes() -> list[Probe]:
    rng = np.random.default_rng(6)  # the same cases for every reader
    decays = (0.9, 0.5, 0.95 * 0.9, 0.8)

    def cases(kind: str, n_cases: int, cut: bool = False,
              decays: tuple[float, ...] = decays) -> list[Case]:
        made = []
        for index in range(n_cases):
            state, action = int(rng.integers(N_STATES)), int(rng.integers(N_ACTIONS))
            decay = decays[index % len(decays)]
            traced = {} if kind == "visit" else _earlier_traces(rng, state, action, decay, kind)
            made.append(_update_case(rng, traced, state, action, decay, cut))
        return made

    finishing = [_update_case(rng, _earlier_traces(rng, 1, 4, 0.9, "others"), 1, 4, 0.0, False)
                 for _ in range(3)]
    return [
        Probe("the visit", "mark the visit first, e(s, a) = 1; then update Q(x, b) += alpha * "
              "delta * e(x, b); then decay every trace, e *= decay, in place (e = e * decay only "
              "makes a new array).", cases("visit", 12)),
        Probe("every traced pair", "one TD error updates every pair with a trace, Q(x, b) += "
              "alpha * delta * e(x, b), not only the pair just visited; then every trace "
              "decays.", cases("others", 20)),
        Probe("replacing a trace", "a revisited pair's trace becomes 1 again, not e(s, a) + 1 "
              "(that would be an accumulating trace).", cases("revisit", 12)),
        Probe("the other actions of the state", "the visit replaces the trace of (s, a) only: "
              "the traces of the other actions of s stay as they are (the library does not "
              "clear them).", cases("same state", 12)),
        Probe("dropping small traces", "a trace that falls below traces.TRACE_THRESHOLD (1e-4) "
              "when it decays is dropped: set it to 0. At the finishing step decay is 0 and "
              "every trace goes.", cases("small", 12) + finishing),
        Probe("Watkins's cut", "cut = True (the next action is exploratory): every trace is "
              "cleared, after this step's update - the TD error of this step still reaches "
              "every traced pair.", cases("others", 12, cut=True)),
    ]


TRACED_UPDATE = Exercise("traced_update", 5, "one traced update", _update_probes,
                         observe=observe_update)


def traced_in_python(model: TabularModel, config: AgentConfig, update: Callable,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``config.num_episodes`` episodes of the library's traced loop (``traces.traced_episode``)
    in plain Python, with dense traces and ``update(q_values, eligibility, state, action, delta,
    alpha, decay, cut)`` in place of the library's ``visit``, ``update_traced`` and ``clear``.

    Watkins's Q(lambda), naive Q(lambda) or SARSA(lambda), as ``config`` says, with replacing
    traces and a constant step size (``config.alpha_power == 0``). Every random draw is made
    as the compiled loop makes it (the same functions, uncompiled, in the same order), so with
    the library's update this learns exactly the table that ``training.run_episodes`` learns
    from the same generator.

    Returns:
        ``(Q, lengths)``: the learned table and each episode's number of steps (negative if cut
        at ``config.max_episode_steps``).
    """
    if config.alpha_power != 0.0 or config.trace_kind != "replacing":
        raise ValueError("traced_in_python needs a constant step size (alpha_power = 0) and "
                         "replacing traces")
    next_states, start_states, noise = model.tables
    q_values = np.zeros((model.n_states, N_ACTIONS))
    eligibility = np.zeros((model.n_states, N_ACTIONS))
    visits = np.zeros((model.n_states, N_ACTIONS), dtype=np.int64)
    alpha, gamma = config.alpha, config.gamma
    sarsa = config.target == "sarsa"
    cut_traces = config.q_lambda == "watkins" and not sarsa  # as agent.loop_settings
    schedule = schedule_of(config, 0, config.num_episodes)
    lengths = np.zeros(config.num_episodes, dtype=np.int64)
    for episode in range(config.num_episodes):
        epsilon, decay = schedule.epsilons[episode], gamma * schedule.trace_decays[episode]
        state = start_states[rng.integers(0, len(start_states))]
        action = _explore(_greedy_action(q_values, state, rng, 0.0), epsilon, N_ACTIONS, rng)
        lengths[episode] = -config.max_episode_steps
        for step in range(1, config.max_episode_steps + 1):
            next_state, finished, _, _ = _sample_transition_python(
                next_states, start_states, noise, state, action, rng)
            _count_visit(visits, state, action)
            if finished:
                delta = REWARD_PER_STEP - q_values[state, action]
                update(q_values, eligibility, state, action, delta, alpha, 0.0, False)
                lengths[episode] = step
                break
            greedy_next = _greedy_action(q_values, next_state, rng, 0.0)
            next_action = _explore(greedy_next, epsilon, N_ACTIONS, rng)
            bootstrap = q_values[next_state, next_action if sarsa else greedy_next]
            delta = REWARD_PER_STEP + gamma * bootstrap - q_values[state, action]
            explored = q_values[next_state, next_action] < q_values[next_state, greedy_next]
            update(q_values, eligibility, state, action, delta, alpha, decay,
                   bool(explored and cut_traces))
            state, action = next_state, next_action
        eligibility[:] = 0.0  # the library starts every episode without traces
    return q_values, lengths


def watkins_with(function: Callable, model: TabularModel) -> dict[str, float]:
    """Watkins's Q(lambda) in plain Python with ``function`` as its traced update
    (:func:`traced_in_python`, :data:`WATKINS_CONFIG`): the exact expected steps of its greedy
    policy (``"learned"``), the real steps driven (``"steps"``), and the largest difference from
    the table the library's compiled loop learns from the same generator (``"difference"``)."""
    from ..training import Learner, run_episodes

    q_values, lengths = traced_in_python(model, WATKINS_CONFIG, function,
                                          np.random.default_rng(WATKINS_SEED))
    learner = Learner.new(model, WATKINS_CONFIG)
    run_episodes(learner, model, WATKINS_CONFIG, np.random.default_rng(WATKINS_SEED), 0,
                 WATKINS_CONFIG.num_episodes)
    return {"learned": expected_steps_of_greedy(model, q_values, np.random.default_rng(0)),
            "steps": int(np.abs(lengths).sum()),
            "difference": float(np.abs(q_values - learner.q_values).max())}


def check_traced_update(traced_update: Callable) -> None:
    """Check the reader's ``traced_update(q_values, eligibility, state, action, delta, alpha,
    decay, cut)``; if it is right, run Watkins's Q(lambda) with it in plain Python on chapter 4's
    small track and evaluate the greedy policy it learned exactly."""

    def use(function: Callable) -> Iterator[str]:
        model = small_model()
        run = watkins_with(function, model)
        optimum = -value_iteration(model).values[model.start_states].mean()
        config = WATKINS_CONFIG
        yield (f"  Used for real: Watkins's Q({config.trace_decay:g}) in plain Python with your "
               f"update, {config.num_episodes} episodes ({run['steps']:,} real steps; constant "
               f"step size {config.alpha:g}, epsilon from 1 down by a factor "
               f"{config.epsilon_decay} per episode, lambda ramped with it) on chapter 4's small "
               f"track ({model.n_states} states). Its greedy policy needs {run['learned']:.2f} "
               f"expected steps (exact); the optimum is {optimum:.2f}. The library's compiled "
               f"loop, on the same random numbers, learned the same table (largest difference "
               f"{run['difference']:.2g}).")

    check(TRACED_UPDATE, traced_update, use)


# --- Exercise 5.2: the lambda-return -------------------------------------------------------------

def lambda_return_by_definition(rewards: list[float], values: list[float], t: int, gamma: float,
                                trace_decay: float) -> float:
    """``G_t^lambda`` of an episode that ends after ``T = len(rewards)`` steps, from its
    definition, the weighted n-step returns of Sutton & Barto's eq. 12.3::

        G_t^lambda = (1 - lambda) sum_{n=1}^{T-t-1} lambda^(n-1) G_{t:t+n}
                     + lambda^(T-t-1) G_t
        G_{t:t+n}  = r_{t+1} + gamma r_{t+2} + ... + gamma^(n-1) r_{t+n} + gamma^n Q(s_{t+n}, a_{t+n})
        G_t        = r_{t+1} + gamma r_{t+2} + ... + gamma^(T-t-1) r_T      (no bootstrap)

    ``rewards[k]`` is ``r_{k+1}``, the reward of step ``k``; ``values[k]`` is ``Q(s_k, a_k)``,
    the value of the pair taken at step ``k`` (SARSA's n-step returns). ``0 ** 0`` is 1: with
    ``lambda = 0`` the last step's return is ``r_T``.
    """
    end, lam = len(rewards), trace_decay

    def n_step_return(n: int) -> float:
        discounted = sum(gamma**i * rewards[t + i] for i in range(n))
        return discounted + (gamma**n * values[t + n] if t + n < end else 0.0)

    weighted = sum((1 - lam) * lam ** (n - 1) * n_step_return(n) for n in range(1, end - t))
    return float(weighted + lam ** (end - t - 1) * n_step_return(end - t))


def _episode(rng: np.random.Generator, length: int) -> tuple[list[float], list[float]]:
    rewards = [float(r) for r in rng.choice([-1.0, -1.0, -2.0, 0.0, -3.0], length)]
    values = [float(v) for v in np.round(rng.uniform(-12.0, -1.0, length), 1)]
    return rewards, values


def _return_case(rewards: list[float], values: list[float], t: int, gamma: float,
                 trace_decay: float) -> Case:
    shown = (f"t = {t}, rewards = {describe(rewards)}, values = {describe(values)}, "
             f"gamma = {gamma:g}, trace_decay = {trace_decay:g}")
    expected = lambda_return_by_definition(rewards, values, t, gamma, trace_decay)
    return Case((rewards, values, t, gamma, trace_decay), shown, expected)


def _return_probes() -> list[Probe]:
    rng = np.random.default_rng(7)  # the same cases for every reader

    def cases(lambdas: tuple[float, ...], gammas: tuple[float, ...], last: bool = False,
              per_pair: int = 3) -> list[Case]:
        made = []
        for trace_decay in lambdas:
            for gamma in gammas:
                for _ in range(per_pair):
                    length = int(rng.integers(2, 9))
                    rewards, values = _episode(rng, length)
                    t = length - 1 if last else int(rng.integers(0, length - 1))
                    made.append(_return_case(rewards, values, t, gamma, trace_decay))
        return made

    return [
        Probe("the one-step target (lambda = 0)", "the n-step return G_{t:t+n} has the weight "
              "(1 - lambda) lambda^(n-1): with lambda = 0 all of it is on G_{t:t+1} = rewards[t] "
              "+ gamma * values[t + 1], the one-step target of chapter 4.", cases((0.0,), (1.0,))),
        Probe("the Monte Carlo return (lambda = 1)", "with lambda = 1 the lambda-return is the "
              "return to the end, rewards[t] + gamma * rewards[t + 1] + ... + gamma^(T-t-1) * "
              "rewards[T - 1]: in eq. 12.3 it takes the weight the shorter returns leave, "
              "lambda^(T-t-1), and it does not bootstrap (nothing follows the finish).",
              cases((1.0,), (1.0,))),
        Probe("the weighted n-step returns", "weights (1 - lambda) lambda^(n-1) for the n-step "
              "returns with t + n < T, and lambda^(T-t-1) for the return to the end: the weights "
              "add up to 1.", cases((0.5, 0.8, 0.9, 0.3), (1.0,))),
        Probe("discounting", "G_{t:t+n} discounts: rewards[t + i] by gamma^i, and the value it "
              "bootstraps from, values[t + n], by gamma^n.", cases((0.0, 0.5, 0.9, 1.0),
                                                                   (0.9, 0.5), per_pair=2)),
        Probe("the last step", "at the last step, t = T - 1, nothing follows: G^lambda_{T-1} = "
              "rewards[T - 1], for every lambda.", cases((0.0, 0.5, 1.0), (1.0, 0.9), last=True,
                                                         per_pair=1)),
    ]


LAMBDA_RETURN = Exercise("lambda_return", 5, "the lambda-return", _return_probes)


def backward_view_credits(pairs: list[tuple[int, int]], deltas: list[float], n_states: int,
                          decay: float) -> np.ndarray:
    """What the library's traces add to each pair over a logged episode with ``Q`` held fixed:
    accumulating traces, never cut, a step size of 1, so each pair gets ``sum_k (gamma
    lambda)^k delta_{t+k}`` over its visits ``t`` (``visit``, ``update_traced`` into a table of
    zeros), shape ``(n_states, 9)``."""
    sparse = traces_module.new_traces(n_states, N_ACTIONS)
    credits = np.zeros((n_states, N_ACTIONS))
    one_step, visits = np.ones(1), np.ones((n_states, N_ACTIONS), dtype=np.int64)
    n_traced = 0
    for (state, action), delta in zip(pairs, deltas, strict=True):
        n_traced = _visit(sparse, n_traced, state, action, False)
        n_traced = _update_traced(credits, sparse, n_traced, one_step, visits, delta, decay)
    return credits


def forward_and_backward(function: Callable, model: TabularModel, q_values: np.ndarray
                         ) -> dict[str, float]:
    """Drive one episode on ``model`` epsilon-greedily around ``q_values`` (:data:`USE_EPSILON`,
    :data:`USE_SEED`), compute ``function``'s lambda-return of every step (gamma 1,
    :data:`USE_TRACE_DECAY`, the values of the pairs taken), and compare ``G_t^lambda - Q(s_t,
    a_t)``, summed per pair, with :func:`backward_view_credits`: the episode's length
    (``"steps"``), pairs (``"pairs"``), the largest difference (``"difference"``), the largest
    trace-weight the backward view would have dropped (``"dropped"``, 0 if it kept every trace),
    and ``G_0^lambda`` and ``Q(s_0, a_0)``."""
    greedy = greedy_actions(q_values, np.random.default_rng(0))
    drive = run_episode(model, greedy, np.random.default_rng(USE_SEED), epsilon=USE_EPSILON)
    pairs = [(int(s), int(a)) for s, a in zip(drive.states[: drive.n_steps], drive.actions,
                                              strict=True)]
    rewards = [REWARD_PER_STEP] * len(pairs)
    values = [float(q_values[pair]) for pair in pairs]
    returns = [float(function(list(rewards), list(values), t, 1.0, USE_TRACE_DECAY))
               for t in range(len(pairs))]
    forward = np.zeros_like(q_values)
    for (state, action), g_lambda, value in zip(pairs, returns, values, strict=True):
        forward[state, action] += g_lambda - value
    deltas = [rewards[k] + (values[k + 1] if k + 1 < len(pairs) else 0.0) - values[k]
              for k in range(len(pairs))]
    backward = backward_view_credits(pairs, deltas, model.n_states, USE_TRACE_DECAY)
    return {"steps": len(pairs), "pairs": len(set(pairs)),
            "difference": float(np.abs(forward - backward).max()),
            "dropped": USE_TRACE_DECAY ** (len(pairs) - 1) < TRACE_THRESHOLD,
            "g_lambda": returns[0], "q": values[0]}


def check_lambda_return(lambda_return: Callable) -> None:
    """Check the reader's ``lambda_return(rewards, values, t, gamma, trace_decay)``; if it is
    right, compare its lambda-returns on an episode driven on track 1 with what the library's
    traces credit each pair (the backward view)."""

    def use(function: Callable) -> Iterator[str]:
        model = TabularModel.build("track1", noise=0.1)
        run = forward_and_backward(function, model, value_iteration(model).q_values)
        kept = "none dropped" if not run["dropped"] else "some dropped below the threshold"
        yield (f"  Used on track 1: an episode of {run['steps']} steps ({run['pairs']} pairs), "
               f"driven with epsilon = {USE_EPSILON} around the optimal action values. With "
               f"lambda = {USE_TRACE_DECAY:g} and Q held fixed, your G^lambda_t - Q(s_t, a_t), "
               f"summed per pair, is what the library's accumulating traces credit each pair "
               f"over the episode ({kept}), to {run['difference']:.1g}. From the start, "
               f"G^lambda_0 = {run['g_lambda']:.2f} against Q(s_0, a_0) = {run['q']:.2f}.")

    check(LAMBDA_RETURN, lambda_return, use)

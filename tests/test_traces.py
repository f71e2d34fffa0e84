"""Eligibility traces: lambda -> 0 is one-step TD, Watkins's cut, accumulating vs replacing, and
the sparse traces against a dense reference."""

import numpy as np
import pytest
from conftest import tiny_track

from racetrack_lib import TabularModel, epsilon_greedy, greedy_action
from racetrack_lib.agent import Schedule, loop_settings, run_agent_episodes
from racetrack_lib.config import AgentConfig
from racetrack_lib.mdp import sample_transition
from racetrack_lib.policy import explore
from racetrack_lib.rules import FINISHED
from racetrack_lib.traces import TRACE_THRESHOLD, clear, new_traces, update_traced, visit
from racetrack_lib.training import Learner, run_episodes


def run(model, config, seed=0, episodes=None):
    learner = Learner.new(model, config)
    lengths = run_episodes(learner, model, config, np.random.default_rng(seed), 0,
                           episodes or config.num_episodes)
    return learner.q_values, lengths


@pytest.mark.parametrize("target", ["q_learning", "sarsa"])
def test_vanishing_lambda_is_one_step_td(track1_model, target):
    # gamma * lambda below the threshold: every trace is dropped right after its own update.
    one_step = run(track1_model, AgentConfig(target=target, num_episodes=500))
    traced = run(track1_model, AgentConfig(target=target, num_episodes=500, trace_decay=1e-9))
    np.testing.assert_array_equal(one_step[0], traced[0])
    np.testing.assert_array_equal(one_step[1], traced[1])
    longer = run(track1_model, AgentConfig(target=target, num_episodes=500, trace_decay=0.5))
    assert not np.array_equal(one_step[0], longer[0])


def test_watkins_cuts_only_after_exploring(track1_model):
    greedy = AgentConfig(epsilon_start=0.0, epsilon_min=0.0, num_episodes=300, trace_decay=0.8)
    naive = AgentConfig(**{**greedy.to_dict(), "q_lambda": "naive"})
    # Never exploring: nothing to cut, Watkins and naive Q(lambda) are the same algorithm.
    np.testing.assert_array_equal(run(track1_model, greedy)[0], run(track1_model, naive)[0])
    exploring = AgentConfig(**{**greedy.to_dict(), "epsilon_start": 0.3, "epsilon_min": 0.3})
    exploring_naive = AgentConfig(**{**exploring.to_dict(), "q_lambda": "naive"})
    assert not np.array_equal(run(track1_model, exploring)[0],
                              run(track1_model, exploring_naive)[0])


def test_sarsa_lambda_never_cuts(track1_model):
    config = AgentConfig(target="sarsa", epsilon_start=0.3, epsilon_min=0.3, num_episodes=300,
                         trace_decay=0.8)
    naive = AgentConfig(**{**config.to_dict(), "q_lambda": "naive"})
    np.testing.assert_array_equal(run(track1_model, config)[0], run(track1_model, naive)[0])


def test_accumulating_and_replacing_visits():
    traces = new_traces(3, 2)
    slot, values = traces.slot, traces.values
    n = visit(traces, 0, 1, 1, True)
    n = visit(traces, n, 1, 1, True)
    assert n == 1 and values[0] == 1.0  # replacing: back to 1
    n = visit(traces, n, 1, 1, False)
    n = visit(traces, n, 2, 0, False)
    assert n == 2 and values[0] == 2.0 and values[1] == 1.0  # accumulating: 1 + 1
    q_values = np.zeros((3, 2))
    half, visits = np.array([0.5]), np.ones((3, 2), dtype=np.int64)  # a constant alpha = 0.5
    n = update_traced(q_values, traces, n, half, visits, -1.0, 0.9)
    assert q_values[1, 1] == -1.0 and q_values[2, 0] == -0.5
    assert n == 2 and values[0] == pytest.approx(1.8) and slot[2, 0] == 1
    # 1e-5 * 1.8 and 1e-5 * 0.9 are below TRACE_THRESHOLD (1e-4): both dropped
    n = update_traced(q_values, traces, n, half, visits, 0.0, 1e-5)
    assert n == 0 and (slot == -1).all()  # decayed below the threshold: dropped
    # clear drops every trace however large, and a cleared pair is traced afresh
    n = visit(traces, visit(traces, 0, 2, 1, True), 0, 0, True)
    assert n == 2 and slot[2, 1] == 0 and slot[0, 0] == 1
    n = clear(traces, n)
    assert n == 0 and (slot == -1).all()
    assert visit(traces, n, 0, 0, False) == 1 and slot[0, 0] == 0 and values[0] == 1.0


def test_accumulating_differs_from_replacing_on_the_track(track1_model):
    # Waiting on the start line revisits the same pair: the two kinds of trace then differ.
    replacing = AgentConfig(num_episodes=300, trace_decay=0.9)
    accumulating = AgentConfig(**{**replacing.to_dict(), "trace_kind": "accumulating"})
    assert not np.array_equal(run(track1_model, replacing)[0],
                              run(track1_model, accumulating)[0])


def dense_td_lambda(model, config, seed, episodes):
    """The textbook backward view with a dense trace table E (decayed in full every step),
    drawing the same random numbers in the same order as the library."""
    rng = np.random.default_rng(seed)
    q = np.zeros((model.n_states, 9))
    visits = np.zeros((model.n_states, 9), dtype=int)
    sarsa = config.target == "sarsa"
    ring, position, batch = [None] * config.memory_size, 0, config.replayed_per_step

    def remember_and_replay(transition):
        # A ring buffer in a list; then one-step updates of sampled transitions, never traced.
        nonlocal position
        ring[position] = transition
        position = (position + 1) % len(ring)
        stored = [t for t in ring if t is not None]
        if len(stored) < batch:
            return
        for _ in range(batch):
            s, a, r, s2, a2, done = ring[rng.integers(0, len(stored))]
            target = r if done else r + config.gamma * (q[s2, a2] if sarsa else q[s2].max())
            q[s, a] += alphas[s, a] * (target - q[s, a])

    tried, outcomes = [], {}  # the planning list; (s, a) -> {outcome: count}, in first-seen order

    def learn_and_plan(state, action, outcome):
        # Dyna: teach the model, then planning_steps simulated Q-learning updates.
        if (state, action) not in outcomes:
            tried.append((state, action))
            outcomes[(state, action)] = {}
        seen = outcomes[(state, action)]
        if config.model_kind == "last":
            seen.clear()
        seen[outcome] = seen.get(outcome, 0) + 1
        for _ in range(config.planning_steps):
            s, a = tried[int(rng.random() * len(tried))]  # dyna.uniform_index
            choices = list(outcomes[(s, a)].items())
            simulated = choices[0][0]
            if len(choices) > 1:  # draw in proportion to the counts
                cumulative = np.cumsum([count for _, count in choices])
                draw = int(rng.random() * cumulative[-1])
                simulated = choices[int(np.searchsorted(cumulative, draw, side="right"))][0]
            target = -1.0 if simulated == FINISHED else -1.0 + config.gamma * q[simulated].max()
            q[s, a] += alphas[s, a] * (target - q[s, a])

    for episode in range(episodes):
        epsilon = config.epsilon(episode)
        decay = config.gamma * config.trace_decay_at(episode)
        traces = np.zeros_like(q)
        state = model.start_states[rng.integers(0, len(model.start_states))]
        action = epsilon_greedy(q, state, epsilon, rng)
        while True:
            next_state, finished, _, _ = sample_transition(
                model.next_states, model.start_states, model.noise, state, action, rng)
            visits[state, action] += 1
            # each pair's own step size: alpha * n^-power, floored (visits >= 1 where traced)
            alphas = np.maximum(config.alpha_min,
                                config.alpha * np.maximum(visits, 1) ** -config.alpha_power)
            if config.trace_kind == "replacing":
                traces[state, action] = 1.0
            else:
                traces[state, action] += 1.0
            if finished:
                q += alphas * (-1.0 - q[state, action]) * traces
                if batch:
                    remember_and_replay((state, action, -1.0, state, 0, True))
                if config.planning_steps:
                    learn_and_plan(state, action, FINISHED)
                break
            greedy = greedy_action(q, next_state, rng, 0.0)
            next_action = explore(greedy, epsilon, 9, rng)
            bootstrap = q[next_state, next_action] if sarsa else q[next_state, greedy]
            delta = -1.0 + config.gamma * bootstrap - q[state, action]
            explored = q[next_state, next_action] < q[next_state, greedy]
            q += alphas * delta * traces
            traces *= decay
            traces[traces < TRACE_THRESHOLD] = 0.0
            if explored and not sarsa and config.q_lambda == "watkins":
                traces[:] = 0.0
            if batch:
                remember_and_replay((state, action, -1.0, next_state, next_action, False))
            if config.planning_steps:
                learn_and_plan(state, action, next_state)
            state, action = next_state, next_action
    return q


@pytest.mark.parametrize(
    "settings",
    [{"target": "q_learning"}, {"target": "sarsa"}, {"trace_kind": "accumulating"},
     {"q_lambda": "naive"}, {"alpha_power": 0.0, "trace_schedule": "constant"},
     {"memory_size": 50, "batch_size": 4}, {"memory_size": 50, "batch_size": 4, "target": "sarsa"},
     {"memory_size": 50, "batch_size": 4, "trace_decay": 0.0},
     {"planning_steps": 3}, {"planning_steps": 3, "model_kind": "last", "trace_decay": 0.0},
     {"planning_steps": 2, "memory_size": 30, "batch_size": 2, "target": "sarsa"}],
)
def test_sparse_traces_match_a_dense_reference(settings):
    model = TabularModel.build(tiny_track("single_start"), noise=0.1)
    config = AgentConfig(**{"alpha": 0.1, "epsilon_start": 0.5, "epsilon_decay": 0.99,
                            "epsilon_min": 0.1, "trace_decay": 0.8, **settings})
    sparse, _ = run(model, config, seed=5, episodes=60)
    dense = dense_td_lambda(model, config, seed=5, episodes=60)
    np.testing.assert_allclose(sparse, dense, rtol=1e-12, atol=1e-12)
    assert (sparse != 0).sum() > 50


def logged_episode(model, q_values, epsilon, rng):
    """The (state, action) pairs of one episode under fixed ``q_values``, with the library's
    random draws in the library's order; the last pair is the one that finished."""
    state = model.start_states[rng.integers(0, len(model.start_states))]
    action = epsilon_greedy(q_values, state, epsilon, rng)
    pairs = []
    while True:
        pairs.append((state, action))
        next_state, finished, _, _ = sample_transition(
            model.next_states, model.start_states, model.noise, state, action, rng)
        if finished:
            return pairs
        greedy = greedy_action(q_values, next_state, rng, 0.0)
        state, action = next_state, explore(greedy, epsilon, 9, rng)


def lambda_return(rewards, bootstraps, gamma, lam, t, horizon=None):
    """The lambda-return of step ``t`` from its definition, the weighted n-step returns of an
    episode that ends (S&B eq. 12.3), stopped at step ``horizon`` (the episode's end, T, if
    None; Watkins's cut otherwise, where the last return bootstraps instead of ending):

        G_t^lambda = (1 - lambda) sum_{n=1}^{h-t-1} lambda^(n-1) G_{t:t+n} + lambda^(h-t-1) G_{t:h}

    ``rewards[k]`` is r_{k+1}; ``bootstraps[k]`` the value that the n-step return ending at
    step k bootstraps from (0 at the end of the episode).
    """
    end = len(rewards) if horizon is None else horizon

    def n_step_return(n):  # G_{t:t+n}
        discounted = sum(gamma**i * rewards[t + i] for i in range(n))
        return discounted + gamma**n * bootstraps[t + n]

    weighted = sum((1 - lam) * lam ** (n - 1) * n_step_return(n) for n in range(1, end - t))
    return weighted + lam ** (end - t - 1) * n_step_return(end - t)


@pytest.mark.parametrize("algorithm", ["sarsa", "watkins", "naive"])
def test_backward_view_equals_the_forward_view_lambda_return(algorithm):
    """With Q held fixed during an episode, accumulating traces and a fixed step size, the
    backward view (the library's visit, update_traced and clear) adds to each pair exactly
    alpha * (G_t^lambda - Q(s_t, a_t)) summed over its visits, G_t^lambda computed from its
    definition (weighted n-step returns):

    - SARSA(lambda): the lambda-return of the policy followed, n-step returns bootstrapping
      from Q(s_{t+n}, a_{t+n}) (S&B section 12.7);
    - Watkins's Q(lambda): the lambda-return of the greedy n-step returns (bootstrapping from
      max_b Q(s_{t+n}, b)), cut at the first exploratory action (S&B section 12.10);
    - naive Q(lambda): SARSA's lambda-return plus, for every later step t + k whose action
      a' was not greedy, gamma (gamma lambda)^(k-1) (max_b Q(s', b) - Q(s', a')) >= 0 (the
      upward push of chapter 5).
    """
    model = TabularModel.build(tiny_track("single_start"), noise=0.1)
    gamma, lam, epsilon, alpha = 0.95, 0.6, 0.4, 0.5
    q_frozen = -5.0 + np.random.default_rng(3).normal(size=(model.n_states, 9))
    pairs = logged_episode(model, q_frozen, epsilon, np.random.default_rng(21))
    steps = len(pairs)
    best = [q_frozen[state].max() for state, _ in pairs]
    taken = [q_frozen[state, action] for state, action in pairs]
    exploratory = [taken[k] < best[k] for k in range(steps)]
    assert steps >= 20 and sum(exploratory[1:]) >= 3  # there are cuts and pushes to check
    assert len(set(pairs)) < steps  # a pair is revisited: accumulating traces add up
    rewards = [-1.0] * steps
    # The backward view: the TD errors under the fixed table, through the library's traces.
    follows = [*(taken if algorithm == "sarsa" else best)[1:], 0.0]  # bootstrap of step k
    deltas = [rewards[k] + gamma * follows[k] - taken[k] for k in range(steps)]
    traces = new_traces(model.n_states, 9)
    backward = np.zeros_like(q_frozen)  # the summed updates; Q itself stays fixed
    fixed_alpha, visits = np.array([alpha]), np.ones((model.n_states, 9), dtype=np.int64)
    n_traced, since_cut = 0, set()
    for k, (state, action) in enumerate(pairs):
        n_traced = visit(traces, n_traced, state, action, False)
        since_cut.add((state, action))
        n_traced = update_traced(backward, traces, n_traced, fixed_alpha, visits, deltas[k],
                                 gamma * lam)
        # No trace of this episode falls below TRACE_THRESHOLD (the car keeps crashing back to
        # the start and revisiting its pairs), so none is dropped and the backward view is
        # exact, untruncated, as the lambda-return's definition needs.
        assert n_traced == len(since_cut)
        if algorithm == "watkins" and k + 1 < steps and exploratory[k + 1]:
            n_traced = clear(traces, n_traced)
            since_cut = set()
    # The forward view: alpha (G_t^lambda - Q(s_t, a_t)) for every step, summed per pair.
    # bootstraps[n]: the value an n-step return ending at step n bootstraps from (0: the end)
    on_policy = taken if algorithm in ("sarsa", "naive") else best  # naive: SARSA's + the push
    bootstraps = [*on_policy, 0.0]
    forward = np.zeros_like(q_frozen)
    for t, (state, action) in enumerate(pairs):
        horizon = None
        if algorithm == "watkins":  # cut at the first exploratory action after t
            horizon = next((k for k in range(t + 1, steps) if exploratory[k]), None)
        target = lambda_return(rewards, bootstraps, gamma, lam, t, horizon)
        if algorithm == "naive":
            target += sum(gamma * (gamma * lam) ** (k - 1) * (best[t + k] - taken[t + k])
                          for k in range(1, steps - t))
        forward[state, action] += alpha * (target - q_frozen[state, action])
    np.testing.assert_allclose(backward, forward, rtol=0, atol=1e-12)
    assert np.abs(forward).max() > 1.0
    if algorithm == "naive":  # the push is real: naive credits more than SARSA would
        assert max(best[k] - taken[k] for k in range(1, steps)) > 0.1


@pytest.mark.parametrize("target", ["sarsa", "naive"])
def test_the_learning_loop_credits_the_discounted_td_errors(target):
    """The compiled loop itself (run_agent_episodes, which runs the traced loop for lambda > 0),
    with a step size so small that Q barely moves within the episode, adds to each visited pair
    alpha * sum over later steps t of (gamma lambda)^(t-k) delta_t (S&B eq. 12.9 for action
    values), truncated where the trace falls below the threshold."""
    model = TabularModel.build(tiny_track("single_start"), noise=0.1)
    gamma, lam, epsilon, alpha = 0.95, 0.6, 0.3, 1e-7
    q_frozen = -5.0 + np.random.default_rng(3).normal(size=(model.n_states, 9))
    pairs = logged_episode(model, q_frozen, epsilon, np.random.default_rng(21))
    assert len(pairs) > 5
    # The library's step, alpha so small that Q barely moves within the episode.
    # Accumulating traces, never cut (naive Q(lambda)), no replay, no planning.
    config = AgentConfig(alpha=alpha, alpha_power=0.0, alpha_min=0.0, gamma=gamma,
                         target="sarsa" if target == "sarsa" else "q_learning",
                         max_episode_steps=10_000, trace_decay=lam, trace_schedule="constant",
                         trace_kind="accumulating", q_lambda="naive")
    q_values = q_frozen.copy()
    learner = Learner.new(model, config, q_values)
    settings = loop_settings(config)
    assert not settings.cut_traces and settings.batch_size == settings.planning_steps == 0
    lengths = np.zeros(1, dtype=np.int64)
    run_agent_episodes(model.tables, learner, settings,
                       Schedule(np.array([epsilon]), np.array([lam])), lengths,
                       np.random.default_rng(21))
    assert lengths[0] == len(pairs)
    assert learner.visits.sum() == len(pairs)
    # Forward view: the TD errors of the logged episode under the frozen table.
    deltas = []
    for t, (state, action) in enumerate(pairs):
        if t + 1 == len(pairs):
            deltas.append(-1.0 - q_frozen[state, action])
        else:
            next_state, next_action = pairs[t + 1]
            bootstrap = (q_frozen[next_state, next_action] if target == "sarsa"
                         else q_frozen[next_state].max())  # naive Q(lambda): never cut
            deltas.append(-1.0 + gamma * bootstrap - q_frozen[state, action])
    expected = np.zeros_like(q_frozen)
    for k, (state, action) in enumerate(pairs):
        for t in range(k, len(pairs)):
            weight = (gamma * lam) ** (t - k)
            if weight < TRACE_THRESHOLD:
                break
            expected[state, action] += weight * deltas[t]
    # Q moves by ~alpha within the episode and float64 rounds at ~1e-16 |Q|: agreement to 1e-4.
    np.testing.assert_allclose((q_values - q_frozen) / alpha, expected, rtol=1e-4, atol=1e-4)
    assert np.abs(expected).max() > 1.0

"""The full agent: traces, replay and planning composed in one loop, and the records every loop
reads.

Each idea lives in its own module; the full agent's loop (chapter 8) is the traced loop with two
more steps after each real one:

- the traced step of ``traces.traced_episode``, line for line (chapter 5; with ``lambda = 0``
  it is exactly chapter 4's one-step update; ``visit``, ``update_traced`` and ``clear`` are
  the functions it calls);
- ``replay.remember_and_replay``: store the step's transition and replay a batch (chapter 6);
- ``dyna.learn_and_plan``: teach the learned model the step's outcome and make simulated
  updates (chapter 7).

The compiled loops read three records, built here and nowhere else:

- ``mdp``: the track's tables (``mdp.MDPTables``, from ``TabularModel.tables``);
- ``learner``: everything one agent learns and keeps between episodes (:class:`Learner`);
- ``settings``: the loop's fixed settings (:class:`LoopSettings`), made from an ``AgentConfig``
  by :func:`loop_settings`, the only place where the config's words become the codes the
  compiled code compares.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .certainty_equivalence import CertaintyEquivalence, new_planner
from .config import AgentConfig
from .dyna import COUNTS, LAST, DynamicsModel, learn_and_plan, new_dynamics_model
from .mc import OFF_POLICY, ON_POLICY, EpisodeLog, mc_episode, new_episode_log
from .mdp import MDPTables, TabularModel, sample_transition
from .ordered_dp import sweep_order
from .policy import explore, greedy_action
from .prioritized import PRIORITIZED, UNIFORM, PriorityQueue, learn_and_sweep, new_priority_queue
from .replay import ReplayMemory, new_memory, remember_and_replay
from .rules import REWARD_PER_STEP
from .step_size import count_visit
from .td import Q_LEARNING, SARSA, Transition, start_episode, td_episode, td_target
from .traces import (
    ACCUMULATING,
    REPLACING,
    EpisodeSettings,
    Traces,
    clear,
    new_traces,
    traced_episode,
    update_traced,
    visit,
)


class LoopSettings(NamedTuple):
    """What the compiled loops need of an ``AgentConfig``, as numbers and codes.

    Attributes:
        method: ``TD``, ``mc.ON_POLICY``, ``mc.OFF_POLICY`` or ``CERTAINTY_EQUIVALENCE``.
        gamma: the discount.
        target: ``td.Q_LEARNING`` or ``td.SARSA``.
        trace_kind: ``traces.REPLACING`` or ``traces.ACCUMULATING``.
        cut_traces: cut the traces after an exploratory action (Watkins's Q(lambda); never for
            SARSA).
        batch_size: transitions replayed after each real step (0: no replay).
        planning_steps: simulated updates after each real step (0: no planning).
        model_kind: ``dyna.COUNTS`` or ``dyna.LAST``.
        max_steps: an episode is cut after this many steps.
        planning_kind: ``prioritized.UNIFORM`` (Dyna) or ``prioritized.PRIORITIZED``.
        priority_threshold: prioritized sweeping's ``theta``.
        optimistic, untried_value, exploration_bonus, confidence_penalty, replan_every: the
            certainty-equivalence learner's (``certainty_equivalence.py``).
    """

    gamma: float
    target: int
    trace_kind: int
    cut_traces: bool
    batch_size: int
    planning_steps: int
    model_kind: int
    max_steps: int
    method: int
    planning_kind: int
    priority_threshold: float
    optimistic: bool
    untried_value: float
    exploration_bonus: float
    confidence_penalty: float
    replan_every: int


# The learning method, as a code in ``LoopSettings.method``: temporal-difference learning (every
# learner of chapters 4-8), or Monte Carlo control (chapter 3: ``mc.ON_POLICY``, ``mc.OFF_POLICY``).
TD, CERTAINTY_EQUIVALENCE = 0, 3
METHODS = {"td": TD, "mc_on_policy": ON_POLICY, "mc_off_policy": OFF_POLICY,
           "certainty_equivalence": CERTAINTY_EQUIVALENCE}


def loop_settings(config: AgentConfig) -> LoopSettings:
    """The loop's settings of ``config``: the one place where its words become codes.

    >>> loop_settings(AgentConfig(target="sarsa", memory_size=100, batch_size=8))
    LoopSettings(gamma=1.0, target=1, trace_kind=0, cut_traces=False, batch_size=8, \
planning_steps=0, model_kind=0, max_steps=100000, method=0, planning_kind=0, \
priority_threshold=0.0001, optimistic=True, untried_value=-3.0, exploration_bonus=0.0, confidence_penalty=1.0, \
replan_every=100)
    """
    return LoopSettings(
        gamma=config.gamma,
        target={"q_learning": Q_LEARNING, "sarsa": SARSA}[config.target],
        trace_kind={"replacing": REPLACING, "accumulating": ACCUMULATING}[config.trace_kind],
        cut_traces=config.q_lambda == "watkins" and config.target == "q_learning",
        batch_size=config.replayed_per_step,
        planning_steps=config.planning_steps,
        model_kind={"counts": COUNTS, "last": LAST}[config.model_kind],
        max_steps=config.max_episode_steps,
        method=METHODS[config.method],
        planning_kind={"uniform": UNIFORM, "prioritized": PRIORITIZED}[config.planning_kind],
        priority_threshold=config.priority_threshold,
        optimistic=config.untried_pairs == "optimistic",
        untried_value=config.untried_value,
        exploration_bonus=config.exploration_bonus,
        confidence_penalty=config.confidence_penalty,
        replan_every=config.replan_every,
    )


class Learner(NamedTuple):
    """Everything one agent learns and keeps between episodes.

    Attributes:
        q_values: ``Q``, shape ``(n_states, 9)``.
        visits: ``n(s, a)``, shape ``(n_states, 9)``: real visits, for the step sizes.
        step_sizes: the config's step-size table (``AgentConfig.step_sizes``), built once.
        traces: the eligibility traces (``traces.Traces``), empty between episodes.
        memory: the replay memory (``replay.ReplayMemory``; capacity 0 without replay).
        dynamics_model: the learned model (``dyna.DynamicsModel``; empty without planning).
        episode_log: the episode being learned by Monte Carlo (``mc.EpisodeLog``; empty for TD).
        weights: ``C(s, a)``, the weights of off-policy Monte Carlo's returns, shape
            ``(n_states, 9)`` (``(0, 9)`` for other methods).
        queue: prioritized sweeping's queue and predecessors (``prioritized.PriorityQueue``);
            None for an agent that does not sweep (see :func:`plan_after`).
        planner: the certainty-equivalence learner's values
            (``certainty_equivalence.CertaintyEquivalence``; empty for other methods). Its
            ``q_values`` are the reported (cautious) solution, made at the end of every run of
            episodes (``certainty_equivalence.run_certainty_equivalence_episodes``).
    """

    q_values: np.ndarray
    visits: np.ndarray
    step_sizes: np.ndarray
    traces: Traces
    memory: ReplayMemory
    dynamics_model: DynamicsModel
    episode_log: EpisodeLog
    weights: np.ndarray
    queue: PriorityQueue | None
    planner: CertaintyEquivalence

    @classmethod
    def new(cls, model: TabularModel, config: AgentConfig,
            q_values: np.ndarray | None = None) -> Learner:
        """A fresh agent; ``q_values`` (zeros, shape ``(n_states, 9)``) to learn into, if given."""
        shape = (model.n_states, model.n_actions)
        model_based = config.method == "certainty_equivalence"
        sweeping = config.planning_steps > 0 and config.planning_kind == "prioritized"
        return cls(
            q_values=np.zeros(shape) if q_values is None else q_values,
            visits=np.zeros(shape, dtype=np.int64),
            step_sizes=config.step_sizes(),
            traces=new_traces(*shape),
            memory=new_memory(config.memory_size),
            dynamics_model=new_dynamics_model(*shape, len(model.start_states),
                                              enabled=config.planning_steps > 0 or model_based),
            episode_log=new_episode_log(*shape, config.max_episode_steps,
                                        enabled=config.method != "td"),
            weights=np.zeros(shape if config.method == "mc_off_policy" else (0, shape[1])),
            queue=new_priority_queue(*shape, len(model.start_states)) if sweeping else None,
            planner=new_planner(*shape, sweep_order(model) if model_based else np.zeros(0),
                                config.untried_value, enabled=model_based),
        )


class Schedule(NamedTuple):
    """Per episode: ``epsilons`` and ``trace_decays`` (lambda), both shape ``(episodes,)``."""

    epsilons: np.ndarray
    trace_decays: np.ndarray


# Not inlined, so that it is compiled for the type of ``queue``: for an agent without prioritized
# sweeping ``queue`` is None, numba drops the branch that sweeps (it prunes branches on a None
# argument), and the loops of every other agent never compile prioritized sweeping (about 10 s).
@njit(cache=True)
def plan_after(q_values: np.ndarray, step_sizes: np.ndarray, visits: np.ndarray,
               dynamics_model: DynamicsModel, queue: PriorityQueue | None,
               settings: LoopSettings, transition: Transition,
               rng: np.random.Generator) -> None:
    """The planning after a real step: Dyna's uniform simulated updates (``dyna.learn_and_plan``,
    chapter 7) or, with a queue, prioritized sweeping (``prioritized.learn_and_sweep``); nothing
    without ``planning_steps``."""
    if settings.planning_steps == 0:
        return
    if queue is not None:
        learn_and_sweep(q_values, dynamics_model, queue, settings, transition)
    else:
        learn_and_plan(q_values, step_sizes, visits, dynamics_model, settings, transition, rng)


@njit(cache=True)
def agent_episode(mdp: MDPTables, learner: Learner, settings: LoopSettings,
                  episode: EpisodeSettings, rng: np.random.Generator) -> tuple[int, bool]:
    """One episode of the full agent, learning in place: every real step is learned with
    traces (chapter 5), then replayed from memory (chapter 6), then planned from (chapter 7)::

        s <- a random start state;  a <- epsilon-greedy(Q, s);  e <- 0
        repeat:
            take a: observe r = -1 and s' (or the finish);  n(s, a) += 1
            learn from (s, a, r, s', a') with traces, as traces.traced_episode does
            remember (s, a, r, s', a') and replay a batch      (replay.remember_and_replay)
            teach the model (s, a) -> s' and plan              (plan_after)
            stop if finished;  s, a <- s', a'

    The first two lines are the traced loop's, line for line (a test checks that without
    replay and planning this loop gives exactly ``traces.traced_episode``'s numbers). An agent
    without replay (``batch_size`` 0) or planning (``planning_steps`` 0) skips that step and
    draws no random numbers for it.

    Returns:
        (number of steps, whether the car finished; False if cut at ``settings.max_steps``).
    """
    # The arrays, taken out of their records once (see td.td_episode).
    q_values, visits, step_sizes = learner.q_values, learner.visits, learner.step_sizes
    traces, (next_states, start_states, noise) = learner.traces, mdp
    memory, dynamics_model, queue = learner.memory, learner.dynamics_model, learner.queue
    replacing, decay = settings.trace_kind == REPLACING, settings.gamma * episode.trace_decay
    n_traced = 0
    state, action = start_episode(mdp, q_values, episode.epsilon, rng)
    for step in range(1, settings.max_steps + 1):
        next_state, finished, _, _ = sample_transition(
            next_states, start_states, noise, state, action, rng
        )
        count_visit(visits, state, action)
        if finished:  # learn with traces (traced_episode's finishing step)
            last = Transition(state, action, REWARD_PER_STEP, state, 0, True)
            delta = td_target(q_values, last, settings.target, settings.gamma, -1) - q_values[
                state, action]
            n_traced = visit(traces, n_traced, state, action, replacing)
            update_traced(q_values, traces, n_traced, step_sizes, visits, delta, 0.0)
            remember_and_replay(q_values, step_sizes, visits, memory, settings, last, rng)
            plan_after(q_values, step_sizes, visits, dynamics_model, queue, settings, last, rng)
            return step, True
        greedy_next = greedy_action(q_values, next_state, rng, 0.0)  # learn with traces
        next_action = explore(greedy_next, episode.epsilon, q_values.shape[1], rng)
        taken = Transition(state, action, REWARD_PER_STEP, next_state, next_action, False)
        delta = td_target(q_values, taken, settings.target, settings.gamma,
                          greedy_next) - q_values[state, action]
        explored = q_values[next_state, next_action] < q_values[next_state, greedy_next]
        n_traced = visit(traces, n_traced, state, action, replacing)
        n_traced = update_traced(q_values, traces, n_traced, step_sizes, visits, delta, decay)
        if explored and settings.cut_traces:
            n_traced = clear(traces, n_traced)
        remember_and_replay(q_values, step_sizes, visits, memory, settings, taken,
                            rng)  # replay (chapter 6)
        plan_after(q_values, step_sizes, visits, dynamics_model, queue, settings, taken,
                   rng)  # plan (chapter 7, or prioritized sweeping)
        state, action = next_state, next_action
    clear(traces, n_traced)
    return settings.max_steps, False


@njit(cache=True, nogil=True)  # agents train in threads at once (training.train)
def run_agent_episodes(mdp: MDPTables, learner: Learner, settings: LoopSettings,
                       schedule: Schedule, lengths: np.ndarray,
                       rng: np.random.Generator) -> None:
    """Run ``len(schedule.epsilons)`` episodes in a row, writing each one's number of steps
    into ``lengths`` (negative if the episode was cut).

    Each episode runs in the simplest loop that does what it needs: Monte Carlo control's
    (``mc.mc_episode``) for the Monte Carlo methods; else the full agent's loop with replay or
    planning, the traced loop with ``lambda > 0``, else the one-step loop of chapter
    4 (the fastest; with ``lambda = 0`` the other two give exactly its numbers).
    """
    for episode in range(len(schedule.epsilons)):
        this = EpisodeSettings(schedule.epsilons[episode], schedule.trace_decays[episode])
        if settings.method != TD:
            steps, finished = mc_episode(mdp, learner, settings, this.epsilon, rng)
        elif settings.batch_size > 0 or settings.planning_steps > 0:
            steps, finished = agent_episode(mdp, learner, settings, this, rng)
        elif this.trace_decay > 0.0:
            steps, finished = traced_episode(mdp, learner, settings, this, rng)
        else:
            steps, finished = td_episode(mdp, learner, settings, this.epsilon, rng)
        lengths[episode] = steps if finished else -steps


def schedule_of(config: AgentConfig, first: int, last: int) -> Schedule:
    """Episodes ``first, ..., last - 1``'s epsilons and trace decays (``AgentConfig.epsilon``,
    ``AgentConfig.trace_decay_at``), computed in compiled code: the same numbers, without a
    Python call per episode."""
    epsilons = _decayed(config.epsilon_start, config.epsilon_decay, config.epsilon_min, first,
                        last)
    if config.trace_schedule == "constant" or config.epsilon_min == 1.0:
        trace_decays = np.full(last - first, config.trace_decay)
    else:
        trace_decays = config.trace_decay * ((1.0 - epsilons) / (1.0 - config.epsilon_min))
    return Schedule(epsilons, trace_decays)


@njit(cache=True)
def _decayed(start: float, decay: float, floor: float, first: int, last: int) -> np.ndarray:
    """``max(floor, start * decay ** e)`` for ``e = first, ..., last - 1``. The exponent is a
    float, so that ``**`` is the C library's ``pow``, as in Python (an integer exponent would be
    repeated multiplication, which rounds differently)."""
    values = np.empty(last - first)
    for episode in range(first, last):
        values[episode - first] = max(floor, start * decay ** float(episode))
    return values

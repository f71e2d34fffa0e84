"""Training several independent agents and measuring them against the exact optimum.

Each agent has its own Q table and its own random stream, ``SeedSequence(seed).spawn(n_agents)``:
agent ``i``'s numbers depend on ``seed`` and ``i`` only, never on how many agents run beside it.
Every ``eval_every`` episodes each agent's greedy policy is evaluated exactly on the model, so the
learning curve is the true expected number of steps, not a noisy return.
"""

from __future__ import annotations

import os
import time
from functools import lru_cache
from numbers import Integral
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from .agent import Learner, loop_settings, run_agent_episodes, schedule_of
from .certainty_equivalence import run_certainty_equivalence_episodes
from .config import AgentConfig
from .dp import expected_steps_from_start, value_iteration
from .errors import RacetrackError, check_count, check_type
from .greedy_evaluation import expected_steps_of_greedy
from .mdp import TabularModel
from .memory import check_fits, training_bytes
from .results import TrainingResult
from .track import Track


def run_episodes(learner: Learner, model: TabularModel, config: AgentConfig,
                 rng: np.random.Generator, first: int, last: int,
                 lengths: np.ndarray | None = None) -> np.ndarray:
    """Episodes ``first, ..., last - 1`` of the agent (their number sets epsilon and lambda),
    learning in place; returns (or fills ``lengths`` with) their numbers of steps, shape
    ``(last - first,)``, negative for an episode cut at ``max_episode_steps``.

    >>> model, config = TabularModel.build("track1"), AgentConfig(num_episodes=50)
    >>> learner = Learner.new(model, config)
    >>> lengths = run_episodes(learner, model, config, np.random.default_rng(0), 0, 50)
    >>> lengths.shape, bool(learner.visits.sum() == np.abs(lengths).sum())  # a visit a step
    ((50,), True)
    """
    if lengths is None:
        lengths = np.zeros(last - first, dtype=np.int64)
    run = (run_certainty_equivalence_episodes if config.method == "certainty_equivalence"
           else run_agent_episodes)
    run(model.tables, learner, loop_settings(config), schedule_of(config, first, last), lengths,
        rng)
    return lengths


def agent_generators(seed: int, n_agents: int
                     ) -> list[tuple[np.random.Generator, np.random.SeedSequence]]:
    """For each agent, its training generator and the seed of its evaluations.

    ``SeedSequence(seed).spawn(n)`` gives child ``i`` the same entropy whatever ``n`` is, so agent
    ``i`` is the same agent in a run of 2 agents or of 8. Evaluation (random tie-breaking of the
    greedy policy) draws from streams of its own (:func:`evaluation_generator`), so evaluating
    more or less often never changes what an agent learns.
    """
    generators = []
    for child in np.random.SeedSequence(seed).spawn(n_agents):
        training, evaluation = child.spawn(2)
        generators.append((np.random.default_rng(training), evaluation))
    return generators


def evaluation_generator(evaluation_seed: np.random.SeedSequence,
                         episodes: int) -> np.random.Generator:
    """The tie-breaking generator of the evaluation after ``episodes`` episodes: it depends on
    the seed, the agent and ``episodes`` only, so the value reported for a policy never depends
    on how many evaluations came before it."""
    return np.random.default_rng(np.random.SeedSequence(
        evaluation_seed.entropy, spawn_key=(*evaluation_seed.spawn_key, episodes)))


@lru_cache(maxsize=8)
def optimal_expected_steps(model: TabularModel) -> float:
    """The DP optimum from the start line, solved once per model (an explorer widget retrains on
    the same model many times; value iteration would cost ~0.1 s each time)."""
    return expected_steps_from_start(model, value_iteration(model, gamma=1.0).values)


def default_eval_every(num_episodes: int) -> int:
    """About 100 exact evaluations per agent: enough for a smooth curve, cheap next to training."""
    return max(1, num_episodes // 100)


def train(
    config: AgentConfig,
    track: str | Path | Track | TabularModel = "track1",
    n_agents: int = 8,
    seed: int = 0,
    noise: float = 0.1,
    eval_every: int | None = None,
    progress: bool | None = None,
    n_jobs: int = 1,
) -> TrainingResult:
    """Train ``n_agents`` independent agents for ``config.num_episodes`` episodes each.

    Args:
        config: the hyperparameters (validated when made).
        track: a track name, path, text or Track, or an already compiled TabularModel.
        n_agents: how many independent agents.
        seed: the root seed; the same seed gives the same numbers.
        noise: the track's noise (ignored when ``track`` is a TabularModel).
        eval_every: evaluate each greedy policy exactly every this many episodes (and at the end);
            ``None``: ``num_episodes // 100``.
        progress: show a progress bar; ``None`` shows one for long runs only.
        n_jobs: agents trained at once (``-1``: one per core), in threads of this process: the
            compiled loops and evaluations release Python's lock, so threads use the cores
            without the seconds it takes to start worker processes. Every agent's numbers
            depend only on ``seed`` and its number, so they are the same whatever ``n_jobs``
            is (tested); only the wall time changes.

    >>> result = train(AgentConfig(num_episodes=300), "track1", n_agents=2, seed=0)
    >>> result.episode_lengths.shape, round(result.optimal_expected_steps, 2)
    ((2, 300), 12.1)
    >>> result.final_expected_steps.round(1)  # far from 12.1 yet
    array([ 45.9, 116.2])
    """
    check_type("config", config, (AgentConfig,), "an AgentConfig")
    check_type("track", track, (str, Path, Track, TabularModel),
               "a track name, path, text, Track or TabularModel")
    n_agents = check_count("n_agents", n_agents, 1, 10_000)
    seed = check_count("seed", seed, 0, 2**63 - 1)
    if eval_every is None:
        eval_every = default_eval_every(config.num_episodes)
    eval_every = check_count("eval_every", eval_every, 1, float("inf"))
    check_n_jobs(n_jobs)
    n_jobs = int(n_jobs)
    model = track if isinstance(track, TabularModel) else TabularModel.build(track, noise)
    _check_training_fits(config, model, n_agents, n_jobs)
    optimum = optimal_expected_steps(model)
    checkpoints = _checkpoints(config.num_episodes, eval_every)
    if progress is None:
        progress = n_agents * config.num_episodes >= 2_000_000  # roughly 5 s or more
    bar = tqdm(total=n_agents * config.num_episodes, disable=not progress, unit="episode",
               desc="training")
    started = time.perf_counter()
    jobs = (delayed(_train_agent)(config, model, seed, agent, checkpoints)
            for agent in range(n_agents))
    agents = []
    for agent_result in Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")(jobs):
        agents.append(agent_result)
        bar.update(config.num_episodes)
    bar.close()
    seconds = time.perf_counter() - started
    lengths, q_tables, greedy_steps, learning_seconds = (np.stack(arrays)
                                                         for arrays in zip(*agents, strict=True))
    cumulative = np.cumsum(np.abs(lengths), axis=1)
    return TrainingResult(
        config=config,
        track_name=model.track.name,
        noise=model.noise,
        seed=seed,
        optimal_expected_steps=optimum,
        episode_lengths=lengths,
        eval_episodes=checkpoints,
        eval_env_steps=cumulative[:, checkpoints - 1],
        eval_seconds=learning_seconds,
        greedy_expected_steps=greedy_steps,
        q_values=q_tables,
        seconds=seconds,
    )


def _check_training_fits(config: AgentConfig, model: TabularModel, n_agents: int,
                         n_jobs: int) -> None:
    """Refuse, before anything is allocated, a run that cannot fit in memory."""
    at_once = min(n_agents, os.cpu_count() or 1 if n_jobs == -1 else n_jobs)
    model_based = config.method == "certainty_equivalence"
    needed = training_bytes(model.n_states, len(model.start_states), config.num_episodes,
                            config.memory_size, config.planning_steps > 0 or model_based,
                            n_agents, at_once,
                            config.max_episode_steps if config.method.startswith("mc") else 0,
                            config.planning_steps > 0 and config.planning_kind == "prioritized",
                            model_based)
    check_fits(f"training {n_agents} agents x {config.num_episodes} episodes on "
               f"{model.track.name} ({model.n_states:,} states, {at_once} at once)", needed)


def check_n_jobs(n_jobs: int) -> None:
    """``n_jobs`` must be -1 (one per core) or a positive number."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral):
        raise RacetrackError(f"n_jobs = {n_jobs!r} is not a whole number")
    if n_jobs == 0 or n_jobs < -1:
        raise RacetrackError(f"n_jobs = {n_jobs!r} is out of range: allowed -1 or [1, inf)")


def _train_agent(config: AgentConfig, model: TabularModel, seed: int, agent: int,
                 checkpoints: np.ndarray) -> tuple[np.ndarray, ...]:
    """Agent ``agent`` of the run with root ``seed``: its episode lengths ``(E,)``, final table
    ``(n_states, 9)``, exact greedy value at each checkpoint ``(K,)`` and seconds of learning
    by then ``(K,)``::

        rng <- stream `agent` of SeedSequence(seed)    (its own, whatever the number of agents)
        Q <- 0;  n <- 0;  traces, replay memory, dynamics model: empty     (Learner.new)
        for each checkpoint k  (after episodes 1, 2, 5, 10, 20, 50, ..., then every eval_every):
            run the episodes up to k (run_episodes); episode e explores with
                epsilon_e = max(epsilon_min, epsilon_start * epsilon_decay^e)
            and traces with lambda_e = lambda * (1 - epsilon_e) / (1 - epsilon_min)  (ramp)
                                    or lambda                                      (constant)
            V_k <- exact expected steps of greedy(Q) from the start line, on the model

    The chapters average the agents' curves ``V`` by their median, with the interquartile range
    as a band.
    """
    training_rng, evaluation_seed = agent_generators(seed, agent + 1)[agent]
    lengths = np.zeros(config.num_episodes, dtype=np.int64)
    greedy_steps, learning_seconds = np.zeros(len(checkpoints)), np.zeros(len(checkpoints))
    learner = Learner.new(model, config)
    done, clock = 0, 0.0
    for k, checkpoint in enumerate(checkpoints):
        chunk_started = time.perf_counter()
        run_episodes(learner, model, config, training_rng, done, checkpoint,
                     lengths[done:checkpoint])
        clock += time.perf_counter() - chunk_started
        learning_seconds[k] = clock
        _check_finite(learner.q_values, agent, checkpoint)
        greedy_steps[k] = expected_steps_of_greedy(
            model, learner.q_values, evaluation_generator(evaluation_seed, checkpoint))
        done = checkpoint
    return lengths, learner.q_values, greedy_steps, learning_seconds


def _check_finite(q_values: np.ndarray, agent: int, episodes: int) -> None:
    """Stop with a clear message if learning diverged (a greedy policy of NaN has no meaning)."""
    if not np.isfinite(q_values).all():
        raise RacetrackError(
            f"agent {agent}: the Q values diverged (not finite) within the first {episodes} "
            "episodes; try a smaller alpha or alpha_min, a trace_schedule of 'ramp', or "
            "Watkins's Q(lambda)"
        )


def _checkpoints(num_episodes: int, eval_every: int) -> np.ndarray:
    """Episode counts after which to evaluate: every ``eval_every`` episodes and always after the
    last; before the first of those also at 1, 2, 5, 10, 20, 50, ... episodes, so that the
    start of a learning curve (where it changes fastest) is seen too."""
    early = [m * 10**k for k in range(8) for m in (1, 2, 5) if m * 10**k < eval_every]
    points = [*early, *range(eval_every, num_episodes, eval_every), num_episodes]
    return np.array(sorted({p for p in points if p <= num_episodes}), dtype=np.int64)

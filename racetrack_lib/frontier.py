"""Chapter 10's ladder: from the full agent to certainty equivalence, and what each step costs.

Each rung changes one thing of the rung above it; the variants beside the ladder change one thing
of a rung (how often the model is solved, the reported policy's caution, the full agent's
exploration schedule). Every run has 8 agents and the same seed, on track 1 with noise 0.1.

The runs take minutes, so ``scripts/record_frontier.py`` makes them once and saves them in this
package's ``data`` folder; the chapter loads them, and ``tests/test_frontier.py`` re-trains a
slice of every run and checks it is exactly what the library computes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .ablation import _labelled, _load, full_agent, quartiles
from .config import AgentConfig, preset
from .results import TrainingResult, load_results

FRONTIER_FILE = "frontier_track1.npz"
RECREATE = "python scripts/record_frontier.py"  # from a clone of the repository
TD_EPISODES = 20_000  # about 600,000 real steps for the full agent: well past where it settles
FASTER_DECAY = 0.99  # preset "full-agent"'s schedule (the variants measure 0.995 and 0.98)


def ladder() -> dict[str, AgentConfig]:
    """The rungs, by label, each one change from the rung above (the fourth changes learner)."""
    full = full_agent(AgentConfig(num_episodes=TD_EPISODES))
    faster = preset("full-agent")  # the same agent, epsilon decay 0.99
    efficient = preset("efficient")
    return {
        "full agent (chapter 8)": full,
        "+ faster epsilon decay": faster,
        "+ prioritized sweeping": replace(faster, planning_kind="prioritized"),
        "certainty equivalence, epsilon-greedy": replace(
            efficient, untried_pairs="pessimistic", epsilon_start=1.0,
            epsilon_decay=FASTER_DECAY, epsilon_min=0.01),
        "+ optimism instead of epsilon": efficient,
        "+ count-based bonus": replace(efficient, exploration_bonus=0.1),
    }


def variants() -> dict[str, AgentConfig]:
    """One change to a rung each: the full agent's schedule, the model solved more or less
    often, no caution in the reported policy, and prioritized sweeping driving greedily."""
    full = full_agent(AgentConfig(num_episodes=TD_EPISODES))
    efficient = preset("efficient")
    return {
        "full agent, epsilon decay 0.995": replace(full, epsilon_decay=0.995),
        "full agent, epsilon decay 0.98": replace(full, epsilon_decay=0.98),
        "solved every 10 real steps": replace(efficient, replan_every=10),
        "solved every 1,000 real steps": replace(efficient, replan_every=1000),
        "reported without caution": replace(efficient, confidence_penalty=0.0),
        "prioritized sweeping, greedy": replace(
            AgentConfig(num_episodes=5_000), epsilon_start=0.0, epsilon_min=0.0,
            planning_steps=10, planning_kind="prioritized"),
    }


def frontier_configs() -> dict[str, AgentConfig]:
    """Every recorded run: the ladder, then the variants."""
    return ladder() | variants()


def eval_every(config: AgentConfig) -> int:
    """Evaluations every 100 episodes for TD (about every 1,200 real steps once the agent drives
    well) and every 40 for certainty equivalence (it needs fewer, longer-lasting episodes)."""
    return 40 if config.method == "certainty_equivalence" else 100


def saved_frontier() -> dict[str, TrainingResult]:
    """The saved runs of :func:`frontier_configs` (8 agents each), by label."""
    return _labelled(_load(FRONTIER_FILE, load_results, 10, RECREATE), frontier_configs(),
                     FRONTIER_FILE, RECREATE)


def frontier_row(result: TrainingResult) -> dict[str, tuple[float, float, float]]:
    """Quartiles over the agents (an agent that never got there counts above all): real steps to
    within 10 % (first entry, and the entry it stays in), seconds of learning to the lasting
    entry, and the final greedy policy's exact expected steps."""
    return {
        "real steps to within 10 %": quartiles(result.steps_to_within()),
        "real steps to stay within 10 %": quartiles(result.steps_to_stay_within()),
        "seconds to stay within 10 %": quartiles(result.seconds_to_stay_within()),
        "final expected steps": quartiles(result.final_expected_steps),
    }


def learning_seconds_per_real_step(result: TrainingResult) -> float:
    """The median over agents of seconds of learning per real step, over the whole run."""
    return float(np.median(result.eval_seconds[:, -1] / result.eval_env_steps[:, -1]))

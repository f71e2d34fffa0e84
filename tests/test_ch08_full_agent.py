"""Chapter 8's words and the combined agent's preset.

The combined agent is named after what it is: the book never refers to the project's history
("the seed", "the issue"), and the preset's name cannot be mistaken for the random seed."""

import re
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from racetrack_lib.ablation import combined_ladder, full_agent, saved_ablation
from racetrack_lib.config import PRESET_AGENTS, PRESETS, AgentConfig, preset
from racetrack_lib.errors import RacetrackError

ROOT = Path(__file__).parent.parent
# what a reader reads about chapter 8: the chapter, the landing page, the README, and the code
# and help texts of the preset and the ablation
READ = ["notebooks/08_full_agent.py", "book/index.md", "README.md", "racetrack_lib/config.py",
        "racetrack_lib/ablation.py", "racetrack_lib/cli.py", "scripts/record_ablation.py"]
HISTORY = re.compile(r"seed's|the seed\b(?! (and|gives|of|,))|preset[ =(]*['\"]?seed\b|"
                     r"the issue\b|issue's|issue #|described at the start", re.IGNORECASE)


@pytest.mark.parametrize("name", READ)
def test_no_words_from_the_projects_history(name):
    text = (ROOT / name).read_text()
    found = [match.group(0) for match in HISTORY.finditer(text)]
    assert not found, f"{name}: {found}"


def test_the_history_pattern_catches_the_old_words():
    for old in ("the seed's agent", "--preset seed", 'preset("seed")', "the issue's test"):
        assert HISTORY.search(old), old
    for fine in ("the same random seed gives", "depends only on the seed and the agent's",
                 "open an issue"):
        assert not HISTORY.search(fine), fine


def test_the_combined_preset_is_what_chapter_8_says():
    """naive Q(0.9) in every episode, constant alpha 0.1, gamma 0.99, replay 10000/32, 5 Dyna-Q
    planning steps with the last-outcome model, epsilon 1 -> 0.01 over 150 episodes, 20 agents."""
    assert "combined-150" in PRESETS and PRESET_AGENTS["combined-150"] == 20
    config = preset("combined-150")
    assert (config.q_lambda, config.trace_decay, config.trace_schedule) == ("naive", 0.9,
                                                                           "constant")
    assert (config.alpha, config.alpha_power, config.gamma) == (0.1, 0.0, 0.99)
    assert (config.memory_size, config.batch_size) == (10_000, 32)
    assert (config.planning_steps, config.model_kind) == (5, "last")
    assert config.num_episodes == 150 and config.epsilon(0) == 1.0
    assert config.epsilon(149) == pytest.approx(0.01) and config.epsilon(148) > 0.01
    differs = {name for name, value in config.to_dict().items()
               if AgentConfig().to_dict()[name] != value}
    assert {"trace_decay", "memory_size", "planning_steps"} <= differs  # all three components


def test_seed_is_not_a_preset():
    with pytest.raises(RacetrackError, match="not one of combined-150"):
        preset("seed")


def test_the_ladder_ends_at_the_full_agent_but_for_its_planning_steps():
    """Chapter 8: the ladder's rungs bring the combined agent to the full agent, except that every
    rung keeps its 5 planning steps (the full agent makes 10); and 10,000 episodes, not 100,000."""
    last, full = asdict(list(combined_ladder().values())[-1]), asdict(full_agent())
    differs = {name: (last[name], full[name]) for name in last if last[name] != full[name]}
    assert differs == {"planning_steps": (5, 10), "num_episodes": (10_000, 100_000)}
    assert all(config.planning_steps == 5 for config in combined_ladder().values())


def test_no_plain_q_learning_agent_gets_within_10_percent_in_a_million_real_steps():
    """Chapter 8, exercise 3: 'Plain Q-learning does not get there' (in one million real steps):
    not one of its 8 agents, not only the median."""
    first = saved_ablation()["plain Q-learning"].steps_to_within()
    assert np.all(first > 1e6)

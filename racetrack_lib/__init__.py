"""Racetrack RL: the library behind the chapters.

Importing it registers the Gymnasium environment ``Racetrack-v0``.
"""

from .numba_cache import keyed_to_source

# Every compiled function is cached in a folder of its own for this version of the source
# (numba_cache.py says why); the modules must be imported inside this block for that.
with keyed_to_source():
    from . import agent, dyna, greedy_evaluation, policy_analysis, replay, td, traces
    from .dp import backup, expected_steps_from_start, policy_evaluation, value_iteration
    from .env import ENV_ID, RacetrackEnv, register_envs
    from .errors import RacetrackError
    from .mdp import CRASHED, FINISHED, Episode, TabularModel, run_episode
    from .policy import epsilon_greedy, greedy_action, greedy_actions
    from .track import Track, TrackError, load_track, parse_track

register_envs()

# (with the modules of the learners, imported above so that their code is cached by version)
__all__ = [
    "CRASHED",
    "ENV_ID",
    "FINISHED",
    "Episode",
    "RacetrackEnv",
    "RacetrackError",
    "TabularModel",
    "Track",
    "TrackError",
    "agent",
    "backup",
    "dyna",
    "epsilon_greedy",
    "expected_steps_from_start",
    "greedy_action",
    "greedy_actions",
    "greedy_evaluation",
    "load_track",
    "parse_track",
    "policy_analysis",
    "policy_evaluation",
    "replay",
    "run_episode",
    "td",
    "traces",
    "value_iteration",
]

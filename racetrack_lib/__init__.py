"""Racetrack RL: the library behind the chapters.

Importing it registers the Gymnasium environment ``Racetrack-v0``.
"""

from .dp import backup, expected_steps_from_start, policy_evaluation, value_iteration
from .env import ENV_ID, RacetrackEnv, register_envs
from .errors import RacetrackError
from .mdp import CRASHED, FINISHED, Episode, TabularModel, run_episode
from .policy import epsilon_greedy, greedy_action, greedy_actions
from .track import Track, TrackError, load_track, parse_track

register_envs()

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
    "backup",
    "epsilon_greedy",
    "expected_steps_from_start",
    "greedy_action",
    "greedy_actions",
    "load_track",
    "parse_track",
    "policy_evaluation",
    "run_episode",
    "value_iteration",
]

"""The Gymnasium environment: API conformance, seeding, rendering."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import racetrack_lib  # noqa: F401  (registers Racetrack-v0)
from racetrack_lib import ENV_ID, RacetrackEnv


def test_passes_gymnasium_env_checker():
    check_env(gym.make(ENV_ID).unwrapped, skip_render_check=False)
    env = gym.make(ENV_ID, track="track2", render_mode="rgb_array").unwrapped
    check_env(env, skip_render_check=False)


def test_gymnasium_make_finds_it():
    env = gym.make(ENV_ID, track="track2", noise=0.0)
    observation, info = env.reset(seed=0)
    assert env.unwrapped.model.track.name == "track2"
    assert info["velocity"] == (0, 0) and info["position"][0] == 29
    assert env.observation_space.contains(observation)


def test_same_seed_same_episode():
    def run(seed):
        env = RacetrackEnv("track1")
        observation, _ = env.reset(seed=seed)
        trace = [observation]
        for action in np.random.default_rng(seed).integers(0, 9, size=300):
            observation, reward, terminated, _, _ = env.step(int(action))
            trace.append((observation, reward, terminated))
            if terminated:
                break
        return trace

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_step_follows_the_model():
    env = RacetrackEnv("track1", noise=0.0)
    env.reset(seed=1)
    model = env.model
    state = model.state_id(31, 5, 0, 0)
    env.state = state
    observation, reward, terminated, truncated, info = env.step(7)  # (+1, 0): one row up
    assert observation == model.next_states[state, 7, 0]
    assert (reward, terminated, truncated) == (-1.0, False, False)
    assert info == {"position": (30, 5), "velocity": (1, 0), "crashed": False}


def test_renders():
    env = RacetrackEnv("track1", render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    lines = text.splitlines()
    assert lines[-1] == "velocity (up, right) = (0, 0)"
    assert lines[31].count("C") == 1 and sum(line.count("C") for line in lines[:32]) == 1
    image = RacetrackEnv("track1", render_mode="rgb_array", model=env.model)
    image.reset(seed=0)
    pixels = image.render()
    assert pixels.shape == (32 * 12, 17 * 12, 3) and pixels.dtype == np.uint8


def test_bad_render_mode_and_action_are_named():
    with pytest.raises(ValueError, match="render_mode = 'human'"):
        RacetrackEnv("track1", render_mode="human")
    env = RacetrackEnv("track1")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action = 9 is not an action"):
        env.step(9)


def test_make_with_module_prefix_imports_the_library():
    # gymnasium imports "racetrack_lib" itself, which registers the environment.
    code = ("import gymnasium as gym; env = gym.make('racetrack_lib:Racetrack-v0', track='track2');"
            "print(env.reset(seed=0)[1]['position'][0])")
    import subprocess
    import sys
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "29"

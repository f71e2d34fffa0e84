"""The racetrack as a Gymnasium environment, a thin shell around :class:`TabularModel`.

Observations are state ids (``Discrete(n_states)``); ``info`` carries the position and velocity.
The environment and every learner share the model's successor table, so they obey the same rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from .mdp import TabularModel
from .track import FINISH, START, TRACK, WALL, Track

ENV_ID = "Racetrack-v0"

# Okabe-Ito colours (colour-blind safe) for the rgb_array render, as 0-255 RGB.
CELL_COLOURS = {
    WALL: (60, 60, 60),
    TRACK: (235, 235, 235),
    START: (230, 159, 0),  # orange
    FINISH: (0, 114, 178),  # blue
}
CAR_COLOUR = (213, 94, 0)  # vermillion


class RacetrackEnv(gym.Env):
    """Sutton & Barto's racetrack (Exercise 5.12) with the exact rules of chapter 1.

    Args:
        track: a built-in name (``"track1"``, ``"track2"``), a path, the track's text, or a Track.
        noise: probability that a step's increments are both zero.
        render_mode: ``"ansi"`` (text) or ``"rgb_array"`` (an image), or None.
        model: an already compiled model to share (``track`` and ``noise`` are then ignored).

    Each step returns reward -1. ``terminated`` is True when the car crosses the finish line; the
    observation returned then is the last state (there is none after the finish). After a crash
    the observation is a start state and ``info["crashed"]`` is True.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        track: str | Path | Track = "track1",
        noise: float = 0.1,
        render_mode: str | None = None,
        model: TabularModel | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode = {render_mode!r} is not one of {self.metadata['render_modes']}"
            )
        self.model = model if model is not None else TabularModel.build(track, noise)
        self.render_mode = render_mode
        self.observation_space = spaces.Discrete(self.model.n_states)
        self.action_space = spaces.Discrete(self.model.n_actions)
        self.state = int(self.model.start_states[0])

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        super().reset(seed=seed)
        self.state = self.model.sample_start(self.np_random)
        return self.state, self._info(crashed=False)

    def step(self, action: int) -> tuple[int, float, bool, bool, dict[str, Any]]:
        if not self.action_space.contains(action):
            raise ValueError(f"action = {action!r} is not an action: allowed 0..8")
        self.state, reward, finished, crashed = self.model.sample_step(
            self.state, int(action), self.np_random
        )
        return self.state, reward, finished, False, self._info(crashed=crashed)

    def _info(self, crashed: bool) -> dict[str, Any]:
        row, col, v_up, v_right = self.model.describe(self.state)
        return {"position": (row, col), "velocity": (v_up, v_right), "crashed": crashed}

    def render(self) -> str | np.ndarray | None:
        if self.render_mode == "ansi":
            return self._render_text()
        if self.render_mode == "rgb_array":
            return self._render_image()
        return None

    def _render_text(self) -> str:
        row, col, v_up, v_right = self.model.describe(self.state)
        lines = [list(line) for line in self.model.track.to_text().split("\n")]
        lines[row][col] = "C"
        grid = "\n".join("".join(line) for line in lines)
        return f"{grid}\nvelocity (up, right) = ({v_up}, {v_right})\n"

    def _render_image(self, cell_pixels: int = 12) -> np.ndarray:
        cells = self.model.track.cells
        palette = np.array([CELL_COLOURS[code] for code in range(4)], dtype=np.uint8)
        image = palette[cells]
        row, col, _, _ = self.model.describe(self.state)
        image[row, col] = CAR_COLOUR
        # Blow every cell up to a square of cell_pixels x cell_pixels pixels.
        return np.repeat(np.repeat(image, cell_pixels, axis=0), cell_pixels, axis=1)


def register_envs() -> None:
    """Register ``Racetrack-v0`` so that ``gymnasium.make("Racetrack-v0")`` finds it."""
    if ENV_ID not in gym.registry:
        gym.register(id=ENV_ID, entry_point="racetrack_lib.env:RacetrackEnv")

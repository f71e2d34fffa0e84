"""The track designer (chapter 9): paint a racetrack in JupyterLab and see it solved at once."""

from .track_designer import STARTER, Solution, TrackDesigner, solve_design, train_full_agent

__all__ = ["STARTER", "Solution", "TrackDesigner", "solve_design", "train_full_agent"]

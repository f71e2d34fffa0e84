"""A sweep's summary: per configuration, the agents' final exact expected steps and their real
steps to within 10 % of the optimum, as medians with quartiles, in a table or a figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ..results import WITHIN, TrainingResult
from .spec import SweepTask


def summary_rows(tasks: list[SweepTask], results: list[TrainingResult]) -> list[dict]:
    """One row per configuration: its label, track, and the quartiles (25 %, median, 75 %) of
    the agents' final expected steps and of their real steps to within 10 % (an agent that never
    got there counts as infinitely many steps; ``never`` says how many)."""
    rows = []
    for task, result in zip(tasks, results, strict=True):
        steps = result.steps_to_within(WITHIN)
        reached = np.where(np.isnan(steps), np.inf, steps)
        rows.append({
            "index": task.index, "track": task.track, "label": task.label,
            "setting": task.setting, "agents": result.n_agents,
            "optimal_expected_steps": result.optimal_expected_steps,
            "final_expected_steps": _quartiles(result.final_expected_steps),
            "steps_to_within_10pct": _quartiles(reached),
            "never": int(np.isnan(steps).sum()),
        })
    return rows


def _quartiles(values: np.ndarray) -> list[float | None]:
    """25th, 50th and 75th percentiles, interpolated between neighbours as NumPy's default does
    (the median of two agents is their mean), with infinity ("never") above every number: a
    quartile that falls on or next to an agent that never got there is ``None`` (JSON has no
    infinity)."""
    ordered = np.sort(np.asarray(values, dtype=float))
    found = []
    for fraction in (0.25, 0.5, 0.75):
        position = fraction * (len(ordered) - 1)
        below, above = ordered[int(np.floor(position))], ordered[int(np.ceil(position))]
        if not (np.isfinite(below) and np.isfinite(above)):
            found.append(None)
        else:
            found.append(float(below + (above - below) * (position - np.floor(position))))
    return found


def format_table(rows: list[dict]) -> str:
    """The summary as a text table, one line per configuration."""
    width = max(len(row["label"]) for row in rows)
    tracks = len({row["track"] for row in rows}) > 1
    head = (f"{'track':10s} " if tracks else "") + (
        f"{'configuration':{width}s} {'final expected steps':>26s} "
        f"{'real steps to within 10 %':>30s}  never")
    lines = [head, f"{'':{width}s} {'median [25 %, 75 %]':>26s} {'median [25 %, 75 %]':>30s}"
             if not tracks else ""]
    for row in rows:
        final = _interval(row["final_expected_steps"], "{:.2f}")
        steps = _interval(row["steps_to_within_10pct"], "{:,.0f}")
        lines.append((f"{row['track']:10s} " if tracks else "")
                     + f"{row['label']:{width}s} {final:>26s} {steps:>30s}  "
                       f"{row['never']}/{row['agents']}")
    optimum = {row["track"]: row["optimal_expected_steps"] for row in rows}
    lines.append("optimum: " + ", ".join(f"{track} {value:.3f}" for track, value
                                         in optimum.items()))
    return "\n".join(line for line in lines if line)


def _interval(values: list[float | None], form: str) -> str:
    shown = ["never" if value is None else form.format(value) for value in values]
    return f"{shown[1]} [{shown[0]}, {shown[2]}]"


def plot_summary(rows: list[dict], path: str | Path | None = None):
    """Two panels, one point per configuration with its quartile bar: the final expected steps
    (with the optimum and the 10 % band) and the real steps to within 10 %. Saves to ``path``
    (PNG, PDF, SVG) if given; returns the figure."""
    labels = [row["label"] if len({r["track"] for r in rows}) == 1
              else f"{row['track']}: {row['label']}" for row in rows]
    positions = np.arange(len(rows))
    figure, axes = plt.subplots(1, 2, figsize=(12, 0.8 + 0.45 * len(rows)), sharey=True)
    for ax, key, title in ((axes[0], "final_expected_steps", "final greedy policy: expected "
                            "steps (exact)"),
                           (axes[1], "steps_to_within_10pct", "real steps to within 10 %")):
        low, median, high = (np.array([np.nan if row[key][k] is None else row[key][k]
                                       for row in rows]) for k in range(3))
        ax.errorbar(median, positions, xerr=[median - low, high - median], fmt="o", capsize=3)
        ax.set_xscale("log")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    optimum = rows[0]["optimal_expected_steps"]
    axes[0].axvline(optimum, color="black", linewidth=1, label=f"optimum {optimum:.2f}")
    axes[0].axvspan(optimum, 1.1 * optimum, color="grey", alpha=0.2, label="within 10 %")
    axes[0].legend(fontsize=8)
    axes[0].set_yticks(positions, labels)
    axes[0].invert_yaxis()
    figure.suptitle(f"a sweep of {len(rows)} configurations, {rows[0]['agents']} agents each "
                    "(median and quartiles)")
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=100)
        plt.close(figure)
    return figure

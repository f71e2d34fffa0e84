"""``racetrack sweep SPEC``: a sweep described in a TOML file, run into a results folder that a
rerun resumes, in local processes or on a Dask cluster, then summarized."""

from .runner import load_sweep, prepare_folder, run_sweep, train_task, write_result
from .spec import SpecError, SweepSpec, SweepTask, parse_spec, read_spec
from .summary import format_table, plot_summary, summary_rows

__all__ = ["SpecError", "SweepSpec", "SweepTask", "format_table", "load_sweep", "parse_spec",
           "plot_summary", "prepare_folder", "read_spec", "run_sweep", "summary_rows",
           "train_task", "write_result"]

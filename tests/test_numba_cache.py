"""numba's cache is kept per version of the library's source: an edit to a function that another
module's compiled code inlines is seen at once (numba alone would run the old code from its cache,
since it checks only the calling function's own file)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import racetrack_lib
from racetrack_lib import numba_cache

LIBRARY = Path(racetrack_lib.__file__).parent

# greedy_evaluation._reachable_greedy (compiled, cached) inlines policy.greedy_action.
PROBE = """
import numpy as np
from racetrack_lib import TabularModel
from racetrack_lib.greedy_evaluation import _reachable_greedy
from racetrack_lib.numba_cache import cache_folder, source_digest
model = TabularModel.build("track1", 0.1)
q_values = -np.abs(np.arange(9) - 5.0)[None, :].repeat(model.n_states, axis=0)  # greedy: 5
_, policy = _reachable_greedy(q_values, model.next_states, model.start_states, model.noise,
                              np.random.default_rng(0))
print(policy[model.start_states[0]], cache_folder(source_digest()).exists())
"""


def _probe(root: Path) -> str:
    completed = subprocess.run([sys.executable, "-c", PROBE], cwd=root, capture_output=True,
                               text=True, timeout=300, env={"PYTHONPATH": str(root),
                                                            "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def test_an_edit_to_an_inlined_function_is_seen(tmp_path):
    copy = tmp_path / "racetrack_lib"
    shutil.copytree(LIBRARY, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert _probe(tmp_path) == "5 True"  # compiled and cached
    assert _probe(tmp_path) == "5 True"  # from the cache
    policy = copy / "policy.py"
    source = policy.read_text()
    first_line = '    # Pass 1: the maximum and the first action reaching it (what np.argmax returns).\n'
    assert first_line in source
    policy.write_text(source.replace(first_line, "    return 0  # edited\n" + first_line))
    assert _probe(tmp_path) == "0 True"  # the edit is seen, in a fresh cache
    folders = list((copy / "__pycache__").glob("numba-racetrack_lib-*"))
    assert len(folders) == 1  # the old version's cache is gone


def test_the_digest_covers_every_source_file_and_nothing_else(tmp_path):
    copy = tmp_path / "racetrack_lib"
    shutil.copytree(LIBRARY, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    original = numba_cache.LIBRARY
    try:
        numba_cache.LIBRARY = copy
        before = numba_cache.source_digest()
        (copy / "notes.txt").write_text("not source")
        assert numba_cache.source_digest() == before
        (copy / "td.py").write_text((copy / "td.py").read_text() + "\n# a comment\n")
        assert numba_cache.source_digest() != before
    finally:
        numba_cache.LIBRARY = original

"""numba's on-disk cache of compiled code, kept apart for every version of this library's source.

numba checks a cached function only against the time stamp of the file that defines it. Most of
the library's loops inline functions from other modules (``td_episode`` inlines
``policy.greedy_action``, ``mdp.sample_transition``, ``step_size.step_size``...), so after an edit
to one of those the loop would go on running the old code from the cache. Here the cache lives
in a folder named after a hash of every source file of the library: any edit starts a fresh
cache, and nothing needs cleaning by hand. The folder is chosen while the library's modules
are imported (numba fixes a function's cache location when it is decorated), and numba's own
setting is put back afterwards, so other code's caches are not moved.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from numba.core import config

LIBRARY = Path(__file__).parent
PREFIX = "numba-"


def source_digest() -> str:
    """A hash of every ``.py`` file of the library, names and contents (16 hex digits)."""
    digest = hashlib.sha256()
    for path in sorted(LIBRARY.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_folder(digest: str) -> Path:
    """Where this version's compiled code is cached: under ``NUMBA_CACHE_DIR`` if the user set
    one, else in the library's ``__pycache__`` (where numba would put it). If that folder cannot
    be written (a read-only install), numba falls back to its own user-wide cache."""
    base = os.environ.get("NUMBA_CACHE_DIR") or LIBRARY / "__pycache__"
    return Path(base) / f"{PREFIX}racetrack_lib-{digest}"


def remove_other_versions(current: Path) -> None:
    """Delete the caches of earlier versions of the source beside ``current`` (they can never
    be used again); a folder another process is still writing is skipped, not an error."""
    for folder in current.parent.glob(f"{PREFIX}racetrack_lib-*"):
        if folder != current:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def keyed_to_source() -> Iterator[Path]:
    """While the library's modules are imported, numba caches their functions in
    :func:`cache_folder` of the current source."""
    folder = cache_folder(source_digest())
    if not folder.exists():
        remove_other_versions(folder)
    saved = config.CACHE_DIR
    config.CACHE_DIR = str(folder)
    try:
        yield folder
    finally:
        config.CACHE_DIR = saved

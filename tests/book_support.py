"""Build the HTML book for the tests that read it.

`build_book` builds it as `make book` does, every chapter executed afresh (3-4 minutes; the
browser test of the book, tests/browser/test_book_html.py, uses it, so a chapter that stalls or
fails when the book executes it fails `make test`). `build_book_without_executing` renders the
committed notebooks (about 10 s) for tests that only need the pages' structure
(tests/test_book_build.py); nbval, in the same `make test`, checks that those committed outputs
are what executing the chapters gives.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fetch_web_assets() -> None:
    """MathJax and the widget manager, which book/conf.py requires (a no-op once fetched)."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "fetch_web_assets.py")], check=True)


def build_book(html: Path, environment: dict[str, str] | None = None, *,
               execute: bool = True) -> Path:
    """Build the book into `html`, warnings as errors; `environment` adds variables."""
    fetch_web_assets()
    options = [] if execute else ["-D", "nb_execution_mode=off"]
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", *options,
         str(ROOT / "book"), str(html)],
        capture_output=True, text=True, env=dict(os.environ, **(environment or {})))
    assert build.returncode == 0, f"the book did not build:\n{build.stderr}"
    return html


def build_book_without_executing(html: Path, environment: dict[str, str] | None = None) -> Path:
    """Build the book from the committed notebooks, without executing them."""
    return build_book(html, environment, execute=False)

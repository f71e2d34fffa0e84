"""Build the HTML book from the committed notebooks without executing them (about 10 s).

Used by the tests that read the built book (tests/test_book_build.py, tests/browser). nbval, in
the same `make test`, checks that the committed outputs are what executing the chapters gives.
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


def build_book_without_executing(html: Path, environment: dict[str, str] | None = None) -> Path:
    """Build the book into `html`, warnings as errors; `environment` adds variables."""
    fetch_web_assets()
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going",
         "-D", "nb_execution_mode=off", str(ROOT / "book"), str(html)],
        capture_output=True, text=True, env=dict(os.environ, **(environment or {})))
    assert build.returncode == 0, f"the book did not build:\n{build.stderr}"
    return html

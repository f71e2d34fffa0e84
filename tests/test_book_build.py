"""The book's launch buttons point at the chapters' executed notebooks in the repository.

Builds the book from the committed notebooks (no execution, about 10 s) as if it were published
from a GitHub repository, and checks each chapter's Binder and Colab links.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
from book_support import ROOT, build_book_without_executing, fetch_web_assets

CHAPTERS = sorted(path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REPOSITORY = "https://github.com/example-org/racetrack-rl"


@pytest.fixture(scope="module")
def web_assets() -> None:
    """book/conf.py refuses to configure a book without MathJax and the widget manager."""
    fetch_web_assets()


@pytest.fixture(scope="module")
def published_book(tmp_path_factory) -> Path:
    return build_book_without_executing(
        tmp_path_factory.mktemp("published") / "html",
        {"RACETRACK_REPOSITORY_URL": REPOSITORY + ".git", "RACETRACK_REPOSITORY_BRANCH": "main"})


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_launch_buttons_open_the_chapter_from_the_repository(published_book, chapter):
    page = (published_book / "notebooks" / f"{chapter}.html").read_text()
    links = set(re.findall(r'href="(https://(?:mybinder\.org|colab\.research)[^"]+)"', page))
    notebook = f"notebooks/{chapter}.ipynb"
    assert links == {
        f"https://mybinder.org/v2/gh/example-org/racetrack-rl/main?urlpath=lab/tree/{notebook}",
        f"https://colab.research.google.com/github/example-org/racetrack-rl/blob/main/{notebook}",
    }
    assert (ROOT / notebook).exists()  # what the buttons open is in the repository, executed


def test_binder_installs_the_project():
    """Binder builds its image from binder/ (read before the repository's root), which installs
    this project with JupyterLab; tests/test_install_files.py checks the versions."""
    requirements = (ROOT / "binder" / "requirements.txt").read_text()
    assert re.search(r"^-e \.\[lab\]$", requirements, re.MULTILINE)


@pytest.mark.parametrize(("address", "expected"), [
    ("https://github.com/org/repo.git", "https://github.com/org/repo"),
    ("git@github.com:org/repo.git", "https://github.com/org/repo"),
    ("https://gitlab.com/org/repo", "https://gitlab.com/org/repo"),
    ("https://git.example.org/org/repo", ""),  # the theme cannot build launch links for it
    ("/home/someone/racetrack-rl", ""),        # a local clone: no launch buttons
])
def test_launch_buttons_only_for_a_public_github_or_gitlab_repository(monkeypatch, web_assets,
                                                                       address, expected):
    monkeypatch.setenv("RACETRACK_REPOSITORY_URL", address)
    configuration = runpy.run_path(str(ROOT / "book" / "conf.py"))
    assert configuration["REPOSITORY_URL"] == expected
    assert ("launch_buttons" in configuration["html_theme_options"]) == bool(expected)

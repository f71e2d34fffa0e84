"""Sphinx configuration of the Racetrack RL book: MyST-NB executes every chapter at build time."""

import os
import re
import subprocess
from pathlib import Path

from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

project = "Racetrack RL"
author = "the Racetrack RL authors"
copyright = "2026, the Racetrack RL authors"

extensions = ["myst_nb"]

# The chapters live in ../notebooks (reached through the `notebooks` link in this folder). Each
# is authored as a jupytext .py file paired with an executed .ipynb; the book reads the .ipynb.
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "**/*.py"]

# Execute every chapter afresh on every build; a cell that fails fails the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# Figures are numbered per chapter (Figure 3.2), from the numbered table of contents
numfig = True
numfig_format = {"figure": "Figure %s", "table": "Table %s", "code-block": "Listing %s"}

html_theme = "sphinx_book_theme"
html_title = "Racetrack RL"
html_theme_options = {
    "show_toc_level": 2,
    "home_page_in_toc": True,
}


def public_repository_url() -> str:
    """The public GitHub or GitLab URL of the repository the book is built from, or "".

    Read from RACETRACK_REPOSITORY_URL, else from git's `origin` remote (git@host:org/repo.git is
    turned into https://host/org/repo). A local clone with neither builds without launch buttons.
    """
    url = os.environ.get("RACETRACK_REPOSITORY_URL", "").strip()
    if not url:
        try:
            url = subprocess.run(["git", "remote", "get-url", "origin"], capture_output=True,
                                 text=True, cwd=Path(__file__).parent, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            url = ""
    url = re.sub(r"^git@([^:]+):", r"https://\1/", url).removesuffix(".git")
    # the theme builds launch links for GitHub and GitLab only (Colab: GitHub only)
    return url if re.match(r"https://(github|gitlab)\.com/[^/]+/[^/]+$", url) else ""


# Launch buttons on every chapter: Binder (which installs environment.yml) and Colab open the
# chapter's executed .ipynb from the repository. The chapters' pages are notebooks/NN_name, the
# same path as in the repository, so the path to the docs is the repository's root.
REPOSITORY_URL = public_repository_url()
if REPOSITORY_URL:
    html_theme_options |= {
        "repository_url": REPOSITORY_URL,
        "repository_branch": os.environ.get("RACETRACK_REPOSITORY_BRANCH", "main"),
        "path_to_docs": "",
        "use_repository_button": True,
        "launch_buttons": {"binderhub_url": "https://mybinder.org",
                           "colab_url": ("https://colab.research.google.com"
                                         if "github.com" in REPOSITORY_URL else ""),
                           "notebook_interface": "jupyterlab"},
    }

# The book must work offline: MathJax and the widgets' HTML manager are served from the book
# itself, not from CDNs. `scripts/fetch_web_assets.py` (run by `make book` and `make test`) puts
# pinned, integrity-checked copies from the npm registry in book/_vendor; Sphinx copies them into
# _static. Paths below are relative to _static.
VENDOR = Path(__file__).parent / "_vendor"
if not (VENDOR / "mathjax" / "tex-chtml.js").exists() or not (VENDOR / "widgets" / "embed.js").exists():
    raise RuntimeError(f"{VENDOR} is missing MathJax or the widget manager: run "
                       "`python scripts/fetch_web_assets.py` (make book does it for you)")
html_static_path = ["_static", "_vendor"]
mathjax_path = "mathjax/tex-chtml.js"
mathjax_config_path = "mathjax_config.js"  # lets the widget labels be typeset by MathJax 3
# embed.js renders the widget state saved in each executed chapter (no require.js needed)
nb_ipywidgets_js = {"widgets/embed.js": {}}


class ChapterLinks(SphinxPostTransform):
    """Let the chapters link to each other as files: `[chapter 4](04_eligibility_traces.ipynb)`.

    Such a link works in JupyterLab and on GitHub as it is. In the book, `book/notebooks` is a
    symbolic link to the chapters' folder, and Sphinx resolves it, so MyST receives the chapter's
    real path instead of its name in the book; this maps the one back to the other before MyST
    resolves the reference.
    """

    default_priority = 5  # before MyST's own resolver (priority 9)

    def run(self, **kwargs) -> None:
        chapters_folder = str((Path(__file__).parent / "notebooks").resolve())
        for node in self.document.findall(addnodes.pending_xref):
            target = node.get("reftarget", "")
            if node.get("reftype") == "myst" and target.startswith(chapters_folder + "/"):
                node["reftarget"] = "notebooks/" + Path(target).name


def setup(app):
    app.add_post_transform(ChapterLinks)

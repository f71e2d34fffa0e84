"""Sphinx configuration of the Racetrack RL book: MyST-NB executes every chapter at build time."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
from sphinx import addnodes
from sphinx.errors import SphinxError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from notebook_execution import ChapterExecutionError, execute_notebook

project = "Racetrack RL"
author = "the Racetrack RL authors"
copyright = "2026, the Racetrack RL authors"

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]

# The API page (api.md) is generated from the library's docstrings (Google style: Args, Returns,
# Attributes), in the order of the source.
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# The chapters live in ../notebooks (reached through the `notebooks` link in this folder). Each
# is authored as a jupytext .py file paired with an executed .ipynb; the book reads the .ipynb.
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "**/*.py"]

# Execute every chapter afresh on every build. A cell that raises, that stalls (its kernel uses
# no CPU for racetrack_stall_seconds), or that computes for longer than nb_execution_timeout
# seconds stops the build (exit status 2) with a message naming the chapter and the cell.
# MyST-NB does not execute the chapters itself: scripts/notebook_execution.py does, as each is read
# (`execute_chapter` below), because nbclient as MyST-NB drives it can wait the whole timeout for
# a reply that the kernel has already sent and then carry on as if nothing had happened (that
# module says why). `-D nb_execution_mode=off` builds from the committed outputs instead.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 300  # generous: computing cells are slow on a loaded machine, not stalled
racetrack_stall_seconds = 60  # an idle kernel: the build stops a minute into a stall
nb_merge_streams = True

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# Figures are numbered per chapter (Figure 4.2), from the numbered table of contents
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


# Launch buttons on every chapter: Binder (which installs binder/requirements.txt) and Colab open the
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
    """Let the chapters link to each other as files: `[chapter 5](05_eligibility_traces.ipynb)`.

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


class ChapterExecutionFailed(SphinxError):
    category = "Chapter execution failed"


def take_over_execution(app, config) -> None:
    """Execute the chapters here when MyST-NB would have, and tell MyST-NB not to."""
    app.racetrack_execute_chapters = config.nb_execution_mode != "off"
    config.nb_execution_mode = "off"


def execute_chapter(app, docname: str, source: list[str]) -> None:
    """Replace a chapter's committed notebook with the same notebook executed afresh."""
    path = Path(app.env.doc2path(docname))
    if not getattr(app, "racetrack_execute_chapters", False) or path.suffix != ".ipynb":
        return
    try:
        notebook, report = execute_notebook(path, app.config.nb_execution_timeout,
                                            name=f"{docname}.ipynb",
                                            stall_seconds=app.config.racetrack_stall_seconds)
    except ChapterExecutionError as error:
        raise ChapterExecutionFailed(str(error)) from None
    logging.getLogger(__name__).info(report.summary())
    source[0] = nbformat.writes(notebook)


def setup(app):
    app.add_config_value("racetrack_stall_seconds", 60, "env", types=frozenset({int, float}))
    app.connect("config-inited", take_over_execution, priority=100)  # before MyST-NB reads it
    app.connect("source-read", execute_chapter)
    app.add_post_transform(ChapterLinks)

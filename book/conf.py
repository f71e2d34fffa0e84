"""Sphinx configuration of the Racetrack RL book: MyST-NB executes every chapter at build time."""

from pathlib import Path

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

html_theme = "sphinx_book_theme"
html_title = "Racetrack RL"
html_theme_options = {
    "show_toc_level": 2,
    "home_page_in_toc": True,
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

"""Sphinx configuration of the Racetrack RL book: MyST-NB executes every chapter at build time."""

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

"""Show the library's real source in a chapter (never a second copy of it)."""

from __future__ import annotations

import html
import inspect
from typing import Any

from IPython.display import HTML, Code
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer


def show_source(*objects: Any) -> Code:
    """The source code of functions or classes, syntax-highlighted in a notebook or the book."""
    return Code("\n\n".join(inspect.getsource(obj) for obj in objects), language="python")


def show_beside(pseudocode: str, *objects: Any) -> HTML:
    """``pseudocode`` on the left, the real source of ``objects`` on the right, in two columns
    that scroll on their own (the same HTML in JupyterLab and in the static book)."""
    source = "\n\n".join(inspect.getsource(obj) for obj in objects)
    code = highlight(source, PythonLexer(), HtmlFormatter(noclasses=True, nowrap=True))
    # The pseudocode keeps its natural width (it is written narrow); the code takes the rest
    # and scrolls sideways when the page is narrow, as in the book.
    column = ("max-height: 46em; overflow: auto; margin: 0; padding: 0.5em; font-size: 0.72em; "
              "line-height: 1.35; border: 1px solid #ccc")
    return HTML(
        '<div style="display: flex; gap: 0.8em; align-items: flex-start">'
        f'<pre style="flex: 0 0 auto; {column}; background: #fbf8ec">'
        f'{html.escape(pseudocode)}</pre>'
        f'<pre style="flex: 1 1 0; min-width: 0; {column}; background: #f7f7f7">{code}</pre>'
        "</div>"
    )

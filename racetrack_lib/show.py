"""Show the library's real source in a chapter (never a second copy of it)."""

from __future__ import annotations

import ast
import html
import inspect
import textwrap
from typing import Any

from IPython.display import HTML, Code
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer


def show_source(*objects: Any) -> Code:
    """The source code of functions or classes, syntax-highlighted in a notebook or the book."""
    return Code("\n\n".join(inspect.getsource(obj) for obj in objects), language="python")


def pseudocode(function: Any) -> str:
    """The pseudocode of a function: the indented block after the first ``::`` of its docstring
    (where the library writes the update rule a loop implements), dedented."""
    lines = inspect.getdoc(function).splitlines()
    start = next(index for index, line in enumerate(lines) if line.rstrip().endswith("::")) + 1
    block = []
    for line in lines[start:]:
        if line.strip() and not line.startswith(" "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block)).strip("\n")


def source_without_docstring(function: Any) -> str:
    """The source of a function without its docstring (shown beside its pseudocode)."""
    source = textwrap.dedent(inspect.getsource(function))
    body = ast.parse(source).body[0].body
    if not (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)):
        return source
    lines = source.splitlines()
    return "\n".join(lines[: body[0].lineno - 1] + lines[body[0].end_lineno:])


def show_beside(function: Any) -> HTML:
    """A compiled loop's pseudocode (from its docstring, :func:`pseudocode`) on the left, its real
    source on the right, in two columns that scroll on their own (the same HTML in JupyterLab and
    in the static book)."""
    code = highlight(source_without_docstring(function), PythonLexer(),
                     HtmlFormatter(noclasses=True, nowrap=True))
    # The pseudocode keeps its natural width (it is written narrow); the code takes the rest
    # and scrolls sideways when the page is narrow, as in the book.
    column = ("max-height: 46em; overflow: auto; margin: 0; padding: 0.5em; font-size: 0.72em; "
              "line-height: 1.35; border: 1px solid #ccc")
    return HTML(
        '<div style="display: flex; gap: 0.8em; align-items: flex-start">'
        f'<pre style="flex: 0 0 auto; {column}; background: #fbf8ec">'
        f'{html.escape(pseudocode(function))}</pre>'
        f'<pre style="flex: 1 1 0; min-width: 0; {column}; background: #f7f7f7">{code}</pre>'
        "</div>"
    )

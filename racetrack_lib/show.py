"""Show the library's real source in a chapter (never a second copy of it)."""

from __future__ import annotations

import inspect
from typing import Any

from IPython.display import Code


def show_source(*objects: Any) -> Code:
    """The source code of functions or classes, syntax-highlighted in a notebook or the book."""
    return Code("\n\n".join(inspect.getsource(obj) for obj in objects), language="python")

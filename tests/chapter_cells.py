"""Reading a chapter's cells in tests: find the one cell holding a text, read a dict it assigns."""

import ast


def cell_with(cells, text: str):
    """The one cell whose source contains ``text`` (fails if none or several do)."""
    found = [cell for cell in cells if text in cell.source]
    assert len(found) == 1, text
    return found[0]


def assigned_dict(source: str, name: str) -> dict:
    """The literal dict that ``source`` assigns to ``name``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned")

"""Chapter 1 defines policies, V* and Q* where it first uses them, in the book's notation, and
book/notation.md lists every symbol chapters 1 and 2 write in their maths."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).parent.parent
NOTEBOOKS = ROOT / "notebooks"
NOTATION = (ROOT / "book" / "notation.md").read_text()


def chapter_text(name: str) -> str:
    return "\n\n".join(cell.source for cell in jupytext.read(NOTEBOOKS / name).cells)


@pytest.mark.parametrize(("used", "definition"), [
    (r"\pi(a \mid s)", "A **policy** is a rule for choosing actions"),
    (r"\pi(s)", "A **policy** is a rule for choosing actions"),
    ("V^*", "holds the **optimal value** $V^*(s)$"),
    ("solution.values", "holds the **optimal value** $V^*(s)$"),
    ("Q^*", "holds the **optimal action value** $Q^*(s, a)$"),
    ("q_values", "holds the **optimal action value** $Q^*(s, a)$"),
    ("greedy_actions", "the *greedy* policy"),
])
def test_chapter1_defines_before_it_uses(used, definition):
    text = chapter_text("01_racetrack_mdp.py")
    assert definition in text
    # the definition's paragraph may use the symbol itself: compare with the paragraph's start
    position = text.index(definition)
    paragraph_start = text.rfind("\n\n", 0, position)
    assert text.index(used) > paragraph_start, f"{used!r} is used before it is defined"


SYMBOLS = {  # as the chapters write them -> as notation.md lists them
    r"\pi(a \mid s)": r"$\pi(a \mid s)$",
    r"\pi(s)": r"$\pi(s)$",
    "V^*": "$V^*(s)$",
    "Q^*": "$Q^*$",
    r"V^\pi": r"$V^\pi(s)$",
    "V_k": "$V_k$",
    r"P_\pi": r"$P_\pi$",
    "s'_a": "$s'_a$",
    "s'_0": "$s'_0$",
    r"\mathcal{S}_0": r"$\mathcal{S}_0$",
    r"\gamma": r"$\gamma$",
    r"p(s' \mid s, a)": r"$p(s' \mid s, a)$",
}


@pytest.mark.parametrize("chapter", ["01_racetrack_mdp.py", "02_dynamic_programming.py"])
def test_notation_lists_the_symbols_of_chapters_1_and_2(chapter):
    maths = " ".join(re.findall(r"\$\$?(.+?)\$\$?", chapter_text(chapter),
                                re.DOTALL))
    used = [symbol for symbol in SYMBOLS if symbol in maths]
    assert used, "no maths found"
    for symbol in used:
        assert SYMBOLS[symbol] in NOTATION, f"{symbol} is used in {chapter} but not in notation.md"

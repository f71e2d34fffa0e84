"""Citations: the Sutton & Barto equations chapter 2 and `racetrack_lib/dp.py` cite are the right
ones, and book/references.md lists every author-year citation of every chapter, with the
chapters that make it (and lists no other work outside its further-reading column)."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest

from racetrack_lib import dp

ROOT = Path(__file__).parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
REFERENCES = (ROOT / "book" / "references.md").read_text()
# Surname [et al.] [& Surname], year - as the chapters write citations.
CITATION = re.compile(
    r"\b([A-Z][a-z]+)(?: et al\.)?(?:,? (?:&|and) [A-Z][a-z]+)?,? \(?((?:19|20)\d\d)\)?")

# Sutton & Barto, 2nd edition, chapter 4: what each equation is.
SB_CHAPTER_4 = {"4.1": "Bellman optimality, v*", "4.2": "Bellman optimality, q*",
                "4.3": "Bellman, v_pi", "4.4": "Bellman, v_pi (sums)",
                "4.5": "iterative policy evaluation", "4.9": "policy improvement",
                "4.10": "value iteration"}


def cited_works() -> dict[tuple[str, str], set[int]]:
    works: dict[tuple[str, str], set[int]] = {}
    for chapter in CHAPTERS:
        for surname, year in CITATION.findall(chapter.read_text()):
            works.setdefault((surname, year), set()).add(int(chapter.name[:2]))
    return works


def reference_entries() -> dict[tuple[str, str], str]:
    entries = {}
    for entry in re.split(r"\n(?=- )", REFERENCES.split("**Other sources**")[1].strip()):
        match = re.match(r"- ([A-Z][a-z]+)\b.*?\(((?:19|20)\d\d)\)", entry, re.DOTALL)
        assert match, entry
        entries[match.groups()] = entry
    return entries


def test_every_cited_work_is_listed_with_the_chapters_that_cite_it():
    works, entries = cited_works(), reference_entries()
    assert works, "no citations found: has the citation style changed?"
    for (surname, year), chapters in works.items():
        assert (surname, year) in entries, f"{surname} ({year}) is cited but not in references.md"
        which = re.search(r"\(Chapters? ([^:]+):", entries[surname, year])
        listed = {int(n) for n in re.findall(r"\d+", which.group(1))} if which else set()
        assert listed == chapters, f"{surname} ({year}): references.md says {listed}, cited in {chapters}"


def test_no_other_source_is_listed_that_no_chapter_cites():
    assert set(reference_entries()) == set(cited_works())


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if int(c.name[:2]) <= 2], ids=lambda c: c.stem)
def test_the_sutton_barto_equations_cited_exist_as_cited(chapter):
    text = "\n".join(cell.source for cell in jupytext.read(chapter).cells)
    for number in re.findall(r"eq\. (\d+\.\d+)", text):
        assert number in SB_CHAPTER_4, number
    if chapter.name.startswith("02"):
        # the optimality equations: 4.1 for V*, 4.2 for Q*; 4.4 evaluates a policy; 4.10 iterates
        assert "their eq. 4.1 for $V^*$" in text and "their eq. 4.2 for $Q^*$" in text
        assert "Bellman *expectation* equation (S&B eq. 4.4)" in text
        assert "until nothing moves (S&B eq. 4.10)" in text


def test_dp_docstrings_cite_the_equation_of_what_they_compute():
    assert re.findall(r"S&B eq\. ([\d.]+)", dp.backup.__doc__) == ["4.1"]
    assert re.findall(r"S&B eq\. ([\d.]+)", dp.value_iteration.__doc__) == ["4.10"]
    assert re.findall(r"S&B eq\. ([\d.]+)", dp.policy_evaluation.__doc__) == ["4.4"]
    assert "4.10" in dp.backup.__doc__  # the term value iteration maximises, too

"""The built HTML book, opened in Chromium from a local server, shows what a reader should see.

For every page: every image loads, no request fails (the book must work offline: MathJax and the
widget manager are served from the book itself), no script throws, no error output and no
"Traceback" in the visible text. For every chapter: at least as many figures as its executed
notebook has image outputs, maths typeset by MathJax, and - where the chapter has an explorer -
its widget controls rendered from the saved widget state, with the explorer's figure inside, and
each coding exercise's solution folded away while its check's message ("✓ ...") shows.

Which book: the test builds it as `make book` does, every chapter executed afresh (3-4 minutes,
on one test worker while the other runs the rest of `make test`), so a chapter that stalls or
fails when the book executes it fails the tests, and what is checked is what readers get.
``RACETRACK_BOOK_HTML=book/_build/html`` tests a book already built (`make check-book`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from book_support import build_book
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .support import ROOT, serve_directory

pytestmark = pytest.mark.browser

NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = sorted(path.stem for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
OTHER_PAGES = ["index", "course", "notation", "glossary", "references", "status"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def notebook_outputs(chapter: str) -> tuple[int, int, int]:
    """(image outputs, widget views, slider and dropdown controls) of a chapter's notebook."""
    notebook = json.loads((NOTEBOOKS / f"{chapter}.ipynb").read_text())
    outputs = [output for cell in notebook["cells"] for output in cell.get("outputs", [])]
    images = sum("image/png" in output.get("data", {}) for output in outputs)
    widgets = sum(WIDGET_VIEW in output.get("data", {}) for output in outputs)
    state = notebook["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    controls = sum(bool(re.fullmatch(r"\w*(Slider|Dropdown)Model", model["model_name"]))
                   for model in state.values())
    return images, widgets, controls


@pytest.fixture(scope="module")
def book_url(tmp_path_factory):
    chosen = os.environ.get("RACETRACK_BOOK_HTML")
    if chosen:
        html = Path(chosen).resolve()
        assert (html / "index.html").exists(), f"RACETRACK_BOOK_HTML={chosen} has no index.html"
    else:
        html = build_book(tmp_path_factory.mktemp("book") / "html")
    yield from serve_directory(html)


class PageProblems:
    """Collects what went wrong while a page loaded: failed requests and uncaught script errors."""

    def __init__(self, page):
        self.failed_requests: list[str] = []
        self.script_errors: list[str] = []
        page.on("requestfailed", lambda request: self.failed_requests.append(request.url))
        page.on("response", self._check_response)
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))

    def _check_response(self, response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.failed_requests.append(f"{response.status} {response.url}")


def open_page(page, url: str) -> PageProblems:
    problems = PageProblems(page)
    page.goto(url, wait_until="networkidle")
    return problems


def broken_images(page) -> list[str]:
    """Sources of the images on the page that did not load (wait for each to finish first)."""
    return page.evaluate("""async () => {
        const images = Array.from(document.images);
        await Promise.all(images.map(image => image.complete ? null :
            new Promise(done => { image.onload = done; image.onerror = done; })));
        return images.filter(image => image.naturalWidth === 0)
                     .map(image => image.getAttribute('src').slice(0, 80));
    }""")


def assert_clean(page, problems: PageProblems) -> None:
    assert broken_images(page) == []
    assert problems.failed_requests == []
    assert problems.script_errors == []
    assert page.locator(".cell_output .traceback, .cell_output .stderr").count() == 0
    assert "Traceback" not in page.inner_text("body")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page(page, book_url, chapter):
    problems = open_page(page, f"{book_url}/notebooks/{chapter}.html")
    image_outputs, widget_views, widget_controls = notebook_outputs(chapter)
    # the static figures: MyST-NB writes each image output as an <img> in the cell's output
    assert image_outputs > 0
    static_figures = "document.querySelectorAll('.cell_output img:not(.widget-output img)').length"
    try:
        page.wait_for_function(f"n => {static_figures} >= n", arg=image_outputs, timeout=15_000)
    except PlaywrightTimeoutError:
        raise AssertionError(f"{page.evaluate(static_figures)} figures on the page, the notebook "
                             f"has {image_outputs} image outputs") from None
    # numbered figures: Sphinx's number in each caption is the one the figure's own title shows
    # (the label fig-4-2 is made from the title "Figure 4.2: ..."), so the two cannot drift apart
    captions = page.locator("figure[id^='fig-'] .caption-number")
    assert captions.count() == image_outputs  # every static figure is numbered and captioned
    for figure in page.locator("figure[id^='fig-']").all():
        number = figure.get_attribute("id").removeprefix("fig-").replace("-", ".")
        assert figure.locator(".caption-number").inner_text().strip() == f"Figure {number}"
    page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0")
    designers = chapter.startswith("09_")  # chapter 9's one widget is the track designer
    if widget_views and not designers:
        # the saved widget state rendered by the HTML manager: controls and the explorer's figure
        page.wait_for_selector(".widget-interact .widget-output img", state="attached")
        assert page.locator(".widget-interact").count() == widget_views
        controls = page.locator(".widget-interact .widget-slider, .widget-interact .widget-dropdown")
        assert controls.count() == widget_controls >= 1  # each saved control is on the page
        assert controls.first.is_visible()
    if designers:
        assert widget_views == 1
        assert_designer_rendered(page)
    assert_solutions_hidden_and_checks_passed(page, chapter)
    assert_clean(page, problems)


def assert_designer_rendered(page) -> None:
    """The track designer, as saved: its grid of cells (a button each, titled by line and
    column), its status line with the optimum, its drawing of the optimal drives and the
    learning curve of the training the chapter ran."""
    page.wait_for_selector(".racetrack-designer .widget-output img", state="attached")
    designer = page.locator(".racetrack-designer")
    assert designer.count() == 1
    cells = designer.locator(".racetrack-designer-grid button")
    assert cells.count() == 14 * 18
    assert cells.last.get_attribute("title") == "line 14, column 18"
    assert "optimal expected steps from the start line" in designer.locator(
        ".racetrack-designer-status").inner_text()
    assert designer.locator(".widget-output img").count() == 2  # the drives, the learning curve
    assert designer.locator(".racetrack-designer-text textarea").input_value().startswith("###")


def assert_solutions_hidden_and_checks_passed(page, chapter: str) -> None:
    """Every solution cell's code is inside a closed <details> (MyST-NB's hide-input), and the
    page shows every check's pass message."""
    from racetrack_lib.exercises import all_exercises

    names = [name for name, exercise in all_exercises().items()
             if exercise.chapter == int(chapter[:2])]
    assert len(names) >= 1
    for name in names:
        placement = page.evaluate(
            """name => [...document.querySelectorAll('div.cell')]
                .filter(cell => cell.textContent.includes('def ' + name + '('))
                .filter(cell => cell.textContent.includes('BEGIN SOLUTION'))
                .map(cell => {
                    const details = cell.querySelector('details');
                    return details !== null && !details.open
                        && details.textContent.includes('BEGIN SOLUTION');
                })""", name)
        assert placement == [True], f"{chapter}: the solution of {name} is not folded away"
        assert page.get_by_text(f"✓ {name} agrees with the library").count() == 1, name


@pytest.mark.parametrize("name", OTHER_PAGES)
def test_other_page(page, book_url, name):
    problems = open_page(page, f"{book_url}/{name}.html")
    assert_clean(page, problems)
    if name == "index":
        assert page.locator("img[src*='optimal_track1'], img[src*='learned_track1']").count() == 2
        chapter_links = page.locator(".toctree-wrapper a[href^='notebooks/']")
        assert chapter_links.count() == len(CHAPTERS)


def test_search_finds_a_chapter(page, book_url):
    """Sphinx's search, offline: a word from chapter 5 finds chapter 5."""
    problems = open_page(page, f"{book_url}/search.html?q=eligibility")
    page.wait_for_selector("#search-results li a")
    results = page.locator("#search-results li a").all_inner_texts()
    assert any("Eligibility traces" in text for text in results), results
    assert problems.script_errors == []

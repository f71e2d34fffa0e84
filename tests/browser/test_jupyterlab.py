"""The chapters in a real JupyterLab, as a reader uses them.

The tests start one JupyterLab server on 127.0.0.1 (a free port, a random token, settings and
workspaces in a temporary folder) on a copy of chapter 4 with its outputs cleared, so every
output they see was made by this run, on chapter 1's student edition, and on chapter 9's track
designer. They drive Chromium:

- chapter 4: Run > Run All Cells, wait until every cell has run, check there is no error output,
  drag the explorer's alpha slider and wait for the explorer to retrain and redraw its figure;
- chapter 1's student edition: run all cells (the unsolved exercises must not stop it), then type
  a wrong answer to exercise 1.1 into its cell as a reader would, run it and its check and read
  the check's message; then type the right answer and see the check pass;
- chapter 9's designer: clear the grid and paint a small track with the mouse, see its optimum
  (the library's number) and drawing appear, type an unknown character into the text and see it
  named by line and column and its cell turn red, mend it, and train the full agent on it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from student_edition import student_notebook

pytestmark = pytest.mark.browser

CHAPTER = "04_td_learning.ipynb"
STUDENT_CHAPTER = "01_racetrack_mdp.ipynb"  # in the folder's student/ subfolder
DESIGNER_CHAPTER = "09_your_own_track.ipynb"
DESIGNER = "designer.ipynb"  # chapter 9's imports and its designer cell, nothing else
RUN_ALL_TIMEOUT_S = 240  # chapter 4 executes in about 25 s; CI machines are slower
RETRAIN_TIMEOUT_MS = 120_000
STDERR = "application/vnd.jupyter.stderr"  # how JupyterLab marks error and stderr outputs


def designer_notebook() -> nbformat.NotebookNode:
    """Chapter 9's first code cell (its imports) and the cell that shows the designer."""
    chapter = nbformat.read(ROOT / "notebooks" / DESIGNER_CHAPTER, as_version=4)
    code = [cell for cell in chapter.cells if cell.cell_type == "code"]
    shows = [cell for cell in code if cell.source.startswith("designer = TrackDesigner(")]
    assert len(shows) == 1, "chapter 9 has no cell 'designer = TrackDesigner(...)'"
    notebook = nbformat.v4.new_notebook(metadata=chapter.metadata)
    notebook.cells = [nbformat.v4.new_code_cell(cell.source) for cell in (code[0], shows[0])]
    return notebook


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout_s} s")


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on a cleared copy of chapter 4; yields (base URL, token)."""
    folder = tmp_path_factory.mktemp("lab")
    notebook = nbformat.read(ROOT / "notebooks" / CHAPTER, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, folder / CHAPTER)
    (folder / "student").mkdir()
    instructor = nbformat.read(ROOT / "notebooks" / STUDENT_CHAPTER, as_version=4)
    nbformat.write(student_notebook(instructor, STUDENT_CHAPTER),
                   folder / "student" / STUDENT_CHAPTER)
    nbformat.write(designer_notebook(), folder / DESIGNER)
    # every cell in the page (no virtual scrolling), so the test can see them all
    settings = folder / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = free_port(), secrets.token_hex(16)
    environment = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(folder / "settings"),
                       JUPYTERLAB_WORKSPACES_DIR=str(folder / "workspaces"),
                       JUPYTER_RUNTIME_DIR=str(folder / "runtime"))
    log = (folder / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", "--allow-root",
         f"--ServerApp.root_dir={folder}", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=environment, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_serving(f"{base_url}/api/status?token={token}", server)
        except (RuntimeError, TimeoutError) as problem:
            log.flush()
            raise AssertionError(f"{problem}; its log ends:\n"
                                 f"{(folder / 'jupyterlab.log').read_text()[-2000:]}") from None
        yield base_url, token
    finally:
        server.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def wait_for_kernel(page, base_url: str, token: str, chapter: str = CHAPTER) -> None:
    """Wait until the server has started the notebook's kernel and the page shows it idle.

    (The page's indicator can read "idle" for a moment before its session exists; running cells
    then makes JupyterLab ask which kernel to use.)
    """
    deadline = time.monotonic() + 90
    while True:
        with urllib.request.urlopen(f"{base_url}/api/sessions?token={token}") as response:
            sessions = json.load(response)
        if any(session["path"].endswith(chapter) and session.get("kernel")
               for session in sessions):
            break
        assert time.monotonic() < deadline, "JupyterLab did not start the chapter's kernel"
        page.wait_for_timeout(500)
    page.wait_for_selector(".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator"
                           "[data-status='idle'] >> visible=true", timeout=90_000)


def run_all_cells(page) -> None:
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    # should JupyterLab still ask which kernel to use, answer as a reader would: its preferred one
    select = page.locator(".jp-Dialog").get_by_role("button", name="Select", exact=True)
    try:
        select.click(timeout=3_000)
    except PlaywrightTimeoutError:
        pass  # no question asked


def wait_until_every_cell_ran(page, notebook, timeout_s: float = RUN_ALL_TIMEOUT_S) -> None:
    """Every code cell's prompt shows an execution count ([12]:), none is waiting ([*]:) or
    unrun ([ ]:); fails at once, with the error, if a cell writes to stderr (a traceback)."""
    deadline = time.monotonic() + timeout_s
    while True:
        errors = notebook.locator(f"[data-mime-type='{STDERR}']").all_inner_texts()
        assert errors == [], f"a cell failed:\n{errors[0][-3000:]}"
        prompts = notebook.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        if prompts and all(re.search(r"\[\d+\]", prompt) for prompt in prompts):
            return
        assert time.monotonic() < deadline, f"not every cell ran: prompts {prompts}"
        page.wait_for_timeout(1000)


def drag_slider(page, slider, fraction: float) -> None:
    """Drag the slider's handle by `fraction` of the slider's width (negative: to the left)."""
    handle = slider.locator(".noUi-handle")
    track = slider.locator(".noUi-target").bounding_box()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + fraction * track["width"], y, steps=10)
    page.mouse.up()


def test_chapter_4_runs_and_its_alpha_slider_retrains(page, jupyterlab):
    base_url, token = jupyterlab
    page.goto(f"{base_url}/lab/tree/{CHAPTER}?token={token}")
    wait_for_kernel(page, base_url, token)
    notebook = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
    run_all_cells(page)
    wait_until_every_cell_ran(page, notebook)

    assert "Traceback" not in notebook.inner_text()
    assert notebook.locator(".jp-OutputArea-output img").count() >= 5  # the chapter's figures

    explorer = notebook.locator(".widget-interact")
    figure = explorer.locator(".jp-OutputArea-output img")
    figure.wait_for(timeout=RETRAIN_TIMEOUT_MS)
    figure_before = figure.get_attribute("src")
    alpha = explorer.locator(".widget-slider").filter(
        has=page.locator(".widget-label", has_text=re.compile(r"^alpha$")))
    assert alpha.locator(".widget-readout").inner_text() == "1.00"

    alpha.scroll_into_view_if_needed()
    drag_slider(page, alpha, -0.6)

    assert alpha.locator(".widget-readout").inner_text() != "1.00"
    # the explorer retrains and redraws: its figure (a new PNG) replaces the old one
    page.wait_for_function(
        """before => {
            const figure = document.querySelector('.widget-interact .jp-OutputArea-output img');
            return figure !== null && figure.getAttribute('src') !== before;
        }""", arg=figure_before, timeout=RETRAIN_TIMEOUT_MS, polling=500)


WRONG_ANSWER = """def next_velocity(v_up, v_right, dv_up, dv_right, on_start):
    return v_up + dv_up, v_right + dv_right"""
RIGHT_ANSWER = """def next_velocity(v_up, v_right, dv_up, dv_right, on_start):
    new = (min(max(v_up + dv_up, 0), 4), min(max(v_right + dv_right, 0), 4))
    if new == (0, 0) and not on_start:
        return v_up, v_right
    return new"""


def type_into_cell_and_run(page, cell, text: str) -> None:
    """Replace a cell's code by `text` as a reader would (click, select all, type), then run it
    with Shift+Enter. The text goes in as typed input, without the editor's auto-indentation."""
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)
    page.keyboard.press("Shift+Enter")


def check_output_after_running(page, exercise_cell, check_cell, answer: str) -> str:
    """Type `answer` into the exercise's cell, run it and then its check; return the check's
    output once it is there."""
    before = check_cell.locator(".jp-InputPrompt").inner_text()
    type_into_cell_and_run(page, exercise_cell, answer)
    check_cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    deadline = time.monotonic() + 60
    while True:  # the check has run when its prompt shows a new execution count
        prompt = check_cell.locator(".jp-InputPrompt").inner_text()
        if prompt != before and re.search(r"\[\d+\]", prompt):
            return check_cell.locator(".jp-OutputArea").inner_text()
        assert time.monotonic() < deadline, f"the check did not run (prompt {prompt!r})"
        page.wait_for_timeout(250)


def test_a_student_types_a_wrong_then_a_right_answer_and_the_check_says_so(page, jupyterlab):
    base_url, token = jupyterlab
    # a workspace of its own: only this notebook open (the default workspace would reopen
    # chapter 4 beside it, with a second kernel indicator)
    page.goto(f"{base_url}/lab/workspaces/student/tree/student/{STUDENT_CHAPTER}?token={token}")
    wait_for_kernel(page, base_url, token, STUDENT_CHAPTER)
    notebook = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
    run_all_cells(page)
    wait_until_every_cell_ran(page, notebook)
    exercise_cell = notebook.locator(".jp-CodeCell").filter(has=page.locator(
        ".jp-InputArea", has_text="def next_velocity(v_up, v_right, dv_up, dv_right, on_start):"))
    check_cell = notebook.locator(".jp-CodeCell").filter(has=page.locator(
        ".jp-InputArea", has_text="exercises.check_next_velocity(next_velocity)"))
    assert "raise NotImplementedError()" in exercise_cell.inner_text()
    assert "not yet implemented" in check_cell.locator(".jp-OutputArea").inner_text()

    wrong = check_output_after_running(page, exercise_cell, check_cell, WRONG_ANSWER)
    assert "✗ next_velocity is not right yet" in wrong, wrong
    assert "Hint (the speed limit)" in wrong and "expected" in wrong and "Traceback" not in wrong

    right = check_output_after_running(page, exercise_cell, check_cell, RIGHT_ANSWER)
    assert "✓ next_velocity agrees with the library" in right, right
    assert "Used on track 1" in right


# The track the designer test paints on the starting 14 x 18 grid, cleared (lines and columns
# counted from 1, as the designer's cells are titled): a box of track, the start line under it,
# the finish line on its right.
PAINTED = [("track .", (3, 3), (8, 8)), ("start S", (9, 3), (9, 8)),
           ("finish F", (3, 9), (5, 9))]
ERROR_RED = "rgb(228, 26, 28)"


def painted_track_text() -> str:
    rows = [["#"] * 18 for _ in range(14)]
    symbols = {"track .": ".", "start S": "S", "finish F": "F"}
    for brush, (line0, column0), (line1, column1) in PAINTED:
        for line in range(line0, line1 + 1):
            for column in range(column0, column1 + 1):
                rows[line - 1][column - 1] = symbols[brush]
    return "\n".join("".join(row) for row in rows)


def designer_status(page, expected: str, timeout_ms: int = 60_000) -> str:
    """Wait until the designer's status line contains `expected`; return it."""
    status = page.locator(".racetrack-designer-status")
    try:
        page.wait_for_function(
            """expected => {
                const status = document.querySelector('.racetrack-designer-status');
                return status !== null && status.innerText.includes(expected);
            }""", arg=expected, timeout=timeout_ms, polling=250)
    except PlaywrightTimeoutError:
        raise AssertionError(f"the status never said {expected!r}: it says "
                             f"{status.inner_text()!r}") from None
    return status.inner_text()


def dismiss_news_question(page) -> None:
    """Answer JupyterLab's question about news, if it asks, so that its toast covers nothing."""
    try:
        page.locator(".jp-toast-button", has_text="No").click(timeout=3_000)
    except PlaywrightTimeoutError:
        pass  # not asked


def cell_button(page, line: int, column: int):
    return page.locator(f".racetrack-designer-grid button[title='line {line}, column {column}']")


def test_a_reader_paints_a_track_sees_its_optimum_an_error_and_trains_on_it(page, jupyterlab):
    from racetrack_lib.designer import solve_design
    from racetrack_lib.track import parse_track

    base_url, token = jupyterlab
    page.goto(f"{base_url}/lab/workspaces/designer/tree/{DESIGNER}?token={token}")
    wait_for_kernel(page, base_url, token, DESIGNER)
    notebook = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
    run_all_cells(page)
    wait_until_every_cell_ran(page, notebook)
    designer_status(page, "states; optimal expected steps")
    dismiss_news_question(page)  # its toast lies over the lower right of the page

    page.get_by_role("button", name="clear (all wall)").click()
    designer_status(page, "the track has no start cell")
    page.locator(".widget-checkbox", has_text="rectangle").locator("input").check()
    for brush, first, last in PAINTED:  # two clicks paint a box
        page.locator(".widget-toggle-buttons").get_by_role("button", name=brush).click()
        cell_button(page, *first).click()
        cell_button(page, *last).click()
        page.wait_for_timeout(300)
    expected = solve_design(parse_track(painted_track_text()))
    status = designer_status(page, f"✓ {expected.model.n_states:,} states")
    assert f"start line {expected.expected_steps:.2f}" in status, status
    # the optimal drives: drawn just after the status is written, so wait for them
    notebook.locator(".racetrack-designer .widget-output img").first.wait_for(
        state="attached", timeout=30_000)

    text = page.locator(".racetrack-designer-text textarea")
    assert text.input_value() == painted_track_text()
    text.click()
    page.keyboard.press("Control+Home")
    page.keyboard.type("x")
    page.keyboard.press("Tab")  # leaving the box applies the edit
    status = designer_status(page, "line 1, column 1: unknown character 'x'")
    assert cell_button(page, 1, 1).evaluate("b => getComputedStyle(b).backgroundColor") == \
        ERROR_RED
    text.click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("Delete")
    page.keyboard.press("Tab")
    designer_status(page, f"✓ {expected.model.n_states:,} states")

    episodes = page.locator(".widget-inline-hbox", has_text="episodes").locator("input")
    episodes.fill("300")
    episodes.press("Enter")
    page.get_by_role("button", name=re.compile(r"^train the full agent")).click()
    page.wait_for_function(
        """() => {
            const bar = document.querySelector('.widget-hprogress .progress-bar');
            return bar !== null && bar.style.width === '100%';
        }""", timeout=RETRAIN_TIMEOUT_MS, polling=500)
    page.wait_for_function(  # the learning curve joins the drawing
        "() => document.querySelectorAll('.jp-Notebook .widget-output img').length >= 2",
        timeout=RETRAIN_TIMEOUT_MS, polling=500)

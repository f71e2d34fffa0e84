"""Print the executed book to one PDF, for reading on paper: book/_build/racetrack-rl.pdf.

``make pdf`` runs this. It does not execute any chapter: the pages are built from the outputs
committed in each chapter's .ipynb (``make notebooks`` writes them with the book's executor), so a
PDF takes under a minute where ``make book`` takes minutes. Three steps:

1. Sphinx's ``singlehtml`` builder writes the whole book - the front page, every chapter in the
   order of the table of contents, the reference pages - as one HTML page, in ``--build-dir``.
   It runs with ``nb_execution_mode=off``, which book/conf.py reads (``take_over_execution``) to
   decide whether its own executor runs the chapters; the script stops if conf.py would execute
   them anyway. MyST-NB puts each chapter's saved widget state (its explorer's controls and
   figure) on that chapter's own page only, so for the single page this script adds every
   chapter's state and the widget manager, as MyST-NB does for each chapter's page.
2. Chromium (Debian's, the one the browser tests drive; see scripts/ensure_chromium.py) opens the
   page from a local HTTP server on 127.0.0.1 - the book is self-contained, nothing comes from the
   network - and the script waits until the widget manager has drawn every explorer, MathJax has
   typeset every formula (no raw TeX left) and every image and font has loaded.
3. Chromium prints it to A4 (``page.pdf``) with print styles added here: each chapter and
   reference page starts on a new sheet, the theme's navigation is hidden, figures, formulas and
   code blocks are not split across sheets, and each sheet's footer has its number.

One page printed once (rather than each chapter's page printed and the PDFs joined) keeps the
figure and equation numbers, the links between chapters and the sheet numbers continuous, and
needs no PDF library. The "Build status" page, whose timing table is empty in a build that
executes nothing, says instead which commit the copy was printed from.

Usage::

    python scripts/print_book.py [--out book/_build/racetrack-rl.pdf]
        [--build-dir book/_build/singlehtml] [--timeout 120] [--open-details]

Exit status 0 with the PDF written; 1 with one line saying what failed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import http.server
import io
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
sys.path.insert(0, str(ROOT / "scripts"))
from ensure_chromium import find_chromium  # noqa: E402 - the browser tests' own search

# As in tests/browser/support.py: Chromium's own background connections are refused on a closed
# network, many at a time; these flags stop it from trying (--no-sandbox: it may run as root).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'

# The sheet: A4, margins wide enough to write in, the page drawn at 90 % (16 px body text prints at
# about 11 pt). The page is laid out at the printable width, so that what is measured below (which
# blocks are short) is what is printed.
MARGINS_MM = {"top": 15, "bottom": 18, "left": 18, "right": 18}
SCALE = 0.9
CSS_PX_PER_MM = 96 / 25.4
PRINTABLE_WIDTH = round((210 - MARGINS_MM["left"] - MARGINS_MM["right"]) * CSS_PX_PER_MM / SCALE)
PRINTABLE_HEIGHT = round((297 - MARGINS_MM["top"] - MARGINS_MM["bottom"]) * CSS_PX_PER_MM / SCALE)

PRINT_CSS = """
@media print {
  /* every chapter and reference page starts on a new sheet */
  span[id^="document-"] + section { break-before: page; }
  /* the theme's navigation and buttons, useless on paper */
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, .header-article,
  .prev-next-area, .bd-footer, .bd-footer-article, .bd-footer-content, footer, .headerlink,
  .skip-link, #pst-back-to-top, .search-button-field, .theme-switch-button { display: none !important; }
  .bd-main .bd-content, .bd-article-container, .bd-page-width { max-width: none !important;
    margin-left: 0 !important; }
  /* a figure, a displayed formula or an explorer is never split across sheets; a code cell, its
     output or a table only when it is longer than a third of a sheet (.print-keep, set below) */
  figure, img, .widget-interact, mjx-container[display="true"], div.math,
  .print-keep { break-inside: avoid; }
  h1, h2, h3, h4, h5, p:has(+ div.math) { break-after: avoid; }
  /* long code lines wrap instead of running off the sheet */
  div.highlight pre, .output pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
}
"""
FOOTER = ('<div style="font-size: 8px; width: 100%; text-align: center; color: #555;">'
          'Racetrack RL - <span class="pageNumber"></span> / <span class="totalPages"></span>'
          '</div>')


class PrintError(Exception):
    """A step failed; the message (one line) says which and why."""


class StepTimeout(BaseException):
    """A step ran out of time. Not an Exception, so that no `except Exception` in Sphinx or an
    extension (Sphinx wraps what an event handler raises) can take it for the step's own error."""


@contextlib.contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Stop `what` with StepTimeout when it takes longer than `seconds` (SIGALRM)."""
    def expire(signum, frame):
        raise StepTimeout(f"{what} took longer than {seconds:g} s (see --timeout)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def add_every_widget_state(app, pagename, templatename, context, doctree) -> None:
    """On the single page, the scripts MyST-NB adds to each chapter's page: every saved widget
    state (one script per chapter; the widget manager renders the views of each) and, once, the
    widget manager."""
    if pagename != app.config.root_doc:
        return
    from myst_nb.sphinx_ import NbMetadataCollector

    added = set()
    for docname in sorted(app.env.all_docs):
        for path, kwargs in NbMetadataCollector.get_js_files(app.env, docname).values():
            if path is None or path not in added:
                app.add_js_file(path, **kwargs)
                added.add(path)


def build_single_page(build_dir: Path, timeout: float) -> Path:
    """Build the book from the committed notebooks as one page; return its index.html."""
    from sphinx.application import Sphinx

    warnings = io.StringIO()
    with deadline(timeout, "building the single HTML page"):
        try:
            app = Sphinx(srcdir=BOOK, confdir=BOOK, outdir=build_dir,
                         doctreedir=build_dir / ".doctrees", buildername="singlehtml",
                         confoverrides={"nb_execution_mode": "off"}, status=None,
                         warning=warnings, freshenv=True)
        except Exception as error:  # e.g. conf.py: MathJax missing (fetch_web_assets.py)
            raise PrintError(f"the book's configuration failed: {error}") from None
        if getattr(app, "racetrack_execute_chapters", True):
            raise PrintError("book/conf.py would execute the chapters although "
                             "nb_execution_mode=off (take_over_execution changed?)")
        app.connect("html-page-context", add_every_widget_state)
        try:
            app.build()
        except Exception as error:
            raise PrintError(f"Sphinx failed: {type(error).__name__}: {error}") from None
    if warnings.getvalue():
        sys.stderr.write(warnings.getvalue())
    if app.statuscode != 0:
        raise PrintError(f"Sphinx failed (status {app.statuscode}); its warnings are above")
    return build_dir / "index.html"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # silence the per-request log lines
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port); yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def printed_from() -> str:
    """The sentence that replaces the empty build-status table."""
    def git(*arguments: str) -> str:
        try:
            return subprocess.run(["git", *arguments], cwd=ROOT, text=True, capture_output=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD")
    source = f" at commit {commit}" if commit else ""
    if commit and git("status", "--porcelain", "--", "notebooks"):
        source += ", with uncommitted changes"
    return (f"This copy was printed on {datetime.date.today().isoformat()} from the outputs "
            f"stored in the chapters' notebooks{source}: no chapter was executed to print it "
            "(make book executes every chapter afresh).")


def wait(page, expression: str, what: str, timeout: float, arg=None) -> None:
    """Wait until `expression` (a JavaScript function) is truthy, at most `timeout` seconds."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        page.wait_for_function(expression, arg=arg, timeout=timeout * 1000, polling=250)
    except PlaywrightTimeoutError:
        raise PrintError(f"waited {timeout:.0f} s for {what}") from None


def prepare_page(page, url: str, timeout: float, open_details: bool) -> None:
    """Open the page and wait until it is all drawn: widgets, formulas, images, fonts."""
    from playwright.sync_api import Error as PlaywrightError

    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error).splitlines()[0]))
    page.emulate_media(media="print")
    try:
        page.goto(url, wait_until="load", timeout=timeout * 1000)
    except PlaywrightError as error:
        raise PrintError(f"Chromium could not open {url}: {str(error).splitlines()[0]}") from None
    views = page.locator(WIDGET_VIEW).count()
    # the widget manager puts a .widget-subarea before each view's script and draws it there
    wait(page, """n => {
        const drawn = Array.from(document.querySelectorAll('.widget-subarea'))
            .filter(area => area.childElementCount > 0);
        return drawn.length >= n;
    }""", f"the widget manager to draw the {views} explorers", timeout, views)
    wait(page, "() => window.MathJax && MathJax.startup && MathJax.startup.promise && "
               "typeof MathJax.typesetPromise === 'function'", "MathJax to load", timeout)
    if open_details:
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]')"
                  ".forEach(image => image.loading = 'eager')")
    # typeset anything MathJax has not reached yet (widget labels drawn after it started)
    page.evaluate("() => { window.__typeset = false; MathJax.startup.promise"
                  ".then(() => MathJax.typesetPromise()).then(() => { window.__typeset = true; }); }")
    wait(page, "() => window.__typeset === true", "MathJax to typeset the formulas", timeout)
    untypeset = page.evaluate("""() => Array.from(document.querySelectorAll('.math'))
        .filter(element => !element.querySelector('mjx-container'))
        .map(element => element.textContent.trim().slice(0, 60))""")
    if untypeset:
        raise PrintError(f"{len(untypeset)} formulas were not typeset, the first: {untypeset[0]!r}")
    errors = page.evaluate("() => Array.from(document.querySelectorAll('mjx-merror'))"
                           ".map(element => element.textContent.slice(0, 60))")
    if errors:
        raise PrintError(f"MathJax could not typeset {len(errors)} formulas: {errors[0]!r}")
    wait(page, """() => Array.from(document.images).every(image => image.complete)
                  && document.fonts.status === 'loaded'""", "the images and fonts to load",
         timeout)
    broken = page.evaluate("() => Array.from(document.images).filter(i => i.naturalWidth === 0)"
                           ".map(i => (i.getAttribute('src') || '').slice(0, 80))")
    if broken:
        raise PrintError(f"{len(broken)} images did not load, the first: {broken[0]}")
    if script_errors:
        raise PrintError(f"a script on the page failed: {script_errors[0]}")
    page.evaluate("""note => {
        const status = document.querySelector('span[id="document-status"] + section');
        if (status) status.querySelectorAll(':scope > :not(h1, h2, h3)').forEach(e => e.remove());
        if (status) status.insertAdjacentHTML('beforeend', '<p></p>');
        if (status) status.lastElementChild.textContent = note;
    }""", printed_from())
    page.add_style_tag(content=PRINT_CSS)
    page.evaluate("""limit => document.querySelectorAll(
            'div.cell_input, div.cell_output, div.highlight, table, dl, blockquote, .admonition')
        .forEach(block => {
            if (block.getBoundingClientRect().height < limit) block.classList.add('print-keep');
        })""", PRINTABLE_HEIGHT / 3)


def print_book(out: Path, build_dir: Path, timeout: float, open_details: bool) -> int:
    """Build, open and print the book to `out`; return the number of sheets."""
    chromium = find_chromium()
    if chromium is None:
        raise PrintError("no Chromium: run `python scripts/ensure_chromium.py` (installs Debian's "
                         "chromium) or set RACETRACK_CHROMIUM to a Chromium executable")
    started = time.monotonic()
    print(f"print_book: building the book as one page in {build_dir} (no chapter executed)",
          flush=True)
    index = build_single_page(build_dir, timeout)
    print(f"print_book: built in {time.monotonic() - started:.0f} s; printing with {chromium}",
          flush=True)
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    with serve(index.parent) as url, sync_playwright() as playwright:
        with deadline(timeout, "starting Chromium"):
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": PRINTABLE_WIDTH,
                                              "height": PRINTABLE_HEIGHT})
            prepare_page(page, f"{url}/index.html", timeout, open_details)
            temporary = out.with_name(f".{out.name}.tmp")
            with deadline(timeout, "printing to PDF"):
                page.pdf(path=str(temporary), format="A4", print_background=True, scale=SCALE,
                         display_header_footer=True, header_template="<span></span>",
                         footer_template=FOOTER,
                         margin={side: f"{mm}mm" for side, mm in MARGINS_MM.items()})
            temporary.replace(out)
        finally:
            browser.close()
    sheets = len(re.findall(rb"/Type\s*/Page\b", out.read_bytes()))
    print(f"print_book: wrote {out} ({sheets} pages, {out.stat().st_size / 1e6:.1f} MB) in "
          f"{time.monotonic() - started:.0f} s")
    return sheets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=BOOK / "_build" / "racetrack-rl.pdf",
                        help="the PDF to write (default: %(default)s)")
    parser.add_argument("--build-dir", type=Path, default=BOOK / "_build" / "singlehtml",
                        help="where Sphinx writes the single HTML page (default: %(default)s); "
                             "MyST-NB writes the notebooks beside it, in ../jupyter_execute")
    parser.add_argument("--timeout", type=float, default=120,
                        help="seconds each step may take: the build, each wait in Chromium, the "
                             "printing (default: %(default)s)")
    parser.add_argument("--open-details", action="store_true",
                        help="print the folded blocks open: the hidden code cells and the "
                             "exercises' solutions")
    arguments = parser.parse_args(argv)
    try:
        print_book(arguments.out.resolve(), arguments.build_dir.resolve(), arguments.timeout,
                   arguments.open_details)
    except (PrintError, StepTimeout) as error:
        print(f"print_book: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # anything unforeseen: still one line, not a traceback
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(f"print_book: {type(error).__name__}: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

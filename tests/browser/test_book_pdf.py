"""`make pdf` prints the book: every chapter, its formulas typeset and its figures, in one PDF.

Runs scripts/print_book.py as `make pdf` does, into a temporary folder (about 40 s: Sphinx builds
the single page from the committed notebooks in 10-15 s, Chromium draws and prints it), then
reads the PDF back: its page count, the text on each sheet, the images it draws.

No PDF library is installed for the tests, so the reader below does just what this needs, for
what Chromium writes (Skia's PDF: a plain cross-reference table, Flate-compressed streams, text in
fonts that carry a ToUnicode map - both its TrueType fonts and the Type 3 fonts it makes of
MathJax's web fonts).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
import zlib

import pytest

from .support import ROOT, find_chromium

pytestmark = pytest.mark.browser

NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# --- a small PDF reader ---------------------------------------------------------------------

class Ref(tuple):
    """An indirect reference `n g R`."""


class Operator(str):
    """A bare word: obj, R, stream, true, ..."""


TOKEN = re.compile(rb"""
    (?P<space>(?:\s|%[^\r\n]*)+)
  | (?P<dict_open><<) | (?P<dict_close>>>)
  | (?P<hex><[0-9A-Fa-f\s]*>)
  | (?P<literal>\()
  | (?P<array_open>\[) | (?P<array_close>\])
  | (?P<name>/[^\s/\[\]()<>{}%]*)
  | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+))(?![^\s/\[\]()<>{}%])
  | (?P<word>[^\s/\[\]()<>{}%]+)
""", re.VERBOSE)
# the operations of a content stream that matter here: choose a font, show text, end a text
# object, draw an image or a form (Skia writes no inline images)
STRING = re.compile(rb"<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\)")
CONTENT_OPERATION = re.compile(rb"""
    /(?P<font>[^\s/\[\]()<>]+)\s+[-+.\d]+\s+Tf\b
  | (?P<show><[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\))\s*(?:Tj|'|")
  | \[(?P<array>(?:<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\)|[^\]])*)\]\s*TJ
  | (?P<end>\bET\b)
  | /(?P<draw>[^\s/\[\]()<>]+)\s+Do\b
""", re.VERBOSE)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


class Lexer:
    """Reads PDF values (and content-stream operators) from `data`, starting at `position`."""

    def __init__(self, data: bytes, position: int = 0):
        self.data, self.position = data, position

    def token(self):
        while True:
            match = TOKEN.match(self.data, self.position)
            if match is None:
                return None if self.position >= len(self.data) else self._fail()
            self.position = match.end()
            kind, text = match.lastgroup, match.group()
            if kind == "space":
                continue
            if kind == "literal":
                return self._literal()
            if kind == "hex":
                digits = re.sub(rb"\s", b"", text[1:-1])
                return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
            if kind == "name":
                return ("name", text[1:].decode("latin-1"))
            if kind == "number":
                return float(text) if b"." in text else int(text)
            if kind == "word":
                return Operator(text.decode("latin-1"))
            return kind  # dict_open, dict_close, array_open, array_close

    def _literal(self) -> bytes:
        out, depth = bytearray(), 1
        while True:
            char = self.data[self.position:self.position + 1]
            self.position += 1
            if char == b"\\":
                escaped = self.data[self.position:self.position + 1]
                self.position += 1
                if escaped in ESCAPES:
                    out += ESCAPES[escaped]
                elif escaped.isdigit():
                    octal = re.match(rb"[0-7]{1,3}", self.data[self.position - 1:]).group()
                    self.position += len(octal) - 1
                    out.append(int(octal, 8) & 0xFF)
                elif escaped not in b"\r\n":
                    out += escaped
                continue
            if char == b"(":
                depth += 1
            elif char == b")":
                depth -= 1
                if depth == 0:
                    return bytes(out)
            out += char

    def _fail(self):
        raise ValueError(f"cannot read the PDF at byte {self.position}: "
                         f"{self.data[self.position:self.position + 20]!r}")

    def value(self, token=None):
        """The next value: refs resolved to Ref, dicts, lists, names as ('name', text)."""
        token = self.token() if token is None else token
        if token == "dict_open":
            result = {}
            while (key := self.token()) != "dict_close":
                result[key[1]] = self.value()
            return result
        if token == "array_open":
            items = []
            while (item := self.token()) != "array_close":
                items.append(self.value(item))
            return items
        if isinstance(token, int):  # maybe `n g R`
            saved = self.position
            generation, keyword = self.token(), self.token()
            if isinstance(generation, int) and keyword == "R":
                return Ref((token, generation))
            self.position = saved
        return token


class Pdf:
    """The objects of a PDF with a classic cross-reference table, and its pages in order."""

    def __init__(self, data: bytes):
        self.data = data
        start = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
        table = data[start:data.index(b"trailer", start)]
        self.offsets: dict[int, int] = {}
        for first, _count, entries in re.findall(rb"(\d+) (\d+)\s*\n((?:\d{10} \d{5} [nf]\s*)+)",
                                                table):
            for number, entry in enumerate(re.findall(rb"(\d{10}) \d{5} ([nf])", entries),
                                           int(first)):
                if entry[1] == b"n":
                    self.offsets[number] = int(entry[0])
        assert self.offsets, "no objects in the PDF's cross-reference table"
        lexer = Lexer(data, data.index(b"trailer", start) + len(b"trailer"))
        self.trailer = lexer.value()
        self.cache: dict[int, object] = {}
        self.pages = list(self._pages(self.get(self.get(self.trailer["Root"])["Pages"])))

    def get(self, value):
        """`value`, or the object it refers to; a stream is (dictionary, decoded bytes)."""
        if not isinstance(value, Ref):
            return value
        number = value[0]
        if number not in self.cache:
            lexer = Lexer(self.data, self.offsets[number])
            assert lexer.token() == number and isinstance(lexer.token(), int)
            assert lexer.token() == "obj"
            obj = lexer.value()
            if isinstance(obj, dict) and re.match(rb"\s*stream\r?\n",
                                                  self.data[lexer.position:]):
                begin = re.match(rb"\s*stream\r?\n", self.data[lexer.position:]).end()
                begin += lexer.position
                raw = self.data[begin:begin + self.get(obj["Length"])]
                obj = (obj, zlib.decompress(raw) if obj.get("Filter") == ("name", "FlateDecode")
                       else raw)
            self.cache[number] = obj
        return self.cache[number]

    def _pages(self, node):
        if node.get("Type") == ("name", "Pages"):
            for kid in node["Kids"]:
                yield from self._pages(self.get(kid))
        else:
            yield node

    def to_unicode(self, font_ref) -> tuple[int, dict[bytes, str]]:
        """The code width in bytes and the code-to-text map of a font's ToUnicode CMap."""
        font = self.get(font_ref)
        if "ToUnicode" not in font:
            return 1, {}
        cmap = self.get(font["ToUnicode"])[1].decode("latin-1")
        ranges = re.findall(r"<([0-9A-Fa-f]+)>\s*<[0-9A-Fa-f]+>",
                            cmap.split("begincodespacerange")[1].split("endcodespacerange")[0])
        width = len(ranges[0]) // 2 if ranges else 1

        def text(hexadecimal: str) -> str:
            return bytes.fromhex(hexadecimal).decode("utf-16-be", errors="replace")

        mapping: dict[bytes, str] = {}
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for source, target in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
                mapping[bytes.fromhex(source)] = text(target)
        for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
            for low, high, target in re.findall(
                    r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block):
                first, last = int(low, 16), int(high, 16)
                size = len(low) // 2
                if target.startswith("["):
                    targets = [text(item) for item in re.findall(r"<([0-9A-Fa-f]*)>", target)]
                else:
                    start = int(target[1:-1], 16)
                    digits = len(target) - 2
                    targets = [text(f"{start + offset:0{digits}X}")
                               for offset in range(last - first + 1)]
                for code, value in zip(range(first, last + 1), targets, strict=False):
                    mapping[code.to_bytes(size, "big")] = value
        return width, mapping

    def read_page(self, page) -> tuple[str, set[int], dict[str, int]]:
        """A page's text, the object numbers of the images it draws, and how many characters
        it draws in each kind of font (Type0, Type3, ...)."""
        text: list[str] = []
        images: set[int] = set()
        characters: dict[str, int] = {}
        self._read_content(self._content(page["Contents"]), self.get(page.get("Resources", {})),
                           text, images, characters)
        return "".join(text), images, characters

    def _content(self, contents) -> bytes:
        contents = self.get(contents)
        if isinstance(contents, list):
            return b"\n".join(self.get(part)[1] for part in contents)
        return contents[1]

    def _read_content(self, content: bytes, resources: dict, text: list[str], images: set[int],
                      characters: dict[str, int]) -> None:
        fonts = {name: (self.get(ref).get("Subtype", ("name", "?"))[1], *self.to_unicode(ref))
                 for name, ref in self.get(resources.get("Font", {})).items()}
        xobjects = self.get(resources.get("XObject", {}))
        font = None
        for match in CONTENT_OPERATION.finditer(content):
            if match["font"]:
                font = fonts.get(match["font"].decode("latin-1"))
            elif match["show"] or match["array"]:
                if font is None:
                    continue
                kind, width, mapping = font
                strings = ([match["show"]] if match["show"]
                           else STRING.findall(match["array"]))
                for string in strings:
                    string = Lexer(string).token()  # the bytes of a <hex> or (literal) string
                    decoded = [mapping.get(string[i:i + width], "\ufffd")
                               for i in range(0, len(string), width)]
                    text.extend(decoded)
                    characters[kind] = characters.get(kind, 0) + len(decoded)
            elif match["end"]:
                text.append(" ")
            elif match["draw"]:
                ref = xobjects[match["draw"].decode("latin-1")]
                dictionary, stream = self.get(ref)
                if dictionary.get("Subtype") == ("name", "Image"):
                    images.add(ref[0])
                elif dictionary.get("Subtype") == ("name", "Form"):
                    self._read_content(stream, self.get(dictionary.get("Resources", {})),
                                       text, images, characters)


# --- the test -------------------------------------------------------------------------------

def chapter_title(notebook: dict) -> str:
    """The chapter's title: the first `# ` heading of its first markdown cell."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            return re.search(r"^# (.+)$", "".join(cell["source"]), re.M).group(1).strip()
    raise AssertionError("a chapter without a markdown cell")


def squeeze(text: str) -> str:
    """`text` without white space, ligatures (fi) taken apart, typographic quotes made plain
    (Sphinx's smartquotes)."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", "", text)


def prose_only_tex_commands(notebooks: list[dict]) -> set[str]:
    """TeX commands the chapters' formulas use that no code, output or library source contains:
    in a PDF whose formulas are typeset, none of them can be read as text."""
    def commands(text: str) -> set[str]:
        return set(re.findall(r"\\[A-Za-z]{2,}", text))

    in_maths, elsewhere = set(), set()
    for notebook in notebooks:
        for cell in notebook["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                maths = re.findall(r"\$\$.+?\$\$|\$[^$\n]+\$|\\begin\{.+?\\end\{\w+\*?\}", source,
                                   re.S)
                in_maths |= commands("\n".join(maths))
            else:
                elsewhere |= commands(source + json.dumps(cell.get("outputs", [])))
    for module in (ROOT / "racetrack_lib").rglob("*.py"):
        elsewhere |= commands(module.read_text())
    return in_maths - elsewhere


@pytest.fixture(scope="module")
def printed_book(tmp_path_factory):
    if find_chromium() is None:
        pytest.skip("no Chromium: `make test` installs Debian's chromium where apt-get is "
                    "available; elsewhere set RACETRACK_CHROMIUM to a Chromium executable")
    folder = tmp_path_factory.mktemp("pdf")
    pdf = folder / "racetrack-rl.pdf"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "fetch_web_assets.py")], check=True)
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "print_book.py"), "--out",
                          str(pdf), "--build-dir", str(folder / "singlehtml")],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"print_book.py failed:\n{run.stdout}\n{run.stderr}"
    assert pdf.exists() and not (folder / ".racetrack-rl.pdf.tmp").exists()
    return Pdf(pdf.read_bytes()), run.stdout


def test_the_pdf_holds_every_chapter_typeset_with_its_figures(printed_book):
    pdf, output = printed_book
    notebooks = [json.loads(path.read_text()) for path in CHAPTERS]
    sheets = [pdf.read_page(page) for page in pdf.pages]
    texts = [squeeze(text) for text, _, _ in sheets]

    # a plausible length: several sheets a chapter, and the number print_book.py reports
    assert len(CHAPTERS) * 5 <= len(pdf.pages) <= 2000
    assert f"({len(pdf.pages)} pages," in output
    assert all(page["MediaBox"][2:] == pytest.approx([595.92, 842.88], abs=1) for page in pdf.pages)

    # every chapter starts a sheet with its numbered title, in the order of the contents, and
    # its first sheet is followed by its own text, not an empty page
    first_sheets = []
    for number, notebook in enumerate(notebooks, 1):
        heading = squeeze(f"{number}. {chapter_title(notebook)}")
        starts = [index for index, text in enumerate(texts) if text.startswith(heading)]
        assert starts, f"no sheet starts with chapter {number}'s title {heading!r}"
        first_sheets.append(starts[0])
    assert first_sheets == sorted(first_sheets) and first_sheets[0] > 0  # after the contents
    assert all(len(texts[index]) > 500 for index in first_sheets)
    assert all(text.endswith(f"RacetrackRL-{number}/{len(texts)}")  # the footers number them
               for number, text in enumerate(texts, 1))

    # formulas are typeset by MathJax (drawn in the Type 3 fonts Chromium makes of its web
    # fonts), and no TeX source of a formula is left as text
    everything = "".join(text for text, _, _ in sheets)
    assert "$$" not in everything and "\\(" not in everything and "\\[" not in everything
    tex_commands = prose_only_tex_commands(notebooks)
    assert len(tex_commands) >= 10, tex_commands  # the check below means something
    assert [command for command in tex_commands if command in everything] == []
    maths_glyphs = sum(characters.get("Type3", 0) for _, _, characters in sheets)
    assert maths_glyphs > 1000

    # the figures: at least one image for each image output of the chapters and each explorer
    # (its figure, drawn by the widget manager from the saved state), on the chapters' sheets
    outputs = [output for notebook in notebooks for cell in notebook["cells"]
               for output in cell.get("outputs", [])]
    expected = (sum("image/png" in output.get("data", {}) for output in outputs)
                + sum(WIDGET_VIEW in output.get("data", {}) for output in outputs))
    images = set().union(*(drawn for _, drawn, _ in sheets))
    assert len(images) >= expected
    for start, end in zip(first_sheets, [*first_sheets[1:], len(sheets)], strict=True):
        assert any(sheets[index][1] for index in range(start, end)), "a chapter with no figure"


def test_print_book_fails_with_one_line(tmp_path):
    """A step that cannot finish in time stops the script with exit status 1 and one line."""
    if find_chromium() is None:
        pytest.skip("no Chromium (print_book.py stops before building)")
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "print_book.py"), "--out",
                          str(tmp_path / "book.pdf"), "--build-dir", str(tmp_path / "html"),
                          "--timeout", "0.5"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert re.search(r"^print_book: building the single HTML page took longer than 0.5 s "
                     r"\(see --timeout\)\n\Z", run.stderr, re.M), run.stderr
    assert not (tmp_path / "book.pdf").exists()

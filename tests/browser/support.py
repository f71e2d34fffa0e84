"""What the browser tests share: where things are, Chromium's flags, a local HTTP server."""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from book_support import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "browser"
sys.path.insert(0, str(ROOT / "scripts"))

from ensure_chromium import find_chromium  # noqa: E402, F401 - the set-up's own search

# Chromium's own background connections are refused on a closed network, many at a time; these
# flags stop it from trying (and --no-sandbox lets it run as root in a container).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # silence the per-request log lines
        pass


def serve_directory(directory: Path) -> Iterator[str]:
    """Serve `directory` over HTTP on 127.0.0.1 (a free port) and yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

"""Find Chromium for the browser tests, installing Debian's package when it is missing.

The browser tests (tests/browser) drive a real Chromium with Playwright. `make test` runs this
script first. It looks for Chromium (``RACETRACK_CHROMIUM``, then ``chromium`` and
``chromium-browser`` on the PATH); when there is none and the machine has ``apt-get`` (Debian,
Ubuntu), it installs the ``chromium`` package, as root or through password-less ``sudo``.
Otherwise it says how to install one or point the tests at one, and the browser tests are skipped
with that reason.

Exit status: 0 when Chromium is there (its path is printed), 0 with a notice when it cannot be
installed on this kind of system, 1 when an installation was attempted and failed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def find_chromium() -> str | None:
    """The path of a Chromium executable, or None."""
    chosen = os.environ.get("RACETRACK_CHROMIUM")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def install_with_apt() -> bool:
    """Install Debian's chromium package; True if it worked."""
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    environment = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
        print("ensure_chromium:", " ".join(prefix + command), flush=True)
        if subprocess.run(prefix + command, env=environment).returncode != 0:
            return False
    return True


def main() -> int:
    path = find_chromium()
    if path:
        print(f"ensure_chromium: using {path}")
        return 0
    if shutil.which("apt-get") is None:
        print("ensure_chromium: no Chromium found and no apt-get to install it; the browser tests "
              "will be skipped. Install Chromium and set RACETRACK_CHROMIUM to its path to run them.")
        return 0
    can_install = os.geteuid() == 0 or subprocess.run(
        ["sudo", "-n", "true"], capture_output=True).returncode == 0
    if not can_install:
        print("ensure_chromium: no Chromium found, and installing it needs root: run "
              "`sudo apt-get install chromium` to run the browser tests (skipped until then).")
        return 0
    if not install_with_apt() or find_chromium() is None:
        print("ensure_chromium: installing Debian's chromium package failed", file=sys.stderr)
        return 1
    print(f"ensure_chromium: installed {find_chromium()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

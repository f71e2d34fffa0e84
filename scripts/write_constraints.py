"""Write requirements/constraints.txt: every package of a tested environment, at its version.

`make upgrade-check` runs this with the scratch environment's Python after every check passed
there; `pip install -c requirements/constraints.txt ...` (the Makefile, environment.yml and
binder/requirements.txt) then installs exactly that set. The project itself is left out.

Usage: ``python scripts/write_constraints.py [OUTPUT]`` (run with the environment's Python).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "requirements" / "constraints.txt"
HEADER = """\
# The exact versions `make test` and `make book` passed with: the project's dependencies with
# every extra (test, book, lab) and everything they pull in, resolved for Python {python}.
# The Makefile, environment.yml and binder/requirements.txt install with `-c` this file, so a
# fresh install gets what was tested. pyproject.toml keeps the lower bounds the library supports.
# Do not edit by hand: `make upgrade-check` tries the newest releases and rewrites this file only
# when every check passes with them.
"""


def frozen_requirements() -> list[str]:
    """`pip freeze` of this Python's environment, without editable installs (the project)."""
    freeze = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in freeze.splitlines()]
    return sorted((line for line in lines if line and not line.startswith("#")),
                  key=lambda line: line.split("==")[0].lower())


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else OUTPUT
    requirements = frozen_requirements()
    if not all("==" in line for line in requirements):
        raise SystemExit(f"not a plain pinned set: {[r for r in requirements if '==' not in r]}")
    python = ".".join(map(str, sys.version_info[:2]))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(HEADER.format(python=python) + "\n".join(requirements) + "\n")
    print(f"write_constraints: {len(requirements)} packages written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

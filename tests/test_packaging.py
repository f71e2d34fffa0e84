"""What installing the package gives (tests/test_install_files.py checks the install files:
the tested versions in requirements/constraints.txt, environment.yml and binder/)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_package_data_ships_every_track_and_saved_run():
    """A pip install (Colab) gets the built-in tracks and chapter 8's saved runs: every file of
    racetrack_lib's data folders matches a package-data pattern (tests/test_ch08_pip_install.py
    checks a real install)."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["racetrack_lib"]
    package = ROOT / "racetrack_lib"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    data = [path for folder in ("tracks", "data") for path in (package / folder).iterdir()
            if not path.name.startswith(".")]
    assert {path.parent.name for path in data} == {"tracks", "data"}
    assert set(data) <= shipped, sorted(str(path) for path in set(data) - shipped)

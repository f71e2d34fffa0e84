"""environment.yml and pyproject.toml list the same dependencies with the same lower bounds."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(>=\s*[0-9][0-9.]*)?")


def _parse(requirement: str) -> tuple[str, str]:
    match = REQUIREMENT.match(requirement)
    assert match, requirement
    return match.group(1).lower(), (match.group(2) or "").replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_parse(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_parse(r) for r in extra}
    conda = set()
    text = (ROOT / "environment.yml").read_text()
    dependencies = text.split("dependencies:", 1)[1]
    for line in dependencies.splitlines():
        item = line.strip()
        if item.startswith("- ") and not item.startswith("- pip") and not item.startswith("- -e"):
            name, bound = _parse(item[2:])
            if name != "python":
                conda.add((name, bound))
    assert conda == wanted
    assert all(bound for _, bound in wanted), "every dependency needs a tested lower bound"

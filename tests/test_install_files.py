"""The install files agree: every install uses the tested versions, and Binder gets only what a
reader needs.

requirements/constraints.txt pins the versions every check passed with; the Makefile,
environment.yml (developers, conda) and binder/requirements.txt (readers, Binder) all install
the project under it. pyproject.toml keeps the lower bounds the library supports.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS: dict[str, list[str]] = PROJECT["optional-dependencies"]


def pins() -> dict[str, Version]:
    """{canonical name: version} of the constraints file; fails on anything but `name==version`."""
    pinned = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version and " " not in line, f"not an exact pin: {line!r}"
            assert canonicalize_name(name) not in pinned, f"pinned twice: {name}"
            pinned[canonicalize_name(name)] = Version(version)
    return pinned


def constraints_python() -> str:
    return re.search(r"resolved for Python (\d+\.\d+)", CONSTRAINTS.read_text()).group(1)


def requirements(*extras: str) -> list[Requirement]:
    return [Requirement(text) for text in PROJECT["dependencies"]] + [
        Requirement(text) for extra in extras for text in EXTRAS[extra]]


def installed_closure(extras: set[str]) -> set[str]:
    """The installed distributions that `pip install .[extras]` pulls in (from their metadata)."""
    seen: set[str] = set()
    todo = [(requirement, {""}) for requirement in requirements(*extras)]
    while todo:
        requirement, active = todo.pop()
        if requirement.marker and not any(requirement.marker.evaluate({"extra": extra})
                                          for extra in active):
            continue
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        wanted = set(requirement.extras) | {""}
        todo += [(Requirement(text), wanted)
                 for text in importlib.metadata.distribution(name).requires or []]
    return seen


def test_constraints_pin_every_dependency_within_the_supported_bounds():
    pinned = pins()
    assert "racetrack-rl" not in pinned  # the project itself is installed from the clone
    for requirement in requirements(*EXTRAS):
        name = canonicalize_name(requirement.name)
        assert ">=" in str(requirement.specifier), f"{requirement} needs a supported lower bound"
        assert name in pinned, f"{name} is not pinned in {CONSTRAINTS.name}"
        assert requirement.specifier.contains(pinned[name]), (
            f"{name}=={pinned[name]} is outside pyproject.toml's {requirement}")


def test_constraints_pin_everything_the_dependencies_pull_in():
    """A fresh install resolves nothing itself: every package it installs has a pin."""
    unpinned = installed_closure(set(EXTRAS)) - set(pins())
    assert unpinned == set()


def test_every_make_install_uses_the_constraints_and_reinstalls_when_they_change():
    makefile = (ROOT / "Makefile").read_text()
    assert "CONSTRAINTS := requirements/constraints.txt" in makefile
    assert "PIP_INSTALL := $(BIN)/python -m pip install --quiet --constraint $(CONSTRAINTS)" in (
        makefile)
    stamps = re.findall(r"^\$\(VENV\)/\.installed-(\w+): (.*)$", makefile, re.MULTILINE)
    assert {name for name, _ in stamps} == {"test", "book", "lab"}
    assert all("$(CONSTRAINTS)" in prerequisites for _, prerequisites in stamps)
    # each stamp's recipe installs with $(PIP_INSTALL); only upgrade-check installs the newest
    # releases without the constraints, on purpose, in its own scratch venv
    assert makefile.count("\t$(PIP_INSTALL) --editable") == 3
    installs = [line.strip() for line in makefile.splitlines() if "pip install" in line]
    assert [line for line in installs if not line.startswith("PIP_INSTALL")] == [
        "$(UPGRADE_VENV)/bin/python -m pip install --quiet --upgrade --editable '.[test,book,lab]'"]


def test_environment_yml_installs_every_extra_under_the_constraints():
    environment = (ROOT / "environment.yml").read_text()
    assert re.search(rf"^\s+- python={re.escape(constraints_python())}$", environment,
                     re.MULTILINE)
    pip_lines = re.findall(r'^\s+- "(.*)"$', environment, re.MULTILINE)
    assert pip_lines == ["-c requirements/constraints.txt",
                         f"-e .[{','.join(EXTRAS)}]"]


def binder_lines() -> list[str]:
    text = (ROOT / "binder" / "requirements.txt").read_text()
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


def test_binder_installs_the_project_with_the_lab_extra_under_the_constraints():
    assert binder_lines() == ["-c ../requirements/constraints.txt", "-e .[lab]"]
    # pip reads a nested constraints file relative to the file that names it
    assert (ROOT / "binder" / "../requirements/constraints.txt").resolve() == CONSTRAINTS
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert runtime == f"python-{constraints_python()}"


# the developers' tools: in the test and book extras, never in what Binder installs
DEVELOPER_TOOLS = {"pytest", "pytest-xdist", "nbval", "ruff", "hypothesis", "playwright", "sphinx",
                   "myst-nb", "sphinx-book-theme"}


def test_binder_gets_every_runtime_dependency_and_no_developer_tool():
    binder = installed_closure({"lab"})  # what `pip install .[lab]` pulls in
    assert {canonicalize_name(requirement.name) for requirement in requirements()} <= binder
    assert {"jupyterlab", "jupytext", "ipykernel", "ipywidgets"} <= binder
    listed = {canonicalize_name(Requirement(text).name)
              for extra in ("test", "book") for text in EXTRAS[extra]}
    assert DEVELOPER_TOOLS <= listed
    assert binder & DEVELOPER_TOOLS == set()  # not named, and not pulled in by anything
    assert binder <= set(pins())  # and every package it installs is at the tested version

"""Chapter 8 runs from a pip install of the repository, in a folder outside the clone (as on
Colab): its saved runs are installed with the library, and load wherever the chapter runs.

A truly fresh venv would download numba, scipy, ... (minutes). This test builds a venv that sees
the dependencies already installed in the test environment through a .pth file - but not the
project itself: its editable install (finder, .pth, dist-info) is left out - and installs a copy
of the repository into it for real (a built wheel, not editable). Then it executes, in an empty
folder with that venv's Python as the kernel, the chapter's cells that read what was installed:
the first (imports, the model), the two that load the saved runs and the one that retrains a saved
run to the number. (The whole chapter runs in the book build and under nbval; here the rest would
only repeat its training.)
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parent.parent
CHAPTER = ROOT / "notebooks" / "08_full_agent.ipynb"
sys.path.insert(0, str(ROOT / "scripts"))
# the book's kernel manager: plain nbclient can lose a cell's reply at an explorer and then wait
# the whole timeout (scripts/notebook_execution.py says why; it happened here once, 900 s)
from notebook_execution import SlicedPollKernelManager  # noqa: E402

# entries of the test environment's site-packages the new venv must not see: the project (its
# editable install), .pth files (the editable finder is started by one), and the build tools
# (the venv gets its own, recent enough for pyproject.toml's [build-system])
HIDDEN = ("racetrack", "__editable__", "_racetrack", "setuptools", "pkg_resources",
          "_distutils_hack", "wheel", "distutils-precedence")
BUILD_TOOLS = ["setuptools>=68", "wheel"]  # pyproject.toml's [build-system] requires


OUTSIDE = Path("/")  # the working directory of every command: not the clone (python -c would
#                      import racetrack_lib from the current directory)
CLEAN = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}


def run(*command, **options) -> subprocess.CompletedProcess:
    options = {"cwd": OUTSIDE, "env": CLEAN, **options}
    completed = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                               timeout=900, **options)
    assert completed.returncode == 0, f"{command}:\n{completed.stdout}\n{completed.stderr}"
    return completed


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The python of a venv with the repository pip-installed (no editable install in sight)."""
    base = tmp_path_factory.mktemp("pip_install")
    venv = base / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    target = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                  .stdout.strip())
    view = base / "dependencies"  # the test environment's packages, minus the project
    view.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(HIDDEN) and entry.suffix != ".pth":
            (view / entry.name).symlink_to(entry)
    (target / "dependencies.pth").write_text(f"{view}\n")
    hidden = run(python, "-c", "import importlib.util as u; print(u.find_spec('racetrack_lib'))")
    assert hidden.stdout.strip() == "None", "the venv must not see the clone's racetrack_lib"

    tools = subprocess.run([python, "-m", "pip", "install", "--quiet", *BUILD_TOOLS],
                           capture_output=True, text=True, timeout=600, cwd=OUTSIDE, env=CLEAN)
    if tools.returncode != 0:  # no package index: the build backend cannot be had
        pytest.skip(f"could not install {BUILD_TOOLS} (offline?): {tools.stderr[-300:]}")
    source = base / "clone"  # a copy: building writes build/ and *.egg-info into the source
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".venv", ".git", "_build", "__pycache__", "*.egg-info", "build", ".pytest_cache",
        "*.nbi", "*.nbc", "test-artifacts"))
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", source)
    return python


def test_the_install_is_a_real_one_with_the_saved_runs(installed):
    probe = run(installed, "-c", """if True:
        import json, racetrack_lib
        from importlib import metadata, resources
        data = resources.files("racetrack_lib") / "data"
        url = metadata.distribution("racetrack-rl").read_text("direct_url.json")
        print(json.dumps({"module": racetrack_lib.__file__, "url": json.loads(url),
                          "data": sorted(entry.name for entry in data.iterdir())}))
        """, cwd=installed.parent)
    found = json.loads(probe.stdout)
    assert Path(found["module"]).is_relative_to(installed.parent.parent)  # in the venv
    assert not found["url"].get("dir_info", {}).get("editable", False)
    assert found["data"] == sorted(path.name for path in (ROOT / "racetrack_lib" / "data")
                                   .iterdir())


def test_chapter_8_runs_from_the_install_outside_the_clone(installed, tmp_path, monkeypatch):
    reader = tmp_path / "reader"  # an empty folder: no notebooks/data, no racetrack_lib
    reader.mkdir()
    shutil.copy(CHAPTER, reader)
    kernels = tmp_path / "jupyter" / "kernels" / "pip-install"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(installed), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "racetrack-rl, pip-installed", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    notebook = nbformat.read(reader / CHAPTER.name, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    notebook.cells = [code[0]] + [cell for cell in code if any(
        name in cell.source for name in ("ablation.saved_ladder()", "ablation.saved_ablation()",
                                         "plain_again = "))]
    assert len(notebook.cells) == 4
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import racetrack_lib, sys; print(racetrack_lib.__file__); print(sys.executable)"))
    NotebookClient(notebook, kernel_name="pip-install", timeout=300,
                   kernel_manager_class=SlicedPollKernelManager,
                   resources={"metadata": {"path": str(reader)}}).execute()
    printed = ["".join(output.get("text", "") for output in cell.get("outputs", []))
               for cell in notebook.cells if cell.cell_type == "code"]
    module, executable = printed[-1].split()
    assert Path(module).is_relative_to(installed.parent.parent) and executable == str(installed)
    text = "\n".join(printed)
    assert "saved by scripts/record_ablation.py: 6 runs" in text  # the ladder loaded
    assert "retrained plain Q-learning: identical to the saved run: True" in text
    assert sorted(path.name for path in reader.iterdir()) == [CHAPTER.name]  # wrote nothing

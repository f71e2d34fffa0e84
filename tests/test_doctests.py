"""The examples in the library's docstrings (the API reference of the book shows them) run and
print what they say - compiled functions' examples included."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import racetrack_lib

# every module, those of the subpackages (designer, exercises) too
MODULES = sorted(info.name.removeprefix("racetrack_lib.")
                 for info in pkgutil.walk_packages(racetrack_lib.__path__, "racetrack_lib."))

# The public entry points: each must keep at least one example.
MUST_HAVE_EXAMPLES = {
    "track": ["parse_track", "load_track"],
    "mdp": ["TabularModel.build"],
    "dp": ["value_iteration", "policy_evaluation", "policy_iteration"],
    "greedy_evaluation": ["expected_steps_of_greedy"],
    "policy": ["greedy_action"],
    "config": ["AgentConfig", "preset", "for_method"],
    "mc": ["behaviour_probability"],
    "agent": ["loop_settings"],
    "td": ["td_target"],
    "training": ["train", "run_episodes"],
    "cli": ["main"],
    "errors": ["check_range", "check_count"],
}


def examples_of(module_name: str) -> list[doctest.DocTest]:
    """Every docstring example of a module, those of its numba-compiled functions too (doctest
    alone does not look inside numba's dispatchers)."""
    module = importlib.import_module(f"racetrack_lib.{module_name}")
    finder = doctest.DocTestFinder()
    tests = finder.find(module)
    for name, value in vars(module).items():
        function = getattr(value, "py_func", None)
        if function is not None and function.__module__ == module.__name__:
            tests += finder.find(function, f"{module.__name__}.{name}", module=module,
                                 globs=vars(module).copy())
    return [test for test in tests if test.examples]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run_as_written(module_name):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in examples_of(module_name):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} docstring example(s) of {module_name} failed"


@pytest.mark.parametrize(("module_name", "names"), sorted(MUST_HAVE_EXAMPLES.items()))
def test_public_entry_points_keep_their_examples(module_name, names):
    documented = {test.name.removeprefix(f"racetrack_lib.{module_name}.")
                  for test in examples_of(module_name)}
    missing = [name for name in names if name not in documented]
    assert not missing, f"racetrack_lib.{module_name}: no example in {missing}"

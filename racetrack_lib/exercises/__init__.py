"""Coding exercises: the reader writes a piece of each chapter in plain Python, and the library
checks it against its own version.

Each chapter's exercises live in a module of their own (``ch01`` for chapter 1...), with one
``check_<name>`` function per exercise; :mod:`.checking` says how a check works.
"""

from .checking import REGISTRY, CheckResult, Exercise, ExerciseNotPassed

__all__ = ["REGISTRY", "CheckResult", "Exercise", "ExerciseNotPassed", "all_exercises"]


def all_exercises() -> dict[str, Exercise]:
    """Every exercise of every chapter, by the name of the function the reader writes."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("ch"):
            importlib.import_module(f"{__name__}.{module.name}")
    return dict(REGISTRY)

"""Every docstring example of the package runs (found by walking it: no hand-kept list)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _modules_with_examples() -> list[str]:
    """Every module of the package (campaigns apart) whose docstrings hold an example."""
    package = importlib.import_module("contract_tests")
    names = [info.name for info in pkgutil.walk_packages(package.__path__, "contract_tests.")]
    found = []
    for name in sorted(names):
        if ".suite." in name or name.endswith("__main__"):
            continue  # the tests themselves (run by the suite), the entry point
        finder = doctest.DocTestFinder()
        if any(test.examples for test in finder.find(importlib.import_module(name))):
            found.append(name)
    return found


@pytest.mark.parametrize("module", _modules_with_examples())
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_examples_are_found() -> None:
    assert len(_modules_with_examples()) >= 20

"""The usage examples in the package's docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "reference_server",
    "reference_server.app",
    "reference_server.faults",
    "reference_server.lifecycle",
    "reference_server.store",
    "reference_server.validation",
    "reference_server.webhooks",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0

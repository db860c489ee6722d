"""The usage examples in the package's docstrings run, and `docs/reference_server.md` lists every fault."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

from reference_server.faults import FAULT_SETS, FAULTS

MODULES = [
    "reference_server",
    "reference_server.app",
    "reference_server.faults",
    "reference_server.hooks",
    "reference_server.sockets",
    "reference_server.lenient",
    "reference_server.lifecycle",
    "reference_server.store",
    "reference_server.validation",
    "reference_server.webhooks",
    "reference_server.workflows",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_every_fault_is_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "reference_server.md").read_text(encoding="utf-8")
    for name, description in FAULTS.items():
        assert f"| `{name}` | {description} |" in text, name


def test_every_fault_set_is_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "reference_server.md").read_text(encoding="utf-8")
    for name, members in FAULT_SETS.items():
        assert f"`{name}`" in text, name
        for member in members:
            assert f"`{member}`" in text, member

"""`docs/reference_server.md` lists every fault and every fault set. (The usage examples in the package's docstrings
run as doctests: `--doctest-modules` in pyproject.toml.)"""

from __future__ import annotations

from pathlib import Path

from reference_server.faults import FAULT_SETS, FAULTS


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

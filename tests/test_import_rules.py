"""The import rules of ARCHITECTURE.md, checked on every module of every part by reading its imports (no import runs).

Each part lists the first-party modules it may import; `generated/` and the runtime it is copied from may import
nothing first-party and, besides the standard library, only what a vendored copy can count on.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED_PACKAGES = tuple(sorted(p.name for p in (ROOT / "generated").iterdir() if (p / "__init__.py").is_file()))
FIRST_PARTY = frozenset({"codegen", "reference_server", "contract_tests", "bench", "tests", *GENERATED_PACKAGES})
VENDORABLE_THIRD_PARTY = frozenset({"httpx2", "pydantic", "pydantic_core"})
"""What a vendored client may import: its two dependencies (pydantic_core comes with pydantic)."""
PUBLIC_GENERATED = frozenset(name for package in GENERATED_PACKAGES for name in (package, f"{package}.models"))


@dataclass(frozen=True)
class Rule:
    """Which first-party modules the files under `folder` may import (a name allows it and its submodules, except
    in a generated package, where only the names listed are public)."""

    folder: str
    allowed: frozenset[str]
    vendorable: bool = False
    """Only relative first-party imports; third party limited to `VENDORABLE_THIRD_PARTY`."""
    anything: bool = False


RULES = (
    Rule("codegen/runtime", frozenset(), vendorable=True),
    Rule("codegen", frozenset({"codegen"})),
    *(Rule(f"generated/{package}", frozenset(), vendorable=True) for package in GENERATED_PACKAGES),
    Rule("reference_server", frozenset({"reference_server", *PUBLIC_GENERATED})),
    Rule(
        "contract_tests",
        frozenset({"contract_tests", *PUBLIC_GENERATED, "reference_server.faults", "reference_server.process"}),
    ),
    Rule("bench", frozenset({"bench", "codegen", "reference_server", *PUBLIC_GENERATED})),
    Rule("tests", frozenset(), anything=True),
)


def rule_of(path: Path) -> Rule:
    relative = path.relative_to(ROOT).as_posix()
    return next(rule for rule in RULES if relative.startswith(rule.folder + "/"))


def modules() -> Iterator[Path]:
    for rule in RULES:
        yield from (path for path in sorted((ROOT / rule.folder).rglob("*.py")) if rule_of(path) is rule)


def absolute_imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def allowed(name: str, rule: Rule) -> bool:
    top = name.partition(".")[0]
    if top not in FIRST_PARTY:
        return not rule.vendorable or top in sys.stdlib_module_names or top in VENDORABLE_THIRD_PARTY
    if rule.vendorable:
        return False
    if rule.anything:
        return True
    if top in GENERATED_PACKAGES:  # only its public modules, never a private one such as `_base_client`
        return name in rule.allowed
    return any(name == ok or name.startswith(ok + ".") for ok in rule.allowed)


def violations(path: Path) -> list[str]:
    rule = rule_of(path)
    where = path.relative_to(ROOT).as_posix()
    return [f"{where}:{line}: imports {name}" for line, name in absolute_imports(path) if not allowed(name, rule)]


MODULES = list(modules())


def test_every_part_has_modules_to_check() -> None:
    checked = {rule_of(path).folder for path in MODULES}
    assert checked == {rule.folder for rule in RULES}
    assert len(MODULES) > 50


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.folder)
def test_part_imports_only_what_architecture_allows(rule: Rule) -> None:
    files = [path for path in MODULES if rule_of(path) is rule]
    assert files
    assert [problem for path in files for problem in violations(path)] == []


def test_the_check_catches_a_forbidden_import() -> None:
    runtime = RULES[0]
    assert not allowed("codegen.errors", runtime)
    assert not allowed("yaml", runtime)
    assert allowed("httpx2", runtime)
    reference_server = next(rule for rule in RULES if rule.folder == "reference_server")
    assert not allowed("contract_tests.checks", reference_server)
    assert not allowed(f"{GENERATED_PACKAGES[0]}._base_client", reference_server)
    assert allowed(f"{GENERATED_PACKAGES[0]}.models", reference_server)

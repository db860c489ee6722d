"""The import rules of ARCHITECTURE.md, checked on every module of every part by reading its imports (no import runs).

Each part lists the first-party modules it may import; `generated/` and the runtime it is copied from may import
nothing first-party and, besides the standard library, only what a vendored copy can count on. Within a part no
modules import each other in a circle (imports inside functions count), and `codegen/`'s modules keep the order of
its steps, `CODEGEN_LAYERS`: each imports only modules before it.
"""

from __future__ import annotations

import ast
import itertools
import sys
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED_PACKAGES = tuple(sorted(p.name for p in (ROOT / "generated").iterdir() if (p / "__init__.py").is_file()))
FIRST_PARTY = frozenset(
    {"codegen", "reference_server", "contract_tests", "campaigns", "bench", "tests", *GENERATED_PACKAGES}
)
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
        frozenset(
            {
                "contract_tests",
                *PUBLIC_GENERATED,
                "reference_server.faults",
                "reference_server.process",
                *("codegen.diff", "codegen.errors", "codegen.pointer"),  # the drift report: the spec diff's engine
            }
        ),
    ),
    # the real-server campaigns and the kill matrix: a checkout's tools, never in the wheel
    Rule("campaigns", frozenset({"campaigns", "contract_tests", "reference_server", "codegen", *PUBLIC_GENERATED})),
    Rule("bench", frozenset({"bench", "campaigns", "codegen", "reference_server", *PUBLIC_GENERATED})),
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

CODEGEN_LAYERS = (
    "__init__",
    # the OpenAPI vocabulary and the tools every step may use: they import nothing of codegen's
    "openapi", "pointer", "errors", "naming", "batch", "cache", "fmt", "templating",
    "load",
    # validate: the checks of one operation and one schema, of `x-wait` and of `webhooks`, then all of them
    "checks", "wait", "webhooks", "validate",
    "view",
    # models: the spec sanitized, (for a large spec) cut into parts, run, assembled; split's parser reads the modules
    "sanitize", "source_edits", "generics", "shadows", "split", "partition", "assemble", "copies", "models",
    "ir.nodes", "ir.typemap", "ir.bodies", "ir.webhooks", "ir.modules", "ir.build", "ir",
    "render",
    # the pipeline, and the commands over it
    "pipeline", "diff", "cli", "__main__",
)  # fmt: skip
"""`codegen/`'s modules from leaf to top, in the order of its steps (ARCHITECTURE.md): a module imports only modules
listed before it. An entry that is a package (`diff`) stands for all its modules, which may import each other."""


CONTRACT_ROOMS = (
    "__init__",
    "model", "spec", "webhook_spec",  # the vocabulary as data; what the suite reads of the spec, and of its webhooks
    "record",  # every exchange, each test's violations and coverage: what everything above writes into
    "config", "transport", "generate",  # the run's settings; how requests are sent; what to send
    "checks",  # how a reply is judged
    "report",  # renderers of the verdict
    "engine",  # the pytest machinery: plugins, flows, the run cap, the cleanup
    "session", "cli", "__main__",  # one run; the command line
    "suite",  # the tests
)  # fmt: skip
"""`contract_tests/`'s rooms from leaf to top: a module imports only modules of its own room or of earlier ones."""


def module_name(path: Path) -> str:
    """The name a file is imported as: `codegen/ir/build.py` -> `codegen.ir.build`, `codegen/ir/__init__.py` ->
    `codegen.ir`, `generated/<package>/_client.py` -> `<package>._client`."""
    base = ROOT / "generated" if path.is_relative_to(ROOT / "generated") else ROOT
    parts = path.relative_to(base).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: frozenset[str]) -> Iterator[tuple[int, str]]:
    """The modules of `known` that the file imports, with the line, wherever the import is (inside a function too)
    and relative ones resolved. `from p import m` imports the module `p.m` when there is one, else `p`; importing
    `p.q.m` from outside the package `p.q` runs `p/q/__init__.py` first, so it imports `p.q` too."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            anchor = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            steps = target.split(".")
            for module in (".".join(steps[:depth]) for depth in range(len(steps), 0, -1)):
                if module in known and not (name + ".").startswith(module + "."):  # `name`'s packages run first
                    yield node.lineno, module


def import_graph(rule: Rule) -> dict[str, dict[str, str]]:
    """Each module of the part -> each module of the same part it imports -> where (`path:line`, the first)."""
    files = {module_name(path): path for path in MODULES if rule_of(path) is rule}
    known = frozenset(files)
    graph: dict[str, dict[str, str]] = {}
    for name, path in files.items():
        where = path.relative_to(ROOT).as_posix()
        edges = graph.setdefault(name, {})
        for line, target in sorted(imported_modules(path, known)):
            edges.setdefault(target, f"{where}:{line}")
    return graph


def circles(graph: Mapping[str, Mapping[str, str]]) -> list[tuple[list[str], list[str]]]:
    """Each group of modules that import each other (a strongly connected component of more than one module), sorted,
    with the shortest circle through its first module, as the modules around it (`[a, b, a]`)."""
    reach = {start: _reachable(graph, start) for start in graph}
    found: list[tuple[list[str], list[str]]] = []
    grouped: set[str] = set()
    for start in sorted(graph):
        if start in reach[start] and start not in grouped:
            group = sorted(module for module in reach[start] if start in reach.get(module, ()))
            grouped.update(group)
            found.append((group, _shortest_circle(graph, start)))
    return found


def _reachable(graph: Mapping[str, Mapping[str, str]], start: str) -> set[str]:
    seen: set[str] = set()
    work = list(graph[start])
    while work:
        module = work.pop()
        if module not in seen:
            seen.add(module)
            work.extend(graph.get(module, {}))
    return seen


def _shortest_circle(graph: Mapping[str, Mapping[str, str]], start: str) -> list[str]:
    """The modules of the shortest way from `start` back to it (breadth first), `start` at both ends."""
    before: dict[str, str] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for target in sorted(graph.get(module, {})):
            if target == start:
                way = [module]
                while way[-1] != start:
                    way.append(before[way[-1]])
                return [*reversed(way), start]
            if target not in before:
                before[target] = module
                queue.append(target)
    raise ValueError(f"{start} is on no circle")


def describe(group: list[str], circle: list[str], graph: Mapping[str, Mapping[str, str]]) -> str:
    """`a, b, c import each other: a -> b -> a`, each step of the circle with the line that makes it."""
    steps = [f"{a} imports {b} ({graph[a][b]})" for a, b in itertools.pairwise(circle)]
    return f"{', '.join(group)} import each other: {' -> '.join(circle)}: " + "; ".join(steps)


def layer(module: str, layers: Sequence[str] = CODEGEN_LAYERS, package: str = "codegen") -> int | None:
    """The position of a module of `package` in `layers` (its longest entry), None when it has none."""
    short = module.removeprefix(package + ".") if module != package else "__init__"
    entries = [(len(entry), index) for index, entry in enumerate(layers) if short == entry or short.startswith(entry + ".")]  # fmt: skip
    return max(entries)[1] if entries else None


def inversions(
    graph: Mapping[str, Mapping[str, str]], layers: Sequence[str] = CODEGEN_LAYERS, package: str = "codegen"
) -> list[str]:
    """Each import of a module placed later in `layers` than the importer."""
    return [
        f"{where}: {module} imports {target}, a later layer"
        for module, edges in sorted(graph.items())
        for target, where in sorted(edges.items())
        if (layer(target, layers, package) or 0) > (layer(module, layers, package) or 0)
    ]


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
    assert not allowed("contract_tests.checks.reply", reference_server)
    assert not allowed(f"{GENERATED_PACKAGES[0]}._base_client", reference_server)
    assert allowed(f"{GENERATED_PACKAGES[0]}.models", reference_server)


PARTS = [rule for rule in RULES if not rule.anything]
CODEGEN = next(rule for rule in RULES if rule.folder == "codegen")


@pytest.mark.parametrize("rule", PARTS, ids=lambda rule: rule.folder)
def test_no_import_circle_within_a_part(rule: Rule) -> None:
    graph = import_graph(rule)
    assert graph
    found = [describe(group, circle, graph) for group, circle in circles(graph)]
    assert not found, "\n".join(found)


CONTRACT_TESTS = next(rule for rule in RULES if rule.folder == "contract_tests")


def test_contract_tests_rooms_import_only_earlier_rooms() -> None:
    graph = import_graph(CONTRACT_TESTS)
    assert sorted(m for m in graph if layer(m, CONTRACT_ROOMS, "contract_tests") is None) == []
    found = inversions(graph, CONTRACT_ROOMS, "contract_tests")
    assert not found, "\n".join(found)


def test_every_codegen_module_has_a_layer() -> None:
    unplaced = sorted(module for module in import_graph(CODEGEN) if layer(module) is None)
    assert unplaced == [], f"add each to CODEGEN_LAYERS after every module it imports: {unplaced}"


def test_every_layer_is_a_codegen_module() -> None:
    modules = {module.removeprefix("codegen.") for module in import_graph(CODEGEN)} | {"__init__"}
    assert [entry for entry in CODEGEN_LAYERS if entry not in modules] == []


def test_codegen_modules_import_only_earlier_layers() -> None:
    found = inversions(import_graph(CODEGEN))
    assert not found, "\n".join(found)


def test_the_checks_catch_a_circle_and_a_later_layer() -> None:
    graph = {"a": {"b": "a.py:1"}, "b": {"c": "b.py:1"}, "c": {"a": "c.py:2", "d": "c.py:3"}, "d": {}, "e": {"e2": "e.py:1"}, "e2": {"e": "e2.py:1"}}  # fmt: skip
    assert circles(graph) == [(["a", "b", "c"], ["a", "b", "c", "a"]), (["e", "e2"], ["e", "e2", "e"])]
    assert describe(["e", "e2"], ["e", "e2", "e"], graph) == (
        "e, e2 import each other: e -> e2 -> e: e imports e2 (e.py:1); e2 imports e (e2.py:1)"
    )
    assert circles({"a": {"b": "a.py:1"}, "b": {}}) == []
    assert layer("codegen.ir.build") == CODEGEN_LAYERS.index("ir.build")
    assert layer("codegen.diff.command") == CODEGEN_LAYERS.index("diff")
    assert layer("codegen") == 0
    assert inversions({"codegen.openapi": {"codegen.validate": "codegen/openapi.py:9"}}) == [
        "codegen/openapi.py:9: codegen.openapi imports codegen.validate, a later layer"
    ]
    assert inversions({"codegen.validate": {"codegen.openapi": "codegen/validate.py:9"}}) == []


def test_imports_resolve_relative_and_package_imports() -> None:
    codegen = import_graph(CODEGEN)
    assert "codegen.ir" in codegen["codegen.render"]  # `codegen.ir.nodes` runs `codegen/ir/__init__.py` first
    assert "codegen.ir" not in codegen["codegen.ir.build"]  # inside the package: it is being imported already
    runtime = import_graph(RULES[0])
    assert "codegen.runtime._exceptions" in runtime["codegen.runtime._wait"]  # `from ._exceptions import ...`

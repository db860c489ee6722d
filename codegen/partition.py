"""Step 4a (large specs): the component schemas cut into parts that datamodel-code-generator runs on one by one.

datamodel-code-generator is single-threaded, and on a spec of GitHub's size it is nearly all of a generation. Its
output for a schema depends on the schemas it references (a collapsed root model, an inherited base, an enum's
members), so a part is given as a `$ref`-closed sub-spec: the schemas it *owns* and every schema they reach.

- The graph is the component schemas and the `$ref`s between them; its strongly connected components (in document
  order, dependencies first) are cut into consecutive parts of about `PART_SIZE` owned schemas. A cycle is never cut.
- Each part is generated on its own (in parallel, and cached: see `codegen.models`); its module keeps the
  definitions its owned schemas reach without passing through a schema of another part, and those no schema reaches
  at all. What the other schemas of its closure made is dropped: their own part defines it.
- `assemble` joins the kept definitions in part order (every part's dependencies come before it) under one import
  block. A component schema's class keeps its name. An inline model's name is numbered again across the parts as
  datamodel-code-generator numbers it within one run (`Type`, `Type1`, `Type2`, ... in order of appearance), so
  most names are the ones a single run gives; see docs/benchmarks.md for the differences that remain.

Everything is a function of the spec alone (document order, part size), never of how many processes run the parts.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from codegen.split import Definition, components, parse_definitions, remember_definitions

PART_SIZE = 50
"""Owned schemas per part: small enough to balance 2-4 processes on GitHub's spec (one part of its webhooks costs
10x another), large enough that the schemas a part's closure repeats from other parts stay a fraction of the work."""
PARTITION_THRESHOLD = 4 * PART_SIZE
"""Component schemas above which the spec is cut into parts; below it one run is cheaper (and every golden case and
`spec/openapi.yaml` are far below it, so their output comes from the single run)."""
_SCHEMAS = "#/components/schemas/"
_NUMBERED = re.compile(r"^(.*?[^\d])(\d+)$")


@dataclass(frozen=True, slots=True)
class Part:
    """Schemas that datamodel-code-generator gets together: `owned` are this part's to define, `closure` is them
    and every schema they reach, in document order."""

    owned: tuple[str, ...]
    closure: tuple[str, ...]


def schema_refs(schemas: Mapping[str, Any]) -> dict[str, set[str]]:
    """Each component schema -> the other component schemas its `$ref`s name directly."""
    found: dict[str, set[str]] = {}
    for name, schema in schemas.items():
        targets: set[str] = set()
        work = [schema]
        while work:
            node = work.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith(_SCHEMAS):
                    targets.add(_unescape(ref[len(_SCHEMAS) :].split("/", 1)[0]))
                work.extend(node.values())
            elif isinstance(node, list):
                work.extend(node)
        found[name] = {target for target in targets if target in schemas and target != name}
    return found


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def partition(schemas: Mapping[str, Any], part_size: int = PART_SIZE) -> list[Part]:
    """The parts of `schemas`, dependencies before dependents; one part when there are few schemas.

    Example:
        >>> [p.owned for p in partition({"A": {}, "B": {"$ref": "#/components/schemas/A"}, "C": {}}, part_size=1)]
        [('A',), ('B',), ('C',)]
    """
    refs = schema_refs(schemas)
    order = {name: index for index, name in enumerate(schemas)}
    found = components([Definition(name, "", frozenset(refs[name])) for name in schemas])
    cuts: list[list[str]] = [[]]
    for component in found:
        if cuts[-1] and len(cuts[-1]) + len(component) > part_size:
            cuts.append([])
        cuts[-1].extend(component)
    parts = []
    for owned in cuts:
        reached = set(owned)
        work = list(owned)
        while work:
            for target in refs[work.pop()]:
                if target not in reached:
                    reached.add(target)
                    work.append(target)
        parts.append(Part(tuple(sorted(owned, key=order.__getitem__)), tuple(sorted(reached, key=order.__getitem__))))
    return parts


def sub_spec(data: Mapping[str, Any], part: Part) -> dict[str, Any]:
    """The spec datamodel-code-generator gets for `part`: its closure's schemas in document order, no paths, and of
    the other components only those the closure names (all of them when one of those names further ones): GitHub's
    spec keeps megabytes of examples there that no schema uses."""
    components_ = data.get("components", {})
    schemas = components_["schemas"]
    closure = {name: schemas[name] for name in part.closure}
    others = {section: entries for section, entries in components_.items() if section != "schemas"}
    named = _other_components(closure)
    if any(_other_components(others.get(section, {}).get(name)) for section, name in named):
        kept = others
    else:
        kept = {}
        for section, name in sorted(named):
            if isinstance(others.get(section), dict) and name in others[section]:
                kept.setdefault(section, {})[name] = others[section][name]
    return {
        **{key: value for key, value in data.items() if key not in ("paths", "components", "webhooks")},
        "paths": {},
        "components": {**kept, "schemas": closure},
    }


def _other_components(node: Any) -> set[tuple[str, str]]:
    """(section, name) of every `#/components/<section>/<name>` other than a schema that `node`'s `$ref`s name."""
    found: set[tuple[str, str]] = set()
    work = [node]
    while work:
        item = work.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/") and not ref.startswith(_SCHEMAS):
                section, _, rest = ref[len("#/components/") :].partition("/")
                found.add((section, _unescape(rest.split("/", 1)[0])))
            work.extend(item.values())
        elif isinstance(item, list):
            work.extend(item)
    return found


def part_json(spec: Mapping[str, Any]) -> str:
    """`spec` as canonical JSON for a cache key: compact, key order kept (datamodel-code-generator's output follows
    the document's order, so the order is part of what the key covers)."""
    return json.dumps(spec, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


class AssemblyError(Exception):
    """The parts' modules cannot be joined into one (the caller then runs the spec whole)."""


@dataclass(frozen=True, slots=True)
class ParsedPart:
    """A part's module as `assemble` reads it: its imports (module, name, alias; module "" for `import x`) and its
    definitions in source order. Made where the part is generated, so the parsing runs in parallel too."""

    imports: tuple[tuple[str, str, str | None], ...]
    definitions: tuple[Definition, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "imports": [list(entry) for entry in self.imports],
            "definitions": [[d.name, d.source, sorted(d.uses), d.rebuild] for d in self.definitions],
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> ParsedPart:
        return cls(
            tuple((module, name, alias) for module, name, alias in value["imports"]),
            tuple(
                Definition(name, source, frozenset(uses), rebuild)
                for name, source, uses, rebuild in value["definitions"]
            ),
        )


def parse_part(source: str) -> ParsedPart:
    """A part's module, parsed. Raises `AssemblyError` when it is more than imports and definitions."""
    parsed = parse_definitions(source)
    if parsed is None:
        raise AssemblyError("a part's module has top-level code other than imports and definitions")
    preamble, definitions = parsed
    return ParsedPart(tuple(_imports(preamble)), tuple(definitions))


def assemble(header: str, parts: Sequence[Part], parsed: Sequence[ParsedPart], class_of: Mapping[str, str]) -> str:
    """One module from the parts' modules. `class_of`: each component schema -> the class name it is given."""
    component_classes = set(class_of.values())
    imports = dict.fromkeys(entry for part in parsed for entry in part.imports)
    imported = {alias or name.split(".")[0] for _, name, alias in imports}
    taken = component_classes | imported
    next_free: dict[str, int] = {}
    body: list[str] = []
    rebuilt: list[str] = []
    defined: set[str] = set()
    uses: set[str] = set()
    assembled: list[tuple[str, str, set[str], str]] = []
    for part, module in zip(parts, parsed, strict=True):
        definitions = module.definitions
        kept = _kept(part, definitions, class_of)
        local = {definition.name for definition in definitions}
        own_classes = {class_of[name] for name in part.closure if name in class_of}
        renames = {}
        for definition in definitions:
            if definition.name not in kept or definition.name in own_classes:
                continue
            base = _base(definition.name, local | component_classes)
            position = next_free.get(base, 0)
            while (candidate := base if not position else f"{base}{position}") in taken:
                position += 1
            next_free[base] = position + 1
            taken.add(candidate)
            if candidate != definition.name:
                renames[definition.name] = candidate
        for definition in definitions:
            if definition.name not in kept:
                continue
            name = renames.get(definition.name, definition.name)
            if name in defined:
                raise AssemblyError(f"{name} is defined by two parts")
            defined.add(name)
            touched = not renames.keys().isdisjoint(definition.uses | {definition.name})
            text = rename(definition.source, renames) if touched else definition.source
            rebuild = rename(definition.rebuild, renames) if touched and definition.rebuild else definition.rebuild
            used = {renames.get(name_used, name_used) for name_used in definition.uses}
            body.append(text)
            if rebuild:
                rebuilt.append(rebuild)
            assembled.append((name, text, used, rebuild))
            uses |= used
    if uses - defined:
        raise AssemblyError(f"no part defines {sorted(uses - defined)[:5]}")
    if imported & defined:
        raise AssemblyError(f"class names shadow imported names: {sorted(imported & defined)}")
    head = f"{header}\n\nfrom __future__ import annotations\n\n{_import_block(imports)}\n"
    tail = "".join(f"\n\n{line}" for line in rebuilt)
    source = head + "\n\n" + "\n\n\n".join(body) + "\n" + tail + ("\n" if tail else "")
    remember_definitions(
        source, (head, [Definition(name, text, frozenset(used), rebuild) for name, text, used, rebuild in assembled])
    )
    return source


def _imports(preamble: str) -> Iterable[tuple[str, str, str | None]]:
    for node in ast.parse(preamble).body:
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                yield "." * node.level + (node.module or ""), alias.name, alias.asname
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield "", alias.name, alias.asname


def _import_block(imports: Iterable[tuple[str, str, str | None]]) -> str:
    """The imports in order of first appearance (ruff sorts them when the package is formatted)."""
    by_module: dict[str, list[str]] = {}
    plain: list[str] = []
    for module, name, alias in imports:
        text = f"{name} as {alias}" if alias else name
        if module:
            by_module.setdefault(module, []).append(text)
        else:
            plain.append(f"import {text}")
    return "\n".join([*plain, *(f"from {module} import {', '.join(names)}" for module, names in by_module.items())])


def _kept(part: Part, definitions: Sequence[Definition], class_of: Mapping[str, str]) -> set[str]:
    """The definitions the part's module contributes: those its owned schemas reach without passing through a schema
    of another part, and those no schema reaches."""
    uses = {definition.name: definition.uses for definition in definitions}
    owned = {class_of[name] for name in part.owned if class_of.get(name) in uses}
    foreign = {class_of[name] for name in part.closure if class_of.get(name) in uses} - owned
    return _reach(owned, foreign, uses) | (set(uses) - _reach(foreign, owned, uses))


def _reach(roots: set[str], stops: set[str], uses: Mapping[str, frozenset[str]]) -> set[str]:
    seen = set(roots)
    work = list(roots)
    while work:
        for used in uses[work.pop()]:
            if used not in seen and used not in stops and used in uses:
                seen.add(used)
                work.append(used)
    return seen


def _base(name: str, known: set[str]) -> str:
    """The name datamodel-code-generator numbered `name` from: `Type` for `Type3` when the part also has `Type`
    (or a component class holds it), else `name` itself (`Sha256` is not a `Sha`)."""
    match = _NUMBERED.match(name)
    return match.group(1) if match and match.group(1) in known else name


def rename(source: str, renames: Mapping[str, str]) -> str:
    """`source` with every identifier in `renames` replaced, in code only (never inside a string or comment).

    Example:
        >>> rename("class Type1(BaseModel):\\n    kind: Type1 = 'Type1'", {"Type1": "Type7"})
        "class Type7(BaseModel):\\n    kind: Type7 = 'Type1'"
    """
    if not renames:
        return source
    lines = source.split("\n")
    edits: dict[int, list[tuple[int, str, str]]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in renames:
            edits.setdefault(node.lineno - 1, []).append((node.col_offset, node.id, renames[node.id]))
        elif isinstance(node, ast.ClassDef) and node.name in renames:
            line = node.lineno - 1
            encoded = lines[line].encode("utf-8")
            column = encoded.index(node.name.encode("utf-8"), encoded.index(b"class") + 5)
            edits.setdefault(line, []).append((column, node.name, renames[node.name]))
    for line, changes in edits.items():
        text = lines[line].encode("utf-8")  # ast's columns are byte offsets
        for column, old, new in sorted(changes, reverse=True):
            text = text[:column] + new.encode("utf-8") + text[column + len(old.encode("utf-8")) :]
        lines[line] = text.decode("utf-8")
    return "\n".join(lines)

"""Step 4a (large specs): the component schemas cut into parts that datamodel-code-generator runs on one by one.

datamodel-code-generator is single-threaded, and on a spec of GitHub's size it is nearly all of a generation. Its
output for a schema depends on the schemas it references (a collapsed root model, an inherited base, an enum's
members), so a part is given as a `$ref`-closed sub-spec: the schemas it *owns* and every schema they reach.

- The graph is the component schemas and the `$ref`s between them; its strongly connected components (in document
  order, dependencies first) are cut into consecutive parts of at most `PART_SIZE` owned schemas and about
  `PART_BYTES` of them as JSON (a schema's size is the measure of its cost). A cycle is never cut.
- A schema of another part that renders as a plain model class is given as a *stub* (an object of one property):
  what a part writes for its own schemas needs only that class's name. A schema whose content shapes its users'
  code is given whole, with what it reaches: a root model or enum (collapsed into the fields that use it), a base
  of an `allOf` (its subclasses read its fields), one a `discriminator` or a `default` names, one a `$ref` points
  into (`#/components/schemas/A/properties/links`).
- Each part is generated on its own (in parallel, and cached: see `codegen.models`); its module keeps the
  definitions its owned schemas reach without passing through a schema of another part, and those no schema reaches
  at all. What the other schemas of its closure made is dropped: their own part defines it.
- `codegen.assemble` joins the kept definitions of the parts' modules into one module, in part order; `rename`
  (here, for `copies` too) renames the classes of a part's code.

Everything is a function of the spec alone (document order, part size), never of how many processes run the parts.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from codegen.openapi import SCHEMA_REF
from codegen.pointer import unescape
from codegen.split import Definition, components

PART_SIZE = 50
"""Owned schemas per part at most: small enough to balance 2-4 processes, large enough that what each part's
closure repeats from other parts stays a fraction of the work."""
PART_BYTES = 100_000
"""Owned schemas per part as JSON, about (a part holds at least one strongly connected component): GitHub's spec has
schemas of 40-90 KB (its webhook payloads, with their models inline) beside ones of a few hundred bytes, and a run's
time follows the size of what it parses."""
PARTITION_THRESHOLD = 4 * PART_SIZE
"""Component schemas above which the spec is cut into parts; below it one run is cheaper (and every golden case and
`spec/openapi.yaml` are far below it, so their output comes from the single run)."""


@dataclass(frozen=True, slots=True)
class Part:
    """Schemas that datamodel-code-generator gets together: `owned` are this part's to define, `closure` is them
    and every schema they reach, in document order."""

    owned: tuple[str, ...]
    closure: tuple[str, ...]
    stubbed: tuple[str, ...] = ()
    """Schemas of the closure given as stubs (`stub`): they belong to other parts, and only their class names matter
    here."""


def schema_refs(schemas: Mapping[str, Any]) -> dict[str, set[str]]:
    """Each component schema -> the other component schemas its `$ref`s name directly."""
    return {
        name: {target for target in _schema_refs_in(schema) if target in schemas and target != name}
        for name, schema in schemas.items()
    }


def partition(schemas: Mapping[str, Any], part_size: int = PART_SIZE, part_bytes: int = PART_BYTES) -> list[Part]:
    """The parts of `schemas`, dependencies before dependents; one part when there are few schemas.

    Example:
        >>> [p.owned for p in partition({"A": {}, "B": {"$ref": "#/components/schemas/A"}, "C": {}}, part_size=1)]
        [('A',), ('B',), ('C',)]
    """
    refs = schema_refs(schemas)
    order = {name: index for index, name in enumerate(schemas)}
    found = components([Definition(name, "", frozenset(refs[name])) for name in schemas])
    cuts: list[list[str]] = [[]]
    size = 0
    for component in found:
        cost = sum(len(part_json(schemas[name])) for name in component)
        if cuts[-1] and (len(cuts[-1]) + len(component) > part_size or size + cost > part_bytes):
            cuts.append([])
            size = 0
        cuts[-1].extend(component)
        size += cost
    stubbable = {name for name, schema in schemas.items() if renders_as_own_class(schema)}
    shaping = {name: _shaping_refs(schema) & refs[name] for name, schema in schemas.items()}
    parts = []
    for owned in cuts:
        whole = set(owned)
        named: set[str] = set()
        work = list(owned)
        while work:
            name = work.pop()
            for target in refs[name]:
                if target in stubbable and target not in shaping[name]:
                    named.add(target)
                elif target not in whole:
                    whole.add(target)
                    work.append(target)
        closure = tuple(sorted(whole | named, key=order.__getitem__))
        parts.append(
            Part(
                tuple(sorted(owned, key=order.__getitem__)),
                closure,
                tuple(name for name in closure if name not in whole),
            )
        )
    return parts


_SHAPED_BY_CONTENT = frozenset(
    {"allOf", "anyOf", "oneOf", "not", "enum", "const", "$ref", "items", "prefixItems", "discriminator",
     "patternProperties", "if", "then", "else", "$defs", "definitions"}
)  # fmt: skip
_WRAPPER_KEYS = frozenset(
    {"allOf", "nullable", "description", "title", "readOnly", "writeOnly", "deprecated", "example", "examples"}
)
"""The keys of an `allOf` of one `$ref` that only wraps it (to add `nullable` or a description in OpenAPI 3.0):
datamodel-code-generator writes the reference itself, not a subclass."""


def renders_as_own_class(schema: Any) -> bool:
    """Whether `schema` becomes a model class of its own properties, which the code of the schemas that use it
    names and never looks into (unlike a root model or enum, collapsed into the fields that use it)."""
    return (
        isinstance(schema, dict)
        and isinstance(schema.get("properties"), dict)
        and bool(schema["properties"])
        and schema.get("type", "object") == "object"
        and _SHAPED_BY_CONTENT.isdisjoint(schema)
    )


def _shaping_refs(schema: Any) -> set[str]:
    """The schemas whose content shapes `schema`'s code, not only their class names: the bases of an `allOf`
    (its subclass reads their fields), those named under a `discriminator` or a `default`, and those a `$ref`
    points into (`#/components/schemas/A/properties/links`: a stub of `A` has no `links`)."""
    found = pointed_into(schema)
    work = [schema]
    while work:
        node = work.pop()
        if isinstance(node, dict):
            if "discriminator" in node or "default" in node:
                found |= _schema_refs_in(node)
            members = node.get("allOf")
            if isinstance(members, list) and (len(members) > 1 or not _WRAPPER_KEYS.issuperset(node)):
                found |= {name for member in members if isinstance(member, dict) for name in _schema_refs_in(member) if "$ref" in member}  # fmt: skip
            work.extend(node.values())
        elif isinstance(node, list):
            work.extend(node)
    return found


def pointed_into(node: Any) -> set[str]:
    """The component schemas that `node`'s `$ref`s point into (`#/components/schemas/A/properties/links`: `A`)."""
    deep = (ref[len(SCHEMA_REF) :].split("/") for ref in refs_in(node) if ref.startswith(SCHEMA_REF))
    return {unescape(steps[0]) for steps in deep if len(steps) > 1}


def _schema_refs_in(node: Any) -> set[str]:
    """The component schemas `node`'s `$ref`s name."""
    return {unescape(ref[len(SCHEMA_REF) :].split("/", 1)[0]) for ref in refs_in(node) if ref.startswith(SCHEMA_REF)}


def refs_in(node: Any) -> Iterator[str]:
    """Every `$ref` string in `node`, at any depth."""
    work = [node]
    while work:
        item = work.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                yield ref
            work.extend(item.values())
        elif isinstance(item, list):
            work.extend(item)


def stub(name: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """What a part that does not own `schema` is given for it: a model class of one property, described by its
    name so that no two stubs render alike (datamodel-code-generator merges models that do)."""
    kept = {key: schema[key] for key in ("type", "nullable") if key in schema}
    return {**kept, "description": f"{name} (defined by another part)", "properties": {"stub": {"type": "string"}}}


def sub_spec(data: Mapping[str, Any], part: Part) -> dict[str, Any]:
    """The spec datamodel-code-generator gets for `part`: its closure's schemas in document order (the stubbed ones
    as stubs), no paths, and of the other components only those the closure names (all of them when one of those
    names further ones): GitHub's spec keeps megabytes of examples there that no schema uses. The document's own
    extensions (`x-...`) are left out too, unless a schema's `$ref` points outside the components."""
    components_ = data.get("components", {})
    schemas = components_["schemas"]
    stubbed = set(part.stubbed)
    closure = {name: stub(name, schemas[name]) if name in stubbed else schemas[name] for name in part.closure}
    others = {section: entries for section, entries in components_.items() if section != "schemas"}
    named = _other_components(closure)
    if any(_other_components(others.get(section, {}).get(name)) for section, name in named):
        kept = others
    else:
        kept = {}
        for section, name in sorted(named):
            if isinstance(others.get(section), dict) and name in others[section]:
                kept.setdefault(section, {})[name] = others[section][name]
    dropped = {"paths", "components", "webhooks"}
    if not _refs_outside_components(closure):
        dropped |= {key for key in data if key.startswith("x-")}
    return {
        **{key: value for key, value in data.items() if key not in dropped},
        "paths": {},
        "components": {**kept, "schemas": closure},
    }


def _refs_outside_components(node: Any) -> bool:
    return any(ref.startswith("#") and not ref.startswith("#/components/") for ref in refs_in(node))


def _other_components(node: Any) -> set[tuple[str, str]]:
    """(section, name) of every `#/components/<section>/<name>` other than a schema that `node`'s `$ref`s name."""
    found: set[tuple[str, str]] = set()
    for ref in refs_in(node):
        if ref.startswith("#/components/") and not ref.startswith(SCHEMA_REF):
            section, _, rest = ref[len("#/components/") :].partition("/")
            found.add((section, unescape(rest.split("/", 1)[0])))
    return found


def part_json(spec: Mapping[str, Any]) -> str:
    """`spec` as canonical JSON for a cache key: compact, key order kept (datamodel-code-generator's output follows
    the document's order, so the order is part of what the key covers)."""
    return json.dumps(spec, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


def rename(source: str, renames: Mapping[str, str]) -> str:
    """`source` with every identifier in `renames` replaced, in code only (never inside a string or comment, nor an
    attribute or keyword name).

    Example:
        >>> rename("class Type1(BaseModel):\\n    kind: Type1 = 'Type1'", {"Type1": "Type7"})
        "class Type7(BaseModel):\\n    kind: Type7 = 'Type1'"
    """
    if not renames:
        return source
    if all(name[:1].isupper() for name in renames):
        # datamodel-code-generator's class names are capitalized; its code's other names are attributes (`.X`,
        # never matched here) and keyword or field names, lowercase: a scan of the tokens finds the same names as
        # the syntax tree, several times faster (GitHub's spec renames thousands of definitions)
        return _CODE_TOKEN.sub(lambda match: renames.get(match["name"] or "", match[0]), source)
    return _rename_in_tree(source, renames)


_CODE_TOKEN = re.compile(
    r'[rRbBuUfF]{0,2}(?:"""(?:\\.|[^\\])*?"""' + r"|'''(?:\\.|[^\\])*?'''"
    r'|"(?:\\.|[^"\\\n])*"' + r"|'(?:\\.|[^'\\\n])*')"
    r"|#[^\n]*"
    r"|(?<![.\w])(?P<name>[^\W\d]\w*)"
)
"""A string (any prefix, any quotes), a comment, or a name that does not follow a dot: what `rename` scans."""


def _rename_in_tree(source: str, renames: Mapping[str, str]) -> str:
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

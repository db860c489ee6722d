"""Step 4a, after `partition`: the inline models a large spec repeats, given to datamodel-code-generator once.

GitHub's spec writes the same inline object (a webhook payload's `repository`, `sender`, `installation`, ...) over
and over: a third of its schemas' JSON is an inline object identical to an earlier one under the same property
name. datamodel-code-generator would parse and render each copy, and `assemble` would then find it renders like
the first and merge it into that class. Instead, in the spec a part is given, each later copy is a *stub*: the
copy's own keywords (description, title, examples, nullable: what the field that holds it renders) and one
property that names the original. The part's module then says which class each stub became, and its references
are given the class of the original (`codegen.assemble`).

A copy is an object schema that renders as a class of its own properties, reached from a component schema through
properties (and an array property's `items`) only, with no `default`; it and its original have the same property
name and the same JSON, key order included. The originals are the first of each in part order, walking each part's
owned schemas in document order, so everything is a function of the spec and its partition.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from codegen.assemble import ParsedPart
from codegen.partition import Part, part_json, pointed_into, rename, renders_as_own_class, sub_spec
from codegen.split import Definition

SchemaPath = tuple[str, ...]
"""Where an inline schema is, from the component schema's name: `("repo", "properties", "owner")`."""
OriginalId = str
"""An original's name in the stubs of its copies: a hash of its property name and JSON, not its place, so that an
edit in one part leaves the other parts' jobs (their cache keys) as they were, but where it adds or removes an
original that a later part's copy names."""
MARK = "codegen_copy_of_"
"""The one property of a copy's stub: `codegen_copy_of_<original's id>`."""
_MARKED = re.compile(rf"^\s+{MARK}([0-9a-f]+):", re.MULTILINE)
_OBJECT_KEYWORDS = frozenset(
    {"properties", "required", "additionalProperties", "patternProperties", "propertyNames", "unevaluatedProperties",
     "dependentRequired", "dependentSchemas", "dependencies"}
)  # fmt: skip
"""What a stub leaves out of its copy: what shapes the copy's own class, never the field that holds it."""


@dataclass(frozen=True, slots=True)
class Copies:
    """The copies and originals of each part (by part index): `stubs` maps a copy's path to its original's id,
    `originals` an original's id to its path. A part reports the class of each of its originals, copied or not, so
    that its job does not change when a later part gains or loses a copy."""

    stubs: tuple[Mapping[SchemaPath, OriginalId], ...]
    originals: tuple[Mapping[OriginalId, SchemaPath], ...]


def find_copies(schemas: Mapping[str, Any], parts: Sequence[Part]) -> Copies:
    """The inline models of the parts' owned schemas that repeat an earlier one. Schemas that a `$ref` points into
    (`#/components/schemas/X/properties/...`) keep their copies: the reference must find the copy itself."""
    pointed = pointed_into(schemas)
    first: set[OriginalId] = set()
    stubs: list[dict[SchemaPath, OriginalId]] = [{} for _ in parts]
    originals: list[dict[OriginalId, SchemaPath]] = [{} for _ in parts]
    for index, part in enumerate(parts):
        for name in part.owned:
            work: list[tuple[Any, SchemaPath, tuple[str, str]]] = [(schemas[name], (name,), ("", ""))]
            while work:
                node, path, held_by = work.pop()
                if held_by[0] and _copyable(node):
                    found = _original_id(held_by, node)
                    if found in first:
                        if name not in pointed:
                            stubs[index][path] = found
                        continue
                    first.add(found)
                    originals[index][found] = path
                work.extend(reversed(_children(node, path, held_by)))
    return Copies(tuple(stubs), tuple(originals))


def _original_id(held_by: tuple[str, str], node: Any) -> OriginalId:
    """What a copy and its original share: a hash of what holds them and their JSON (key order kept)."""
    return hashlib.sha256(part_json({"held_by": held_by, "schema": node}).encode("utf-8")).hexdigest()[:20]


def _copyable(node: Any) -> bool:
    """Whether `node` may be a copy: an object schema (nullable or not) that renders as a class of its own properties
    (`renders_as_own_class`), and no `default`, which the code of the field that holds it reads."""
    if not isinstance(node, dict) or "default" in node:
        return False
    nullable = node.get("type") in (["object", "null"], ["null", "object"])
    return renders_as_own_class({**node, "type": "object"} if nullable else node)


def _children(node: Any, path: SchemaPath, held_by: tuple[str, str]) -> list[tuple[Any, SchemaPath, tuple[str, str]]]:
    """The schemas under `node` that may be copies, each with what holds it: its properties (`("property", name)`),
    and a property's array `items` (`("items", the property's name)`)."""
    if not isinstance(node, dict):
        return []
    found: list[tuple[Any, SchemaPath, tuple[str, str]]] = []
    properties = node.get("properties")
    if isinstance(properties, dict):
        found += [(value, (*path, "properties", key), ("property", key)) for key, value in properties.items()]
    if held_by[0] == "property" and isinstance(node.get("items"), dict):
        found.append((node["items"], (*path, "items"), ("items", held_by[1])))
    return found


def part_spec(data: Mapping[str, Any], part: Part, stubs: Mapping[SchemaPath, OriginalId]) -> dict[str, Any]:
    """The spec datamodel-code-generator gets for `part` (`sub_spec`), each copy in `stubs` as its stub (copied
    along the way: `data` is left alone)."""
    spec = sub_spec(data, part)
    if stubs:
        schemas = dict(spec["components"]["schemas"])
        for path, original in stubs.items():
            schemas[path[0]] = _replaced(schemas[path[0]], path[1:], original)
        spec["components"] = {**spec["components"], "schemas": schemas}
    return spec


def _replaced(node: Any, path: SchemaPath, original: OriginalId) -> Any:
    if not path:
        kept = {key: value for key, value in node.items() if key not in _OBJECT_KEYWORDS}
        return {**kept, "properties": {f"{MARK}{original}": {"type": "string"}}}
    return {**node, path[0]: _replaced(node[path[0]], path[1:], original)}


def without_stubs(parsed: ParsedPart, originals: Mapping[OriginalId, str]) -> ParsedPart:
    """A part's module without its stubs, and with the class of each of its `originals` (id -> class).

    A stub of an original of the same part is that original's class in the module's code, as datamodel-code-generator
    would have merged the copy; the others are the part's `copies`, which `assemble` names.
    """
    stubs = {}
    for definition in parsed.definitions:
        match = _MARKED.search(definition.source)
        if match is not None:
            stubs[definition.name] = match.group(1)
    here = {name: originals[original] for name, original in stubs.items() if original in originals}
    definitions = []
    for definition in parsed.definitions:
        if definition.name in stubs:
            continue
        if not here.keys().isdisjoint(definition.uses):
            definition = Definition(
                definition.name,
                rename(definition.source, here),
                frozenset(here.get(name, name) for name in definition.uses),
                rename(definition.rebuild, here),
            )
        definitions.append(definition)
    return replace(
        parsed,
        definitions=tuple(definitions),
        copies=tuple((name, original) for name, original in stubs.items() if name not in here),
        originals=tuple(sorted(originals.items())),
    )


_CLASS_NAME = re.compile(r"\b[A-Z]\w*")


def original_classes(
    models: Sequence[Mapping[str, Any]], originals: Mapping[OriginalId, SchemaPath], defined: set[str]
) -> dict[OriginalId, str]:
    """Original's id -> the class it became, from datamodel-code-generator's model metadata (`models`).

    An original that datamodel-code-generator merged into an earlier model alike is not in the metadata under its
    path: its class is then read from the type of the field that holds it, in its parent's metadata. An original
    whose class cannot be told is left out (`codegen.models` then gives its copies whole).
    """
    by_path = {tuple(model["source_path"]): model["class_name"] for model in models if model.get("source_path")}
    by_class = {model["class_name"]: model for model in models}

    def class_at(path: SchemaPath) -> str | None:
        found = by_path.get(("components", "schemas", *path))
        if found is not None or len(path) == 1:
            return found
        field_path = path[:-1] if _is_items(path) else path
        parent = by_class.get(class_at(field_path[:-2]) or "")
        for field in parent.get("fields", ()) if parent else ():
            if field.get("original_name") == field_path[-1]:
                names = {name for name in _CLASS_NAME.findall(str(field.get("type"))) if name in defined}
                return names.pop() if len(names) == 1 else None
        return None

    found = {}
    for original, path in originals.items():
        name = class_at(path)
        if name is not None and name in defined:
            found[original] = name
    return found


def _is_items(path: SchemaPath) -> bool:
    """Whether `path` (`find_copies`' steps: `properties, <name>` or `items`) ends in an `items` step."""
    position = 1
    last = ""
    while position < len(path):
        last = path[position]
        position += 2 if last == "properties" else 1
    return last == "items"


def job_json(spec_json: str, originals: Mapping[OriginalId, SchemaPath]) -> str:
    """A part's job for a worker: its spec and the originals whose classes it reports."""
    return f'{{"spec":{spec_json},"originals":{json.dumps(sorted(originals.items()))}}}'

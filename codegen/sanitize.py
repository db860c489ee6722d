"""What datamodel-code-generator is given: the spec, with what it or pydantic cannot take rewritten.

Each rewrite keeps the meaning where it can and says so where it cannot (a warning with the JSON pointer):

- a component schema whose name has a dot (`foo.Bar`) would make datamodel-code-generator write one module per
  dotted prefix; it is given the name of the class the IR expects (`FooBar`, made unique), its `$ref`s follow;
- a `pattern` that pydantic cannot compile would make the package fail at import; it is left out;
- a `default` that its own schema rejects (`type: boolean, default: "false"`) would make the model mistyped; it is
  left out;
- a `type` that names no type (an object: a schema written under the keyword by mistake) would stop
  datamodel-code-generator; it is left out, so the schema takes any value;
- `anyOf: [{type: X, ...}, {type: "null"}]` becomes `type: [X, "null"]`: the same in JSON Schema, but
  datamodel-code-generator turns constraints inside an `anyOf` branch into a one-field root model where the
  type-list form gives `X | None` with the constraint on the field.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pydantic_core
from pydantic_core import core_schema

from codegen.errors import Diagnostic, warning
from codegen.load import DATA_KEYS, NAME_MAPS
from codegen.naming import pascal
from codegen.openapi import NAMED_MAPS, SCHEMA_REF
from codegen.pointer import escape

_NAME_MAPS = NAME_MAPS | NAMED_MAPS | {"$defs", "definitions"}
"""Keys whose value maps names of the author's choosing to objects (`load`'s, the maps of whole schemas and OpenAPI's
own): a property, parameter or header may be called `pattern`, `default` or `type`."""
_JSON_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}
_LOOKAROUND = "look-around"


@dataclass(frozen=True, slots=True)
class Sanitized:
    """The spec as datamodel-code-generator gets it.

    Attributes:
        data: a rewritten copy (the spec itself is left alone: the IR reads the original).
        schema_names: each component schema's name -> the name datamodel-code-generator was given.
        notes: a warning per constraint left out.
    """

    data: dict[str, Any]
    schema_names: dict[str, str]
    notes: list[Diagnostic]


def sanitize(data: Mapping[str, Any]) -> Sanitized:
    schemas = data.get("components", {}).get("schemas", {})
    names = _flat_names(schemas if isinstance(schemas, dict) else {})
    renamed = {SCHEMA_REF + escape(old): SCHEMA_REF + escape(new) for old, new in names.items() if old != new}
    notes: list[Diagnostic] = []
    walked = _Walker(renamed, notes).node(data, "#", "")
    return Sanitized(rename_schemas(walked, names) if renamed else walked, names, notes)


def _flat_names(schemas: Mapping[str, Any]) -> dict[str, str]:
    """Every schema's name, with a dotted one replaced by its class name (`a.b.C` -> `ABC`), unique among the class
    names the others get."""
    taken = {pascal(name) for name in schemas if "." not in name}
    names = {}
    for name in schemas:
        if "." not in name:
            names[name] = name
            continue
        flat = pascal(name) or "Schema"
        candidate, counter = flat, 1
        while candidate in taken:
            counter += 1
            candidate = f"{flat}{counter}"
        taken.add(candidate)
        names[name] = candidate
    return names


@functools.cache
def pattern_problem(pattern: str) -> str | None:
    """Why pydantic cannot compile `pattern`, or None when it can.

    datamodel-code-generator gives a model with a look-around pattern Python's `re` engine (`regex_engine =
    "python-re"`) and the others pydantic's default Rust engine; a model may hold both kinds. So a pattern is kept
    only when Python's engine compiles it, and the Rust engine too unless it needs look-around.
    """
    for engine in ("rust-regex", "python-re"):
        try:
            pydantic_core.SchemaValidator(core_schema.str_schema(pattern=pattern, regex_engine=engine))
        except pydantic_core.SchemaError as exc:
            reason = str(exc).strip().splitlines()[-1].strip().removeprefix("error: ")
            if engine == "rust-regex" and _LOOKAROUND in reason:
                continue
            return f"{'Python re' if engine == 'python-re' else 'Rust regex'}: {reason}"
    return None


def _names_types(kinds: Any) -> bool:
    """Whether a `type` keyword's value is what JSON Schema allows there: a type name or a list of them."""
    return isinstance(kinds, str) or (isinstance(kinds, list) and all(isinstance(kind, str) for kind in kinds))


def _fits(value: Any, schema: Mapping[str, Any]) -> bool:
    kinds = schema.get("type")
    names = kinds if isinstance(kinds, list) else [kinds] if isinstance(kinds, str) else []
    if schema.get("nullable") is True:
        names = [*names, "null"]
    types = [_JSON_TYPES[name] for name in names if name in _JSON_TYPES]
    if types and not any(isinstance(value, kind) and not (isinstance(value, bool) and bool not in kind) for kind in types):  # fmt: skip
        return False
    enum = schema.get("enum")
    return not isinstance(enum, list) or value in enum or (value is None and "null" in names)


class _Walker:
    def __init__(self, renamed: Mapping[str, str], notes: list[Diagnostic]) -> None:
        self.renamed = renamed
        self.notes = notes

    def node(self, node: Any, where: str, key_of_node: str) -> Any:
        """A rewritten copy of the container `node` at `where` (scalars are never visited: nothing in them is
        rewritten, and their pointers are not worth building)."""
        if isinstance(node, list):
            return [
                self.node(item, f"{where}/{index}", "") if isinstance(item, dict | list) else item
                for index, item in enumerate(node)
            ]
        if key_of_node in _NAME_MAPS:
            return {
                key: self.node(value, f"{where}/{escape(key)}", "") if isinstance(value, dict | list) else value
                for key, value in node.items()
            }
        result = {
            key: value
            if key in DATA_KEYS or key.startswith("x-") or not isinstance(value, dict | list)
            else self.node(value, f"{where}/{escape(key)}", key)
            for key, value in node.items()
        }
        ref = result.get("$ref")
        if self.renamed:
            if isinstance(ref, str):
                result["$ref"] = self._ref(ref)
            mapping = result["discriminator"].get("mapping") if isinstance(result.get("discriminator"), dict) else None
            if isinstance(mapping, dict):
                targets = {name: self._ref(target) if isinstance(target, str) else target for name, target in mapping.items()}  # fmt: skip
                result["discriminator"] = {**result["discriminator"], "mapping": targets}
        if "type" in result and not _names_types(result["type"]):
            self.notes.append(warning(f"{where}/type", "`type` is neither a type name nor a list of them: it is left out, so any value is accepted"))  # fmt: skip
            del result["type"]
        if isinstance(result.get("pattern"), str):
            problem = pattern_problem(result["pattern"])
            if problem:
                self.notes.append(warning(f"{where}/pattern", f"pattern cannot be compiled ({problem}): the constraint is left out"))  # fmt: skip
                del result["pattern"]
        if isinstance(result.get("patternProperties"), dict):
            self._pattern_properties(result, where)
        if "default" in result and ("type" in result or "enum" in result) and not _fits(result["default"], result):
            self.notes.append(warning(f"{where}/default", f"default {result['default']!r} does not fit its own schema: it is left out"))  # fmt: skip
            del result["default"]
        return _null_branch_as_type(result)

    def _ref(self, ref: str) -> str:
        if not ref.startswith(SCHEMA_REF):
            return ref
        head, slash, rest = ref[len(SCHEMA_REF) :].partition("/")
        new = self.renamed.get(SCHEMA_REF + head)
        return new + slash + rest if new else ref

    def _pattern_properties(self, result: dict[str, Any], where: str) -> None:
        kept = {}
        for pattern, schema in result["patternProperties"].items():
            problem = pattern_problem(pattern)
            if problem:
                at = f"{where}/patternProperties/{escape(pattern)}"
                self.notes.append(warning(at, f"property-name pattern cannot be compiled ({problem}): left out"))
            else:
                kept[pattern] = schema
        result["patternProperties"] = kept


def rename_schemas(data: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """`data` with `components.schemas` keyed by the given names (a shallow copy down to that map)."""
    components = data.get("components")
    if not isinstance(components, dict) or not isinstance(components.get("schemas"), dict):
        return data
    schemas = {names.get(name, name): schema for name, schema in components["schemas"].items()}
    return {**data, "components": {**components, "schemas": schemas}}


def _null_branch_as_type(result: dict[str, Any]) -> dict[str, Any]:
    options = result.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        other = options[0] if options[1] == {"type": "null"} else options[1]
        plain = isinstance(other, dict) and isinstance(other.get("type"), str) and other["type"] != "null"
        if plain and not ({"$ref", "anyOf", "oneOf", "allOf", "enum", "const"} & other.keys()):
            merged = {key: value for key, value in result.items() if key != "anyOf"}
            if not (merged.keys() & other.keys() - {"description", "title"}):
                merged.update({key: value for key, value in other.items() if key not in merged})
                merged["type"] = [other["type"], "null"]
                return merged
    return result

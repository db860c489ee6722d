"""What the suite knows about the API, read from `spec/openapi.yaml` and nowhere else.

Field lists, enums, defaults, nullability and the URL-typed fields all come from here, so a field added to the spec is
fuzzed, echoed and null-checked without touching the suite.

Example:
    >>> spec = Spec.load()
    >>> "RESIDENTIAL" in spec.enum("ProxyLocation")
    True
    >>> "title" in spec.nullable_fields("WorkflowRunRequest")
    True
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "DEFAULT_SPEC",
    "Field",
    "Spec",
    "admitted_types",
    "declared_properties",
    "escape_pointer",
    "is_nullable",
    "json_type",
    "non_null_branches",
    "path_pattern",
    "schema_types",
    "unescape_pointer",
]

DEFAULT_SPEC = (Path(__file__).parent / "openapi.yaml").resolve()
"""`spec/openapi.yaml`: this package's `openapi.yaml` is a symlink to it in a checkout and a copy of it in the wheel."""
_URL_SUFFIXES = ("_url", "_address")
_JSON_TYPES = ("string", "integer", "number", "boolean", "array", "object", "null")

JsonSchema = dict[str, Any]


def is_nullable(schema: Mapping[str, Any]) -> bool:
    """Whether a (resolved) schema admits `null`, in any of the 3.1 spellings."""
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(is_nullable(branch) for branch in schema.get("anyOf", []) + schema.get("oneOf", []))


def non_null_branches(schema: Mapping[str, Any]) -> list[JsonSchema]:
    """The alternatives of a schema other than `null` (the schema itself when it has no `anyOf`/`oneOf`)."""
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not branches:
        return [dict(schema)]
    return [dict(branch) for branch in branches if branch.get("type") != "null"]


def declared_properties(schema: Mapping[str, Any]) -> list[str]:
    """The properties the object branches of a (resolved) schema declare, in spec order (none for a map)."""
    names: list[str] = []
    for branch in non_null_branches(schema):
        names += [name for name in branch.get("properties", {}) if name not in names]
    return names


def escape_pointer(part: str) -> str:
    """One JSON pointer segment for a name (`/` as `~1`, `~` as `~0`).

    Example:
        >>> escape_pointer("/v1/runs/{run_id}")
        '~1v1~1runs~1{run_id}'
    """
    return part.replace("~", "~0").replace("/", "~1")


def unescape_pointer(part: str) -> str:
    """The name one JSON pointer segment stands for (the inverse of `escape_pointer`)."""
    return part.replace("~1", "/").replace("~0", "~")


def schema_types(schema: Mapping[str, Any]) -> list[str]:
    """The types a schema's `type` keyword names (none when it has none)."""
    kind = schema.get("type")
    if kind is None:
        return []
    return [kind] if isinstance(kind, str) else list(kind)


def json_type(value: Any) -> str:
    """The JSON Schema type of a parsed JSON value (an integral number is an `integer`, as JSON Schema says)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def admitted_types(schema: Mapping[str, Any]) -> frozenset[str]:
    """The JSON types a schema admits at all, from `type`, `anyOf` / `oneOf` branches, `enum` and `const`
    (`number` admits `integer`).

    Example:
        >>> sorted(admitted_types(Spec.load().schema("WorkflowRunRequest")["properties"]["proxy_location"]))
        ['null', 'object', 'string']
    """
    found = set(_JSON_TYPES)
    if "const" in schema:
        found &= {json_type(schema["const"])}
    if "enum" in schema:
        found &= {json_type(value) for value in schema["enum"]}
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            found &= set().union(*(admitted_types(branch) for branch in schema[keyword]))
    kinds = set(schema_types(schema))
    if kinds:
        found &= kinds | ({"integer"} if "number" in kinds else set())
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Field:
    """One property of an object schema.

    Attributes:
        path: property names from the body's root, e.g. `("proxy_location", "country")`.
        schema: its resolved schema.
    """

    path: tuple[str, ...]
    schema: JsonSchema

    @property
    def name(self) -> str:
        """The last path element."""
        return self.path[-1]

    @property
    def nullable(self) -> bool:
        """Whether null is allowed."""
        return is_nullable(self.schema)

    @property
    def has_default(self) -> bool:
        """Whether the spec gives a default."""
        return "default" in self.schema

    @property
    def default(self) -> Any:
        """The spec's default (None when there is none)."""
        return self.schema.get("default")


class Spec:
    """The loaded OpenAPI document with local `$ref`s resolved on demand."""

    def __init__(self, document: JsonSchema, path: Path) -> None:
        self.document = document
        self.path = path

    @classmethod
    @functools.cache
    def load(cls, path: Path = DEFAULT_SPEC) -> Spec:
        """Read the spec (cached per path)."""
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")), path)

    def resolve(self, node: Any) -> Any:
        """A deep copy of `node` with every local `$ref` replaced by its target."""
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = self._pointer(node["$ref"])
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return self.resolve(merged)
        return {key: self.resolve(value) for key, value in node.items()}

    def _pointer(self, ref: str) -> JsonSchema:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, got {ref!r}")
        node: Any = self.document
        for part in ref[2:].split("/"):
            node = node[unescape_pointer(part)]
        return copy.deepcopy(node)

    def schema(self, name: str) -> JsonSchema:
        """A component schema, resolved."""
        resolved: JsonSchema = self.resolve(self.document["components"]["schemas"][name])
        return resolved

    def enum(self, name: str) -> list[str]:
        """The values of an enum component schema, in spec order."""
        return list(self.schema(name)["enum"])

    def fields(self, name: str) -> list[Field]:
        """The top-level properties of an object component schema."""
        return [Field((prop,), sub) for prop, sub in self.schema(name).get("properties", {}).items()]

    def required(self, name: str) -> list[str]:
        """The required properties of an object component schema."""
        return list(self.schema(name).get("required", []))

    def nested_fields(self, name: str) -> Iterator[Field]:
        """Every property, top level and one object level down (inside `anyOf` branches), e.g. GeoTarget's."""
        for top in self.fields(name):
            yield top
            for branch in non_null_branches(top.schema):
                for prop, sub in branch.get("properties", {}).items():
                    yield Field((*top.path, prop), sub)

    def nullable_fields(self, name: str) -> list[str]:
        """Names of the top-level properties that admit null."""
        return [f.name for f in self.fields(name) if f.nullable]

    def url_fields(self, name: str) -> list[str]:
        """Properties that carry an address the target may call or connect to.

        A string property is URL-typed when it has `format: uri`, or its name ends in `_url` / `_address`, or its
        example is an http(s) URL. The suite only ever sends loopback addresses of its own sink in these.
        """
        found = []
        for f in self.fields(name):
            strings = [b for b in non_null_branches(f.schema) if b.get("type") == "string"]
            if not strings:
                continue
            example = str(f.schema.get("example", ""))
            if (
                any(b.get("format") in ("uri", "url") for b in strings)
                or f.name.endswith(_URL_SUFFIXES)
                or example.startswith(("http://", "https://"))
            ):
                found.append(f.name)
        return found

    def reference_fields(self, name: str) -> list[str]:
        """Optional string properties that name a server-side resource by its id (`browser_session_id`, ...): a
        name ending in `_id`, or a description that starts with "ID of". A made-up value names nothing on a real
        target, so a documented 4xx to it is not a violation (see `flows.send_run`)."""
        required = set(self.required(name))
        found = []
        for f in self.fields(name):
            strings = [b for b in non_null_branches(f.schema) if b.get("type") == "string" and "enum" not in b]
            described = str(f.schema.get("description", "")).lower().startswith(("id of", "the id of"))
            if strings and f.name not in required and (f.name.endswith("_id") or described):
                found.append(f.name)
        return found

    def operation(self, operation_id: str) -> tuple[str, str, JsonSchema]:
        """The path, method and (resolved) operation object of an operationId."""
        for path, item in self.document["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                    return path, method.upper(), self.resolve(operation)
        raise KeyError(operation_id)

    def operation_ids(self) -> list[str]:
        """Every operationId, in document order."""
        return [
            operation["operationId"]
            for item in self.document["paths"].values()
            for operation in item.values()
            if isinstance(operation, dict) and "operationId" in operation
        ]

    def header_parameters(self, operation_id: str) -> list[JsonSchema]:
        """The header parameters of an operation."""
        return [p for p in self.operation(operation_id)[2].get("parameters", []) if p.get("in") == "header"]

    def api_key_header(self) -> str:
        """The header name of the first `apiKey` security scheme."""
        for scheme in self.document["components"]["securitySchemes"].values():
            if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                return str(scheme["name"])
        raise KeyError("no apiKey header security scheme")

    def response_schema(self, operation_id: str, status: str) -> JsonSchema | None:
        """The JSON schema of one response of an operation, if it has one."""
        response = self.operation(operation_id)[2]["responses"].get(status)
        if response is None:
            return None
        content = response.get("content", {}).get("application/json")
        return None if content is None else dict(content["schema"])

    def documented_statuses(self, operation_id: str) -> list[int]:
        """The status codes an operation documents."""
        return [int(code) for code in self.operation(operation_id)[2]["responses"] if code.isdigit()]


@functools.cache
def path_pattern(template: str) -> re.Pattern[str]:
    """A path template (`/v1/runs/{run_id}`) as a pattern with one group per path parameter (one segment each)."""
    return re.compile(re.sub(r"\\\{[^}]*\\\}", "([^/]+)", re.escape(template)))

"""Step 2: check the spec's structure before anything is built from it.

Not a full OpenAPI validator: it checks what generation relies on, names the problem and its JSON pointer, and
returns every problem it finds rather than stopping at the first. The checks of one operation and one schema are in
`checks`, those of the `x-wait` extension in `wait`, those of the 3.1 `webhooks` in `webhooks`.
"""

from __future__ import annotations

import re
from typing import Any

from codegen.checks import check_operation, check_schema
from codegen.errors import Diagnostic, error
from codegen.openapi import METHODS, SCHEMA_REF
from codegen.pointer import deref, pointer, unescape
from codegen.wait import check_waits
from codegen.webhooks import validate_webhooks


def validate(spec: dict[str, Any]) -> list[Diagnostic]:
    """Every structural problem of `spec`, errors and warnings, in document order."""
    found: list[Diagnostic] = []
    version = spec.get("openapi")
    if not isinstance(version, str) or not re.match(r"^3\.[01]\.\d+", version):
        hint = " (Swagger 2.0 is not supported: convert it to OpenAPI 3)" if "swagger" in spec else ""
        found.append(error(pointer("openapi"), f"expected an OpenAPI version 3.0.x or 3.1.x, got {version!r}{hint}"))
    info = spec.get("info")
    if not isinstance(info, dict) or not isinstance(info.get("title"), str):
        found.append(error(pointer("info", "title"), "the spec needs info.title (a string)"))
    servers = spec.get("servers", [])
    if not isinstance(servers, list) or not all(isinstance(s, dict) and isinstance(s.get("url"), str) for s in servers):
        found.append(error(pointer("servers"), "servers must be a list of objects with a string url"))
    schemas = spec.get("components", {}).get("schemas", {}) if isinstance(spec.get("components"), dict) else {}
    if not isinstance(schemas, dict):
        found.append(error(pointer("components", "schemas"), f"expected a mapping, got {type(schemas).__name__}"))
    else:
        for name, schema in schemas.items():
            found.extend(check_schema(schema, pointer("components", "schemas", name)))
        found.extend(_ref_cycles(schemas))
    paths = spec.get("paths")
    if not isinstance(paths, dict):
        found.append(error(pointer("paths"), f"expected a mapping of paths, got {type(paths).__name__}"))
        return found
    items = [deref(spec, item) for item in paths.values()]
    if not any(isinstance(item, dict) and any(m in item for m in METHODS) for item in items):
        found.append(error(pointer("paths"), "the spec has no operations: nothing to generate"))
    operation_ids: dict[str, str] = {}
    for path, item in paths.items():
        item = deref(spec, item)  # a path item may itself be a $ref (3.1)
        where = pointer("paths", path)
        if not str(path).startswith("/"):
            found.append(error(where, f"path {path!r} must start with '/'"))
        if not isinstance(item, dict):
            found.append(error(where, f"expected a path item mapping, got {type(item).__name__}"))
            continue
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                found.extend(check_operation(spec, "paths", str(path), method, item[method], shared, operation_ids))
    found.extend(validate_webhooks(spec))
    found.extend(check_waits(spec))
    return found


_ANNOTATIONS = frozenset({"description", "title", "nullable", "deprecated", "$comment", "example", "examples"})


def _alias_of(schema: Any) -> str | None:
    """The component a schema only stands for (`$ref: X`, or `allOf`/`anyOf`/`oneOf` of that one `$ref`), if any."""
    if not isinstance(schema, dict):
        return None
    for key in ("allOf", "anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and len(options) == 1 and not (schema.keys() - _ANNOTATIONS - {key}):
            return _alias_of(options[0])
    ref = schema.get("$ref")
    if not isinstance(ref, str) or schema.keys() - _ANNOTATIONS - {"$ref"} or not ref.startswith(SCHEMA_REF):
        return None
    name = ref[len(SCHEMA_REF) :]
    return None if "/" in name else unescape(name)


def _ref_cycles(schemas: dict[str, Any]) -> list[Diagnostic]:
    """A component that only stands for another, around a loop back to itself, describes no value at all."""
    found = []
    for name in schemas:
        chain = [name]
        while (target := _alias_of(schemas.get(chain[-1]))) is not None and target not in chain:
            chain.append(target)
        if target == name:
            loop = " -> ".join([*chain, name])
            found.append(error(pointer("components", "schemas", name), f"$ref cycle {loop}: the schema never reaches a type"))  # fmt: skip
    return found

"""Step 2: check the spec's structure before anything is built from it.

Not a full OpenAPI validator: it checks what generation relies on, names the problem and its JSON pointer, and
returns every problem it finds rather than stopping at the first.
"""

from __future__ import annotations

import re
from typing import Any

from codegen.errors import Diagnostic, error, warning
from codegen.pointer import deref, escape, pointer, unescape
from codegen.wait import check_waits

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PARAMETER_LOCATIONS = frozenset({"query", "header", "path", "cookie"})
JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
_STATUS = re.compile(r"^([1-5][0-9][0-9]|[1-5]XX|default)$")
_TEMPLATE_PARAM = re.compile(r"{([^{}]+)}")


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
            found.extend(_check_schema(schema, pointer("components", "schemas", name)))
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
    from codegen import webhooks  # webhooks reuses check_operation: imported here, not at the top, to avoid a cycle

    found.extend(webhooks.validate_webhooks(spec))
    found.extend(check_waits(spec))
    return found


def check_operation(
    spec: dict[str, Any],
    section: str,
    path: str,
    method: str,
    operation: Any,
    shared: Any,
    operation_ids: dict[str, str],
) -> list[Diagnostic]:
    """The problems of one operation of `paths` (or, with `section="webhooks"`, of a webhook: the key in place of
    the path; its name needs no operationId and, as OpenAPI 3.1 allows, it may leave out `responses`)."""
    where = pointer(section, path, method)
    if not isinstance(operation, dict):
        return [error(where, f"expected an operation mapping, got {type(operation).__name__}")]
    found: list[Diagnostic] = []
    operation_id = operation.get("operationId")
    if operation_id is not None and not isinstance(operation_id, str):
        found.append(error(f"{where}/operationId", f"operationId must be a string, got {operation_id!r}"))
    elif isinstance(operation_id, str):
        if operation_id in operation_ids:
            found.append(
                error(f"{where}/operationId", f"duplicate operationId {operation_id!r} (also at {operation_ids[operation_id]})")
            )  # fmt: skip
        operation_ids.setdefault(operation_id, where)
    elif section == "paths":
        found.append(warning(where, "no operationId: the method name is derived from the method and path"))
    declared_path_params: set[str] = set()
    found.extend(_check_parameters(spec, shared, pointer(section, path, "parameters"), declared_path_params))
    found.extend(_check_parameters(spec, operation.get("parameters", []), f"{where}/parameters", declared_path_params))
    for name in _TEMPLATE_PARAM.findall(path):
        if name not in declared_path_params:
            found.append(error(where, f"path parameter {{{name}}} of {path!r} is not declared in parameters"))
    body = deref(spec, operation.get("requestBody"))
    if body is not None and (not isinstance(body, dict) or not isinstance(body.get("content"), dict)):
        found.append(error(f"{where}/requestBody", "requestBody needs a content mapping"))
    responses = operation.get("responses")
    if section == "webhooks" and responses is None:
        return found
    if not isinstance(responses, dict) or not responses:
        found.append(error(f"{where}/responses", "an operation needs a non-empty responses mapping"))
        return found
    for status in responses:
        if not _STATUS.match(str(status)):
            found.append(
                error(f"{where}/responses/{escape(status)}", f"{status!r} is not a status code, NXX or default")
            )
    return found


def _check_parameters(
    spec: dict[str, Any], params: Any, where: str, declared_path_params: set[str]
) -> list[Diagnostic]:
    """The problems of one `parameters` list at `where`; adds the names of path parameters to `declared_path_params`."""
    if not isinstance(params, list):
        return [error(where, f"parameters must be a list, got {type(params).__name__}")]
    found: list[Diagnostic] = []
    for index, param in enumerate(params):
        param_where = f"{where}/{index}"
        param = deref(spec, param)
        if not isinstance(param, dict):
            found.append(error(param_where, f"expected a parameter mapping, got {type(param).__name__}"))
            continue
        name, location = param.get("name"), param.get("in")
        if not isinstance(name, str) or not name:
            found.append(error(param_where, "a parameter needs a name (a non-empty string)"))
        if location not in PARAMETER_LOCATIONS:
            found.append(error(f"{param_where}/in", f"'in' must be one of query, header, path, cookie; got {location!r}"))  # fmt: skip
        if location == "path":
            declared_path_params.add(str(name))
            if param.get("required") is not True:
                found.append(error(f"{param_where}/required", f"path parameter {name!r} must be required: true"))
        if "schema" in param:
            found.extend(_check_schema(param["schema"], f"{param_where}/schema"))
    return found


_SCHEMA_REF = "#/components/schemas/"
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
    if not isinstance(ref, str) or schema.keys() - _ANNOTATIONS - {"$ref"} or not ref.startswith(_SCHEMA_REF):
        return None
    name = ref[len(_SCHEMA_REF) :]
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


def _check_schema(schema: Any, where: str) -> list[Diagnostic]:
    if isinstance(schema, bool):
        return []
    if not isinstance(schema, dict):
        return [error(where, f"a schema must be a mapping, got {type(schema).__name__}")]
    found: list[Diagnostic] = []
    types = schema.get("type")
    for kind in types if isinstance(types, list) else [types] if types is not None else []:
        if kind not in JSON_TYPES:
            found.append(error(f"{where}/type", f"unknown type {kind!r}"))
    for key in ("properties",):
        if key in schema and not isinstance(schema[key], dict):
            found.append(error(f"{where}/{key}", f"{key} must be a mapping, got {type(schema[key]).__name__}"))
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema and not isinstance(schema[key], list):
            found.append(error(f"{where}/{key}", f"{key} must be a list, got {type(schema[key]).__name__}"))
    if "required" in schema and not isinstance(schema["required"], list):
        found.append(error(f"{where}/required", "required must be a list of property names"))
    if "enum" in schema and not isinstance(schema["enum"], list):
        found.append(error(f"{where}/enum", "enum must be a list"))
    if isinstance(schema.get("properties"), dict):
        for name, child in schema["properties"].items():
            found.extend(_check_schema(child, f"{where}/properties/{escape(name)}"))
    if "items" in schema:
        found.extend(_check_schema(schema["items"], f"{where}/items"))
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(key), list):
            for index, child in enumerate(schema[key]):
                found.extend(_check_schema(child, f"{where}/{key}/{index}"))
    return found

"""Step 2's structural checks of one operation (its parameters, body and responses) and of one schema.

`validate` runs them over `paths` and `components.schemas`, `webhooks` over the spec's `webhooks`: both import them
from here, so neither imports the other's checks back.
"""

from __future__ import annotations

import re
from typing import Any

from codegen.errors import Diagnostic, error, warning
from codegen.openapi import JSON_TYPES, PARAMETER_LOCATIONS
from codegen.pointer import deref, escape, pointer

_STATUS = re.compile(r"^([1-5][0-9][0-9]|[1-5]XX|default)$")
_TEMPLATE_PARAM = re.compile(r"{([^{}]+)}")


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
            found.extend(check_schema(param["schema"], f"{param_where}/schema"))
    return found


def check_schema(schema: Any, where: str) -> list[Diagnostic]:
    """The problems of one schema at `where` (a boolean schema has none), its subschemas' included."""
    if isinstance(schema, bool):
        return []
    if not isinstance(schema, dict):
        return [error(where, f"a schema must be a mapping, got {type(schema).__name__}")]
    found: list[Diagnostic] = []
    types = schema.get("type")
    for kind in types if isinstance(types, list) else [types] if types is not None else []:
        if not isinstance(kind, str):
            found.append(error(f"{where}/type", f"type must be a type name or a list of them, got {type(kind).__name__}"))  # fmt: skip
        elif kind not in JSON_TYPES:
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
            found.extend(check_schema(child, f"{where}/properties/{escape(name)}"))
    if "items" in schema:
        found.extend(check_schema(schema["items"], f"{where}/items"))
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(key), list):
            for index, child in enumerate(schema[key]):
                found.extend(check_schema(child, f"{where}/{key}/{index}"))
    return found

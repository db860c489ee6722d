"""A deterministic synthetic OpenAPI 3.1 spec of about N operations, for the generation scale series.

The spec is a set of CRUD resources (`/things`, `/things/{id}`: list, create, get, update, delete), each with four
schemas: the resource, its create and update bodies, and a status enum; a shared `Error` schema. Fields mix the
shapes real specs use (nullable `anyOf`, constraints, enums, arrays, nested `$ref`s, free-form objects), chosen by a
seeded `random.Random`, so the same size always gives the same bytes.

Example:
    >>> spec = make_spec(10)
    >>> operation_count(spec)
    10
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from codegen.openapi import METHODS

__all__ = ["OPERATIONS_PER_RESOURCE", "make_spec", "operation_count", "write_spec"]

OPERATIONS_PER_RESOURCE = 5
_WORDS = (
    "account", "agent", "alert", "artifact", "asset", "batch", "browser", "budget", "cache", "campaign", "channel",
    "check", "cluster", "comment", "contact", "credential", "dataset", "deployment", "device", "document", "domain",
    "event", "export", "feature", "file", "folder", "gateway", "group", "incident", "invoice", "job", "key", "label",
    "ledger", "link", "metric", "monitor", "note", "order", "page", "payment", "pipeline", "plan", "policy", "project",
    "queue", "release", "report", "review", "role", "rule", "schedule", "script", "secret", "session", "snapshot",
    "subscription", "tag", "task", "team", "template", "ticket", "token", "trigger", "upload", "user", "vault",
    "volume", "webhook", "workflow", "workspace", "zone",
)  # fmt: skip
_STATUSES = ("created", "queued", "running", "completed", "failed", "canceled", "paused", "archived")


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _field(rng: random.Random, index: int, others: list[str], status: str) -> tuple[str, dict[str, Any]]:
    """One property: a name and a schema of a randomly chosen kind."""
    kind = rng.randrange(10)
    name = f"{rng.choice(_WORDS)}_{('name', 'count', 'state', 'items', 'ref', 'meta', 'url', 'flag', 'at', 'size')[kind]}_{index}"
    schema: dict[str, Any]
    if kind == 0:
        schema = {"type": "string", "minLength": 1, "maxLength": rng.choice((64, 128, 255))}
    elif kind == 1:
        schema = {"type": "integer", "minimum": 0, "maximum": rng.choice((100, 1000, 1_000_000))}
    elif kind == 2:
        schema = {"$ref": f"#/components/schemas/{status}"}
    elif kind == 3:
        schema = {"type": "array", "items": {"type": "string"}, "maxItems": 50}
    elif kind == 4 and others:
        schema = _nullable({"$ref": f"#/components/schemas/{rng.choice(others)}"})
    elif kind == 5:
        schema = {"type": "object", "additionalProperties": {"type": "string"}}
    elif kind == 6:
        schema = _nullable({"type": "string", "format": "uri"})
    elif kind == 7:
        schema = {"type": "boolean", "default": False}
    elif kind == 8:
        schema = _nullable({"type": "string", "format": "date-time"})
    else:
        schema = _nullable({"type": "number", "minimum": 0})
    schema["description"] = f"The {name.replace('_', ' ')}."
    return name, schema


def _resource_schemas(rng: random.Random, name: str, earlier: list[str]) -> dict[str, dict[str, Any]]:
    title = _pascal(name)
    status = f"{title}Status"
    fields = dict(_field(rng, i, earlier[-8:], status) for i in range(rng.randint(4, 10)))
    required = sorted(rng.sample(sorted(fields), k=min(2, len(fields))))
    base = {"id": {"type": "string", "description": f"The {name} id.", "pattern": "^[a-z]+_[0-9]+$"}}
    return {
        status: {"type": "string", "enum": list(_STATUSES[: rng.randint(3, 8)]), "description": f"State of a {name}."},
        title: {
            "type": "object",
            "description": f"A {name}.",
            "required": ["id", "status", *required],
            "properties": {**base, "status": {"$ref": f"#/components/schemas/{status}"}, **fields},
        },
        f"{title}Create": {
            "type": "object",
            "description": f"The body that creates a {name}.",
            "required": required,
            "properties": dict(fields),
        },
        f"{title}Update": {
            "type": "object",
            "description": f"The body that changes a {name}; every field optional.",
            "properties": {key: _nullable(value) if "anyOf" not in value else value for key, value in fields.items()},
        },
    }


def _json(ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


def _operations(name: str) -> dict[str, dict[str, Any]]:
    """The two path items of one resource, with its five operations."""
    title = _pascal(name)
    schema = f"#/components/schemas/{title}"
    errors = {
        "404": _json("#/components/schemas/Error", "Not found"),
        "422": _json("#/components/schemas/Error", "Invalid request"),
    }
    id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    listing = {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": {"$ref": schema}}, "next": _nullable({"type": "string"})},
    }
    return {
        f"/{name}s": {
            "get": {
                "operationId": f"list_{name}s",
                "summary": f"List {name}s",
                "tags": [name],
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {"description": "A page", "content": {"application/json": {"schema": listing}}},
                    "422": errors["422"],
                },
            },
            "post": {
                "operationId": f"create_{name}",
                "summary": f"Create a {name}",
                "tags": [name],
                "requestBody": {"required": True, **_json(f"{schema}Create", "The new one")},
                "responses": {"201": _json(schema, "Created"), "422": errors["422"]},
            },
        },
        f"/{name}s/{{id}}": {
            "parameters": [id_param],
            "get": {
                "operationId": f"get_{name}",
                "summary": f"Get a {name}",
                "tags": [name],
                "responses": {"200": _json(schema, "Found"), **errors},
            },
            "patch": {
                "operationId": f"update_{name}",
                "summary": f"Update a {name}",
                "tags": [name],
                "requestBody": {"required": True, **_json(f"{schema}Update", "The changes")},
                "responses": {"200": _json(schema, "Updated"), **errors},
            },
            "delete": {
                "operationId": f"delete_{name}",
                "summary": f"Delete a {name}",
                "tags": [name],
                "responses": {"204": {"description": "Deleted"}, **errors},
            },
        },
    }


def _names(count: int) -> list[str]:
    names = list(_WORDS[:count])
    round_ = 2
    while len(names) < count:
        names += [f"{word}{round_}" for word in _WORDS[: count - len(names)]]
        round_ += 1
    return names


def make_spec(operations: int, seed: int = 0) -> dict[str, Any]:
    """A valid OpenAPI 3.1 document with `operations` operations (rounded up to a multiple of 5, then trimmed).

    Args:
        operations: how many operations the spec should have (at least 1).
        seed: the seed of the field choices; the same arguments always give the same spec.

    Returns:
        The spec as JSON-ready data.
    """
    if operations < 1:
        raise ValueError("operations must be at least 1")
    rng = random.Random(f"bench.synth:{seed}")
    resources = -(-operations // OPERATIONS_PER_RESOURCE)
    schemas: dict[str, Any] = {
        "Error": {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
    }
    paths: dict[str, Any] = {}
    titles: list[str] = []
    for name in _names(resources):
        schemas.update(_resource_schemas(rng, name, titles))
        titles.append(_pascal(name))
        paths.update(_operations(name))
    _trim(paths, operation_count({"paths": paths}) - operations)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Synthetic", "version": "1.0.0", "description": f"{operations} synthetic operations."},
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "security": [{"ApiKey": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}},
        },
    }


def _trim(paths: dict[str, Any], extra: int) -> None:
    """Drop `extra` operations from the last path items (never a whole resource's schemas: they stay referenced)."""
    for path in reversed(list(paths)):
        for method in reversed(METHODS):
            if extra <= 0:
                return
            if method in paths[path]:
                del paths[path][method]
                extra -= 1
        if not any(method in paths[path] for method in METHODS):
            del paths[path]


def operation_count(spec: dict[str, Any]) -> int:
    """How many operations the spec's paths declare."""
    return sum(1 for item in spec.get("paths", {}).values() for method in METHODS if method in item)


def write_spec(operations: int, folder: Path, seed: int = 0) -> Path:
    """Write `make_spec(operations, seed)` as `synthetic-<operations>.json` under `folder`; returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"synthetic-{operations}.json"
    text = json.dumps(make_spec(operations, seed), indent=2, sort_keys=False) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path

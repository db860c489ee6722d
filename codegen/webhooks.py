"""The spec's `webhooks` (OpenAPI 3.1) and their `x-signature` extension, checked (a part of `validate`).

A webhook is a request the API sends to the user: an operation under `webhooks/<key>/<method>` whose request body
is the payload. This repository's `x-signature` extension on that operation says how a delivery is signed:

    x-signature:
      algorithm: hmac-sha256        # hmac-sha256 | hmac-sha512
      encoding: hex                 # hex | base64: how the digest is written
      header: x-skyvern-signature   # the header that carries it
      prefix: "sha256="             # optional: text before the digest
      signed: body                  # optional, `body` (the only one supported): the exact body bytes
      key: api-key                  # api-key (the API key the client sends) | secret (a secret the user configures)
      timestamp-header: x-skyvern-timestamp   # optional: unix seconds of sending (not signed)
      description: ...              # optional, for readers

Each webhook becomes one function of the package's `webhooks.py`: `verify_<name>` (checks the signature in
constant time, then parses the payload) or, for a webhook without `x-signature`, `parse_<name>` (parses only; a
warning says nothing is verified). Its payload is the JSON body's schema: a `$ref` to a component schema names the
model; an inline schema has no model (datamodel-code-generator reads `components/schemas` only), so it is parsed as
the plain type the IR maps it to, with a warning. A 3.0 spec has no `webhooks`: one there is ignored, with a
warning, and the package is what it would be without it. `ir.webhooks` makes their IR of what this module checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from codegen.checks import check_operation
from codegen.errors import Diagnostic, error, warning
from codegen.openapi import METHODS, is_json
from codegen.pointer import deref, join, pointer

EXTENSION = "x-signature"
ALGORITHMS = {"hmac-sha256": "sha256", "hmac-sha512": "sha512"}
"""`algorithm` -> the hash the runtime's HMAC uses (`runtime/_webhooks.DIGESTS`)."""
ENCODINGS = ("hex", "base64")
KEYS = ("api-key", "secret")
"""The values of `key`, `ir.nodes.KeyKind`'s."""
SIGNED = ("body",)
_FIELDS = frozenset({"algorithm", "encoding", "header", "prefix", "signed", "key", "timestamp-header", "description"})
_REQUIRED = ("algorithm", "encoding", "header")


def validate_webhooks(spec: dict[str, Any]) -> list[Diagnostic]:
    """Every problem of the spec's `webhooks` (each with its JSON pointer); nothing for a spec without them."""
    if "webhooks" not in spec:
        return []
    if not str(spec.get("openapi", "")).startswith("3.1"):
        return [warning(pointer("webhooks"), "webhooks is an OpenAPI 3.1 field: ignored in this spec")]
    webhooks = spec["webhooks"]
    if not isinstance(webhooks, dict):
        return [error(pointer("webhooks"), f"expected a mapping of webhooks, got {type(webhooks).__name__}")]
    found: list[Diagnostic] = []
    operation_ids: dict[str, str] = {}
    for key, raw_item in webhooks.items():
        item, where = deref(spec, raw_item), pointer("webhooks", key)
        if not isinstance(item, dict):
            found.append(error(where, f"expected a path item mapping, got {type(item).__name__}"))
            continue
        methods = [method for method in METHODS if method in item]
        if not methods:
            found.append(error(where, "a webhook needs an operation (post, put, ...)"))
        for method in methods:
            operation = item[method]
            found.extend(check_operation(spec, "webhooks", str(key), method, operation, item.get("parameters", []), operation_ids))  # fmt: skip
            if isinstance(operation, dict):
                found.extend(_check_webhook(spec, operation, join(where, method)))
    return found


def _check_webhook(spec: Mapping[str, Any], operation: dict[str, Any], where: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    body = deref(spec, operation.get("requestBody"))
    content = body.get("content") if isinstance(body, dict) else None
    if body is None:
        found.append(error(join(where, "requestBody"), "a webhook needs a request body: its payload"))
    elif isinstance(content, dict):  # without one, `check_operation` has said so
        json_media = [name for name in content if is_json(str(name))]
        media = content.get(json_media[0]) if json_media else None
        if not json_media:
            kinds = ", ".join(sorted(map(str, content))) or "none"
            found.append(error(join(where, "requestBody", "content"), f"a webhook's payload must be JSON, got {kinds}"))
        elif not isinstance(media, dict) or not isinstance(media.get("schema"), dict | bool):
            found.append(error(join(where, "requestBody", "content", json_media[0]), "the JSON payload needs a schema"))  # fmt: skip
    if EXTENSION not in operation:
        return found
    scheme, scheme_where = operation[EXTENSION], join(where, EXTENSION)
    if not isinstance(scheme, dict):
        return [*found, error(scheme_where, f"{EXTENSION} must be a mapping, got {type(scheme).__name__}")]
    for name in sorted(scheme.keys() - _FIELDS, key=str):
        found.append(error(join(scheme_where, name), f"unknown field {name!r} (known: {', '.join(sorted(_FIELDS))})"))
    for name in _REQUIRED:
        if name not in scheme:
            found.append(error(scheme_where, f"{EXTENSION} needs {name!r}"))
    for name, allowed in (("algorithm", tuple(ALGORITHMS)), ("encoding", ENCODINGS), ("signed", SIGNED), ("key", KEYS)):  # fmt: skip
        if name in scheme and scheme[name] not in allowed:
            found.append(error(join(scheme_where, name), f"{name} {scheme[name]!r} is not supported (supported: {', '.join(allowed)})"))  # fmt: skip
    for name in ("header", "timestamp-header"):
        if name in scheme and (not isinstance(scheme[name], str) or not scheme[name].strip()):
            found.append(error(join(scheme_where, name), f"{name} must be a header name (a non-empty string)"))
        elif name in scheme and not _declares_header(spec, operation, scheme[name]):
            found.append(warning(join(scheme_where, name), f"header {scheme[name]!r} is not among the webhook's header parameters"))  # fmt: skip
    if "prefix" in scheme and not isinstance(scheme["prefix"], str):
        found.append(error(join(scheme_where, "prefix"), "prefix must be a string"))
    if "description" in scheme and not isinstance(scheme["description"], str):
        found.append(error(join(scheme_where, "description"), "description must be a string"))
    return found


def _declares_header(spec: Mapping[str, Any], operation: dict[str, Any], name: str) -> bool:
    params = operation.get("parameters")
    declared = (deref(spec, param) for param in params) if isinstance(params, list) else ()
    return any(isinstance(p, dict) and p.get("in") == "header" and str(p.get("name", "")).lower() == name.lower() for p in declared)  # fmt: skip

"""The spec's `webhooks` (OpenAPI 3.1): their checks (a part of `validate`) and their IR (a part of `ir.build`).

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
warning, and the package is what it would be without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from codegen.errors import Diagnostic, error, warning
from codegen.ir.nodes import Import, KeyKind, SignatureScheme, Webhook
from codegen.ir.typemap import ANY, TypeMapper
from codegen.naming import doc_text, first_line, snake, unique
from codegen.pointer import deref, join, pointer
from codegen.validate import METHODS, check_operation
from codegen.view import OperationView, SpecView

EXTENSION = "x-signature"
ALGORITHMS = {"hmac-sha256": "sha256", "hmac-sha512": "sha512"}
"""`algorithm` -> the hash the runtime's HMAC uses (`runtime/_webhooks.DIGESTS`)."""
ENCODINGS = ("hex", "base64")
KEYS: tuple[KeyKind, ...] = ("api-key", "secret")
SIGNED = ("body",)
_FIELDS = frozenset({"algorithm", "encoding", "header", "prefix", "signed", "key", "timestamp-header", "description"})
_REQUIRED = ("algorithm", "encoding", "header")
WEBHOOK_IMPORTS = (Import("__future__", "annotations"), Import("._webhooks", "parse_payload"))
"""What `webhooks.py.jinja` uses whatever the spec: keep it in step with the template."""
SIGNED_IMPORTS = (
    Import("collections.abc", "Mapping"),
    Import("._webhooks", "SignatureScheme"),
    Import("._webhooks", "verify_signature"),
)
"""What it uses for a webhook with `x-signature`."""


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
        json_media = [name for name in content if name == "application/json" or str(name).endswith("+json")]
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


def build_webhooks(
    view: SpecView, mapper: TypeMapper, notes: list[Diagnostic]
) -> tuple[tuple[Webhook, ...], tuple[Import, ...]]:
    """The `Webhook` of each webhook of `view` (in spec order) and what `webhooks.py` imports; warnings to `notes`."""
    if not view.webhooks:
        return (), ()
    taken: set[str] = set()
    methods_of: dict[str, int] = {}
    for webhook in view.webhooks:
        methods_of[webhook.path] = methods_of.get(webhook.path, 0) + 1
    found = tuple(_webhook(mapper, webhook, methods_of[webhook.path] > 1, notes, taken) for webhook in view.webhooks)
    uses = {imported for webhook in found for imported in webhook.payload.imports}
    if any(webhook.signature is not None for webhook in found):
        uses.update(SIGNED_IMPORTS)
    return found, tuple(sorted({*WEBHOOK_IMPORTS, *uses}))


def _webhook(mapper: TypeMapper, op: OperationView, several: bool, notes: list[Diagnostic], taken: set[str]) -> Webhook:
    operation = op.operation
    base = snake(operation.get("operationId") or (f"{op.path}_{op.method}" if several else op.path))
    if not base.endswith("webhook"):
        base += "_webhook"
    raw_scheme = operation.get(EXTENSION)
    signature = _scheme(cast(dict[str, Any], raw_scheme)) if isinstance(raw_scheme, dict) else None
    if signature is None:
        notes.append(warning(op.where, f"no {EXTENSION}: parse_{base} checks no signature (anyone can send it)"))
    name = unique(("verify_" if signature is not None else "parse_") + base, taken)
    media = op.request_body.json if op.request_body is not None else None
    assert media is not None, "validate_webhooks requires a JSON payload"
    payload = mapper.hint(media.schema, for_input=False)
    inline = not (isinstance(media.schema, dict) and "$ref" in media.schema)
    if inline and ANY.imports <= payload.imports:
        where = join(op.where, "requestBody", "content", media.name, "schema")
        notes.append(warning(where, f"an inline payload schema has no model (models are made of components/schemas): parsed as {payload.hint}, its fields untyped; move it to components/schemas for a model"))  # fmt: skip
    return Webhook(
        name=name,
        key=op.path,
        method=op.method.upper(),
        summary=first_line(operation.get("summary")),
        description=doc_text(str(operation.get("description") or "").split("\n\n", 1)[0]),
        payload=payload,
        signature=signature,
    )


def _scheme(raw: dict[str, Any]) -> SignatureScheme:
    """The scheme of an `x-signature` that `validate_webhooks` found no error in."""
    return SignatureScheme(
        digest=ALGORITHMS[raw["algorithm"]],
        encoding=str(raw["encoding"]),
        header=str(raw["header"]).lower(),
        prefix=str(raw.get("prefix", "")),
        key=cast(KeyKind, raw.get("key", "api-key")),
        timestamp_header=str(raw["timestamp-header"]).lower() if raw.get("timestamp-header") else None,
    )

"""The IR of the spec's `webhooks` (OpenAPI 3.1): one `Webhook` node each, for `ir.build`.

`codegen.webhooks` has checked them and their `x-signature` extension (see it for the extension's fields); this
module reads what it found no error in. Each webhook becomes one function of the package's `webhooks.py`:
`verify_<name>` or, without `x-signature`, `parse_<name>`.
"""

from __future__ import annotations

from typing import Any, cast

from codegen.errors import Diagnostic, warning
from codegen.ir.nodes import Import, KeyKind, SignatureScheme, Webhook
from codegen.ir.typemap import ANY, TypeMapper
from codegen.naming import doc_text, first_line, snake, unique
from codegen.pointer import join
from codegen.view import OperationView, SpecView
from codegen.webhooks import ALGORITHMS, EXTENSION

WEBHOOK_IMPORTS = (Import("__future__", "annotations"), Import("._webhooks", "parse_payload"))
"""What `webhooks.py.jinja` uses whatever the spec: keep it in step with the template."""
SIGNED_IMPORTS = (
    Import("collections.abc", "Mapping"),
    Import("._webhooks", "SignatureScheme"),
    Import("._webhooks", "verify_signature"),
)
"""What it uses for a webhook with `x-signature`."""


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

"""The webhook checks: what the target sends to a run's `webhook_url` when the run ends, judged by the spec's
`webhooks` section (OpenAPI 3.1) and its `x-signature` extension.

Everything is read from the spec (`contract_tests.webhook_spec`, whose names are re-exported here): which webhook a
run's end sends, its method, header parameters and body schema, how a delivery is signed, how long the service keeps
trying. Each check is a small named function raising `ContractViolation`
(area webhooks); its location is the webhook's JSON pointer in the spec, a header name or a JSON pointer into the
body, so the same defect in every delivery is one root cause.

Example:
    >>> hook = run_webhooks(Spec.load())[0]
    >>> hook.pointer, hook.scheme.digest, hook.scheme.header, documented_wait(hook)
    ('/webhooks/workflow_run/post', 'sha256', 'x-skyvern-signature', 90.0)
    >>> headers = {"X-Skyvern-Signature": sign(hook.scheme, "key", b"{}")}
    >>> signed(hook, headers, b"{}", "key")
    >>> signed(hook, headers, b"{ }", "key")
    Traceback (most recent call last):
    ...
    contract_tests.model.areas.ContractViolation: [webhooks] signed: the x-skyvern-signature header is not the hmac-sha256 \
of the body under the api-key (a delivery of 3 bytes)
"""

from __future__ import annotations

import functools
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import jsonschema_rs

from contract_tests.checks import reply as checks
from contract_tests.checks.lifecycle import LIFECYCLE_ORDER
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record.observations import Observations, report
from contract_tests.spec import Spec, escape_pointer, non_null_branches
from contract_tests.webhook_spec import (
    DEFAULT_WAIT,
    EXTENSION,
    FINAL_FIELDS,
    TIMESTAMP_TOLERANCE,
    SignatureScheme,
    Webhook,
    claimed_digest,
    delivery_wait,
    documented_wait,
    header_value,
    hmac_digest,
    run_webhooks,
    sign,
    signature_scheme,
    signing_key,
    webhooks,
)

__all__ = [
    "DEFAULT_WAIT",
    "EXTENSION",
    "FINAL_FIELDS",
    "TIMESTAMP_TOLERANCE",
    "SignatureScheme",
    "Webhook",
    "agrees_with_run",
    "body_conforms",
    "delivered",
    "delivery_method",
    "delivery_wait",
    "documented_wait",
    "header_value",
    "headers_conform",
    "nothing_unrequested",
    "reports_terminal",
    "run_webhooks",
    "sign",
    "signature_scheme",
    "signed",
    "signing_key",
    "timestamp_present",
    "webhooks",
]


def _violation(check: str, detail: str, location: str, kind: str, hook: Webhook) -> ContractViolation:
    return ContractViolation(Area.WEBHOOKS, check, detail, location, kind, hook.operation_id)


def delivered(hook: Webhook, found: Sequence[Any], run_id: str, waited: float) -> None:
    """A run that named a webhook URL and ended is delivered there within the wait."""
    if not found:
        raise _violation(
            "delivered",
            f"no {hook.name} delivery for run {run_id} within {waited:.0f} s of its end",
            hook.pointer,
            "not delivered",
            hook,
        )


def delivery_method(hook: Webhook, method: str) -> None:
    """A delivery uses the webhook's method."""
    if method.upper() != hook.method:
        raise _violation(
            "delivery_method",
            f"a {hook.name} delivery came as {method}, not {hook.method}",
            hook.pointer,
            "method",
            hook,
        )


def signed(hook: Webhook, headers: Mapping[str, str], body: bytes, key: str) -> None:
    """A delivery carries the signature its `x-signature` describes: `header` holds `prefix` + the `encoding` of the
    `algorithm` HMAC of the exact body bytes under `key`, compared in constant time."""
    scheme = hook.scheme
    if scheme is None:
        return
    given = (header_value(headers, scheme.header) or "").strip()
    if not given:
        raise _violation("signed", f"the delivery has no {scheme.header} header", scheme.header, "missing", hook)
    claimed = claimed_digest(scheme, given)
    if claimed is None:
        raise _violation(
            "signed",
            f"the {scheme.header} header {given[:80]!r} is not {scheme.prefix!r} followed by a {scheme.encoding} digest",
            scheme.header,
            "malformed",
            hook,
        )
    if not hmac.compare_digest(claimed, hmac_digest(scheme, key, body)):
        raise _violation(
            "signed",
            f"the {scheme.header} header is not the {scheme.algorithm} of the body under the {scheme.key} "
            f"(a delivery of {len(body)} bytes)",
            scheme.header,
            "mismatch",
            hook,
        )


def timestamp_present(hook: Webhook, headers: Mapping[str, str], received_at: float = 0.0) -> None:
    """A delivery carries the scheme's timestamp header: unix seconds, within `TIMESTAMP_TOLERANCE` of its arrival
    (when that is known)."""
    name = hook.scheme.timestamp_header if hook.scheme is not None else ""
    if not name:
        return
    text = (header_value(headers, name) or "").strip()
    if not text:
        raise _violation("timestamp_present", f"the delivery has no {name} header", name, "missing", hook)
    if not _UNIX_SECONDS.fullmatch(text):
        raise _violation(
            "timestamp_present", f"the {name} header {text[:40]!r} is not unix seconds", name, "malformed", hook
        )
    if received_at and abs(received_at - float(text)) > TIMESTAMP_TOLERANCE:
        raise _violation(
            "timestamp_present",
            f"the {name} header is {received_at - float(text):.0f} s away from the delivery's arrival",
            name,
            "stale",
            hook,
        )


def headers_conform(seen: Observations | None, hook: Webhook, headers: Mapping[str, str]) -> None:
    """A delivery carries the webhook's other header parameters (those `x-signature` does not name), each matching
    its schema; each problem is reported into `seen` and the check goes on."""
    named = {hook.scheme.header, hook.scheme.timestamp_header} if hook.scheme is not None else set()
    for parameter in hook.header_parameters():
        name = str(parameter.get("name", "")).lower()
        if name in named:
            continue
        value = header_value(headers, name)
        if value is None:
            if parameter.get("required"):
                report(seen, _violation("headers_conform", f"the delivery has no {name} header", name, "missing", hook))
            continue
        schema = parameter.get("schema")
        if not isinstance(schema, Mapping):
            continue
        for error in jsonschema_rs.validator_for(dict(schema)).iter_errors(value):
            _, kind, message = checks.precise(error)
            report(
                seen, _violation("headers_conform", f"the {name} header {value[:80]!r}: {message}", name, kind, hook)
            )


@functools.cache
def _body_validator(spec: Spec, pointer: str) -> Any:
    """The JSON body schema's validator of the webhook at `pointer` (None when it has none)."""
    hook = next(hook for hook in webhooks(spec) if hook.pointer == pointer)
    schema = hook.content.get("application/json")
    return None if schema is None else jsonschema_rs.validator_for(schema, validate_formats=True)


def body_conforms(seen: Observations | None, spec: Spec, hook: Webhook, headers: Mapping[str, str], body: bytes) -> Any:
    """A delivery's body is of a documented media type and, as JSON, matches the webhook's body schema.

    A body that is not JSON ends the check (raised); a wrong media type and each schema breakage are reported into
    `seen`, and the caller goes on with the body.

    Returns:
        The parsed body.
    """
    media = (header_value(headers, "content-type") or "").split(";")[0].strip().lower()
    if hook.content and media not in hook.content:
        report(
            seen,
            _violation(
                "body_conforms",
                f"a delivery has content-type {media!r}, the spec says {', '.join(hook.content)}",
                "content-type",
                media or "(none)",
                hook,
            ),
        )
    try:
        value = json.loads(body)
    except ValueError as error:
        raise _violation("body_conforms", f"a delivery's body is not JSON: {error}", "/", "not JSON", hook) from None
    validator = _body_validator(spec, hook.pointer)
    if validator is not None:
        for problem in validator.iter_errors(value):
            path, kind, message = checks.precise(problem)
            where = checks.pointer(path)
            # Keyed as `checks.response_conforms` keys a run body that breaks the same schema: the same defect
            # (a naive timestamp in every run) is one root cause, whether a read or a delivery showed it.
            check = "status_in_enum" if (where, kind) == ("/status", "enum") else "response_conforms"
            report(
                seen, _violation(check, f"a delivery's body breaks the spec at {where}: {message}", where, kind, hook)
            )
    return value


def _status_schema(hook: Webhook) -> Mapping[str, Any]:
    schema = hook.content.get("application/json") or {}
    return next((b for b in non_null_branches(schema.get("properties", {}).get("status", {})) if "enum" in b), {})


def reports_terminal(hook: Webhook, body: Any) -> None:
    """A delivery reports a terminal status (a value of the status enum after `running`; a value outside the enum is
    `body_conforms`'s to report)."""
    if not isinstance(body, Mapping) or "status" not in body:
        return
    values = _status_schema(hook).get("enum", [])
    status = body["status"]
    if status in values and status in LIFECYCLE_ORDER:
        raise _violation(
            "reports_terminal",
            f"a delivery reports status {status!r}, not a terminal one",
            "/status",
            "not terminal",
            hook,
        )


def _instant(value: Any) -> Any:
    """A date-time string as an aware `datetime` (so that two spellings of one instant agree), else the value."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return parsed if parsed.tzinfo is not None else value
    return value


_UNIX_SECONDS = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?", re.ASCII)
_ABSENT = object()


def agrees_with_run(seen: Observations | None, hook: Webhook, body: Any, run: Mapping[str, Any]) -> None:
    """A delivery carries what `get_run` answers for the run once it has ended, in every field that cannot change
    after the end (`FINAL_FIELDS` the body schema declares); each difference is reported into `seen`."""
    if not isinstance(body, Mapping):
        return
    declared = (hook.content.get("application/json") or {}).get("properties", {})
    for name in (name for name in FINAL_FIELDS if name in declared):
        sent, read = body.get(name, _ABSENT), run.get(name, _ABSENT)
        if (sent is _ABSENT and read is _ABSENT) or _instant(sent) == _instant(read):
            continue
        shown = ["(absent)" if v is _ABSENT else checks.short_json(v, 80) for v in (sent, read)]
        report(
            seen,
            _violation(
                "agrees_with_run",
                f"a delivery for run {run.get('run_id')} says {name} {shown[0]}, get_run answers {shown[1]}",
                f"/{escape_pointer(name)}",
                "differs",
                hook,
            ),
        )


def nothing_unrequested(hook: Webhook, run_id: str, found: Sequence[Any], field: str) -> None:
    """A run that named no webhook URL is delivered nowhere: the sink got nothing that carries its id."""
    if found:
        first = found[0]
        where = f"{getattr(first, 'method', '?')} {getattr(first, 'path', '?')}"
        raise _violation(
            "nothing_unrequested",
            f"run {run_id} named no {field}, yet {len(found)} request(s) carrying its id arrived (first: {where})",
            hook.pointer,
            "unrequested",
            hook,
        )

"""The webhooks the spec describes (OpenAPI 3.1 `webhooks`) and how their deliveries are signed (its `x-signature`
extension): which webhook a run's end sends (the one whose body schema is the run as `get_run` answers it), its
method, header parameters and body schema, the signature's algorithm, encoding, header, prefix, key and timestamp
header, and how long the service keeps trying (its description's "up to N times (S s each)"). The checks of a
delivery against all this are `contract_tests.checks.webhooks`.

Example:
    >>> hook = run_webhooks(Spec.load())[0]
    >>> hook.pointer, hook.scheme.digest, hook.scheme.header, documented_wait(hook)
    ('/webhooks/workflow_run/post', 'sha256', 'x-skyvern-signature', 90.0)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contract_tests.spec import Spec, escape_pointer

__all__ = [
    "DEFAULT_WAIT",
    "EXTENSION",
    "FINAL_FIELDS",
    "TIMESTAMP_TOLERANCE",
    "SignatureScheme",
    "Webhook",
    "claimed_digest",
    "delivery_wait",
    "documented_wait",
    "header_value",
    "hmac_digest",
    "run_webhooks",
    "sign",
    "signature_scheme",
    "signing_key",
    "webhooks",
]

EXTENSION = "x-signature"
DEFAULT_WAIT = 60.0
"""Seconds to wait for a delivery after a run's end when the spec does not say how long the service keeps trying."""
TIMESTAMP_TOLERANCE = 300.0
"""How far (seconds) a delivery's timestamp header may be from the time it arrived."""
FINAL_FIELDS = ("run_id", "status", "run_type", "created_at")
"""Run fields that cannot change once the run has ended: a delivery must carry what `get_run` answers for them (those
the body schema declares). Left out: what a server may still fill in after the end without breaking the spec, so that
comparing them would judge timing rather than the server: `output`, `failure_reason`, the other timestamps, the step
count (Skyvern 1.0.56 writes a canceled run's output when its running block finishes), `modified_at` and the
presigned URLs."""

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_ENCODINGS = ("hex", "base64")
_KEYS = ("api-key", "secret")
_TRIES = re.compile(
    r"up to (\w+) (?:times|tries)\b[^.]*?\((\d+(?:\.\d+)?)\s*(?:s|seconds?) each\)", re.IGNORECASE | re.DOTALL
)
_NUMBERS = {"once": 1, "one": 1, "twice": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}


@dataclass(frozen=True, slots=True)
class SignatureScheme:
    """How deliveries are signed, from a webhook's `x-signature`.

    Attributes:
        algorithm: as the spec writes it (`hmac-sha256`).
        digest: the `hashlib` name of its hash (`sha256`).
        encoding: `hex` or `base64`.
        header: the header carrying the signature (lower case).
        prefix: text before the digest in that header (`sha256=`), or empty.
        signed: what is signed (`body`: the exact body bytes).
        key: `api-key` (the API key the client sends) or `secret` (a signing secret the user configures).
        timestamp_header: the header with the unix time of sending (lower case), or empty.
    """

    algorithm: str
    digest: str
    encoding: str
    header: str
    prefix: str = ""
    signed: str = "body"
    key: str = "api-key"
    timestamp_header: str = ""


@dataclass(frozen=True, slots=True)
class Webhook:
    """One webhook operation of the spec, resolved.

    Attributes:
        name: its key under `webhooks`.
        method: its HTTP method (upper case).
        operation_id: its operationId (may be empty).
        pointer: its JSON pointer in the spec (`/webhooks/workflow_run/post`): the location of delivery findings.
        description: its description.
        parameters: its parameters (the path item's merged with its own), resolved.
        content: its request body's media types -> their schema, resolved.
        scheme: how deliveries are signed (None without `x-signature`).
    """

    name: str
    method: str
    operation_id: str
    pointer: str
    description: str
    parameters: tuple[Mapping[str, Any], ...]
    content: Mapping[str, Any]
    scheme: SignatureScheme | None

    def header_parameters(self) -> list[Mapping[str, Any]]:
        """Its header parameters."""
        return [p for p in self.parameters if p.get("in") == "header"]


def signature_scheme(operation: Mapping[str, Any]) -> SignatureScheme | None:
    """A webhook operation's `x-signature`, read (None when it has none).

    Raises:
        ValueError: when it names an algorithm, encoding, key or signed part this suite cannot check.
    """
    raw = operation.get(EXTENSION)
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValueError(f"{EXTENSION} must be a mapping")
    algorithm = str(raw.get("algorithm", ""))
    digest = algorithm.removeprefix("hmac-")
    if not algorithm.startswith("hmac-") or digest not in hashlib.algorithms_available:
        raise ValueError(f"{EXTENSION}: unsupported algorithm {algorithm!r}")
    encoding, key, what = str(raw.get("encoding", "")), str(raw.get("key", "api-key")), str(raw.get("signed", "body"))
    if encoding not in _ENCODINGS or key not in _KEYS or what != "body" or not raw.get("header"):
        raise ValueError(f"{EXTENSION}: cannot check encoding {encoding!r}, key {key!r}, signed {what!r}")
    return SignatureScheme(
        algorithm,
        digest,
        encoding,
        str(raw["header"]).lower(),
        str(raw.get("prefix") or ""),
        what,
        key,
        str(raw.get("timestamp-header") or "").lower(),
    )


def webhooks(spec: Spec) -> list[Webhook]:
    """Every webhook operation of the spec, in document order (none for a spec without `webhooks`)."""
    found = []
    for name, raw_item in (spec.document.get("webhooks") or {}).items():
        item = spec.resolve(raw_item)
        shared = {(p.get("name"), p.get("in")): p for p in item.get("parameters", [])}
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            own = {(p.get("name"), p.get("in")): p for p in operation.get("parameters", [])}
            content = (operation.get("requestBody") or {}).get("content") or {}
            found.append(
                Webhook(
                    str(name),
                    method.upper(),
                    str(operation.get("operationId", "")),
                    f"/webhooks/{escape_pointer(str(name))}/{method}",
                    str(operation.get("description", "")),
                    tuple({**shared, **own}.values()),
                    {media: dict(value.get("schema", {})) for media, value in content.items()},
                    signature_scheme(operation),
                )
            )
    return found


def run_webhooks(spec: Spec, operation_id: str = "get_run") -> list[Webhook]:
    """The webhooks whose JSON body is the run as `operation_id` answers it (its 200 schema): those a run's end
    sends."""
    schema = spec.response_schema(operation_id, "200")
    if schema is None:
        return []
    run = spec.resolve(schema)
    return [hook for hook in webhooks(spec) if hook.content.get("application/json") == run]


def documented_wait(hook: Webhook) -> float | None:
    """How long the service keeps trying a delivery, from its description ("up to three times (30 s each)": 90), or
    None when it does not say."""
    match = _TRIES.search(hook.description)
    if match is None:
        return None
    count, seconds = match.group(1).lower(), float(match.group(2))
    tries = int(count) if count.isdigit() else _NUMBERS.get(count)
    return None if not tries else tries * seconds


def delivery_wait(hook: Webhook, configured: float = 0.0) -> float:
    """Seconds to wait for a delivery after a run's end: `configured` (`CONTRACT_WEBHOOK_WAIT`) when set, else what
    the spec documents, else `DEFAULT_WAIT`."""
    return configured if configured > 0 else documented_wait(hook) or DEFAULT_WAIT


def signing_key(scheme: SignatureScheme, *, api_key: str, secret: str = "") -> str | None:
    """The key deliveries are signed with: the API key, or the configured secret (None when it is not configured:
    the signature is then not verifiable)."""
    return api_key if scheme.key == "api-key" else (secret or None)


def hmac_digest(scheme: SignatureScheme, key: str, body: bytes) -> bytes:
    return hmac.new(key.encode(), body, scheme.digest).digest()


def sign(scheme: SignatureScheme, key: str, body: bytes) -> str:
    """The signature header value a sender writes for `body` (for tests).

    Example:
        >>> scheme = SignatureScheme("hmac-sha512", "sha512", "base64", "x-sig", prefix="v1=")
        >>> sign(scheme, "key", b"{}")[:10]
        'v1=Vfq9qhg'
    """
    raw = hmac_digest(scheme, key, body)
    text = raw.hex() if scheme.encoding == "hex" else base64.b64encode(raw).decode("ascii")
    return scheme.prefix + text


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, its name matched in any case (None when absent)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def claimed_digest(scheme: SignatureScheme, text: str) -> bytes | None:
    """The digest a header value claims, or None when it is not written as the scheme says."""
    if not text.startswith(scheme.prefix):
        return None
    text = text[len(scheme.prefix) :]
    try:
        if scheme.encoding == "hex":
            return bytes.fromhex(text) if text.isascii() and len(text) % 2 == 0 else None
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return None

"""Webhook deliveries: check the signature, then parse the payload. Used by the package's `webhooks` module.

    APIError                              root of every error of this package (see `_exceptions`)
    ├── WebhookVerificationError          a delivery that cannot be shown to come from the API: never parsed
    │   ├── MissingSignatureError         no signature header (or an empty one)
    │   ├── InvalidSignatureError         a signature that is garbled or does not match the body and key
    │   └── InvalidTimestampError         the timestamp header is missing, garbled or outside the tolerance
    └── WebhookPayloadError               a verified body that is not JSON of the spec's payload schema

The signature is an HMAC of the exact body bytes, compared with `hmac.compare_digest` (constant time). The body is
taken as `bytes` only: it is what was signed, and a `str` has been decoded (and perhaps re-encoded, normalised or
stripped) on the way, so its bytes need not be the signed ones; pass the raw request body (`await request.body()`
in Starlette, `request.get_data()` in Flask, `request.body` in Django). Headers are any `Mapping` (httpx, Starlette,
Flask/Werkzeug, Django's `request.headers`, a plain `dict`): names are matched case-insensitively.

The timestamp header, where a webhook has one, is not covered by the signature: it only bounds how late a delivery
may be checked (`tolerance` seconds either way), which narrows, but does not close, a replay of a captured one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import pydantic

from ._exceptions import APIError
from ._response import parser_for
from ._tolerance import parse_tolerantly

__all__ = [
    "InvalidSignatureError",
    "InvalidTimestampError",
    "MissingSignatureError",
    "WebhookPayloadError",
    "WebhookVerificationError",
]

_log = logging.getLogger(__name__.rpartition(".")[0] or __name__)
DIGESTS = frozenset({"sha256", "sha512"})
"""The HMAC hashes a scheme may name (`codegen.webhooks` accepts the same)."""
ENCODINGS = frozenset({"hex", "base64"})
"""How a digest may be written in its header."""
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?", re.ASCII)


class WebhookVerificationError(APIError):
    """A delivery whose signature or timestamp does not check out; its body was not parsed.

    Attributes:
        header: the header at fault.
    """

    def __init__(self, message: str, *, header: str) -> None:
        super().__init__(message)
        self.header = header


class MissingSignatureError(WebhookVerificationError):
    """The signature header is absent or empty."""


class InvalidSignatureError(WebhookVerificationError):
    """The signature is garbled (wrong prefix, not hex/base64) or is not the body's under the given key."""


class InvalidTimestampError(WebhookVerificationError):
    """The timestamp header is missing or not unix seconds, or the delivery is older (or newer) than the tolerance.

    Attributes:
        timestamp: the header's time (unix seconds), `None` when it is missing or garbled.
    """

    def __init__(self, message: str, *, header: str, timestamp: float | None) -> None:
        super().__init__(message, header=header)
        self.timestamp = timestamp


class WebhookPayloadError(APIError):
    """A delivery with a good signature whose body is not JSON matching the spec's payload schema.

    Attributes:
        body: the body, as received.
        errors: pydantic's error list: `loc`, `msg`, `type` and `input` of each mismatch.
    """

    def __init__(self, *, body: bytes, errors: list[dict[str, Any]]) -> None:
        where = ", ".join(".".join(str(part) for part in error.get("loc", ())) or "<root>" for error in errors[:5])
        super().__init__(f"webhook payload does not match the spec at: {where}")
        self.body = body
        self.errors = errors


@dataclass(frozen=True, slots=True)
class SignatureScheme:
    """How one webhook's deliveries are signed (from the spec's `x-signature`).

    Example:
        >>> scheme = SignatureScheme("sha256", "hex", "x-signature")
        >>> verify_signature(b"{}", {"X-Signature": sign(b"{}", "key", scheme)}, scheme, key="key")
    """

    digest: Literal["sha256", "sha512"]
    encoding: Literal["hex", "base64"]
    header: str
    prefix: str = ""
    timestamp_header: str | None = None


def sign(body: bytes, key: str | bytes, scheme: SignatureScheme) -> str:
    """The header value a sender writes for `body` under `scheme` (for tests and for senders)."""
    digest = _digest(body, key, scheme)
    text = digest.hex() if scheme.encoding == "hex" else base64.b64encode(digest).decode("ascii")
    return scheme.prefix + text


def verify_signature(
    body: bytes,
    headers: Mapping[str, str],
    scheme: SignatureScheme,
    *,
    key: str | bytes,
    tolerance: float | None = None,
    clock: Callable[[], float] = time.time,
) -> None:
    """Raise a `WebhookVerificationError` unless `body` carries a good signature (and a fresh timestamp).

    Args:
        body: the exact request body, as received.
        headers: the request headers, any mapping (names matched case-insensitively).
        scheme: how the webhook is signed.
        key: the HMAC key (a `str` is UTF-8 encoded).
        tolerance: how many seconds the timestamp header may be away from `clock()`; `None` skips the check (and
            so does a scheme without a timestamp header).
        clock: the current unix time.

    Raises:
        MissingSignatureError: no signature header.
        InvalidSignatureError: a garbled signature, or one that is not the body's under `key`.
        InvalidTimestampError: a missing, garbled or stale timestamp (only when `tolerance` is given).
    """
    if isinstance(body, str):
        raise TypeError("pass the body as bytes, exactly as received: a str may not hold the bytes that were signed")
    if not key:
        raise ValueError("the webhook key is empty")
    given = header_value(headers, scheme.header)
    if not given:
        raise MissingSignatureError(f"no {scheme.header} header", header=scheme.header)
    claimed = _decode_signature(given.strip(), scheme)
    if claimed is None or not hmac.compare_digest(claimed, _digest(body, key, scheme)):
        raise InvalidSignatureError(f"the {scheme.header} header does not match the body", header=scheme.header)
    if tolerance is not None and scheme.timestamp_header is not None:
        check_timestamp(headers, scheme.timestamp_header, tolerance=tolerance, now=clock())


def check_timestamp(headers: Mapping[str, str], name: str, *, tolerance: float, now: float) -> float:
    """The unix time in header `name`, if it is within `tolerance` seconds of `now`; else `InvalidTimestampError`."""
    text = (header_value(headers, name) or "").strip()
    if not _UNIX_SECONDS.fullmatch(text):
        message = (
            f"the {name} header is missing" if not text else f"the {name} header is not unix seconds: {text[:40]!r}"
        )
        raise InvalidTimestampError(message, header=name, timestamp=None)
    timestamp = float(text)
    if abs(now - timestamp) > tolerance:
        message = f"the {name} header is {now - timestamp:.0f} s away from now (tolerance {tolerance:g} s)"
        raise InvalidTimestampError(message, header=name, timestamp=timestamp)
    return timestamp


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header `name`, matched case-insensitively in any mapping; `None` when it is absent."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def parse_payload(body: bytes, payload_type: Any, *, strict: bool) -> Any:
    """`body` parsed as `payload_type` (call it only once the signature is verified), by the tolerant reader's
    policy (`_tolerance`): what it tolerates is logged as a warning, and rejected when `strict`.

    Raises:
        WebhookPayloadError: the body is not JSON, or does not match the type.
    """
    try:
        payload, found = parse_tolerantly(parser_for(payload_type), body, strict=strict)
    except pydantic.ValidationError as exc:
        raise WebhookPayloadError(body=body, errors=cast(list[dict[str, Any]], exc.errors(include_url=False))) from None  # fmt: skip
    for deviation in found:
        _log.warning("webhook payload deviates from the spec, kept: %s", deviation)
    return payload


def _digest(body: bytes, key: str | bytes, scheme: SignatureScheme) -> bytes:
    secret = key.encode() if isinstance(key, str) else key
    return hmac.new(secret, body, getattr(hashlib, scheme.digest)).digest()


def _decode_signature(text: str, scheme: SignatureScheme) -> bytes | None:
    """The digest a header value claims, or `None` when it is not written as `scheme` says."""
    if not text.startswith(scheme.prefix):
        return None
    text = text[len(scheme.prefix) :]
    try:
        if scheme.encoding == "hex":
            return bytes.fromhex(text) if text.isascii() else None
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return None

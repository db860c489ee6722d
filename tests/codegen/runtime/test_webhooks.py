"""Webhook signature checks of the runtime (`codegen/runtime/_webhooks.py`): what passes, and each way to fail."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import pydantic
import pytest

from codegen import webhooks as spec_webhooks
from codegen.runtime._enums import OpenStrEnum
from codegen.runtime._exceptions import APIError
from codegen.runtime._webhooks import (
    DIGESTS,
    ENCODINGS,
    InvalidSignatureError,
    InvalidTimestampError,
    MissingSignatureError,
    SignatureScheme,
    WebhookPayloadError,
    WebhookVerificationError,
    header_value,
    parse_payload,
    sign,
    verify_signature,
)

KEY = "sk-webhook-key"
BODY = b'{"id":"in_1","status":"paid","amount":1200}'
NOW = 1_750_000_000.0
HEX = SignatureScheme("sha256", "hex", "x-signature", timestamp_header="x-timestamp")
PREFIXED = SignatureScheme("sha256", "base64", "payments-signature", prefix="sha256=")
SHA512 = SignatureScheme("sha512", "hex", "x-signature")


def hex_signature(body: bytes = BODY, key: str = KEY) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def headers(signature: str | None = None, timestamp: str | None = str(int(NOW))) -> dict[str, str]:
    found = {"content-type": "application/json", "X-Signature": hex_signature() if signature is None else signature}
    if timestamp is not None:
        found["X-Timestamp"] = timestamp
    return found


def clock() -> float:
    return NOW


def test_a_good_signature_passes() -> None:
    verify_signature(BODY, headers(), HEX, key=KEY, tolerance=300, clock=clock)


def test_sign_writes_what_a_sender_writes() -> None:
    assert sign(BODY, KEY, HEX) == hex_signature()
    digest = hmac.new(KEY.encode(), BODY, hashlib.sha256).digest()
    assert sign(BODY, KEY, PREFIXED) == "sha256=" + base64.b64encode(digest).decode()
    assert sign(BODY, KEY.encode(), SHA512) == hmac.new(KEY.encode(), BODY, hashlib.sha512).hexdigest()


@pytest.mark.parametrize("scheme", [PREFIXED, SHA512], ids=["base64-prefixed", "sha512"])
def test_other_schemes_pass_with_their_own_signature(scheme: SignatureScheme) -> None:
    verify_signature(BODY, {scheme.header: sign(BODY, KEY, scheme)}, scheme, key=KEY)


@pytest.mark.parametrize(
    "given",
    [
        {"x-signature": hex_signature()},
        {"X-SIGNATURE": hex_signature()},
        {"X-Signature": "  " + hex_signature().upper() + " "},  # hex is case-free; whitespace around it is not signed
    ],
)
def test_header_names_match_in_any_case(given: Mapping[str, str]) -> None:
    verify_signature(BODY, given, HEX, key=KEY)


class CaseInsensitive(Mapping[str, str]):
    """A framework's header mapping: `get` matches any case, iteration yields the names as sent."""

    def __init__(self, items: dict[str, str]) -> None:
        self._items = items

    def __getitem__(self, name: str) -> str:
        return next(value for key, value in self._items.items() if key.lower() == name.lower())

    def __iter__(self) -> Any:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def test_header_value_reads_plain_dicts_and_case_insensitive_mappings() -> None:
    assert header_value({"X-Signature": "a"}, "x-signature") == "a"
    assert header_value(CaseInsensitive({"X-Signature": "b"}), "x-signature") == "b"
    assert header_value({"x-other": "c"}, "x-signature") is None


@pytest.mark.parametrize(
    ("body", "key", "signature", "error"),
    [
        (BODY.replace(b"1200", b"1201"), KEY, None, InvalidSignatureError),  # tampered body
        (BODY + b" ", KEY, None, InvalidSignatureError),  # a byte added
        (BODY, "another-key", None, InvalidSignatureError),  # wrong key
        (BODY, KEY, hex_signature(b"{}"), InvalidSignatureError),  # another body's signature
        (BODY, KEY, hex_signature()[:-2], InvalidSignatureError),  # truncated
        (BODY, KEY, hex_signature()[:-1] + "g", InvalidSignatureError),  # not hex
        (BODY, KEY, base64.b64encode(bytes.fromhex(hex_signature())).decode(), InvalidSignatureError),  # base64
        (BODY, KEY, "sha256=" + hex_signature(), InvalidSignatureError),  # a prefix the scheme has not
        (BODY, KEY, "", MissingSignatureError),
    ],
    ids=["tampered", "byte-added", "wrong-key", "other-body", "truncated", "not-hex", "base64", "prefix", "empty"],
)
def test_a_bad_signature_is_rejected(body: bytes, key: str, signature: str | None, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        verify_signature(body, headers(signature), HEX, key=key)
    assert isinstance(caught.value, WebhookVerificationError)
    assert isinstance(caught.value, APIError)
    assert caught.value.header == "x-signature"


def test_a_missing_signature_header_is_its_own_error() -> None:
    with pytest.raises(MissingSignatureError, match="no x-signature header"):
        verify_signature(BODY, {"X-Timestamp": str(int(NOW))}, HEX, key=KEY)


@pytest.mark.parametrize(
    "given",
    [
        hex_signature(),  # no prefix
        "sha256=" + hex_signature(),  # hex where base64 is expected
        "sha256=" + sign(BODY, KEY, PREFIXED).removeprefix("sha256=")[:-4],  # cut base64
        "sha256=" + "!" * 44,  # not base64
    ],
    ids=["no-prefix", "hex", "cut", "garbled"],
)
def test_the_wrong_encoding_or_prefix_is_rejected(given: str) -> None:
    with pytest.raises(InvalidSignatureError):
        verify_signature(BODY, {"payments-signature": given}, PREFIXED, key=KEY)


def test_a_sha512_signature_does_not_pass_as_sha256() -> None:
    with pytest.raises(InvalidSignatureError):
        verify_signature(BODY, {"x-signature": sign(BODY, KEY, SHA512)}, HEX, key=KEY)


@pytest.mark.parametrize(
    ("timestamp", "passes"),
    [
        (str(int(NOW)), True),
        (str(int(NOW) - 300), True),  # at the edge
        (str(int(NOW) + 300), True),
        (str(int(NOW) - 301), False),  # stale
        (str(int(NOW) + 301), False),  # from the future
        (f"{NOW - 10:.3f}", True),
    ],
)
def test_the_timestamp_must_be_within_the_tolerance(timestamp: str, passes: bool) -> None:
    if passes:
        verify_signature(BODY, headers(timestamp=timestamp), HEX, key=KEY, tolerance=300, clock=clock)
        return
    with pytest.raises(InvalidTimestampError, match="away from now") as caught:
        verify_signature(BODY, headers(timestamp=timestamp), HEX, key=KEY, tolerance=300, clock=clock)
    assert caught.value.timestamp == float(timestamp)


@pytest.mark.parametrize(
    "timestamp", [None, "", "soon", "-5", "1e9", "\u0661\u0667\u0665\u0660\u0660\u0660\u0660\u0660\u0660\u0660", "nan"]
)
def test_a_missing_or_garbled_timestamp_is_rejected(timestamp: str | None) -> None:
    with pytest.raises(InvalidTimestampError) as caught:
        verify_signature(BODY, headers(timestamp=timestamp), HEX, key=KEY, tolerance=300, clock=clock)
    assert caught.value.timestamp is None
    assert caught.value.header == "x-timestamp"


def test_no_tolerance_skips_the_timestamp_check() -> None:
    verify_signature(BODY, headers(timestamp="soon"), HEX, key=KEY, tolerance=None, clock=clock)
    verify_signature(BODY, headers(timestamp=None), HEX, key=KEY, clock=clock)


def test_the_signature_is_checked_before_the_timestamp() -> None:
    with pytest.raises(InvalidSignatureError):
        verify_signature(BODY, headers("0" * 64, timestamp="soon"), HEX, key=KEY, tolerance=300, clock=clock)


def test_a_str_body_or_an_empty_key_is_a_mistake_of_the_caller() -> None:
    with pytest.raises(TypeError, match="bytes"):
        verify_signature(BODY.decode(), headers(), HEX, key=KEY)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        verify_signature(BODY, headers(), HEX, key="")


class Status(OpenStrEnum):
    PAID = "paid"


class Invoice(pydantic.BaseModel):
    id: str
    status: Status
    amount: int


def test_parse_payload_reads_the_type_and_strict_rejects_unknown_values() -> None:
    invoice = parse_payload(BODY, Invoice, strict=False)
    assert isinstance(invoice, Invoice)
    assert invoice.amount == 1200
    unknown = BODY.replace(b"paid", b"refunded")
    assert parse_payload(unknown, Invoice, strict=False).status.is_unknown
    with pytest.raises(WebhookPayloadError, match="status"):
        parse_payload(unknown, Invoice, strict=True)
    assert parse_payload(b"[1,2]", list[int], strict=False) == [1, 2]


def test_a_body_that_is_not_the_payload_is_a_payload_error() -> None:
    with pytest.raises(WebhookPayloadError) as caught:
        parse_payload(b"not json", Invoice, strict=False)
    assert caught.value.body == b"not json"
    assert caught.value.errors[0]["type"] == "json_invalid"
    assert not isinstance(caught.value, WebhookVerificationError)


def test_the_generator_accepts_what_the_runtime_implements() -> None:
    assert set(spec_webhooks.ALGORITHMS.values()) == DIGESTS
    assert set(spec_webhooks.ENCODINGS) == ENCODINGS

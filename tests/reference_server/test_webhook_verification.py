"""The generated `verify_workflow_run_webhook` against real deliveries of the reference server.

Runs reach each terminal outcome with `webhook_url` pointing at a local receiver, which keeps each delivery's exact
body bytes and headers. Every real delivery verifies and parses; every tampered one (any byte flipped, a field
changed, the JSON re-encoded, another delivery's signature, the wrong key, a header dropped) is rejected before
its body is parsed.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx2
import pytest

from reference_server.process import RunningServer
from skyvern_client import (
    InvalidSignatureError,
    InvalidTimestampError,
    MissingSignatureError,
    WebhookVerificationError,
    models,
    verify_workflow_run_webhook,
)
from skyvern_client._webhooks import parse_payload
from tests.reference_server.support import DEMO, FAILS, SLOW, TERMINATES, TIMES_OUT, Delivery, serve_receiver

OUTCOMES = {DEMO: "completed", FAILS: "failed", TIMES_OUT: "timed_out", TERMINATES: "terminated", SLOW: "canceled"}
SIGNATURE, TIMESTAMP = "x-skyvern-signature", "x-skyvern-timestamp"
pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def deliveries(server: RunningServer) -> dict[str, Delivery]:
    """Terminal status -> the one webhook delivery its run sent."""
    with serve_receiver() as receiver, httpx2.Client(base_url=server.url, headers={"x-api-key": server.api_key}, timeout=10) as http:  # fmt: skip
        for workflow_id, outcome in OUTCOMES.items():
            started = http.post("/v1/run/workflows", json={"workflow_id": workflow_id, "webhook_url": f"{receiver.url}/{outcome}"})  # fmt: skip
            assert started.status_code == 200, started.text
            if outcome == "canceled":
                assert http.post(f"/v1/runs/{started.json()['run_id']}/cancel").status_code == 200
        found = {outcome: receiver.wait_for(f"/{outcome}", 1, timeout=10) for outcome in OUTCOMES.values()}
    assert {outcome: len(got) for outcome, got in found.items()} == dict.fromkeys(OUTCOMES.values(), 1)
    return {outcome: got[0] for outcome, got in found.items()}


@pytest.mark.parametrize("outcome", OUTCOMES.values())
def test_every_real_delivery_verifies_and_parses(
    deliveries: dict[str, Delivery], server: RunningServer, outcome: str
) -> None:
    delivery = deliveries[outcome]
    run = verify_workflow_run_webhook(delivery.body, delivery.headers, key=server.api_key)
    assert isinstance(run, models.WorkflowRunResponse)
    assert run.status == outcome
    assert run.run_id == json.loads(delivery.body)["run_id"]
    strict = verify_workflow_run_webhook(delivery.body, delivery.headers, key=server.api_key, strict=True)
    assert strict == run
    as_sent_by_a_framework = {name.title(): value for name, value in delivery.headers.items()}  # X-Skyvern-Signature
    assert verify_workflow_run_webhook(delivery.body, as_sent_by_a_framework, key=server.api_key) == run
    assert verify_workflow_run_webhook(delivery.body, httpx2.Headers(delivery.headers), key=server.api_key) == run


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bodies the generated module hands to its parser (none, when verification fails first)."""
    seen: list[bytes] = []

    def spy(body: bytes, payload_type: Any, *, strict: bool) -> Any:
        seen.append(body)
        return parse_payload(body, payload_type, strict=strict)

    monkeypatch.setattr("skyvern_client.webhooks.parse_payload", spy)
    return seen


def _changed_field(body: bytes) -> bytes:
    run = json.loads(body)
    run["status"] = "completed" if run["status"] != "completed" else "failed"
    return json.dumps(run, separators=(",", ":")).encode()


TAMPERINGS: dict[str, type[WebhookVerificationError]] = {
    "a field changed": InvalidSignatureError,
    "re-encoded with spaces": InvalidSignatureError,
    "a byte appended": InvalidSignatureError,
    "truncated": InvalidSignatureError,
    "another delivery's body": InvalidSignatureError,
    "another delivery's signature": InvalidSignatureError,
    "the wrong key": InvalidSignatureError,
    "a key that is a prefix": InvalidSignatureError,
    "signature garbled": InvalidSignatureError,
    "signature in base64": InvalidSignatureError,
    "signature header dropped": MissingSignatureError,
    "timestamp header dropped": InvalidTimestampError,
    "timestamp an hour old": InvalidTimestampError,
}
"""Each way to tamper with a delivery -> the error it must raise."""


def tampered(kind: str, delivery: Delivery, other: Delivery, key: str) -> tuple[bytes, dict[str, str], str]:
    """`delivery`'s body, headers and the key, tampered with as `kind` says (`other` is another real delivery)."""
    body, headers, signature = delivery.body, dict(delivery.headers), delivery.headers[SIGNATURE]
    if kind == "a field changed":
        run = json.loads(body)
        run["status"] = "completed" if run["status"] != "completed" else "failed"
        body = json.dumps(run, separators=(",", ":")).encode()
    elif kind == "re-encoded with spaces":
        body = json.dumps(json.loads(body)).encode()
    elif kind == "a byte appended":
        body += b"\n"
    elif kind == "truncated":
        body = body[:-1]
    elif kind == "another delivery's body":
        body = other.body
    elif kind == "another delivery's signature":
        headers[SIGNATURE] = other.headers[SIGNATURE]
    elif kind == "the wrong key":
        key += "x"
    elif kind == "a key that is a prefix":
        key = key[:-1]
    elif kind == "signature garbled":
        headers[SIGNATURE] = "zz" + signature[2:]
    elif kind == "signature in base64":
        headers[SIGNATURE] = base64.b64encode(bytes.fromhex(signature)).decode()
    elif kind == "signature header dropped":
        del headers[SIGNATURE]
    elif kind == "timestamp header dropped":
        del headers[TIMESTAMP]
    elif kind == "timestamp an hour old":
        headers[TIMESTAMP] = str(int(headers[TIMESTAMP]) - 3600)
    else:
        raise AssertionError(kind)
    return body, headers, key


@pytest.mark.parametrize("outcome", OUTCOMES.values())
@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_every_tampered_delivery_is_rejected_unparsed(
    deliveries: dict[str, Delivery], server: RunningServer, parsed: list[bytes], outcome: str, tampering: str
) -> None:
    delivery = deliveries[outcome]
    other = deliveries["completed" if outcome != "completed" else "failed"]
    body, headers, key = tampered(tampering, delivery, other, server.api_key)
    with pytest.raises(TAMPERINGS[tampering]):
        verify_workflow_run_webhook(body, headers, key=key)
    assert parsed == []
    verify_workflow_run_webhook(delivery.body, delivery.headers, key=server.api_key)  # the original still passes
    assert parsed == [delivery.body]


@pytest.mark.parametrize("outcome", OUTCOMES.values())
def test_every_single_byte_flip_is_rejected(
    deliveries: dict[str, Delivery], server: RunningServer, parsed: list[bytes], outcome: str
) -> None:
    delivery = deliveries[outcome]
    accepted = []
    for index in range(len(delivery.body)):
        flipped = bytearray(delivery.body)
        flipped[index] ^= 0x01
        try:
            verify_workflow_run_webhook(bytes(flipped), delivery.headers, key=server.api_key)
            accepted.append(index)
        except WebhookVerificationError:
            pass
    assert accepted == []
    assert parsed == []


def test_a_decoded_body_is_refused(deliveries: dict[str, Delivery], server: RunningServer) -> None:
    delivery = deliveries["completed"]
    with pytest.raises(TypeError, match="bytes"):
        verify_workflow_run_webhook(delivery.body.decode(), delivery.headers, key=server.api_key)  # type: ignore[arg-type]


def test_the_timestamp_check_can_be_skipped(deliveries: dict[str, Delivery], server: RunningServer) -> None:
    delivery = deliveries["failed"]
    old = {**delivery.headers, TIMESTAMP: str(int(delivery.headers[TIMESTAMP]) - 3600)}
    run = verify_workflow_run_webhook(delivery.body, old, key=server.api_key, tolerance=None)
    assert run.status == "failed"
    with pytest.raises(InvalidSignatureError):  # skipping the timestamp never skips the signature
        verify_workflow_run_webhook(delivery.body + b" ", old, key=server.api_key, tolerance=None)

"""Webhooks: signed, delivered once a run is terminal, retried up to three times, only to allowlisted hosts."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
from typing import Any

import httpx2
import pytest

from reference_server.process import RunningServer
from reference_server.webhooks import DEFAULT_ALLOWED_HOSTS, encode_body, host_allowed, sign
from tests.reference_server.support import DEMO, FAILS, SLOW, Receiver, conforms


def test_signature_is_hex_hmac_sha256_of_the_exact_bytes() -> None:
    body = encode_body({"b": 1, "a": [None]})
    assert body == b'{"b":1,"a":[null]}'
    assert sign(body, "key") == hmac.new(b"key", body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:9/hook", True),
        ("http://127.5.6.7/hook", True),
        ("http://[::1]:8080/hook", True),
        ("https://LOCALHOST/hook", True),
        ("http://example.com/hook", False),
        ("http://169.254.169.254/latest/meta-data", False),
        ("http://10.0.0.1/", False),
        ("http://127.0.0.1.nip.io/", False),
        ("http://[::1/", False),
    ],
)
def test_only_loopback_by_default(url: str, allowed: bool) -> None:
    assert host_allowed(url, DEFAULT_ALLOWED_HOSTS) is allowed


def test_extra_hosts_can_be_allowed() -> None:
    assert host_allowed("https://hooks.internal/x", DEFAULT_ALLOWED_HOSTS | {"hooks.internal"})
    assert not host_allowed("http://127.0.0.1/x", frozenset({"hooks.internal"}))


def _run(server: RunningServer, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"x-api-key": server.api_key}
    response = httpx2.post(f"{server.url}/v1/run/workflows", json=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.network
def test_terminal_run_is_posted_signed(server: RunningServer, receiver: Receiver) -> None:
    created = _run(server, {"workflow_id": DEMO, "webhook_url": f"{receiver.url}/done"})
    [delivery] = receiver.wait_for("/done", 1)
    expected = hmac.new(server.api_key.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["x-skyvern-signature"] == expected
    assert abs(int(delivery.headers["x-skyvern-timestamp"]) - time.time()) < 60
    assert delivery.headers["content-type"] == "application/json"
    payload = json.loads(delivery.body)
    conforms(payload, "WorkflowRunResponse")
    assert delivery.body == json.dumps(payload, separators=(",", ":")).encode()  # compact
    assert payload["run_id"] == created["run_id"]
    assert payload["status"] == "completed"
    time.sleep(0.2)
    assert len(receiver.wait_for("/done", 2, timeout=0.1)) == 1  # delivered once


@pytest.mark.network
def test_cancel_sends_the_webhook_too(server: RunningServer, receiver: Receiver) -> None:
    created = _run(server, {"workflow_id": SLOW, "webhook_url": f"{receiver.url}/canceled"})
    assert receiver.wait_for("/canceled", 1, timeout=0.3) == []  # still running: nothing yet
    headers = {"x-api-key": server.api_key}
    httpx2.post(f"{server.url}/v1/runs/{created['run_id']}/cancel", headers=headers, timeout=10)
    [delivery] = receiver.wait_for("/canceled", 1)
    assert json.loads(delivery.body)["status"] == "canceled"


@pytest.mark.network
def test_three_tries_at_most(server: RunningServer, receiver: Receiver) -> None:
    receiver.failures["/flaky"] = 2
    receiver.failures["/down"] = 10
    _run(server, {"workflow_id": FAILS, "webhook_url": f"{receiver.url}/flaky"})
    _run(server, {"workflow_id": FAILS, "webhook_url": f"{receiver.url}/down"})
    flaky = receiver.wait_for("/flaky", 3)
    assert len(flaky) == 3
    assert len({d.body for d in flaky}) == 1  # the same run each time
    assert len(receiver.wait_for("/down", 3)) == 3
    time.sleep(0.3)
    assert len(receiver.wait_for("/down", 4, timeout=0.1)) == 3


@pytest.mark.network
def test_hosts_off_the_allowlist_are_never_contacted(server: RunningServer) -> None:
    created = _run(server, {"workflow_id": DEMO, "webhook_url": "http://example.invalid/hook"})
    time.sleep(0.5)
    with sqlite3.connect(server.db_path) as db:
        row = db.execute("SELECT webhook_state, webhook_attempts FROM runs WHERE run_id = ?", (created["run_id"],))
        assert row.fetchone() == ("blocked", 0)

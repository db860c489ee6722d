"""The generated `skyvern_client.webhooks` as `docs/client.md` shows it: a Starlette endpoint that verifies deliveries."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

import skyvern_client

CLIENT_DOC = Path(__file__).resolve().parents[2] / "docs" / "client.md"
KEY = "sk-doc"
BODY = b'{"run_id":"wr_1","status":"completed","created_at":"2025-01-01T00:00:00Z","modified_at":"2025-01-01T00:05:00Z","run_type":"workflow_run"}'  # fmt: skip


def doc_example() -> str:
    section = CLIENT_DOC.read_text(encoding="utf-8").split("## Verify a webhook", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


def request(body: bytes, headers: dict[str, str]) -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/hooks/skyvern",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


def signed(body: bytes, key: str = KEY, at: float | None = None) -> dict[str, str]:
    return {
        "X-Skyvern-Signature": hmac.new(key.encode(), body, hashlib.sha256).hexdigest(),
        "X-Skyvern-Timestamp": str(int(time.time() if at is None else at)),
    }


DELIVERIES: dict[str, tuple[Callable[[], tuple[bytes, dict[str, str]]], int]] = {
    "signed": (lambda: (BODY, signed(BODY)), 204),
    "tampered": (lambda: (BODY.replace(b"completed", b"failed"), signed(BODY)), 401),
    "wrong-key": (lambda: (BODY, signed(BODY, key="another")), 401),
    "unsigned": (lambda: (BODY, {"X-Skyvern-Timestamp": str(int(time.time()))}), 401),
    "stale": (lambda: (BODY, signed(BODY, at=time.time() - 3600)), 401),
}
"""Each delivery made when its test runs (a timestamp taken at collection is stale by then in a long run)."""


@pytest.mark.parametrize("case", DELIVERIES)
def test_the_documented_endpoint_accepts_only_signed_fresh_deliveries(
    case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    make, status = DELIVERIES[case]
    body, headers = make()
    namespace: dict[str, Any] = {"SKYVERN_API_KEY": KEY}
    exec(doc_example(), namespace)
    response = asyncio.run(namespace["skyvern_webhook"](request(body, headers)))
    assert response.status_code == status
    assert capsys.readouterr().out == ("wr_1 completed\n" if status == 204 else "")


def test_the_package_exports_the_webhook_names() -> None:
    for name in ("verify_workflow_run_webhook", "WebhookVerificationError", "WebhookPayloadError"):
        assert name in skyvern_client.__all__
    assert issubclass(skyvern_client.InvalidSignatureError, skyvern_client.APIError)


def test_a_verified_body_that_is_not_a_run_is_a_payload_error() -> None:
    body = b'{"run_id":"wr_1"}'
    with pytest.raises(skyvern_client.WebhookPayloadError, match="status"):
        skyvern_client.verify_workflow_run_webhook(body, signed(body), key=KEY)

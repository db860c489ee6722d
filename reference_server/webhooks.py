"""Signed webhook delivery, only to allowlisted hosts.

When a run reaches a terminal status (cancel included) and its request named a `webhook_url`, the server POSTs the
run (the `WorkflowRunResponse` body) there, as the live service does: compact JSON, `x-skyvern-signature` = hex
HMAC-SHA256 of the exact body bytes keyed with the API key, `x-skyvern-timestamp` = unix seconds. Up to three tries;
a try fails on a network error, a timeout or a non-2xx answer. The host must be on the allowlist (by default only
loopback: `127.0.0.1`, `::1`, `localhost` and the rest of 127.0.0.0/8); names are compared as written, never
resolved, and redirects are not followed, so a request can never make the server reach out.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import time
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

import httpx2

__all__ = [
    "DEFAULT_ALLOWED_HOSTS",
    "MAX_TRIES",
    "deliver",
    "encode_body",
    "host_allowed",
    "sign",
]

DEFAULT_ALLOWED_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_TRIES = 3


def encode_body(payload: Any) -> bytes:
    """The exact bytes that are sent and signed: compact JSON."""
    return json.dumps(payload, separators=(",", ":")).encode()


def sign(body: bytes, api_key: str) -> str:
    """Hex HMAC-SHA256 of `body` keyed with `api_key`.

    Example:
        >>> sign(b"{}", "key")[:12]
        'a777724d943e'
    """
    return hmac.new(api_key.encode(), body, hashlib.sha256).hexdigest()


def host_allowed(url: str, allowed: Collection[str]) -> bool:
    """Whether `url` points at an allowlisted host.

    Args:
        url: the webhook URL (already checked to be http(s)).
        allowed: host names or IP addresses; when it holds the default loopback names, every loopback
            address (127.0.0.0/8, ::1) is admitted too.

    Returns:
        True when a delivery may be attempted.
    """
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    if host in allowed:
        return True
    if set(allowed) >= DEFAULT_ALLOWED_HOSTS:
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return False


async def deliver(client: httpx2.AsyncClient, url: str, body: bytes, api_key: str, timeout: float) -> bool:
    """One delivery attempt.

    Returns:
        True on a 2xx answer; False on any other answer or on a network error or timeout.
    """
    headers = {
        "content-type": "application/json",
        "x-skyvern-signature": sign(body, api_key),
        "x-skyvern-timestamp": str(int(time.time())),
    }
    try:
        response = await client.post(url, content=body, headers=headers, timeout=timeout)
    except (httpx2.HTTPError, httpx2.InvalidURL, ValueError):
        return False
    return 200 <= response.status_code < 300

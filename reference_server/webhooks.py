"""Signed webhook delivery, only to allowlisted hosts.

When a run reaches a terminal status (cancel included) and its request named a `webhook_url`, the server POSTs the
run (the `WorkflowRunResponse` body) there, as the live service does: compact JSON, `x-skyvern-signature` = hex
HMAC-SHA256 of the exact body bytes keyed with the API key, `x-skyvern-timestamp` = unix seconds. Up to three tries;
a try fails on a network error, a timeout or a non-2xx answer. The host must be on the allowlist (by default only
loopback: `127.0.0.1`, `::1`, `localhost` and the rest of 127.0.0.0/8); names are compared as written, never
resolved, and redirects are not followed, so a request can never make the server reach out.

`Dispatcher` is the worker: it polls the store for runs whose webhook is due, delivers each in its own task, and
stores the outcome (`delivered`, `failed` after `MAX_TRIES`, or `pending` with the time of the next try).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import time
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx2

if TYPE_CHECKING:
    from reference_server.store import RunRecord, Store

__all__ = [
    "DEFAULT_ALLOWED_HOSTS",
    "MAX_TRIES",
    "Dispatcher",
    "deliver",
    "encode_body",
    "host_allowed",
    "initial_state",
    "sign",
]

logger = logging.getLogger("reference_server")

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


def initial_state(url: str | None, allowed: Collection[str]) -> str | None:
    """A new run's `webhook_state`: None without a URL, `pending` for an allowlisted host, else `blocked` (logged)."""
    if url is None:
        return None
    if host_allowed(url, allowed):
        return "pending"
    logger.warning("webhook host not on the allowlist, will not deliver: %s", url)
    return "blocked"


class Dispatcher:
    """Delivers the webhooks of finished runs: between `start()` and `stop()` it polls the store every `tick` seconds
    and delivers each due run's webhook in a task of its own.

    Args:
        store: where runs and their webhook state are kept.
        body: a run's webhook payload (its JSON value) at a moment.
        clock: the server's clock.
        api_key: the signing key.
        timeout: seconds per try.
        retry_seconds: the delay before a retry, times the number of tries so far (already scaled).
        tick: seconds between polls.
    """

    def __init__(
        self,
        store: Store,
        body: Callable[[RunRecord, float], Any],
        clock: Callable[[], float],
        *,
        api_key: str,
        timeout: float,
        retry_seconds: float,
        tick: float,
    ) -> None:
        self.store = store
        self.body = body
        self.clock = clock
        self.api_key = api_key
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self.tick = tick
        self._in_flight: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start polling (in the running event loop)."""
        self._worker = asyncio.create_task(self.run())

    async def run(self) -> None:
        """Deliver due webhooks, forever (cancelled at shutdown)."""
        transport = httpx2.AsyncHTTPTransport(retries=0)
        async with httpx2.AsyncClient(transport=transport, trust_env=False, follow_redirects=False) as client:
            while True:
                try:
                    for record in self.store.due_webhooks(self.clock()):
                        if record.run_id not in self._in_flight:
                            self._in_flight.add(record.run_id)
                            task = asyncio.create_task(self.try_once(client, record))
                            self._tasks.add(task)
                            task.add_done_callback(self._tasks.discard)
                except Exception:
                    logger.exception("webhook worker")
                await asyncio.sleep(self.tick)

    async def try_once(self, client: httpx2.AsyncClient, record: RunRecord) -> None:
        """One try at delivering a run's webhook; the store remembers the outcome and when to retry."""
        try:
            assert record.webhook_url is not None
            body = encode_body(self.body(record, self.clock()))
            ok = await deliver(client, record.webhook_url, body, self.api_key, self.timeout)
            attempts = record.webhook_attempts + 1
            if ok:
                self.store.record_webhook(record.run_id, state="delivered", attempts=attempts)
            elif attempts >= MAX_TRIES:
                self.store.record_webhook(record.run_id, state="failed", attempts=attempts)
                logger.warning("webhook for %s failed %d times, giving up", record.run_id, attempts)
            else:
                next_at = self.clock() + self.retry_seconds * attempts
                self.store.record_webhook(record.run_id, state="pending", attempts=attempts, next_at=next_at)
        except Exception:
            logger.exception("webhook delivery for %s", record.run_id)
        finally:
            self._in_flight.discard(record.run_id)

    async def stop(self) -> None:
        """Stop polling, cancel every delivery in flight, and wait for them."""
        worker = [self._worker] if self._worker is not None else []
        for task in [*worker, *self._tasks]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

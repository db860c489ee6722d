"""Retry policy: named constants and small pure functions.

Idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE, or an operation the spec marks `x-idempotent: true`) are
retried on connection errors, timeouts and the statuses in `RETRYABLE_STATUSES`.

Other requests (a POST that creates something, say) are retried only when the server provably did not process them:
the connection could not be made, or the server answered 429 or 503 *with* a `Retry-After` header. A read timeout,
a reset connection or a 500 after the request was sent may mean the work already started, so those are never
retried: a retry could do it twice.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "IDEMPOTENT_METHODS",
    "INITIAL_DELAY",
    "JITTER",
    "MAX_DELAY",
    "MAX_RETRY_AFTER",
    "RETRYABLE_STATUSES",
    "SAFE_TO_REPEAT_STATUSES",
    "backoff_delay",
    "retry_after_seconds",
    "should_retry",
]

DEFAULT_MAX_RETRIES = 2
INITIAL_DELAY = 0.5
"""Seconds before the first retry; doubled for each further one."""
MAX_DELAY = 8.0
JITTER = 0.25
"""Up to this fraction of the delay is randomly subtracted, so that clients do not retry in lock step."""
MAX_RETRY_AFTER = 60.0
"""A `Retry-After` longer than this is not honoured: the error is raised instead."""
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
SAFE_TO_REPEAT_STATUSES = frozenset({429, 503})
"""Statuses that, with a `Retry-After`, say the server refused the request before doing any work."""


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from `Retry-After` (seconds or an HTTP date), or None.

    Also reads the non-standard `retry-after-ms`. Negative and unparsable values count as absent.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    if (millis := lowered.get("retry-after-ms")) is not None:
        try:
            value = float(millis) / 1000
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        value = max(float(parsed.timestamp()) - (time.time() if now is None else now), 0.0)
    return value if value >= 0 else None


def backoff_delay(attempt: int, retry_after: float | None = None, *, rand: float | None = None) -> float:
    """Seconds to sleep before retry number `attempt` (0 for the first retry).

    A `Retry-After` within `MAX_RETRY_AFTER` wins; otherwise exponential backoff from `INITIAL_DELAY`, capped at
    `MAX_DELAY`, minus up to `JITTER` of itself.
    """
    if retry_after is not None and 0 <= retry_after <= MAX_RETRY_AFTER:
        return retry_after
    delay = min(INITIAL_DELAY * 2.0**attempt, MAX_DELAY)
    return delay * (1 - JITTER * (random.random() if rand is None else rand))


def should_retry(
    *,
    idempotent: bool,
    status: int | None = None,
    retry_after: float | None = None,
    connect_failed: bool = False,
) -> bool:
    """Whether a failed attempt may be sent again.

    Args:
        idempotent: the operation is safe to repeat.
        status: the response status, or None when there was no response.
        retry_after: seconds from the response's `Retry-After`, if any.
        connect_failed: no connection was made (refused, DNS, connect or pool timeout): nothing was sent.
    """
    if status is None:
        return connect_failed or idempotent
    if retry_after is not None and retry_after > MAX_RETRY_AFTER:
        return False
    if idempotent:
        return status in RETRYABLE_STATUSES
    return status in SAFE_TO_REPEAT_STATUSES and retry_after is not None

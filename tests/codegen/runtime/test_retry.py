"""The retry policy of the runtime (`codegen/runtime/_retry.py`), as tables."""

from __future__ import annotations

import pytest

from codegen.runtime._retry import (
    INITIAL_DELAY,
    JITTER,
    MAX_DELAY,
    MAX_RETRY_AFTER,
    backoff_delay,
    retry_after_seconds,
    should_retry,
)


@pytest.mark.parametrize(
    ("idempotent", "status", "retry_after", "connect_failed", "expected"),
    [
        # no response at all
        (False, None, None, True, True),  # could not connect: nothing was sent
        (False, None, None, False, False),  # read timeout / reset after sending: the run may exist
        (True, None, None, False, True),
        # a POST that starts a run
        (False, 500, None, False, False),
        (False, 502, None, False, False),
        (False, 503, None, False, False),
        (False, 503, 1.0, False, True),
        (False, 429, None, False, False),
        (False, 429, 0.0, False, True),
        (False, 408, None, False, False),
        (False, 500, 1.0, False, False),  # Retry-After does not make a 500 safe
        (False, 503, MAX_RETRY_AFTER + 1, False, False),
        # idempotent requests
        (True, 408, None, False, True),
        (True, 429, None, False, True),
        (True, 500, None, False, True),
        (True, 504, None, False, True),
        (True, 501, None, False, False),
        (True, 400, None, False, False),
        (True, 404, None, False, False),
        (True, 503, MAX_RETRY_AFTER + 1, False, False),
    ],
)
def test_should_retry(
    idempotent: bool, status: int | None, retry_after: float | None, connect_failed: bool, expected: bool
) -> None:
    decision = should_retry(
        idempotent=idempotent, status=status, retry_after=retry_after, connect_failed=connect_failed
    )
    assert decision is expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after": "-1"}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": ""}, None),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "x", "retry-after": "2"}, 2.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, 10.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:27:00 GMT"}, 0.0),
    ],
)
def test_retry_after_seconds(headers: dict[str, str], expected: float | None) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert retry_after_seconds(headers, now=now) == expected


@pytest.mark.parametrize(
    ("attempt", "retry_after", "rand", "expected"),
    [
        (0, None, 0.0, INITIAL_DELAY),
        (1, None, 0.0, INITIAL_DELAY * 2),
        (2, None, 0.0, INITIAL_DELAY * 4),
        (10, None, 0.0, MAX_DELAY),
        (0, None, 1.0, INITIAL_DELAY * (1 - JITTER)),
        (10, None, 1.0, MAX_DELAY * (1 - JITTER)),
        (0, 3.0, 0.5, 3.0),
        (5, 0.0, 0.5, 0.0),
        (0, MAX_RETRY_AFTER + 1, 0.0, INITIAL_DELAY),
    ],
)
def test_backoff_delay(attempt: int, retry_after: float | None, rand: float, expected: float) -> None:
    assert backoff_delay(attempt, retry_after, rand=rand) == pytest.approx(expected)


def test_jitter_stays_within_bounds() -> None:
    delays = {backoff_delay(1) for _ in range(200)}
    assert all(INITIAL_DELAY * 2 * (1 - JITTER) <= delay <= INITIAL_DELAY * 2 for delay in delays)
    assert len(delays) > 1

"""Waiting for a resource to settle: poll until its state is final, with backoff, jitter and an overall timeout.

A generated `<operation>_and_wait` method (declared by the spec's `x-wait` on the operation) is described once, as a
`Wait` (the call that starts, the call that reads the resource back given what the start returned, its state, the
final states), and made a method of the sync and the async client by `@waiter`: it sends the start, then
`poll_until` (or `async_poll_until`) polls:

    poll at once; a final state?  -> return that response
    otherwise sleep `interval` (minus up to `JITTER` of it), then `interval * BACKOFF`, ... at most `max_interval`
    the deadline passed?          -> `WaitTimeoutError`, with the last state and response

The deadline is `timeout` seconds after the wait began, on the monotonic clock; the last sleep ends at it and one
more poll is made there (so the wait ends at most one request's duration after it). States compare by value (an enum member by its `.value`): a state the spec does not list,
such as an `OpenStrEnum` pseudo-member `paused`, is not final, and the wait goes on. An error of the poll call
propagates (the client's retry policy has already resent what was safe to resend). The async version never catches
`CancelledError`: a cancelled task stops waiting at once and leaves nothing running.

Example (a generated helper polls with `poll=lambda: client.get_job(job_id)`, `state=lambda job: job.state`):
    >>> states = iter(["queued", "running", "done"])
    >>> poll_until(lambda: next(states), lambda state: state, ("done", "failed"), timeout=60, sleep=lambda s: None)
    'done'
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Collection, Coroutine
from dataclasses import dataclass
from enum import Enum
from types import MethodType
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from ._base_client import AsyncAPIClient, SyncAPIClient
from ._calls import Call
from ._exceptions import APIError

__all__ = ["WaitTimeoutError"]

T = TypeVar("T")
S = TypeVar("S")
P = ParamSpec("P")

DEFAULT_WAIT_TIMEOUT = 1800.0
"""Seconds a generated `..._and_wait` method waits for a final state unless told otherwise (`wait_timeout=`)."""
DEFAULT_POLL_INTERVAL = 1.0
"""Seconds between the first two polls (`poll_interval=`); each later pause is `BACKOFF` times longer."""
BACKOFF = 1.5
MAX_POLL_INTERVAL = 10.0
"""The longest pause between two polls (a `poll_interval` above it is kept as given)."""
JITTER = 0.25
"""Up to this fraction of each pause is randomly taken off it, so that waiting clients do not poll in lock step."""
_MAX_EXPONENT = 64
"""`BACKOFF ** 64` is far above any cap: a wait without a deadline never overflows the float."""

_log = logging.getLogger(__name__.rpartition(".")[0] or __name__)


class WaitTimeoutError(APIError, Generic[T]):
    """No final state within the wait's timeout.

    Attributes:
        last_state: the state the last poll read (an enum member, or the value as parsed).
        last_response: the last poll's parsed response (the poll operation's model), `last_state` read from it.
        polls: how many polls were made.
        elapsed: seconds from the start of the wait to the last poll's answer (monotonic clock).

    Example (a generated helper, `client.start_job_and_wait(name="nightly-export", wait_timeout=600)`, raises it too):
        >>> try:
        ...     poll_until(lambda: "running", lambda state: state, ("done",), timeout=0, sleep=lambda s: None)
        ... except WaitTimeoutError as error:
        ...     print(error.last_state, error.last_response, error.polls)
        running running 1
    """

    def __init__(self, *, last_state: object, last_response: T, polls: int, elapsed: float) -> None:
        super().__init__(
            f"no final state after {elapsed:.1f}s ({polls} poll{'s' if polls != 1 else ''}); "
            f"last state: {state_value(last_state)!r}"
        )
        self.last_state = last_state
        self.last_response = last_response
        self.polls = polls
        self.elapsed = elapsed


def check_wait_options(timeout: float | None, interval: float, max_interval: float = MAX_POLL_INTERVAL) -> None:
    """Refuse a wait that could never end or would busy-loop; a generated helper calls it before it starts anything.

    Raises:
        ValueError: a negative (or NaN) `timeout`, or an `interval` or `max_interval` that is not > 0 and finite.
    """
    if timeout is not None and not timeout >= 0:
        raise ValueError(f"the wait's timeout must be >= 0 seconds or None, got {timeout!r}")
    for name, value in (("poll interval", interval), ("longest poll interval", max_interval)):
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"the {name} must be > 0 seconds, got {value!r}")


def state_value(state: object) -> object:
    """What a state is compared by: an enum member's value (known or not), any other value itself."""
    return state.value if isinstance(state, Enum) else state


def poll_delay(poll: int, interval: float, max_interval: float = MAX_POLL_INTERVAL, *, rand: float) -> float:
    """Seconds to pause after poll number `poll` (0 for the first) before the next one.

    `interval * BACKOFF ** poll`, capped at `max_interval` (or at `interval` when that is longer), minus up to
    `JITTER` of itself (`rand` in [0, 1) says how much).
    """
    delay = min(interval * BACKOFF ** min(poll, _MAX_EXPONENT), max(max_interval, interval))
    return delay * (1 - JITTER * rand)


class _Wait(Generic[T]):
    """The bookkeeping of one wait, shared by the sync and async loops: after each poll, done or how long to pause."""

    def __init__(
        self,
        final: Collection[object],
        *,
        timeout: float | None,
        interval: float,
        max_interval: float,
        clock: Callable[[], float],
        rand: Callable[[], float],
    ) -> None:
        check_wait_options(timeout, interval, max_interval)
        if not final:
            raise ValueError("a wait needs at least one final state")
        self._final = tuple(state_value(value) for value in final)
        self._interval = interval
        self._max_interval = max_interval
        self._clock = clock
        self._rand = rand
        self._began = clock()
        self._deadline = None if timeout is None else self._began + timeout
        self._polls = 0

    def pause_after(self, response: T, state: object) -> float | None:
        """Seconds to sleep before the next poll, or None when `state` is final.

        Raises:
            WaitTimeoutError: the deadline has passed and `state` is not final.
        """
        self._polls += 1
        value = state_value(state)
        if value in self._final:
            return None
        now = self._clock()
        delay = poll_delay(self._polls - 1, self._interval, self._max_interval, rand=self._rand())
        if self._deadline is not None:
            remaining = self._deadline - now
            if remaining <= 0:
                raise WaitTimeoutError(
                    last_state=state, last_response=response, polls=self._polls, elapsed=now - self._began
                )
            delay = min(delay, remaining)
        _log.debug("State %r after %d poll(s): polling again in %.2fs", value, self._polls, delay)
        return delay


def poll_until(
    poll: Callable[[], T],
    state: Callable[[T], object],
    final: Collection[object],
    *,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    interval: float = DEFAULT_POLL_INTERVAL,
    max_interval: float = MAX_POLL_INTERVAL,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rand: Callable[[], float] = random.random,
) -> T:
    """Call `poll` until `state` of its result is one of `final`; return that result.

    Args:
        poll: reads the resource (a generated method call); its errors propagate.
        state: the resource's state in a result of `poll`.
        final: the states that end the wait, compared by value.
        timeout: seconds to wait in all, or None for no limit.
        interval: seconds between the first two polls.
        max_interval: the longest pause between two polls.
        sleep, clock, rand: `time.sleep`, `time.monotonic` and `random.random` unless a test gives its own.

    Raises:
        WaitTimeoutError: no final state within `timeout` seconds.
        ValueError: a negative `timeout`, an `interval` that is not > 0, or no `final` state.
    """
    wait: _Wait[T] = _Wait(final, timeout=timeout, interval=interval, max_interval=max_interval, clock=clock, rand=rand)
    while True:
        response = poll()
        pause = wait.pause_after(response, state(response))
        if pause is None:
            return response
        sleep(pause)


async def async_poll_until(
    poll: Callable[[], Awaitable[T]],
    state: Callable[[T], object],
    final: Collection[object],
    *,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    interval: float = DEFAULT_POLL_INTERVAL,
    max_interval: float = MAX_POLL_INTERVAL,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    rand: Callable[[], float] = random.random,
) -> T:
    """`poll_until` for an async `poll`; cancelling the awaiting task stops the wait at once (nothing is left running).

    Args:
        poll: reads the resource (a generated async method call); its errors propagate.
        sleep: `asyncio.sleep` unless a test gives its own; the rest as for `poll_until`.

    Raises:
        WaitTimeoutError: no final state within `timeout` seconds.
        ValueError: a negative `timeout`, an `interval` that is not > 0, or no `final` state.
    """
    wait: _Wait[T] = _Wait(final, timeout=timeout, interval=interval, max_interval=max_interval, clock=clock, rand=rand)
    while True:
        response = await poll()
        pause = wait.pause_after(response, state(response))
        if pause is None:
            return response
        await sleep(pause)


@dataclass(frozen=True, slots=True)
class Wait(Generic[S, T]):
    """What a waiting helper's description returns: the call that starts (answered with an `S`), the call that
    reads the resource back given that answer (with a `T`), how to read the state off a `T`, and the wait's options."""

    start: Call[S]
    poll: Callable[[S], Call[T]]
    state: Callable[[T], object]
    final: Collection[object]
    timeout: float | None
    interval: float


class waiter(Generic[P, T]):  # a decorator, named as one
    """A waiting helper's description (a `Wait`), as a method of the sync and the async client (not of their raw
    twins): arguments checked (`check_wait_options`) before anything is sent, then the start, then the polls."""

    def __init__(self, describe: Callable[Concatenate[Any, P], Wait[Any, T]]) -> None:
        self.describe = describe
        self.__doc__ = describe.__doc__

        @functools.wraps(describe)
        def sync_method(client: SyncAPIClient, /, *args: Any, **kwargs: Any) -> Any:
            wait = describe(client, *args, **kwargs)
            check_wait_options(wait.timeout, wait.interval)
            started = client._request(*wait.start)
            poll = functools.partial(_send_poll, client, wait, started)
            return poll_until(poll, wait.state, wait.final, timeout=wait.timeout, interval=wait.interval)

        @functools.wraps(describe)
        async def async_method(client: AsyncAPIClient, /, *args: Any, **kwargs: Any) -> Any:
            wait = describe(client, *args, **kwargs)
            check_wait_options(wait.timeout, wait.interval)
            started = await client._request(*wait.start)
            poll = functools.partial(_send_poll, client, wait, started)
            return await async_poll_until(poll, wait.state, wait.final, timeout=wait.timeout, interval=wait.interval)

        self._methods = (sync_method, async_method)

    @overload
    def __get__(self, owner: None, owner_type: type[Any]) -> Self: ...
    @overload
    def __get__(self, owner: SyncAPIClient, owner_type: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(self, owner: AsyncAPIClient, owner_type: type[Any]) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, owner: object, owner_type: type[Any] | None = None) -> Any:
        if owner is None:
            return self
        return MethodType(self._methods[1] if isinstance(owner, AsyncAPIClient) else self._methods[0], owner)


def _send_poll(client: Any, wait: Wait[Any, Any], started: object) -> Any:
    """One poll of `wait`: its call sent by `client` (an awaitable on an async client)."""
    return client._request(*wait.poll(started))

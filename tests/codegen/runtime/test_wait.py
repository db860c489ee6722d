"""The wait loop of the runtime (`codegen/runtime/_wait.py`) on a fake clock: nothing here really sleeps."""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Iterator
from typing import Any

import pytest

import skyvern_client
from codegen.runtime._enums import OpenStrEnum
from codegen.runtime._exceptions import APIError
from codegen.runtime._wait import (
    BACKOFF,
    JITTER,
    MAX_POLL_INTERVAL,
    WaitTimeoutError,
    async_poll_until,
    poll_delay,
    poll_until,
)


class Status(OpenStrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Clock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Resource:
    """What a poll reads: one state per poll, the last one again once the script runs out."""

    def __init__(self, *states: object) -> None:
        self._states: Iterator[object] = iter(states)
        self._last = states[-1]
        self.polls: list[dict[str, object]] = []

    def poll(self) -> dict[str, object]:
        self._last = next(self._states, self._last)
        response = {"state": self._last, "poll": len(self.polls) + 1}
        self.polls.append(response)
        return response

    async def async_poll(self) -> dict[str, object]:
        return self.poll()


def state(response: dict[str, object]) -> object:
    return response["state"]


def wait(resource: Resource, clock: Clock, final: tuple[object, ...] = ("completed", "failed"), **options: Any) -> Any:
    return poll_until(resource.poll, state, final, sleep=clock.sleep, clock=clock, rand=lambda: 0.0, **options)


@pytest.mark.parametrize(
    ("poll", "interval", "expected"),
    [
        (0, 1.0, 1.0),
        (1, 1.0, 1.5),
        (2, 1.0, 2.25),
        (3, 1.0, 3.375),
        (5, 1.0, 7.59375),
        (6, 1.0, MAX_POLL_INTERVAL),  # 11.39 capped
        (40, 1.0, MAX_POLL_INTERVAL),
        (10**6, 1.0, MAX_POLL_INTERVAL),  # no OverflowError however long the wait
        (0, 0.05, 0.05),
        (0, 30.0, 30.0),  # an interval above the cap is kept as given
        (3, 30.0, 30.0),
    ],
)
def test_backoff_grows_by_the_factor_and_is_capped(poll: int, interval: float, expected: float) -> None:
    assert poll_delay(poll, interval, rand=0.0) == pytest.approx(expected)


@pytest.mark.parametrize("poll", [0, 1, 4, 9, 50])
def test_jitter_takes_at_most_its_fraction_off_the_pause(poll: int) -> None:
    full = poll_delay(poll, 1.0, rand=0.0)
    samples = [poll_delay(poll, 1.0, rand=random.random()) for _ in range(500)]
    assert all(full * (1 - JITTER) <= sample <= full for sample in samples)
    assert max(samples) - min(samples) > full * JITTER / 2  # it does vary
    assert poll_delay(poll, 1.0, rand=math.nextafter(1.0, 0.0)) == pytest.approx(full * (1 - JITTER))


def test_the_first_poll_is_at_once_and_the_pauses_grow_until_a_final_state() -> None:
    clock, resource = Clock(), Resource("created", "queued", "running", "running", "completed")
    assert wait(resource, clock) == {"state": "completed", "poll": 5}
    assert clock.slept == [1.0, BACKOFF, BACKOFF**2, BACKOFF**3]


def test_a_final_state_at_the_first_poll_ends_the_wait_without_sleeping() -> None:
    clock, resource = Clock(), Resource("failed")
    assert wait(resource, clock)["state"] == "failed"
    assert clock.slept == []
    assert len(resource.polls) == 1


def test_the_timeout_raises_the_typed_error_with_the_last_state_and_response() -> None:
    clock, resource = Clock(), Resource("queued", "running")
    with pytest.raises(WaitTimeoutError) as caught:
        wait(resource, clock, timeout=5.0, interval=1.0)
    error = caught.value
    assert isinstance(error, APIError)
    assert error.last_state == "running"
    assert error.last_response is resource.polls[-1]
    assert error.polls == len(resource.polls) == 5
    assert clock.slept == [1.0, 1.5, 2.25, 0.25]  # the last pause ends at the deadline, where one more poll is made
    assert error.elapsed == pytest.approx(5.0)
    assert "'running'" in str(error)
    assert "5 polls" in str(error)


def test_a_zero_timeout_polls_once() -> None:
    clock, resource = Clock(), Resource("running")
    with pytest.raises(WaitTimeoutError) as caught:
        wait(resource, clock, timeout=0)
    assert (caught.value.polls, clock.slept) == (1, [])


def test_no_timeout_waits_as_long_as_it_takes_with_capped_pauses() -> None:
    clock, resource = Clock(), Resource(*["running"] * 3000, "completed")
    assert wait(resource, clock, timeout=None)["poll"] == 3001
    assert max(clock.slept) == MAX_POLL_INTERVAL
    assert len(clock.slept) == 3000


def test_an_enum_state_the_spec_does_not_list_is_not_final_and_the_wait_goes_on() -> None:
    clock, resource = Clock(), Resource(Status.RUNNING, Status("paused"), Status("paused"), Status.COMPLETED)
    assert Status("paused").is_unknown
    assert wait(resource, clock, final=("completed", "failed"))["state"] is Status.COMPLETED
    assert len(resource.polls) == 4


def test_states_compare_by_value_whichever_side_is_an_enum() -> None:
    assert wait(Resource(Status.FAILED), Clock(), final=("failed",))["poll"] == 1
    assert wait(Resource("failed"), Clock(), final=(Status.FAILED,))["poll"] == 1
    assert wait(Resource(Status.COMPLETED), Clock(), final=(Status.COMPLETED,))["poll"] == 1


def test_an_error_of_the_poll_propagates_and_ends_the_wait() -> None:
    clock, calls = Clock(), []

    def poll() -> dict[str, object]:
        calls.append(1)
        if len(calls) == 2:
            raise APIError("404 - the run is gone")
        return {"state": "running"}

    with pytest.raises(APIError, match="the run is gone"):
        poll_until(poll, state, ("completed",), sleep=clock.sleep, clock=clock)
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("options", "final", "message"),
    [
        ({"timeout": -1.0}, ("done",), "timeout must be >= 0"),
        ({"timeout": math.nan}, ("done",), "timeout must be >= 0"),
        ({"interval": 0.0}, ("done",), "poll interval must be > 0"),
        ({"interval": -1.0}, ("done",), "poll interval must be > 0"),
        ({"interval": math.inf}, ("done",), "poll interval must be > 0"),
        ({"max_interval": 0.0}, ("done",), "longest poll interval must be > 0"),
        ({}, (), "at least one final state"),
    ],
)
def test_arguments_that_would_busy_loop_or_never_end_are_refused_before_any_poll(
    options: dict[str, float], final: tuple[object, ...], message: str
) -> None:
    resource = Resource("running")
    with pytest.raises(ValueError, match=message):
        wait(resource, Clock(), final=final, **options)
    assert resource.polls == []


def test_the_async_wait_keeps_the_same_schedule() -> None:
    clock, resource = Clock(), Resource("created", "running", "running", "completed")
    result = asyncio.run(
        async_poll_until(
            resource.async_poll, state, ("completed",), sleep=clock.async_sleep, clock=clock, rand=lambda: 0.0
        )
    )
    assert result == {"state": "completed", "poll": 4}
    assert clock.slept == [1.0, 1.5, 2.25]


def test_the_async_timeout_raises_the_typed_error() -> None:
    clock, resource = Clock(), Resource("running")
    waiting = async_poll_until(
        resource.async_poll, state, ("completed",), timeout=2.0, sleep=clock.async_sleep, clock=clock, rand=lambda: 0
    )
    with pytest.raises(WaitTimeoutError) as caught:
        asyncio.run(waiting)
    assert (caught.value.last_state, caught.value.polls, clock.slept) == ("running", 3, [1.0, 1.0])


def test_cancelling_an_async_wait_stops_it_at_once_and_leaves_nothing_running() -> None:
    resource = Resource("running")

    async def scenario() -> tuple[bool, int, set[asyncio.Task[Any]]]:
        sleeping, never = asyncio.Event(), asyncio.Event()

        async def sleep(seconds: float) -> None:
            sleeping.set()
            await never.wait()  # a pause that only a cancellation ends

        task = asyncio.create_task(async_poll_until(resource.async_poll, state, ("completed",), sleep=sleep))
        await sleeping.wait()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            cancelled = True
        else:
            cancelled = False
        polls = len(resource.polls)
        await asyncio.sleep(0)  # one more turn of the loop: a leftover task or callback would poll again here
        assert len(resource.polls) == polls
        return cancelled, polls, asyncio.all_tasks() - {asyncio.current_task()}

    cancelled, polls, left = asyncio.run(scenario())
    assert cancelled
    assert polls == 1
    assert left == set()


def test_a_cancellation_during_a_poll_is_not_swallowed() -> None:
    async def scenario() -> bool:
        started = asyncio.Event()

        async def poll() -> dict[str, object]:
            started.set()
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        task = asyncio.create_task(async_poll_until(poll, state, ("completed",)))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return task.cancelled()

    assert asyncio.run(scenario())


def test_the_generated_package_exports_the_error_under_its_own_root() -> None:
    assert issubclass(skyvern_client.WaitTimeoutError, skyvern_client.APIError)
    assert "WaitTimeoutError" in skyvern_client.__all__

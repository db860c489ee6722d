"""`run_workflow_and_wait` against the reference server (the `skyvern` plugin's): every scripted terminal outcome,
sync and async, a cancel, and the timeout of a run that never ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from reference_server.pytest_plugin import SkyvernServer
from skyvern_client import AsyncSkyvernClient, SkyvernClient, WaitTimeoutError, models

pytestmark = pytest.mark.network

POLL = 0.02
"""Seconds between the first two polls: the scripted runs end within 50 ms at the server's clock."""
DEADLINE = 30.0
"""A `wait_timeout` that no run which ends should reach."""
SCRIPTED = ["completed", "failed", "timed_out", "terminated"]


def async_client(server: SkyvernServer, **options: Any) -> AsyncSkyvernClient:
    return AsyncSkyvernClient(api_key=server.api_key, base_url=server.base_url, **options)


def check_ended(run: models.WorkflowRunResponse, status: str) -> None:
    assert run.status == status
    assert not run.status.is_unknown
    assert run.run_id.startswith("wr_")
    assert run.finished_at is not None
    if status == "completed":
        assert run.output
    else:
        assert run.failure_reason


@pytest.mark.parametrize("status", SCRIPTED)
def test_run_and_wait_reaches_each_scripted_outcome(skyvern_server: SkyvernServer, status: str) -> None:
    run = skyvern_server.client.run_workflow_and_wait(
        workflow_id=skyvern_server.workflow(status), poll_interval=POLL, wait_timeout=DEADLINE
    )
    check_ended(run, status)
    assert skyvern_server.client.get_run(run.run_id) == run  # a terminal run never changes again


@pytest.mark.parametrize("status", SCRIPTED)
def test_async_run_and_wait_reaches_each_scripted_outcome(skyvern_server: SkyvernServer, status: str) -> None:
    async def scenario() -> models.WorkflowRunResponse:
        async with async_client(skyvern_server) as client:
            return await client.run_workflow_and_wait(
                workflow_id=skyvern_server.workflow(status), poll_interval=POLL, wait_timeout=DEADLINE
            )

    check_ended(asyncio.run(scenario()), status)


def test_run_and_wait_ends_on_a_cancel(skyvern_server: SkyvernServer) -> None:
    """The run would never end; a cancel sent as soon as it is started (from a response hook) ends the wait."""

    def cancel_once_started(response: httpx2.Response) -> None:
        if response.request.method == "POST" and response.request.url.path == "/v1/run/workflows":
            response.read()
            skyvern_server.client.cancel_run(response.json()["run_id"])

    http = httpx2.Client(event_hooks={"response": [cancel_once_started]})
    with SkyvernClient(api_key=skyvern_server.api_key, base_url=skyvern_server.base_url, http_client=http) as client:
        run = client.run_workflow_and_wait(
            workflow_id=skyvern_server.workflow("running"), poll_interval=POLL, wait_timeout=DEADLINE
        )
    http.close()
    assert run.status == "canceled"


def test_async_run_and_wait_ends_on_a_cancel(skyvern_server: SkyvernServer) -> None:
    async def scenario() -> models.WorkflowRunResponse:
        async with async_client(skyvern_server) as canceller:

            async def cancel_once_started(response: httpx2.Response) -> None:
                if response.request.method == "POST" and response.request.url.path == "/v1/run/workflows":
                    await response.aread()
                    await canceller.cancel_run(response.json()["run_id"])

            async with httpx2.AsyncClient(event_hooks={"response": [cancel_once_started]}) as http:
                client = async_client(skyvern_server, http_client=http)
                return await client.run_workflow_and_wait(
                    workflow_id=skyvern_server.workflow("running"), poll_interval=POLL, wait_timeout=DEADLINE
                )

    assert asyncio.run(scenario()).status == "canceled"


def check_timed_out(
    error: WaitTimeoutError[models.WorkflowRunResponse], state: str, waited: float, wait_timeout: float
) -> None:
    assert error.last_state == state
    assert isinstance(error.last_response, models.WorkflowRunResponse)
    assert error.last_response.status == state
    assert error.polls >= 3
    assert wait_timeout <= error.elapsed < wait_timeout + 2.0
    assert waited < wait_timeout + 2.0


def test_a_run_that_stays_running_makes_the_wait_time_out(skyvern_server: SkyvernServer) -> None:
    began = time.monotonic()
    with pytest.raises(WaitTimeoutError) as caught:
        skyvern_server.client.run_workflow_and_wait(
            workflow_id=skyvern_server.workflow("running"), wait_timeout=0.3, poll_interval=POLL
        )
    check_timed_out(caught.value, "running", time.monotonic() - began, 0.3)


def test_async_a_run_that_stays_running_makes_the_wait_time_out(skyvern_server: SkyvernServer) -> None:
    async def scenario() -> None:
        async with async_client(skyvern_server) as client:
            await client.run_workflow_and_wait(
                workflow_id=skyvern_server.workflow("running"), wait_timeout=0.3, poll_interval=POLL
            )

    began = time.monotonic()
    with pytest.raises(WaitTimeoutError) as caught:
        asyncio.run(scenario())
    check_timed_out(caught.value, "running", time.monotonic() - began, 0.3)


def test_a_status_the_spec_does_not_list_is_not_taken_for_an_end(skyvern_server: SkyvernServer) -> None:
    with pytest.raises(WaitTimeoutError) as caught:
        skyvern_server.client.run_workflow_and_wait(
            workflow_id=skyvern_server.workflow("paused"), wait_timeout=0.4, poll_interval=POLL
        )
    assert caught.value.last_state == "paused"
    assert isinstance(caught.value.last_state, models.RunStatus)
    assert caught.value.last_state.is_unknown


def test_cancelling_the_async_wait_stops_polling_at_once(skyvern_server: SkyvernServer) -> None:
    sent: list[str] = []

    async def record(request: httpx2.Request) -> None:
        sent.append(request.method)

    async def scenario() -> tuple[bool, int, int]:
        async with httpx2.AsyncClient(event_hooks={"request": [record]}) as http:
            client = async_client(skyvern_server, http_client=http)
            waiting = asyncio.create_task(
                client.run_workflow_and_wait(workflow_id=skyvern_server.workflow("running"), poll_interval=POLL)
            )
            await until(lambda: sent.count("GET") >= 3)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            polls = sent.count("GET")
            await asyncio.sleep(0.2)  # ten first poll intervals: a wait left running would have polled again
            return waiting.cancelled(), polls, sent.count("GET")

    cancelled, polls_at_cancel, polls_later = asyncio.run(scenario())
    assert cancelled
    assert polls_later == polls_at_cancel


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.005)

"""The tolerant reader (`_tolerance`): what the default client accepts, how it says so, and what `strict` rejects."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import httpx2
import pytest

from skyvern_client import (
    TOLERATED,
    APIResponseValidationError,
    AsyncSkyvernClient,
    Deviation,
    SkyvernClient,
    models,
    strict_parsing,
)

NAIVE = "2026-12-01T13:57:56.186059"
RUN: dict[str, Any] = {
    "run_id": "wr_1",
    "status": "created",
    "created_at": "2025-01-01T00:00:00Z",
    "modified_at": "2025-01-01T00:05:00+02:00",
    "run_type": "workflow_run",
}
REAL_SERVER_RUN = {**RUN, "created_at": NAIVE, "modified_at": NAIVE, "finished_at": None}
"""What Skyvern 1.0.56 sends: timestamps without a UTC offset (docs/fidelity.md)."""


def client_answering(body: dict[str, Any], **options: Any) -> SkyvernClient:
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, json=body))
    return SkyvernClient(api_key="k", base_url="http://test", http_client=httpx2.Client(transport=transport), **options)


def test_a_naive_date_time_is_kept_as_sent() -> None:
    run = client_answering(REAL_SERVER_RUN).get_run("wr_1")
    assert run.created_at == dt.datetime(2026, 12, 1, 13, 57, 56, 186059)
    assert run.created_at.tzinfo is None  # detectable on the value itself: no offset was sent, none is made up


def test_a_body_that_matches_has_no_deviations_and_keeps_its_offsets() -> None:
    raw = client_answering(RUN).with_raw_response.get_run("wr_1")
    run = raw.parse()
    assert raw.deviations == ()
    assert run.modified_at.utcoffset() == dt.timedelta(hours=2)


def test_deviations_name_every_tolerated_value_with_its_location() -> None:
    body = {**REAL_SERVER_RUN, "status": "paused", "finished_at": NAIVE}
    raw = client_answering(body).with_raw_response.get_run("wr_1")
    raw.parse()
    found = {(d.location, d.kind, d.value) for d in raw.deviations}
    assert found == {
        (("status",), "enum", "paused"),
        (("created_at",), "timezone_aware", NAIVE),
        (("modified_at",), "timezone_aware", NAIVE),
        (("finished_at",), "timezone_aware", NAIVE),
    }
    assert all(isinstance(d, Deviation) and d.kind in TOLERATED for d in raw.deviations)
    assert str(next(d for d in raw.deviations if d.location == ("created_at",))).startswith("created_at: ")


def test_a_deviation_inside_a_union_is_found() -> None:
    body = {**RUN, "run_request": {"workflow_id": "wpid_1", "proxy_location": "RESIDENTIAL_KR"}}
    raw = client_answering(body).with_raw_response.get_run("wr_1")
    assert raw.parse().run_request is not None
    [deviation] = raw.deviations
    assert deviation.location[:2] == ("run_request", "proxy_location")
    assert (deviation.kind, deviation.value) == ("enum", "RESIDENTIAL_KR")


def test_strict_client_rejects_and_names_the_fields() -> None:
    with pytest.raises(APIResponseValidationError) as caught:
        client_answering(REAL_SERVER_RUN, strict=True).get_run("wr_1")
    assert {error["loc"] for error in caught.value.errors} == {("created_at",), ("modified_at",)}
    assert {error["type"] for error in caught.value.errors} == {"timezone_aware"}
    assert "created_at" in str(caught.value)


def test_strict_parsing_block_rejects_a_naive_date_time_in_a_model() -> None:
    with strict_parsing(), pytest.raises(ValueError, match="created_at"):
        models.WorkflowRunResponse.model_validate(REAL_SERVER_RUN)
    with strict_parsing(), strict_parsing(False):
        assert models.WorkflowRunResponse.model_validate(REAL_SERVER_RUN).created_at.tzinfo is None


def test_what_loses_meaning_still_raises() -> None:
    for body in ({**RUN, "created_at": "yesterday"}, {k: v for k, v in RUN.items() if k != "status"}):
        with pytest.raises(APIResponseValidationError):
            client_answering(body).get_run("wr_1")


def test_the_first_deviation_at_a_place_is_a_warning_later_ones_debug(caplog: pytest.LogCaptureFixture) -> None:
    client = client_answering({**REAL_SERVER_RUN, "queued_at": NAIVE})
    with caplog.at_level(logging.DEBUG, logger="skyvern_client"):
        client.get_run("wr_1")
        client.get_run("wr_1")
    queued = [record for record in caplog.records if "queued_at" in record.getMessage()]
    assert [record.levelno for record in queued] == [logging.WARNING, logging.DEBUG]
    assert "GET /v1/runs/{run_id}" in queued[0].getMessage()


def test_async_client_is_as_tolerant() -> None:
    async def main() -> tuple[models.WorkflowRunResponse, tuple[Deviation, ...]]:
        transport = httpx2.MockTransport(lambda request: httpx2.Response(200, json=REAL_SERVER_RUN))
        async with AsyncSkyvernClient(
            api_key="k", base_url="http://test", http_client=httpx2.AsyncClient(transport=transport)
        ) as client:
            raw = await client.with_raw_response.get_run("wr_1")
            return await client.get_run("wr_1"), raw.deviations

    run, deviations = asyncio.run(main())
    assert run.created_at.tzinfo is None
    assert len(deviations) == 2

"""The generated `skyvern_client` against `httpx2.MockTransport`: no network, no patching of httpx."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

import skyvern_client
from skyvern_client import (
    NOT_GIVEN,
    APIResponseValidationError,
    APITimeoutError,
    AsyncSkyvernClient,
    InternalServerError,
    PermissionDeniedError,
    RateLimitError,
    SkyvernClient,
    UnprocessableEntityError,
    models,
    strict_parsing,
)

KEY = "sk-test-very-secret"
RUN: dict[str, Any] = {
    "run_id": "wr_1",
    "status": "created",
    "created_at": "2025-01-01T00:00:00Z",
    "modified_at": "2025-01-01T00:05:00Z",
    "run_type": "workflow_run",
}
Handler = Callable[[httpx2.Request], httpx2.Response]


class Recorder:
    """A MockTransport handler that answers from a script and keeps every request."""

    def __init__(self, *answers: httpx2.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def make_client(handler: Handler, **options: Any) -> SkyvernClient:
    transport = httpx2.MockTransport(handler)
    return SkyvernClient(api_key=KEY, base_url="http://test", http_client=httpx2.Client(transport=transport), **options)


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


def test_unknown_status_parses_keeps_its_string_and_is_detectable() -> None:
    client = make_client(Recorder(httpx2.Response(200, json={**RUN, "status": "paused"})))
    run = client.get_run("wr_1")
    assert run.status == "paused"
    assert run.status.is_unknown
    assert not models.RunStatus.CREATED.is_unknown
    assert run.model_dump(mode="json")["status"] == "paused"


def test_strict_mode_rejects_unknown_status() -> None:
    client = make_client(Recorder(httpx2.Response(200, json={**RUN, "status": "paused"})), strict=True)
    with pytest.raises(APIResponseValidationError) as caught:
        client.get_run("wr_1")
    assert caught.value.errors[0]["loc"] == ("status",)
    assert caught.value.body == {**RUN, "status": "paused"}
    assert caught.value.status_code == 200


def test_unknown_proxy_name_inside_the_union_is_kept_and_strict_rejects_it() -> None:
    body = {**RUN, "run_request": {"workflow_id": "wpid_1", "proxy_location": "RESIDENTIAL_KR"}}
    run = make_client(Recorder(httpx2.Response(200, json=body))).get_run("wr_1")
    assert isinstance(run.run_request, models.WorkflowRunRequest)
    proxy = run.run_request.proxy_location
    assert isinstance(proxy, models.ProxyLocation)
    assert proxy == "RESIDENTIAL_KR"
    assert proxy.is_unknown
    with strict_parsing(), pytest.raises(ValueError, match="proxy_location"):
        models.WorkflowRunRequest.model_validate(body["run_request"])


@pytest.mark.parametrize(
    ("kwargs", "wire"),
    [
        ({}, {"workflow_id": "wpid_1"}),
        ({"title": None}, {"workflow_id": "wpid_1", "title": None}),
        ({"title": "t"}, {"workflow_id": "wpid_1", "title": "t"}),
        ({"title": NOT_GIVEN}, {"workflow_id": "wpid_1"}),
        ({"proxy_location": None}, {"workflow_id": "wpid_1", "proxy_location": None}),
        ({"proxy_location": "US-CA"}, {"workflow_id": "wpid_1", "proxy_location": "US-CA"}),
        ({"proxy_location": models.ProxyLocation.NONE}, {"workflow_id": "wpid_1", "proxy_location": "NONE"}),
        (
            {"proxy_location": models.GeoTarget(country="US", city="San Francisco")},
            {"workflow_id": "wpid_1", "proxy_location": {"country": "US", "city": "San Francisco"}},
        ),
        ({"parameters": {"a": [1, None]}}, {"workflow_id": "wpid_1", "parameters": {"a": [1, None]}}),
    ],
)
def test_three_states_on_the_wire(kwargs: dict[str, Any], wire: dict[str, Any]) -> None:
    recorder = Recorder(httpx2.Response(200, json=RUN))
    make_client(recorder).run_workflow(workflow_id="wpid_1", **kwargs)
    assert recorder.body() == wire


def test_query_and_headers() -> None:
    recorder = Recorder(httpx2.Response(200, json=RUN))
    client = make_client(recorder)
    client.run_workflow(
        workflow_id="w", template=True, max_steps_override=7, user_agent="ci", extra_headers={"x-a": "b"}
    )
    request = recorder.requests[-1]
    assert request.url.params["template"] == "true"
    assert request.headers["x-max-steps-override"] == "7"
    assert request.headers["x-user-agent"] == "ci"
    assert request.headers["x-a"] == "b"
    assert request.headers["x-api-key"] == KEY
    client.run_workflow(workflow_id="w", max_steps_override=None)
    assert "x-max-steps-override" not in recorder.requests[-1].headers
    assert "template" not in recorder.requests[-1].url.params


def test_path_parameters_are_escaped_and_must_not_be_empty() -> None:
    recorder = Recorder(httpx2.Response(200, json=None))
    client = make_client(recorder)
    client.cancel_run("wr/1 x")
    assert recorder.requests[-1].url.raw_path == b"/v1/runs/wr%2F1%20x/cancel"
    with pytest.raises(ValueError, match="run_id"):
        client.get_run("")


def test_422_body_is_parsed_into_the_spec_error_model() -> None:
    detail = {"detail": [{"type": "enum", "loc": ["body", "proxy_location"], "msg": "bad", "input": "X"}]}
    client = make_client(Recorder(httpx2.Response(422, json=detail)))
    with pytest.raises(UnprocessableEntityError) as caught:
        client.run_workflow(workflow_id="w")
    assert isinstance(caught.value.body, models.HTTPValidationError)
    assert caught.value.body.detail[0].loc == ["body", "proxy_location"]
    assert caught.value.status_code == 422


def test_403_is_a_permission_error_with_its_detail() -> None:
    client = make_client(Recorder(httpx2.Response(403, json={"detail": "Invalid credentials"})))
    with pytest.raises(PermissionDeniedError) as caught:
        client.get_run("wr_1")
    assert isinstance(caught.value.body, models.ErrorDetail)
    assert caught.value.body.detail == "Invalid credentials"


def test_response_not_matching_schema_is_a_response_validation_error() -> None:
    client = make_client(Recorder(httpx2.Response(200, json={"run_id": 5})))
    with pytest.raises(APIResponseValidationError) as caught:
        client.get_run("wr_1")
    locations = {error["loc"] for error in caught.value.errors}
    assert ("status",) in locations
    assert caught.value.body == {"run_id": 5}


def test_non_json_error_body_is_kept_as_text() -> None:
    client = make_client(Recorder(httpx2.Response(502, text="bad gateway")), max_retries=0)
    with pytest.raises(InternalServerError) as caught:
        client.get_run("wr_1")
    assert caught.value.body == "bad gateway"


# -- retries: a POST that starts a run is resent only when it provably was not processed --------------------------


def test_post_answered_500_is_sent_once() -> None:
    recorder = Recorder(httpx2.Response(500, json={"detail": "boom"}), httpx2.Response(200, json=RUN))
    with pytest.raises(InternalServerError):
        make_client(recorder).run_workflow(workflow_id="w")
    assert len(recorder.requests) == 1


def test_post_timing_out_after_sending_is_sent_once() -> None:
    recorder = Recorder(httpx2.ReadTimeout("slow"), httpx2.Response(200, json=RUN))
    with pytest.raises(APITimeoutError):
        make_client(recorder).run_workflow(workflow_id="w")
    assert len(recorder.requests) == 1


def test_post_with_503_and_retry_after_is_retried(no_sleep: list[float]) -> None:
    recorder = Recorder(httpx2.Response(503, headers={"retry-after": "2"}), httpx2.Response(200, json=RUN))
    run = make_client(recorder).run_workflow(workflow_id="w")
    assert run.run_id == "wr_1"
    assert len(recorder.requests) == 2
    assert no_sleep == [2.0]


def test_post_with_429_without_retry_after_is_not_retried() -> None:
    recorder = Recorder(httpx2.Response(429), httpx2.Response(200, json=RUN))
    with pytest.raises(RateLimitError):
        make_client(recorder).run_workflow(workflow_id="w")
    assert len(recorder.requests) == 1


def test_post_that_could_not_connect_is_retried() -> None:
    recorder = Recorder(httpx2.ConnectError("refused"), httpx2.Response(200, json=RUN))
    assert make_client(recorder).run_workflow(workflow_id="w").run_id == "wr_1"
    assert len(recorder.requests) == 2


def test_get_is_retried_on_500_up_to_max_retries(no_sleep: list[float]) -> None:
    recorder = Recorder(httpx2.Response(500))
    with pytest.raises(InternalServerError):
        make_client(recorder, max_retries=3).get_run("wr_1")
    assert len(recorder.requests) == 4
    assert len(no_sleep) == 3
    assert no_sleep == sorted(no_sleep)


def test_get_is_retried_after_read_timeout() -> None:
    recorder = Recorder(httpx2.ReadTimeout("slow"), httpx2.Response(200, json=RUN))
    assert make_client(recorder).get_run("wr_1").run_id == "wr_1"
    assert len(recorder.requests) == 2


# -- secrets, raw responses, configuration --------------------------------------------------------------------------


def test_api_key_never_in_repr_str_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(httpx2.Response(503, headers={"retry-after": "0"}), httpx2.Response(403, json={"detail": "x"}))
    client = make_client(recorder)
    with pytest.raises(PermissionDeniedError) as caught:
        client.run_workflow(workflow_id="w")
    texts = [repr(client), str(client), str(caught.value), repr(caught.value), caplog.text]
    assert all(KEY not in text for text in texts)
    assert "Retrying POST /v1/run/workflows" in caplog.text


def test_raw_response_gives_status_headers_and_the_parsed_model() -> None:
    client = make_client(Recorder(httpx2.Response(200, json=RUN, headers={"x-request-id": "r1"})))
    raw = client.with_raw_response.get_run("wr_1")
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "r1"
    assert raw.parse().run_id == "wr_1"


def test_configuration_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKYVERN_API_KEY", "env-key")
    monkeypatch.setenv("SKYVERN_BASE_URL", "http://env.example/")
    recorder = Recorder(httpx2.Response(200, json=RUN))
    client = SkyvernClient(http_client=httpx2.Client(transport=httpx2.MockTransport(recorder)))
    client.get_run("wr_1")
    assert str(recorder.requests[0].url) == "http://env.example/v1/runs/wr_1"
    assert recorder.requests[0].headers["x-api-key"] == "env-key"


def test_default_base_url_is_the_spec_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKYVERN_BASE_URL", raising=False)
    assert SkyvernClient(api_key="k").base_url == "https://api.skyvern.com"


def test_missing_api_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKYVERN_API_KEY", raising=False)
    with pytest.raises(skyvern_client.APIError, match="SKYVERN_API_KEY"):
        SkyvernClient()


def test_context_manager_closes_its_own_pool_but_not_an_injected_one() -> None:
    with SkyvernClient(api_key="k") as own:
        pass
    assert own._http.is_closed
    injected = httpx2.Client()
    with SkyvernClient(api_key="k", http_client=injected):
        pass
    assert not injected.is_closed
    injected.close()


def test_per_call_timeout_reaches_the_request() -> None:
    recorder = Recorder(httpx2.Response(200, json=RUN))
    make_client(recorder).get_run("wr_1", timeout=3.5)
    assert recorder.requests[0].extensions["timeout"]["read"] == 3.5


def test_with_options_derives_a_client_with_other_defaults_over_the_same_pool() -> None:
    recorder = Recorder(httpx2.Response(500), httpx2.Response(200, json=RUN))
    client = make_client(recorder, default_headers={"x-team": "a"})
    quick = client.with_options(timeout=2.0, max_retries=0, default_headers={"x-trace": "t1"})
    assert isinstance(quick, SkyvernClient)
    assert (quick.base_url, quick.strict, quick._http) == (client.base_url, client.strict, client._http)
    with pytest.raises(InternalServerError):
        quick.get_run("wr_1")
    assert len(recorder.requests) == 1  # max_retries=0: not resent
    sent = recorder.requests[0]
    assert sent.extensions["timeout"]["read"] == 2.0
    assert (sent.headers["x-api-key"], sent.headers["x-team"], sent.headers["x-trace"]) == (KEY, "a", "t1")
    quick.close()
    assert not client._http.is_closed  # the derived client does not own the pool
    assert client.get_run("wr_1").run_id == "wr_1"
    assert "x-trace" not in recorder.requests[-1].headers
    assert client.with_options(strict=True).strict
    assert not client.strict


def test_with_options_on_the_async_client_keeps_its_type() -> None:
    client = AsyncSkyvernClient(api_key=KEY, base_url="http://test")
    derived = client.with_options(base_url="http://other/")
    assert isinstance(derived, AsyncSkyvernClient)
    assert (derived.base_url, derived._http) == ("http://other", client._http)
    import asyncio

    asyncio.run(client.close())


async def _async_round_trip() -> tuple[models.WorkflowRunResponse, int]:
    recorder = Recorder(httpx2.Response(503, headers={"retry-after": "0"}), httpx2.Response(200, json=RUN))
    http = httpx2.AsyncClient(transport=httpx2.MockTransport(recorder))
    async with AsyncSkyvernClient(api_key=KEY, base_url="http://test", http_client=http) as client:
        run = await client.run_workflow(workflow_id="w", title=None)
        raw = await client.with_raw_response.get_run("wr_1")
        assert raw.parse().run_id == "wr_1"
    await http.aclose()
    return run, len(recorder.requests)


def test_async_client_has_the_same_behaviour() -> None:
    import asyncio

    run, sent = asyncio.run(_async_round_trip())
    assert run.run_id == "wr_1"
    assert sent == 3

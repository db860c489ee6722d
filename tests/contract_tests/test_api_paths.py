"""Path values reach the operation they are sent as: `paths.path_segment` encodes them so that no client resolves them
away (httpx2 sends `/v1/runs/..` to `/v1`), `Api.request` refuses to send a request the client would move, and
`paths.routable_segment` makes Schemathesis's path values safe through its `requests` transport (which decodes `%2E`
back to `.`). Offline: `httpx2.MockTransport`, and `requests` only preparing requests."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
import requests
import schemathesis
from schemathesis.transport.serialization import quote_all

from contract_tests.record import repro
from contract_tests.spec import DEFAULT_SPEC, Spec
from contract_tests.transport.api import Api
from contract_tests.transport.paths import MovedRequestError, path_segment, routable_segment

SPEC = Spec.load()
PATHS = {operation_id: SPEC.operation(operation_id)[0] for operation_id in SPEC.operation_ids()}
ODD_VALUES = ["..", ".", "...", "a/b", "a%2Fb", "%2E%2E", "x y", "\u00e9t\u00e9", "wr_1.2", "?#", "%00", "x" * 1000]
"""Run ids that a path could lose or move (those of `test_server_errors.UNKNOWN_RUN_IDS` among them)."""


def _api(base_url: str = "http://target") -> tuple[Api, list[httpx2.Request]]:
    sent: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return httpx2.Response(404, json={"detail": "Run not found"})

    api = Api(base_url, api_key="k", key_header="x-api-key", paths=PATHS, recorder=repro.Recorder())
    api._client = httpx2.Client(transport=httpx2.MockTransport(answer))
    return api, sent


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("...", "%2E%2E%2E"),
        ("a/b", "a%2Fb"),
        ("a%2Fb", "a%252Fb"),
        ("wr_1.2", "wr_1.2"),
        ("x y", "x%20y"),
        ("\u00e9", "%C3%A9"),
    ],
)
def test_path_segment_encodes_what_would_move_the_path(value: str, segment: str) -> None:
    assert path_segment(value) == segment


def test_an_empty_path_value_is_refused() -> None:
    api, _ = _api()
    with pytest.raises(ValueError, match="empty"):
        api.path_of("get_run", "")


@pytest.mark.parametrize("base_url", ["http://target", "http://target/prefix/"])
@pytest.mark.parametrize("operation_id", ["get_run", "cancel_run"])
def test_odd_run_ids_reach_the_operation_they_are_sent_as(base_url: str, operation_id: str) -> None:
    api, sent = _api(base_url)
    for run_id in ODD_VALUES:
        (api.get_run if operation_id == "get_run" else api.cancel_run)(run_id)
    prefix = "/prefix" if "prefix" in base_url else ""
    for run_id, request in zip(ODD_VALUES, sent, strict=True):
        raw = request.url.raw_path.decode()
        assert raw.startswith(prefix + "/v1/runs/"), raw
        assert api.operation_of(raw.removeprefix(prefix)) == operation_id, (run_id, raw)
    assert sent[0].url.raw_path.decode().removeprefix(prefix).startswith("/v1/runs/%2E%2E")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/runs/.."), ("GET", "/v1/runs/."), ("POST", "/v1/runs/../cancel"), ("POST", "/v1/runs/./cancel")],
)
def test_a_request_the_client_would_move_is_refused_unsent(method: str, path: str) -> None:
    api, sent = _api()
    with pytest.raises(MovedRequestError, match="not sent"):
        api.request(method, path)
    assert sent == []


def test_other_paths_are_sent_as_given() -> None:
    api, sent = _api()
    api.request("GET", "/v1/runs/wr_1")
    api.request("POST", "/v1/run/workflows/..")  # names no operation: nothing to judge it as
    assert [request.url.raw_path for request in sent] == [b"/v1/runs/wr_1", b"/v1/run"]


@pytest.mark.parametrize(
    ("encoded", "segment"),
    [("%2E%2E", "__"), ("%2E", "_"), (".%2E", "__"), ("", "_"), ("a%2Fb", "a_b"), ("a%2fb/c", "a_b_c")]
    + [(value, value) for value in ("wr_1", "x%20y", "a%252Fb", "wr_1.2", "%C3%A9")],
)
def test_routable_segment_replaces_only_what_cannot_reach_the_operation(encoded: str, segment: str) -> None:
    assert routable_segment(encoded) == segment


def _sent_by_schemathesis(operation: Any, value: str) -> str:
    """The URL path Schemathesis's `requests` transport sends for a `run_id` path value."""
    url = operation.Case(path_parameters={"run_id": value}).as_transport_kwargs(base_url="http://target")["url"]
    return str(requests.Request("GET", url).prepare().path_url)


def test_schemathesis_path_values_reach_get_run_once_routable() -> None:
    operation = schemathesis.openapi.from_path(DEFAULT_SPEC)["/v1/runs/{run_id}"]["GET"]
    api, _ = _api()
    encoded = [quote_all({"run_id": value})["run_id"] for value in ODD_VALUES]  # as Schemathesis encodes them
    assert _sent_by_schemathesis(operation, quote_all({"run_id": ".."})["run_id"]) == "/v1/runs/.."  # resolvable
    for value, segment in zip(ODD_VALUES, encoded, strict=True):
        path = _sent_by_schemathesis(operation, routable_segment(segment))
        last = path.rsplit("/", 1)[-1]
        assert api.operation_of(path) == "get_run", (value, path)
        assert last.strip("."), (value, path)
        assert "%2F" not in last.upper(), (value, path)

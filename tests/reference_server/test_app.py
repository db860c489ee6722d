"""The three endpoints over real HTTP: every status code, the lifecycle, cancel, and the never-a-500 promise."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import pytest

from reference_server.process import RunningServer
from reference_server.validation import load_spec
from tests.reference_server.support import (
    DEMO,
    FAILS,
    JSON,
    NEEDS_URL,
    SLOW,
    STEPPED,
    TEMPLATE,
    TERMINAL,
    TERMINATES,
    TIMES_OUT,
    conforms,
    wait_terminal,
)

pytestmark = pytest.mark.network


def run(client: httpx2.Client, body: dict[str, Any], **kwargs: Any) -> httpx2.Response:
    return client.post("/v1/run/workflows", json=body, **kwargs)


# -- 200 ----------------------------------------------------------------------------------------------------------


def test_run_answers_created_and_echoes_the_request(client: httpx2.Client) -> None:
    request = {
        "workflow_id": DEMO,
        "parameters": {"url": "https://example.com"},
        "title": None,
        "proxy_location": {"country": "us", "subdivision": "ca"},
        "max_screenshot_scrolls": 14.0,
        "extra_http_headers": {"x-a": "b"},
        "run_with": "code",
        "unknown_field": 1,
    }
    response = run(client, request, headers={"x-max-steps-override": "2", "x-user-agent": "pytest"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    conforms(body, "WorkflowRunResponse")
    assert body["status"] == "created"
    assert body["run_type"] == "workflow_run"
    assert body["run_id"].startswith("wr_")
    assert body["run_id"][3:].isdigit()
    assert body["created_at"].endswith("Z") or "+" in body["created_at"]
    echo = body["run_request"]
    expected = {
        "workflow_id": DEMO,
        "parameters": {"url": "https://example.com"},
        "title": None,
        "max_screenshot_scrolls": 14,
        "extra_http_headers": {"x-a": "b"},
        "run_with": "code",
    }
    assert {key: echo[key] for key in expected} == expected
    assert echo["proxy_location"]["country"] == "us"  # kept as sent, like skyvern 1.0.56
    assert echo["proxy_location"]["subdivision"] == "CA"
    assert "unknown_field" not in body["run_request"]
    final = wait_terminal(client, body["run_id"])
    conforms(final, "WorkflowRunResponse")
    assert final["status"] == "completed"
    assert final["output"] == {"title": "Example Domain"}
    assert final["step_count"] == 2  # capped by x-max-steps-override
    assert final["script_run"] == {"ai_fallback_triggered": False}
    assert final["run_request"] == body["run_request"]
    assert final["created_at"] == body["created_at"]


@pytest.mark.parametrize(
    ("workflow_id", "status", "reason"),
    [
        (FAILS, "failed", "boom"),
        (TIMES_OUT, "timed_out", "The workflow run timed out."),
        (TERMINATES, "terminated", None),
    ],
)
def test_scripted_outcomes(client: httpx2.Client, workflow_id: str, status: str, reason: str | None) -> None:
    created = run(client, {"workflow_id": workflow_id}).json()
    final = wait_terminal(client, created["run_id"])
    conforms(final, "WorkflowRunResponse")
    assert final["status"] == status
    assert final["failure_reason"] == reason or (reason is None and final["failure_reason"])
    assert final["output"] is None
    assert final["finished_at"] is not None


def test_lifecycle_moves_forward_through_every_status(client: httpx2.Client) -> None:
    created = run(client, {"workflow_id": STEPPED}).json()
    seen = [created["status"]]
    deadline = time.monotonic() + 5
    while seen[-1] not in TERMINAL and time.monotonic() < deadline:
        status = client.get(f"/v1/runs/{created['run_id']}").json()["status"]
        if status != seen[-1]:
            seen.append(status)
        time.sleep(0.01)
    assert seen == ["created", "queued", "running", "completed"]
    final = client.get(f"/v1/runs/{created['run_id']}").json()
    assert final["queued_at"] <= final["started_at"] <= final["finished_at"] == final["modified_at"]
    for _ in range(3):  # a terminal status never changes
        time.sleep(0.05)
        assert client.get(f"/v1/runs/{created['run_id']}").json() == final


def test_downloaded_files_and_required_parameter(client: httpx2.Client) -> None:
    created = run(client, {"workflow_id": NEEDS_URL, "parameters": {"url": "https://example.com"}})
    assert created.status_code == 200, created.text
    final = wait_terminal(client, created.json()["run_id"])
    assert final["downloaded_files"] == [{"url": "https://files.example/report.pdf", "filename": "report.pdf"}] or (
        final["downloaded_files"][0]["url"] == "https://files.example/report.pdf"
    )


def test_template_runs_only_with_template_query(client: httpx2.Client) -> None:
    assert run(client, {"workflow_id": TEMPLATE}, params={"template": "true"}).status_code == 200
    assert run(client, {"workflow_id": TEMPLATE}).status_code == 404


# -- cancel -------------------------------------------------------------------------------------------------------


def test_cancel_a_running_run(client: httpx2.Client) -> None:
    created = run(client, {"workflow_id": SLOW}).json()
    response = client.post(f"/v1/runs/{created['run_id']}/cancel")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == b"null"
    body = client.get(f"/v1/runs/{created['run_id']}").json()
    conforms(body, "WorkflowRunResponse")
    assert body["status"] == "canceled"
    assert body["finished_at"] is not None
    assert client.post(f"/v1/runs/{created['run_id']}/cancel").status_code == 200  # idempotent
    assert client.get(f"/v1/runs/{created['run_id']}").json() == body


def test_cancel_keeps_a_terminal_status(client: httpx2.Client) -> None:
    created = run(client, {"workflow_id": FAILS}).json()
    final = wait_terminal(client, created["run_id"])
    assert client.post(f"/v1/runs/{created['run_id']}/cancel").json() is None
    assert client.get(f"/v1/runs/{created['run_id']}").json() == final


# -- 403 ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}, {"x-api-key": ""}], ids=["missing", "wrong", "empty"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/run/workflows"), ("GET", "/v1/runs/wr_1"), ("POST", "/v1/runs/wr_1/cancel")],
)
def test_403_without_the_key(server: RunningServer, headers: dict[str, str], method: str, path: str) -> None:
    # The key is checked before the body: even an invalid body gets the 403.
    response = httpx2.request(method, server.url + path, headers=headers, content=b"{bad")
    assert response.status_code == 403
    assert response.json() == {"detail": "Invalid credentials"}


# -- 404 ----------------------------------------------------------------------------------------------------------


def test_404s(client: httpx2.Client) -> None:
    for response in (
        run(client, {"workflow_id": "wpid_0"}),
        run(client, {"workflow_id": "not-even-a-wpid"}),
        client.get("/v1/runs/wr_0"),
        client.post("/v1/runs/wr_0/cancel"),
        client.get("/v1/nothing-here"),
    ):
        assert response.status_code == 404
        conforms(response.json(), "ErrorDetail")


# -- 400 ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "params"),
    [
        ({"workflow_id": DEMO, "webhook_url": "not a url"}, {}),
        ({"workflow_id": DEMO, "webhook_url": "ftp://example.com/hook"}, {}),
        ({"workflow_id": DEMO, "webhook_url": "http://"}, {}),
        ({"workflow_id": DEMO, "webhook_url": "https://example.com:99999/"}, {}),
        ({"workflow_id": NEEDS_URL}, {}),
        ({"workflow_id": NEEDS_URL, "parameters": {"other": 1}}, {}),
        ({"workflow_id": NEEDS_URL, "parameters": None}, {}),
        ({"workflow_id": DEMO}, {"template": "true"}),
    ],
)
def test_400s(client: httpx2.Client, body: dict[str, Any], params: dict[str, str]) -> None:
    response = run(client, body, params=params)
    assert response.status_code == 400, response.text
    conforms(response.json(), "ErrorDetail")


@pytest.mark.parametrize("totp_url", ["x", "http://", "https://example.com:99999/", "ftp://example.com/totp", ""])
def test_totp_url_is_not_checked(client: httpx2.Client, totp_url: str) -> None:
    # Only `webhook_url` must be an http(s) URL; the live service takes any string as `totp_url`.
    response = run(client, {"workflow_id": DEMO, "totp_url": totp_url})
    assert response.status_code == 200, response.text
    assert response.json()["run_request"]["totp_url"] == totp_url


def test_undeclared_parameters_are_dropped_not_refused(client: httpx2.Client) -> None:
    sent = {"url": "https://example.com", "undeclared": 1, "also": {"nested": [1]}}
    response = run(client, {"workflow_id": DEMO, "parameters": sent})
    assert response.status_code == 200, response.text
    created = response.json()
    conforms(created, "WorkflowRunResponse")
    assert created["run_request"]["parameters"] == sent  # the answer echoes the request as sent
    # The run keeps only the parameters the workflow declares: later reads show no others.
    assert client.get(f"/v1/runs/{created['run_id']}").json()["run_request"]["parameters"] == {
        "url": "https://example.com"
    }
    only_undeclared = run(client, {"workflow_id": NEEDS_URL, "parameters": {"url": "u", "x": 1}}).json()
    assert client.get(f"/v1/runs/{only_undeclared['run_id']}").json()["run_request"]["parameters"] == {"url": "u"}


def test_400_for_a_body_that_is_not_utf8(client: httpx2.Client) -> None:
    response = client.post("/v1/run/workflows", content=b'{"workflow_id": "\xff"}', headers=JSON)
    assert response.status_code == 400
    conforms(response.json(), "ErrorDetail")


# -- 422 ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "params", "loc"),
    [
        ({}, {}, {}, ["body", "workflow_id"]),
        ({"workflow_id": 5}, {}, {}, ["body", "workflow_id"]),
        ({"workflow_id": DEMO, "proxy_location": "MARS"}, {}, {}, ["body", "proxy_location"]),
        ({"workflow_id": DEMO, "proxy_location": "residential"}, {}, {}, ["body", "proxy_location"]),
        ({"workflow_id": DEMO, "proxy_location": 3}, {}, {}, ["body", "proxy_location"]),
        ({"workflow_id": DEMO, "proxy_location": ["RESIDENTIAL"]}, {}, {}, ["body", "proxy_location"]),
        ({"workflow_id": DEMO, "proxy_location": {"country": "USA"}}, {}, {}, ["body", "proxy_location", "country"]),
        ({"workflow_id": DEMO, "proxy_location": {"city": "Paris"}}, {}, {}, ["body", "proxy_location", "country"]),
        ({"workflow_id": DEMO, "max_screenshot_scrolls": 1.5}, {}, {}, ["body", "max_screenshot_scrolls"]),
        ({"workflow_id": DEMO, "extra_http_headers": {"a": 1}}, {}, {}, ["body", "extra_http_headers", "a"]),
        ({"workflow_id": DEMO, "parameters": []}, {}, {}, ["body", "parameters"]),
        ({"workflow_id": DEMO, "ai_fallback": "yes"}, {}, {}, ["body", "ai_fallback"]),
        ({"workflow_id": DEMO}, {"x-max-steps-override": "ten"}, {}, ["header", "x-max-steps-override"]),
        ({"workflow_id": DEMO}, {"x-max-steps-override": "1.5"}, {}, ["header", "x-max-steps-override"]),
        ({"workflow_id": DEMO}, {}, {"template": "maybe"}, ["query", "template"]),
    ],
)
def test_422s_are_fastapi_shaped(
    client: httpx2.Client, body: Any, headers: dict[str, str], params: dict[str, str], loc: list[str]
) -> None:
    response = run(client, body, headers=headers, params=params)
    assert response.status_code == 422, response.text
    detail = response.json()
    conforms(detail, "HTTPValidationError")
    assert loc in [item["loc"] for item in detail["detail"]]


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"", JSON),
        (b"{not json", JSON),
        (b"[]", JSON),
        (b"null", JSON),
        (b'"wpid_1"', JSON),
        (b'{"workflow_id": "x", "parameters": {"n": NaN}}', JSON),
        (b'{"workflow_id": "x", "parameters": {"n": 1e999}}', JSON),
        (b"[" * 100_000 + b"]" * 100_000, JSON),
        (b'{"a":' * 70 + b"1" + b"}" * 70, JSON),
        (b'{"workflow_id": "' + DEMO.encode() + b'"}', {"content-type": "text/plain"}),
        (b"workflow_id=" + DEMO.encode(), {"content-type": "application/x-www-form-urlencoded"}),
    ],
    ids=["empty", "malformed", "array", "null", "string", "nan", "overflow", "deep", "nested", "text", "form"],
)
def test_unreadable_bodies_are_422_not_500(client: httpx2.Client, content: bytes, headers: dict[str, str]) -> None:
    response = client.post("/v1/run/workflows", content=content, headers=headers)
    assert response.status_code == 422, response.text
    conforms(response.json(), "HTTPValidationError")


def test_valid_json_schema_values_pydantic_strict_would_reject(client: httpx2.Client) -> None:
    response = run(
        client, {"workflow_id": DEMO, "max_screenshot_scrolls": 5000.0}, headers={"x-max-steps-override": "3.0"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["run_request"]["max_screenshot_scrolls"] == 5000  # echoed as sent
    assert response.json()["max_screenshot_scrolls"] is None  # the live service does not report it back
    for proxy in ("RESIDENTIAL_ISP", "US-CA", "NONE", None, {"country": "DE", "city": None}):
        assert run(client, {"workflow_id": DEMO, "proxy_location": proxy}).status_code == 200, proxy


# -- 405, 413 -----------------------------------------------------------------------------------------------------


def test_405_names_the_allowed_methods(client: httpx2.Client) -> None:
    response = client.delete("/v1/runs/wr_1")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD"}
    assert response.json() == {"detail": "Method Not Allowed"}
    assert client.get("/v1/run/workflows").status_code == 405


def test_413_above_the_body_limit(client: httpx2.Client) -> None:
    huge = b'{"workflow_id": "' + b"x" * (2 << 20) + b'"}'
    response = client.post("/v1/run/workflows", content=huge, headers=JSON)
    assert response.status_code == 413
    assert "detail" in response.json()


def test_strange_but_valid_strings_are_served(client: httpx2.Client) -> None:
    response = client.post(
        "/v1/run/workflows",
        content=b'{"workflow_id": "' + DEMO.encode() + b'", "title": "\\ud800 \\u0000 \xc3\xa9"}',
        headers=JSON,
    )
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        run_id = response.json()["run_id"]
        assert client.get(f"/v1/runs/{run_id}").status_code == 200


# -- its own document -------------------------------------------------------------------------------------------------


def test_serves_the_spec_it_follows_at_openapi_json_without_a_key(client: httpx2.Client) -> None:
    answer = client.get("/openapi.json", headers={"x-api-key": ""})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert (
        answer.json() == load_spec()
    )  # the document the server validates requests with, as the real one serves its own

"""The faults of the `skyvern-1.0.56` set, one by one and together: each answers like the real server 1.0.56 does
(measured against it; see `reference_server.lenient`), and each only in its own point."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2
import pytest

from reference_server.config import ServerConfig
from reference_server.faults import FAULT_SETS
from reference_server.lenient import SERVER_FIELDS, geo_target, normalize_run_with
from reference_server.threaded import ThreadedServer, serve_in_thread
from reference_server.workflows import load_workflows
from tests.reference_server.support import DEMO, SLOW, Target

pytestmark = pytest.mark.network

SET = "skyvern-1.0.56"
CONFIGS = {"clean": frozenset[str](), SET: FAULT_SETS[SET], **{name: frozenset({name}) for name in FAULT_SETS[SET]}}
DEMO_TITLE = "Demo"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, workflows_file: Path) -> Iterator[dict[str, Target]]:
    directory = tmp_path_factory.mktemp("skyvern-like")
    workflows = load_workflows(workflows_file)
    with ExitStack() as stack:
        started: dict[str, Target] = {}
        for name, faults in CONFIGS.items():
            config = ServerConfig(
                api_key="key",
                db_path=directory / f"{name}.sqlite3",
                workflows=workflows,
                faults=faults,
                time_scale=0.01,
                queue_seconds=20,
                start_seconds=20,
            )
            started[name] = stack.enter_context(serve_in_thread(config))
        try:
            yield started
        finally:
            for server in started.values():
                assert isinstance(server, ThreadedServer)
                server.request_stop()


def post(server: Target, body: dict[str, Any]) -> httpx2.Response:
    return httpx2.post(f"{server.url}/v1/run/workflows", json=body, headers={"x-api-key": server.api_key}, timeout=10)


def echo(server: Target, **fields: Any) -> dict[str, Any]:
    """The `run_request` of an accepted run of the demo workflow."""
    response = post(server, {"workflow_id": DEMO, **fields})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["run_request"]
    return result


# -- lax_proxy_location ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("config", ["lax_proxy_location", SET])
@pytest.mark.parametrize("name", ["RESIDENTIAL_KR", "RESIDENTIAL_SA", "RESIDENTIAL_BR", "NONE"])
def test_the_28_proxy_names_are_accepted_and_echoed(servers: dict[str, Target], config: str, name: str) -> None:
    assert echo(servers[config], proxy_location=name)["proxy_location"] == name


@pytest.mark.parametrize("config", ["lax_proxy_location", SET])
@pytest.mark.parametrize(
    "proxy",
    [{}, {"country": 1}, {"country": ""}, {"country": None}, {"country": "US", "city": 1}, {"country": "XX"}],
    ids=["empty", "number", "empty-country", "null-country", "number-city", "unsupported-country"],
)
def test_any_object_is_a_proxy_location_echoed_as_sent(
    servers: dict[str, Target], config: str, proxy: dict[str, Any]
) -> None:
    assert echo(servers[config], proxy_location=proxy)["proxy_location"] == proxy


def test_a_geotarget_is_echoed_in_full(servers: dict[str, Target]) -> None:
    server = servers["lax_proxy_location"]
    assert echo(server, proxy_location={"country": "US"})["proxy_location"] == {
        "country": "US",
        "subdivision": None,
        "city": None,
        "isISP": False,
    }
    assert echo(server, proxy_location={"country": "us", "subdivision": "us-ca", "city": "SF"})["proxy_location"] == {
        "country": "US",
        "subdivision": "CA",
        "city": "SF",
        "isISP": False,
    }


@pytest.mark.parametrize("proxy", ["MARS", "residential", 3, ["RESIDENTIAL"], True])
def test_what_is_no_name_and_no_object_is_still_a_422(servers: dict[str, Target], proxy: Any) -> None:
    response = post(servers["lax_proxy_location"], {"workflow_id": DEMO, "proxy_location": proxy})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][:2] == ["body", "proxy_location"]


def test_geo_target_helper() -> None:
    assert geo_target({"country": "de", "isISP": "yes"}) == {
        "country": "DE",
        "subdivision": None,
        "city": None,
        "isISP": True,
    }
    assert geo_target({"country": "US", "subdivision": "X" * 11}) is None
    assert geo_target({"country": "US", "isISP": "maybe"}) is None


# -- lax_types ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "sent", "read"),
    [
        ("ai_fallback", 1, True),
        ("ai_fallback", 0, False),
        ("ai_fallback", "yes", True),
        ("ai_fallback", "false", False),
        ("max_screenshot_scrolls", "5", 5),
        ("max_screenshot_scrolls", True, 1),
        ("run_with", 1, "agent"),
        ("run_with", 1.5, "agent"),
        ("run_with", False, "agent"),
    ],
)
def test_lax_types_are_coerced(servers: dict[str, Target], field: str, sent: Any, read: Any) -> None:
    got = echo(servers["lax_types"], **{field: sent})[field]
    assert got == read
    assert type(got) is type(read)


@pytest.mark.parametrize(
    ("field", "sent"),
    [
        ("ai_fallback", "x"),
        ("ai_fallback", 2),
        ("ai_fallback", []),
        ("max_screenshot_scrolls", 1.5),
        ("max_screenshot_scrolls", "five"),
        ("run_with", {}),  # a 500 on the real server: not mimicked
        ("run_with", []),
        ("title", 1),
        ("extra_http_headers", {"a": 1}),
    ],
)
def test_what_lax_mode_refuses_is_still_a_422(servers: dict[str, Target], field: str, sent: Any) -> None:
    response = post(servers["lax_types"], {"workflow_id": DEMO, field: sent})
    assert response.status_code == 422, response.text


def test_lax_types_leave_valid_values_and_the_rest_of_the_echo_alone(servers: dict[str, Target]) -> None:
    got = echo(servers["lax_types"], run_with="", max_screenshot_scrolls=-1, title="mine", ai_fallback=True)
    assert (got["run_with"], got["max_screenshot_scrolls"], got["title"], got["ai_fallback"]) == ("", -1, "mine", True)
    assert not SERVER_FIELDS & got.keys()


# -- run_request_as_parsed ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "sent", "read"),
    [
        ("run_with", "", "agent"),
        ("run_with", "banana", "agent"),
        ("run_with", "ai", "agent"),
        ("run_with", "code_v2", "code"),
        ("run_with", "code", "code"),
        ("run_with", None, None),
        ("max_screenshot_scrolls", -1, 0),
        ("max_screenshot_scrolls", 5000, 1000),
        ("max_screenshot_scrolls", 14.0, 14),
    ],
)
def test_run_request_is_the_parsed_request(servers: dict[str, Target], field: str, sent: Any, read: Any) -> None:
    assert echo(servers["run_request_as_parsed"], **{field: sent})[field] == read


def test_run_request_carries_every_field_and_the_servers_own(servers: dict[str, Target]) -> None:
    got = echo(servers["run_request_as_parsed"], file_ids=["file_1"], title="mine", totp_url="x")
    assert got["start_fresh_browser"] is False
    assert got["file_ids"] == ["file_1"]
    assert got["title"] == "mine"  # the title is another fault's
    assert got["totp_url"] == "x"
    assert got["proxy_location"] == "RESIDENTIAL"
    for name in ("reuse_browser_session", "max_elapsed_time_minutes", "cdp_connect_headers", "browser_type"):
        assert got[name] is None, name
    for name in ("webhook_url", "parameters", "browser_session_id", "extra_http_headers", "ai_fallback"):
        assert got[name] is None, name


def test_normalize_run_with() -> None:
    assert [normalize_run_with(v) for v in ("agent", "code", "ai", "code_v2", "", "x", 1, None)] == [
        "agent",
        "code",
        "agent",
        "code",
        "agent",
        "agent",
        "agent",
        None,
    ]


# -- title_from_workflow ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("config", ["title_from_workflow", SET])
@pytest.mark.parametrize("title", ["<omitted>", None, "", "mine"])
def test_run_request_title_is_the_workflows(servers: dict[str, Target], config: str, title: Any) -> None:
    fields = {} if title == "<omitted>" else {"title": title}
    assert echo(servers[config], **fields)["title"] == DEMO_TITLE


def test_title_from_workflow_changes_nothing_else(servers: dict[str, Target]) -> None:
    got = echo(servers["title_from_workflow"], run_with="", max_screenshot_scrolls=-1)
    assert (got["run_with"], got["max_screenshot_scrolls"]) == ("", -1)


# -- the set --------------------------------------------------------------------------------------------------------


def test_the_set_answers_like_the_real_server(servers: dict[str, Target]) -> None:
    server = servers[SET]
    sent = {
        "workflow_id": SLOW,
        "title": None,
        "run_with": "",
        "max_screenshot_scrolls": -1,
        "ai_fallback": 1,
        "proxy_location": {"country": 1},
        "parameters": {"undeclared": 1},
        "totp_url": "x",
    }
    response = post(server, sent)
    assert response.status_code == 200, response.text
    created = response.json()
    for key in ("created_at", "modified_at"):
        assert "T" in created[key]
        assert not created[key].endswith("Z")
        assert "+" not in created[key]
    got = created["run_request"]
    assert got["title"] == SLOW  # the workflow has no title of its own: its id
    assert (got["run_with"], got["max_screenshot_scrolls"], got["ai_fallback"]) == ("agent", 0, True)
    assert got["proxy_location"] == {"country": 1}
    assert got["parameters"] == {"undeclared": 1}
    assert got["start_fresh_browser"] is False
    fetched = httpx2.get(
        f"{server.url}/v1/runs/{created['run_id']}", headers={"x-api-key": server.api_key}, timeout=10
    ).json()
    assert fetched["run_request"] == {**got, "parameters": {}}  # undeclared parameters are not kept
    assert fetched["status"] in ("created", "queued", "running")  # never `paused`


def test_the_clean_server_has_none_of_it(servers: dict[str, Target]) -> None:
    server = servers["clean"]
    got = echo(server, run_with="", max_screenshot_scrolls=-1, title="mine")
    assert (got["run_with"], got["max_screenshot_scrolls"], got["title"]) == ("", -1, "mine")
    assert not SERVER_FIELDS & got.keys()
    for body in ({"proxy_location": {"country": 1}}, {"proxy_location": "RESIDENTIAL_KR"}, {"ai_fallback": 1}):
        assert post(server, {"workflow_id": DEMO, **body}).status_code == 422, body


# -- browser sessions and profiles (any mode) ----------------------------------------------------------------------


def test_made_up_browser_ids_are_404_once_the_existing_ones_are_given(tmp_path: Path, workflows_file: Path) -> None:
    config = ServerConfig(
        api_key="key",
        db_path=tmp_path / "runs.sqlite3",
        workflows=load_workflows(workflows_file),
        browser_sessions=frozenset({"pbs_1"}),
        browser_profiles=frozenset({"bp_1"}),
        time_scale=0.01,
    )
    with serve_in_thread(config) as server:
        known = post(server, {"workflow_id": DEMO, "browser_session_id": "pbs_1", "browser_profile_id": "bp_1"})
        assert known.status_code == 200, known.text
        assert post(server, {"workflow_id": DEMO, "browser_session_id": None}).status_code == 200
        session = post(server, {"workflow_id": DEMO, "browser_session_id": "pbs_2"})
        assert (session.status_code, session.json()) == (
            404,
            {"detail": "Browser session pbs_2 does not exist or is not live."},
        )
        profile = post(server, {"workflow_id": DEMO, "browser_profile_id": "bp_2"})
        assert (profile.status_code, profile.json()) == (404, {"detail": "Browser profile bp_2 not found"})
        webhook_first = post(server, {"workflow_id": DEMO, "browser_session_id": "pbs_2", "webhook_url": "x"})
        assert webhook_first.status_code == 400
        before_workflow = post(server, {"workflow_id": "wpid_0", "browser_session_id": "pbs_2"})
        assert "Browser session" in before_workflow.json()["detail"]


def test_any_browser_id_is_accepted_by_default(servers: dict[str, Target]) -> None:
    for name in ("clean", SET):
        response = post(servers[name], {"workflow_id": DEMO, "browser_session_id": "pbs_x", "browser_profile_id": "b"})
        assert response.status_code == 200, (name, response.text)

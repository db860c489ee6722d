"""`codegen.diff` on real pairs: the parts of the documents Skyvern 1.0.40, 1.0.48 and 1.0.56 serve that describe
our operations (`tests/codegen/served/`, written by `make drift-skyvern`), and our spec against them."""

from __future__ import annotations

from pathlib import Path

from codegen.diff import Level, compare, view_of

SERVED = Path(__file__).parent / "served"
SPEC = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"
B, C, A = Level.BREAKING, Level.CHANGED, Level.ADDED


def served(version: str) -> Path:
    return SERVED / f"skyvern-{version}.json"


def test_1_0_40_to_1_0_56_lists_every_change_at_its_level_and_nothing_else() -> None:
    found = {
        (c.level, c.kind, c.part, c.field, c.message.rpartition(": ")[2] if c.kind == "enum-value-added" else "")
        for c in compare(view_of(served("1.0.40")), view_of(served("1.0.56")))
        if c.kind != "documentation"
    }
    response = "response 200"
    new_value = "new value {!r} (an open enum parses it already)".format
    request_fields = (
        "proxy_location.isISP",
        "reuse_browser_session",
        "start_fresh_browser",
        "browser_type",
        "file_ids",
    )
    echoed = (*request_fields, "browser_profile_id")  # the request as a task run's `run_request` echoes it
    response_fields = ("attempt", "retry_pending", "next_attempt_at", "attempts", "browser_seed_source")
    assert found == {
        (C, "maximum-changed", "request body", "max_elapsed_time_minutes", ""),
        (C, "maximum-changed", response, "run_request.max_elapsed_time_minutes", ""),
        *((A, "field-added", "request body", field, "") for field in request_fields),
        *((A, "field-added", response, f"run_request.{field}", "") for field in echoed),
        *((A, "field-added", response, field, "") for field in (*response_fields, "browser_settings_receipt")),
        (A, "enum-value-added", response, "status", new_value("paused")),
        (A, "enum-value-added", response, "run_type", new_value("task_v3")),
        (A, "enum-value-added", response, "run_request.engine", new_value("skyvern-3.0")),
        (A, "status-added", "", "", ""),
    }


def test_consecutive_versions_add_up_to_the_whole_step() -> None:
    def kinds(old: str, new: str) -> set[tuple[str, str, str]]:
        changes = compare(view_of(served(old)), view_of(served(new)))
        return {(c.kind, c.part, c.field) for c in changes if c.kind != "documentation"}

    assert kinds("1.0.40", "1.0.48") | kinds("1.0.48", "1.0.56") == kinds("1.0.40", "1.0.56")


def test_our_spec_against_1_0_56() -> None:
    changes = compare(view_of(SPEC), view_of(served("1.0.56")))
    breaking = {(c.kind, c.part, c.field, c.operations[0]) for c in changes if c.level is B}
    assert ("operation-moved", "", "", "POST /v1/run/workflows") in breaking
    assert ("field-required", "request body", "agent_id", "POST /v1/run/workflows") in breaking
    assert ("variant-added", "response 200", "", "GET /v1/runs/{run_id}") in breaking  # a task run or a workflow run
    assert ("type-widened", "response 200", "", "POST /v1/runs/{run_id}/cancel") in breaking  # untyped, was null
    moved = next(c for c in changes if c.kind == "operation-moved")
    assert moved.message == "moved to POST /v1/run/agents (matched by alias: 'run_workflow')"
    looser = {(c.kind, c.field) for c in changes if c.side == "request" and c.level is not B}
    assert ("variant-added", "proxy_location") in looser  # any object: a GeoTarget is not validated by design
    assert {("field-added", "max_elapsed_time_minutes"), ("field-added", "cdp_connect_headers")} <= looser
    values = {c.message.rpartition("new value ")[2] for c in changes if c.kind == "enum-value-added"}
    assert {"'RESIDENTIAL_KR'", "'RESIDENTIAL_SA'"} <= values
    statuses = {(c.kind, c.part or c.message) for c in changes if c.kind.startswith("status")}
    assert ("status-added", "new response 503") in statuses
    assert ("status-removed", "response 403 no longer documented") in statuses


def test_a_document_against_itself_has_no_difference() -> None:
    for version in ("1.0.40", "1.0.48", "1.0.56"):
        assert compare(view_of(served(version)), view_of(served(version))) == []

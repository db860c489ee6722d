"""Offline tests of the fidelity matrix (`campaigns.fidelity.matrix`, its expectations and clauses) and of its
cases as curl commands. No server: the real one runs only under `make fidelity`."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
from typing import Any

import pytest

from campaigns.fidelity import clauses, curl
from campaigns.fidelity.cases import RUN_MARK, STATES
from tests.campaigns.fidelity_answers import (
    MATRIX,
    REAL_WORKFLOW,
    SPEC,
    case,
    sent,
)

# --- the matrix --------------------------------------------------------------------------------------------------


def test_every_request_field_appears_in_every_state() -> None:
    tags = {tag for c in MATRIX for tag in c.tags}
    missing = [
        (".".join(item.path), state)
        for item in SPEC.nested_fields("WorkflowRunRequest")
        for state in STATES
        if (".".join(item.path), state) not in tags
    ]
    assert tags
    assert not missing
    assert {item.path[0] for item in SPEC.nested_fields("WorkflowRunRequest")} >= {"proxy_location", "webhook_url"}


def test_matrix_is_small_distinct_and_starts_with_the_lifecycle() -> None:
    assert 60 < len(MATRIX) <= 150
    assert len({c.identity() for c in MATRIX}) == len(MATRIX)
    assert [c.name for c in MATRIX[:5]] == [
        "lifecycle: POST a minimal run",
        "lifecycle: GET it",
        "lifecycle: cancel it",
        "lifecycle: cancel it again",
        "lifecycle: GET it after the cancel",
    ]
    assert MATRIX[0].saves_run
    assert all(c.run_id == RUN_MARK for c in MATRIX[1:5])
    names = {c.name for c in MATRIX}
    for wanted in ('parameters: undeclared {"x": 1}', "parameters: valid {}", "workflow_id: unknown id"):
        assert wanted in names
    assert {c.key_mode for c in MATRIX if c.name.startswith("auth:")} == {"missing", "wrong"}
    assert {c.operation_id for c in MATRIX if c.name.startswith("auth: wrong")} == {
        "run_workflow",
        "get_run",
        "cancel_run",
    }
    assert sum(c.name.startswith("malformed body") for c in MATRIX) == 4
    assert sum(c.name.startswith("unknown run") for c in MATRIX) == 4


def _addresses(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else []


def test_url_fields_only_ever_carry_loopback_or_no_host() -> None:
    url_fields = SPEC.url_fields("WorkflowRunRequest")
    assert set(url_fields) == {"webhook_url", "totp_url", "browser_address"}
    seen = 0
    for c in MATRIX:
        try:
            body = sent(c, REAL_WORKFLOW)
        except ValueError:
            continue
        if not isinstance(body, dict):
            continue
        for name in url_fields:
            for value in _addresses(body.get(name)):
                seen += 1
                parts = urllib.parse.urlsplit(value)
                assert parts.hostname in (None, "127.0.0.1"), (c.name, value)
                if parts.scheme:
                    assert parts.hostname == "127.0.0.1", (c.name, value)
    assert seen >= 9


def test_reference_fields_are_made_up_and_may_be_404() -> None:
    for name in SPEC.reference_fields("WorkflowRunRequest"):
        named = [c for c in MATRIX if c.name.startswith(f"{name}: valid")]
        assert named
        assert all(404 in c.expect_from_spec.statuses and 200 in c.expect_from_spec.statuses for c in named)


def test_expectations_come_from_the_spec() -> None:
    invalid = case("proxy_location.country: wrong type, integer 1").expect_from_spec
    assert invalid.statuses == {422}
    assert invalid.clause == "#/components/schemas/GeoTarget/properties/country/type"
    assert case("proxy_location.country: omitted").expect_from_spec.clause == "#/components/schemas/GeoTarget/required"
    assert case("workflow_id: omitted").expect_from_spec.clause == "#/components/schemas/WorkflowRunRequest/required"
    assert case("header x-max-steps-override: wrong type 'x'").expect_from_spec.statuses == {422}
    assert case("header x-max-steps-override: valid '1'").expect_from_spec.statuses == {200, 400}
    assert 200 not in case("workflow_id: unknown id").expect_from_spec.statuses
    assert case("malformed body: not JSON").expect_from_spec.statuses == {422}
    assert case("malformed body: 1e400").expect_from_spec.statuses == {422}
    assert case("auth: wrong key, cancel_run").expect_from_spec.statuses == {403}
    assert case("unknown run wr_000000000000000000: get_run").expect_from_spec.statuses == {404}
    assert case("lifecycle: POST a minimal run").expect_from_spec.status_values == {"created"}
    assert case("lifecycle: GET it after the cancel").expect_from_spec.status_values == {"canceled"}
    for c in MATRIX:
        assert c.expect_from_spec.clause.startswith("#/"), c.name
        assert all(status < 500 for status in c.expect_from_spec.statuses)


def test_schema_clause_points_into_the_document() -> None:
    root = "#/components/schemas/WorkflowRunRequest"
    assert clauses.schema_clause(SPEC, root, "/proxy_location", "enum", {"proxy_location": "MARS"}) == (
        "#/components/schemas/ProxyLocation/enum"
    )
    assert clauses.schema_clause(SPEC, root, "/proxy_location", "type", {"proxy_location": 1}) == (
        "#/components/schemas/WorkflowRunRequest/properties/proxy_location/anyOf"
    )
    assert clauses.schema_clause(SPEC, root, "/extra_http_headers/k", "type") == (
        "#/components/schemas/WorkflowRunRequest/properties/extra_http_headers/anyOf/0/additionalProperties/type"
    )
    run = "#/paths/~1v1~1run~1workflows/post/responses/200/content/application~1json/schema"
    assert clauses.schema_clause(SPEC, run, "/created_at", "format") == (
        "#/components/schemas/WorkflowRunResponse/properties/created_at/format"
    )
    assert clauses.schema_clause(SPEC, run, "/queued_at", "format") == (
        "#/components/schemas/WorkflowRunResponse/properties/queued_at/anyOf/0/format"
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    "name",
    [
        "lifecycle: POST a minimal run",
        "title: edge, string of 10000 characters",
        "proxy_location.city: edge, empty string",
    ],
)
def test_curl_sends_exactly_the_case_body(name: str) -> None:
    c = case(name)
    script = (
        'curl() { while [ $# -gt 0 ]; do [ "$1" = --data-binary ] && printf %s "$2"; shift; done; }; '
        f"WORKFLOW_ID={REAL_WORKFLOW}; BASE_URL=http://x; {curl.curl(c)}"
    )
    shown = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
    assert c.body is not None
    assert shown == c.body.replace('"$WORKFLOW_ID"', json.dumps(REAL_WORKFLOW))
    assert len(curl.curl(c)) < 400


def test_curl_never_holds_a_key() -> None:
    for c in MATRIX:
        shown = curl.curl(c)
        if c.key_mode == "valid":
            assert '-H "x-api-key: $CONTRACT_API_KEY"' in shown
        elif c.key_mode == "missing":
            assert "x-api-key" not in shown

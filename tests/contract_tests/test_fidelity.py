"""Offline tests of `contract_tests.fidelity` (`make fidelity`): the matrix builder, the one classification rule on
hand-made answers, the doc renderer and the namespace guard. No server: the real one runs only under `make fidelity`."""

from __future__ import annotations

import doctest
import json
import shutil
import subprocess
import urllib.parse
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from contract_tests import fidelity
from contract_tests.fidelity import Answer, Case, Kind, Report
from contract_tests.skyvern import network
from contract_tests.skyvern.network import NAMESPACE_MARKER
from contract_tests.skyvern.server import WAIT_WORKFLOW
from contract_tests.spec import Spec
from contract_tests.strategies import OMIT

SPEC = Spec.load()
MATRIX = fidelity.build_matrix(SPEC)
REAL_WORKFLOW = "wpid_603168908848890798"
STAND_IN_WORKFLOW = "wpid_300000000000000001"
KEY = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWtleQ.c2lnbmF0dXJl"


def case(name: str) -> Case:
    return next(c for c in MATRIX if c.name == name)


def sent(c: Case, workflow_id: str) -> Any:
    return json.loads(c.body.replace('"$WORKFLOW_ID"', json.dumps(workflow_id))) if c.body else OMIT


def run_body(workflow_id: str, request: Any, **overrides: Any) -> dict[str, Any]:
    """A `WorkflowRunResponse` as the stand-in writes it: every declared field, null when empty."""
    body: dict[str, Any] = {item.name: None for item in SPEC.fields("WorkflowRunResponse")}
    body.update(
        run_id="wr_1",
        status="created",
        created_at="2026-12-01T10:00:00Z",
        modified_at="2026-12-01T10:00:00Z",
        run_type="workflow_run",
        run_request=dict(request) if isinstance(request, Mapping) else {"workflow_id": workflow_id},
    )
    body.update(overrides)
    return body


def answer(c: Case, code: int, workflow_id: str, body: Any = None, **run: Any) -> Answer:
    request = sent(c, workflow_id)
    if body is None and 200 <= code < 300 and c.operation_id != "cancel_run":
        body = run_body(workflow_id, request, **run)
    elif body is None and code >= 400:
        body = {"detail": "nope"}
    return Answer(code, body, json.dumps(body), True, request, workflow_id)


def real(c: Case, code: int, body: Any = None, **run: Any) -> Answer:
    return answer(c, code, REAL_WORKFLOW, body, **run)


def stand_in(c: Case, code: int, body: Any = None, **run: Any) -> Answer:
    return answer(c, code, STAND_IN_WORKFLOW, body, **run)


def test_doctests() -> None:
    assert doctest.testmod(fidelity, raise_on_error=True).attempted > 0


# --- the matrix --------------------------------------------------------------------------------------------------


def test_every_request_field_appears_in_every_state() -> None:
    tags = {tag for c in MATRIX for tag in c.tags}
    missing = [
        (".".join(item.path), state)
        for item in SPEC.nested_fields("WorkflowRunRequest")
        for state in fidelity.STATES
        if (".".join(item.path), state) not in tags
    ]
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
    assert all(c.run_id == fidelity.RUN_MARK for c in MATRIX[1:5])
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
    assert fidelity.schema_clause(SPEC, root, "/proxy_location", "enum", {"proxy_location": "MARS"}) == (
        "#/components/schemas/ProxyLocation/enum"
    )
    assert fidelity.schema_clause(SPEC, root, "/proxy_location", "type", {"proxy_location": 1}) == (
        "#/components/schemas/WorkflowRunRequest/properties/proxy_location/anyOf"
    )
    assert fidelity.schema_clause(SPEC, root, "/extra_http_headers/k", "type") == (
        "#/components/schemas/WorkflowRunRequest/properties/extra_http_headers/anyOf/0/additionalProperties/type"
    )
    run = "#/paths/~1v1~1run~1workflows/post/responses/200/content/application~1json/schema"
    assert fidelity.schema_clause(SPEC, run, "/created_at", "format") == (
        "#/components/schemas/WorkflowRunResponse/properties/created_at/format"
    )
    assert fidelity.schema_clause(SPEC, run, "/queued_at", "format") == (
        "#/components/schemas/WorkflowRunResponse/properties/queued_at/anyOf/0/format"
    )


# --- the classification ------------------------------------------------------------------------------------------


def test_real_server_accepting_an_invalid_request_deviates_from_the_spec() -> None:
    c = case("proxy_location.country: wrong type, integer 1")
    [difference] = fidelity.compare(SPEC, c, real(c, 200), stand_in(c, 422))
    assert difference.kind is Kind.REAL_DEVIATES
    assert difference.aspect == "status"
    assert difference.clause == "#/components/schemas/GeoTarget/properties/country/type"
    assert (difference.real, difference.stand_in) == ("200", "422")


def test_both_allowed_statuses_that_differ_are_a_fidelity_bug() -> None:
    c = case('parameters: undeclared {"x": 1}')
    [difference] = fidelity.compare(SPEC, c, real(c, 200), stand_in(c, 400))
    assert difference.kind is Kind.FIDELITY_BUG
    assert "200, 400" in difference.why


def test_stand_in_refusing_a_valid_request_deviates_from_the_spec() -> None:
    c = case("title: null")
    [difference] = fidelity.compare(SPEC, c, real(c, 200), stand_in(c, 422))
    assert difference.kind is Kind.STAND_IN_DEVIATES
    assert difference.clause == "#/components/schemas/WorkflowRunRequest/properties/title"
    [forbidden] = fidelity.compare(SPEC, c, real(c, 403), stand_in(c, 200))
    assert (forbidden.kind, forbidden.clause) == (Kind.REAL_DEVIATES, "#/components/responses/Forbidden/description")


def test_both_breaking_the_spec_is_both_deviate() -> None:
    c = case("title: wrong type, integer 1")
    [difference] = fidelity.compare(SPEC, c, real(c, 500, {"error": "Unexpected error: TypeError"}), stand_in(c, 200))
    assert difference.kind is Kind.BOTH_DEVIATE
    assert difference.clause == "#/paths/~1v1~1run~1workflows/post/responses"


def test_a_5xx_is_never_allowed() -> None:
    c = case("run_with: valid sample")
    [difference] = fidelity.compare(SPEC, c, real(c, 500, {"error": "x"}), stand_in(c, 200))
    assert difference.kind is Kind.REAL_DEVIATES
    assert difference.clause == "#/paths/~1v1~1run~1workflows/post/responses"


def test_timestamp_form_is_compared_and_a_missing_offset_is_the_real_servers_deviation() -> None:
    c = case("title: valid sample")
    naive = real(c, 200, created_at="2026-12-01T10:00:00.123456")
    differences = fidelity.compare(SPEC, c, naive, stand_in(c, 200))
    assert [(d.aspect, d.kind) for d in differences] == [("/created_at", Kind.REAL_DEVIATES)]
    assert differences[0].clause == "#/components/schemas/WorkflowRunResponse/properties/created_at/format"
    assert differences[0].real == "string, date-time without a UTC offset"


def test_run_request_echo_is_judged_by_what_was_sent() -> None:
    c = case("minimal body (every optional field omitted)")
    titled = real(c, 200)
    titled.body["run_request"]["title"] = "contract wait"
    [difference] = fidelity.compare(SPEC, c, titled, stand_in(c, 200))
    assert difference.aspect == "/run_request/title"
    assert difference.kind is Kind.REAL_DEVIATES
    assert difference.clause == "#/components/schemas/WorkflowRunResponse/properties/run_request/description"
    assert difference.stand_in == "absent"


def test_own_workflow_ids_and_per_server_values_are_not_differences() -> None:
    c = case("title: valid sample")
    one = real(c, 200, run_id="wr_9", app_url="http://localhost:8080/runs/wr_9", created_at="2026-12-01T11:11:11Z")
    assert fidelity.compare(SPEC, c, one, stand_in(c, 200, app_url="https://app.skyvern.com/runs/wr_1")) == []


def test_a_field_absent_on_one_side_and_null_on_the_other_is_a_fidelity_bug() -> None:
    c = case("title: valid sample")
    left_out = real(c, 200)
    del left_out.body["failure_reason"]
    [difference] = fidelity.compare(SPEC, c, left_out, stand_in(c, 200))
    assert (difference.aspect, difference.kind) == ("/failure_reason", Kind.FIDELITY_BUG)
    assert difference.clause == "#/components/schemas/WorkflowRunResponse/properties/failure_reason"


def test_undeclared_response_fields_are_not_compared() -> None:
    c = case("title: valid sample")
    assert fidelity.compare(SPEC, c, real(c, 200, recording_archived=False), stand_in(c, 200)) == []
    pairs = [(c, real(c, 200, recording_archived=False, script_id=None))]
    assert fidelity.undeclared_fields(SPEC, pairs) == ["recording_archived", "script_id"]


def test_lifecycle_reads_tolerate_timing() -> None:
    first = case("lifecycle: GET it")
    early = stand_in(first, 200, status="created")
    later = real(first, 200, status="running", queued_at="2026-12-01T10:00:01Z", started_at="2026-12-01T10:00:02Z")
    assert fidelity.compare(SPEC, first, later, early) == []
    done = real(first, 200, status="completed")
    assert [d.aspect for d in fidelity.compare(SPEC, first, done, early)] == ["/status"]
    last = case("lifecycle: GET it after the cancel")
    [difference] = fidelity.compare(
        SPEC, last, real(last, 200, status="completed"), stand_in(last, 200, status="canceled")
    )
    assert difference.kind is Kind.REAL_DEVIATES
    assert difference.clause == "#/paths/~1v1~1runs~1{run_id}~1cancel/post/description"


def test_cancel_body_other_than_null_breaks_the_schema() -> None:
    c = case("lifecycle: cancel it")
    [difference] = fidelity.compare(SPEC, c, real(c, 200, {"canceled": True}), stand_in(c, 200, None))
    assert difference.aspect == "/"
    assert difference.kind is Kind.REAL_DEVIATES


def test_mimic_mismatches_skip_the_real_servers_5xx() -> None:
    cases = [case("title: valid sample"), case("run_with: valid sample")]
    answers = [real(cases[0], 200), real(cases[1], 500, {"error": "x"})]
    mimic = [stand_in(cases[0], 400), stand_in(cases[1], 200)]
    [(mismatch, aspect, one, other)] = fidelity.mimic_mismatches(SPEC, cases, answers, mimic)
    assert (mismatch.name, aspect, one, other) == ("title: valid sample", "status", "200", "400")


# --- the doc and the command -------------------------------------------------------------------------------------


def _report(**extra: Any) -> Report:
    cases = [case("lifecycle: POST a minimal run"), case('parameters: undeclared {"x": 1}'), case("title: null")]
    reals = [real(cases[0], 200), real(cases[1], 200), real(cases[2], 403, {"detail": f"bad key {KEY}"})]
    stands = [stand_in(cases[0], 200), stand_in(cases[1], 400), stand_in(cases[2], 200)]
    return Report(cases, reals, stands, versions={"real server": "skyvern 1.0.56"}, secret_values=[KEY], **extra)


def test_doc_lists_the_classes_and_never_the_key() -> None:
    text = fidelity.render_doc(_report(mimic_note="skipped (--no-mimic)"), SPEC)
    first = text.splitlines()[0]
    assert "Generated by `make fidelity`" in first
    assert "rerun" in first
    assert KEY not in text
    assert "$CONTRACT_API_KEY" in text
    assert "| differences: fidelity bug (distinct) | 1 (1) |" in text
    assert "| differences: real server deviates from the spec (distinct) | 1 (1) |" in text
    assert "Not run: skipped (--no-mimic)." in text
    assert "> Sort one difference" in text  # the rule, quoted from its one place
    assert text.count("\ncurl ") == 3


def test_doc_shows_the_mimic_comparison() -> None:
    report = _report()
    report.mimic = [stand_in(report.cases[0], 200), stand_in(report.cases[1], 200), stand_in(report.cases[2], 400)]
    text = fidelity.render_doc(report, SPEC)
    assert "1 mismatch(es) (1 distinct) where the real server did not answer a 5xx" in text
    assert fidelity.exit_status(report, SPEC) == fidelity.EXIT_DIFFERENT


def test_exit_status_is_zero_only_when_every_difference_is_the_real_servers() -> None:
    c = case("proxy_location.country: wrong type, integer 1")
    good = Report([c], [real(c, 200)], [stand_in(c, 422)], mimic_note="skipped")
    assert fidelity.exit_status(good, SPEC) == fidelity.EXIT_OK
    bad = replace(good, stand_in=[stand_in(c, 400)])
    assert fidelity.exit_status(bad, SPEC) == fidelity.EXIT_DIFFERENT


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
        f"WORKFLOW_ID={REAL_WORKFLOW}; BASE_URL=http://x; {fidelity.curl(c)}"
    )
    shown = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
    assert c.body is not None
    assert shown == c.body.replace('"$WORKFLOW_ID"', json.dumps(REAL_WORKFLOW))
    assert len(fidelity.curl(c)) < 400


def test_curl_never_holds_a_key() -> None:
    for c in MATRIX:
        shown = fidelity.curl(c)
        if c.key_mode == "valid":
            assert '-H "x-api-key: $CONTRACT_API_KEY"' in shown
        elif c.key_mode == "missing":
            assert "x-api-key" not in shown


def test_refuses_without_a_private_namespace(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(NAMESPACE_MARKER, raising=False)
    monkeypatch.setattr(network, "namespace_refusal", lambda: "not root")
    assert fidelity.main(["--no-mimic"]) == fidelity.EXIT_NOT_RUN
    assert "Nothing was sent" in capsys.readouterr().err


def test_a_marker_alone_is_not_a_namespace(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(NAMESPACE_MARKER, "1")
    monkeypatch.setattr(network, "in_private_namespace", lambda environ: False)
    monkeypatch.setattr(network, "network_interfaces", lambda: ["eth0", "lo"])
    assert fidelity.main([]) == fidelity.EXIT_NOT_RUN
    assert "eth0" in capsys.readouterr().err


def test_mimic_is_detected_from_the_help(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(help_text: str) -> Any:
        return lambda *args, **kwargs: subprocess.CompletedProcess(args, 0, help_text, "")

    monkeypatch.setattr(subprocess, "run", fake("usage: ... --fault NAME"))
    assert "--like-skyvern" in fidelity.mimic_available()
    monkeypatch.setattr(subprocess, "run", fake("usage: ... --like-skyvern VERSION"))
    assert fidelity.mimic_available() == ""


def test_stand_in_workflow_is_the_real_ones_equivalent(tmp_path: Any) -> None:
    import yaml

    path = fidelity.stand_in_workflows(tmp_path / "w.yaml", STAND_IN_WORKFLOW)
    [workflow] = yaml.safe_load(path.read_text())["workflows"]
    assert workflow["parameters"] == []
    assert workflow["title"] == WAIT_WORKFLOW["json_definition"]["title"]


def test_geotarget_echo_key_by_key() -> None:
    c = case("proxy_location.country: edge, string of minLength 2")
    lower = real(c, 200)
    lower.body["run_request"]["proxy_location"] = {"country": "aa", "subdivision": "CA", "city": "San Francisco"}
    upper = stand_in(c, 200)
    upper.body["run_request"]["proxy_location"] = {"country": "AA", "subdivision": "CA", "city": "San Francisco"}
    [difference] = fidelity.compare(SPEC, c, lower, upper)
    assert (difference.aspect, difference.kind) == ("/run_request/proxy_location/country", Kind.FIDELITY_BUG)
    only = case("proxy_location: edge, object with only its required properties")
    extra = real(only, 200)
    extra.body["run_request"]["proxy_location"] = {"country": "US", "subdivision": None, "isISP": False}
    differences = fidelity.compare(SPEC, only, extra, stand_in(only, 200))
    assert [(d.aspect, d.real, d.stand_in, d.kind) for d in differences] == [
        ("/run_request/proxy_location/subdivision", "null", "absent", Kind.FIDELITY_BUG)
    ]
    wrong = stand_in(only, 200)
    wrong.body["run_request"]["proxy_location"] = {"country": "DE"}
    [changed] = fidelity.compare(SPEC, only, real(only, 200), wrong)
    assert (changed.aspect, changed.kind) == ("/run_request/proxy_location/country", Kind.STAND_IN_DEVIATES)

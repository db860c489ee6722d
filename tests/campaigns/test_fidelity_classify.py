"""Offline tests of the one classification rule (`campaigns.fidelity.classify`) on hand-made answers."""

from __future__ import annotations

from campaigns.fidelity import classify, shape
from campaigns.fidelity.classify import Kind
from tests.campaigns.fidelity_answers import (
    SPEC,
    case,
    real,
    stand_in,
)

# --- the classification ------------------------------------------------------------------------------------------


def test_real_server_accepting_an_invalid_request_deviates_from_the_spec() -> None:
    c = case("proxy_location.country: wrong type, integer 1")
    [difference] = classify.compare(SPEC, c, real(c, 200), stand_in(c, 422))
    assert difference.kind is Kind.REAL_DEVIATES
    assert difference.aspect == "status"
    assert difference.clause == "#/components/schemas/GeoTarget/properties/country/type"
    assert (difference.real, difference.stand_in) == ("200", "422")


def test_both_allowed_statuses_that_differ_are_a_fidelity_bug() -> None:
    c = case('parameters: undeclared {"x": 1}')
    [difference] = classify.compare(SPEC, c, real(c, 200), stand_in(c, 400))
    assert difference.kind is Kind.FIDELITY_BUG
    assert "200, 400" in difference.why


def test_stand_in_refusing_a_valid_request_deviates_from_the_spec() -> None:
    c = case("title: null")
    [difference] = classify.compare(SPEC, c, real(c, 200), stand_in(c, 422))
    assert difference.kind is Kind.STAND_IN_DEVIATES
    assert difference.clause == "#/components/schemas/WorkflowRunRequest/properties/title"
    [forbidden] = classify.compare(SPEC, c, real(c, 403), stand_in(c, 200))
    assert (forbidden.kind, forbidden.clause) == (Kind.REAL_DEVIATES, "#/components/responses/Forbidden/description")


def test_both_breaking_the_spec_is_both_deviate() -> None:
    c = case("title: wrong type, integer 1")
    [difference] = classify.compare(SPEC, c, real(c, 500, {"error": "Unexpected error: TypeError"}), stand_in(c, 200))
    assert difference.kind is Kind.BOTH_DEVIATE
    assert difference.clause == "#/paths/~1v1~1run~1workflows/post/responses"


def test_a_5xx_is_never_allowed() -> None:
    c = case("run_with: valid sample")
    [difference] = classify.compare(SPEC, c, real(c, 500, {"error": "x"}), stand_in(c, 200))
    assert difference.kind is Kind.REAL_DEVIATES
    assert difference.clause == "#/paths/~1v1~1run~1workflows/post/responses"


def test_timestamp_form_is_compared_and_a_missing_offset_is_the_real_servers_deviation() -> None:
    c = case("title: valid sample")
    naive = real(c, 200, created_at="2026-12-01T10:00:00.123456")
    differences = classify.compare(SPEC, c, naive, stand_in(c, 200))
    assert [(d.aspect, d.kind) for d in differences] == [("/created_at", Kind.REAL_DEVIATES)]
    assert differences[0].clause == "#/components/schemas/WorkflowRunResponse/properties/created_at/format"
    assert differences[0].real == "string, date-time without a UTC offset"


def test_run_request_echo_is_judged_by_what_was_sent() -> None:
    c = case("minimal body (every optional field omitted)")
    titled = real(c, 200)
    titled.body["run_request"]["title"] = "contract wait"
    [difference] = classify.compare(SPEC, c, titled, stand_in(c, 200))
    assert difference.aspect == "/run_request/title"
    assert difference.kind is Kind.REAL_DEVIATES
    assert difference.clause == "#/components/schemas/WorkflowRunResponse/properties/run_request/description"
    assert difference.stand_in == "absent"


def test_own_workflow_ids_and_per_server_values_are_not_differences() -> None:
    c = case("title: valid sample")
    one = real(c, 200, run_id="wr_9", app_url="http://localhost:8080/runs/wr_9", created_at="2026-12-01T11:11:11Z")
    assert classify.compare(SPEC, c, one, stand_in(c, 200, app_url="https://app.skyvern.com/runs/wr_1")) == []


def test_a_field_absent_on_one_side_and_null_on_the_other_is_a_fidelity_bug() -> None:
    c = case("title: valid sample")
    left_out = real(c, 200)
    del left_out.body["failure_reason"]
    [difference] = classify.compare(SPEC, c, left_out, stand_in(c, 200))
    assert (difference.aspect, difference.kind) == ("/failure_reason", Kind.FIDELITY_BUG)
    assert difference.clause == "#/components/schemas/WorkflowRunResponse/properties/failure_reason"


def test_undeclared_response_fields_are_not_compared() -> None:
    c = case("title: valid sample")
    assert classify.compare(SPEC, c, real(c, 200, recording_archived=False), stand_in(c, 200)) == []
    pairs = [(c, real(c, 200, recording_archived=False, script_id=None))]
    assert shape.undeclared_fields(SPEC, pairs) == ["recording_archived", "script_id"]


def test_lifecycle_reads_tolerate_timing() -> None:
    first = case("lifecycle: GET it")
    early = stand_in(first, 200, status="created")
    later = real(first, 200, status="running", queued_at="2026-12-01T10:00:01Z", started_at="2026-12-01T10:00:02Z")
    assert classify.compare(SPEC, first, later, early) == []
    done = real(first, 200, status="completed")
    assert [d.aspect for d in classify.compare(SPEC, first, done, early)] == ["/status"]
    last = case("lifecycle: GET it after the cancel")
    [difference] = classify.compare(
        SPEC, last, real(last, 200, status="completed"), stand_in(last, 200, status="canceled")
    )
    assert difference.kind is Kind.REAL_DEVIATES
    assert difference.clause == "#/paths/~1v1~1runs~1{run_id}~1cancel/post/description"


def test_cancel_body_other_than_null_breaks_the_schema() -> None:
    c = case("lifecycle: cancel it")
    [difference] = classify.compare(SPEC, c, real(c, 200, {"canceled": True}), stand_in(c, 200, None))
    assert difference.aspect == "/"
    assert difference.kind is Kind.REAL_DEVIATES


def test_mimic_mismatches_skip_the_real_servers_5xx() -> None:
    cases = [case("title: valid sample"), case("run_with: valid sample")]
    answers = [real(cases[0], 200), real(cases[1], 500, {"error": "x"})]
    mimic = [stand_in(cases[0], 400), stand_in(cases[1], 200)]
    [(mismatch, aspect, one, other)] = classify.mimic_mismatches(SPEC, cases, answers, mimic)
    assert (mismatch.name, aspect, one, other) == ("title: valid sample", "status", "200", "400")


def test_geotarget_echo_key_by_key() -> None:
    c = case("proxy_location.country: edge, string of minLength 2")
    lower = real(c, 200)
    lower.body["run_request"]["proxy_location"] = {"country": "aa", "subdivision": "CA", "city": "San Francisco"}
    upper = stand_in(c, 200)
    upper.body["run_request"]["proxy_location"] = {"country": "AA", "subdivision": "CA", "city": "San Francisco"}
    [difference] = classify.compare(SPEC, c, lower, upper)
    assert (difference.aspect, difference.kind) == ("/run_request/proxy_location/country", Kind.FIDELITY_BUG)
    only = case("proxy_location: edge, object with only its required properties")
    extra = real(only, 200)
    extra.body["run_request"]["proxy_location"] = {"country": "US", "subdivision": None, "isISP": False}
    differences = classify.compare(SPEC, only, extra, stand_in(only, 200))
    assert [(d.aspect, d.real, d.stand_in, d.kind) for d in differences] == [
        ("/run_request/proxy_location/subdivision", "null", "absent", Kind.FIDELITY_BUG)
    ]
    wrong = stand_in(only, 200)
    wrong.body["run_request"]["proxy_location"] = {"country": "DE"}
    [changed] = classify.compare(SPEC, only, real(only, 200), wrong)
    assert (changed.aspect, changed.kind) == ("/run_request/proxy_location/country", Kind.STAND_IN_DEVIATES)

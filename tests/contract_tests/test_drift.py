"""`contract_tests.checks.drift`: the spec against the document a target serves, what each difference means, the findings it
explains, and the report's section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contract_tests.checks import drift
from contract_tests.model.areas import Area
from contract_tests.model.findings import Finding, root_causes
from contract_tests.model.verdict import Verdict
from contract_tests.report import summary
from contract_tests.transport.target import ReferenceServer

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "openapi.yaml"
SERVED_1_0_56 = ROOT / "tests" / "codegen" / "served" / "skyvern-1.0.56.json"


@pytest.fixture(scope="module")
def skyvern_1_0_56() -> drift.Drift:
    return drift.drift_of(SPEC, json.loads(SERVED_1_0_56.read_text(encoding="utf-8")), "skyvern 1.0.56")


def test_each_difference_gets_its_meaning_for_our_users(skyvern_1_0_56: drift.Drift) -> None:
    meanings = {(c.kind, c.field or c.part): drift.meaning(c) for c in skyvern_1_0_56.changes}
    assert meanings[("operation-moved", "")] is drift.Meaning.BREAKS_CLIENT
    assert meanings[("field-required", "agent_id")] is drift.Meaning.STRICTER
    assert meanings[("variant-added", "proxy_location")] is drift.Meaning.LOOSER
    assert meanings[("field-added", "recording_archived")] is drift.Meaning.LOOSER
    assert meanings[("null-removed", "run_with")] is drift.Meaning.STRICTER
    assert meanings[("type-widened", "response 200")] is drift.Meaning.BREAKS_CLIENT  # cancel: untyped, was null
    assert ("POST /v1/run/workflows", "POST /v1/run/agents", "alias") in skyvern_1_0_56.matched
    assert not any(c.kind == "webhook-removed" for c in skyvern_1_0_56.changes)  # it documents no webhook at all


@pytest.mark.parametrize(
    ("key", "explained"),
    [
        ("rejected|/proxy_location/country|type, accepted", True),  # proxy_location admits any object there
        ("rejected|/proxy_location/city|maxLength, accepted", True),
        ("rejected|/proxy_location|type, accepted", True),
        ("rejected|/ai_fallback|type, accepted", False),  # a boolean there too
        ("rejected|/run_with|type, accepted", False),
        ("no_server_error|run_workflow|500", False),
        ("response_conforms|/created_at|format", False),
    ],
)
def test_a_finding_the_served_document_allows_is_explained(
    skyvern_1_0_56: drift.Drift, key: str, explained: bool
) -> None:
    explanation = skyvern_1_0_56.explanation(key)
    assert (explanation is not None) == explained
    if explanation:
        assert explanation.startswith("the server's own document allows this: request body `proxy_location`")


def test_the_report_shows_the_drift_and_marks_the_findings_it_explains(skyvern_1_0_56: drift.Drift) -> None:
    finding = Finding(Area.PROXY_OPTIONS, "rejected", "accepted 1", "t", "curl", location="/proxy_location/country", kind="type, accepted")  # fmt: skip
    verdict = Verdict(root_causes([finding]), [], drift=skyvern_1_0_56)
    markdown = summary.markdown(verdict, [])
    assert "## the target's own OpenAPI document (drift)" in markdown
    assert "Drift: the server's own document allows this: request body `proxy_location`: now also accepts any object" in markdown  # fmt: skip
    assert json.loads(summary.as_json(verdict, {}))["drift"]["counts"]["breaks our client"] == 5
    assert "skipped" in json.loads(summary.as_json(Verdict([], [], no_drift="none served"), {}))["drift"]


@pytest.mark.network
def test_the_reference_server_serves_the_spec_and_has_no_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    server = ReferenceServer(tmp_path).start()
    try:
        found, why = drift.for_target(SPEC, server.base_url, server.api_key)
        missing, not_found = drift.for_target(SPEC, server.base_url, server.api_key, "/no/such/document.json")
        skipped, off = drift.for_target(SPEC, server.base_url, server.api_key, "none")
        code = drift.main(["--base-url", server.base_url, "--format", "json"], environ={})
    finally:
        server.stop()
    assert found is not None
    assert why == ""
    assert found.changes == ()
    assert len(found.matched) == 3
    assert found.unmatched_served == 0
    assert missing is None
    assert not_found.endswith("/no/such/document.json answered 404")
    assert skipped is None
    assert off == "CONTRACT_SERVED_SPEC=none"
    assert code == 0
    assert json.loads(capsys.readouterr().out)["counts"] == dict.fromkeys(drift.Meaning, 0)

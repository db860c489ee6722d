"""The HTML report's parts, offline: the coverage record (what a test exercised, with the violations seen while
judging it), the matrix laid out from the spec, and the page (self-contained, every failing cell linked)."""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

import pytest

from contract_tests.model.areas import Area, ContractViolation
from contract_tests.model.findings import Finding, root_causes
from contract_tests.model.verdict import TestOutcome, Verdict
from contract_tests.record import coverage
from contract_tests.record.coverage import Coverage
from contract_tests.record.observations import Observations
from contract_tests.record.repro import Exchange, Recorder
from contract_tests.report import html as html_report
from contract_tests.report import matrix
from contract_tests.spec import Spec

SPEC = Spec.load()
MISSING = ContractViolation(Area.NULLABLE_FIELDS, "nullable_keys_present", "gone", "/failure_reason", "missing")


def _exchange(method: str, path: str, status: int) -> Exchange:
    return Exchange(method, "http://t" + path, {}, None, status, b"{}", 0.0)


def _keys(record: Coverage, table: str, row: str, column: str) -> set[str]:
    cell = record.get(table, row, column)
    assert cell is not None, (table, row, column)
    return cell.keys


def test_a_test_record_notes_responses_runs_and_requests() -> None:
    seen = Observations("t", chain=list)
    recorder = Recorder(listeners=[functools.partial(coverage.saw_exchange, seen.coverage)])
    recorder.add(_exchange("GET", "/v1/runs/wr_1", 200))
    recorder.add(_exchange("PUT", "/v1/runs/wr_1", 405))
    body = {"run_id": "wr_1", "status": "queued", "output": None}
    with coverage.run_body(seen, SPEC, {**body, "status": "created"}, parsed=False):
        pass
    with coverage.run_body(seen, SPEC, body, parsed=True):
        seen.report(MISSING, [_exchange("GET", "/v1/runs/wr_1", 200)])
    sent = {"workflow_id": "w", "title": None, "proxy_location": {"country": "US"}}
    with pytest.raises(ContractViolation), coverage.request(seen, SPEC, sent, "accepted"):
        raise ContractViolation(Area.NULLABLE_FIELDS, "accepted", "422", "/title", "422")
    seen.coverage.add_violations(seen.violations)  # as the plugin does at the test's end
    record = seen.coverage
    assert seen.violations
    assert record.get(coverage.OPERATIONS, "get_run", "200") is not None
    assert record.get(coverage.OPERATIONS, coverage.OTHER_OPERATION, "405") is not None
    assert _keys(record, coverage.OPERATIONS, "get_run", "200") == {MISSING.key}
    assert record.get(coverage.TRANSITIONS, "created", "queued") is not None
    assert _keys(record, coverage.NULLABLE_RESPONSE, "failure_reason", coverage.OMITTED) == {MISSING.key}
    assert _keys(record, coverage.NULLABLE_RESPONSE, "output", "null") == set()
    refused = "accepted|/title|422"
    assert _keys(record, coverage.NULLABLE_REQUEST, "title", "null") == {refused}
    assert _keys(record, coverage.NULLABLE_REQUEST, "webhook_url", coverage.OMITTED) == set()
    assert record.get(coverage.PROXY, "GeoTarget {country}", "accepted") is not None
    assert Coverage.from_json(record.to_json()).cells == record.cells


def test_each_test_records_into_its_own_cells() -> None:
    first, second = Observations("a", chain=list), Observations("b", chain=list)
    coverage.saw_exchange(first.coverage, _exchange("GET", "/v1/runs/wr_1", 200))
    with coverage.transition(second, "created", "queued"):
        pass
    assert list(first.coverage.cells) == [(coverage.OPERATIONS, "get_run", "200")]
    assert list(second.coverage.cells) == [(coverage.TRANSITIONS, "created", "queued")]


def test_the_matrix_comes_from_the_spec_and_links_only_this_runs_causes() -> None:
    record = Coverage()
    record.add(coverage.OPERATIONS, "get_run", "200", keys=["gone|/x|y"])
    record.add(coverage.OPERATIONS, "get_run", "500", keys=["no_server_error|get_run|500"])
    tables = {table.name: table for table in matrix.tables(record, SPEC, ["no_server_error|get_run|500"])}
    statuses = tables[coverage.RUN_STATUS]
    assert [row for row, _ in statuses.rows] == SPEC.enum("RunStatus")
    assert statuses.count("unseen") == 2 * len(SPEC.enum("RunStatus"))
    operations = tables[coverage.OPERATIONS]
    cells = dict(zip(operations.columns, dict(operations.rows)["get_run"], strict=True))
    assert cells["200"].state == "pass"  # its key is no root cause of this run
    assert cells["500"].state == "fail"
    assert cells["404"].state == "unseen"
    assert dict(zip(operations.columns, dict(operations.rows)["cancel_run"], strict=True))["500"].state == "n/a"
    proxy = dict(tables[coverage.PROXY].rows)
    assert {*SPEC.enum("ProxyLocation"), "GeoTarget {country, subdivision, city}"} <= set(proxy)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a":
            self.links.append(str(values.get("href")))
        if tag in ("link", "img", "iframe") or (tag == "script" and "src" in values):
            self.external.append(tag)


def test_the_page_is_self_contained_and_every_failing_cell_links_to_its_root_cause() -> None:
    finding = Finding(
        Area.NULLABLE_FIELDS, MISSING.check, "<gone>", "t", "curl -sS 'http://x'", "", *MISSING.key.split("|")[1:]
    )
    verdict = Verdict(
        root_causes([finding]), [TestOutcome("contract_tests/suite/test_auth.py::t", Area.AUTH, "failed")]
    )
    record = Coverage()
    record.add(coverage.NULLABLE_RESPONSE, "failure_reason", coverage.OMITTED, keys=[MISSING.key])
    page = html_report.render(verdict, matrix.tables(record, SPEC, [MISSING.key]), ["target <x>"])
    parsed = _Page()
    parsed.feed(page)
    assert parsed.external == []
    assert parsed.links
    assert all(link.startswith("#") and link[1:] in parsed.ids for link in parsed.links)
    assert html_report.anchor(MISSING.key) in parsed.ids
    assert re.search(r'<td class="cell fail"[^>]*>✗ fail', page)
    assert "&lt;gone&gt;" in page
    assert "target &lt;x&gt;" in page
    assert 'data-exit-status="1"' in page
    assert "navigator.clipboard" in page
    assert "execCommand" in page

"""The verdict's vocabulary (`model/`): root causes, areas judged, exit statuses, baselines."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from contract_tests.config import ConfigurationError
from contract_tests.engine.plugin import ContractPlugin
from contract_tests.model import baseline, findings
from contract_tests.model import checks as checks_registry
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.model.baseline import Known
from contract_tests.model.verdict import EXIT_ERROR, EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATIONS, TestOutcome, Verdict
from contract_tests.report import summary

ROOT = Path(__file__).resolve().parents[2]


def _finding(area: Area, check: str, location: str, kind: str, test: str, script: str = "curl a") -> findings.Finding:
    return findings.Finding(area, check, f"{check} broke", test, script, location=location, kind=kind, operation="op")


def test_the_same_defect_seen_many_times_is_one_root_cause() -> None:
    items = [
        _finding(Area.RESPONSE_SCHEMA, "response_conforms", "/created_at", "format", "t1", "curl a\ncurl b"),
        _finding(Area.RESPONSE_SCHEMA, "response_conforms", "/created_at", "format", "t2", "curl a"),
        _finding(Area.RESPONSE_SCHEMA, "response_conforms", "/modified_at", "format", "t1"),
        _finding(Area.STATUS_ENUM, "status_in_enum", "/status", "enum", "t3"),
    ]
    causes = findings.root_causes(items)
    assert [(c.example.area, c.example.location, c.count) for c in causes] == [
        (Area.STATUS_ENUM, "/status", 1),
        (Area.RESPONSE_SCHEMA, "/created_at", 2),
        (Area.RESPONSE_SCHEMA, "/modified_at", 1),
    ]
    assert causes[1].tests == ("t1", "t2")
    assert causes[1].example.reproduction == "curl a"  # the shortest


AREA_OF = {
    "contract_tests/suite/test_status_enum.py::a": Area.STATUS_ENUM,
    "contract_tests/suite/test_proxy_options.py::a": Area.PROXY_OPTIONS,
    "contract_tests/suite/test_nullable_fields.py::a": Area.NULLABLE_FIELDS,
    "contract_tests/suite/test_lifecycle.py::a": Area.LIFECYCLE,
    "contract_tests/suite/test_auth.py::a": Area.AUTH,
    "contract_tests/suite/test_client.py::a": Area.RESPONSE_SCHEMA,
    "contract_tests/suite/test_request_validation.py::a": Area.REQUEST_VALIDATION,
    "contract_tests/suite/test_server_errors.py::a": Area.SERVER_ERRORS,
    "contract_tests/suite/test_webhooks.py::a": Area.WEBHOOKS,
    "contract_tests/suite/test_schemathesis.py::test_operation[POST /v1/run/workflows]": Area.SCHEMATHESIS,
    "contract_tests/suite/test_schemathesis.py::TestStateful::runTest": Area.STATEFUL,
}


ALL_AREAS = list(AREA_OF)


def _outcome(test: str, state: str = "judged") -> TestOutcome:
    return TestOutcome(test, AREA_OF.get(test) or AREA_OF[test.rpartition("::")[0] + "::a"], state)


def test_verdict_exit_statuses() -> None:
    judged = [_outcome(t) for t in ALL_AREAS]
    assert Verdict([], judged).exit_status == EXIT_OK
    skipped = [*judged[:-1], _outcome(ALL_AREAS[-1], "skipped")]
    incomplete = Verdict([], skipped)
    assert (incomplete.exit_status, incomplete.incomplete_areas) == (EXIT_INCOMPLETE, ["stateful run"])
    assert Verdict([], [*judged, _outcome("contract_tests/suite/test_auth.py::b", "broken")]).exit_status == EXIT_ERROR
    cause = findings.root_causes([_finding(Area.AUTH, "c", "get_run", "served", ALL_AREAS[4])])
    assert Verdict(cause, skipped).exit_status == EXIT_VIOLATIONS  # violations outrank incompleteness
    document = json.loads(summary.as_json(Verdict(cause, judged), {"profile": "ci"}))
    assert (document["verdict"], document["exit_status"], document["root_causes"][0]["count"]) == ("fail", 1, 1)
    assert document["areas"]["auth"] == {
        "state": "judged",
        "tests": 1,
        "executed": 1,
        "truncated": 0,
        "root_causes": 1,
        "also_seen": 0,
    }


def test_baseline_known_and_gone(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    tests = (ALL_AREAS[4],)
    baseline.write(path, {"c|get_run|served": Known("x", tests), "r|get_run|404": Known("y", tests)}, target="t")
    known = baseline.load(path)
    plugin = ContractPlugin.__new__(ContractPlugin)
    plugin.known, plugin.findings, plugin.unverifiable, plugin.errors = known, [], [], []
    plugin.collected, plugin.outcomes, plugin.selected = {}, {t: _outcome(t) for t in ALL_AREAS}, False
    plugin.areas = dict(AREA_OF)
    plugin.findings = [
        _finding(Area.AUTH, "c", "get_run", "served", ALL_AREAS[4]),
        _finding(Area.STATUS_ENUM, "status_in_enum", "/status", "enum", ALL_AREAS[0]),
    ]
    verdict = plugin.verdict()
    assert [(c.key, c.baseline) for c in verdict.causes] == [
        ("status_in_enum|/status|enum", "new"),
        ("c|get_run|served", "known"),
    ]
    assert [(g.key, g.tests_ran) for g in verdict.gone] == [("r|get_run|404", True)]
    assert verdict.exit_status == EXIT_VIOLATIONS
    plugin.findings = plugin.findings[:1]
    assert plugin.verdict().exit_status == EXIT_OK
    (tmp_path / "bad.json").write_text("[]")
    with pytest.raises(ConfigurationError, match="not a baseline"):
        baseline.load(tmp_path / "bad.json")


def _check_names_used() -> set[str]:
    """Every check name the package gives a `ContractViolation` (or the webhooks' `_violation`) as a literal."""
    used: set[str] = set()
    for path in (ROOT / "contract_tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            position = {"ContractViolation": 1, "_violation": 0}.get(name)
            argument = node.args[position] if position is not None and len(node.args) > position else None
            if isinstance(argument, ast.Constant):
                used.add(str(argument.value))
    return used


def test_every_check_is_registered_and_every_registered_check_is_used() -> None:
    used = _check_names_used()
    assert sorted(name for name in used if not checks_registry.is_registered(name)) == []
    dynamic = {"status_in_enum", "response_conforms"}  # also chosen at run time (a webhook body's breakage)
    assert sorted(set(checks_registry.CHECKS) - used - dynamic) == []
    with pytest.raises(ValueError, match="unknown check 'made_up'"):
        ContractViolation(Area.AUTH, "made_up", "detail")

"""Offline tests of the contract suite's building blocks: spec reading, strategies, checks, classification,
reproductions and the summary (no server)."""

from __future__ import annotations

import ast
import doctest
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest
from hypothesis import given, settings

from contract_tests import session
from contract_tests.checks import classify
from contract_tests.checks import echo as echo_checks
from contract_tests.checks import lifecycle as lifecycle_checks
from contract_tests.checks import reply as checks
from contract_tests.config import ConfigurationError
from contract_tests.engine import cleanup, flows, plan
from contract_tests.engine.plugin import ContractPlugin
from contract_tests.generate.strategies import Requests
from contract_tests.model import baseline, findings
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.model.baseline import Known
from contract_tests.model.verdict import EXIT_ERROR, EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATIONS, TestOutcome, Verdict
from contract_tests.record import observations, repro
from contract_tests.record.repro import Exchange, render_script
from contract_tests.report import summary
from contract_tests.spec import Spec
from contract_tests.transport.api import Api, Reply

ROOT = Path(__file__).resolve().parents[2]
SPEC = Spec.load()
SINK = "http://127.0.0.1:9"
REQUESTS = Requests(SPEC, "wpid_1", {"url": "https://example.com"}, SINK)


def _reply(status: int, body: Any, content_type: str = "application/json") -> Reply:
    return Reply(status, {"content-type": content_type}, json.dumps(body).encode())


def _modules_with_examples() -> list[str]:
    """Every module of the package (campaigns apart) whose docstrings hold an example."""
    package = importlib.import_module("contract_tests")
    names = [info.name for info in pkgutil.walk_packages(package.__path__, "contract_tests.")]
    found = []
    for name in sorted(names):
        if ".suite." in name or name.endswith("__main__"):
            continue  # the tests themselves (run by the suite), the entry point
        finder = doctest.DocTestFinder()
        if any(test.examples for test in finder.find(importlib.import_module(name))):
            found.append(name)
    return found


@pytest.mark.parametrize("module", _modules_with_examples())
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_examples_are_found() -> None:
    assert len(_modules_with_examples()) >= 20


def test_field_lists_come_from_the_spec() -> None:
    request = SPEC.schema("WorkflowRunRequest")["properties"]
    assert set(SPEC.nullable_fields("WorkflowRunRequest")) == set(request) - {"workflow_id"}
    assert SPEC.url_fields("WorkflowRunRequest") == ["webhook_url", "totp_url", "browser_address"]
    assert [f.path for f in SPEC.nested_fields("WorkflowRunRequest") if not f.nullable] == [
        ("workflow_id",),
        ("proxy_location", "country"),
    ]


@settings(max_examples=50)
@given(REQUESTS.bodies())
def test_generated_bodies_are_valid_and_only_point_at_the_sink(body: dict[str, Any]) -> None:
    assert classify.area_of_body(SPEC, body) == Area.REQUEST_VALIDATION  # i.e. no schema error at all
    assert body["workflow_id"] == "wpid_1"
    for name in REQUESTS.url_fields:
        assert body.get(name) is None or body[name].startswith(SINK + "/")
    assert set(body.get("parameters") or {}) <= {"url"}


def test_status_outside_the_enum_is_a_status_enum_violation() -> None:
    with pytest.raises(ContractViolation) as caught:
        checks.status_in_enum(SPEC, {"status": "paused"})
    assert caught.value.area == Area.STATUS_ENUM


def test_response_conforms_names_the_area() -> None:
    with pytest.raises(ContractViolation) as server:
        checks.response_conforms(SPEC, "get_run", _reply(500, {"detail": "boom"}))
    assert server.value.area == Area.SERVER_ERRORS
    with pytest.raises(ContractViolation) as auth:
        checks.response_conforms(SPEC, "get_run", _reply(401, {"detail": "no"}))
    assert auth.value.area == Area.AUTH
    with pytest.raises(ContractViolation) as shape:
        checks.response_conforms(SPEC, "cancel_run", _reply(200, {"canceled": True}))
    assert shape.value.area == Area.RESPONSE_SCHEMA
    with pytest.raises(ContractViolation) as media:
        checks.response_conforms(SPEC, "cancel_run", _reply(200, None, "text/plain"))
    assert media.value.area == Area.RESPONSE_SCHEMA
    assert checks.response_conforms(SPEC, "cancel_run", _reply(200, None)) is None


@pytest.mark.parametrize(
    ("sent", "echo", "area"),
    [
        ({"workflow_id": "w", "title": None}, {"workflow_id": "w"}, Area.NULLABLE_FIELDS),
        ({"workflow_id": "w", "title": "t"}, {"workflow_id": "w", "title": "u"}, Area.NULLABLE_FIELDS),
        ({"workflow_id": "w"}, {"workflow_id": "w", "proxy_location": "NONE"}, Area.PROXY_OPTIONS),
        ({"workflow_id": "w", "proxy_location": "NONE"}, {"workflow_id": "w"}, Area.PROXY_OPTIONS),
    ],
)
def test_echo_mismatches(sent: dict[str, Any], echo: dict[str, Any], area: Area) -> None:
    with pytest.raises(ContractViolation) as caught:
        echo_checks.echoed(SPEC, sent, echo)
    assert caught.value.area == area


@pytest.mark.parametrize(
    ("sent", "echo"),
    [
        ({"workflow_id": "w"}, {"workflow_id": "w", "proxy_location": "RESIDENTIAL", "title": None}),
        (
            {"workflow_id": "w", "proxy_location": {"country": "us"}},
            {"workflow_id": "w", "proxy_location": {"country": "US"}},
        ),
        ({"workflow_id": "w", "title": None}, {"workflow_id": "w", "title": None}),
    ],
)
def test_faithful_echoes_pass(sent: dict[str, Any], echo: dict[str, Any]) -> None:
    echo_checks.echoed(SPEC, sent, echo)


def test_lifecycle_order() -> None:
    lifecycle_checks.moves_forward("created", "running")
    lifecycle_checks.moves_forward("running", "completed")
    with pytest.raises(ContractViolation):
        lifecycle_checks.moves_forward("completed", "running")
    with pytest.raises(ContractViolation):
        lifecycle_checks.terminal_is_final("failed", "canceled")
    lifecycle_checks.canceled_after_cancel("running", "canceled")
    lifecycle_checks.canceled_after_cancel("completed", "completed")
    lifecycle_checks.canceled_after_cancel("running", "completed")  # it ended on its own before the cancel arrived
    with pytest.raises(ContractViolation):
        lifecycle_checks.canceled_after_cancel("queued", "running")
    with pytest.raises(ContractViolation):
        lifecycle_checks.canceled_after_cancel("completed", "canceled")
    assert set(lifecycle_checks.LIFECYCLE_ORDER) < set(SPEC.enum("RunStatus"))


def test_negative_findings_are_filed_under_the_field_that_made_them_invalid() -> None:
    assert classify.area_of_body(SPEC, {"workflow_id": "w", "proxy_location": "MARS"}) == Area.PROXY_OPTIONS
    assert classify.area_of_body(SPEC, {"workflow_id": None}) == Area.NULLABLE_FIELDS
    assert classify.area_of_body(SPEC, {"workflow_id": "w", "title": 3}) == Area.REQUEST_VALIDATION
    rejection = json.dumps({"detail": [{"loc": ["body", "proxy_location"], "msg": "no", "type": "enum"}]}).encode()
    assert classify.area_of_rejection(rejection, {"proxy_location": "RESIDENTIAL_BR"}) == Area.PROXY_OPTIONS


def _exchange(method: str, url: str, status: int, body: Any, started: float, sent: bytes | None = None) -> Exchange:
    return Exchange(method, url, {"x-api-key": "secret"}, sent, status, json.dumps(body).encode(), started)


def test_reproduction_redacts_the_key_and_follows_the_run_id() -> None:
    base = "http://127.0.0.1:1"
    chain = [
        _exchange("POST", f"{base}/v1/run/workflows", 200, {"run_id": "wr_7"}, 0.0, b'{"workflow_id": "it\'s"}'),
        _exchange("GET", f"{base}/v1/runs/wr_7", 200, {"status": "running"}, 0.1),
        _exchange("GET", f"{base}/v1/runs/wr_7", 200, {"status": "running"}, 0.2),
        _exchange("GET", f"{base}/v1/runs/wr_7", 200, {"status": "completed"}, 1.5),
    ]
    script = render_script(chain, secrets={"secret"})
    assert "secret" not in script
    assert '"x-api-key: $CONTRACT_API_KEY"' in script
    assert "wr_7" not in script
    assert script.count("curl ") == 3  # the repeated poll collapsed
    assert "sleep 1.3" in script
    syntax = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True, check=False)
    assert syntax.returncode == 0, syntax.stderr


def test_reproduction_of_binary_bodies_pipes_them() -> None:
    chain = [_exchange("POST", "http://h/x", 422, {}, 0.0, b"\x00\xff'")]
    script = render_script(chain, secrets=set())
    assert script.startswith("printf '\\000\\377\\047' | curl")


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


def test_every_contract_test_declares_its_area() -> None:
    """Each test module of the suite marks its area (`pytestmark = pytest.mark.area(Area.X)`), but the Schemathesis
    one, whose two tests each mark their own; together they cover every area. Read from the source: the modules
    import only inside a run."""
    declared: dict[str, list[Area]] = {}
    for path in sorted((ROOT / "contract_tests" / "suite").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "pytest.mark.area"
                and isinstance(node.args[0], ast.Attribute)
            ):
                declared.setdefault(path.stem, []).append(Area[node.args[0].attr])
    assert {name: len(areas) for name, areas in declared.items() if len(areas) != 1} == {"test_schemathesis": 2}
    assert sorted(area for areas in declared.values() for area in areas) == sorted(Area)


def test_a_violation_does_not_end_the_test() -> None:
    seen = observations.begin("t", chain=list)
    try:
        with observations.soft():
            checks.response_conforms(SPEC, "cancel_run", _reply(200, {"canceled": True}))
        reply = _reply(200, {"run_id": "wr_1", "status": "paused", "created_at": "2026-01-01T00:00:00"})
        checks.response_conforms(SPEC, "get_run", reply)  # goes on past each schema problem
    finally:
        observations.finish()
    keys = [violation.key for violation, _ in seen.violations]
    assert "response_conforms|/|type" in keys
    assert "status_in_enum|/status|enum" in keys
    assert "response_conforms|/created_at|format" in keys
    assert len(keys) > 3  # and the required keys the reply leaves out


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


def test_recorder_keeps_the_current_example_only() -> None:
    recorder = repro.Recorder()
    recorder.add(_exchange("GET", "u", 200, {}, 0.0))
    recorder.reset()
    recorder.add(_exchange("GET", "v", 200, {}, 0.0))
    assert [e.url for e in recorder.chain()] == ["v"]
    assert recorder.total == 2


def _mock_api(handler: Any, known: dict[str, str] | None = None) -> Api:
    api = Api(
        "http://target",
        api_key="k",
        key_header="x-api-key",
        paths={"run_workflow": "/v1/run/workflows"},
        recorder=repro.Recorder(),
        known_values=known,
        minimal_body={"workflow_id": "w"},
    )
    api._client = httpx2.Client(transport=httpx2.MockTransport(handler))
    return api


def _target(request: httpx2.Request) -> httpx2.Response:
    """Refuses made-up browser sessions with the documented 404; crashes on an object `run_with`."""
    body = json.loads(request.content)
    if body.get("browser_session_id") not in (None, "pbs_real"):
        return httpx2.Response(404, json={"detail": f"Browser session {body['browser_session_id']} does not exist"})
    if isinstance(body.get("run_with"), dict):
        return httpx2.Response(500, json={"error": "Unexpected error: TypeError"})
    return httpx2.Response(200, json={"run_id": "wr_1", "status": "created", "run_request": body})


def test_a_made_up_resource_id_is_not_verifiable_rather_than_a_violation() -> None:
    api = _mock_api(_target)
    body = {"workflow_id": "w", "browser_session_id": "pbs_made_up", "title": "t"}
    seen = observations.begin("t", chain=list)
    try:
        sent, reply = flows.send_run(api, SPEC, body)
    finally:
        observations.finish()
    assert (reply.status, sent) == (200, {"workflow_id": "w", "title": "t"})
    assert [u.fields for u in seen.unverifiable] == [("browser_session_id",)]
    assert "CONTRACT_KNOWN_VALUES" in seen.unverifiable[0].setting
    assert seen.violations == []
    known = _mock_api(_target, {"browser_session_id": "pbs_real"})
    assert flows.send_run(known, SPEC, {"workflow_id": "w", "browser_session_id": "pbs_real"})[1].status == 200


def test_a_server_error_is_narrowed_down_to_the_field_that_causes_it() -> None:
    api = _mock_api(_target)
    reply = api.run_workflow({"workflow_id": "w", "title": "t", "run_with": {}, "ai_fallback": True})
    assert (reply.status, reply.culprit) == (500, "/run_with")
    assert reply.culprit_exchange is not None
    assert json.loads(reply.culprit_exchange.body or b"") == {"workflow_id": "w", "run_with": {}}
    with pytest.raises(ContractViolation) as crash:
        checks.no_server_error(reply, "run_workflow")
    assert crash.value.key == "no_server_error|/run_with|500"  # the message text is not part of the root cause


def _crashes_on_a_bad_header(request: httpx2.Request) -> httpx2.Response:
    """Crashes when x-max-steps-override is not an integer, whatever the body."""
    if not request.headers.get("x-max-steps-override", "1").isdigit():
        return httpx2.Response(
            500, json={"error": f"invalid literal for int(): {request.headers['x-max-steps-override']}"}
        )
    return httpx2.Response(200, json={"run_id": "wr_1", "status": "created"})


def test_a_server_error_on_a_bad_header_is_blamed_on_the_header_not_a_body_field() -> None:
    api = _mock_api(_crashes_on_a_bad_header)
    keys = set()
    seen = observations.begin("t", chain=list)
    try:
        for value in ("ten", "1.5"):  # different messages, one root cause
            reply = api.run_workflow({"workflow_id": "w", "title": "t"}, headers={"x-max-steps-override": value})
            with pytest.raises(ContractViolation) as crash:
                checks.no_server_error(reply, "run_workflow")
            keys.add(crash.value.key)
    finally:
        observations.finish()
    assert keys == {"no_server_error|header:x-max-steps-override|500"}
    assert len(seen.trials) == 3  # the smallest request once (remembered for the test), each header value alone


def test_a_server_error_of_the_smallest_request_has_no_trigger() -> None:
    api = _mock_api(lambda request: httpx2.Response(500, json={"error": "database is locked"}))
    reply = api.run_workflow({"workflow_id": "w", "title": "t"})
    assert (reply.status, reply.culprit) == (500, "")
    with pytest.raises(ContractViolation) as crash:
        checks.no_server_error(reply, "run_workflow")
    assert crash.value.key == "no_server_error|run_workflow|500"


def _blocks_loopback(request: httpx2.Request) -> httpx2.Response:
    """Refuses loopback hosts in URL fields with the documented 400 (Skyvern 1.0.40's setting), accepts made-up ids."""
    body = json.loads(request.content)
    if any("127.0.0.1" in str(body.get(name)) for name in ("webhook_url", "totp_url")):
        return httpx2.Response(400, json={"detail": "The host in your url is blocked"})
    return httpx2.Response(200, json={"run_id": "wr_1", "status": "created", "run_request": body})


def test_the_sink_address_refused_is_not_verifiable_and_the_made_up_id_beside_it_is_not_blamed() -> None:
    api = _mock_api(_blocks_loopback)
    api.sink_url = SINK
    body = {"workflow_id": "w", "webhook_url": f"{SINK}/x", "browser_profile_id": "bp_made_up"}
    seen = observations.begin("t", chain=list)
    try:
        sent, reply = flows.send_run(api, SPEC, body)
        again, _ = flows.send_run(api, SPEC, body)  # learned for the rest of the test: not sent again
    finally:
        observations.finish()
    assert (reply.status, sent) == (200, {"workflow_id": "w", "browser_profile_id": "bp_made_up"})
    assert again == sent
    assert [(u.fields, "CONTRACT_SINK_URL" in u.setting) for u in seen.unverifiable] == [(("webhook_url",), True)]
    assert flows.learned_unverifiable() == frozenset()  # outside a test nothing is learned


def test_the_run_cap_defaults_to_none_on_loopback_and_a_conservative_cap_elsewhere() -> None:
    assert session._max_runs({}, "http://127.0.0.1:8787") is None
    assert session._max_runs({}, "https://staging.example.com") == session.DEFAULT_REMOTE_MAX_RUNS
    assert session._max_runs({"CONTRACT_MAX_RUNS": "20"}, "http://127.0.0.1:8787") == 20
    assert session._max_runs({"CONTRACT_MAX_RUNS": "none"}, "https://staging.example.com") is None
    with pytest.raises(ConfigurationError, match="CONTRACT_MAX_RUNS"):
        session._max_runs({"CONTRACT_MAX_RUNS": "0"}, "http://127.0.0.1:8787")


def test_a_capped_share_is_spent_by_started_runs_only() -> None:
    allowed = plan.allowances({"a": plan.Cost(1, 1, 5), "b": plan.Cost(1, 0, 9), "c": plan.Cost(1, 2, 1)}, 3)
    assert allowed == {"a": 2, "b": None, "c": 1}  # equal shares, none above its need; b starts none
    assert sum(v or 0 for v in plan.allowances({str(i): plan.Cost(1, 1, 7) for i in range(10)}, 20).values()) == 20


def test_leftover_runs_are_canceled_and_counted() -> None:
    statuses = {"wr_1": "running", "wr_2": "completed", "wr_3": "queued"}
    canceled: list[str] = []

    def target(request: httpx2.Request) -> httpx2.Response:
        run_id = request.url.path.split("/")[3]
        if request.method == "POST":
            canceled.append(run_id)
            return httpx2.Response(200, json=None)
        return httpx2.Response(200, json={"run_id": run_id, "status": statuses[run_id]})

    transport = httpx2.MockTransport(target)
    original = httpx2.Client.__init__

    def with_mock(self: httpx2.Client, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **{**kwargs, "transport": transport})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx2.Client, "__init__", with_mock)
        leftovers = cleanup.cancel_leftovers(
            "http://target",
            headers={"x-api-key": "k"},
            paths={"get_run": "/v1/runs/{run_id}", "cancel_run": "/v1/runs/{run_id}/cancel"},
            run_ids=list(statuses),
            terminal={"completed", "canceled"},
            timeout=1.0,
        )
    assert (leftovers.started, leftovers.canceled, sorted(canceled)) == (3, 2, ["wr_1", "wr_3"])


def test_every_contract_test_declares_its_cost() -> None:
    """`--plan` (which sends nothing) counts every test: each carries the `cost` marker the run cap is shared by."""
    shown = subprocess.run(
        [sys.executable, "-m", "contract_tests", "--plan"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "| total |" in shown
    assert "without a cost marker" not in shown, shown

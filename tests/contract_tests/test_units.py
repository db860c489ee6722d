"""Offline tests of the contract suite's building blocks: spec reading, strategies, checks, classification,
reproductions and the summary (no server)."""

from __future__ import annotations

import doctest
import importlib
import json
import subprocess
from typing import Any

import pytest
from hypothesis import given, settings

from contract_tests import checks, classify, findings, repro
from contract_tests.api import Reply
from contract_tests.areas import Area, ContractViolation
from contract_tests.repro import Exchange, render_script
from contract_tests.spec import Spec
from contract_tests.strategies import Requests

SPEC = Spec.load()
SINK = "http://127.0.0.1:9"
REQUESTS = Requests(SPEC, "wpid_1", {"url": "https://example.com"}, SINK)


def _reply(status: int, body: Any, content_type: str = "application/json") -> Reply:
    return Reply(status, {"content-type": content_type}, json.dumps(body).encode())


@pytest.mark.parametrize(
    "module",
    ["areas", "repro", "spec", "checks", "classify", "findings", "api", "context", "sink", "strategies", "client"],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"contract_tests.{module}"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


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
        checks.echoed(SPEC, sent, echo)
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
    checks.echoed(SPEC, sent, echo)


def test_lifecycle_order() -> None:
    checks.moves_forward("created", "running")
    checks.moves_forward("running", "completed")
    with pytest.raises(ContractViolation):
        checks.moves_forward("completed", "running")
    with pytest.raises(ContractViolation):
        checks.terminal_is_final("failed", "canceled")
    checks.canceled_after_cancel("running", "canceled")
    checks.canceled_after_cancel("completed", "completed")
    with pytest.raises(ContractViolation):
        checks.canceled_after_cancel("queued", "running")
    assert set(checks.LIFECYCLE_ORDER) < set(SPEC.enum("RunStatus"))


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


def test_summary_groups_by_area_in_order() -> None:
    items = [
        findings.Finding(Area.SERVER_ERRORS, "no_server_error", "500", "t1", "curl a"),
        findings.Finding(Area.STATUS_ENUM, "status_in_enum", "paused", "t2", "curl b"),
    ]
    text = findings.render_summary(items, header="# h")
    assert text.index("## status enum") < text.index("## server errors")
    document = json.loads(findings.summary_json(items, [], {"profile": "ci"}))
    assert document["ok"] is False
    assert document["areas"] == {"server errors": 1, "status enum": 1}


def test_exceptions_become_findings_with_their_chain() -> None:
    violation = ContractViolation(Area.AUTH, "forbidden_without_valid_key", "200 without a key")
    chain = [_exchange("GET", "http://h/v1/runs/x", 200, {}, 0.0)]
    setattr(violation, findings.CHAIN_ATTRIBUTE, chain)
    found, errors = findings.findings_from_exception(ExceptionGroup("g", [violation, KeyError("k")]), "t", {"secret"})
    assert [f.area for f in found] == [Area.AUTH]
    assert "curl" in found[0].reproduction
    assert len(errors) == 1
    assert "KeyError" in errors[0]


def test_recorder_keeps_the_current_example_only() -> None:
    recorder = repro.Recorder()
    recorder.add(_exchange("GET", "u", 200, {}, 0.0))
    recorder.reset()
    recorder.add(_exchange("GET", "v", 200, {}, 0.0))
    assert [e.url for e in recorder.chain()] == ["v"]
    assert recorder.total == 2

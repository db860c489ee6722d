"""What a run records (`record/`): reproductions, each test's violations (the test goes on), the current example."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from contract_tests.checks import reply as checks
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record import repro
from contract_tests.record.observations import BudgetSpent, Observations, soft
from contract_tests.record.repro import Exchange, render_script
from contract_tests.spec import Spec
from contract_tests.transport.api import Reply

SPEC = Spec.load()


def _reply(status: int, body: Any, content_type: str = "application/json") -> Reply:
    return Reply(status, {"content-type": content_type}, json.dumps(body).encode())


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


def test_a_violation_does_not_end_the_test() -> None:
    seen = Observations("t", chain=list)
    with seen.soft():
        checks.response_conforms(seen, SPEC, "cancel_run", _reply(200, {"canceled": True}))
    reply = _reply(200, {"run_id": "wr_1", "status": "paused", "created_at": "2026-01-01T00:00:00"})
    checks.response_conforms(seen, SPEC, "get_run", reply)  # goes on past each schema problem
    keys = [violation.key for violation, _ in seen.violations]
    assert "response_conforms|/|type" in keys
    assert "status_in_enum|/status|enum" in keys
    assert "response_conforms|/created_at|format" in keys
    assert len(keys) > 3  # and the required keys the reply leaves out


def test_without_a_record_checks_raise_and_soft_lets_them_through() -> None:
    reply = _reply(200, {"run_id": "wr_1", "status": "paused", "created_at": "2026-01-01T00:00:00"})
    with pytest.raises(ContractViolation):
        checks.response_conforms(None, SPEC, "get_run", reply)
    with pytest.raises(ContractViolation), soft(None):
        raise ContractViolation(Area.AUTH, "forbidden_without_valid_key", "served")


def test_each_record_is_its_own() -> None:
    """Two records side by side (two tests' records, in one process): each keeps what was reported into it."""
    first, second = Observations("a", chain=list), Observations("b", chain=list)
    with first.soft():
        raise ContractViolation(Area.AUTH, "forbidden_without_valid_key", "served")
    second.run_started("wr_1")
    second.run_started("wr_1")
    second.note_unverifiable(["browser_session_id"], "refused", "CONTRACT_KNOWN_VALUES")
    assert ([v.check for v, _ in first.violations], first.runs, first.unverifiable) == (
        ["forbidden_without_valid_key"],
        [],
        [],
    )
    assert (second.violations, second.runs, [u.fields for u in second.unverifiable]) == (
        [],
        ["wr_1"],
        [("browser_session_id",)],
    )


def test_pace_ends_a_test_past_its_allowance_once_it_has_an_example() -> None:
    seen = Observations("t", chain=list, allowance=1.0, started=0.0)
    seen.pace()  # no example yet: it goes on
    seen.examples = 1
    with pytest.raises(BudgetSpent, match="allowance of 1 s spent after 1 example"):
        seen.pace()
    assert seen.truncated


def test_recorder_keeps_the_current_example_only() -> None:
    recorder = repro.Recorder()
    recorder.add(_exchange("GET", "u", 200, {}, 0.0))
    recorder.reset()
    recorder.add(_exchange("GET", "v", 200, {}, 0.0))
    assert [e.url for e in recorder.chain()] == ["v"]
    assert recorder.total == 2

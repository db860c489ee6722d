"""What a run records (`record/`): reproductions, each test's violations (the test goes on), the current example."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from contract_tests.checks import reply as checks
from contract_tests.record import observations, repro
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


def test_recorder_keeps_the_current_example_only() -> None:
    recorder = repro.Recorder()
    recorder.add(_exchange("GET", "u", 200, {}, 0.0))
    recorder.reset()
    recorder.add(_exchange("GET", "v", 200, {}, 0.0))
    assert [e.url for e in recorder.chain()] == ["v"]
    assert recorder.total == 2

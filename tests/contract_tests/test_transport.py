"""How requests are sent (`transport/`): a 5xx narrowed to its trigger, the suite's own values told from the target's
verdicts (not verifiable rather than a violation)."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from contract_tests.checks import reply as checks
from contract_tests.engine import flows
from contract_tests.generate.strategies import Requests
from contract_tests.model.areas import ContractViolation
from contract_tests.record import repro
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport.api import Api

SPEC = Spec.load()


SINK = "http://127.0.0.1:9"


REQUESTS = Requests(SPEC, "wpid_1", {"url": "https://example.com"}, SINK)


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
    seen = Observations("t", chain=list)
    api = _mock_api(_target).for_test(seen)
    body = {"workflow_id": "w", "browser_session_id": "pbs_made_up", "title": "t"}
    sent, reply = flows.send_run(seen, api, SPEC, body)
    assert (reply.status, sent) == (200, {"workflow_id": "w", "title": "t"})
    assert [u.fields for u in seen.unverifiable] == [("browser_session_id",)]
    assert "CONTRACT_KNOWN_VALUES" in seen.unverifiable[0].setting
    assert seen.violations == []
    other = Observations("u", chain=list)
    known = _mock_api(_target, {"browser_session_id": "pbs_real"}).for_test(other)
    assert flows.send_run(other, known, SPEC, {"workflow_id": "w", "browser_session_id": "pbs_real"})[1].status == 200


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
    seen = Observations("t", chain=list)
    api = _mock_api(_crashes_on_a_bad_header).for_test(seen)
    keys = set()
    for value in ("ten", "1.5"):  # different messages, one root cause
        reply = api.run_workflow({"workflow_id": "w", "title": "t"}, headers={"x-max-steps-override": value})
        with pytest.raises(ContractViolation) as crash:
            checks.no_server_error(reply, "run_workflow")
        keys.add(crash.value.key)
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
    seen = Observations("t", chain=list)
    api = _mock_api(_blocks_loopback).for_test(seen)
    api.sink_url = SINK
    body = {"workflow_id": "w", "webhook_url": f"{SINK}/x", "browser_profile_id": "bp_made_up"}
    sent, reply = flows.send_run(seen, api, SPEC, body)
    again, _ = flows.send_run(seen, api, SPEC, body)  # learned for the rest of the test: not sent again
    assert (reply.status, sent) == (200, {"workflow_id": "w", "browser_profile_id": "bp_made_up"})
    assert again == sent
    assert [(u.fields, "CONTRACT_SINK_URL" in u.setting) for u in seen.unverifiable] == [(("webhook_url",), True)]
    assert flows.learned_unverifiable(Observations("u", chain=list)) == frozenset()  # learned per test

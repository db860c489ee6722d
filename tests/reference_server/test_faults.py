"""Every fault breaks something a test can see; the clean server breaks nothing (a light kill matrix).

Two detectors: `invariant_failures` (hand-written probes of the contract points Schemathesis cannot see alone:
create -> get -> cancel, terminal statuses, the `run_request` echo, keys always present) and a small Schemathesis
run with every built-in check. The contract suite keeps the full matrix; this one proves each fault is observable.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from reference_server.config import ServerConfig
from reference_server.faults import (
    FAULT_SETS,
    FAULTS,
    UnknownFaultError,
    UnknownFaultSetError,
    fault_set,
    parse_faults,
)
from reference_server.threaded import ThreadedServer, serve_in_thread
from reference_server.workflows import load_workflows
from tests.reference_server.support import DEMO, FAILS, SLOW, SPEC, TERMINAL, Target, conforms, serve_receiver
from tests.reference_server.test_contract import load_schema, steer

RESPONSE_KEYS = frozenset(SPEC["components"]["schemas"]["WorkflowRunResponse"]["properties"])
SCHEMATHESIS_CATCHES = (
    "ignore_auth",
    "null_500",
    "status_401",
    "validation_shape",
    "wrong_content_type",
    "drop_required_key",
    "naive_timestamps",
)


def test_fault_sets_name_only_known_faults() -> None:
    assert FAULT_SETS, "at least one fault set"
    for name, members in FAULT_SETS.items():
        assert name.startswith("skyvern-"), name
        assert members, name
        assert parse_faults(members) == members
    assert fault_set("1.0.56") == fault_set("skyvern-1.0.56") == FAULT_SETS["skyvern-1.0.56"]
    with pytest.raises(UnknownFaultSetError, match=r"'9\.9'.*known versions: 1\.0\.56"):
        fault_set("9.9")


def test_the_skyvern_1_0_56_set() -> None:
    # Measured against the real server: naive timestamps, lax proxy_location and types, the parsed run_request, the
    # workflow's title. Never a 5xx-mimicking fault, and not `paused` (1.0.56 pauses only human-interaction runs).
    assert FAULT_SETS["skyvern-1.0.56"] == {
        "lax_proxy_location",
        "lax_types",
        "naive_timestamps",
        "run_request_as_parsed",
        "title_from_workflow",
    }
    assert not FAULT_SETS["skyvern-1.0.56"] & {"null_500", "status_paused"}


def test_registry_is_documented_and_checked() -> None:
    assert sorted(FAULTS) == list(FAULTS)
    for name, description in FAULTS.items():
        assert name.isidentifier()
        assert description
        assert "\n" not in description
    assert parse_faults(["no_persist"]) == {"no_persist"}
    with pytest.raises(UnknownFaultError, match="nope"):
        parse_faults(["nope"])


class Probe:
    """Collects contract breaks as `name: what` strings instead of failing at the first one."""

    def __init__(self, server: Target) -> None:
        self.server = server
        self.client = httpx2.Client(base_url=server.url, headers={"x-api-key": server.api_key}, timeout=10)
        self.failures: list[str] = []
        self.checked = 0

    def check(self, name: str, ok: bool, what: Any = "") -> bool:
        self.checked += 1
        if not ok:
            self.failures.append(f"{name}: {str(what)[:200]}")
        return ok

    def run_body(self, name: str, response: httpx2.Response) -> dict[str, Any] | None:
        """A 200 JSON run body that conforms to the spec and carries every documented key."""
        if not self.check(f"{name} status", response.status_code == 200, response.text):
            return None
        self.check(f"{name} content-type", response.headers.get("content-type") == "application/json")
        try:
            body: dict[str, Any] = response.json()
            conforms(body, "WorkflowRunResponse")
        except (ValueError, jsonschema.ValidationError) as error:
            self.check(f"{name} schema", False, error)
            return None
        self.check(f"{name} keys", body.keys() >= RESPONSE_KEYS, sorted(RESPONSE_KEYS - body.keys()))
        return body

    def wait_terminal(self, run_id: str) -> dict[str, Any] | None:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            body = self.run_body("terminal get", self.client.get(f"/v1/runs/{run_id}"))
            if body is None or body["status"] in TERMINAL:
                return body
            time.sleep(0.02)
        self.check("terminal", False, "never terminal")
        return None

    def all(self) -> list[str]:
        with self.client:
            self.create_get_cancel()
            self.distinct_ids()
            self.terminal_is_final()
            self.auth()
            self.validation()
            self.webhook()
        return self.failures

    def create_get_cancel(self) -> None:
        request: dict[str, Any] = {
            "workflow_id": SLOW,
            "title": "probe",
            "parameters": {},
            "webhook_url": None,
            "run_with": "",
            "max_screenshot_scrolls": -1,
        }
        created = self.run_body("create", self.client.post("/v1/run/workflows", json=request))
        if created is None:
            return
        self.check("create status", created["status"] == "created", created["status"])
        echo = created.get("run_request") or {}
        self.check("echo", all(echo.get(k, "<missing>") == v for k, v in request.items()), echo)
        run_id = created["run_id"]
        fetched = self.run_body("get", self.client.get(f"/v1/runs/{run_id}"))
        if fetched is not None:
            self.check("get same run", fetched["run_id"] == run_id and fetched["created_at"] == created["created_at"])
        cancel = self.client.post(f"/v1/runs/{run_id}/cancel")
        self.check("cancel status", cancel.status_code == 200, cancel.status_code)
        self.check("cancel body", cancel.content == b"null", cancel.text)
        self.check("cancel content-type", cancel.headers.get("content-type") == "application/json")
        after = self.run_body("get after cancel", self.client.get(f"/v1/runs/{run_id}"))
        if after is not None:
            self.check("canceled", after["status"] == "canceled", after["status"])

    def distinct_ids(self) -> None:
        ids = [self.run_body("create", self.client.post("/v1/run/workflows", json={"workflow_id": DEMO})) for _ in "ab"]
        self.check("distinct run ids", len({body["run_id"] for body in ids if body is not None}) == len(ids), ids)

    def terminal_is_final(self) -> None:
        created = self.run_body("create", self.client.post("/v1/run/workflows", json={"workflow_id": FAILS}))
        if created is None:
            return
        final = self.wait_terminal(created["run_id"])
        if final is None:
            return
        started, finished = final["started_at"], final["finished_at"]
        ordered = started is None or datetime.fromisoformat(started) <= datetime.fromisoformat(finished)
        self.check("finished after started", ordered, final)
        self.client.post(f"/v1/runs/{created['run_id']}/cancel")
        for _ in range(4):
            again = self.run_body("reread", self.client.get(f"/v1/runs/{created['run_id']}"))
            if again is None or not self.check("terminal is final", again["status"] == final["status"], again):
                return

    def auth(self) -> None:
        for headers in ({"x-api-key": "wrong"}, {}):
            response = httpx2.post(
                f"{self.server.url}/v1/run/workflows", json={"workflow_id": DEMO}, headers=headers, timeout=10
            )
            self.check("auth", response.status_code == 403, response.status_code)

    def validation(self) -> None:
        cases: list[tuple[dict[str, Any], Callable[[int], bool]]] = [
            ({"workflow_id": DEMO, "proxy_location": "MARS"}, lambda code: code == 422),
            ({"workflow_id": DEMO, "proxy_location": {"country": 1}}, lambda code: code == 422),
            ({"workflow_id": DEMO, "ai_fallback": 1}, lambda code: code == 422),
            ({"workflow_id": DEMO, "proxy_location": "RESIDENTIAL_BR"}, lambda code: code == 200),
            ({"workflow_id": DEMO, "title": None}, lambda code: code == 200),
            ({"workflow_id": 1}, lambda code: code == 422),
        ]
        for body, expected in cases:
            response = self.client.post("/v1/run/workflows", json=body)
            ok = self.check("validation status", expected(response.status_code), f"{body} -> {response.status_code}")
            if ok and response.status_code == 422:
                try:
                    conforms(response.json(), "HTTPValidationError")
                except (ValueError, jsonschema.ValidationError) as error:
                    self.check("422 shape", False, error)

    def webhook(self) -> None:
        """A canceled run that named a webhook URL is delivered there, signed with the API key."""
        with serve_receiver() as receiver:
            request = {"workflow_id": SLOW, "webhook_url": f"{receiver.url}/probe"}
            created = self.run_body("create", self.client.post("/v1/run/workflows", json=request))
            if created is None:
                return
            self.client.post(f"/v1/runs/{created['run_id']}/cancel")
            found = receiver.wait_for("/probe", 1, timeout=3.0)
            if not self.check("webhook delivered", bool(found), "no delivery within 3 s"):
                return
            expected = hmac.new(self.server.api_key.encode(), found[0].body, hashlib.sha256).hexdigest()
            self.check("webhook signed", found[0].headers.get("x-skyvern-signature") == expected, found[0].headers)


def schemathesis_failures(server: Target, max_examples: int = 10) -> tuple[list[str], int]:
    """Failures a small Schemathesis run (every built-in check) finds, and how many cases it sent; stops at the first
    operation with any failure."""
    schema = load_schema(server)
    found: list[str] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=max_examples,
                database=None,
                deadline=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def probe(case: Any) -> None:
                nonlocal sent
                sent += 1
                steer(case)
                try:
                    case.call_and_validate()
                except (Exception, BaseExceptionGroup) as error:
                    found.append(f"{case.operation.label}: {str(error).strip().splitlines()[:3]}")

            probe()
            if found:
                return found, sent
    return found, sent


@pytest.fixture(scope="module")
def fault_servers(tmp_path_factory: pytest.TempPathFactory, workflows_file: Path) -> Iterator[dict[str, Target]]:
    """A clean control (key "") and one server per fault, each a real uvicorn in a thread of this process."""
    directory = tmp_path_factory.mktemp("faults")
    workflows = load_workflows(workflows_file)
    with ExitStack() as stack:
        servers: dict[str, Target] = {}
        for fault in ["", *FAULTS]:
            config = ServerConfig(
                api_key="fault-key",
                db_path=directory / f"{fault or 'clean'}.sqlite3",
                workflows=workflows,
                faults=frozenset([fault] if fault else []),
                time_scale=0.01,
                queue_seconds=20,
                start_seconds=20,
            )
            servers[fault] = stack.enter_context(serve_in_thread(config))
        try:
            yield servers
        finally:
            for server in servers.values():
                assert isinstance(server, ThreadedServer)
                server.request_stop()  # all at once; the stack then waits for each


@pytest.mark.network
@pytest.mark.slow
@pytest.mark.parametrize("fault", ["", *sorted(FAULTS)], ids=lambda name: name or "clean")
def test_each_fault_is_caught_and_the_clean_server_is_not(fault_servers: dict[str, Target], fault: str) -> None:
    server = fault_servers[fault]
    probe = Probe(server)
    failures = probe.all()
    assert probe.checked > 0, "the probe checked nothing"
    if fault:
        assert failures, f"nothing caught {fault}: {FAULTS[fault]}"
    else:
        assert failures == []
    if fault in SCHEMATHESIS_CATCHES or not fault:
        found, sent = schemathesis_failures(server)
        assert sent > 0, "Schemathesis sent nothing"
        assert bool(found) == bool(fault), found or f"Schemathesis missed {fault}"

"""Shared test data and helpers: the workflows the test servers know, spec conformance, polling, a webhook
receiver."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

import httpx2
import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
REGISTRY: Registry[Any] = Registry().with_resource("urn:spec", Resource.from_contents(SPEC, DRAFT202012))
TERMINAL = frozenset({"completed", "failed", "terminated", "canceled", "timed_out"})
JSON = {"content-type": "application/json"}

DEMO = "wpid_100000000000000001"
FAILS = "wpid_200000000000000002"
TIMES_OUT = "wpid_300000000000000003"
SLOW = "wpid_400000000000000004"
NEEDS_URL = "wpid_500000000000000005"
TEMPLATE = "wpid_600000000000000006"
TERMINATES = "wpid_700000000000000007"
STEPPED = "wpid_800000000000000008"

WORKFLOWS = {
    "workflows": [
        {
            "workflow_id": DEMO,
            "title": "Demo",
            "parameters": [{"name": "url"}, {"name": "max_pages"}],
            "outcome": {"status": "completed", "run_seconds": 5, "output": {"title": "Example Domain"}, "steps": 4},
        },
        {"workflow_id": FAILS, "outcome": {"status": "failed", "run_seconds": 5, "failure_reason": "boom"}},
        {"workflow_id": TIMES_OUT, "outcome": {"status": "timed_out", "run_seconds": 5}},
        {"workflow_id": TERMINATES, "outcome": {"status": "terminated", "run_seconds": 5}},
        {"workflow_id": SLOW, "outcome": {"status": "completed", "run_seconds": 100_000}},
        {
            "workflow_id": NEEDS_URL,
            "parameters": [{"name": "url", "required": True}],
            "outcome": {
                "status": "completed",
                "run_seconds": 5,
                "downloaded_files": [{"url": "https://files.example/report.pdf", "filename": "report.pdf"}],
            },
        },
        {"workflow_id": STEPPED, "outcome": {"status": "completed", "run_seconds": 30}},
        {"workflow_id": TEMPLATE, "template": True, "outcome": {"status": "completed", "run_seconds": 5}},
    ]
}
# With --fast (x0.01): created -> queued after 0.2 s, running after 0.4 s, terminal 0.05 s later (STEPPED: 0.3 s).
# Windows of 0.2 s or more keep every status observable by a poller on a busy machine.
CLOCK_ARGS = ("--queue-seconds", "20", "--start-seconds", "20")


class Target(Protocol):
    """A server to test: a subprocess (`RunningServer`) or a thread (`ThreadedServer`)."""

    @property
    def url(self) -> str: ...

    @property
    def api_key(self) -> str: ...


def conforms(body: Any, schema: str) -> None:
    """Raise unless `body` is valid against the spec's component schema (formats included)."""
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"urn:spec#/components/schemas/{schema}"},
        registry=REGISTRY,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(body)


def wait_terminal(client: httpx2.Client, run_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """Poll a run until its status is terminal (or the timeout passes); return its last body."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/v1/runs/{run_id}").json()
        if body["status"] in TERMINAL or time.monotonic() > deadline:
            return body
        time.sleep(0.02)


@dataclass
class Delivery:
    """One webhook delivery as received: its path, headers (names lower-cased) and exact body bytes."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local webhook receiver; answers 500 to the first `failures` deliveries of each path."""

    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, path: str, count: int, timeout: float = 5.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [delivery for delivery in self.deliveries if delivery.path == path]
            if len(found) >= count:
                return found
            time.sleep(0.02)
        return found


@contextlib.contextmanager
def serve_receiver() -> Iterator[Receiver]:
    """A `Receiver` listening on a free port of 127.0.0.1 until the block ends."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with state.lock:
                state.deliveries.append(Delivery(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                remaining = state.failures.get(self.path, 0)
                state.failures[self.path] = remaining - 1
            self.send_response(500 if remaining > 0 else 204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()

"""Time N client calls through a mock transport, in whichever interpreter runs this file.

Standalone on purpose (it imports nothing from this repository at module level): `bench.client` runs it with the main
virtualenv's Python for our client and the floor, and with `build/bench/venv-skyvern`'s Python for the official SDK.

Usage: `python _client_worker.py IMPL OPERATION CALLS` prints one line: the seconds the CALLS calls took, after a
warm-up. IMPL is `ours`, `floor` or `sdk`; OPERATION is `run_workflow` or `get_run`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

RUN_ID = "wr_486305187432193504"
WORKFLOW_ID = "wpid_100000000000000001"
RUN: dict[str, Any] = {
    "run_id": RUN_ID,
    "status": "completed",
    "created_at": "2026-11-29T10:00:00.123456Z",
    "modified_at": "2026-11-29T10:03:12.654321Z",
    "run_type": "workflow_run",
    "output": {"invoice_total": "1,204.50", "line_items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}]},
    "downloaded_files": [
        {"url": "https://files.example.com/invoice-1.pdf", "checksum": "ab" * 32, "filename": "invoice-1.pdf"}
    ],
    "recording_url": "https://files.example.com/recording.webm",
    "screenshot_urls": [f"https://files.example.com/shot-{i}.png" for i in range(3)],
    "failure_reason": None,
    "queued_at": "2026-11-29T10:00:01.000000Z",
    "started_at": "2026-11-29T10:00:02.000000Z",
    "finished_at": "2026-11-29T10:03:12.000000Z",
    "app_url": f"https://app.skyvern.com/runs/{RUN_ID}",
    "browser_session_id": None,
    "max_screenshot_scrolls": 3,
    "errors": [],
    "step_count": 7,
    "run_with": "agent",
    "ai_fallback": False,
    "run_request": {
        "workflow_id": WORKFLOW_ID,
        "parameters": {"invoice_month": "2026-10"},
        "title": "October invoices",
        "proxy_location": "RESIDENTIAL",
        "webhook_url": "https://hooks.example.com/skyvern",
    },
}
CREATED: dict[str, Any] = {
    **RUN,
    "status": "created",
    "output": None,
    "downloaded_files": None,
    "screenshot_urls": None,
    "queued_at": None,
    "started_at": None,
    "finished_at": None,
    "step_count": None,
}
BODIES = {"run_workflow": json.dumps(CREATED).encode(), "get_run": json.dumps(RUN).encode()}
PARAMETERS = {"invoice_month": "2026-10"}


def _ours(operation: str) -> Callable[[], object]:
    import httpx2

    from skyvern_client import SkyvernClient

    body = BODIES[operation]
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, content=body, headers=_JSON))
    client = SkyvernClient(
        api_key="sk-bench", base_url="http://bench.local", http_client=httpx2.Client(transport=transport)
    )
    if operation == "run_workflow":
        return lambda: client.run_workflow(workflow_id=WORKFLOW_ID, parameters=PARAMETERS)
    return lambda: client.get_run(RUN_ID)


def _floor(operation: str) -> Callable[[], object]:
    import httpx2

    from skyvern_client.models import WorkflowRunResponse

    body = BODIES[operation]
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, content=body, headers=_JSON))
    http = httpx2.Client(transport=transport, base_url="http://bench.local", headers={"x-api-key": "sk-bench"})
    if operation == "run_workflow":
        payload = {"workflow_id": WORKFLOW_ID, "parameters": PARAMETERS}
        return lambda: WorkflowRunResponse.model_validate_json(http.post("/v1/run/workflows", json=payload).content)
    return lambda: WorkflowRunResponse.model_validate_json(http.get(f"/v1/runs/{RUN_ID}").content)


def _sdk(operation: str) -> Callable[[], object]:
    import httpx  # type: ignore[import-not-found, unused-ignore]
    from skyvern.client import Skyvern  # type: ignore[import-not-found, unused-ignore]

    body = BODIES[operation]
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body, headers=_JSON))
    client = Skyvern(api_key="sk-bench", base_url="http://bench.local", httpx_client=httpx.Client(transport=transport))
    if operation == "run_workflow":
        return lambda: client.run_workflow(agent_id=WORKFLOW_ID, parameters=PARAMETERS)
    return lambda: client.get_run(RUN_ID)


_JSON = {"content-type": "application/json"}
IMPLEMENTATIONS: dict[str, Callable[[str], Callable[[], object]]] = {"ours": _ours, "floor": _floor, "sdk": _sdk}


def measure(implementation: str, operation: str, calls: int) -> float:
    """Seconds that `calls` calls take, after a warm-up of a tenth as many (at least 20)."""
    call = IMPLEMENTATIONS[implementation](operation)
    result = call()
    if getattr(result, "run_id", None) != RUN_ID:
        raise RuntimeError(f"{implementation}.{operation} returned {result!r}")
    for _ in range(max(20, calls // 10)):
        call()
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return time.perf_counter() - started


if __name__ == "__main__":
    print(f"{measure(sys.argv[1], sys.argv[2], int(sys.argv[3])):.6f}")

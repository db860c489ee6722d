"""Request parsing and response bodies, through the generated models.

A request that passed JSON Schema validation is parsed into `WorkflowRunRequest`; its `model_dump(mode="json")` is
the `run_request` echo (omitted fields stay out, `null` stays `null`, unknown fields are dropped as the live service
drops them). A run's body is assembled from its stored record and its lifecycle snapshot, validated as a
`WorkflowRunResponse` and dumped: every documented key is present, `null` when there is no value, as FastAPI sends it.

Three ways out: `run_dict` (the JSON value), `run_bytes` (the same value encoded, serialised once) and `served_run`
(`run_dict` as the server serves it, its faults applied).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pydantic
from pydantic_core import PydanticSerializationError

from reference_server import _generated  # noqa: F401  (puts generated/ on sys.path when needed)
from reference_server.lifecycle import CANCELED, COMPLETED, FAILURES, RUNNING, Snapshot
from reference_server.store import RunRecord
from skyvern_client import models

if TYPE_CHECKING:
    from reference_server.faults import FaultSet

__all__ = [
    "parse_request",
    "request_errors",
    "run_bytes",
    "run_dict",
    "served_run",
    "timestamp",
]

_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ENCODER = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def timestamp(epoch: float) -> datetime:
    """A timezone-aware UTC datetime."""
    return datetime.fromtimestamp(epoch, UTC)


def parse_request(body: dict[str, Any]) -> dict[str, Any]:
    """Parse a validated request body and return its `run_request` echo.

    Args:
        body: a body that passed `RequestValidator.body_errors`.

    Returns:
        The request as the service echoes it: every known field (null when not sent), unknown ones dropped.

    Raises:
        pydantic.ValidationError: when the model refuses what JSON Schema allowed (e.g. a lone surrogate).
    """
    request = models.WorkflowRunRequest.model_validate(body)
    echo = request.model_dump(mode="json")
    extra = request.model_extra or {}
    echo = {key: value for key, value in echo.items() if key not in extra}
    # Like skyvern 1.0.56: every field, null when it was not sent; a GeoTarget's too, its `subdivision` upper-cased
    # (ASCII letters only: "ß".upper() is "SS"), its `country` as sent.
    echo = {name: echo.get(name) for name in models.WorkflowRunRequest.model_fields} | echo
    proxy = echo.get("proxy_location")
    if isinstance(proxy, dict):
        proxy = {name: proxy.get(name) for name in models.GeoTarget.model_fields} | proxy
        if isinstance(proxy["subdivision"], str):
            proxy["subdivision"] = proxy["subdivision"].translate(_ASCII_UPPER)
        echo["proxy_location"] = proxy
    return echo


def request_errors(error: pydantic.ValidationError) -> list[dict[str, Any]]:
    """`parse_request`'s refusal as FastAPI-shaped 422 items (`loc` under `body`, no input)."""
    return [
        {"type": item["type"], "loc": ["body", *item["loc"]], "msg": item["msg"], "input": None}
        for item in error.errors(include_url=False, include_input=False, include_context=False)
    ]


def run_dict(record: RunRecord, snap: Snapshot, *, raw_request: bool = False, read: bool = True) -> dict[str, Any]:
    """The `WorkflowRunResponse` JSON value of a run as of `snap`.

    Args:
        record: the stored run.
        snap: its lifecycle snapshot.
        raw_request: serve `run_request` as stored instead of through the model (for faults whose echo the model
            would not parse, e.g. `{"country": 1}` as a GeoTarget).
        read: False for the answer to the POST that created the run (see `_run_model`).

    Returns:
        JSON-ready values, every documented key present.
    """
    body: dict[str, Any] = _run_model(record, snap, with_request=not raw_request, read=read).model_dump(mode="json")
    if raw_request:
        body["run_request"] = copy.deepcopy(record.request)
    return body


def served_run(record: RunRecord, now: float, faults: FaultSet, *, read: bool = True) -> dict[str, Any]:
    """The JSON value of a run as of `now` as a server with `faults` serves it (`run_dict`, then the faults'
    `shape_run`)."""
    body = run_dict(record, record.snapshot(now), raw_request=faults.raw_echo, read=read)
    return faults.shape_run(body, read=read)


def run_bytes(record: RunRecord, snap: Snapshot, *, read: bool = True) -> bytes:
    """`run_dict` encoded as compact, ASCII-only JSON, serialised once by pydantic (no intermediate dict).

    The same JSON value as `json.dumps(run_dict(...), ensure_ascii=True, separators=(",", ":"))`; only the spelling
    of some floats can differ (`1e-7` for `1e-07`). A string pydantic cannot encode (a lone surrogate, which the
    request may carry as `\\ud800`) takes the `json.dumps` route, which escapes it.
    """
    model = _run_model(record, snap, read=read)
    try:
        return model.model_dump_json(ensure_ascii=True).encode()
    except PydanticSerializationError:
        return _ENCODER.encode(model.model_dump(mode="json")).encode()


def _run_model(
    record: RunRecord, snap: Snapshot, *, with_request: bool = True, read: bool = True
) -> models.WorkflowRunResponse:
    """The run as of `snap`, validated as a `WorkflowRunResponse` (`run_request` null unless `with_request`).

    The answer to the POST that created it (`read=False`) has `downloaded_files` and `errors` null, as on the live
    service; every read has them as lists."""
    details = record.details
    request = record.request
    status = snap.status
    terminal = snap.is_terminal
    started = snap.started_at is not None
    steps = int(details.get("steps", 0))
    failure_reason = details.get("failure_reason") if status in FAILURES else None
    base = details.get("base_url", "")
    run_with = request.get("run_with") or "agent"
    fresh: list[Any] | None = [] if read else None
    errors: list[dict[str, Any]] | None = fresh
    if failure_reason is not None:
        errors = [{"error_code": status.upper(), "reasoning": failure_reason}]
    data: dict[str, Any] = {
        "run_id": record.run_id,
        "status": status,
        "created_at": timestamp(record.created_at),
        "modified_at": timestamp(snap.modified_at),
        "run_type": "workflow_run",
        "output": details.get("output") if status == COMPLETED else None,
        "downloaded_files": list(details.get("downloaded_files", [])) if status == COMPLETED else fresh,
        "recording_url": f"{base}/recordings/{record.run_id}.webm" if terminal and started else None,
        "screenshot_urls": [f"{base}/screenshots/{record.run_id}/final.png"] if terminal and started else None,
        "failure_reason": failure_reason,
        "queued_at": None if snap.queued_at is None else timestamp(snap.queued_at),
        "started_at": None if snap.started_at is None else timestamp(snap.started_at),
        "finished_at": None if snap.finished_at is None else timestamp(snap.finished_at),
        "app_url": f"{base}/workflows/{record.workflow_id}/{record.run_id}",
        "browser_session_id": request.get("browser_session_id"),
        "browser_profile_id": request.get("browser_profile_id") or None,
        "max_screenshot_scrolls": None,  # the live service does not report it back (run_request has it)
        "script_run": {"ai_fallback_triggered": False} if run_with == "code" and terminal and started else None,
        "errors": errors,
        "step_count": (steps if status != CANCELED else min(steps, 1)) if terminal and started else None,
        "run_with": run_with,
        "ai_fallback": request.get("ai_fallback"),
        "run_request": request if with_request else None,
    }
    if status == RUNNING:
        data["step_count"] = min(steps, 1)
    return models.WorkflowRunResponse.model_validate(data)

"""Every opt-in contract break, one `reference_server.hooks.Fault` subclass per name: its name, one line saying which
promise of `spec/openapi.yaml` (or of the live service, see `docs/reference_server.md`) it breaks, and the hooks that
break it. Defining a subclass registers it (`Fault.registry`). `FAULT_SETS` groups the faults that together make the
stand-in answer like one real server version.

Which faults a server has switched on, and how it calls their hooks, is `reference_server.faults`; no module but these
two knows a fault by name.

Example:
    >>> from reference_server.hooks import Fault
    >>> Fault.registry["cancel_body"]().cancel_answer(None)
    {'canceled': True}
    >>> "status_paused" in FAULT_SETS["skyvern-1.0.56"]
    False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from reference_server.hooks import Fault, ReadBody, errors_without
from reference_server.lifecycle import CANCELED, NON_TERMINAL, RUNNING

if TYPE_CHECKING:
    from reference_server.store import RunRecord, Store

__all__ = ["FAULT_SETS"]


def _proxy(sent: Any) -> Any:
    return sent.get("proxy_location") if isinstance(sent, dict) else None


class AcceptInvalidProxy(Fault):
    name = "accept_invalid_proxy"
    description = "any string is accepted as `proxy_location` (e.g. `MARS`) instead of a 422"

    def read_body(self, sent: Any, read: ReadBody) -> ReadBody:
        invalid = isinstance(_proxy(sent), str)
        return replace(read, errors=errors_without(read.errors, ["proxy_location"])) if invalid else read


class CancelBody(Fault):
    name = "cancel_body"
    description = 'cancel answers `{"canceled": true}` instead of a JSON `null` body'

    def cancel_answer(self, answer: Any) -> Any:
        return {"canceled": True}


class CancelTerminal(Fault):
    name = "cancel_terminal"
    description = "cancel overwrites a terminal status with `canceled` (terminal statuses must never change)"

    def cancel(self, store: Store, run_id: str, now: float) -> None:
        record = store.get(run_id)
        if record is not None:
            store.save_lifecycle(replace(record, schedule=replace(record.schedule, outcome=CANCELED), canceled_at=now))


class CreatedAtMoves(Fault):
    name = "created_at_moves"
    description = "every read reports `created_at` one second earlier than the answer to the run's POST did (it must never change)"

    def shape_run(self, body: dict[str, Any], *, read: bool) -> None:
        created = body.get("created_at")
        if read and isinstance(created, str):
            moved = datetime.fromisoformat(created) - timedelta(seconds=1)
            body["created_at"] = moved.isoformat().replace("+00:00", "Z")


class DropNullableKey(Fault):
    name = "drop_nullable_key"
    description = "responses leave out `failure_reason` when it is null instead of sending `null`"

    def shape_run(self, body: dict[str, Any], *, read: bool) -> None:
        if body.get("failure_reason") is None:
            body.pop("failure_reason", None)


class DropRequiredKey(Fault):
    name = "drop_required_key"
    description = "responses leave out the required `modified_at` key"

    def shape_run(self, body: dict[str, Any], *, read: bool) -> None:
        body.pop("modified_at", None)


class FinishedBeforeStarted(Fault):
    name = "finished_before_started"
    description = "reads of a finished run swap its `started_at` and `finished_at`: it finished before it started"

    def shape_run(self, body: dict[str, Any], *, read: bool) -> None:
        if read and body.get("started_at") is not None and body.get("finished_at") is not None:
            body["started_at"], body["finished_at"] = body["finished_at"], body["started_at"]


class IgnoreAuth(Fault):
    name = "ignore_auth"
    description = "the API key is not checked: a missing or wrong `x-api-key` is served instead of a 403"

    def auth_status(self, status: int | None) -> int | None:
        return None


class LaxProxyLocation(Fault):
    name = "lax_proxy_location"
    description = '`proxy_location` is read as 1.0.56 reads it: RESIDENTIAL_KR/SA are names too and any object is accepted (`{"country": 1}` is a 200, echoed as sent)'
    raw_echo = True

    def read_body(self, sent: Any, read: ReadBody) -> ReadBody:
        from reference_server.lenient import read_proxy_location  # pydantic, jsonschema: loaded only when used

        return read_proxy_location(sent, read)


class LaxTypes(Fault):
    name = "lax_types"
    description = 'lax coercion instead of a 422: `ai_fallback: 1` or `"yes"`, `max_screenshot_scrolls: "5"`, a number or boolean `run_with` (read as `"agent"`); but a `browser_address` longer than a URL may be (2083) is a 422'
    raw_echo = True

    def read_body(self, sent: Any, read: ReadBody) -> ReadBody:
        from reference_server.lenient import read_lax_types

        return read_lax_types(sent, read)


class NaiveTimestamps(Fault):
    name = "naive_timestamps"
    description = "timestamps are written without a timezone (`2026-01-01T00:00:00`), not RFC 3339"
    keys = ("created_at", "modified_at", "queued_at", "started_at", "finished_at")

    def shape_run(self, body: dict[str, Any], *, read: bool) -> None:
        for key in self.keys:
            if isinstance(body.get(key), str):
                body[key] = body[key].replace("Z", "").split("+")[0]


class NoPersist(Fault):
    name = "no_persist"
    description = "runs are acknowledged but never stored: GET and cancel of a just-created run answer 404"

    def insert(self, store: Store, record: RunRecord) -> RunRecord:
        return record

    def find(self, store: Store, run_id: str) -> RunRecord | None:
        return None


class Null500(Fault):
    name = "null_500"
    description = "a `title` sent as `null` crashes the handler with a 500"

    def on_request(self, body: dict[str, Any]) -> None:
        if "title" in body and body["title"] is None:
            raise TypeError("'NoneType' object has no attribute 'strip'")


class RejectValidProxy(Fault):
    name = "reject_valid_proxy"
    description = "the valid proxy names RESIDENTIAL_BR/TR/CA/MX/IT/NL are rejected with a 422"
    stale = frozenset(f"RESIDENTIAL_{country}" for country in ("BR", "TR", "CA", "MX", "IT", "NL"))

    def read_body(self, sent: Any, read: ReadBody) -> ReadBody:
        proxy = _proxy(sent)
        if not (isinstance(proxy, str) and proxy in self.stale):
            return read
        error = {"type": "enum", "loc": ["body", "proxy_location"], "msg": "Input should be a known proxy location"}
        return replace(read, errors=[*read.errors, {**error, "input": proxy}])


class RunIdReused(Fault):
    name = "run_id_reused"
    description = "every POST answers with the `run_id` of the server's first run (each run must have an id of its own): a read of that id shows the first run"

    def __init__(self) -> None:
        self.first: str | None = None

    def shape_run(self, body: dict[str, Any], *, read: bool) -> None:
        if not read:
            self.first = self.first or body["run_id"]
            body["run_id"] = self.first


class RunRequestAsParsed(Fault):
    name = "run_request_as_parsed"
    description = '`run_request` is 1.0.56\'s parse of the request, not its echo: `run_with` normalised (`""` reads `"agent"`), `max_screenshot_scrolls` clamped (`-1` reads `0`), every field and its own extras present; a read has `parameters` `{}` when none were sent'
    raw_echo = True

    def shape_echo(self, echo: dict[str, Any], body: Mapping[str, Any], title: str) -> dict[str, Any]:
        from reference_server.lenient import as_parsed

        return as_parsed(echo, body)

    def shape_run(self, body: dict[str, Any], *, read: bool) -> None:
        request = body.get("run_request")
        if read and isinstance(request, dict) and request.get("parameters") is None:
            request["parameters"] = {}  # 1.0.56 rebuilds a read's run_request from the stored run


class RunRequestMangled(Fault):
    name = "run_request_mangled"
    description = "`run_request` does not echo the request: `title` and `parameters` are dropped"

    def shape_run(self, body: dict[str, Any], *, read: bool) -> None:
        if isinstance(body.get("run_request"), dict):
            body["run_request"].pop("title", None)
            body["run_request"].pop("parameters", None)


class Status401(Fault):
    name = "status_401"
    description = "a missing or wrong API key answers 401 (undocumented) instead of 403"

    def auth_status(self, status: int | None) -> int | None:
        return 401 if status == 403 else status


class StatusPaused(Fault):
    name = "status_paused"
    description = "a running run reports status `paused`, a value outside the `RunStatus` enum"

    def shape_run(self, body: dict[str, Any], *, read: bool) -> None:
        if read and body["status"] in NON_TERMINAL:
            body["status"] = "paused"


class StatusRegresses(Fault):
    name = "status_regresses"
    description = "a terminal run goes back to `running` on every other read"

    def __init__(self) -> None:
        self.reads: dict[str, int] = {}

    def shape_run(self, body: dict[str, Any], *, read: bool) -> None:
        if read and body["finished_at"] is not None:
            count = self.reads[body["run_id"]] = self.reads.get(body["run_id"], 0) + 1
            if count % 2 == 0:
                body["status"] = RUNNING


class TitleFromWorkflow(Fault):
    name = "title_from_workflow"
    description = "`run_request.title` is the workflow's title, whatever `title` was sent (omitted, null, a string)"
    raw_echo = True

    def shape_echo(self, echo: dict[str, Any], body: Mapping[str, Any], title: str) -> dict[str, Any]:
        return {**echo, "title": title}


class ValidationShape(Fault):
    name = "validation_shape"
    description = "422 bodies carry a string `detail` instead of the list of `{type, loc, msg}` errors"

    def error_detail(self, status: int, detail: Any) -> Any:
        return "Validation failed" if status == 422 else detail


class WebhookBadSignature(Fault):
    name = "webhook_bad_signature"
    description = "webhook deliveries are signed with another key than the API key the spec's `x-signature` names"

    def webhook_key(self, key: str) -> str:
        return "not-" + key


class WebhookNeverSent(Fault):
    name = "webhook_never_sent"
    description = "a run that named a `webhook_url` is never delivered there when it ends"

    def webhook_state(self, state: str | None) -> str | None:
        return None


class WrongContentType(Fault):
    name = "wrong_content_type"
    description = "JSON bodies are served as `text/plain` instead of `application/json`"

    def content_type(self, value: str) -> str:
        return "text/plain; charset=utf-8"


FAULT_SETS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        # The open-source Skyvern server 1.0.56 (PyPI `skyvern[local]`), as measured against it on 2026-12-01 (the
        # contract suite's findings, `contract_tests/baselines/skyvern-1.0.56.json`, and requests by hand) and read in
        # its code. Left out: its 5xx answers (`run_with: {}` is a 500 `Unexpected error: TypeError`; a stand-in never
        # mimics a 5xx) and `status_paused`: 1.0.56's RunStatus does list `paused`, but only a workflow run waiting in a
        # human-interaction block is ever paused; its runs of an ordinary workflow go created -> queued -> running ->
        # terminal, while the fault reports `paused` for every unfinished run.
        "skyvern-1.0.56": frozenset(
            {"lax_proxy_location", "lax_types", "naive_timestamps", "run_request_as_parsed", "title_from_workflow"}
        ),
    }
)
"""Named fault sets: each makes the stand-in answer like one real server version (`--like-skyvern VERSION` switches
on the set `skyvern-VERSION`). Every member is a key of `FAULTS`."""

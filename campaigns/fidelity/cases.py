"""What one request of the fidelity matrix is, and the marks that stand for what differs from server to server."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LOOPBACK_URL",
    "MADE_UP_WORKFLOW",
    "REQUEST",
    "RUN",
    "RUN_MARK",
    "STATES",
    "UNKNOWN_RUNS",
    "WORKFLOW_MARK",
    "WRONG_KEY",
    "Case",
    "Expectation",
    "json_text",
    "short",
]

LOOPBACK_URL = "http://127.0.0.1:9/"
"""What URL-typed request fields carry: a loopback address (the discard port, where nothing listens)."""
WORKFLOW_MARK = "$WORKFLOW_ID"
"""Stands for each server's own workflow id in a case's body (as a JSON string) until it is sent."""
RUN_MARK = "$RUN_ID"
"""Stands for the run the lifecycle's POST created, in a case's path."""
MADE_UP_WORKFLOW = "wpid_000000000000000000"
UNKNOWN_RUNS = ("wr_000000000000000000", "tsk_000000000000000000")
WRONG_KEY = "fidelity-wrong-key"

OMITTED, NULL, VALID, EDGE, WRONG_TYPE = "omitted", "null", "valid", "edge", "wrong type"
STATES = (OMITTED, NULL, VALID, EDGE, WRONG_TYPE)
"""The states every request field is sent in (`Case.tags` names them)."""

REQUEST = "WorkflowRunRequest"
RUN = "WorkflowRunResponse"
_SHOWN = 70


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the spec allows as the answer to one request.

    Attributes:
        statuses: the status codes the spec allows for it.
        clause: the JSON pointer into `spec/openapi.yaml` that decides it (a status outside `statuses` breaks it).
        rule: that clause in words.
        status_values: for a 2xx run: the `status` values the spec allows (empty: any `RunStatus` value).
        status_clause: the clause that decides `status_values`.
    """

    statuses: frozenset[int]
    clause: str
    rule: str
    status_values: frozenset[str] = frozenset()
    status_clause: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    """One request of the matrix, the same for every server but for its workflow id and key.

    Attributes:
        name: what it is, e.g. `title: null`.
        method: the HTTP method.
        path_template: the path; `{run_id}` is filled with `run_id`.
        body: the exact body text (None: no body); `"$WORKFLOW_ID"` stands for the server's own workflow id.
        headers: extra request headers.
        query: query parameters.
        key_mode: `valid`, `missing` or `wrong`.
        expect_from_spec: what the spec allows as its answer.
        operation_id: its operation.
        run_id: the run in the path: `$RUN_ID` (the lifecycle's run) or a made-up id.
        tags: the (field, state) pairs it stands for, e.g. `(("title", "null"),)`.
        saves_run: its answer's `run_id` is the lifecycle's run (`$RUN_ID`).
        timing: response fields whose value depends on when the request came (lifecycle reads): a null on one side
            and a value on the other is not a difference; `/status` is compared as terminal or not.
    """

    name: str
    method: str
    path_template: str
    body: str | None
    headers: Mapping[str, str]
    query: Mapping[str, str]
    key_mode: str
    expect_from_spec: Expectation
    operation_id: str
    run_id: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    saves_run: bool = False
    timing: frozenset[str] = frozenset()

    def identity(self) -> tuple[Any, ...]:
        """What makes two cases the same request (a lifecycle step is its own: its place in the sequence counts)."""
        return (
            self.name if self.saves_run or self.run_id == RUN_MARK else "",
            self.method,
            self.path_template,
            self.run_id,
            self.body,
            tuple(sorted(self.headers.items())),
            tuple(sorted(self.query.items())),
            self.key_mode,
        )


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def short(value: Any, limit: int = _SHOWN) -> str:
    text = value if isinstance(value, str) else json_text(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}... ({len(text)} chars)"

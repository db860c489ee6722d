"""Hand-made answers of the real server and the stand-in to cases of the fidelity matrix, for its offline tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from campaigns.fidelity import matrix
from campaigns.fidelity.cases import Case
from campaigns.fidelity.sending import Answer
from contract_tests.generate.strategies import OMIT
from contract_tests.spec import Spec

SPEC = Spec.load()
MATRIX = matrix.build_matrix(SPEC)
REAL_WORKFLOW = "wpid_603168908848890798"
STAND_IN_WORKFLOW = "wpid_300000000000000001"
KEY = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWtleQ.c2lnbmF0dXJl"


def case(name: str) -> Case:
    return next(c for c in MATRIX if c.name == name)


def sent(c: Case, workflow_id: str) -> Any:
    return json.loads(c.body.replace('"$WORKFLOW_ID"', json.dumps(workflow_id))) if c.body else OMIT


def run_body(workflow_id: str, request: Any, **overrides: Any) -> dict[str, Any]:
    """A `WorkflowRunResponse` as the stand-in writes it: every declared field, null when empty."""
    body: dict[str, Any] = {item.name: None for item in SPEC.fields("WorkflowRunResponse")}
    body.update(
        run_id="wr_1",
        status="created",
        created_at="2026-12-01T10:00:00Z",
        modified_at="2026-12-01T10:00:00Z",
        run_type="workflow_run",
        run_request=dict(request) if isinstance(request, Mapping) else {"workflow_id": workflow_id},
    )
    body.update(overrides)
    return body


def answer(c: Case, code: int, workflow_id: str, body: Any = None, **run: Any) -> Answer:
    request = sent(c, workflow_id)
    if body is None and 200 <= code < 300 and c.operation_id != "cancel_run":
        body = run_body(workflow_id, request, **run)
    elif body is None and code >= 400:
        body = {"detail": "nope"}
    return Answer(code, body, json.dumps(body), True, request, workflow_id)


def real(c: Case, code: int, body: Any = None, **run: Any) -> Answer:
    return answer(c, code, REAL_WORKFLOW, body, **run)


def stand_in(c: Case, code: int, body: Any = None, **run: Any) -> Answer:
    return answer(c, code, STAND_IN_WORKFLOW, body, **run)

"""What is compared of an answer: its status and, for a 2xx run, its shape (`describe`)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from typing import Any

from campaigns.fidelity.cases import REQUEST, RUN, Case, json_text
from campaigns.fidelity.sending import Answer
from contract_tests.checks.lifecycle import is_terminal
from contract_tests.generate.strategies import OMIT
from contract_tests.spec import Spec, declared_properties, json_type, non_null_branches

__all__ = ["ABSENT", "describe", "is_date_time", "is_run", "undeclared_fields"]

ABSENT = "absent"
"""How a field the answer leaves out is described."""
_RUN_OPERATIONS = ("run_workflow", "get_run")


def is_date_time(schema: Mapping[str, Any]) -> bool:
    return any(branch.get("format") == "date-time" for branch in non_null_branches(schema))


def _timestamp_form(value: str) -> str:
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return "string, not a date-time"
    return "string, date-time with a UTC offset" if parsed.tzinfo else "string, date-time without a UTC offset"


def is_run(case: Case, answer: Answer) -> bool:
    return case.operation_id in _RUN_OPERATIONS and 200 <= answer.status < 300 and isinstance(answer.body, Mapping)


def describe(spec: Spec, case: Case, answer: Answer) -> dict[str, str]:
    """An answer's shape, aspect by aspect: what is compared between two servers.

    - `status`: the status code;
    - a 2xx run: for every field `WorkflowRunResponse` declares (`/name`), `absent` or its JSON type; a date-time as
      its form (with or without a UTC offset); `/status` and `/run_type` as their values (in a case's `timing`
      fields, `/status` as terminal or not); `run_request` field by field (`/run_request/name`) as the value it
      echoes (the server's own workflow id as `<its own workflow id>`), or `absent`;
    - any other JSON body: the JSON type of the body (`/`) and of its `detail` (`/detail`).

    Values that are per-server by nature (ids, timestamps, URLs) are not described; fields the spec does not declare
    are left out (the spec keeps objects open to them: see `undeclared_fields`).
    """
    found = {"status": str(answer.status) if answer.status else f"no answer ({answer.error})"}
    body = answer.body
    if not answer.is_json:
        if answer.text.strip():
            found["/"] = "not JSON"
        return found
    if not is_run(case, answer):
        found["/"] = json_type(body)
        if isinstance(body, Mapping):
            found["/detail"] = json_type(body["detail"]) if "detail" in body else ABSENT
        return found
    for item in spec.fields(RUN):
        aspect = f"/{item.name}"
        if item.name == "run_request":
            continue
        if item.name not in body:
            found[aspect] = ABSENT
            continue
        value = body[item.name]
        if item.name == "status" and isinstance(value, str):
            timing = aspect in case.timing
            found[aspect] = ("terminal" if is_terminal(value) else "not terminal") if timing else value
        elif item.name == "run_type" and isinstance(value, str):
            found[aspect] = value
        elif isinstance(value, str) and is_date_time(item.schema):
            found[aspect] = _timestamp_form(value)
        else:
            found[aspect] = json_type(value)
    found.update(_describe_echo(spec, body.get("run_request", OMIT), answer.workflow_id))
    return found


def _describe_echo(spec: Spec, echo: Any, workflow_id: str) -> dict[str, str]:
    """`run_request` field by field (`/run_request/name`): the value it echoes, or `absent`."""
    if not isinstance(echo, Mapping):
        return {"/run_request": ABSENT if echo is OMIT else json_type(echo)}
    found = {}
    for item in spec.fields(REQUEST):
        aspect = f"/run_request/{item.name}"
        value = echo.get(item.name, OMIT)
        declared = declared_properties(item.schema)
        if value is OMIT:
            found[aspect] = ABSENT
        elif item.name == "workflow_id" and value == workflow_id:
            found[aspect] = "<its own workflow id>"
        elif isinstance(value, Mapping) and declared:  # a record (GeoTarget): its declared keys one by one
            found[aspect] = "object"
            for key in declared:
                found[f"{aspect}/{key}"] = json_text(value[key]) if key in value else ABSENT
        else:
            found[aspect] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return found


def undeclared_fields(spec: Spec, answers: Iterable[tuple[Case, Answer]]) -> list[str]:
    """The top-level fields of the 2xx runs that `WorkflowRunResponse` does not declare (sorted)."""
    declared = {item.name for item in spec.fields(RUN)}
    extra: set[str] = set()
    for case, answer in answers:
        if is_run(case, answer):
            extra |= set(answer.body) - declared
    return sorted(extra)

"""Schemathesis failures as this suite's violations: the contract area, and the same root-cause key this suite's own
checks give the same defect (so that a date-time broken in every response is one finding, whoever saw it).

The area goes by failure kind, then looks closer where one kind spans areas: a schema error on `status` is a
status-enum finding, one under `proxy_location` a proxy finding; accepted invalid or refused valid data is filed under
the field that made the case invalid (or that the target's 422 names).

Example:
    >>> area_of_failure_kind("ServerError")
    <Area.SERVER_ERRORS: 'server errors'>
    >>> invalid_cause(Spec.load(), {"workflow_id": "w", "proxy_location": 7})
    ('/proxy_location', 'type')
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Mapping
from typing import Any

import jsonschema_rs

from contract_tests.checks.reply import pointer, precise, problem_locations, schema_violations
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.spec import Spec

__all__ = [
    "CHECKS_OF_FAILURE",
    "area_of_body",
    "area_of_failure_kind",
    "area_of_rejection",
    "invalid_cause",
    "violation_of_failure",
]

_BY_KIND: Mapping[str, Area] = {
    "ServerError": Area.SERVER_ERRORS,
    "ContentTypeServerError": Area.SERVER_ERRORS,
    "IgnoredAuth": Area.AUTH,
    "MissingHeaderNotRejected": Area.AUTH,
    "ObjectLevelAuthorizationViolation": Area.AUTH,
    "EnsureResourceAvailability": Area.LIFECYCLE,
    "UseAfterFree": Area.LIFECYCLE,
    "AcceptedNegativeData": Area.REQUEST_VALIDATION,
    "RejectedPositiveData": Area.REQUEST_VALIDATION,
}
CHECKS_OF_FAILURE: Mapping[str, frozenset[str]] = {
    "ServerError": frozenset({"no_server_error"}),
    "ContentTypeServerError": frozenset({"no_server_error"}),
    "JsonSchemaError": frozenset({"response_conforms", "status_in_enum", "client_parses_response"}),
    "UndefinedStatusCode": frozenset({"no_server_error", "documented_status"}),
    "UndefinedContentType": frozenset({"json_body"}),
    "MalformedMediaType": frozenset({"json_body"}),
    "MissingContentType": frozenset({"json_body"}),
    "AcceptedNegativeData": frozenset({"rejected"}),
    "RejectedPositiveData": frozenset({"accepted", "client_call_succeeds"}),
    "IgnoredAuth": frozenset({"forbidden_without_valid_key"}),
    "MissingHeaderNotRejected": frozenset({"missing_required_header"}),
    "UseAfterFree": frozenset({"retrievable"}),
    "EnsureResourceAvailability": frozenset({"retrievable"}),
}
"""The checks of this suite that judge what each Schemathesis failure kind judges: `violation_of_failure` files a
failure under one of them, and a Schemathesis finding is covered by a root cause of one of them."""
_PROXY_FIELD = "proxy_location"
_REQUEST = "WorkflowRunRequest"
_QUOTED = re.compile(r'"([^"]+)"')


def area_of_failure_kind(kind: str) -> Area:
    """The area of a Schemathesis failure class name, before looking at the case (default: response schema)."""
    return _BY_KIND.get(kind, Area.RESPONSE_SCHEMA)


@functools.cache
def _request_validator(spec: Spec) -> Any:
    return jsonschema_rs.validator_for(spec.schema(_REQUEST))


def _errors(spec: Spec, body: Any) -> list[Any]:
    if not isinstance(body, dict):
        return []
    errors = list(_request_validator(spec).iter_errors(body))
    return sorted(errors, key=lambda e: [str(p) for p in e.instance_path])


def invalid_cause(spec: Spec, body: Any) -> tuple[str, str]:
    """Where a request body breaks `WorkflowRunRequest`, and how: the first breakage's JSON pointer and keyword
    (`("/", "type")` for a body that is not an object, `("", "")` for a valid one; see `checks.precise`)."""
    if not isinstance(body, dict):
        return "/", "type"
    errors = _errors(spec, body)
    if not errors:
        return "", ""
    path, kind, _ = precise(errors[0])
    return pointer(path), kind


def area_of_body(spec: Spec, body: Any) -> Area:
    """The area of an invalid request body: proxy options, nullable fields (a null where none is allowed), else
    request validation."""
    errors = _errors(spec, body)
    if not errors:
        return Area.REQUEST_VALIDATION
    if all(error.instance_path[:1] == [_PROXY_FIELD] for error in errors):
        return Area.PROXY_OPTIONS
    if all(error.instance is None for error in errors):
        return Area.NULLABLE_FIELDS
    return Area.REQUEST_VALIDATION


def _rejection_locations(body: bytes) -> list[list[Any]]:
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        return []
    return [item.get("loc", []) for item in detail if isinstance(item, dict)] if isinstance(detail, list) else []


def area_of_rejection(body: bytes, sent: Any) -> Area:
    """The area of a refused valid request, from the locations its 422 names."""
    locations = _rejection_locations(body)
    if locations and all(_PROXY_FIELD in loc for loc in locations):
        return Area.PROXY_OPTIONS
    if isinstance(sent, dict) and locations:
        named = {loc[1] for loc in locations if len(loc) > 1 and loc[0] == "body"}
        if named and all(sent.get(name, "") is None for name in named):
            return Area.NULLABLE_FIELDS
    return Area.REQUEST_VALIDATION


def _schema_location(failure: Any) -> tuple[list[Any], str]:
    path = list(getattr(failure, "instance_path", []))
    schema_path = list(getattr(failure, "schema_path", []))
    kind = str(schema_path[-1]) if schema_path else "schema"
    if kind == "required":
        named = _QUOTED.search(str(getattr(failure, "message", "")))
        if named:
            path.append(named.group(1))
    return path, kind


def violation_of_failure(
    spec: Spec, failure: BaseException, *, operation_id: str, body: Any, status: int, content: bytes, media: str
) -> ContractViolation:
    """The violation a Schemathesis failure stands for, keyed like this suite's own check of the same thing.

    Args:
        spec: the spec.
        failure: the failure (a `schemathesis.core.failures.Failure`).
        operation_id: the case's operation.
        body: the case's request body (None when it has none).
        status: the response status.
        content: the raw response body.
        media: the response's media type.

    Returns:
        The violation (check names as in `contract_tests.checks.reply`; unknown failure kinds as `schemathesis:<Kind>`).
    """
    kind = type(failure).__name__
    title = str(getattr(failure, "title", kind))
    message = str(getattr(failure, "message", "")).strip()
    detail = f"Schemathesis: {title}: {message}" if message else f"Schemathesis: {title}"

    def made(area: Area, check: str, location: str, what: str) -> ContractViolation:
        return ContractViolation(area, check, detail, location, what, operation_id)

    if kind in ("ServerError", "ContentTypeServerError"):
        return made(Area.SERVER_ERRORS, "no_server_error", operation_id, str(status))
    if kind == "JsonSchemaError":
        path, keyword = _schema_location(failure)
        where = pointer(path)
        with contextlib.suppress(ValueError):  # the same breakage as this suite's own schema check names it
            for ours in schema_violations(spec, operation_id, status, json.loads(content)):
                if ours.location == where or ours.location.startswith(where.rstrip("/") + "/"):
                    return made(ours.area, ours.check, ours.location, ours.kind)
        if path == ["status"] and keyword == "enum":
            return made(Area.STATUS_ENUM, "status_in_enum", "/status", "enum")
        area = Area.PROXY_OPTIONS if _PROXY_FIELD in path else Area.RESPONSE_SCHEMA
        return made(area, "response_conforms", where, keyword)
    if kind == "UndefinedStatusCode" and status >= 500:
        return made(Area.SERVER_ERRORS, "no_server_error", operation_id, str(status))
    if kind == "UndefinedStatusCode":
        area = Area.AUTH if status == 401 else Area.RESPONSE_SCHEMA
        return made(area, "documented_status", operation_id, str(status))
    if kind in ("UndefinedContentType", "MalformedMediaType", "MissingContentType"):
        return made(Area.RESPONSE_SCHEMA, "json_body", "content-type", media or "(none)")
    if kind == "AcceptedNegativeData":
        location, keyword = invalid_cause(spec, body)
        answered = "accepted" if 200 <= status < 300 else str(status)
        what = f"{keyword}, {answered}" if keyword else answered
        return made(area_of_body(spec, body), "rejected", location or operation_id, what)
    if kind == "RejectedPositiveData":
        where = ",".join(problem_locations(content)) or operation_id
        return made(area_of_rejection(content, body), "accepted", where, str(status))
    if kind == "IgnoredAuth":
        return made(Area.AUTH, "forbidden_without_valid_key", operation_id, "served")
    if kind == "MissingHeaderNotRejected":
        return made(Area.AUTH, "missing_required_header", str(getattr(failure, "header_name", "")), str(status))
    if kind in ("UseAfterFree", "EnsureResourceAvailability"):
        return made(Area.LIFECYCLE, "retrievable", operation_id, kind)
    return made(area_of_failure_kind(kind), f"schemathesis:{kind}", operation_id, "")

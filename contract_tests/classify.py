"""Which contract area a Schemathesis failure belongs to.

Schemathesis reports failures by check; the summary groups by contract area. The mapping goes by failure kind, then
looks closer where one kind spans areas: a schema error on `status` is a status-enum finding, one under
`proxy_location` a proxy finding; accepted invalid or refused valid data is filed under the field that made the case
invalid (or that the target's 422 names).

Example:
    >>> area_of_failure_kind("ServerError")
    <Area.SERVER_ERRORS: 'server errors'>
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jsonschema_rs

from contract_tests.areas import Area
from contract_tests.spec import Spec

__all__ = ["area_of_body", "area_of_failure", "area_of_failure_kind", "area_of_rejection"]

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
_PROXY_FIELD = "proxy_location"


def area_of_failure_kind(kind: str) -> Area:
    """The area of a Schemathesis failure class name, before looking at the case (default: response schema)."""
    return _BY_KIND.get(kind, Area.RESPONSE_SCHEMA)


def area_of_body(spec: Spec, body: Any) -> Area:
    """The area of an invalid request body: proxy options, nullable fields (a null where none is allowed), else
    request validation."""
    validator = jsonschema_rs.validator_for(spec.schema("WorkflowRunRequest"))
    errors = list(validator.iter_errors(body)) if isinstance(body, dict) else []
    if not errors:
        return Area.REQUEST_VALIDATION
    if all(error.instance_path[:1] == [_PROXY_FIELD] for error in errors):
        return Area.PROXY_OPTIONS
    if all(error.instance is None for error in errors):
        return Area.NULLABLE_FIELDS
    return Area.REQUEST_VALIDATION


def area_of_rejection(body: bytes, sent: Any) -> Area:
    """The area of a refused valid request, from the locations its 422 names."""
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        return Area.REQUEST_VALIDATION
    locations = [item.get("loc", []) for item in detail if isinstance(item, dict)] if isinstance(detail, list) else []
    if locations and all(_PROXY_FIELD in loc for loc in locations):
        return Area.PROXY_OPTIONS
    if isinstance(sent, dict) and locations:
        named = {loc[1] for loc in locations if len(loc) > 1 and loc[0] == "body"}
        if named and all(sent.get(name, "") is None for name in named):
            return Area.NULLABLE_FIELDS
    return Area.REQUEST_VALIDATION


def area_of_failure(spec: Spec, failure: BaseException, body: Any, response_body: bytes) -> Area:
    """The area of one Schemathesis failure, given the case's request body and the response it got.

    Args:
        spec: the spec.
        failure: the failure (a `schemathesis.core.failures.Failure`).
        body: the case's request body (None when it has none).
        response_body: the raw response body.

    Returns:
        The area.
    """
    kind = type(failure).__name__
    if kind == "JsonSchemaError":
        path = list(getattr(failure, "instance_path", []))
        if path[:1] == ["status"]:
            return Area.STATUS_ENUM
        if _PROXY_FIELD in path:
            return Area.PROXY_OPTIONS
        return Area.RESPONSE_SCHEMA
    if kind == "UndefinedStatusCode":
        status = int(getattr(failure, "status_code", 0))
        if status >= 500:
            return Area.SERVER_ERRORS
        return Area.AUTH if status == 401 else Area.RESPONSE_SCHEMA
    if kind == "AcceptedNegativeData":
        return area_of_body(spec, body)
    if kind == "RejectedPositiveData":
        return area_of_rejection(response_body, body)
    return area_of_failure_kind(kind)

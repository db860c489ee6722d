"""The contract checks of a reply: small named functions, each raising `ContractViolation` for the one point it guards.

Each function's name is what a finding reports as its check; its area, and the location and kind that make the
finding's root cause, are fixed in its body. A check that finds several independent problems (a schema broken in two
places, two fields echoed wrongly) takes the test's record first (`seen`) and `report`s each there and goes on (with
no record, None, the first one raises); one after which nothing more can be judged (a 5xx, a body that is not JSON)
raises. Everything they compare against (enums, required and nullable fields, defaults,
documented statuses, response schemas) is read from the spec. What `run_request` echoes is judged in `echo_checks`,
a run's status over time in `lifecycle_checks`.

Example:
    >>> from contract_tests.spec import Spec
    >>> status_in_enum(Spec.load(), {"status": "paused"})
    Traceback (most recent call last):
    ...
    contract_tests.model.areas.ContractViolation: [status enum] status_in_enum: status 'paused' is not one of RunStatus's \
values (created, queued, running, timed_out, failed, terminated, completed, canceled)
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema_rs

from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record.observations import Observations, report, soft
from contract_tests.spec import Spec
from contract_tests.transport.api import Reply

__all__ = [
    "PROXY_FIELD",
    "accepted",
    "body_is_valid",
    "documented_status",
    "json_body",
    "no_server_error",
    "nullable_keys_present",
    "pointer",
    "precise",
    "problem_locations",
    "rejected",
    "response_conforms",
    "schema_violations",
    "short_json",
    "status_in_enum",
]

PROXY_FIELD = "proxy_location"
"""The request field whose problems are filed under the proxy options area."""

_RUN_SCHEMA = "WorkflowRunResponse"


def short_json(value: Any, limit: int = 300) -> str:
    """A value for a message: its JSON (bytes as their repr), cut at `limit` characters."""
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def pointer(path: Sequence[Any]) -> str:
    """A JSON pointer with array indices as `*`, so that every element's breakage is one location.

    Example:
        >>> pointer(["run_request", "files", 2, "name"])
        '/run_request/files/*/name'
    """
    return "".join("/*" if isinstance(part, int) else "/" + str(part) for part in path) or "/"


def no_server_error(reply: Reply, operation_id: str) -> None:
    """A request is never answered by a 5xx. One root cause per operation and smallest trigger (the header, query
    parameter or body field that alone brings it back, see `Api.isolate`) and status: never by the message text,
    which differs with the values that triggered it."""
    if reply.status >= 500:
        violation = ContractViolation(
            Area.SERVER_ERRORS,
            "no_server_error",
            f"{operation_id} answered {reply.status}: {short_json(reply.content)}"
            + (f"; {_trigger(reply.culprit)} alone brings it back" if reply.culprit else ""),
            reply.culprit or operation_id,
            str(reply.status),
            operation_id,
        )
        if reply.culprit_exchange is not None:
            violation.chain = (reply.culprit_exchange,)
        raise violation


def _trigger(culprit: str) -> str:
    kind, _, name = culprit.partition(":")
    return f"the {kind} {name}" if name and kind in ("header", "query") else f"the field {culprit}"


def documented_status(spec: Spec, operation_id: str, reply: Reply) -> None:
    """An operation answers only the status codes the spec documents for it (401 is an auth finding)."""
    documented = spec.documented_statuses(operation_id)
    if reply.status in documented:
        return
    area = Area.AUTH if reply.status == 401 else Area.RESPONSE_SCHEMA
    raise ContractViolation(
        area,
        "documented_status",
        f"{operation_id} answered {reply.status}, documented: {sorted(documented)}",
        operation_id,
        str(reply.status),
        operation_id,
    )


def json_body(reply: Reply, operation_id: str) -> Any:
    """A documented JSON response is served as `application/json` and parses.

    Returns:
        The parsed body.
    """
    if reply.content_type != "application/json":
        raise ContractViolation(
            Area.RESPONSE_SCHEMA,
            "json_body",
            f"{operation_id} {reply.status} has content-type {reply.content_type!r}, the spec says application/json",
            "content-type",
            reply.content_type or "(none)",
            operation_id,
        )
    try:
        return reply.json()
    except ValueError as error:
        raise ContractViolation(
            Area.RESPONSE_SCHEMA,
            "json_body",
            f"{operation_id} {reply.status} body is not JSON: {error}",
            "body",
            "not JSON",
            operation_id,
        ) from None


@functools.cache
def _validator(spec: Spec, operation_id: str, status: int) -> Any:
    schema = spec.response_schema(operation_id, str(status))
    if schema is None:
        return None
    return jsonschema_rs.validator_for(spec.resolve(schema), validate_formats=True)


def status_in_enum(spec: Spec, body: Any, operation_id: str = "") -> None:
    """A run's `status` is one of the spec's `RunStatus` values."""
    if isinstance(body, Mapping) and "status" in body:
        values = spec.enum("RunStatus")
        if body["status"] not in values:
            raise ContractViolation(
                Area.STATUS_ENUM,
                "status_in_enum",
                f"status {body['status']!r} is not one of RunStatus's values ({', '.join(values)})",
                "/status",
                "enum",
                operation_id,
            )


def precise(error: Any) -> tuple[list[Any], str, str]:
    """Where a JSON Schema error really is: for an `anyOf`/`oneOf` whose value has the type of exactly one branch
    (a date-time string in `string | null`, an object in `enum | GeoTarget`), the error inside that branch; one whose
    value has the type of no branch is a `type` error.

    Returns:
        The instance path (a missing required property appended), the JSON Schema keyword, the message.
    """
    branches = getattr(error.kind, "context", None)
    path = list(error.instance_path)
    if branches:
        typed = [
            branch
            for branch in branches
            if branch and not any(list(e.instance_path) == path and e.schema_path[-1:] == ["type"] for e in branch)
        ]
        if len(typed) == 1:
            return precise(typed[0][0])
        if not typed:
            return path, "type", str(error.message)
    kind = str(error.schema_path[-1]) if error.schema_path else "schema"
    if kind == "required" and getattr(error.kind, "property", None) is not None:
        path.append(str(error.kind.property))
    return path, kind, str(error.message)


def schema_violations(spec: Spec, operation_id: str, status: int, body: Any) -> list[ContractViolation]:
    """Every place where a response body breaks its schema, one violation each (the status enum as `status_in_enum`).

    Example:
        >>> from contract_tests.spec import Spec
        >>> [v.key for v in schema_violations(Spec.load(), "cancel_run", 200, {"canceled": True})]
        ['response_conforms|/|type']
    """
    validator = _validator(spec, operation_id, status)
    if validator is None:
        return []
    found: list[ContractViolation] = []
    for error in validator.iter_errors(body):
        path, kind, message = precise(error)
        if path == ["status"] and isinstance(body, Mapping):
            try:
                status_in_enum(spec, body, operation_id)
            except ContractViolation as violation:
                found.append(violation)
                continue
        where = pointer(path)
        found.append(
            ContractViolation(
                Area.PROXY_OPTIONS if PROXY_FIELD in path else Area.RESPONSE_SCHEMA,
                "response_conforms",
                f"{operation_id} {status} body does not match the spec at {where}: {message}",
                where,
                kind,
                operation_id,
            )
        )
    return found


def body_is_valid(spec: Spec, operation_id: str, status: int, body: Any) -> bool:
    """Whether a response body matches its schema (True when the status has none)."""
    validator = _validator(spec, operation_id, status)
    return validator is None or bool(validator.is_valid(body))


def response_conforms(seen: Observations | None, spec: Spec, operation_id: str, reply: Reply) -> Any:
    """The whole reply conforms: no 5xx, a documented status, JSON, and the body matches that status's schema.

    A 5xx or a body that is not JSON ends the check (raised); an undocumented status and each schema breakage are
    reported softly into `seen` (`observations.soft`), so the caller goes on with the body.

    Returns:
        The parsed body (None when the status has no JSON schema).
    """
    no_server_error(reply, operation_id)
    with soft(seen):
        documented_status(spec, operation_id, reply)
    if _validator(spec, operation_id, reply.status) is None:
        return None
    body = json_body(reply, operation_id)
    for violation in schema_violations(spec, operation_id, reply.status, body):
        report(seen, violation)
    return body


def nullable_keys_present(
    seen: Observations | None, spec: Spec, body: Mapping[str, Any], operation_id: str = ""
) -> None:
    """A run carries every nullable field of `WorkflowRunResponse`, as `null` when it has no value (not dropped)."""
    for name in spec.nullable_fields(_RUN_SCHEMA):
        if name not in body:
            report(
                seen,
                ContractViolation(
                    Area.NULLABLE_FIELDS,
                    "nullable_keys_present",
                    f"the run leaves out nullable field {name} instead of sending null",
                    f"/{name}",
                    "missing",
                    operation_id,
                ),
            )


def problem_locations(content: bytes) -> list[str]:
    """The locations a FastAPI-style 422 body names, as JSON pointers (`["body", "proxy_location", "country"]` ->
    `/proxy_location/country`, `["header", "x-max"]` -> `header:/x-max`)."""
    try:
        detail = json.loads(content).get("detail")
    except (ValueError, AttributeError):
        return []
    if not isinstance(detail, list):
        return []
    found = []
    for item in detail:
        loc = item.get("loc") if isinstance(item, Mapping) else None
        if isinstance(loc, list) and loc:
            found.append(("" if loc[0] == "body" else f"{loc[0]}:") + pointer(loc[1:]))
    return sorted(set(found))


def accepted(reply: Reply, area: Area, what: str, operation_id: str = "run_workflow") -> None:
    """A valid request is accepted (2xx)."""
    no_server_error(reply, operation_id)
    if not 200 <= reply.status < 300:
        where = ",".join(problem_locations(reply.content)) or operation_id
        raise ContractViolation(
            area,
            "accepted",
            f"valid {what} was refused with {reply.status}: {short_json(reply.content)}",
            where,
            str(reply.status),
            operation_id,
        )


def rejected(
    reply: Reply,
    area: Area,
    what: str,
    expected: tuple[int, ...] = (422,),
    *,
    location: str = "",
    kind: str = "",
    operation_id: str = "run_workflow",
) -> None:
    """An invalid request is refused with the documented status (422: not a 5xx, not a 2xx).

    Args:
        reply: the reply.
        area: where a breach is filed.
        what: the invalid part, for the message.
        expected: the acceptable statuses.
        location: the request field that made the request invalid (see `classify.invalid_cause`).
        kind: how it was invalid (the JSON Schema keyword it breaks, ...).
        operation_id: the operation.
    """
    no_server_error(reply, operation_id)
    if reply.status not in expected:
        answered = "accepted" if 200 <= reply.status < 300 else str(reply.status)
        raise ContractViolation(
            area,
            "rejected",
            f"invalid {what} answered {reply.status}, expected {' or '.join(map(str, expected))}: "
            f"{short_json(reply.content)}",
            location or operation_id,
            f"{kind}, {answered}" if kind else answered,
            operation_id,
        )

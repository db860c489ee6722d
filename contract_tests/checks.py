"""The contract checks: small named functions, each raising `ContractViolation` for the one point it guards.

Each function's name is what a finding reports as its check; its area is fixed in its body. Everything they compare
against (enums, required and nullable fields, defaults, documented statuses, response schemas) is read from the spec.

Example:
    >>> from contract_tests.spec import Spec
    >>> status_in_enum(Spec.load(), {"status": "paused"})
    Traceback (most recent call last):
    ...
    contract_tests.areas.ContractViolation: [status enum] status_in_enum: status 'paused' is not one of RunStatus's \
values (created, queued, running, timed_out, failed, terminated, completed, canceled)
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import jsonschema_rs

from contract_tests.api import Reply
from contract_tests.areas import Area, ContractViolation
from contract_tests.spec import Spec

__all__ = [
    "LIFECYCLE_ORDER",
    "accepted",
    "canceled_after_cancel",
    "documented_status",
    "echoed",
    "is_terminal",
    "json_body",
    "moves_forward",
    "no_server_error",
    "nullable_keys_present",
    "rejected",
    "response_conforms",
    "retrievable",
    "status_in_enum",
    "terminal_is_final",
]

LIFECYCLE_ORDER = ("created", "queued", "running")
"""The non-terminal statuses in the order a run goes through them; every other `RunStatus` value is terminal."""

_CANCELED = "canceled"
_RUN_SCHEMA = "WorkflowRunResponse"
_GEO_CASE_FOLDED = ("country", "subdivision")  # the live service upper-cases these


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def no_server_error(reply: Reply, what: str) -> None:
    """A request is never answered by a 5xx."""
    if reply.status >= 500:
        raise ContractViolation(
            Area.SERVER_ERRORS, "no_server_error", f"{what} answered {reply.status}: {_short(reply.content)}"
        )


def documented_status(spec: Spec, operation_id: str, reply: Reply) -> None:
    """An operation answers only the status codes the spec documents for it (401 is an auth finding)."""
    documented = spec.documented_statuses(operation_id)
    if reply.status in documented:
        return
    area = Area.AUTH if reply.status == 401 else Area.RESPONSE_SCHEMA
    raise ContractViolation(
        area, "documented_status", f"{operation_id} answered {reply.status}, documented: {sorted(documented)}"
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
        )
    try:
        return reply.json()
    except ValueError as error:
        raise ContractViolation(
            Area.RESPONSE_SCHEMA, "json_body", f"{operation_id} {reply.status} body is not JSON: {error}"
        ) from None


@functools.cache
def _validator(spec: Spec, operation_id: str, status: int) -> Any:
    schema = spec.response_schema(operation_id, str(status))
    if schema is None:
        return None
    return jsonschema_rs.validator_for(spec.resolve(schema), validate_formats=True)


def status_in_enum(spec: Spec, body: Any) -> None:
    """A run's `status` is one of the spec's `RunStatus` values."""
    if isinstance(body, Mapping) and "status" in body:
        values = spec.enum("RunStatus")
        if body["status"] not in values:
            raise ContractViolation(
                Area.STATUS_ENUM,
                "status_in_enum",
                f"status {body['status']!r} is not one of RunStatus's values ({', '.join(values)})",
            )


def response_conforms(spec: Spec, operation_id: str, reply: Reply) -> Any:
    """The whole reply conforms: no 5xx, a documented status, JSON, and the body matches that status's schema.

    Returns:
        The parsed body (None when the status has no JSON schema).
    """
    no_server_error(reply, operation_id)
    documented_status(spec, operation_id, reply)
    validator = _validator(spec, operation_id, reply.status)
    if validator is None:
        return None
    body = json_body(reply, operation_id)
    if reply.status == 200 and operation_id != "cancel_run":
        status_in_enum(spec, body)
    errors = list(validator.iter_errors(body))
    if errors:
        where = "/".join(str(p) for p in errors[0].instance_path) or "(root)"
        lines = "; ".join(f"{'/'.join(map(str, e.instance_path)) or '(root)'}: {e.message}" for e in errors[:3])
        raise ContractViolation(
            Area.RESPONSE_SCHEMA,
            "response_conforms",
            f"{operation_id} {reply.status} body does not match the spec at {where}: {lines}",
        )
    return body


def nullable_keys_present(spec: Spec, body: Mapping[str, Any]) -> None:
    """A run carries every nullable field of `WorkflowRunResponse`, as `null` when it has no value (not dropped)."""
    missing = [name for name in spec.nullable_fields(_RUN_SCHEMA) if name not in body]
    if missing:
        raise ContractViolation(
            Area.NULLABLE_FIELDS,
            "nullable_keys_present",
            f"the run leaves out nullable field(s) {', '.join(missing)} instead of sending null",
        )


def accepted(reply: Reply, area: Area, what: str) -> None:
    """A valid request is accepted (2xx)."""
    no_server_error(reply, what)
    if not 200 <= reply.status < 300:
        raise ContractViolation(
            area, "accepted", f"valid {what} was refused with {reply.status}: {_short(reply.content)}"
        )


def rejected(reply: Reply, area: Area, what: str, expected: tuple[int, ...] = (422,)) -> None:
    """An invalid request is refused with the documented status (422: not a 5xx, not a 2xx)."""
    no_server_error(reply, what)
    if reply.status not in expected:
        raise ContractViolation(
            area,
            "rejected",
            f"invalid {what} answered {reply.status}, expected {' or '.join(map(str, expected))}: "
            f"{_short(reply.content)}",
        )


def _normalize(path: tuple[str, ...], value: Any) -> Any:
    if isinstance(value, str) and path and path[-1] in _GEO_CASE_FOLDED and path[0] == "proxy_location":
        return value.upper()
    if isinstance(value, Mapping):
        return {k: _normalize((*path, k), v) for k, v in value.items()}
    return value


def _echo_area(name: str) -> Area:
    return Area.PROXY_OPTIONS if name == "proxy_location" else Area.NULLABLE_FIELDS


def echoed(spec: Spec, sent: Mapping[str, Any], run_request: Any) -> None:
    """`run_request` echoes the request, field by field, as the spec lists them.

    A value sent (null included) comes back equal; an omitted field comes back absent, or as the spec's default (null
    when the spec gives none).
    Inside a GeoTarget, `country` and `subdivision` compare case-insensitively (the live service upper-cases them).
    """
    if not isinstance(run_request, Mapping):
        raise ContractViolation(
            Area.NULLABLE_FIELDS, "echoed", f"run_request is {_short(run_request)}, not the echoed request"
        )
    for field in spec.fields("WorkflowRunRequest"):
        name = field.name
        got = run_request.get(name, "<absent>")
        if name in sent:
            if name not in run_request or _normalize((name,), got) != _normalize((name,), sent[name]):
                raise ContractViolation(
                    _echo_area(name),
                    "echoed",
                    f"`{name}` sent as {_short(sent[name])} is echoed in run_request as {_short(got)}",
                )
        elif name in run_request:
            allowed = [field.default] if field.has_default else [None]
            if got not in allowed:
                raise ContractViolation(
                    _echo_area(name),
                    "echoed",
                    f"`{name}` left out is echoed as {_short(got)}, expected it absent or one of {_short(allowed)}",
                )


def _rank(status: str) -> int:
    return LIFECYCLE_ORDER.index(status) if status in LIFECYCLE_ORDER else len(LIFECYCLE_ORDER)


def is_terminal(status: str) -> bool:
    """Whether a status is terminal (any `RunStatus` value after `running`)."""
    return status not in LIFECYCLE_ORDER


def moves_forward(previous: str, current: str) -> None:
    """Polling a run, its status never goes back (created -> queued -> running -> terminal)."""
    if _rank(current) < _rank(previous):
        raise ContractViolation(Area.LIFECYCLE, "moves_forward", f"status went back from {previous!r} to {current!r}")


def terminal_is_final(previous: str, current: str) -> None:
    """A terminal status never changes."""
    if is_terminal(previous) and current != previous:
        raise ContractViolation(
            Area.LIFECYCLE, "terminal_is_final", f"terminal status {previous!r} changed to {current!r}"
        )


def canceled_after_cancel(before: str, after: str) -> None:
    """Cancel makes a non-terminal run `canceled`, and leaves a terminal run as it was."""
    if is_terminal(before):
        if after != before:
            raise ContractViolation(
                Area.LIFECYCLE, "canceled_after_cancel", f"cancel changed terminal status {before!r} to {after!r}"
            )
    elif after != _CANCELED:
        raise ContractViolation(
            Area.LIFECYCLE,
            "canceled_after_cancel",
            f"a run that was {before!r} is {after!r} after an accepted cancel, expected {_CANCELED!r}",
        )


def retrievable(reply: Reply, run_id: str, operation: str) -> None:
    """A run the target acknowledged can be read and canceled (not a 404)."""
    if reply.status == 404:
        raise ContractViolation(
            Area.LIFECYCLE, "retrievable", f"{operation} of acknowledged run {run_id!r} answered 404"
        )

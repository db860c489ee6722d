"""The contract checks: small named functions, each raising `ContractViolation` for the one point it guards.

Each function's name is what a finding reports as its check; its area, and the location and kind that make the
finding's root cause, are fixed in its body. A check that finds several independent problems (a schema broken in two
places, two fields echoed wrongly) `report`s each and goes on; one after which nothing more can be judged (a 5xx, a
body that is not JSON) raises. Everything they compare against (enums, required and nullable fields, defaults,
documented statuses, response schemas) is read from the spec.

Example:
    >>> from contract_tests.spec import Spec
    >>> status_in_enum(Spec.load(), {"status": "paused"})
    Traceback (most recent call last):
    ...
    contract_tests.areas.ContractViolation: [status enum] status_in_enum: status 'paused' is not one of RunStatus's \
values (created, queued, running, timed_out, failed, terminated, completed, canceled)
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema_rs

from contract_tests.api import Reply
from contract_tests.areas import Area, ContractViolation
from contract_tests.observations import CHAIN_ATTRIBUTE, report, soft
from contract_tests.spec import Spec

__all__ = [
    "LIFECYCLE_ORDER",
    "accepted",
    "body_is_valid",
    "canceled_after_cancel",
    "documented_status",
    "echoed",
    "is_terminal",
    "json_body",
    "moves_forward",
    "no_server_error",
    "nullable_keys_present",
    "pointer",
    "precise",
    "problem_locations",
    "rejected",
    "response_conforms",
    "retrievable",
    "schema_violations",
    "server_error_kind",
    "status_in_enum",
    "terminal_is_final",
]

LIFECYCLE_ORDER = ("created", "queued", "running")
"""The non-terminal statuses in the order a run goes through them; every other `RunStatus` value is terminal."""

_CANCELED = "canceled"
_RUN_SCHEMA = "WorkflowRunResponse"
_GEO_CASE_FOLDED = ("country", "subdivision")  # the live service upper-cases these
_PROXY = "proxy_location"
_VOLATILE = re.compile(r"0x[0-9a-fA-F]+|[0-9]+|[a-z]{2,4}_[0-9A-Za-z]+")


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def pointer(path: Sequence[Any]) -> str:
    """A JSON pointer with array indices as `*`, so that every element's breakage is one location.

    Example:
        >>> pointer(["run_request", "files", 2, "name"])
        '/run_request/files/*/name'
    """
    return "".join("/*" if isinstance(part, int) else "/" + str(part) for part in path) or "/"


def server_error_kind(status: int, content: bytes) -> str:
    """A 5xx's kind: the status and what the body says, with numbers and ids blanked, so that the same crash is one
    root cause and two different ones are two.

    Example:
        >>> server_error_kind(500, b'{"error": "Unexpected error: ValueError at 0x7f3a"}')
        '500 Unexpected error: ValueError at N'
    """
    text = content.decode("utf-8", "replace")
    with contextlib.suppress(ValueError, AttributeError):
        data = json.loads(text)
        if isinstance(data, Mapping):
            text = next((str(data[k]) for k in ("error", "detail", "message", "title") if k in data), text)
    text = _VOLATILE.sub("N", " ".join(text.split()))
    return f"{status} {text[:80]}".rstrip()


def no_server_error(reply: Reply, operation_id: str) -> None:
    """A request is never answered by a 5xx (filed under the one field that alone brings it back, when there is one,
    with that request as its reproduction)."""
    if reply.status >= 500:
        violation = ContractViolation(
            Area.SERVER_ERRORS,
            "no_server_error",
            f"{operation_id} answered {reply.status}: {_short(reply.content)}"
            + (f"; the field {reply.culprit} alone brings it back" if reply.culprit else ""),
            reply.culprit or operation_id,
            server_error_kind(reply.status, reply.content),
            operation_id,
        )
        if reply.culprit_exchange is not None:
            setattr(violation, CHAIN_ATTRIBUTE, (reply.culprit_exchange,))
        raise violation


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
                Area.PROXY_OPTIONS if _PROXY in path else Area.RESPONSE_SCHEMA,
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


def response_conforms(spec: Spec, operation_id: str, reply: Reply) -> Any:
    """The whole reply conforms: no 5xx, a documented status, JSON, and the body matches that status's schema.

    A 5xx or a body that is not JSON ends the check (raised); an undocumented status and each schema breakage are
    reported softly (`observations.soft`), so the caller goes on with the body.

    Returns:
        The parsed body (None when the status has no JSON schema).
    """
    no_server_error(reply, operation_id)
    with soft():
        documented_status(spec, operation_id, reply)
    if _validator(spec, operation_id, reply.status) is None:
        return None
    body = json_body(reply, operation_id)
    for violation in schema_violations(spec, operation_id, reply.status, body):
        report(violation)
    return body


def nullable_keys_present(spec: Spec, body: Mapping[str, Any], operation_id: str = "") -> None:
    """A run carries every nullable field of `WorkflowRunResponse`, as `null` when it has no value (not dropped)."""
    for name in spec.nullable_fields(_RUN_SCHEMA):
        if name not in body:
            report(
                ContractViolation(
                    Area.NULLABLE_FIELDS,
                    "nullable_keys_present",
                    f"the run leaves out nullable field {name} instead of sending null",
                    f"/{name}",
                    "missing",
                    operation_id,
                )
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
            f"valid {what} was refused with {reply.status}: {_short(reply.content)}",
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
            f"{_short(reply.content)}",
            location or operation_id,
            f"{kind}, {answered}" if kind else answered,
            operation_id,
        )


def _declared(schema: Mapping[str, Any]) -> set[str]:
    """The properties an object schema (or any object branch of it) declares."""
    branches = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return {name for branch in branches for name in branch.get("properties", {})}


def _same_echo(schema: Mapping[str, Any], path: tuple[str, ...], sent: Any, got: Any) -> bool:
    """Whether `got` echoes `sent`: equal, where inside an object a key not sent may come back null or undeclared
    (objects are open), and GeoTarget's `country` and `subdivision` compare case-insensitively."""
    if isinstance(sent, Mapping) and isinstance(got, Mapping):
        declared = _declared(schema)
        return all(key in got and _same_echo({}, (*path, key), value, got[key]) for key, value in sent.items()) and all(
            got[key] is None or key not in declared for key in got.keys() - sent.keys()
        )
    if isinstance(sent, str) and isinstance(got, str) and path[-1] in _GEO_CASE_FOLDED and path[0] == _PROXY:
        return sent.upper() == got.upper()
    if isinstance(sent, bool) or isinstance(got, bool):  # JSON's true is not 1
        return sent is got
    return bool(sent == got)  # and 100 is 1e2


def _echo_area(name: str) -> Area:
    return Area.PROXY_OPTIONS if name == _PROXY else Area.NULLABLE_FIELDS


def echoed(spec: Spec, sent: Mapping[str, Any], run_request: Any, operation_id: str = "run_workflow") -> None:
    """`run_request` echoes the request, field by field, as the spec lists them (each field judged on its own, one
    root cause per field however it was sent).

    A value sent (null included) comes back equal; an omitted field comes back absent, or as the spec's default (null
    when the spec gives none). Inside an object, a key not sent may come back null, and keys the spec does not declare
    are ignored. Inside a GeoTarget, `country` and `subdivision` compare case-insensitively (the live service
    upper-cases them).
    """
    if not isinstance(run_request, Mapping):
        raise ContractViolation(
            Area.NULLABLE_FIELDS,
            "echoed",
            f"run_request is {_short(run_request)}, not the echoed request",
            "/run_request",
            "not an object",
            operation_id,
        )
    for field in spec.fields("WorkflowRunRequest"):
        name = field.name
        got = run_request.get(name, "<absent>")
        if name in sent:
            if name in run_request and _same_echo(field.schema, (name,), sent[name], got):
                continue
            detail = f"`{name}` sent as {_short(sent[name])} is echoed in run_request as {_short(got)}"
        elif name in run_request and got not in ([field.default] if field.has_default else [None]):
            allowed = [field.default] if field.has_default else [None]
            detail = f"`{name}` left out is echoed as {_short(got)}, expected it absent or one of {_short(allowed)}"
        else:
            continue
        report(
            ContractViolation(_echo_area(name), "echoed", detail, f"/run_request/{name}", "not echoed", operation_id)
        )


@functools.cache
def _run_statuses() -> frozenset[str]:
    return frozenset(Spec.load().enum("RunStatus"))  # read once: the lifecycle checks run on every poll


def _known(status: str) -> bool:
    return status in _run_statuses()


def _rank(status: str) -> int:
    return LIFECYCLE_ORDER.index(status) if status in LIFECYCLE_ORDER else len(LIFECYCLE_ORDER)


def is_terminal(status: str) -> bool:
    """Whether a status is terminal: a `RunStatus` value after `running` (a value outside the enum is not: that is
    the status enum's finding, and the run may well go on)."""
    return _known(status) and status not in LIFECYCLE_ORDER


def moves_forward(previous: str, current: str) -> None:
    """Polling a run, its status never goes back (created -> queued -> running -> terminal); statuses outside the
    enum are not ranked."""
    if _known(previous) and _known(current) and _rank(current) < _rank(previous):
        raise ContractViolation(
            Area.LIFECYCLE,
            "moves_forward",
            f"status went back from {previous!r} to {current!r}",
            "/status",
            "went back",
            "get_run",
        )


def terminal_is_final(previous: str, current: str) -> None:
    """A terminal status never changes."""
    if is_terminal(previous) and current != previous:
        raise ContractViolation(
            Area.LIFECYCLE,
            "terminal_is_final",
            f"terminal status {previous!r} changed to {current!r}",
            "/status",
            "terminal changed",
            "get_run",
        )


def canceled_after_cancel(before: str, after: str) -> None:
    """Cancel makes a non-terminal run `canceled`, and leaves a terminal run as it was (a status outside the enum,
    before or after, is not judged here)."""
    if not (_known(before) and _known(after)):
        return
    if is_terminal(before):
        if after != before:
            raise ContractViolation(
                Area.LIFECYCLE,
                "canceled_after_cancel",
                f"cancel changed terminal status {before!r} to {after!r}",
                "/status",
                "terminal changed",
                "cancel_run",
            )
    elif after != _CANCELED:
        raise ContractViolation(
            Area.LIFECYCLE,
            "canceled_after_cancel",
            f"a run that was {before!r} is {after!r} after an accepted cancel, expected {_CANCELED!r}",
            "/status",
            "not canceled",
            "cancel_run",
        )


def retrievable(reply: Reply, run_id: str, operation: str) -> None:
    """A run the target acknowledged can be read and canceled (not a 404)."""
    if reply.status == 404:
        raise ContractViolation(
            Area.LIFECYCLE,
            "retrievable",
            f"{operation} of acknowledged run {run_id!r} answered 404",
            operation,
            "404",
            operation,
        )

"""The request flows the properties share: start, read and cancel a run, each reply checked on the way.

Every reply goes through `checks.response_conforms`; run bodies also through `checks.nullable_keys_present` and a
strict parse with the generated client's models (`skyvern_client.strict_parsing()`), so any test that touches a run
also guards the status enum, the response schema and the nullable fields.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pydantic

from contract_tests import checks, coverage, echo_checks, lifecycle_checks
from contract_tests.api import Api, Reply
from contract_tests.areas import Area, ContractViolation
from contract_tests.observations import report, soft, unverifiable
from contract_tests.spec import Spec
from skyvern_client import models, strict_parsing

__all__ = [
    "cancel",
    "invented_references",
    "learned_unverifiable",
    "names_unknown_resource",
    "note_made_up",
    "read_run",
    "retry_without_invented",
    "send_run",
    "start_run",
    "strict_parse",
    "without_unverifiable",
]

_CREATED = "created"
_REQUEST = "WorkflowRunRequest"


def strict_parse(
    body: Any, operation_id: str = "", *, only: Collection[str] | None = None
) -> models.WorkflowRunResponse | None:
    """Parse a run with the generated model, unknown enum values rejected; each problem is reported softly.

    Args:
        body: the run.
        operation_id: the operation that answered it.
        only: report only problems in these top-level fields (the others are some other check's to judge).

    Returns:
        The model, or None when it did not parse.
    """
    try:
        with strict_parsing():
            return models.WorkflowRunResponse.model_validate(body)
    except pydantic.ValidationError as error:
        for problem in error.errors():
            if only is not None and (not problem["loc"] or problem["loc"][0] not in only):
                continue
            where = checks.pointer(problem["loc"])
            area = Area.STATUS_ENUM if where == "/status" else Area.RESPONSE_SCHEMA
            report(
                ContractViolation(
                    area,
                    "strict_parse",
                    f"the generated model rejects the run at {where}: {problem['msg']}",
                    where,
                    problem["type"],
                    operation_id,
                )
            )
    return None


def _run_body(spec: Spec, body: Any, operation_id: str) -> dict[str, Any]:
    """A run as the properties use it: an object with a `run_id` (else nothing more can be judged: raised), its
    nullable keys and its strict parse judged softly. The strict parse runs only on a body the schema accepts: on
    any other the schema check has already named each problem."""
    if not isinstance(body, dict) or not isinstance(body.get("run_id"), str) or "status" not in body:
        raise ContractViolation(
            Area.RESPONSE_SCHEMA,
            "run_body",
            f"{operation_id} answered {str(body)[:200]}, not a run with a run_id and a status",
            "/",
            "not a run",
            operation_id,
        )
    valid = checks.body_is_valid(spec, operation_id, 200, body)
    with coverage.run_body(spec, body, parsed=valid):
        checks.nullable_keys_present(spec, body, operation_id)
        if valid:
            strict_parse(body, operation_id)
    return body


_learned_unverifiable: set[str] = set()
"""Request fields this process found to name resources it cannot invent on this target: left out from then on."""


def invented_references(known: Mapping[str, Any], spec: Spec, body: Mapping[str, Any]) -> list[str]:
    """The fields of a request body that name a server-side resource (`Spec.reference_fields`) with a value the
    suite made up (not one of the target's `known` values, `CONTRACT_KNOWN_VALUES`)."""
    return [name for name in _references(spec) if body.get(name) is not None and known.get(name) != body[name]]


@functools.cache
def _references(spec: Spec) -> tuple[str, ...]:
    """`Spec.reference_fields` of the request, resolved once (it is asked on every request sent)."""
    return tuple(spec.reference_fields(_REQUEST))


def names_unknown_resource(spec: Spec, status: int) -> bool:
    """Whether a status is what the spec documents for a request naming something that does not exist: a
    documented 4xx of `run_workflow` other than auth (403) and validation (422)."""
    return 400 <= status < 500 and status not in (403, 422) and status in spec.documented_statuses("run_workflow")


def learned_unverifiable() -> frozenset[str]:
    """The fields found so far (in this process) to name resources the suite cannot make up here."""
    return frozenset(_learned_unverifiable)


def note_made_up(names: Sequence[str], body: Mapping[str, Any], status: int, text: str) -> None:
    """Learn that these fields name resources the suite cannot make up here, and note them as not verifiable (with
    the setting that makes them verifiable): a valid `body` with made-up values in them was refused with `status`
    (and `text`), and accepted without them."""
    _learned_unverifiable.update(names)
    values = ", ".join(f"{name}={body[name]!r}" for name in names)
    unverifiable(
        names,
        f"a valid request with {values} (made up by the suite) answered {status}: {text[:200]}; "
        "without it, it was accepted",
        "CONTRACT_KNOWN_VALUES='{" + ", ".join(f'"{name}": "<an id that exists there>"' for name in names) + "}'",
    )


def without_unverifiable(api: Api, body: Mapping[str, Any]) -> dict[str, Any]:
    """The body without the fields this process found it cannot make up values for (see `send_run`)."""
    return {k: v for k, v in body.items() if k not in _learned_unverifiable or api.known_values.get(k) == v}


def retry_without_invented(api: Api, spec: Spec, body: Mapping[str, Any], refusal: ContractViolation) -> dict[str, Any]:
    """For a caller that cannot use `send_run` (the generated client): after a valid request was refused, the body
    to send again without its made-up ids; the refusal itself is raised when the request had none or the refusal is
    not the documented "does not exist" one. The caller's retry being accepted is what `note_made_up` needs: this
    notes them at once, the retry's outcome being judged as any call's."""
    invented = invented_references(api.known_values, spec, body)
    status = int(refusal.kind) if refusal.kind.isdigit() else 0
    if not invented or refusal.check != "client_call_succeeds" or not names_unknown_resource(spec, status):
        raise refusal
    note_made_up(invented, body, status, refusal.detail)
    return {k: v for k, v in body.items() if k not in invented}


def send_run(
    api: Api, spec: Spec, body: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], Reply]:
    """POST a schema-valid request; when the target refuses it because a made-up id names nothing there, send it
    again without the made-up ids and note the field(s) as not verifiable on this target.

    Returns:
        The body that was judged last (the retry's, when there was one) and its reply.
    """
    sent = without_unverifiable(api, body)
    reply = api.run_workflow(sent, headers=headers)
    invented = invented_references(api.known_values, spec, sent)
    if not invented or not names_unknown_resource(spec, reply.status):
        return sent, reply
    retry = {k: v for k, v in sent.items() if k not in invented}
    second = api.run_workflow(retry, headers=headers)
    if not 200 <= second.status < 300:
        return sent, reply
    text = reply.content.decode("utf-8", "replace")
    note_made_up([name for name in invented if str(sent[name]) in text] or invented, sent, reply.status, text)
    return retry, second


def start_run(
    api: Api,
    spec: Spec,
    body: Mapping[str, Any],
    *,
    area: Area = Area.REQUEST_VALIDATION,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """POST a valid request: it must be accepted, conform, echo the request and answer `created`.

    A refusal, a 5xx or a reply that is no run ends the example (raised); every other problem is reported and the
    caller goes on with the run.

    Args:
        api: the target.
        spec: the spec.
        body: a valid request body.
        area: where a refusal of this (valid) request is filed.
        headers: extra headers.

    Returns:
        The run.
    """
    sent, reply = send_run(api, spec, body, headers=headers)
    with coverage.request(spec, sent, "accepted"):
        checks.accepted(reply, area, "run_workflow request")
    run = _run_body(spec, checks.response_conforms(spec, "run_workflow", reply), "run_workflow")
    with soft(), coverage.request(spec, sent, "echoed"):
        echo_checks.echoed(spec, sent, run.get("run_request"))
    if run["status"] != _CREATED:
        report(
            ContractViolation(
                Area.LIFECYCLE,
                "created_on_post",
                f"run_workflow answered status {run['status']!r}, not {_CREATED!r}",
                "/status",
                "not created",
                "run_workflow",
            )
        )
    return run


def read_run(api: Api, spec: Spec, run_id: str) -> dict[str, Any]:
    """GET an acknowledged run: it must exist and conform."""
    reply = api.get_run(run_id)
    lifecycle_checks.retrievable(reply, run_id, "get_run")
    return _run_body(spec, checks.response_conforms(spec, "get_run", reply), "get_run")


def cancel(api: Api, spec: Spec, run_id: str) -> None:
    """Cancel an acknowledged run: it must exist and the answer conform (200 with a `null` body)."""
    reply = api.cancel_run(run_id)
    lifecycle_checks.retrievable(reply, run_id, "cancel_run")
    checks.response_conforms(spec, "cancel_run", reply)
    if reply.status != 200:
        report(
            ContractViolation(
                Area.LIFECYCLE,
                "cancelable",
                f"cancel of acknowledged run {run_id!r} answered {reply.status}",
                "cancel_run",
                str(reply.status),
                "cancel_run",
            )
        )

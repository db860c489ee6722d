"""The request flows the properties share: start, read and cancel a run, each reply checked on the way.

Every reply goes through `checks.response_conforms`; run bodies also through `checks.nullable_keys_present` and a
strict parse with the generated client's models (`skyvern_client.strict_parsing()`), so any test that touches a run
also guards the status enum, the response schema and the nullable fields; and through the lifecycle's timestamp checks
(`lifecycle_checks.timestamps_ordered`, and `created_at_unchanged` against the first answer this test saw for the
run), so it guards those too.

Every flow takes the test's record (`seen`, an `observations.Observations`) first: what it finds is reported there, and
what the test learned (the fields the target refuses the suite's values of) is read from it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar

import pydantic

from contract_tests.checks import echo as echo_checks
from contract_tests.checks import lifecycle as lifecycle_checks
from contract_tests.checks import reply as checks
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record import coverage
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport.api import Api, Reply
from skyvern_client import models, strict_parsing

__all__ = [
    "cancel",
    "chosen_by_the_suite",
    "learned_unverifiable",
    "leave_out_candidates",
    "names_unknown_resource",
    "note_refused",
    "read_run",
    "retry_without_chosen",
    "send_run",
    "start_run",
    "strict_parse",
    "without_unverifiable",
]

_T = TypeVar("_T")
_CREATED = "created"
_REQUEST = "WorkflowRunRequest"


def strict_parse(
    seen: Observations, body: Any, operation_id: str = "", *, only: Collection[str] | None = None
) -> models.WorkflowRunResponse | None:
    """Parse a run with the generated model, unknown enum values rejected; each problem is reported softly.

    Args:
        seen: the test's record.
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
            seen.report(
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


def _run_body(seen: Observations, spec: Spec, body: Any, operation_id: str) -> dict[str, Any]:
    """A run as the properties use it: an object with a `run_id` (else nothing more can be judged: raised), its
    nullable keys, its strict parse and its timestamps judged softly. The strict parse runs only on a body the schema
    accepts: on any other the schema check has already named each problem."""
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
    with coverage.run_body(seen, spec, body, parsed=valid):
        checks.nullable_keys_present(seen, spec, body, operation_id)
        if valid:
            strict_parse(seen, body, operation_id)
    _judge_times(seen, body, operation_id)
    return body


def _judge_times(seen: Observations, run: dict[str, Any], operation_id: str) -> None:
    """A run's timestamps on this answer: in their order, and `created_at` as first seen (each reported softly)."""
    lifecycle_checks.timestamps_ordered(seen, run, operation_id)
    if lifecycle_checks.instant(run.get("created_at")) is None:
        return  # none, or not a timestamp: the response schema's finding
    first = seen.created_at.setdefault(run["run_id"], run["created_at"])
    with seen.soft():
        lifecycle_checks.created_at_unchanged(first, run.get("created_at"), operation_id)


def chosen_by_the_suite(api: Api, spec: Spec, body: Mapping[str, Any]) -> list[str]:
    """The fields of a request body whose values the suite chose for its own sake, not the spec: an id it made up
    (a `Spec.reference_fields` value other than the target's `CONTRACT_KNOWN_VALUES` one) and the address of its
    loopback sink (every URL field's value). A target may rightly refuse either: a made-up id names nothing there,
    and many servers refuse loopback hosts in URLs."""
    references = [
        name for name in _references(spec) if body.get(name) is not None and api.known_values.get(name) != body[name]
    ]
    sinks = [name for name in _url_fields(spec) if isinstance(body.get(name), str) and api.is_sink_url(body[name])]
    return references + sinks


@functools.cache
def _references(spec: Spec) -> tuple[str, ...]:
    """`Spec.reference_fields` of the request, resolved once (it is asked on every request sent)."""
    return tuple(spec.reference_fields(_REQUEST))


@functools.cache
def _url_fields(spec: Spec) -> tuple[str, ...]:
    """`Spec.url_fields` of the request, resolved once."""
    return tuple(spec.url_fields(_REQUEST))


def names_unknown_resource(spec: Spec, status: int) -> bool:
    """Whether a status is what the spec documents for a well-formed request the target cannot run (a resource it
    names does not exist, a URL it will not call): a documented 4xx of `run_workflow` other than auth (403) and
    validation (422)."""
    return 400 <= status < 500 and status not in (403, 422) and status in spec.documented_statuses("run_workflow")


def leave_out_candidates(
    api: Api, spec: Spec, body: Mapping[str, Any], status: int, text: str
) -> list[tuple[str, ...]]:
    """After `status` (and `text`) answered a schema-valid `body`: the sets of suite-chosen fields to leave out, in the
    order to try, to learn whether the refusal was of the suite's own values (worked out from the request and the
    reply, not from a list of messages): those whose value the reply quotes, the sink addresses, the made-up ids,
    all of them. Empty when the refusal is not the documented "cannot be run" one or the body has none."""
    chosen = chosen_by_the_suite(api, spec, body)
    if not chosen or not names_unknown_resource(spec, status):
        return []
    quoted = tuple(name for name in chosen if str(body[name]) in text)
    sinks = tuple(name for name in chosen if name in _url_fields(spec))
    made_up = tuple(name for name in chosen if name not in sinks)
    candidates: list[tuple[str, ...]] = []
    for candidate in (quoted, sinks, made_up, tuple(chosen)):
        if candidate and candidate not in candidates:
            candidates.append(candidate)
    return candidates


def learned_unverifiable(seen: Observations) -> frozenset[str]:
    """The fields the test found to carry values the target refuses (left out of its later requests; learned per
    test, so that what a test sends does not depend on which tests ran before it in this process)."""
    return frozenset(name for item in seen.unverifiable for name in item.fields)


def note_refused(
    seen: Observations, api: Api, spec: Spec, names: Sequence[str], body: Mapping[str, Any], status: int, text: str
) -> None:
    """Note that the target refuses the suite's own values in these fields (a valid `body` with them answered
    `status` and `text`, and was accepted without them): not verifiable on this target, with the setting that would
    make them verifiable."""
    sinks = [name for name in names if name in _url_fields(spec)]
    made_up = [name for name in names if name not in sinks]
    values = ", ".join(f"{name}={body[name]!r}" for name in names)
    settings = []
    if made_up:
        settings.append(
            "CONTRACT_KNOWN_VALUES='{" + ", ".join(f'"{name}": "<an id that exists there>"' for name in made_up) + "}'"
        )
    if sinks:
        settings.append("CONTRACT_SINK_URL=<an address of the suite's sink that the target accepts, with its port>")
    seen.note_unverifiable(
        names,
        f"a valid request with {values} (chosen by the suite: "
        + ("made-up ids" if not sinks else "its loopback sink" if not made_up else "made-up ids, its loopback sink")
        + f") answered {status}: {text[:200]}; without them, it was accepted",
        " and ".join(settings),
    )


def without_unverifiable(seen: Observations, api: Api, body: Mapping[str, Any]) -> dict[str, Any]:
    """The body without the fields the test found the target refuses the suite's values of (see `send_run`)."""
    learned = learned_unverifiable(seen)
    return {k: v for k, v in body.items() if k not in learned or api.known_values.get(k) == v}


def retry_without_chosen(
    seen: Observations,
    api: Api,
    spec: Spec,
    body: Mapping[str, Any],
    status: int,
    text: str,
    attempt: Callable[[dict[str, Any], tuple[str, ...]], _T | None],
) -> tuple[dict[str, Any], _T] | None:
    """After `status` (and `text`) refused a schema-valid `body`: send it again without the suite's own values, in
    the order `leave_out_candidates` gives, through `attempt` (the retry body and the fields left out; None when
    refused again). The first accepted retry shows which fields the target refuses: they are noted as not
    verifiable on this target (`note_refused`).

    Returns:
        The accepted retry's body and what `attempt` answered, or None when no retry was accepted.
    """
    for names in leave_out_candidates(api, spec, body, status, text):
        retry = {k: v for k, v in body.items() if k not in names}
        answer = attempt(retry, names)
        if answer is not None:
            note_refused(seen, api, spec, names, body, status, text)
            return retry, answer
    return None


def send_run(
    seen: Observations, api: Api, spec: Spec, body: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], Reply]:
    """POST a schema-valid request; when the target refuses it with the documented "cannot be run" 4xx and the body
    carries values the suite chose for itself, send it again without them (`leave_out_candidates`, in turn): the
    first retry accepted shows which, and those fields are noted as not verifiable on this target.

    Returns:
        The body that was judged last (the accepted retry's, when there was one) and its reply.
    """
    sent = without_unverifiable(seen, api, body)
    reply = api.run_workflow(sent, headers=headers)

    def accepted(retry: dict[str, Any], names: tuple[str, ...]) -> Reply | None:
        second = api.run_workflow(retry, headers=headers)
        return second if 200 <= second.status < 300 else None

    text = reply.content.decode("utf-8", "replace")
    found = retry_without_chosen(seen, api, spec, sent, reply.status, text, accepted)
    return found if found is not None else (sent, reply)


def start_run(
    seen: Observations,
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
        seen: the test's record.
        api: the target.
        spec: the spec.
        body: a valid request body.
        area: where a refusal of this (valid) request is filed.
        headers: extra headers.

    Returns:
        The run.
    """
    sent, reply = send_run(seen, api, spec, body, headers=headers)
    with coverage.request(seen, spec, sent, "accepted"):
        checks.accepted(reply, area, "run_workflow request")
    run = _run_body(seen, spec, checks.response_conforms(seen, spec, "run_workflow", reply), "run_workflow")
    with seen.soft(), coverage.request(seen, spec, sent, "echoed"):
        echo_checks.echoed(seen, spec, sent, run.get("run_request"))
    if run["status"] != _CREATED:
        seen.report(
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


def read_run(seen: Observations, api: Api, spec: Spec, run_id: str) -> dict[str, Any]:
    """GET an acknowledged run: it must exist and conform."""
    reply = api.get_run(run_id)
    lifecycle_checks.retrievable(reply, run_id, "get_run")
    return _run_body(seen, spec, checks.response_conforms(seen, spec, "get_run", reply), "get_run")


def cancel(seen: Observations, api: Api, spec: Spec, run_id: str) -> None:
    """Cancel an acknowledged run: it must exist and the answer conform (200 with a `null` body)."""
    reply = api.cancel_run(run_id)
    lifecycle_checks.retrievable(reply, run_id, "cancel_run")
    checks.response_conforms(seen, spec, "cancel_run", reply)
    if reply.status != 200:
        seen.report(
            ContractViolation(
                Area.LIFECYCLE,
                "cancelable",
                f"cancel of acknowledged run {run_id!r} answered {reply.status}",
                "cancel_run",
                str(reply.status),
                "cancel_run",
            )
        )

"""Schemathesis over every operation (positive and negative, examples + coverage + fuzzing) and the stateful run
along the spec's links, with the built-in checks the contract needs plus this suite's own response checks.

Generated cases are made safe and meaningful for the target by `prepare` (run by the `map_case` hook and again just
before sending, with `ensure_safe` as the last guard): URL-typed fields only ever point at the loopback sink; in
positive mode the body names the target's workflow with parameters it accepts (a random workflow id would only ever
be a 404), and a header that the schema allows to be null is left out (a header cannot carry null).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.config import HealthCheck as SchemathesisHealthCheck
from schemathesis.core.failures import FailureGroup

from contract_tests.checks import classify
from contract_tests.checks import lifecycle as lifecycle_checks
from contract_tests.checks import reply as checks
from contract_tests.config import current
from contract_tests.engine import flows
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record import coverage, observations
from contract_tests.record.repro import Exchange, now
from contract_tests.spec import DEFAULT_SPEC, Spec
from contract_tests.transport.api import Api, Reply, routable_segment

CONTEXT = current()
SPEC = Spec.load()
KEY_HEADER = SPEC.api_key_header()
URL_FIELDS = SPEC.url_fields("WorkflowRunRequest")
RUN_OPERATION = "run_workflow"
KNOWN = dict(CONTEXT.known_values)
AUTH = {KEY_HEADER: CONTEXT.api_key}  # passed explicitly, so that `ignored_auth` knows the key is the real one
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "ignored_auth",
    "missing_required_header",
    "use_after_free",
    "ensure_resource_availability",
]

ISOLATOR = Api(
    CONTEXT.base_url,
    api_key=CONTEXT.api_key,
    key_header=KEY_HEADER,
    paths={operation_id: SPEC.operation(operation_id)[0] for operation_id in SPEC.operation_ids()},
    recorder=CONTEXT.recorder,
    timeout=CONTEXT.profile.request_timeout,
    minimal_body={"workflow_id": CONTEXT.workflow_id},
    sink_url=CONTEXT.sink_url,
    known_values=KNOWN,
    admit_run=CONTEXT.admit_run,
)
"""Narrows a 5xx of a Schemathesis case down to the one field that causes it (`Api.isolate`)."""

schema = schemathesis.openapi.from_path(DEFAULT_SPEC)
schema.config.update(
    base_url=CONTEXT.base_url,
    headers={KEY_HEADER: CONTEXT.api_key},
    request_timeout=CONTEXT.profile.request_timeout,
    suppress_health_check=[SchemathesisHealthCheck.all],
)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=CONTEXT.profile.operation_examples,
    deterministic=CONTEXT.profile.derandomize,
    database="none",
    # The key is ours to send: a generated one would be overridden by ours and then misread as "auth ignored".
    with_security_parameters=False,
)
schema.config.checks.update(included_check_names=CHECKS)
schema.config.output.sanitization.update(enabled=False)


@schema.hook
def map_case(ctx: Any, case: Any) -> Any:
    """`prepare` every generated case (the explicit-examples phase bypasses hooks: `prepare` runs again before
    sending)."""
    return prepare(case)


def prepare(case: Any) -> Any:
    """Keep URL fields on the sink; give positive cases the target's workflow; drop null headers; make every path
    parameter a segment that reaches its operation (`api.routable_segment`: Schemathesis encodes `..` as `%2E%2E`,
    which its `requests` transport decodes back, so that the request would go to another path)."""
    if case.path_parameters:
        for name, value in case.path_parameters.items():
            if isinstance(value, str):
                case.path_parameters[name] = routable_segment(value)
    body = case.body
    if isinstance(body, dict):
        for name in URL_FIELDS:
            if isinstance(body.get(name), str):
                body[name] = f"{CONTEXT.sink_url}/schemathesis"
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if case.headers and positive:
        for name in [n for n, v in case.headers.items() if v in (None, "null") and n.lower() != KEY_HEADER]:
            del case.headers[name]
    if positive and case.operation.definition.raw.get("operationId") == RUN_OPERATION and isinstance(body, dict):
        body["workflow_id"] = CONTEXT.workflow_id
        for name in CONTEXT.null_only_fields & body.keys():
            body[name] = None
        for name in flows.learned_unverifiable() & body.keys():
            del body[name]
        for name in KNOWN.keys() & body.keys():
            if body[name] is not None:
                body[name] = KNOWN[name]
        if body.get("parameters") is not None:
            body["parameters"] = dict(CONTEXT.workflow_parameters)
        if case.query:
            case.query.pop("template", None)
    return case


def ensure_safe(case: Any) -> None:
    """Refuse to send a case whose URL-typed field points anywhere but the sink (a guard behind `map_case`)."""
    body = case.body if isinstance(case.body, dict) else {}
    for name in URL_FIELDS:
        value = body.get(name)
        if isinstance(value, str) and not value.startswith(CONTEXT.sink_url + "/"):
            raise RuntimeError(f"refusing to send {name}={value!r}: URL fields may only point at the sink")


def _exchange(response: Any) -> Exchange:
    request = response.request
    body = request.body.encode() if isinstance(request.body, str) else request.body
    return Exchange(
        request.method or "GET",
        request.url or "",
        dict(request.headers),
        body,
        response.status_code,
        response.content,
        now() - response.elapsed,
    )


def _own_checks(case: Any, reply: Reply) -> None:
    """This suite's response checks, on every Schemathesis response (not on probes with another HTTP method)."""
    if case.method.upper() != case.operation.method.upper():
        return
    operation_id = case.operation.definition.raw.get("operationId", "")
    with observations.soft():
        body = checks.response_conforms(SPEC, operation_id, reply)
        if reply.status == 200 and isinstance(body, dict) and operation_id != "cancel_run":
            with coverage.run_body(SPEC, body, parsed=False):
                checks.nullable_keys_present(SPEC, body, operation_id)


def _reply(response: Any) -> Reply:
    headers = {name: ", ".join(values) for name, values in response.headers.items()}
    return Reply(response.status_code, headers, response.content)


def report_failures(case: Any, response: Any, failures: list[BaseException]) -> None:
    """File every Schemathesis failure as a violation with the chain so far, then run this suite's own checks; a
    failure does not stop the test (see `contract_tests.record.observations`)."""
    reply = _reply(response)
    body = case.body if isinstance(case.body, dict) else None
    operation_id = case.operation.definition.raw.get("operationId", "")
    if reply.status >= 500 and operation_id == RUN_OPERATION and body is not None:
        sent = response.request
        request = httpx2.Request(sent.method or "POST", sent.url or "", headers=dict(sent.headers), content=sent.body)
        reply = ISOLATOR.isolate(request, reply)
    for failure in failures:
        if isinstance(failure, ContractViolation):
            observations.report(failure)
            continue
        violation = classify.violation_of_failure(
            SPEC,
            failure,
            operation_id=operation_id,
            body=body,
            status=reply.status,
            content=reply.content,
            media=reply.content_type,
        )
        if violation.area == Area.AUTH:
            violation.strip_headers = (KEY_HEADER,)
        if violation.check == "no_server_error" and reply.culprit:  # named as `checks.no_server_error` names it
            violation = _server_error(reply, operation_id)
        observations.report(violation)
    _own_checks(case, reply)


def _server_error(reply: Reply, operation_id: str) -> ContractViolation:
    try:
        checks.no_server_error(reply, operation_id)
    except ContractViolation as violation:
        return violation
    raise AssertionError("not a server error")  # pragma: no cover - only called on a 5xx


def builtin_failures(validate: Any) -> list[BaseException]:
    """Run Schemathesis's checks (`validate()`), returning their failures instead of raising them."""
    try:
        validate()
    except FailureGroup as group:
        return list(group.exceptions)
    except AssertionError as failure:
        return [failure]
    return []


def send(case: Any, call: Callable[[], Any] | None = None) -> Any:
    """Send a prepared case (with `call`, the stateful run's own way; default `case.call`) and record each exchange.
    A positive `run_workflow` case that carries values the suite chose for itself (made-up ids, its sink's address)
    and gets the documented "cannot be run" 4xx is sent again without them (see `flows.send_run`)."""

    def once() -> Any:
        _admit(case)
        response = call() if call is not None else case.call(headers=AUTH)
        CONTEXT.recorder.add(_exchange(response))
        return response

    response = once()
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    body = case.body if positive and isinstance(case.body, dict) else {}
    text = response.content.decode("utf-8", "replace")
    sent = dict(body)

    def accepted(retry: dict[str, Any], names: tuple[str, ...]) -> Any:
        case.body = retry
        answer = once()
        return answer if 200 <= answer.status_code < 300 else None

    found = flows.retry_without_chosen(ISOLATOR, SPEC, sent, response.status_code, text, accepted)
    if found is not None:
        return found[1]
    if sent and case.body != sent:
        case.body = sent  # no retry was accepted: the first answer is the one judged
    return response


def _admit(case: Any) -> None:
    """A `run_workflow` request may start a run: within the test's share of the run cap only."""
    if case.operation.definition.raw.get("operationId") == RUN_OPERATION and case.method.upper() == "POST":
        CONTEXT.admit_run()


def _count_example() -> None:
    seen = observations.active()
    if seen is not None:
        seen.examples += 1


@pytest.mark.cost(requests=1, runs=1, examples="operation")
@pytest.mark.area(Area.SCHEMATHESIS)
@schema.parametrize()
def test_operation(case: Any) -> None:
    """Every operation: examples, coverage and fuzzing, positive and negative."""
    observations.pace()
    CONTEXT.recorder.reset()
    CONTEXT.check_budget()
    ensure_safe(prepare(case))
    response = send(case)
    report_failures(case, response, builtin_failures(lambda: case.validate_response(response, headers=AUTH)))
    _count_example()


class RunLifecycleMachine(schema.as_state_machine()):  # type: ignore[misc]
    """The stateful run: run_workflow, then get_run / cancel_run on the run it created (the spec's links)."""

    def setup(self) -> None:
        observations.pace()
        CONTEXT.recorder.reset()
        self.created: set[str] = set()
        _count_example()

    def call(self, case: Any, **kwargs: Any) -> Any:
        CONTEXT.check_budget()
        ensure_safe(prepare(case))
        return send(case, lambda: super(RunLifecycleMachine, self).call(case, **kwargs))

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": AUTH}

    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        def validate() -> None:
            case.validate_response(response, headers=AUTH, transport_kwargs=kwargs or None, recorder=self.recorder)

        report_failures(case, response, [*builtin_failures(validate), *self._lifecycle(case, response)])

    def _lifecycle(self, case: Any, response: Any) -> list[BaseException]:
        """Remember the runs this scenario created; a linked read or cancel of one of them must not be a 404."""
        operation_id = case.operation.definition.raw.get("operationId")
        if operation_id == RUN_OPERATION and 200 <= response.status_code < 300:
            with contextlib.suppress(ValueError, AttributeError):
                self.created.add(str(json.loads(response.content)["run_id"]))
            return []
        run_id = (case.path_parameters or {}).get("run_id")
        if run_id in self.created and case.method.upper() == case.operation.method.upper():
            try:
                lifecycle_checks.retrievable(Reply(response.status_code, {}, response.content), run_id, operation_id)
            except ContractViolation as violation:
                return [violation]
        return []


TestStateful = RunLifecycleMachine.TestCase
TestStateful.settings = settings(
    max_examples=CONTEXT.profile.stateful_examples,
    stateful_step_count=CONTEXT.profile.stateful_steps,
    derandomize=CONTEXT.profile.derandomize,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
TestStateful.pytestmark = [pytest.mark.cost(requests=1, runs=1, examples="stateful"), pytest.mark.area(Area.STATEFUL)]

"""Schemathesis over every operation (positive and negative, examples + coverage + fuzzing) and the stateful run
along the spec's links, with the built-in checks the contract needs plus this suite's own response checks.

Generated cases are made safe and meaningful for the target by `prepare` (run by the `map_case` hook and again just
before sending, with `ensure_safe` as the last guard): URL-typed fields only ever point at the loopback sink; in
positive mode the body names the target's workflow with parameters it accepts (a random workflow id would only ever
be a 404), and a header that the schema allows to be null is left out (a header cannot carry null).

Nothing of the run is read at import. Schemathesis builds one test per operation, and its coverage cases, from the
schema's configuration as the module is collected: the suite's conftest calls `configure_run(context)` then, which
points the schema at the run's target and profile, registers the `map_case` hook and makes the state machine. Each
test gets the run's context and its own record through a `Runner` (the `runner` fixture); the stateful test hands it
to each of its machines.
"""

from __future__ import annotations

import contextlib
import functools
import json
import unittest
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.config import HealthCheck as SchemathesisHealthCheck
from schemathesis.core.failures import FailureGroup, as_reported_failure
from schemathesis.generation.stateful import run_state_machine_as_test

from contract_tests.checks import classify
from contract_tests.checks import lifecycle as lifecycle_checks
from contract_tests.checks import reply as checks
from contract_tests.config import Context
from contract_tests.engine import flows
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record import coverage
from contract_tests.record.observations import Observations
from contract_tests.record.repro import Exchange, now
from contract_tests.spec import DEFAULT_SPEC, Spec
from contract_tests.transport.api import Api, Reply
from contract_tests.transport.paths import routable_segment

SPEC = Spec.load()
KEY_HEADER = SPEC.api_key_header()
URL_FIELDS = SPEC.url_fields("WorkflowRunRequest")
RUN_OPERATION = "run_workflow"
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

schema = schemathesis.openapi.from_path(DEFAULT_SPEC)
schema.config.update(suppress_health_check=[SchemathesisHealthCheck.all])
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    database="none",
    # The key is ours to send: a generated one would be overridden by ours and then misread as "auth ignored".
    with_security_parameters=False,
)
schema.config.checks.update(included_check_names=CHECKS)
schema.config.output.sanitization.update(enabled=False)


def configure_run(context: Context) -> None:
    """Point the schema at the run's target and profile, and `prepare` every case it generates for this target (the
    `map_case` hook): called by the suite's conftest as this module is collected, before its tests are built."""
    schema.config.update(
        base_url=context.base_url,
        headers={KEY_HEADER: context.api_key},
        request_timeout=context.profile.request_timeout,
    )
    schema.config.generation.update(
        max_examples=context.profile.operation_examples, deterministic=context.profile.derandomize
    )

    def map_case(ctx: Any, case: Any) -> Any:
        """`prepare` every generated case (the explicit-examples phase bypasses hooks: `prepare` runs again before
        sending, with what the test has learned)."""
        return prepare(case, context)

    schema.hook(map_case)
    machine = schema.as_state_machine()  # after the configuration, as the tests above are built: it may add links
    TestStateful.machine = type("RunLifecycleMachine", (RunLifecycle, machine), {})


def prepare(case: Any, context: Context, learned: frozenset[str] = frozenset()) -> Any:
    """Keep URL fields on the sink; give positive cases the target's workflow (without the `learned` fields, those
    the running test found the target refuses the suite's values of); drop null headers; make every path parameter a
    segment that reaches its operation (`paths.routable_segment`: Schemathesis encodes `..` as `%2E%2E`, which its
    `requests` transport decodes back, so that the request would go to another path)."""
    if case.path_parameters:
        for name, value in case.path_parameters.items():
            if isinstance(value, str):
                case.path_parameters[name] = routable_segment(value)
    body = case.body
    if isinstance(body, dict):
        for name in URL_FIELDS:
            if isinstance(body.get(name), str):
                body[name] = f"{context.sink_url}/schemathesis"
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if case.headers and positive:
        for name in [n for n, v in case.headers.items() if v in (None, "null") and n.lower() != KEY_HEADER]:
            del case.headers[name]
    if positive and case.operation.definition.raw.get("operationId") == RUN_OPERATION and isinstance(body, dict):
        body["workflow_id"] = context.workflow_id
        for name in context.null_only_fields & body.keys():
            body[name] = None
        for name in learned & body.keys():
            del body[name]
        for name in context.known_values.keys() & body.keys():
            if body[name] is not None:
                body[name] = context.known_values[name]
        if body.get("parameters") is not None:
            body["parameters"] = dict(context.workflow_parameters)
        if case.query:
            case.query.pop("template", None)
    return case


def ensure_safe(case: Any, sink_url: str) -> None:
    """Refuse to send a case whose URL-typed field points anywhere but the sink (a guard behind `map_case`)."""
    body = case.body if isinstance(case.body, dict) else {}
    for name in URL_FIELDS:
        value = body.get(name)
        if isinstance(value, str) and not value.startswith(sink_url + "/"):
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


def _reply(response: Any) -> Reply:
    headers = {name: ", ".join(values) for name, values in response.headers.items()}
    return Reply(response.status_code, headers, response.content)


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


@dataclass(frozen=True)
class Runner:
    """One test's way with Schemathesis cases: the run's `context`, the test's record (`seen`) and the `isolator`
    that narrows a 5xx of a case down to the one field that causes it (`Api.isolate`, bound to the record)."""

    context: Context
    seen: Observations
    isolator: Api

    @property
    def auth(self) -> dict[str, str]:
        """The key, passed explicitly, so that `ignored_auth` knows it is the real one."""
        return {KEY_HEADER: self.context.api_key}

    def start_example(self) -> None:
        """Pace the test (`Observations.pace`) and start a new chain of exchanges."""
        self.seen.pace()
        self.context.recorder.reset()

    def ready(self, case: Any) -> None:
        """Before sending: the budget checked, the case prepared with what the test has learned, and guarded."""
        self.context.check_budget(self.seen)
        ensure_safe(prepare(case, self.context, flows.learned_unverifiable(self.seen)), self.context.sink_url)

    def send(self, case: Any, call: Callable[[], Any] | None = None) -> Any:
        """Send a prepared case (with `call`, the stateful run's own way; default `case.call`) and record each
        exchange. A positive `run_workflow` case that carries values the suite chose for itself (made-up ids, its
        sink's address) and gets the documented "cannot be run" 4xx is sent again without them (see `flows.send_run`).
        """

        def once() -> Any:
            self._admit(case)
            response = call() if call is not None else case.call(headers=self.auth)
            self.context.recorder.add(_exchange(response))
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

        found = flows.retry_without_chosen(self.seen, self.isolator, SPEC, sent, response.status_code, text, accepted)
        if found is not None:
            return found[1]
        if sent and case.body != sent:
            case.body = sent  # no retry was accepted: the first answer is the one judged
        return response

    def _admit(self, case: Any) -> None:
        """A `run_workflow` request may start a run: within the test's share of the run cap only."""
        if case.operation.definition.raw.get("operationId") == RUN_OPERATION and case.method.upper() == "POST":
            self.context.admit_run(self.seen)

    def report_failures(self, case: Any, response: Any, failures: list[BaseException]) -> None:
        """File every Schemathesis failure as a violation with the chain so far, then run this suite's own checks; a
        failure does not stop the test (see `contract_tests.record.observations`)."""
        reply = _reply(response)
        body = case.body if isinstance(case.body, dict) else None
        operation_id = case.operation.definition.raw.get("operationId", "")
        if reply.status >= 500 and operation_id == RUN_OPERATION and body is not None:
            sent = response.request
            headers = dict(sent.headers)
            request = httpx2.Request(sent.method or "POST", sent.url or "", headers=headers, content=sent.body)
            reply = self.isolator.isolate(request, reply)
        for failure in failures:
            if isinstance(failure, ContractViolation):
                self.seen.report(failure)
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
            self.seen.report(violation)
        self._own_checks(case, reply)

    def _own_checks(self, case: Any, reply: Reply) -> None:
        """This suite's response checks, on every Schemathesis response (not on probes with another HTTP method)."""
        if case.method.upper() != case.operation.method.upper():
            return
        operation_id = case.operation.definition.raw.get("operationId", "")
        with self.seen.soft():
            body = checks.response_conforms(self.seen, SPEC, operation_id, reply)
            if reply.status == 200 and isinstance(body, dict) and operation_id != "cancel_run":
                with coverage.run_body(self.seen, SPEC, body, parsed=False):
                    checks.nullable_keys_present(self.seen, SPEC, body, operation_id)


@pytest.fixture
def runner(context: Context, seen: Observations, api: Api) -> Runner:
    """This test's `Runner` (its `Api` narrows a 5xx of a case down to its trigger)."""
    return Runner(context, seen, api)


@pytest.mark.cost(requests=1, runs=1, examples="operation")
@pytest.mark.area(Area.SCHEMATHESIS)
@schema.parametrize()
def test_operation(case: Any, runner: Runner) -> None:
    """Every operation: examples, coverage and fuzzing, positive and negative."""
    runner.start_example()
    runner.ready(case)
    response = runner.send(case)
    runner.report_failures(
        case, response, builtin_failures(lambda: case.validate_response(response, headers=runner.auth))
    )
    runner.seen.examples += 1


class RunLifecycle:
    """The stateful run's own steps: run_workflow, then get_run / cancel_run on the run it created (the spec's
    links). Mixed into the schema's state machine once the schema is configured (`configure_run`); each machine
    serves one test (`runner`)."""

    recorder: Any

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        super().__init__()

    def setup(self) -> None:
        self.runner.start_example()
        self.created: set[str] = set()
        self.runner.seen.examples += 1

    def call(self, case: Any, **kwargs: Any) -> Any:
        self.runner.ready(case)
        return self.runner.send(case, lambda: super(RunLifecycle, self).call(case, **kwargs))  # type: ignore[misc]

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": self.runner.auth}

    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        def validate() -> None:
            case.validate_response(
                response, headers=self.runner.auth, transport_kwargs=kwargs or None, recorder=self.recorder
            )

        self.runner.report_failures(case, response, [*builtin_failures(validate), *self._lifecycle(case, response)])

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


@pytest.mark.cost(requests=1, runs=1, examples="stateful")
@pytest.mark.area(Area.STATEFUL)
class TestStateful(unittest.TestCase):
    """The stateful run as a test: its machines serve this test (`runner`), with the run's profile."""

    machine: ClassVar[type[RunLifecycle]]
    """The schema's state machine with `RunLifecycle`'s steps (made by `configure_run`)."""

    @pytest.fixture(autouse=True)
    def _serve(self, runner: Runner) -> None:
        self.runner = runner

    def runTest(self) -> None:
        profile = self.runner.context.profile
        stateful = settings(
            max_examples=profile.stateful_examples,
            stateful_step_count=profile.stateful_steps,
            derandomize=profile.derandomize,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        machines: Any = functools.partial(self.machine, self.runner)
        try:
            run_state_machine_as_test(machines, settings=stateful)
        except FailureGroup as error:
            raise as_reported_failure(error) from None

    runTest.is_hypothesis_test = True  # type: ignore[attr-defined]

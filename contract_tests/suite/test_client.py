"""Client against target: the generated client, fed Hypothesis-generated requests, gets typed responses whose
`run_request` matches what it sent; the run it started reads back typed and cancels (`None`)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from hypothesis import given

import skyvern_client
from contract_tests.checks import echo as echo_checks
from contract_tests.checks import reply as checks
from contract_tests.config import Context, Example
from contract_tests.engine import flows
from contract_tests.engine.client import recording_client, violation_of
from contract_tests.generate.strategies import Requests
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport.api import Api, Reply

pytestmark = pytest.mark.area(Area.RESPONSE_SCHEMA)


@pytest.fixture
def client(context: Context, seen: Observations) -> Iterator[skyvern_client.SkyvernClient]:
    """The strict, recording client, for this test."""
    with recording_client(context, seen) as instance:
        yield instance


def _call(seen: Observations, api: Api, spec: Spec, operation_id: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the client; a client error becomes the violation it shows. When the client cannot parse a reply the
    schema also rejects, the schema's findings stand for it, and a 5xx is judged as `checks.no_server_error` judges
    any (narrowed down to its trigger): one root cause, whoever saw it."""
    try:
        return function(*args, **kwargs)
    except skyvern_client.APIError as error:
        violation = violation_of(error, operation_id)
        if violation is None:
            raise
        chain = api.recorder.chain()
        if isinstance(error, skyvern_client.APIStatusError) and error.status_code >= 500 and chain:
            last = chain[-1]
            request = httpx2.Request(last.method, last.url, headers=dict(last.headers), content=last.body or b"")
            reply = Reply(error.status_code, {}, last.response_body)
            if operation_id == "run_workflow":
                reply = api.isolate(request, reply)
            checks.no_server_error(reply, operation_id)
        if isinstance(error, skyvern_client.APIResponseValidationError) and chain:
            last = chain[-1]
            with contextlib.suppress(ValueError):
                found = checks.schema_violations(spec, operation_id, last.status or 0, json.loads(last.response_body))
                for earlier in found[1:]:
                    seen.report(earlier)
                if found:
                    raise found[0] from None
        raise violation from None


def _start(
    seen: Observations, client: skyvern_client.SkyvernClient, api: Api, spec: Spec, body: dict[str, Any]
) -> tuple[dict[str, Any], Any]:
    """`run_workflow` through the client, as `flows.send_run` sends it: a documented "cannot be run" refusal of a
    body that carries values the suite chose for itself (made-up ids, its sink's address) is tried again without
    them, and the fields are noted as not verifiable when a retry is accepted."""
    try:
        return body, _call(seen, api, spec, "run_workflow", client.run_workflow, **body)
    except ContractViolation as refusal:
        status, detail = _refused_with(refusal), refusal.detail

        def accepted(retry: dict[str, Any], names: tuple[str, ...]) -> Any:
            try:
                return _call(seen, api, spec, "run_workflow", client.run_workflow, **retry)
            except ContractViolation as again:
                if _refused_with(again):
                    return None  # refused again: not (only) those fields
                flows.note_refused(seen, api, spec, names, body, status, detail)
                raise  # accepted, with another problem: the retry's own finding

        found = flows.retry_without_chosen(seen, api, spec, body, status, detail, accepted)
        if found is None:
            raise
        return found


def _refused_with(violation: ContractViolation) -> int:
    """The 4xx status a call was refused with (0: it was not refused, or failed otherwise)."""
    refused = violation.check == "client_call_succeeds" and violation.kind.isdigit() and int(violation.kind) < 500
    return int(violation.kind) if refused else 0


@pytest.mark.cost(requests=3, runs=1, examples="property")
def test_client_round_trip(
    client: skyvern_client.SkyvernClient,
    api: Api,
    context: Context,
    spec: Spec,
    bodies: Requests,
    seen: Observations,
    example: Example,
) -> None:
    """run_workflow -> typed run echoing the request; get_run -> typed run; cancel_run -> None."""

    @given(bodies.bodies())
    def prop(body: dict[str, Any]) -> None:
        with example():
            body, run = _start(seen, client, api, spec, flows.without_unverifiable(seen, api, body))
            sent_back = run.model_dump(mode="json", exclude_unset=True).get("run_request")
            echo_checks.echoed(seen, spec, body, sent_back)
            again = _call(seen, api, spec, "get_run", client.get_run, run.run_id)
            if again.run_id != run.run_id:
                raise ContractViolation(
                    Area.LIFECYCLE,
                    "retrievable",
                    f"get_run({run.run_id!r}) answered run {again.run_id!r}",
                    "/run_id",
                    "another run",
                    "get_run",
                )
            result = _call(seen, api, spec, "cancel_run", client.cancel_run, run.run_id)
            if result is not None:
                raise ContractViolation(
                    Area.RESPONSE_SCHEMA,
                    "cancel_returns_none",
                    f"cancel_run gave {result!r}",
                    "/",
                    "not None",
                    "cancel_run",
                )

    prop()

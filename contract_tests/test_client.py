"""Client against target: the generated client, fed Hypothesis-generated requests, gets typed responses whose
`run_request` matches what it sent; the run it started reads back typed and cancels (`None`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given

import skyvern_client
from contract_tests import checks
from contract_tests.areas import Area, ContractViolation
from contract_tests.client import recording_client, violation_of
from contract_tests.context import Context, Example
from contract_tests.spec import Spec
from contract_tests.strategies import Requests


@pytest.fixture(scope="module")
def client(context: Context) -> Iterator[skyvern_client.SkyvernClient]:
    """The strict, recording client."""
    with recording_client(context) as instance:
        yield instance


def _call(operation_id: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except skyvern_client.APIError as error:
        violation = violation_of(error, operation_id)
        if violation is None:
            raise
        raise violation from None


def test_client_round_trip(
    client: skyvern_client.SkyvernClient, spec: Spec, bodies: Requests, example: Example
) -> None:
    """run_workflow -> typed run echoing the request; get_run -> typed run; cancel_run -> None."""

    @given(bodies.bodies())
    def prop(body: dict[str, Any]) -> None:
        with example():
            run = _call("run_workflow", client.run_workflow, **body)
            sent_back = run.model_dump(mode="json", exclude_unset=True).get("run_request")
            checks.echoed(spec, body, sent_back)
            again = _call("get_run", client.get_run, run.run_id)
            if again.run_id != run.run_id:
                raise ContractViolation(
                    Area.LIFECYCLE, "retrievable", f"get_run({run.run_id!r}) answered run {again.run_id!r}"
                )
            result = _call("cancel_run", client.cancel_run, run.run_id)
            if result is not None:
                raise ContractViolation(Area.RESPONSE_SCHEMA, "cancel_returns_none", f"cancel_run gave {result!r}")

    prop()

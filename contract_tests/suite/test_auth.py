"""Auth: every operation refuses a missing or wrong API key with 403 and an `ErrorDetail` (the service never says
401), and never serves the request."""

from __future__ import annotations

import pytest

from contract_tests.checks import reply as checks
from contract_tests.config import Example
from contract_tests.engine import flows
from contract_tests.generate.strategies import Requests
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport.api import Api

pytestmark = pytest.mark.area(Area.AUTH)

_FORBIDDEN = 403
_WRONG_KEY = "contract-suite-wrong-key"


@pytest.mark.cost(requests=3, runs=1)
@pytest.mark.parametrize("key", [None, _WRONG_KEY], ids=["missing key", "wrong key"])
@pytest.mark.parametrize("operation_id", ["run_workflow", "get_run", "cancel_run"])
def test_bad_key_is_forbidden(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example, operation_id: str, key: str | None
) -> None:
    """403 on every operation, for a request that would otherwise succeed."""
    with example():
        body = bodies.minimal()
        if operation_id == "run_workflow":
            reply = api.run_workflow(body, key=key)
        else:
            run = flows.start_run(seen, api, spec, body)
            call = api.get_run if operation_id == "get_run" else api.cancel_run
            reply = call(run["run_id"], key=key)
        checks.no_server_error(reply, operation_id)
        if reply.status != _FORBIDDEN:
            what = "without a key" if key is None else "with a wrong key"
            served = 200 <= reply.status < 300
            violation = ContractViolation(
                Area.AUTH,
                "forbidden_without_valid_key",
                f"{operation_id} {what} answered {reply.status}, not 403",
                operation_id,
                "served" if served else str(reply.status),
                operation_id,
            )
            if served:
                violation.strip_headers = (spec.api_key_header(),)
            raise violation
        checks.response_conforms(seen, spec, operation_id, reply)

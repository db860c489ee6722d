"""Status enum: every status any operation returns is one of the spec's `RunStatus` values and parses in strict mode
(the generated models with unknown values rejected), from creation to the terminal status."""

from __future__ import annotations

import time

import pydantic
import pytest

import skyvern_client
from contract_tests.checks import lifecycle as lifecycle_checks
from contract_tests.checks import reply as checks
from contract_tests.config import Context, Example
from contract_tests.engine import flows
from contract_tests.generate.strategies import Requests
from contract_tests.model.areas import Area
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport.api import Api
from skyvern_client import models

pytestmark = pytest.mark.area(Area.STATUS_ENUM)

_POLL_INTERVAL = 0.1


@pytest.mark.cost(requests=0)
def test_strict_parsing_rejects_unknown_status(spec: Spec) -> None:
    """Self-check (no request): the strict parse the suite relies on does reject a status outside the enum."""
    outside = "-".join(spec.enum("RunStatus")) + "-not-a-status"
    adapter = pydantic.TypeAdapter(models.RunStatus)
    assert adapter.validate_python(outside).is_unknown
    with skyvern_client.strict_parsing(), pytest.raises(pydantic.ValidationError):
        adapter.validate_python(outside)


@pytest.mark.cost(requests=40, runs=1)
def test_every_status_of_a_run_parses_strictly(
    api: Api, spec: Spec, bodies: Requests, context: Context, seen: Observations, example: Example
) -> None:
    """Poll a run from `created` to its end; every status seen is in the enum and parses strictly."""
    with example():
        run = flows.start_run(seen, api, spec, bodies.minimal())
        statuses = {run["status"]}
        deadline = time.monotonic() + context.profile.lifecycle_timeout
        status = run["status"]
        while not lifecycle_checks.is_terminal(status) and time.monotonic() < deadline:
            time.sleep(_POLL_INTERVAL)
            status = flows.read_run(seen, api, spec, run["run_id"])["status"]
            statuses.add(status)
        for value in statuses:
            checks.status_in_enum(spec, {"status": value})

"""Schemathesis against the clean server: positive and negative data, every built-in check, nothing found.

Kept small (a few dozen examples per operation) because `make test` runs it; `make contract` is the deep run.
One adjustment, spec-backed: a drawn `workflow_id` is swapped for a real one (a random id is a correct 404 that would
hide everything behind it). It does not change whether a case is positive or negative: any string is a valid
`workflow_id`. Drawn `parameters` go as drawn: the demo workflow requires none, and undeclared ones are dropped (200),
as the live service drops them. The 400 of the spec ("well-formed but cannot be run": a `webhook_url` that is not
http(s)) is accepted for positive data.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.config._auth import AuthConfig
from schemathesis.config._checks import PositiveDataAcceptanceConfig
from schemathesis.pytest import from_fixture

from reference_server.process import RunningServer
from tests.reference_server.support import DEMO, SPEC_PATH, Target

pytestmark = [pytest.mark.network, pytest.mark.slow]

MAX_EXAMPLES = 25
POSITIVE_STATUSES = ["2xx", "400", "403", "404"]


def load_schema(server: Target, max_examples: int = MAX_EXAMPLES) -> Any:
    """The spec, pointed at `server`, generating positive and negative data with every check on."""
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    schema.config.update(base_url=server.url, request_timeout=10)
    schema.config.auth = AuthConfig(openapi={"ApiKeyHeader": {"api_key": server.api_key}})
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=max_examples, deterministic=True
    )
    checks = schema.config.checks
    checks.positive_data_acceptance = PositiveDataAcceptanceConfig(expected_statuses=POSITIVE_STATUSES)

    @schema.hook("map_case")
    def steer_generated(context: Any, case: Any) -> Any:
        steer(case)
        return case

    return schema


def steer(case: Any) -> None:
    """Point a drawn `run_workflow` body at a real workflow without changing whether it is valid."""
    if isinstance(case.body, dict) and isinstance(case.body.get("workflow_id"), str):
        case.body["workflow_id"] = DEMO


@pytest.fixture
def clean_schema(server: RunningServer) -> Any:
    return load_schema(server)


schema = from_fixture("clean_schema")


@schema.parametrize()
def test_clean_server_passes_every_check(case: Any) -> None:
    steer(case)  # the coverage phase's cases do not all go through the hook
    case.call_and_validate()


def test_stateful_links_find_nothing(server: RunningServer) -> None:
    """Create -> get / cancel through the spec's OpenAPI links, with every check."""
    machine = load_schema(server).as_state_machine()
    machine.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )

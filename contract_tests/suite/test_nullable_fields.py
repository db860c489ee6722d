"""Nullable fields: every nullable request field accepts omitted, null and a value, each echoed faithfully; every
non-nullable field rejects null; every nullable response field parses when null and is sent (as null) when empty.

The field lists come from the spec: a field added there is covered here without an edit.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_tests.checks import classify
from contract_tests.checks import reply as checks
from contract_tests.config import Example
from contract_tests.engine import flows
from contract_tests.generate.strategies import OMIT, Requests
from contract_tests.model.areas import Area
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport.api import Api

pytestmark = pytest.mark.area(Area.NULLABLE_FIELDS)

SPEC = Spec.load()
REQUEST = "WorkflowRunRequest"
RESPONSE = "WorkflowRunResponse"
NULLABLE = SPEC.nullable_fields(REQUEST)
NOT_NULLABLE = [field.path for field in SPEC.nested_fields(REQUEST) if not field.nullable]


def _with(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """The body with `value` at `path` (nested objects filled from their minimal valid shape)."""
    if len(path) == 1:
        return {**body, path[0]: value}
    return {**body, path[0]: {**_minimal_object(path[0]), path[1]: value}}


def _minimal_object(field: str) -> dict[str, Any]:
    for candidate in SPEC.nested_fields(REQUEST):
        if candidate.path == (field,):
            for branch in candidate.schema.get("anyOf", []):
                if branch.get("type") == "object" and branch.get("required"):
                    return {name: branch.get("example", {}).get(name, "US") for name in branch["required"]}
    return {}


@pytest.mark.cost(requests=1, runs=1, examples=3)
@pytest.mark.parametrize("name", NULLABLE)
def test_nullable_request_field_states(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example, name: str
) -> None:
    """Omitted, null, or a value: each accepted and echoed as sent."""
    field = next(f for f in spec.fields(REQUEST) if f.name == name)
    value = st.none() if name in bodies.null_only else bodies.field_value(field, allow_null=False)
    states = st.one_of(st.just(OMIT), st.none(), value)

    @given(states)
    def prop(value: Any) -> None:
        with example():
            body = bodies.minimal() if value is OMIT else {**bodies.minimal(), name: value}
            area = Area.PROXY_OPTIONS if name == "proxy_location" and value is not None else Area.NULLABLE_FIELDS
            flows.start_run(seen, api, spec, body, area=area)

    prop()


@pytest.mark.cost(requests=1)
@pytest.mark.parametrize("path", NOT_NULLABLE, ids=".".join)
def test_non_nullable_field_rejects_null(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example, path: tuple[str, ...]
) -> None:
    """A null where the spec allows none: 422."""
    with example():
        body = _with(bodies.minimal(), path, None)
        reply = api.run_workflow(body)
        location, kind = classify.invalid_cause(spec, body)
        checks.rejected(reply, Area.NULLABLE_FIELDS, f"null {'.'.join(path)}", location=location, kind=kind)
        checks.response_conforms(seen, spec, "run_workflow", reply)


@pytest.mark.cost(requests=1, runs=1)
def test_nullable_response_fields_parse_when_null(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example
) -> None:
    """A real run with every nullable field set to null still parses (strictly) with the generated model, and a
    real run sends every nullable field (checked in `flows`)."""
    with example():
        run = flows.start_run(seen, api, spec, bodies.minimal())
        nullable = spec.nullable_fields(RESPONSE)
        flows.strict_parse(seen, {**run, **dict.fromkeys(nullable)}, "run_workflow", only=nullable)

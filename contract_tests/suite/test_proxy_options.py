"""Proxy options: every `ProxyLocation` name and any valid `GeoTarget` is accepted and echoed in `run_request`; names
outside the enum, wrong types and invalid GeoTargets get a 422 (not a 5xx, not a 2xx); omitted means the default.

The names, the GeoTarget constraints and the default all come from the spec.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_tests.checks import classify
from contract_tests.checks import reply as checks
from contract_tests.config import Example
from contract_tests.engine import flows
from contract_tests.generate.strategies import Requests, from_schema, text
from contract_tests.model.areas import Area
from contract_tests.record import coverage
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec, non_null_branches
from contract_tests.transport.api import Api

pytestmark = pytest.mark.area(Area.PROXY_OPTIONS)

FIELD = "proxy_location"
SPEC = Spec.load()
NAMES = SPEC.enum("ProxyLocation")


def _without(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def drop(geo: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in geo.items() if name != key}

    return drop


def _replaced(
    geo: st.SearchStrategy[dict[str, Any]], key: str, values: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    def put(target: dict[str, Any], value: Any) -> dict[str, Any]:
        return {**target, key: value}

    return st.builds(put, geo, values)


def invalid_proxy_values(spec: Spec) -> st.SearchStrategy[Any]:
    """Values of `proxy_location` that the spec does not allow, derived from its schema.

    Strings outside the enum (case variants of real names included), other JSON types, and GeoTargets that break one
    constraint: the required key missing, a property of the wrong type, a string too short or too long.
    """
    names = spec.enum("ProxyLocation")
    geo = spec.schema("GeoTarget")
    valid_geo = from_schema(geo)
    wrong_names = st.one_of(
        st.sampled_from(names).map(str.lower),
        st.sampled_from(names).map(lambda n: n + "_X"),
        text(0, 12),
    ).filter(lambda value: value not in names)
    others = st.one_of(
        st.integers(), st.floats(allow_nan=False), st.booleans(), st.lists(st.sampled_from(names), min_size=1)
    )
    broken: list[st.SearchStrategy[Any]] = [valid_geo.map(_without(name)) for name in geo.get("required", [])]
    for name, schema in geo["properties"].items():
        broken.append(_replaced(valid_geo, name, st.integers()))
        for branch in (b for b in non_null_branches(schema) if b.get("type") == "string"):
            if "maxLength" in branch:
                size = branch["maxLength"] + 1
                broken.append(_replaced(valid_geo, name, st.text("ABCDEFGH", min_size=size, max_size=size + 3)))
            if branch.get("minLength", 0) > 0:
                broken.append(_replaced(valid_geo, name, st.text("ABCDEFGH", max_size=branch["minLength"] - 1)))
    return st.one_of(wrong_names, others, *broken)


@pytest.mark.cost(requests=1, runs=1)
@pytest.mark.parametrize("name", NAMES)
def test_every_proxy_name_is_accepted_and_echoed(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example, name: str
) -> None:
    """Each name of the enum: 2xx, echoed as sent."""
    with example():
        flows.start_run(seen, api, spec, {**bodies.minimal(), FIELD: name}, area=Area.PROXY_OPTIONS)


@pytest.mark.cost(requests=1, runs=1, examples="property")
def test_valid_geotargets_are_accepted_and_echoed(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example
) -> None:
    """Arbitrary valid GeoTargets: 2xx, echoed (country and subdivision up to case)."""

    @given(from_schema(spec.schema("GeoTarget")))
    def prop(geo: dict[str, Any]) -> None:
        with example():
            flows.start_run(seen, api, spec, {**bodies.minimal(), FIELD: geo}, area=Area.PROXY_OPTIONS)

    prop()


@pytest.mark.cost(requests=1, examples="property")
def test_invalid_proxy_values_are_rejected(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example
) -> None:
    """Names outside the enum, wrong types, broken GeoTargets: 422."""

    @given(invalid_proxy_values(spec))
    def prop(value: Any) -> None:
        with example():
            body = {**bodies.minimal(), FIELD: value}
            reply = api.run_workflow(body)
            location, kind = classify.invalid_cause(spec, body)
            with coverage.rejected(seen, spec, body, (location, kind)):
                checks.rejected(reply, Area.PROXY_OPTIONS, f"proxy_location {value!r}", location=location, kind=kind)
            checks.response_conforms(seen, spec, "run_workflow", reply)

    prop()


@pytest.mark.cost(requests=1, runs=1)
def test_omitted_proxy_means_the_default(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example
) -> None:
    """Left out, `proxy_location` is echoed absent or as the spec's default (checked by `echo_checks.echoed`)."""
    with example():
        flows.start_run(seen, api, spec, bodies.minimal(), area=Area.PROXY_OPTIONS)

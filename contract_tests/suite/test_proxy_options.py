"""Proxy options: every `ProxyLocation` name and any valid `GeoTarget` is accepted and echoed in `run_request`; names
outside the enum, wrong types and invalid GeoTargets get a 422 (not a 5xx, not a 2xx); omitted means the default.

The names, the GeoTarget constraints and the default all come from the spec.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example as explicit
from hypothesis import given
from hypothesis import strategies as st

from contract_tests.checks import classify
from contract_tests.checks import reply as checks
from contract_tests.config import Example
from contract_tests.engine import flows
from contract_tests.generate.edges import plain_value
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
    broken = [
        valid_geo.map(_without(key)) if values is None else _replaced(valid_geo, key, values)
        for key, _, values in _geo_breakages(geo)
    ]
    return st.one_of(wrong_names, others, *broken)


def each_invalid_proxy_value(spec: Spec) -> list[Any]:
    """One value of each kind `invalid_proxy_values` draws from, built without chance: the property's explicit examples,
    so that every kind of invalid value is sent on every run whatever Hypothesis draws besides (a name in the wrong
    case, a name with a suffix, the empty string, each other JSON type, and the spec's own GeoTarget example broken
    each way)."""
    names = spec.enum("ProxyLocation")
    geo = spec.schema("GeoTarget")
    base = plain_value(geo)
    wrong_names = [value for value in (names[0].lower(), names[0] + "_X", "") if value not in names]
    broken = [
        _without(key)(base) if values is None else {**base, key: value} for key, value, values in _geo_breakages(geo)
    ]
    return [*wrong_names, 0, 1.5, True, [names[0]], *broken]


def _geo_breakages(geo: dict[str, Any]) -> list[tuple[str, Any, st.SearchStrategy[Any] | None]]:
    """Each way to break a GeoTarget at one key: the key, one value that breaks it and a strategy of such values (no
    strategy: the required key left out)."""
    found: list[tuple[str, Any, st.SearchStrategy[Any] | None]] = [
        (name, None, None) for name in geo.get("required", [])
    ]
    for name, schema in geo["properties"].items():
        found.append((name, 0, st.integers()))
        for branch in (b for b in non_null_branches(schema) if b.get("type") == "string"):
            if "maxLength" in branch:
                size = branch["maxLength"] + 1
                found.append((name, "A" * size, st.text("ABCDEFGH", min_size=size, max_size=size + 3)))
            if branch.get("minLength", 0) > 0:
                size = branch["minLength"] - 1
                found.append((name, "A" * size, st.text("ABCDEFGH", max_size=size)))
    return found


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

    def prop(value: Any) -> None:
        with example():
            body = {**bodies.minimal(), FIELD: value}
            reply = api.run_workflow(body)
            location, kind = classify.invalid_cause(spec, body)
            with coverage.rejected(seen, spec, body, (location, kind)):
                checks.rejected(reply, Area.PROXY_OPTIONS, f"proxy_location {value!r}", location=location, kind=kind)
            checks.response_conforms(seen, spec, "run_workflow", reply)

    run = given(invalid_proxy_values(spec))(prop)
    for value in reversed(each_invalid_proxy_value(spec)):  # run first, in this order
        run = explicit(value)(run)
    run()


@pytest.mark.cost(requests=1, runs=1)
def test_omitted_proxy_means_the_default(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example
) -> None:
    """Left out, `proxy_location` is echoed absent or as the spec's default (checked by `echo_checks.echoed`)."""
    with example():
        flows.start_run(seen, api, spec, bodies.minimal(), area=Area.PROXY_OPTIONS)

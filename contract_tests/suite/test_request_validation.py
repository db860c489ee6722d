"""Request validation at the edges of JSON Schema: every `WorkflowRunRequest` field, top level and one object level
down (GeoTarget's inside `proxy_location`), accepts the values its schema allows that servers often get wrong, each
with a 2xx, a conforming run and an echo equal to what was sent; and refuses a value of every JSON type its schema does
not admit with a 422 (not a 5xx, not a 2xx).

The values come from each field's schema in the spec, through `edges.edge_values` (integral numbers written
`1.0`, `1e2`, `-0`; integers past int32, float64 and int64; strings empty, at their length bounds in ASCII and in 4-byte
characters, 10,000 characters long, with emoji, an escaped NUL, only whitespace, right-to-left text, combining marks,
`\\u` escapes; booleans; empty objects and maps with unusual keys) and `wrong_types.wrong_type_values` (a string, an
integer, 1.5, a boolean, an array, an object, null where the field is not nullable, and strings a lax server coerces,
"5" for an integer, "true" for a boolean). Each value goes into the minimal valid body as its exact JSON text
(`edges.splice`), so `1e2` reaches the target as written, and each is its own example with its own reproduction.

Positive edges skip what the suite must not invent: `workflow_id` is the target's, URL-typed fields only ever carry an
address of the sink, ids of server-side resources (`Spec.reference_fields`) name nothing when made up, `parameters`
only `{}` and subsets of those the workflow accepts, and fields named in `CONTRACT_NULL_ONLY_FIELDS` none at all (noted
as not verifiable); they still get every wrong type.

Cost (profile-independent, no Hypothesis): about 75 positive and 89 negative requests, plus the cancel of each
accepted run when the session ends. To stay under 250, a field gets at most `MAX_EDGES` edge values: the first
`ALWAYS_EDGES` of `edge_values` (bounds and the most telling), then the rest rotated by the field's position, so that
each edge kind is sent for some field of its type.

Sizes: a few fixed bodies well above 16 KiB (`LARGE_BODIES`: 40 to 150 KiB, raw UTF-8 of 2 to 4 bytes a character
in one) put large values where the spec bounds nothing (`title`, `totp_identifier`, the `extra_http_headers` map), each
accepted and echoed; one as large with a wrongly typed field is a 422. None may be a 5xx or an undocumented status
(a 413 included). Not `parameters`: the spec leaves it open, but targets drop the parameters the workflow does not
declare (the live service, and the reference server on its reads), and the values of those it declares are the
workflow's to type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from contract_tests.checks import classify
from contract_tests.checks import echo as echo_checks
from contract_tests.checks import reply as checks
from contract_tests.config import Example
from contract_tests.generate.edges import EdgeValue, edge_values, plain_value, splice
from contract_tests.generate.strategies import OMIT, Requests
from contract_tests.generate.wrong_types import wrong_type_values
from contract_tests.model.areas import Area
from contract_tests.record.observations import Observations
from contract_tests.spec import Field, Spec, non_null_branches
from contract_tests.transport.api import Api

pytestmark = pytest.mark.area(Area.REQUEST_VALIDATION)

SPEC = Spec.load()
REQUEST = "WorkflowRunRequest"
OPERATION = "run_workflow"
PROXY = "proxy_location"
FIELDS = {field.path: field for field in SPEC.nested_fields(REQUEST)}
URL_FIELDS = frozenset(SPEC.url_fields(REQUEST))
INVENTED = frozenset({"workflow_id", *URL_FIELDS, *SPEC.reference_fields(REQUEST)})
"""Never given made-up values that should be accepted: the target's workflow, URLs (only the sink's), and ids of
server-side resources (a made-up one names nothing there: see `flows.send_run`)."""
MAX_EDGES = 8
ALWAYS_EDGES = 5
EDGE_PATHS = [path for path in FIELDS if path[0] not in INVENTED]
"""Fields that get positive edges (`parameters` its own: `{}` and subsets of the workflow's)."""


def _sampled(edges: Sequence[EdgeValue], position: int) -> list[EdgeValue]:
    """At most `MAX_EDGES`: the first `ALWAYS_EDGES`, then the rest rotated by `position`."""
    if len(edges) <= MAX_EDGES:
        return list(edges)
    head, rest = list(edges[:ALWAYS_EDGES]), list(edges[ALWAYS_EDGES:])
    shift = position % len(rest)
    return head + (rest[shift:] + rest[:shift])[: MAX_EDGES - ALWAYS_EDGES]


def _parameter_edges(parameters: dict[str, Any]) -> list[EdgeValue]:
    """`{}`, each accepted parameter alone, and all of them."""
    subsets = [{}, *({name: parameters[name]} for name in sorted(parameters)), dict(parameters)]
    labels = ["no parameters", *(f"only parameter {name}" for name in sorted(parameters)), "every parameter"]
    unique: dict[str, EdgeValue] = {}
    for label, subset in zip(labels, subsets, strict=True):
        edge = EdgeValue.of(label, subset)
        unique.setdefault(edge.json_text, edge)
    return list(unique.values())


def _edges(bodies: Requests, path: tuple[str, ...]) -> list[EdgeValue]:
    if path == ("parameters",):
        return _parameter_edges(dict(bodies.parameters))
    return _sampled(edge_values(FIELDS[path].schema), EDGE_PATHS.index(path))


def _sample(bodies: Requests, field: Field) -> Any:
    """The valid value a wrong-type array wraps, for fields that must carry a particular one (else the default)."""
    if field.path == ("workflow_id",):
        return bodies.workflow_id
    if field.path[0] in URL_FIELDS:
        return bodies.sink_url + "/edge"
    return OMIT


def _base(bodies: Requests, path: tuple[str, ...]) -> dict[str, Any]:
    """The minimal valid body; for a nested field, with its object in its plainest valid form (required only)."""
    body = bodies.minimal()
    if len(path) == 1:
        return body
    top = FIELDS[path[:1]]
    branch = next(b for b in non_null_branches(top.schema) if path[1] in b.get("properties", {}))
    required = branch.get("required", [])
    body[path[0]] = {name: plain_value(branch["properties"][name]) for name in required}
    return body


def _area(path: tuple[str, ...], value: Any = OMIT) -> Area:
    if path[0] == PROXY:
        return Area.PROXY_OPTIONS
    if value is None:
        return Area.NULLABLE_FIELDS
    return Area.REQUEST_VALIDATION


def _what(path: tuple[str, ...], edge: EdgeValue) -> str:
    text = edge.json_text if len(edge.json_text) <= 60 else edge.json_text[:60] + "..."
    return f"{'.'.join(path)} = {text} ({edge.label})"


@pytest.mark.cost(requests=1, runs=1, examples=4)
@pytest.mark.parametrize("path", EDGE_PATHS, ids=".".join)
def test_edge_values_are_accepted_and_echoed(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example, path: tuple[str, ...]
) -> None:
    """Each edge value of the field, in the minimal body: 2xx, a conforming run, `run_request` echoing it."""
    if path[0] in bodies.null_only:
        seen.note_unverifiable(
            [path[0]], "its edge values are not sent: it is only sent null", "no CONTRACT_NULL_ONLY_FIELDS for it"
        )
        return
    base = _base(bodies, path)
    for edge in _edges(bodies, path):
        with example():
            content = splice(base, path, edge.json_text)
            reply = api.run_workflow(content=content)
            checks.accepted(reply, _area(path), _what(path, edge))
            run = checks.response_conforms(seen, spec, OPERATION, reply)
            echo_checks.echoed(
                seen, spec, json.loads(content), run.get("run_request") if isinstance(run, dict) else run
            )


@pytest.mark.cost(requests=1, examples=4)
@pytest.mark.parametrize("path", list(FIELDS), ids=".".join)
def test_wrong_types_are_rejected(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example, path: tuple[str, ...]
) -> None:
    """Each JSON type the field's schema does not admit (and each coercible string), in the minimal body: 422."""
    field = FIELDS[path]
    base = _base(bodies, path)
    for wrong in wrong_type_values(field.schema, sample=_sample(bodies, field)):
        with example():
            content = splice(base, path, wrong.json_text)
            reply = api.run_workflow(content=content)
            location, kind = classify.invalid_cause(spec, json.loads(content))
            checks.rejected(reply, _area(path, wrong.value), _what(path, wrong), location=location, kind=kind)
            checks.response_conforms(seen, spec, OPERATION, reply)


_KIB = 1024
_LONG_TITLE = "0123456789abcdef" * (64 * _KIB // 16)
_WIDE_TITLE = "\u00e9\u20ac\U0001f600" * 8000  # 2, 3 and 4 bytes in UTF-8: 72,000 bytes
_LONG_TOTP = "totp-identifier/" * (48 * _KIB // 16)
_MANY_HEADERS = {f"x-contract-{index:03d}": "v" * 144 for index in range(256)}  # 160 bytes each: 40 KiB
LARGE_BODIES: Mapping[str, Mapping[str, Any]] = {
    "title of 64 KiB": {"title": _LONG_TITLE},
    "title of 24,000 characters of 2 to 4 bytes": {"title": _WIDE_TITLE},
    "totp_identifier of 48 KiB": {"totp_identifier": _LONG_TOTP},
    "extra_http_headers of 256 headers, 40 KiB": {"extra_http_headers": _MANY_HEADERS},
    "all of them, 150 KiB": {"title": _LONG_TITLE, "totp_identifier": _LONG_TOTP, "extra_http_headers": _MANY_HEADERS},
}
"""Large valid values of fields the spec does not bound, each added to the minimal body (sent as raw UTF-8)."""
LARGE_INVALID: Mapping[str, Mapping[str, Any]] = {
    "title as an array of 4,096 strings, 56 KiB": {"title": ["x" * 10] * 4096}
}
"""Large values the spec does not admit: a 422, as for a small one."""
LARGE = 16 * _KIB
"""What "large" means: each body is above it, encoded."""


def _large(spec: Spec, case: str, body: Mapping[str, Any], *, valid: bool) -> bytes:
    """A large case's body as raw UTF-8; a case that is not large, or not as valid as it claims under the spec (the
    spec bounded a field since), is a bug in the suite, raised as such."""
    content = json.dumps(body, ensure_ascii=False).encode()
    cause = classify.invalid_cause(spec, body)
    if len(content) <= LARGE or (cause == ("", "")) != valid:
        verdict = "valid" if cause == ("", "") else f"invalid at {cause[0]} ({cause[1]})"
        raise AssertionError(f"suite bug: {case!r} is {len(content)} bytes, and the spec finds it {verdict}")
    return content


@pytest.mark.cost(requests=1, runs=1)
@pytest.mark.parametrize("case", list(LARGE_BODIES))
def test_large_bodies_are_accepted_and_echoed(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example, case: str
) -> None:
    """A valid body well above 16 KiB: 2xx (not a 413, not a 5xx), a conforming run, `run_request` echoing it."""
    fields = LARGE_BODIES[case]
    null_only = sorted(bodies.null_only & fields.keys())
    if null_only:
        seen.note_unverifiable(null_only, f"{case} is not sent: it is only sent null", "no CONTRACT_NULL_ONLY_FIELDS")
        return
    body = {**bodies.minimal(), **fields}
    content = _large(spec, case, body, valid=True)
    with example():
        reply = api.run_workflow(content=content)
        checks.accepted(reply, Area.REQUEST_VALIDATION, f"{case} ({len(content)} bytes)")
        run = checks.response_conforms(seen, spec, OPERATION, reply)
        echo_checks.echoed(seen, spec, body, run.get("run_request") if isinstance(run, dict) else run)


@pytest.mark.cost(requests=1)
@pytest.mark.parametrize("case", list(LARGE_INVALID))
def test_large_invalid_bodies_are_rejected(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example, case: str
) -> None:
    """A body well above 16 KiB with a field of the wrong type: 422 (not a 413, not a 5xx)."""
    body = {**bodies.minimal(), **LARGE_INVALID[case]}
    content = _large(spec, case, body, valid=False)
    with example():
        reply = api.run_workflow(content=content)
        location, kind = classify.invalid_cause(spec, body)
        checks.rejected(reply, Area.REQUEST_VALIDATION, f"{case} ({len(content)} bytes)", location=location, kind=kind)
        checks.response_conforms(seen, spec, OPERATION, reply)

"""The fidelity matrix: the requests every server gets, in the order they are sent, from `spec/openapi.yaml` alone.

Every request field, top level and one object level down, omitted, null, a valid value, edge values and a wrong type;
the operation's header and query parameters; a missing and a wrong key on each operation; malformed bodies; unknown
workflow and run ids; and a run's lifecycle with its cancel. URL-typed fields only ever carry a loopback address where
nothing listens (`LOOPBACK_URL`) or a string that names no host.

Example:
    >>> spec = Spec.load()
    >>> matrix = build_matrix(spec)
    >>> 60 < len(matrix) < 150
    True
    >>> next(c for c in matrix if c.name == "title: null").expect_from_spec.statuses
    frozenset({200, 400})
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from campaigns.fidelity.cases import (
    EDGE,
    LOOPBACK_URL,
    MADE_UP_WORKFLOW,
    NULL,
    OMITTED,
    REQUEST,
    RUN,
    RUN_MARK,
    UNKNOWN_RUNS,
    VALID,
    WORKFLOW_MARK,
    WRONG_TYPE,
    Case,
    Expectation,
    short,
)
from campaigns.fidelity.clauses import operation_pointer
from campaigns.fidelity.expectations import Planned, forbidden, run_expectation
from campaigns.fidelity.shape import is_date_time
from contract_tests.generate.edges import EdgeValue, edge_values, plain_value, splice
from contract_tests.generate.wrong_types import wrong_type_values as wrong_values
from contract_tests.spec import Field, JsonSchema, Spec, admitted_types, non_null_branches

__all__ = ["build_matrix"]

EDGES_PER_FIELD = 2
_PROGRESS = ("output", "step_count")
"""Run fields that fill as the run goes (besides its timestamps): null early, a value later, in a lifecycle read."""


def _is_safe_address(value: Any) -> bool:
    """Whether a value in a URL-typed field names no host but loopback (a string with no host names nothing)."""
    if not isinstance(value, str):
        return True
    try:
        host = urllib.parse.urlsplit(value).hostname
    except ValueError:
        return False
    return host is None or host in ("127.0.0.1", "localhost", "::1")


def _label(edge: EdgeValue) -> str:
    return edge.label if len(edge.label) <= 60 else edge.label[:57] + "..."


def _field_plans(spec: Spec, item: Field, base: Mapping[str, Any]) -> list[Planned]:
    """Every state of one request field, in a body that is otherwise `base` (the minimal body, and for a nested
    field its parent's plain value)."""
    name = ".".join(item.path)
    url_fields = set(spec.url_fields(REQUEST))
    references = set(spec.reference_fields(REQUEST))
    top = item.path[0]
    is_url, is_reference, is_workflow = top in url_fields, top in references, item.path == ("workflow_id",)
    required = (
        item.name in spec.required(REQUEST)
        if len(item.path) == 1
        else item.name in _branch_of(spec, item.path[0]).get("required", [])
    )

    def plan(state: str, label: str, text: str, unknown: str = "") -> Planned:
        return Planned(f"{name}: {label}", splice(base, item.path, text).decode(), ((name, state),), unknown)

    plans = []
    if required or len(item.path) > 1:  # an optional top-level field omitted is the minimal body: sent once there
        if len(item.path) == 1:
            omitted = {k: v for k, v in base.items() if k != item.name}
        else:
            omitted = {**base, top: {k: v for k, v in base[top].items() if k != item.name}}
        plans.append(Planned(f"{name}: omitted", json.dumps(omitted), ((name, OMITTED),)))
    plans.append(plan(NULL, "null", "null"))
    if is_workflow:
        plain: Any = WORKFLOW_MARK
    elif is_url:
        plain = LOOPBACK_URL
    else:
        plain = plain_value(item.schema)
    reference = top if is_reference else ""
    plans.append(plan(VALID, f"valid {short(plain, 40)}", json.dumps(plain), reference))
    edges = [edge for edge in edge_values(item.schema) if edge.value != plain and edge.value is not None]
    if is_url:
        edges = [edge for edge in edges if _is_safe_address(edge.value)]
    for edge in edges[:EDGES_PER_FIELD]:
        unknown = "workflow_id" if is_workflow else reference
        plans.append(plan(EDGE, f"edge, {_label(edge)}", edge.json_text, unknown))
    wrong = [edge for edge in wrong_values(item.schema, sample=plain) if edge.value is not None]
    chosen = wrong[:1] + [edge for edge in wrong[1:] if "coerces" in edge.label][:1]
    plans += [plan(WRONG_TYPE, f"wrong type, {_label(edge)}", edge.json_text) for edge in chosen]
    return plans


def _branch_of(spec: Spec, name: str) -> JsonSchema:
    """The object branch of a top-level request field (GeoTarget for `proxy_location`)."""
    for item in spec.fields(REQUEST):
        if item.name == name:
            return next((b for b in non_null_branches(item.schema) if b.get("properties")), {})
    return {}


def _body_plans(spec: Spec) -> list[Planned]:
    """Every request field in every state (`STATES`), the minimal body, workflow parameters, an unknown workflow."""
    minimal = {"workflow_id": WORKFLOW_MARK}
    optional = [f.name for f in spec.fields(REQUEST) if f.name not in spec.required(REQUEST)]
    omitted = tuple((name, OMITTED) for name in optional)
    plans = [Planned("minimal body (every optional field omitted)", json.dumps(minimal), omitted)]
    for item in spec.nested_fields(REQUEST):
        base: dict[str, Any] = dict(minimal)
        if len(item.path) > 1:
            base[item.path[0]] = plain_value(_branch_of(spec, item.path[0]))
        plans += _field_plans(spec, item, base)
    parameters = {"workflow_id": WORKFLOW_MARK, "parameters": {"x": 1}}
    plans.append(Planned('parameters: undeclared {"x": 1}', json.dumps(parameters), (("parameters", VALID),)))
    unknown = {"workflow_id": MADE_UP_WORKFLOW}
    plans.append(Planned("workflow_id: unknown id", json.dumps(unknown), (("workflow_id", VALID),), "workflow_id"))
    return plans


def _parameter_plans(spec: Spec) -> list[Planned]:
    """The run_workflow header and query parameters: a valid value each, and a wrong type where one can be sent."""
    minimal = json.dumps({"workflow_id": WORKFLOW_MARK})
    plans = []
    for parameter in spec.operation("run_workflow")[2].get("parameters", []):
        where, name, schema = parameter["in"], str(parameter["name"]), parameter["schema"]
        plain = plain_value(schema)
        texts = [(VALID, json.dumps(plain) if not isinstance(plain, str) else plain)]
        if "string" not in admitted_types(schema):
            texts.append((WRONG_TYPE, "x"))
        for state, text in texts:
            place = {"headers": {name: text}} if where == "header" else {"query": {name: text}}
            unknown = "template" if where == "query" and state == VALID and plain is True else ""
            plans.append(
                Planned(f"{where} {name}: {state} {text!r}", minimal, ((f"{where}:{name}", state),), unknown, **place)
            )
    return plans


def _malformed_plans() -> list[Planned]:
    return [
        Planned("malformed body: not JSON", '{"workflow_id": ', (("body", "not JSON"),)),
        Planned("malformed body: empty", "", (("body", "empty"),)),
        Planned("malformed body: an array", json.dumps([{"workflow_id": WORKFLOW_MARK}]), (("body", "array"),)),
        Planned("malformed body: 1e400", "1e400", (("body", "1e400"),)),
    ]


def _run_case(spec: Spec, planned: Planned, *, key_mode: str = "valid", saves_run: bool = False) -> Case:
    path, method, _ = spec.operation("run_workflow")
    expectation = run_expectation(spec, planned) if key_mode == "valid" else forbidden()
    return Case(
        name=planned.name,
        method=method,
        path_template=path,
        body=planned.body,
        headers=dict(planned.headers),
        query=dict(planned.query),
        key_mode=key_mode,
        expect_from_spec=expectation,
        operation_id="run_workflow",
        tags=planned.tags,
        saves_run=saves_run,
    )


def _run_operation_case(
    spec: Spec, operation_id: str, name: str, run_id: str, expectation: Expectation, **extra: Any
) -> Case:
    path, method, _ = spec.operation(operation_id)
    return Case(name, method, path, None, {}, {}, "valid", expectation, operation_id, run_id, **extra)


def _lifecycle(spec: Spec) -> list[Case]:
    """POST a minimal run, GET it, cancel it, cancel it again, GET it."""
    get_ok = Expectation(
        frozenset({200}), f"{operation_pointer(spec, 'get_run')}/responses/200", "an existing run: 200"
    )
    cancel = operation_pointer(spec, "cancel_run")
    cancel_ok = Expectation(frozenset({200}), f"{cancel}/responses/200", "cancel of an unfinished run: 200, null")
    again = Expectation(
        frozenset({200}), f"{cancel}/description", "cancel of a finished run: 200, null (a terminal status stays)"
    )
    canceled = replace(
        get_ok, status_values=frozenset({"canceled"}), status_clause=f"{cancel}/description", rule="a canceled run"
    )
    dates = frozenset(f"/{f.name}" for f in spec.fields(RUN) if f.nullable and is_date_time(f.schema))
    dates |= {f"/{name}" for name in _PROGRESS if name in {f.name for f in spec.fields(RUN)}}
    minimal = Planned("lifecycle: POST a minimal run", json.dumps({"workflow_id": WORKFLOW_MARK}), ())
    return [
        _run_case(spec, minimal, saves_run=True),
        _run_operation_case(spec, "get_run", "lifecycle: GET it", RUN_MARK, get_ok, timing=dates | {"/status"}),
        _run_operation_case(spec, "cancel_run", "lifecycle: cancel it", RUN_MARK, cancel_ok),
        _run_operation_case(spec, "cancel_run", "lifecycle: cancel it again", RUN_MARK, again),
        _run_operation_case(spec, "get_run", "lifecycle: GET it after the cancel", RUN_MARK, canceled, timing=dates),
    ]


def _auth(spec: Spec) -> list[Case]:
    """A missing and a wrong key on each operation (get and cancel on the lifecycle's run: it exists)."""
    minimal = json.dumps({"workflow_id": WORKFLOW_MARK})
    cases = []
    for key_mode in ("missing", "wrong"):
        planned = Planned(f"auth: {key_mode} key, run_workflow", minimal, (("x-api-key", key_mode),))
        cases.append(_run_case(spec, planned, key_mode=key_mode))
        for operation_id in ("get_run", "cancel_run"):
            path, method, _ = spec.operation(operation_id)
            cases.append(
                Case(
                    f"auth: {key_mode} key, {operation_id}",
                    method,
                    path,
                    None,
                    {},
                    {},
                    key_mode,
                    forbidden(),
                    operation_id,
                    RUN_MARK,
                    (("x-api-key", key_mode),),
                )
            )
    return cases


def _unknown_runs(spec: Spec) -> list[Case]:
    missing = Expectation(frozenset({404}), "#/components/responses/NotFound/description", "an unknown run: 404")
    return [
        _run_operation_case(spec, operation_id, f"unknown run {run_id}: {operation_id}", run_id, missing)
        for operation_id in ("get_run", "cancel_run")
        for run_id in UNKNOWN_RUNS
    ]


def _merge(cases: Iterable[Case]) -> list[Case]:
    """One case per distinct request (the first one's name and settings), carrying every tag of its duplicates."""
    merged: dict[tuple[Any, ...], Case] = {}
    for case in cases:
        key = case.identity()
        if key in merged:
            first = merged[key]
            merged[key] = replace(first, tags=first.tags + tuple(t for t in case.tags if t not in first.tags))
        else:
            merged[key] = case
    return list(merged.values())


def build_matrix(spec: Spec) -> list[Case]:
    """The requests every server gets, in the order they are sent, from the spec alone.

    The lifecycle first (its run must still be unfinished when it is canceled), then the auth cases on it, unknown
    run ids, every `WorkflowRunRequest` field (top level and one object level down) in every state of `STATES`
    (URL-typed fields only loopback or no host; reference fields a made-up id), undeclared workflow parameters, an
    unknown workflow, the operation's header and query parameters, malformed bodies. Identical requests are sent once.
    """
    plans = [*_body_plans(spec), *_parameter_plans(spec), *_malformed_plans()]
    cases = [*_lifecycle(spec), *_auth(spec), *_unknown_runs(spec), *(_run_case(spec, p) for p in plans)]
    return _merge(cases)

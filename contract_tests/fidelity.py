"""`python -m contract_tests.fidelity` (`make fidelity`): the reference server beside the real Skyvern server.

Users test their own code against our stand-in, so where the spec is silent it must answer what the real service
answers. This sends the real open-source server (`contract_tests.skyvern.SkyvernServer`, the same setup as `make
contract-skyvern`) and a reference server the same matrix of requests, built from `spec/openapi.yaml` alone (`build_
matrix`): every request field, top level and one object level down, omitted, null, a valid value, edge values and a
wrong type; the operations' header and query parameters; a missing and a wrong key on each operation; malformed
bodies; unknown workflow and run ids; and a run's lifecycle with its cancel. It compares the status codes and, for a
2xx, the shape (`describe`: which fields, their JSON types, the timestamps' form, what `run_request` echoes), and sorts
each difference with one rule (`classify_difference`): the real server deviating from a named clause of the spec
(expected: the stand-in follows the spec), or the stand-in deviating from the real server where the spec is silent
(a fidelity bug). Optionally (`--like-skyvern 1.0.56`, when the reference server has it) a second reference server
that mimics the real server's known deviations is compared with the real one too. It writes `docs/fidelity.md`.

The real server follows URLs found in requests, so all of it runs inside a private network namespace with only
loopback (`unshare -n`, as root), as `make contract-skyvern` does; where that is impossible it refuses and sends
nothing. URL-typed fields only ever carry a loopback address where nothing listens (`LOOPBACK_URL`) or a string that
names no host.

Exit status: 0 no fidelity bug and no stand-in deviation (and, when the mimic ran, no mimic mismatch); 1 otherwise;
2 could not run (no namespace, a server did not start, or a server left a request unanswered).

Example:
    >>> spec = Spec.load()
    >>> matrix = build_matrix(spec)
    >>> 60 < len(matrix) < 150
    True
    >>> next(c for c in matrix if c.name == "title: null").expect_from_spec.statuses
    frozenset({200, 400})
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime
import enum
import importlib.metadata
import inspect
import json
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from contract_tests.areas import ContractViolation
from contract_tests.checks import schema_violations
from contract_tests.classify import invalid_cause
from contract_tests.echo_checks import echoed
from contract_tests.edges import EdgeValue, edge_values, plain_value, splice
from contract_tests.skyvern.keys import redact
from contract_tests.skyvern.network import enter_private_network
from contract_tests.skyvern.server import SERVER_VERSION, WAIT_WORKFLOW, ServerError, SkyvernServer, installed_version
from contract_tests.spec import Field, JsonSchema, Spec, admitted_types, json_type, non_null_branches
from contract_tests.strategies import OMIT
from contract_tests.target import ReferenceServer, TargetError
from contract_tests.wrong_types import wrong_type_values as wrong_values

__all__ = [
    "LOOPBACK_URL",
    "STATES",
    "Answer",
    "Case",
    "Difference",
    "Expectation",
    "Kind",
    "Target",
    "build_matrix",
    "classify_difference",
    "compare",
    "curl",
    "describe",
    "main",
    "mimic_mismatches",
    "render_doc",
    "schema_clause",
]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VENV = ROOT / "build" / "skyvern-server"
DEFAULT_WORKDIR = ROOT / "build" / "fidelity-run"
DEFAULT_DOC = ROOT / "docs" / "fidelity.md"
MIMIC_OPTION = "--like-skyvern"
MIMIC_VERSION = SERVER_VERSION
EXIT_OK, EXIT_DIFFERENT, EXIT_NOT_RUN = 0, 1, 2

LOOPBACK_URL = "http://127.0.0.1:9/"
"""What URL-typed request fields carry: a loopback address (the discard port, where nothing listens)."""
WORKFLOW_MARK = "$WORKFLOW_ID"
"""Stands for each server's own workflow id in a case's body (as a JSON string) until it is sent."""
RUN_MARK = "$RUN_ID"
"""Stands for the run the lifecycle's POST created, in a case's path."""
MADE_UP_WORKFLOW = "wpid_000000000000000000"
UNKNOWN_RUNS = ("wr_000000000000000000", "tsk_000000000000000000")
WRONG_KEY = "fidelity-wrong-key"
KEY_PLACEHOLDER = "$CONTRACT_API_KEY"

OMITTED, NULL, VALID, EDGE, WRONG_TYPE = "omitted", "null", "valid", "edge", "wrong type"
STATES = (OMITTED, NULL, VALID, EDGE, WRONG_TYPE)
"""The states every request field is sent in (`Case.tags` names them)."""
EDGES_PER_FIELD = 2

_REQUEST = "WorkflowRunRequest"
_RUN = "WorkflowRunResponse"
_RUN_OPERATIONS = ("run_workflow", "get_run")
_ABSENT = "absent"
_REQUEST_TIMEOUT = 60.0
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_SHOWN = 70
_LONG_RUN = re.compile(r"(.)\1{31,}")
_PROGRESS = ("output", "step_count")
"""Run fields that fill as the run goes (besides its timestamps): null early, a value later, in a lifecycle read."""
_TERMINAL = ("timed_out", "failed", "terminated", "completed", "canceled")


# --- the matrix --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the spec allows as the answer to one request.

    Attributes:
        statuses: the status codes the spec allows for it.
        clause: the JSON pointer into `spec/openapi.yaml` that decides it (a status outside `statuses` breaks it).
        rule: that clause in words.
        status_values: for a 2xx run: the `status` values the spec allows (empty: any `RunStatus` value).
        status_clause: the clause that decides `status_values`.
    """

    statuses: frozenset[int]
    clause: str
    rule: str
    status_values: frozenset[str] = frozenset()
    status_clause: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    """One request of the matrix, the same for every server but for its workflow id and key.

    Attributes:
        name: what it is, e.g. `title: null`.
        method: the HTTP method.
        path_template: the path; `{run_id}` is filled with `run_id`.
        body: the exact body text (None: no body); `"$WORKFLOW_ID"` stands for the server's own workflow id.
        headers: extra request headers.
        query: query parameters.
        key_mode: `valid`, `missing` or `wrong`.
        expect_from_spec: what the spec allows as its answer.
        operation_id: its operation.
        run_id: the run in the path: `$RUN_ID` (the lifecycle's run) or a made-up id.
        tags: the (field, state) pairs it stands for, e.g. `(("title", "null"),)`.
        saves_run: its answer's `run_id` is the lifecycle's run (`$RUN_ID`).
        timing: response fields whose value depends on when the request came (lifecycle reads): a null on one side
            and a value on the other is not a difference; `/status` is compared as terminal or not.
    """

    name: str
    method: str
    path_template: str
    body: str | None
    headers: Mapping[str, str]
    query: Mapping[str, str]
    key_mode: str
    expect_from_spec: Expectation
    operation_id: str
    run_id: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    saves_run: bool = False
    timing: frozenset[str] = frozenset()

    def identity(self) -> tuple[Any, ...]:
        """What makes two cases the same request (a lifecycle step is its own: its place in the sequence counts)."""
        return (
            self.name if self.saves_run or self.run_id == RUN_MARK else "",
            self.method,
            self.path_template,
            self.run_id,
            self.body,
            tuple(sorted(self.headers.items())),
            tuple(sorted(self.query.items())),
            self.key_mode,
        )


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def _node_at(document: Any, pointer: str) -> Any:
    node = document
    for part in pointer.lstrip("#").split("/")[1:]:
        node = node[int(part)] if isinstance(node, list) else node[_unescape(part)]
    return node


def _deref(document: Any, pointer: str, node: Any) -> tuple[str, Any]:
    for _ in range(32):
        if not (isinstance(node, Mapping) and "$ref" in node):
            break
        pointer = str(node["$ref"])
        node = _node_at(document, pointer)
    return pointer, node


def _branches(pointer: str, node: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for keyword in ("anyOf", "oneOf"):
        for index, branch in enumerate(node.get(keyword) or []):
            yield f"{pointer}/{keyword}/{index}", branch


def _child(document: Any, pointer: str, node: Any, segment: str) -> tuple[str, Any] | None:
    pointer, node = _deref(document, pointer, node)
    if not isinstance(node, Mapping):
        return None
    if segment == "*" and isinstance(node.get("items"), Mapping):
        return f"{pointer}/items", node["items"]
    properties = node.get("properties") or {}
    if segment in properties:
        return f"{pointer}/properties/{_escape(segment)}", properties[segment]
    for branch_pointer, branch in _branches(pointer, node):
        found = _child(document, branch_pointer, branch, segment)
        if found is not None:
            return found
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping) and segment != "*":
        return f"{pointer}/additionalProperties", extra
    return None


def _keyword(document: Any, pointer: str, node: Any, keyword: str, value: Any) -> str:
    pointer, node = _deref(document, pointer, node)
    if not isinstance(node, Mapping):
        return pointer
    if keyword in node:
        return f"{pointer}/{keyword}"
    candidates = []
    for branch_pointer, branch in _branches(pointer, node):
        at, resolved = _deref(document, branch_pointer, branch)
        if isinstance(resolved, Mapping) and keyword in resolved:
            candidates.append((at, resolved))
    if value is not OMIT:
        kind = json_type(value)
        typed = [(at, b) for at, b in candidates if kind in admitted_types(b) or (kind == "integer" and "number" in b)]
        if keyword == "type" and not typed and candidates:
            return f"{pointer}/{'anyOf' if 'anyOf' in node else 'oneOf'}"
        candidates = typed or candidates
    return f"{candidates[0][0]}/{keyword}" if candidates else pointer


def _value_at(instance: Any, path: Sequence[str]) -> Any:
    for part in path:
        if isinstance(instance, Mapping) and part in instance:
            instance = instance[part]
        else:
            return OMIT
    return instance


def schema_clause(spec: Spec, root: str, location: str, keyword: str, instance: Any = OMIT) -> str:
    """The JSON pointer into the spec document of the clause an instance breaks, e.g.
    `#/components/schemas/GeoTarget/properties/country/type`: walked from `root` along the instance's location
    (following `$ref`s, into the `anyOf` branch that declares the next property), then to the keyword (`required`
    on the object that lists it; a `type` no branch admits is the `anyOf` itself).

    Args:
        spec: the spec.
        root: where the schema starts, e.g. `#/components/schemas/WorkflowRunRequest`.
        location: the instance's JSON pointer (`/proxy_location/country`; a `required` one ends in the missing name).
        keyword: the JSON Schema keyword broken (`type`, `format`, `required`, ...; "": the location's own schema).
        instance: the whole instance (picks the branch a value's type belongs to).

    Example:
        >>> schema_clause(Spec.load(), "#/components/schemas/WorkflowRunRequest", "/proxy_location/country", "type")
        '#/components/schemas/GeoTarget/properties/country/type'
        >>> schema_clause(Spec.load(), "#/components/schemas/WorkflowRunRequest", "/proxy_location/country", "required")
        '#/components/schemas/GeoTarget/required'
    """
    document = spec.document
    path = [part for part in location.split("/") if part]
    walk = path[:-1] if keyword == "required" and path else path
    pointer, node = _deref(document, root, _node_at(document, root))
    for segment in walk:
        found = _child(document, pointer, node, segment)
        if found is None:
            return pointer
        pointer, node = found
    return _keyword(document, pointer, node, keyword, _value_at(instance, walk)) if keyword else pointer


def _operation_pointer(spec: Spec, operation_id: str) -> str:
    path, method, _ = spec.operation(operation_id)
    return f"#/paths/{_escape(path)}/{method.lower()}"


def _response_root(spec: Spec, operation_id: str, status: int) -> str:
    if status not in spec.documented_statuses(operation_id):
        return f"{_operation_pointer(spec, operation_id)}/responses"
    pointer = f"{_operation_pointer(spec, operation_id)}/responses/{status}"
    pointer, _ = _deref(spec.document, pointer, _node_at(spec.document, pointer))
    return f"{pointer}/content/application~1json/schema"


@dataclass(frozen=True, slots=True)
class _Planned:
    """A run_workflow request before its expectation: the body, and what it names that may not exist."""

    name: str
    body: str | None
    tags: tuple[tuple[str, str], ...]
    names_unknown: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)


def _sample_body(text: str) -> Any:
    """The body as a server gets it (the workflow id as some id); raises ValueError when it is not JSON."""
    return json.loads(text.replace(json.dumps(WORKFLOW_MARK), json.dumps("wpid_1")))


def _parameter_value(text: str) -> Any:
    """A header or query value as its schema sees it: the JSON it spells (`1`, `true`, `null`), else the text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return text if isinstance(value, str) else value


def _parameter_problem(spec: Spec, operation_id: str, planned: _Planned) -> tuple[str, str] | None:
    """The clause a header or query value breaks, and how (None when every one fits its schema)."""
    operation = _operation_pointer(spec, operation_id)
    sent = {("header", k.lower()): v for k, v in planned.headers.items()}
    sent.update({("query", k): v for k, v in planned.query.items()})
    for index, parameter in enumerate(spec.operation(operation_id)[2].get("parameters", [])):
        key = (str(parameter.get("in")), str(parameter.get("name", "")).lower())
        if key not in sent:
            continue
        if not jsonschema_rs.validator_for(parameter["schema"]).is_valid(_parameter_value(sent[key])):
            return (
                f"{operation}/parameters/{index}/schema",
                f"the {key[0]} {parameter['name']}: {sent[key]!r} does not fit its schema",
            )
    return None


def _run_expectation(spec: Spec, planned: _Planned) -> Expectation:
    """What the spec allows for a run_workflow request with a valid key.

    A request the schema refuses (body, header or query) gets 422. A valid one is started (200) or refused as
    well-formed but not runnable (400); when it names something that may not exist (a made-up id), 404 too; when
    that is the workflow itself, it is not started.
    """
    operation = _operation_pointer(spec, "run_workflow")
    created = frozenset({"created"})
    created_clause = f"{operation}/description"
    unprocessable = frozenset({422})
    problem = _parameter_problem(spec, "run_workflow", planned)
    if problem is not None:
        return Expectation(unprocessable, problem[0], f"{problem[1]}: the spec's answer is 422")
    if planned.body is None or not planned.body.strip():
        return Expectation(unprocessable, f"{operation}/requestBody/required", "no body: the spec's answer is 422")
    try:
        body = _sample_body(planned.body)
    except ValueError:
        return Expectation(
            unprocessable, f"{operation}/requestBody/content", "the body is not JSON: the spec's answer is 422"
        )
    location, keyword = invalid_cause(spec, body)
    if location:
        root = f"#/components/schemas/{_REQUEST}"
        clause = schema_clause(spec, root, location, keyword, body)
        return Expectation(unprocessable, clause, f"the body breaks it at {location}: the spec's answer is 422")
    if planned.names_unknown == "workflow_id":
        return Expectation(
            frozenset({400, 404}),
            "#/components/responses/NotFound/description",
            "the workflow does not exist: 404 (or 400), never started",
        )
    if planned.names_unknown:
        return Expectation(
            frozenset({200, 400, 404}),
            "#/components/responses/NotFound/description",
            f"{planned.names_unknown} names a made-up resource: 200, 400 or 404",
            created,
            created_clause,
        )
    return Expectation(
        frozenset({200, 400}),
        f"{operation}/responses",
        "a valid request for an existing workflow: 200 (or 400, well-formed but not runnable)",
        created,
        created_clause,
    )


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


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


def _field_plans(spec: Spec, item: Field, base: Mapping[str, Any]) -> list[_Planned]:
    """Every state of one request field, in a body that is otherwise `base` (the minimal body, and for a nested
    field its parent's plain value)."""
    name = ".".join(item.path)
    url_fields = set(spec.url_fields(_REQUEST))
    references = set(spec.reference_fields(_REQUEST))
    top = item.path[0]
    is_url, is_reference, is_workflow = top in url_fields, top in references, item.path == ("workflow_id",)
    required = (
        item.name in spec.required(_REQUEST)
        if len(item.path) == 1
        else item.name in _branch_of(spec, item.path[0]).get("required", [])
    )

    def plan(state: str, label: str, text: str, unknown: str = "") -> _Planned:
        return _Planned(f"{name}: {label}", splice(base, item.path, text).decode(), ((name, state),), unknown)

    plans = []
    if required or len(item.path) > 1:  # an optional top-level field omitted is the minimal body: sent once there
        if len(item.path) == 1:
            omitted = {k: v for k, v in base.items() if k != item.name}
        else:
            omitted = {**base, top: {k: v for k, v in base[top].items() if k != item.name}}
        plans.append(_Planned(f"{name}: omitted", json.dumps(omitted), ((name, OMITTED),)))
    plans.append(plan(NULL, "null", "null"))
    if is_workflow:
        plain: Any = WORKFLOW_MARK
    elif is_url:
        plain = LOOPBACK_URL
    else:
        plain = plain_value(item.schema)
    reference = top if is_reference else ""
    plans.append(plan(VALID, f"valid {_short(plain, 40)}", json.dumps(plain), reference))
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
    for item in spec.fields(_REQUEST):
        if item.name == name:
            return next((b for b in non_null_branches(item.schema) if b.get("properties")), {})
    return {}


def _short(value: Any, limit: int = _SHOWN) -> str:
    text = value if isinstance(value, str) else _json_text(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}... ({len(text)} chars)"


def _body_plans(spec: Spec) -> list[_Planned]:
    """Every request field in every state (`STATES`), the minimal body, workflow parameters, an unknown workflow."""
    minimal = {"workflow_id": WORKFLOW_MARK}
    optional = [f.name for f in spec.fields(_REQUEST) if f.name not in spec.required(_REQUEST)]
    omitted = tuple((name, OMITTED) for name in optional)
    plans = [_Planned("minimal body (every optional field omitted)", json.dumps(minimal), omitted)]
    for item in spec.nested_fields(_REQUEST):
        base: dict[str, Any] = dict(minimal)
        if len(item.path) > 1:
            base[item.path[0]] = plain_value(_branch_of(spec, item.path[0]))
        plans += _field_plans(spec, item, base)
    parameters = {"workflow_id": WORKFLOW_MARK, "parameters": {"x": 1}}
    plans.append(_Planned('parameters: undeclared {"x": 1}', json.dumps(parameters), (("parameters", VALID),)))
    unknown = {"workflow_id": MADE_UP_WORKFLOW}
    plans.append(_Planned("workflow_id: unknown id", json.dumps(unknown), (("workflow_id", VALID),), "workflow_id"))
    return plans


def _parameter_plans(spec: Spec) -> list[_Planned]:
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
                _Planned(f"{where} {name}: {state} {text!r}", minimal, ((f"{where}:{name}", state),), unknown, **place)
            )
    return plans


def _malformed_plans() -> list[_Planned]:
    return [
        _Planned("malformed body: not JSON", '{"workflow_id": ', (("body", "not JSON"),)),
        _Planned("malformed body: empty", "", (("body", "empty"),)),
        _Planned("malformed body: an array", json.dumps([{"workflow_id": WORKFLOW_MARK}]), (("body", "array"),)),
        _Planned("malformed body: 1e400", "1e400", (("body", "1e400"),)),
    ]


def _run_case(spec: Spec, planned: _Planned, *, key_mode: str = "valid", saves_run: bool = False) -> Case:
    path, method, _ = spec.operation("run_workflow")
    expectation = _run_expectation(spec, planned) if key_mode == "valid" else _forbidden()
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


def _forbidden() -> Expectation:
    return Expectation(frozenset({403}), "#/components/responses/Forbidden/description", "a missing or wrong key: 403")


def _run_operation_case(
    spec: Spec, operation_id: str, name: str, run_id: str, expectation: Expectation, **extra: Any
) -> Case:
    path, method, _ = spec.operation(operation_id)
    return Case(name, method, path, None, {}, {}, "valid", expectation, operation_id, run_id, **extra)


def _lifecycle(spec: Spec) -> list[Case]:
    """POST a minimal run, GET it, cancel it, cancel it again, GET it."""
    get_ok = Expectation(
        frozenset({200}), f"{_operation_pointer(spec, 'get_run')}/responses/200", "an existing run: 200"
    )
    cancel = _operation_pointer(spec, "cancel_run")
    cancel_ok = Expectation(frozenset({200}), f"{cancel}/responses/200", "cancel of an unfinished run: 200, null")
    again = Expectation(
        frozenset({200}), f"{cancel}/description", "cancel of a finished run: 200, null (a terminal status stays)"
    )
    canceled = replace(
        get_ok, status_values=frozenset({"canceled"}), status_clause=f"{cancel}/description", rule="a canceled run"
    )
    dates = frozenset(f"/{f.name}" for f in spec.fields(_RUN) if f.nullable and _is_date_time(f.schema))
    dates |= {f"/{name}" for name in _PROGRESS if name in {f.name for f in spec.fields(_RUN)}}
    minimal = _Planned("lifecycle: POST a minimal run", json.dumps({"workflow_id": WORKFLOW_MARK}), ())
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
        planned = _Planned(f"auth: {key_mode} key, run_workflow", minimal, (("x-api-key", key_mode),))
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
                    _forbidden(),
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


# --- sending -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A server the matrix is sent to.

    Attributes:
        label: `real`, `stand-in` or `mimic`.
        base_url: its base URL.
        api_key: its key.
        workflow_id: its workflow (equivalent on every server: no declared parameters).
    """

    label: str
    base_url: str
    api_key: str
    workflow_id: str


@dataclass(frozen=True, slots=True)
class Answer:
    """What one server answered to one case.

    Attributes:
        status: the status code (0: no answer).
        body: the parsed JSON body (None when there is none or it is not JSON).
        text: the raw body, decoded.
        is_json: whether it parsed.
        sent: the body as sent, parsed (OMIT when there was none or it is not JSON).
        workflow_id: that server's workflow id.
        seconds: how long it took.
        error: why there was no answer ("" when there was one).
    """

    status: int
    body: Any = None
    text: str = ""
    is_json: bool = False
    sent: Any = OMIT
    workflow_id: str = ""
    seconds: float = 0.0
    error: str = ""


def _body_for(case: Case, target: Target) -> str | None:
    if case.body is None:
        return None
    return case.body.replace(json.dumps(WORKFLOW_MARK), json.dumps(target.workflow_id))


def _url_for(case: Case, target: Target, run_id: str) -> str:
    path = case.path_template.replace(
        "{run_id}", urllib.parse.quote(run_id if case.run_id == RUN_MARK else case.run_id)
    )
    query = f"?{urllib.parse.urlencode(case.query)}" if case.query else ""
    return f"{target.base_url}{path}{query}"


def send(case: Case, target: Target, run_id: str = "") -> Answer:
    """Send one case to one server (never through a proxy).

    Args:
        case: the case.
        target: the server.
        run_id: the lifecycle's run on that server (for `$RUN_ID`).

    Returns:
        Its answer.
    """
    text = _body_for(case, target)
    data = None if text is None else text.encode("utf-8", "surrogatepass")
    request = urllib.request.Request(_url_for(case, target, run_id), data=data, method=case.method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if case.key_mode == "valid":
        request.add_header("x-api-key", target.api_key)
    elif case.key_mode == "wrong":
        request.add_header("x-api-key", WRONG_KEY)
    for name, value in case.headers.items():
        request.add_header(name, value)
    sent: Any = OMIT
    if text is not None:
        with contextlib.suppress(ValueError):
            sent = json.loads(text)
    started = time.monotonic()
    try:
        with _NO_PROXY.open(request, timeout=_REQUEST_TIMEOUT) as response:
            status, raw = int(response.status), response.read()
    except urllib.error.HTTPError as error:
        status, raw = int(error.code), error.read()
    except (OSError, ValueError) as error:
        return Answer(0, sent=sent, workflow_id=target.workflow_id, error=f"{type(error).__name__}: {error}")
    seconds = time.monotonic() - started
    decoded = raw.decode("utf-8", "replace")
    try:
        body, is_json = json.loads(raw), True
    except ValueError:
        body, is_json = None, False
    return Answer(status, body, decoded, is_json, sent, target.workflow_id, seconds)


def drive(target: Target, cases: Sequence[Case]) -> list[Answer]:
    """Send every case to one server, in order, one at a time.

    Returns:
        The answers, one per case.
    """
    run_id = ""
    answers = []
    for case in cases:
        answer = send(case, target, run_id)
        if case.saves_run and isinstance(answer.body, Mapping):
            run_id = str(answer.body.get("run_id", ""))
        answers.append(answer)
    return answers


# --- comparing ---------------------------------------------------------------------------------------------------


def _is_date_time(schema: Mapping[str, Any]) -> bool:
    return any(branch.get("format") == "date-time" for branch in non_null_branches(schema))


def _timestamp_form(value: str) -> str:
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return "string, not a date-time"
    return "string, date-time with a UTC offset" if parsed.tzinfo else "string, date-time without a UTC offset"


def _is_run(case: Case, answer: Answer) -> bool:
    return case.operation_id in _RUN_OPERATIONS and 200 <= answer.status < 300 and isinstance(answer.body, Mapping)


def describe(spec: Spec, case: Case, answer: Answer) -> dict[str, str]:
    """An answer's shape, aspect by aspect: what is compared between two servers.

    - `status`: the status code;
    - a 2xx run: for every field `WorkflowRunResponse` declares (`/name`), `absent` or its JSON type; a date-time as
      its form (with or without a UTC offset); `/status` and `/run_type` as their values (in a case's `timing`
      fields, `/status` as terminal or not); `run_request` field by field (`/run_request/name`) as the value it
      echoes (the server's own workflow id as `<its own workflow id>`), or `absent`;
    - any other JSON body: the JSON type of the body (`/`) and of its `detail` (`/detail`).

    Values that are per-server by nature (ids, timestamps, URLs) are not described; fields the spec does not declare
    are left out (the spec keeps objects open to them: see `undeclared_fields`).
    """
    found = {"status": str(answer.status) if answer.status else f"no answer ({answer.error})"}
    body = answer.body
    if not answer.is_json:
        if answer.text.strip():
            found["/"] = "not JSON"
        return found
    if not _is_run(case, answer):
        found["/"] = json_type(body)
        if isinstance(body, Mapping):
            found["/detail"] = json_type(body["detail"]) if "detail" in body else _ABSENT
        return found
    for item in spec.fields(_RUN):
        aspect = f"/{item.name}"
        if item.name == "run_request":
            continue
        if item.name not in body:
            found[aspect] = _ABSENT
            continue
        value = body[item.name]
        if item.name == "status" and isinstance(value, str):
            timing = aspect in case.timing
            found[aspect] = ("terminal" if value in _TERMINAL else "not terminal") if timing else value
        elif item.name == "run_type" and isinstance(value, str):
            found[aspect] = value
        elif isinstance(value, str) and _is_date_time(item.schema):
            found[aspect] = _timestamp_form(value)
        else:
            found[aspect] = json_type(value)
    echo = body.get("run_request", OMIT)
    if not isinstance(echo, Mapping):
        found["/run_request"] = _ABSENT if echo is OMIT else json_type(echo)
        return found
    for item in spec.fields(_REQUEST):
        aspect = f"/run_request/{item.name}"
        value = echo.get(item.name, OMIT)
        declared = _declared_properties(item.schema)
        if value is OMIT:
            found[aspect] = _ABSENT
        elif item.name == "workflow_id" and value == answer.workflow_id:
            found[aspect] = "<its own workflow id>"
        elif isinstance(value, Mapping) and declared:  # a record (GeoTarget): its declared keys one by one
            found[aspect] = "object"
            for key in declared:
                found[f"{aspect}/{key}"] = _json_text(value[key]) if key in value else _ABSENT
        else:
            found[aspect] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return found


def _declared_properties(schema: Mapping[str, Any]) -> list[str]:
    """The properties the object branches of a (resolved) schema declare, in spec order (none for a map)."""
    names: list[str] = []
    for branch in non_null_branches(schema):
        names += [name for name in branch.get("properties", {}) if name not in names]
    return names


def undeclared_fields(spec: Spec, answers: Iterable[tuple[Case, Answer]]) -> list[str]:
    """The top-level fields of the 2xx runs that `WorkflowRunResponse` does not declare (sorted)."""
    declared = {item.name for item in spec.fields(_RUN)}
    extra: set[str] = set()
    for case, answer in answers:
        if _is_run(case, answer):
            extra |= set(answer.body) - declared
    return sorted(extra)


class Kind(enum.StrEnum):
    """The classes of a difference (see `classify_difference`)."""

    REAL_DEVIATES = "real server deviates from the spec"
    FIDELITY_BUG = "fidelity bug"
    STAND_IN_DEVIATES = "stand-in deviates from the spec"
    BOTH_DEVIATE = "both deviate from the spec"


@dataclass(frozen=True, slots=True)
class Difference:
    """One aspect on which two servers answered one case differently.

    Attributes:
        case: the case.
        aspect: `status`, or a JSON pointer into the body (`/created_at`, `/run_request/title`).
        real: the real server's side (see `describe`).
        stand_in: the stand-in's side.
        kind: its class.
        clause: the spec clause that decides it (a JSON pointer into `spec/openapi.yaml`; for a fidelity bug, the
            clause that allows both answers).
        why: the reason, in words.
    """

    case: Case
    aspect: str
    real: str
    stand_in: str
    kind: Kind
    clause: str
    why: str


_RUN_REQUEST_CLAUSE = f"#/components/schemas/{_RUN}/properties/run_request/description"


def _status_clause(spec: Spec, case: Case, status: int) -> str:
    """The clause a documented status breaks when the case's expectation does not allow it: the response's own
    description where it names its conditions (403: a bad key; 404: a missing resource), the request schema where
    a valid request got 422 (the property the case is about), else the one in the case's expectation."""
    expectation = case.expect_from_spec
    if status == 403 and case.key_mode == "valid":
        return "#/components/responses/Forbidden/description"
    if status == 404 and 404 not in expectation.statuses and 422 not in expectation.statuses:
        return "#/components/responses/NotFound/description"
    if status == 422 and 422 not in expectation.statuses and case.operation_id == "run_workflow":
        names = [name for name, _ in case.tags if not name.startswith(("header:", "query:", "body", "x-api-key"))]
        location = "/" + names[0].replace(".", "/") if names else ""
        return schema_clause(spec, f"#/components/schemas/{_REQUEST}", location, "")
    return expectation.clause


def broken_clause(spec: Spec, case: Case, aspect: str, answer: Answer) -> tuple[str, str] | None:
    """The spec clause an answer breaks on one aspect, and how (None when it keeps every clause there).

    - `status`: a 5xx, or a status the operation does not document, breaks its `responses`; any other status outside
      the case's `expect_from_spec` breaks the clause named there (e.g. a request the schema refuses gets 422);
    - a body aspect: the response schema (`checks.schema_violations`) at that location or below, named as the
      pointer of the schema keyword broken (`.../created_at/format`); a run's `status` value outside the values the
      case allows; `run_request/name` not echoing what was sent (`checks.echoed`: a value sent comes back equal, an
      omitted one absent, null or the spec's default).
    """
    expectation = case.expect_from_spec
    if aspect == "status":
        documented = spec.documented_statuses(case.operation_id)
        if answer.status >= 500 or answer.status not in documented:
            where = f"{_operation_pointer(spec, case.operation_id)}/responses"
            return where, f"documents {', '.join(map(str, sorted(documented)))}; answered {answer.status or 'nothing'}"
        if answer.status not in expectation.statuses:
            return _status_clause(spec, case, answer.status), f"{expectation.rule}; answered {answer.status}"
        return None
    if not answer.is_json:
        if aspect == "/" and answer.status:
            root = _response_root(spec, case.operation_id, answer.status)
            return root, f"the {answer.status} body is not JSON"
        return None
    for violation in schema_violations(spec, case.operation_id, answer.status, answer.body):
        if violation.location == aspect or violation.location.startswith(aspect.rstrip("/") + "/"):
            root = _response_root(spec, case.operation_id, answer.status)
            clause = schema_clause(spec, root, violation.location, violation.kind, answer.body)
            return clause, violation.detail
    if aspect == "/status" and expectation.status_values and isinstance(answer.body, Mapping):
        value = answer.body.get("status")
        if value not in expectation.status_values and aspect not in case.timing:
            wanted = " or ".join(sorted(expectation.status_values))
            return expectation.status_clause, f"the run's status is {value!r}, the spec says {wanted}"
    if aspect.startswith("/run_request/") and isinstance(answer.body, Mapping):
        name, _, key = aspect.removeprefix("/run_request/").partition("/")
        sent = {name: answer.sent[name]} if isinstance(answer.sent, Mapping) and name in answer.sent else {}
        echo = answer.body.get("run_request")
        got = {name: echo[name]} if isinstance(echo, Mapping) and name in echo else {}
        if key and isinstance(sent.get(name), Mapping) and isinstance(got.get(name), Mapping):
            sent = {name: {k: v for k, v in sent[name].items() if k == key}}  # judge that one key
            got = {name: {k: v for k, v in got[name].items() if k == key}}
        try:
            echoed(spec, sent, got, case.operation_id)
        except ContractViolation as violation:
            return _RUN_REQUEST_CLAUSE, violation.detail
    return None


def classify_difference(case: Case, aspect: str, real: Answer, stand_in: Answer, spec: Spec) -> Difference:
    """Sort one difference between the real server's answer and the stand-in's, by the spec alone.

    The rule: each answer is judged on that aspect against the spec (`broken_clause`: the statuses the spec allows
    for that very request, the response schema, the run's status value, what `run_request` must echo).

    - only the real server's answer breaks a clause: **the real server deviates from the spec** (expected: the
      stand-in follows the spec; listed with that clause);
    - neither breaks one: the spec is silent (it allows both answers, e.g. 200 and 400 for a valid request, or a
      field null on one side and absent on the other), so the stand-in must answer what the real server answers:
      **a fidelity bug**;
    - only the stand-in's breaks one: **the stand-in deviates from the spec** (a bug of the stand-in);
    - both break one: **both deviate from the spec** (the stand-in too).

    Only the first class is acceptable. Fields the spec does not declare are not compared at all (`describe`): the
    spec keeps objects open to them, so neither having them nor lacking them breaks or fills a silence in it.
    """
    real_side, stand_side = (
        describe(spec, case, real).get(aspect, _ABSENT),
        describe(spec, case, stand_in).get(aspect, _ABSENT),
    )
    real_breaks = broken_clause(spec, case, aspect, real)
    stand_breaks = broken_clause(spec, case, aspect, stand_in)
    if real_breaks and not stand_breaks:
        return Difference(case, aspect, real_side, stand_side, Kind.REAL_DEVIATES, real_breaks[0], real_breaks[1])
    if stand_breaks and not real_breaks:
        return Difference(case, aspect, real_side, stand_side, Kind.STAND_IN_DEVIATES, stand_breaks[0], stand_breaks[1])
    if real_breaks and stand_breaks:
        why = f"real: {real_breaks[1]}; stand-in: {stand_breaks[1]}"
        return Difference(case, aspect, real_side, stand_side, Kind.BOTH_DEVIATE, real_breaks[0], why)
    if aspect == "status":
        allowed = ", ".join(map(str, sorted(case.expect_from_spec.statuses)))
        clause, why = case.expect_from_spec.clause, f"the spec allows {allowed} here ({case.expect_from_spec.rule})"
    elif aspect.startswith("/run_request/"):
        clause, why = _RUN_REQUEST_CLAUSE, "the spec gives no rule that tells the two echoes apart"
    else:
        root = _response_root(spec, case.operation_id, real.status)
        clause = schema_clause(spec, root, aspect, "")
        why = "the response schema allows both"
    return Difference(case, aspect, real_side, stand_side, Kind.FIDELITY_BUG, clause, why)


def _tolerated(case: Case, aspect: str, one: str, other: str) -> bool:
    """A lifecycle read's timing field that is null on one side (the run got there on one server only)."""
    return aspect in case.timing and aspect != "/status" and "null" in (one, other)


def differing_aspects(spec: Spec, case: Case, first: Answer, second: Answer) -> list[str]:
    """The aspects on which two answers to one case differ (a body is compared only when both statuses are equal)."""
    one, other = describe(spec, case, first), describe(spec, case, second)
    if one["status"] != other["status"]:
        return ["status"]
    if first.status not in spec.documented_statuses(case.operation_id):
        return []  # a 5xx or another undocumented status on both: no schema to compare the bodies by
    aspects = sorted(set(one) | set(other), key=lambda a: (a != "status", a.count("/"), a))
    return [
        a
        for a in aspects
        if one.get(a, _ABSENT) != other.get(a, _ABSENT)
        and not _tolerated(case, a, one.get(a, _ABSENT), other.get(a, _ABSENT))
    ]


def compare(spec: Spec, case: Case, real: Answer, stand_in: Answer) -> list[Difference]:
    """Every difference between the real server's answer and the stand-in's, classified."""
    return [
        classify_difference(case, aspect, real, stand_in, spec)
        for aspect in differing_aspects(spec, case, real, stand_in)
    ]


def mimic_mismatches(
    spec: Spec, cases: Sequence[Case], real: Sequence[Answer], mimic: Sequence[Answer]
) -> list[tuple[Case, str, str, str]]:
    """Where the mimic's answer differs from the real server's (status, shape), except where the real one is a 5xx
    (or none): `(case, aspect, real side, mimic side)`."""
    found = []
    for case, real_answer, mimic_answer in zip(cases, real, mimic, strict=True):
        if real_answer.status >= 500 or real_answer.status == 0:
            continue
        one, other = describe(spec, case, real_answer), describe(spec, case, mimic_answer)
        for aspect in differing_aspects(spec, case, real_answer, mimic_answer):
            found.append((case, aspect, one.get(aspect, _ABSENT), other.get(aspect, _ABSENT)))
    return found


# --- the doc -----------------------------------------------------------------------------------------------------


def _sh_single(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _sh_body(text: str) -> str:
    """A shell word for a body: single-quoted, the workflow id as `"$WORKFLOW_ID"`, long runs of one character
    written as a `printf` (so that a 10,000-character value stays one short line)."""
    parts: list[str] = []
    for index, piece in enumerate(text.split(json.dumps(WORKFLOW_MARK))):
        if index:
            parts.append('\'"\\"$WORKFLOW_ID\\""\'')
        position = 0
        for run in _LONG_RUN.finditer(piece):
            parts.append(piece[position : run.start()].replace("'", "'\\''"))
            char = run.group(1)
            printf_char = char.replace("%", "%%").replace("\\", "\\\\").replace("'", "'\\''")
            parts.append(f"'\"$(printf '{printf_char}%.0s' {{1..{len(run.group(0))}}})\"'")
            position = run.end()
        parts.append(piece[position:].replace("'", "'\\''"))
    return "'" + "".join(parts) + "'"


def curl(case: Case) -> str:
    """The case as a curl command: the base URL as `$BASE_URL`, the key as `$CONTRACT_API_KEY`, the workflow id as
    `$WORKFLOW_ID`, the lifecycle's run as `$RUN_ID` (never a real key)."""
    words = ["curl", "-sS", "-i", "-X", case.method]
    if case.key_mode == "valid":
        words.append(f'-H "x-api-key: {KEY_PLACEHOLDER}"')
    elif case.key_mode == "wrong":
        words.append(f"-H {_sh_single('x-api-key: ' + WRONG_KEY)}")
    for name, value in case.headers.items():
        words.append(f"-H {_sh_single(f'{name}: {value}')}")
    if case.body is not None:
        words += ["-H 'content-type: application/json'", f"--data-binary {_sh_body(case.body)}"]
    run_id = "$RUN_ID" if case.run_id == RUN_MARK else urllib.parse.quote(case.run_id)
    path = case.path_template.replace("{run_id}", run_id)
    query = f"?{urllib.parse.urlencode(case.query)}" if case.query else ""
    words.append(f'"$BASE_URL{path}{query}"')
    return " ".join(words)


@dataclass(slots=True)
class Report:
    """Everything the doc shows.

    Attributes:
        cases: the matrix.
        real: the real server's answers.
        stand_in: the stand-in's answers.
        mimic: the mimic's answers (empty when it did not run).
        mimic_note: why the mimic did not run ("" when it did).
        versions: what ran, by name.
        date: when.
        seconds: the whole run's wall time, by phase.
        secret_values: values that must never appear in the doc.
    """

    cases: list[Case]
    real: list[Answer]
    stand_in: list[Answer]
    mimic: list[Answer] = field(default_factory=list)
    mimic_note: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    date: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    secret_values: list[str] = field(default_factory=list)

    def unanswered(self) -> list[str]:
        """`server: case` for every request a server did not answer (it died, or hung past the timeout)."""
        sides = [("real server", self.real), ("stand-in", self.stand_in), ("mimic", self.mimic)]
        return [
            f"{label}: {case.name} ({answer.error})"
            for label, answers in sides
            for case, answer in zip(self.cases, answers, strict=False)
            if not answer.status
        ]

    def differences(self, spec: Spec) -> list[Difference]:
        """Every classified difference between the real server and the stand-in."""
        return [d for c, r, s in zip(self.cases, self.real, self.stand_in, strict=True) for d in compare(spec, c, r, s)]


def _cell(text: Any, limit: int = 200) -> str:
    shown = _short(str(text), limit).replace("|", "\\|").replace("\n", " ")
    return shown.replace("`", "'")


def _answer_cell(answer: Answer) -> str:
    if not answer.status:
        return f"no answer ({_cell(answer.error, 80)})"
    detail = ""
    if isinstance(answer.body, Mapping) and isinstance(answer.body.get("detail"), str):
        detail = f" {answer.body['detail']}"
    elif isinstance(answer.body, Mapping) and isinstance(answer.body.get("detail"), list) and answer.body["detail"]:
        first = answer.body["detail"][0]
        if isinstance(first, Mapping):
            detail = f" {first.get('loc')} {first.get('msg', '')}"
    elif isinstance(answer.body, Mapping) and "error" in answer.body:
        detail = f" {answer.body['error']}"
    return _cell(f"{answer.status}{detail}", 110)


def _numbers(cases: Iterable[Case], index: Mapping[int, int]) -> str:
    numbers = sorted({index[id(case)] for case in cases})
    return ", ".join(f"#{n}" for n in numbers) + f" ({len(numbers)})"


def group(differences: Iterable[Difference]) -> list[list[Difference]]:
    """Differences with the same aspect, the same two sides and the same clause, together (one root cause each),
    the largest group first."""
    groups: dict[tuple[str, str, str, str], list[Difference]] = {}
    for d in differences:
        groups.setdefault((d.aspect, d.real, d.stand_in, d.clause), []).append(d)
    return sorted(groups.values(), key=lambda items: (-len(items), items[0].aspect, items[0].real))


def _difference_rows(differences: Sequence[Difference], index: Mapping[int, int], *, mimic: bool = False) -> list[str]:
    if mimic:
        rows = ["| aspect | real server | mimic | cases | first case |", "|---|---|---|---|---|"]
    else:
        rows = ["| aspect | real server | stand-in | cases | clause | why (first case) |", "|---|---|---|---|---|---|"]
    for items in group(differences):
        d = items[0]
        cases = _numbers((i.case for i in items), index)
        row = f"| `{_cell(d.aspect)}` | {_cell(d.real, 90)} | {_cell(d.stand_in, 90)} | {cases} |"
        if mimic:
            rows.append(f"{row} {_cell(d.case.name, 90)} |")
        else:
            rows.append(f"{row} `{_cell(d.clause)}` | {_cell(d.case.name + ': ' + d.why, 200)} |")
    return rows


def _clause_text(spec: Spec, clause: str) -> str:
    """What the spec says at a pointer, shortly (a description's first sentence, a keyword's value)."""
    try:
        node = _node_at(spec.document, clause)
    except (KeyError, IndexError, ValueError, TypeError):
        return ""
    last = _unescape(clause.rsplit("/", 1)[-1])
    if last == "description" and isinstance(node, str):
        return node.split(". ")[0].strip()
    if last in ("anyOf", "oneOf") and isinstance(node, list):
        kinds = sorted(set().union(*(admitted_types(spec.resolve(branch)) for branch in node)))
        return f"{last}: one of {', '.join(kinds)}"
    if isinstance(node, Mapping):
        if "description" in node:
            return str(node["description"]).split(". ")[0].strip()
        return ", ".join(str(key) for key in node)
    return f"{last}: {_short(node, 100)}"


def _mimic_groups(mismatches: Iterable[tuple[Case, str, str, str]], *, flat: bool = False) -> Any:
    """Mimic mismatches as differences (`flat`), or grouped like them."""
    found = [Difference(c, aspect, one, other, Kind.FIDELITY_BUG, "", "") for c, aspect, one, other in mismatches]
    return found if flat else group(found)


def render_doc(report: Report, spec: Spec) -> str:
    """`docs/fidelity.md`: versions, counts, the fidelity bugs, the real server's deviations with their clauses,
    the mimic comparison, and every case with its answers and its curl (no key in it).

    Args:
        report: the run.
        spec: the spec.

    Returns:
        Markdown text.
    """
    differences = report.differences(spec)
    by_kind = {kind: [d for d in differences if d.kind is kind] for kind in Kind}
    index = {id(case): number for number, case in enumerate(report.cases, 1)}
    same_status = sum(1 for r, s in zip(report.real, report.stand_in, strict=True) if r.status == s.status)
    with_difference = len({id(d.case) for d in differences})
    mimic = (
        mimic_mismatches(spec, report.cases, report.real, report.mimic)
        if report.mimic and not report.mimic_note
        else None
    )
    lines = [
        "<!-- Generated by `make fidelity` (contract_tests/fidelity.py): do not edit by hand; rerun `make fidelity` "
        "as root. -->",
        "# Fidelity: the reference server beside the real Skyvern server",
        "",
        "`make fidelity` sends the real open-source Skyvern server and a reference server (`python -m reference_server`,",
        "a workflow equivalent to the real one: no declared parameters) the same requests (one at a time per server, the servers side by side),",
        "in a private network namespace with only loopback (`unshare -n`, as root). The matrix comes from",
        "`spec/openapi.yaml` alone. Each difference is sorted by one rule (below). Rerun: `make fidelity`",
        "(`python -m contract_tests.fidelity --no-mimic` skips the mimic).",
        "",
        "| | |",
        "|---|---|",
        f"| date | {report.date} |",
        *(f"| {_cell(name)} | {_cell(value, 300)} |" for name, value in report.versions.items()),
        f"| time | {', '.join(f'{name} {seconds:.1f} s' for name, seconds in report.seconds.items())} |",
        "",
        "## Summary",
        "",
        "| | count |",
        "|---|---:|",
        f"| cases (requests per server) | {len(report.cases)} |",
        f"| same status on both | {same_status} |",
        f"| cases with a difference | {with_difference} |",
        *(
            f"| differences: {kind.value} (distinct) | {len(by_kind[kind])} ({len(group(by_kind[kind]))}) |"
            for kind in Kind
        ),
        "| mimic mismatches, real server not 5xx (distinct) | "
        + (
            f"{len(mimic)} ({len(_mimic_groups(mimic))})"
            if mimic is not None
            else f"not run: {_cell(report.mimic_note)}"
        )
        + " |",
        *(
            [
                "",
                f"**Not every request was answered ({len(report.unanswered())}); the comparison is incomplete (exit "
                "status 2):**",
                "",
                *(f"- {_cell(item, 300)}" for item in report.unanswered()),
            ]
            if report.unanswered()
            else []
        ),
        "",
        "## The rule",
        "",
        "From `contract_tests.fidelity.classify_difference`, the one place it is decided:",
        "",
        *("> " + line if line else ">" for line in (inspect.getdoc(classify_difference) or "").splitlines()),
        "",
        "A clause is named as a JSON pointer into `spec/openapi.yaml`. What is compared (`describe`): the status; for a",
        "2xx run, every field the spec declares (absent, or its JSON type; timestamps by their form, with or without a",
        "UTC offset; `status` and `run_type` by value) and `run_request` field by field (the value it echoes); for other",
        "JSON bodies, the JSON type of `detail`. Ids, timestamps' values and URLs are per server and not compared. In the",
        "lifecycle's reads, a timestamp null on one side only is when the run got there, not a difference, and the",
        "first read compares `status` as terminal or not.",
    ]
    sections = [
        (Kind.FIDELITY_BUG, "Fidelity bugs (the spec is silent; the stand-in must answer as the real server does)"),
        (Kind.STAND_IN_DEVIATES, "The stand-in deviates from the spec"),
        (Kind.BOTH_DEVIATE, "Both deviate from the spec"),
    ]
    for kind, title in sections:
        lines += ["", f"## {title}: {len(by_kind[kind])}", ""]
        lines += _difference_rows(by_kind[kind], index) if by_kind[kind] else ["None."]
    real = by_kind[Kind.REAL_DEVIATES]
    lines += ["", f"## The real server deviates from the spec: {len(real)}", ""]
    if real:
        lines += ["Expected: the stand-in follows the spec here. By clause:", ""]
        lines += ["| clause | the spec says | cases | aspects |", "|---|---|---:|---|"]
        clauses: dict[str, list[Difference]] = {}
        for d in real:
            clauses.setdefault(d.clause, []).append(d)
        for clause, items in sorted(clauses.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            aspects = sorted({d.aspect for d in items})
            lines.append(
                f"| `{_cell(clause)}` | {_cell(_clause_text(spec, clause), 140)} | {len({id(d.case) for d in items})} | "
                f"{_cell(', '.join(f'`{a}`' for a in aspects), 300)} |"
            )
        lines += ["", *_difference_rows(real, index)]
    else:
        lines.append("None.")
    extra_real = undeclared_fields(spec, zip(report.cases, report.real, strict=True))
    extra_stand = undeclared_fields(spec, zip(report.cases, report.stand_in, strict=True))
    lines += [
        "",
        "## Fields the spec does not declare (not compared)",
        "",
        "The spec keeps objects open (`#/info/description`): a client must ignore them, and neither side is judged.",
        "",
        f"- real server: {', '.join(f'`{n}`' for n in extra_real) or 'none'}",
        f"- stand-in: {', '.join(f'`{n}`' for n in extra_stand) or 'none'}",
        "",
        f"## The mimic (`python -m reference_server {MIMIC_OPTION} {MIMIC_VERSION}`) beside the real server",
        "",
    ]
    if mimic is None:
        lines.append(f"Not run: {report.mimic_note}.")
    elif not mimic:
        lines.append("It answers every case like the real server (cases the real server answers with a 5xx aside).")
    else:
        as_differences = _mimic_groups(mimic, flat=True)
        lines += [
            f"{len(mimic)} mismatch(es) ({len(group(as_differences))} distinct) where the real server did not answer "
            "a 5xx:",
            "",
            *_difference_rows(as_differences, index, mimic=True),
        ]
    lines += _doc_cases(report, spec, differences, index)
    return redact("\n".join(lines) + "\n", report.secret_values)


def _doc_cases(report: Report, spec: Spec, differences: Sequence[Difference], index: Mapping[int, int]) -> list[str]:
    kinds: dict[int, set[str]] = {}
    for d in differences:
        kinds.setdefault(id(d.case), set()).add(d.kind.value)
    mimic = bool(report.mimic) and not report.mimic_note
    lines = [
        "",
        "## Every case",
        "",
        "`spec` is what the spec allows (and why); the answers show the status and the first words of `detail`.",
        "",
        "| # | case | spec | real server | stand-in |" + (" mimic |" if mimic else "") + " differences |",
        "|---|---|---|---|---|" + ("---|" if mimic else "") + "---|",
    ]
    for number, case in enumerate(report.cases, 1):
        expected = case.expect_from_spec
        allowed = "/".join(map(str, sorted(expected.statuses)))
        row = (
            f"| {number} | {_cell(case.name, 90)} | {allowed}: {_cell(expected.rule, 90)} | "
            f"{_answer_cell(report.real[number - 1])} | {_answer_cell(report.stand_in[number - 1])} |"
        )
        if mimic:
            row += f" {_answer_cell(report.mimic[number - 1])} |"
        lines.append(row + f" {_cell(', '.join(sorted(kinds.get(id(case), set()))) or 'same')} |")
    lines += [
        "",
        "### The requests as curl",
        "",
        "Set `BASE_URL`, `CONTRACT_API_KEY` and `WORKFLOW_ID` for a server (`RUN_ID`: the run the first case created",
        "there). The servers lived only for the run; start one the same way, inside `unshare -n` for the real one.",
        "",
        "```sh",
    ]
    for number, case in enumerate(report.cases, 1):
        lines += [f"# {number}. {case.name}", curl(case)]
    return [*lines, "```"]


# --- the command -------------------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"fidelity: {message}", file=sys.stderr, flush=True)


def mimic_available() -> str:
    """ "" when `python -m reference_server --help` offers `--like-skyvern`, else why the mimic cannot run."""
    try:
        shown = subprocess.run(
            [sys.executable, "-m", "reference_server", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=ROOT,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`python -m reference_server --help` failed: {error}"
    if MIMIC_OPTION not in shown.stdout:
        return f"this reference server has no `{MIMIC_OPTION}` option yet (`python -m reference_server --help`)"
    return ""


def stand_in_workflows(path: Path, workflow_id: str) -> Path:
    """Write a workflows file with one workflow equivalent to the real server's (`WAIT_WORKFLOW`): its title, no
    declared parameters, a run that completes after a second."""
    definition = WAIT_WORKFLOW["json_definition"]
    workflow = {
        "workflow_id": workflow_id,
        "title": definition["title"],
        "parameters": list(definition["workflow_definition"]["parameters"]),
        "outcome": {"status": "completed", "run_seconds": 1, "steps": 1},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"workflows": [workflow]}, sort_keys=False), encoding="utf-8")
    return path


def _reference(workdir: Path, workflows: Path, *, mimic: bool) -> ReferenceServer:
    options = ["--workflows", str(workflows), *([MIMIC_OPTION, MIMIC_VERSION] if mimic else [])]
    return ReferenceServer(workdir, server_defaults=True, options=options)


def _git_version() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return head.stdout.strip() or "unknown"


def _versions(server: SkyvernServer, venv: Path, mimic_note: str) -> dict[str, str]:
    try:
        ours = importlib.metadata.version("skyvern-run-contract")
    except importlib.metadata.PackageNotFoundError:
        ours = "not installed"
    version = server.version if isinstance(server.version, str) else json.dumps(server.version)
    return {
        "real server": f"skyvern {installed_version(venv) or '?'} (PyPI `skyvern[local]`), `GET /v1/version`: `{version}`",
        "stand-in": f"`python -m reference_server --workflows FILE` (skyvern-run-contract {ours}, git {_git_version()})",
        "mimic": f"`python -m reference_server --workflows FILE {MIMIC_OPTION} {MIMIC_VERSION}`"
        + (f" (not run: {mimic_note})" if mimic_note else ""),
        "python": platform.python_version(),
    }


def _raise_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _fresh(workdir: Path) -> None:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)


def exit_status(report: Report, spec: Spec) -> int:
    """0 when every difference is the real server deviating from the spec and the mimic (when it ran) matches."""
    if report.unanswered():
        return EXIT_NOT_RUN
    bad = [d for d in report.differences(spec) if d.kind is not Kind.REAL_DEVIATES]
    mimic = (
        mimic_mismatches(spec, report.cases, report.real, report.mimic)
        if report.mimic and not report.mimic_note
        else []
    )
    return EXIT_DIFFERENT if bad or mimic else EXIT_OK


def run_in_namespace(args: argparse.Namespace) -> int:
    """Start the servers, send the matrix to each, stop them, write the doc; returns the exit status."""
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    started = time.monotonic()
    spec = Spec.load()
    cases = build_matrix(spec)
    workdir: Path = args.workdir.resolve()
    _fresh(workdir)
    mimic_note = "skipped (--no-mimic)" if args.no_mimic else mimic_available()
    workflows = stand_in_workflows(workdir / "workflows.yaml", "wpid_300000000000000001")
    real = SkyvernServer(args.venv.resolve(), workdir / "real")
    stand_in = _reference(workdir / "stand-in", workflows, mimic=False)
    mimic = None if mimic_note else _reference(workdir / "mimic", workflows, mimic=True)
    seconds: dict[str, float] = {}
    try:
        _log(f"starting skyvern {real.package_version or '?'} and the reference server(s); {len(cases)} cases")
        stand_in.start()
        if mimic is not None:
            mimic.start()
        real.start()
        seconds["real server start"] = real.start_seconds
        targets = [
            Target("real", real.base_url, real.api_key, real.workflow_id),
            Target("stand-in", stand_in.base_url, stand_in.api_key, stand_in.workflow_id),
        ]
        if mimic is not None:
            targets.append(Target("mimic", mimic.base_url, mimic.api_key, mimic.workflow_id))
        sending = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(len(targets)) as pool:
            answers = list(pool.map(lambda target: drive(target, cases), targets))
        seconds["matrix"] = time.monotonic() - sending
        secrets = [real.api_key, real.secret, stand_in.api_key, *([mimic.api_key] if mimic is not None else [])]
    except (ServerError, TargetError) as error:
        _log(f"could not start a server, nothing was compared: {redact(str(error), [real.api_key, real.secret])}")
        return EXIT_NOT_RUN
    finally:
        real.stop()
        stand_in.stop()
        if mimic is not None:
            mimic.stop()
    seconds["total"] = time.monotonic() - started
    report = Report(
        cases=cases,
        real=answers[0],
        stand_in=answers[1],
        mimic=answers[2] if len(answers) > 2 else [],
        mimic_note=mimic_note,
        versions=_versions(real, args.venv.resolve(), mimic_note),
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        seconds=seconds,
        secret_values=secrets,
    )
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(render_doc(report, spec), encoding="utf-8")
    status = exit_status(report, spec)
    counts = {kind.value: 0 for kind in Kind}
    for difference in report.differences(spec):
        counts[difference.kind.value] += 1
    _log(", ".join(f"{name}: {count}" for name, count in counts.items()) + f"; wrote {args.doc}; exit status {status}")
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m contract_tests.fidelity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="the real server's venv (default: %(default)s)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="emptied first (default: %(default)s)")
    parser.add_argument("--doc", type=Path, default=DEFAULT_DOC, help="the doc to write (default: %(default)s)")
    parser.add_argument("--no-mimic", action="store_true", help=f"skip the {MIMIC_OPTION} {MIMIC_VERSION} comparison")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status (2 when nothing was sent)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arguments)
    refused = enter_private_network("contract_tests.fidelity", arguments, "fidelity", "Nothing was sent.")
    if refused is not None:
        return refused
    return run_in_namespace(args)


if __name__ == "__main__":
    sys.exit(main())

"""What the spec allows as the answer to a run_workflow request of the matrix, and which clause decides it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs

from campaigns.fidelity.cases import REQUEST, WORKFLOW_MARK, Expectation
from campaigns.fidelity.clauses import operation_pointer, schema_clause
from contract_tests.checks.classify import invalid_cause
from contract_tests.spec import Spec

__all__ = ["Planned", "forbidden", "run_expectation"]


@dataclass(frozen=True, slots=True)
class Planned:
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


def _parameter_problem(spec: Spec, operation_id: str, planned: Planned) -> tuple[str, str] | None:
    """The clause a header or query value breaks, and how (None when every one fits its schema)."""
    operation = operation_pointer(spec, operation_id)
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


def run_expectation(spec: Spec, planned: Planned) -> Expectation:
    """What the spec allows for a run_workflow request with a valid key.

    A request the schema refuses (body, header or query) gets 422. A valid one is started (200) or refused as
    well-formed but not runnable (400); when it names something that may not exist (a made-up id), 404 too; when
    that is the workflow itself, it is not started.
    """
    operation = operation_pointer(spec, "run_workflow")
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
        root = f"#/components/schemas/{REQUEST}"
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


def forbidden() -> Expectation:
    return Expectation(frozenset({403}), "#/components/responses/Forbidden/description", "a missing or wrong key: 403")

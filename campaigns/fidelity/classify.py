"""The one rule that sorts a difference between the real server and the stand-in (`classify_difference`), the clause
each answer breaks (`broken_clause`), and the differences of two answers."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from campaigns.fidelity.cases import REQUEST, RUN, Case
from campaigns.fidelity.clauses import operation_pointer, response_root, schema_clause
from campaigns.fidelity.sending import Answer
from campaigns.fidelity.shape import ABSENT, describe
from contract_tests.checks.echo import echoed
from contract_tests.checks.reply import schema_violations
from contract_tests.model.areas import ContractViolation
from contract_tests.spec import Spec

__all__ = [
    "Difference",
    "Kind",
    "Mismatch",
    "broken_clause",
    "classify_difference",
    "compare",
    "differing_aspects",
    "mimic_mismatches",
]


Mismatch = tuple[Case, str, str, str]
"""Where the mimic answered unlike the real server: the case, the aspect, the real side, the mimic's side."""


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


_RUN_REQUEST_CLAUSE = f"#/components/schemas/{RUN}/properties/run_request/description"


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
        return schema_clause(spec, f"#/components/schemas/{REQUEST}", location, "")
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
            where = f"{operation_pointer(spec, case.operation_id)}/responses"
            return where, f"documents {', '.join(map(str, sorted(documented)))}; answered {answer.status or 'nothing'}"
        if answer.status not in expectation.statuses:
            return _status_clause(spec, case, answer.status), f"{expectation.rule}; answered {answer.status}"
        return None
    if not answer.is_json:
        if aspect == "/" and answer.status:
            root = response_root(spec, case.operation_id, answer.status)
            return root, f"the {answer.status} body is not JSON"
        return None
    for violation in schema_violations(spec, case.operation_id, answer.status, answer.body):
        if violation.location == aspect or violation.location.startswith(aspect.rstrip("/") + "/"):
            root = response_root(spec, case.operation_id, answer.status)
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
            echoed(None, spec, sent, got, case.operation_id)
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
        describe(spec, case, real).get(aspect, ABSENT),
        describe(spec, case, stand_in).get(aspect, ABSENT),
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
        root = response_root(spec, case.operation_id, real.status)
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
        if one.get(a, ABSENT) != other.get(a, ABSENT)
        and not _tolerated(case, a, one.get(a, ABSENT), other.get(a, ABSENT))
    ]


def compare(spec: Spec, case: Case, real: Answer, stand_in: Answer) -> list[Difference]:
    """Every difference between the real server's answer and the stand-in's, classified."""
    return [
        classify_difference(case, aspect, real, stand_in, spec)
        for aspect in differing_aspects(spec, case, real, stand_in)
    ]


def mimic_mismatches(
    spec: Spec, cases: Sequence[Case], real: Sequence[Answer], mimic: Sequence[Answer]
) -> list[Mismatch]:
    """Where the mimic's answer differs from the real server's (status, shape), except where the real one is a 5xx
    (or none): `(case, aspect, real side, mimic side)`."""
    found = []
    for case, real_answer, mimic_answer in zip(cases, real, mimic, strict=True):
        if real_answer.status >= 500 or real_answer.status == 0:
            continue
        one, other = describe(spec, case, real_answer), describe(spec, case, mimic_answer)
        for aspect in differing_aspects(spec, case, real_answer, mimic_answer):
            found.append((case, aspect, one.get(aspect, ABSENT), other.get(aspect, ABSENT)))
    return found

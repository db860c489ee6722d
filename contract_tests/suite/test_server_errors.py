"""Server errors: requests a client can send by mistake (a body that is not JSON, not an object, wrongly typed, a
header that is not an integer, a run id no server made) are refused with a documented 4xx and a conforming body,
never a 5xx or a dropped connection.

Every case is built from the spec: the operations, their paths and header parameters, the documented statuses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from contract_tests.checks import reply as checks
from contract_tests.config import Example
from contract_tests.generate.strategies import Requests
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport.api import Api

pytestmark = pytest.mark.area(Area.SERVER_ERRORS)

SPEC = Spec.load()
RUN = "run_workflow"
_JSON = {"content-type": "application/json"}

MALFORMED_BODIES: Mapping[str, tuple[bytes, Mapping[str, str]]] = {
    "empty body": (b"", _JSON),
    "truncated JSON": (b'{"workflow_id": ', _JSON),
    "JSON array": (b"[]", _JSON),
    "JSON string": (b'"workflow"', _JSON),
    "JSON null": (b"null", _JSON),
    "JSON number": (b"1e400", _JSON),
    "invalid UTF-8": (b'{"workflow_id": "\xff\xfe"}', _JSON),
    "lone surrogate escape": (b'{"workflow_id": "\\ud800"}', _JSON),
    "duplicate keys": (b'{"workflow_id": 1, "workflow_id": 2}', _JSON),
    "text/plain": (b"workflow", {"content-type": "text/plain"}),
    "form encoded": (b"workflow_id=w", {"content-type": "application/x-www-form-urlencoded"}),
}
"""Bodies no schema admits; each must be a documented 4xx (which one is the target's choice)."""

UNKNOWN_RUN_IDS = ["wr_0", "wr_" + "9" * 40, "run id with spaces", "..", ".", "%00", "\u00e9t\u00e9", "x" * 1000]
"""Run ids no target made: a 404 (or another documented 4xx), never a 5xx. Each is sent as one path segment
(`paths.path_segment`: `..` as `%2E%2E`, so that no client or proxy resolves it to another path)."""


def _refused(seen: Observations, spec: Spec, operation_id: str, reply: Any, what: str, location: str) -> None:
    checks.no_server_error(reply, operation_id)
    documented = [s for s in spec.documented_statuses(operation_id) if 400 <= s < 500 and s != 403]
    if reply.status not in documented:
        raise ContractViolation(
            Area.SERVER_ERRORS if reply.status >= 500 else Area.REQUEST_VALIDATION,
            "refused",
            f"{operation_id} with {what} answered {reply.status}, expected one of {documented}: {reply.content[:200]!r}",
            location,
            str(reply.status),
            operation_id,
        )
    checks.response_conforms(seen, spec, operation_id, reply)


@pytest.mark.cost(requests=1)
@pytest.mark.parametrize("case", list(MALFORMED_BODIES))
def test_malformed_body_is_refused(api: Api, spec: Spec, seen: Observations, example: Example, case: str) -> None:
    """A body no schema admits: a documented 4xx, not a 5xx."""
    content, headers = MALFORMED_BODIES[case]
    with example():
        reply = api.request("POST", api.path_of(RUN), content=content, headers=headers)
        _refused(seen, spec, RUN, reply, case, "body")


def _header_cases(spec: Spec) -> list[tuple[str, str]]:
    """Each integer header parameter with a value that is not an integer."""
    return [
        (str(parameter["name"]), value)
        for parameter in spec.header_parameters(RUN)
        if any(
            branch.get("type") == "integer"
            for branch in [parameter.get("schema", {}), *parameter.get("schema", {}).get("anyOf", [])]
        )
        for value in ("ten", "1.5", "0x10")
    ]


@pytest.mark.cost(requests=1)
@pytest.mark.parametrize(("header", "value"), _header_cases(SPEC))
def test_header_of_the_wrong_type_is_refused(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example, header: str, value: str
) -> None:
    """An integer header with a value that is not an integer: 422, not a 5xx."""
    with example():
        reply = api.run_workflow(bodies.minimal(), headers={header: value})
        _refused(seen, spec, RUN, reply, f"header {header}: {value!r}", f"header:{header}")


@pytest.mark.cost(requests=1, examples=len(UNKNOWN_RUN_IDS))
@pytest.mark.parametrize("operation_id", ["get_run", "cancel_run"])
def test_unknown_run_is_not_found(
    api: Api, spec: Spec, seen: Observations, example: Example, operation_id: str
) -> None:
    """Run ids no target made, odd ones included: a documented 4xx, not a 5xx."""
    for run_id in UNKNOWN_RUN_IDS:
        with example():
            reply = (api.get_run if operation_id == "get_run" else api.cancel_run)(run_id)
            _refused(seen, spec, operation_id, reply, f"unknown run id {json.dumps(run_id)[:40]}", "/run_id")

"""The request flows the properties share: start, read and cancel a run, each reply checked on the way.

Every reply goes through `checks.response_conforms`; run bodies also through `checks.nullable_keys_present` and a
strict parse with the generated client's models (`skyvern_client.strict_enums()`), so any test that touches a run
also guards the status enum, the response schema and the nullable fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from contract_tests import checks
from contract_tests.api import Api
from contract_tests.areas import Area, ContractViolation
from contract_tests.spec import Spec
from skyvern_client import models, strict_enums

__all__ = ["cancel", "read_run", "start_run", "strict_parse"]

_CREATED = "created"


def strict_parse(body: Any) -> models.WorkflowRunResponse:
    """Parse a run with the generated model, unknown enum values rejected.

    Raises:
        ContractViolation: status enum when `status` is what failed, else response schema.
    """
    try:
        with strict_enums():
            return models.WorkflowRunResponse.model_validate(body)
    except pydantic.ValidationError as error:
        problems = error.errors()
        locations = [".".join(str(part) for part in problem["loc"]) for problem in problems]
        area = Area.STATUS_ENUM if all(loc == "status" for loc in locations) else Area.RESPONSE_SCHEMA
        detail = "; ".join(f"{loc}: {problem['msg']}" for loc, problem in zip(locations, problems, strict=True))
        raise ContractViolation(area, "strict_parse", f"the generated model rejects the run: {detail}") from None


def _run_body(spec: Spec, body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ContractViolation(Area.RESPONSE_SCHEMA, "response_conforms", f"{what} is not a JSON object")
    checks.nullable_keys_present(spec, body)
    strict_parse(body)
    return body


def start_run(
    api: Api,
    spec: Spec,
    body: Mapping[str, Any],
    *,
    area: Area = Area.REQUEST_VALIDATION,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """POST a valid request: it must be accepted, conform, echo the request and answer `created`.

    Args:
        api: the target.
        spec: the spec.
        body: a valid request body.
        area: where a refusal of this (valid) request is filed.
        headers: extra headers.

    Returns:
        The run.
    """
    reply = api.run_workflow(dict(body), headers=headers)
    checks.accepted(reply, area, "run_workflow request")
    run = _run_body(spec, checks.response_conforms(spec, "run_workflow", reply), "the started run")
    checks.echoed(spec, body, run.get("run_request"))
    if run["status"] != _CREATED:
        raise ContractViolation(
            Area.LIFECYCLE, "created_on_post", f"run_workflow answered status {run['status']!r}, not {_CREATED!r}"
        )
    return run


def read_run(api: Api, spec: Spec, run_id: str) -> dict[str, Any]:
    """GET an acknowledged run: it must exist and conform."""
    reply = api.get_run(run_id)
    checks.retrievable(reply, run_id, "get_run")
    return _run_body(spec, checks.response_conforms(spec, "get_run", reply), "the run")


def cancel(api: Api, spec: Spec, run_id: str) -> None:
    """Cancel an acknowledged run: it must exist and the answer conform (200 with a `null` body)."""
    reply = api.cancel_run(run_id)
    checks.retrievable(reply, run_id, "cancel_run")
    checks.response_conforms(spec, "cancel_run", reply)
    if reply.status != 200:
        raise ContractViolation(
            Area.LIFECYCLE, "cancelable", f"cancel of acknowledged run {run_id!r} answered {reply.status}"
        )

"""The echo check: `run_request` in a run gives back the request it was started with, field by field.

Example:
    >>> from contract_tests.spec import Spec
    >>> echoed(None, Spec.load(), {"workflow_id": "w", "title": "a"}, {"workflow_id": "w", "title": "a"})  # no report
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contract_tests.checks.reply import PROXY_FIELD, short_json
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record.observations import Observations, report
from contract_tests.spec import Spec, declared_properties

__all__ = ["echoed"]

_GEO_CASE_FOLDED = ("country", "subdivision")  # the live service upper-cases these


def _same_echo(schema: Mapping[str, Any], path: tuple[str, ...], sent: Any, got: Any) -> bool:
    """Whether `got` echoes `sent`: equal, where inside an object a key not sent may come back null or undeclared
    (objects are open), and GeoTarget's `country` and `subdivision` compare case-insensitively."""
    if isinstance(sent, Mapping) and isinstance(got, Mapping):
        declared = set(declared_properties(schema))
        return all(key in got and _same_echo({}, (*path, key), value, got[key]) for key, value in sent.items()) and all(
            got[key] is None or key not in declared for key in got.keys() - sent.keys()
        )
    if isinstance(sent, str) and isinstance(got, str) and path[-1] in _GEO_CASE_FOLDED and path[0] == PROXY_FIELD:
        return sent.upper() == got.upper()
    if isinstance(sent, bool) or isinstance(got, bool):  # JSON's true is not 1
        return sent is got
    return bool(sent == got)  # and 100 is 1e2


def _echo_area(name: str) -> Area:
    return Area.PROXY_OPTIONS if name == PROXY_FIELD else Area.NULLABLE_FIELDS


def echoed(
    seen: Observations | None, spec: Spec, sent: Mapping[str, Any], run_request: Any, operation_id: str = "run_workflow"
) -> None:
    """`run_request` echoes the request, field by field, as the spec lists them (each field judged on its own, one
    root cause per field however it was sent), each mismatch reported into `seen` (with none: the first raises).

    A value sent (null included) comes back equal; an omitted field comes back absent, or as the spec's default (null
    when the spec gives none). Inside an object, a key not sent may come back null, and keys the spec does not declare
    are ignored. Inside a GeoTarget, `country` and `subdivision` compare case-insensitively (the live service
    upper-cases them).
    """
    if not isinstance(run_request, Mapping):
        raise ContractViolation(
            Area.NULLABLE_FIELDS,
            "echoed",
            f"run_request is {short_json(run_request)}, not the echoed request",
            "/run_request",
            "not an object",
            operation_id,
        )
    for field in spec.fields("WorkflowRunRequest"):
        name = field.name
        got = run_request.get(name, "<absent>")
        if name in sent:
            if name in run_request and _same_echo(field.schema, (name,), sent[name], got):
                continue
            detail = f"`{name}` sent as {short_json(sent[name])} is echoed in run_request as {short_json(got)}"
        elif name in run_request and got not in ([field.default] if field.has_default else [None]):
            allowed = [field.default] if field.has_default else [None]
            detail = (
                f"`{name}` left out is echoed as {short_json(got)}, expected it absent or one of {short_json(allowed)}"
            )
        else:
            continue
        report(
            seen,
            ContractViolation(_echo_area(name), "echoed", detail, f"/run_request/{name}", "not echoed", operation_id),
        )

"""Plain st's findings beside the suite's root causes: which root cause covers each finding, or why the finding is no
contract violation (two rules read off the spec)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from campaigns.skyvern.paths import SPEC
from campaigns.skyvern.plain_st import StFinding
from contract_tests.checks.classify import CHECKS_OF_FAILURE
from contract_tests.spec import Spec, is_nullable

__all__ = ["NONE", "cover", "covering_root_cause", "not_a_violation", "operation_label", "operations_of"]

NONE = "—"
"""What the doc shows for nothing: an empty cell, a finding no root cause covers."""
_OPERATION_PATHS = (
    ("/v1/runs/{run_id}/cancel", re.compile(r"^/v1/runs/[^/]+/cancel/?$")),
    ("/v1/runs/{run_id}", re.compile(r"^/v1/runs/[^/]+/?$")),
    ("/v1/run/workflows", re.compile(r"^/v1/run/workflows/?$")),
)
_CURL_METHOD = re.compile(r"\bcurl\b.*?-X\s+([A-Z]+)")
_CURL_URL = re.compile(r"""https?://[^/\s'"]+(/[^\s'"?);]*)""")
_OBSERVED_STATUS = re.compile(r"-> (\d{3})\b")


def operations_of(reproduction: str) -> list[str]:
    """The operations (`METHOD /path/template`) a curl reproduction sends, in order, each once."""
    found: list[str] = []
    for line in reproduction.splitlines():
        method = _CURL_METHOD.search(line)
        urls = _CURL_URL.findall(line)  # the last URL is curl's target; any before it are in the body
        if method is None or not urls:
            continue
        path = urls[-1]
        template = next((name for name, pattern in _OPERATION_PATHS if pattern.match(path)), path)
        operation = f"{method.group(1)} {template}"
        if operation not in found:
            found.append(operation)
    return found


@functools.cache
def _operation_labels() -> dict[str, str]:
    spec = Spec.load(SPEC)
    labels = {}
    for operation_id in spec.operation_ids():
        path, method, _ = spec.operation(operation_id)
        labels[operation_id] = f"{method} {path}"
    return labels


def operation_label(operation: str) -> str:
    """`METHOD /path` for an operationId of the spec (`run_workflow`); anything else as it is."""
    return _operation_labels().get(operation, operation)


def _finding_operations(finding: StFinding) -> list[str]:
    if finding.operation != "Stateful tests":
        return [finding.operation]
    return operations_of(finding.reproduction)[-1:]  # a chain's last request is the one that failed


def _cause_name(cause: Mapping[str, Any]) -> str:
    return str(cause.get("key") or f"{cause.get('area', '')}/{cause.get('check', '')}")


def _same_check(finding: StFinding, cause: Mapping[str, Any]) -> bool:
    check = str(cause.get("check", ""))
    return check.removeprefix("schemathesis:") == finding.kind or check in CHECKS_OF_FAILURE.get(
        finding.kind, frozenset()
    )


def _same_status(finding: StFinding, cause: Mapping[str, Any]) -> bool:
    statuses = set(_OBSERVED_STATUS.findall(str(cause.get("observed", ""))))
    return not finding.status or not statuses or finding.status in statuses


def cover(finding: StFinding, root_causes: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """Which of the suite's root causes covers a plain-st finding, else the nearest one.

    A root cause covers it when it names the finding's operation (for st's stateful tests: the operation of the
    chain's last request), comes from a check of ours that judges what the finding's kind judges, and (when both
    are known) saw the same response status. One that matches all but the status is the nearest: shown beside the
    gap, never as a cover.

    Args:
        finding: the st finding.
        root_causes: the suite's root causes (operations as operationIds or as `METHOD /path`).

    Returns:
        The covering root cause's key (`—` when none covers it), and the nearest one's key ("" when it is covered
        or nothing is near).
    """
    operations = set(_finding_operations(finding))
    candidates = [
        cause
        for cause in root_causes
        if finding.kind
        and _same_check(finding, cause)
        and operations & {operation_label(str(op)) for op in cause.get("operations") or []}
    ]
    for cause in candidates:
        if _same_status(finding, cause):
            return _cause_name(cause), ""
    return NONE, _cause_name(candidates[0]) if candidates else ""


def covering_root_cause(finding: StFinding, root_causes: Sequence[Mapping[str, Any]]) -> str:
    """The key of the suite's root cause that covers a plain-st finding (see `cover`), or `—` when none does."""
    return cover(finding, root_causes)[0]


def not_a_violation(finding: StFinding) -> str:
    """Why a plain-st finding is no contract violation ("" when it may be one), by two rules read off the spec.

    - "Schema-valid request rejected" with a documented 4xx other than 403 and 422 (the "does not exist" answers): st
      made up an id (a workflow, a template) that names nothing on this server. The suite's own rule for made-up ids
      (`flows.send_run`) files the same as not verifiable, not as a violation.
    - A 422 naming a header whose schema admits null, sent as the text `null`: a header cannot carry null, and a
      server is right to refuse the text.
    """
    if finding.kind != "RejectedPositiveData" or not finding.status.isdigit():
        return ""
    status = int(finding.status)
    labels = {label: operation_id for operation_id, label in _operation_labels().items()}
    operation_id = labels.get(finding.operation)
    if operation_id is None:
        return ""
    spec = Spec.load(SPEC)
    if status in spec.documented_statuses(operation_id) and 400 <= status < 500 and status not in (403, 422):
        return f"not a violation: a documented {status} to an id st made up (nothing by that id exists here)"
    if status == 422:
        for parameter in spec.header_parameters(operation_id):
            name = str(parameter["name"])
            nullable = is_nullable(parameter.get("schema", {}))
            if nullable and name in finding.message and f"{name}: null" in finding.reproduction.lower():
                return f"not a violation: st sent the nullable header {name} as the text `null`"
    return ""

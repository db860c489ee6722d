"""Findings: what broke, in which area, and the curl chain that shows it again; and the grouped summary.

Example:
    >>> f = Finding(Area.AUTH, "rejected", "GET without a key answered 200", "test_auth.py::test_x", "")
    >>> print(render_summary([f], header="h").splitlines()[2])
    ## auth (1)
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from contract_tests.areas import Area, ContractViolation
from contract_tests.classify import area_of_failure_kind
from contract_tests.repro import Exchange, render_script

__all__ = ["CHAIN_ATTRIBUTE", "Finding", "distinct", "findings_from_exception", "render_summary", "summary_json"]

CHAIN_ATTRIBUTE = "contract_chain"
"""Exceptions raised inside `example()` carry the example's exchanges under this attribute."""
AREA_ATTRIBUTE = "contract_area"
"""Schemathesis failures carry the area the test body worked out under this attribute."""
STRIP_ATTRIBUTE = "contract_strip_headers"
"""Headers a reproduction must leave out (the key, for an ignored-auth finding)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One contract violation.

    Attributes:
        area: the contract area.
        check: the check that broke.
        detail: what was expected and what came instead.
        test: the pytest node id that found it.
        reproduction: shell commands that send the same requests again.
        observed: what each request of the chain got, one line each.
    """

    area: Area
    check: str
    detail: str
    test: str
    reproduction: str
    observed: str = ""


def _walk(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _walk(inner)
    else:
        yield exc


def _chain_of(exc: BaseException, parents: Sequence[BaseException]) -> list[Exchange]:
    for candidate in (exc, *parents):
        chain = getattr(candidate, CHAIN_ATTRIBUTE, None)
        if chain is not None:
            return list(chain)
    return []


def findings_from_exception(exc: BaseException, test: str, secrets: set[str]) -> tuple[list[Finding], list[str]]:
    """Turn a test's exception into findings; what is not a contract violation comes back as an error line.

    Args:
        exc: the exception pytest caught (may be a group).
        test: the test's node id.
        secrets: values to redact in reproductions.

    Returns:
        The findings, and descriptions of exceptions that are errors of the run rather than violations.
    """
    findings: list[Finding] = []
    errors: list[str] = []
    groups = [exc] if isinstance(exc, BaseExceptionGroup) else []
    for item in _walk(exc):
        chain = _chain_of(item, groups)
        strip = getattr(item, STRIP_ATTRIBUTE, ())
        script = render_script(chain, secrets=secrets, strip_headers=strip) if chain else ""
        observed = "\n".join(exchange.describe() for exchange in chain)
        if isinstance(item, ContractViolation):
            findings.append(Finding(item.area, item.check, item.detail, test, script, observed))
        elif type(item).__module__.startswith("schemathesis"):
            area = getattr(item, AREA_ATTRIBUTE, None) or area_of_failure_kind(type(item).__name__)
            title = str(getattr(item, "title", type(item).__name__))
            message = str(getattr(item, "message", "")).strip()
            detail = f"{title}: {message}" if message else title
            findings.append(Finding(Area(area), f"schemathesis:{type(item).__name__}", detail, test, script, observed))
        else:
            errors.append(f"{test}: {type(item).__name__}: {item}")
    return findings, errors


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def distinct(findings: Sequence[Finding]) -> list[tuple[Finding, list[str]]]:
    """Findings with the same area, check and detail, merged: the one with the shortest reproduction (the most
    minimal chain) stands for all, with the tests that found it.

    Example:
        >>> a = Finding(Area.AUTH, "c", "d", "t1", "curl 1 && curl 2")
        >>> b = Finding(Area.AUTH, "c", "d", "t2", "curl 1")
        >>> [(f.test, tests) for f, tests in distinct([a, b])]
        [('t2', ['t1', 't2'])]
    """
    groups: dict[tuple[Area, str, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.area, finding.check, finding.detail), []).append(finding)
    merged = []
    for group in groups.values():
        best = min(group, key=lambda f: (not f.reproduction, f.reproduction.count("\n"), len(f.reproduction)))
        merged.append((best, [f.test for f in group]))
    return merged


def render_summary(findings: Sequence[Finding], *, header: str, errors: Sequence[str] = ()) -> str:
    """The human summary: distinct findings grouped by area (in `Area` order), each with its reproduction.

    Args:
        findings: the findings.
        header: the first line (target, profile, verdict).
        errors: run errors that are not contract violations.

    Returns:
        Markdown text.
    """
    lines = [header, ""]
    merged = distinct(findings)
    for area in Area:
        in_area = [(f, tests) for f, tests in merged if f.area == area]
        if not in_area:
            continue
        lines.append(f"## {area} ({len(in_area)})")
        for finding, tests in in_area:
            more = f" and {len(tests) - 1} more test(s)" if len(tests) > 1 else ""
            lines += ["", f"### {finding.check} ({finding.test}{more})", "", _indent(finding.detail)]
            if finding.observed:
                lines += ["", "Observed:", _indent(finding.observed)]
            if finding.reproduction:
                lines += ["", "Reproduce (with CONTRACT_API_KEY set to the target's key):", ""]
                lines += [_indent(finding.reproduction)]
        lines.append("")
    if errors:
        lines += ["## errors of the run (not contract findings)", ""]
        lines += [f"- {error}" for error in errors]
        lines.append("")
    return "\n".join(lines)


def summary_json(findings: Sequence[Finding], errors: Sequence[str], meta: dict[str, Any]) -> str:
    """The machine-readable summary (`reports/contract-summary.json`)."""
    areas: dict[str, int] = {}
    for finding in findings:
        areas[str(finding.area)] = areas.get(str(finding.area), 0) + 1
    document = {
        **meta,
        "ok": not findings and not errors,
        "areas": areas,
        "findings": [{**asdict(f), "area": str(f.area)} for f in findings],
        "errors": list(errors),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)

"""The run's summary, rendered from its `Verdict`: `contract-summary.md` (`markdown`: headline, run facts, areas,
root causes with reproductions, the rest) and `contract-summary.json` (`as_json`, for machines)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from contract_tests.model.areas import Area
from contract_tests.model.checks import guards
from contract_tests.model.findings import RootCause
from contract_tests.model.verdict import EXIT_OK, Verdict

__all__ = ["as_json", "markdown"]


def as_json(verdict: Verdict, meta: Mapping[str, Any]) -> str:
    """The machine-readable summary (`reports/contract-summary.json`)."""
    document = {
        "verdict": verdict.word,
        "exit_status": verdict.exit_status,
        "headline": verdict.headline(),
        **meta,
        "ok": verdict.exit_status == EXIT_OK,
        "areas": verdict.areas(),
        "incomplete_areas": verdict.incomplete_areas,
        "root_causes": [cause.to_json() for cause in verdict.causes],
        "not_verifiable": [item.to_json() for item in verdict.not_verifiable],
        "gone": [item.to_json() for item in verdict.gone],
        "not_run": [
            {"test": t.test, "area": str(t.area), "state": t.state, "reason": t.reason} for t in verdict.not_run
        ],
        "cut_short": [{"test": t.test, "area": str(t.area), "reason": t.reason} for t in verdict.cut_short],
        "errors": list(verdict.errors),
        "drift": verdict.drift.to_json() if verdict.drift is not None else {"skipped": verdict.no_drift},
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def markdown(verdict: Verdict, header_lines: Sequence[str]) -> str:
    """The human summary: headline, run facts, areas, root causes with reproductions, the rest."""
    lines = [f"# Contract suite: {verdict.headline()}", "", *header_lines, ""]
    lines += ["| area | state | tests run | root causes | also seen here |", "|---|---|---|---|---|"]
    for name, row in verdict.areas().items():
        cut = f" ({row['truncated']} cut short)" if row["truncated"] else ""
        lines.append(
            f"| {name} | {row['state']} | {row['executed']}/{row['tests']}{cut} | {row['root_causes']} "
            f"| {row['also_seen']} |"
        )
    lines.append("")
    for area in Area:
        mine = [c for c in verdict.causes if c.example.area == area]
        if not mine:
            continue
        lines.append(f"## {area} ({len(mine)} root cause(s))")
        for cause in mine:
            lines += _cause_lines(cause, verdict.allowed_by_target(cause))
        lines.append("")
    if verdict.not_verifiable:
        lines += ["## not verifiable on this target", ""]
        for item in verdict.not_verifiable:
            lines += [f"- `{', '.join(item.fields)}` ({item.count} time(s)): {item.detail}"]
            lines += [f"  To verify, set {item.setting}"]
        lines.append("")
    if verdict.gone:
        lines += ["## baseline root causes not seen in this run", ""]
        lines += [f"- `{item.key}`: {item.why}" for item in verdict.gone]
        lines.append("")
    if verdict.not_run:
        lines += ["## tests that did not run", ""]
        lines += [f"- {t.test} ({t.area}): {t.state}: {t.reason}" for t in verdict.not_run]
        lines.append("")
    if verdict.cut_short:
        lines += ["## tests cut short (their remaining cases were not judged)", ""]
        lines += [
            f"- {t.test} ({t.area}): {t.examples} example(s): {t.reason or 'cut short'}" for t in verdict.cut_short
        ]
        lines.append("")
    if verdict.drift is not None:
        lines += ["## the target's own OpenAPI document (drift)", "", *verdict.drift.lines(), ""]
    if verdict.errors:
        lines += ["## errors of the run (not contract findings)", ""]
        lines += [f"- {error}" for error in verdict.errors]
        lines.append("")
    return "\n".join(lines)


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def _cause_lines(cause: RootCause, allowed: str | None = None) -> list[str]:
    example = cause.example
    mark = {"known": " [known: in the baseline]", "new": " [new: not in the baseline]"}.get(cause.baseline or "", "")
    where = f" at `{example.location}`" if example.location else ""
    kind = f" ({example.kind})" if example.kind else ""
    tests = ", ".join(cause.tests[:4]) + (f" and {len(cause.tests) - 4} more" if len(cause.tests) > 4 else "")
    lines = ["", f"### {example.check}{where}{kind}: seen {cause.count} time(s){mark}", ""]
    if guards(example.check):
        lines.append(f"The check: {guards(example.check)}. ")
    if cause.operations:
        lines.append(f"Operations: {', '.join(cause.operations)}. ")
    if cause.also_seen_in:
        lines.append(f"Also seen in: {', '.join(cause.also_seen_in)}. ")
    if allowed:
        lines.append(f"Drift: {allowed}. ")
    lines += [f"Tests: {tests}.", "", _indent(example.detail)]
    if example.observed:
        lines += ["", "Observed:", _indent(example.observed)]
    if example.reproduction:
        lines += ["", "Reproduce (with CONTRACT_API_KEY set to the target's key):", "", _indent(example.reproduction)]
    return lines

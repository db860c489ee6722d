"""`docs/fidelity.md`: versions, counts, the fidelity bugs, the real server's deviations with their clauses, the mimic
comparison, and every case with its answers and its curl (no key in it)."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from campaigns.fidelity.cases import Case, short
from campaigns.fidelity.classify import Difference, Kind, Mismatch, classify_difference, compare, mimic_mismatches
from campaigns.fidelity.clauses import node_at
from campaigns.fidelity.curl import curl
from campaigns.fidelity.sending import MIMIC_OPTION, MIMIC_VERSION, Answer
from campaigns.fidelity.shape import undeclared_fields
from campaigns.skyvern.keys import redact
from contract_tests.spec import Spec, admitted_types, unescape_pointer

__all__ = ["Report", "group", "render_doc"]


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

    @property
    def mimic_ran(self) -> bool:
        """Whether the mimic ran (and so is compared with the real server)."""
        return bool(self.mimic) and not self.mimic_note

    def mimic_mismatches(self, spec: Spec) -> list[Mismatch] | None:
        """Where the mimic answered unlike the real server (see `classify.mimic_mismatches`); None when it did not run."""
        return mimic_mismatches(spec, self.cases, self.real, self.mimic) if self.mimic_ran else None

    def differences(self, spec: Spec) -> list[Difference]:
        """Every classified difference between the real server and the stand-in."""
        return [d for c, r, s in zip(self.cases, self.real, self.stand_in, strict=True) for d in compare(spec, c, r, s)]


def _cell(text: Any, limit: int = 200) -> str:
    shown = short(str(text), limit).replace("|", "\\|").replace("\n", " ")
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
        node = node_at(spec.document, clause)
    except (KeyError, IndexError, ValueError, TypeError):
        return ""
    last = unescape_pointer(clause.rsplit("/", 1)[-1])
    if last == "description" and isinstance(node, str):
        return node.split(". ")[0].strip()
    if last in ("anyOf", "oneOf") and isinstance(node, list):
        kinds = sorted(set().union(*(admitted_types(spec.resolve(branch)) for branch in node)))
        return f"{last}: one of {', '.join(kinds)}"
    if isinstance(node, Mapping):
        if "description" in node:
            return str(node["description"]).split(". ")[0].strip()
        return ", ".join(str(key) for key in node)
    return f"{last}: {short(node, 100)}"


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
    mimic = report.mimic_mismatches(spec)
    lines = [
        *_doc_header(report),
        *_doc_summary(report, differences, by_kind, mimic),
        *_doc_rule(),
        *_doc_differences(spec, by_kind, index),
        *_doc_undeclared(report, spec),
        *_doc_mimic(report, mimic, index),
        *_doc_cases(report, spec, differences, index),
    ]
    return redact("\n".join(lines) + "\n", report.secret_values)


def _doc_header(report: Report) -> list[str]:
    return [
        "<!-- Generated by `make fidelity` (campaigns/fidelity/): do not edit by hand; rerun `make fidelity` "
        "as root. -->",
        "# Fidelity: the reference server beside the real Skyvern server",
        "",
        "`make fidelity` sends the real open-source Skyvern server and a reference server (`python -m reference_server`,",
        "a workflow equivalent to the real one: no declared parameters) the same requests (one at a time per server, the servers side by side),",
        "in a private network namespace with only loopback (`unshare -n`, as root). The matrix comes from",
        "`spec/openapi.yaml` alone. Each difference is sorted by one rule (below). Rerun: `make fidelity`",
        "(`python -m campaigns.fidelity --no-mimic` skips the mimic).",
        "",
        "| | |",
        "|---|---|",
        f"| date | {report.date} |",
        *(f"| {_cell(name)} | {_cell(value, 300)} |" for name, value in report.versions.items()),
        f"| time | {', '.join(f'{name} {seconds:.1f} s' for name, seconds in report.seconds.items())} |",
    ]


def _doc_summary(
    report: Report,
    differences: Sequence[Difference],
    by_kind: Mapping[Kind, Sequence[Difference]],
    mimic: Sequence[Mismatch] | None,
) -> list[str]:
    same_status = sum(1 for r, s in zip(report.real, report.stand_in, strict=True) if r.status == s.status)
    with_difference = len({id(d.case) for d in differences})
    lines = [
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
    ]
    unanswered = report.unanswered()
    if unanswered:
        lines += [
            "",
            f"**Not every request was answered ({len(unanswered)}); the comparison is incomplete (exit status 2):**",
            "",
            *(f"- {_cell(item, 300)}" for item in unanswered),
        ]
    return lines


def _doc_rule() -> list[str]:
    return [
        "",
        "## The rule",
        "",
        "From `campaigns.fidelity.classify.classify_difference`, the one place it is decided:",
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


def _doc_differences(spec: Spec, by_kind: Mapping[Kind, Sequence[Difference]], index: Mapping[int, int]) -> list[str]:
    lines: list[str] = []
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
    if not real:
        return [*lines, "None."]
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
    return [*lines, "", *_difference_rows(real, index)]


def _doc_undeclared(report: Report, spec: Spec) -> list[str]:
    extra_real = undeclared_fields(spec, zip(report.cases, report.real, strict=True))
    extra_stand = undeclared_fields(spec, zip(report.cases, report.stand_in, strict=True))
    return [
        "",
        "## Fields the spec does not declare (not compared)",
        "",
        "The spec keeps objects open (`#/info/description`): a client must ignore them, and neither side is judged.",
        "",
        f"- real server: {', '.join(f'`{n}`' for n in extra_real) or 'none'}",
        f"- stand-in: {', '.join(f'`{n}`' for n in extra_stand) or 'none'}",
    ]


def _doc_mimic(report: Report, mimic: Sequence[Mismatch] | None, index: Mapping[int, int]) -> list[str]:
    lines = [
        "",
        f"## The mimic (`python -m reference_server {MIMIC_OPTION} {MIMIC_VERSION}`) beside the real server",
        "",
    ]
    if mimic is None:
        return [*lines, f"Not run: {report.mimic_note}."]
    if not mimic:
        return [*lines, "It answers every case like the real server (cases the real server answers with a 5xx aside)."]
    as_differences = _mimic_groups(mimic, flat=True)
    return [
        *lines,
        f"{len(mimic)} mismatch(es) ({len(group(as_differences))} distinct) where the real server did not answer a 5xx:",
        "",
        *_difference_rows(as_differences, index, mimic=True),
    ]


def _doc_cases(report: Report, spec: Spec, differences: Sequence[Difference], index: Mapping[int, int]) -> list[str]:
    kinds: dict[int, set[str]] = {}
    for d in differences:
        kinds.setdefault(id(d.case), set()).add(d.kind.value)
    mimic = report.mimic_ran
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

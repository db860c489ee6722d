"""`docs/benchmarks.md` from the results: tables of median / min / max, ratios from the same run, goals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.client import ClientResult, ImportResult, render_client
from bench.contract import ContractResult, render_contract
from bench.generation import (
    CLIENT_GENERATORS,
    DMCG_MODELS,
    DMCG_MODELS_SAME,
    OPC,
    OURS,
    GenerationResult,
    Tool,
)
from bench.github_import import github_import_goals, render_github_imports
from bench.large_clients import LargeClientsResult, large_clients_goals, render_large_clients
from bench.real_target import RealTargetResult, render_real_target
from bench.regeneration import CHECK, COLD, DIFF, LOAD, WARM, RegenerationResult
from bench.server import ServerResult, render_server
from bench.stats import median_min_max as _mmm
from bench.stats import number as _f
from bench.stats import paired_ratio
from bench.stats import ratio_text as _ratio

__all__ = ["Goal", "Report", "paired_ratio", "render"]


@dataclass(frozen=True, slots=True)
class Goal:
    """One goal of the issue: what it asks, what was measured, and whether it holds."""

    text: str
    measured: str
    met: bool | None  # None: not measured in this run


@dataclass(slots=True)
class Report:
    started: str
    seconds: float
    quick: bool
    command: str
    machine: dict[str, str]
    runs: int
    generation: list[GenerationResult] = field(default_factory=list)
    tools: dict[str, Tool] = field(default_factory=dict)
    stages: dict[str, dict[str, float]] = field(default_factory=dict)
    regeneration: list[RegenerationResult] = field(default_factory=list)
    client: ClientResult | None = None
    imports: ImportResult | None = None
    github_imports: ImportResult | None = None
    contract: ContractResult | None = None
    server: ServerResult | None = None
    real_target: RealTargetResult | None = None
    large_clients: LargeClientsResult | None = None
    connections: Sequence[int] = ()
    duration: int = 0
    skipped: list[str] = field(default_factory=list)
    load_after: str = ""


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def goals(report: Report) -> list[Goal]:
    found: list[Goal] = []
    by_ops = {
        result.case.operations: result for result in report.generation if result.case.label.startswith("synthetic")
    }
    big = by_ops.get(max(by_ops)) if by_ops else None
    if big is not None and OURS in big.wall:
        for key in CLIENT_GENERATORS:
            if key in big.wall:
                ratio = paired_ratio(big.wall[key], big.wall[OURS])
                found.append(
                    Goal(
                        f"generation, {big.case.operations:,} operations: at least 3x faster than {report.tools[key].label}",
                        f"{_ratio(ratio)} as fast",
                        ratio.median >= 3,
                    )
                )
    for result in report.generation:
        if result.case.label.startswith("GitHub") and {OURS, OPC} <= result.wall.keys():
            ratio = paired_ratio(result.wall[OPC], result.wall[OURS])
            found.append(
                Goal(
                    f"generation, GitHub's spec ({result.case.operations:,} operations): at least 3x faster than "
                    f"{report.tools[OPC].label}",
                    f"{_ratio(ratio)} as fast",
                    ratio.median >= 3,
                )
            )
    for result in report.generation:
        if result.case.label.startswith("GitHub") and {OURS, OPC} <= result.wall.keys():
            ratio = paired_ratio(result.wall[OPC], result.wall[OURS])
            found.append(
                Goal(
                    f"generation, GitHub's spec, cold, {report.machine.get('nproc', '?')} cores: faster than "
                    f"{report.tools[OPC].label}",
                    f"{_ratio(ratio)} as fast",
                    ratio.median > 1,
                )
            )
    found += regeneration_goals(report.regeneration)
    ours_spec = report.generation[0] if report.generation else None
    if ours_spec is not None and OURS in ours_spec.wall:
        for key in (DMCG_MODELS, DMCG_MODELS_SAME):
            if key in ours_spec.wall:
                ratio = paired_ratio(ours_spec.wall[OURS], ours_spec.wall[key])
                found.append(
                    Goal(
                        f"generation, our spec: within 1.2x of {report.tools[key].label}",
                        f"ours takes {_ratio(ratio)} its time",
                        ratio.median <= 1.2,
                    )
                )
    if report.client is not None:
        per_call = report.client.per_call_us
        for operation in ("run_workflow", "get_run"):
            ours, floor, sdk = (per_call.get((impl, operation)) for impl in ("ours", "floor", "sdk"))
            if ours is not None and floor is not None:
                ratio = paired_ratio(ours, floor)
                found.append(
                    Goal(
                        f"client `{operation}`: within 1.15x of the floor",
                        f"{_ratio(ratio)} the floor",
                        ratio.median <= 1.15,
                    )
                )
            if ours is not None and sdk is not None:
                ratio = paired_ratio(sdk, ours)
                found.append(
                    Goal(
                        f"client `{operation}`: at least 2x faster than the official SDK",
                        f"{_ratio(ratio)} as fast",
                        ratio.median >= 2,
                    )
                )
    found += [Goal(*goal) for goal in github_import_goals(report.github_imports)]
    found += [Goal(*goal) for goal in large_clients_goals(report.large_clients)]
    if report.server is not None:
        for method in ("POST", "GET"):
            for count in report.connections:
                ours_rps, prism_rps = (
                    report.server.rps.get(("reference", method, count)),
                    report.server.rps.get(("prism", method, count)),
                )
                if ours_rps is not None and prism_rps is not None:
                    ratio = paired_ratio(ours_rps, prism_rps)
                    found.append(
                        Goal(
                            f"server, validated {method}, {count} connections: at least 2x Prism's requests/s",
                            f"{_ratio(ratio)}",
                            ratio.median >= 2,
                        )
                    )
    return found


def regeneration_goals(results: Sequence[RegenerationResult]) -> list[Goal]:
    """Warm regeneration a fraction of a cold run; a check of an unchanged spec well under a second."""
    found = []
    for result in results:
        if {COLD, WARM, CHECK} <= result.wall.keys():
            warm = paired_ratio(result.wall[COLD], result.wall[WARM])
            if result.parts > 1:  # a spec generated whole has nothing to reuse after a change
                found.append(
                    Goal(
                        f"regeneration, {result.label}, one schema changed: a fraction of a cold run",
                        f"{_ratio(warm)} as fast as cold ({_f(result.wall[WARM].median)} s)",
                        warm.median > 1.5,
                    )
                )
        if {COLD, DIFF, LOAD} <= result.wall.keys():
            found.append(
                Goal(
                    f"`codegen diff`, {result.label} against itself with one schema changed: well under a generation",
                    f"{_f(result.wall[DIFF].median)} s ({_ratio(paired_ratio(result.wall[COLD], result.wall[DIFF]))} as "
                    f"fast as a cold generation; loading the spec alone {_f(result.wall[LOAD].median)} s)",
                    paired_ratio(result.wall[COLD], result.wall[DIFF]).median > 2,
                )
            )
        if {COLD, CHECK} <= result.wall.keys():
            found.append(
                Goal(
                    f"`codegen check` (`make check-generated`) on an unchanged spec, {result.label}: well under a second",
                    f"{_f(result.wall[CHECK].median)} s ({_ratio(paired_ratio(result.wall[COLD], result.wall[CHECK]))}"
                    " as fast as a cold generation)",
                    result.wall[CHECK].median < 0.5,
                )
            )
    return found


def _regeneration(report: Report) -> list[str]:
    if not report.regeneration:
        return []
    lines = [
        "### Regeneration and check with the cache",
        "",
        "Each round starts from an empty cache folder: a cold generation (which fills it), the same spec with one",
        "schema's description changed generated next (its parts that do not reach that schema are cache hits), then",
        "`codegen check` on that package (expected files from the cache, files on disk read and compared). The",
        "changed schema is a typical one: the median of the schemas ordered by how many parts reach them. Beside",
        "them, loading the spec into the generator's view (`codegen.diff.view_of`), and `codegen diff` of the spec",
        "against the changed one (two loads and the comparison).",
        "",
        "| spec | changed schema | parts regenerated | step | median s | min s | max s | cold / this |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for result in report.regeneration:
        for name, sample in result.wall.items():
            versus = "-" if name == COLD else _ratio(paired_ratio(result.wall[COLD], sample))
            lines.append(
                f"| {result.label} | `{result.schema}` | {result.parts_missed} of {result.parts} | {name} | "
                f"{_mmm(sample)} | {versus} |"
            )
    lines += ["", "```"]
    for result in report.regeneration:
        lines += list(result.commands.values())
    return [*lines, "```", ""]


def _generation(report: Report) -> list[str]:
    if not report.generation:
        return []
    lines = ["## 1. Generation", ""]
    lines += [
        "Wall seconds of one generation, run as a user runs it: a fresh process writing into a fresh folder. Tools take",
        "turns run by run after one untimed warm-up each; *vs ours* is the median (min-max) of the per-round ratios",
        "(their time / ours: above 1 means we are faster). CPU is the child's user + system time.",
        "",
    ]
    for result in report.generation:
        case = result.case
        lines += [f"### {case.label}: {case.operations:,} operations, {case.schemas:,} schemas", ""]
        lines += ["| tool | median s | min s | max s | CPU median s | vs ours |", "|---|---:|---:|---:|---:|---:|"]
        for key, sample in result.wall.items():
            versus = "-" if key == OURS or OURS not in result.wall else _ratio(paired_ratio(sample, result.wall[OURS]))
            lines.append(f"| {report.tools[key].label} | {_mmm(sample)} | {_f(result.cpu[key].median)} | {versus} |")
        for key, error in result.errors.items():
            lines.append(f"| {report.tools[key].label} | failed: {error.splitlines()[0]} | | | | |")
        lines.append("")
    lines += _regeneration(report)
    lines += _scale(report)
    lines += _stages(report)
    lines += ["Commands (on the 1,000-operation spec, or the largest measured):", "", "```"]
    sample_case = max(
        report.generation, key=lambda r: r.case.operations if r.case.label.startswith("synthetic") else -1
    )
    lines += list(sample_case.commands.values())
    if report.generation and DMCG_MODELS_SAME in report.generation[0].commands:
        lines.append(report.generation[0].commands[DMCG_MODELS_SAME])
    lines += ["```", ""]
    return lines


def _scale(report: Report) -> list[str]:
    series = [r for r in report.generation if r.case.label.startswith(("synthetic", "GitHub"))]
    if len(series) < 2:
        return []
    keys = [key for key in report.tools if any(key in r.wall for r in series) and key != DMCG_MODELS_SAME]
    lines = [
        "### How cost grows with size",
        "",
        "Median wall seconds (and milliseconds per operation above the smallest spec's time).",
        "",
    ]
    lines.append("| spec | operations | " + " | ".join(report.tools[key].label for key in keys) + " |")
    lines.append("|---|---:|" + "---:|" * len(keys))
    base = series[0]
    for result in series:
        cells = []
        for key in keys:
            if key not in result.wall:
                cells.append("-")
                continue
            cell = _f(result.wall[key].median)
            if result is not base and key in base.wall and result.case.operations > base.case.operations:
                slope = (result.wall[key].median - base.wall[key].median) / (
                    result.case.operations - base.case.operations
                )
                cell += f" ({slope * 1000:.1f} ms/op)"
            cells.append(cell)
        lines.append(f"| {result.case.label} | {result.case.operations:,} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _stages(report: Report) -> list[str]:
    if not report.stages:
        return []
    names = list(next(iter(report.stages.values())))
    lines = [
        "### Where our time goes",
        "",
        "One cold process per spec (`python -m bench.stages SPEC`), seconds per pipeline step:",
        "",
    ]
    lines.append("| step | " + " | ".join(report.stages) + " |")
    lines.append("|---|" + "---:|" * len(report.stages))
    for name in names:
        lines.append(f"| {name} | " + " | ".join(_f(split.get(name, 0.0)) for split in report.stages.values()) + " |")
    totals = [sum(split.values()) for split in report.stages.values()]
    lines.append(
        "| **total (interpreter start-up not included)** | " + " | ".join(f"**{_f(t)}**" for t in totals) + " |"
    )
    return [*lines, ""]


def render(report: Report, notes: Sequence[str]) -> str:
    """The whole document."""
    kind = "a quick run, `BENCH_QUICK=1`: fewer runs and sizes" if report.quick else "a full run"
    if "BENCH_ONLY=" in report.command:
        kind += " of some sections only"
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` ({kind}) on {report.started}, in {report.seconds / 60:.1f} minutes. Regenerate with",
        f"`{report.command}`. Every figure is the median, min and max of {report.runs} runs unless a table says",
        "otherwise, and every ratio compares runs made in the same invocation.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in report.machine.items()),
        f"| load average at the end | {report.load_after} |",
        "",
        "The machine is shared (other work may run beside the benchmark), so tools take turns run by run and ratios",
        "are computed per round; a high load average above means wider min-max ranges.",
        "",
        "## Goals",
        "",
        "| goal | measured (median, min-max of per-round ratios) | |",
        "|---|---|---|",
    ]
    for goal in goals(report):
        lines.append(f"| {goal.text} | {goal.measured} | {_verdict(goal.met)} |")
    lines.append("")
    if report.skipped:
        lines += ["Not measured in this run: " + "; ".join(report.skipped) + ".", ""]
    lines += list(notes)
    lines += _generation(report)
    lines += render_client(report.client, report.imports) + render_github_imports(report.github_imports)
    lines += render_contract(report.contract) + render_server(report.server, report.connections, report.duration)
    lines += render_real_target(report.real_target)
    lines += render_large_clients(report.large_clients)
    return "\n".join(lines).rstrip() + "\n"

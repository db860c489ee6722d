"""`python -m bench` (`make bench`): run every benchmark and write `docs/benchmarks.md`.

Environment:
    BENCH_QUICK=1: 3 runs per figure, synthetic specs of 10 and 100 operations only, no GitHub spec, shorter wrk
        runs and fewer client calls (a few minutes; for checking the harness, not for quoting).
    BENCH_ONLY=generation,client,contract,server: run only these sections (the others are left out of the doc).
        `real-target` (never part of a full run: it needs root and the real server's venv) runs the contract suite
        against the real Skyvern server, quiet and with both cores busy; `large-clients` (never part of a full run:
        about 10 minutes) generates and imports Kubernetes' and AWS EC2's clients, ours beside openapi-python-client's.
    BENCH_OUT=path: where to write the document (default `docs/benchmarks.md` for a full run, and
        `docs/benchmarks-<sections>.md` for a BENCH_ONLY run, so that a partial run never replaces the full one).
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.client import run_client, run_imports
from bench.contract import run_contract
from bench.generation import run_generation, spec_cases, tools_for
from bench.github_import import run_github_imports
from bench.large_clients import run_large_clients
from bench.notes import notes
from bench.real_target import run_real_target
from bench.regeneration import run_regeneration
from bench.report import Report, render
from bench.server import run_wrk_series
from bench.stats import BenchError, machine, run_timed
from bench.tools import find_tools

SECTIONS = ("generation", "client", "contract", "server")
OPT_IN = ("real-target", "large-clients")
"""Sections only `BENCH_ONLY` runs."""


@dataclass(frozen=True, slots=True)
class Plan:
    """How much to run."""

    quick: bool
    runs: int
    sizes: tuple[int, ...]
    github: bool
    calls: int
    sdk_calls: dict[str, int]
    connections: tuple[int, ...]
    duration: int
    sections: tuple[str, ...]


def plan_from_env(environ: dict[str, str]) -> Plan:
    quick = environ.get("BENCH_QUICK", "") not in ("", "0")
    only = tuple(s.strip() for s in environ.get("BENCH_ONLY", "").split(",") if s.strip()) or SECTIONS
    unknown = set(only) - set(SECTIONS) - set(OPT_IN)
    if unknown:
        choices = ", ".join((*SECTIONS, *OPT_IN))
        raise BenchError(f"BENCH_ONLY: unknown section(s) {sorted(unknown)}; choose from {choices}")
    if quick:
        return Plan(True, 3, (10, 100), False, 2_000, {"run_workflow": 300, "get_run": 100}, (1, 8, 32), 1, only)
    return Plan(
        False, 5, (10, 100, 1000), True, 10_000, {"run_workflow": 10_000, "get_run": 1_000}, (1, 8, 32), 3, only
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> int:
    root = Path.cwd()
    if not (root / "codegen").is_dir() or not (root / "spec" / "openapi.yaml").is_file():
        log("run `python -m bench` from the repository's root (or use `make bench`)")
        return 2
    started = time.perf_counter()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        plan = plan_from_env(dict(os.environ))
        needs_tools = bool(set(plan.sections) - {"real-target"})  # the real target needs none of the compared tools
        tools = (
            find_tools(root, github=plan.github and bool({"generation", "client"} & set(plan.sections)))
            if needs_tools
            else None
        )
    except BenchError as error:
        log(f"bench: {error}")
        return 2
    only = f"BENCH_ONLY={','.join(plan.sections)} " if set(plan.sections) != set(SECTIONS) else ""
    command = ("BENCH_QUICK=1 " if plan.quick else "") + only + "make bench"
    report = Report(
        stamp, 0.0, plan.quick, command, machine(), plan.runs, connections=plan.connections, duration=plan.duration
    )
    scratch = root / "build" / "bench"
    try:
        if tools is not None and "generation" in plan.sections:
            log("generation ...")
            cases = spec_cases(root, scratch, plan.sizes, tools.github_spec)
            report.tools = tools_for(tools)
            report.generation = run_generation(cases, report.tools, plan.runs, root, log)
            for case in cases:
                if case.label.startswith("synthetic") and case.operations != max(plan.sizes):
                    continue
                run = run_timed([str(tools.python), "-m", "bench.stages", str(case.path)], cwd=root)
                report.stages[case.label] = json.loads(run.stdout)
            log("regeneration ...")
            regenerated = [("our spec", root / "spec" / "openapi.yaml")]
            if tools.github_spec is not None:
                regenerated.append(("GitHub's spec", tools.github_spec))
            for label, path in regenerated:
                report.regeneration.append(run_regeneration(label, path, tools.python, plan.runs, root, log))
        if tools is not None and "client" in plan.sections:
            log("client ...")
            report.client = run_client(tools, root, plan.runs, plan.calls, plan.sdk_calls, log)
            report.imports = run_imports(tools, root, plan.runs)
            if plan.github:
                log("importing GitHub's client ...")
                report.github_imports = run_github_imports(tools, root, plan.runs)
        if tools is not None and "contract" in plan.sections:
            log("contract ...")
            report.contract = run_contract(tools, root, plan.runs, log)
        if tools is not None and "large-clients" in plan.sections:
            log("large clients ...")
            report.large_clients = run_large_clients(tools, root, 3 if not plan.quick else 1, log)
        if "real-target" in plan.sections:
            log("real target ...")
            report.real_target = run_real_target(Path(sys.executable), root, 1 if plan.quick else 2, log)
        if tools is not None and "server" in plan.sections:
            log("server ...")
            report.server = run_wrk_series(
                tools, root / "spec" / "openapi.yaml", plan.connections, plan.runs, plan.duration, log
            )
    except BenchError as error:
        log(f"bench: {error}")
        return 1
    if plan.quick:
        report.skipped.append("the 1,000-operation synthetic spec and GitHub's spec (quick run)")
    report.skipped += [f"the {name} section (BENCH_ONLY)" for name in SECTIONS if name not in plan.sections]
    report.seconds = time.perf_counter() - started
    report.load_after = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    partial = "" if set(plan.sections) == set(SECTIONS) else "-" + "-".join(plan.sections)
    out = Path(os.environ.get("BENCH_OUT") or root / "docs" / f"benchmarks{partial}.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(report, notes(report)), encoding="utf-8")
    log(f"wrote {out} in {report.seconds / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())

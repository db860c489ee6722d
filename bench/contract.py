"""Contract throughput: cases per second of our suite vs a plain `st run`, on the same spec and the same server.

One reference server (fast lifecycle) serves every run. Ours: `python -m contract_tests` (profile `ci`) pointed at
it; a case is a request our suite sent (its summary's `requests`). Schemathesis: `st run` with its defaults plus
the API key header; a case is a test case it reports as generated. Both rates use the process's wall time, start-up
included. Either exits non-zero when it finds a failure; that does not stop the measurement.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.stats import BenchError, Sample, median_min_max, paired_ratio, ratio_text, run_timed, shell_line
from bench.tools import Tools
from reference_server.process import start_server

__all__ = ["ContractResult", "render_contract", "run_contract"]

API_KEY = "sk-bench-contract"
_ST_CASES = re.compile(r"Test cases:\s*\n\s*(\d+) generated")


@dataclass(slots=True)
class ContractResult:
    """Keyed by suite: cases per second, cases per run, wall seconds; the commands; exit codes seen."""

    rate: dict[str, Sample] = field(default_factory=dict)
    cases: dict[str, Sample] = field(default_factory=dict)
    seconds: dict[str, Sample] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    exit_codes: dict[str, set[int]] = field(default_factory=dict)


def run_contract(tools: Tools, root: Path, runs: int, log: Callable[[str], None]) -> ContractResult:
    """`runs` rounds of our suite then `st run`, against one reference server."""
    result = ContractResult()
    with tempfile.TemporaryDirectory(prefix="bench-contract-") as scratch_name:
        scratch = Path(scratch_name)
        server = start_server(db=scratch / "runs.sqlite3", api_key=API_KEY, fast=True)
        try:
            env = {
                "CONTRACT_BASE_URL": server.url,
                "CONTRACT_API_KEY": API_KEY,
                "CONTRACT_WORKFLOW_ID": server.workflows[0],
                "CONTRACT_WORKFLOW_PARAMETERS": json.dumps({"url": "https://example.com"}),
                "CONTRACT_PROFILE": "ci",
            }
            spec = root / "spec" / "openapi.yaml"
            for round_ in range(runs):
                reports = scratch / f"reports-{round_}"
                ours = [str(tools.python), "-m", "contract_tests", "-q", "--reports", str(reports)]
                shown = {**env, "CONTRACT_BASE_URL": "http://127.0.0.1:$PORT", "CONTRACT_API_KEY": "$KEY"}
                result.commands.setdefault("ours", shell_line([*ours[:-1], "$REPORTS"], shown))
                run = run_timed(ours, cwd=root, env=env, timeout=900, ok_codes=(0, 1))
                summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
                _add(result, "ours", float(summary["requests"]), run.wall, run.code)

                plain = [
                    str(tools.schemathesis),
                    "run",
                    str(spec),
                    "--url",
                    server.url,
                    "--header",
                    f"x-api-key: {API_KEY}",
                ]
                shown_st = [*plain[:4], "http://127.0.0.1:$PORT", "--header", "x-api-key: $KEY"]
                result.commands.setdefault("st run", shell_line(shown_st))
                run = run_timed(plain, cwd=scratch, env={"NO_COLOR": "1"}, timeout=900, ok_codes=(0, 1))
                match = _ST_CASES.search(run.stdout)
                if match is None:
                    raise BenchError("cannot find the test case count in `st run`'s output:\n" + run.stdout[-2000:])
                _add(result, "st run", float(match.group(1)), run.wall, run.code)
                log(
                    f"  contract run {round_ + 1}/{runs}: ours {result.rate['ours'].values[-1]:.0f} cases/s, "
                    f"st run {result.rate['st run'].values[-1]:.0f} cases/s"
                )
        finally:
            server.stop()
    return result


def _add(result: ContractResult, suite: str, cases: float, seconds: float, code: int) -> None:
    result.rate.setdefault(suite, Sample()).values.append(cases / seconds)
    result.cases.setdefault(suite, Sample()).values.append(cases)
    result.seconds.setdefault(suite, Sample()).values.append(seconds)
    result.exit_codes.setdefault(suite, set()).add(code)


def render_contract(contract: ContractResult | None) -> list[str]:
    """Section 3 of `docs/benchmarks*.md`."""
    if contract is None:
        return []
    lines = ["## 3. Contract throughput", ""]
    lines += [
        "Both suites against one reference server (`--fast` lifecycle) on the same spec. Ours: `python -m contract_tests`,",
        "profile `ci`; a case is a request it sent. `st run`: Schemathesis's CLI with its defaults and the API key; a",
        "case is a generated test case. Rates use the process's wall time, start-up included. The two suites do",
        "different work: ours waits for runs to reach a terminal status and checks webhooks; `st run` only fuzzes.",
        "",
        "| suite | cases/s median | min | max | cases per run (median) | seconds per run (median) | exit codes |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for suite, rate in contract.rate.items():
        codes = ", ".join(str(code) for code in sorted(contract.exit_codes[suite]))
        lines.append(
            f"| {suite} | {median_min_max(rate, 1)} | {contract.cases[suite].median:,.0f} | {contract.seconds[suite].median:.1f} | {codes} |"
        )
    if {"ours", "st run"} <= contract.rate.keys():
        lines += [
            "",
            f"Ours / `st run`, per round: {ratio_text(paired_ratio(contract.rate['ours'], contract.rate['st run']))}.",
        ]
    lines += ["", "```", *contract.commands.values(), "```", ""]
    return lines

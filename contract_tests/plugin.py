"""The pytest plugin of a contract run: collects findings from failed tests and writes the grouped summary.

Registered by the runner (`pytest.main(..., plugins=[ContractPlugin(...)])`), never auto-loaded.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from contract_tests.context import Context
from contract_tests.findings import Finding, distinct, findings_from_exception, render_summary, summary_json

__all__ = ["SUMMARY_JSON", "SUMMARY_MD", "ContractPlugin"]

SUMMARY_MD = "contract-summary.md"
SUMMARY_JSON = "contract-summary.json"


class ContractPlugin:
    """Findings of one run; `ok` says whether the target kept the contract."""

    name = "contract"

    def __init__(self, context: Context, *, target: str, seed: int | None) -> None:
        self.context = context
        self.target = target
        self.seed = seed
        self.findings: list[Finding] = []
        self.errors: list[str] = []
        self.started = time.monotonic()
        self.tests = 0
        self.skipped = 0

    @property
    def ok(self) -> bool:
        """No violation and no error."""
        return not self.findings and not self.errors

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        report: pytest.TestReport = yield
        if call.when == "call":
            self.tests += 1
        if report.skipped:
            self.skipped += 1
        if report.failed and call.excinfo is not None:
            found, errors = findings_from_exception(call.excinfo.value, item.nodeid, {self.context.api_key})
            if call.when != "call":
                errors = [f"{item.nodeid} ({call.when}): {call.excinfo.typename}: {call.excinfo.value}"]
                found = []
            self.findings += found
            self.errors += errors
            for area in sorted({str(finding.area) for finding in found}):
                item.user_properties.append(("contract_area", area))  # lands in the JUnit XML
        return report

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A module that cannot be collected is an error of the run."""
        if report.failed:
            self.errors.append(f"{report.nodeid}: collection failed: {str(report.longrepr).strip().splitlines()[-1]}")

    def _header(self) -> str:
        profile = self.context.profile
        if self.findings:
            verdict = f"FAIL: {len(distinct(self.findings))} distinct violation(s)"
        elif self.errors:
            verdict = f"ERROR: the run failed ({len(self.errors)} error(s)), no violation found"
        else:
            verdict = "PASS: no contract violation found"
        areas = sorted({str(f.area) for f in self.findings})
        where = f" in {', '.join(areas)}" if areas else ""
        seed = f", seed {self.seed}" if self.seed is not None else ""
        elapsed = time.monotonic() - self.started
        lines = [
            f"# Contract suite: {verdict}{where}",
            "",
            f"target {self.target} ({self.context.base_url}), profile {profile.name}{seed}, "
            f"{self.tests} tests ({self.skipped} skipped), {self.context.recorder.total} requests, {elapsed:.1f} s",
        ]
        if self.context.replay_hint and not self.ok:
            lines += ["", self.context.replay_hint]
        if not self.ok and not profile.derandomize and self.seed is not None:
            lines += [
                "",
                f"The same cases again: CONTRACT_PROFILE={profile.name} CONTRACT_SEED={self.seed} make contract",
            ]
        return "\n".join(lines)

    def summary(self) -> str:
        """The grouped summary (Markdown)."""
        return render_summary(self.findings, header=self._header(), errors=self.errors)

    def write(self, reports: Path) -> None:
        """Write `contract-summary.md` and `contract-summary.json` into the report folder."""
        reports.mkdir(parents=True, exist_ok=True)
        (reports / SUMMARY_MD).write_text(self.summary() + "\n", encoding="utf-8")
        meta = {
            "target": self.target,
            "base_url": self.context.base_url,
            "profile": self.context.profile.name,
            "seed": self.seed,
            "requests": self.context.recorder.total,
            "seconds": round(time.monotonic() - self.started, 1),
        }
        (reports / SUMMARY_JSON).write_text(summary_json(self.findings, self.errors, meta) + "\n", encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Print the grouped summary after pytest's own."""
        terminalreporter.write_line("")
        terminalreporter.write_line(self.summary())

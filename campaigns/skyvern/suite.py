"""The contract suite (`python -m contract_tests`) against the started real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaigns.skyvern.paths import ROOT
from campaigns.skyvern.server import SkyvernServer

__all__ = ["SUMMARY_JSON", "SuiteRun", "run_suite", "suite_command"]

SUMMARY_JSON = "contract-summary.json"


@dataclass(frozen=True, slots=True)
class SuiteRun:
    """One run of `python -m contract_tests` against the server.

    Attributes:
        command: what ran (no key in it: the key goes by environment).
        exit_status: its exit status.
        seconds: its wall time.
        summary: its `contract-summary.json` (empty when it wrote none).
    """

    command: list[str]
    exit_status: int
    seconds: float
    summary: dict[str, Any]


def suite_command(reports: Path, baseline: Path | None, write_baseline: Path | None) -> list[str]:
    """The contract suite's command line, with the baseline options passed through."""
    command = [sys.executable, "-m", "contract_tests", "--reports", str(reports), "-q"]
    if baseline is not None:
        command += ["--baseline", str(baseline)]
    if write_baseline is not None:
        command += ["--write-baseline", str(write_baseline)]
    return command


def run_suite(server: SkyvernServer, reports: Path, baseline: Path | None, write_baseline: Path | None) -> SuiteRun:
    """Run the contract suite against the server and read its summary.

    Args:
        server: the started server.
        reports: the suite's report folder.
        baseline: `--baseline FILE` for the suite.
        write_baseline: `--write-baseline FILE` for the suite.

    Returns:
        What the run did.
    """
    command = suite_command(reports, baseline, write_baseline)
    env = {
        **os.environ,
        "CONTRACT_BASE_URL": server.base_url,
        "CONTRACT_API_KEY": server.api_key,
        "CONTRACT_WORKFLOW_ID": server.workflow_id,
        "CONTRACT_TARGET_NAME": f"skyvern {server.package_version} (the real server, in a private network namespace)",
        "CONTRACT_PROFILE": os.environ.get("CONTRACT_PROFILE") or "ci",
    }
    if write_baseline is not None:
        write_baseline.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    status = subprocess.run(command, env=env, cwd=ROOT, check=False).returncode
    seconds = time.monotonic() - started
    try:
        summary = json.loads((reports / SUMMARY_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = {}
    return SuiteRun(command, status, seconds, summary if isinstance(summary, dict) else {})

"""Plain Schemathesis (`st run --checks all`) against the started real server, as a user would run it, and its
JUnit report read back as findings."""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaigns.skyvern.keys import KEY_PLACEHOLDER, redact
from campaigns.skyvern.paths import SPEC, relative
from campaigns.skyvern.server import SkyvernServer

__all__ = ["ST_MAX_EXAMPLES", "StFinding", "StRun", "parse_st_junit", "run_st", "st_argv"]

ST_MAX_EXAMPLES = 300
"""`st run --max-examples`: about a minute against the real server on 2 cores (100: 18 s, 300: 54 s)."""
ST_SEED = 20261129
ST_TIMEOUT = 600.0
_ST_CASE = re.compile(r"^\d+\. Test Case ID: (\S+)\s*$", re.MULTILINE)
_ST_CHECK = re.compile(r"^- (?:(ST\d+) )?(.+?)\s*$")
_ST_STATUS = re.compile(r"^\[(\d{3})\] ")


@dataclass(frozen=True, slots=True)
class StFinding:
    """One failure plain `st run` reported.

    Attributes:
        operation: e.g. `POST /v1/run/workflows` (`Stateful tests` for the stateful phase).
        code: its code, e.g. `ST202` ("" when it has none).
        title: the check's failure title, e.g. `Schema-valid request rejected`.
        message: the first lines of what it said.
        reproduction: its curl command(s), key redacted.
        kind: the failure class (e.g. `RejectedPositiveData`), from the JSON report; "" when unknown.
        status: the response status it got ("" when none).
    """

    operation: str
    code: str
    title: str
    message: str
    reproduction: str
    kind: str = ""
    status: str = ""


@dataclass(slots=True)
class StRun:
    """One run of plain `st run` against the server.

    Attributes:
        command: the command a user would type (key as `$CONTRACT_API_KEY`).
        exit_status: its exit status (-1 when it could not run or was stopped).
        seconds: its wall time.
        findings: what it reported.
        report: its JSON report (empty when there is none).
        error: why it did not run to its end ("" when it did).
    """

    command: str
    exit_status: int
    seconds: float
    findings: list[StFinding] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def st_argv(base_url: str, api_key: str, report_dir: Path, max_examples: int, seed: int) -> list[str]:
    """`st run spec/openapi.yaml --url BASE --checks all -H "x-api-key: KEY"` with a bounded budget and reports."""
    st = Path(sys.executable).with_name("st")
    return [
        str(st),
        "run",
        str(SPEC),
        "--url",
        base_url,
        "--checks",
        "all",
        "-H",
        f"x-api-key: {api_key}",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--report",
        "junit,json",
        "--report-dir",
        str(report_dir),
        "--no-color",
    ]


def _display_command(argv: Sequence[str], api_key: str) -> str:
    shown = [".venv/bin/st", *(relative(Path(arg)) if arg.startswith("/") else arg for arg in argv[1:])]
    text = " ".join(shlex.quote(arg) for arg in shown)
    return text.replace(shlex.quote(f"x-api-key: {api_key}"), f'"x-api-key: {KEY_PLACEHOLDER}"')


def _case_findings(operation: str, case: str, kinds: Mapping[str, str], api_key: str) -> list[StFinding]:
    """The failed checks of one st test case: `- CODE title` + message lines, `[status] reason:` + the response
    body, `Reproduce with:` + curl lines (shared by the case's checks)."""
    checks: list[tuple[str, str, list[str]]] = []
    status, response, reproduction = "", [], []
    section = ""
    for line in case.splitlines():
        stripped = line.strip()
        check = _ST_CHECK.match(line)
        status_line = _ST_STATUS.match(stripped)
        if check is not None:
            checks.append((check.group(1) or "", check.group(2), []))
            section = "check"
        elif status_line is not None:
            status, section = status_line.group(1), "response"
        elif stripped == "Reproduce with:":
            section = "reproduction"
        elif not stripped:
            continue
        elif section == "check":
            checks[-1][2].append(stripped)
        elif section == "response":
            response.append(stripped.strip("`"))
        elif section == "reproduction" and stripped.startswith("curl "):
            reproduction.append(redact(stripped, [api_key]))
    answer = f"; response: {' '.join(response)}" if response else ""
    return [
        StFinding(
            operation=operation,
            code=code,
            title=title,
            message=redact(((message[0] if message else "") + answer).strip("; ")[:400], [api_key]),
            reproduction="\n".join(reproduction),
            kind=kinds.get(code, "") or kinds.get(title, ""),
            status=status,
        )
        for code, title, message in checks
    ]


def parse_st_junit(xml_text: str, kinds: Mapping[str, str], api_key: str) -> list[StFinding]:
    """The failures of an `st run --report junit` file, one per failed check of each test case.

    Args:
        xml_text: the JUnit XML.
        kinds: failure class by code and by title (from the JSON report), e.g. `{"ST202": "RejectedPositiveData"}`.
        api_key: the key to redact.

    Returns:
        The findings, in report order.
    """
    findings: list[StFinding] = []
    for testcase in ElementTree.fromstring(xml_text).iter("testcase"):
        operation = testcase.get("name", "")
        for failure in [*testcase.iter("failure"), *testcase.iter("error")]:
            text = failure.text or failure.get("message") or ""
            parts = _ST_CASE.split(text)
            cases = parts[2::2] if len(parts) > 1 else [text]
            for case in cases:
                findings.extend(_case_findings(operation, case, kinds, api_key))
    return findings


def _failure_kinds(report: Mapping[str, Any]) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for failure in report.get("failures") or []:
        if isinstance(failure, dict) and failure.get("type"):
            for name in (failure.get("code"), failure.get("title")):
                if name:
                    kinds[str(name)] = str(failure["type"])
    return kinds


def run_st(server: SkyvernServer, report_dir: Path, *, max_examples: int = ST_MAX_EXAMPLES) -> StRun:
    """Run plain `st run --checks all` against the server, as a user would, and read its reports.

    Args:
        server: the started server.
        report_dir: where its reports and output go (also its cwd).
        max_examples: `--max-examples`.

    Returns:
        What it did and reported.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    argv = st_argv(server.base_url, server.api_key, report_dir, max_examples, ST_SEED)
    run = StRun(_display_command(argv, server.api_key), -1, 0.0)
    started = time.monotonic()
    try:
        with (report_dir / "st-output.txt").open("wb") as output:
            completed = subprocess.run(
                argv, cwd=report_dir, stdout=output, stderr=subprocess.STDOUT, timeout=ST_TIMEOUT, check=False
            )
        run.exit_status = completed.returncode
    except subprocess.TimeoutExpired:
        run.error = f"stopped after {ST_TIMEOUT:.0f} s"
    except OSError as error:
        run.error = f"could not run: {error}"
    run.seconds = time.monotonic() - started
    for path in sorted(report_dir.glob("json-*.json"))[-1:]:
        with contextlib.suppress(OSError, ValueError):
            run.report = json.loads(path.read_text(encoding="utf-8"))
    kinds = _failure_kinds(run.report)
    for path in sorted(report_dir.glob("junit-*.xml"))[-1:]:
        try:
            run.findings = parse_st_junit(path.read_text(encoding="utf-8"), kinds, server.api_key)
        except (OSError, ElementTree.ParseError) as error:
            run.error = run.error or f"unreadable JUnit report: {error}"
    return run

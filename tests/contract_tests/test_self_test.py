"""The contract suite against real reference servers: the clean one passes (profile `ci`, the `make contract`
default), and a representative fault per contract area fails it in that area; one of them through
`CONTRACT_BASE_URL` at a server started separately, whose reproduction, replayed with bash, shows the violation again.

The full matrix (every fault) is `make kill-matrix`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from campaigns.kill_matrix import CLEAN, EXPECTED, Outcome, run_one
from contract_tests.transport.target import DEFAULT_PARAMETERS, ReferenceServer

ROOT = Path(__file__).resolve().parents[2]
REPRESENTATIVE = [
    "status_paused",
    "reject_valid_proxy",
    "drop_nullable_key",
    "ignore_auth",
    "validation_shape",
    "null_500",
    "webhook_bad_signature",
]
"""One fault per area (status enum, proxy options, nullable fields, auth, response schema, server errors, webhooks);
lifecycle is covered through CONTRACT_BASE_URL below."""
BUDGET_SECONDS = 120


def _summary(reports: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    return data


def _suite_against(
    server: ReferenceServer, reports: Path, settings: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m contract_tests` (profile ci) pointed at a server started apart, through `CONTRACT_BASE_URL`."""
    environ = {
        **os.environ,
        "CONTRACT_PROFILE": "ci",
        "CONTRACT_BASE_URL": server.base_url,
        "CONTRACT_API_KEY": server.api_key,
        "CONTRACT_WORKFLOW_ID": server.workflow_id,
        "CONTRACT_WORKFLOW_PARAMETERS": json.dumps(DEFAULT_PARAMETERS),
        **(settings or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "contract_tests", "-q", "--reports", str(reports)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.timeout(600)
def test_clean_server_passes_and_faults_are_caught_in_their_area(tmp_path: Path) -> None:
    environ = {**os.environ, "CONTRACT_PROFILE": "ci"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes: list[Outcome] = list(
            pool.map(lambda f: run_one(f, tmp_path / f.strip("()"), environ), [CLEAN, *REPRESENTATIVE])
        )
    clean = outcomes[0]
    assert clean.exit_status == 0, clean
    assert clean.seconds < BUDGET_SECONDS
    assert (tmp_path / "none" / "contract-junit.xml").exists()
    assert _summary(tmp_path / "none")["ok"] is True
    assert _summary(tmp_path / "none")["requests"] > 0
    for outcome in outcomes[1:]:
        assert outcome.killed, f"{outcome.fault}: expected a finding in {EXPECTED[outcome.fault]}, got {outcome}"


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.timeout(300)
@pytest.mark.parametrize(("fault", "area", "shown"), [("no_persist", "lifecycle", " 404")])
def test_base_url_target_fails_and_its_reproduction_replays(tmp_path: Path, fault: str, area: str, shown: str) -> None:
    with ReferenceServer(tmp_path / "server", [fault]) as server:
        reports = tmp_path / "reports"
        result = _suite_against(server, reports)
        assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
        summary = _summary(reports)
        assert area in {cause["area"] for cause in summary["root_causes"]}
        assert server.api_key not in (reports / "contract-summary.md").read_text(encoding="utf-8")
        finding = next(f for f in summary["root_causes"] if f["area"] == area and "RUN_1" in f["reproduction"])
        replay = subprocess.run(
            ["bash", "-c", finding["reproduction"]],
            env={**os.environ, "CONTRACT_API_KEY": server.api_key},
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert shown in replay.stdout, replay.stdout + replay.stderr


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.timeout(300)
def test_a_target_too_slow_for_the_budget_ends_incomplete(tmp_path: Path) -> None:
    """A reference server that waits 0.25 s before every answer, a 12 s budget: the run cannot judge every area; it
    says which, and exits 3 (incomplete), not 0."""
    with ReferenceServer(tmp_path / "server", options=["--latency", "0.25"]) as server:
        reports = tmp_path / "reports"
        budget = {"CONTRACT_MAX_SECONDS": "12", "CONTRACT_TEST_SECONDS": "2", "CONTRACT_WORKERS": "2"}
        result = _suite_against(server, reports, budget)
    summary = _summary(reports)
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr[-3000:]
    assert (summary["verdict"], summary["exit_status"], summary["root_causes"]) == ("incomplete", 3, [])
    assert summary["incomplete_areas"]
    assert all("time budget" in test["reason"] for test in summary["not_run"])
    named = (reports / "contract-summary.md").read_text(encoding="utf-8")
    assert "INCOMPLETE" in named
    for area in summary["incomplete_areas"]:
        assert f"| {area} | " in named

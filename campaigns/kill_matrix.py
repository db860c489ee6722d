"""The kill matrix: the suite against the reference server with each fault switched on, and once without.

Every fault of `reference_server.faults.FAULTS` must make `python -m contract_tests` exit 1 with a finding in the
contract area `EXPECTED` names; the clean server must pass. The result is `docs/kill-matrix.md`.

    python -m campaigns.kill_matrix            # run, print, write docs/kill-matrix.md
    python -m campaigns.kill_matrix --check    # run; fail if a fault survives or the doc is not what ran
    python -m campaigns.kill_matrix status_paused no_persist   # just these (no doc written)
    python -m campaigns.kill_matrix --by-hand  # servers started apart, with their defaults, via CONTRACT_BASE_URL
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from contract_tests.engine.plugin import SUMMARY_JSON
from contract_tests.model.areas import Area
from contract_tests.transport.target import ReferenceServer

__all__ = ["CLEAN", "EXPECTED", "Outcome", "main", "render", "run_one"]

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "kill-matrix.md"
CLEAN = "(none)"
"""The control row: the reference server without faults."""

EXPECTED: Mapping[str, Area] = {
    "accept_invalid_proxy": Area.PROXY_OPTIONS,
    "cancel_body": Area.RESPONSE_SCHEMA,
    "cancel_terminal": Area.LIFECYCLE,
    "created_at_moves": Area.LIFECYCLE,
    "drop_nullable_key": Area.NULLABLE_FIELDS,
    "drop_required_key": Area.RESPONSE_SCHEMA,
    "finished_before_started": Area.LIFECYCLE,
    "ignore_auth": Area.AUTH,
    "lax_proxy_location": Area.PROXY_OPTIONS,
    "lax_types": Area.REQUEST_VALIDATION,
    "naive_timestamps": Area.RESPONSE_SCHEMA,
    "no_persist": Area.LIFECYCLE,
    "null_500": Area.SERVER_ERRORS,
    "reject_valid_proxy": Area.PROXY_OPTIONS,
    "run_id_reused": Area.LIFECYCLE,
    "run_request_as_parsed": Area.NULLABLE_FIELDS,
    "run_request_mangled": Area.NULLABLE_FIELDS,
    "status_401": Area.AUTH,
    "status_paused": Area.STATUS_ENUM,
    "status_regresses": Area.LIFECYCLE,
    "title_from_workflow": Area.NULLABLE_FIELDS,
    "validation_shape": Area.RESPONSE_SCHEMA,
    "webhook_bad_signature": Area.WEBHOOKS,
    "webhook_never_sent": Area.WEBHOOKS,
    "wrong_content_type": Area.RESPONSE_SCHEMA,
}
"""The contract area each fault breaks: where the suite must file it."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One row: a fault (or the clean control), the exit status, and the areas the summary named."""

    fault: str
    exit_status: int
    areas: tuple[str, ...]
    seconds: float
    errors: tuple[str, ...] = ()

    @property
    def killed(self) -> bool:
        """For a fault: the suite failed with a finding in the expected area. For the control: it passed."""
        if self.fault == CLEAN:
            return self.exit_status == 0
        expected = EXPECTED.get(self.fault)
        return self.exit_status == 1 and expected is not None and str(expected) in self.areas


def run_one(fault: str, reports: Path, environ: Mapping[str, str] | None = None, *, by_hand: bool = False) -> Outcome:
    """Run the suite (profile `ci` unless `CONTRACT_PROFILE` says otherwise) against a fresh reference server.

    Args:
        fault: a fault name, or `CLEAN` for none.
        reports: the report folder of this run.
        environ: the environment (default: this process's, without `CONTRACT_BASE_URL`).
        by_hand: start the server separately, with its own defaults (demo workflow, real-time clock), and point the
            suite at it through `CONTRACT_BASE_URL`, as a user would; else let the suite start it (`--fault`).

    Returns:
        The outcome.
    """
    env = {k: v for k, v in (environ or os.environ).items() if not k.startswith("CONTRACT_") or k == "CONTRACT_PROFILE"}
    env.setdefault("CONTRACT_PROFILE", "ci")
    args = [sys.executable, "-m", "contract_tests", "-q", "--reports", str(reports)]
    faults = [] if fault == CLEAN else [fault]
    started = time.monotonic()
    if by_hand:
        with ReferenceServer(reports / "server", faults, server_defaults=True) as server:
            env.update(
                CONTRACT_BASE_URL=server.base_url,
                CONTRACT_API_KEY=server.api_key,
                CONTRACT_WORKFLOW_ID=server.workflow_id,
            )
            result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    else:
        args += [arg for name in faults for arg in ("--fault", name)]
        result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    try:
        summary = json.loads((reports / SUMMARY_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
        return Outcome(fault, result.returncode, (), seconds, tuple(tail))
    named = {cause["area"] for cause in summary.get("root_causes", [])}
    areas = tuple(area for area in map(str, Area) if area in named)
    return Outcome(fault, result.returncode, areas, seconds, tuple(summary.get("errors", [])))


def run_all(faults: Sequence[str], reports: Path, jobs: int, *, by_hand: bool = False) -> list[Outcome]:
    """Run the control and each fault, `jobs` at a time."""
    names = [CLEAN, *faults]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda name: run_one(name, reports / name.strip("()"), by_hand=by_hand), names))


def render(outcomes: Sequence[Outcome], descriptions: Mapping[str, str]) -> str:
    """`docs/kill-matrix.md` (no timings, so that it only changes when the results do)."""
    killed = sum(o.killed for o in outcomes if o.fault != CLEAN)
    total = sum(1 for o in outcomes if o.fault != CLEAN)
    lines = [
        "# Kill matrix: every reference-server fault against the contract suite",
        "",
        "Generated by `make kill-matrix` (`python -m campaigns.kill_matrix`); do not edit by hand. Each row starts",
        "a fresh reference server with one `--fault` and runs `python -m contract_tests` (profile `ci`) against it. A",
        "fault is *killed* when the suite exits 1 with a finding in the fault's contract area; the control row (no",
        "fault) must pass. `make test` runs a representative subset (`tests/contract_tests/test_self_test.py`).",
        "`python -m campaigns.kill_matrix --by-hand` runs the same matrix the way a user would: each server started",
        "apart with its own defaults (demo workflow, real-time clock) and the suite pointed at it via `CONTRACT_BASE_URL`.",
        "",
        f"**{killed} of {total} faults killed.**",
        "",
        "| fault | what it breaks | expected area | areas the suite named | exit | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for outcome in outcomes:
        description = descriptions.get(outcome.fault, "no fault: the clean reference server")
        expected = str(EXPECTED[outcome.fault]) if outcome.fault in EXPECTED else "none (must pass)"
        named = ", ".join(outcome.areas) or "none"
        verdict = ("killed" if outcome.fault != CLEAN else "passes") if outcome.killed else "**SURVIVED**"
        if outcome.fault == CLEAN and not outcome.killed:
            verdict = "**FALSE ALARM**"
        row = [
            f"`{outcome.fault}`",
            description.replace("|", "\\|"),
            expected,
            named,
            str(outcome.exit_status),
            verdict,
        ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns 0 when every fault is killed and the control passes (and, with --check, the doc
    matches)."""
    from reference_server.faults import FAULTS

    parser = argparse.ArgumentParser(prog="python -m campaigns.kill_matrix", description=__doc__)
    parser.add_argument("faults", nargs="*", help="only these faults (default: all; the doc is written only for all)")
    parser.add_argument("--check", action="store_true", help="fail when docs/kill-matrix.md differs from this run")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument(
        "--by-hand",
        action="store_true",
        help="start each server separately with its defaults and use CONTRACT_BASE_URL (no doc written)",
    )
    parser.add_argument("--reports", type=Path, default=ROOT / "reports" / "kill-matrix")
    args = parser.parse_args(argv)
    unclassified = sorted(set(FAULTS) - set(EXPECTED))
    if unclassified:
        print(f"faults without an expected area in EXPECTED: {', '.join(unclassified)}", file=sys.stderr)
        return 2
    faults = args.faults or sorted(FAULTS)
    outcomes = run_all(faults, args.reports, args.jobs, by_hand=args.by_hand)
    for outcome in outcomes:
        state = "ok " if outcome.killed else "BAD"
        print(
            f"{state} {outcome.fault:22} exit {outcome.exit_status} areas {list(outcome.areas)} {outcome.seconds:.0f}s"
        )
        for error in outcome.errors[:3]:
            print(f"      error: {error}")
    ok = all(outcome.killed for outcome in outcomes)
    if args.faults or args.by_hand:
        return 0 if ok else 1
    text = render(outcomes, FAULTS)
    if args.check:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC.relative_to(ROOT)} is not what this run found; run `python -m campaigns.kill_matrix`")
            return 1
    else:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

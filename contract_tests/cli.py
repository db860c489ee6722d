"""`skyvern-contract` (or `python -m contract_tests`): pick the target, start what it needs, run the pytest suite,
judge, report, exit.

Target: `CONTRACT_BASE_URL` + `CONTRACT_API_KEY` + `CONTRACT_WORKFLOW_ID` (and optionally
`CONTRACT_WORKFLOW_PARAMETERS`, a JSON object the workflow accepts; `CONTRACT_KNOWN_VALUES`, a JSON object of request
field values that name resources existing there, e.g. `{"browser_session_id": "pbs_1"}`; `CONTRACT_NULL_ONLY_FIELDS`,
request fields sent only omitted or null); without `CONTRACT_BASE_URL`, a reference server started on a free loopback
port (`--fault NAME` switches faults on in it) and stopped afterwards. `CONTRACT_WORKERS` sets how many processes
send requests at once (default 4 against a `CONTRACT_BASE_URL`, 1 against the reference server);
`CONTRACT_TARGET_NAME` names a `CONTRACT_BASE_URL` target in the reports. Each setting but the key has a flag too
(`SETTINGS`; a flag wins over its variable); the suite's pytest files and settings (`suite.ini`) come from this
package, so an installed wheel runs it as a checkout does.

Exit status: 0 pass (every area judged, no violation outside the baseline), 1 violations, 2 the suite could not run
(target unreachable, misconfiguration, a broken test), 3 incomplete (no violation, but some area was not judged).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from contract_tests.checks import drift
from contract_tests.config import ConfigurationError
from contract_tests.engine.plugin import REPORT_HTML, SUMMARY_MD
from contract_tests.model.verdict import EXIT_ERROR, EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATIONS
from contract_tests.session import DEFAULT_REMOTE_MAX_RUNS, JUNIT, run

__all__ = ["EXIT_ERROR", "EXIT_INCOMPLETE", "EXIT_OK", "EXIT_VIOLATIONS", "SETTINGS", "Setting", "main", "run"]


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting of a run: its environment variable, its flag (None: the variable only) and what it means."""

    variable: str
    flag: str | None
    help: str
    metavar: str = "VALUE"


SETTINGS = (
    Setting("CONTRACT_BASE_URL", "--base-url", "the target; unset: a fresh reference server on a loopback port", "URL"),
    Setting("CONTRACT_API_KEY", None, "the target's x-api-key (a variable only: a flag would show it in ps)"),
    Setting("CONTRACT_WORKFLOW_ID", "--workflow-id", "a workflow that exists on the target", "ID"),
    Setting("CONTRACT_WORKFLOW_PARAMETERS", "--workflow-parameters", "JSON object that workflow accepts", "JSON"),
    Setting(
        "CONTRACT_KNOWN_VALUES",
        "--known-values",
        'JSON object of ids that exist there, {"browser_session_id": ...}',
        "JSON",
    ),
    Setting("CONTRACT_NULL_ONLY_FIELDS", "--null-only-fields", "request fields sent only omitted or null", "A,B"),
    Setting("CONTRACT_WORKERS", "--workers", "processes sending requests (default 4 remote, 1 reference)", "N"),
    Setting("CONTRACT_TARGET_NAME", "--target-name", "the remote target's name in the reports", "NAME"),
    Setting("CONTRACT_PROFILE", "--profile", "ci (default: fixed seed, quick), dev (random seed) or deep", "NAME"),
    Setting("CONTRACT_SEED", "--seed", "the Hypothesis seed (default: the profile's)", "N"),
    Setting("CONTRACT_MAX_SECONDS", "--max-seconds", "the run's safety time limit (default: the profile's)", "SECONDS"),
    Setting("CONTRACT_TEST_SECONDS", "--test-seconds", "each test's share of it (default: the profile's)", "SECONDS"),
    Setting(
        "CONTRACT_MAX_RUNS",
        "--max-runs",
        f"runs the suite may start, or none (default: no cap on loopback, {DEFAULT_REMOTE_MAX_RUNS} elsewhere)",
        "N",
    ),
    Setting(
        "CONTRACT_SINK_URL", "--sink-url", "the sink's address in URL fields, if the target refuses loopback", "URL"
    ),
    Setting(
        "CONTRACT_SERVED_SPEC",
        "--served-spec",
        "the target's own OpenAPI document, a path on it or a URL, or none (default: /openapi.json)",
        "PATH",
    ),
    Setting("CONTRACT_WEBHOOK_WAIT", "--webhook-wait", "wait for a webhook delivery (default: the spec's)", "SECONDS"),
    Setting("CONTRACT_WEBHOOK_SECRET", None, "webhook signing secret (a spec's x-signature key `secret`)"),
)
"""What `make contract` reads from the environment, each with the flag that overrides it."""

_EPILOG = "\n".join(
    [
        "settings (a flag wins over its environment variable):",
        *(f"  {s.variable:<29} {s.flag or '(variable only)':<22} {s.help}" for s in SETTINGS),
        f"  {'CONTRACT_BASELINE':<29} {'--baseline':<22} known root causes (see above)",
        "",
        "exit status:",
        "  0  pass: every area judged, no violation outside the baseline",
        "  1  fail: contract violations (root causes outside the baseline)",
        "  2  error: the suite could not run (target unreachable, bad settings, a broken test)",
        "  3  incomplete: no violation, but some area was not judged (the summary names it)",
        "",
        "reports: contract-summary.md, contract-summary.json and contract-junit.xml in --reports",
        "",
        "`skyvern-contract drift` compares the spec with the target's own document only (--help there).",
    ]
)


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Fuzz a Skyvern run API (default: a fresh reference server) against its OpenAPI spec.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for setting in SETTINGS:
        if setting.flag is not None:
            parser.add_argument(setting.flag, metavar=setting.metavar, help=f"{setting.help} (env: {setting.variable})")
    parser.add_argument(
        "--fault", action="append", default=[], metavar="NAME", help="default target only: start it with this fault"
    )
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="report folder (default: reports)")
    parser.add_argument("-k", dest="keyword", help="only tests matching this pytest -k expression")
    parser.add_argument("-q", "--quiet", action="store_true", help="less pytest output")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=os.environ.get("CONTRACT_BASELINE") or None,
        help="root causes listed in this file are known: they do not fail the run (default: $CONTRACT_BASELINE)",
    )
    parser.add_argument("--write-baseline", type=Path, metavar="FILE", help="record this run's root causes in FILE")
    parser.add_argument(
        "--plan",
        action="store_true",
        help="print the requests and runs each area would need (and what the run cap allows), sending nothing",
    )
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "skyvern-contract") -> int:
    """The command line (the `skyvern-contract` console script); returns the exit status.

    Args:
        argv: the arguments (default: `sys.argv[1:]`).
        prog: the command's name in `--help`.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["drift"]:
        return drift.main(arguments[1:])
    args = _parser(prog).parse_args(arguments)
    flags = {s.variable: getattr(args, s.flag[2:].replace("-", "_")) for s in SETTINGS if s.flag is not None}
    environ = {**os.environ, **{name: value for name, value in flags.items() if value is not None}}
    try:
        code, verdict = run(
            reports=args.reports,
            faults=args.fault,
            keyword=args.keyword,
            quiet=args.quiet,
            known=args.baseline,
            write_baseline=args.write_baseline,
            environ=environ,
            plan_only=args.plan,
        )
    except ConfigurationError as error:
        print(f"contract suite: {error}", file=sys.stderr)
        return EXIT_ERROR
    if verdict is not None:
        print(
            f"\nsummary: {args.reports / SUMMARY_MD}, JUnit: {args.reports / JUNIT}, report: {args.reports / REPORT_HTML}"
        )
        if args.write_baseline is not None:
            print(f"baseline: {len(verdict.causes)} root cause(s) written to {args.write_baseline}")
            if code == EXIT_VIOLATIONS:  # recording the known breaks is what was asked: that worked
                print("exit status 0: the violations above are recorded as known")
                return EXIT_OK
        print(f"exit status {code}: {verdict.word}")
    return code

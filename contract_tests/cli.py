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
import json
import os
import random
import shlex
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from contract_tests.checks import drift
from contract_tests.config import (
    ENV_VAR,
    ConfigurationError,
    Context,
    Profile,
    profile_from_env,
    seconds_setting,
    set_current,
)
from contract_tests.engine import plan
from contract_tests.engine.plugin import REPORT_HTML, SUMMARY_MD, ContractPlugin
from contract_tests.model import baseline
from contract_tests.model.verdict import EXIT_ERROR, EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATIONS, Verdict
from contract_tests.spec import DEFAULT_SPEC
from contract_tests.transport.sink import Sink
from contract_tests.transport.target import DEFAULT_PARAMETERS, ReferenceServer, TargetError

__all__ = ["EXIT_ERROR", "EXIT_INCOMPLETE", "EXIT_OK", "EXIT_VIOLATIONS", "SETTINGS", "Setting", "main", "run"]

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
JUNIT = "contract-junit.xml"
_PROFILE_TIMEOUTS = {"ci": 120, "dev": 600, "deep": 0}  # pytest-timeout seconds per test (0: none)
_REMOTE_WORKERS = 4
DEFAULT_REMOTE_MAX_RUNS = 50
"""The run cap of a target that is not on loopback (each run there may start a paid browser session)."""
_LOOPBACK = ("127.", "localhost", "[::1]")
_MAX_WORKERS = 16
SUITE = PACKAGE / "suite"
"""The suite's pytest files, their conftest and `suite.ini`."""
SUITE_INI = SUITE / "suite.ini"


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


def _json_object(environ: Mapping[str, str], name: str) -> dict[str, Any]:
    raw = environ.get(name) or "{}"
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise ConfigurationError(f"{name} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ConfigurationError(f"{name} must be a JSON object")
    return value


def _remote(environ: Mapping[str, str]) -> tuple[str, str, str, dict[str, Any]]:
    missing = [name for name in ("CONTRACT_API_KEY", "CONTRACT_WORKFLOW_ID") if not environ.get(name)]
    if missing:
        raise ConfigurationError(f"CONTRACT_BASE_URL is set, so {' and '.join(missing)} must be set too")
    parameters = _json_object(environ, "CONTRACT_WORKFLOW_PARAMETERS")
    return environ["CONTRACT_BASE_URL"], environ["CONTRACT_API_KEY"], environ["CONTRACT_WORKFLOW_ID"], parameters


def _fields(environ: Mapping[str, str]) -> tuple[frozenset[str], dict[str, Any]]:
    from contract_tests.spec import Spec

    spec = Spec.load()
    names = frozenset(n.strip() for n in environ.get("CONTRACT_NULL_ONLY_FIELDS", "").split(",") if n.strip())
    unknown = sorted(names - set(spec.nullable_fields("WorkflowRunRequest")))
    if unknown:
        raise ConfigurationError(f"CONTRACT_NULL_ONLY_FIELDS: not nullable request fields: {', '.join(unknown)}")
    known = _json_object(environ, "CONTRACT_KNOWN_VALUES")
    unknown = sorted(set(known) - set(spec.reference_fields("WorkflowRunRequest")))
    if unknown:
        raise ConfigurationError(
            f"CONTRACT_KNOWN_VALUES: not request fields that name a resource: {', '.join(unknown)} "
            f"(those are: {', '.join(spec.reference_fields('WorkflowRunRequest'))})"
        )
    return names, known


def _workers(environ: Mapping[str, str], remote: bool) -> int:
    raw = environ.get("CONTRACT_WORKERS")
    if not raw:
        return _REMOTE_WORKERS if remote else 1
    if not raw.isdigit() or not 1 <= int(raw) <= _MAX_WORKERS:
        raise ConfigurationError(f"CONTRACT_WORKERS={raw!r}: expected a whole number from 1 to {_MAX_WORKERS}")
    return int(raw)


def _max_runs(environ: Mapping[str, str], base_url: str) -> int | None:
    """The run cap: `CONTRACT_MAX_RUNS` (a whole number, or `none`), else none on loopback and
    `DEFAULT_REMOTE_MAX_RUNS` elsewhere."""
    raw = (environ.get("CONTRACT_MAX_RUNS") or "").strip().lower()
    if raw == "none":
        return None
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise ConfigurationError(f"CONTRACT_MAX_RUNS={raw!r}: expected a whole number from 1, or none")
        return int(raw)
    host = base_url.split("://", 1)[-1]
    return None if host.startswith(_LOOPBACK) else DEFAULT_REMOTE_MAX_RUNS


def _seed(environ: Mapping[str, str], derandomize: bool, fixed: int) -> int:
    raw = environ.get("CONTRACT_SEED")
    if raw:
        if not raw.isdigit():
            raise ConfigurationError(f"CONTRACT_SEED={raw!r}: expected a whole number")
        return int(raw)
    return fixed if derandomize else random.SystemRandom().randrange(1, 2**31)


def _pytest_args(reports: Path, seed: int, profile: str, keyword: str | None, quiet: bool, workers: int) -> list[str]:
    args = [
        str(SUITE),
        f"--rootdir={ROOT}",
        "-c",
        str(SUITE_INI),
        f"--confcutdir={SUITE}",
        "-p",
        "no:cacheprovider",
        f"--junitxml={reports / JUNIT}",
        "-o",
        "junit_suite_name=contract",
        "-o",
        f"timeout={_PROFILE_TIMEOUTS.get(profile, 300)}",
        f"--hypothesis-seed={seed}",
        "--tb=short",
        "-q" if quiet else "-v",
        # pytest-xdist: `load` hands tests out one by one, so a slow test does not hold the ones queued behind it.
        *(["-n", str(workers), "--dist", "load"] if workers > 1 else ["-p", "no:xdist"]),
    ]
    return [*args, "-k", keyword] if keyword else args


def _annotate_junit(path: Path, verdict: Verdict) -> None:
    """Put the verdict into the JUnit XML as test-suite properties, so that it says what the summary says."""
    try:
        tree = ElementTree.parse(path)
    except (OSError, ElementTree.ParseError):
        return
    root = tree.getroot()
    for suite in [root] if root.tag == "testsuite" else root.iter("testsuite"):
        properties = suite.find("properties")
        if properties is None:
            properties = ElementTree.Element("properties")
            suite.insert(0, properties)
        values = {
            "contract_verdict": verdict.word,
            "contract_exit_status": str(verdict.exit_status),
            "contract_root_causes": str(len(verdict.new_causes)),
            "contract_known_root_causes": str(len(verdict.causes) - len(verdict.new_causes)),
            "contract_incomplete_areas": ", ".join(verdict.incomplete_areas),
            "contract_not_verifiable": ", ".join(", ".join(item.fields) for item in verdict.not_verifiable),
        }
        for name, value in values.items():
            ElementTree.SubElement(properties, "property", name=name, value=value)
        for cause in verdict.causes:
            ElementTree.SubElement(properties, "property", name="contract_root_cause", value=cause.key)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def run(
    *,
    reports: Path,
    faults: Sequence[str] = (),
    keyword: str | None = None,
    quiet: bool = False,
    known: Path | None = None,
    write_baseline: Path | None = None,
    environ: Mapping[str, str] | None = None,
    plan_only: bool = False,
) -> tuple[int, Verdict | None]:
    """Run the suite once.

    Args:
        reports: the report folder.
        faults: faults to switch on in the default target.
        keyword: a pytest `-k` expression.
        quiet: less pytest output.
        known: a baseline file: the root causes it lists do not fail the run.
        write_baseline: record this run's root causes in this file.
        environ: the `CONTRACT_*` settings (default: the process environment).
        plan_only: print the plan (`contract_tests.engine.plan`) and send nothing.

    Returns:
        The exit status and the verdict (None when the run could not start).
    """
    environ = dict(os.environ if environ is None else environ)
    profile = profile_from_env(environ)
    webhook_wait = seconds_setting(environ, "CONTRACT_WEBHOOK_WAIT", 0.0)
    seed = _seed(environ, profile.derandomize, profile.seed)
    remote = bool(environ.get("CONTRACT_BASE_URL"))
    workers = _workers(environ, remote)
    null_only, known_values = _fields(environ)
    known_causes = baseline.load(known) if known is not None else None
    reports.mkdir(parents=True, exist_ok=True)
    if plan_only:
        return _plan(environ, profile, seed, keyword, null_only, known_values)
    server: ReferenceServer | None = None
    with Sink(environ.get("CONTRACT_SINK_URL", "")) as sink:
        try:
            if remote:
                if faults:
                    raise ConfigurationError("--fault applies to the default target only (unset CONTRACT_BASE_URL)")
                base_url, api_key, workflow_id, parameters = _remote(environ)
                target, hint = environ.get("CONTRACT_TARGET_NAME") or "CONTRACT_BASE_URL", ""
            else:
                server = ReferenceServer(reports.resolve(), faults).start()
                base_url, api_key, workflow_id = server.base_url, server.api_key, server.workflow_id
                parameters = dict(DEFAULT_PARAMETERS)
                port = base_url.rsplit(":", 1)[1]
                target = "reference server" + (f" with --fault {' --fault '.join(faults)}" if faults else "")
                hint = "The reference server was stopped. To replay, start it again with: " + " ".join(
                    shlex.quote(arg) if not arg.startswith("$") else f'"{arg}"' for arg in server.command(port)
                )
            context = Context(
                base_url=base_url,
                api_key=api_key,
                workflow_id=workflow_id,
                workflow_parameters=parameters,
                null_only_fields=null_only,
                known_values=known_values,
                sink_url=sink.url,
                profile=profile,
                reports=reports,
                replay_hint=hint,
                workers=workers,
                webhook_wait=webhook_wait,
                webhook_secret=environ.get("CONTRACT_WEBHOOK_SECRET", ""),
                max_runs=_max_runs(environ, base_url),
            )
            set_current(context)
            os.environ[ENV_VAR] = context.to_env()
            plugin = ContractPlugin(
                context, target=target, seed=seed, workers=workers, known=known_causes, selected=bool(keyword)
            )
            served, no_drift = drift.for_target(
                DEFAULT_SPEC, base_url, api_key, environ.get("CONTRACT_SERVED_SPEC", "")
            )
            code = pytest.main(_pytest_args(reports, seed, profile.name, keyword, quiet, workers), plugins=[plugin])
            plugin.clean_up()
            verdict = plugin.verdict()
            verdict.drift, verdict.no_drift = served, no_drift
            if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
                verdict.errors.append(f"pytest ended with {pytest.ExitCode(code).name}")
            plugin.write(reports, verdict)
            _annotate_junit(reports / JUNIT, verdict)
            if write_baseline is not None:
                plugin.write_baseline(write_baseline, verdict)
        except TargetError as error:
            print(f"contract suite: {error}", file=sys.stderr)
            return EXIT_ERROR, None
        finally:
            os.environ.pop(ENV_VAR, None)
            set_current(None)
            if server is not None:
                server.stop()
    return verdict.exit_status, verdict


def _plan(
    environ: Mapping[str, str],
    profile: Profile,
    seed: int,
    keyword: str | None,
    null_only: frozenset[str],
    known_values: dict[str, Any],
) -> tuple[int, None]:
    """Collect the suite against the configured target (nothing is started, nothing sent) and print its plan."""
    base_url = environ.get("CONTRACT_BASE_URL") or "http://127.0.0.1:0"
    context = Context(
        base_url=base_url,
        api_key=environ.get("CONTRACT_API_KEY") or "-",
        workflow_id=environ.get("CONTRACT_WORKFLOW_ID") or "-",
        sink_url=environ.get("CONTRACT_SINK_URL") or "http://127.0.0.1:0",
        profile=profile,
        reports=Path("."),
        null_only_fields=null_only,
        known_values=known_values,
        max_runs=_max_runs(environ, base_url),
    )
    set_current(context)
    os.environ[ENV_VAR] = context.to_env()
    try:
        args = [*_pytest_args(Path("."), seed, profile.name, keyword, True, 1), "--collect-only", "-qq"]
        code = pytest.main([a for a in args if not a.startswith("--junitxml")], plugins=[plan.PlanPrinter(context)])
    finally:
        os.environ.pop(ENV_VAR, None)
        set_current(None)
    return (EXIT_OK if code in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED) else EXIT_ERROR), None


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

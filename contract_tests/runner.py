"""`python -m contract_tests`: pick the target, start what it needs, run the pytest suite, report, exit.

Target: `CONTRACT_BASE_URL` + `CONTRACT_API_KEY` + `CONTRACT_WORKFLOW_ID` (and optionally
`CONTRACT_WORKFLOW_PARAMETERS`, a JSON object the workflow accepts, and `CONTRACT_NULL_ONLY_FIELDS`, request fields
that must name resources existing there, sent only omitted or null); without `CONTRACT_BASE_URL`, a reference server
started on a free loopback port (`--fault NAME` switches faults on in it) and stopped afterwards.

Exit status: 0 when no contract violation was found, 1 when some were (see the summary), 2 when the run itself failed
(target unreachable, misconfiguration, a broken test).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from contract_tests.context import ConfigurationError, Context, profile_from_env, set_current
from contract_tests.plugin import ContractPlugin
from contract_tests.sink import Sink
from contract_tests.target import DEFAULT_PARAMETERS, ReferenceServer, TargetError

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_VIOLATIONS", "main"]

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2
PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
JUNIT = "contract-junit.xml"
_PROFILE_TIMEOUTS = {"ci": 120, "dev": 600, "deep": 0}  # pytest-timeout seconds per test (0: none)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m contract_tests", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fault", action="append", default=[], metavar="NAME", help="default target only: start it with this fault"
    )
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="report folder (default: reports)")
    parser.add_argument("-k", dest="keyword", help="only tests matching this pytest -k expression")
    parser.add_argument("-q", "--quiet", action="store_true", help="less pytest output")
    return parser


def _remote(environ: dict[str, str]) -> tuple[str, str, str, dict[str, Any]]:
    missing = [name for name in ("CONTRACT_API_KEY", "CONTRACT_WORKFLOW_ID") if not environ.get(name)]
    if missing:
        raise ConfigurationError(f"CONTRACT_BASE_URL is set, so {' and '.join(missing)} must be set too")
    raw = environ.get("CONTRACT_WORKFLOW_PARAMETERS") or "{}"
    try:
        parameters = json.loads(raw)
    except ValueError as error:
        raise ConfigurationError(f"CONTRACT_WORKFLOW_PARAMETERS is not JSON: {error}") from None
    if not isinstance(parameters, dict):
        raise ConfigurationError("CONTRACT_WORKFLOW_PARAMETERS must be a JSON object")
    return environ["CONTRACT_BASE_URL"], environ["CONTRACT_API_KEY"], environ["CONTRACT_WORKFLOW_ID"], parameters


def _null_only(environ: dict[str, str]) -> frozenset[str]:
    from contract_tests.spec import Spec

    names = frozenset(n.strip() for n in environ.get("CONTRACT_NULL_ONLY_FIELDS", "").split(",") if n.strip())
    nullable = set(Spec.load().nullable_fields("WorkflowRunRequest"))
    unknown = sorted(names - nullable)
    if unknown:
        raise ConfigurationError(f"CONTRACT_NULL_ONLY_FIELDS: not nullable request fields: {', '.join(unknown)}")
    return names


def _seed(derandomize: bool, fixed: int) -> int:
    raw = os.environ.get("CONTRACT_SEED")
    if raw:
        return int(raw)
    return fixed if derandomize else random.SystemRandom().randrange(1, 2**31)


def _pytest_args(reports: Path, seed: int, profile: str, keyword: str | None, quiet: bool) -> list[str]:
    args = [
        str(PACKAGE),
        f"--rootdir={ROOT}",
        "-c",
        str(ROOT / "pyproject.toml"),
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
    ]
    return [*args, "-k", keyword] if keyword else args


def run(
    *, reports: Path, faults: Sequence[str] = (), keyword: str | None = None, quiet: bool = False
) -> tuple[int, ContractPlugin | None]:
    """Run the suite once.

    Args:
        reports: the report folder.
        faults: faults to switch on in the default target.
        keyword: a pytest `-k` expression.
        quiet: less pytest output.

    Returns:
        The exit status and the plugin holding the findings (None when the run could not start).
    """
    profile = profile_from_env()
    seed = _seed(profile.derandomize, profile.seed)
    reports.mkdir(parents=True, exist_ok=True)
    environ = dict(os.environ)
    server: ReferenceServer | None = None
    with Sink() as sink:
        try:
            if environ.get("CONTRACT_BASE_URL"):
                if faults:
                    raise ConfigurationError("--fault applies to the default target only (unset CONTRACT_BASE_URL)")
                base_url, api_key, workflow_id, parameters = _remote(environ)
                target, hint = "CONTRACT_BASE_URL", ""
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
                null_only_fields=_null_only(environ),
                sink_url=sink.url,
                profile=profile,
                reports=reports,
                replay_hint=hint,
            )
            set_current(context)
            plugin = ContractPlugin(context, target=target, seed=seed)
            code = pytest.main(_pytest_args(reports, seed, profile.name, keyword, quiet), plugins=[plugin])
            plugin.write(reports)
        except TargetError as error:
            print(f"contract suite: {error}", file=sys.stderr)
            return EXIT_ERROR, None
        finally:
            set_current(None)
            if server is not None:
                server.stop()
    if plugin.findings:
        return EXIT_VIOLATIONS, plugin
    if code != pytest.ExitCode.OK or plugin.errors:
        return EXIT_ERROR, plugin
    return EXIT_OK, plugin


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        code, plugin = run(reports=args.reports, faults=args.fault, keyword=args.keyword, quiet=args.quiet)
    except ConfigurationError as error:
        print(f"contract suite: {error}", file=sys.stderr)
        return EXIT_ERROR
    if plugin is not None:
        print(f"\nsummary: {args.reports / 'contract-summary.md'}, JUnit: {args.reports / JUNIT}")
    return code

"""`python -m campaigns.skyvern` (`make contract-skyvern`): the contract suite against the real Skyvern server.

Outside a private network namespace `main` re-executes itself inside one (`network.enter_private_network`); inside,
`run_in_namespace` starts the server, runs the suite and plain st against it, stops it and writes the doc.
`--version` picks the server (default 1.0.56) and with it its venv, `build/skyvern-server/VERSION` (`--venv` for
another); the Makefile passes both (`make contract-skyvern SKYVERN_VERSION=...`).
"""

from __future__ import annotations

import argparse
import platform
import shlex
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from campaigns.skyvern.doc import RunInfo, render_doc, run_date
from campaigns.skyvern.network import EXIT_NOT_RUN, enter_private_network
from campaigns.skyvern.paths import ROOT, add_server_options, chosen_venv, fresh, relative
from campaigns.skyvern.plain_st import ST_MAX_EXAMPLES, StRun, run_st
from campaigns.skyvern.server import ServerError, SkyvernServer, package_version, raise_on_sigterm
from campaigns.skyvern.suite import SUMMARY_JSON, SuiteRun, run_suite, suite_command

__all__ = ["main", "run_in_namespace", "tool_versions"]

DEFAULT_WORKDIR = ROOT / "build" / "skyvern-run"
DEFAULT_DOC = ROOT / "docs" / "real-target.md"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m campaigns.skyvern", description=__doc__.split("\n\n")[0])
    add_server_options(parser)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="emptied first (default: %(default)s)")
    parser.add_argument("--doc", type=Path, default=DEFAULT_DOC, help="the doc to write (default: %(default)s)")
    parser.add_argument("--baseline", type=Path, help="passed to the suite: root causes known already")
    parser.add_argument("--write-baseline", type=Path, help="passed to the suite: record this run's root causes")
    parser.add_argument(
        "--st-max-examples", type=int, default=ST_MAX_EXAMPLES, help="plain st's --max-examples (default: %(default)s)"
    )
    parser.add_argument("--no-st", action="store_true", help="skip the plain st run")
    return parser


def tool_versions() -> dict[str, str]:
    """The versions of the tools on our side."""
    versions = {package: package_version(package) for package in ("schemathesis", "hypothesis", "pytest")}
    versions["python"] = platform.python_version()
    return versions


def _log(message: str) -> None:
    print(f"contract-skyvern: {message}", file=sys.stderr, flush=True)


def _shown_suite_command(args: argparse.Namespace) -> str:
    options = suite_command(Path("build/skyvern-run/reports"), args.baseline, args.write_baseline)[3:]
    return "python -m contract_tests " + " ".join(shlex.quote(str(option)) for option in options)


def _exercise(server: SkyvernServer, args: argparse.Namespace, workdir: Path) -> tuple[SuiteRun, StRun, bool]:
    """Start the server, run the suite, then plain st; the caller stops the server."""
    server.start()
    _log(f"server up at {server.base_url} in {server.start_seconds:.1f} s; workflow {server.workflow_id}")
    suite = run_suite(server, workdir / "reports", args.baseline, args.write_baseline)
    _log(f"contract suite: exit status {suite.exit_status} in {suite.seconds:.1f} s")
    alive = server.alive()
    if args.no_st:
        return suite, StRun("", -1, 0.0, error="skipped (--no-st)"), alive
    if not alive:
        return suite, StRun("", -1, 0.0, error="not run: the server had exited"), alive
    _log(f"plain st run --checks all --max-examples {args.st_max_examples} ...")
    st = run_st(server, workdir / "st", max_examples=args.st_max_examples)
    _log(f"plain st: exit status {st.exit_status} in {st.seconds:.1f} s, {len(st.findings)} failure(s)")
    return suite, st, alive


def run_in_namespace(args: argparse.Namespace) -> int:
    """Everything, once inside the private namespace: server, suite, plain st, doc.

    Args:
        args: the parsed command line.

    Returns:
        The suite's exit status (2 when the server could not be started).
    """
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    workdir: Path = args.workdir.resolve()
    fresh(workdir)
    venv = chosen_venv(args)
    server = SkyvernServer(venv.resolve(), workdir / "server", version=args.version)
    _log(f"starting skyvern {server.package_version or '?'} from {relative(venv)} (log: {relative(server.log)})")
    try:
        suite, st, alive = _exercise(server, args, workdir)
    except ServerError as error:
        _log(f"could not start the real server, nothing was fuzzed: {error}")
        return EXIT_NOT_RUN
    finally:
        server.stop()
    if not suite.summary:
        _log(f"the suite wrote no {SUMMARY_JSON}; {relative(args.doc)} left as it was")
        return EXIT_NOT_RUN
    info = RunInfo(
        command=f"make contract-skyvern SKYVERN_VERSION={args.version}",
        date=run_date(),
        skyvern_package=server.package_version,
        server_version=server.version_text,
        versions=tool_versions(),
        server_start_seconds=server.start_seconds,
        suite_seconds=suite.seconds,
        suite_exit_status=suite.exit_status,
        suite_command=_shown_suite_command(args),
        server_alive_after=alive,
    )
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(render_doc(suite.summary, st, info, [server.api_key, server.secret]), encoding="utf-8")
    _log(f"wrote {relative(args.doc)}")
    return suite.exit_status


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the suite's exit status (2 when nothing was fuzzed)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arguments)
    refused = enter_private_network("campaigns.skyvern", arguments, "contract-skyvern")
    if refused is not None:
        return refused
    return run_in_namespace(args)


if __name__ == "__main__":
    sys.exit(main())

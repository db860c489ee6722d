"""`python -m campaigns.fidelity` (`make fidelity`): the reference server beside the real Skyvern server.

Outside a private network namespace `main` re-executes itself inside one (`campaigns.skyvern.network`); inside,
`run_in_namespace` starts the real server, a reference server and (`--like-skyvern 1.0.56`) the mimic, sends each the
matrix, stops them and writes `docs/fidelity.md`. `--version` picks the real server (default 1.0.56) and with it its
venv, `build/skyvern-server/VERSION` (`--venv` for another); the mimic runs only beside the version it mimics.

Exit status: 0 no fidelity bug and no stand-in deviation (and, when the mimic ran, no mimic mismatch); 1 otherwise;
2 could not run (no namespace, a server did not start, or a server left a request unanswered).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from campaigns.fidelity.cases import Case
from campaigns.fidelity.classify import Kind
from campaigns.fidelity.matrix import build_matrix
from campaigns.fidelity.report import Report, render_doc
from campaigns.fidelity.sending import MIMIC_OPTION, MIMIC_VERSION, Answer, Target, drive
from campaigns.skyvern.doc import run_date
from campaigns.skyvern.keys import redact
from campaigns.skyvern.network import EXIT_NOT_RUN, enter_private_network
from campaigns.skyvern.paths import ROOT, add_server_options, chosen_venv, fresh
from campaigns.skyvern.server import (
    WAIT_WORKFLOW,
    ServerError,
    SkyvernServer,
    installed_version,
    package_version,
    raise_on_sigterm,
)
from contract_tests.spec import Spec
from contract_tests.transport.target import ReferenceServer, TargetError

__all__ = ["EXIT_DIFFERENT", "EXIT_NOT_RUN", "EXIT_OK", "exit_status", "main", "mimic_available", "stand_in_workflows"]

DEFAULT_WORKDIR = ROOT / "build" / "fidelity-run"
DEFAULT_DOC = ROOT / "docs" / "fidelity.md"
EXIT_OK, EXIT_DIFFERENT = 0, 1


def _log(message: str) -> None:
    print(f"fidelity: {message}", file=sys.stderr, flush=True)


def mimic_available() -> str:
    """ "" when `python -m reference_server --help` offers `--like-skyvern`, else why the mimic cannot run."""
    try:
        shown = subprocess.run(
            [sys.executable, "-m", "reference_server", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=ROOT,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`python -m reference_server --help` failed: {error}"
    if MIMIC_OPTION not in shown.stdout:
        return f"this reference server has no `{MIMIC_OPTION}` option yet (`python -m reference_server --help`)"
    return ""


def stand_in_workflows(path: Path, workflow_id: str) -> Path:
    """Write a workflows file with one workflow equivalent to the real server's (`WAIT_WORKFLOW`): its title, no
    declared parameters, a run that completes after a second."""
    definition = WAIT_WORKFLOW["json_definition"]
    workflow = {
        "workflow_id": workflow_id,
        "title": definition["title"],
        "parameters": list(definition["workflow_definition"]["parameters"]),
        "outcome": {"status": "completed", "run_seconds": 1, "steps": 1},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"workflows": [workflow]}, sort_keys=False), encoding="utf-8")
    return path


def _reference(workdir: Path, workflows: Path, *, mimic: bool) -> ReferenceServer:
    options = ["--workflows", str(workflows), *([MIMIC_OPTION, MIMIC_VERSION] if mimic else [])]
    return ReferenceServer(workdir, server_defaults=True, options=options)


def _git_version() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return head.stdout.strip() or "unknown"


def _versions(server: SkyvernServer, venv: Path, mimic_note: str) -> dict[str, str]:
    ours = package_version("skyvern-run-contract")
    version = server.version_text
    return {
        "real server": f"skyvern {installed_version(venv) or '?'} (PyPI `skyvern[local]`), `GET /v1/version`: `{version}`",
        "stand-in": f"`python -m reference_server --workflows FILE` (skyvern-run-contract {ours}, git {_git_version()})",
        "mimic": f"`python -m reference_server --workflows FILE {MIMIC_OPTION} {MIMIC_VERSION}`"
        + (f" (not run: {mimic_note})" if mimic_note else ""),
        "python": platform.python_version(),
    }


def exit_status(report: Report, spec: Spec) -> int:
    """0 when every difference is the real server deviating from the spec and the mimic (when it ran) matches."""
    if report.unanswered():
        return EXIT_NOT_RUN
    bad = [d for d in report.differences(spec) if d.kind is not Kind.REAL_DEVIATES]
    mimic = report.mimic_mismatches(spec) or []
    return EXIT_DIFFERENT if bad or mimic else EXIT_OK


def _start_and_send(
    cases: Sequence[Case],
    real: SkyvernServer,
    stand_in: ReferenceServer,
    mimic: ReferenceServer | None,
    seconds: dict[str, float],
) -> list[list[Answer]]:
    """Start the servers, then send each the matrix (one at a time per server, the servers side by side); the caller
    stops them. Returns the answers, server by server: real, stand-in, mimic (when it runs)."""
    _log(f"starting skyvern {real.package_version or '?'} and the reference server(s); {len(cases)} cases")
    stand_in.start()
    if mimic is not None:
        mimic.start()
    real.start()
    seconds["real server start"] = real.start_seconds
    targets = [
        Target("real", real.base_url, real.api_key, real.workflow_id),
        Target("stand-in", stand_in.base_url, stand_in.api_key, stand_in.workflow_id),
    ]
    if mimic is not None:
        targets.append(Target("mimic", mimic.base_url, mimic.api_key, mimic.workflow_id))
    sending = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(targets)) as pool:
        answers = list(pool.map(lambda target: drive(target, cases), targets))
    seconds["matrix"] = time.monotonic() - sending
    return answers


def run_in_namespace(args: argparse.Namespace) -> int:
    """Start the servers, send the matrix to each, stop them, write the doc; returns the exit status."""
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    started = time.monotonic()
    spec = Spec.load()
    cases = build_matrix(spec)
    workdir: Path = args.workdir.resolve()
    fresh(workdir)
    if args.no_mimic:
        mimic_note = "skipped (--no-mimic)"
    elif args.version != MIMIC_VERSION:
        mimic_note = f"it mimics skyvern {MIMIC_VERSION}, not {args.version}"
    else:
        mimic_note = mimic_available()
    workflows = stand_in_workflows(workdir / "workflows.yaml", "wpid_300000000000000001")
    venv = chosen_venv(args).resolve()
    real = SkyvernServer(venv, workdir / "real", version=args.version)
    stand_in = _reference(workdir / "stand-in", workflows, mimic=False)
    mimic = None if mimic_note else _reference(workdir / "mimic", workflows, mimic=True)
    seconds: dict[str, float] = {}
    try:
        answers = _start_and_send(cases, real, stand_in, mimic, seconds)
        secrets = [real.api_key, real.secret, stand_in.api_key, *([mimic.api_key] if mimic is not None else [])]
    except (ServerError, TargetError) as error:
        _log(f"could not start a server, nothing was compared: {redact(str(error), [real.api_key, real.secret])}")
        return EXIT_NOT_RUN
    finally:
        real.stop()
        stand_in.stop()
        if mimic is not None:
            mimic.stop()
    seconds["total"] = time.monotonic() - started
    report = Report(
        cases=cases,
        real=answers[0],
        stand_in=answers[1],
        mimic=answers[2] if len(answers) > 2 else [],
        mimic_note=mimic_note,
        versions=_versions(real, venv, mimic_note),
        date=run_date(),
        seconds=seconds,
        secret_values=secrets,
    )
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(render_doc(report, spec), encoding="utf-8")
    status = exit_status(report, spec)
    counts = {kind.value: 0 for kind in Kind}
    for difference in report.differences(spec):
        counts[difference.kind.value] += 1
    _log(", ".join(f"{name}: {count}" for name, count in counts.items()) + f"; wrote {args.doc}; exit status {status}")
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m campaigns.fidelity", description=__doc__.split("\n\n")[0])
    add_server_options(parser)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="emptied first (default: %(default)s)")
    parser.add_argument("--doc", type=Path, default=DEFAULT_DOC, help="the doc to write (default: %(default)s)")
    parser.add_argument("--no-mimic", action="store_true", help=f"skip the {MIMIC_OPTION} {MIMIC_VERSION} comparison")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status (2 when nothing was sent)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arguments)
    refused = enter_private_network("campaigns.fidelity", arguments, "fidelity", "Nothing was sent.")
    if refused is not None:
        return refused
    return run_in_namespace(args)


if __name__ == "__main__":
    sys.exit(main())

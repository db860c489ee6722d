"""`python -m campaigns.vendored` (`make client-skyvern`): the vendored client as a user runs it, against the
real Skyvern server and the reference server.

Outside a private network namespace `main` re-executes itself inside one; inside, it copies
`generated/skyvern_client/` and `user_code.py` into a folder of their own, starts each server, runs `user_code.py`
with the client venv's interpreter (only httpx2 and pydantic installed; nothing of this repository on its path),
and writes `docs/vendored-client.md`. `--version` picks the real server (default 1.0.56) and with it its venv,
`build/skyvern-server/VERSION` (`--venv` for another).

Exit status: 0 every check held on both servers; 1 one did not; 2 nothing ran (no namespace, a server did not start).
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from campaigns.skyvern.doc import run_date
from campaigns.skyvern.keys import redact
from campaigns.skyvern.network import EXIT_NOT_RUN, enter_private_network
from campaigns.skyvern.paths import ROOT, add_server_options, chosen_venv, fresh, relative
from campaigns.skyvern.server import (
    LOOPBACK_HOSTS,
    ServerError,
    SkyvernServer,
    installed_version,
    raise_on_sigterm,
)
from contract_tests.transport.target import ReferenceServer, TargetError

__all__ = ["Check", "TargetRun", "main", "render_doc", "run_user_code"]

DEFAULT_CLIENT_VENV = ROOT / "build" / "vendored-client" / "venv"
DEFAULT_WORKDIR = ROOT / "build" / "vendored-run"
DEFAULT_DOC = ROOT / "docs" / "vendored-client.md"
PACKAGE = ROOT / "generated" / "skyvern_client"
USER_CODE = Path(__file__).with_name("user_code.py")
_RUN_TIMEOUT = 900.0
REAL_SERVER_DEVIATIONS = frozenset({"created_at", "modified_at"})
"""What strict parsing must name in every run the real 1.0.56 server sends: its timestamps lack a UTC offset
(docs/fidelity.md). The reference server's runs match the spec, so strict parsing must accept them."""


@dataclass(frozen=True)
class Check:
    """One line `user_code.py` printed. `named`: for a strict client's call, the fields its error named (empty:
    the response was accepted); None for any other check."""

    name: str
    ok: bool
    detail: str
    named: tuple[str, ...] | None = None


@dataclass
class TargetRun:
    """`user_code.py`'s checks against one server."""

    target: str
    version: str
    checks: list[Check] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error and bool(self.checks) and all(check.ok for check in self.checks)


def _log(message: str) -> None:
    print(f"client-skyvern: {message}", file=sys.stderr, flush=True)


def vendor(folder: Path) -> Path:
    """Copy the package and the user's code into `folder`, as a user vendors them; returns the code's path."""
    fresh(folder)
    shutil.copytree(PACKAGE, folder / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__"))
    return Path(shutil.copy(USER_CODE, folder / USER_CODE.name))


def run_user_code(python: Path, code: Path, base_url: str, api_key: str, workflow_id: str) -> tuple[list[Check], str]:
    """Run `code` with `python` in its own folder (`-E -s`: no PYTHONPATH, no user site; only that folder and the venv are on the path);
    returns its checks and, when it crashed, why."""
    started = subprocess.run(
        [str(python), "-E", "-s", str(code), base_url, api_key, workflow_id],
        cwd=code.parent,
        capture_output=True,
        text=True,
        timeout=_RUN_TIMEOUT,
        check=False,
    )
    checks = []
    for line in started.stdout.splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            named = tuple(item["named"]) if "named" in item else None
            checks.append(Check(item["check"], bool(item["ok"]), redact(str(item["detail"]), [api_key]), named))
    error = "" if started.returncode == 0 else redact(started.stderr.strip()[-2000:], [api_key])
    return checks, error


def judge_strict(checks: Sequence[Check], must_name: frozenset[str]) -> list[Check]:
    """`checks` with each strict call (one with `named`) held to what this server deserves: to raise naming at least
    `must_name`, or (`must_name` empty) to be accepted."""
    judged = []
    for check in checks:
        if check.ok and check.named is not None:
            held = must_name <= set(check.named) if must_name else not check.named
            expected = (
                f"expected it to raise naming {', '.join(sorted(must_name))}" if must_name else "expected it accepted"
            )
            check = check if held else Check(check.name, False, f"{check.detail}; {expected}", check.named)
        judged.append(check)
    return judged


def _against(
    target: str,
    version: str,
    server: SkyvernServer | ReferenceServer,
    python: Path,
    code: Path,
    must_name: frozenset[str],
) -> TargetRun:
    run = TargetRun(target, version)
    started = time.monotonic()
    try:
        server.start()
        _log(f"{target} up at {server.base_url}; running user_code.py")
        checks, run.error = run_user_code(python, code, server.base_url, server.api_key, server.workflow_id)
        run.checks = judge_strict(checks, must_name)
    except (ServerError, TargetError, subprocess.TimeoutExpired) as error:
        run.error = f"{type(error).__name__}: {error}"
    finally:
        server.stop()
    run.seconds = time.monotonic() - started
    _log(
        f"{target}: {sum(c.ok for c in run.checks)}/{len(run.checks)} checks held{'; ' + run.error if run.error else ''}"
    )
    return run


def render_doc(runs: Sequence[TargetRun], python: Path, date: str) -> str:
    """`docs/vendored-client.md`."""
    versions = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    lines = [
        "# The vendored client against the real server",
        "",
        f"Written by `make client-skyvern` on {date}. `generated/skyvern_client/` is copied into a folder of its own",
        "beside `campaigns/vendored/user_code.py` (what a user writes) and run with `python -E -s` from a venv that",
        f"holds only: {', '.join(f'`{v}`' for v in versions if not v.startswith(('pip==', 'setuptools==')))}.",
        "Both servers run inside a private network namespace; the webhook receiver is the user code's own.",
        "",
    ]
    for run in runs:
        verdict = "every check held" if run.ok else "**failed**"
        lines += [f"## {run.target} ({run.version}): {verdict}, {run.seconds:.0f} s", ""]
        if run.error:
            lines += ["```", run.error, "```", ""]
        lines += ["| check | | detail |", "|---|---|---|"]
        lines += [f"| {c.name} | {'✓' if c.ok else '✗'} | {c.detail.replace('|', '/')} |" for c in run.checks]
        lines.append("")
    return "\n".join(lines)


def run_in_namespace(args: argparse.Namespace) -> int:
    python = args.client_venv.absolute() / "bin" / "python"
    if not python.exists():
        _log(f"{python} not found: `make client-skyvern` makes it")
        return EXIT_NOT_RUN
    fresh(args.workdir)
    code = vendor(args.workdir / "user")
    venv = chosen_venv(args)
    real = SkyvernServer(venv.resolve(), args.workdir / "real", version=args.version, allowed_hosts=LOOPBACK_HOSTS)
    runs = [
        _against("real Skyvern server", installed_version(venv), real, python, code, REAL_SERVER_DEVIATIONS),
        _against(
            "reference server",
            "this repository",
            ReferenceServer(args.workdir / "reference"),
            python,
            code,
            frozenset(),
        ),
    ]
    if any(not run.checks and run.error for run in runs):
        _log("a server did not start or the user code did not run")
    args.doc.write_text(render_doc(runs, python, run_date()), encoding="utf-8")
    _log(f"wrote {relative(args.doc)}")
    if not all(run.checks for run in runs):
        return EXIT_NOT_RUN
    return 0 if all(run.ok for run in runs) else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m campaigns.vendored", description=__doc__.split("\n\n")[0])
    add_server_options(parser)
    parser.add_argument(
        "--client-venv", type=Path, default=DEFAULT_CLIENT_VENV, help="httpx2 + pydantic only (default: %(default)s)"
    )
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="emptied first (default: %(default)s)")
    parser.add_argument("--doc", type=Path, default=DEFAULT_DOC, help="the doc to write (default: %(default)s)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arguments)
    refused = enter_private_network("campaigns.vendored", arguments, "client-skyvern", "Nothing was run.")
    if refused is not None:
        return refused
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    return run_in_namespace(args)

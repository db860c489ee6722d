"""`python -m contract_tests.skyvern` (`make contract-skyvern`): the contract suite against the real Skyvern server.

Starts the open-source server (PyPI `skyvern[local]`, installed in its own venv under `build/skyvern-server`) on a
free loopback port with a fresh SQLite database, creates a workflow that needs neither a browser nor an LLM, runs the
contract suite against it, then plain `st run --checks all` against the same server, and writes `docs/real-target.md`.

The real server follows URLs found in requests (webhooks, browser addresses, proxies) and fuzzed values can name any
host, so all of it runs inside a private network namespace that has only loopback (`unshare -n`, as root). Outside
one, `main` re-executes itself inside one; where that is impossible it refuses, fuzzing nothing (exit status 2).

Exit status: the contract suite's (0 no violation, 1 violations, 2 could not run, 3 incomplete).

Example:
    >>> token = make_api_key("s" * 32, "o_1", expires=4102444800)
    >>> token.count(".")
    2
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import functools
import hashlib
import hmac
import importlib.metadata
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from contract_tests.classify import CHECKS_OF_FAILURE
from contract_tests.spec import Spec, is_nullable

__all__ = [
    "NAMESPACE_MARKER",
    "RunInfo",
    "SkyvernServer",
    "StFinding",
    "StRun",
    "cover",
    "covering_root_cause",
    "in_private_namespace",
    "main",
    "make_api_key",
    "namespace_refusal",
    "normalize_summary",
    "not_a_violation",
    "operation_label",
    "parse_st_junit",
    "redact",
    "render_doc",
]

SERVER_VERSION = "1.0.56"
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VENV = ROOT / "build" / "skyvern-server"
DEFAULT_WORKDIR = ROOT / "build" / "skyvern-run"
DEFAULT_DOC = ROOT / "docs" / "real-target.md"
SPEC = ROOT / "spec" / "openapi.yaml"
SUMMARY_JSON = "contract-summary.json"
NAMESPACE_MARKER = "CONTRACT_SKYVERN_NETNS"
"""Set (to `1`) by `main` in the environment of its re-executed self inside the private network namespace."""
KEY_PLACEHOLDER = "$CONTRACT_API_KEY"
EXIT_NOT_RUN = 2
ST_MAX_EXAMPLES = 300
"""`st run --max-examples`: about a minute against the real server on 2 cores (100: 18 s, 300: 54 s)."""
ST_SEED = 20261129
ST_TIMEOUT = 600.0
WAIT_WORKFLOW: Mapping[str, Any] = {
    "json_definition": {
        "title": "contract wait",
        "workflow_definition": {"parameters": [], "blocks": [{"block_type": "wait", "label": "w1", "wait_sec": 1}]},
    }
}
"""A workflow whose runs need no browser and no LLM: `created` -> `queued` -> `running` -> `completed` in seconds."""
_FAR_FUTURE = 4102444800  # 2100-01-01
_START_TIMEOUT = 120.0
_STOP_GRACE = 10.0
_NONE = "—"
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_OPERATION_PATHS = (
    ("/v1/runs/{run_id}/cancel", re.compile(r"^/v1/runs/[^/]+/cancel/?$")),
    ("/v1/runs/{run_id}", re.compile(r"^/v1/runs/[^/]+/?$")),
    ("/v1/run/workflows", re.compile(r"^/v1/run/workflows/?$")),
)
_CURL_METHOD = re.compile(r"\bcurl\b.*?-X\s+([A-Z]+)")
_CURL_URL = re.compile(r"""https?://[^/\s'"]+(/[^\s'"?);]*)""")
_ST_CASE = re.compile(r"^\d+\. Test Case ID: (\S+)\s*$", re.MULTILINE)
_ST_CHECK = re.compile(r"^- (?:(ST\d+) )?(.+?)\s*$")
_ST_STATUS = re.compile(r"^\[(\d{3})\] ")
_OBSERVED_STATUS = re.compile(r"-> (\d{3})\b")


# --- the API key -------------------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_api_key(secret: str, organization_id: str, *, expires: int = _FAR_FUTURE) -> str:
    """An HS256 JWT the server accepts as a deterministic API key (it creates the organization with that id).

    Args:
        secret: the server's `SECRET_KEY`.
        organization_id: the token's `sub`, e.g. `o_123`.
        expires: the token's `exp` (Unix seconds).

    Returns:
        The token, `header.payload.signature`.
    """
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps({"sub": organization_id, "exp": expires}, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def redact(text: str, secret_values: Iterable[str]) -> str:
    """Replace every secret, and Schemathesis's `[Filtered]` key header, with `$CONTRACT_API_KEY`.

    Args:
        text: any text meant for the doc or the terminal.
        secret_values: the values to hide (the API key, the server's secret).

    Returns:
        The text with no secret left in it.
    """
    text = text.replace("'x-api-key: [Filtered]'", f'"x-api-key: {KEY_PLACEHOLDER}"')
    text = text.replace("x-api-key: [Filtered]", f"x-api-key: {KEY_PLACEHOLDER}")
    for value in secret_values:
        if value:
            text = text.replace(value, KEY_PLACEHOLDER)
    return text


# --- the private network namespace -------------------------------------------------------------------------------


def network_interfaces() -> list[str]:
    """The interfaces of this process's network namespace.

    `socket.if_nameindex` asks the kernel about the caller's namespace; `/sys/class/net` would not do: it shows the
    namespace sysfs was mounted in, i.e. the host's interfaces even inside `unshare -n`.
    """
    return sorted(name for _, name in socket.if_nameindex())


def loopback_works() -> bool:
    """Whether a TCP connection to 127.0.0.1 gets through (it does not while `lo` is down)."""
    try:
        with (
            socket.create_server(("127.0.0.1", 0)) as server,
            socket.create_connection(server.getsockname()[:2], timeout=2),
        ):
            return True
    except OSError:
        return False


def in_private_namespace(environ: Mapping[str, str], interfaces: Sequence[str] | None = None) -> bool:
    """Whether this process runs inside the namespace `main` set up: the marker is set and only `lo` exists.

    Args:
        environ: the environment (the marker is `CONTRACT_SKYVERN_NETNS=1`).
        interfaces: the namespace's interfaces (default: asked of the kernel).

    Returns:
        True only when both hold; a marker alone proves nothing.
    """
    if environ.get(NAMESPACE_MARKER) != "1":
        return False
    names = network_interfaces() if interfaces is None else list(interfaces)
    return names == ["lo"]


def _unshare_argv(command: Sequence[str]) -> list[str]:
    return ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', *command]


def namespace_refusal() -> str | None:
    """Why a private network namespace cannot be made here (None when it can: `unshare -n` was tried)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "not root, so `unshare -n` (a private network namespace) is not available"
    missing = [tool for tool in ("unshare", "ip") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found, so no private network namespace can be made"
    try:
        probe = subprocess.run(
            _unshare_argv(["true"]), capture_output=True, text=True, timeout=30, check=False, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`unshare -n` failed: {error}"
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or [f"exit status {probe.returncode}"])[-1]
        return f"`unshare -n` failed: {reason}"
    return None


def refusal_message(reason: str, command: str = "contract-skyvern", not_done: str = "Nothing was fuzzed.") -> str:
    """The one line printed when the real server is not started."""
    return (
        f"{command}: refusing to run the real Skyvern server: {reason}; it follows URLs found in requests, "
        f"so it runs only in a private network namespace (run as root). {not_done}"
    )


def enter_private_network(
    module: str, arguments: Sequence[str], command: str, not_done: str = "Nothing was fuzzed."
) -> int | None:
    """Make sure `python -m MODULE ARGUMENTS` runs inside a private network namespace with only loopback.

    Outside one, it re-executes itself inside a new one (`unshare -n`, loopback brought up); inside, it checks that
    only `lo` exists and answers.

    Args:
        module: the module to run, e.g. `contract_tests.skyvern`.
        arguments: its command-line arguments.
        command: its name in messages.
        not_done: the message's last sentence.

    Returns:
        None inside a usable namespace (go on); 2 otherwise (after printing why when none can be made): send nothing.
    """
    if os.environ.get(NAMESPACE_MARKER) != "1":
        problem = namespace_refusal()
        if problem is None:
            sys.stdout.flush()
            sys.stderr.flush()
            argv = _unshare_argv([sys.executable, "-m", module, *arguments])
            os.execvpe(argv[0], argv, {**os.environ, NAMESPACE_MARKER: "1"})
            return EXIT_NOT_RUN  # execvpe does not return; should it, this process is still outside
    elif not in_private_namespace(os.environ):
        problem = f"interfaces other than lo exist here ({', '.join(network_interfaces())})"
    elif not loopback_works():
        problem = "loopback does not answer inside the namespace"
    else:
        return None
    print(refusal_message(problem, command, not_done), file=sys.stderr)
    return EXIT_NOT_RUN


# --- the server --------------------------------------------------------------------------------------------------


class ServerError(RuntimeError):
    """The real server did not start, or did not do what the harness needs."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def installed_version(venv: Path, package: str = "skyvern") -> str:
    """The version of a package installed in a venv ("" when it is not there)."""
    for site in sorted(venv.glob("lib/python*/site-packages")):
        for dist in importlib.metadata.distributions(name=package, path=[str(site)]):
            return str(dist.version)
    return ""


def http_json(method: str, url: str, *, api_key: str = "", body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
    """One request (never through a proxy).

    Args:
        method: the HTTP method.
        url: the URL.
        api_key: sent as `x-api-key` when given.
        body: sent as JSON when not None.
        timeout: seconds.

    Returns:
        The status and the decoded JSON body (the text when it is not JSON).
    """
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if api_key:
        request.add_header("x-api-key", api_key)
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with _NO_PROXY.open(request, timeout=timeout) as response:
            status, raw = int(response.status), response.read()
    except urllib.error.HTTPError as error:
        status, raw = int(error.code), error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


class SkyvernServer:
    """The real Skyvern API server (uvicorn on 127.0.0.1) in a fresh work dir, stopped by `stop` (or on exit).

    Example:
        >>> with SkyvernServer(DEFAULT_VENV, DEFAULT_WORKDIR / "server") as server:  # doctest: +SKIP
        ...     server.workflow_id
        'wpid_...'
    """

    def __init__(self, venv: Path, workdir: Path, *, start_timeout: float = _START_TIMEOUT) -> None:
        """Args:
        venv: the venv with `skyvern[local]` and uvicorn.
        workdir: an empty folder of this run (its cwd, HOME, artifacts, database and log go there).
        start_timeout: seconds to wait for `GET /v1/version` to answer 200.
        """
        self.venv = venv
        self.workdir = workdir
        self.start_timeout = start_timeout
        self.secret = secrets.token_hex(32)
        self.api_key = make_api_key(self.secret, f"o_{secrets.randbelow(10**18):018d}")
        self.port = 0
        self.base_url = ""
        self.workflow_id = ""
        self.version: Any = None
        """The answer of `GET /v1/version`."""
        self.package_version = installed_version(venv)
        self.start_seconds = 0.0
        self.log = workdir / "server.log"
        self._process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        """The server's whole environment: nothing of ours leaks into it (no keys, no proxies, no real home)."""
        return {
            "PATH": f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "LANG": "C.UTF-8",
            "HOME": str(self.workdir / "home"),
            "TMPDIR": str(self.workdir / "tmp"),
            "PYTHONUNBUFFERED": "1",
            "SKYVERN_TELEMETRY": "false",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LOG_RAW_API_REQUESTS": "false",
            "ARTIFACT_STORAGE_PATH": str(self.workdir / "artifacts"),
            "BROWSER_TYPE": "chromium-headless",
            "DATABASE_STRING": f"sqlite+aiosqlite:///{self.workdir / 'db' / 'data.db'}",
            "SECRET_KEY": self.secret,
            "SKYVERN_API_KEY": self.api_key,
        }

    def command(self) -> list[str]:
        """The command line that starts the server."""
        return [
            str(self.venv / "bin" / "python"),
            "-m",
            "uvicorn",
            "skyvern.forge.api_app:create_api_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--loop",
            "asyncio",
        ]

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's output."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return redact("\n".join(text.splitlines()[-lines:]), [self.api_key, self.secret])

    def start(self) -> SkyvernServer:
        """Start it, wait until it answers, create the workflow.

        Raises:
            ServerError: when the venv is missing, or the server exits, stays silent or refuses the workflow.
        """
        python = self.venv / "bin" / "python"
        if not python.exists():
            raise ServerError(f"{python} not found: `make contract-skyvern` installs it")
        for name in ("cwd", "home", "tmp", "artifacts", "db"):
            (self.workdir / name).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        started = time.monotonic()
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                self.command(),
                cwd=self.workdir / "cwd",
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: `stop` ends all of it, Ctrl-C reaches only us
            )
        try:
            self.version = self._wait_ready()
            self.start_seconds = time.monotonic() - started
            self.workflow_id = self.create_workflow()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> Any:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise ServerError(
                    f"the Skyvern server exited with status {self._process.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError):
                status, body = http_json("GET", f"{self.base_url}/v1/version", timeout=2)
                if status == 200:
                    return body
            time.sleep(0.5)
        raise ServerError(f"the Skyvern server did not answer within {self.start_timeout:.0f} s:\n{self.log_tail()}")

    def create_workflow(self) -> str:
        """Create the wait workflow (`WAIT_WORKFLOW`) and return its permanent id (`wpid_...`).

        Raises:
            ServerError: when the server does not answer 200 with a `workflow_permanent_id`.
        """
        status, body = http_json("POST", f"{self.base_url}/v1/workflows", api_key=self.api_key, body=WAIT_WORKFLOW)
        workflow_id = body.get("workflow_permanent_id") if isinstance(body, dict) else None
        if status != 200 or not isinstance(workflow_id, str):
            detail = redact(str(body)[:500], [self.api_key])
            raise ServerError(f"POST /v1/workflows answered {status}: {detail}")
        return workflow_id

    def alive(self) -> bool:
        """Whether the server process is still running."""
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Terminate its process group (SIGTERM, SIGKILL after a grace period) and reap it."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=_STOP_GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever it started and left in its group

    def __enter__(self) -> SkyvernServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# --- the contract suite ------------------------------------------------------------------------------------------


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


# --- plain Schemathesis ------------------------------------------------------------------------------------------


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
    shown = [".venv/bin/st", *(_relative(Path(arg)) if arg.startswith("/") else arg for arg in argv[1:])]
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


# --- the doc -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What the doc says about the run besides the suite's summary.

    Attributes:
        command: the command that wrote the doc.
        date: when (UTC, ISO 8601).
        skyvern_package: the installed `skyvern` version.
        server_version: the answer of `GET /v1/version`.
        versions: other tool versions, by name (schemathesis, hypothesis, python).
        server_start_seconds: from the server's start to its first 200 (not part of the suite's time).
        suite_seconds: the suite's wall time.
        suite_exit_status: the suite's exit status.
        suite_command: the suite's command line (shown as typed).
        server_alive_after: whether the server was still up after the suite.
    """

    command: str
    date: str
    skyvern_package: str
    server_version: str
    versions: Mapping[str, str]
    server_start_seconds: float
    suite_seconds: float
    suite_exit_status: int
    suite_command: str
    server_alive_after: bool = True


def operations_of(reproduction: str) -> list[str]:
    """The operations (`METHOD /path/template`) a curl reproduction sends, in order, each once."""
    found: list[str] = []
    for line in reproduction.splitlines():
        method = _CURL_METHOD.search(line)
        urls = _CURL_URL.findall(line)  # the last URL is curl's target; any before it are in the body
        if method is None or not urls:
            continue
        path = urls[-1]
        template = next((name for name, pattern in _OPERATION_PATHS if pattern.match(path)), path)
        operation = f"{method.group(1)} {template}"
        if operation not in found:
            found.append(operation)
    return found


def normalize_summary(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The suite's summary with every key the doc reads (a run that stopped early may have written fewer).

    Args:
        raw: `contract-summary.json` as read.

    Returns:
        A summary with `root_causes`, `areas`, `not_verifiable`, `gone`, `not_run` and `errors` present.
    """
    summary = dict(raw)
    summary["root_causes"] = [dict(c) for c in summary.get("root_causes") or [] if isinstance(c, dict)]
    summary["areas"] = {str(k): dict(v) for k, v in (summary.get("areas") or {}).items() if isinstance(v, dict)}
    for key in ("not_verifiable", "gone", "not_run", "errors"):
        summary[key] = list(summary.get(key) or [])
    return summary


@functools.cache
def _operation_labels() -> dict[str, str]:
    spec = Spec.load(SPEC)
    labels = {}
    for operation_id in spec.operation_ids():
        path, method, _ = spec.operation(operation_id)
        labels[operation_id] = f"{method} {path}"
    return labels


def operation_label(operation: str) -> str:
    """`METHOD /path` for an operationId of the spec (`run_workflow`); anything else as it is."""
    return _operation_labels().get(operation, operation)


def _finding_operations(finding: StFinding) -> list[str]:
    if finding.operation != "Stateful tests":
        return [finding.operation]
    return operations_of(finding.reproduction)[-1:]  # a chain's last request is the one that failed


def _cause_name(cause: Mapping[str, Any]) -> str:
    return str(cause.get("key") or f"{cause.get('area', '')}/{cause.get('check', '')}")


def _same_check(finding: StFinding, cause: Mapping[str, Any]) -> bool:
    check = str(cause.get("check", ""))
    return check.removeprefix("schemathesis:") == finding.kind or check in CHECKS_OF_FAILURE.get(
        finding.kind, frozenset()
    )


def _same_status(finding: StFinding, cause: Mapping[str, Any]) -> bool:
    statuses = set(_OBSERVED_STATUS.findall(str(cause.get("observed", ""))))
    return not finding.status or not statuses or finding.status in statuses


def cover(finding: StFinding, root_causes: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """Which of the suite's root causes covers a plain-st finding, else the nearest one.

    A root cause covers it when it names the finding's operation (for st's stateful tests: the operation of the
    chain's last request), comes from a check of ours that judges what the finding's kind judges, and (when both
    are known) saw the same response status. One that matches all but the status is the nearest: shown beside the
    gap, never as a cover.

    Args:
        finding: the st finding.
        root_causes: the suite's root causes (operations as operationIds or as `METHOD /path`).

    Returns:
        The covering root cause's key (`—` when none covers it), and the nearest one's key ("" when it is covered
        or nothing is near).
    """
    operations = set(_finding_operations(finding))
    candidates = [
        cause
        for cause in root_causes
        if finding.kind
        and _same_check(finding, cause)
        and operations & {operation_label(str(op)) for op in cause.get("operations") or []}
    ]
    for cause in candidates:
        if _same_status(finding, cause):
            return _cause_name(cause), ""
    return _NONE, _cause_name(candidates[0]) if candidates else ""


def covering_root_cause(finding: StFinding, root_causes: Sequence[Mapping[str, Any]]) -> str:
    """The key of the suite's root cause that covers a plain-st finding (see `cover`), or `—` when none does."""
    return cover(finding, root_causes)[0]


def not_a_violation(finding: StFinding) -> str:
    """Why a plain-st finding is no contract violation ("" when it may be one), by two rules read off the spec.

    - "Schema-valid request rejected" with a documented 4xx other than 403 and 422 (the "does not exist" answers): st
      made up an id (a workflow, a template) that names nothing on this server. The suite's own rule for made-up ids
      (`flows.send_run`) files the same as not verifiable, not as a violation.
    - A 422 naming a header whose schema admits null, sent as the text `null`: a header cannot carry null, and a
      server is right to refuse the text.
    """
    if finding.kind != "RejectedPositiveData" or not finding.status.isdigit():
        return ""
    status = int(finding.status)
    labels = {label: operation_id for operation_id, label in _operation_labels().items()}
    operation_id = labels.get(finding.operation)
    if operation_id is None:
        return ""
    spec = Spec.load(SPEC)
    if status in spec.documented_statuses(operation_id) and 400 <= status < 500 and status not in (403, 422):
        return f"not a violation: a documented {status} to an id st made up (nothing by that id exists here)"
    if status == 422:
        for parameter in spec.header_parameters(operation_id):
            name = str(parameter["name"])
            nullable = is_nullable(parameter.get("schema", {}))
            if nullable and name in finding.message and f"{name}: null" in finding.reproduction.lower():
                return f"not a violation: st sent the nullable header {name} as the text `null`"
    return ""


def _cell(value: Any, limit: int = 200) -> str:
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|") or _NONE


def _code(text: str) -> list[str]:
    fence = "~~~" if "```" in text else "```"
    return [f"{fence}sh", text, fence]


def _doc_header(info: RunInfo, summary: Mapping[str, Any]) -> list[str]:
    verdict = str(summary.get("verdict") or "unknown")
    versions = ", ".join(f"{name} {version}" for name, version in info.versions.items())
    lines = [
        "<!-- Generated by `make contract-skyvern` (contract_tests/skyvern.py): do not edit by hand. -->",
        "# The contract suite against the real Skyvern server",
        "",
        "Written by `make contract-skyvern`. Rerun it as root (it runs the server in a private network namespace with",
        "only loopback, `unshare -n`): `make contract-skyvern` (`CONTRACT_PROFILE=dev` for more cases,",
        "`CONTRACT_BASELINE=contract_tests/baselines/skyvern-1.0.56.json` to mark known root causes,",
        "`make contract-skyvern-baseline` to rewrite that baseline).",
        "",
        "| | |",
        "|---|---|",
        f"| command | `{info.command}`, running `{info.suite_command}` |",
        f"| date | {info.date} |",
        f"| skyvern package | {info.skyvern_package or 'unknown'} (PyPI `skyvern[local]`) |",
        f"| server `GET /v1/version` | `{_cell(info.server_version)}` |",
        f"| tools | {versions} |",
        f"| target | {_cell(summary.get('target', ''))} at {_cell(summary.get('base_url', ''))} |",
        f"| profile | {_cell(summary.get('profile', ''))}, seed {summary.get('seed')}, "
        f"workers {summary.get('workers', 1)} |",
        f"| server start | {info.server_start_seconds:.1f} s (not counted in the suite's time) |",
        f"| suite wall time | {info.suite_seconds:.1f} s ({summary.get('requests', '?')} requests) |",
        f"| verdict | **{verdict}**, exit status {info.suite_exit_status} |",
    ]
    if summary.get("headline"):
        lines.append(f"| headline | {_cell(summary['headline'], 400)} |")
    if not info.server_alive_after:
        lines.append("| server after the suite | **had exited** (see `build/skyvern-run/server.log`) |")
    return lines


def _doc_areas(summary: Mapping[str, Any]) -> list[str]:
    lines = ["", "## Areas", "", "| area | state | tests | executed | root causes |", "|---|---|---|---|---|"]
    for name, area in summary.get("areas", {}).items():
        lines.append(
            f"| {_cell(name)} | {_cell(area.get('state', ''))} | {_cell(area.get('tests', ''))} | "
            f"{_cell(area.get('executed', ''))} | {_cell(area.get('root_causes', ''))} |"
        )
    return lines


def _doc_root_causes(causes: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["", f"## Root causes ({len(causes)})"]
    if causes:
        lines += [
            "",
            "The server, its port and its key lived only for the run: to replay a reproduction, start a server the same",
            "way (`contract_tests.skyvern.SkyvernServer`, inside `unshare -n`), set `CONTRACT_API_KEY` to its key and",
            "swap in its base URL and workflow id.",
        ]
    else:
        lines += ["", "None."]
    for number, cause in enumerate(causes, 1):
        baseline = f", baseline: {cause['baseline']}" if cause.get("baseline") else ""
        lines += [
            "",
            f"### {number}. {cause.get('area', '')}: {cause.get('check', '')} (count {cause.get('count', 1)}{baseline})",
            "",
            str(cause.get("detail", "")).strip() or _NONE,
            "",
            f"- key: `{cause.get('key', '')}`",
        ]
        for label in ("location", "kind"):
            if cause.get(label):
                lines.append(f"- {label}: `{cause[label]}`")
        operations = ", ".join(f"`{operation_label(str(op))}`" for op in cause.get("operations") or []) or _NONE
        tests = ", ".join(f"`{test}`" for test in cause.get("tests") or []) or _NONE
        lines += [f"- operations: {operations}", f"- tests: {tests}"]
        if cause.get("observed"):
            lines += ["", "Observed:", "", *_code(str(cause["observed"]))]
        if cause.get("reproduction"):
            lines += ["", "Reproduce (with `CONTRACT_API_KEY` set to the server's key):", ""]
            lines += _code(str(cause["reproduction"]))
    return lines


def _doc_rest(summary: Mapping[str, Any]) -> list[str]:
    lines = ["", "## Not verifiable on this target", ""]
    items = summary.get("not_verifiable") or []
    if items:
        lines += ["| field | detail | setting | count | tests |", "|---|---|---|---|---|"]
        for item in items:
            tests = ", ".join(str(test) for test in item.get("tests") or [])
            names = item.get("field") or ", ".join(str(name) for name in item.get("fields") or [])
            lines.append(
                f"| `{_cell(names)}` | {_cell(item.get('detail', ''), 300)} | "
                f"{_cell(item.get('setting', ''))} | {_cell(item.get('count', ''))} | {_cell(tests, 300)} |"
            )
    else:
        lines.append("None reported.")
    if summary.get("not_run"):
        lines += ["", "## Not run", "", "| test | area | reason |", "|---|---|---|"]
        for item in summary["not_run"]:
            lines.append(
                f"| `{_cell(item.get('test', ''))}` | {_cell(item.get('area', ''))} | {_cell(item.get('reason', ''))} |"
            )
    if summary.get("gone"):
        lines += ["", "## In the baseline, not seen this time", ""] + [f"- `{key}`" for key in summary["gone"]]
    if summary.get("errors"):
        lines += ["", "## Errors of the run (not contract findings)", ""]
        lines += [f"- {_cell(error, 500)}" for error in summary["errors"]]
    return lines


def _doc_st(st: StRun, causes: Sequence[Mapping[str, Any]]) -> list[str]:
    report = st.report
    cases = report.get("test_cases") or {}
    lines = [
        "",
        "## Plain Schemathesis, side by side",
        "",
        "What a user gets from Schemathesis alone against the same server, right after the suite: the spec, the key,",
        "`--checks all` and a small budget; no workflow id, no suite. It stops each operation at its first failure",
        "(no `--continue-on-failure`). Its reproductions are as it printed them (it masks values it takes for secrets",
        "as `[Filtered]`; the key header reads `$CONTRACT_API_KEY` here). The last column names the suite's root cause",
        "that covers the finding (same operation, a check judging the same thing, the same status), or why the finding is",
        "no violation (`not_a_violation`: its two rules are read off the spec); `—` is a gap.",
    ]
    if not st.command:
        return [*lines, "", f"Not run: {st.error or 'no command'}."]
    lines += [
        "",
        "```sh",
        st.command,
        "```",
        "",
        f"exit status {st.exit_status}, {st.seconds:.1f} s, {cases.get('generated', '?')} test cases, "
        f"{len(st.findings)} failure(s) reported"
        + (f", stop reason: {report['stop_reason']}" if report.get("stop_reason") else "")
        + (f"; **{st.error}**" if st.error else ""),
    ]
    missing = (report.get("warnings") or {}).get("missing_test_data") or []
    if missing:
        lines += [
            "",
            "It warned that these operations kept answering 404 (missing test data): "
            + ", ".join(f"`{m}`" for m in missing)
            + ".",
        ]
    if not st.findings:
        return [*lines, "", "No failure reported."]
    lines += [
        "",
        "| # | operation | check | status | message | covered by our root cause |",
        "|---|---|---|---|---|---|",
    ]
    for number, finding in enumerate(st.findings, 1):
        check = f"{finding.code} {finding.title}".strip()
        if finding.kind:
            check += f" (`{finding.kind}`)"
        key, near = cover(finding, causes)
        covered = (
            f"`{_cell(key)}`"
            if key != _NONE
            else not_a_violation(finding) or _NONE + (f" (nearest, other status: `{_cell(near)}`)" if near else "")
        )
        lines.append(
            f"| {number} | `{_cell(finding.operation)}` | {_cell(check)} | {_cell(finding.status)} | "
            f"{_cell(finding.message, 300)} | {covered} |"
        )
    lines += ["", "### Their reproductions"]
    for number, finding in enumerate(st.findings, 1):
        if finding.reproduction:
            lines += [
                "",
                f"{number}. `{finding.operation}`, {finding.code} {finding.title}:",
                "",
                *_code(finding.reproduction),
            ]
    return lines


def render_doc(summary: Mapping[str, Any], st: StRun, info: RunInfo, secret_values: Iterable[str] = ()) -> str:
    """`docs/real-target.md`: the run, the suite's verdict and root causes, then plain st's findings beside them.

    Args:
        summary: the suite's summary (either shape; see `normalize_summary`).
        st: the plain st run.
        info: versions, times and the exit status.
        secret_values: values that must not appear (the API key, the server's secret): shown as `$CONTRACT_API_KEY`.

    Returns:
        Markdown text.
    """
    normalized = normalize_summary(summary)
    causes = normalized["root_causes"]
    lines = [
        *_doc_header(info, normalized),
        *_doc_areas(normalized),
        *_doc_root_causes(causes),
        *_doc_rest(normalized),
        *_doc_st(st, causes),
    ]
    return redact("\n".join(lines) + "\n", secret_values)


# --- the command -------------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m contract_tests.skyvern", description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="the server's venv (default: %(default)s)")
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
    versions = {}
    for package in ("schemathesis", "hypothesis", "pytest"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    versions["python"] = platform.python_version()
    return versions


def _log(message: str) -> None:
    print(f"contract-skyvern: {message}", file=sys.stderr, flush=True)


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _fresh(workdir: Path) -> None:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)


def _relative(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(ROOT))
    return str(path)


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
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    workdir: Path = args.workdir.resolve()
    _fresh(workdir)
    server = SkyvernServer(args.venv.resolve(), workdir / "server")
    _log(f"starting skyvern {server.package_version or '?'} from {_relative(args.venv)} (log: {_relative(server.log)})")
    try:
        suite, st, alive = _exercise(server, args, workdir)
    except ServerError as error:
        _log(f"could not start the real server, nothing was fuzzed: {error}")
        return EXIT_NOT_RUN
    finally:
        server.stop()
    if not suite.summary:
        _log(f"the suite wrote no {SUMMARY_JSON}; {_relative(args.doc)} left as it was")
        return EXIT_NOT_RUN
    info = RunInfo(
        command="make contract-skyvern",
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        skyvern_package=server.package_version,
        server_version=server.version if isinstance(server.version, str) else json.dumps(server.version),
        versions=tool_versions(),
        server_start_seconds=server.start_seconds,
        suite_seconds=suite.seconds,
        suite_exit_status=suite.exit_status,
        suite_command=_shown_suite_command(args),
        server_alive_after=alive,
    )
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(render_doc(suite.summary, st, info, [server.api_key, server.secret]), encoding="utf-8")
    _log(f"wrote {_relative(args.doc)}")
    return suite.exit_status


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the suite's exit status (2 when nothing was fuzzed)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arguments)
    refused = enter_private_network("contract_tests.skyvern", arguments, "contract-skyvern")
    if refused is not None:
        return refused
    return run_in_namespace(args)


if __name__ == "__main__":
    sys.exit(main())

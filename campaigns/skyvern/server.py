"""The real Skyvern server: its process on a loopback port, its workflow, its version."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from campaigns.skyvern.keys import make_api_key, redact
from campaigns.skyvern.paths import DEFAULT_VERSION

__all__ = [
    "LOOPBACK_HOSTS",
    "NO_PROXY",
    "SERVER_VERSION",
    "WAIT_WORKFLOW",
    "ServerError",
    "SkyvernServer",
    "free_port",
    "http_json",
    "installed_version",
    "package_version",
    "raise_on_sigterm",
]

SERVER_VERSION = DEFAULT_VERSION
"""The real server version run when none is named, and the one the reference server can mimic (`--like-skyvern`)."""
WAIT_WORKFLOW: Mapping[str, Any] = {
    "json_definition": {
        "title": "contract wait",
        "workflow_definition": {"parameters": [], "blocks": [{"block_type": "wait", "label": "w1", "wait_sec": 1}]},
    }
}
"""A workflow whose runs need no browser and no LLM: `created` -> `queued` -> `running` -> `completed` in seconds
(1.0.40 goes through no `queued`)."""
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Hosts a server may be told to allow in URL fields (`ALLOWED_HOSTS`, the `allowed_hosts` argument). 1.0.40 and
1.0.48 refuse loopback and private hosts unless allowed (`400 The host in your url is blocked`; 1.0.56 refuses none by
default). The contract suite runs the server as shipped (it must tell such a refusal of its own sink's address from a
violation by itself); the vendored client's run allows them, for its webhook receiver."""
_START_TIMEOUT = 120.0
_STOP_GRACE = 10.0
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""An opener that never goes through a proxy (the servers are on loopback)."""


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


def package_version(package: str) -> str:
    """The version of a package installed here ("not installed" when it is not)."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


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
        with NO_PROXY.open(request, timeout=timeout) as response:
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
        >>> venv = Path("build/skyvern-server/1.0.56")
        >>> with SkyvernServer(venv, Path("build/skyvern-run/server"), version="1.0.56") as server:  # doctest: +SKIP
        ...     server.workflow_id
        'wpid_...'
    """

    def __init__(
        self,
        venv: Path,
        workdir: Path,
        *,
        version: str = "",
        allowed_hosts: tuple[str, ...] = (),
        start_timeout: float = _START_TIMEOUT,
    ) -> None:
        """Args:
        venv: the venv with `skyvern[local]` and uvicorn.
        workdir: an empty folder of this run (its cwd, HOME, artifacts, database and log go there).
        version: the `skyvern` version the venv must hold (`start` refuses another); "" takes what it holds.
        start_timeout: seconds to wait for `GET /v1/version` to answer 200.
        """
        self.venv = venv
        self.workdir = workdir
        self.expected_version = version
        self.allowed_hosts = allowed_hosts
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

    @property
    def version_text(self) -> str:
        """The answer of `GET /v1/version` as shown: the text it sent, or its JSON."""
        return self.version if isinstance(self.version, str) else json.dumps(self.version)

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
            **({"ALLOWED_HOSTS": json.dumps(list(self.allowed_hosts))} if self.allowed_hosts else {}),
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
            ServerError: when the venv is missing or holds another version, or the server exits, stays silent or
                refuses the workflow.
        """
        python = self.venv / "bin" / "python"
        if not python.exists():
            raise ServerError(f"{python} not found: `make contract-skyvern` installs it")
        if self.expected_version and self.package_version != self.expected_version:
            held = f"skyvern {self.package_version}" if self.package_version else "no skyvern"
            raise ServerError(f"{self.venv} holds {held}, not {self.expected_version}")
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


def raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """A SIGTERM handler: exit as if interrupted, so that `finally` stops the servers."""
    raise SystemExit(128 + signum)

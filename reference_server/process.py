"""Start a reference server as a subprocess on a free loopback port, for tests and the contract suite.

The one way to start it as a process: `spawn(argv)` runs a command line, reads its output for its whole life (so it
never blocks on a full pipe, keeping the last lines) and waits for the READY line; `start_server` builds that command
line from keyword arguments. `contract_tests.transport.target` spawns its own command line through `spawn`.

Example:
    >>> with start_server(db=tmp_path / "runs.sqlite3", fast=True) as server:  # doctest: +SKIP
    ...     httpx2.get(f"{server.url}/v1/runs/wr_1", headers={"x-api-key": server.api_key}).status_code
    404
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["READY_PREFIX", "RunningServer", "ServerStartError", "running_server", "spawn", "start_server"]

ROOT = Path(__file__).resolve().parents[1]
READY_PREFIX = "READY "
"""How the server's parseable line starts (`reference_server.cli`): `READY url=... api_key=... workflows=...`."""


class ServerStartError(RuntimeError):
    """The server exited or stayed silent before printing its READY line.

    Attributes:
        output: the last lines it printed.
    """

    def __init__(self, message: str, output: Sequence[str]) -> None:
        super().__init__(message)
        self.output = list(output)


@dataclass
class RunningServer:
    """A server subprocess and what its READY line said.

    Attributes:
        url: base URL, e.g. `http://127.0.0.1:40123`.
        api_key: the accepted `x-api-key`.
        workflows: the workflow ids it knows.
        db_path: its SQLite file.
        process: the subprocess.
        output: the last lines it printed (stdout and stderr).
    """

    url: str
    api_key: str
    workflows: list[str]
    db_path: Path
    process: subprocess.Popen[str]
    output: deque[str] = field(default_factory=lambda: deque(maxlen=200))
    reader: threading.Thread | None = None

    def _reap(self) -> int:
        code = self.process.wait()
        if self.reader is not None:
            self.reader.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL if it does not exit in time; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self._reap()

    def kill(self) -> int:
        """SIGKILL at once (no shutdown code runs); returns the exit code."""
        if self.process.poll() is None:
            self.process.kill()
        return self._reap()


def start_server(
    *,
    db: Path,
    api_key: str | None = "test-key",
    workflows_file: Path | None = None,
    faults: Sequence[str] = (),
    fast: bool = True,
    host: str = "127.0.0.1",
    port: int = 0,
    extra_args: Sequence[str] = (),
    timeout: float = 30.0,
) -> RunningServer:
    """Start `python -m reference_server` and wait for its READY line.

    Args:
        db: SQLite file.
        api_key: the key to accept (None: let the server generate one).
        workflows_file: workflows YAML/JSON (None: the demo workflow).
        faults: fault names to switch on.
        fast: scale lifecycle delays by 0.01.
        host: interface.
        port: 0 picks a free port.
        extra_args: more CLI arguments.
        timeout: seconds to wait for READY.

    Returns:
        The running server; call `stop()` (or use `running_server`).

    Raises:
        ServerStartError: when the server exits or does not become ready in time.
    """
    command = [sys.executable, "-m", "reference_server", "--host", host, "--port", str(port), "--db", str(db)]
    if api_key is not None:
        command += ["--api-key", api_key]
    if workflows_file is not None:
        command += ["--workflows", str(workflows_file)]
    for fault in faults:
        command += ["--fault", fault]
    if fast:
        command.append("--fast")
    command += list(extra_args)
    return spawn(command, db=db, cwd=ROOT, timeout=timeout)


def spawn(argv: Sequence[str], *, db: Path, cwd: Path | None = None, timeout: float = 30.0) -> RunningServer:
    """Run a server command line and wait for its READY line.

    Args:
        argv: the command, e.g. `[sys.executable, "-m", "reference_server", "--port", "0", ...]`.
        db: the SQLite file it was given (recorded on the result).
        cwd: its working directory (None: this process's).
        timeout: seconds to wait for READY.

    Returns:
        The running server; its output is read until it exits.

    Raises:
        ServerStartError: when it exits or does not become ready in time (it is killed then).
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd, bufsize=1
    )
    assert process.stdout is not None
    lines: deque[str] = deque(maxlen=200)
    ready: list[str] = []
    found = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        with contextlib.suppress(OSError, ValueError):  # the pipe closed under it
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith(READY_PREFIX) and not found.is_set():
                    ready.append(line.strip())
                    found.set()
        found.set()

    reader = threading.Thread(target=drain, name="reference-server-output", daemon=True)
    reader.start()
    found.wait(timeout)
    if not ready:
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join(5)
        process.stdout.close()
        raise ServerStartError("reference server did not start:\n" + "\n".join(lines), lines)
    fields = dict(part.split("=", 1) for part in ready[0].split()[1:] if "=" in part)
    return RunningServer(
        url=fields["url"],
        api_key=fields.get("api_key", ""),
        workflows=[w for w in fields.get("workflows", "").split(",") if w],
        db_path=db,
        process=process,
        output=lines,
        reader=reader,
    )


@contextmanager
def running_server(*, db: Path, **kwargs: Any) -> Iterator[RunningServer]:
    """`start_server(db=db, **kwargs)` as a context manager that always stops the server."""
    server = start_server(db=db, **kwargs)
    try:
        yield server
    finally:
        server.stop()

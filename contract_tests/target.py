"""The default target: a reference server started as a subprocess on a free loopback port, stopped afterwards.

Example:
    >>> with ReferenceServer(Path("reports")) as server:  # doctest: +SKIP
    ...     server.base_url
    'http://127.0.0.1:40123'
"""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import yaml

__all__ = ["DEFAULT_WORKFLOW", "ReferenceServer", "TargetError"]

DEFAULT_WORKFLOW = {
    "workflow_id": "wpid_200000000000000001",
    "title": "Contract suite: a workflow with two optional parameters",
    "parameters": [{"name": "url"}, {"name": "max_pages"}],
    "outcome": {"status": "completed", "run_seconds": 20, "output": {"title": "Example Domain"}, "steps": 3},
}
"""The workflow the default target runs. At `TIME_SCALE` a run is `running` from 0.2 s to 2.2 s after creation: long
enough for a cancel sent right after the POST to find it non-terminal, short enough to poll it to its end."""
DEFAULT_PARAMETERS = {"url": "https://example.com", "max_pages": 2}
TIME_SCALE = 0.1
_READY_PREFIX = "READY "
_START_TIMEOUT = 30.0


class TargetError(RuntimeError):
    """The target could not be started or reached."""


class ReferenceServer:
    """`python -m reference_server` on 127.0.0.1, port 0, a fresh database and a generated key."""

    def __init__(
        self,
        workdir: Path,
        faults: Sequence[str] = (),
        *,
        server_defaults: bool = False,
        options: Sequence[str] = (),
    ) -> None:
        """Args:
        workdir: where the database (and the workflows file) go.
        faults: `--fault` names to switch on.
        server_defaults: start it as a user would by hand: the server's own demo workflow and real-time clock
            (instead of this suite's workflow on a 10x clock).
        options: more command-line options (`["--latency", "0.2"]`).
        """
        self.workdir = workdir
        self.faults = list(faults)
        self.options = list(options)
        self.server_defaults = server_defaults
        self.api_key = f"contract-{secrets.token_hex(12)}"
        self.base_url = ""
        self.workflow_id = str(DEFAULT_WORKFLOW["workflow_id"])
        self.workflows_file = workdir / "contract-workflows.yaml"
        self.db = workdir / "contract-runs.sqlite3"
        self._process: subprocess.Popen[str] | None = None
        self._output: list[str] = []
        self._drainer: threading.Thread | None = None

    def command(self, port: int | str = 0, api_key: str = "$CONTRACT_API_KEY") -> list[str]:
        """The command line that starts this server (with the key redacted, for the summary's replay hint)."""
        faults = [arg for name in self.faults for arg in ("--fault", name)]
        return [
            "python",
            "-m",
            "reference_server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            str(self.db),
            "--api-key",
            api_key,
            *(
                []
                if self.server_defaults
                else ["--workflows", str(self.workflows_file), "--time-scale", str(TIME_SCALE)]
            ),
            *faults,
            *self.options,
        ]

    def start(self) -> ReferenceServer:
        """Start the server and wait for its READY line.

        Raises:
            TargetError: when it exits or stays silent for 30 s.
        """
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workflows_file.write_text(yaml.safe_dump({"workflows": [DEFAULT_WORKFLOW]}, sort_keys=False))
        for stale in self.workdir.glob(self.db.name + "*"):
            stale.unlink()
        argv = [sys.executable, *self.command(0, self.api_key)[1:]]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, bufsize=1
        )
        ready: queue.Queue[str | None] = queue.Queue()
        self._drainer = threading.Thread(target=self._drain, args=(ready,), name="reference-server-output", daemon=True)
        self._drainer.start()
        try:
            line = ready.get(timeout=_START_TIMEOUT)
        except queue.Empty:
            line = None
        if line is not None:
            fields = dict(part.split("=", 1) for part in line[len(_READY_PREFIX) :].split() if "=" in part)
            self.base_url = fields["url"]
            if self.server_defaults:
                self.workflow_id = fields.get("workflows", "").split(",")[0]
            return self
        self.stop()
        raise TargetError("the reference server did not start:\n" + "\n".join(self._output[-20:]))

    def _drain(self, ready: queue.Queue[str | None]) -> None:
        """Read the server's output for its whole life (so it never blocks on a full pipe), keeping the last lines;
        hand the READY line (or None at EOF) to `start`."""
        process = self._process
        if process is None or process.stdout is None:
            return
        announced = False
        with contextlib.suppress(OSError, ValueError):
            for line in process.stdout:
                self._output.append(line.rstrip())
                del self._output[:-200]
                if not announced and line.startswith(_READY_PREFIX):
                    announced = True
                    ready.put(line.strip())
        if not announced:
            ready.put(None)

    def output(self) -> str:
        """The server's last lines of output."""
        return "\n".join(self._output[-50:])

    def stop(self) -> None:
        """Terminate the server (kill it after 5 s)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._drainer is not None:
            self._drainer.join(timeout=5)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process = None

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

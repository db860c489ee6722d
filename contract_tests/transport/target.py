"""The default target: a reference server started as a subprocess on a free loopback port, stopped afterwards.

This module decides the command line (this suite's workflow on a 10x clock, or the server's own defaults); starting
it, reading its output and its READY line, and stopping it are `reference_server.process`'s.

Example:
    >>> with ReferenceServer(Path("reports")) as server:  # doctest: +SKIP
    ...     server.base_url
    'http://127.0.0.1:40123'
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import yaml

from reference_server.process import RunningServer, ServerStartError, spawn

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
_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 5.0


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
        self._server: RunningServer | None = None
        self._output: Sequence[str] = ()

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
        try:
            self._server = spawn(argv, db=self.db, timeout=_START_TIMEOUT)
        except ServerStartError as error:
            self._output = error.output
            raise TargetError("the reference server did not start:\n" + "\n".join(error.output[-20:])) from None
        self._output = self._server.output
        self.base_url = self._server.url
        if self.server_defaults:
            self.workflow_id = next(iter(self._server.workflows), "")
        return self

    def output(self) -> str:
        """The server's last lines of output."""
        return "\n".join(list(self._output)[-50:])

    def stop(self) -> None:
        """Terminate the server (kill it after 5 s)."""
        if self._server is not None:
            self._server.stop(_STOP_TIMEOUT)
            self._server = None

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

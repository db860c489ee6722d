"""The pytest plugin `skyvern`: a running reference server for your own integration tests.

Installed with the package (`pip install 'skyvern-run-contract[server]'`) and registered through the `pytest11` entry
point; inert until a test asks for one of its fixtures: importing it starts nothing and imports neither the server
nor the client (`pytest -p no:skyvern` switches it off altogether).

Fixtures (each gives a `SkyvernServer`: base URL, API key, workflow ids, a ready `skyvern_client.SkyvernClient`):
    skyvern_server: one server shared by the session's tests, started on first use; a test marked
        `@pytest.mark.skyvern_faults(<fault name>, ...)` (names from `--list-faults`) gets a server of its own with
        those faults instead.
    skyvern_server_per_test: a server for this test alone (its own database and runs; its `skyvern_faults` apply).
    skyvern_session_server: the shared one, for your own session-scoped fixtures.

Scripted outcomes: `server.workflow(...)` is the id of a workflow every run of which ends as asked:

    server.workflow()                                    # completes, with an output
    server.workflow("failed", failure_reason="Card declined")
    server.workflow("timed_out"), server.workflow("terminated")
    server.workflow("running")                           # stays running (for years, at the server's fast clock)
    server.workflow("paused")                            # a status the spec does not list: reported as is, for good

Every server knows these from the start (the statuses of `STATUSES`, with the defaults). Any other outcome (another
output, reason, duration or status) is added to a server's workflows file, so ask for it before the server's first
use: in a test of its own server (`skyvern_server_per_test`, or `skyvern_faults`), first thing.

Example:
    >>> def test_a_failed_run_is_reported(skyvern_server):  # doctest: +SKIP
    ...     client = skyvern_server.client
    ...     run = client.run_workflow(workflow_id=skyvern_server.workflow("failed"))
    ...     assert my_code.wait_for(client, run.run_id).failure_reason
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from reference_server.process import RunningServer
    from skyvern_client import SkyvernClient

__all__ = ["STATUSES", "STAYS_RUNNING_SECONDS", "SkyvernServer", "UnknownOutcomeError"]

STATUSES = ("completed", "failed", "timed_out", "terminated", "running", "paused")
"""The outcomes every server knows from the start, by the status its runs end in (`running`: they never end)."""
STAYS_RUNNING_SECONDS = 1e10
"""`run_seconds` of a run that stays running: about three years at the fast clock (x0.01) the servers run on."""
DEFAULT_OUTPUT: dict[str, Any] = {"title": "Example Domain", "links": ["https://www.iana.org/domains/example"]}
"""The output of a completed run unless another is asked for."""
FAULTS_MARKER = "skyvern_faults"


class UnknownOutcomeError(LookupError):
    """An outcome asked of a server that is already running and was not started with it."""


def _canonical(outcome: dict[str, Any]) -> str:
    return json.dumps(outcome, sort_keys=True, allow_nan=False)


class SkyvernServer:
    """A reference server for a test or a session: started on first use, stopped by the fixture that made it.

    Attributes:
        faults: the `--fault` names it runs with.
    """

    def __init__(self, workdir: Path, faults: Sequence[str] = ()) -> None:
        """Args:
        workdir: where its workflows file and database go.
        faults: `--fault` names to switch on.
        """
        self.faults = tuple(faults)
        self._workdir = workdir
        self._api_key = f"sk-test-{secrets.token_hex(12)}"
        self._workflows: list[dict[str, Any]] = []
        self._ids: dict[str, str] = {}
        self._running: RunningServer | None = None
        self._clients: list[SkyvernClient] = []
        self._client: SkyvernClient | None = None
        for status in STATUSES:
            self.workflow(status)

    def workflow(
        self,
        status: str = "completed",
        *,
        output: Any = None,
        failure_reason: str | None = None,
        run_seconds: float | None = None,
        steps: int = 3,
    ) -> str:
        """The id of a workflow every run of which ends so (unless canceled first).

        Args:
            status: `completed`, `failed`, `timed_out`, `terminated`, `running` (never ends) or a status the spec
                does not list, such as `paused` (reported as is once `run_seconds` have passed, and for good).
            output: a completed run's output (default: `DEFAULT_OUTPUT`).
            failure_reason: a failed, timed-out or terminated run's reason (default: a plausible message).
            run_seconds: seconds spent `running` first, before the x0.01 clock (default 5, so 50 ms).
            steps: its `step_count` once it ends.

        Returns:
            The workflow id, e.g. `wpid_failed`.

        Raises:
            UnknownOutcomeError: when the server is already running and was not started with that outcome.
        """
        outcome: dict[str, Any] = {"status": status, "steps": steps}
        if status == "running":
            outcome["status"] = "completed"
            outcome["run_seconds"] = STAYS_RUNNING_SECONDS
        elif run_seconds is not None:
            outcome["run_seconds"] = run_seconds
        if status == "completed":
            outcome["output"] = DEFAULT_OUTPUT if output is None else output
        if failure_reason is not None:
            outcome["failure_reason"] = failure_reason
        key = _canonical(outcome)
        if key in self._ids:
            return self._ids[key]
        if self._running is not None:
            raise UnknownOutcomeError(
                f"this server is already running, without the outcome {key}: ask for it before the server's first "
                "use (the base URL, the key or the client), in a test of its own server (skyvern_server_per_test)"
            )
        workflow_id = f"wpid_{status}" if len(self._ids) < len(STATUSES) else f"wpid_scripted_{len(self._ids)}"
        self._workflows.append({"workflow_id": workflow_id, "title": f"Scripted: {status}", "outcome": outcome})
        self._ids[key] = workflow_id
        return workflow_id

    @property
    def started(self) -> bool:
        """Whether its process is running."""
        return self._running is not None

    def start(self) -> SkyvernServer:
        """Start it (once) and wait until it answers; the properties below do this on first use.

        Raises:
            reference_server.process.ServerStartError: when it does not start (its output says why).
        """
        if self._running is None:
            from reference_server.process import start_server

            self._workdir.mkdir(parents=True, exist_ok=True)
            workflows_file = self._workdir / "workflows.json"
            workflows_file.write_text(json.dumps({"workflows": self._workflows}, indent=2), encoding="utf-8")
            self._running = start_server(
                db=self._workdir / "runs.sqlite3",
                api_key=self._api_key,
                workflows_file=workflows_file,
                faults=self.faults,
                fast=True,
            )
        return self

    @property
    def base_url(self) -> str:
        """Its base URL, e.g. `http://127.0.0.1:40123`."""
        return self._started().url

    @property
    def api_key(self) -> str:
        """The `x-api-key` it accepts."""
        self._started()
        return self._api_key

    @property
    def workflow_ids(self) -> list[str]:
        """The workflow ids it knows."""
        return list(self._started().workflows)

    @property
    def workflow_id(self) -> str:
        """A workflow whose runs complete with `DEFAULT_OUTPUT`: `workflow()`."""
        return self.workflow()

    @property
    def client(self) -> SkyvernClient:
        """A `skyvern_client.SkyvernClient` for it, made on first use and closed with the server."""
        if self._client is None:
            self._client = self.new_client()
        return self._client

    def new_client(self, **options: Any) -> SkyvernClient:
        """Another `SkyvernClient` for it, e.g. `new_client(max_retries=0)`; closed with the server.

        Args:
            **options: keyword arguments of `SkyvernClient` besides the key and the base URL.
        """
        from skyvern_client import SkyvernClient

        client = SkyvernClient(api_key=self.api_key, base_url=self.base_url, **options)
        self._clients.append(client)
        return client

    @property
    def output(self) -> str:
        """What the server printed last (empty before it starts): for a failing test's report."""
        return "" if self._running is None else "\n".join(self._running.output)

    def stop(self) -> None:
        """Close its clients and stop its process (a no-op when it never started)."""
        for client in self._clients:
            client.close()
        self._clients.clear()
        self._client = None
        if self._running is not None:
            self._running.stop()
            self._running = None

    def _started(self) -> RunningServer:
        self.start()
        assert self._running is not None
        return self._running

    def __repr__(self) -> str:
        where = self._running.url if self._running is not None else "not started"
        faults = f" faults={','.join(self.faults)}" if self.faults else ""
        return f"<SkyvernServer {where}{faults}>"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (so `--strict-markers` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{FAULTS_MARKER}(*names): the test gets a reference server of its own with these faults "
        "(`python -m reference_server --list-faults`)",
    )


def _faults(node: pytest.Item) -> list[str]:
    from reference_server.faults import FAULTS

    names = [str(name) for mark in node.iter_markers(FAULTS_MARKER) for name in mark.args]
    unknown = sorted(set(names) - set(FAULTS))
    if unknown:
        pytest.fail(
            f"@pytest.mark.{FAULTS_MARKER}: unknown fault(s) {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}",
            pytrace=False,
        )
    return list(dict.fromkeys(names))


def _own_server(factory: pytest.TempPathFactory, faults: Sequence[str]) -> Iterator[SkyvernServer]:
    server = SkyvernServer(factory.mktemp("skyvern-server"), faults)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def skyvern_session_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkyvernServer]:
    """One reference server for the whole session (started on first use), with the outcomes of `STATUSES`."""
    yield from _own_server(tmp_path_factory, ())


@pytest.fixture
def skyvern_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkyvernServer]:
    """The session's shared reference server; a test marked `skyvern_faults(...)` gets its own with those faults."""
    faults = _faults(request.node)
    if faults:
        yield from _own_server(tmp_path_factory, faults)
    else:
        yield request.getfixturevalue("skyvern_session_server")


@pytest.fixture
def skyvern_server_per_test(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SkyvernServer]:
    """A reference server for this test alone (with the test's `skyvern_faults`), started on first use."""
    yield from _own_server(tmp_path_factory, _faults(request.node))

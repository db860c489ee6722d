"""The user's own code under test: start a Skyvern workflow run and wait for its result."""

from __future__ import annotations

import time
from typing import Any

from skyvern_client import InternalServerError, SkyvernClient

FINAL = frozenset({"completed", "failed", "terminated", "timed_out", "canceled"})


class RunFailed(Exception):
    """The run ended without completing; the message is Skyvern's reason."""


class RunStuck(Exception):
    """The run did not end in time, or reports a status this code does not know."""


class SkyvernDown(Exception):
    """Skyvern answered with a server error: try again later."""


def fetch_order(
    client: SkyvernClient, workflow_id: str, *, title: str | None = "order", wait_seconds: float = 5.0
) -> Any:
    """Run the workflow and return its output.

    Raises:
        RunFailed: when the run fails, times out or is terminated.
        RunStuck: when it is still going after `wait_seconds`, or reports a status this code does not know.
        SkyvernDown: on a 5xx.
        skyvern_client.APIError: when Skyvern answers with another error.
    """
    try:
        run = client.run_workflow(workflow_id=workflow_id, title=title)
    except InternalServerError as error:
        raise SkyvernDown(f"Skyvern answered {error.status_code}") from error
    deadline = time.monotonic() + wait_seconds
    while True:
        run = client.get_run(run.run_id)
        if run.status.is_unknown:
            raise RunStuck(f"run {run.run_id} reports an unknown status: {run.status}")
        if run.status in FINAL:
            break
        if time.monotonic() > deadline:
            raise RunStuck(f"run {run.run_id} is still {run.status} after {wait_seconds} s")
        time.sleep(0.02)
    if run.status != "completed":
        raise RunFailed(run.failure_reason or str(run.status))
    return run.output

"""How `orders.fetch_order` (the project's own code: run a workflow, wait, return its output) copes with what Skyvern
may answer, against the `skyvern` plugin's reference server."""

from __future__ import annotations

import pytest
from orders import RunFailed, RunStuck, SkyvernDown, fetch_order

from reference_server.pytest_plugin import SkyvernServer


def test_a_completed_run_gives_its_output(skyvern_server_per_test: SkyvernServer) -> None:
    workflow_id = skyvern_server_per_test.workflow(output={"order_id": 42})
    assert fetch_order(skyvern_server_per_test.client, workflow_id) == {"order_id": 42}


def test_a_failed_run_raises_with_its_reason(skyvern_server_per_test: SkyvernServer) -> None:
    workflow_id = skyvern_server_per_test.workflow("failed", failure_reason="Card declined")
    with pytest.raises(RunFailed, match="Card declined"):
        fetch_order(skyvern_server_per_test.client, workflow_id)


def test_a_timed_out_run_raises(skyvern_server: SkyvernServer) -> None:
    with pytest.raises(RunFailed, match="timed out"):
        fetch_order(skyvern_server.client, skyvern_server.workflow("timed_out"))


def test_a_run_that_never_ends_is_given_up(skyvern_server: SkyvernServer) -> None:
    with pytest.raises(RunStuck, match="still running"):
        fetch_order(skyvern_server.client, skyvern_server.workflow("running"), wait_seconds=0.5)


def test_a_status_newer_than_the_spec_is_not_mistaken_for_an_end(skyvern_server: SkyvernServer) -> None:
    with pytest.raises(RunStuck, match="unknown status: paused"):
        fetch_order(skyvern_server.client, skyvern_server.workflow("paused"))


@pytest.mark.skyvern_faults("null_500")  # a `title` sent as null is a 500
def test_a_server_error_is_reported_as_skyvern_down(skyvern_server: SkyvernServer) -> None:
    with pytest.raises(SkyvernDown, match="500"):
        fetch_order(skyvern_server.client, skyvern_server.workflow(), title=None)

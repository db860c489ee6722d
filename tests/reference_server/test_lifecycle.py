"""The lifecycle clock as a pure function: forward only, cancel before the finish only, terminal is final."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference_server.app import Service
from reference_server.config import ServerConfig
from reference_server.lifecycle import FAILURES, NON_TERMINAL, OUTCOMES, TERMINAL, Schedule, snapshot
from skyvern_client.models import RunStatus

SCHEDULE = Schedule(queued_after=1.0, started_after=2.0, finished_after=5.0, outcome="failed")
ORDER = ["created", "queued", "running", "failed"]


@pytest.mark.parametrize(
    ("now", "status", "modified_at"),
    [(100.0, "created", 100.0), (101.0, "queued", 101.0), (103.0, "running", 102.0), (105.0, "failed", 105.0)],
)
def test_status_follows_the_schedule(now: float, status: str, modified_at: float) -> None:
    snap = snapshot(100.0, SCHEDULE, None, now)
    assert snap.status == status
    assert snap.modified_at == modified_at
    assert snap.is_terminal is (status in TERMINAL)


def test_status_only_moves_forward_and_terminal_is_final() -> None:
    seen = [snapshot(100.0, SCHEDULE, None, 100.0 + step / 10).status for step in range(200)]
    indexes = [ORDER.index(status) for status in seen]
    assert indexes == sorted(indexes)
    assert set(seen) == set(ORDER)


def test_cancel_before_start_leaves_no_started_at() -> None:
    snap = snapshot(100.0, SCHEDULE, 101.5, 200.0)
    assert (snap.status, snap.queued_at, snap.started_at, snap.finished_at) == ("canceled", 101.0, None, 101.5)


def test_cancel_while_running() -> None:
    assert snapshot(100.0, SCHEDULE, 103.0, 102.9).status == "running"  # the future cancel is not visible yet
    snap = snapshot(100.0, SCHEDULE, 103.0, 103.0)
    assert (snap.status, snap.started_at, snap.finished_at, snap.modified_at) == ("canceled", 102.0, 103.0, 103.0)


def test_a_cancel_after_the_finish_changes_nothing() -> None:
    assert snapshot(100.0, SCHEDULE, 106.0, 107.0) == snapshot(100.0, SCHEDULE, None, 107.0)


def test_status_sets() -> None:
    assert TERMINAL.isdisjoint(NON_TERMINAL)
    assert len(TERMINAL | NON_TERMINAL) == 8


def test_the_service_clock_never_goes_backwards() -> None:
    readings = iter([100.0, 90.0, 101.0])
    service = Service(ServerConfig(api_key="k", db_path=Path(":memory:"), clock=lambda: next(readings)))
    assert [service.now(), service.now(), service.now()] == [100.0, 100.0, 101.0]
    service.store.close()


def test_the_statuses_are_the_specs_run_statuses() -> None:
    assert {status.value for status in RunStatus} == TERMINAL | NON_TERMINAL
    assert set(OUTCOMES) == TERMINAL - {"canceled"}
    assert set(OUTCOMES) - {"completed"} == FAILURES

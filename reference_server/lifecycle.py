"""The run lifecycle clock: a run's status is computed from its timestamps, never stored as a moving value.

A run is created at `created_at` with three offsets fixed at creation (already scaled by the server's clock):

```
created ──queued_after──► queued ──started_after──► running ──finished_after──► <outcome status>
```

A cancel at time `c` before the scheduled finish records `canceled_at = c`; from then on the run is `canceled`.
Because the status is a pure function of stored timestamps and `now`, it survives restarts, and a terminal status can
never change: once `now` passes the (possibly canceled) finish time, every later read gives the same answer.

The status names are defined here once, as the spec's `RunStatus` values (a test holds them to the generated enum).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "CANCELED",
    "COMPLETED",
    "CREATED",
    "FAILED",
    "FAILURES",
    "NON_TERMINAL",
    "OUTCOMES",
    "QUEUED",
    "RUNNING",
    "TERMINAL",
    "TERMINATED",
    "TIMED_OUT",
    "Clock",
    "Schedule",
    "Snapshot",
    "snapshot",
    "wall_clock",
]

CREATED, QUEUED, RUNNING = "created", "queued", "running"
COMPLETED, FAILED, TERMINATED, TIMED_OUT, CANCELED = "completed", "failed", "terminated", "timed_out", "canceled"
NON_TERMINAL = frozenset({CREATED, QUEUED, RUNNING})
TERMINAL = frozenset({COMPLETED, FAILED, TERMINATED, CANCELED, TIMED_OUT})
OUTCOMES = (COMPLETED, FAILED, TIMED_OUT, TERMINATED)
"""The terminal statuses a workflow's runs can be scripted to reach (`canceled` comes only from a cancel)."""
FAILURES = frozenset({FAILED, TERMINATED, TIMED_OUT})
"""The outcomes that carry a `failure_reason`."""

Clock = Callable[[], float]
"""Seconds since the epoch; `time.time` in production, a fake in tests."""

wall_clock: Clock = time.time


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a run moves, as offsets in seconds from its creation, and how it ends.

    Attributes:
        queued_after: created -> queued.
        started_after: created -> running.
        finished_after: created -> the outcome status.
        outcome: the terminal status the run reaches unless canceled first.
    """

    queued_after: float
    started_after: float
    finished_after: float
    outcome: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A run's status and lifecycle timestamps (epoch seconds) as of one moment."""

    status: str
    modified_at: float
    queued_at: float | None
    started_at: float | None
    finished_at: float | None

    @property
    def is_terminal(self) -> bool:
        """Whether the status is final."""
        return self.status in TERMINAL


def snapshot(created_at: float, schedule: Schedule, canceled_at: float | None, now: float) -> Snapshot:
    """Compute a run's status at `now`.

    Args:
        created_at: when the run was created.
        schedule: its offsets and outcome.
        canceled_at: when it was canceled, or None.
        now: the moment to look at.

    Returns:
        The status and the timestamps of the transitions that have happened by `now`.

    Example:
        >>> s = snapshot(100.0, Schedule(1.0, 2.0, 5.0, "completed"), None, 103.0)
        >>> (s.status, s.started_at, s.finished_at)
        ('running', 102.0, None)
    """
    queued_at = created_at + schedule.queued_after
    started_at = created_at + schedule.started_after
    finished_at = created_at + schedule.finished_after
    status = schedule.outcome
    if canceled_at is not None and canceled_at < finished_at:
        finished_at = canceled_at
        status = CANCELED
    if now >= finished_at:
        return Snapshot(
            status=status,
            modified_at=finished_at,
            queued_at=queued_at if queued_at <= finished_at else None,
            started_at=started_at if started_at <= finished_at else None,
            finished_at=finished_at,
        )
    if now >= started_at:
        return Snapshot(RUNNING, started_at, queued_at, started_at, None)
    if now >= queued_at:
        return Snapshot(QUEUED, queued_at, queued_at, None, None)
    return Snapshot(CREATED, created_at, None, None, None)

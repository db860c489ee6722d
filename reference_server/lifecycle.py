"""The run lifecycle clock: a run's status is computed from its timestamps, never stored as a moving value.

A run is created at `created_at` with three offsets fixed at creation (already scaled by the server's clock):

```
created ──queued_after──► queued ──started_after──► running ──finished_after──► <outcome status>
```

A cancel at time `c` before the scheduled finish records `canceled_at = c`; from then on the run is `canceled`.
Because the status is a pure function of stored timestamps and `now`, it survives restarts, and a terminal status can
never change: once `now` passes the (possibly canceled) finish time, every later read gives the same answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["NON_TERMINAL", "TERMINAL", "Clock", "Schedule", "Snapshot", "snapshot", "wall_clock"]

TERMINAL = frozenset({"completed", "failed", "terminated", "canceled", "timed_out"})
NON_TERMINAL = frozenset({"created", "queued", "running"})

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
        status = "canceled"
    if now >= finished_at:
        return Snapshot(
            status=status,
            modified_at=finished_at,
            queued_at=queued_at if queued_at <= finished_at else None,
            started_at=started_at if started_at <= finished_at else None,
            finished_at=finished_at,
        )
    if now >= started_at:
        return Snapshot("running", started_at, queued_at, started_at, None)
    if now >= queued_at:
        return Snapshot("queued", queued_at, queued_at, None, None)
    return Snapshot("created", created_at, None, None, None)

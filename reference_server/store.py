"""Durable run storage: one SQLite file in WAL mode.

Every write commits before the HTTP answer is sent, so an acknowledged run survives a restart and a `kill -9` of the
server (WAL with `synchronous=NORMAL` loses nothing on a process crash; only an OS crash or power loss could drop the
last commits, and `--durable` switches to `synchronous=FULL` for that). The server calls the store from its event
loop thread only; each call is a short local transaction, so there is no pool and no thread hand-off.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reference_server.lifecycle import Schedule, Snapshot, snapshot

__all__ = ["RunRecord", "Store", "new_run_id"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    workflow_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    queued_after REAL NOT NULL,
    started_after REAL NOT NULL,
    finished_after REAL NOT NULL,
    outcome TEXT NOT NULL,
    details TEXT NOT NULL,
    request TEXT NOT NULL,
    canceled_at REAL,
    finishes_at REAL NOT NULL,
    webhook_url TEXT,
    webhook_state TEXT,
    webhook_attempts INTEGER NOT NULL DEFAULT 0,
    webhook_next_at REAL NOT NULL DEFAULT 0
);
-- Only runs whose webhook is still to be sent are indexed, so most inserts write one index page fewer. Files made
-- before this index indexed every run (webhook_state, finishes_at); that index is replaced when they are opened.
DROP INDEX IF EXISTS runs_webhook;
CREATE INDEX IF NOT EXISTS runs_webhook_pending ON runs (finishes_at) WHERE webhook_state = 'pending';
"""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One stored run.

    Attributes:
        run_id: `wr_<digits>`.
        workflow_id: the workflow it runs.
        created_at: epoch seconds.
        schedule: its lifecycle offsets and scripted outcome.
        details: what the run produces and echoes, as JSON-ready values (output, failure_reason, steps, ...).
        request: the `run_request` echo.
        canceled_at: when a cancel landed before the finish, or None.
        webhook_url: where to POST the run once terminal, or None.
        webhook_state: None, `pending`, `delivered`, `failed` or `blocked`.
        webhook_attempts: delivery attempts so far.
    """

    run_id: str
    workflow_id: str
    created_at: float
    schedule: Schedule
    details: dict[str, Any]
    request: dict[str, Any]
    canceled_at: float | None = None
    webhook_url: str | None = None
    webhook_state: str | None = None
    webhook_attempts: int = 0

    def snapshot(self, now: float) -> Snapshot:
        """The run's status and lifecycle timestamps as of `now`."""
        return snapshot(self.created_at, self.schedule, self.canceled_at, now)


_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


class Store:
    """Runs in SQLite.

    Example:
        >>> store = Store(Path(":memory:"))
        >>> store.get("wr_1") is None
        True
    """

    def __init__(self, path: Path, *, durable: bool = False) -> None:
        """Open (and create) the database.

        Args:
            path: the SQLite file; `:memory:` for a throwaway store.
            durable: fsync every commit (`synchronous=FULL`), surviving power loss too.
        """
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection (a checkpoint folds the WAL back into the file)."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def insert(self, record: RunRecord) -> RunRecord:
        """Store a new run, committed before returning; a clash of random ids draws a new one.

        Args:
            record: the run; its `run_id` is replaced if already taken.

        Returns:
            The stored record.
        """
        schedule = record.schedule
        for _ in range(20):
            try:
                # One statement, so no BEGIN/COMMIT round trips: in autocommit mode (isolation_level=None) SQLite
                # wraps it in its own transaction, committed (in the WAL) before `execute` returns.
                with self._lock:
                    self._db.execute(
                        _INSERT,
                        (
                            record.run_id,
                            record.workflow_id,
                            record.created_at,
                            schedule.queued_after,
                            schedule.started_after,
                            schedule.finished_after,
                            schedule.outcome,
                            _dumps(record.details),
                            _dumps(record.request),
                            record.created_at + schedule.finished_after,
                            record.webhook_url,
                            record.webhook_state,
                        ),
                    )
                return record
            except sqlite3.IntegrityError:
                record = replace(record, run_id=new_run_id())
        raise RuntimeError("could not draw a free run id")

    def get(self, run_id: str) -> RunRecord | None:
        """The run, or None when unknown."""
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else _record(row)

    def cancel(self, run_id: str, now: float) -> bool:
        """Cancel a run that has not finished by `now`; a finished or already canceled run is left as it is.

        Returns:
            Whether the run changed.
        """
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE runs SET canceled_at = ?, finishes_at = ?, webhook_next_at = 0"
                " WHERE run_id = ? AND canceled_at IS NULL AND finishes_at > ?",
                (now, now, run_id, now),
            )
            return cursor.rowcount == 1

    def save_lifecycle(self, record: RunRecord) -> None:
        """Write back a stored run's outcome and cancel time, unguarded (`cancel` is the guarded write).

        The run's end (when its webhook is due) moves to the cancel when that is earlier, never later.
        """
        end = record.created_at + record.schedule.finished_after
        if record.canceled_at is not None:
            end = min(end, record.canceled_at)
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET outcome = ?, canceled_at = ?, finishes_at = MIN(finishes_at, ?) WHERE run_id = ?",
                (record.schedule.outcome, record.canceled_at, end, record.run_id),
            )

    def due_webhooks(self, now: float, limit: int = 100) -> list[RunRecord]:
        """Runs whose webhook is pending, whose run has finished and whose next attempt is due."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM runs WHERE webhook_state = 'pending' AND finishes_at <= ?"
                " AND webhook_next_at <= ? ORDER BY finishes_at LIMIT ?",
                (now, now, limit),
            ).fetchall()
        return [_record(row) for row in rows]

    def record_webhook(self, run_id: str, *, state: str, attempts: int, next_at: float = 0.0) -> None:
        """Store the outcome of a delivery attempt."""
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET webhook_state = ?, webhook_attempts = ?, webhook_next_at = ? WHERE run_id = ?",
                (state, attempts, next_at, run_id),
            )

    def count(self) -> int:
        """How many runs are stored."""
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM runs").fetchone()
        return int(count)


_INSERT = (
    "INSERT INTO runs (run_id, workflow_id, created_at, queued_after, started_after, finished_after, outcome, details,"
    " request, finishes_at, webhook_url, webhook_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_COLUMNS = (
    "run_id, workflow_id, created_at, queued_after, started_after, finished_after, outcome, details, request,"
    " canceled_at, webhook_url, webhook_state, webhook_attempts"
)


def _record(row: tuple[Any, ...]) -> RunRecord:
    (run_id, workflow_id, created_at, queued, started, finished, outcome, details, request, canceled_at) = row[:10]
    webhook_url, webhook_state, webhook_attempts = row[10:]
    return RunRecord(
        run_id=run_id,
        workflow_id=workflow_id,
        created_at=created_at,
        schedule=Schedule(queued, started, finished, outcome),
        details=json.loads(details),
        request=json.loads(request),
        canceled_at=canceled_at,
        webhook_url=webhook_url,
        webhook_state=webhook_state,
        webhook_attempts=webhook_attempts,
    )


def new_run_id() -> str:
    """A fresh workflow run id: `wr_` and 18 random digits."""
    return f"wr_{secrets.randbelow(9 * 10**17) + 10**17}"

"""The lifecycle checks: a run's status over time (it moves forward, a terminal one stays, cancel cancels), a run
the target acknowledged stays retrievable, each accepted POST starts a run of its own (a new id, naming that run
only), and its timestamps keep their order (`created_at` <= `queued_at` <= `started_at` <= `finished_at`,
`modified_at` not before `created_at`) and `created_at` its value.

Timestamps are read tolerantly (`instant`): one that is null or does not parse is left out of the comparison (a
malformed one is the response schema's finding), one without a timezone is read as UTC.

Example:
    >>> is_terminal("completed"), is_terminal("running"), is_terminal("paused")
    (True, False, False)
    >>> timestamps_ordered(None, {"created_at": "2026-01-01T00:00:02Z", "queued_at": None, "started_at": "2026-01-01T00:00:01Z"})
    Traceback (most recent call last):
    ...
    contract_tests.model.areas.ContractViolation: [lifecycle] timestamps_ordered: started_at 2026-01-01T00:00:01Z is before \
created_at 2026-01-01T00:00:02Z
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record.observations import Observations, report
from contract_tests.spec import Spec
from contract_tests.transport.api import Reply

__all__ = [
    "LIFECYCLE_ORDER",
    "TIMESTAMP_ORDER",
    "canceled_after_cancel",
    "created_at_unchanged",
    "instant",
    "is_terminal",
    "moves_forward",
    "names_its_run",
    "retrievable",
    "run_id_is_new",
    "terminal_is_final",
    "timestamps_ordered",
]

LIFECYCLE_ORDER = ("created", "queued", "running")
"""The non-terminal statuses in the order a run goes through them; every other `RunStatus` value is terminal."""

TIMESTAMP_ORDER = ("created_at", "queued_at", "started_at", "finished_at")
"""A run's lifecycle timestamps in the order it reaches them (each may be null: Skyvern 1.0.40 never sets `queued_at`,
1.0.48 has no queued state)."""

_CANCELED = "canceled"


@functools.cache
def _run_statuses() -> frozenset[str]:
    return frozenset(Spec.load().enum("RunStatus"))  # read once: the lifecycle checks run on every poll


def _known(status: str) -> bool:
    return status in _run_statuses()


def _rank(status: str) -> int:
    return LIFECYCLE_ORDER.index(status) if status in LIFECYCLE_ORDER else len(LIFECYCLE_ORDER)


def is_terminal(status: str) -> bool:
    """Whether a status is terminal: a `RunStatus` value after `running` (a value outside the enum is not: that is
    the status enum's finding, and the run may well go on)."""
    return _known(status) and status not in LIFECYCLE_ORDER


def moves_forward(previous: str, current: str) -> None:
    """Polling a run, its status never goes back (created -> queued -> running -> terminal); statuses outside the
    enum are not ranked."""
    if _known(previous) and _known(current) and _rank(current) < _rank(previous):
        raise ContractViolation(
            Area.LIFECYCLE,
            "moves_forward",
            f"status went back from {previous!r} to {current!r}",
            "/status",
            "went back",
            "get_run",
        )


def terminal_is_final(previous: str, current: str) -> None:
    """A terminal status never changes."""
    if is_terminal(previous) and current != previous:
        raise ContractViolation(
            Area.LIFECYCLE,
            "terminal_is_final",
            f"terminal status {previous!r} changed to {current!r}",
            "/status",
            "terminal changed",
            "get_run",
        )


def canceled_after_cancel(before: str, after: str) -> None:
    """Cancel makes a run that has not finished `canceled`, and leaves a terminal run as it was (a status outside the
    enum, before or after, is not judged here).

    Judged is only what the run could not have done on its own meanwhile: a run last seen going (`before`) may have
    ended by itself before the cancel arrived, and then rightly keeps that terminal status; one still going after
    an accepted cancel, or a terminal one whose status changed, breaks the contract."""
    if not (_known(before) and _known(after)):
        return
    if not is_terminal(before) and is_terminal(after):
        return  # canceled, or it ended on its own before the cancel arrived: both as the spec says
    if is_terminal(before):
        if after != before:
            raise ContractViolation(
                Area.LIFECYCLE,
                "canceled_after_cancel",
                f"cancel changed terminal status {before!r} to {after!r}",
                "/status",
                "terminal changed",
                "cancel_run",
            )
    elif after != _CANCELED:
        raise ContractViolation(
            Area.LIFECYCLE,
            "canceled_after_cancel",
            f"a run that was {before!r} is {after!r} after an accepted cancel, expected {_CANCELED!r}",
            "/status",
            "not canceled",
            "cancel_run",
        )


def retrievable(reply: Reply, run_id: str, operation: str) -> None:
    """A run the target acknowledged can be read and canceled (not a 404)."""
    if reply.status == 404:
        raise ContractViolation(
            Area.LIFECYCLE,
            "retrievable",
            f"{operation} of acknowledged run {run_id!r} answered 404",
            operation,
            "404",
            operation,
        )


def instant(value: Any) -> datetime | None:
    """A timestamp as an aware datetime (one without a timezone read as UTC), or None when the value is null or does
    not parse (that is the response schema's finding, not the lifecycle's).

    Example:
        >>> instant("2026-01-01T00:00:00Z") == instant("2026-01-01t01:00:00+01:00") == instant("2026-01-01T00:00:00")
        True
        >>> instant("yesterday") is None, instant(None) is None
        (True, True)
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def timestamps_ordered(seen: Observations | None, run: Mapping[str, Any], operation_id: str = "get_run") -> None:
    """On every read, a run's timestamps are in their natural order: each of `TIMESTAMP_ORDER` that is set is not
    before the one set before it, and `modified_at` is not before `created_at` (each breach reported on its own into
    `seen`; with none, the first raises)."""
    previous: tuple[str, datetime] | None = None
    for name in TIMESTAMP_ORDER:
        at = instant(run.get(name))
        if at is None:
            continue
        if previous is not None and at < previous[1]:
            _out_of_order(seen, run, name, previous[0], operation_id)
        previous = (name, at)
    created, modified = instant(run.get("created_at")), instant(run.get("modified_at"))
    if created is not None and modified is not None and modified < created:
        _out_of_order(seen, run, "modified_at", "created_at", operation_id)


def _out_of_order(
    seen: Observations | None, run: Mapping[str, Any], name: str, earlier: str, operation_id: str
) -> None:
    report(
        seen,
        ContractViolation(
            Area.LIFECYCLE,
            "timestamps_ordered",
            f"{name} {run[name]} is before {earlier} {run[earlier]}",
            f"/{name}",
            "out of order",
            operation_id,
        ),
    )


def created_at_unchanged(first: Any, current: Any, operation_id: str = "get_run") -> None:
    """A run's `created_at` is the same instant on every read as in the first answer that showed it (the POST's)."""
    before, now = instant(first), instant(current)
    if before is not None and now is not None and before != now:
        raise ContractViolation(
            Area.LIFECYCLE,
            "created_at_unchanged",
            f"created_at was {first}, a later read says {current}",
            "/created_at",
            "changed",
            operation_id,
        )


def run_id_is_new(earlier: Collection[str], run_id: str) -> None:
    """An accepted POST starts a run with an id no earlier POST was answered with."""
    if run_id in earlier:
        raise ContractViolation(
            Area.LIFECYCLE,
            "run_id_is_new",
            f"run_workflow answered run id {run_id!r} again, for another accepted request",
            "/run_id",
            "reused",
            "run_workflow",
        )


def names_its_run(run_id: str, title: str | None, read: Mapping[str, Any]) -> None:
    """A run id names one run: a read of it answers that run (the same `run_id`, and a `run_request` whose `title`,
    when it is a string, is the one this run was started with). `title` is None when the run's own title is not
    known (its POST did not echo it: the echo check's finding), and then only the id is compared."""
    request = read.get("run_request")
    got_title = request.get("title") if isinstance(request, Mapping) else None
    if read.get("run_id") != run_id:
        location, detail = "/run_id", f"a read of run {run_id!r} answered run {read.get('run_id')!r}"
    elif title is not None and isinstance(got_title, str) and got_title != title:
        location = "/run_request/title"
        detail = f"a read of run {run_id!r} answered a run started with title {got_title[:80]!r}, not {title[:80]!r}"
    else:
        return
    raise ContractViolation(Area.LIFECYCLE, "names_its_run", detail, location, "other run", "get_run")

"""The lifecycle checks: a run's status over time (it moves forward, a terminal one stays, cancel cancels) and a run
the target acknowledged stays retrievable.

Example:
    >>> is_terminal("completed"), is_terminal("running"), is_terminal("paused")
    (True, False, False)
"""

from __future__ import annotations

import functools

from contract_tests.api import Reply
from contract_tests.areas import Area, ContractViolation
from contract_tests.spec import Spec

__all__ = [
    "LIFECYCLE_ORDER",
    "canceled_after_cancel",
    "is_terminal",
    "moves_forward",
    "retrievable",
    "terminal_is_final",
]

LIFECYCLE_ORDER = ("created", "queued", "running")
"""The non-terminal statuses in the order a run goes through them; every other `RunStatus` value is terminal."""

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
    """Cancel makes a non-terminal run `canceled`, and leaves a terminal run as it was (a status outside the enum,
    before or after, is not judged here)."""
    if not (_known(before) and _known(after)):
        return
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

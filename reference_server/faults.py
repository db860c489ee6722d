"""Opt-in contract breaks, one per name, for proving that the contract suite catches what it claims to: which of them
a server has switched on.

Every fault is off by default; `python -m reference_server --fault NAME` (repeatable) switches one on. The faults
themselves are in `reference_server.breaks`, each a `reference_server.hooks.Fault` subclass next to the line saying
which promise it breaks. `FAULTS` maps each name to its line (the contract suite's kill matrix iterates it). A server
calls the hooks of its `FaultSet`, the faults it has switched on; a fault that is off does nothing.

A named fault set (`FAULT_SETS`, defined beside the faults) is a group of faults that together make the stand-in answer
like one real server version: `python -m reference_server --like-skyvern 1.0.56` is `--fault` for each member of
`skyvern-1.0.56`.

Example:
    >>> from reference_server.faults import FAULT_SETS, FAULTS, fault_set
    >>> "status_paused" in FAULTS
    True
    >>> sorted(fault_set("1.0.56")) == sorted(FAULT_SETS["skyvern-1.0.56"])
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from reference_server.breaks import FAULT_SETS  # importing the faults registers each of them (`Fault.registry`)
from reference_server.hooks import HOOKS, Error, Fault, ReadBody

if TYPE_CHECKING:
    from reference_server.store import RunRecord, Store

__all__ = ["FAULTS", "FAULT_SETS", "FaultSet", "UnknownFaultError", "UnknownFaultSetError", "fault_set", "parse_faults"]


FAULTS: Mapping[str, str] = MappingProxyType(
    {name: Fault.registry[name].description for name in sorted(Fault.registry)}
)
"""Every fault's name and the one line saying what it breaks, sorted by name."""

SKYVERN_SET_PREFIX = "skyvern-"
_FAITHFUL = Fault()


class FaultSet:
    """The faults one server has switched on, as the hooks it calls; with no fault on, every hook does what a faithful
    server does. One instance per server (a fault may keep state, e.g. `status_regresses` counts reads).

    Example:
        >>> FaultSet(["drop_required_key"]).shape_run({"status": "created", "modified_at": "..."}, read=False)
        {'status': 'created'}
        >>> clean = FaultSet()
        >>> bool(clean), clean.auth_status(authorized=False), clean.error_detail(422, [])
        (False, 403, [])
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        """Switch on the faults `names` (keys of `FAULTS`; any other is an `UnknownFaultError`)."""
        self.names = parse_faults(names)
        on = [Fault.registry[name]() for name in sorted(self.names)]
        self._on = {hook: tuple(f for f in on if getattr(type(f), hook) is not getattr(Fault, hook)) for hook in HOOKS}
        self.raw_echo = any(fault.raw_echo for fault in on)
        """Whether `run_request` is served as stored (a fault's echo may be what the generated model would not parse)."""

    def __bool__(self) -> bool:
        """Whether any fault is on (a response may then differ from the faithful one)."""
        return bool(self.names)

    def auth_status(self, *, authorized: bool) -> int | None:
        """The status to deny a request with, or None to serve it."""
        status = None if authorized else 403
        for fault in self._on["auth_status"]:
            status = fault.auth_status(status)
        return status

    def read_body(self, body: Any, errors: list[Error]) -> ReadBody:
        """How a parsed JSON body with these validation errors is read."""
        read = ReadBody(errors, body)
        for fault in self._on["read_body"]:
            read = fault.read_body(body, read)
        return read

    def on_request(self, body: dict[str, Any]) -> None:
        """Called with a body that passed validation (a fault may raise, for a 500)."""
        for fault in self._on["on_request"]:
            fault.on_request(body)

    def shape_echo(self, echo: dict[str, Any], body: Mapping[str, Any], title: str) -> dict[str, Any]:
        """The `run_request` a new run keeps."""
        for fault in self._on["shape_echo"]:
            echo = fault.shape_echo(echo, body, title)
        return echo

    def shape_run(self, body: dict[str, Any], *, read: bool) -> dict[str, Any]:
        """A run's JSON as served (changed in place and returned)."""
        for fault in self._on["shape_run"]:
            fault.shape_run(body, read=read)
        return body

    def cancel_answer(self) -> Any:
        """The body of a cancel's 200 (faithfully `null`)."""
        answer = None
        for fault in self._on["cancel_answer"]:
            answer = fault.cancel_answer(answer)
        return answer

    def content_type(self, value: str) -> str:
        """The content type of JSON answers, given the faithful one."""
        for fault in self._on["content_type"]:
            value = fault.content_type(value)
        return value

    def error_detail(self, status: int, detail: Any) -> Any:
        """The `detail` of an error answer."""
        for fault in self._on["error_detail"]:
            detail = fault.error_detail(status, detail)
        return detail

    def webhook_key(self, key: str) -> str:
        """The key webhook deliveries are signed with (faithfully the API key)."""
        for fault in self._on["webhook_key"]:
            key = fault.webhook_key(key)
        return key

    def webhook_state(self, state: str | None) -> str | None:
        """A new run's webhook state (faithfully `pending` for an allowlisted URL)."""
        for fault in self._on["webhook_state"]:
            state = fault.webhook_state(state)
        return state

    def insert(self, store: Store, record: RunRecord) -> RunRecord:
        """Store a new run; returns it as stored."""
        return (self._on["insert"] or (_FAITHFUL,))[0].insert(store, record)

    def find(self, store: Store, run_id: str) -> RunRecord | None:
        """The stored run, or None."""
        return (self._on["find"] or (_FAITHFUL,))[0].find(store, run_id)

    def cancel(self, store: Store, run_id: str, now: float) -> None:
        """Cancel a run."""
        (self._on["cancel"] or (_FAITHFUL,))[0].cancel(store, run_id, now)


class UnknownFaultError(ValueError):
    """A fault name that is not in `FAULTS`."""


def parse_faults(names: Iterable[str]) -> frozenset[str]:
    """Check fault names against the registry.

    Args:
        names: fault names, e.g. from repeated `--fault` options.

    Returns:
        The set of names.

    Raises:
        UnknownFaultError: when a name is not a key of `FAULTS`.
    """
    chosen = frozenset(names)
    unknown = sorted(chosen - FAULTS.keys())
    if unknown:
        raise UnknownFaultError(f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}")
    return chosen


class UnknownFaultSetError(ValueError):
    """A server version that has no fault set in `FAULT_SETS`."""


def fault_set(version: str) -> frozenset[str]:
    """The faults that make the stand-in answer like Skyvern `version` (`--like-skyvern VERSION`).

    Args:
        version: a Skyvern server version, e.g. `1.0.56` (`skyvern-1.0.56` is read the same).

    Returns:
        The fault names of the set `skyvern-<version>`.

    Raises:
        UnknownFaultSetError: when there is no set for that version; the message lists the known ones.
    """
    name = version if version.startswith(SKYVERN_SET_PREFIX) else SKYVERN_SET_PREFIX + version
    if name not in FAULT_SETS:
        known = ", ".join(sorted(key.removeprefix(SKYVERN_SET_PREFIX) for key in FAULT_SETS))
        raise UnknownFaultSetError(f"no fault set for Skyvern {version!r}; known versions: {known}")
    return FAULT_SETS[name]

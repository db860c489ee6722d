"""What a run exercised, cell by cell: the facts behind the report's coverage matrix.

Each test keeps a `Coverage` record next to its `observations` (begun and finished by `contract_tests.engine.plugin`); it
travels to the controller on `report.contract` with the violations and is merged there. A cell is one
(table, row, column): how often the suite exercised it, and the root-cause keys of the violations seen while it
was judged. Recorded where the suite really looks:

- `operations`: every response the suite's `Recorder` sees (the `api` layer, the generated client, Schemathesis),
  as operation x status code; a violation lands on the cell of the last response of its chain.
- `run status`: the `status` of every run body the flows read (`run_body`), with the violations at `/status`.
- `nullable response fields`: each nullable field of every such body, as omitted / null / value.
- `nullable request fields` and `proxy options`: the request every `flows.start_run` sent (`request`), each
  nullable field's state and the proxy option's shape, judged "accepted" and "echoed"; invalid proxy values judged
  "rejected as expected" by their test.
- `lifecycle`: status transitions of one run seen within a test (`run_body`), and those the lifecycle checks judge
  (`transition`).

Outside a test nothing is recorded. Which rows and columns exist comes from the spec (`contract_tests.report.matrix`).

Example:
    >>> record = begin()
    >>> note("run status", "created", "observed")
    >>> [(cell.count, cell.keys) for cell in finish().cells.values()]
    [(1, set())]
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from contract_tests.model.areas import ContractViolation
from contract_tests.record import observations
from contract_tests.record.repro import Exchange
from contract_tests.spec import Spec

__all__ = [
    "NULLABLE_REQUEST",
    "NULLABLE_RESPONSE",
    "OMITTED",
    "OPERATIONS",
    "OTHER_OPERATION",
    "PROXY",
    "PROXY_FIELD",
    "REQUEST",
    "RESPONSE",
    "RUN_STATUS",
    "TRANSITIONS",
    "Cell",
    "Coverage",
    "begin",
    "finish",
    "note",
    "operation_of",
    "proxy_option",
    "rejected",
    "request",
    "run_body",
    "saw_exchange",
    "state_of",
    "transition",
]

OPERATIONS = "operations"
RUN_STATUS = "run status"
PROXY = "proxy options"
NULLABLE_REQUEST = "nullable request fields"
NULLABLE_RESPONSE = "nullable response fields"
TRANSITIONS = "lifecycle"
REQUEST = "WorkflowRunRequest"
RESPONSE = "WorkflowRunResponse"
PROXY_FIELD = "proxy_location"
OMITTED = "omitted"
OTHER_OPERATION = "other method or path"
_STATUS = "status"


@dataclass
class Cell:
    """One cell: times exercised, and the root-cause keys of the violations seen while it was judged."""

    count: int = 0
    keys: set[str] = field(default_factory=set)


@dataclass
class Coverage:
    """One test's (or, merged, the run's) cells, keyed by (table, row, column)."""

    cells: dict[tuple[str, str, str], Cell] = field(default_factory=dict)
    last_status: dict[str, str] = field(default_factory=dict)
    """The last status seen of each run (by id) in this test: where the transitions come from."""

    def add(self, table: str, row: str, column: str, count: int = 1, keys: Sequence[str] = ()) -> None:
        """Count a cell exercised (`count` 0: only attach keys) with these violations."""
        cell = self.cells.setdefault((table, row, column), Cell())
        cell.count += count
        cell.keys.update(keys)

    def merge(self, other: Coverage) -> None:
        """Add another record's cells to this one."""
        for (table, row, column), cell in other.cells.items():
            self.add(table, row, column, cell.count, sorted(cell.keys))

    def get(self, table: str, row: str, column: str) -> Cell | None:
        """The cell, if it was exercised or judged."""
        return self.cells.get((table, row, column))

    def rows(self, table: str) -> list[str]:
        """The rows of a table seen so far, in first-seen order."""
        return list(dict.fromkeys(row for t, row, _ in self.cells if t == table))

    def to_json(self) -> list[list[Any]]:
        """JSON-able rows `[table, row, column, count, [keys]]` (what travels on `report.contract`)."""
        return [[*where, cell.count, sorted(cell.keys)] for where, cell in self.cells.items()]

    @classmethod
    def from_json(cls, rows: Sequence[Sequence[Any]]) -> Coverage:
        """The inverse of `to_json`."""
        record = cls()
        for table, row, column, count, keys in rows:
            record.add(str(table), str(row), str(column), int(count), [str(key) for key in keys])
        return record


_active: list[Coverage] = []


def begin() -> Coverage:
    """Start a test's record (replacing any earlier one)."""
    _active[:] = [Coverage()]
    return _active[0]


def finish(seen: observations.Observations | None = None) -> Coverage:
    """End the test's record; each violation of `seen` is put on the operation x status cell of its chain's last
    response."""
    record = _active.pop() if _active else Coverage()
    for violation, chain in seen.violations if seen is not None else ():
        answered = [exchange for exchange in chain if exchange.status is not None]
        if answered:
            operation = operation_of(answered[-1].method, answered[-1].url)
            record.add(OPERATIONS, operation, str(answered[-1].status), 0, [violation.key])
    return record


def note(table: str, row: str, column: str, keys: Sequence[str] = (), count: int = 1) -> None:
    """Record a cell exercised in the running test (nothing outside a test)."""
    if _active:
        _active[0].add(table, row, column, count, keys)


@functools.cache
def _templates() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    spec = Spec.load()
    found = []
    for operation_id in spec.operation_ids():
        path, method, _ = spec.operation(operation_id)
        pattern = re.compile(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$")
        found.append((method, pattern, operation_id))
    return tuple(found)


def operation_of(method: str, url: str) -> str:
    """The spec's operation a request went to (`OTHER_OPERATION` when none matches: a probe, a wrong path)."""
    path = urlsplit(url).path
    for expected, pattern, operation_id in _templates():
        if method.upper() == expected and pattern.search(path):
            return operation_id
    return OTHER_OPERATION


def saw_exchange(exchange: Exchange) -> None:
    """A `Recorder` listener: count every answered request as operation x status."""
    if exchange.status is not None:
        note(OPERATIONS, operation_of(exchange.method, exchange.url), str(exchange.status))


@contextlib.contextmanager
def _judged(record: Callable[[list[ContractViolation]], None]) -> Iterator[None]:
    """Hand `record` the violations reported (softly) or raised inside the block (raised ones go on)."""
    seen = observations.active()
    start = len(seen.violations) if seen is not None else 0
    raised: list[ContractViolation] = []
    try:
        yield
    except ContractViolation as violation:
        raised.append(violation)
        raise
    finally:
        reported = [violation for violation, _ in seen.violations[start:]] if seen is not None else []
        record(reported + raised)


def _segments(location: str) -> set[str]:
    return {part for pointer in location.split(",") for part in pointer.split(":")[-1].split("/") if part}


def _about(name: str, found: Sequence[ContractViolation]) -> list[str]:
    """The keys of the violations whose location names this field."""
    return [violation.key for violation in found if name in _segments(violation.location)]


def state_of(body: Mapping[str, Any], name: str) -> str:
    """`omitted`, `null` or `value`: how a body carries a field."""
    return OMITTED if name not in body else "null" if body[name] is None else "value"


@contextlib.contextmanager
def run_body(spec: Spec, body: Any, *, parsed: bool) -> Iterator[None]:
    """Around the checks of a run body: note its status (and, when the block `parsed` it strictly, the violations at
    `/status`), each nullable response field's state (with the violations at it) and the run's status transition
    within this test."""

    def record(found: list[ContractViolation]) -> None:
        if not isinstance(body, Mapping):
            return
        status = body.get(_STATUS)
        if isinstance(status, str):
            note(RUN_STATUS, status, "observed")
            if parsed:
                note(RUN_STATUS, status, "strict parse", [v.key for v in found if v.location == "/" + _STATUS])
            run_id, previous = body.get("run_id"), None
            if isinstance(run_id, str) and _active:
                previous = _active[0].last_status.get(run_id)
                _active[0].last_status[run_id] = status
            if previous is not None and previous != status:
                note(TRANSITIONS, previous, status)
        for name in spec.nullable_fields(RESPONSE):
            note(NULLABLE_RESPONSE, name, state_of(body, name), _about(name, found))

    with _judged(record):
        yield


def proxy_option(spec: Spec, body: Mapping[str, Any]) -> str:
    """The proxy option a request body carries, as a matrix row: a `ProxyLocation` name, `GeoTarget {keys}`,
    `null`, `omitted`, or what else it is (a name outside the enum, another JSON type)."""
    if PROXY_FIELD not in body:
        return OMITTED
    value = body[PROXY_FIELD]
    if value is None:
        return "null"
    if isinstance(value, str):
        return value if value in spec.enum("ProxyLocation") else "a name outside the enum"
    if isinstance(value, dict):
        order = list(spec.schema("GeoTarget")["properties"])
        keys = sorted(value, key=lambda k: order.index(k) if k in order else len(order))
        return "GeoTarget {" + ", ".join(keys) + "}"
    return f"a {type(value).__name__}"


@contextlib.contextmanager
def request(spec: Spec, body: Mapping[str, Any], stage: str) -> Iterator[None]:
    """Around judging a valid request at one `stage` (`accepted`, then `echoed`): note its proxy option and each
    nullable field's state, with the violations that name the field (a refusal naming no field counts for all)."""

    def record(found: list[ContractViolation]) -> None:
        names = spec.nullable_fields(REQUEST)
        fields = {f.name for f in spec.fields(REQUEST)}
        unnamed = [v.key for v in found if not _segments(v.location) & fields]
        note(PROXY, proxy_option(spec, body), stage, _about(PROXY_FIELD, found) + unnamed)
        for name in names:  # one count per request: the echo stage adds its violations only
            count = int(stage == "accepted")
            note(NULLABLE_REQUEST, name, state_of(body, name), _about(name, found) + unnamed, count)

    with _judged(record):
        yield


@contextlib.contextmanager
def rejected(spec: Spec, body: Mapping[str, Any], cause: tuple[str, str]) -> Iterator[None]:
    """Around judging the refusal of an invalid proxy value: note its row (`what it is: location keyword`)."""
    location, kind = cause

    def record(found: list[ContractViolation]) -> None:
        row = f"{proxy_option(spec, body)}: {location} {kind}".strip()
        note(PROXY, row, "rejected as expected", [v.key for v in found])

    with _judged(record):
        yield


@contextlib.contextmanager
def transition(previous: str, current: str) -> Iterator[None]:
    """Around a lifecycle check of one run going from `previous` to `current` (the same status: it stayed)."""
    with _judged(lambda found: note(TRANSITIONS, previous, current, [v.key for v in found])):
        yield

"""What a run exercised, cell by cell: the facts behind the report's coverage matrix.

Each test's record (`observations.Observations`, made by `contract_tests.engine.plugin`) owns a `Coverage`; it travels
to the controller on `report.contract` with the violations and is merged there. A cell is one
(table, row, column): how often the suite exercised it, and the root-cause keys of the violations seen while it
was judged. Recorded where the suite really looks:

- `operations`: every response the suite's `Recorder` sees (the `api` layer, the generated client, Schemathesis),
  as operation x status code (`saw_exchange`, the listener the plugin binds to the running test's record); a
  violation lands on the cell of the last response of its chain (`Coverage.add_violations`, at the test's end).
- `run status`: the `status` of every run body the flows read (`run_body`), with the violations at `/status`.
- `nullable response fields`: each nullable field of every such body, as omitted / null / value.
- `nullable request fields` and `proxy options`: the request every `flows.start_run` sent (`request`), each
  nullable field's state and the proxy option's shape, judged "accepted" and "echoed"; invalid proxy values judged
  "rejected as expected" by their test.
- `lifecycle`: status transitions of one run seen within a test (`run_body`), and those the lifecycle checks judge
  (`transition`).

The context managers that judge (`run_body`, `request`, `rejected`, `transition`) take the test's record explicitly
(`Judged`: its violations and its coverage). Which rows and columns exist comes from the spec
(`contract_tests.report.matrix`).

Example:
    >>> record = Coverage()
    >>> record.add("run status", "created", "observed")
    >>> [(cell.count, cell.keys) for cell in record.cells.values()]
    [(1, set())]
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from contract_tests.model.areas import ContractViolation
from contract_tests.record.repro import Exchange
from contract_tests.spec import Spec, path_pattern

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
    "Judged",
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

    def add_violations(self, violations: Iterable[tuple[ContractViolation, Sequence[Exchange]]]) -> None:
        """Put each violation on the operation x status cell of its chain's last response (a test's, at its end)."""
        for violation, chain in violations:
            answered = [exchange for exchange in chain if exchange.status is not None]
            if answered:
                operation = operation_of(answered[-1].method, answered[-1].url)
                self.add(OPERATIONS, operation, str(answered[-1].status), 0, [violation.key])

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


class Judged(Protocol):
    """What the judging context managers need of a test's record (`observations.Observations` is one)."""

    @property
    def violations(self) -> list[tuple[ContractViolation, tuple[Exchange, ...]]]:
        """Each violation reported so far, with its chain."""

    @property
    def coverage(self) -> Coverage:
        """The test's cells."""


@functools.cache
def _templates() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    spec = Spec.load()
    found = []
    for operation_id in spec.operation_ids():
        path, method, _ = spec.operation(operation_id)
        pattern = re.compile(path_pattern(path).pattern + "$")
        found.append((method, pattern, operation_id))
    return tuple(found)


def operation_of(method: str, url: str) -> str:
    """The spec's operation a request went to (`OTHER_OPERATION` when none matches: a probe, a wrong path)."""
    path = urlsplit(url).path
    for expected, pattern, operation_id in _templates():
        if method.upper() == expected and pattern.search(path):
            return operation_id
    return OTHER_OPERATION


def saw_exchange(record: Coverage, exchange: Exchange) -> None:
    """A `Recorder` listener once bound to a test's record (`functools.partial(saw_exchange, record)`): count every
    answered request as operation x status."""
    if exchange.status is not None:
        record.add(OPERATIONS, operation_of(exchange.method, exchange.url), str(exchange.status))


@contextlib.contextmanager
def _judged(seen: Judged, record: Callable[[list[ContractViolation]], None]) -> Iterator[None]:
    """Hand `record` the violations reported (softly, into `seen`) or raised inside the block (raised ones go on)."""
    start = len(seen.violations)
    raised: list[ContractViolation] = []
    try:
        yield
    except ContractViolation as violation:
        raised.append(violation)
        raise
    finally:
        record([violation for violation, _ in seen.violations[start:]] + raised)


def _segments(location: str) -> set[str]:
    return {part for pointer in location.split(",") for part in pointer.split(":")[-1].split("/") if part}


def _about(name: str, found: Sequence[ContractViolation]) -> list[str]:
    """The keys of the violations whose location names this field."""
    return [violation.key for violation in found if name in _segments(violation.location)]


def state_of(body: Mapping[str, Any], name: str) -> str:
    """`omitted`, `null` or `value`: how a body carries a field."""
    return OMITTED if name not in body else "null" if body[name] is None else "value"


@contextlib.contextmanager
def run_body(seen: Judged, spec: Spec, body: Any, *, parsed: bool) -> Iterator[None]:
    """Around the checks of a run body: note its status (and, when the block `parsed` it strictly, the violations at
    `/status`), each nullable response field's state (with the violations at it) and the run's status transition
    within this test."""
    cells = seen.coverage

    def record(found: list[ContractViolation]) -> None:
        if not isinstance(body, Mapping):
            return
        status = body.get(_STATUS)
        if isinstance(status, str):
            cells.add(RUN_STATUS, status, "observed")
            if parsed:
                cells.add(
                    RUN_STATUS, status, "strict parse", keys=[v.key for v in found if v.location == "/" + _STATUS]
                )
            run_id, previous = body.get("run_id"), None
            if isinstance(run_id, str):
                previous = cells.last_status.get(run_id)
                cells.last_status[run_id] = status
            if previous is not None and previous != status:
                cells.add(TRANSITIONS, previous, status)
        for name in spec.nullable_fields(RESPONSE):
            cells.add(NULLABLE_RESPONSE, name, state_of(body, name), keys=_about(name, found))

    with _judged(seen, record):
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
def request(seen: Judged, spec: Spec, body: Mapping[str, Any], stage: str) -> Iterator[None]:
    """Around judging a valid request at one `stage` (`accepted`, then `echoed`): note its proxy option and each
    nullable field's state, with the violations that name the field (a refusal naming no field counts for all)."""

    def record(found: list[ContractViolation]) -> None:
        names = spec.nullable_fields(REQUEST)
        fields = {f.name for f in spec.fields(REQUEST)}
        unnamed = [v.key for v in found if not _segments(v.location) & fields]
        seen.coverage.add(PROXY, proxy_option(spec, body), stage, keys=_about(PROXY_FIELD, found) + unnamed)
        for name in names:  # one count per request: the echo stage adds its violations only
            count = int(stage == "accepted")
            seen.coverage.add(NULLABLE_REQUEST, name, state_of(body, name), count, _about(name, found) + unnamed)

    with _judged(seen, record):
        yield


@contextlib.contextmanager
def rejected(seen: Judged, spec: Spec, body: Mapping[str, Any], cause: tuple[str, str]) -> Iterator[None]:
    """Around judging the refusal of an invalid proxy value: note its row (`what it is: location keyword`)."""
    location, kind = cause

    def record(found: list[ContractViolation]) -> None:
        row = f"{proxy_option(spec, body)}: {location} {kind}".strip()
        seen.coverage.add(PROXY, row, "rejected as expected", keys=[v.key for v in found])

    with _judged(seen, record):
        yield


@contextlib.contextmanager
def transition(seen: Judged, previous: str, current: str) -> Iterator[None]:
    """Around a lifecycle check of one run going from `previous` to `current` (the same status: it stayed)."""
    with _judged(seen, lambda found: seen.coverage.add(TRANSITIONS, previous, current, keys=[v.key for v in found])):
        yield

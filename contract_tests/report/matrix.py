"""The report's coverage matrix: a run's merged `Coverage`, laid out as tables whose rows and columns come from the
spec, each cell judged against the run's root causes.

A cell is `pass` (exercised, no root cause of this run seen while judging it), `fail` (it links to the root causes
seen), `unseen` (the spec has it, the run never exercised it) or `n/a` (the combination does not apply, e.g. an
operation and a status it does not document that was never seen).

Example:
    >>> record = Coverage()
    >>> record.add(coverage.RUN_STATUS, "paused", "strict parse", keys=["strict_parse|/status|enum"])
    >>> table = tables(record, Spec.load(), ["strict_parse|/status|enum"])[0]
    >>> table.rows[-1][0], table.rows[-1][1][1].state
    ('paused', 'fail')
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from contract_tests.record import coverage
from contract_tests.record.coverage import Coverage
from contract_tests.spec import Spec

__all__ = ["CellView", "Table", "tables"]

_STATES = (coverage.OMITTED, "null", "value")
_REJECTED = "rejected as expected"


@dataclass(frozen=True, slots=True)
class CellView:
    """One cell as shown: its state (`pass`, `fail`, `unseen`, `n/a`), how often it was exercised, and the keys of
    the root causes it links to."""

    state: str
    count: int = 0
    causes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Table:
    """One coverage table.

    Attributes:
        name: its coverage table name (also its anchor).
        title: its heading.
        note: what a row, a column and a cell mean.
        corner: the header of the row labels.
        columns: the column headers.
        rows: each row's label and cells.
    """

    name: str
    title: str
    note: str
    corner: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[CellView, ...]], ...]

    def count(self, state: str) -> int:
        """How many cells are in this state."""
        return sum(cell.state == state for _, cells in self.rows for cell in cells)


def _view(record: Coverage, table: str, row: str, column: str, causes: set[str], applies: bool) -> CellView:
    cell = record.get(table, row, column)
    if cell is None or (cell.count == 0 and not cell.keys & causes):
        return CellView("unseen" if applies else "n/a")
    linked = tuple(sorted(cell.keys & causes))
    return CellView("fail" if linked else "pass", cell.count, linked)


def _table(
    record: Coverage,
    causes: set[str],
    name: str,
    texts: tuple[str, str, str],
    rows: Iterable[str],
    columns: Sequence[str],
    applies: object = None,
) -> Table:
    """A table over the spec's `rows` (and any other row the run saw) x `columns`; `applies(row, column)` says
    which cells the spec has (default: all)."""
    title, note, corner = texts
    labels = list(dict.fromkeys([*rows, *record.rows(name)]))
    check = applies if callable(applies) else (lambda row, column: True)
    body = tuple(
        (row, tuple(_view(record, name, row, column, causes, bool(check(row, column))) for column in columns))
        for row in labels
    )
    return Table(name, title, note, corner, tuple(columns), body)


def _geo_shapes(spec: Spec) -> list[str]:
    geo = spec.schema("GeoTarget")
    required = list(geo.get("required", []))
    optional = [name for name in geo["properties"] if name not in required]
    subsets = [c for size in range(len(optional) + 1) for c in itertools.combinations(optional, size)]
    return ["GeoTarget {" + ", ".join([*required, *subset]) + "}" for subset in subsets]


def tables(record: Coverage, spec: Spec, causes: Sequence[str]) -> list[Table]:
    """The matrix of a run: its merged coverage against the spec, linked to the keys of its root causes."""
    found = set(causes)
    statuses = spec.enum("RunStatus")
    seen_statuses = [*statuses, *(s for s in record.rows(coverage.RUN_STATUS) if s not in statuses)]
    valid_proxy = [coverage.OMITTED, "null", *spec.enum("ProxyLocation"), *_geo_shapes(spec)]
    operations = spec.operation_ids()
    documented = {op: {str(code) for code in spec.documented_statuses(op)} for op in operations}
    seen_codes = {column for (t, _, column) in record.cells if t == coverage.OPERATIONS}
    codes = sorted(set().union(*documented.values(), seen_codes), key=int)
    return [
        _table(
            record,
            found,
            coverage.RUN_STATUS,
            (
                "RunStatus values",
                "Each status of the spec's RunStatus enum (and any other a run reported): seen in a run body, and "
                "that run parsed strictly by the generated models.",
                "status",
            ),
            statuses,
            ["observed", "strict parse"],
        ),
        _table(
            record,
            found,
            coverage.NULLABLE_REQUEST,
            (
                "Nullable request fields",
                "Each nullable field of the request, sent omitted, null or with a value: accepted and echoed.",
                "field",
            ),
            spec.nullable_fields(coverage.REQUEST),
            _STATES,
        ),
        _table(
            record,
            found,
            coverage.NULLABLE_RESPONSE,
            (
                "Nullable response fields",
                "Each nullable field of a run, as the target sent it: null or a value; omitted breaks the spec "
                "(a nullable key is always sent).",
                "field",
            ),
            spec.nullable_fields(coverage.RESPONSE),
            _STATES,
        ),
        _table(
            record,
            found,
            coverage.OPERATIONS,
            (
                "Operations x status codes",
                "Each response any test saw (the api layer, the generated client, Schemathesis), by operation and "
                "status; n/a: a status the operation does not document, never seen.",
                "operation",
            ),
            operations,
            codes,
            lambda row, column: column in documented.get(row, set()),
        ),
        _table(
            record,
            found,
            coverage.TRANSITIONS,
            (
                "Lifecycle transitions",
                "A run's status from one read to the next (row: before, column: after), as the tests saw it.",
                "from \\ to",
            ),
            seen_statuses,
            seen_statuses,
        ),
        _table(
            record,
            found,
            coverage.PROXY,
            (
                "Proxy options",
                "Each ProxyLocation name and GeoTarget shape sent in a valid request: accepted and echoed in "
                "run_request; each kind of invalid value: rejected with a 422.",
                "proxy_location",
            ),
            valid_proxy,
            ["accepted", "echoed", _REJECTED],
            lambda row, column: (row in valid_proxy) != (column == _REJECTED),
        ),
    ]

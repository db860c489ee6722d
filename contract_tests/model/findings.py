"""Findings and root causes: what a test saw break, with the curl chain that shows it again, and the same defect
seen many times merged into one root cause.

A `Finding` is one occurrence: one violation in one example of one test. Findings with the same root-cause key
(check, location, kind: see `ContractViolation.key`) are one `RootCause`, with how often it was seen, in which
operations and tests, its shortest reproduction, and the area most of them name.

Example:
    >>> a = Finding(Area.AUTH, "c", "d", "t1", "curl 1 && curl 2", location="get_run", kind="200")
    >>> b = Finding(Area.AUTH, "c", "d", "t2", "curl 1", location="get_run", kind="200")
    >>> [(cause.count, cause.tests, cause.example.reproduction) for cause in root_causes([a, b])]
    [(2, ('t1', 't2'), 'curl 1')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from contract_tests.model.areas import Area

__all__ = ["Finding", "NotVerifiable", "RootCause", "Unverifiable", "not_verifiable", "root_causes"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One occurrence of a contract violation.

    Attributes:
        area: the contract area.
        check: the check that broke.
        detail: what was expected and what came instead.
        test: the pytest node id that found it.
        reproduction: shell commands that send the same requests again.
        observed: what each request of the chain got, one line each.
        location: where it broke (a JSON pointer, a request field, an operation).
        kind: the kind of breakage.
        operation: the operation whose exchange showed it.
    """

    area: Area
    check: str
    detail: str
    test: str
    reproduction: str
    observed: str = ""
    location: str = ""
    kind: str = ""
    operation: str = ""

    @property
    def key(self) -> str:
        """The root-cause key (see `ContractViolation.key`)."""
        return "|".join((self.check, self.location, self.kind))

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (the area as its name)."""
        return {**asdict(self), "area": str(self.area)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        """The inverse of `to_json`."""
        return cls(**{**data, "area": Area(data["area"])})


@dataclass(frozen=True, slots=True)
class RootCause:
    """One defect, however often it was seen.

    Attributes:
        key: area, check, location and kind.
        example: its occurrence with the shortest reproduction (its detail, reproduction and observed lines).
        count: how many times it was seen.
        operations: the operations whose exchanges showed it.
        tests: the tests that saw it.
        baseline: "known" when a baseline lists it, "new" when a baseline was given and does not, else None.
        also_seen_in: the other areas whose tests saw it (it is filed, and counted, in its own area only).
    """

    key: str
    example: Finding
    count: int
    operations: tuple[str, ...]
    tests: tuple[str, ...]
    baseline: str | None = None
    also_seen_in: tuple[str, ...] = ()

    @property
    def area(self) -> Area:
        """The one area it is filed under."""
        return self.example.area

    def to_json(self) -> dict[str, Any]:
        """The summary's form of it."""
        example = self.example
        return {
            "key": self.key,
            "area": str(example.area),
            "check": example.check,
            "location": example.location,
            "kind": example.kind,
            "detail": example.detail,
            "count": self.count,
            "operations": list(self.operations),
            "tests": list(self.tests),
            "reproduction": example.reproduction,
            "observed": example.observed,
            "baseline": self.baseline,
            "also_seen_in": list(self.also_seen_in),
        }


def _shortness(finding: Finding) -> tuple[bool, int, int]:
    return (not finding.reproduction, finding.reproduction.count("\n"), len(finding.reproduction))


def _representative(group: Sequence[Finding], order: Sequence[Area]) -> Finding:
    """The occurrence that stands for a root cause: the shortest reproduction among those filed under the area most
    of the group names (ties: the first in `Area` order)."""
    counts = {area: sum(f.area == area for f in group) for area in {f.area for f in group}}
    area = min(counts, key=lambda a: (-counts[a], order.index(a)))
    return min((f for f in group if f.area == area), key=_shortness)


def root_causes(findings: Sequence[Finding], areas: Mapping[str, Area] | None = None) -> list[RootCause]:
    """Group findings by key: in `Area` order, the most frequent first within an area. Each is filed in one area;
    the other areas whose tests saw it (`areas`: each test's area) or under which some occurrences were filed are
    its `also_seen_in`."""
    judged = areas or {}
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.key, []).append(finding)
    order = list(Area)
    causes = []
    for key, group in groups.items():
        example = _representative(group, order)
        tests = tuple(sorted({f.test for f in group}))
        seen = {f.area for f in group} | {judged[test] for test in tests if test in judged}
        causes.append(
            RootCause(
                key,
                example,
                len(group),
                tuple(sorted({f.operation for f in group if f.operation})),
                tests,
                also_seen_in=tuple(str(area) for area in order if area in seen and area != example.area),
            )
        )
    return sorted(causes, key=lambda c: (order.index(c.example.area), -c.count, c.key))


@dataclass(frozen=True, slots=True)
class NotVerifiable:
    """Request fields whose made-up values name nothing on this target: what the target did, how often, and the
    setting that would make them verifiable.

    Attributes:
        fields: the request fields.
        detail: one occurrence, described.
        setting: the setting that makes them verifiable.
        count: occurrences.
        tests: the tests that met it.
        reproduction: the curl chain of one occurrence.
    """

    fields: tuple[str, ...]
    detail: str
    setting: str
    count: int
    tests: tuple[str, ...] = field(default=())
    reproduction: str = ""

    def to_json(self) -> dict[str, Any]:
        """The summary's form of it."""
        return {**asdict(self), "field": ", ".join(self.fields), "fields": list(self.fields), "tests": list(self.tests)}


@dataclass(frozen=True, slots=True)
class Unverifiable:
    """Request fields a test could not judge on this target (a made-up value it refuses), with the setting that would
    make them verifiable and the shortest reproduction."""

    fields: tuple[str, ...]
    detail: str
    setting: str
    test: str
    reproduction: str


def not_verifiable(items: Iterable[Unverifiable]) -> list[NotVerifiable]:
    """Merge the per-test records (each with `fields`, `detail`, `setting`, `test`, `reproduction`) by field set."""
    groups: dict[tuple[str, ...], list[Unverifiable]] = {}
    for item in items:
        groups.setdefault(tuple(item.fields), []).append(item)
    return [
        NotVerifiable(
            fields,
            group[0].detail,
            group[0].setting,
            len(group),
            tuple(sorted({g.test for g in group})),
            min((g.reproduction for g in group), key=len),
        )
        for fields, group in sorted(groups.items())
    ]

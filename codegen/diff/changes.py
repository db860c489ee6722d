"""The vocabulary of a comparison: a difference's level and side, the `Change` record, and `Changes` that collects
them (one per kind, side and pair of pointers, with every operation it shows in)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Level(StrEnum):
    """How a difference lands on code that uses the client generated from the old document."""

    BREAKING = "breaking"
    CHANGED = "changed"
    ADDED = "added"


class Side(StrEnum):
    OPERATION = "operation"
    """The operation itself: whether it is there, its path, its security, its documentation."""
    REQUEST = "request"
    """What the client sends: parameters and the request body."""
    RESPONSE = "response"
    """What the client reads: statuses, bodies, headers, and the bodies of webhooks."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where a schema is, for a person: the part of the call (`request body`, `response 200`, ``parameter `limit` ``)
    and the field path inside it (`run_request.proxy_location`, `blocks[]`)."""

    part: str
    path: str = ""

    def child(self, name: str) -> Place:
        return Place(self.part, f"{self.path}.{name}" if self.path else name)

    def items(self) -> Place:
        return Place(self.part, f"{self.path}[]" if self.path else "[]")

    def __str__(self) -> str:
        return f"{self.part} `{self.path}`" if self.path else self.part


@dataclass(frozen=True, slots=True)
class Change:
    """One difference.

    Attributes:
        kind: a stable name (`field-removed`, `type-widened`, `enum-value-added`, `documentation`, ...).
        message: what changed, for a person: ``request body: field `title` removed``.
        old: its JSON pointer in the old document; for something added, where it would be.
        new: its JSON pointer in the new document; for something removed, where it would be (`None`: the whole
            operation is gone).
        operations: the operations where it shows (`POST /v1/run/workflows`), in the old document's words.
        part: the part of the call it is in (`request body`, `response 200`, ``parameter `limit` (query)``), or "".
        field: the field inside that part (`proxy_location.country`, `blocks[]`), or "" for the part itself.
    """

    level: Level
    side: Side
    kind: str
    message: str
    old: str | None
    new: str | None
    operations: tuple[str, ...] = ()
    part: str = ""
    field: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "level": str(self.level),
            "side": str(self.side),
            "kind": self.kind,
            "message": self.message,
            "old": self.old,
            "new": self.new,
            "operations": list(self.operations),
            "part": self.part,
            "field": self.field,
        }


@dataclass
class Changes:
    """The changes found so far, one per kind, side and pair of pointers, each with every operation it shows in.

    `operation` names the operation being compared. A pair of schemas is compared once per side (`enter`): a
    component used by several operations, or by itself, is walked once, and a later visit adds the operation to the
    changes found under it the first time.
    """

    operation: str = ""
    found: dict[tuple[str, Side, str | None, str | None], Change] = field(default_factory=dict)
    under: dict[tuple[str, str, Side], set[tuple[str, Side, str | None, str | None]]] = field(default_factory=dict)
    _open: list[set[tuple[str, Side, str | None, str | None]]] = field(default_factory=list)

    def add(
        self,
        level: Level,
        side: Side,
        kind: str,
        message: str,
        old: str | None,
        new: str | None,
        place: Place | None = None,
    ) -> None:
        """Record a change, or add the operation being compared to the one already recorded."""
        key = (kind, side, old, new)
        known = self.found.get(key)
        if known is None:
            part, path = (place.part, place.path) if place is not None else ("", "")
            self.found[key] = Change(level, side, kind, message, old, new, (self.operation,), part, path)
        elif self.operation not in known.operations:
            self.found[key] = replace(known, operations=(*known.operations, self.operation))
        for keys in self._open:
            keys.add(key)

    def enter(self, pair: tuple[str, str, Side]) -> bool:
        """Start comparing a pair of schemas (their pointers and the side); False when it was compared before."""
        if pair in self.under:
            for key in self.under[pair]:
                known = self.found[key]
                self.add(known.level, known.side, known.kind, known.message, known.old, known.new)
            return False
        self.under[pair] = set()
        self._open.append(self.under[pair])
        return True

    def leave(self) -> None:
        """Done comparing the pair last entered."""
        self._open.pop()

    def in_order(self) -> list[Change]:
        """Breaking first, then changed, then added; within a level, in the order they were found."""
        order = list(Level)
        return sorted(self.found.values(), key=lambda change: order.index(change.level))

"""The drift of a spec against the document a target serves: each difference (`codegen.diff.Change`, the spec the
old side) with what it means for a user of our client (`Meaning`), and the findings it explains. Found by
`contract_tests.checks.drift`; rendered in every report's drift section."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from codegen.diff import Change, Level, Side

__all__ = ["Drift", "Meaning", "meaning"]


class Meaning(StrEnum):
    """What a difference between the spec and the served document means for a user of our client."""

    BREAKS_CLIENT = "breaks our client"
    STRICTER = "stricter"
    LOOSER = "looser"
    DOCUMENTATION = "documentation"


def meaning(change: Change) -> Meaning:
    """The meaning of one difference, the spec being the old side and the served document the new one."""
    if change.kind == "documentation":
        return Meaning.DOCUMENTATION
    if change.side is Side.REQUEST:
        return Meaning.STRICTER if change.level is Level.BREAKING else Meaning.LOOSER
    if change.side is Side.RESPONSE:
        if change.level is Level.BREAKING:
            return Meaning.BREAKS_CLIENT
        return Meaning.LOOSER if change.level is Level.ADDED else Meaning.STRICTER
    if change.kind == "security-removed":
        return Meaning.LOOSER
    return Meaning.BREAKS_CLIENT if change.level is Level.BREAKING else Meaning.STRICTER


@dataclass(frozen=True, slots=True)
class Drift:
    """The spec against one served document.

    Attributes:
        source: where the document was read (a URL or a file).
        served: the served document's `info.title` and `info.version`.
        matched: (the spec's operation, the served one or "", how they were matched: `path`, `operationId`, ...).
        changes: every difference on the spec's operations (the served operations the spec lacks are only counted).
        unmatched_served: how many served operations the spec does not describe.
    """

    source: str
    served: str
    matched: tuple[tuple[str, str, str], ...]
    changes: tuple[Change, ...]
    unmatched_served: int

    def by_meaning(self, wanted: Meaning) -> list[Change]:
        return [change for change in self.changes if meaning(change) is wanted]

    def counts(self) -> dict[str, int]:
        return {str(m): len(self.by_meaning(m)) for m in Meaning}

    def explanation(self, cause_key: str) -> str | None:
        """Why the served document allows a root cause (`check|location|kind`), or None when it does not.

        Only a request the spec says is invalid but the target accepted (`rejected|/field/path|keyword, accepted`)
        can be allowed: by a looser difference at that field of the request body for the same keyword (`type`,
        `maxLength`, `required`, ...), or by another shape admitted at a field above it (any object where the spec
        names one).
        """
        check, _, rest = cause_key.partition("|")
        location, _, kind = rest.partition("|")
        if check != "rejected" or not location.startswith("/"):
            return None
        field = location.strip("/").replace("/", ".")
        keyword = kind.split(",")[0].strip()
        for change in self.by_meaning(Meaning.LOOSER):
            if change.part != "request body":
                continue
            same = change.field == field and (
                change.kind in (f"{keyword}-changed", *_LOOSER_FOR.get(keyword, ()))
                or change.kind in ("variant-added", "type-widened")
            )
            above = field.startswith(change.field + ".") and change.kind in ("variant-added", "additional-properties")
            if same or above:
                return f"the server's own document allows this: {change.message}"
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "served": self.served,
            "counts": self.counts(),
            "unmatched_served_operations": self.unmatched_served,
            "operations": [{"spec": ours, "served": served, "matched_by": how} for ours, served, how in self.matched],
            "changes": [{**change.as_json(), "meaning": str(meaning(change))} for change in self.changes],
        }

    def headline(self) -> str:
        counts = self.counts()
        head = ", ".join(f"{counts[str(m)]} {m}" for m in Meaning)
        return f"The spec against the document the target serves ({self.source}: {self.served}): {head}. Drift never fails the verdict."  # fmt: skip

    def sections(self, *, pointers: bool = False, documentation: bool = False) -> list[tuple[str, list[str]]]:
        """(heading, items) to render: the spec's operations as served, then the differences by meaning."""
        operations = [
            f"{ours}: "
            + (
                "not in the served document"
                if not served
                else "served as documented"
                if how == "path"
                else f"documented as {served} (matched by {how})"
            )
            for ours, served, how in self.matched
        ]
        operations.append(f"the served document has {self.unmatched_served} other operation(s) the spec does not describe")  # fmt: skip
        found = [("operations", operations)]
        for wanted in Meaning:
            shown = self.by_meaning(wanted)
            if not shown or (wanted is Meaning.DOCUMENTATION and not documentation):
                continue
            items = []
            for change in shown:
                more = f" (and {len(change.operations) - 1} more)" if len(change.operations) > 1 else ""
                where = f"; spec `{change.old or '-'}`, served `{change.new or '-'}`" if pointers else ""
                items.append(f"{change.operations[0]}{more}: {change.message} [{change.kind}]{where}")
            found.append((f"{wanted} ({len(shown)})", items))
        return found

    def lines(self, *, pointers: bool = False, documentation: bool = False) -> list[str]:
        """The drift as Markdown lines."""
        lines = [self.headline()]
        for heading, items in self.sections(pointers=pointers, documentation=documentation):
            lines += ["", f"{heading}:", "", *(f"- {item}" for item in items)]
        return lines


_LOOSER_FOR = {
    "type": ("null-added", "type-changed"),
    "enum": ("enum-removed", "enum-value-added"),
    "required": ("now-optional",),
    "const": ("enum-removed", "enum-value-added"),
}
"""The kinds of looser difference that allow a violation of a keyword, besides a change of the keyword itself."""

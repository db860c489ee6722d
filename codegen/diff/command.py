"""`python -m codegen diff OLD NEW`: what changed between two OpenAPI documents for a user of the client generated
from OLD, as text or JSON; exit 1 on a breaking change unless `--allow-breaking`, 2 when a document cannot be read."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from codegen.diff.changes import Change, Level
from codegen.diff.operations import compare
from codegen.errors import CodegenError
from codegen.errors import Level as Severity
from codegen.load import from_data, load, parse
from codegen.validate import validate
from codegen.view import SpecView, resolve_view

__all__ = ["diff_files", "main", "render_json", "render_text", "since", "summary", "view_of"]

EXIT_BREAKING = 1
EXIT_UNREADABLE = 2


def view_of(path: Path | None = None, data: Mapping[str, Any] | None = None, name: str = "") -> SpecView:
    """The generator's view of a document, read from `path` or given as parsed `data`.

    Raises:
        CodegenError: the document cannot be read, or is not a structure the view can be built from.
    """
    spec = load(path) if path is not None else from_data(dict(data or {}), name or "document")
    errors = [found for found in validate(spec.data) if found.level is Severity.ERROR]
    if errors:
        raise CodegenError(errors)
    return resolve_view(spec)


def diff_files(old: Path, new: Path) -> list[Change]:
    """The changes from the document `old` to the document `new`."""
    return compare(view_of(old), view_of(new))


def since(previous: bytes, name: str, spec: Path) -> str:
    """What changed in `spec` since `previous` (the bytes of the spec a package was last generated from), in a few
    lines: the counts, and each breaking change; `python -m codegen diff` gives the rest."""
    unchanged = "spec changes since the last generation: none that a user of the client sees"
    if previous == spec.read_bytes():
        return unchanged  # the same bytes: nothing to read
    try:
        changes = compare(view_of(data=parse(previous, name), name=name), view_of(spec))
    except CodegenError as error:
        return f"spec changes since the last generation: not compared ({error.diagnostics[0]})"
    if not changes:
        return unchanged
    counts = summary(changes)
    lines = [
        "spec changes since the last generation: "
        + ", ".join(f"{counts[key]} {key}" for key in (*map(str, Level), "documentation"))
    ]
    lines += [f"  breaking: {c.operations[0]}: {c.message}" for c in changes if c.level is Level.BREAKING]
    return "\n".join(lines)


def summary(changes: Iterable[Change]) -> dict[str, int]:
    """How many changes of each level, documentation apart: `{"breaking": 1, "changed": 0, ...}`."""
    counts = {str(level): 0 for level in Level} | {"documentation": 0}
    for change in changes:
        counts["documentation" if change.kind == "documentation" else str(change.level)] += 1
    return counts


def render_text(changes: list[Change], old: str, new: str, *, documentation: bool = False) -> str:
    """The changes by level, each with its operations and its pointers in both documents."""
    counts = summary(changes)
    head = ", ".join(f"{counts[str(level)]} {level}" for level in Level)
    docs = counts["documentation"]
    lines = [f"{old} -> {new}: {head}" + (f" ({docs} documentation changes{'' if documentation else ': --docs lists them'})" if docs else "")]  # fmt: skip
    if not changes:
        lines[0] = f"{old} -> {new}: no difference"
    for level in Level:
        shown = [c for c in changes if c.level is level and (documentation or c.kind != "documentation")]
        if not shown:
            continue
        lines += ["", f"{level} ({len(shown)})"]
        for change in shown:
            where = change.operations[0] + (f" (and {len(change.operations) - 1} more)" if len(change.operations) > 1 else "")  # fmt: skip
            lines.append(f"  {where}: {change.message}  [{change.kind}]")
            lines.append(f"      old {change.old or '-'}")
            lines.append(f"      new {change.new or '-'}")
    return "\n".join(lines)


def render_json(changes: list[Change], old: str, new: str) -> str:
    return json.dumps(
        {"old": old, "new": new, "summary": summary(changes), "changes": [change.as_json() for change in changes]},
        indent=2,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen diff", description=__doc__)
    parser.add_argument("old", type=Path, help="the document the client was generated from (YAML or JSON)")
    parser.add_argument("new", type=Path, help="the document it would be generated from now")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--docs", action="store_true", help="also list documentation changes (text)")
    parser.add_argument("--allow-breaking", action="store_true", help="exit 0 even when a change is breaking")
    args = parser.parse_args(argv)
    try:
        changes = diff_files(args.old, args.new)
    except CodegenError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        print("codegen diff: a document cannot be compared", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.format == "json":
        print(render_json(changes, str(args.old), str(args.new)))
    else:
        print(render_text(changes, str(args.old), str(args.new), documentation=args.docs))
    breaking = any(change.level is Level.BREAKING for change in changes)
    return EXIT_BREAKING if breaking and not args.allow_breaking else 0

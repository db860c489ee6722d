"""Two schemas compared on one side of a call, after `$ref`s are followed, `allOf` merged and `null` folded.

`Shape` is a schema as compared: one way to say "nullable" (`nullable: true`, `type: [x, "null"]`, a `{type: "null"}`
among `anyOf`/`oneOf`), the variants that remain of an `anyOf`/`oneOf`, the properties of every `allOf` part. Then
`compare_schemas` records, on the request side, what now accepts less (breaking) or more (changed), and on the
response side, what may now hold more (breaking) or less (changed); a removed response field or enum value is
breaking, new fields and enum values are added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from codegen.diff.changes import Changes, Level, Place, Side
from codegen.openapi import SCHEMA_REF
from codegen.pointer import MAX_HOPS, join
from codegen.view import SpecView

__all__ = ["Shape", "compare_schemas", "required", "shape"]

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_EXACT = ("pattern", "format", "multipleOf")
_MAX_DEPTH = 64


@dataclass
class Shape:
    """A schema as compared.

    Attributes:
        where: its pointer (a component's own when it was reached through a `$ref`).
        node: its keywords, `allOf` parts merged in (the outer ones win).
        name: the component it is, when it was reached through a `$ref`.
        nullable: whether `null` is allowed.
        variants: what remains of an `anyOf`/`oneOf` once `null` is taken out, when more than one does.
        properties: name -> (schema, pointer), of the node and its `allOf` parts.
    """

    where: str
    node: Mapping[str, Any]
    name: str = ""
    nullable: bool = False
    variants: list[Shape] = field(default_factory=list)
    properties: dict[str, tuple[Any, str]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)

    @property
    def types(self) -> frozenset[str]:
        """The JSON types it admits besides `null` (empty: any)."""
        declared = self.node.get("type")
        if declared == "null":
            return frozenset({"null"})  # only null: a type of its own, not "any"
        types = {declared} if isinstance(declared, str) else set(declared if isinstance(declared, list) else ())
        if not types and self.properties:
            types = {"object"}
        if not types and "items" in self.node:
            types = {"array"}
        if not types and self.enum is not None:
            types = {_json_type(value) for value in self.enum}
        return frozenset(types - {"null"})

    @property
    def enum(self) -> list[Any] | None:
        """The values it is limited to besides `null` (`None`: not limited)."""
        if "const" in self.node:
            return [self.node["const"]] if self.node["const"] is not None else []
        values = self.node.get("enum")
        return [value for value in values if value is not None] if isinstance(values, list) else None

    def describe(self) -> str:
        if self.name:
            return self.name
        if self.enum is not None:
            return "one of " + ", ".join(map(repr, self.enum[:4])) + (", ..." if len(self.enum) > 4 else "")
        if self.types == {"object"} and not self.properties:
            return "any object"
        return " or ".join(sorted(self.types)) or "any value"

    @property
    def is_null(self) -> bool:
        return self.node.get("type") == "null" or self.node.get("enum") == [None]


def shape(view: SpecView, node: Any, where: str, depth: int = 0) -> Shape:
    """The shape of the schema `node` found at `where` in `view`."""
    name = ""
    for _ in range(MAX_HOPS):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or ref not in view.refs:
            break
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        target = view.refs[ref]
        node = {**target, **siblings} if isinstance(target, dict) else target
        where, name = ref, ref.removeprefix(SCHEMA_REF) if ref.startswith(SCHEMA_REF) else name
    node = node if isinstance(node, dict) else {}
    result = Shape(where, dict(node), name, nullable=node.get("nullable") is True)
    declared = node.get("type")
    if (isinstance(declared, list) and "null" in declared) or None in (node.get("enum") or ()):
        result.nullable = True
    result.properties = {str(k): (v, join(where, "properties", k)) for k, v in (node.get("properties") or {}).items()}
    result.required = {str(name) for name in node.get("required") or () if isinstance(name, str)}
    if depth >= _MAX_DEPTH:
        return result
    for i, part in enumerate(node.get("allOf") or ()):
        merged = shape(view, part, join(where, "allOf", i), depth + 1)
        result.node = {**merged.node, **result.node}
        result.properties = {**merged.properties, **result.properties}
        result.required |= merged.required
        result.name = result.name or (merged.name if len(node["allOf"]) == 1 else "")
    for keyword in ("anyOf", "oneOf"):
        options = [shape(view, part, join(where, keyword, i), depth + 1) for i, part in enumerate(node.get(keyword) or ())]  # fmt: skip
        if not options:
            continue
        kept = [option for option in options if not option.is_null]
        result.nullable |= len(kept) < len(options) or any(option.nullable for option in kept)
        if len(kept) == 1 and not result.properties and "type" not in node:
            inner = kept[0]
            inner.nullable = result.nullable
            inner.node = {**inner.node, **{k: v for k, v in node.items() if k not in (keyword, "nullable")}}
            return inner
        result.variants = kept
    return result


def compare_schemas(
    changes: Changes, views: tuple[SpecView, SpecView], old: Shape, new: Shape, side: Side, what: Place, depth: int = 0
) -> None:
    """Record every difference between `old` and `new` on `side`; `what` says where they are."""
    if depth > _MAX_DEPTH or not changes.enter((old.where, new.where, side)):
        return
    try:
        _compare(changes, views, old, new, side, what, depth)
    finally:
        changes.leave()


def _compare(
    changes: Changes, views: tuple[SpecView, SpecView], old: Shape, new: Shape, side: Side, what: Place, depth: int
) -> None:
    request = side is Side.REQUEST
    add = changes.add

    def note(narrower: bool, kind: str, message: str, *, old_where: str = old.where, new_where: str = new.where) -> None:  # fmt: skip
        breaking = narrower if request else not narrower
        add(Level.BREAKING if breaking else Level.CHANGED, side, kind, f"{what}: {message}", old_where, new_where, what)

    if old.nullable != new.nullable:
        if request:
            note(old.nullable, "null-removed" if old.nullable else "null-added", "no longer accepts null" if old.nullable else "now accepts null")  # fmt: skip
        else:
            note(old.nullable, "null-removed" if old.nullable else "null-added", "is never null now" if old.nullable else "may now be null")  # fmt: skip
    for keyword in ("description", "example", "examples"):
        if keyword in old.node and old.node.get(keyword) != new.node.get(keyword):
            add(Level.CHANGED, Side.OPERATION, "documentation", f"{what}: `{keyword}` changed", join(old.where, keyword), join(new.where, keyword), what)  # fmt: skip
    if old.variants or new.variants:
        _variants(changes, views, old, new, side, what, depth)
        return
    _types(note, old, new, request)
    _enum(changes, old, new, side, what)
    for keyword in (*_LOWER_BOUNDS, *_UPPER_BOUNDS, *_EXACT):
        before, after = old.node.get(keyword), new.node.get(keyword)
        if before == after or isinstance(before, bool) or isinstance(after, bool):
            continue
        if keyword in _EXACT or before is None or after is None:
            tighter = after is not None
        else:
            tighter = after > before if keyword in _LOWER_BOUNDS else after < before
        change = f"`{keyword}` {after!r} added" if before is None else f"`{keyword}` {before!r} removed" if after is None else f"`{keyword}` {before!r} -> {after!r}"  # fmt: skip
        level = Level.BREAKING if tighter and request else Level.CHANGED  # the client reads responses as they come
        add(level, side, f"{keyword}-changed", f"{what}: {change}", old.where, new.where, what)
    if "default" in old.node and old.node.get("default") != new.node.get("default") and request:
        add(Level.CHANGED, side, "default-changed", f"{what}: default {old.node.get('default')!r} -> {new.node.get('default')!r}", old.where, new.where, what)  # fmt: skip
    if "object" in old.types | new.types or old.properties or new.properties:
        _object(changes, views, old, new, side, what, depth)
    if "items" in old.node and "items" in new.node:
        items_old = shape(views[0], old.node["items"], join(old.where, "items"))
        items_new = shape(views[1], new.node["items"], join(new.where, "items"))
        compare_schemas(changes, views, items_old, items_new, side, what.items(), depth + 1)


def _types(note: Any, old: Shape, new: Shape, request: bool) -> None:
    if not old.types or not new.types:
        if old.types != new.types:
            kind = "type-narrowed" if new.types else "type-widened"
            note(bool(new.types), kind, f"type {old.describe() if old.types else 'any'} -> {' or '.join(sorted(new.types)) or 'any'}")  # fmt: skip
        return
    removed = sorted(t for t in old.types if not _covered(t, new.types))
    added = sorted(t for t in new.types if not _covered(t, old.types))
    if removed and added:
        verb = "accepts" if request else "is"
        # breaking on either side: a request may send what is refused, a response may hold what is not expected
        note(
            request,
            "type-changed",
            f"now {verb} {' or '.join(sorted(new.types))} (was {' or '.join(sorted(old.types))})",
        )
    elif removed:
        note(True, "type-narrowed", f"no longer {'accepts' if request else 'returns'} {' or '.join(removed)} (now {' or '.join(sorted(new.types))})")  # fmt: skip
    elif added:
        note(False, "type-widened", f"now also {'accepts' if request else 'may be'} {' or '.join(added)} (was {' or '.join(sorted(old.types))})")  # fmt: skip


def _enum(changes: Changes, old: Shape, new: Shape, side: Side, what: Place) -> None:
    before, after = old.enum, new.enum
    if before is None and after is None:
        return
    if before is None or after is None:
        narrower = after is not None
        level = Level.BREAKING if narrower == (side is Side.REQUEST) else Level.CHANGED
        message = f"now limited to {new.describe()}" if narrower else "no longer limited to listed values"
        changes.add(level, side, "enum-added" if narrower else "enum-removed", f"{what}: {message}", old.where, new.where, what)  # fmt: skip
        return
    for i, value in enumerate(before):
        if value not in after:
            verb = "no longer accepted" if side is Side.REQUEST else "no longer returned"
            changes.add(Level.BREAKING, side, "enum-value-removed", f"{what}: value {value!r} {verb}", join(old.where, "enum", i), join(new.where, "enum"), what)  # fmt: skip
    for i, value in enumerate(after):
        if value not in before:
            note = "" if side is Side.REQUEST else " (an open enum parses it already)"
            changes.add(Level.ADDED, side, "enum-value-added", f"{what}: new value {value!r}{note}", join(old.where, "enum"), join(new.where, "enum", i), what)  # fmt: skip


def _object(
    changes: Changes, views: tuple[SpecView, SpecView], old: Shape, new: Shape, side: Side, what: Place, depth: int
) -> None:
    request = side is Side.REQUEST
    for name, (schema, where) in old.properties.items():
        label = what.child(name)
        if name not in new.properties:
            changes.add(
                Level.BREAKING, side, "field-removed", f"{label} removed", where, join(new.where, "properties"), label
            )
            continue
        other, other_where = new.properties[name]
        required(changes, name in old.required, name in new.required, side, label, where, other_where)
        inner = (shape(views[0], schema, where, depth + 1), shape(views[1], other, other_where, depth + 1))
        compare_schemas(changes, views, *inner, side, label, depth + 1)
    for name, (_, where) in new.properties.items():
        if name in old.properties:
            continue
        label = what.child(name)
        if request and name in new.required:
            changes.add(Level.BREAKING, side, "field-required", f"new required field {label}", join(old.where, "properties"), where, label)  # fmt: skip
        else:
            changes.add(
                Level.ADDED, side, "field-added", f"new field {label}", join(old.where, "properties"), where, label
            )
    before, after = old.node.get("additionalProperties", True), new.node.get("additionalProperties", True)
    if (before is False) != (after is False):
        closed = after is False
        level = Level.BREAKING if closed == request else Level.CHANGED
        message = "no longer accepts other fields" if request and closed else "accepts other fields" if request else "holds no other fields" if closed else "may hold other fields"  # fmt: skip
        changes.add(level, side, "additional-properties", f"{what}: {message}", old.where, new.where, what)
    elif isinstance(before, dict) and isinstance(after, dict):
        inner = (shape(views[0], before, join(old.where, "additionalProperties")), shape(views[1], after, join(new.where, "additionalProperties")))  # fmt: skip
        compare_schemas(changes, views, *inner, side, what.child("*"), depth + 1)


def required(changes: Changes, before: bool, after: bool, side: Side, what: Place, old: str, new: str) -> None:
    """A parameter, body or field that became required or optional: breaking when a request must now send it, or a
    response may now leave it out."""
    if before == after:
        return
    if side is Side.REQUEST:
        level, message = (Level.BREAKING, "now required") if after else (Level.CHANGED, "now optional")
    else:
        level, message = (Level.CHANGED, "now always present") if after else (Level.BREAKING, "may now be absent")
    changes.add(level, side, "now-required" if after else "now-optional", f"{what} {message}", old, new, what)


def _variants(
    changes: Changes, views: tuple[SpecView, SpecView], old: Shape, new: Shape, side: Side, what: Place, depth: int
) -> None:
    """Variants matched by component name, then by their kind (types, enum or not); the rest removed or added."""
    left = old.variants or [old]
    right = list(new.variants or [new])
    pairs: list[tuple[Shape, Shape]] = []
    unmatched: list[Shape] = []
    for variant in left:
        hit = next((other for other in right if variant.name and other.name == variant.name), None)
        if hit is None:
            unmatched.append(variant)
        else:
            right.remove(hit)
            pairs.append((variant, hit))
    gone: list[Shape] = []
    for variant in unmatched:
        hit = next((other for other in right if _kind(other) == _kind(variant)), None)
        if hit is None:
            gone.append(variant)
        else:
            right.remove(hit)
            pairs.append((variant, hit))
    request = side is Side.REQUEST
    for variant in gone:
        level = Level.BREAKING if request else Level.CHANGED
        verb = "no longer accepts" if request else "no longer returns"
        changes.add(
            level, side, "variant-removed", f"{what}: {verb} {variant.describe()}", variant.where, new.where, what
        )
    for variant in right:
        level = Level.CHANGED if request else Level.BREAKING
        verb = "now also accepts" if request else "may now be"
        changes.add(
            level, side, "variant-added", f"{what}: {verb} {variant.describe()}", old.where, variant.where, what
        )
    for before, after in pairs:
        compare_schemas(changes, views, before, after, side, what, depth + 1)


def _kind(variant: Shape) -> tuple[frozenset[str], bool, bool]:
    return variant.types, variant.enum is not None, bool(variant.properties)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "null")


def _covered(kind: str, types: frozenset[str]) -> bool:
    return kind in types or (kind == "integer" and "number" in types)

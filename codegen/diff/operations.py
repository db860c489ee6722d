"""Two resolved specs compared as a user of the client generated from the first one sees them.

`compare(old, new)` walks both `SpecView`s (the generator's own view: no second resolver) and returns every
difference as a `Change`: its `level` for a client generated from `old`, which `side` of a call it touches, a
stable `kind`, and the JSON pointer of the thing in each document. Schemas are compared after `$ref`s are followed,
`allOf` merged and the `null` of `anyOf`/`oneOf`/`nullable`/`type: [.., null]` folded into one flag, so a renamed
component or another way to write "nullable" is no difference.

What a difference means depends on its side. A request schema that accepts less is breaking (the client may send
what is now refused); one that accepts more is changed. A response that may hold more (another type, `null`, a field
that may be absent, another `oneOf` variant) is breaking (the client may fail to read it); one that holds less is
changed, with two exceptions: a response field or enum value removed is breaking (code reads it). New operations,
optional fields and enum values are added (the generated enums are open: they parse a value they do not list).

Operations are matched by path and method, then by `operationId`, then by an alias of the old `operationId` in the
new document (`x-fern-sdk-method-name`), then by a summary both documents hold once: a match not by path is a move.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from codegen.diff.changes import Change, Changes, Level, Place, Side
from codegen.diff.schemas import compare_schemas, required, shape
from codegen.openapi import METHOD_NAME_EXTENSIONS
from codegen.pointer import join, pointer
from codegen.view import Content, OperationView, SpecView

__all__ = ["compare", "label"]


_DOCUMENTATION = ("description", "summary", "title", "example", "examples")


def compare(old: SpecView, new: SpecView) -> list[Change]:
    """Every difference from `old` to `new`, breaking first, then in the order of the old document."""
    walk = _Walk(old, new)
    for section, old_ops, new_ops in (
        ("paths", old.operations, new.operations),
        ("webhooks", old.webhooks, new.webhooks),
    ):
        for old_op, new_op, matched_by in match(old_ops, new_ops):
            walk.operation(old_op, new_op, matched_by, section)
    return walk.changes.in_order()


def label(op: OperationView) -> str:
    if op.section == "webhooks":
        return f"webhook {op.path} ({op.method.upper()})"
    return f"{op.method.upper()} {op.path}"


def match(
    olds: tuple[OperationView, ...], news: tuple[OperationView, ...]
) -> Iterator[tuple[OperationView | None, OperationView | None, str]]:
    """(old, new, how they were matched) for every operation of either side; `None` for one the other lacks."""
    left = {(op.path, op.method): op for op in olds}
    right = {(op.path, op.method): op for op in news}
    pairs: list[tuple[OperationView, OperationView, str]] = []
    for key in [key for key in left if key in right]:
        pairs.append((left.pop(key), right.pop(key), "path"))

    def by(name: str, old_key: Any, new_keys: Any) -> None:
        for key, op in list(left.items()):
            wanted = old_key(op)
            hits = [k for k, other in right.items() if wanted and wanted in new_keys(other)]
            if wanted and len(hits) == 1 and sum(old_key(o) == wanted for o in left.values()) == 1:
                pairs.append((left.pop(key), right.pop(hits[0]), name))

    by("operationId", lambda op: op.operation.get("operationId"), lambda op: {op.operation.get("operationId")})
    by(
        "alias",
        lambda op: op.operation.get("operationId"),
        lambda op: {op.operation.get(x) for x in METHOD_NAME_EXTENSIONS},
    )
    by("summary", lambda op: _norm(op.operation.get("summary")), lambda op: {_norm(op.operation.get("summary"))})
    order = {id(op): i for i, op in enumerate(olds)}
    yield from sorted(pairs, key=lambda pair: order[id(pair[0])])
    for op in left.values():
        yield op, None, ""
    for op in right.values():
        yield None, op, ""


def _sent(op: OperationView) -> Side:
    """The side of an operation's parameters and body: sent by the client, or received by it (a webhook's)."""
    return Side.RESPONSE if op.section == "webhooks" else Side.REQUEST


def _norm(text: Any) -> str:
    return " ".join(str(text).lower().split()) if isinstance(text, str) else ""


class _Walk:
    """One comparison: the two views and the changes found."""

    def __init__(self, old: SpecView, new: SpecView) -> None:
        self.old, self.new = old, new
        self.changes = Changes()
        self.add = self.changes.add

    # operations

    def operation(self, old: OperationView | None, new: OperationView | None, matched_by: str, section: str) -> None:
        if old is None:
            assert new is not None
            self.changes.operation = label(new)
            what = "webhook" if section == "webhooks" else "operation"
            self.add(Level.ADDED, Side.OPERATION, f"{what}-added", f"{what} added", None, new.where)
            return
        self.changes.operation = label(old)
        if new is None:
            what = "webhook" if section == "webhooks" else "operation"
            self.add(Level.BREAKING, Side.OPERATION, f"{what}-removed", f"{what} removed", old.where, None)
            return
        if matched_by != "path":
            ident = old.operation.get("operationId")
            self.add(
                Level.BREAKING, Side.OPERATION, "operation-moved",
                f"moved to {label(new)} (matched by {matched_by}: {ident!r})", old.where, new.where,
            )  # fmt: skip
        self.documentation(old.operation, new.operation, old.where, new.where, "operation")
        if bool(old.operation.get("deprecated")) != bool(new.operation.get("deprecated")):
            state = "deprecated" if new.operation.get("deprecated") else "no longer deprecated"
            self.add(Level.CHANGED, Side.OPERATION, "deprecated", f"operation {state}", old.where, new.where)
        self.security(old, new)
        self.parameters(old, new)
        self.request_body(old, new)
        self.responses(old, new)

    def security(self, old: OperationView, new: OperationView) -> None:
        """Security schemes compared by what they ask for (`apiKey header x-api-key`), not by their names."""

        def schemes(view: SpecView, op: OperationView) -> dict[str, str]:
            found = {}
            for requirement in op.operation.get("security", view.security) or ():
                for name in requirement:
                    scheme = view.security_schemes.get(name, {})
                    what = f"{scheme.get('type')} {scheme.get('in', '')} {scheme.get('name', name)}"
                    found[" ".join(what.split())] = pointer("components", "securitySchemes", name)
            return found

        before, after = schemes(self.old, old), schemes(self.new, new)
        where_old, where_new = join(old.where, "security"), join(new.where, "security")
        for scheme in sorted(after.keys() - before.keys()):
            self.add(Level.BREAKING, Side.OPERATION, "security-added", f"now requires {scheme}", where_old, after[scheme])  # fmt: skip
        for scheme in sorted(before.keys() - after.keys()):
            self.add(Level.CHANGED, Side.OPERATION, "security-removed", f"no longer declares {scheme}", before[scheme], where_new)  # fmt: skip

    def parameters(self, old: OperationView, new: OperationView) -> None:
        def key(param: Mapping[str, Any]) -> tuple[str, str]:
            name = str(param.get("name"))
            return (name.lower() if param.get("in") == "header" else name, str(param.get("in")))

        sent = _sent(old)
        olds = {key(param): (i, param) for i, param in enumerate(old.parameters)}
        news = {key(param): (i, param) for i, param in enumerate(new.parameters)}
        base_old, base_new = join(old.where, "parameters"), join(new.where, "parameters")
        for name, (i, param) in olds.items():
            what = Place(f"parameter `{name[0]}` ({name[1]})")
            if name not in news:
                self.add(Level.BREAKING, sent, "parameter-removed", f"{what} removed", join(base_old, i), base_new)  # fmt: skip
                continue
            j, other = news[name]
            here_old, here_new = join(base_old, i), join(base_new, j)
            required(self.changes, bool(param.get("required")), bool(other.get("required")), sent, what, here_old, here_new)  # fmt: skip
            self.documentation(param, other, here_old, here_new, what)
            self.schema(param.get("schema"), other.get("schema"), join(here_old, "schema"), join(here_new, "schema"), sent, what)  # fmt: skip
        for name, (j, other) in news.items():
            if name not in olds:
                must = bool(other.get("required"))
                level, kind = (Level.BREAKING, "parameter-required") if must and sent is Side.REQUEST else (Level.ADDED, "parameter-added")  # fmt: skip
                state = "required" if must else "optional"
                self.add(level, sent, kind, f"new {state} parameter `{name[0]}` ({name[1]})", base_old, join(base_new, j))  # fmt: skip

    def request_body(self, old: OperationView, new: OperationView) -> None:
        sent = _sent(old)
        where_old, where_new = join(old.where, "requestBody"), join(new.where, "requestBody")
        before, after = old.request_body, new.request_body
        if before is None and after is None:
            return
        if after is None:
            self.add(Level.BREAKING, sent, "body-removed", "request body removed", where_old, None)
            return
        if before is None:
            level = Level.BREAKING if after.required and sent is Side.REQUEST else Level.ADDED
            self.add(level, sent, "body-added", f"new {'required' if after.required else 'optional'} request body", None, where_new)  # fmt: skip
            return
        required(self.changes, before.required, after.required, sent, Place("request body"), where_old, where_new)
        self.content(before, after, where_old, where_new, sent, Place("request body"), success=True)

    def responses(self, old: OperationView, new: OperationView) -> None:
        read = Side.REQUEST if old.section == "webhooks" else Side.RESPONSE  # a webhook's receiver sends these
        where_old, where_new = join(old.where, "responses"), join(new.where, "responses")
        for status, response in old.responses.items():
            success = status.startswith("2")
            if status not in new.responses:
                level = Level.BREAKING if success else Level.CHANGED
                self.add(level, read, "status-removed", f"response {status} no longer documented", join(where_old, status), where_new)  # fmt: skip
                continue
            self.content(response, new.responses[status], join(where_old, status), join(where_new, status), read, Place(f"response {status}"), success)  # fmt: skip
            self.headers(old, new, status, join(where_old, status), join(where_new, status))
        for status in new.responses:
            if status not in old.responses:
                self.add(Level.ADDED, read, "status-added", f"new response {status}", where_old, join(where_new, status))  # fmt: skip

    def headers(self, old: OperationView, new: OperationView, status: str, where_old: str, where_new: str) -> None:
        before = {name.lower(): name for name in old.responses[status].headers}
        after = {name.lower(): name for name in new.responses[status].headers}
        for name in sorted(before.keys() - after.keys()):
            level = Level.BREAKING if status.startswith("2") else Level.CHANGED
            self.add(level, Side.RESPONSE, "header-removed", f"response {status}: header `{before[name]}` removed", join(where_old, "headers", before[name]), join(where_new, "headers"))  # fmt: skip
        for name in sorted(after.keys() - before.keys()):
            self.add(Level.ADDED, Side.RESPONSE, "header-added", f"response {status}: new header `{after[name]}`", join(where_old, "headers"), join(where_new, "headers", after[name]))  # fmt: skip

    def content(self, old: Content, new: Content, where_old: str, where_new: str, side: Side, what: Place, success: bool) -> None:  # fmt: skip
        for media in old.media:
            here_old = join(where_old, "content", media.name)
            other = new.get(media.name)
            if other is None and media.is_json:
                other = new.json  # application/json and application/problem+json are one way to read a body
            if other is None:
                level = Level.BREAKING if success else Level.CHANGED
                self.add(level, side, "media-type-removed", f"{what}: media type {media.name} removed", here_old, join(where_new, "content"))  # fmt: skip
                continue
            here_new = join(where_new, "content", other.name)
            if media.schema is None and other.schema is None:
                continue
            if success or side is Side.REQUEST or media.schema is not None:
                self.schema(media.schema, other.schema, join(here_old, "schema"), join(here_new, "schema"), side, what)  # fmt: skip
        for media in new.media:
            if old.get(media.name) is None and not (media.is_json and old.json is not None):
                self.add(Level.ADDED, side, "media-type-added", f"{what}: new media type {media.name}", join(where_old, "content"), join(where_new, "content", media.name))  # fmt: skip

    def documentation(self, old: Mapping[str, Any], new: Mapping[str, Any], where_old: str, where_new: str, what: object) -> None:  # fmt: skip
        for key in _DOCUMENTATION:
            if old.get(key) != new.get(key):
                self.add(Level.CHANGED, Side.OPERATION, "documentation", f"{what}: `{key}` changed", join(where_old, key), join(where_new, key))  # fmt: skip

    # schemas

    def schema(self, old: Any, new: Any, where_old: str, where_new: str, side: Side, what: Place) -> None:
        before, after = shape(self.old, old, where_old), shape(self.new, new, where_new)
        compare_schemas(self.changes, (self.old, self.new), before, after, side, what)

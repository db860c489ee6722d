"""The part of a document that describes some of its operations, self-contained: for test fixtures small enough to
commit (`make drift-skyvern`, `make drift-corpus`), compared exactly as the whole document would be."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from codegen.pointer import parts

__all__ = ["extract"]


def extract(document: Mapping[str, Any], operations: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """`openapi`, `info`, the top-level `security`, the given (path, method) operations with their path item's
    parameters, the security schemes they name and every `#/components/...` they reach through `$ref`s, each at the
    pointer it has in `document` (so a change's pointers are the same in the extract)."""
    paths: dict[str, dict[str, Any]] = {}
    for path, method in operations:
        item = document["paths"][path]
        kept = paths.setdefault(path, {key: value for key, value in item.items() if key == "parameters"})
        kept[method] = item[method]
    components: dict[str, dict[str, Any]] = {}
    schemes = {
        name
        for item in paths.values()
        for operation in item.values()
        if isinstance(operation, dict)
        for requirement in operation.get("security", document.get("security", []))
        for name in requirement
    }
    if schemes:
        known = document["components"]["securitySchemes"]
        components["securitySchemes"] = {name: known[name] for name in sorted(schemes)}
    pending, seen = _refs(paths), set()
    while pending:
        ref = pending.pop()
        keys = parts(ref) if ref.startswith("#/components/") else []
        if len(keys) < 3 or (keys[1], keys[2]) in seen:
            continue
        seen.add((keys[1], keys[2]))
        target = document["components"][keys[1]][keys[2]]
        components.setdefault(keys[1], {})[keys[2]] = target
        pending.extend(_refs(target))
    found: dict[str, Any] = {"openapi": document["openapi"], "info": document["info"]}
    if "security" in document:
        found["security"] = document["security"]
    found["paths"] = paths
    found["components"] = {kind: dict(sorted(named.items())) for kind, named in sorted(components.items())}
    return found


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("$ref"), str):
                found.append(item["$ref"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found

"""JSON pointers (RFC 6901) and local `$ref`s: the one escaper and resolver of `codegen/`.

A pointer is written in URI-fragment form, as `$ref`s and diagnostics show it: `#/paths/~1v1~1runs/get`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

MAX_HOPS = 32
"""How many `$ref`s `deref` follows in a row before it stops (so a cycle ends)."""
_NOTHING = object()


def escape(part: object) -> str:
    """One unescaped key as a pointer segment: `/v1/runs` -> `~1v1~1runs`."""
    return str(part).replace("~", "~0").replace("/", "~1")


def unescape(segment: str) -> str:
    """One pointer segment back to its key: `~1v1~1runs` -> `/v1/runs`."""
    return segment.replace("~1", "/").replace("~0", "~")


def pointer(*parts: str | int) -> str:
    """A pointer from its unescaped parts: `pointer("paths", "/v1/runs")` -> `#/paths/~1v1~1runs`."""
    return join("#", *parts)


def join(base: str, *parts: str | int) -> str:
    """`base` (a pointer) extended by unescaped parts: `join("#/paths", "/v1")` -> `#/paths/~1v1`."""
    for part in parts:
        base += "/" + escape(part)
    return base


def parts(ref: str) -> list[str]:
    """The unescaped keys of a local pointer: `#/components/schemas/A~1B` -> `["components", "schemas", "A/B"]`."""
    return [unescape(segment) for segment in ref[2:].split("/")] if ref != "#" else []


def resolve(data: Any, ref: str) -> Any:
    """The node a local `$ref` (`#/components/schemas/X`) points at, one hop; KeyError when there is none.

    A `$ref` is a URI fragment, so it may be percent-encoded (`#/paths/~1items~1%7Bid%7D`, as some converters write
    path templates): one that points at nothing as written is read percent-decoded (RFC 6901, section 6).

        >>> resolve({"paths": {"/items/{id}": {"get": 1}}}, "#/paths/~1items~1%7Bid%7D/get")
        1
    """
    for keys in (parts(ref), parts(unquote(ref)) if "%" in ref else None):
        if keys is not None:
            found = _walk(data, keys)
            if found is not _NOTHING:
                return found
    raise KeyError(ref)


def _walk(data: Any, keys: list[str]) -> Any:
    """The node at `keys` under `data`, or `_NOTHING`."""
    node: Any = data
    for part in keys:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _NOTHING
    return node


def deref(data: Any, node: Any, targets: Mapping[str, Any] | None = None) -> Any:
    """Follow `$ref`s from `node` until a node that is not one (at most `MAX_HOPS`, so cycles end).

    Args:
        targets: `$ref` -> its target, already resolved (`load.Spec.refs`): looked up instead of walked.
    """
    for _ in range(MAX_HOPS):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            break
        node = targets[ref] if targets is not None and ref in targets else resolve(data, ref)
    return node

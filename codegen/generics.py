"""Step 4, post-processing: a bare `dict`, `list`, `set` or `tuple` in a model's types given its type arguments.

datamodel-code-generator writes a bare `dict` where it gives up on a map's value type (AWS Lex V2's `slotHints`: a
map of maps whose values reach back to the inner map), which `mypy --strict` rejects (`type-arg`). pydantic reads a
bare `dict` as `dict[Any, Any]`; it becomes `dict[str, Any]` (a JSON object's keys are strings), a bare `list`
`list[Any]`, and so on: the same JSON parses and serialises. Only types are touched (the annotations and bases of
classes), never a call's arguments (`Field(default_factory=list)`).

    >>> print(parametrize_bare_generics("class A(BaseModel):\\n    hints: dict | None = None\\n"), end="")
    from typing import Any
    class A(BaseModel):
        hints: dict[str, Any] | None = None
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from codegen.source_edits import Edit, Imports, apply_edits, end

_ARGUMENTS = {"dict": "[str, {}]", "list": "[{}]", "set": "[{}]", "frozenset": "[{}]", "tuple": "[{}, ...]"}
_MAY_BE_BARE = re.compile(r"(?:: |\[|\| |, )(?:dict|list|set|frozenset|tuple)(?= \||\]|,| =|\)|$)", re.MULTILINE)
"""A bare one where a type may stand: a regex pass that spares parsing a module (a large spec's part) without one."""


def parametrize_bare_generics(source: str) -> str:
    """`source` with each bare generic builtin in its classes' annotations and bases given `Any` arguments."""
    if not _MAY_BE_BARE.search(source):
        return source
    tree = ast.parse(source)
    imports = Imports(tree)
    edits = [
        Edit.insert(*end(name), _ARGUMENTS[name.id].format(imports.name("typing", "Any")))
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for hint in [*node.bases, *(item.annotation for item in node.body if isinstance(item, ast.AnnAssign))]
        for name in _bare(hint)
    ]
    return imports.add_to(apply_edits(source, edits)) if edits else source


def _bare(hint: ast.expr) -> Iterator[ast.Name]:
    """The bare generic builtins of a type expression, outside calls (`Field(...)` metadata)."""
    skipped: set[int] = set()
    for node in ast.walk(hint):
        if isinstance(node, ast.Subscript):
            skipped.add(id(node.value))
        elif isinstance(node, ast.Call):
            skipped.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(hint):
        if isinstance(node, ast.Name) and node.id in _ARGUMENTS and id(node) not in skipped:
            yield node

"""Step 4, post-processing: a field whose name hides a type its class uses is renamed, its wire name kept as alias.

In a class body a field is a class-level name. After `ResourceArn: str`, the `ResourceArn` of a later
`Others: list[ResourceArn]` is the field to mypy ("not valid as a type"), and to pydantic, which evaluates the
annotations in the class's namespace, it is the field's default (`MISSING`) when the field has one, so the model
rejects every value. datamodel-code-generator renames a field named like a class only when the field has a default
and only against model classes: a required one (a component schema collapsed into its field's type, as AWS's
`ResourceArn`), and a `DateTime` field once `tolerant_datetimes` has typed it with the runtime's `DateTime`, are
left to this step.

Such a field is renamed as datamodel-code-generator renames its own (`ResourceArn_1`: the first number free in its
class and the classes it inherits from or passes it to) and takes its wire name as alias, so the model parses and
serialises the same JSON (the client serialises by alias). `ResourceArn: Annotated[str, Field(min_length=1)]` becomes
`ResourceArn_1: Annotated[str, Field(alias='ResourceArn', min_length=1)]`; `Others` is left as it was.

A field is renamed in every class of its inheritance family that declares it, so a subtype never holds two fields
of one wire name. A large spec's parts (`codegen.partition`) are post-processed one by one: each holds every base
class of its classes, so a base renames its fields alike in every part, but a subtype that alone shadows a field
its base declares renames the base's copy in its own part only (the assembled module keeps the base's owner's).
"""

from __future__ import annotations

import ast
import re

from codegen.source_edits import Edit, Imports, apply_edits, bound_names, end, free_name

_FIELD = re.compile(r"^    (\w+):", re.MULTILINE)
_TOP_LEVEL = re.compile(r"^(?:class (\w+)\b|(\w+)(?::[^=\n]+)? = )", re.MULTILINE)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_FIRST_CLASS = re.compile(r"^class ", re.MULTILINE)


def unshadow_fields(source: str) -> str:
    """`source` with each field that hides a name its class's annotations or defaults use renamed (see above)."""
    if not _may_shadow(source):
        return source
    tree = ast.parse(source)
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    fields = {cls.name: _fields(cls) for cls in classes}
    taken = bound_names(tree)
    edits: list[Edit] = []
    imports = Imports(tree, taken)
    for family in _families(classes):
        shadowing = {name for cls in family for name in _shadowing(cls, fields[cls.name])}
        family_fields = {name for cls in family for name in fields[cls.name]}
        for name in sorted(shadowing):
            new = free_name(name, family_fields | taken)
            family_fields.add(new)
            for cls in family:
                for item in cls.body:
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.target.id == name:
                        edits += _renamed(item, item.target, new, imports)
    if not edits:
        return source
    return imports.add_to(apply_edits(source, edits))


def _may_shadow(source: str) -> bool:
    """Whether a field is named like a top-level definition or an imported name: a regex pass over the module that
    spares parsing it (a large spec's part) when none is."""
    first = _FIRST_CLASS.search(source)
    preamble = source[: first.start()] if first else source
    names = set(_IDENTIFIER.findall(preamble))
    names.update(match.group(1) or match.group(2) for match in _TOP_LEVEL.finditer(source))
    return not names.isdisjoint(_FIELD.findall(source))


def _fields(cls: ast.ClassDef) -> set[str]:
    return {item.target.id for item in cls.body if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)}  # fmt: skip


def _shadowing(cls: ast.ClassDef, fields: set[str]) -> set[str]:
    """The fields of `cls` whose names its fields' annotations or defaults use (in any order: mypy reads a name
    after its field as the field, pydantic reads it as the field's default wherever it stands)."""
    used: set[str] = set()
    for item in cls.body:
        if isinstance(item, ast.AnnAssign):
            parts: list[ast.expr | None] = [item.annotation, item.value]
        elif isinstance(item, ast.Assign):
            parts = [item.value]
        else:
            continue
        used.update(node.id for part in parts if part is not None for node in ast.walk(part) if isinstance(node, ast.Name))  # fmt: skip
    return fields & used


def _families(classes: list[ast.ClassDef]) -> list[list[ast.ClassDef]]:
    """The classes grouped by inheritance (a class with its bases and subclasses in the module), in source order."""
    parent = {cls.name: cls.name for cls in classes}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for cls in classes:
        for base in cls.bases:
            if isinstance(base, ast.Name) and base.id in parent:
                parent[root(base.id)] = root(cls.name)
    groups: dict[str, list[ast.ClassDef]] = {}
    for cls in classes:
        groups.setdefault(root(cls.name), []).append(cls)
    return list(groups.values())


def _renamed(item: ast.AnnAssign, target: ast.Name, new: str, imports: Imports) -> list[Edit]:
    """The edits that rename the field `item` to `new`, its old name as alias."""
    alias = f"alias={target.id!r}"
    edits = [Edit(target.lineno, target.col_offset, end(target)[1], new)]
    annotation = item.annotation
    metadata = _annotated_metadata(annotation, imports.bound("typing", "Annotated"))
    if metadata is None:
        wrapper, field = imports.name("typing", "Annotated"), imports.name("pydantic", "Field")
        opening = Edit.insert(annotation.lineno, annotation.col_offset, f"{wrapper}[")
        return [*edits, opening, Edit.insert(*end(annotation), f", {field}({alias})]")]
    field = imports.name("pydantic", "Field")
    calls = [node for node in metadata if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == field]  # fmt: skip
    if not calls:
        return [*edits, Edit.insert(*end(metadata[-1] if metadata else annotation), f", {field}({alias})")]
    if any(keyword.arg == "alias" for keyword in calls[0].keywords):
        return edits  # its wire name is its alias already
    line, column = end(calls[0].func)
    text = alias + (", " if calls[0].args or calls[0].keywords else "")
    return [*edits, Edit.insert(line, column + 1, text)]  # after `Field(`


def _annotated_metadata(annotation: ast.expr, annotated: str | None) -> list[ast.expr] | None:
    """The metadata of an `Annotated[T, ...]` annotation, or None when it is not one."""
    if annotated is None or not isinstance(annotation, ast.Subscript) or not isinstance(annotation.value, ast.Name):
        return None
    if annotation.value.id != annotated or not isinstance(annotation.slice, ast.Tuple):
        return None
    return annotation.slice.elts[1:]

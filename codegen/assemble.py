"""Step 4a (large specs), after the parts ran: their modules joined into one `models.py` (see `codegen.partition`).

`assemble` joins the kept definitions in part order (every part's dependencies come before it) under one import
block. A component schema's class takes the name its own part gave it (datamodel-code-generator's model metadata
says which class is which schema's); the other parts' references to it follow. An inline model's name is numbered
again across the parts as datamodel-code-generator numbers it within one run (`Type`, `Type1`, `Type2`, ... in
order of appearance), so most names are the ones a single run gives; see docs/benchmarks.md for the differences
that remain. A part's stubs of inline models an earlier part holds (`codegen.copies`) take the class that part gave
the original.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from codegen.partition import Part, rename
from codegen.split import Definition, import_block, import_entries, parse_definitions, remember_definitions

_NUMBERED = re.compile(r"^(.*?[^\d])(\d+)$")


class AssemblyError(Exception):
    """The parts' modules cannot be joined into one (the caller then runs the spec whole)."""


@dataclass(frozen=True, slots=True)
class ParsedPart:
    """A part's module as `assemble` reads it: its imports (module, name, alias; module "" for `import x`), its
    definitions in source order, and the class each schema of its closure became there (schema name, class name).
    Made where the part is generated, so the parsing runs in parallel too."""

    imports: tuple[tuple[str, str, str | None], ...]
    definitions: tuple[Definition, ...]
    classes: tuple[tuple[str, str], ...] = ()
    copies: tuple[tuple[str, str], ...] = ()
    """The names that stand for an inline model of an earlier part (`codegen.copies`): name -> original's id."""
    originals: tuple[tuple[str, str], ...] = ()
    """The class each original of this part became (`codegen.copies`): original's id -> class."""

    def to_json(self) -> dict[str, Any]:
        return {
            "imports": [list(entry) for entry in self.imports],
            "definitions": [[d.name, d.source, sorted(d.uses), d.rebuild] for d in self.definitions],
            "classes": [list(entry) for entry in self.classes],
            "copies": [list(entry) for entry in self.copies],
            "originals": [list(entry) for entry in self.originals],
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> ParsedPart:
        return cls(
            tuple((module, name, alias) for module, name, alias in value["imports"]),
            tuple(
                Definition(name, source, frozenset(uses), rebuild)
                for name, source, uses, rebuild in value["definitions"]
            ),
            tuple((schema, name) for schema, name in value["classes"]),
            tuple((name, original) for name, original in value["copies"]),
            tuple((original, name) for original, name in value["originals"]),
        )


def parse_part(source: str, classes: Mapping[str, str]) -> ParsedPart:
    """A part's module, parsed, with the class each schema became. Raises `AssemblyError` when the module is more
    than imports and definitions."""
    parsed = parse_definitions(source)
    if parsed is None:
        raise AssemblyError("a part's module has top-level code other than imports and definitions")
    preamble, definitions = parsed
    defined = {definition.name for definition in definitions}
    return ParsedPart(
        tuple(import_entries(preamble)),
        tuple(definitions),
        tuple((schema, name) for schema, name in classes.items() if name in defined),
    )


def assemble(header: str, parts: Sequence[Part], parsed: Sequence[ParsedPart]) -> tuple[str, dict[str, str]]:
    """One module from the parts' modules, and the class each component schema became in it.

    A schema's class is named by its own part, numbered on should another part's schema have that name (in part
    order). An inline model is numbered again across the parts; one that renders exactly like an earlier model
    of the same name (`Repo3` like `Repo`, the names it uses followed) is that model: GitHub's webhook payloads
    repeat the same inline models many times over, in many parts.
    """
    imports = dict.fromkeys(entry for part in parsed for entry in part.imports)
    imported = {alias or name.split(".")[0] for _, name, alias in imports}
    names = _Names(imported)
    class_of = {
        schema: names.claim(local[schema])
        for part, module in zip(parts, parsed, strict=True)
        for local in [dict(module.classes)]
        for schema in part.owned
        if schema in local
    }
    body: list[str] = []
    rebuilt: list[str] = []
    defined: set[str] = set()
    uses: set[str] = set()
    assembled: list[tuple[str, str, set[str], str]] = []
    earlier: dict[str, list[_Model]] = {}
    original_class: dict[str, str] = {}
    for part, module in zip(parts, parsed, strict=True):
        local = dict(module.classes)
        owned = {local[schema] for schema in part.owned if schema in local}
        kept = _kept(module.definitions, owned, set(local.values()) - owned)
        fixed = {name: class_of[schema] for schema, name in local.items() if schema in class_of}
        for name, original in module.copies:
            if original not in original_class:
                raise AssemblyError(f"the class of inline model {original}, which {name} copies, is not known")
            fixed[name] = original_class[original]
        renames, merged = _name_models(module.definitions, kept, fixed, set(class_of.values()), names, earlier)
        original_class |= {original: renames.get(name, name) for original, name in module.originals}
        for definition in module.definitions:
            if definition.name not in kept or definition.name in merged:
                continue
            name = renames.get(definition.name, definition.name)
            if name in defined:
                raise AssemblyError(f"{name} is defined by two parts")
            defined.add(name)
            touched = not renames.keys().isdisjoint(definition.uses | {definition.name})
            text = rename(definition.source, renames) if touched else definition.source
            rebuild = rename(definition.rebuild, renames) if touched and definition.rebuild else definition.rebuild
            used = {renames.get(name_used, name_used) for name_used in definition.uses}
            body.append(text)
            if rebuild:
                rebuilt.append(rebuild)
            assembled.append((name, text, used, rebuild))
            uses |= used
    if uses - defined:
        raise AssemblyError(f"no part defines {sorted(uses - defined)[:5]}")
    if imported & defined:
        raise AssemblyError(f"class names shadow imported names: {sorted(imported & defined)}")
    head = f"{header}\n\nfrom __future__ import annotations\n\n{import_block(imports)}\n"
    tail = "".join(f"\n\n{line}" for line in rebuilt)
    source = head + "\n\n" + "\n\n\n".join(body) + "\n" + tail + ("\n" if tail else "")
    remember_definitions(
        source, (head, [Definition(name, text, frozenset(used), rebuild) for name, text, used, rebuild in assembled])
    )
    return source, class_of


class _Names:
    """The names the assembled module has given out, and the next number to try after each base name."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)
        self.next_free: dict[str, int] = {}

    def claim(self, name: str) -> str:
        """`name` itself while it is free, else the next free number after its base (`Setup1` taken: `Setup2`)."""
        if name in self.taken:
            return self.number(_base(name, self.taken))
        self.taken.add(name)
        return name

    def number(self, base: str) -> str:
        """`base`, `base1`, `base2`, ...: the first that is free."""
        position = self.next_free.get(base, 0)
        while (candidate := base if not position else f"{base}{position}") in self.taken:
            position += 1
        self.next_free[base] = position + 1
        self.taken.add(candidate)
        return candidate


def _name_models(
    definitions: Sequence[Definition],
    kept: set[str],
    fixed: Mapping[str, str],
    schema_names: set[str],
    names: _Names,
    earlier: dict[str, list[_Model]],
) -> tuple[dict[str, str], set[str]]:
    """A part's renames (local name -> name in the assembled module) and the inline models it merges into earlier
    ones. `fixed`: the names already decided (each schema's local class -> its class, a copy's stub -> its original's
    class); `earlier`: base name -> the inline models named so far, which this part's join."""
    known = {definition.name for definition in definitions} | fixed.keys() | schema_names
    renames = {name: new for name, new in fixed.items() if name != new}
    decided = set(fixed)
    merged: set[str] = set()
    pending: list[tuple[str, _Model]] = []
    for definition in definitions:
        if definition.name not in kept or definition.name in fixed:
            continue
        base = _base(definition.name, known)
        if base in earlier and definition.uses <= decided:
            shape = _shape(definition.source)
            alike = [model for model in earlier[base] if model.shape == shape]
            text = rename(definition.source, {**renames, definition.name: _SELF}) if alike else ""
            same = next((model.name for model in alike if model.masked() == text), None)
            if same is not None:
                renames[definition.name] = same
                merged.add(definition.name)
                decided.add(definition.name)
                continue
        new = names.number(base)
        if new != definition.name:
            renames[definition.name] = new
        model = _Model(new, definition.name, definition.source, renames)
        if definition.uses <= decided:  # its text is final now: later models of this part may be it too
            earlier.setdefault(base, []).append(model)
        else:  # it uses a model named after it: comparable once the part is named
            pending.append((base, model))
        decided.add(definition.name)
    for base, model in pending:
        earlier.setdefault(base, []).append(model)
    return renames, merged


_SELF = "__codegen_self__"
"""What a model's own name reads as when it is compared with another (`assemble`)."""


@dataclass(slots=True)
class _Model:
    """An inline model an earlier part defined, as `assemble` compares later ones with it: its text with the final
    names of what it uses, its own name masked (computed once, when first asked)."""

    name: str
    local: str
    source: str
    renames: Mapping[str, str]
    text: str | None = None
    shape: str = ""

    def __post_init__(self) -> None:
        self.shape = _shape(self.source)

    def masked(self) -> str:
        if self.text is None:
            self.text = rename(self.source, {**self.renames, self.local: _SELF})
        return self.text


_CAPITALIZED = re.compile(r"\b[A-Z]\w*")


def _shape(source: str) -> str:
    """`source` with every capitalized word masked: two models that render alike once their names are followed
    have the same shape (datamodel-code-generator's class names are capitalized), so only models of one shape are
    compared name by name."""
    return _CAPITALIZED.sub("N", source)


def _kept(definitions: Sequence[Definition], owned: set[str], foreign: set[str]) -> set[str]:
    """The definitions a part's module contributes: those its `owned` schemas' classes reach without passing through
    a class of another part's schema (`foreign`), and those no schema reaches."""
    uses = {definition.name: definition.uses for definition in definitions}
    owned &= uses.keys()
    foreign &= uses.keys()
    return _reach(owned, foreign, uses) | (set(uses) - _reach(foreign, owned, uses))


def _reach(roots: set[str], stops: set[str], uses: Mapping[str, frozenset[str]]) -> set[str]:
    seen = set(roots)
    work = list(roots)
    while work:
        for used in uses[work.pop()]:
            if used not in seen and used not in stops and used in uses:
                seen.add(used)
                work.append(used)
    return seen


def _base(name: str, known: set[str]) -> str:
    """The name datamodel-code-generator numbered `name` from: `Type` for `Type3` when the part also has `Type`
    (or a component class holds it), else `name` itself (`Sha256` is not a `Sha`)."""
    match = _NUMBERED.match(name)
    return match.group(1) if match and match.group(1) in known else name

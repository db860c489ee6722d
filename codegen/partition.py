"""Step 4a (large specs): the component schemas cut into parts that datamodel-code-generator runs on one by one.

datamodel-code-generator is single-threaded, and on a spec of GitHub's size it is nearly all of a generation. Its
output for a schema depends on the schemas it references (a collapsed root model, an inherited base, an enum's
members), so a part is given as a `$ref`-closed sub-spec: the schemas it *owns* and every schema they reach.

- The graph is the component schemas and the `$ref`s between them; its strongly connected components (in document
  order, dependencies first) are cut into consecutive parts of at most `PART_SIZE` owned schemas and about
  `PART_BYTES` of them as JSON (a schema's size is the measure of its cost). A cycle is never cut.
- A schema of another part that renders as a plain model class is given as a *stub* (an object of one property):
  what a part writes for its own schemas needs only that class's name. A schema whose content shapes its users'
  code is given whole, with what it reaches: a root model or enum (collapsed into the fields that use it), a base
  of an `allOf` (its subclasses read its fields), one a `discriminator` or a `default` names, one a `$ref` points
  into (`#/components/schemas/A/properties/links`).
- Each part is generated on its own (in parallel, and cached: see `codegen.models`); its module keeps the
  definitions its owned schemas reach without passing through a schema of another part, and those no schema reaches
  at all. What the other schemas of its closure made is dropped: their own part defines it.
- `assemble` joins the kept definitions in part order (every part's dependencies come before it) under one import
  block. A component schema's class takes the name its own part gave it (datamodel-code-generator's model metadata
  says which class is which schema's); the other parts' references to it follow. An inline model's name is
  numbered again across the parts as datamodel-code-generator numbers it within one run (`Type`, `Type1`, `Type2`,
  ... in order of appearance), so most names are the ones a single run gives; see docs/benchmarks.md for the
  differences that remain. A part's stubs of inline models an earlier part holds (`codegen.copies`) take the class
  that part gave the original.

Everything is a function of the spec alone (document order, part size), never of how many processes run the parts.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from codegen.pointer import unescape
from codegen.split import (
    Definition,
    components,
    import_block,
    import_entries,
    parse_definitions,
    remember_definitions,
)

PART_SIZE = 50
"""Owned schemas per part at most: small enough to balance 2-4 processes, large enough that what each part's
closure repeats from other parts stays a fraction of the work."""
PART_BYTES = 100_000
"""Owned schemas per part as JSON, about (a part holds at least one strongly connected component): GitHub's spec has
schemas of 40-90 KB (its webhook payloads, with their models inline) beside ones of a few hundred bytes, and a run's
time follows the size of what it parses."""
PARTITION_THRESHOLD = 4 * PART_SIZE
"""Component schemas above which the spec is cut into parts; below it one run is cheaper (and every golden case and
`spec/openapi.yaml` are far below it, so their output comes from the single run)."""
_SCHEMAS = "#/components/schemas/"
_NUMBERED = re.compile(r"^(.*?[^\d])(\d+)$")


@dataclass(frozen=True, slots=True)
class Part:
    """Schemas that datamodel-code-generator gets together: `owned` are this part's to define, `closure` is them
    and every schema they reach, in document order."""

    owned: tuple[str, ...]
    closure: tuple[str, ...]
    stubbed: tuple[str, ...] = ()
    """Schemas of the closure given as stubs (`stub`): they belong to other parts, and only their class names matter
    here."""


def schema_refs(schemas: Mapping[str, Any]) -> dict[str, set[str]]:
    """Each component schema -> the other component schemas its `$ref`s name directly."""
    return {
        name: {target for target in _schema_refs_in(schema) if target in schemas and target != name}
        for name, schema in schemas.items()
    }


def partition(schemas: Mapping[str, Any], part_size: int = PART_SIZE, part_bytes: int = PART_BYTES) -> list[Part]:
    """The parts of `schemas`, dependencies before dependents; one part when there are few schemas.

    Example:
        >>> [p.owned for p in partition({"A": {}, "B": {"$ref": "#/components/schemas/A"}, "C": {}}, part_size=1)]
        [('A',), ('B',), ('C',)]
    """
    refs = schema_refs(schemas)
    order = {name: index for index, name in enumerate(schemas)}
    found = components([Definition(name, "", frozenset(refs[name])) for name in schemas])
    cuts: list[list[str]] = [[]]
    size = 0
    for component in found:
        cost = sum(len(part_json(schemas[name])) for name in component)
        if cuts[-1] and (len(cuts[-1]) + len(component) > part_size or size + cost > part_bytes):
            cuts.append([])
            size = 0
        cuts[-1].extend(component)
        size += cost
    stubbable = {name for name, schema in schemas.items() if renders_as_own_class(schema)}
    shaping = {name: _shaping_refs(schema) & refs[name] for name, schema in schemas.items()}
    parts = []
    for owned in cuts:
        whole = set(owned)
        named: set[str] = set()
        work = list(owned)
        while work:
            name = work.pop()
            for target in refs[name]:
                if target in stubbable and target not in shaping[name]:
                    named.add(target)
                elif target not in whole:
                    whole.add(target)
                    work.append(target)
        closure = tuple(sorted(whole | named, key=order.__getitem__))
        parts.append(
            Part(
                tuple(sorted(owned, key=order.__getitem__)),
                closure,
                tuple(name for name in closure if name not in whole),
            )
        )
    return parts


_SHAPED_BY_CONTENT = frozenset(
    {"allOf", "anyOf", "oneOf", "not", "enum", "const", "$ref", "items", "prefixItems", "discriminator",
     "patternProperties", "if", "then", "else", "$defs", "definitions"}
)  # fmt: skip
_WRAPPER_KEYS = frozenset(
    {"allOf", "nullable", "description", "title", "readOnly", "writeOnly", "deprecated", "example", "examples"}
)
"""The keys of an `allOf` of one `$ref` that only wraps it (to add `nullable` or a description in OpenAPI 3.0):
datamodel-code-generator writes the reference itself, not a subclass."""


def renders_as_own_class(schema: Any) -> bool:
    """Whether `schema` becomes a model class of its own properties, which the code of the schemas that use it
    names and never looks into (unlike a root model or enum, collapsed into the fields that use it)."""
    return (
        isinstance(schema, dict)
        and isinstance(schema.get("properties"), dict)
        and bool(schema["properties"])
        and schema.get("type", "object") == "object"
        and _SHAPED_BY_CONTENT.isdisjoint(schema)
    )


def _shaping_refs(schema: Any) -> set[str]:
    """The schemas whose content shapes `schema`'s code, not only their class names: the bases of an `allOf`
    (its subclass reads their fields), those named under a `discriminator` or a `default`, and those a `$ref`
    points into (`#/components/schemas/A/properties/links`: a stub of `A` has no `links`)."""
    found = pointed_into(schema)
    work = [schema]
    while work:
        node = work.pop()
        if isinstance(node, dict):
            if "discriminator" in node or "default" in node:
                found |= _schema_refs_in(node)
            members = node.get("allOf")
            if isinstance(members, list) and (len(members) > 1 or not _WRAPPER_KEYS.issuperset(node)):
                found |= {name for member in members if isinstance(member, dict) for name in _schema_refs_in(member) if "$ref" in member}  # fmt: skip
            work.extend(node.values())
        elif isinstance(node, list):
            work.extend(node)
    return found


def pointed_into(node: Any) -> set[str]:
    """The component schemas that `node`'s `$ref`s point into (`#/components/schemas/A/properties/links`: `A`)."""
    deep = (ref[len(_SCHEMAS) :].split("/") for ref in refs_in(node) if ref.startswith(_SCHEMAS))
    return {unescape(steps[0]) for steps in deep if len(steps) > 1}


def _schema_refs_in(node: Any) -> set[str]:
    """The component schemas `node`'s `$ref`s name."""
    return {unescape(ref[len(_SCHEMAS) :].split("/", 1)[0]) for ref in refs_in(node) if ref.startswith(_SCHEMAS)}


def refs_in(node: Any) -> Iterator[str]:
    """Every `$ref` string in `node`, at any depth."""
    work = [node]
    while work:
        item = work.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                yield ref
            work.extend(item.values())
        elif isinstance(item, list):
            work.extend(item)


def stub(name: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """What a part that does not own `schema` is given for it: a model class of one property, described by its
    name so that no two stubs render alike (datamodel-code-generator merges models that do)."""
    kept = {key: schema[key] for key in ("type", "nullable") if key in schema}
    return {**kept, "description": f"{name} (defined by another part)", "properties": {"stub": {"type": "string"}}}


def sub_spec(data: Mapping[str, Any], part: Part) -> dict[str, Any]:
    """The spec datamodel-code-generator gets for `part`: its closure's schemas in document order (the stubbed ones
    as stubs), no paths, and of the other components only those the closure names (all of them when one of those
    names further ones): GitHub's spec keeps megabytes of examples there that no schema uses. The document's own
    extensions (`x-...`) are left out too, unless a schema's `$ref` points outside the components."""
    components_ = data.get("components", {})
    schemas = components_["schemas"]
    stubbed = set(part.stubbed)
    closure = {name: stub(name, schemas[name]) if name in stubbed else schemas[name] for name in part.closure}
    others = {section: entries for section, entries in components_.items() if section != "schemas"}
    named = _other_components(closure)
    if any(_other_components(others.get(section, {}).get(name)) for section, name in named):
        kept = others
    else:
        kept = {}
        for section, name in sorted(named):
            if isinstance(others.get(section), dict) and name in others[section]:
                kept.setdefault(section, {})[name] = others[section][name]
    dropped = {"paths", "components", "webhooks"}
    if not _refs_outside_components(closure):
        dropped |= {key for key in data if key.startswith("x-")}
    return {
        **{key: value for key, value in data.items() if key not in dropped},
        "paths": {},
        "components": {**kept, "schemas": closure},
    }


def _refs_outside_components(node: Any) -> bool:
    return any(ref.startswith("#") and not ref.startswith("#/components/") for ref in refs_in(node))


def _other_components(node: Any) -> set[tuple[str, str]]:
    """(section, name) of every `#/components/<section>/<name>` other than a schema that `node`'s `$ref`s name."""
    found: set[tuple[str, str]] = set()
    for ref in refs_in(node):
        if ref.startswith("#/components/") and not ref.startswith(_SCHEMAS):
            section, _, rest = ref[len("#/components/") :].partition("/")
            found.add((section, unescape(rest.split("/", 1)[0])))
    return found


def part_json(spec: Mapping[str, Any]) -> str:
    """`spec` as canonical JSON for a cache key: compact, key order kept (datamodel-code-generator's output follows
    the document's order, so the order is part of what the key covers)."""
    return json.dumps(spec, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


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


def rename(source: str, renames: Mapping[str, str]) -> str:
    """`source` with every identifier in `renames` replaced, in code only (never inside a string or comment, nor an
    attribute or keyword name).

    Example:
        >>> rename("class Type1(BaseModel):\\n    kind: Type1 = 'Type1'", {"Type1": "Type7"})
        "class Type7(BaseModel):\\n    kind: Type7 = 'Type1'"
    """
    if not renames:
        return source
    if all(name[:1].isupper() for name in renames):
        # datamodel-code-generator's class names are capitalized; its code's other names are attributes (`.X`,
        # never matched here) and keyword or field names, lowercase: a scan of the tokens finds the same names as
        # the syntax tree, several times faster (GitHub's spec renames thousands of definitions)
        return _CODE_TOKEN.sub(lambda match: renames.get(match["name"] or "", match[0]), source)
    return _rename_in_tree(source, renames)


_CODE_TOKEN = re.compile(
    r'[rRbBuUfF]{0,2}(?:"""(?:\\.|[^\\])*?"""' + r"|'''(?:\\.|[^\\])*?'''"
    r'|"(?:\\.|[^"\\\n])*"' + r"|'(?:\\.|[^'\\\n])*')"
    r"|#[^\n]*"
    r"|(?<![.\w])(?P<name>[^\W\d]\w*)"
)
"""A string (any prefix, any quotes), a comment, or a name that does not follow a dot: what `rename` scans."""


def _rename_in_tree(source: str, renames: Mapping[str, str]) -> str:
    lines = source.split("\n")
    edits: dict[int, list[tuple[int, str, str]]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in renames:
            edits.setdefault(node.lineno - 1, []).append((node.col_offset, node.id, renames[node.id]))
        elif isinstance(node, ast.ClassDef) and node.name in renames:
            line = node.lineno - 1
            encoded = lines[line].encode("utf-8")
            column = encoded.index(node.name.encode("utf-8"), encoded.index(b"class") + 5)
            edits.setdefault(line, []).append((column, node.name, renames[node.name]))
    for line, changes in edits.items():
        text = lines[line].encode("utf-8")  # ast's columns are byte offsets
        for column, old, new in sorted(changes, reverse=True):
            text = text[:column] + new.encode("utf-8") + text[column + len(old.encode("utf-8")) :]
        lines[line] = text.decode("utf-8")
    return "\n".join(lines)

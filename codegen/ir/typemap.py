"""JSON Schema -> `TypeRef`s, naming the generated models where a `$ref` has one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from codegen.ir.nodes import Alias, Import, TypeRef
from codegen.openapi import SCHEMA_REF
from codegen.pointer import parts
from codegen.view import SpecView

ANY = TypeRef("Any", frozenset({Import("typing", "Any")}))
NONE = TypeRef("None")
DATETIME = TypeRef("datetime.datetime", frozenset({Import("datetime")}))
MODELS = Import(".", "models")
LITERAL = Import("typing", "Literal")
STR = TypeRef("str")
_PRIMITIVES = {"string": STR, "integer": TypeRef("int"), "number": TypeRef("float"), "boolean": TypeRef("bool")}
_MAX_DEPTH = 12


def union(options: Iterable[TypeRef]) -> TypeRef:
    """`A | B | None` of `options`: nested unions flattened, duplicates dropped, `None` last, `Any` absorbing all."""
    members: dict[str, TypeRef] = {}
    for option in options:
        for part in option.parts:
            members.setdefault(part.hint, part)
    if ANY.hint in members:
        return ANY
    ordered = sorted(members.values(), key=lambda part: part is NONE or part.hint == NONE.hint)  # stable otherwise
    if len(ordered) == 1:
        return ordered[0]
    return TypeRef(
        " | ".join(part.hint for part in ordered),
        frozenset().union(*(part.imports for part in ordered)),
        members=tuple(ordered),
        aliases=frozenset().union(*(part.aliases for part in ordered)),
    )


def generic(name: str, *arguments: TypeRef) -> TypeRef:
    """`name[arguments]` (`list[int]`, `dict[str, Any]`), with the arguments' imports."""
    hint = f"{name}[{', '.join(argument.hint for argument in arguments)}]"
    imports = frozenset().union(*(argument.imports for argument in arguments))
    return TypeRef(hint, imports, aliases=frozenset().union(*(argument.aliases for argument in arguments)))


def literal(values: Iterable[str]) -> TypeRef:
    """`Literal['a', 'b']`: the values a caller may pass as text."""
    return TypeRef(f"Literal[{', '.join(repr(value) for value in values)}]", frozenset({LITERAL}))


def literal_alias(name: str, values: Iterable[str]) -> TypeRef:
    """`<name>Literal`, the alias of `Literal[values]`: an enum schema's values, spelled once per module however
    many arguments take them."""
    alias = Alias(f"{name}Literal", literal(values).hint)
    return TypeRef(alias.name, aliases=frozenset({alias}))


def model(name: str) -> TypeRef:
    return TypeRef(f"models.{name}", frozenset({MODELS}), model=name)


class TypeMapper:
    """The `TypeRef` of a schema of `view`, given the class name of each component schema that became a model."""

    def __init__(self, view: SpecView, model_names: Mapping[str, str]) -> None:
        self.view = view
        self.model_names = model_names

    def hint(self, schema: Any, *, for_input: bool, depth: int = 0) -> TypeRef:
        """The type of `schema`; `for_input` adds `Literal[...]` of string enums, which callers may pass as text."""
        if depth > _MAX_DEPTH or not isinstance(schema, dict):
            return ANY
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref, for_input=for_input, depth=depth)
        options = [
            self.hint(option, for_input=for_input, depth=depth + 1)
            for key in ("anyOf", "oneOf")
            if isinstance(schema.get(key), list)
            for option in schema[key]
        ]
        if options:
            return union([*options, *_null(schema)])
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1:
            return union([self.hint(all_of[0], for_input=for_input, depth=depth + 1), *_null(schema)])
        types = schema.get("type")
        kinds = types if isinstance(types, list) else [types] if isinstance(types, str) else []
        if not kinds:
            if "properties" in schema or "additionalProperties" in schema or isinstance(all_of, list):
                kinds = ["object"]
            elif "items" in schema:
                kinds = ["array"]
            else:
                return ANY
        return union([*(self._kind(kind, schema, for_input, depth) for kind in kinds), *_null(schema)])

    def _kind(self, kind: str, schema: dict[str, Any], for_input: bool, depth: int) -> TypeRef:
        if kind == "string" and for_input and (values := _string_enum(schema)):
            return literal(values)
        if kind == "string" and schema.get("format") == "date-time":
            return DATETIME
        if kind == "null":
            return NONE
        if kind in _PRIMITIVES:
            return _PRIMITIVES[kind]
        if kind == "array":
            return generic("list", self.hint(schema.get("items", {}), for_input=for_input, depth=depth + 1))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra and not schema.get("properties"):
            return generic("dict", STR, self.hint(extra, for_input=for_input, depth=depth + 1))
        return generic("dict", STR, ANY)

    def _ref(self, ref: str, *, for_input: bool, depth: int) -> TypeRef:
        target = self.view.target(ref)
        name = self.model_names.get(parts(ref)[-1]) if ref.startswith(SCHEMA_REF) else None
        is_union = isinstance(target, dict) and ("anyOf" in target or "oneOf" in target) and "properties" not in target
        if name is None or is_union:  # a union's root model would make callers wrap values: name its members
            return self.hint(target, for_input=for_input, depth=depth + 1)
        if for_input and isinstance(target, dict) and (values := _string_enum(target)):
            return union([model(name), literal_alias(name, values)])
        return model(name)


def _null(schema: dict[str, Any]) -> list[TypeRef]:
    return [NONE] if schema.get("nullable") is True else []


def _string_enum(schema: dict[str, Any]) -> list[str]:
    enum = schema.get("enum")
    return [value for value in enum if isinstance(value, str)] if isinstance(enum, list) else []

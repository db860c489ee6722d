"""Python names and docstring text made from spec names and prose."""

from __future__ import annotations

import keyword
import re

RESERVED = frozenset({"self", "extra_headers", "timeout", "models", "NOT_GIVEN", "NotGiven", "Any", "Literal"})
"""Names a generated method already uses (or imports): an argument never takes one."""
CLIENT_ATTRIBUTES = frozenset(
    {"close", "with_options", "with_raw_response", "base_url", "timeout", "max_retries", "strict"}
    | {"bool", "bytes", "dict", "float", "int", "list", "object", "str", "type"}
    | {"datetime", "Mapping", "cached_property", "APIResponse", "Endpoint", "RequestOptions", "Timeout"}
    | {"overload", "FileTypes", "BinaryContent", "MediaType", "FieldEncoding"}
    | {"operation", "overloaded", "waiter", "Call", "Wait"}
    | RESERVED
)
"""Names a method of the client never takes: the base client's attributes, and every name a type hint or decorator
in the class body describing the operations may use (a method called `list` would shadow `list[...]` in the methods
after it, one called `operation` the decorator of the next)."""


def pascal(name: str) -> str:
    """`run-workflow request` -> `RunWorkflowRequest` (existing inner capitals kept)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9a-zA-Z]+", name) if part)


def snake(name: str) -> str:
    """A Python identifier in snake_case: `x-max-steps-override` -> `x_max_steps_override`, `class` -> `class_`."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower() or "value"
    if text[0].isdigit():
        text = "n" + text
    return text + "_" if keyword.iskeyword(text) or text in RESERVED else text


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `name_`, `name__`... the first one not in `taken`; added to `taken`."""
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def doc_text(text: object) -> str:
    """Spec prose made safe inside a triple-quoted docstring."""
    return str(text or "").strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def first_line(text: object) -> str:
    """The first paragraph of spec prose, on one line, docstring-safe."""
    return doc_text(str(text or "").strip().split("\n\n", 1)[0].replace("\n", " "))

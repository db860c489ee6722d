"""Wrongly typed values: one value of every JSON type a schema does not admit, and strings a lax server coerces.

Example:
    >>> [wrong.json_text for wrong in wrong_type_values({"type": "boolean"})]
    ['"x"', '"true"', '1', '1.5', '[true]', '{}', 'null']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from contract_tests.generate.edges import EdgeValue, kept, plain_value
from contract_tests.generate.strategies import OMIT
from contract_tests.spec import admitted_types, non_null_branches, schema_types

__all__ = ["wrong_type_values"]


def wrong_type_values(schema: Mapping[str, Any], *, sample: Any = OMIT) -> list[EdgeValue]:
    """One value of every JSON type the schema does not admit (null included when it is not nullable), plus strings
    a lax server coerces to an admitted type ("5" for an integer, "true" for a boolean), and, inside a map or an
    array, one wrongly typed value or item.

    The array is a valid value wrapped in a list (caught: a server that unwraps it): `sample` when given (a field
    that must carry a particular value, such as an address of the sink), else `plain_value`. Every value is checked
    against the schema: only what it refuses is kept.

    Example:
        >>> [wrong.json_text for wrong in wrong_type_values({"anyOf": [{"type": "integer"}, {"type": "null"}]})]
        ['"x"', '"5"', '1.5', 'true', '[1]', '{}']
    """
    admitted = admitted_types(schema)
    plain = sample
    if plain is OMIT:
        try:
            plain = plain_value(schema)
        except ValueError:
            plain = None
    wrong: list[EdgeValue] = []
    if "string" not in admitted:
        wrong.append(EdgeValue.of('string "x"', "x"))
        if "integer" in admitted:
            wrong.append(EdgeValue.of('string "5" (a lax server coerces it)', "5"))
        if "boolean" in admitted:
            wrong.append(EdgeValue.of('string "true" (a lax server coerces it)', "true"))
    if "integer" not in admitted:
        wrong.append(EdgeValue.of("integer 1", 1))
    if "number" not in admitted:
        wrong.append(EdgeValue.of("number 1.5", 1.5))
    if "boolean" not in admitted:
        wrong.append(EdgeValue.of("boolean true", True))
    if "array" not in admitted:
        array = [] if plain is None and sample is OMIT else [plain]
        wrong.append(EdgeValue.of(f"array {json.dumps(array)}", array))
    if "object" not in admitted:
        wrong.append(EdgeValue.of("object {}", {}))
    if "null" not in admitted:
        wrong.append(EdgeValue.of("null", None))
    wrong += _wrong_inside(schema)
    return kept(schema, wrong, valid=False)


def _wrong_inside(schema: Mapping[str, Any]) -> list[EdgeValue]:
    """A map with one wrongly typed value and an array with one wrongly typed item, where the schema types them."""
    found = []
    for branch in non_null_branches(schema):
        extra = branch.get("additionalProperties")
        if "object" in schema_types(branch) and not branch.get("properties") and isinstance(extra, Mapping) and extra:
            inner = wrong_type_values(extra)[:1]
            found += [EdgeValue.of(f"object with a value of the wrong type ({w.label})", {"k": w.value}) for w in inner]
        items = branch.get("items")
        if "array" in schema_types(branch) and isinstance(items, Mapping) and items:
            inner = wrong_type_values(items)[:1]
            found += [EdgeValue.of(f"array with an item of the wrong type ({w.label})", [w.value]) for w in inner]
    return found

"""The edges of JSON Schema: values a schema allows that servers often get wrong, as the exact JSON text to send.

`edge_values` gives them (number forms, string edge cases, boundary lengths, empty objects), `plain_value` an ordinary
valid value, and `splice` puts such a text into a body verbatim. Their opposite, one value of every JSON type a schema
does not admit, is `wrong_types.wrong_type_values`.

Example:
    >>> [edge.json_text for edge in edge_values({"type": "integer", "minimum": 0, "maximum": 100})]
    ['0', '100', '1.0', '1e2', '-0']
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from contract_tests.spec import non_null_branches, schema_types

__all__ = ["LONG_STRING", "EdgeValue", "edge_values", "kept", "plain_value", "splice"]

LONG_STRING = 10_000
"""Length of the long string sent where a schema sets no `maxLength`."""

_LARGE_INTEGERS = (
    (2**31, "2**31, past int32"),
    (2**53, "2**53, the float64 integer limit"),
    (2**63, "2**63, past int64 (a SQL INTEGER)"),
)
_EMOJI = "\U0001f600\U0001f389"  # non-BMP: 4 bytes in UTF-8, a surrogate pair in UTF-16
_FOUR_BYTE = "\U0001f600"
_RTL = "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627"  # Hebrew and Arabic
_COMBINING = "e\u0301a\u0308"  # e + acute, a + diaeresis: 4 code points, 2 graphemes
_WHITESPACE = " \t\n\u00a0\u3000"  # ASCII and Unicode spaces, nothing else
_WITH_NUL = "a\u0000b"
_ESCAPED = "\u00e9\U0001f600/"  # sent as \u00e9\ud83d\ude00\/: escapes, a surrogate pair, an escaped solidus
_FORMAT_SAMPLES: Mapping[str, tuple[str, ...]] = {
    "date-time": ("1970-01-01T00:00:00Z", "2024-02-29T23:59:59.999999+14:00", "2024-01-01t00:00:00z"),
    "date": ("2024-02-29",),
    "time": ("23:59:59Z",),
    "uri": ("http://example.com/%F0%9F%98%80?q=a#f", "urn:isbn:0451450523"),
    "email": ("a@example.com",),
    "uuid": ("00000000-0000-0000-0000-000000000000",),
}


@dataclass(frozen=True, slots=True)
class EdgeValue:
    """One value to send for a field, as the exact JSON text that goes into the body.

    Attributes:
        label: what it is, for messages ("integer as 1e2").
        json_text: the JSON text of the value, spliced into the body verbatim (see `splice`).
        value: what that text parses to: what the target must accept (or refuse) and echo.

    Example:
        >>> EdgeValue("integer as 1e2", "1e2", 100)
        EdgeValue(label='integer as 1e2', json_text='1e2', value=100)
    """

    label: str
    json_text: str
    value: Any

    def __post_init__(self) -> None:
        if json.loads(self.json_text) != self.value:
            raise ValueError(f"{self.json_text!r} does not parse to {self.value!r}")

    @classmethod
    def of(cls, label: str, value: Any, *, escaped: bool = False) -> EdgeValue:
        """The value with its plain JSON text (non-ASCII as UTF-8, or as `\\u` escapes when `escaped`)."""
        return cls(label, json.dumps(value, ensure_ascii=escaped), value)


def _validator(schema: Mapping[str, Any]) -> Any:
    return jsonschema_rs.validator_for(dict(schema), validate_formats=True)


def kept(schema: Mapping[str, Any], candidates: Sequence[EdgeValue], *, valid: bool) -> list[EdgeValue]:
    """The candidates the schema accepts (`valid`) or refuses, first of each JSON text only (formats asserted)."""
    validator = _validator(schema)
    seen: set[str] = set()
    kept = []
    for candidate in candidates:
        if candidate.json_text in seen or bool(validator.is_valid(candidate.value)) != valid:
            continue
        seen.add(candidate.json_text)
        kept.append(candidate)
    return kept


def edge_values(schema: Mapping[str, Any]) -> list[EdgeValue]:
    """Values valid under a resolved schema that servers often get wrong, most telling first.

    - integers: the bounds, 0 and -1, 2**31 and 2**53 when there is no maximum, and integral values in other JSON
      number forms (`1.0`, `1e2`, `-0`); numbers likewise, with fractions and exponents;
    - strings: empty, exactly `minLength`, exactly `maxLength` (in ASCII and in 4-byte characters), 10,000 characters
      when there is no `maxLength`, non-BMP emoji, an escaped NUL, whitespace only, right-to-left text, combining
      marks, and text in `\\u` escapes with a surrogate pair (every one cut or repeated to fit the length bounds);
    - booleans: both; objects: `{}` when allowed, only the required properties, and for a map (no declared
      properties) an empty and a non-ASCII key; arrays: `[]` and the `minItems` / `maxItems` boundaries;
    - enums: the first and the last value; `anyOf` / `oneOf`: every branch's edges. Null is never an edge.

    Every value is checked against the schema (jsonschema_rs, formats asserted): what does not fit is dropped.

    Example:
        >>> [edge.label for edge in edge_values({"type": "string", "minLength": 2, "maxLength": 2})][:3]
        ['string of minLength 2', 'string of maxLength 2 in 4-byte characters', 'string, non-BMP emoji']
        >>> [edge.json_text for edge in edge_values({"anyOf": [{"type": "boolean"}, {"type": "null"}]})]
        ['true', 'false']
    """
    return kept(schema, _edge_candidates(schema), valid=True)


def _edge_candidates(schema: Mapping[str, Any]) -> list[EdgeValue]:
    if "const" in schema:
        return [EdgeValue.of("the const value", schema["const"])]
    if "enum" in schema:
        values = [value for value in schema["enum"] if value is not None]
        ends = [("first enum value", values[0]), ("last enum value", values[-1])] if values else []
        return [EdgeValue.of(f"{label} {json.dumps(value)}", value) for label, value in ends]
    if "anyOf" in schema or "oneOf" in schema:
        return [edge for branch in non_null_branches(schema) for edge in _edge_candidates(branch)]
    kinds = schema_types(schema)
    if not kinds:
        return [EdgeValue.of(f"any value: {text}", json.loads(text)) for text in ("{}", "[]", '""', "0", "false")]
    builders = {
        "integer": _integer_edges,
        "number": _number_edges,
        "string": _string_edges,
        "boolean": lambda _: [EdgeValue.of("true", True), EdgeValue.of("false", False)],
        "object": _object_edges,
        "array": _array_edges,
    }
    return [edge for kind in kinds if kind in builders for edge in builders[kind](schema)]


def _integer_bounds(schema: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """The smallest and largest integers the numeric keywords allow (None: unbounded)."""
    lows, highs = [], []
    if isinstance(schema.get("minimum"), int | float):
        lows.append(math.ceil(schema["minimum"]))
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        lows.append(math.floor(schema["exclusiveMinimum"]) + 1)
    if isinstance(schema.get("maximum"), int | float):
        highs.append(math.floor(schema["maximum"]))
    if isinstance(schema.get("exclusiveMaximum"), int | float):
        highs.append(math.ceil(schema["exclusiveMaximum"]) - 1)
    return (max(lows) if lows else None), (min(highs) if highs else None)


def _integer_edges(schema: Mapping[str, Any]) -> list[EdgeValue]:
    low, high = _integer_bounds(schema)
    edges = []
    if low is not None:
        edges.append(EdgeValue.of(f"integer at its minimum {low}", low))
    if high is not None:
        edges.append(EdgeValue.of(f"integer at its maximum {high}", high))
    edges += [EdgeValue.of("integer 0", 0), EdgeValue.of("negative integer -1", -1)]
    if high is None:
        edges += [EdgeValue.of(f"integer {label}", value) for value, label in _LARGE_INTEGERS]
    base = next((v for v in (1, low, high) if v is not None and _within(v, low, high)), 1)
    edges.append(EdgeValue(f"integer as {base}.0", f"{base}.0", base))
    if _within(100, low, high):
        edges.append(EdgeValue("integer as 1e2", "1e2", 100))
    else:
        edges.append(EdgeValue(f"integer as {base}e0", f"{base}e0", base))
    edges.append(EdgeValue("integer as -0", "-0", 0))
    return edges


def _within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _number_edges(schema: Mapping[str, Any]) -> list[EdgeValue]:
    low, high = schema.get("minimum"), schema.get("maximum")
    edges = []
    if low is not None:
        edges.append(EdgeValue.of(f"number at its minimum {low}", low))
    if high is not None:
        edges.append(EdgeValue.of(f"number at its maximum {high}", high))
    edges += [
        EdgeValue.of("number 0", 0),
        EdgeValue.of("number as the integer 1", 1),
        EdgeValue.of("negative number -1", -1),
        EdgeValue.of("fraction 0.5", 0.5),
        EdgeValue("number as 1e-7", "1e-7", 1e-7),
        EdgeValue("number as 1.5E+3", "1.5E+3", 1500.0),
        EdgeValue("number as -0.0", "-0.0", -0.0),
    ]
    if high is None and "exclusiveMaximum" not in schema:
        edges.append(EdgeValue("the largest float64", "1.7976931348623157e308", 1.7976931348623157e308))
    return edges


def _fit(sample: str, low: int, high: int | None) -> str:
    """The sample repeated up to `low` code points and cut at `high`."""
    if not sample:
        return sample
    while len(sample) < low:
        sample += sample
    return sample if high is None else sample[: max(high, low)]


def _string_edges(schema: Mapping[str, Any]) -> list[EdgeValue]:
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    edges = []
    if low == 0:
        edges.append(EdgeValue.of("empty string", ""))
    else:
        edges.append(EdgeValue.of(f"string of minLength {low}", "a" * low))
    if high is not None:
        edges.append(EdgeValue.of(f"string of maxLength {high}", "a" * int(high)))
        edges.append(EdgeValue.of(f"string of maxLength {high} in 4-byte characters", _FOUR_BYTE * int(high)))
    elif low <= LONG_STRING:
        edges.append(EdgeValue.of(f"string of {LONG_STRING} characters", "x" * LONG_STRING))
    samples = [
        ("string, non-BMP emoji", _EMOJI),
        ("string with an escaped NUL (\\u0000)", _WITH_NUL),
        ("string of whitespace only", _WHITESPACE),
        ("string, right-to-left", _RTL),
        ("string with combining marks", _COMBINING),
    ]
    edges += [EdgeValue.of(label, _fit(sample, low, high)) for label, sample in samples]
    escaped = _fit(_ESCAPED, low, high)
    edges.append(EdgeValue("string in \\u escapes", json.dumps(escaped).replace("/", "\\/"), escaped))
    if "format" in schema or "pattern" in schema:  # what the generic strings above rarely match
        known = [*_FORMAT_SAMPLES.get(str(schema.get("format")), ()), *_examples(schema)]
        edges += [EdgeValue.of(f"string {json.dumps(sample)}", sample) for sample in known if isinstance(sample, str)]
    return edges


def _examples(schema: Mapping[str, Any]) -> list[Any]:
    found = [schema["example"]] if "example" in schema else []
    examples = schema.get("examples")
    return found + (list(examples) if isinstance(examples, list) else [])


def _object_edges(schema: Mapping[str, Any]) -> list[EdgeValue]:
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = list(schema.get("required", []))
    edges = [EdgeValue.of("empty object", {})]
    if required:
        only = {name: plain_value(properties.get(name, {})) for name in required}
        edges.append(EdgeValue.of("object with only its required properties", only))
    extra = schema.get("additionalProperties", True)
    if not properties and extra is not False:
        # A map: every key is data. (In a record, an undeclared key is an unknown field a server may drop.)
        value = plain_value(extra) if isinstance(extra, Mapping) else "v"
        edges.append(EdgeValue.of("object with an empty key", {"": value}))
        edges.append(
            EdgeValue.of("object with a non-ASCII key", {"cl\u00e9-\u043a\u043b\u044e\u0447-" + _EMOJI: value})
        )
    return edges


def _array_edges(schema: Mapping[str, Any]) -> list[EdgeValue]:
    low = int(schema.get("minItems", 0))
    high = schema.get("maxItems")
    item = plain_value(schema["items"]) if isinstance(schema.get("items"), Mapping) else 0
    edges = [EdgeValue.of("empty array", [])]
    if low > 0:
        edges.append(EdgeValue.of(f"array of minItems {low}", [item] * low))
    if high is not None and 0 < int(high) <= 100:
        edges.append(EdgeValue.of(f"array of maxItems {high}", [item] * int(high)))
    return edges


def plain_value(schema: Mapping[str, Any]) -> Any:
    """An ordinary valid value: the schema's example when it is valid, else short ASCII text, 1, true, an object
    with only its required properties, ..., else its first edge value.

    Example:
        >>> from contract_tests.spec import Spec
        >>> plain_value(Spec.load().schema("GeoTarget"))
        {'country': 'US', 'subdivision': 'CA', 'city': 'San Francisco'}
        >>> plain_value({"type": "string", "maxLength": 3})
        'sam'

    Raises:
        ValueError: when the schema admits no value this knows how to build.
    """
    validator = _validator(schema)
    for candidate in [*_examples(schema), *_plain_candidates(schema)]:
        if validator.is_valid(candidate):
            return candidate
    edges = edge_values(schema)
    if not edges:
        raise ValueError(f"no valid value found for {schema!r}")
    return edges[0].value


def _plain_candidates(schema: Mapping[str, Any]) -> list[Any]:
    if "const" in schema:
        return [schema["const"]]
    if "enum" in schema:
        return [value for value in schema["enum"] if value is not None][:1]
    if "anyOf" in schema or "oneOf" in schema:
        return [value for branch in non_null_branches(schema) for value in _plain_candidates(branch)]
    plain: dict[str, list[Any]] = {
        "string": [_fit("sample", int(schema.get("minLength", 0)), schema.get("maxLength"))],
        "integer": [1, 0],
        "number": [1.5, 1],
        "boolean": [True],
        "array": [[]],
        "object": [{}],
    }
    return [value for kind in schema_types(schema) or ["string"] for value in plain.get(kind, [])]


_SPLICE_MARK = "\u0000splice\u0000"


def splice(body: Mapping[str, Any], path: Sequence[str], json_text: str) -> bytes:
    """The JSON body with `json_text` as the value at `path`, verbatim (objects on the way copied, made when missing).

    Example:
        >>> splice({"workflow_id": "w"}, ("max_screenshot_scrolls",), "1e2")
        b'{"workflow_id": "w", "max_screenshot_scrolls": 1e2}'
        >>> splice({"workflow_id": "w", "proxy_location": {"country": "US"}}, ("proxy_location", "city"), '""')
        b'{"workflow_id": "w", "proxy_location": {"country": "US", "city": ""}}'
    """
    if not path:
        return json_text.encode()
    document = _put(body, path, _SPLICE_MARK)
    text = json.dumps(document)
    marker = json.dumps(_SPLICE_MARK)
    if text.count(marker) != 1:
        raise ValueError("the body already holds the splice marker")
    return text.replace(marker, json_text, 1).encode()


def _put(node: Any, path: Sequence[str], value: Any) -> dict[str, Any]:
    copy = dict(node) if isinstance(node, Mapping) else {}
    head, *rest = path
    copy[head] = _put(copy.get(head), rest, value) if rest else value
    return copy

"""Hypothesis strategies built from the spec's schemas (the subset of JSON Schema the spec uses).

`from_schema` turns a resolved schema into a strategy of valid values; `Requests` builds valid `WorkflowRunRequest`
bodies for one target: `workflow_id` and `parameters` are those the target runs, and every URL-typed field (see
`Spec.url_fields`) is only ever a loopback address of the suite's sink. The fixed cases at the edges of JSON Schema
are in `edges` (valid values) and `wrong_types` (wrongly typed ones).

Example:
    >>> from contract_tests.spec import Spec
    >>> strategy = from_schema(Spec.load().schema("GeoTarget"))
    >>> sorted(strategy.example())  # doctest: +SKIP
    ['city', 'country']
    >>> Requests(Spec.load(), "wpid_1", {}, "http://127.0.0.1:9").minimal()
    {'workflow_id': 'wpid_1'}
"""

from __future__ import annotations

import datetime
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from contract_tests.spec import Field, JsonSchema, Spec, is_nullable, non_null_branches

__all__ = ["OMIT", "Requests", "from_schema", "text"]

OMIT: Any = object()
"""Marks a field left out of a request body (distinct from a null value)."""

_INT_RANGE = (0, 1000)  # live services clamp some integers (max_screenshot_scrolls) to this range instead of echoing
_TEXT_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))


def text(min_size: int = 0, max_size: int = 20) -> st.SearchStrategy[str]:
    """Printable unicode text (no control characters, no surrogates)."""
    return st.text(_TEXT_ALPHABET, min_size=min_size, max_size=max_size)


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | text(max_size=10)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text(1, 8), inner, max_size=3),
        max_leaves=6,
    )


def from_schema(schema: Mapping[str, Any], *, allow_null: bool = True) -> st.SearchStrategy[Any]:
    """A strategy of values valid under a resolved schema.

    Args:
        schema: a resolved schema (no `$ref`).
        allow_null: when False, the null branch of a nullable schema is not drawn.

    Returns:
        The strategy.
    """
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    if "anyOf" in schema or "oneOf" in schema:
        branches = [from_schema(b) for b in non_null_branches(schema)]
        if allow_null and is_nullable(schema):
            branches.append(st.none())
        return st.one_of(branches)
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "string":
        max_length = schema.get("maxLength", 20)
        if schema.get("format") == "date-time":
            return st.datetimes(timezones=st.just(datetime.UTC)).map(lambda d: d.isoformat())
        min_length = schema.get("minLength", 0)
        if min_length == max_length == 2:  # ISO codes: letters, as real targets normalize case
            return st.text(string.ascii_uppercase, min_size=2, max_size=2)
        return text(min_length, min(max_length, 20))
    if kind == "integer":
        return st.integers(schema.get("minimum", _INT_RANGE[0]), schema.get("maximum", _INT_RANGE[1]))
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {})), max_size=3)
    if kind == "object":
        return _object(schema)
    return _json_values()


def _object(schema: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties: Mapping[str, JsonSchema] = schema.get("properties", {})
    required = set(schema.get("required", []))
    if not properties:
        extra = schema.get("additionalProperties", True)
        values = _json_values() if extra is True or extra == {} else from_schema(extra)
        return st.dictionaries(text(1, 10), values, max_size=3)
    fields = {
        name: from_schema(sub) if name in required else st.just(OMIT) | from_schema(sub)
        for name, sub in properties.items()
    }
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not OMIT})


@dataclass(frozen=True)
class Requests:
    """Valid request bodies for one target.

    Attributes:
        spec: the spec.
        workflow_id: a workflow the target runs.
        parameters: parameters that workflow accepts (each subset is drawn).
        sink_url: base URL of the suite's loopback sink; URL-typed fields only ever point there.
        null_only: fields only ever drawn as null (omitted is up to `bodies`).
    """

    spec: Spec
    workflow_id: str
    parameters: Mapping[str, Any]
    sink_url: str
    null_only: frozenset[str] = frozenset()

    @property
    def url_fields(self) -> list[str]:
        """The URL-typed request fields."""
        return self.spec.url_fields("WorkflowRunRequest")

    def sink_urls(self) -> st.SearchStrategy[str]:
        """Loopback URLs of the sink, with a varying path."""
        return st.text(string.ascii_lowercase + string.digits, max_size=8).map(lambda p: f"{self.sink_url}/{p}")

    def field_value(self, field: Field, *, allow_null: bool = True) -> st.SearchStrategy[Any]:
        """Valid values of one top-level request field (null included when it is nullable and allowed)."""
        null = [st.none()] if allow_null and field.nullable else []
        if field.name in self.null_only:
            return st.none()
        if field.name in self.url_fields:
            return st.one_of([self.sink_urls(), *null])
        if field.name == "workflow_id":
            return st.just(self.workflow_id)
        if field.name == "parameters":
            return st.one_of([self._parameters(), *null])
        return from_schema(field.schema, allow_null=allow_null)

    def _parameters(self) -> st.SearchStrategy[dict[str, Any]]:
        names = sorted(self.parameters)
        if not names:
            return st.just({})
        return st.sets(st.sampled_from(names)).map(lambda chosen: {n: self.parameters[n] for n in sorted(chosen)})

    def bodies(
        self, *, overrides: Mapping[str, st.SearchStrategy[Any]] | None = None
    ) -> st.SearchStrategy[dict[str, Any]]:
        """Valid request bodies; each optional field omitted, null or a value.

        Args:
            overrides: strategies for some fields (draw `OMIT` to leave a field out).

        Returns:
            The strategy.
        """
        required = set(self.spec.required("WorkflowRunRequest"))
        chosen = dict(overrides or {})
        fields: dict[str, st.SearchStrategy[Any]] = {}
        for field in self.spec.fields("WorkflowRunRequest"):
            if field.name in chosen:
                fields[field.name] = chosen[field.name]
            elif field.name in required:
                fields[field.name] = self.field_value(field)
            else:
                fields[field.name] = st.just(OMIT) | self.field_value(field)
        return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not OMIT})

    def minimal(self) -> dict[str, Any]:
        """The smallest valid body."""
        return {"workflow_id": self.workflow_id}

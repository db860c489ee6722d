"""Where a clause is in the spec: the JSON pointer into `spec/openapi.yaml` of the schema keyword an instance breaks,
of an operation and of a response's schema.

Example:
    >>> schema_clause(Spec.load(), "#/components/schemas/WorkflowRunRequest", "/title", "type", {"title": 1})
    '#/components/schemas/WorkflowRunRequest/properties/title/anyOf'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from contract_tests.generate.strategies import OMIT
from contract_tests.spec import Spec, admitted_types, escape_pointer, json_type, unescape_pointer

__all__ = ["node_at", "operation_pointer", "response_root", "schema_clause"]


def node_at(document: Any, pointer: str) -> Any:
    node = document
    for part in pointer.lstrip("#").split("/")[1:]:
        node = node[int(part)] if isinstance(node, list) else node[unescape_pointer(part)]
    return node


def _deref(document: Any, pointer: str, node: Any) -> tuple[str, Any]:
    for _ in range(32):
        if not (isinstance(node, Mapping) and "$ref" in node):
            break
        pointer = str(node["$ref"])
        node = node_at(document, pointer)
    return pointer, node


def _branches(pointer: str, node: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for keyword in ("anyOf", "oneOf"):
        for index, branch in enumerate(node.get(keyword) or []):
            yield f"{pointer}/{keyword}/{index}", branch


def _child(document: Any, pointer: str, node: Any, segment: str) -> tuple[str, Any] | None:
    pointer, node = _deref(document, pointer, node)
    if not isinstance(node, Mapping):
        return None
    if segment == "*" and isinstance(node.get("items"), Mapping):
        return f"{pointer}/items", node["items"]
    properties = node.get("properties") or {}
    if segment in properties:
        return f"{pointer}/properties/{escape_pointer(segment)}", properties[segment]
    for branch_pointer, branch in _branches(pointer, node):
        found = _child(document, branch_pointer, branch, segment)
        if found is not None:
            return found
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping) and segment != "*":
        return f"{pointer}/additionalProperties", extra
    return None


def _keyword(document: Any, pointer: str, node: Any, keyword: str, value: Any) -> str:
    pointer, node = _deref(document, pointer, node)
    if not isinstance(node, Mapping):
        return pointer
    if keyword in node:
        return f"{pointer}/{keyword}"
    candidates = []
    for branch_pointer, branch in _branches(pointer, node):
        at, resolved = _deref(document, branch_pointer, branch)
        if isinstance(resolved, Mapping) and keyword in resolved:
            candidates.append((at, resolved))
    if value is not OMIT:
        kind = json_type(value)
        typed = [(at, b) for at, b in candidates if kind in admitted_types(b) or (kind == "integer" and "number" in b)]
        if keyword == "type" and not typed and candidates:
            return f"{pointer}/{'anyOf' if 'anyOf' in node else 'oneOf'}"
        candidates = typed or candidates
    return f"{candidates[0][0]}/{keyword}" if candidates else pointer


def _value_at(instance: Any, path: Sequence[str]) -> Any:
    for part in path:
        if isinstance(instance, Mapping) and part in instance:
            instance = instance[part]
        else:
            return OMIT
    return instance


def schema_clause(spec: Spec, root: str, location: str, keyword: str, instance: Any = OMIT) -> str:
    """The JSON pointer into the spec document of the clause an instance breaks, e.g.
    `#/components/schemas/GeoTarget/properties/country/type`: walked from `root` along the instance's location
    (following `$ref`s, into the `anyOf` branch that declares the next property), then to the keyword (`required`
    on the object that lists it; a `type` no branch admits is the `anyOf` itself).

    Args:
        spec: the spec.
        root: where the schema starts, e.g. `#/components/schemas/WorkflowRunRequest`.
        location: the instance's JSON pointer (`/proxy_location/country`; a `required` one ends in the missing name).
        keyword: the JSON Schema keyword broken (`type`, `format`, `required`, ...; "": the location's own schema).
        instance: the whole instance (picks the branch a value's type belongs to).

    Example:
        >>> schema_clause(Spec.load(), "#/components/schemas/WorkflowRunRequest", "/proxy_location/country", "type")
        '#/components/schemas/GeoTarget/properties/country/type'
        >>> schema_clause(Spec.load(), "#/components/schemas/WorkflowRunRequest", "/proxy_location/country", "required")
        '#/components/schemas/GeoTarget/required'
    """
    document = spec.document
    path = [part for part in location.split("/") if part]
    walk = path[:-1] if keyword == "required" and path else path
    pointer, node = _deref(document, root, node_at(document, root))
    for segment in walk:
        found = _child(document, pointer, node, segment)
        if found is None:
            return pointer
        pointer, node = found
    return _keyword(document, pointer, node, keyword, _value_at(instance, walk)) if keyword else pointer


def operation_pointer(spec: Spec, operation_id: str) -> str:
    path, method, _ = spec.operation(operation_id)
    return f"#/paths/{escape_pointer(path)}/{method.lower()}"


def response_root(spec: Spec, operation_id: str, status: int) -> str:
    if status not in spec.documented_statuses(operation_id):
        return f"{operation_pointer(spec, operation_id)}/responses"
    pointer = f"{operation_pointer(spec, operation_id)}/responses/{status}"
    pointer, _ = _deref(spec.document, pointer, node_at(spec.document, pointer))
    return f"{pointer}/content/application~1json/schema"

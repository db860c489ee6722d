"""An operation's request body: every media type it declares (`BodyMedia`), the keywords of the default one's
fields (`allOf`, `$ref` siblings and nested `allOf` merged), `body=` for the whole body and `content_type=` to
choose among several media types.

Which kind each media type is (the runtime's `_bodies` encodes each):

| media type                                              | kind        | `body=` takes               |
|---------------------------------------------------------|-------------|-----------------------------|
| `application/json`, `*/*+json`, `text/json`             | `json`      | the schema's type, a mapping|
| `*/*`, `application/*` with an object or array schema   | `json`      | (sent as `application/json`)|
| `application/x-www-form-urlencoded`                     | `form`      | a model or a mapping        |
| `multipart/form-data`                                   | `multipart` | a model or a mapping        |
| `text/*`                                                | `text`      | `str`                       |
| anything else (`application/octet-stream`, `image/png`) | `binary`    | `BinaryContent`             |

The default media type is the first JSON one, else the first. What the keywords cannot say (fields that only some
alternatives of a `oneOf` inside an `allOf` have, a `multipart/*` other than `form-data`, encoding details the runtime
does not send) is a warning naming its pointer: `body=` still takes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codegen.errors import Diagnostic, warning
from codegen.ir.nodes import Body, BodyKind, BodyMedia, Import, Param, PartEncoding, TypeRef
from codegen.ir.typemap import ANY, STR, TypeMapper, generic, literal, union
from codegen.naming import first_line, snake, unique
from codegen.openapi import is_json
from codegen.pointer import join
from codegen.view import Media, OperationView

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
MAPPING = TypeRef("Mapping[str, Any]", frozenset({Import("collections.abc", "Mapping"), Import("typing", "Any")}))
FILE = TypeRef("FileTypes", frozenset({Import("._types", "FileTypes")}))
BINARY = TypeRef("BinaryContent", frozenset({Import("._types", "BinaryContent")}))
OBJECT = generic("dict", STR, ANY)
WHOLE_NAME = "body"
CHOICE_NAME = "content_type"
_STYLES = frozenset({"form", "spaceDelimited", "pipeDelimited", "deepObject"})
_MAX_DEPTH = 32


def media_kind(name: str, resolved: Any) -> BodyKind:
    """How a body of media type `name` (whose schema, `$ref` followed, is `resolved`) is sent."""
    base = name.split(";", 1)[0].strip().lower()
    if base == FORM:
        return "form"
    if base == MULTIPART:
        return "multipart"
    if is_json(base) or base == "text/json" or (base in {"*/*", "application/*"} and _is_structured(resolved)):
        return "json"
    return "text" if base.startswith("text/") else "binary"


def _is_structured(schema: Any) -> bool:
    """An object or an array: what only JSON among the media types a wildcard allows can carry."""
    if not isinstance(schema, dict):
        return False
    declared = schema.get("type")
    kinds = declared if isinstance(declared, list) else [declared]
    keys = ("properties", "additionalProperties", "allOf", "anyOf", "oneOf", "items", "$ref")
    return "object" in kinds or "array" in kinds or any(key in schema for key in keys)


def _header(name: str, kind: BodyKind) -> str | None:
    """The `content-type` sent, when it is not the media type's own name (a wildcard's stand-in)."""
    if "*" not in name or kind in ("form", "multipart"):
        return None
    return {"json": "application/json", "text": "text/plain"}.get(kind, "application/octet-stream")


@dataclass(slots=True)
class _Fields:
    """The fields of an object schema, `allOf` and `$ref` siblings merged: a later definition of a field wins."""

    properties: dict[str, Any] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    unexpressed: list[tuple[str, str]] = field(default_factory=list)


def collect_fields(mapper: TypeMapper, schema: Any, where: str) -> _Fields:
    """Every field `schema` gives a body: its `properties`, those of its `allOf` members and of a `$ref` beside them
    (followed, through components too), nested at any depth; `required` likewise."""
    found = _Fields()
    _collect(mapper, schema, where, found, frozenset(), 0)
    return found


def _collect(mapper: TypeMapper, schema: Any, where: str, found: _Fields, seen: frozenset[str], depth: int) -> None:
    if not isinstance(schema, dict):
        return
    if depth > _MAX_DEPTH:
        found.unexpressed.append((where, "nested too deeply to read its fields"))
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref not in seen:  # a cycle's fields are in already
        _collect(mapper, mapper.view.target(ref), ref, found, seen | {ref}, depth + 1)
    for index, member in enumerate(schema.get("allOf") or []):
        _collect(mapper, member, join(where, "allOf", index), found, seen, depth + 1)
    for key in ("anyOf", "oneOf"):
        if depth > 0 and isinstance(schema.get(key), list):
            found.unexpressed.append((join(where, key), f"the fields of its {key} alternatives are no keywords"))
    properties = schema.get("properties")
    if isinstance(properties, dict):
        found.properties.update(properties)
    required = schema.get("required")
    if isinstance(required, list):
        found.required.update(name for name in required if isinstance(name, str))


def body_names(op: OperationView, taken: set[str]) -> tuple[str, str | None]:
    """The names of `body=` and (for several media types) `content_type=`, taken before any parameter's or field's
    (which then get a `_`): the same two names in every method, where the spec allows."""
    if op.request_body is None:
        return "", None
    return unique(WHOLE_NAME, taken), unique(CHOICE_NAME, taken) if len(op.request_body.media) > 1 else None


def build_body(
    mapper: TypeMapper, op: OperationView, notes: list[Diagnostic], taken: set[str], names: tuple[str, str | None]
) -> tuple[Body | None, list[Param]]:
    """The operation's `Body` and its keyword arguments (fields, `body=`, `content_type=`), or `(None, [])`.

    Args:
        names: what `body_names` gave for `body=` and `content_type=`.
    """
    declared = op.request_body
    if declared is None:
        return None, []
    whole_name, choice_name = names
    where = join(op.where, "requestBody")
    if not declared.media:
        notes.append(warning(where, "request body declares no media type: sent only as body= (bytes)"))
    spec_media = declared.media or (Media("application/octet-stream", None, None),)
    kinds = [media_kind(media.name, media.resolved) for media in spec_media]
    order = sorted(range(len(spec_media)), key=lambda index: kinds[index] != "json")  # stable: the first JSON first
    default = spec_media[order[0]]
    media = tuple(_media(spec_media[index], kinds[index], join(where, "content", spec_media[index].name), notes) for index in order)  # fmt: skip
    fields = _field_params(mapper, default, media[0], declared.required, join(where, "content", default.name), notes, taken)  # fmt: skip
    whole_type = union(_whole_type(mapper, spec_media[index], kinds[index]) for index in order)
    described = "The whole request body, instead of the keywords." if fields else "The request body."
    params = [*fields, Param("", whole_name, "whole", whole_type, declared.required and not fields, described)]
    if choice_name is not None:
        choices = [item.name for item in media]
        text = "The media type to send the body as."
        params.append(Param("", choice_name, "content-type", literal(choices), False, text, repr(choices[0])))
    return Body(media, declared.required), params


def _media(media: Media, kind: BodyKind, where: str, notes: list[Diagnostic]) -> BodyMedia:
    base = media.name.split(";", 1)[0].strip().lower()
    if kind == "binary" and base.startswith("multipart/"):
        notes.append(warning(where, f"{media.name} is sent as the bytes given in body= (make the parts and the boundary yourself)"))  # fmt: skip
    parts = []
    for name, entry in media.encoding.items():
        if not isinstance(entry, dict) or kind not in ("form", "multipart"):
            continue
        at = join(where, "encoding", name)
        style = entry.get("style") if entry.get("style") in _STYLES else None
        if "style" in entry and style is None:
            notes.append(warning(join(at, "style"), f"style {entry['style']!r} is not one a form has: sent as form"))
        if entry.get("allowReserved") is True:
            notes.append(warning(join(at, "allowReserved"), "reserved characters are sent percent-encoded"))
        if entry.get("headers"):
            notes.append(warning(join(at, "headers"), "a part's own headers are not sent (only its content type)"))
        explode = entry.get("explode") if isinstance(entry.get("explode"), bool) else None
        content_type = entry.get("contentType") if isinstance(entry.get("contentType"), str) else None
        if style or explode is not None or (content_type and kind == "multipart"):
            parts.append(PartEncoding(name, style, explode, content_type if kind == "multipart" else None))
    return BodyMedia(media.name, kind, _header(media.name, kind), tuple(parts))


def _whole_type(mapper: TypeMapper, media: Media, kind: BodyKind) -> TypeRef:
    """What `body=` takes for one media type."""
    if kind == "text":
        return STR
    if kind == "binary":
        return BINARY
    hint = mapper.hint(media.schema, for_input=True) if media.schema is not None else ANY
    if kind == "json":  # an object: its model or any mapping
        parts = [MAPPING if part.hint == OBJECT.hint else part for part in hint.parts]
        return union([*parts, MAPPING] if any(part.model for part in parts) else parts)
    return union([*(part for part in hint.parts if part.model), MAPPING])


def _field_params(
    mapper: TypeMapper,
    media: Media,
    sent: BodyMedia,
    required_body: bool,
    where: str,
    notes: list[Diagnostic],
    taken: set[str],
) -> list[Param]:
    """One keyword per writable field of the default media type's object schema (none for a union at the top, or
    a media type that is not made of fields), required ones first."""
    target = media.resolved
    if sent.kind not in ("json", "form", "multipart") or not isinstance(target, dict):
        return []
    if "anyOf" in target or "oneOf" in target:  # a union: `body=` takes it, typed
        return []
    found = collect_fields(mapper, media.schema, join(where, "schema"))
    for at, reason in found.unexpressed:
        notes.append(warning(at, f"{reason}: pass such a body whole (body=)"))
    encoding = {part.field: part for part in sent.encoding}
    params = []
    for wire, prop in found.properties.items():
        resolved = mapper.view.target(prop["$ref"]) if isinstance(prop, dict) and isinstance(prop.get("$ref"), str) else prop  # fmt: skip
        if _read_only(prop) or _read_only(resolved):
            continue
        if sent.kind == "multipart":
            hint = _part_type(mapper, prop, resolved, encoding.get(wire))
        else:
            hint = mapper.hint(prop, for_input=True)
        description = first_line(prop.get("description") if isinstance(prop, dict) else "")
        required = required_body and wire in found.required
        params.append(Param(wire, unique(snake(wire), taken), "body", hint, required, description))
    params.sort(key=lambda param: not param.required)
    return params


def _read_only(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("readOnly") is True


def _part_type(mapper: TypeMapper, prop: Any, resolved: Any, how: PartEncoding | None) -> TypeRef:
    """A multipart field's type: a file for a binary string (or a field whose `contentType` is not text), a list of
    files for an array of them, a file or text for a plain string (specs often leave `format: binary` out)."""
    if isinstance(resolved, dict) and resolved.get("type") == "array":
        items = resolved.get("items")
        items_resolved = mapper.view.target(items["$ref"]) if isinstance(items, dict) and "$ref" in items else items
        if _is_file(items_resolved, how):
            return generic("list", FILE)
    if _is_file(resolved, how):
        return FILE
    if _is_plain_string(resolved):
        return union([STR, FILE])
    return mapper.hint(prop, for_input=True)


def _is_file(schema: Any, how: PartEncoding | None) -> bool:
    if not isinstance(schema, dict) or schema.get("type", "string") != "string":
        return False
    if schema.get("format") == "binary" or "contentMediaType" in schema or schema.get("contentEncoding") == "binary":
        return True
    textual = ("text/", "application/json")
    return how is not None and how.content_type is not None and not how.content_type.startswith(textual)


def _is_plain_string(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "string" and not ({"format", "enum", "const"} & set(schema))  # fmt: skip

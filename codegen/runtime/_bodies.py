"""Request bodies: each media type an operation declares, encoded by httpx2's own encoders.

An operation's `Endpoint` lists the media types its body can be sent as (`MediaType`, the default first); a call
gives the body either as keywords (`RequestOptions.fields`) or whole (`body=`, a model, a mapping, bytes, text or a
stream, as the media type takes), never both, and may choose the media type (`content_type=`). By kind:

| kind        | the body                                  | sent as                                             |
|-------------|-------------------------------------------|-----------------------------------------------------|
| `json`      | anything JSON (models by their aliases)   | `content=` (compact JSON), the spec's content type  |
| `form`      | fields (a mapping or a model)             | `data=`: the spec's `encoding` (`style`, `explode`) |
| `multipart` | fields; files as `FileTypes`              | `files=`: one part per value, in order              |
| `text`      | `str`                                     | `content=`, UTF-8                                   |
| `binary`    | `BinaryContent`: bytes, a file, chunks    | `content=`, as it is                                |

In a form, `None` is sent as an empty value (a form has no null), `True`/`False` as `true`/`false`, a nested
object under `style: deepObject` as `name[key]=value` (deeper: `name[a][b]`, lists `name[0]`), under `form` with
`explode` as its own fields, without `explode` as `name=k1,v1,k2,v2`; a list under `form` with `explode` as one
`name=` per item, without as `name=a,b` (`spaceDelimited`: `a b`, `pipeDelimited`: `a|b`). In a multipart body, a file
(bytes, a binary file object or a `(filename, content[, content_type])` tuple) is a file part, a text, number or
boolean a plain part (with the field's `encoding.contentType`, if the spec gives one), an object a JSON part, a
list one part per item; a field with an explicit `style: deepObject` is flattened as in a form.

A body that is a stream (a file object, chunks) can be resent only when it can be rewound: `EncodedBody.rewind`
says whether it could, and the client does not retry a request whose body could not be.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import IO, Any, Literal, cast

import pydantic
import pydantic_core

from ._types import NOT_GIVEN

__all__: list[str] = []

BodyKind = Literal["json", "form", "multipart", "text", "binary"]
_CHUNK = 65_536


@dataclass(frozen=True, slots=True)
class FieldEncoding:
    """How one field of a form or multipart body is written: its entry in the media type's `encoding`.

    Attributes:
        style: `form` (the default), `spaceDelimited`, `pipeDelimited` or `deepObject`; `None` when the spec gives
            none (a multipart object is then a JSON part).
        explode: `None` for the style's default (`True` for `form` only).
        content_type: the part's content type in a multipart body (a file given without one, or a value that is not
            a file); `None`: a file's is guessed from its name, a value is a plain part.
    """

    style: str | None = None
    explode: bool | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class MediaType:
    """One media type an operation's body can be sent as.

    Attributes:
        name: the media type as the spec writes it, the value of the method's `content_type=`.
        kind: how the body is encoded (see the module's table).
        header: the `content-type` sent when it is not `name` (`*/*` sends `application/json`); form and multipart
            bodies send httpx2's own (multipart with its boundary).
        encoding: field name -> how it is written, for the fields the spec's `encoding` names.

    Example:
        >>> form = MediaType("application/x-www-form-urlencoded", "form", encoding={"metadata": FieldEncoding("deepObject")})
        >>> form.kind, form.encoding["metadata"].style
        ('form', 'deepObject')
    """

    name: str
    kind: BodyKind
    header: str | None = None
    encoding: Mapping[str, FieldEncoding] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.header or self.name


JSON = MediaType("application/json", "json")
"""The media type of an endpoint that declares no other."""


def _no_rewind() -> bool:
    return True


@dataclass(slots=True)
class EncodedBody:
    """What `httpx2`'s `build_request` gets for a body, and how to make it sendable again.

    Attributes:
        arguments: the keyword arguments for `build_request` (`content=`, `data=`, `files=`), empty for no body.
        headers: headers the body needs (its `content-type`, a stream's `content-length`).
        rewind: puts a stream back where it started for a resend; returns `False` when it cannot (the request is
            then not retried).
    """

    arguments: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    rewind: Callable[[], bool] = _no_rewind


NO_BODY = EncodedBody()


def choose(
    media: tuple[MediaType, ...],
    required: tuple[str, ...],
    fields: Mapping[str, object] | None,
    body: object,
    content_type: str | None,
) -> tuple[MediaType, object] | None:
    """The media type to send and the body value (a dict of the given fields, or `body=`), or `None` for no body.

    Raises:
        TypeError: both `body=` and field keywords, or neither `body=` nor a field that `required` lists.
        ValueError: a `content_type` the endpoint does not declare.
    """
    chosen = media[0] if content_type is None else next((m for m in media if m.name == content_type), None)
    if chosen is None:
        raise ValueError(f"content_type {content_type!r} is not one of {', '.join(repr(m.name) for m in media)}")
    given = {key: value for key, value in (fields or {}).items() if value is not NOT_GIVEN}
    if body is not NOT_GIVEN:
        if given:
            raise TypeError(f"pass the body either whole (body=) or as keywords, not both (got {', '.join(given)})")
        return chosen, body
    missing = [name for name in required if name not in given]
    if missing:
        raise TypeError(f"missing required body field(s) {', '.join(missing)} (or pass the whole body as body=)")
    if fields is None:
        return None
    return chosen, given


def encode(media: MediaType, value: object, *, asynchronous: bool) -> EncodedBody:
    """`value` as `media` says, for a sync or an async client (which reads sync streams through an async iterator).

    Raises:
        TypeError: a value the media type's kind cannot take (a mapping as a binary body, say).
    """
    if media.kind == "json":
        content = pydantic_core.to_json(value, by_alias=True)
        return EncodedBody({"content": content}, {"content-type": media.content_type})
    if media.kind == "form":
        return EncodedBody({"data": _grouped(form_pairs(_jsonable_fields(value, media), media.encoding))})
    if media.kind == "multipart":
        parts = multipart_parts(_fields(value, media), media.encoding)
        return EncodedBody({"files": parts}, rewind=lambda: all(_rewind_file(part) for _, part in parts))
    if media.kind == "text":
        if not isinstance(value, str):
            raise TypeError(f"a {media.name} body is a str, not {type(value).__name__}")
        return EncodedBody({"content": value.encode()}, {"content-type": media.content_type})
    return _binary(media, value, asynchronous)


def _binary(media: MediaType, value: object, asynchronous: bool) -> EncodedBody:
    headers = {"content-type": media.content_type}
    if isinstance(value, str | bytes | bytearray | memoryview):
        return EncodedBody({"content": value.encode() if isinstance(value, str) else bytes(value)}, headers)
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"a {media.name} body is bytes, str, a binary file or an iterable of bytes, not {type(value).__name__}")  # fmt: skip
    stream = _Stream(cast(Iterable[bytes], value))
    if stream.length is not None:
        headers["content-length"] = str(stream.length)
    return EncodedBody({"content": _AsyncChunks(stream) if asynchronous else value}, headers, stream.rewind)


class _Stream:
    """A binary file or an iterable of bytes as a request body, rewound for a resend when it can be.

    A seekable file is read from where it stood when the call was made; its remaining length is sent as
    `content-length`. An iterator (a generator, a pipe) can be read once only.
    """

    def __init__(self, source: Iterable[bytes]) -> None:
        self.source = source
        self.start: int | None = None
        self.length: int | None = None
        if hasattr(source, "read"):
            try:
                file = cast(IO[bytes], source)
                self.start = file.tell()
                self.length = max(file.seek(0, io.SEEK_END) - self.start, 0)
                file.seek(self.start)
            except (OSError, ValueError, AttributeError):
                self.start = self.length = None

    def rewind(self) -> bool:
        if self.start is not None:
            cast(IO[bytes], self.source).seek(self.start)
            return True
        return not hasattr(self.source, "read") and iter(self.source) is not self.source

    def chunks(self) -> Iterator[bytes]:
        if hasattr(self.source, "read"):
            file = cast(IO[bytes], self.source)
            while chunk := file.read(_CHUNK):
                yield chunk
        else:
            yield from self.source


@dataclass(frozen=True, slots=True)
class _AsyncChunks:
    """A sync `_Stream` as the async iterable an `httpx2.AsyncClient` sends (each iteration reads it afresh)."""

    stream: _Stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.stream.chunks():
            yield chunk


def _rewind_file(file: object) -> bool:
    """Whether a multipart part can be sent again (httpx2 reads each file part from its start)."""
    content = file[1] if isinstance(file, tuple) else file
    if isinstance(content, bytes | str):
        return True
    try:
        return bool(cast(IO[bytes], content).seekable())
    except (AttributeError, ValueError):
        return False


def _fields(value: object, media: MediaType) -> Mapping[str, Any]:
    """A form's or multipart body's fields: a mapping as given, a model by its aliases (values it was not given
    left out), Python values kept (a file stays a file)."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(by_alias=True)
    if isinstance(value, Mapping):
        return value
    raise TypeError(f"a {media.name} body is a mapping of its fields or a model, not {type(value).__name__}")


def _jsonable_fields(value: object, media: MediaType) -> Mapping[str, Any]:
    fields = _fields(value, media)
    return cast(Mapping[str, Any], pydantic_core.to_jsonable_python(fields, by_alias=True))


def scalar_text(value: object) -> str:
    """A value as a form writes it: `true`/`false`, `None` as empty, an enum by its value, dates as in JSON."""
    if isinstance(value, Enum):
        value = value.value
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    jsonable = pydantic_core.to_jsonable_python(value)
    return jsonable if isinstance(jsonable, str) else json.dumps(jsonable, separators=(",", ":"))


def _is_scalar(value: object) -> bool:
    return not isinstance(value, Mapping | list | tuple | pydantic.BaseModel)


_DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}
_NO_ENCODING = FieldEncoding()


def form_pairs(fields: Mapping[str, Any], encoding: Mapping[str, FieldEncoding]) -> list[tuple[str, str]]:
    """The `(name, value)` pairs of a form body, each field written as its `encoding` entry says (OpenAPI's
    defaults otherwise: `style: form`, `explode: true`).

    Example:
        >>> form_pairs({"metadata": {"a": "1"}, "expand": ["x", "y"]}, {"metadata": FieldEncoding("deepObject")})
        [('metadata[a]', '1'), ('expand', 'x'), ('expand', 'y')]
    """
    pairs: list[tuple[str, str]] = []
    for name, value in fields.items():
        how = encoding.get(name, _NO_ENCODING)
        style = how.style or "form"
        explode = how.explode if how.explode is not None else style == "form"
        if style == "deepObject":
            pairs.extend(_deep(name, value))
        elif isinstance(value, Mapping):
            if explode:
                pairs.extend((key, _flat_text(item)) for key, item in value.items())
            else:
                pairs.append((name, ",".join(_flat_text(part) for entry in value.items() for part in entry)))
        elif isinstance(value, list | tuple):
            if explode:
                pairs.extend((name, _flat_text(item)) for item in value)
            else:
                pairs.append((name, _DELIMITERS.get(style, ",").join(_flat_text(item) for item in value)))
        else:
            pairs.append((name, scalar_text(value)))
    return pairs


def _flat_text(value: object) -> str:
    """A value inside a `form` field: a scalar as text, anything deeper as compact JSON."""
    return scalar_text(value) if _is_scalar(value) else json.dumps(value, separators=(",", ":"))


def _deep(name: str, value: object) -> Iterator[tuple[str, str]]:
    """`deepObject` (as Stripe writes it): `name[key]=value`, nested `name[a][b]`, list items `name[0]`."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _deep(f"{name}[{key}]", item)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _deep(f"{name}[{index}]", item)
    else:
        yield name, scalar_text(value)


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Pairs as httpx2's `data=` takes them: name -> values, in order of each name's first pair."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _is_file(value: object) -> bool:
    return isinstance(value, bytes | bytearray | tuple) or hasattr(value, "read")


def multipart_parts(fields: Mapping[str, Any], encoding: Mapping[str, FieldEncoding]) -> list[tuple[str, Any]]:
    """The parts of a multipart body as httpx2's `files=` takes them, in field order: every part goes through
    `files=`, so that a body without a file is still `multipart/form-data` (a plain part has no filename).

    Example:
        >>> multipart_parts({"file": b"%PDF", "days": 3}, {})
        [('file', b'%PDF'), ('days', (None, b'3'))]
    """
    parts: list[tuple[str, Any]] = []
    for name, value in fields.items():
        how = encoding.get(name, _NO_ENCODING)
        if how.style == "deepObject" and not _is_file(value):
            jsonable = pydantic_core.to_jsonable_python(value, by_alias=True)
            parts.extend((key, (None, text.encode())) for key, text in _deep(name, jsonable))
            continue
        items = value if isinstance(value, list) else [value]
        parts.extend((name, _part(item, how)) for item in items)
    return parts


def _part(value: object, how: FieldEncoding) -> object:
    """One part: a file (with the field's content type when it has none), a plain value, or JSON."""
    if isinstance(value, bytearray):
        value = bytes(value)
    if _is_file(value):
        if how.content_type is None or "*" in how.content_type or "," in how.content_type:
            return value
        if isinstance(value, tuple):
            return value if len(value) > 2 else (*value, how.content_type)
        name = getattr(value, "name", None)
        filename = str(name).replace("\\", "/").rsplit("/", 1)[-1] if isinstance(name, str) else "upload"
        return (filename, value, how.content_type)
    if _is_scalar(value):
        text = scalar_text(value).encode()
        return (None, text) if how.content_type is None else (None, text, how.content_type)
    content = pydantic_core.to_json(value, by_alias=True)
    return (None, content, how.content_type or "application/json")

"""Sentinels and small types shared by the generated client."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Final, Literal, TypeAlias

import httpx2

__all__ = ["NOT_GIVEN", "BinaryContent", "FileContent", "FileTypes", "NotGiven", "Timeout"]


class NotGiven:
    """The "not given" sentinel, distinct from `None`.

    Every optional argument of a generated method has three states:

    - omitted (`NOT_GIVEN`, the default): the field is left out of the request entirely;
    - `None`: the field is sent as JSON `null`;
    - a value: the field is sent with that value.

    Example:
        >>> NOT_GIVEN, bool(NOT_GIVEN), NotGiven() is NOT_GIVEN, NOT_GIVEN is not None
        (NOT_GIVEN, False, True, True)
        >>> client.create_item(name="lamp", colour=None)  # doctest: +SKIP
        >>> # sends "colour": null, and no other optional field
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

Timeout: TypeAlias = float | httpx2.Timeout | None
"""Seconds for the whole exchange, an `httpx2.Timeout` for finer control, or `None` for no limit."""

FileContent: TypeAlias = bytes | IO[bytes]
"""A file's content: bytes, or a file object opened in binary mode (read when the request is sent)."""
FileTypes: TypeAlias = FileContent | tuple[str | None, FileContent] | tuple[str | None, FileContent, str | None]
"""A file of a `multipart/form-data` body: its content, or `(filename, content)`, or `(filename, content,
content_type)`. Without a content type, the spec's `encoding.contentType` of the field is sent, else one guessed
from the filename.

Example:
    >>> client.upload_file(file=("report.pdf", open("report.pdf", "rb"), "application/pdf"))
"""
BinaryContent: TypeAlias = bytes | str | IO[bytes] | Iterable[bytes]
"""A body sent as it is (`application/octet-stream` and the other media types that are neither JSON, forms nor
text): bytes, text (sent as UTF-8), a binary file object, or an iterable of bytes (sent as it is produced).

A file object that can seek is rewound for a retry; a body that cannot be rewound (a pipe, a generator) is sent once,
never retried."""


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """What one call sends besides its endpoint: the operation's arguments by location, and the per-call options.

    A generated method packs its arguments into one `RequestOptions`; the base client reads it to build the request.

    Attributes:
        path: values of the path template's parameters.
        query: query parameters; `None` and `NOT_GIVEN` values are left out.
        headers: header parameters of the operation; `None` and `NOT_GIVEN` values are left out.
        fields: the body's fields given as keywords, by their name in the body (`NOT_GIVEN` ones are left out);
            `None` for an operation whose body has no fields.
        body: the whole body given as `body=`, or `NOT_GIVEN`: then the body is made of `fields` (the two are
            never both given; see `_bodies`).
        content_type: the media type to send the body as (one the endpoint declares); `None`: its default.
        extra_headers: sent as given, over everything else (the caller's `extra_headers=`).
        timeout: this call's timeout; `NOT_GIVEN` keeps the client's.
    """

    path: Mapping[str, object] | None = None
    query: Mapping[str, object] | None = None
    headers: Mapping[str, object] | None = None
    fields: Mapping[str, object] | None = None
    body: object = NOT_GIVEN
    content_type: str | None = None
    extra_headers: Mapping[str, str] | None = None
    timeout: Timeout | NotGiven = NOT_GIVEN

"""An operation's `Endpoint`, and reading what comes back: the body parsed into the spec's type (by the tolerant
reader of `_tolerance`), status errors, and the raw `APIResponse`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar, cast

import httpx2
import pydantic
import pydantic_core

from ._bodies import JSON, MediaType
from ._exceptions import APIResponseValidationError, make_status_error
from ._retry import IDEMPOTENT_METHODS
from ._tolerance import Deviation, parse_tolerantly

__all__ = ["APIResponse"]

T = TypeVar("T")

_log = logging.getLogger(__name__.rpartition(".")[0] or __name__)
_REPORTED: set[tuple[str, str, tuple[int | str, ...], str]] = set()
"""(method, path, location, kind) of the deviations already logged as a warning: later ones are logged at debug."""


@dataclass(frozen=True)
class Endpoint(Generic[T]):
    """One operation of the spec: where to send it and how to read what comes back.

    Attributes:
        method: the HTTP method, upper case.
        path: the path template, e.g. `/items/{item_id}`.
        server: the operation's own server (the spec's `servers` on it or its path item), used instead of the
            spec's default one unless the client was given a base URL (`base_url=` or the environment).
        response_type: the type a 2xx JSON body parses into; `None` when the spec declares no body, `bytes` when
            the body is not JSON.
        error_types: the error model the spec declares per status code (`"4XX"`, `"default"` also accepted).
        idempotent: safe to resend after a failure that may have reached the server; `None`: as its method says.
        media: the media types its request body can be sent as, the default first (see `_bodies`).
        required_fields: the body fields a call must give as keywords when it does not give the whole body.
        lazy_types: when given, returns `(response_type, error_types)` in their place, called on the first use
            (a large client's models are imported then, not when the client is).
    """

    method: str
    path: str
    server: str | None = None
    response_type: Any = None
    error_types: Mapping[int | str, Any] = field(default_factory=dict)
    idempotent: bool | None = None
    media: tuple[MediaType, ...] = (JSON,)
    required_fields: tuple[str, ...] = ()
    lazy_types: Callable[[], tuple[Any, Mapping[int | str, Any]]] | None = field(default=None, repr=False)

    @property
    def safe_to_repeat(self) -> bool:
        return self.idempotent if self.idempotent is not None else self.method in IDEMPOTENT_METHODS

    @cached_property
    def types(self) -> tuple[Any, Mapping[int | str, Any]]:
        """`(response_type, error_types)`, those of `lazy_types` once it is first needed."""
        return self.lazy_types() if self.lazy_types is not None else (self.response_type, self.error_types)


_PARSERS: dict[Any, Callable[[bytes], Any]] = {}


def parser_for(type_: Any) -> Callable[[bytes], Any]:
    """A fast JSON parser for `type_`, built once per type."""
    parser = _PARSERS.get(type_)
    if parser is None:
        if type_ is None:
            parser = _parse_none
        elif type_ is bytes:  # a body that is not JSON: handed over as it came
            parser = bytes
        elif isinstance(type_, type) and issubclass(type_, pydantic.BaseModel):
            parser = type_.model_validate_json
        else:
            parser = pydantic.TypeAdapter(type_).validate_json
        _PARSERS[type_] = parser
    return parser


def _parse_none(content: bytes) -> None:
    return None


def _decode(response: httpx2.Response) -> object:
    try:
        return pydantic_core.from_json(response.content) if response.content else None
    except ValueError:
        return response.text


def _parse(endpoint: Endpoint[T], response: httpx2.Response, strict: bool) -> tuple[T, tuple[Deviation, ...]]:
    """The body as `endpoint`'s type, and the deviations tolerated to get it (`_tolerance`'s policy)."""
    try:
        value, found = parse_tolerantly(parser_for(endpoint.types[0]), response.content, strict=strict)
    except pydantic.ValidationError as exc:
        raise _validation_error(response, exc) from None
    _report(endpoint, found)
    return cast(T, value), found


def _validation_error(response: httpx2.Response, exc: pydantic.ValidationError) -> APIResponseValidationError:
    errors = cast(list[dict[str, Any]], exc.errors(include_url=False))
    return APIResponseValidationError(response=response, body=_decode(response), errors=errors)


def _report(endpoint: Endpoint[Any], found: tuple[Deviation, ...]) -> None:
    for deviation in found:
        key = (endpoint.method, endpoint.path, deviation.location, deviation.kind)
        first = key not in _REPORTED
        _REPORTED.add(key)
        _log.log(logging.WARNING if first else logging.DEBUG, "%s %s: response deviates from the spec, kept: %s",
                 endpoint.method, endpoint.path, deviation)  # fmt: skip


def raise_for_status(endpoint: Endpoint[Any], response: httpx2.Response) -> None:
    """Raise the `APIStatusError` subclass of a 4xx/5xx, its body parsed into the spec's error model if it fits."""
    types = endpoint.types[1]
    status = response.status_code
    error_type = types.get(status, types.get(f"{status // 100}XX", types.get("default")))
    body = _decode(response)
    if error_type is not None and body is not None:
        with contextlib.suppress(pydantic.ValidationError):
            body = parser_for(error_type)(response.content)
    raise make_status_error(response, body)


class APIResponse(Generic[T]):
    """The raw HTTP response of a call, and its body parsed on demand.

    Example (with a generated client, so not run here):
        >>> raw = client.with_raw_response.get_item("item_1")  # doctest: +SKIP
        >>> raw.status_code, raw.headers["content-type"]  # doctest: +SKIP
        (200, 'application/json')
        >>> item = raw.parse()  # doctest: +SKIP
    """

    def __init__(self, endpoint: Endpoint[T], response: httpx2.Response, strict: bool) -> None:
        self.http_response = response
        self._endpoint = endpoint
        self._strict = strict
        self._parsed: tuple[T, tuple[Deviation, ...]] | None = None

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx2.Headers:
        return self.http_response.headers

    def parse(self) -> T:
        """The body as the spec's type for this response (raises as the plain method would); parsed once."""
        if self._parsed is None:
            self._parsed = _parse(self._endpoint, self.http_response, self._strict)
        return self._parsed[0]

    @property
    def deviations(self) -> tuple[Deviation, ...]:
        """What the body had that the spec does not allow and the tolerant reader kept (see `_tolerance`).

        Empty when the body matches the spec, and always with `strict=True` (a deviation raises there).
        """
        self.parse()
        assert self._parsed is not None
        return self._parsed[1]

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] {self.http_response.request.method} {self.http_response.url}>"

"""Sentinels and small types shared by the generated client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

import httpx2

__all__ = ["NOT_GIVEN", "NotGiven", "Timeout"]


class NotGiven:
    """The "not given" sentinel, distinct from `None`.

    Every optional argument of a generated method has three states:

    - omitted (`NOT_GIVEN`, the default): the field is left out of the request entirely;
    - `None`: the field is sent as JSON `null`;
    - a value: the field is sent with that value.

    Example:
        >>> client.create_item(name="lamp", colour=None)  # sends "colour": null, no other optional field
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


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """What one call sends besides its endpoint: the operation's arguments by location, and the per-call options.

    A generated method packs its arguments into one `RequestOptions`; the base client reads it to build the request.

    Attributes:
        path: values of the path template's parameters.
        query: query parameters; `None` and `NOT_GIVEN` values are left out.
        headers: header parameters of the operation; `None` and `NOT_GIVEN` values are left out.
        json: the JSON body (a dict's `NOT_GIVEN` entries are left out), or `None` for no body.
        extra_headers: sent as given, over everything else (the caller's `extra_headers=`).
        timeout: this call's timeout; `NOT_GIVEN` keeps the client's.
    """

    path: Mapping[str, object] | None = None
    query: Mapping[str, object] | None = None
    headers: Mapping[str, object] | None = None
    json: object = None
    extra_headers: Mapping[str, str] | None = None
    timeout: Timeout | NotGiven = NOT_GIVEN

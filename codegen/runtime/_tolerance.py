"""The tolerant reader: what the client accepts in a response although the spec does not allow it. The one place
where this policy lives.

Servers drift from their specs in ways that lose no meaning. A client that fails on such a response takes the
user's code down with it, so by default the client parses the response, keeps each value as the server sent it,
and reports every deviation it tolerated. The tolerated deviations, each by the pydantic error type that strict
parsing raises for it:

| error type       | the deviation                                  | kept as                                          |
|------------------|------------------------------------------------|--------------------------------------------------|
| `enum`           | a string enum value the spec does not list     | a pseudo-member, `.is_unknown` is True (`_enums`) |
| `timezone_aware` | a `date-time` without a UTC offset             | a naive `datetime` (`tzinfo` is None)            |

Anything else that does not match the spec (a missing required field, a wrong type) still raises
`APIResponseValidationError`: that loses meaning.

How to see what was tolerated:
- `APIResponse.deviations` (from `client.with_raw_response...`): one `Deviation` per value, with its location;
- the package's logger warns the first time a deviation is seen at an operation's location;
- `strict_parsing()` (a block) or `strict=True` (a client) rejects them all, as the spec says.

Example (with a generated client, so not run here):
    >>> raw = client.with_raw_response.get_item("item_1")  # doctest: +SKIP
    >>> item = raw.parse()                       # parses although `created_at` has no offset  # doctest: +SKIP
    >>> raw.deviations  # doctest: +SKIP
    [Deviation(location=('created_at',), kind='timezone_aware', message='Input should have timezone info', ...)]
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, ValidationError
from pydantic_core import PydanticCustomError

__all__ = ["TOLERATED", "Deviation", "strict_parsing"]

TOLERATED: dict[str, str] = {
    "enum": "a string enum value the spec does not list",
    "timezone_aware": "a date-time without a UTC offset",
}
"""The pydantic error types of the deviations the default (not strict) client accepts, and what each means."""

T = TypeVar("T")

_STRICT: ContextVar[bool] = ContextVar("strict_parsing", default=False)


@contextlib.contextmanager
def strict_parsing(enabled: bool = True) -> Iterator[None]:
    """Reject, while the block runs, every deviation the tolerant reader would accept (see `TOLERATED`).

    Args:
        enabled: `False` re-opens the tolerant reader inside an enclosing strict block.

    Example (with a generated package's `models`, so not run here):
        >>> with strict_parsing():  # doctest: +SKIP
        ...     models.Run.model_validate_json(body)  # raises on an unknown status or a naive date-time
    """
    token = _STRICT.set(enabled)
    try:
        yield
    finally:
        _STRICT.reset(token)


def parse_with(parse: Callable[[bytes], T], content: bytes, *, strict: bool) -> T:
    """`parse(content)` with strict parsing on or off: what `strict_parsing()` does, without a context manager's
    cost (a few microseconds, on every response)."""
    token = _STRICT.set(strict)
    try:
        return parse(content)
    finally:
        _STRICT.reset(token)


def parse_tolerantly(parse: Callable[[bytes], T], content: bytes, *, strict: bool) -> tuple[T, tuple[Deviation, ...]]:
    """`parse(content)` by this policy, and the deviations it tolerated (none when `strict`: they raise).

    A body that matches the spec parses once, strictly. One that does not is parsed again, tolerantly; the strict
    parse's errors say what was tolerated, with their locations.

    Raises:
        pydantic.ValidationError: `content` does not parse even tolerantly (or, with `strict`, strictly).
    """
    try:
        return parse_with(parse, content, strict=True), ()
    except ValidationError as exc:
        if strict:
            raise
        found = deviations_from(exc.errors(include_url=False))
    return parse_with(parse, content, strict=False), found


def is_strict() -> bool:
    """True inside `strict_parsing()`."""
    return _STRICT.get()


def _require_offset(value: datetime) -> datetime:
    if value.tzinfo is None and _STRICT.get():
        raise PydanticCustomError("timezone_aware", "Input should have timezone info")
    return value


DateTime = Annotated[datetime, AfterValidator(_require_offset)]
"""A `date-time`: with a UTC offset as the spec says; without one it is kept naive, except in `strict_parsing()`."""


@dataclass(frozen=True, slots=True)
class Deviation:
    """One value of a response that the spec does not allow and the tolerant reader accepted.

    Attributes:
        location: where it is in the body, as pydantic names it (`("created_at",)`, `("items", 0, "status")`).
        kind: the pydantic error type strict parsing raises for it (a key of `TOLERATED`).
        message: pydantic's message for it.
        value: the value as the server sent it.
    """

    location: tuple[int | str, ...]
    kind: str
    message: str
    value: Any

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.location) or "(body)"
        return f"{where}: {self.message} ({TOLERATED.get(self.kind, self.kind)}): {self.value!r}"


def deviations_from(errors: Sequence[Any]) -> tuple[Deviation, ...]:
    """The tolerated deviations among a strict parse's errors (pydantic's `errors()` dicts), in their order.

    Errors of other types come from union members that did not match and are dropped: the tolerant parse that
    follows a strict failure decides whether the body is acceptable at all.
    """
    return tuple(
        Deviation(location=tuple(error["loc"]), kind=error["type"], message=error["msg"], value=error.get("input"))
        for error in errors
        if error["type"] in TOLERATED
    )

"""Open string enums: values the spec does not list still parse.

A server may grow a new enum value before the spec (and this client) learn of it. Parsing such a response must not
fail, and the value must not be lost. Every string enum of the generated models derives from `OpenStrEnum`:

    >>> Colour("teal")                 # not in the spec
    <Colour.teal: 'teal'>
    >>> Colour("teal").is_unknown
    True
    >>> Colour("teal") == "teal"
    True

Type checkers still see only the known members. Inside `strict_enums()` (or with a client built with
`strict=True`) an unknown value is a validation error instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from enum import StrEnum
from typing import Any

__all__ = ["OpenStrEnum", "strict_enums"]

_STRICT: ContextVar[bool] = ContextVar("strict_enums", default=False)


@contextlib.contextmanager
def strict_enums(enabled: bool = True) -> Iterator[None]:
    """Reject enum values the spec does not list while the block runs (the default outside it: accept them).

    Args:
        enabled: `False` re-opens enums inside an enclosing strict block.
    """
    token = _STRICT.set(enabled)
    try:
        yield
    finally:
        _STRICT.reset(token)


class OpenStrEnum(StrEnum):
    """A `StrEnum` that keeps values it does not know as pseudo-members (see the module docstring)."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str) or _STRICT.get():
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_unknown(self) -> bool:
        """True when the value is not one the spec lists."""
        return type(self).__members__.get(self._name_) is not self

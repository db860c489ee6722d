"""Open string enums: values the spec does not list still parse.

A server may grow a new enum value before the spec (and this client) learn of it. Parsing such a response must not
fail, and the value must not be lost. Every string enum of the generated models derives from `OpenStrEnum`:

    >>> class Colour(OpenStrEnum):     # as the generator writes a spec's enum of "red" and "green"
    ...     RED = "red"
    ...     GREEN = "green"
    >>> Colour("red") is Colour.RED
    True
    >>> Colour("teal")                 # not in the spec
    <Colour.teal: 'teal'>
    >>> Colour("teal").is_unknown
    True
    >>> Colour("teal") == "teal"
    True

Type checkers still see only the known members. Inside `strict_parsing()` (or with a client built with
`strict=True`) an unknown value is a validation error instead: see `_tolerance`, where the policy lives.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from ._tolerance import is_strict

__all__ = ["OpenStrEnum"]


class OpenStrEnum(StrEnum):
    """A `StrEnum` that keeps values it does not know as pseudo-members (see the module docstring)."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str) or is_strict():
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_unknown(self) -> bool:
        """True when the value is not one the spec lists."""
        return type(self).__members__.get(self._name_) is not self

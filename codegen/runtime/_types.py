"""Sentinels and small types shared by the generated client."""

from __future__ import annotations

from typing import Final, Literal, TypeAlias, TypeVar

import httpx2

__all__ = ["NOT_GIVEN", "NotGiven", "Timeout"]

_T = TypeVar("_T")


class NotGiven:
    """The "not given" sentinel, distinct from `None`.

    Every optional argument of a generated method has three states:

    - omitted (`NOT_GIVEN`, the default): the field is left out of the request entirely;
    - `None`: the field is sent as JSON `null`;
    - a value: the field is sent with that value.

    Example:
        >>> client.run_workflow(workflow_id="wpid_1", title=None)  # sends "title": null, no other optional field
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

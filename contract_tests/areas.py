"""The contract areas a finding is filed under, and the named violation every check raises.

Every check in this package raises `ContractViolation` (an `AssertionError`, so pytest and Hypothesis treat it as a
test failure) naming its area and the contract point that broke. Findings of Schemathesis's built-in checks are mapped
onto the same areas by `contract_tests.classify`.

Example:
    >>> raise ContractViolation(Area.STATUS_ENUM, "status_in_enum", "status 'paused' is not a RunStatus")
    Traceback (most recent call last):
    ...
    contract_tests.areas.ContractViolation: [status enum] status_in_enum: status 'paused' is not a RunStatus
"""

from __future__ import annotations

import enum

__all__ = ["Area", "ContractViolation"]


class Area(enum.StrEnum):
    """A part of the contract; the summary groups findings by these, in this order."""

    STATUS_ENUM = "status enum"
    PROXY_OPTIONS = "proxy options"
    NULLABLE_FIELDS = "nullable fields"
    LIFECYCLE = "lifecycle"
    AUTH = "auth"
    RESPONSE_SCHEMA = "response schema"
    REQUEST_VALIDATION = "request validation"
    SERVER_ERRORS = "server errors"


class ContractViolation(AssertionError):
    """One broken contract point.

    Attributes:
        area: the contract area.
        check: the name of the check that broke (a function name in `contract_tests.checks`).
        detail: what was expected and what came instead.
    """

    def __init__(self, area: Area, check: str, detail: str) -> None:
        super().__init__(f"[{area}] {check}: {detail}")
        self.area = area
        self.check = check
        self.detail = detail

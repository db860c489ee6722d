"""The contract areas, which tests judge each, and the named violation every check raises.

Every check in this package raises `ContractViolation` (an `AssertionError`) naming its area, the check, where the
breakage is (a JSON location or an operation) and what kind it is; the last three make its root-cause `key`, so the
same defect seen by many tests, many requests and several checkers is one finding (filed under the area most of its
occurrences name). Findings of Schemathesis's built-in
checks are given the same keys by `contract_tests.checks.classify`.

Example:
    >>> error = ContractViolation(Area.STATUS_ENUM, "status_in_enum", "'paused' is not a RunStatus", "/status", "enum")
    >>> error.key
    'status_in_enum|/status|enum'
    >>> raise error
    Traceback (most recent call last):
    ...
    contract_tests.model.areas.ContractViolation: [status enum] status_in_enum: 'paused' is not a RunStatus
"""

from __future__ import annotations

import enum
from typing import Any

from contract_tests.model.checks import is_registered

__all__ = ["Area", "ContractViolation"]


class Area(enum.StrEnum):
    """A part of the contract; the summary groups findings by these, in this order.

    The first nine are where findings are filed; the last two are the Schemathesis layer, judged as areas of their
    own (their findings are filed under the first nine).
    """

    STATUS_ENUM = "status enum"
    PROXY_OPTIONS = "proxy options"
    NULLABLE_FIELDS = "nullable fields"
    LIFECYCLE = "lifecycle"
    AUTH = "auth"
    RESPONSE_SCHEMA = "response schema"
    REQUEST_VALIDATION = "request validation"
    SERVER_ERRORS = "server errors"
    WEBHOOKS = "webhooks"
    SCHEMATHESIS = "schemathesis"
    STATEFUL = "stateful run"


class ContractViolation(AssertionError):
    """One broken contract point.

    Attributes:
        area: the contract area.
        check: the name of the check that broke (a function name in `contract_tests.checks.reply`).
        detail: what was expected and what came instead (with this occurrence's values).
        location: where it broke: a JSON pointer into a body (`/created_at`, `/run_request/title`), a request field
            (`/proxy_location/country`), or an operation id.
        kind: the kind of breakage (a JSON Schema keyword, a status code, ...).
        operation: the operation whose exchange showed it (may be empty).
        chain: see below.
        strip_headers: request headers its reproduction must leave out (the key, for a finding that a request
            without it was served).
    """

    strip_headers: tuple[str, ...] = ()
    chain: tuple[Any, ...] | None = None
    """Its own reproduction (`record.repro.Exchange`s), when it has a shorter one than the example's chain (the
    smallest request that brings a 5xx back)."""

    def __init__(
        self, area: Area, check: str, detail: str, location: str = "", kind: str = "", operation: str = ""
    ) -> None:
        if not is_registered(check):
            raise ValueError(f"unknown check {check!r}: register it in contract_tests.model.checks")
        super().__init__(f"[{area}] {check}: {detail}")
        self.area = area
        self.check = check
        self.detail = detail
        self.location = location
        self.kind = kind
        self.operation = operation

    @property
    def key(self) -> str:
        """The root cause: check, location and kind (no values, no ids: stable across runs)."""
        return "|".join((self.check, self.location, self.kind))

"""Opt-in contract breaks, one per name, for proving that the contract suite catches what it claims to.

Every fault is off by default. `python -m reference_server --fault NAME` (repeatable) switches one on. Each entry of
`FAULTS` is the fault's whole contract: one line saying which promise of `spec/openapi.yaml` (or of the live service's
behaviour, see `docs/reference_server.md`) it breaks. The contract suite iterates `FAULTS` for its kill matrix.

Example:
    >>> from reference_server.faults import FAULTS
    >>> "status_paused" in FAULTS
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

__all__ = ["FAULTS", "UnknownFaultError", "parse_faults"]

FAULTS: Mapping[str, str] = MappingProxyType(
    {
        "accept_invalid_proxy": "any string is accepted as `proxy_location` (e.g. `MARS`) instead of a 422",
        "cancel_body": 'cancel answers `{"canceled": true}` instead of a JSON `null` body',
        "cancel_terminal": "cancel overwrites a terminal status with `canceled` (terminal statuses must never change)",
        "drop_nullable_key": "responses leave out `failure_reason` when it is null instead of sending `null`",
        "drop_required_key": "responses leave out the required `modified_at` key",
        "ignore_auth": "the API key is not checked: a missing or wrong `x-api-key` is served instead of a 403",
        "naive_timestamps": "timestamps are written without a timezone (`2026-01-01T00:00:00`), not RFC 3339",
        "no_persist": "runs are acknowledged but never stored: GET and cancel of a just-created run answer 404",
        "null_500": "a `title` sent as `null` crashes the handler with a 500",
        "reject_valid_proxy": "the valid proxy names RESIDENTIAL_BR/TR/CA/MX/IT/NL are rejected with a 422",
        "run_request_mangled": "`run_request` does not echo the request: `title` and `parameters` are dropped",
        "status_401": "a missing or wrong API key answers 401 (undocumented) instead of 403",
        "status_paused": "a running run reports status `paused`, a value outside the `RunStatus` enum",
        "status_regresses": "a terminal run goes back to `running` on every other read",
        "validation_shape": "422 bodies carry a string `detail` instead of the list of `{type, loc, msg}` errors",
        "wrong_content_type": "JSON bodies are served as `text/plain` instead of `application/json`",
    }
)


class UnknownFaultError(ValueError):
    """A fault name that is not in `FAULTS`."""


def parse_faults(names: Iterable[str]) -> frozenset[str]:
    """Check fault names against the registry.

    Args:
        names: fault names, e.g. from repeated `--fault` options.

    Returns:
        The set of names.

    Raises:
        UnknownFaultError: when a name is not a key of `FAULTS`.
    """
    chosen = frozenset(names)
    unknown = sorted(chosen - FAULTS.keys())
    if unknown:
        raise UnknownFaultError(f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}")
    return chosen

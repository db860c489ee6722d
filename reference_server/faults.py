"""Opt-in contract breaks, one per name, for proving that the contract suite catches what it claims to.

Every fault is off by default. `python -m reference_server --fault NAME` (repeatable) switches one on. Each entry of
`FAULTS` is the fault's whole contract: one line saying which promise of `spec/openapi.yaml` (or of the live service's
behaviour, see `docs/reference_server.md`) it breaks. The contract suite iterates `FAULTS` for its kill matrix.

A named fault set (`FAULT_SETS`) is a group of faults that together make the stand-in answer like one real server
version: `python -m reference_server --like-skyvern 1.0.56` is `--fault` for each member of `skyvern-1.0.56`.

Example:
    >>> from reference_server.faults import FAULT_SETS, FAULTS, fault_set
    >>> "status_paused" in FAULTS
    True
    >>> sorted(fault_set("1.0.56")) == sorted(FAULT_SETS["skyvern-1.0.56"])
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

__all__ = ["FAULTS", "FAULT_SETS", "UnknownFaultError", "UnknownFaultSetError", "fault_set", "parse_faults"]

FAULTS: Mapping[str, str] = MappingProxyType(
    {
        "accept_invalid_proxy": "any string is accepted as `proxy_location` (e.g. `MARS`) instead of a 422",
        "cancel_body": 'cancel answers `{"canceled": true}` instead of a JSON `null` body',
        "cancel_terminal": "cancel overwrites a terminal status with `canceled` (terminal statuses must never change)",
        "drop_nullable_key": "responses leave out `failure_reason` when it is null instead of sending `null`",
        "drop_required_key": "responses leave out the required `modified_at` key",
        "ignore_auth": "the API key is not checked: a missing or wrong `x-api-key` is served instead of a 403",
        "lax_proxy_location": "`proxy_location` is read as 1.0.56 reads it: RESIDENTIAL_KR/SA are names too and any object "
        'is accepted (`{"country": 1}` is a 200, echoed as sent)',
        "lax_types": 'lax coercion instead of a 422: `ai_fallback: 1` or `"yes"`, `max_screenshot_scrolls: "5"`, a number '
        'or boolean `run_with` (read as `"agent"`); but a `browser_address` longer than a URL may be (2083) is a 422',
        "naive_timestamps": "timestamps are written without a timezone (`2026-01-01T00:00:00`), not RFC 3339",
        "no_persist": "runs are acknowledged but never stored: GET and cancel of a just-created run answer 404",
        "null_500": "a `title` sent as `null` crashes the handler with a 500",
        "reject_valid_proxy": "the valid proxy names RESIDENTIAL_BR/TR/CA/MX/IT/NL are rejected with a 422",
        "run_request_as_parsed": "`run_request` is 1.0.56's parse of the request, not its echo: `run_with` normalised "
        '(`""` reads `"agent"`), `max_screenshot_scrolls` clamped (`-1` reads `0`), every field and its own extras present; '
        "a read has `parameters` `{}` when none were sent",
        "run_request_mangled": "`run_request` does not echo the request: `title` and `parameters` are dropped",
        "status_401": "a missing or wrong API key answers 401 (undocumented) instead of 403",
        "status_paused": "a running run reports status `paused`, a value outside the `RunStatus` enum",
        "status_regresses": "a terminal run goes back to `running` on every other read",
        "title_from_workflow": "`run_request.title` is the workflow's title, whatever `title` was sent (omitted, null, a string)",
        "validation_shape": "422 bodies carry a string `detail` instead of the list of `{type, loc, msg}` errors",
        "wrong_content_type": "JSON bodies are served as `text/plain` instead of `application/json`",
    }
)


FAULT_SETS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        # The open-source Skyvern server 1.0.56 (PyPI `skyvern[local]`), as measured against it on 2026-12-01 (the
        # contract suite's findings, `contract_tests/baselines/skyvern-1.0.56.json`, and requests by hand) and read in
        # its code. Left out: its 5xx answers (`run_with: {}` is a 500 `Unexpected error: TypeError`; a stand-in never
        # mimics a 5xx) and `status_paused`: 1.0.56's RunStatus does list `paused`, but only a workflow run waiting in a
        # human-interaction block is ever paused; its runs of an ordinary workflow go created -> queued -> running ->
        # terminal, while the fault reports `paused` for every unfinished run.
        "skyvern-1.0.56": frozenset(
            {"lax_proxy_location", "lax_types", "naive_timestamps", "run_request_as_parsed", "title_from_workflow"}
        ),
    }
)
"""Named fault sets: each makes the stand-in answer like one real server version (`--like-skyvern VERSION` switches
on the set `skyvern-VERSION`). Every member is a key of `FAULTS`."""

SKYVERN_SET_PREFIX = "skyvern-"


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


class UnknownFaultSetError(ValueError):
    """A server version that has no fault set in `FAULT_SETS`."""


def fault_set(version: str) -> frozenset[str]:
    """The faults that make the stand-in answer like Skyvern `version` (`--like-skyvern VERSION`).

    Args:
        version: a Skyvern server version, e.g. `1.0.56` (`skyvern-1.0.56` is read the same).

    Returns:
        The fault names of the set `skyvern-<version>`.

    Raises:
        UnknownFaultSetError: when there is no set for that version; the message lists the known ones.
    """
    name = version if version.startswith(SKYVERN_SET_PREFIX) else SKYVERN_SET_PREFIX + version
    if name not in FAULT_SETS:
        known = ", ".join(sorted(key.removeprefix(SKYVERN_SET_PREFIX) for key in FAULT_SETS))
        raise UnknownFaultSetError(f"no fault set for Skyvern {version!r}; known versions: {known}")
    return FAULT_SETS[name]

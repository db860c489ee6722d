"""How the real Skyvern server 1.0.56 reads a request where it departs from the spec: what its fault set does.

Read from its code (`skyvern/schemas/runs.py`, `skyvern/schemas/proxy_location.py`,
`skyvern/forge/sdk/workflow/models/validators.py` of PyPI `skyvern` 1.0.56) and checked against its answers. The
faults of `reference_server.faults` that mimic it call these functions:

- `proxy_location` (`read_proxy_location`, `proxy_echo`): its type is `ProxyLocation | GeoTarget | dict[str, Any] | None`. Its enum
  has two names more than the seed (`RESIDENTIAL_KR`, `RESIDENTIAL_SA`); an object that is a GeoTarget of a supported
  country is echoed in full (`{"country": "US", "subdivision": null, "city": null, "isISP": false}`), any other
  object is accepted and echoed as sent.
- lax types (`read_lax_types`: `coerce_types`, `browser_address_error`): pydantic's lax mode: `ai_fallback` takes `1`, `"yes"`, ...;
  `max_screenshot_scrolls` takes `"5"`, `5.0`, `true`; `run_with` goes through a normaliser that reads any number or
  boolean as `"agent"` (an object or an array makes it raise a 500 there: not mimicked, they stay a 422); but its
  `browser_address` is typed a URL, so one longer than a URL may be is refused.
- the parsed `run_request` (`as_parsed`): its `run_request` is the dump of its parsed request model: every field
  present (null, or `RESIDENTIAL`, when not sent), `run_with` normalised (`""` and unknown words read `"agent"`,
  `ai` -> `agent`, `code_v2` -> `code`), `max_screenshot_scrolls` clamped to 0..1000, and its own fields
  (`start_fresh_browser`, ...).

Example:
    >>> errors = [{"type": "int_type", "loc": ["body", "max_screenshot_scrolls"], "msg": "...", "input": "5"}]
    >>> coerce_types({"workflow_id": "w", "max_screenshot_scrolls": "5"}, errors)
    {'max_screenshot_scrolls': 5}
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pydantic

from reference_server.hooks import ReadBody, errors_without
from reference_server.validation import MAX_URL_LENGTH

__all__ = [
    "EXTRA_PROXY_NAMES",
    "SERVER_FIELDS",
    "SUPPORTED_GEO_COUNTRIES",
    "as_parsed",
    "browser_address_error",
    "coerce_types",
    "geo_target",
    "normalize_run_with",
    "proxy_echo",
    "read_lax_types",
    "read_proxy_location",
]

MAX_SCREENSHOT_SCROLLS = 1000
"""The largest `max_screenshot_scrolls` 1.0.56 keeps: a larger value is read as this."""

EXTRA_PROXY_NAMES = frozenset({"RESIDENTIAL_KR", "RESIDENTIAL_SA"})
"""The proxy names 1.0.56 knows beyond the seed's 26."""

SUPPORTED_GEO_COUNTRIES = frozenset(
    {"US", "AR", "AU", "BR", "CA", "DE", "ES", "FR", "GB", "IE", "IN", "IT", "JP", "MX", "NL", "NZ", "PH", "KR", "SA"}
    | {"TR", "ZA"}
)
"""The GeoTarget countries 1.0.56 accepts (an object with another country is kept as a plain object)."""

REQUEST_FIELDS: Mapping[str, Any] = {
    "workflow_id": None,
    "parameters": None,
    "title": None,
    "proxy_location": "RESIDENTIAL",
    "webhook_url": None,
    "totp_url": None,
    "totp_identifier": None,
    "browser_session_id": None,
    "reuse_browser_session": None,
    "browser_profile_id": None,
    "start_fresh_browser": False,
    "max_screenshot_scrolls": None,
    "max_elapsed_time_minutes": None,
    "extra_http_headers": None,
    "cdp_connect_headers": None,
    "browser_address": None,
    "ai_fallback": None,
    "run_with": None,
    "browser_type": None,
    "run_metadata": None,
    "file_ids": None,
}
"""1.0.56's `WorkflowRunRequest` fields, in its order, with their defaults."""

SERVER_FIELDS = frozenset(
    {
        "reuse_browser_session",
        "start_fresh_browser",
        "max_elapsed_time_minutes",
        "cdp_connect_headers",
        "browser_type",
        "run_metadata",
        "file_ids",
    }
)
"""The fields of 1.0.56's request that the spec does not list (echoed as sent, else their default)."""

_LEGACY_RUN_WITH = {"ai": "agent", "code_v2": "code"}
_RUN_WITH = ("agent", "code")
_BOOL: pydantic.TypeAdapter[bool] = pydantic.TypeAdapter(bool)
_INT: pydantic.TypeAdapter[int] = pydantic.TypeAdapter(int)


def _errors_at(errors: list[dict[str, Any]], name: str) -> bool:
    return any(list(error.get("loc", [])[:2]) == ["body", name] for error in errors)


def geo_target(value: Mapping[str, Any]) -> dict[str, Any] | None:
    """The object as 1.0.56's `GeoTarget` model dumps it, or None when that model refuses it (a plain object then).

    Example:
        >>> geo_target({"country": "us", "subdivision": "us-ca"})
        {'country': 'US', 'subdivision': 'CA', 'city': None, 'isISP': False}
        >>> geo_target({"country": 1}) is None
        True
    """
    country = value.get("country")
    subdivision = value.get("subdivision")
    city = value.get("city")
    if not isinstance(country, str) or len(country) != 2 or country.upper() not in SUPPORTED_GEO_COUNTRIES:
        return None
    if subdivision is not None and not (isinstance(subdivision, str) and len(subdivision) <= 10):
        return None
    if city is not None and not (isinstance(city, str) and len(city) <= 100):
        return None
    try:
        is_isp = _BOOL.validate_python(value.get("isISP", False))
    except pydantic.ValidationError:
        return None
    if isinstance(subdivision, str):
        subdivision = subdivision.upper()
        if "-" in subdivision:
            subdivision = subdivision.split("-", 1)[1]
    return {"country": country.upper(), "subdivision": subdivision, "city": city, "isISP": is_isp}


def normalize_run_with(value: Any) -> Any:
    """1.0.56's `run_with` normaliser: `agent` and `code` stay, `ai` and `code_v2` are renamed, anything else (a
    number, a boolean, any other string) reads `agent`; null stays null."""
    if value is None:
        return None
    if isinstance(value, str) and value in _LEGACY_RUN_WITH:
        return _LEGACY_RUN_WITH[value]
    return value if isinstance(value, str) and value in _RUN_WITH else "agent"


def proxy_echo(proxy: Any) -> Any:
    """The `run_request` echo 1.0.56 gives a `proxy_location` the spec may refuse, or None when it reads it as the
    spec does (a seed name, null, or no value).

    Example:
        >>> proxy_echo("RESIDENTIAL_KR"), proxy_echo({"country": 1}), proxy_echo("MARS")
        ('RESIDENTIAL_KR', {'country': 1}, None)
    """
    if isinstance(proxy, str) and proxy in EXTRA_PROXY_NAMES:
        return proxy
    if isinstance(proxy, dict):
        return geo_target(proxy) or copy.deepcopy(proxy)
    return None


def read_proxy_location(sent: Any, read: ReadBody) -> ReadBody:
    """`read` with `proxy_location` as 1.0.56 reads it: its errors gone and its value echoed as `proxy_echo` says,
    when that takes it."""
    echo = proxy_echo(sent.get("proxy_location")) if isinstance(sent, dict) else None
    if echo is None:
        return read
    body = {key: value for key, value in read.body.items() if key != "proxy_location"}
    return ReadBody(errors_without(read.errors, ["proxy_location"]), body, {**read.echo, "proxy_location": echo})


def read_lax_types(sent: Any, read: ReadBody) -> ReadBody:
    """`read` with the values 1.0.56's lax mode coerces in place (`coerce_types`) and their errors gone, and a
    `browser_address` longer than a URL refused (`browser_address_error`)."""
    if not isinstance(sent, dict):
        return read
    coerced = coerce_types(sent, read.errors)
    errors = errors_without(read.errors, coerced)
    too_long = browser_address_error(sent)
    if too_long is not None:
        errors.append(too_long)
    return replace(read, errors=errors, body={**read.body, **coerced})


def coerce_types(body: Mapping[str, Any], errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The values 1.0.56's lax mode makes of fields the spec refuses (those with an error in `errors`), by name.

    Args:
        body: the parsed JSON body.
        errors: its FastAPI-style validation errors.

    Returns:
        The coerced values; their fields' errors are no longer errors.
    """
    coerced: dict[str, Any] = {}
    for name, adapter in (("ai_fallback", _BOOL), ("max_screenshot_scrolls", _INT)):
        if body.get(name) is not None and _errors_at(errors, name):
            try:
                coerced[name] = adapter.validate_python(body[name])
            except pydantic.ValidationError:
                continue
    if isinstance(body.get("run_with"), int | float):  # bool is an int
        coerced["run_with"] = "agent"
    return coerced


def browser_address_error(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The 422 item 1.0.56 gives a `browser_address` longer than a URL may be (it types the field a URL), or None."""
    address = body.get("browser_address")
    if not (isinstance(address, str) and len(address) > MAX_URL_LENGTH):
        return None
    msg = f"URL should have at most {MAX_URL_LENGTH} characters"
    return {"type": "url_too_long", "loc": ["body", "browser_address"], "msg": msg, "input": address}


def as_parsed(echo: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """`run_request` as 1.0.56 dumps its parsed request: every field (its own too), `run_with` normalised,
    `max_screenshot_scrolls` clamped."""
    parsed = {name: echo.get(name, default) for name, default in REQUEST_FIELDS.items()}
    for name in SERVER_FIELDS:
        if name in body:
            parsed[name] = copy.deepcopy(body[name])
    parsed["run_with"] = normalize_run_with(parsed["run_with"])
    scrolls = parsed["max_screenshot_scrolls"]
    if isinstance(scrolls, int) and not isinstance(scrolls, bool):
        parsed["max_screenshot_scrolls"] = max(0, min(MAX_SCREENSHOT_SCROLLS, scrolls))
    return parsed

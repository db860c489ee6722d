"""How the real Skyvern server 1.0.56 reads a request where it departs from the spec: the faults of its fault set.

Read from its code (`skyvern/schemas/runs.py`, `skyvern/schemas/proxy_location.py`,
`skyvern/forge/sdk/workflow/models/validators.py` of PyPI `skyvern` 1.0.56) and checked against its answers:

- `lax_proxy_location`: its `proxy_location` is `ProxyLocation | GeoTarget | dict[str, Any] | None`. Its enum has two
  names more than the seed (`RESIDENTIAL_KR`, `RESIDENTIAL_SA`); an object that is a GeoTarget of a supported country
  is echoed in full (`{"country": "US", "subdivision": null, "city": null, "isISP": false}`), any other object is
  accepted and echoed as sent.
- `lax_types`: pydantic's lax mode: `ai_fallback` takes `1`, `"yes"`, ...; `max_screenshot_scrolls` takes `"5"`,
  `5.0`, `true`; `run_with` goes through a normaliser that reads any number or boolean as `"agent"` (an object or an
  array makes it raise a 500 there: not mimicked, they stay a 422).
- `run_request_as_parsed`: its `run_request` is the dump of its parsed request model: every field present (null, or
  `RESIDENTIAL`, when not sent), `run_with` normalised (`""` and unknown words read `"agent"`, `ai` -> `agent`,
  `code_v2` -> `code`), `max_screenshot_scrolls` clamped to 0..1000, and its own fields (`start_fresh_browser`, ...).
- `title_from_workflow`: its `run_request.title` is the workflow's title, whatever was sent.

Example:
    >>> errors = [{"type": "int_type", "loc": ["body", "max_screenshot_scrolls"], "msg": "...", "input": "5"}]
    >>> relaxed = relax({"workflow_id": "w", "max_screenshot_scrolls": "5"}, errors, frozenset({"lax_types"}))
    >>> relaxed.errors, relaxed.body
    ([], {'workflow_id': 'w', 'max_screenshot_scrolls': 5})
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pydantic

from reference_server.bodies import MAX_SCREENSHOT_SCROLLS
from reference_server.validation import MAX_URL_LENGTH

__all__ = [
    "ECHO_FAULTS",
    "EXTRA_PROXY_NAMES",
    "SERVER_FIELDS",
    "SUPPORTED_GEO_COUNTRIES",
    "Relaxed",
    "as_parsed",
    "geo_target",
    "normalize_run_with",
    "relax",
    "shape_echo",
]

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

ECHO_FAULTS = frozenset({"lax_proxy_location", "lax_types", "run_request_as_parsed", "title_from_workflow"})
"""Faults whose `run_request` may be something the generated model would not parse (served as stored)."""

_LEGACY_RUN_WITH = {"ai": "agent", "code_v2": "code"}
_RUN_WITH = ("agent", "code")
_BOOL: pydantic.TypeAdapter[bool] = pydantic.TypeAdapter(bool)
_INT: pydantic.TypeAdapter[int] = pydantic.TypeAdapter(int)


@dataclass(frozen=True, slots=True)
class Relaxed:
    """A request as a lax server reads it.

    Attributes:
        errors: the validation errors that remain.
        body: the body to parse with the generated model (coerced values in place, lax objects taken out).
        echo: values for `run_request` that the generated model cannot carry, by field.
    """

    errors: list[dict[str, Any]]
    body: Any
    echo: dict[str, Any] = field(default_factory=dict)


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


def relax(body: Any, errors: list[dict[str, Any]], faults: frozenset[str]) -> Relaxed:
    """Drop the validation errors a lax server would not raise, under `lax_proxy_location` and `lax_types`.

    Args:
        body: the parsed JSON body.
        errors: its FastAPI-style validation errors.
        faults: the faults switched on.

    Returns:
        The errors left, the body to parse and the values to echo instead.
    """
    if not isinstance(body, dict) or not faults & {"lax_proxy_location", "lax_types"}:
        return Relaxed(errors, body)
    parse = dict(body)
    echo: dict[str, Any] = {}
    relaxed: set[str] = set()
    proxy = body.get("proxy_location")
    if "lax_proxy_location" in faults and (
        (isinstance(proxy, str) and proxy in EXTRA_PROXY_NAMES) or isinstance(proxy, dict)
    ):
        relaxed.add("proxy_location")
        del parse["proxy_location"]
        echo["proxy_location"] = proxy if isinstance(proxy, str) else (geo_target(proxy) or copy.deepcopy(proxy))
    if "lax_types" in faults:
        for name, adapter in (("ai_fallback", _BOOL), ("max_screenshot_scrolls", _INT)):
            if body.get(name) is not None and _errors_at(errors, name):
                try:
                    parse[name] = adapter.validate_python(body[name])
                except pydantic.ValidationError:
                    continue
                relaxed.add(name)
        if isinstance(body.get("run_with"), int | float):  # bool is an int
            parse["run_with"] = "agent"
            relaxed.add("run_with")
    left = [error for error in errors if not any(list(error.get("loc", [])[:2]) == ["body", n] for n in relaxed)]
    address = body.get("browser_address")
    if "lax_types" in faults and isinstance(address, str) and len(address) > MAX_URL_LENGTH:  # 1.0.56 types it a URL
        msg = f"URL should have at most {MAX_URL_LENGTH} characters"
        left.append({"type": "url_too_long", "loc": ["body", "browser_address"], "msg": msg, "input": address})
    return Relaxed(left, parse, echo)


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


def shape_echo(echo: dict[str, Any], body: Mapping[str, Any], title: str, faults: frozenset[str]) -> dict[str, Any]:
    """The `run_request` echo under the echo-shaping faults (`run_request_as_parsed`, `title_from_workflow`).

    Args:
        echo: the echo of the request (after `relax`).
        body: the request body as sent.
        title: the workflow's title.
        faults: the faults switched on.

    Returns:
        The echo to serve.
    """
    if "run_request_as_parsed" in faults:
        echo = as_parsed(echo, body)
    if "title_from_workflow" in faults:
        echo = {**echo, "title": title}
    return echo

"""Validation with JSON Schema semantics, reported FastAPI style; body reading limits; URL checks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_server.validation import BodyError, RequestValidator, load_spec, parse_json_body, url_problem

VALIDATOR = RequestValidator(load_spec())


@pytest.mark.parametrize(
    "body",
    [
        {"workflow_id": "wpid_1"},
        {"workflow_id": "wpid_1", "max_screenshot_scrolls": 14.0},
        {"workflow_id": "wpid_1", "proxy_location": "RESIDENTIAL_ISP"},
        {"workflow_id": "wpid_1", "proxy_location": {"country": "us", "subdivision": None}},
        {"workflow_id": "", "unknown": [1, 2], "parameters": {"a": {"b": None}}},
        {"workflow_id": "wpid_1", **dict.fromkeys(["parameters", "title", "proxy_location", "run_with"])},
    ],
)
def test_valid_bodies(body: dict[str, Any]) -> None:
    assert VALIDATOR.body_errors(body) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [("missing", ["body", "workflow_id"])]),
        ([], [("model_attributes_type", ["body"])]),
        ({"workflow_id": None}, [("string_type", ["body", "workflow_id"])]),
        ({"workflow_id": "w", "proxy_location": "us-ca"}, [("enum", ["body", "proxy_location"])]),
        (
            {"workflow_id": "w", "proxy_location": {"country": "U"}},
            [("string_too_short", ["body", "proxy_location", "country"])],
        ),
        (
            {"workflow_id": "w", "proxy_location": {"country": "US", "city": "x" * 101}},
            [("string_too_long", ["body", "proxy_location", "city"])],
        ),
        ({"workflow_id": "w", "max_screenshot_scrolls": True}, [("int_type", ["body", "max_screenshot_scrolls"])]),
        (
            {"workflow_id": 1, "title": 2},
            [("string_type", ["body", "title"]), ("string_type", ["body", "workflow_id"])],
        ),
    ],
)
def test_errors_are_fastapi_shaped(body: Any, expected: list[tuple[str, list[str]]]) -> None:
    errors = VALIDATOR.body_errors(body)
    assert [(error["type"], error["loc"]) for error in errors] == expected
    for error in errors:
        assert isinstance(error["msg"], str)
        assert "input" in error


@pytest.mark.parametrize(
    ("value", "parsed", "ok"),
    [
        *[(None, None, True), ("14", 14, True), (" -3 ", -3, True), ("14.0", 14, True), ("null", None, True)],
        *[("", None, False), ("1.5", None, False), ("1e3", None, False), ("ten", None, False), ("1_000", None, False)],
    ],
)
def test_max_steps_header(value: str | None, parsed: int | None, ok: bool) -> None:
    result, errors = RequestValidator.max_steps_header(value)
    assert result == parsed
    assert (errors == []) is ok
    if not ok:
        assert errors[0]["loc"] == ["header", "x-max-steps-override"]


@pytest.mark.parametrize(
    ("values", "parsed", "ok"),
    [
        *[([], False, True), (["true"], True, True), (["False"], False, True), (["1"], True, True)],
        *[(["maybe"], False, False), (["true", "nope"], False, False)],
    ],
)
def test_template_query(values: list[str], parsed: bool, ok: bool) -> None:
    result, errors = RequestValidator.template_query(values)
    assert result is parsed
    assert (errors == []) is ok
    if not ok:
        assert errors[0]["loc"] == ["query", "template"]


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        (b"", "application/json", 422),
        (b"  ", None, 422),
        (b"{", "application/json", 422),
        (b'{"a": NaN}', "application/json", 422),
        (b'{"a": -Infinity}', "application/json", 422),
        (b'{"a": 1e400}', "application/json", 422),
        (b'{"a": ' + b"9" * 5000 + b"}", "application/json", 422),
        (b"[" * 65 + b"]" * 65, "application/json", 422),
        (b"[" * 50_000, "application/json", 422),
        (b"{}", "text/plain", 422),
        (b'{"a": "\xff"}', "application/json", 400),
    ],
)
def test_unreadable_bodies(raw: bytes, content_type: str | None, status: int) -> None:
    with pytest.raises(BodyError) as caught:
        parse_json_body(raw, content_type)
    assert caught.value.status == status


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "application/json; charset=utf-8", "application/vnd.x+json"]
)
def test_readable_bodies(content_type: str | None) -> None:
    assert parse_json_body(b'{"a": [1.5, "\\ud800"]}', content_type) == {"a": [1.5, "\ud800"]}
    assert parse_json_body(b"[" * 64 + b"]" * 64, content_type) is not None
    assert parse_json_body(b'\xef\xbb\xbf{"a": 1}', content_type) == {"a": 1}  # BOM, as FastAPI reads it
    assert parse_json_body('{"a": "é"}'.encode("utf-16"), content_type) == {"a": "é"}


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/hook", True),
        ("http://127.0.0.1:8080/x?y=1", True),
        ("HTTP://EXAMPLE.COM", True),
        ("ftp://example.com", False),
        ("example.com/hook", False),
        ("http://", False),
        ("http://exa mple.com", False),
        ("http://example.com:99999", False),
        ("http://example.com:0/", False),
        ("http://[::1", False),
        ("https://example.com/" + "a" * 3000, False),
        ("javascript:alert(1)", False),
    ],
)
def test_url_problem(url: str, ok: bool) -> None:
    assert (url_problem(url) is None) is ok


# -- the compiled fast path agrees with Python jsonschema ---------------------------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.integers(min_value=-3, max_value=3).map(float)  # integral floats: integers to JSON Schema
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["RESIDENTIAL", "RESIDENTIAL_ISP", "NONE", "MARS", "", "US", "ß", "\ud800"])
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_GEO = st.fixed_dictionaries(
    {},
    optional={"country": _SCALARS, "subdivision": _SCALARS, "city": _SCALARS | st.text(min_size=99, max_size=102)},
)
_TEXT = st.none() | st.text(max_size=12)
_PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "parameters": st.none() | st.dictionaries(st.text(max_size=4), _JSON, max_size=3),
    "title": _TEXT,
    "proxy_location": st.none() | st.sampled_from(["RESIDENTIAL", "RESIDENTIAL_ISP", "NONE", "MARS"]) | _GEO,
    "webhook_url": _TEXT,
    "totp_url": _TEXT,
    "totp_identifier": _TEXT,
    "browser_session_id": _TEXT,
    "browser_profile_id": _TEXT,
    "max_screenshot_scrolls": st.none() | st.integers(-(2**70), 2**70) | st.integers(-3, 3).map(float),
    "extra_http_headers": st.none() | st.dictionaries(st.text(max_size=4), st.text(max_size=4) | _SCALARS, max_size=2),
    "browser_address": _TEXT,
    "ai_fallback": st.none() | st.booleans(),
    "run_with": _TEXT,
    "unknown": _JSON,
}


# Mostly plausible fields (so that many bodies are valid), now and then any JSON value in their place.
def _mostly(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.integers(0, 9).flatmap(lambda roll: _JSON if roll == 0 else plausible)


_BODIES = (
    st.fixed_dictionaries(
        {"workflow_id": _mostly(st.text(max_size=8))},
        optional={name: _mostly(plausible) for name, plausible in _PLAUSIBLE.items()},
    )
    | _JSON
)


def _has_lone_surrogate(body: Any) -> bool:
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_BODIES)
def test_fast_validator_agrees_with_jsonschema(body: Any) -> None:
    """The compiled validator may only short-cut what Python jsonschema also finds valid (and it sees every body
    but one holding a lone surrogate, which it cannot convert: Python jsonschema decides that one alone)."""
    verdict = VALIDATOR.fast_is_valid(body)
    errors = VALIDATOR.schema_errors(body)
    if verdict is None:
        assert _has_lone_surrogate(body), body
    else:
        assert verdict == (errors == []), errors
    assert VALIDATOR.body_errors(body) == errors


@pytest.mark.parametrize(
    "body",
    [
        {"workflow_id": "w", "max_screenshot_scrolls": 10**400},
        {"workflow_id": "w", "max_screenshot_scrolls": 1e300},
        {"workflow_id": "w", "max_screenshot_scrolls": -0.0},
        {"workflow_id": "w", "proxy_location": {"country": "ÜS"}},
        {"workflow_id": "w", "proxy_location": {"country": "U\ud800"}},
        {"workflow_id": "w", "extra_http_headers": {"a": 1}},
        {"workflow_id": "w", "parameters": []},
        {"workflow_id": "w", "ai_fallback": 0},
    ],
)
def test_fast_validator_edge_values(body: dict[str, Any]) -> None:
    verdict = VALIDATOR.fast_is_valid(body)
    assert verdict in (None, VALIDATOR.schema_errors(body) == [])


def test_a_spec_with_patterns_is_validated_by_jsonschema_alone() -> None:
    spec = load_spec()
    spec["components"]["schemas"]["GeoTarget"]["properties"]["country"]["pattern"] = "^[A-Z]{2}$"
    validator = RequestValidator(spec)
    assert validator.fast_is_valid({"workflow_id": "w"}) is None
    assert validator.body_errors({"workflow_id": "w", "proxy_location": {"country": "us"}})[0]["type"] == "value_error"
    assert validator.body_errors({"workflow_id": "w", "proxy_location": {"country": "US"}}) == []

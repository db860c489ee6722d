"""Validation with JSON Schema semantics, reported FastAPI style; body reading limits; URL checks."""

from __future__ import annotations

from typing import Any

import pytest

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

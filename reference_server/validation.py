"""Request validation against `spec/openapi.yaml` with JSON Schema semantics, reported FastAPI style.

JSON Schema, not pydantic, decides what is valid: `14.0` is an integer and a plain string is an enum value, exactly as
the spec (and Schemathesis) read it. Only a request that passes is parsed into the generated models. Failures become
FastAPI-shaped items `{"type", "loc", "msg", "input", "ctx"?}` with `loc` like `["body", "proxy_location"]`,
`["header", "x-max-steps-override"]` or `["query", "template"]`, so clients see what the live service would send.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import jsonschema_rs
import yaml
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "DEFAULT_SPEC_PATH",
    "MAX_DEPTH",
    "BodyError",
    "RequestValidator",
    "body_problem",
    "load_spec",
    "parse_json_body",
    "url_problem",
]

DEFAULT_SPEC_PATH = (Path(__file__).parent / "openapi.yaml").resolve()
"""`spec/openapi.yaml`: this package's `openapi.yaml` is a symlink to it in a checkout and a copy of it in the wheel."""
SPEC_URI = "urn:skyvern-run-contract:openapi"
MAX_DEPTH = 64
MAX_URL_LENGTH = 2083
_INTEGER = re.compile(r"[+-]?[0-9]+(\.0*)?")
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})

Item = dict[str, Any]

_TYPE_ERRORS: Mapping[str, tuple[str, str]] = {
    "string": ("string_type", "Input should be a valid string"),
    "integer": ("int_type", "Input should be a valid integer"),
    "number": ("float_type", "Input should be a valid number"),
    "boolean": ("bool_type", "Input should be a valid boolean"),
    "object": ("dict_type", "Input should be a valid dictionary"),
    "array": ("list_type", "Input should be a valid list"),
    "null": ("none_required", "Input should be None"),
}


def load_spec(path: Path = DEFAULT_SPEC_PATH) -> dict[str, Any]:
    """Read the OpenAPI document.

    Args:
        path: the spec file (YAML or JSON).

    Returns:
        The parsed document.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not an OpenAPI document")
    return data


class BodyError(Exception):
    """A request body that cannot be read as JSON; carries the HTTP status and the response body."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def _too_deep(value: Any) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _json_invalid(error: str, position: int = 0) -> BodyError:
    item = {"type": "json_invalid", "loc": ["body", position], "msg": "JSON decode error", "input": {}}
    item["ctx"] = {"error": error}
    return BodyError(422, [item])


def parse_json_body(raw: bytes, content_type: str | None) -> Any:
    """Read a request body the way FastAPI does, with limits.

    Args:
        raw: the body bytes (already size-checked).
        content_type: the `content-type` header, if any.

    Returns:
        The parsed JSON value.

    Raises:
        BodyError: 422 for a missing, non-JSON or malformed body (FastAPI's `missing` / `json_invalid` /
            `model_attributes_type`), 400 for a body that cannot be decoded (e.g. invalid UTF-8).
    """
    if content_type is not None:
        media_type = content_type.split(";", 1)[0].strip().lower()
        main, _, sub = media_type.partition("/")
        if not (main == "application" and (sub == "json" or sub.endswith("+json"))):
            text = raw.decode("utf-8", errors="replace")
            item = {
                "type": "model_attributes_type",
                "loc": ["body"],
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "input": text[:1000],
            }
            raise BodyError(422, [item])
    if not raw.strip():
        raise BodyError(422, [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}])
    try:
        # Bytes, as FastAPI passes them: the encoding is detected (UTF-8 with or without BOM, UTF-16, UTF-32), exactly
        # as `json.loads(raw, ...)` does it, with one decoder built once.
        value = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except UnicodeDecodeError as error:
        raise BodyError(400, "There was an error parsing the body") from error
    except json.JSONDecodeError as error:
        raise _json_invalid(error.msg, error.pos) from error
    except RecursionError as error:
        raise _json_invalid(f"JSON nested deeper than {MAX_DEPTH} levels") from error
    except ValueError as error:  # NaN/Infinity, numbers out of range, integers over the digit limit
        raise _json_invalid(str(error)) from error
    if _too_deep(value):
        raise _json_invalid(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def url_problem(value: str) -> str | None:
    """Why a `webhook_url` / `totp_url` is not an http(s) URL, or None when it is one.

    Example:
        >>> url_problem("ftp://example.com") is not None
        True
    """
    if len(value) > MAX_URL_LENGTH:
        return f"URL longer than {MAX_URL_LENGTH} characters"
    if not value.isprintable() or any(char.isspace() for char in value):
        return "URL contains whitespace or control characters"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        return f"malformed URL: {error}"
    if parts.scheme.lower() not in ("http", "https"):
        return "URL scheme should be 'http' or 'https'"
    if not parts.hostname:
        return "URL has no host"
    if port == 0:
        return "URL port should be between 1 and 65535"
    return None


def body_problem(
    body: Mapping[str, Any], sessions: frozenset[str] | None, profiles: frozenset[str] | None
) -> tuple[int, str] | None:
    """The live service's 400 or 404 for a body that passed the schema, or None: a `webhook_url` that is not an
    http(s) URL (an empty one means none), a `totp_url` longer than a URL can be (the live service takes `"x"`), a
    `browser_session_id` / `browser_profile_id` that is not one of `sessions` / `profiles` (None: any is taken).

    Example:
        >>> body_problem({"webhook_url": "ftp://x"}, None, None)
        (400, "Invalid webhook_url: URL scheme should be 'http' or 'https'")
    """
    webhook_url = body.get("webhook_url") or None
    problem = None if webhook_url is None else url_problem(webhook_url)
    if problem is not None:
        return 400, f"Invalid webhook_url: {problem}"
    totp_url = body.get("totp_url")
    if isinstance(totp_url, str) and len(totp_url) > MAX_URL_LENGTH:
        return 400, f"Invalid totp_url: malformed URL, at most {MAX_URL_LENGTH} characters"
    session = body.get("browser_session_id") or None  # an empty id names none, as on the live service
    if session is not None and sessions is not None and session not in sessions:
        return 404, f"Browser session {session} does not exist or is not live."
    profile = body.get("browser_profile_id") or None
    if profile is not None and profiles is not None and profile not in profiles:
        return 404, f"Browser profile {profile} not found"
    return None


def _ctx_expected(values: Iterable[Any]) -> str:
    quoted = [repr(value) for value in values]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _item(error: SchemaError, prefix: list[str | int]) -> list[Item]:
    """FastAPI-style items for one JSON Schema error (descending into `anyOf` to the most relevant branch)."""
    leaf = best_match([error])
    assert leaf is not None
    loc: list[str | int] = [*prefix, *leaf.absolute_path]
    keyword = leaf.validator
    if keyword == "required":
        instance = leaf.instance if isinstance(leaf.instance, dict) else {}
        missing = [name for name in leaf.validator_value if name not in instance]
        return [
            {"type": "missing", "loc": [*loc, name], "msg": "Field required", "input": instance} for name in missing
        ]
    if keyword == "type" and len(loc) == 1 and prefix == ["body"]:
        return [
            {
                "type": "model_attributes_type",
                "loc": loc,
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "input": leaf.instance,
            }
        ]
    if keyword == "anyOf":
        # No branch is closer than another (e.g. `2` for string-or-null): report the first non-null type.
        expected_types = [
            value
            for sub in leaf.context or []
            if sub.validator == "type"
            for value in ([sub.validator_value] if isinstance(sub.validator_value, str) else sub.validator_value)
            if value != "null"
        ]
        if expected_types and expected_types[0] in _TYPE_ERRORS:
            kind, msg = _TYPE_ERRORS[expected_types[0]]
            return [{"type": kind, "loc": loc, "msg": msg, "input": leaf.instance}]
    if keyword == "type":
        expected = leaf.validator_value if isinstance(leaf.validator_value, str) else leaf.validator_value[0]
        kind, msg = _TYPE_ERRORS.get(expected, ("value_error", leaf.message))
        return [{"type": kind, "loc": loc, "msg": msg, "input": leaf.instance}]
    if keyword == "enum":
        expected = _ctx_expected(leaf.validator_value)
        item = {"type": "enum", "loc": loc, "msg": f"Input should be {expected}", "input": leaf.instance}
        return [{**item, "ctx": {"expected": expected}}]
    if keyword in ("minLength", "maxLength"):
        short = keyword == "minLength"
        bound = leaf.validator_value
        return [
            {
                "type": "string_too_short" if short else "string_too_long",
                "loc": loc,
                "msg": f"String should have at {'least' if short else 'most'} {bound} characters",
                "input": leaf.instance,
                "ctx": {"min_length" if short else "max_length": bound},
            }
        ]
    return [{"type": "value_error", "loc": loc, "msg": leaf.message, "input": leaf.instance}]


# Keywords whose meaning could differ between the two validators: regular expressions are ECMA 262 in jsonschema_rs
# and Python's `re` in jsonschema, and `format` support differs. Our spec's request schemas use none of them; a spec
# that does is validated by Python `jsonschema` alone.
_UNPORTABLE = frozenset({"pattern", "patternProperties", "format", "$dynamicRef", "$recursiveRef"})


def _portable(components: Mapping[str, Any], name: str) -> bool:
    """Whether `#/components/schemas/<name>` and every schema it references are read the same by both validators:
    no `_UNPORTABLE` keywords, and only references to the spec's own schemas (jsonschema_rs would fetch others)."""
    schemas = components.get("schemas")
    if not isinstance(schemas, dict) or name not in schemas:
        return False
    prefix = "#/components/schemas/"
    seen = {name}
    stack: list[Any] = [schemas[name]]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if _UNPORTABLE & item.keys():
                return False
            ref = item.get("$ref")
            if ref is not None:
                target = ref[len(prefix) :] if isinstance(ref, str) and ref.startswith(prefix) else None
                if target is None or target not in schemas:
                    return False
                if target not in seen:
                    seen.add(target)
                    stack.append(schemas[target])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _fast_validator(spec: Mapping[str, Any], name: str) -> jsonschema_rs.Validator | None:
    """A compiled jsonschema_rs validator of `#/components/schemas/<name>`, or None when it is not portable."""
    components = spec.get("components", {})
    if not isinstance(components, dict) or not _portable(components, name):
        return None
    # The spec's components inside the root schema, so the spec's own `#/components/...` references resolve.
    try:
        return jsonschema_rs.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": components})
    except Exception:  # a schema it cannot compile: Python `jsonschema` alone
        return None


class RequestValidator:
    """Validates `run_workflow` requests against the spec's schemas.

    Two validators of the same schema: `jsonschema_rs` (compiled, about 50x faster) answers "is this body valid?",
    and only a body it rejects (or cannot read, e.g. an integer too big for it) goes through Python `jsonschema`,
    which decides and whose errors become the FastAPI-shaped items. A valid request, the common case, never pays
    for the error machinery; an invalid one gets exactly the items it always got.

    Example:
        >>> validator = RequestValidator(load_spec())
        >>> validator.body_errors({"workflow_id": "wpid_1", "max_screenshot_scrolls": 14.0})
        []
    """

    def __init__(self, spec: Mapping[str, Any]) -> None:
        """Compile the validators.

        Args:
            spec: the parsed OpenAPI document.
        """
        registry: Registry[Any] = Registry().with_resource(SPEC_URI, Resource.from_contents(spec, DRAFT202012))
        self._body = jsonschema.Draft202012Validator(
            {"$ref": f"{SPEC_URI}#/components/schemas/WorkflowRunRequest"}, registry=registry
        )
        self._fast = _fast_validator(spec, "WorkflowRunRequest")

    def fast_is_valid(self, body: Any) -> bool | None:
        """The compiled validator's verdict, or None when it has none (Python `jsonschema` decides then)."""
        if self._fast is None:
            return None
        try:
            return bool(self._fast.is_valid(body))
        except Exception:  # a value it cannot convert: let the slow path decide
            return None

    def body_errors(self, body: Any) -> list[Item]:
        """FastAPI-style errors of a request body, empty when it is valid."""
        if self.fast_is_valid(body):
            return []
        return self.schema_errors(body)

    def schema_errors(self, body: Any) -> list[Item]:
        """Python `jsonschema`'s verdict on a request body, as FastAPI-style errors (empty when it is valid)."""
        errors = sorted(self._body.iter_errors(body), key=lambda error: [str(part) for part in error.absolute_path])
        return [item for error in errors for item in _item(error, ["body"])]

    @staticmethod
    def template_query(values: list[str]) -> tuple[bool, list[Item]]:
        """Read the `template` query parameter (pydantic's boolean words, the last value wins)."""
        if not values:
            return False, []
        value = values[-1]
        if value.strip().lower() in _TRUE:
            return True, []
        if value.strip().lower() in _FALSE:
            return False, []
        msg = "Input should be a valid boolean, unable to interpret input"
        return False, [{"type": "bool_parsing", "loc": ["query", "template"], "msg": msg, "input": value}]

    @staticmethod
    def max_steps_header(value: str | None) -> tuple[int | None, list[Item]]:
        """Read `x-max-steps-override`: an integer (`14` or `14.0`); absent or the text `null` for null.

        A header cannot carry JSON `null`; OpenAPI tools (Schemathesis among them) send the word, so it reads as null.
        """
        if value is None:
            return None, []
        text = value.strip(" \t")
        if text == "null":
            return None, []
        if _INTEGER.fullmatch(text) and len(text) <= 4300:
            return int(text.split(".", 1)[0]), []
        msg = "Input should be a valid integer, unable to parse string as an integer"
        return None, [{"type": "int_parsing", "loc": ["header", "x-max-steps-override"], "msg": msg, "input": value}]

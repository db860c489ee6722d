"""The spec is valid OpenAPI 3.1 and says what the seed API page says.

The tables below are transcribed from `../shared/seed/run-workflow-api-reference.txt`. They are deliberately a
hand-kept copy: if the spec loses or changes a field, an enum value, a required or nullable flag or a default, a
test here fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"

# (name, JSON types without null, required, nullable, default) -- "ref:X" names a component schema.
REQUEST_FIELDS: list[tuple[str, set[str], bool, bool, Any]] = [
    ("workflow_id", {"string"}, True, False, None),
    ("parameters", {"object"}, False, True, None),
    ("title", {"string"}, False, True, None),
    ("proxy_location", {"ref:ProxyLocation", "ref:GeoTarget"}, False, True, "RESIDENTIAL"),
    ("webhook_url", {"string"}, False, True, None),
    ("totp_url", {"string"}, False, True, None),
    ("totp_identifier", {"string"}, False, True, None),
    ("browser_session_id", {"string"}, False, True, None),
    ("browser_profile_id", {"string"}, False, True, None),
    ("max_screenshot_scrolls", {"integer"}, False, True, None),
    ("extra_http_headers", {"object"}, False, True, None),
    ("browser_address", {"string"}, False, True, None),
    ("ai_fallback", {"boolean"}, False, True, None),
    ("run_with", {"string"}, False, True, None),
]

RESPONSE_FIELDS: list[tuple[str, set[str], bool, bool]] = [
    ("run_id", {"string"}, True, False),
    ("status", {"ref:RunStatus"}, True, False),
    ("created_at", {"string:date-time"}, True, False),
    ("modified_at", {"string:date-time"}, True, False),
    ("run_type", {"ref:RunType"}, True, False),
    ("output", {"object", "array", "string"}, False, True),
    ("downloaded_files", {"array"}, False, True),
    ("recording_url", {"string"}, False, True),
    ("screenshot_urls", {"array"}, False, True),
    ("failure_reason", {"string"}, False, True),
    ("queued_at", {"string:date-time"}, False, True),
    ("started_at", {"string:date-time"}, False, True),
    ("finished_at", {"string:date-time"}, False, True),
    ("app_url", {"string"}, False, True),
    ("browser_session_id", {"string"}, False, True),
    ("browser_profile_id", {"string"}, False, True),
    ("max_screenshot_scrolls", {"integer"}, False, True),
    ("script_run", {"ref:ScriptRunResponse"}, False, True),
    ("errors", {"array"}, False, True),
    ("step_count", {"integer"}, False, True),
    ("run_with", {"string"}, False, True),
    ("ai_fallback", {"boolean"}, False, True),
    ("run_request", {"ref:WorkflowRunRequest"}, False, True),
]

RUN_STATUSES = ["created", "queued", "running", "timed_out", "failed", "terminated", "completed", "canceled"]

PROXY_LOCATIONS = [
    "RESIDENTIAL", "US-CA", "US-NY", "US-TX", "US-FL", "US-WA", "RESIDENTIAL_ES", "RESIDENTIAL_IE",
    "RESIDENTIAL_GB", "RESIDENTIAL_IN", "RESIDENTIAL_JP", "RESIDENTIAL_FR", "RESIDENTIAL_DE", "RESIDENTIAL_NZ",
    "RESIDENTIAL_ZA", "RESIDENTIAL_AR", "RESIDENTIAL_AU", "RESIDENTIAL_BR", "RESIDENTIAL_TR", "RESIDENTIAL_CA",
    "RESIDENTIAL_MX", "RESIDENTIAL_IT", "RESIDENTIAL_NL", "RESIDENTIAL_PH", "RESIDENTIAL_ISP", "NONE",
]  # fmt: skip

# (name, location, JSON types without null, nullable, default)
PARAMETERS: list[tuple[str, str, set[str], bool, Any]] = [
    ("template", "query", {"boolean"}, False, False),
    ("x-max-steps-override", "header", {"integer"}, True, None),
    ("x-user-agent", "header", {"string"}, True, None),
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def component(spec: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = spec["components"]["schemas"][name]
    return schema


def deref(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, section, name = node["$ref"].split("/")
        node = spec["components"][section][name]
    return node


def variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = schema.get("anyOf", schema.get("oneOf", [schema]))
    return options


def describe(schema: dict[str, Any]) -> tuple[set[str], bool]:
    """The schema's kinds (`string`, `string:date-time`, `ref:Name`) other than null, and whether null is allowed."""
    kinds: set[str] = set()
    nullable = False
    for option in variants(schema):
        if "$ref" in option:
            kinds.add("ref:" + option["$ref"].rsplit("/", 1)[-1])
            continue
        types = option["type"] if isinstance(option["type"], list) else [option["type"]]
        for kind in types:
            if kind == "null":
                nullable = True
            else:
                kinds.add(f"{kind}:{option['format']}" if "format" in option else kind)
    return kinds, nullable


def run_workflow(spec: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"]["/v1/run/workflows"]["post"]
    return operation


def test_spec_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_operation_ids(spec: dict[str, Any]) -> None:
    ids = {op["operationId"] for item in spec["paths"].values() for op in item.values() if "operationId" in op}
    assert ids == {"run_workflow", "get_run", "cancel_run"}


@pytest.mark.parametrize(("name", "kinds", "required", "nullable", "default"), REQUEST_FIELDS)
def test_request_field(
    spec: dict[str, Any], name: str, kinds: set[str], required: bool, nullable: bool, default: Any
) -> None:
    request = component(spec, "WorkflowRunRequest")
    field = request["properties"][name]
    assert describe(field) == (kinds, nullable)
    assert (name in request.get("required", [])) is required
    assert field.get("default") == default
    assert field.get("description")


@pytest.mark.parametrize(("name", "kinds", "required", "nullable"), RESPONSE_FIELDS)
def test_response_field(spec: dict[str, Any], name: str, kinds: set[str], required: bool, nullable: bool) -> None:
    response = component(spec, "WorkflowRunResponse")
    field = response["properties"][name]
    assert describe(field) == (kinds, nullable)
    assert (name in response.get("required", [])) is required


def test_no_field_beyond_the_seed(spec: dict[str, Any]) -> None:
    assert list(component(spec, "WorkflowRunRequest")["properties"]) == [row[0] for row in REQUEST_FIELDS]
    assert list(component(spec, "WorkflowRunResponse")["properties"]) == [row[0] for row in RESPONSE_FIELDS]


def test_run_status_enum(spec: dict[str, Any]) -> None:
    assert component(spec, "RunStatus")["enum"] == RUN_STATUSES


def test_run_type_enum(spec: dict[str, Any]) -> None:
    assert component(spec, "RunType")["enum"] == ["workflow_run"]


def test_proxy_location_enum(spec: dict[str, Any]) -> None:
    assert component(spec, "ProxyLocation")["enum"] == PROXY_LOCATIONS


def test_geo_target(spec: dict[str, Any]) -> None:
    geo = component(spec, "GeoTarget")
    assert geo["required"] == ["country"]
    assert geo["properties"]["country"] == geo["properties"]["country"] | {"minLength": 2, "maxLength": 2}
    subdivision, _ = variants(geo["properties"]["subdivision"])
    city, _ = variants(geo["properties"]["city"])
    assert subdivision["maxLength"] == 10
    assert city["maxLength"] == 100


def test_nested_schemas(spec: dict[str, Any]) -> None:
    response = component(spec, "WorkflowRunResponse")["properties"]
    files, _ = variants(response["downloaded_files"])
    assert files["items"] == {"$ref": "#/components/schemas/FileInfo"}
    assert component(spec, "FileInfo")["required"] == ["url"]
    assert set(component(spec, "FileInfo")["properties"]) == {"url", "checksum", "filename", "modified_at"}
    assert set(component(spec, "ScriptRunResponse")["properties"]) == {"ai_fallback_triggered"}


@pytest.mark.parametrize(("name", "location", "kinds", "nullable", "default"), PARAMETERS)
def test_parameter(
    spec: dict[str, Any], name: str, location: str, kinds: set[str], nullable: bool, default: Any
) -> None:
    resolved = [deref(spec, p) for p in run_workflow(spec)["parameters"]]
    params = {(p["name"], p["in"]): p for p in resolved}
    param = params[(name, location)]
    assert describe(param["schema"]) == (kinds, nullable)
    assert param["schema"].get("default") == default
    assert not param.get("required", False)


def test_api_key_security_applies_everywhere(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["ApiKeyHeader"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "x-api-key")
    assert spec["security"] == [{"ApiKeyHeader": []}]
    for item in spec["paths"].values():
        for operation in item.values():
            assert operation.get("security", spec["security"]) == [{"ApiKeyHeader": []}]


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/v1/run/workflows", "post", {"200", "400", "403", "404", "422"}),
        ("/v1/runs/{run_id}", "get", {"200", "403", "404", "422"}),
        ("/v1/runs/{run_id}/cancel", "post", {"200", "403", "404", "422"}),
    ],
)
def test_responses_have_schemas(spec: dict[str, Any], path: str, method: str, codes: set[str]) -> None:
    responses = spec["paths"][path][method]["responses"]
    assert set(responses) == codes
    for code in codes:
        assert "schema" in deref(spec, responses[code])["content"]["application/json"]
    errors = deref(spec, responses["422"])["content"]["application/json"]["schema"]
    assert errors == {"$ref": "#/components/schemas/HTTPValidationError"}


def test_links_chain_run_id(spec: dict[str, Any]) -> None:
    links = run_workflow(spec)["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} == {"get_run", "cancel_run"}
    for link in links.values():
        assert link["parameters"] == {"run_id": "$response.body#/run_id"}


def test_request_body_is_required(spec: dict[str, Any]) -> None:
    body = run_workflow(spec)["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/WorkflowRunRequest"}


def test_one_nullability_style(spec: dict[str, Any]) -> None:
    """No `nullable: true` (3.0) and no `type: [x, "null"]` lists: only `anyOf` with `{type: "null"}`."""

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            assert "nullable" not in node, pointer
            assert not isinstance(node.get("type"), list), pointer
            for key, value in node.items():
                walk(value, f"{pointer}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(spec, "#")


TERMINAL_STATUSES = ["completed", "failed", "terminated", "canceled", "timed_out"]
"""A run in one of these never changes again (`../shared/notes/skyvern-api.md`, "Run lifecycle")."""


def test_run_workflow_waits_on_get_run_until_a_terminal_status(spec: dict[str, Any]) -> None:
    assert run_workflow(spec)["x-wait"] == {
        "poll": "get_run",
        "parameters": {"run_id": "$response.body#/run_id"},
        "state": "/status",
        "final": TERMINAL_STATUSES,
    }
    assert set(TERMINAL_STATUSES) < set(RUN_STATUSES)
    assert "x-wait" in spec["info"]["description"]

"""Offline tests of the edges of JSON Schema (`edges.edge_values`, `wrong_types.wrong_type_values`, `edges.splice`), of the raw
body `Api` sends, and of the request count of `contract_tests/suite/test_request_validation.py`."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import jsonschema_rs
import pytest

from contract_tests.generate.edges import LONG_STRING, EdgeValue, edge_values, splice
from contract_tests.generate.strategies import Requests
from contract_tests.generate.wrong_types import wrong_type_values
from contract_tests.record.repro import Recorder, render_script
from contract_tests.spec import Spec, admitted_types, json_type
from contract_tests.suite import test_request_validation as module
from contract_tests.transport.api import Api
from contract_tests.transport.target import DEFAULT_PARAMETERS

SPEC = Spec.load()
SCHEMAS: list[dict[str, Any]] = [
    {"type": "integer"},
    {"type": "integer", "minimum": 5, "maximum": 7},
    {"type": "integer", "exclusiveMinimum": 0},
    {"type": "integer", "multipleOf": 10},
    {"type": "number"},
    {"type": "number", "minimum": -1.5, "maximum": 2.5},
    {"type": "string"},
    {"type": "string", "minLength": 2, "maxLength": 2},
    {"type": "string", "minLength": 3},
    {"type": "string", "maxLength": 10},
    {"type": "string", "maxLength": 0},
    {"type": "string", "format": "date-time"},
    {"type": "string", "pattern": "^[A-Z]+$", "example": "ABC"},
    {"type": "boolean"},
    {"type": "object"},
    {"type": "object", "additionalProperties": {"type": "string"}},
    {"type": "object", "additionalProperties": False},
    {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
    {"type": "array", "items": {"type": "string"}},
    {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3},
    {"enum": ["A", "B", "C"]},
    {"enum": [1, "one"]},
    {"const": "fixed"},
    {"type": ["string", "null"]},
    {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    {"anyOf": [{"type": "string", "maxLength": 4}, {"type": "boolean"}]},
    {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]},
    {},
    *[field.schema for field in SPEC.nested_fields("WorkflowRunRequest")],
]


def _ids(schema: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in schema.items() if k not in ("description", "example")})[:60]


def _valid(schema: dict[str, Any], text: str) -> bool:
    return bool(jsonschema_rs.validator_for(schema).is_valid(json.loads(text)))


def _texts(edges: list[EdgeValue]) -> list[str]:
    return [edge.json_text for edge in edges]


@pytest.mark.parametrize("schema", SCHEMAS, ids=_ids)
def test_every_edge_value_is_valid_and_its_text_is_its_value(schema: dict[str, Any]) -> None:
    edges = edge_values(schema)
    assert edges, "every schema here admits some value"
    for edge in edges:
        assert _valid(schema, edge.json_text), edge
        assert json.loads(edge.json_text) == edge.value
        assert edge.value is not None, "null is the nullable tests' business"
    assert len(set(_texts(edges))) == len(edges)


@pytest.mark.parametrize("schema", SCHEMAS, ids=_ids)
def test_every_wrong_type_value_is_invalid(schema: dict[str, Any]) -> None:
    wrong = wrong_type_values(schema)
    for value in wrong:
        assert not _valid(schema, value.json_text), value
    types = {json_type(json.loads(w.json_text)) for w in wrong}
    missing = {"string", "integer", "number", "boolean", "array", "object", "null"} - admitted_types(schema) - types
    assert not missing, f"no wrong value of type {missing}"


def test_integers_in_other_json_number_forms_and_past_int32_and_float64() -> None:
    texts = _texts(edge_values({"type": "integer"}))
    for expected in ("0", "-1", str(2**31), str(2**53), "1.0", "1e2", "-0"):
        assert expected in texts
    bounded = _texts(edge_values({"type": "integer", "minimum": 5, "maximum": 7}))
    assert bounded[:2] == ["5", "7"]
    assert str(2**31) not in bounded
    assert "-0" not in bounded
    assert "5.0" in bounded
    assert _texts(edge_values({"type": "integer", "exclusiveMinimum": 0}))[0] == "1"
    assert _texts(edge_values({"type": "integer", "exclusiveMaximum": 0}))[0] == "-1"


def test_strings_at_their_bounds_in_ascii_and_four_byte_characters() -> None:
    edges = edge_values({"type": "string", "minLength": 3, "maxLength": 10})
    lengths = [len(edge.value) for edge in edges]
    assert min(lengths) == 3
    assert max(lengths) == 10
    assert "a" * 3 in [edge.value for edge in edges]
    assert "\U0001f600" * 10 in [edge.value for edge in edges]
    assert all(3 <= n <= 10 for n in lengths)
    free = {edge.label: edge for edge in edge_values({"type": "string"})}
    assert free["empty string"].value == ""
    assert len(free[f"string of {LONG_STRING} characters"].value) == LONG_STRING
    assert "\\u0000" in free["string with an escaped NUL (\\u0000)"].json_text
    assert free["string of whitespace only"].value.strip() == ""
    assert "\\ud83d\\ude00" in free["string in \\u escapes"].json_text
    assert any(ord(char) > 0xFFFF for char in free["string, non-BMP emoji"].value)
    assert "" not in [edge.value for edge in edge_values({"type": "string", "minLength": 1})]


def test_strings_with_a_format_keep_only_what_the_format_allows() -> None:
    schema = {"type": "string", "format": "date-time"}
    edges = edge_values(schema)
    assert edges
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    assert all(validator.is_valid(edge.value) for edge in edges)


def test_objects_arrays_enums_and_booleans() -> None:
    assert _texts(edge_values({"type": "boolean"})) == ["true", "false"]
    assert "{}" in _texts(edge_values({"type": "object"}))
    required = edge_values({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]})
    assert [edge.value for edge in required] == [{"a": 1}]
    keys = [key for edge in edge_values({"type": "object"}) for key in edge.value]
    assert "" in keys
    assert any(not key.isascii() for key in keys)
    assert [edge.value for edge in edge_values({"type": "object", "additionalProperties": False})] == [{}]
    arrays = [edge.value for edge in edge_values({"type": "array", "items": {"type": "integer"}, "minItems": 2})]
    assert arrays == [[1, 1]]
    assert [] in [edge.value for edge in edge_values({"type": "array"})]
    assert [edge.value for edge in edge_values({"enum": ["A", "B", "C"]})] == ["A", "C"]
    assert edge_values({"anyOf": [{"enum": ["A"]}, {"type": "null"}]})[0].value == "A"


def test_wrong_types_name_coercible_strings_and_null_only_when_not_nullable() -> None:
    integer = {w.json_text: w.label for w in wrong_type_values({"type": "integer"})}
    assert '"5"' in integer
    assert "coerces" in integer['"5"']
    assert "1.5" in integer
    assert "true" in integer
    assert "null" in integer
    assert '"true"' in _texts(wrong_type_values({"type": "boolean"}))
    assert "null" not in _texts(wrong_type_values({"type": ["integer", "null"]}))
    assert _texts(wrong_type_values({"enum": ["A", "B"]})) == ["1", "1.5", "true", '["A"]', "{}", "null"]
    assert "{}" not in _texts(wrong_type_values({"anyOf": [{"type": "string"}, {"type": "object"}]}))
    headers = SPEC.schema("WorkflowRunRequest")["properties"]["extra_http_headers"]
    assert {"k": 1} in [w.value for w in wrong_type_values(headers)]
    assert wrong_type_values({}) == []
    assert ["http://sink/x"] in [w.value for w in wrong_type_values({"type": "string"}, sample="http://sink/x")]


def test_splice_puts_the_raw_text_in_place() -> None:
    body = {"workflow_id": "w", "proxy_location": {"country": "US"}}
    raw = splice(body, ("proxy_location", "city"), '"\\u00e9"')
    assert b'"city": "\\u00e9"' in raw
    assert json.loads(raw) == {**body, "proxy_location": {"country": "US", "city": "\u00e9"}}
    assert body == {"workflow_id": "w", "proxy_location": {"country": "US"}}, "the body is not changed"
    assert splice({"workflow_id": "w"}, ("max_screenshot_scrolls",), "-0").endswith(b'"max_screenshot_scrolls": -0}')
    assert json.loads(splice({}, ("a", "b"), "1e2")) == {"a": {"b": 100}}
    emoji = EdgeValue.of("emoji", "\U0001f600")
    assert splice({}, ("t",), emoji.json_text) == '{"t": "\U0001f600"}'.encode()
    with pytest.raises(ValueError, match="marker"):
        splice({"x": "\u0000splice\u0000"}, ("t",), "1")


def test_edge_value_text_must_parse_to_its_value() -> None:
    with pytest.raises(ValueError, match="does not parse"):
        EdgeValue("wrong", "1e2", 99)


def _api(seen: list[httpx2.Request]) -> Api:
    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"run_id": "wr_1"})

    api = Api("http://t", api_key="k", key_header="x-api-key", paths={"run_workflow": "/v1/run"}, recorder=Recorder())
    api._client = httpx2.Client(transport=httpx2.MockTransport(handler))
    return api


def test_api_sends_and_records_a_raw_body_byte_for_byte() -> None:
    seen: list[httpx2.Request] = []
    api = _api(seen)
    raw = splice({"workflow_id": "w"}, ("max_screenshot_scrolls",), "1e2")
    reply = api.run_workflow(content=raw)
    assert reply.status == 200
    assert seen[0].content == raw
    assert seen[0].headers["content-type"] == "application/json"
    recorded = api.recorder.chain()[0]
    assert recorded.body == raw
    assert "1e2" in render_script([recorded], secrets={"k"})
    assert api.created_runs == ["wr_1"]
    api.run_workflow({"workflow_id": "w"})
    assert json.loads(seen[1].content) == {"workflow_id": "w"}
    with pytest.raises(TypeError):
        api.run_workflow({"workflow_id": "w"}, content=raw)
    api.close()


def test_request_validation_module_stays_under_its_request_budget() -> None:
    bodies = Requests(SPEC, "wpid_1", DEFAULT_PARAMETERS, "http://127.0.0.1:9")
    positive = sum(len(module._edges(bodies, path)) for path in module.EDGE_PATHS)
    negative = sum(
        len(wrong_type_values(field.schema, sample=module._sample(bodies, field))) for field in module.FIELDS.values()
    )
    assert positive > 0
    assert negative > 0
    assert positive + negative + positive <= 250  # each accepted run is canceled at the end of the session
    assert all(len(module._edges(bodies, path)) <= module.MAX_EDGES for path in module.EDGE_PATHS)
    sampled = [edge.label for path in module.EDGE_PATHS for edge in module._edges(bodies, path)]
    every = {edge.label for path in module.EDGE_PATHS for edge in edge_values(module.FIELDS[path].schema)}
    assert every - set(sampled) == set(), "each edge kind is sent for some field"


def test_request_validation_bodies_are_valid_but_for_the_value() -> None:
    bodies = Requests(SPEC, "wpid_1", DEFAULT_PARAMETERS, "http://127.0.0.1:9")
    request = jsonschema_rs.validator_for(SPEC.schema("WorkflowRunRequest"))
    for path in module.EDGE_PATHS:
        for edge in module._edges(bodies, path):
            assert request.is_valid(json.loads(splice(module._base(bodies, path), path, edge.json_text))), edge
    for path, field in module.FIELDS.items():
        assert request.is_valid(module._base(bodies, path))
        for wrong in wrong_type_values(field.schema, sample=module._sample(bodies, field)):
            assert not request.is_valid(json.loads(splice(module._base(bodies, path), path, wrong.json_text)))
            if path[0] in module.URL_FIELDS:
                assert "127.0.0.1:9" in wrong.json_text or "http" not in wrong.json_text

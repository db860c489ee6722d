"""`codegen.diff`: small hand-made pairs of documents, one per kind of difference and level, and our own spec."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen.diff import Change, Level, Side, compare, view_of
from codegen.diff.command import main

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "openapi.yaml"


def document() -> dict[str, Any]:
    """One operation with a query parameter, a JSON body and a 200 whose body has an enum, a nullable and a list."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Things", "version": "1"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "make_thing",
                    "summary": "Make a thing",
                    "parameters": [{"name": "dry", "in": "query", "schema": {"type": "boolean"}}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewThing"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "made",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                        },
                        "404": {"description": "nope"},
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "NewThing": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 10},
                        "color": {"type": "string", "enum": ["red", "blue"]},
                        "size": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                    },
                },
                "Thing": {
                    "type": "object",
                    "required": ["id", "state"],
                    "properties": {
                        "id": {"type": "string"},
                        "state": {"type": "string", "enum": ["new", "done"]},
                        "note": {"type": "string"},
                        "tags": {"type": "array", "items": {"type": "string"}},
                    },
                },
            }
        },
    }


def changes(edit: Callable[[dict[str, Any]], None], base: dict[str, Any] | None = None) -> list[Change]:
    old = base or document()
    new = copy.deepcopy(old)
    edit(new)
    return compare(view_of(data=old), view_of(data=new))


def kinds(found: list[Change]) -> set[tuple[Level, Side, str]]:
    return {(change.level, change.side, change.kind) for change in found if change.kind != "documentation"}


def schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = doc["components"]["schemas"][name]
    return found


def operation(doc: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = doc["paths"]["/things"]["post"]
    return found


B, C, A = Level.BREAKING, Level.CHANGED, Level.ADDED
REQ, RES, OP = Side.REQUEST, Side.RESPONSE, Side.OPERATION

CASES: dict[str, tuple[Callable[[dict[str, Any]], None], set[tuple[Level, Side, str]]]] = {}


def case(name: str, *expected: tuple[Level, Side, str]) -> Callable[[Callable[[dict[str, Any]], None]], None]:
    """Register an edit of `document()` and the differences (level, side, kind) it must give."""

    def register(edit: Callable[[dict[str, Any]], None]) -> None:
        CASES[name] = (edit, set(expected))

    return register


@case("operation removed", (B, OP, "operation-removed"), (A, OP, "operation-added"))
def _(d: dict[str, Any]) -> None:
    d["paths"]["/other"] = {"get": {"operationId": "other", "responses": {"200": {"description": "ok"}}}}
    del d["paths"]["/things"]


@case("operation moved", (B, OP, "operation-moved"))
def _(d: dict[str, Any]) -> None:
    d["paths"]["/v2/things"] = d["paths"].pop("/things")


@case("parameter removed", (B, REQ, "parameter-removed"))
def _(d: dict[str, Any]) -> None:
    del operation(d)["parameters"]


@case("parameter made required", (B, REQ, "now-required"))
def _(d: dict[str, Any]) -> None:
    operation(d)["parameters"][0]["required"] = True


@case("new required parameter", (B, REQ, "parameter-required"))
def _(d: dict[str, Any]) -> None:
    operation(d)["parameters"].append({"name": "k", "in": "header", "required": True, "schema": {"type": "string"}})


@case("new optional parameter", (A, REQ, "parameter-added"))
def _(d: dict[str, Any]) -> None:
    operation(d)["parameters"].append({"name": "k", "in": "query", "schema": {"type": "string"}})


@case("request field removed", (B, REQ, "field-removed"))
def _(d: dict[str, Any]) -> None:
    del schema(d, "NewThing")["properties"]["color"]


@case("request field newly required", (B, REQ, "now-required"))
def _(d: dict[str, Any]) -> None:
    schema(d, "NewThing")["required"].append("color")


@case("new required request field", (B, REQ, "field-required"))
def _(d: dict[str, Any]) -> None:
    schema(d, "NewThing")["properties"]["k"] = {"type": "string"}
    schema(d, "NewThing")["required"].append("k")


@case("new optional request field", (A, REQ, "field-added"))
def _(d: dict[str, Any]) -> None:
    schema(d, "NewThing")["properties"]["k"] = {"type": "string"}


@case("request type narrowed (null no longer accepted)", (B, REQ, "null-removed"))
def _(d: dict[str, Any]) -> None:
    schema(d, "NewThing")["properties"]["size"] = {"type": "integer"}


@case("request type widened", (C, REQ, "type-widened"))
def _(d: dict[str, Any]) -> None:
    schema(d, "NewThing")["properties"]["name"]["type"] = ["string", "integer"]


@case("request maxLength tightened", (B, REQ, "maxLength-changed"))
def _(d: dict[str, Any]) -> None:
    schema(d, "NewThing")["properties"]["name"]["maxLength"] = 5


@case("request maxLength loosened", (C, REQ, "maxLength-changed"))
def _(d: dict[str, Any]) -> None:
    schema(d, "NewThing")["properties"]["name"]["maxLength"] = 50


@case("request enum value removed", (B, REQ, "enum-value-removed"))
def _(d: dict[str, Any]) -> None:
    schema(d, "NewThing")["properties"]["color"]["enum"].remove("blue")


@case("request enum value added", (A, REQ, "enum-value-added"))
def _(d: dict[str, Any]) -> None:
    schema(d, "NewThing")["properties"]["color"]["enum"].append("green")


@case("response field removed", (B, RES, "field-removed"))
def _(d: dict[str, Any]) -> None:
    del schema(d, "Thing")["properties"]["note"]


@case("response field made nullable", (B, RES, "null-added"))
def _(d: dict[str, Any]) -> None:
    schema(d, "Thing")["properties"]["note"] = {"type": ["string", "null"]}


@case("response field type changed", (B, RES, "type-changed"))
def _(d: dict[str, Any]) -> None:
    schema(d, "Thing")["properties"]["note"] = {"type": "integer"}


@case("response field may be absent", (B, RES, "now-optional"))
def _(d: dict[str, Any]) -> None:
    schema(d, "Thing")["required"].remove("state")


@case("response enum value removed", (B, RES, "enum-value-removed"))
def _(d: dict[str, Any]) -> None:
    schema(d, "Thing")["properties"]["state"]["enum"].remove("done")


@case("response enum value added", (A, RES, "enum-value-added"))
def _(d: dict[str, Any]) -> None:
    schema(d, "Thing")["properties"]["state"]["enum"].append("lost")


@case("response item type changed", (B, RES, "type-changed"))
def _(d: dict[str, Any]) -> None:
    schema(d, "Thing")["properties"]["tags"]["items"]["type"] = "integer"


@case("new response field", (A, RES, "field-added"))
def _(d: dict[str, Any]) -> None:
    schema(d, "Thing")["properties"]["k"] = {"type": "string"}


@case("success status removed", (B, RES, "status-removed"), (A, RES, "status-added"))
def _(d: dict[str, Any]) -> None:
    operation(d)["responses"]["201"] = operation(d)["responses"].pop("200")


@case("error status removed", (C, RES, "status-removed"))
def _(d: dict[str, Any]) -> None:
    del operation(d)["responses"]["404"]


@case("success media type removed", (B, RES, "media-type-removed"), (A, RES, "media-type-added"))
def _(d: dict[str, Any]) -> None:
    operation(d)["responses"]["200"]["content"] = {"text/plain": {"schema": {"type": "string"}}}


@case("request body removed", (B, REQ, "body-removed"))
def _(d: dict[str, Any]) -> None:
    del operation(d)["requestBody"]


@case("response variant added", (B, RES, "variant-added"))
def _(d: dict[str, Any]) -> None:
    refs = [{"$ref": "#/components/schemas/Thing"}, {"$ref": "#/components/schemas/NewThing"}]
    operation(d)["responses"]["200"]["content"]["application/json"]["schema"] = {"oneOf": refs}


@case("request variant added (looser)", (C, REQ, "variant-added"))
def _(d: dict[str, Any]) -> None:
    color = schema(d, "NewThing")["properties"]["color"]
    schema(d, "NewThing")["properties"]["color"] = {"anyOf": [color, {"type": "object"}]}


@case("security added", (B, OP, "security-added"))
def _(d: dict[str, Any]) -> None:
    d["security"] = [{"key": []}]
    d["components"]["securitySchemes"] = {"key": {"type": "apiKey", "in": "header", "name": "k"}}


@case("documentation only")
def _(d: dict[str, Any]) -> None:
    operation(d)["description"] = "new words"


@pytest.mark.parametrize("name", CASES)
def test_each_kind_of_difference_is_found_at_its_level(name: str) -> None:
    edit, expected = CASES[name]
    assert kinds(changes(edit)) == expected


def test_documentation_is_a_change_of_its_own_kind() -> None:
    found = changes(lambda d: operation(d).update(description="new words"))
    assert [(c.level, c.kind, c.old, c.new) for c in found] == [
        (C, "documentation", "#/paths/~1things/post/description", "#/paths/~1things/post/description")
    ]


def test_pointers_name_the_place_in_both_documents() -> None:
    (removed,) = changes(lambda d: schema(d, "NewThing")["properties"].pop("color"))
    assert (removed.old, removed.new) == (
        "#/components/schemas/NewThing/properties/color",
        "#/components/schemas/NewThing/properties",
    )
    assert (removed.part, removed.field, removed.operations) == ("request body", "color", ("POST /things",))


def test_a_renamed_component_is_no_difference() -> None:
    def rename(doc: dict[str, Any]) -> None:
        doc["components"]["schemas"]["Item"] = doc["components"]["schemas"].pop("Thing")
        content = operation(doc)["responses"]["200"]["content"]["application/json"]
        content["schema"]["$ref"] = "#/components/schemas/Item"

    assert changes(rename) == []


def test_ways_to_write_nullable_and_allof_are_no_difference() -> None:
    def rewrite(doc: dict[str, Any]) -> None:
        new_thing = schema(doc, "NewThing")
        new_thing["properties"]["size"] = {"type": ["integer", "null"]}
        named = {"type": "object", "properties": {"name": new_thing["properties"].pop("name")}}
        doc["components"]["schemas"]["Named"] = named
        doc["components"]["schemas"]["NewThing"] = {"allOf": [{"$ref": "#/components/schemas/Named"}, new_thing]}

    assert changes(rewrite) == []


def test_a_3_0_nullable_is_the_3_1_null() -> None:
    old = document()
    old["openapi"] = "3.0.3"
    schema(old, "NewThing")["properties"]["size"] = {"type": "integer", "nullable": True}

    def to_3_1(doc: dict[str, Any]) -> None:
        doc["openapi"] = "3.1.0"
        schema(doc, "NewThing")["properties"]["size"] = {"anyOf": [{"type": "integer"}, {"type": "null"}]}

    assert kinds(changes(to_3_1, old)) == set()


def test_a_recursive_schema_is_compared_once_and_ends() -> None:
    old = document()
    schema(old, "Thing")["properties"]["parts"] = {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
    found = changes(lambda d: schema(d, "Thing")["properties"].pop("note"), old)
    assert [c.kind for c in found] == ["field-removed"]


def test_a_component_used_twice_lists_every_operation() -> None:
    def second(doc: dict[str, Any]) -> None:
        doc["paths"]["/things/{id}"] = {
            "get": {
                "operationId": "get_thing",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": operation(doc)["responses"],
            }
        }

    old = document()
    second(old)
    (removed,) = changes(lambda d: schema(d, "Thing")["properties"].pop("note"), old)
    assert removed.operations == ("POST /things", "GET /things/{id}")


def test_our_spec_against_itself_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(SPEC), str(SPEC)]) == 0
    assert capsys.readouterr().out.strip().endswith("no difference")


def test_title_removed_from_the_request_is_breaking_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    del spec["components"]["schemas"]["WorkflowRunRequest"]["properties"]["title"]
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert main([str(SPEC), str(changed), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    breaking = [(c["side"], c["kind"], c["field"], c["old"]) for c in report["changes"] if c["level"] == "breaking"]
    old = "#/components/schemas/WorkflowRunRequest/properties/title"
    assert breaking == [  # the request's field, and the response's echo of the request (`run_request`)
        ("request", "field-removed", "title", old),
        ("response", "field-removed", "run_request.title", old),
    ]
    assert main([str(SPEC), str(changed), "--allow-breaking"]) == 0


def test_an_unreadable_document_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: [", encoding="utf-8")
    assert main([str(SPEC), str(broken)]) == 2
    assert "broken.yaml is not valid YAML" in capsys.readouterr().err


def test_a_webhook_body_is_read_by_the_client() -> None:
    old = document()
    old["webhooks"] = {
        "thing_done": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                "responses": {"200": {"description": "ack"}},
            }
        }
    }

    def drop_note(doc: dict[str, Any]) -> None:
        del doc["webhooks"]["thing_done"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        doc["webhooks"]["thing_done"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
            "type": "object",
            "properties": {"id": {"type": "string"}, "state": {"type": "string", "enum": ["new"]}},
        }

    found = {(c.level, c.side, c.kind, c.field) for c in changes(drop_note, old) if c.operations == ("webhook thing_done (POST)",)}  # fmt: skip
    assert (B, RES, "enum-value-removed", "state") in found  # code that handles "done" deliveries breaks
    assert (B, RES, "field-removed", "note") in found
    assert (B, RES, "now-optional", "id") in found  # the receiver may now get deliveries without it

"""The IR on its own: `Api`s built from small inline specs, with model names given (no datamodel-code-generator)."""

from __future__ import annotations

from typing import Any

import pytest

from codegen.errors import Diagnostic
from codegen.ir import Api, Import, Operation, TypeRef, build
from codegen.ir.build import CLIENT_IMPORTS
from codegen.ir.typemap import ANY, NONE, union
from codegen.load import from_data
from codegen.render import import_block
from codegen.view import resolve_view

OK = {"200": {"description": "ok"}}


def api_of(
    paths: dict[str, Any], schemas: dict[str, Any] | None = None, models: dict[str, str] | None = None
) -> tuple[Api, list[Diagnostic]]:
    spec = {"openapi": "3.1.0", "info": {"title": "Pets", "version": "1"}, "paths": paths}
    if schemas:
        spec["components"] = {"schemas": schemas}
    view = resolve_view(from_data(spec))
    return build(view, package="pets", client_name=None, env_prefix=None, model_names=models or {})


def operation(**fields: Any) -> Operation:
    return api_of({"/things": {"post": {"operationId": "go", "responses": OK, **fields}}})[0].operations[0]


def param_type(schema: Any, schemas: dict[str, Any] | None = None, models: dict[str, str] | None = None) -> TypeRef:
    """The type of a query parameter of `schema` (an input)."""
    query = {"name": "q", "in": "query", "schema": schema}
    paths = {"/things": {"get": {"operationId": "go", "parameters": [query], "responses": OK}}}
    return api_of(paths, schemas, models)[0].operations[0].params[0].type_hint


def returned(schema: Any, schemas: dict[str, Any] | None = None, models: dict[str, str] | None = None) -> TypeRef:
    """The return type of an operation whose 200 response has `schema` (an output)."""
    response = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    paths = {"/things": {"get": {"operationId": "go", "responses": {"200": response}}}}
    return api_of(paths, schemas, models)[0].operations[0].return_type


@pytest.mark.parametrize(
    ("schema", "hint"),
    [
        ({"type": "string"}, "str"),
        ({"type": "integer"}, "int"),
        ({"type": "number"}, "float"),
        ({"type": "boolean"}, "bool"),
        ({"type": "null"}, "None"),
        ({"type": "string", "format": "date-time"}, "datetime.datetime"),
        ({}, "Any"),
        ({"type": "array", "items": {"type": "integer"}}, "list[int]"),
        ({"items": {"type": "string"}}, "list[str]"),
        ({"type": "object", "additionalProperties": {"type": "number"}}, "dict[str, float]"),
        ({"type": "object", "properties": {"a": {"type": "string"}}}, "dict[str, Any]"),
        ({"type": ["string", "null"]}, "str | None"),
        ({"type": "string", "nullable": True}, "str | None"),
        (
            {"anyOf": [{"type": "null"}, {"type": "string"}, {"type": "string"}, {"type": "integer"}]},
            "str | int | None",
        ),
        ({"anyOf": [{"type": "string"}, {}]}, "Any"),
        ({"allOf": [{"type": "integer"}], "nullable": True}, "int | None"),
        ({"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "null"}]}}, "list[str | None]"),
    ],
)
def test_type_hints(schema: dict[str, Any], hint: str) -> None:
    assert param_type(schema).hint == hint


def test_a_type_carries_the_imports_its_hint_needs() -> None:
    assert param_type({"type": "string", "format": "date-time"}).imports == {Import("datetime")}
    assert param_type({"type": "array", "items": {}}).imports == {Import("typing", "Any")}
    assert param_type({"type": "integer"}).imports == frozenset()
    assert param_type({"type": "string", "enum": ["a"]}).imports == {Import("typing", "Literal")}


def test_string_enums_are_literals_for_input_only() -> None:
    schema = {"type": "string", "enum": ["queued", "done", 3]}
    assert param_type(schema).hint == "Literal['queued', 'done']"
    assert returned(schema).hint == "str"


def test_a_ref_to_a_model_names_it() -> None:
    schemas = {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}}
    hint = returned({"$ref": "#/components/schemas/Pet"}, schemas, {"Pet": "Pet"})
    assert hint == TypeRef("models.Pet", frozenset({Import(".", "models")}), model="Pet")
    listed = returned({"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}, schemas, {"Pet": "Pet"})
    assert listed == TypeRef("list[models.Pet]", frozenset({Import(".", "models")}))


def test_a_ref_without_a_model_is_its_target_type() -> None:
    schemas = {"Name": {"type": "string"}, "Alias": {"$ref": "#/components/schemas/Name"}}
    assert returned({"$ref": "#/components/schemas/Alias"}, schemas).hint == "str"


def test_an_enum_model_also_takes_its_values_as_text_for_input() -> None:
    schemas = {"Color": {"type": "string", "enum": ["red", "blue"]}}
    hint = param_type({"$ref": "#/components/schemas/Color"}, schemas, {"Color": "Color"})
    assert hint.hint == "models.Color | Literal['red', 'blue']"
    assert hint.imports == {Import(".", "models"), Import("typing", "Literal")}
    assert returned({"$ref": "#/components/schemas/Color"}, schemas, {"Color": "Color"}).hint == "models.Color"


def test_a_ref_to_a_union_names_its_members_flattened() -> None:
    schemas = {
        "Cat": {"type": "object", "properties": {"meow": {"type": "string"}}},
        "Dog": {"type": "object", "properties": {"bark": {"type": "string"}}},
        "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]},
    }
    models = {"Cat": "Cat", "Dog": "Dog", "Pet": "Pet"}
    schema = {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/Pet"}, {"$ref": "#/components/schemas/Cat"}]}
    hint = returned(schema, schemas, models)
    assert hint.hint == "models.Cat | models.Dog | None"
    assert [part.model for part in hint.parts] == ["Cat", "Dog", None]


def test_union_of_type_refs() -> None:
    a, b = TypeRef("A", frozenset({Import("x", "A")})), TypeRef("B")
    assert union([NONE, a, union([b, a])]) == TypeRef("A | B | None", frozenset({Import("x", "A")}), (a, b, NONE))
    assert union([a, ANY, b]) is ANY
    assert union([a, a]) is a
    assert str(union([a, b])) == "A | B"


def test_error_types_only_for_model_refs() -> None:
    schemas = {
        "Error": {"type": "object", "properties": {"detail": {"type": "string"}}},
        "Stamp": {"type": "string", "format": "date-time"},
    }

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "no", "content": {"application/json": {"schema": schema}}}

    responses = {
        "200": {"description": "ok"},
        "404": body({"$ref": "#/components/schemas/Error"}),
        "4XX": body({"$ref": "#/components/schemas/Error"}),
        "409": body({"$ref": "#/components/schemas/Stamp"}),
        "422": body({"type": "object", "properties": {"detail": {"type": "string"}}}),
        "500": {"description": "no", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    }  # fmt: skip
    api, _ = api_of({"/t": {"get": {"operationId": "go", "responses": responses}}}, schemas, {"Error": "Error"})
    op = api.operations[0]
    assert [(code, hint.hint) for code, hint in op.error_types] == [("404", "models.Error"), ("4XX", "models.Error")]
    assert op.return_type == NONE
    assert Import("datetime") not in api.imports  # the discarded 409 type imports nothing


def test_method_name_collisions_take_an_underscore_and_warn() -> None:
    paths = {
        "/a": {"get": {"operationId": "getPet", "responses": OK}},
        "/b": {"get": {"operationId": "get_pet", "responses": OK}, "delete": {"responses": OK}},
    }
    api, notes = api_of(paths)
    assert [op.name for op in api.operations] == ["get_pet", "get_pet_", "delete_b"]
    assert [(note.pointer, note.message) for note in notes] == [
        ("#/paths/~1b/get", "method name 'get_pet' is taken; using get_pet_")
    ]


def test_reserved_and_clashing_argument_names() -> None:
    parameters = [
        {"name": "timeout", "in": "query", "schema": {"type": "integer"}},
        {"name": "class", "in": "query", "schema": {"type": "string"}},
        {"name": "X-Request-Id", "in": "header", "schema": {"type": "string"}},
        {"name": "self", "in": "header", "schema": {"type": "string"}},
        {"name": "session", "in": "cookie", "schema": {"type": "string"}},
    ]
    body = {"content": {"application/json": {"schema": {"type": "object", "properties": {"class": {}, "body": {}}}}}}
    op = operation(parameters=parameters, requestBody=body)
    assert [(p.location, p.name, p.py_name) for p in op.params] == [
        ("body", "class", "class__"),
        ("body", "body", "body"),
        ("query", "timeout", "timeout_"),
        ("query", "class", "class_"),
        ("header", "X-Request-Id", "request_id"),
        ("header", "self", "self_"),
    ]


def test_path_params_in_path_order_and_shared_params_merged() -> None:
    def param(name: str, kind: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}

    item = {
        "parameters": [param("owner", "string"), param("repo", "string")],
        "get": {
            "operationId": "go",
            "parameters": [param("number", "integer"), param("owner", "integer")],
            "responses": OK,
        },
    }
    op = api_of({"/repos/{owner}/{repo}/issues/{number}": item})[0].operations[0]
    names_and_types = [(p.py_name, p.type_hint.hint) for p in op.path_params]
    assert names_and_types == [("owner", "int"), ("repo", "str"), ("number", "int")]


def test_body_kinds() -> None:
    assert operation().body_kind == "none"
    fields = {"type": "object", "required": ["b"], "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    op = operation(requestBody={"required": True, "content": {"application/json": {"schema": fields}}})
    assert (op.body_kind, [(p.name, p.required) for p in op.params]) == ("fields", [("b", True), ("a", False)])
    optional = operation(requestBody={"content": {"application/json": {"schema": fields}}})
    assert [p.required for p in optional.params] == [False, False]
    whole = operation(requestBody={"content": {"application/merge+json": {"schema": {"type": "array", "items": {}}}}})
    assert (whole.body_kind, [(p.py_name, p.type_hint.hint) for p in whole.params]) == (
        "whole",
        [("body", "list[Any]")],
    )


def test_a_body_that_is_not_json_is_left_out_with_a_warning() -> None:
    spec = {"/up": {"post": {"operationId": "up", "requestBody": {"content": {"text/plain": {}}}, "responses": OK}}}
    api, notes = api_of(spec)
    assert api.operations[0].body_kind == "none"
    assert [str(note) for note in notes] == [
        "warning: #/paths/~1up/post/requestBody: request body media type (text/plain) is not supported: no body"
    ]


def test_return_types() -> None:
    assert operation().return_type == NONE
    png = {"200": {"description": "ok", "content": {"image/png": {}}}}
    assert operation(responses=png).return_type.hint == "bytes"
    assert operation(responses={"201": {"description": "ok", "content": {"application/json": {}}}}).return_type is ANY


def test_imports_are_exactly_what_is_used() -> None:
    assert api_of({"/t": {"get": {"operationId": "go", "responses": OK}}})[0].imports == tuple(sorted(CLIENT_IMPORTS))
    dated = {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}}
    api, _ = api_of({"/t": {"get": {"operationId": "go", "parameters": [dated], "responses": OK}}})
    assert set(api.imports) - set(CLIENT_IMPORTS) == {Import("datetime")}


def test_import_block_is_in_isort_order() -> None:
    imports = [Import("typing", "Literal"), Import(".", "models"), Import("httpx2"), Import("typing", "Any")]
    imports += [Import("__future__", "annotations"), Import("datetime"), Import("._types", "NOT_GIVEN")]
    assert import_block([*imports, Import("._types", "NotGiven"), Import("collections.abc", "Mapping")]) == (
        "from __future__ import annotations\n\n"
        "import datetime\nfrom collections.abc import Mapping\nfrom typing import Any, Literal\n\n"
        "import httpx2\n\n"
        "from . import models\nfrom ._types import NOT_GIVEN, NotGiven"
    )

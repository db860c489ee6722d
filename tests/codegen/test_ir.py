"""The IR on its own: `Api`s built from small inline specs, with model names given (no datamodel-code-generator)."""

from __future__ import annotations

from typing import Any

import pytest

from codegen.errors import Diagnostic
from codegen.ir import Api, Import, Operation, TypeRef, build
from codegen.ir.modules import ALIAS_IMPORTS, CLIENT_IMPORTS, GROUP_SIZE, METHOD_IMPORTS
from codegen.ir.nodes import Alias
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
    assert hint.hint == "models.Color | ColorLiteral"  # the values named once, by a module-level alias
    assert hint.imports == {Import(".", "models")}
    assert hint.aliases == {Alias("ColorLiteral", "Literal['red', 'blue']")}
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
        ("body", "body", "body_"),  # `body=` is the whole body's, in every method
        ("whole", "", "body"),
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


def test_body_fields_and_the_whole_body() -> None:
    assert operation().body is None
    fields = {"type": "object", "required": ["b"], "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    op = operation(requestBody={"required": True, "content": {"application/json": {"schema": fields}}})
    assert [(p.location, p.name, p.required) for p in op.params] == [
        ("body", "b", True),
        ("body", "a", False),
        ("whole", "", False),
    ]
    assert op.required_fields == ("b",)
    as_fields, whole = op.overloads
    assert [(p.py_name, p.required) for p in as_fields] == [("b", True), ("a", False)]
    assert [(p.py_name, p.required, p.type_hint.hint) for p in whole] == [("body", True, "Mapping[str, Any]")]
    optional = operation(requestBody={"content": {"application/json": {"schema": fields}}})
    assert [p.required for p in optional.params] == [False, False, False]
    assert optional.overloads == ()
    whole_only = operation(requestBody={"content": {"application/merge+json": {"schema": {"type": "array", "items": {}}}}})  # fmt: skip
    assert [(p.location, p.py_name, p.type_hint.hint) for p in whole_only.params] == [("whole", "body", "list[Any]")]
    assert whole_only.declared_media[0].name == "application/merge+json"


@pytest.mark.parametrize(
    ("media", "schema", "kind", "header", "hint"),
    [
        ("application/json", {"type": "array", "items": {}}, "json", None, "list[Any]"),
        ("application/problem+json", {}, "json", None, "Any"),
        ("text/json", {"type": "object"}, "json", None, "Mapping[str, Any]"),
        ("*/*", {"type": "object"}, "json", "application/json", "Mapping[str, Any]"),
        ("*/*", {"type": "string", "format": "binary"}, "binary", "application/octet-stream", "BinaryContent"),
        ("application/octet-stream", {"type": "string", "format": "binary"}, "binary", None, "BinaryContent"),
        ("image/png", None, "binary", None, "BinaryContent"),
        ("application/jwt", {"type": "string"}, "binary", None, "BinaryContent"),
        ("text/plain", {"type": "string"}, "text", None, "str"),
        ("text/*", {}, "text", "text/plain", "str"),
        ("application/x-www-form-urlencoded", {"type": "object"}, "form", None, "Mapping[str, Any]"),
        ("multipart/form-data", {"type": "object"}, "multipart", None, "Mapping[str, Any]"),
    ],
)
def test_each_media_type_has_a_kind_and_a_body_type(
    media: str, schema: Any, kind: str, header: str | None, hint: str
) -> None:
    content = {media: {"schema": schema} if schema is not None else {}}
    op = operation(requestBody={"required": True, "content": content})
    assert op.body is not None
    assert [(m.name, m.kind, m.header) for m in op.body.media] == [(media, kind, header)]
    assert [(p.location, p.type_hint.hint, p.required) for p in op.params] == [("whole", hint, True)]


def test_several_media_types_default_to_the_first_json_one() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    content = {
        "application/x-www-form-urlencoded": {"schema": schema},
        "application/json": {"schema": schema},
        "application/octet-stream": {},
    }
    op = operation(requestBody={"content": content})
    assert op.body is not None
    assert [m.name for m in op.body.media] == ["application/json", "application/x-www-form-urlencoded", "application/octet-stream"]  # fmt: skip
    choice = op.located("content-type")[0]
    assert (choice.py_name, choice.default) == ("content_type", "'application/json'")
    assert choice.type_hint.hint == "Literal['application/json', 'application/x-www-form-urlencoded', 'application/octet-stream']"  # fmt: skip
    assert op.located("whole")[0].type_hint.hint == "Mapping[str, Any] | BinaryContent"


def test_all_of_bodies_give_every_writable_field() -> None:
    schemas = {
        "Resource": {
            "type": "object",
            "required": ["location"],
            "properties": {"id": {"type": "string", "readOnly": True}, "location": {"type": "string"}},
        },
        "Tagged": {"allOf": [{"$ref": "#/components/schemas/Resource"}, {"properties": {"tags": {"type": "object"}}}]},
        "Thing": {
            "allOf": [{"$ref": "#/components/schemas/Tagged"}],
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "size": {"type": "integer"}},
        },
    }
    body = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}
    paths = {"/things": {"put": {"operationId": "create_thing", "requestBody": body, "responses": OK}}}
    api, notes = api_of(paths, schemas, {"Thing": "Thing"})
    op = api.operations[0]
    assert [(p.location, p.name, p.required) for p in op.params] == [
        ("body", "location", True),
        ("body", "name", True),
        ("body", "tags", False),
        ("body", "size", False),
        ("whole", "", False),
    ]
    assert op.located("whole")[0].type_hint.hint == "models.Thing | Mapping[str, Any]"
    assert notes == []


def test_a_ref_beside_properties_counts_and_a_oneof_inside_allof_is_a_warning() -> None:
    schema = {
        "$ref": "#/components/schemas/Base",
        "properties": {"own": {"type": "string"}},
        "allOf": [{"oneOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]}],
    }
    schemas = {"Base": {"type": "object", "required": ["base"], "properties": {"base": {"type": "integer"}}}}
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    api, notes = api_of({"/t": {"post": {"operationId": "go", "requestBody": body, "responses": OK}}}, schemas)
    assert [p.name for p in api.operations[0].located("body")] == ["base", "own"]
    assert [str(note) for note in notes] == [
        "warning: #/paths/~1t/post/requestBody/content/application~1json/schema/allOf/0/oneOf: the fields of its "
        "oneOf alternatives are no keywords: pass such a body whole (body=)"
    ]


def test_form_and_multipart_fields_and_encoding() -> None:
    schema = {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {"type": "string", "format": "binary"},
            "note": {"type": "string"},
            "photos": {"type": "array", "items": {"type": "string", "contentMediaType": "image/png"}},
            "meta": {"type": "object"},
            "count": {"type": "integer"},
        },
    }
    encoding = {"meta": {"contentType": "application/json"}, "count": {"style": "matrix", "allowReserved": True}}
    content = {"multipart/form-data": {"schema": schema, "encoding": encoding}}
    paths = {"/up": {"post": {"operationId": "up", "requestBody": {"required": True, "content": content}, "responses": OK}}}  # fmt: skip
    api, notes = api_of(paths)
    op = api.operations[0]
    assert [(p.py_name, p.type_hint.hint) for p in op.located("body")] == [
        ("file", "FileTypes"),
        ("note", "str | FileTypes"),
        ("photos", "list[FileTypes]"),
        ("meta", "dict[str, Any]"),
        ("count", "int"),
    ]
    assert op.body is not None
    assert [(e.field, e.style, e.content_type) for e in op.body.media[0].encoding] == [("meta", None, "application/json")]  # fmt: skip
    where = "#/paths/~1up/post/requestBody/content/multipart~1form-data/encoding/count"
    assert [str(note) for note in notes] == [
        f"warning: {where}/style: style 'matrix' is not one a form has: sent as form",
        f"warning: {where}/allowReserved: reserved characters are sent percent-encoded",
    ]


def test_return_types() -> None:
    assert operation().return_type == NONE
    png = {"200": {"description": "ok", "content": {"image/png": {}}}}
    assert operation(responses=png).return_type.hint == "bytes"
    assert operation(responses={"201": {"description": "ok", "content": {"application/json": {}}}}).return_type is ANY


def test_imports_are_exactly_what_is_used() -> None:
    plain = tuple(sorted({*CLIENT_IMPORTS, *METHOD_IMPORTS}))
    assert api_of({"/t": {"get": {"operationId": "go", "responses": OK}}})[0].imports == plain
    dated = {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}}
    api, _ = api_of({"/t": {"get": {"operationId": "go", "parameters": [dated], "responses": OK}}})
    assert set(api.imports) - set(plain) == {Import("datetime")}


def test_an_enum_used_by_several_arguments_is_one_alias_of_the_module() -> None:
    schemas = {"Color": {"type": "string", "enum": ["red", "blue"]}}
    colour = {"schema": {"$ref": "#/components/schemas/Color"}}
    params = [{"name": "a", "in": "query", **colour}, {"name": "b", "in": "query", **colour}]
    arrays = {"name": "c", "in": "query", "schema": {"type": "array", "items": colour["schema"]}}
    paths = {"/t": {"get": {"operationId": "go", "parameters": [*params, arrays], "responses": OK}}}
    api, _ = api_of(paths, schemas, {"Color": "Color"})
    assert [p.type_hint.hint for p in api.operations[0].params] == ["models.Color | ColorLiteral"] * 2 + [
        "list[models.Color | ColorLiteral]"
    ]
    assert api.aliases == (Alias("ColorLiteral", "Literal['red', 'blue']"),)
    assert {*ALIAS_IMPORTS} <= set(api.imports)


def test_a_large_client_is_split_into_modules_by_tag() -> None:
    paths = {
        f"/t{n}": {"get": {"operationId": f"op{n}", "tags": [tag], "responses": OK}}
        for n, tag in enumerate(["pets"] * (GROUP_SIZE + 1) + ["Store Items"] * 30 + ["PETS"] * 2)
    }
    api, _ = api_of(paths)
    modules = [(group.module, len(group.operations)) for group in api.groups]
    half = (GROUP_SIZE + 2) // 2
    assert modules == [("_pets", half), ("_pets_2", GROUP_SIZE + 1 - half), ("_store_items", 30), ("_pets_3", 2)]
    assert all(imported.module != "._calls" for group in api.groups for imported in group.imports)  # one level up
    assert Import("..._calls", "operation") not in api.groups[0].imports
    assert Import(".._calls", "operation") in api.groups[0].imports
    assert Import("._calls", "LazyMethods") in api.imports
    assert Import("._calls", "operation") not in api.imports  # the descriptions are all in `_methods/`
    assert api_of({"/t": {"get": {"operationId": "go", "responses": OK}}})[0].groups == ()


def test_import_block_is_in_isort_order() -> None:
    imports = [Import("typing", "Literal"), Import(".", "models"), Import("httpx2"), Import("typing", "Any")]
    imports += [Import("__future__", "annotations"), Import("datetime"), Import("._types", "NOT_GIVEN")]
    assert import_block([*imports, Import("._types", "NotGiven"), Import("collections.abc", "Mapping")]) == (
        "from __future__ import annotations\n\n"
        "import datetime\nfrom collections.abc import Mapping\nfrom typing import Any, Literal\n\n"
        "import httpx2\n\n"
        "from . import models\nfrom ._types import NOT_GIVEN, NotGiven"
    )

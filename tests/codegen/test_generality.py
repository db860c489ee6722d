"""Real specs' constructs: each one generates a package that imports and type-checks, or fails with one error line.

Found by `make corpus` (docs/corpus.md): dotted schema names, patterns pydantic cannot compile, defaults their own
schema rejects, operations named like the client's own names, huge enums, recursive schemas; and malformed input:
a pure `$ref` cycle, absurd nesting.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import pydantic
import pytest

from codegen.cli import main
from codegen.errors import CodegenError
from codegen.pipeline import Options, generate_files

ROOT = Path(__file__).resolve().parents[2]


def _spec(schemas: dict[str, Any], paths: dict[str, Any] | None = None) -> dict[str, Any]:
    first = next(iter(schemas))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Odd", "version": "1"},
        "servers": [{"url": "https://odd.example"}],
        "paths": paths
        or {
            "/things": {
                "get": {
                    "operationId": "getThing",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{first}"}}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": schemas},
    }


def _write(tmp_path: Path, spec: dict[str, Any]) -> Path:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def _generate(tmp_path: Path, spec: dict[str, Any], package: str) -> Any:
    out = tmp_path / "out"
    assert main(["generate", "-q", "--spec", str(_write(tmp_path, spec)), "--out", str(out), "--package", package]) == 0
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(out))


def _notes(tmp_path: Path, spec: dict[str, Any]) -> list[str]:
    _, notes = generate_files(Options(_write(tmp_path, spec), tmp_path / "out", "pkg"))
    return [str(note) for note in notes]


def test_dotted_schema_names_become_one_module_with_the_class_names_the_ir_expects(tmp_path: Path) -> None:
    spec = _spec(
        {
            "foo.bar.Item": {"type": "object", "properties": {"other": {"$ref": "#/components/schemas/foo.Other"}}},
            "foo.Other": {"type": "object", "properties": {"n": {"type": "integer"}}},
            "fooOther": {"type": "string"},
        }
    )
    package = _generate(tmp_path, spec, "gen_dotted")
    item = package.models.FooBarItem.model_validate({"other": {"n": 3}})
    assert isinstance(item.other, package.models.FooOther2)
    assert package.models.FooOther2.model_validate({"n": 1}).n == 1
    assert package.models.FooOther.model_validate("x").root == "x"  # the undotted name keeps its own class
    assert "-> Call[models.FooBarItem]:" in (tmp_path / "out" / "gen_dotted" / "_client.py").read_text(encoding="utf-8")


def test_a_pattern_pydantic_cannot_compile_is_left_out_with_a_warning(tmp_path: Path) -> None:
    spec = _spec(
        {
            "Tag": {
                "type": "object",
                "properties": {
                    "key": {"type": "string", "pattern": "^(?!aws:)[\\p{L}\\p{N}_.:/=+\\-@]*$"},
                    "huge": {"type": "string", "pattern": "^[a-z]{1,5000}(\\d{1,300}){1,300}$"},
                    "ahead": {"type": "string", "pattern": "^(?!x)[a-z]+$"},
                    "plain": {"type": "string", "pattern": "^[a-z]+$"},
                },
            }
        }
    )
    notes = _notes(tmp_path, spec)
    assert [note.split(": pattern")[0] for note in notes if "pattern cannot be compiled" in note] == [
        "warning: #/components/schemas/Tag/properties/key/pattern",
        "warning: #/components/schemas/Tag/properties/huge/pattern",
    ]
    tag = _generate(tmp_path, spec, "gen_patterns").models.Tag
    assert tag.model_validate({"key": "anything:at-all", "huge": "ok"}).key == "anything:at-all"
    with pytest.raises(pydantic.ValidationError):
        tag.model_validate({"plain": "UPPER"})
    with pytest.raises(pydantic.ValidationError):
        tag.model_validate({"ahead": "xyz"})  # a look-ahead pydantic can run (Python's engine) is kept


def test_a_default_its_own_schema_rejects_is_left_out_with_a_warning(tmp_path: Path) -> None:
    spec = _spec(
        {
            "Flags": {
                "type": "object",
                "properties": {
                    "on": {"type": "boolean", "default": "false"},
                    "names": {"type": "string", "default": []},
                    "size": {"type": "integer", "default": 3},
                    "kind": {"type": "string", "enum": ["a", "b"], "default": "c"},
                },
            }
        }
    )
    notes = [note for note in _notes(tmp_path, spec) if "does not fit" in note]
    assert [note.split(": default")[0] for note in notes] == [
        "warning: #/components/schemas/Flags/properties/on/default",
        "warning: #/components/schemas/Flags/properties/names/default",
        "warning: #/components/schemas/Flags/properties/kind/default",
    ]
    assert _generate(tmp_path, spec, "gen_defaults").models.Flags().size == 3


def test_a_type_that_names_no_type_is_left_out_with_a_warning(tmp_path: Path) -> None:
    # codat.io/accounting: a schema written under the `type` keyword by mistake stopped datamodel-code-generator
    item_type = {"type": {"type": "string", "enum": ["Inventory", "Service"]}}
    kind = {"$ref": "#/components/schemas/Item/definitions/itemType"}
    spec = _spec(
        {
            "Item": {
                "type": "object",
                "properties": {"type": {"type": "string"}, "kind": kind},
                "definitions": {"itemType": item_type},
            }
        }
    )
    type_parameter = {"name": "type", "in": "query", "schema": {"type": "string", "pattern": "^[a-z]+$"}}
    spec["components"]["parameters"] = {"type": type_parameter}  # a parameter called `type` is not the keyword
    spec["paths"]["/things"]["get"]["parameters"] = [{"$ref": "#/components/parameters/type"}]
    notes = [note for note in _notes(tmp_path, spec) if "type name" in note]
    assert [note.split(": `type`")[0] for note in notes] == [
        "warning: #/components/schemas/Item/definitions/itemType/type"
    ]
    package = _generate(tmp_path, spec, "gen_bad_type")
    item = package.models.Item.model_validate({"type": "x", "kind": {"any": "value"}})
    assert (item.type, item.kind) == ("x", {"any": "value"})
    assert "type" in inspect.signature(package.OddClient.get_thing).parameters


def test_an_operation_with_a_server_of_its_own_goes_there_unless_the_client_was_given_a_base_url(
    tmp_path: Path,
) -> None:
    # Stripe's POST /v1/files (files.stripe.com), GitHub's release-asset upload (uploads.github.com)
    spec = _spec({"Thing": {"type": "string"}})
    ok = {"200": {"description": "ok"}}
    spec["paths"]["/things"]["servers"] = [{"url": "https://odd.example/"}]  # the default: nothing changes
    own = [{"url": "https://{host}", "variables": {"host": {"default": "files.odd.example"}}}]
    spec["paths"]["/files"] = {"servers": own, "post": {"operationId": "upload", "responses": ok}}
    spec["paths"]["/files"]["get"] = {"operationId": "list_files", "servers": [{"url": "https://odd.example"}], "responses": ok}  # fmt: skip
    spec["paths"]["/relative"] = {"get": {"operationId": "relative", "servers": [{"url": "/v2"}], "responses": ok}}
    assert [note for note in _notes(tmp_path, spec) if "server" in note] == [
        "warning: #/paths/~1relative/get/servers: server url '/v2' is not absolute: its calls go to the client's"
        " base_url"
    ]
    client_class = _generate(tmp_path, spec, "gen_servers").OddClient
    sent: list[str] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        sent.append(str(request.url))
        return httpx2.Response(200, json="x")

    transport = httpx2.MockTransport(answer)
    client = client_class(http_client=httpx2.Client(transport=transport))
    client.upload(), client.list_files(), client.get_thing(), client.relative()
    given = client_class(base_url="http://127.0.0.1:9", http_client=httpx2.Client(transport=transport))
    given.upload(), given.with_options(max_retries=0).upload(), client.with_options(max_retries=0).upload()
    assert sent == [
        "https://files.odd.example/files",  # its path item's server
        "https://odd.example/files",  # the operation's own server wins over its path item's
        "https://odd.example/things",
        "https://odd.example/relative",
        "http://127.0.0.1:9/files",  # a base URL the caller chose takes every call
        "http://127.0.0.1:9/files",
        "https://files.odd.example/files",
    ]


def test_an_sdk_method_name_extension_names_the_method_when_no_other_operation_takes_it(tmp_path: Path) -> None:
    # Skyvern's served document: FastAPI's operationIds, Fern's method names beside them
    ok = {"200": {"description": "ok"}}
    upload = {
        "operationId": "upload_file_v1_upload_file_post",
        "x-fern-sdk-method-name": "upload_file",
        "responses": ok,
    }
    paths = {
        "/v1/upload_file": {"post": upload},
        "/a": {"get": {"operationId": "get_a_v1", "x-fern-sdk-method-name": "get", "responses": ok}},
        "/b": {"get": {"operationId": "get_b_v1", "x-fern-sdk-method-name": "get", "responses": ok}},  # taken twice
        "/c": {"get": {"operationId": "plain", "responses": ok}},
    }
    client = _generate(tmp_path, _spec({"Unused": {"type": "string"}}, paths), "gen_sdk_names").OddClient
    assert {"upload_file", "get_a_v1", "get_b_v1", "plain"} <= set(dir(client))
    assert not {"upload_file_v1_upload_file_post", "get"} & set(dir(client))


def test_an_operation_named_like_a_name_the_client_uses_gets_a_suffix(tmp_path: Path) -> None:
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}}}  # fmt: skip
    paths = {
        "/a": {"get": {"operationId": "list", "responses": ok}},
        "/b": {"get": {"operationId": "close", "responses": ok}},
        "/c": {"get": {"operationId": "tags", "responses": ok}},
        "/d": {"get": {"operationId": "operation", "responses": ok}},  # the decorator of the methods after it
        "/e": {"get": {"operationId": "after", "responses": ok}},
    }
    spec = _spec({"Unused": {"type": "string"}}, paths)
    notes = [note for note in _notes(tmp_path, spec) if "the client uses itself" in note]
    assert len(notes) == 3
    client = _generate(tmp_path, spec, "gen_names").OddClient
    assert {"list_", "close_", "tags", "operation_", "after"} <= set(dir(client))
    assert client.close is not client.close_


def test_huge_enums_reserved_words_and_recursive_schemas(tmp_path: Path) -> None:
    spec = _spec(
        {
            "Node": {
                "type": "object",
                "properties": {
                    "class": {"type": "string"},
                    "from": {"type": "string"},
                    "self": {"type": "string"},
                    "code": {"type": "string", "enum": [f"V{n}" for n in range(3000)]},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                },
            }
        }
    )
    node = _generate(tmp_path, spec, "gen_recursive").models.Node
    tree = node.model_validate({"class": "a", "code": "V2999", "children": [{"children": [{"from": "b"}]}]})
    assert tree.children[0].children[0].model_dump(by_alias=True, exclude_unset=True) == {"from": "b"}
    with pytest.raises(pydantic.ValidationError):
        node.model_validate({"children": [{"children": "not a list"}]})


@pytest.mark.parametrize(
    "schemas",
    [
        {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}},
        {"A": {"$ref": "#/components/schemas/A"}},
        {"A": {"allOf": [{"$ref": "#/components/schemas/B"}]}, "B": {"$ref": "#/components/schemas/A"}},
    ],
    ids=["two", "self", "through-allOf"],
)
def test_a_pure_ref_cycle_is_an_error_naming_it(tmp_path: Path, schemas: dict[str, Any]) -> None:
    with pytest.raises(CodegenError) as raised:
        generate_files(Options(_write(tmp_path, _spec(schemas)), tmp_path / "out", "pkg"))
    problems = [str(d) for d in raised.value.diagnostics if d.level == "error"]
    assert problems
    assert all("#/components/schemas/" in p and "$ref cycle" in p for p in problems), problems


@pytest.mark.parametrize("depth", [300, 5000])
def test_absurd_nesting_is_one_error_line_not_a_traceback(tmp_path: Path, depth: int) -> None:
    spec = json.dumps(_spec({"Deep": {"type": "string"}}))
    deep = '{"type": "object", "properties": {"x": ' * depth + '{"type": "string"}' + "}}" * depth
    path = tmp_path / "deep.json"
    path.write_text(spec.replace('"Deep": {"type": "string"}', f'"Deep": {deep}'), encoding="utf-8")
    command = [sys.executable, "-m", "codegen", "generate", "--spec", str(path), "--out", str(tmp_path / "o")]
    done = subprocess.run(
        [*command, "--package", "p"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "nested" in errors[0]
    assert errors[0].startswith("error: #")


@pytest.mark.slow
def test_a_subtype_narrowing_an_inherited_field_type_checks_and_validates(tmp_path: Path) -> None:
    spec = _spec(
        {
            "Shape": {
                "type": "object",
                "required": ["kind"],
                "properties": {"kind": {"$ref": "#/components/schemas/Kind"}},
                "discriminator": {"propertyName": "kind", "mapping": {"circle": "#/components/schemas/Circle"}},
            },
            "Kind": {"type": "string", "enum": ["circle", "square"]},
            "Circle": {
                "allOf": [
                    {"$ref": "#/components/schemas/Shape"},
                    {
                        "type": "object",
                        "properties": {"kind": {"type": "string", "enum": ["circle"]}, "r": {"type": "number"}},
                    },
                ]
            },
        }
    )
    package = _generate(tmp_path, spec, "gen_narrowed")
    source = (tmp_path / "out" / "gen_narrowed" / "models.py").read_text(encoding="utf-8")
    assert source.count("# type: ignore[assignment, unused-ignore]") == 1
    assert package.models.Circle.model_validate({"kind": "circle", "r": 1.5}).r == 1.5
    with pytest.raises(pydantic.ValidationError):
        package.models.Circle.model_validate({"kind": "circle", "r": "wide"})
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "gen_narrowed"],
        cwd=tmp_path / "out",
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout


def test_date_times_are_tolerant_even_beside_a_schema_called_date_time(tmp_path: Path) -> None:
    spec = _spec(
        {
            "Event": {
                "type": "object",
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "window": {"$ref": "#/components/schemas/DateTime"},
                },
            },
            "DateTime": {"type": "object", "properties": {"start": {"type": "string", "format": "date-time"}}},
        }
    )
    package = _generate(tmp_path, spec, "gen_datetimes")
    event = package.models.Event.model_validate({"at": "2026-01-01T00:00:00", "window": {"start": "2026-01-01T00:00"}})
    assert event.at.tzinfo is None
    assert isinstance(event.window, package.models.DateTime)
    with package.strict_parsing(), pytest.raises(pydantic.ValidationError, match="timezone"):
        package.models.Event.model_validate({"at": "2026-01-01T00:00:00"})


def test_a_schema_whose_name_an_inline_model_took_first_is_typed_with_its_own_class(tmp_path: Path) -> None:
    # datamodel-code-generator names the `setup` enum of `Config` first, so the `setup` schema becomes `Setup1`
    spec = _spec(
        {
            "setup": {
                "type": "object",
                "required": ["state"],
                "properties": {"state": {"type": "string"}, "config": {"$ref": "#/components/schemas/config"}},
            },
            "config": {"type": "object", "properties": {"setup": {"type": "string", "enum": ["on", "off"]}}},
        }
    )
    spec["components"]["schemas"] = dict(reversed(spec["components"]["schemas"].items()))  # `config` comes first
    package = _generate(tmp_path, spec, "gen_taken_name")
    client = (tmp_path / "out" / "gen_taken_name" / "_client.py").read_text(encoding="utf-8")
    assert "-> Call[models.Setup1]:" in client
    assert package.models.Setup1.model_validate({"state": "ready", "config": {"setup": "on"}}).state == "ready"
    assert [member.value for member in package.models.Setup] == ["on", "off"]


def test_a_percent_encoded_ref_into_a_path_is_followed(tmp_path: Path) -> None:
    # codat.io's and spacetraders.io's specs write `{` and `}` of a path template as %7B and %7D in their `$ref`s
    ok = {"200": {"description": "ok"}}
    limit = {"name": "limit", "in": "query", "schema": {"type": "integer"}}
    thing_id = {"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}}
    spec = _spec(
        {"Thing": {"type": "object", "properties": {"id": {"type": "string"}}}},
        {
            "/things/{thingId}": {"get": {"operationId": "getThing", "parameters": [thing_id, limit], "responses": ok}},
            "/others": {
                "get": {
                    "operationId": "listOthers",
                    "parameters": [{"$ref": "#/paths/~1things~1%7BthingId%7D/get/parameters/1"}],
                    "responses": ok,
                }
            },
        },
    )
    package = _generate(tmp_path, spec, "gen_percent_ref")
    assert "limit" in inspect.signature(package.OddClient.list_others).parameters


def test_a_type_that_is_not_a_type_name_is_one_error_line(tmp_path: Path) -> None:
    # codat.io writes a whole schema as a `type` (under `definitions`, which datamodel-code-generator then rejects)
    spec = _spec({"Item": {"type": "object", "properties": {"kind": {"type": {"type": "string", "enum": ["a"]}}}}})
    with pytest.raises(CodegenError) as caught:
        _notes(tmp_path, spec)
    assert [str(d) for d in caught.value.diagnostics] == [
        "error: #/components/schemas/Item/properties/kind/type: type must be a type name or a list of them, got dict"
    ]

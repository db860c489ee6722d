"""Bad specs: a one-line error naming the problem and its JSON pointer, a non-zero exit, `generated/` untouched."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from codegen.cli import main
from tests.codegen.conftest import MINIMAL, write_spec


def spec_with(**changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(MINIMAL)
    spec.update(changes)
    return spec


def operation(**changes: Any) -> dict[str, Any]:
    op: dict[str, Any] = copy.deepcopy(MINIMAL["paths"]["/pets/{pet_id}"]["get"])  # type: ignore[index]
    op.update(changes)
    return op


PET_PARAM = {"name": "pet_id", "in": "path", "required": True, "schema": {"type": "string"}}
CASES: list[tuple[str, dict[str, Any] | str | bytes, str, str]] = [
    ("bad yaml", "openapi: 3.1.0\ninfo: [unclosed\n", "#", "not valid YAML"),
    ("bad json", '{"openapi": "3.1.0", "info": ', "#", "not valid JSON"),
    ("not a mapping", "- just\n- a list\n", "#", "must hold a mapping"),
    ("not utf-8", b"openapi: \xff\xfe\n", "#", "not UTF-8"),
    ("swagger 2", {"swagger": "2.0", "info": {"title": "x"}, "paths": {}}, "#/openapi", "Swagger 2.0"),
    ("no title", spec_with(info={"version": "1"}), "#/info/title", "info.title"),
    ("paths not a mapping", spec_with(paths=["/a"]), "#/paths", "expected a mapping of paths"),
    ("no operations", spec_with(paths={}), "#/paths", "no operations"),
    (
        "path without slash",
        spec_with(paths={"pets": {"get": operation(parameters=[])}}),
        "#/paths/pets",
        "must start with '/'",
    ),
    (
        "dangling ref",
        spec_with(
            paths={"/pets/{pet_id}": {"get": operation(responses={"200": {"$ref": "#/components/responses/Nope"}})}}
        ),
        "#/paths/~1pets~1{pet_id}/get/responses/200",
        "points at nothing",
    ),
    (
        "remote ref",
        spec_with(components={"schemas": {"Pet": {"$ref": "https://example.com/pet.json"}}}),
        "#/components/schemas/Pet",
        "remote $ref",
    ),
    (
        "ref not a string",
        spec_with(components={"schemas": {"Pet": {"$ref": 5}}}),
        "#/components/schemas/Pet",
        "$ref must be a string",
    ),
    (
        "duplicate operationId",
        spec_with(paths={"/pets/{pet_id}": {"get": operation(), "delete": operation()}}),
        "#/paths/~1pets~1{pet_id}/delete/operationId",
        "duplicate operationId 'get_pet'",
    ),
    (
        "operationId not a string",
        spec_with(paths={"/pets/{pet_id}": {"get": operation(operationId=7)}}),
        "/get/operationId",
        "must be a string",
    ),
    (
        "unknown type",
        spec_with(components={"schemas": {"Pet": {"type": "strng"}}}),
        "#/components/schemas/Pet/type",
        "unknown type 'strng'",
    ),
    (
        "nested unknown type",
        spec_with(components={"schemas": {"Pet": {"type": "object", "properties": {"age": {"type": "int"}}}}}),
        "#/components/schemas/Pet/properties/age/type",
        "unknown type 'int'",
    ),
    (
        "properties not a mapping",
        spec_with(components={"schemas": {"Pet": {"properties": ["a"]}}}),
        "#/components/schemas/Pet/properties",
        "must be a mapping",
    ),
    (
        "required not a list",
        spec_with(components={"schemas": {"Pet": {"type": "object", "required": "a"}}}),
        "#/components/schemas/Pet/required",
        "required must be a list",
    ),
    (
        "bad parameter location",
        spec_with(paths={"/pets/{pet_id}": {"get": operation(parameters=[PET_PARAM, {"name": "q", "in": "body"}])}}),
        "/get/parameters/1/in",
        "'in' must be one of",
    ),
    (
        "undeclared path parameter",
        spec_with(paths={"/pets/{pet_id}": {"get": operation(parameters=[])}}),
        "#/paths/~1pets~1{pet_id}/get",
        "{pet_id}",
    ),
    (
        "optional path parameter",
        spec_with(paths={"/pets/{pet_id}": {"get": operation(parameters=[{**PET_PARAM, "required": False}])}}),
        "/get/parameters/0/required",
        "must be required",
    ),
    (
        "no responses",
        spec_with(paths={"/pets/{pet_id}": {"get": operation(responses={})}}),
        "/get/responses",
        "non-empty responses",
    ),
    (
        "bad status code",
        spec_with(paths={"/pets/{pet_id}": {"get": operation(responses={"20x": {"description": "?"}})}}),
        "/get/responses/20x",
        "not a status code",
    ),
    ("servers not a list", spec_with(servers={"url": "http://x"}), "#/servers", "servers must be a list"),
    (
        "request body without content",
        spec_with(paths={"/pets/{pet_id}": {"get": operation(requestBody={"required": True})}}),
        "/get/requestBody",
        "needs a content mapping",
    ),
]


@pytest.mark.parametrize(("name", "spec", "where", "what"), CASES, ids=[case[0] for case in CASES])
def test_malformed_spec_is_a_one_line_error_and_leaves_output_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, spec: Any, where: str, what: str
) -> None:
    path = tmp_path / "openapi.yaml"
    if isinstance(spec, bytes):
        path.write_bytes(spec)
    else:
        write_spec(tmp_path, spec)
    package = tmp_path / "out" / "pets"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("previous = True\n")

    code = main(["generate", "--spec", str(path), "--out", str(tmp_path / "out"), "--package", "pets"])

    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert code != 0
    assert any(where in line and what in line for line in errors), errors
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["pets"]
    assert [p.name for p in package.iterdir()] == ["__init__.py"]
    assert (package / "__init__.py").read_text() == "previous = True\n"


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["generate", "--spec", str(tmp_path / "nope.yaml"), "--out", str(tmp_path), "--package", "p"])
    assert code == 2
    assert "cannot read" in capsys.readouterr().err


def test_invalid_package_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_spec(tmp_path, MINIMAL)
    assert main(["generate", "--spec", str(path), "--out", str(tmp_path), "--package", "my-pets"]) == 2
    assert "not a Python identifier" in capsys.readouterr().err


def test_a_property_named_ref_and_ref_keys_in_examples_are_not_references(tmp_path: Path) -> None:
    spec = spec_with(
        components={
            "schemas": {
                "Link": {
                    "type": "object",
                    "properties": {"$ref": {"type": "string"}},
                    "example": {"$ref": "not/a/reference"},
                }
            }
        }
    )
    path = write_spec(tmp_path, spec)
    assert main(["generate", "-q", "--spec", str(path), "--out", str(tmp_path / "out"), "--package", "links"]) == 0


def test_a_dangling_default_response_is_still_caught(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    responses = {"default": {"$ref": "#/components/responses/Gone"}}
    spec = spec_with(paths={"/pets/{pet_id}": {"get": operation(responses=responses)}})
    path = write_spec(tmp_path, spec)
    assert main(["generate", "--spec", str(path), "--out", str(tmp_path / "out"), "--package", "p"]) == 2
    assert "/get/responses/default: $ref '#/components/responses/Gone' points at nothing" in capsys.readouterr().err

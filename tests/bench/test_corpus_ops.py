"""The corpus by operation: which operations each tool gave a method, and which it warned about a part of the request of."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.corpus_ops import (
    Operations,
    declared_operations,
    opc_generated,
    opc_warned,
    ours_generated,
    ours_warned,
    shape,
    tally,
)
from codegen.pipeline import Options, generate_files
from tests.codegen.conftest import write_spec

OK: dict[str, Any] = {"200": {"description": "ok"}}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "T", "version": "1"},
    "paths": {
        "/things": {
            "parameters": [{"name": "tenant", "in": "query", "schema": {"type": "string"}}],
            "get": {"operationId": "listThings", "responses": OK},
            "post": {
                "operationId": "makeThing",
                "requestBody": {"$ref": "#/components/requestBodies/New"},
                "responses": OK,
            },
            "summary": "not an operation",
        },
        "/things/{thingId}": {"$ref": "#/components/pathItems/One"},
        "/reports": {
            "get": {
                "operationId": "report",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}},
                    }
                },
            }
        },
    },
    "components": {
        "pathItems": {"One": {"delete": {"operationId": "dropThing", "responses": OK}}},
        "requestBodies": {"New": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}},
        "schemas": {
            "Thing": {"type": "object", "properties": {"part": {"$ref": "#/components/schemas/Part"}}},
            "Part": {"type": "object", "properties": {"self": {"$ref": "#/components/schemas/Part"}}},
            "Report": {"type": "object", "properties": {"part": {"$ref": "#/components/schemas/Part"}}},
        },
    },
}
LIST, MAKE, DROP, REPORT = ("GET", "/things"), ("POST", "/things"), ("DELETE", "/things/{thingId}"), ("GET", "/reports")


def test_every_method_of_every_path_item_is_declared_a_ref_followed() -> None:
    assert declared_operations(SPEC) == [LIST, MAKE, DROP, REPORT]
    assert declared_operations({"openapi": "3.0.3"}) == []


def test_a_warning_counts_for_the_requests_it_lies_in_or_reaches() -> None:
    def warned(*lines: str) -> set[tuple[str, str]]:
        return ours_warned(SPEC, "".join(line + "\n" for line in lines))

    assert warned("warning: #/paths/~1things/post/requestBody: cannot be sent: no body") == {MAKE}
    assert warned("warning: #/paths/~1things/parameters/0: a parameter left out") == {LIST, MAKE}
    assert warned("warning: #/paths/~1things/get/responses/200: response media type not read") == set()
    # a component the request reaches (requestBodies -> Thing -> Part, a cycle), not the one only a response does
    assert warned("warning: #/components/schemas/Part/properties/self: a field left out") == {MAKE}
    assert warned("warning: #/components/schemas/Report: a field left out") == set()
    assert warned("warning: #/components/schemas/Part/pattern: pattern cannot be compiled (x): left out") == set()
    assert warned("wrote corpus_client (1 warnings)", "codegen: done") == set()


def test_the_warnings_that_lose_nothing_are_the_generators_own(tmp_path: Path) -> None:
    spec: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "T", "version": "1"},
        "paths": {
            "/a": {
                "get": {
                    "parameters": [{"name": "q", "in": "query", "schema": {"type": "string", "pattern": "(?<=a"}}],
                    "responses": OK,
                },
                "post": {
                    "operationId": "close",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}},
                    "responses": OK,
                },
            },
            "/b": {"get": {"operationId": "get_a", "responses": OK}},
        },
        "components": {
            "schemas": {
                "A": {
                    "type": "object",
                    "properties": {"n": {"type": "integer", "default": "x"}},
                }
            }
        },
    }
    _, notes = generate_files(Options(write_spec(tmp_path, spec), tmp_path, "pkg"))
    stderr = "".join(f"{note}\n" for note in notes)
    assert len(notes) >= 4, stderr  # no operationId, a pattern and a default left out, a method renamed
    assert ours_warned(spec, stderr) == set()


def test_ours_generated_reads_the_endpoint_worker_line() -> None:
    assert ours_generated('[["GET", "/things"], ["POST", "/things"]]\n') == {LIST, MAKE}


OPC_STDERR = """\
Warning(s) encountered while generating. Client was generated, but some pieces may be missing

WARNING parsing POST /things within things. Endpoint will not be generated.

Unsupported content type text/plain

{
  "content": {}
}

WARNING parsing GET /things within things.

Cannot parse response for status code 200 (Unsupported content type), response will be omitted from generated client

WARNING parsing DELETE /things/{thingId} within things.

Unsupported content type application/xml

If you believe this was a mistake or this tool is missing a feature you need, please open an issue at https://x
"""


def test_openapi_python_clients_warnings_and_endpoint_modules(tmp_path: Path) -> None:
    assert opc_warned(OPC_STDERR) == {MAKE, DROP}
    module = tmp_path / "api" / "things" / "drop_thing.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        'def _get_kwargs(thing_id: str) -> dict[str, Any]:\n    _kwargs: dict[str, Any] = {\n        "method": "delete",\n'
        '        "url": "/things/{thing_id}".format(thing_id=quote(str(thing_id), safe=""),),\n    }\n',
        encoding="utf-8",
    )
    (module.parent / "__init__.py").write_text('"""Contains endpoint functions"""\n', encoding="utf-8")
    assert opc_generated(tmp_path) == {("DELETE", "/things/{thing_id}")}
    assert shape(("DELETE", "/things/{thing_id}")) == shape(DROP)
    assert tally(declared_operations(SPEC), opc_generated(tmp_path), opc_warned(OPC_STDERR)) == Operations(4, 1, 0)


def test_the_counts_are_of_the_declared_operations() -> None:
    counts = tally([LIST, MAKE, DROP], [LIST, MAKE, ("GET", "/elsewhere")], [MAKE, REPORT])
    assert counts == Operations(declared=3, generated=2, usable=1)
    assert (counts.dropped, counts.warned) == (1, 1)
    assert counts + Operations(1, 1, 1) == Operations(4, 3, 2)

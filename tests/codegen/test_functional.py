"""Generate from small inline specs, import the result, call it through `MockTransport`."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from codegen.pipeline import Options, generate_files
from tests.codegen.conftest import write_spec

Generate = Callable[..., Any]

PETSTORE_30: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pet Store", "version": "2.0"},
    "security": [{"bearer": []}],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "nullable": True}},
                    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["cat", "dog"]}},
                    {"name": "X-Trace-Id", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}
                            }
                        },
                    },
                    "default": {
                        "description": "error",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                    },
                },
            },
            "post": {
                "operationId": "createPet",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}},
                },
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                    },
                    "409": {
                        "description": "exists",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                    },
                },
            },
        },
        "/pets/{petId}/tags": {
            "put": {
                "operationId": "set-tags",
                "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {
                    "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}
                },
                "responses": {"204": {"description": "done"}},
            },
        },
        "/upload": {
            "post": {
                "operationId": "upload",
                "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string"}}}},
                "responses": {"200": {"description": "ok", "content": {"text/plain": {"schema": {"type": "string"}}}}},
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Cat": {
                "type": "object",
                "required": ["kind", "lives"],
                "properties": {"kind": {"type": "string", "enum": ["cat"]}, "lives": {"type": "integer"}},
            },
            "Dog": {
                "type": "object",
                "required": ["kind"],
                "properties": {"kind": {"type": "string", "enum": ["dog"]}, "good": {"type": "boolean"}},
            },
            "Pet": {
                "type": "object",
                "required": ["id", "animal"],
                "properties": {
                    "id": {"type": "integer"},
                    "animal": {
                        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                        "discriminator": {"propertyName": "kind"},
                    },
                    "born": {"type": "string", "format": "date-time", "nullable": True},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "status": {"$ref": "#/components/schemas/Status"},
                },
            },
            "NewPet": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "nickname": {"type": "string", "nullable": True},
                    "class": {"type": "string"},
                    "status": {"$ref": "#/components/schemas/Status"},
                },
            },
            "Status": {"type": "string", "enum": ["available", "sold"]},
            "Problem": {"type": "object", "properties": {"message": {"type": "string"}}},
        },
    },
}

PET = {"id": 1, "animal": {"kind": "cat", "lives": 9}, "born": None, "labels": {"a": "b"}, "status": "available"}


def client_for(module: Any, handler: Callable[[httpx2.Request], httpx2.Response]) -> Any:
    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    return module.PetStoreClient(api_key="tok", base_url="http://pets", http_client=http, max_retries=0)


def test_openapi_30_constructs_generate_and_work(generate: Generate) -> None:
    pets = generate(PETSTORE_30, "pets30")
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        if request.url.path == "/pets" and request.method == "GET":
            return httpx2.Response(200, json=[PET, {**PET, "animal": {"kind": "dog"}, "status": "lost"}])
        if request.url.path == "/pets":
            return httpx2.Response(409, json={"message": "exists"})
        if request.url.path.endswith("/tags"):
            return httpx2.Response(204)
        return httpx2.Response(200, text="stored")

    client = client_for(pets, handler)
    listed = client.list_pets(limit=None, kind="cat", trace_id="t-1")
    assert isinstance(listed[0], pets.models.Pet)
    assert isinstance(listed[0].animal, pets.models.Cat)
    assert isinstance(listed[1].animal, pets.models.Dog)
    assert listed[1].status.is_unknown
    assert listed[0].born is None
    assert seen[0].headers["authorization"] == "Bearer tok"
    assert seen[0].headers["x-trace-id"] == "t-1"
    assert dict(seen[0].url.params) == {"kind": "cat"}

    with pytest.raises(pets.ConflictError) as caught:
        client.create_pet(name="Tom", nickname=None, class_="x", status="sold")
    assert json.loads(seen[-1].content) == {"name": "Tom", "nickname": None, "class": "x", "status": "sold"}
    assert caught.value.body.message == "exists"

    assert client.set_tags(3, body=["a"]) is None
    assert json.loads(seen[-1].content) == ["a"]
    assert seen[-1].url.path == "/pets/3/tags"
    assert client.upload() == b"stored"
    assert client.upload(body=b"\x00raw") == b"stored"
    assert (seen[-1].headers["content-type"], seen[-1].content) == ("application/octet-stream", b"\x00raw")


def test_default_error_model_applies_to_any_status(generate: Generate) -> None:
    pets = generate(PETSTORE_30, "pets_default")
    client = client_for(pets, lambda request: httpx2.Response(418, json={"message": "teapot"}))
    with pytest.raises(pets.APIStatusError) as caught:
        client.list_pets()
    assert caught.value.status_code == 418
    assert caught.value.body.message == "teapot"


def test_warnings_name_what_is_left_out(tmp_path: Path) -> None:
    _, notes = generate_files(Options(write_spec(tmp_path, PETSTORE_30), tmp_path, "pets"))
    assert not [note for note in notes if "requestBody" in note.pointer]  # every body is sent, octet-stream included
    mixed = {"multipart/mixed": {"schema": {"type": "object"}}}
    spec = {**PETSTORE_30, "paths": {"/batch": {"post": {"operationId": "batch", "requestBody": {"content": mixed}, "responses": {"204": {"description": "ok"}}}}}}  # fmt: skip
    _, notes = generate_files(Options(write_spec(tmp_path, spec), tmp_path, "pets"))
    assert [str(note) for note in notes] == [
        "warning: #/paths/~1batch/post/requestBody/content/multipart~1mixed: multipart/mixed is sent as the bytes "
        "given in body= (make the parts and the boundary yourself)"
    ]


SPEC_31: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Events", "version": "1"},
    "paths": {
        "/events": {
            "post": {
                "operationId": "create_event",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}},
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}},
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Event": {
                "type": "object",
                "required": ["at"],
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "note": {"type": ["string", "null"], "maxLength": 5},
                    "size": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]},
                    "extra": {
                        "anyOf": [{"type": "object", "additionalProperties": {"type": "number"}}, {"type": "null"}]
                    },
                },
            }
        }
    },
}


def test_openapi_31_nullability_and_no_servers(generate: Generate) -> None:
    events = generate(SPEC_31, "events31")
    with pytest.raises(events.APIError, match="base URL"):
        events.EventsClient()
    echoed: list[bytes] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        echoed.append(request.content)
        return httpx2.Response(200, content=request.content)

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    client = events.EventsClient(base_url="http://events", http_client=http)
    at = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    event = client.create_event(at=at, note=None, size=3)
    assert json.loads(echoed[0]) == {"at": "2025-01-01T00:00:00Z", "note": None, "size": 3}
    assert event.at == at
    assert event.note is None
    assert "extra" not in event.model_fields_set
    with pytest.raises(ValueError, match="note"):
        events.models.Event(at=at, note="too long")


def test_client_name_and_env_prefix_from_config(generate: Generate, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EV_BASE_URL", "http://from-env")
    events = generate(SPEC_31, "events_named", client_name="Calendar", env_prefix="EV")
    assert events.Calendar().base_url == "http://from-env"
    assert events.AsyncCalendar.__name__ == "AsyncCalendar"


def test_path_item_given_by_ref(generate: Generate) -> None:
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "Ping", "version": "1"},
        "servers": [{"url": "http://ping"}],
        "paths": {"/ping": {"$ref": "#/components/pathItems/Ping"}},
        "components": {
            "pathItems": {
                "Ping": {
                    "get": {
                        "operationId": "ping",
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {"application/json": {"schema": {"type": "string"}}},
                            }
                        },
                    }
                }
            }
        },
    }
    ping = generate(spec, "ping_client")
    http = httpx2.Client(transport=httpx2.MockTransport(lambda request: httpx2.Response(200, json="pong")))
    assert ping.PingClient(http_client=http).ping() == "pong"

"""Large specs: the component schemas cut into parts generated apart, then assembled (`codegen.partition`)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from codegen import models
from codegen.load import from_data
from codegen.models import render_models
from codegen.partition import PART_BYTES, Part, part_json, partition, rename, sub_spec
from codegen.split import parse_definitions, remember_definitions
from codegen.view import SpecView, resolve_view

ITEMS = 16
PART_SIZE = 5
THRESHOLD = 10


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def parted_spec() -> dict[str, Any]:
    """Items sharing an `Owner`, each with an inline object and enum (numbered names: `Meta`, `Meta1`, ...), a
    `Parent` <-> `Child` cycle, a self-recursive `Node`, and a subtype that narrows a field of its base."""
    schemas: dict[str, Any] = {
        "Owner": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}},
        "Node": {"type": "object", "properties": {"children": {"type": "array", "items": _ref("Node")}}},
        "Parent": {"type": "object", "required": ["child"], "properties": {"child": _ref("Child")}},
        "Child": {"type": "object", "properties": {"parent": {"anyOf": [_ref("Parent"), {"type": "null"}]}}},
        "Shape": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}},
    }
    for n in range(ITEMS):
        schemas[f"Item{n}"] = {
            "type": "object",
            "required": ["id", "owner"],
            "properties": {
                "id": {"type": "integer"},
                "owner": _ref("Owner"),
                "state": {"type": "string", "enum": ["on", f"off_{n}"]},
                "meta": {"type": "object", "properties": {"note": {"type": "string"}, f"n{n}": {"type": "integer"}}},
            },
        }
    schemas["Circle"] = {
        "allOf": [_ref("Shape"), {"type": "object", "properties": {"kind": {"type": "string", "enum": ["circle"]}}}]
    }
    schemas["Tail"] = {"type": "object", "properties": {"first": _ref("Item3"), "last": _ref(f"Item{ITEMS - 1}")}}
    get = {"operationId": "get_tail", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": _ref("Tail")}}}}}  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {"title": "Parted", "version": "1"},
        "paths": {"/tail": {"get": get}},
        "components": {"schemas": schemas},
    }


@pytest.fixture(scope="module")
def view() -> SpecView:
    return resolve_view(from_data(parted_spec()))


def test_parts_own_each_schema_once_keep_cycles_whole_and_come_after_what_they_use() -> None:
    schemas = parted_spec()["components"]["schemas"]
    parts = partition(schemas, part_size=5)
    owned = [name for part in parts for name in part.owned]
    assert sorted(owned) == sorted(schemas)
    assert len(parts) > 3
    assert any({"Parent", "Child"} <= set(part.owned) for part in parts)
    owner_of = {name: index for index, part in enumerate(parts) for name in part.owned}
    for index, part in enumerate(parts):
        assert set(part.owned) <= set(part.closure)
        assert all(owner_of[name] <= index for name in part.closure)
    assert partition(schemas, part_size=5) == parts


def test_a_part_is_given_the_schemas_it_reaches() -> None:
    tail = next(part for part in partition(parted_spec()["components"]["schemas"], 5) if "Tail" in part.owned)
    assert {"Item3", f"Item{ITEMS - 1}", "Owner"} <= set(tail.closure)
    assert "Item4" not in tail.closure


def test_a_part_gets_only_the_other_components_its_schemas_name() -> None:
    data = parted_spec()
    data["components"]["examples"] = {"big": {"value": "x" * 1000}}
    data["components"]["parameters"] = {"Limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}}
    data["components"]["schemas"]["Item0"]["properties"]["limit"] = {"$ref": "#/components/parameters/Limit"}
    parts = partition(data["components"]["schemas"], PART_SIZE)
    first = sub_spec(data, next(part for part in parts if "Item0" in part.owned))
    assert first["paths"] == {}
    assert set(first["components"]) == {"schemas", "parameters"}
    other = sub_spec(data, next(part for part in parts if "Item0" not in part.closure))
    assert set(other["components"]) == {"schemas"}


def test_output_is_the_same_for_one_or_two_workers(view: SpecView) -> None:
    one = render_models(view, "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)
    two = render_models(view, "# h", jobs=2, part_size=PART_SIZE, threshold=THRESHOLD)
    assert one == two


def test_assembled_parts_keep_a_single_runs_class_names(view: SpecView) -> None:
    parted, parted_names, _ = render_models(view, "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)
    whole, whole_names, _ = render_models(view, "# h", jobs=1)
    assert parted_names == whole_names
    classes = {definition.name for definition in _definitions(parted)}
    assert classes == {definition.name for definition in _definitions(whole)}
    assert {"Meta", "Meta1", f"Meta{ITEMS - 1}", "State", f"State{ITEMS - 1}"} <= classes
    narrowed = [line for line in parted.splitlines() if "narrows the field it inherits" in line]
    assert len(narrowed) == 1
    assert narrowed[0].lstrip().startswith("kind:")


def test_a_spec_below_the_threshold_runs_whole(view: SpecView, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parts(*args: object) -> list[Part]:
        raise AssertionError("a small spec must not be cut into parts")

    monkeypatch.setattr(models, "partition", no_parts)
    source, names, _ = render_models(view, "# h", jobs=2)
    assert names["Tail"] == "Tail"
    assert "class Tail(BaseModel):" in source


def test_remembered_definitions_are_what_parsing_gives(view: SpecView) -> None:
    source, _, _ = render_models(view, "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)
    remembered = parse_definitions(source)
    remember_definitions("", ("", []))
    assert parse_definitions(source) == remembered


def test_rename_touches_code_only() -> None:
    source = 'class Type1(BaseModel):\n    kind: Type1 | None = None  # Type1\n    note: str = "Type1"'
    assert rename(source, {"Type1": "Type7"}) == (
        'class Type7(BaseModel):\n    kind: Type7 | None = None  # Type1\n    note: str = "Type1"'
    )


def _definitions(source: str) -> list[Any]:
    parsed = parse_definitions(source)
    assert parsed is not None
    return parsed[1]


def test_a_schema_of_another_part_is_given_as_a_stub_unless_its_content_shapes_the_code() -> None:
    schemas: dict[str, Any] = {
        "User": {"type": "object", "properties": {"login": {"type": "string"}, "team": _ref("Team")}},
        "Team": {"type": "object", "properties": {"name": {"type": "string"}}},
        "Kind": {"type": "string", "enum": ["a", "b"]},
        "Base": {"type": "object", "properties": {"id": {"type": "integer"}}},
        "Uses": {
            "type": "object",
            "properties": {
                "user": _ref("User"),
                "maybe_user": {"allOf": [_ref("User")], "nullable": True, "description": "a wrapper, not a base"},
                "kind": _ref("Kind"),
            },
        },
        "Derived": {"allOf": [_ref("Base"), {"type": "object", "properties": {"extra": {"type": "string"}}}]},
    }
    parts = partition(schemas, part_size=4)
    last = parts[-1]
    assert set(last.owned) == {"Uses", "Derived"}
    assert set(last.stubbed) == {"User"}  # only its class name matters: not what it reaches (`Team`) either
    assert "Team" not in last.closure
    assert {"Kind", "Base"} <= set(last.closure) - set(last.stubbed)  # collapsed into fields / inherited from
    given = sub_spec({"openapi": "3.1.0", "info": {}, "components": {"schemas": schemas}}, last)
    assert given["components"]["schemas"]["User"]["properties"] == {"stub": {"type": "string"}}
    assert given["components"]["schemas"]["Base"] == schemas["Base"]


def test_a_ref_into_another_parts_schema_is_typed_as_one_run_types_it() -> None:
    data = parted_spec()
    schemas = data["components"]["schemas"]
    schemas["Item0"]["properties"]["links"] = {"type": "object", "properties": {"self": {"type": "string"}}}
    schemas["Tail"]["properties"]["links"] = {"$ref": "#/components/schemas/Item0/properties/links"}
    assert "Item0" not in partition(schemas, PART_SIZE)[-1].stubbed  # given whole: a stub has no `links`
    view = resolve_view(from_data(data))
    parted, names, _ = render_models(view, "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)
    whole, whole_names, _ = render_models(view, "# h", jobs=1)
    for source, classes in ((parted, names), (whole, whole_names)):
        tail = next(d.source for d in _definitions(source) if d.name == classes["Tail"])
        assert "links: Links | MISSING = MISSING" in tail


def test_parts_are_cut_by_the_size_of_their_schemas_too() -> None:
    big = {"type": "object", "properties": {f"p{n}": {"type": "string", "description": "x" * 200} for n in range(20)}}
    size = len(part_json(big))
    schemas = {f"Big{n}": big for n in range(6)} | {f"Small{n}": {"type": "object", "properties": {"a": {}}} for n in range(6)}  # fmt: skip
    parts = partition(schemas, part_size=50, part_bytes=2 * size + 1)
    assert [len(part.owned) for part in parts] == [2, 2, 2, 6]  # two big ones fill a part; the small ones share one
    assert len(partition(schemas, part_size=50, part_bytes=10**9)) == 1
    assert size < PART_BYTES


def test_an_inline_model_repeated_across_parts_becomes_one_class(monkeypatch: pytest.MonkeyPatch) -> None:
    data = parted_spec()
    for schema in data["components"]["schemas"].values():
        if "meta" in schema.get("properties", {}):
            schema["properties"]["links"] = {"type": "object", "properties": {"self": {"type": "string"}}}
    view = resolve_view(from_data(data))
    parted, names, _ = render_models(view, "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)
    whole, _, _ = render_models(view, "# h", jobs=1)
    links = [d.name for d in _definitions(parted) if d.name.startswith("Links")]
    assert links == ["Links"]  # as one run merges them
    assert [d.name for d in _definitions(whole) if d.name.startswith("Links")] == links
    module = types.ModuleType("parted_models")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(parted.replace("from ._enums import OpenStrEnum", "from enum import StrEnum as OpenStrEnum"), module.__dict__)  # fmt: skip
    item = getattr(module, names["Item7"]).model_validate({"id": 7, "owner": {"name": "o"}, "links": {"self": "/7"}})
    assert type(item.links).__name__ == "Links"


def test_a_schema_class_keeps_the_name_its_own_part_gave_it_and_the_other_parts_follow() -> None:
    data = parted_spec()
    # `Item0` has an inline `tail` enum: in its part, that enum is `Tail`; the `Tail` schema lives in another part
    data["components"]["schemas"]["Item0"]["properties"]["tail"] = {"type": "string", "enum": ["x", "y"]}
    view = resolve_view(from_data(data))
    parted, names, _ = render_models(view, "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)
    classes = {d.name: d.source for d in _definitions(parted)}
    assert classes[names["Tail"]].startswith(f"class {names['Tail']}(BaseModel)")
    enum = next(name for name, text in classes.items() if "X = 'x'" in text)
    assert enum != names["Tail"]
    assert f"tail: {enum}" in classes[names["Item0"]]


@pytest.mark.parametrize(
    "source",
    [
        'class Type1(BaseModel):\n    """Type1 is \\"""Type1\\""" here."""\n    kind: Type1 | None = None  # Type1',
        "class Type1(Enum):\n    TYPE1 = 'Type1'\n    OTHER = r'\\d Type1' 'Type1'\n    BYTES = b'Type1'",
        "class Holder(BaseModel):\n    items: list[Type1] = Field(default_factory=list, title='Type1')\n    kind: Kind = Kind.Type1",
        "Type2 = RootModel[dict[str, Type1]]",
        "class Lower(BaseModel):\n    type1: int = 0\n    Type1: Type1 | None = None",
    ],
)
def test_rename_scans_tokens_as_the_syntax_tree_does(source: str) -> None:
    from codegen.partition import _rename_in_tree

    renames = {"Type1": "Type7", "Type2": "Type9", "Kind": "Kind3"}
    assert rename(source, renames) == _rename_in_tree(source, renames)
    assert "Type7" in rename(source, renames)

"""Large specs: inline models repeated across the parts, given to datamodel-code-generator once (`codegen.copies`)."""

from __future__ import annotations

import copy
import sys
import types
from typing import Any

import pytest

from codegen import models
from codegen.copies import MARK, Copies, find_copies, job_json, original_classes, part_spec
from codegen.load import from_data
from codegen.models import render_models
from codegen.partition import part_json, partition
from codegen.split import parse_definitions
from codegen.view import resolve_view
from tests.codegen.test_partition import PART_SIZE, THRESHOLD, parted_spec

LINKS = {"type": "object", "description": "Where it lives.", "properties": {"self": {"type": "string"}}}
RULE = {
    "type": "object",
    "title": "Rule",
    "required": ["id"],
    "properties": {
        "id": {"type": "string"},
        "severity": {"type": ["string", "null"], "enum": ["low", "high", None], "description": "How bad."},
        "help": {"type": "object", "properties": {"uri": {"type": "string"}}},
    },
}


def copied_spec() -> dict[str, Any]:
    """`parted_spec`, each item also holding the same `links` object, a nullable `rule` object whose nested enum and
    object datamodel-code-generator names apart in every part, and a list of `tags` objects."""
    data = parted_spec()
    for name, schema in data["components"]["schemas"].items():
        if name.startswith("Item"):
            schema["properties"]["links"] = copy.deepcopy(LINKS)
            schema["properties"]["rule"] = {**copy.deepcopy(RULE), "type": ["object", "null"]}
            schema["properties"]["tags"] = {"type": "array", "items": {"type": "object", "properties": {"tag": {}}}}
    return data


def _schemas_and_parts(data: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    schemas = data["components"]["schemas"]
    return schemas, partition(schemas, PART_SIZE)


def _classes(source: str) -> dict[str, str]:
    parsed = parse_definitions(source)
    assert parsed is not None
    return {definition.name: definition.source for definition in parsed[1]}


def test_later_copies_point_at_the_first_in_part_order() -> None:
    schemas, parts = _schemas_and_parts(copied_spec())
    found = find_copies(schemas, parts)
    first = next(index for index, part in enumerate(parts) if "Item0" in part.owned)
    links = next(n for n, path in found.originals[first].items() if path == ("Item0", "properties", "links"))
    tags = next(n for n, path in found.originals[first].items() if path == ("Item0", "properties", "tags", "items"))
    stubbed = {path: number for part_stubs in found.stubs for path, number in part_stubs.items()}
    for n in range(1, 16):
        assert stubbed[(f"Item{n}", "properties", "links")] == links
        assert stubbed[(f"Item{n}", "properties", "tags", "items")] == tags
        assert (f"Item{n}", "properties", "rule", "properties", "help") not in stubbed  # inside a copy: not walked
    assert all(path[0] in parts[index].owned for index, part_stubs in enumerate(found.stubs) for path in part_stubs)
    assert find_copies(schemas, parts) == found


def _jobs(data: dict[str, Any], parts: list[Any], found: Copies) -> list[str]:
    return [
        job_json(part_json(part_spec(data, part, found.stubs[index])), found.originals[index])
        for index, part in enumerate(parts)
    ]


def test_an_edit_elsewhere_leaves_the_stubs_and_the_other_parts_jobs_as_they_were() -> None:
    before_data = copied_spec()
    schemas_data = copy.deepcopy(before_data)
    schemas, parts = _schemas_and_parts(schemas_data)
    before = find_copies(before_data["components"]["schemas"], parts)
    extra = {"type": "object", "properties": {"x": {"type": "integer"}}}
    schemas["Item0"]["properties"] = {"extra": extra, **schemas["Item0"]["properties"]}  # an original before the rest
    schemas["Item9"]["properties"]["extra"] = copy.deepcopy(extra)
    after = find_copies(schemas, parts)
    now = {path: original for part_stubs in after.stubs for path, original in part_stubs.items()}
    then = {path: original for part_stubs in before.stubs for path, original in part_stubs.items()}
    assert {path: now[path] for path in then} == then
    assert set(now) - set(then) == {("Item9", "properties", "extra")}
    edited = {index for index, part in enumerate(parts) if {"Item0", "Item9"} & set(part.owned)}
    jobs = [_jobs(data, parts, found) for data, found in ((before_data, before), (schemas_data, after))]
    assert [i for i in range(len(parts)) if jobs[0][i] != jobs[1][i]] == sorted(edited)  # the others' cache keys stay
    first_copy = copy.deepcopy(before_data)  # a later part copies an original nobody copied: only its own job moves
    first_copy["components"]["schemas"]["Item9"]["properties"]["meta"] = copy.deepcopy(schemas["Item0"]["properties"]["meta"])  # fmt: skip
    again = _jobs(first_copy, parts, find_copies(first_copy["components"]["schemas"], parts))
    assert [i for i in range(len(parts)) if jobs[0][i] != again[i]] == [i for i in edited if "Item9" in parts[i].owned]


def test_only_the_same_json_under_the_same_property_is_a_copy() -> None:
    data = copied_spec()
    schemas = data["components"]["schemas"]
    schemas["Item1"]["properties"]["links"]["description"] = "Another text."
    schemas["Item2"]["properties"]["where"] = schemas["Item2"]["properties"].pop("links")
    schemas["Item3"]["properties"]["links"]["default"] = {"self": "/"}
    schemas["Item4"]["properties"]["links"] = {"$ref": "#/components/schemas/Item6/properties/links"}
    _, parts = _schemas_and_parts(data)
    stubbed = {path for part_stubs in find_copies(schemas, parts).stubs for path in part_stubs}
    assert ("Item5", "properties", "links") in stubbed
    assert ("Item1", "properties", "links") not in stubbed  # another description
    assert ("Item2", "properties", "where") not in stubbed  # another property name: another class name
    assert ("Item3", "properties", "links") not in stubbed  # a default: its field's code reads the object
    assert not any(path[0] == "Item6" for path in stubbed)  # a `$ref` points into it: its copies stay


def test_a_stub_keeps_what_the_field_renders_and_names_its_original() -> None:
    data = copied_spec()
    schemas, parts = _schemas_and_parts(data)
    found = find_copies(schemas, parts)
    index, path, number = next(
        (i, path, n) for i, part_stubs in enumerate(found.stubs) for path, n in part_stubs.items() if path[-1] == "rule"
    )
    stub = part_spec(data, parts[index], found.stubs[index])["components"]["schemas"][path[0]]["properties"]["rule"]
    assert stub == {"type": ["object", "null"], "title": "Rule", "properties": {f"{MARK}{number}": {"type": "string"}}}
    assert schemas[path[0]]["properties"]["rule"]["properties"]["id"] == {"type": "string"}  # the spec is left alone


def test_copies_become_their_originals_class_as_the_parts_merged_them() -> None:
    view = resolve_view(from_data(copied_spec()))
    parted, names, _ = render_models(view, "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)
    classes = _classes(parted)
    assert MARK not in parted
    assert [name for name in classes if name.startswith(("Links", "Rule", "Help", "Tag", "Severity"))] == [
        "Links", "Severity", "Help", "Rule", "Tag",
    ]  # fmt: skip
    for n in range(16):
        item = classes[names[f"Item{n}"]]
        assert "links: Links | MISSING = MISSING" in item
        assert "rule: Annotated[Rule | None | MISSING, Field(title='Rule')] = MISSING" in item
        assert '"""\n    Where it lives.\n    """' in item  # the field's docstring, from the copy's description
    assert render_models(view, "# h", jobs=2, part_size=PART_SIZE, threshold=THRESHOLD)[0] == parted
    module = types.ModuleType("copied_models")
    sys.modules[module.__name__] = module
    try:
        exec(parted.replace("from ._enums import OpenStrEnum", "from enum import StrEnum as OpenStrEnum"), module.__dict__)  # fmt: skip
        item = getattr(module, names["Item9"]).model_validate(
            {"id": 9, "owner": {"name": "o"}, "rule": {"id": "r", "severity": "high", "help": {"uri": "/h"}}}
        )
    finally:
        del sys.modules[module.__name__]
    assert type(item.rule).__name__ == "Rule"
    assert item.rule.help.uri == "/h"


def _without_copies(data: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, str], Any]:
    """The parted models of `data` as they were before copies: every inline model given whole to its part."""
    with monkeypatch.context() as patched:
        patched.setattr(models, "find_copies", lambda schemas, parts: Copies(({},) * len(parts), ({},) * len(parts)))
        return render_models(resolve_view(from_data(data)), "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)


def _openapi_30(data: dict[str, Any]) -> dict[str, Any]:
    """`data` as OpenAPI 3.0 (`nullable`), where datamodel-code-generator writes the rule's nullable enum as a root
    model over an enum that each part numbers apart (`Severity1Enum`): the parts' modules no longer render alike."""
    data["openapi"] = "3.0.3"
    parent = {"allOf": [{"$ref": "#/components/schemas/Parent"}], "nullable": True}
    data["components"]["schemas"]["Child"]["properties"]["parent"] = parent
    for name, schema in data["components"]["schemas"].items():
        if name.startswith("Item"):
            rule = schema["properties"]["rule"]
            rule["type"], rule["nullable"] = "object", True
            rule["properties"]["severity"] = {"type": "string", "nullable": True, "enum": ["low", "high", None]}
    return data


def test_copies_change_nothing_where_the_parts_modules_merged_them(monkeypatch: pytest.MonkeyPatch) -> None:
    data = copied_spec()
    given = render_models(resolve_view(from_data(data)), "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)
    assert given == _without_copies(data, monkeypatch)


def test_copies_are_one_class_where_the_parts_modules_named_them_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _openapi_30(copied_spec())
    given, names, _ = render_models(resolve_view(from_data(data)), "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)  # fmt: skip
    before, before_names, _ = _without_copies(data, monkeypatch)
    assert [name for name in _classes(given) if name.startswith("Rule")] == ["Rule"]
    assert len([name for name in _classes(before) if name.startswith("Rule")]) > 1
    assert names == before_names


def test_copies_of_an_original_whose_class_is_unknown_run_again_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _openapi_30(copied_spec())
    before = _without_copies(data, monkeypatch)
    runs: list[int] = []
    real_generate = models._generate

    def counted(data: dict[str, Any], header: str) -> tuple[str, list[dict[str, Any]]]:
        runs.append(1)
        return real_generate(data, header)

    def none_known(found: Any, originals: Any, defined: set[str]) -> dict[str, str]:
        return {}

    monkeypatch.setattr(models, "_generate", counted)
    monkeypatch.setattr(models, "original_classes", none_known)
    again = render_models(resolve_view(from_data(data)), "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)
    parts = partition(data["components"]["schemas"], PART_SIZE)
    assert len(parts) < len(runs) < 2 * len(parts)  # the parts that held copies ran again
    assert again == before


def test_an_original_merged_into_an_earlier_model_is_found_through_its_parents_field() -> None:
    models_metadata: list[dict[str, Any]] = [
        {"class_name": "Item", "source_path": ["components", "schemas", "Item"], "fields": [
            {"original_name": "links", "type": "Links | None | MISSING"},
            {"original_name": "tags", "type": "list[Tag] | MISSING"},
        ]},
        {"class_name": "Links", "source_path": ["components", "schemas", "Other", "properties", "links"]},
        {"class_name": "Tag", "source_path": ["components", "schemas", "Other", "properties", "tags", "items"]},
    ]  # fmt: skip
    originals = {
        "a1": ("Item", "properties", "links"),
        "a2": ("Item", "properties", "tags", "items"),
        "a3": ("Item", "properties", "gone"),
        "a4": ("Other", "properties", "links"),
    }
    expected = {"a1": "Links", "a2": "Tag", "a4": "Links"}
    assert original_classes(models_metadata, originals, {"Item", "Links", "Tag"}) == expected

"""The synthetic spec maker: deterministic, the size asked for, a valid OpenAPI document our generator accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from bench.synth import make_spec, operation_count, write_spec
from codegen.errors import Level
from codegen.validate import validate as codegen_validate


@pytest.mark.parametrize("operations", [1, 7, 10, 100, 1000])
def test_has_the_operations_asked_for(operations: int) -> None:
    assert operation_count(make_spec(operations)) == operations


def test_same_arguments_same_bytes(tmp_path: Path) -> None:
    first = write_spec(100, tmp_path / "a").read_bytes()
    second = write_spec(100, tmp_path / "b").read_bytes()
    assert first == second
    assert json.dumps(make_spec(100, seed=1)) != json.dumps(make_spec(100, seed=0))


@pytest.mark.parametrize("operations", [10, 100])
def test_valid_openapi_that_codegen_accepts(operations: int) -> None:
    spec = make_spec(operations)
    validate(spec)
    assert [d for d in codegen_validate(spec) if d.level is Level.ERROR] == []


def test_every_ref_points_at_a_schema() -> None:
    spec = make_spec(100)
    text = json.dumps(spec)
    schemas = spec["components"]["schemas"]
    for ref in {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}:
        assert ref in schemas


def test_rejects_no_operations() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        make_spec(0)

"""A bare `dict` or `list` in a model's types is given type arguments (`codegen.generics`).

Found by `make corpus` (seed 12): AWS Lex V2's `slotHints`, a map of maps whose values reach back to the inner map,
came out as a bare `dict`, which `mypy --strict` rejects.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codegen.generics import parametrize_bare_generics

Generate = Callable[..., Any]
HEAD = "from __future__ import annotations\n\nfrom typing import Annotated\n\nfrom pydantic import BaseModel, Field, RootModel\n\n"  # fmt: skip


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("    a: dict | None = None\n", "    a: dict[str, Any] | None = None\n"),
        ("    a: list[dict]\n", "    a: list[dict[str, Any]]\n"),
        ("    a: Annotated[list, Field(min_length=1)]\n", "    a: Annotated[list[Any], Field(min_length=1)]\n"),
        ("    a: tuple | set\n", "    a: tuple[Any, ...] | set[Any]\n"),
    ],
)
def test_a_bare_generic_in_a_field_type_gets_any_arguments(before: str, after: str) -> None:
    made = parametrize_bare_generics(HEAD + "class A(BaseModel):\n" + before)
    assert made == HEAD.replace("\n\nfrom typing", "\n\nfrom typing import Any\n\nfrom typing", 1) + "class A(BaseModel):\n" + after  # fmt: skip


def test_calls_and_parametrized_generics_are_left_alone_and_a_base_is_parametrized() -> None:
    fine = (
        HEAD + "class A(BaseModel):\n    a: Annotated[list[str], Field(default_factory=list)]\n    b: dict[str, int]\n"
    )
    assert parametrize_bare_generics(fine) is fine
    root = parametrize_bare_generics(HEAD + "class Hints(RootModel[dict]):\n    root: dict\n")
    assert "class Hints(RootModel[dict[str, Any]]):\n    root: dict[str, Any]\n" in root


def test_any_is_imported_under_a_free_name_beside_a_class_called_any() -> None:
    made = parametrize_bare_generics(HEAD + "class Any(BaseModel):\n    x: int\n\n\nclass A(BaseModel):\n    a: dict\n")
    assert "from typing import Any as Any_1\n" in made
    assert "    a: dict[str, Any_1]\n" in made


def test_a_map_of_maps_reaching_back_is_typed_and_parses(generate: Generate, tmp_path: Path) -> None:
    ref = "#/components/schemas/"
    schemas = {
        "RuntimeHints": {
            "type": "object",
            "properties": {"slotHints": {"allOf": [{"$ref": ref + "IntentMap"}, {"description": "d"}]}},
        },
        "IntentMap": {"type": "object", "additionalProperties": {"$ref": ref + "SlotMap"}},
        "SlotMap": {"type": "object", "additionalProperties": {"$ref": ref + "Details"}},
        "Details": {
            "type": "object",
            "properties": {"sub": {"allOf": [{"$ref": ref + "SlotMap"}, {"description": "d"}]}},
        },
    }
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "Lex", "version": "1"},
        "paths": {
            "/h": {
                "get": {
                    "operationId": "hints",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": ref + "RuntimeHints"}}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": schemas},
    }
    lex = generate(spec, "lex_hints")
    source = (tmp_path / "out" / "lex_hints" / "models.py").read_text(encoding="utf-8")
    assert "slotHints: dict[str, Any] | MISSING" in source
    wire: dict[str, Any] = {"slotHints": {"intent": {"slot": {"sub": {"inner": {}}}}}}
    assert lex.models.RuntimeHints.model_validate(wire).model_dump(mode="json", exclude_unset=True) == wire
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "lex_hints"],
        cwd=tmp_path / "out",
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout

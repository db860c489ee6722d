"""A field named like a type its class uses is renamed, its wire name kept as alias (`codegen.shadows`).

Found by `make corpus`: AWS specs' `ResourceArn: str` beside `list[ResourceArn]` failed `mypy --strict`, and a field
with a default named like the type of another (or a `DateTime` field) made pydantic read that type as the default.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml

from codegen.shadows import unshadow_fields

Generate = Callable[..., Any]

SPEC = Path(__file__).parent / "golden" / "shadowed_fields" / "openapi.yaml"
HEAD = "from __future__ import annotations\n\nfrom typing import Annotated\n\nfrom pydantic import BaseModel, Field\n\n"


def test_a_module_without_a_field_named_like_a_name_it_uses_is_left_as_it_is() -> None:
    source = (
        HEAD + "class Arn(BaseModel):\n    value: str\n\n\nclass Thing(BaseModel):\n    arn: Arn\n    arns: list[Arn]\n"
    )
    assert unshadow_fields(source) is source


@pytest.mark.parametrize(
    ("field", "renamed"),
    [
        ("Arn: Annotated[str, Field(min_length=1)]", "Arn_1: Annotated[str, Field(alias='Arn', min_length=1)]"),
        ("Arn: Annotated[str, Field()]", "Arn_1: Annotated[str, Field(alias='Arn')]"),
        ("Arn: str", "Arn_1: Annotated[str, Field(alias='Arn')]"),
        ("Arn: str | None = None", "Arn_1: Annotated[str | None, Field(alias='Arn')] = None"),
        ("Arn: Annotated[str, 'é']", "Arn_1: Annotated[str, 'é', Field(alias='Arn')]"),
        ("Arn: Annotated[str, Field(alias='arn')]", "Arn_1: Annotated[str, Field(alias='arn')]"),
    ],
)
def test_a_field_named_like_a_type_its_class_uses_takes_its_name_as_alias(field: str, renamed: str) -> None:
    source = (
        HEAD + f"class Arn(BaseModel):\n    value: str\n\n\nclass Thing(BaseModel):\n    {field}\n    arns: list[Arn]\n"
    )
    assert unshadow_fields(source) == source.replace(field, renamed)


def test_the_imports_a_renamed_field_needs_are_added() -> None:
    source = "from __future__ import annotations\n\nfrom pydantic import BaseModel\n\n\nclass Arn(BaseModel):\n    v: str\n\n\nclass Thing(BaseModel):\n    Arn: str\n    arns: list[Arn]\n"  # fmt: skip
    made = unshadow_fields(source)
    assert "    Arn_1: Annotated[str, Field(alias='Arn')]\n" in made
    assert made.startswith("from __future__ import annotations\n\nfrom typing import Annotated\nfrom pydantic import Field\n")  # fmt: skip
    compile(made, "models.py", "exec")


def test_the_new_name_is_free_and_one_family_renames_a_field_alike() -> None:
    source = HEAD + (
        "class Arn(BaseModel):\n    v: str\n\n\n"
        "class Base(BaseModel):\n    Arn: str\n    Arn_1: int\n\n\n"
        "class Sub(Base):\n    Arn: Annotated[str, Field(max_length=9)]\n    arns: list[Arn]\n\n\n"
        "class Other(BaseModel):\n    Arn: str\n"
    )
    made = unshadow_fields(source)
    assert "class Base(BaseModel):\n    Arn_2: Annotated[str, Field(alias='Arn')]\n    Arn_1: int\n" in made
    assert "    Arn_2: Annotated[str, Field(alias='Arn', max_length=9)]\n    arns: list[Arn]\n" in made
    assert made.endswith("class Other(BaseModel):\n    Arn: str\n")  # uses no `Arn`: left alone


@pytest.mark.slow
def test_the_generated_package_sends_and_parses_the_same_json_and_passes_mypy_strict(
    generate: Generate, tmp_path: Path
) -> None:
    registry = generate(yaml.safe_load(SPEC.read_text(encoding="utf-8")), "registry")
    wire = {
        "ResourceArn": "arn:aws:one",
        "Status": "ACTIVE",
        "PreviousStatus": "DELETED",
        "RelatedArns": ["arn:aws:two"],
        "DateTime": "2026-01-02T03:04:05Z",
    }
    sent: list[Any] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(json.loads(request.content))
        return httpx2.Response(200, json=wire)

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    client = registry.RegistryClient(api_key="k", http_client=http, max_retries=0)
    arn = registry.models.ResourceArn
    made = client.associate_resource(resource_arn=arn("arn:aws:one"), related_arns=[arn("arn:aws:two")])
    assert sent == [{"ResourceArn": "arn:aws:one", "RelatedArns": ["arn:aws:two"]}]
    assert made.ResourceArn_1 == "arn:aws:one"
    assert made.Status_1 == registry.models.Status.ACTIVE
    assert made.RelatedArns == [arn("arn:aws:two")]
    assert made.DateTime_1.year == 2026  # no longer read as the field's default, `MISSING`
    assert made.model_dump(mode="json", by_alias=True) == wire
    request = registry.models.AssociateResourceRequest.model_validate({"ResourceArn": "arn:aws:one"})
    assert request.model_dump_json(by_alias=True, exclude_unset=True) == '{"ResourceArn":"arn:aws:one"}'

    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "registry"],
        cwd=tmp_path / "out",
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout

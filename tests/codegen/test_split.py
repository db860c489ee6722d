"""Large specs: models split into modules loaded on first access (`codegen.split`), still validating fully."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from codegen.split import SPLIT_THRESHOLD, Definition, components, group, split_models
from tests.codegen.test_pipeline import tree_bytes

ROOT = Path(__file__).resolve().parents[2]
ITEMS = SPLIT_THRESHOLD // 2  # each item makes three classes: the item, its inline object and its inline enum


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def medium_spec() -> dict[str, Any]:
    """Above the threshold: items sharing an `Owner`, a self-recursive `Node`, a `Parent` <-> `Child` cycle."""
    schemas: dict[str, Any] = {
        "Owner": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}},
        "Problem": {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}},
        "Node": {
            "type": "object",
            "required": ["value"],
            "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": _ref("Node")}},
        },
        "Parent": {"type": "object", "required": ["child"], "properties": {"child": _ref("Child")}},
        "Child": {"type": "object", "properties": {"parent": {"anyOf": [_ref("Parent"), {"type": "null"}]}}},
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

    def get(operation_id: str, path: str, schema: str) -> dict[str, Any]:
        content = {"application/json": {"schema": _ref(schema)}}
        problem = {"application/json": {"schema": _ref("Problem")}}
        responses = {"200": {"description": "ok", "content": content}, "404": {"description": "no", "content": problem}}
        return {path: {"get": {"operationId": operation_id, "responses": responses}}}

    paths = {**get("get_node", "/node", "Node"), **get("get_parent", "/parent", "Parent")}
    for n in range(0, ITEMS, 25):
        paths.update(get(f"get_item_{n}", f"/items/{n}", f"Item{n}"))
    return {"openapi": "3.1.0", "info": {"title": "Medium", "version": "1"}, "paths": paths,
            "components": {"schemas": schemas}}  # fmt: skip


def _generate(spec: Path, out: Path, seed: str) -> Path:
    command = [sys.executable, "-m", "codegen", "generate", "-q", "--spec", str(spec), "--out", str(out),
               "--package", "medium", "--client-name", "MediumClient", "--env-prefix", "MEDIUM"]  # fmt: skip
    subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}, check=True, capture_output=True)
    return out / "medium"


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("medium")
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(medium_spec()), encoding="utf-8")
    return _generate(spec, folder / "out", "1")


def _run(package: Path, code: str) -> str:
    """Run `code` in a fresh interpreter with the package importable; its stdout."""
    env = {**os.environ, "PYTHONPATH": str(package.parent), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _definition(name: str, *uses: str) -> Definition:
    return Definition(name, f"class {name}: ...", frozenset(uses))


def test_components_keep_cycles_together_and_come_dependencies_first() -> None:
    definitions = [_definition("A", "B"), _definition("B", "A", "C"), _definition("C"), _definition("D", "D", "C")]
    assert components(definitions) == [["C"], ["A", "B"], ["D"]]


def test_a_component_joins_its_only_referrers_group() -> None:
    definitions = [
        _definition("Shared"),
        _definition("One", "Shared", "OneInline"),
        _definition("OneInline", "OnlyMine"),
        _definition("OnlyMine"),
        _definition("Two", "Shared"),
    ]
    assert group(definitions) == [("Shared", ["Shared"]), ("One", ["One", "OneInline", "OnlyMine"]), ("Two", ["Two"])]


def test_small_or_unusual_modules_stay_whole() -> None:
    source = "from __future__ import annotations\n\n\nclass A:\n    pass\n"
    assert split_models(source, "# h") == {"models.py": source}
    with_code = source + "\n\nprint(A)\n"
    assert split_models(with_code, "# h", threshold=0) == {"models.py": with_code}
    rebuilt = split_models(source + "\n\nA.model_rebuild()\n", "# h", threshold=0)
    assert rebuilt["models/_a.py"].endswith("class A:\n    pass\n\n\nA.model_rebuild()\n")


def test_each_module_imports_only_what_it_mentions() -> None:
    source = (
        "from __future__ import annotations\n\n"
        "from typing import Annotated, Any\n"
        "from pydantic import BaseModel, Field, RootModel\n"
        "from enum import Enum as Enumeration\n\n\n"
        "class A(BaseModel):\n    x: Annotated[int, Field(ge=0)]\n\n\n"
        'class B(BaseModel):\n    """Its text may name RootModel."""\n\n    a: int\n'
    )
    files = split_models(source, "# h", threshold=0)
    assert "from typing import Annotated\nfrom pydantic import BaseModel, Field\n" in files["models/_a.py"]
    # a name in a string is kept (ruff decides: a string may be an annotation); an aliased import is left whole
    assert "from pydantic import BaseModel, RootModel\n" in files["models/_b.py"]
    assert "typing" not in files["models/_b.py"]
    assert "from enum import Enum as Enumeration\n" in files["models/_b.py"]


@pytest.mark.slow
def test_medium_spec_becomes_a_package_and_imports_no_model(medium: Path) -> None:
    assert not (medium / "models.py").exists()
    modules = {path.stem for path in (medium / "models").glob("*.py")}
    assert {"__init__", "_owner", "_node", "_parent", "_item0"} <= modules
    assert "from ._owner import Owner" in (medium / "models" / "_item0.py").read_text(encoding="utf-8")
    out = _run(
        medium,
        """
        import sys
        import medium
        from medium import models
        print(sorted(name for name in sys.modules if name.startswith("medium.models.")))
        print(len(models.__all__), "Item3" in dir(models), hasattr(models, "Nope"))
        """,
    )
    assert out.splitlines() == ["[]", f"{ITEMS * 3 + 5} True False"]


@pytest.mark.slow
def test_lazily_loaded_models_validate_fully_on_first_use(medium: Path) -> None:
    out = _run(
        medium,
        """
        import httpx2, pydantic
        from medium import MediumClient, NotFoundError, models
        from medium.models import Item7

        item = Item7.model_validate({"id": 1, "owner": {"name": "o"}, "state": "on", "meta": {"note": "n"}})
        print(type(item.owner).__module__, item.owner.name, item.meta.note)
        for bad in ({"id": 1, "owner": {"name": ""}}, {"id": "x", "owner": {"name": "o"}}, {"id": 1}):
            try:
                Item7.model_validate(bad)
            except pydantic.ValidationError as error:
                print("rejected", error.errors()[0]["loc"])
        node = models.Node.model_validate({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]})
        print(node.children[0].children[0].value)
        try:
            models.Node.model_validate({"value": 1, "children": [{"value": "deep"}]})
        except pydantic.ValidationError as error:
            print("rejected", error.errors()[0]["loc"])
        parent = models.Parent.model_validate({"child": {"parent": {"child": {"parent": None}}}})
        print(type(parent.child.parent.child).__name__)

        bodies = {"/node": (200, {"value": 5}), "/items/0": (404, {"detail": "gone"})}

        def reply(request):
            status, body = bodies[request.url.path]
            return httpx2.Response(status, json=body)

        transport = httpx2.MockTransport(reply)
        client = MediumClient(base_url="http://test", http_client=httpx2.Client(transport=transport))
        print(client.get_node().value, client.with_raw_response.get_node().parse().value)
        try:
            client.get_item_0()
        except NotFoundError as error:
            print(type(error.body).__name__, error.body.detail)
        """,
    )
    assert out.splitlines() == [
        "medium.models._owner o n",
        "rejected ('owner', 'name')",
        "rejected ('id',)",
        "rejected ('owner',)",
        "3",
        "rejected ('children', 0, 'value')",
        "Child",
        "5 5",
        "Problem gone",
    ]


@pytest.mark.slow
def test_medium_package_is_mypy_strict_clean(medium: Path) -> None:
    usage = medium.parent / "use_medium.py"
    usage.write_text(
        "from medium import models\nfrom medium.models import Node\n\n"
        "def value(node: Node) -> int:\n    return node.value\n\n"
        "def name(item: models.Item3) -> str:\n    return item.owner.name\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "medium", "use_medium.py"]
    result = subprocess.run(command, cwd=medium.parent, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    usage.write_text("from medium import models\n\nx: models.Item3Typo\n", encoding="utf-8")
    result = subprocess.run(command, cwd=medium.parent, capture_output=True, text=True)
    assert "Item3Typo" in result.stdout, "an unknown model name must stay a type error"


@pytest.mark.slow
def test_split_output_is_identical_across_hash_seeds(medium: Path, tmp_path: Path) -> None:
    again = _generate(medium.parent.parent / "openapi.json", tmp_path, "4242")
    assert tree_bytes(again) == tree_bytes(medium)

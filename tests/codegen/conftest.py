from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from codegen.pipeline import Options, write

MINIMAL: dict[str, object] = {
    "openapi": "3.1.0",
    "info": {"title": "Pets", "version": "1"},
    "paths": {
        "/pets/{pet_id}": {
            "get": {
                "operationId": "get_pet",
                "parameters": [{"name": "pet_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
}


def write_spec(folder: Path, spec: dict[str, object] | str, name: str = "openapi.yaml") -> Path:
    path = folder / name
    path.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def generate(tmp_path: Path) -> Iterator[object]:
    """Generate a package from an inline spec into tmp_path and import it."""
    imported: list[str] = []

    def run(spec: dict[str, object], package: str, client_name: str | None = None, env_prefix: str | None = None) -> object:  # fmt: skip
        path = write_spec(tmp_path, spec, f"{package}.yaml")
        write(Options(path, tmp_path / "out", package, client_name, env_prefix))
        sys.path.insert(0, str(tmp_path / "out"))
        imported.append(package)
        return __import__(package)

    yield run
    for package in imported:
        for name in [name for name in sys.modules if name == package or name.startswith(package + ".")]:
            del sys.modules[name]
    while str(tmp_path / "out") in sys.path:
        sys.path.remove(str(tmp_path / "out"))

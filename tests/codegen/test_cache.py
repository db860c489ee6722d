"""The generator's cache (`codegen.cache`): what its keys cover, hits and misses, and an honest `check`."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen import cache as cache_module
from codegen import models, pipeline
from codegen.cache import Cache, cache_enabled, make_key
from codegen.load import from_data
from codegen.models import part_key, render_models
from codegen.partition import part_json, partition, sub_spec
from codegen.pipeline import Options, check, write
from codegen.view import resolve_view
from tests.codegen.conftest import MINIMAL
from tests.codegen.test_partition import PART_SIZE, THRESHOLD, parted_spec


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cache:
    monkeypatch.setenv("CODEGEN_CACHE", "1")
    monkeypatch.setenv("CODEGEN_CACHE_DIR", str(tmp_path / "cache"))
    found = Cache.default()
    assert found is not None
    return found


def _count_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the number of schemas of each datamodel-code-generator run (jobs=1: in this process)."""
    runs: list[int] = []
    real = models._generate

    def counted(data: dict[str, Any], header: str) -> tuple[str, list[dict[str, Any]]]:
        runs.append(len(data["components"]["schemas"]))
        return real(data, header)

    monkeypatch.setattr(models, "_generate", counted)
    return runs


def test_the_cache_is_off_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEGEN_CACHE_DIR", str(tmp_path))
    assert not cache_enabled({"CODEGEN_CACHE": "0"})
    assert cache_enabled({})
    monkeypatch.setenv("CODEGEN_CACHE", "off")
    assert Cache.default() is None
    monkeypatch.setenv("CODEGEN_CACHE", "1")
    assert Cache.default() is not None
    assert Cache.default(enabled=False) is None


def test_a_part_key_covers_its_schemas_the_options_the_versions_and_the_generator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = parted_spec()
    part = partition(data["components"]["schemas"], PART_SIZE)[0]
    key = part_key(part_json(sub_spec(data, part)))
    changed = copy.deepcopy(data)
    changed["components"]["schemas"][part.owned[0]]["description"] = "changed"
    assert part_key(part_json(sub_spec(changed, part))) != key
    monkeypatch.setitem(models.DMCG_OPTIONS, "use_annotated", False)
    assert part_key(part_json(sub_spec(data, part))) != key
    monkeypatch.undo()
    assert part_key(part_json(sub_spec(data, part))) == key
    monkeypatch.setattr(cache_module, "generator_hash", lambda: "another generator")
    assert part_key(part_json(sub_spec(data, part))) != key
    monkeypatch.undo()
    monkeypatch.setattr(models, "versions", lambda *names: "datamodel-code-generator==0")
    assert part_key(part_json(sub_spec(data, part))) != key


def test_the_generator_hash_follows_its_source() -> None:
    assert cache_module.generator_hash() == cache_module.generator_hash.__wrapped__()
    assert make_key("part", "x") != make_key("package", "x")


def test_parts_are_reused_and_a_changed_schema_misses_only_the_parts_given_it_whole(
    store: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = _count_runs(monkeypatch)
    data = parted_spec()
    cold = render_models(
        resolve_view(from_data(data)), "# h", jobs=1, cache=store, part_size=PART_SIZE, threshold=THRESHOLD
    )
    parts = partition(data["components"]["schemas"], PART_SIZE)
    assert len(runs) == len(parts)
    runs.clear()
    assert (
        render_models(
            resolve_view(from_data(data)), "# h", jobs=1, cache=store, part_size=PART_SIZE, threshold=THRESHOLD
        )
        == cold
    )
    assert runs == []
    data["components"]["schemas"]["Item3"]["properties"]["id"]["description"] = "the item's number"
    warm = render_models(
        resolve_view(from_data(data)), "# h", jobs=1, cache=store, part_size=PART_SIZE, threshold=THRESHOLD
    )
    given_whole = [part for part in parts if "Item3" in part.closure and "Item3" not in part.stubbed]
    assert any("Item3" in part.stubbed for part in parts)  # a part that only names it keeps its cache entry
    assert len(runs) == len(given_whole) < len(parts)
    assert "the item's number" in warm[0]
    runs.clear()
    uncached = render_models(resolve_view(from_data(data)), "# h", jobs=1, part_size=PART_SIZE, threshold=THRESHOLD)
    assert uncached == warm
    assert len(runs) == len(parts)


def test_check_uses_the_cached_package_and_still_finds_an_edited_file(
    store: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(MINIMAL, sort_keys=False), encoding="utf-8")
    options = Options(spec, tmp_path / "out", "pets")
    write(options)

    def no_generation(*args: object) -> object:
        raise AssertionError("an unchanged spec is checked against the cached package")

    monkeypatch.setattr(pipeline, "generate_files", no_generation)
    assert check(options) == []
    client = tmp_path / "out" / "pets" / "_client.py"
    client.write_text(client.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert any(line.startswith("changed:") and "_client.py" in line for line in check(options))
    (tmp_path / "out" / "pets" / "extra.py").write_text("", encoding="utf-8")
    assert any(line.startswith("extra:") for line in check(options))
    monkeypatch.undo()
    monkeypatch.setenv("CODEGEN_CACHE", "1")
    monkeypatch.setenv("CODEGEN_CACHE_DIR", str(store.folder))
    spec.write_text(spec.read_text(encoding="utf-8").replace("title: Pets", "title: Pets2"), encoding="utf-8")
    assert any("_client.py" in line for line in check(options))  # another spec: generated again, not trusted

"""Regeneration with the generator's cache: a cold run, a run after one schema changes, and a check of an unchanged
spec; beside them, loading the spec into the generator's view and `codegen diff` of the spec against itself with that
schema changed; taken in turns in one round so that each ratio compares runs made side by side.

Each round starts from an empty cache folder (`CODEGEN_CACHE_DIR`): the cold generation fills it, the spec with one
schema changed is then generated with it (its untouched parts are hits), and `codegen check` compares that package
with the cached expected output (the files on disk are still read and compared).
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.stats import Sample, run_timed, shell_line
from codegen.partition import partition

__all__ = ["CHECK", "COLD", "DIFF", "LOAD", "WARM", "RegenerationResult", "changed_schema", "run_regeneration"]

COLD = "cold generation"
WARM = "generation after one schema changed"
CHECK = "check, unchanged spec"
LOAD = "load the spec (the generator's view)"
DIFF = "`codegen diff`, one schema changed"
_LOAD = "import sys; from pathlib import Path; from codegen.diff import view_of; view_of(Path(sys.argv[1]))"


@dataclass(slots=True)
class RegenerationResult:
    label: str
    schema: str
    parts_missed: int
    parts: int
    wall: dict[str, Sample] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)


def changed_schema(data: dict[str, Any]) -> tuple[str, int, int]:
    """The schema the warm run changes, and how many of the spec's parts reach it (of how many): a typical one, the
    median of the schemas ordered by the number of parts that reach them (then by document order), so that neither a
    schema every part repeats nor one only its own part sees is picked."""
    schemas = data.get("components", {}).get("schemas", {})
    parts = partition(schemas)
    reach = {name: sum(name in part.closure for part in parts) for name in schemas}
    order = sorted(schemas, key=lambda name: reach[name])
    name = order[len(order) // 2]
    return name, reach[name], len(parts)


def _with_change(data: dict[str, Any], schema: str) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    target = changed["components"]["schemas"][schema]
    target["description"] = (target.get("description") or "") + " (changed by the benchmark)"
    return changed


def run_regeneration(
    label: str, spec: Path, python: Path, runs: int, root: Path, log: Callable[[str], None]
) -> RegenerationResult:
    """`runs` rounds of cold generation, warm generation after one schema changed, and check of that package."""
    text = spec.read_text(encoding="utf-8")
    data = json.loads(text) if spec.suffix == ".json" else yaml.safe_load(text)
    schema, missed, total = changed_schema(data)
    result = RegenerationResult(label, schema, missed, total)
    scratch = Path(tempfile.mkdtemp(prefix="regen-"))
    changed_spec = scratch / spec.name
    changed = _with_change(data, schema)
    dumped = json.dumps(changed) if spec.suffix == ".json" else yaml.safe_dump(changed, sort_keys=False)
    changed_spec.write_text(dumped, encoding="utf-8")

    def codegen(command: str, path: Path, out: Path) -> list[str]:
        return [str(python), "-m", "codegen", command, "-q", "--spec", str(path), "--out", str(out), "--package",
                "bench_client", "--client-name", "BenchClient", "--env-prefix", "BENCH"]  # fmt: skip

    try:
        for round_ in range(runs):
            cache = scratch / f"cache-{round_}"
            env = {"CODEGEN_CACHE": "1", "CODEGEN_CACHE_DIR": str(cache)}
            steps = (
                (COLD, codegen("generate", spec, scratch / "cold")),
                (WARM, codegen("generate", changed_spec, scratch / "warm")),
                (CHECK, [arg for arg in codegen("check", changed_spec, scratch / "warm") if arg != "-q"]),
                (LOAD, [str(python), "-c", _LOAD, str(spec)]),
                (DIFF, [str(python), "-m", "codegen", "diff", str(spec), str(changed_spec), "--format", "json"]),
            )
            for name, argv in steps:
                shown = shell_line(argv, env).replace(str(scratch), "$SCRATCH")
                result.commands.setdefault(name, shown.replace(f"$SCRATCH/cache-{round_}", "$CACHE"))
                run = run_timed(argv, cwd=root, env=env, timeout=900)
                result.wall.setdefault(name, Sample()).values.append(run.wall)
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(scratch / "cold", ignore_errors=True)
            shutil.rmtree(scratch / "warm", ignore_errors=True)
            line = ", ".join(f"{name} {sample.values[-1]:.2f}s" for name, sample in result.wall.items())
            log(f"  {label} regeneration run {round_ + 1}/{runs}: {line}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result

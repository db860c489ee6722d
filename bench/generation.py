"""Generation: our generator vs datamodel-code-generator (models only, and its client mode) vs openapi-python-client.

Every tool runs as a fresh process (as a user runs it) into a fresh folder, and the tools take turns run by run, so
a slow spell of a shared machine hits them alike. Wall time is the figure; the children's CPU time is kept beside it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.stats import BenchError, Sample, run_timed, shell_line
from bench.synth import operation_count, write_spec
from bench.tools import Tools

__all__ = ["GenerationResult", "SpecCase", "Tool", "run_generation", "spec_cases", "tools_for"]

Argv = Callable[[Path, Path], list[str]]


@dataclass(frozen=True, slots=True)
class Tool:
    """A generator as a command: `argv(spec, out_folder)`, plus extra environment."""

    key: str
    label: str
    argv: Argv
    env: dict[str, str] = field(default_factory=dict)
    fresh_cache: bool = False
    """Ours: each run gets an empty cache folder of its own (a cold run that still pays for writing the cache)."""


@dataclass(frozen=True, slots=True)
class SpecCase:
    """A spec of the series, and which tools run on it."""

    label: str
    path: Path
    operations: int
    schemas: int
    tools: tuple[str, ...]


@dataclass(slots=True)
class GenerationResult:
    case: SpecCase
    wall: dict[str, Sample] = field(default_factory=dict)
    cpu: dict[str, Sample] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


OURS = "ours"
DMCG_MODELS = "dmcg-models"
DMCG_MODELS_SAME = "dmcg-models-our-options"
DMCG_CLIENT = "dmcg-client"
OPC = "opc"
CLIENT_GENERATORS = (DMCG_CLIENT, OPC)

# The options `codegen/models.py` passes to datamodel-code-generator, as its command line.
_OUR_DMCG_OPTIONS = (
    "--use-missing-sentinel", "--strict-nullable", "--use-schema-description", "--use-field-description",
    "--field-constraints", "--use-annotated", "--collapse-root-models", "--capitalise-enum-members",
    "--allow-extra-fields", "--type-mappings", "email=string", "idn-email=string", "uri=string",
    "uri-reference=string", "iri=string",
)  # fmt: skip


def tools_for(tools: Tools) -> dict[str, Tool]:
    """The competitors, keyed by short name."""
    python = str(tools.python)
    dmcg = str(tools.datamodel_codegen)

    def ours(spec: Path, out: Path) -> list[str]:
        return [python, "-m", "codegen", "generate", "--spec", str(spec), "--out", str(out), "--package", "bench_client",
                "--client-name", "BenchClient", "--env-prefix", "BENCH", "-q"]  # fmt: skip

    def dmcg_models(spec: Path, out: Path) -> list[str]:
        return [dmcg, "--input", str(spec), "--input-file-type", "openapi", "--output", str(out / "models.py"),
                "--output-model-type", "pydantic_v2.BaseModel", "--target-python-version", "3.11",
                "--disable-timestamp", "--formatters", "builtin"]  # fmt: skip

    def dmcg_same(spec: Path, out: Path) -> list[str]:
        base = dmcg_models(spec, out)
        return [*base[: base.index("--formatters")], "--formatters", "ruff-check", "ruff-format", *_OUR_DMCG_OPTIONS]

    def dmcg_client(spec: Path, out: Path) -> list[str]:
        return [*dmcg_models(spec, out), "--generate-client", "httpx2", "--client-output", str(out / "client"),
                "--client-package", "client", "--client-model-package", "models"]  # fmt: skip

    def opc(spec: Path, out: Path) -> list[str]:
        return [str(tools.openapi_python_client), "generate", "--path", str(spec), "--meta", "none",
                "--output-path", str(out / "opc")]  # fmt: skip

    opc_env = {"PATH": f"{tools.openapi_python_client.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return {
        OURS: Tool(OURS, "ours (models + client + ruff)", ours, fresh_cache=True),
        DMCG_MODELS: Tool(DMCG_MODELS, "datamodel-code-generator, models only (builtin formatter)", dmcg_models),
        DMCG_MODELS_SAME: Tool(
            DMCG_MODELS_SAME, "datamodel-code-generator, models only, our options + ruff", dmcg_same
        ),
        DMCG_CLIENT: Tool(DMCG_CLIENT, "datamodel-code-generator --generate-client httpx2", dmcg_client),
        OPC: Tool(OPC, "openapi-python-client (with its ruff hook)", opc, opc_env),
    }


def _count_schemas(path: Path) -> int:
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
    else:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return len(data.get("components", {}).get("schemas", {}))


def _count_operations(path: Path) -> int:
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
    else:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return operation_count(data)


def spec_cases(root: Path, scratch: Path, sizes: Sequence[int], github: Path | None) -> list[SpecCase]:
    """Our spec, the synthetic series and (when given) GitHub's spec, with the tools that run on each."""
    every = (OURS, DMCG_MODELS, DMCG_CLIENT, OPC)
    ours = root / "spec" / "openapi.yaml"
    cases = [
        SpecCase("our spec (spec/openapi.yaml)", ours, _count_operations(ours), _count_schemas(ours),
                 (OURS, DMCG_MODELS, DMCG_MODELS_SAME, DMCG_CLIENT, OPC)),
    ]  # fmt: skip
    for size in sizes:
        path = write_spec(size, scratch / "specs")
        cases.append(SpecCase(f"synthetic {size}", path, size, _count_schemas(path), every))
    if github is not None:
        # datamodel-code-generator's client mode is left out here: a minute per run on this spec would push a full
        # `make bench` past its time budget; the 1,000-operation synthetic spec covers that comparison.
        cases.append(
            SpecCase("GitHub (api.github.com.json)", github, _count_operations(github), _count_schemas(github),
                     (OURS, DMCG_MODELS, OPC))
        )  # fmt: skip
    return cases


def run_generation(
    cases: Sequence[SpecCase], tools: dict[str, Tool], runs: int, root: Path, log: Callable[[str], None]
) -> list[GenerationResult]:
    """One untimed warm-up of every tool (file caches, `.pyc` files), then per case `runs` rounds of every tool."""
    warmed: set[str] = set()
    results = []
    for case in cases:
        result = GenerationResult(case)
        active = list(case.tools)
        for round_ in range(runs + 1):
            for key in list(active):
                if round_ == 0 and key in warmed:
                    continue
                tool = tools[key]
                out = Path(tempfile.mkdtemp(prefix=f"gen-{key}-"))
                argv = tool.argv(case.path, out)
                result.commands.setdefault(key, shell_line(tool.argv(case.path, Path("$OUT"))))
                env = {**tool.env, "CODEGEN_CACHE": "1", "CODEGEN_CACHE_DIR": str(out / ".cache")} if tool.fresh_cache else tool.env  # fmt: skip
                try:
                    run = run_timed(argv, cwd=root, env=env, timeout=900)
                except BenchError as error:
                    result.errors[key] = str(error)
                    active.remove(key)
                    log(f"  {case.label}: {key} failed: {str(error).splitlines()[0]}")
                    continue
                finally:
                    shutil.rmtree(out, ignore_errors=True)
                if round_ == 0:
                    warmed.add(key)
                    continue
                result.wall.setdefault(key, Sample()).values.append(run.wall)
                result.cpu.setdefault(key, Sample()).values.append(run.cpu)
            if round_:
                line = ", ".join(f"{key} {result.wall[key].values[-1]:.2f}s" for key in active if key in result.wall)
                log(f"  {case.label} run {round_}/{runs}: {line}")
        results.append(result)
    return results

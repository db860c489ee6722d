"""The contract suite against the real Skyvern server, on a quiet machine and with both cores busy (`make
bench-real-target`; needs root and the server's venv, which `make contract-skyvern` installs).

Each round runs `python -m campaigns.skyvern --no-st` (profile `ci`, the server of `SKYVERN_VERSION`, default
1.0.56, in a private network namespace) twice: as the machine is, then with one `yes > /dev/null` per core beside it.
It measures the suite's wall time (its summary's `seconds`: the pytest run, server start-up excluded), the requests
sent, and whether both runs found the same root-cause keys: the verdict must be a function of the server, not of the
machine's load.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.stats import BenchError, Sample, run_timed, shell_line

__all__ = ["RealTargetResult", "run_real_target"]

DEFAULT_VERSION = "1.0.56"


@dataclass(slots=True)
class RealTargetResult:
    """Keyed by load (`quiet`, `busy`): the suite's seconds and requests per round; whether the keys matched."""

    seconds: dict[str, Sample] = field(default_factory=dict)
    requests: dict[str, Sample] = field(default_factory=dict)
    causes: list[int] = field(default_factory=list)
    same_keys: list[bool] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    command: str = ""
    skipped: str = ""
    version: str = DEFAULT_VERSION


@contextmanager
def _busy_cores() -> Iterator[None]:
    """One `yes > /dev/null` per core, stopped by process id on the way out."""
    spinners = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(os.cpu_count() or 1)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def run_real_target(python: Path, root: Path, runs: int, log: Callable[[str], None]) -> RealTargetResult:
    """`runs` rounds of a quiet then a busy run of the suite against the real server."""
    result = RealTargetResult(version=os.environ.get("SKYVERN_VERSION") or DEFAULT_VERSION)
    venv = root / "build" / "skyvern-server" / result.version
    if os.geteuid() != 0 or not (venv / "bin" / "python").exists():
        result.skipped = f"needs root and {venv.relative_to(root)} (`make contract-skyvern` installs it)"
        return result
    kept = root / "build" / "bench" / "real-target"  # each run's reports stay here, for a look at any difference
    with tempfile.TemporaryDirectory(prefix="bench-real-") as scratch_name:
        scratch = Path(scratch_name)
        for round_ in range(runs):
            keys: dict[str, set[str]] = {}
            for load in ("quiet", "busy"):
                work = kept / f"{load}-{round_}"
                argv = [str(python), "-m", "campaigns.skyvern", "--version", result.version, "--no-st"]
                argv += ["--workdir", str(work), "--doc", str(scratch / "doc.md")]
                result.command = result.command or shell_line([*argv[:-4], "--workdir", "DIR", "--doc", "FILE"])
                if load == "busy":
                    with _busy_cores():
                        run_timed(argv, cwd=root, env={"CONTRACT_PROFILE": "ci"}, timeout=1800, ok_codes=(0, 1, 3))
                else:
                    run_timed(argv, cwd=root, env={"CONTRACT_PROFILE": "ci"}, timeout=1800, ok_codes=(0, 1, 3))
                path = work / "reports" / "contract-summary.json"
                if not path.exists():
                    raise BenchError(f"the real-target run wrote no summary ({path})")
                summary = json.loads(path.read_text(encoding="utf-8"))
                result.seconds.setdefault(load, Sample()).values.append(float(summary["seconds"]))
                result.requests.setdefault(load, Sample()).values.append(float(summary["requests"]))
                keys[load] = {cause["key"] for cause in summary["root_causes"]}
            result.causes.append(len(keys["quiet"]))
            result.same_keys.append(keys["quiet"] == keys["busy"])
            result.differences += [
                f"round {round_ + 1}, quiet only: `{key}`" for key in sorted(keys["quiet"] - keys["busy"])
            ]
            result.differences += [
                f"round {round_ + 1}, busy only: `{key}`" for key in sorted(keys["busy"] - keys["quiet"])
            ]
            log(
                f"  real target round {round_ + 1}/{runs}: quiet {result.seconds['quiet'].values[-1]:.0f} s, busy "
                f"{result.seconds['busy'].values[-1]:.0f} s, same root causes: {result.same_keys[-1]}"
            )
    return result


def render_real_target(result: RealTargetResult | None) -> list[str]:
    """The section of `docs/benchmarks*.md`."""
    if result is None:
        return []
    lines = ["## 5. The contract suite against the real Skyvern server", ""]
    if result.skipped:
        return [*lines, f"Not measured: {result.skipped}.", ""]
    lines += [
        f"`python -m campaigns.skyvern --no-st` (profile `ci`) against Skyvern {result.version} in a private network",
        "namespace; the suite's own wall time (server start-up excluded). Busy: one `yes > /dev/null` per core beside",
        "it. The verdict must not depend on the load: the same root-cause keys in both runs of a round.",
        "",
        "| load | seconds median | min | max | requests (median) |",
        "|---|---:|---:|---:|---:|",
    ]
    for load, seconds in result.seconds.items():
        lines.append(
            f"| {load} | {seconds.median:.1f} | {min(seconds.values):.1f} | {max(seconds.values):.1f} "
            f"| {result.requests[load].median:,.0f} |"
        )
    same = sum(result.same_keys)
    lines += [
        "",
        f"Same root-cause keys quiet and busy: {same} of {len(result.same_keys)} round(s) "
        f"({', '.join(map(str, result.causes))} root causes).",
        *(f"- {difference}" for difference in result.differences),
        "",
        "```",
        result.command,
        "```",
        "",
    ]
    return lines

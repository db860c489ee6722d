"""Samples (median, min, max), timed subprocesses and a description of the machine."""

from __future__ import annotations

import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "BenchError", "Run", "Sample", "machine", "median_min_max", "number", "paired_ratio", "ratio_text", "run_timed",
    "shell_line",
]  # fmt: skip


class BenchError(RuntimeError):
    """A benchmark could not run (a tool is missing, a command failed)."""


@dataclass(slots=True)
class Sample:
    """Repeated measurements of one figure.

    Example:
        >>> Sample([3.0, 1.0, 2.0]).median
        2.0
    """

    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    def __len__(self) -> int:
        return len(self.values)


def paired_ratio(numerator: Sample, denominator: Sample) -> Sample:
    """Ratios of runs made in the same round (the i-th of each), so a slow spell of the machine cancels out."""
    return Sample([a / b for a, b in zip(numerator.values, denominator.values, strict=False)])


def number(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def median_min_max(sample: Sample, digits: int = 2) -> str:
    """Three cells of a Markdown table."""
    return f"{number(sample.median, digits)} | {number(sample.min, digits)} | {number(sample.max, digits)}"


def ratio_text(sample: Sample) -> str:
    return f"{sample.median:.2f}x ({sample.min:.2f}-{sample.max:.2f})"


@dataclass(frozen=True, slots=True)
class Run:
    """One timed subprocess: wall seconds, CPU seconds of the child (user + system), its output and exit code."""

    wall: float
    cpu: float
    stdout: str
    code: int = 0


def shell_line(argv: Sequence[str | Path], env: Mapping[str, str] | None = None) -> str:
    """The command as one copy-pasteable line (paths under the repository shown relative to it)."""
    root = str(Path.cwd()) + "/"
    words = [shlex.quote(str(arg).replace(root, "")) for arg in argv]
    prefix = [f"{key}={shlex.quote(value)}" for key, value in (env or {}).items()]
    return " ".join([*prefix, *words])


def run_timed(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    ok_codes: Sequence[int] = (0,),
) -> Run:
    """Run `argv` to completion; raise `BenchError` (with its output's tail) when it fails."""
    full_env = {**os.environ, **(env or {})}
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(arg) for arg in argv], cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise BenchError(f"timed out after {timeout:.0f}s: {shell_line(argv)}") from None
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    if process.returncode not in ok_codes:
        tail = "\n".join((stdout + stderr).strip().splitlines()[-15:])
        raise BenchError(f"exit {process.returncode}: {shell_line(argv)}\n{tail}")
    return Run(wall=wall, cpu=cpu, stdout=stdout, code=process.returncode)


def _children_cpu() -> float:
    """CPU seconds (user + system) of all waited-for children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "CPU": _cpu_model(),
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "load average at start (1, 5, 15 min)": load,
    }

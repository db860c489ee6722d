"""Where the benchmark's outside tools live. `make bench` installs them (pinned) before running `python -m bench`:

- `build/bench/venv-opc`: openapi-python-client (and the ruff its post-hook calls), away from our dependencies;
- `build/bench/venv-skyvern`: the official Skyvern SDK (package `skyvern`, heavy);
- `build/bench/prism`: Stoplight Prism (npm `@stoplight/prism-cli`);
- `build/octokit`: GitHub's public spec (npm `@octokit/openapi`), shared with `make smoke-github`;
- `wrk` from the system's packages.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.stats import BenchError

__all__ = ["Tools", "find_tools"]

GITHUB_SPEC = Path("build/octokit/node_modules/@octokit/openapi/generated/api.github.com.json")


@dataclass(frozen=True, slots=True)
class Tools:
    python: Path
    datamodel_codegen: Path
    openapi_python_client: Path
    skyvern_python: Path
    prism: Path
    wrk: Path
    schemathesis: Path
    github_spec: Path | None


def _need(path: Path, hint: str) -> Path:
    if not path.exists():
        raise BenchError(f"{path} is missing: {hint}")
    return path


def find_tools(root: Path, *, github: bool) -> Tools:
    """Every tool the benchmark runs; `BenchError` names the first one missing and how to get it."""
    bindir = Path(sys.executable).parent
    build = root / "build" / "bench"
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk is not installed: `make bench-tools` installs it (apt-get install wrk)")
    hint = "run `make bench-tools` (or `make bench`, which does it first)"
    return Tools(
        python=Path(sys.executable),
        datamodel_codegen=_need(bindir / "datamodel-codegen", "run `make install`"),
        openapi_python_client=_need(build / "venv-opc" / "bin" / "openapi-python-client", hint),
        skyvern_python=_need(build / "venv-skyvern" / "bin" / "python", hint),
        prism=_need(build / "prism" / "node_modules" / ".bin" / "prism", hint),
        wrk=Path(wrk),
        schemathesis=_need(bindir / "st", "run `make install`"),
        github_spec=_need(root / GITHUB_SPEC, hint) if github else None,
    )

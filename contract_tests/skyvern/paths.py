"""Where things are: the repository, the real server's venv, the spec; and the work dirs' helpers."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

__all__ = ["DEFAULT_VENV", "ROOT", "SPEC", "fresh", "relative"]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VENV = ROOT / "build" / "skyvern-server"
"""The real server's venv (`make contract-skyvern` and `make fidelity` install it)."""
SPEC = ROOT / "spec" / "openapi.yaml"


def fresh(workdir: Path) -> None:
    """Empty a work dir (made when missing)."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)


def relative(path: Path) -> str:
    """The path relative to the repository when it is inside it, else as it is."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(ROOT))
    return str(path)

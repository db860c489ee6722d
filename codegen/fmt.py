"""Step 7: format the generated files with ruff (imports sorted, unused imports dropped, code formatted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

LINE_LENGTH = "120"
_COMMON = ("--isolated", "--line-length", LINE_LENGTH, "--target-version", "py311", "--quiet")


def format_tree(*roots: Path) -> None:
    """Fix imports, then format, every `.py` file under `roots` (folders or files) in place. Raises on a ruff
    failure."""
    if not roots:
        return
    ruff = _ruff_binary()
    for args in (("check", "--fix", "--select", "I,F401", "--exit-zero", *_COMMON), ("format", *_COMMON)):
        result = subprocess.run([ruff, *args, *map(str, roots)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise RuntimeError(f"ruff {args[0]} failed on the generated code (exit {result.returncode})")


def _ruff_binary() -> str:
    """The ruff installed beside this Python (the usual case, found without importing `ruff`), else ruff's own lookup."""
    beside = Path(sys.executable).parent / ("ruff.exe" if os.name == "nt" else "ruff")
    if beside.is_file():
        return str(beside)
    from ruff.__main__ import find_ruff_bin  # imports sysconfig: ~10 ms, rarely needed

    return str(find_ruff_bin())

"""Step 5: format the generated files with ruff (imports sorted, unused imports dropped, code formatted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ruff.__main__ import find_ruff_bin

LINE_LENGTH = "120"
_COMMON = ("--isolated", "--line-length", LINE_LENGTH, "--target-version", "py311", "--quiet")


def format_tree(root: Path) -> None:
    """Fix imports, then format, every `.py` file under `root` in place. Raises on a ruff failure."""
    ruff = find_ruff_bin()
    for args in (("check", "--fix", "--select", "I,F401", "--exit-zero", *_COMMON), ("format", *_COMMON)):
        result = subprocess.run([ruff, *args, str(root)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise RuntimeError(f"ruff {args[0]} failed on the generated code (exit {result.returncode})")

"""The jinja2 environment over `templates/`, and the order ruff's isort gives imported names.

`split` renders the `models/` package's `__init__` with it and `render` the client's files, each from an environment
of its own (`render` adds its filters to its own): so the models step needs nothing of the IR's.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).parent / "templates"


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs (keyed by the template's checksum), so a stale one is never used."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "codegen-templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder)  # noqa: SIM115 - only a writability probe
        probe.close()
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def environment() -> jinja2.Environment:
    """A new environment over `templates/`, with the `pyrepr` filter (`repr`) every template may use."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["pyrepr"] = repr
    return env


def isort_order(name: str) -> tuple[int, str]:
    """The order of names as ruff's isort and RUF022 want it: CONSTANTS, then Classes, then the rest.

    Example:
        >>> sorted(["parse", "Run", "MISSING"], key=isort_order)
        ['MISSING', 'Run', 'parse']
    """
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)

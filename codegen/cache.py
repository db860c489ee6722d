"""A content-addressed cache of what generation computes, outside the repository, trusted only on an exact key.

Two kinds of entry, each a file named by the sha256 of its key:

- `part`: datamodel-code-generator's module for one part of a large spec (`codegen.partition`), parsed. Its key is
  the part's sub-spec as JSON (order kept), the options passed to datamodel-code-generator, the versions of
  datamodel-code-generator and pydantic, and the generator's own source;
- `package`: every formatted file of a generated package. Its key is the spec file's bytes and name, the options
  (package, client and environment names), the same versions plus ruff's, and the generator's own source. A
  `check` on an unchanged spec compares the files on disk with this expected output, so it still fails when
  `generated/` differs, without generating anything.

The generator's own source is a hash of every file under `codegen/`, so an edit to any module, template or runtime
file is a miss. Nothing else is read, so nothing stale can be trusted. The folder is `$CODEGEN_CACHE_DIR`, else
`$XDG_CACHE_HOME/codegen`, else `~/.cache/codegen`; `CODEGEN_CACHE=0` (or `--no-cache`) turns the cache off, and a
folder that cannot be written is the same as no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

CACHE_ENV = "CODEGEN_CACHE"
CACHE_DIR_ENV = "CODEGEN_CACHE_DIR"
_CODEGEN = Path(__file__).resolve().parent
_OFF = ("0", "off", "false", "no")


def cache_enabled(environ: dict[str, str] | None = None) -> bool:
    """Whether the environment leaves the cache on (it is on unless `CODEGEN_CACHE` says 0/off/false/no)."""
    value = (os.environ if environ is None else environ).get(CACHE_ENV, "")
    return value.strip().lower() not in _OFF


def cache_dir() -> Path:
    """Where the entries live (never inside the repository unless `$CODEGEN_CACHE_DIR` says so)."""
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "codegen"


@cache
def generator_hash() -> str:
    """sha256 of every file of the generator (`codegen/`: modules, templates, runtime), path and bytes."""
    digest = hashlib.sha256()
    for path in sorted(_CODEGEN.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(_CODEGEN).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def versions(*distributions: str) -> str:
    """`name==version` of each installed distribution, for a key (`?` when one is not installed)."""
    found = []
    for name in distributions:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}==?")
    return ",".join(found)


def make_key(kind: str, *pieces: str) -> str:
    """The entry's name: sha256 of its kind, the generator's source and the pieces, each apart from the next.

    Example:
        >>> make_key("part", "a", "b") == make_key("part", "a", "b") != make_key("part", "ab")
        True
    """
    digest = hashlib.sha256(f"{kind}\0{generator_hash()}".encode())
    for piece in pieces:
        digest.update(b"\0" + hashlib.sha256(piece.encode()).digest())
    return digest.hexdigest()


class Cache:
    """Entries under `folder`: JSON values, written atomically (a reader never sees half a file)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def default(cls, enabled: bool = True) -> Cache | None:
        """The cache the environment asks for, or None when it is off or its folder cannot be written."""
        if not enabled or not cache_enabled():
            return None
        folder = cache_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return cls(folder) if os.access(folder, os.W_OK) else None

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / f"{key}.json"

    def get(self, kind: str, key: str) -> Any:
        """The value stored under `key`, or None."""
        try:
            return json.loads(self._path(kind, key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store `value` (best effort: a cache that cannot be written is skipped, never an error)."""
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as file:
                json.dump(value, file, ensure_ascii=False, separators=(",", ":"))
            os.replace(file.name, path)
        except OSError:
            return

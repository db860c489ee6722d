"""Where things are: the repository, the real server's venvs (one per version), the spec; the command-line options
that pick a server version and its venv; and the work dirs' helpers."""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
from pathlib import Path

__all__ = [
    "DEFAULT_VENV",
    "DEFAULT_VERSION",
    "ROOT",
    "SERVER_VENVS",
    "SPEC",
    "add_server_options",
    "chosen_venv",
    "fresh",
    "relative",
    "server_venv",
    "server_version",
]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VERSION = "1.0.56"
"""The real server's version when none is named (the Makefile's `SKYVERN_VERSION` names another)."""
SERVER_VENVS = ROOT / "build" / "skyvern-server"
"""One venv per real server version, `SERVER_VENVS / VERSION` (`make contract-skyvern`, `make fidelity` and `make
client-skyvern` install the one of `SKYVERN_VERSION`)."""
SPEC = ROOT / "spec" / "openapi.yaml"


def server_venv(version: str) -> Path:
    """The venv of a real server version: `build/skyvern-server/VERSION`.

    Example:
        >>> relative(server_venv("1.0.40"))
        'build/skyvern-server/1.0.40'
    """
    return SERVER_VENVS / version


DEFAULT_VENV = server_venv(DEFAULT_VERSION)
"""The default version's venv."""


_VERSION = re.compile(r"[0-9]+(\.[0-9A-Za-z]+)*")


def server_version(text: str) -> str:
    """A PyPI version of `skyvern` as typed on the command line (it names a folder, so nothing else is taken).

    Raises:
        argparse.ArgumentTypeError: when it is no version (e.g. empty, or a path).

    Example:
        >>> server_version("1.0.40")
        '1.0.40'
    """
    if not _VERSION.fullmatch(text):
        raise argparse.ArgumentTypeError(f"not a skyvern version: {text!r} (e.g. {DEFAULT_VERSION})")
    return text


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """`--version` (which real server, default `DEFAULT_VERSION`) and `--venv` (its venv; `chosen_venv` reads both).

    Example:
        >>> parser = argparse.ArgumentParser()
        >>> add_server_options(parser)
        >>> args = parser.parse_args(["--version", "1.0.40"])
        >>> args.version, relative(chosen_venv(args))
        ('1.0.40', 'build/skyvern-server/1.0.40')
    """
    parser.add_argument(
        "--version",
        type=server_version,
        default=DEFAULT_VERSION,
        help="the real server's version, PyPI `skyvern[local]` (default: %(default)s)",
    )
    parser.add_argument("--venv", type=Path, help="the real server's venv (default: build/skyvern-server/VERSION)")


def chosen_venv(args: argparse.Namespace) -> Path:
    """The venv `--venv` names, else the one of `--version` (`server_venv`)."""
    venv: Path | None = args.venv
    return server_venv(args.version) if venv is None else venv


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

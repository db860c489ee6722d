"""Generator diagnostics: values with a level and a location (a JSON pointer into the spec)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a spec.

    Attributes:
        level: an error stops generation; a warning is reported and generation goes on.
        pointer: where, as a JSON pointer into the spec (`#/paths/~1v1~1runs/get`, made by `codegen.pointer`).
        message: what, for a person.
    """

    level: Level
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.pointer}: {self.message}"


class CodegenError(Exception):
    """Generation failed; `diagnostics` holds every error (and the warnings seen until then)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics if d.level is Level.ERROR))


def error(pointer: str, message: str) -> Diagnostic:
    return Diagnostic(Level.ERROR, pointer, message)


def warning(pointer: str, message: str) -> Diagnostic:
    return Diagnostic(Level.WARNING, pointer, message)

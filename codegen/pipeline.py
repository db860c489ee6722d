"""The whole pipeline: spec file -> files of the package -> formatted -> atomically written (or compared).

load -> validate -> resolve the view -> models (their class names feed the IR) -> split (large specs) -> IR -> render
-> fmt -> write.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from datamodel_code_generator import Error as DataModelError

from codegen.errors import CodegenError, Diagnostic, Level, error
from codegen.fmt import format_tree
from codegen.ir import build
from codegen.load import load
from codegen.models import render_models
from codegen.render import header, render_client, runtime_files
from codegen.split import split_models
from codegen.validate import validate
from codegen.view import resolve_view


@dataclass(frozen=True, slots=True)
class Options:
    spec: Path
    out: Path
    package: str
    client_name: str | None = None
    env_prefix: str | None = None


def generate_files(options: Options) -> tuple[dict[str, str], list[Diagnostic]]:
    """Every file of the package (unformatted) and the warnings. Raises `CodegenError` on any error."""
    if not options.package.isidentifier():
        raise CodegenError([error("#", f"package name {options.package!r} is not a Python identifier")])
    spec = load(options.spec)
    found = validate(spec.data)
    if any(d.level is Level.ERROR for d in found):
        raise CodegenError(found)
    view = resolve_view(spec)
    head = header(view.name, view.sha256)
    try:
        models, model_names, model_notes = render_models(view, head)
    except DataModelError as exc:
        raise CodegenError([*found, error("#/components/schemas", f"datamodel-code-generator: {exc}")]) from None
    except Exception as exc:  # its parser's own failure on a valid spec: one line, not a traceback
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        raise CodegenError([*found, error("#/components/schemas", f"datamodel-code-generator failed ({reason})")]) from None  # fmt: skip
    model_files = split_models(models, head)
    api, notes = build(
        view,
        package=options.package,
        client_name=options.client_name,
        env_prefix=options.env_prefix,
        model_names=model_names,
        lazy_models="models.py" not in model_files,
    )
    files = {**model_files, **render_client(api, head), **runtime_files(api, head)}
    return files, found + model_notes + notes


def build_package(options: Options, into: Path) -> tuple[Path, list[Diagnostic]]:
    """Generate and format the package under `into`; returns its folder."""
    files, notes = generate_files(options)
    package_dir = into / options.package
    package_dir.mkdir(parents=True)
    for name, text in sorted(files.items()):
        (package_dir / name).parent.mkdir(exist_ok=True)
        (package_dir / name).write_text(text, encoding="utf-8")
    format_tree(package_dir)
    return package_dir, notes


def write(options: Options) -> list[Diagnostic]:
    """Generate into `out/<package>`, replacing it only once the new package is complete."""
    options.out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{options.package}-", dir=options.out))
    try:
        built, notes = build_package(options, staging / "new")
        target = options.out / options.package
        backup = staging / "old"
        if target.exists():
            target.rename(backup)
        try:
            built.rename(target)
        except OSError:
            if backup.exists():
                backup.rename(target)
            raise
        return notes
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check(options: Options) -> list[str]:
    """What differs between `out/<package>` and what the spec produces, as readable lines (empty: up to date)."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh, _ = build_package(options, Path(scratch))
        current = options.out / options.package
        return diff_trees(current, fresh)


def diff_trees(current: Path, fresh: Path, context_lines: int = 12) -> list[str]:
    have = {p.relative_to(current).as_posix() for p in current.rglob("*") if p.is_file()} if current.exists() else set()
    want = {p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    have = {name for name in have if "__pycache__" not in name}
    lines: list[str] = []
    for name in sorted(want - have):
        lines.append(f"missing: {current / name}")
    for name in sorted(have - want):
        lines.append(f"extra:   {current / name}")
    for name in sorted(have & want):
        old = (current / name).read_text(encoding="utf-8").splitlines()
        new = (fresh / name).read_text(encoding="utf-8").splitlines()
        if old != new:
            diff = list(difflib.unified_diff(old, new, f"{current / name}", "regenerated", lineterm="", n=1))
            changed = sum(1 for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---")))
            lines.append(f"changed: {current / name} ({changed} lines differ)")
            lines.extend("    " + line for line in diff[2 : 2 + context_lines])
            if len(diff) > 2 + context_lines:
                lines.append("    ...")
    return lines

"""The whole pipeline: spec file -> files of the package -> formatted -> atomically written (or compared).

load -> validate -> resolve the view -> models (their class names feed the IR) -> split (large specs) -> IR -> render
-> fmt -> write. The formatted files are kept in the cache (`codegen.cache`) under a key of the spec's bytes, the
options and the generator's own source, so regenerating or checking an unchanged spec reads them back instead.
The steps are imported on first use: a run answered from the cache never loads them (about 0.5 s).
"""

from __future__ import annotations

import difflib
import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from codegen.cache import Cache, make_key, versions
from codegen.errors import CodegenError, Diagnostic, Level, error


@dataclass(frozen=True, slots=True)
class Options:
    """What to generate, and how: `jobs` processes for a large spec's model parts (None: the CPU count; the output
    is the same for any number), `cache` off to recompute everything."""

    spec: Path
    out: Path
    package: str
    client_name: str | None = None
    env_prefix: str | None = None
    jobs: int | None = None
    cache: bool = True


def generate_files(
    options: Options, cache: Cache | None = None, models_done: Callable[[Mapping[str, str]], None] | None = None
) -> tuple[dict[str, str], list[Diagnostic]]:
    """Every file of the package (unformatted) and the warnings. Raises `CodegenError` on any error.

    `models_done` is given the model files as soon as they are made, before the client is (`_generate_into`
    formats them meanwhile)."""
    from datamodel_code_generator import Error as DataModelError

    from codegen.ir import build
    from codegen.load import load
    from codegen.models import render_models
    from codegen.render import header, render_client, runtime_files
    from codegen.split import split_models
    from codegen.validate import validate
    from codegen.view import resolve_view

    if not options.package.isidentifier():
        raise CodegenError([error("#", f"package name {options.package!r} is not a Python identifier")])
    spec = load(options.spec)
    found = validate(spec.data)
    if any(d.level is Level.ERROR for d in found):
        raise CodegenError(found)
    view = resolve_view(spec)
    head = header(view.name, view.sha256)
    try:
        models, model_names, model_notes = render_models(view, head, jobs=options.jobs, cache=cache)
    except DataModelError as exc:
        raise CodegenError([*found, error("#/components/schemas", f"datamodel-code-generator: {exc}")]) from None
    except Exception as exc:  # its parser's own failure on a valid spec: one line, not a traceback
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        raise CodegenError([*found, error("#/components/schemas", f"datamodel-code-generator failed ({reason})")]) from None  # fmt: skip
    model_files = split_models(models, head)
    if models_done is not None:
        models_done(model_files)
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


def package_key(options: Options) -> str | None:
    """The cache key of the formatted package `options` produce, or None when the spec cannot be read."""
    try:
        spec = options.spec.read_bytes()
    except OSError:
        return None
    tools = versions("datamodel-code-generator", "pydantic", "ruff", "jinja2")
    return make_key(
        "package",
        hashlib.sha256(spec).hexdigest(),
        options.spec.name,
        repr((options.package, options.client_name, options.env_prefix)),
        tools,
    )


def expected_files(options: Options) -> tuple[dict[str, str], list[Diagnostic]]:
    """Every formatted file of the package (path -> text) and the warnings: from the cache when an entry has this
    exact key, else generated, formatted and stored."""
    cache, key, found = _lookup(options)
    if found is not None:
        return found
    with tempfile.TemporaryDirectory() as scratch:
        return _generate_into(options, Path(scratch) / options.package, cache, key)


def build_package(options: Options, into: Path) -> tuple[Path, list[Diagnostic]]:
    """Generate and format the package under `into`; returns its folder."""
    package_dir = into / options.package
    cache, key, found = _lookup(options)
    if found is None:
        _, notes = _generate_into(options, package_dir, cache, key)
    else:
        files, notes = found
        _write_files(package_dir, files)
    return package_dir, notes


_Files = tuple[dict[str, str], list[Diagnostic]]


def _lookup(options: Options) -> tuple[Cache | None, str | None, _Files | None]:
    """The cache (None: off), the package's key in it (None: the spec cannot be read), and the entry under it."""
    cache = Cache.default(options.cache)
    key = package_key(options) if cache is not None else None
    if cache is None or key is None:
        return cache, None, None
    entry = cache.get("package", key)
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
        return cache, key, None
    return cache, key, (dict(entry["files"]), [Diagnostic(Level(level), at, text) for level, at, text in entry["notes"]])  # fmt: skip


def _generate_into(options: Options, folder: Path, cache: Cache | None, key: str | None) -> _Files:
    """Generate the package into `folder` (which must not exist), format it there, and store it in `cache` under
    `key`."""
    from codegen.batch import batch_gc
    from codegen.fmt import format_tree

    written: set[str] = set()
    with batch_gc(), ThreadPoolExecutor(1) as formatter:
        formatting: list[Future[None]] = []

        def models_done(model_files: Mapping[str, str]) -> None:
            """Write the models and have ruff format them (a process, waited for in another thread) while the
            client is rendered: on GitHub's spec ruff's ~0.7 s on the models covers the client's ~0.3 s."""
            _write_files(folder, model_files)
            written.update(model_files)
            formatting.append(formatter.submit(format_tree, *_roots(folder, model_files)))

        files, notes = generate_files(options, cache, models_done)
        rest = {name: text for name, text in files.items() if name not in written}
        _write_files(folder, rest)
        format_tree(*_roots(folder, rest))
        for future in formatting:
            future.result()
    formatted = _read_tree(folder)
    if cache is not None and key is not None:
        cache.put("package", key, {"files": formatted, "notes": [[d.level.value, d.pointer, d.message] for d in notes]})
    return formatted, notes


def _write_files(folder: Path, files: Mapping[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(files.items()):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def _roots(folder: Path, files: Iterable[str]) -> list[Path]:
    """The files and folders directly under `folder` that hold `files`."""
    return sorted({folder / Path(name).parts[0] for name in files})


def _read_tree(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def spec_copy(options: Options) -> Path:
    """Where the spec a package was generated from is kept, beside the package (`generated/skyvern_client.openapi.yaml`),
    so that the next `generate` can say what changed since (`codegen.diff`)."""
    return options.out / f"{options.package}.openapi{options.spec.suffix or '.yaml'}"


def write(options: Options) -> list[Diagnostic]:
    """Generate into `out/<package>`, replacing it only once the new package is complete; keep a copy of the spec
    beside it (`spec_copy`)."""
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
        spec_copy(options).write_bytes(options.spec.read_bytes())
        return notes
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check(options: Options) -> list[str]:
    """What differs between `out/<package>` (and the spec's copy beside it) and what the spec produces, as readable
    lines (empty: up to date).

    The expected files come from the cache when the spec, the options and the generator are unchanged; the files on
    disk are always read and compared, so an edit under `out/<package>` is still found."""
    files, _ = expected_files(options)
    copy = spec_copy(options)
    stale = [] if copy.is_file() and copy.read_bytes() == options.spec.read_bytes() else [f"changed: {copy} (not a copy of {options.spec})"]  # fmt: skip
    return diff_files(options.out / options.package, files) + stale


def diff_files(current: Path, want: Mapping[str, str], context_lines: int = 12) -> list[str]:
    """What differs between the folder `current` and the files `want` (path -> text), as readable lines."""
    have = {p.relative_to(current).as_posix() for p in current.rglob("*") if p.is_file()} if current.exists() else set()
    have = {name for name in have if "__pycache__" not in name}
    lines: list[str] = []
    for name in sorted(want.keys() - have):
        lines.append(f"missing: {current / name}")
    for name in sorted(have - want.keys()):
        lines.append(f"extra:   {current / name}")
    for name in sorted(have & want.keys()):
        old_text = (current / name).read_text(encoding="utf-8")
        if old_text == want[name]:
            continue
        old, new = old_text.splitlines(), want[name].splitlines()
        if old != new:
            diff = list(difflib.unified_diff(old, new, f"{current / name}", "regenerated", lineterm="", n=1))
            changed = sum(1 for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---")))
            lines.append(f"changed: {current / name} ({changed} lines differ)")
            lines.extend("    " + line for line in diff[2 : 2 + context_lines])
            if len(diff) > 2 + context_lines:
                lines.append("    ...")
    return lines

"""Step 4: pydantic v2 models, made by datamodel-code-generator called as a library.

Before the IR: the IR names these classes in its type hints, so `render_models` returns the class name of each
component schema that became one.

A spec with more than `PARTITION_THRESHOLD` component schemas is cut into parts (`codegen.partition`) that run in
parallel processes, each looked up first in the cache (`codegen.cache`), each later copy of an inline model given
as a stub of the first (`codegen.copies`); the parts' modules are then assembled into one. Smaller specs run whole,
in this process. Either way `postprocess` then rewrites the module the same way.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from codegen.assemble import AssemblyError, ParsedPart, assemble, parse_part
from codegen.batch import batch_gc, start_worker
from codegen.cache import Cache, make_key, versions
from codegen.copies import find_copies, job_json, original_classes, part_spec, without_stubs
from codegen.errors import Diagnostic
from codegen.generics import parametrize_bare_generics
from codegen.partition import PART_SIZE, PARTITION_THRESHOLD, Part, part_json, partition
from codegen.sanitize import sanitize
from codegen.shadows import unshadow_fields
from codegen.view import SpecView

JOBS_ENV = "CODEGEN_JOBS"
_DEFINED = re.compile(r"^(?:class (\w+)\b|(\w+)(?::[^=]+)? = )", re.MULTILINE)
_STR_ENUM_CLASS = re.compile(r"^(class \w+)\(StrEnum\):", re.MULTILINE)
"""String enums become `OpenStrEnum`s (unknown values kept, see `runtime/_enums.py`). A rename of the base class
after generation, not a custom template: datamodel-code-generator re-checks a custom template directory's files
while it renders, which cost 10-25% of the model step on a 1,000-operation spec (see docs/benchmarks.md)."""
_OPEN_ENUM_IMPORT = "from ._enums import OpenStrEnum\n"
_PLAIN_STRING_FORMATS = ("email=string", "idn-email=string", "uri=string", "uri-reference=string", "iri=string")
"""Formats kept as `str`: pydantic's `EmailStr` needs an extra package, and URL types reject what servers send."""
DMCG_OPTIONS: dict[str, Any] = {
    "disable_timestamp": True,
    "use_missing_sentinel": True,
    "strict_nullable": True,
    "use_schema_description": True,
    "use_field_description": True,
    "field_constraints": True,
    "use_annotated": True,
    "collapse_root_models": True,
    "capitalise_enum_members": True,
    "allow_extra_fields": True,
    "type_mappings": list(_PLAIN_STRING_FORMATS),
    "formatters": [],
}
"""The options datamodel-code-generator gets besides the input, output model, Python version, enum defaults
(`deserialize_default_values`) and header: part of every cache key."""


def render_models(
    view: SpecView,
    header: str,
    *,
    jobs: int | None = None,
    cache: Cache | None = None,
    part_size: int | None = None,
    threshold: int | None = None,
) -> tuple[str, dict[str, str], list[Diagnostic]]:
    """The source of `models.py`, the class name of each component schema that became a class, and the warnings.

    Args:
        jobs: processes for the parts of a large spec (default `$CODEGEN_JOBS`, else the CPU count); the output is
            the same for any number.
        cache: where parts are looked up and stored (None: no cache).
        part_size: owned schemas per part (default `PART_SIZE`).
        threshold: schemas above which the spec is cut into parts (default `PARTITION_THRESHOLD`).
    """
    if not view.schemas:
        return f'{header}\n"""The spec declares no component schemas."""\n', {}, []
    large = len(view.schemas) > (PARTITION_THRESHOLD if threshold is None else threshold)
    found: tuple[str, dict[str, str]] | None = None
    with _Workers(_jobs(jobs) if large else 1) as workers:
        given = sanitize(view.data)
        if large:
            parts = partition(given.data["components"]["schemas"], part_size or PART_SIZE)
            if len(parts) > 1:
                try:
                    found = assemble(header, parts, _parts(given.data, parts, workers, cache))
                except AssemblyError:
                    found = None  # the spec's parts do not join cleanly: one run, as for a small spec
    if found is None:
        source, made = run_datamodel_codegen(given.data, header)
        found = postprocess(source), made
    source, made = found
    defined = {match.group(1) or match.group(2) for match in _DEFINED.finditer(source)}
    classes = {name: made.get(given.schema_names.get(name, name), "") for name in view.schemas}
    return source, {name: cls for name, cls in classes.items() if cls in defined}, given.notes


def run_datamodel_codegen(data: dict[str, Any], header: str) -> tuple[str, dict[str, str]]:
    """datamodel-code-generator's one module for `data`, and the class each component schema became in it.

    The classes come from its model metadata, not from the schema names: a component's class is numbered when an
    inline model took its name first (a `setup` enum property before a `setup` schema: the schema is `Setup1`).
    datamodel-code-generator is imported here: a cached run never pays for it.
    """
    source, models = _generate(data, header)
    return source, schema_classes(models)


def schema_classes(models: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The class each component schema became, from datamodel-code-generator's model metadata."""
    classes: dict[str, str] = {}
    for model in models:
        path = model.get("source_path")
        if isinstance(path, list) and len(path) == 3 and path[:2] == ["components", "schemas"]:
            classes.setdefault(path[2], model["class_name"])
    return classes


def _generate(data: dict[str, Any], header: str) -> tuple[str, list[dict[str, Any]]]:
    """datamodel-code-generator's one module for `data`, and its model metadata."""
    from datamodel_code_generator import generate
    from datamodel_code_generator.enums import DataModelType, DefaultValueType, InputFileType
    from datamodel_code_generator.format import PythonVersion

    with tempfile.TemporaryDirectory(prefix="codegen-") as scratch:
        metadata = Path(scratch) / "models.json"
        source = generate(
            data,
            input_file_type=InputFileType.OpenAPI,
            output_model_type=DataModelType.PydanticV2BaseModel,
            target_python_version=PythonVersion.PY_311,
            custom_file_header=header,
            deserialize_default_values=[DefaultValueType.Enum],
            emit_model_metadata=metadata,
            **DMCG_OPTIONS,
        )
        if not isinstance(source, str):
            modules = ", ".join(sorted(".".join(path) for path in source or {})[:3])
            raise TypeError(f"datamodel-code-generator wrote several modules ({modules}, ...), expected one")
        models: list[dict[str, Any]] = json.loads(metadata.read_text(encoding="utf-8"))["models"]
    return source, models


def postprocess(source: str) -> str:
    """What datamodel-code-generator wrote, rewritten: string enums as `OpenStrEnum`, `AwareDatetime` as the tolerant
    `DateTime`, pydantic's public `MISSING` import, bare `dict`s and `list`s given type arguments
    (`codegen.generics`), fields named like a type their class uses renamed (their wire name as alias:
    `codegen.shadows`), fields a subtype narrows marked. Applied to a whole run's module, or to each
    part's (its closure holds every base class its own classes inherit from), before the parts are assembled."""
    source, open_enums = _STR_ENUM_CLASS.subn(r"\1(OpenStrEnum):", source)
    if open_enums:
        source = source.replace("from __future__ import annotations\n", "from __future__ import annotations\n\n" + _OPEN_ENUM_IMPORT, 1)  # fmt: skip
    # pydantic 2.14 made the sentinel public and warns on the old path that datamodel-code-generator still emits.
    source = source.replace(
        "from pydantic.experimental.missing_sentinel import MISSING", "from pydantic import MISSING"
    )
    return mark_narrowed_fields(unshadow_fields(parametrize_bare_generics(tolerant_datetimes(source))))


def part_key(job: str) -> str:
    """The cache key of one part: its job (sub-spec and the originals it reports, `codegen.copies.job_json`), the
    options, datamodel-code-generator's and pydantic's versions (and, through `make_key`, the generator's own
    source)."""
    return make_key("part", job, repr(sorted(DMCG_OPTIONS.items())), versions("datamodel-code-generator", "pydantic"))  # fmt: skip


def _generate_part(job_json: str) -> dict[str, Any]:
    """In a worker: one part's module, parsed, without its copies' stubs (the parent assembles the parts)."""
    job = json.loads(job_json)
    source, models = _generate(job["spec"], "#")
    parsed = parse_part(postprocess(source), schema_classes(models))
    defined = {definition.name for definition in parsed.definitions}
    originals = original_classes(models, {original: tuple(path) for original, path in job["originals"]}, defined)
    return without_stubs(parsed, originals).to_json()


def _parts(data: dict[str, Any], parts: Sequence[Part], workers: _Workers, cache: Cache | None) -> list[ParsedPart]:
    """Every part's parsed module, each later copy of an inline model given as a stub (`codegen.copies`).

    Should a part not tell the class of an original, the parts holding its copies run again with those copies whole
    (a function of the spec too: the originals a part resolves depend on its spec alone).
    """
    copies = find_copies(data["components"]["schemas"], parts)
    stubs = list(copies.stubs)
    done: dict[int, ParsedPart] = {}
    todo = list(range(len(parts)))
    while todo:
        jobs = {i: job_json(part_json(part_spec(data, parts[i], stubs[i])), copies.originals[i]) for i in todo}
        done |= {i: ParsedPart.from_json(value) for i, value in _run_parts(jobs, workers, cache).items()}
        known = {original for part in done.values() for original, _ in part.originals}
        todo = [i for i, found in enumerate(stubs) if not known.issuperset(found.values())]
        for i in todo:
            stubs[i] = {path: original for path, original in stubs[i].items() if original in known}
    return [done[i] for i in range(len(parts))]


def _run_parts(jobs: Mapping[int, str], workers: _Workers, cache: Cache | None) -> dict[int, dict[str, Any]]:
    """Each job's parsed part: from the cache, else generated by `workers`, the largest first."""
    keys = {index: part_key(job) for index, job in jobs.items()}
    found: dict[int, dict[str, Any]] = {}
    if cache is not None:
        for index, key in keys.items():
            value = cache.get("part", key)
            if value is not None:
                found[index] = value
    missing = sorted((i for i in jobs if i not in found), key=lambda i: (-len(jobs[i]), i))
    for index, value in zip(missing, workers.map(_generate_part, [jobs[i] for i in missing]), strict=True):
        found[index] = value
        if cache is not None:
            cache.put("part", keys[index], value)
    return found


class _Workers:
    """The processes that generate a large spec's parts, started before the parts are known: while this process
    sanitizes and partitions the spec (about a second on GitHub's), they fork and import datamodel-code-generator's
    parser. With one job the parts run here."""

    def __init__(self, count: int) -> None:
        self._pool: ProcessPoolExecutor | None = None
        if count > 1:
            context = get_context(_start_method())
            self._pool = ProcessPoolExecutor(count, mp_context=context, initializer=_start_part_worker)
            self._pool.submit(int)  # a no-op: the workers start now, not at the first part

    def map(self, work: Callable[[str], dict[str, Any]], jobs: Sequence[str]) -> list[dict[str, Any]]:
        if self._pool is None:
            with batch_gc():
                return [work(job) for job in jobs]
        return list(self._pool.map(work, jobs))

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def _start_part_worker() -> None:
    _import_parser()
    start_worker()


def _import_parser() -> None:
    """Import datamodel-code-generator's OpenAPI parser and pydantic v2 model (about 0.45 s) as a worker starts,
    so its first part does not pay for it."""
    with contextlib.suppress(ImportError):  # internal module paths: a later version may move them
        import datamodel_code_generator.model.pydantic_v2
        import datamodel_code_generator.parser.openapi  # noqa: F401


def _jobs(jobs: int | None) -> int:
    if jobs is None:
        jobs = int(os.environ.get(JOBS_ENV) or 0) or os.cpu_count() or 1
    return max(1, jobs)


def _start_method() -> str:
    """`fork` where there is one (the workers share the parent's imports and loaded spec), else the platform's
    default."""
    from multiprocessing import get_all_start_methods

    return "fork" if "fork" in get_all_start_methods() else get_all_start_methods()[0]


_AWARE_IMPORT = re.compile(r"^(from pydantic import .*?)\bAwareDatetime, ", re.MULTILINE)
_AWARE = re.compile(r"\bAwareDatetime\b")


def tolerant_datetimes(source: str) -> str:
    """`source` with pydantic's `AwareDatetime` replaced by the runtime's `DateTime`, its tolerant twin.

    `DateTime` takes a `date-time` without a UTC offset too, outside strict parsing: `runtime/_tolerance.py` holds
    that policy. A spec's own schema called `DateTime` keeps its name: the runtime type is then imported as
    `DateTime_`.
    """
    source, count = _AWARE_IMPORT.subn(r"\1", source, count=1)
    if not count:
        return source
    name = "DateTime_" if re.search(r"^(?:class DateTime\b|DateTime\b.*=)", source, re.MULTILINE) else "DateTime"
    alias = "" if name == "DateTime" else " as DateTime_"
    future = "from __future__ import annotations\n"
    source = source.replace(future, f"{future}\nfrom ._tolerance import DateTime{alias}\n", 1)
    return _AWARE.sub(name, source)


_SUBCLASS = re.compile(
    r"^class \w+\((?!BaseModel\)|RootModel\[|OpenStrEnum\)|StrEnum\)|Enum\)|IntEnum\))", re.MULTILINE
)
_NARROWED = "  # type: ignore[assignment, unused-ignore]  # narrows the field it inherits (pydantic allows it)"


def mark_narrowed_fields(source: str) -> str:
    """`source` with each field that redeclares an inherited one under another type marked for type checkers.

    A schema built with `allOf` on another (a discriminated subtype, say) may narrow an inherited property:
    `kind: Kind` in the base, `kind: Literal["circle"]` in the subtype. pydantic validates that as meant; mypy
    calls it an incompatible override. Only such lines are marked, so every other line stays fully checked.
    """
    if not _SUBCLASS.search(source):
        return source
    fields: dict[str, tuple[list[str], dict[str, str]]] = {}
    narrowed: list[int] = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        own = {
            item.target.id: ast.unparse(item.annotation)
            for item in node.body
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
        }
        bases = [base.id for base in node.bases if isinstance(base, ast.Name) and base.id in fields]
        fields[node.name] = (bases, own)
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                inherited = _inherited(fields, bases, item.target.id)
                if inherited is not None and inherited != own[item.target.id]:
                    narrowed.append(item.lineno)
    lines = source.split("\n")
    for number in narrowed:
        lines[number - 1] += _NARROWED
    return "\n".join(lines)


def _inherited(fields: dict[str, tuple[list[str], dict[str, str]]], bases: list[str], name: str) -> str | None:
    for base in bases:
        parents, own = fields[base]
        if name in own:
            return own[name]
        found = _inherited(fields, parents, name)
        if found is not None:
            return found
    return None

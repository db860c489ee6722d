"""Where our generator's time goes: each pipeline step timed in one cold process.

`python -m bench.stages SPEC` prints a JSON object of seconds per step. The first call into
datamodel-code-generator pays for importing and setting up its parser (`dmcg import + setup`, measured on a
one-schema spec first), so its parse of the real spec is reported on its own.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["split"]

_TINY: dict[str, object] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {},
    "components": {"schemas": {"A": {"type": "object", "properties": {"a": {"type": "string"}}}}},
}


def split(spec_path: Path) -> dict[str, float]:
    """Seconds per step of generating from `spec_path`, in this (fresh) process."""
    seconds: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        seconds[name] = now - mark
        mark = now

    from codegen.fmt import format_tree
    from codegen.ir import build
    from codegen.load import from_data, load
    from codegen.models import render_models
    from codegen.render import header, render_client, runtime_files
    from codegen.validate import validate
    from codegen.view import resolve_view

    lap("import codegen")
    spec = load(spec_path)
    lap("load + $ref check")
    validate(spec.data)
    lap("validate")
    view = resolve_view(spec)
    lap("resolve view")
    render_models(resolve_view(from_data(_TINY)), "# bench")
    lap("dmcg import + setup")
    head = header(spec.name, spec.sha256)
    models, names, _ = render_models(view, head)
    lap("dmcg models (parse + render)")
    api, _ = build(view, package="bench_client", client_name="BenchClient", env_prefix="BENCH", model_names=names)
    lap("IR")
    files = {"models.py": models, **render_client(api, head), **runtime_files(api, head)}
    lap("client templates")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "bench_client"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).parent.mkdir(exist_ok=True)  # a large client's `_methods/`
            (folder / name).write_text(text, encoding="utf-8")
        lap("write")
        format_tree(folder)
        lap("ruff (fix imports + format)")
    return seconds


if __name__ == "__main__":
    print(json.dumps(split(Path(sys.argv[1]))))

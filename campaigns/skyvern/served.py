"""`make drift-skyvern`: the OpenAPI documents real Skyvern servers serve about themselves, and what they say.

For each version (default: every one installed under `build/skyvern-server/`), the server is started inside the
private network namespace and its `/openapi.json` kept whole in `build/served/skyvern-<version>.json`; the part
that describes the spec's operations (matched as the drift report matches them, with every component they use) goes
to `tests/codegen/served/skyvern-<version>.json` for the tests. Then `docs/drift.md`: each version against the next
(`python -m codegen diff`) and the spec against the newest (`skyvern-contract drift`), as those commands print them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from campaigns.skyvern.network import EXIT_NOT_RUN, enter_private_network
from campaigns.skyvern.paths import ROOT, SERVER_VENVS, SPEC, fresh, relative
from campaigns.skyvern.server import ServerError, SkyvernServer, http_json
from codegen.diff import Level, compare, view_of
from codegen.diff.command import render_text, summary
from codegen.diff.extract import extract
from codegen.diff.operations import match
from contract_tests.checks.drift import drift_of

__all__ = ["main", "served_part"]

WHOLE = ROOT / "build" / "served"
EXTRACTS = ROOT / "tests" / "codegen" / "served"
DOC = ROOT / "docs" / "drift.md"


def served_part(spec: Path, served: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a served document that describes the spec's operations (matched as the drift report matches them:
    by path, then `operationId`, alias or summary), with every component they use."""
    ours, theirs = view_of(spec), view_of(data=served, name="served")
    pairs = match(ours.operations, theirs.operations)
    return extract(served, [(new.path, new.method) for old, new, _ in pairs if old is not None and new is not None])


def fetch_version(version: str, workdir: Path) -> dict[str, Any]:
    """Start one version's server, read its `/openapi.json`, stop it."""
    with SkyvernServer(SERVER_VENVS / version, workdir, version=version) as server:
        status, document = http_json("GET", f"{server.base_url}/openapi.json")
    if status != 200 or not isinstance(document, dict):
        raise ServerError(f"skyvern {version}: /openapi.json answered {status}")
    return document


def write_doc(versions: Sequence[str]) -> None:
    """docs/drift.md from the extracts of `versions` (oldest first)."""
    lines = [
        "# Drift: the documents real Skyvern servers serve, against each other and against our spec",
        "",
        "Written by `make drift-skyvern` (`python -m campaigns.skyvern.served`), from the `/openapi.json` each "
        "version of the real server serves (fetched inside the private network namespace). Only the part of each "
        "document that describes our three operations is compared here (`tests/codegen/served/`); the whole "
        "documents are in `build/served/`. Levels are for a user of a client generated from the older document "
        "(`python -m codegen diff`); meanings are for a user of our client (`skyvern-contract drift`).",
    ]
    extracts = {version: EXTRACTS / f"skyvern-{version}.json" for version in versions}
    for older, newer in itertools.pairwise(versions):
        changes = compare(view_of(extracts[older]), view_of(extracts[newer]))
        counts = summary(changes)
        lines += ["", f"## Skyvern {older} -> {newer}", ""]
        lines += [f"`python -m codegen diff` (exit {1 if counts['breaking'] else 0}):", "", "```"]
        lines += [render_text(changes, f"skyvern-{older}", f"skyvern-{newer}"), "```"]
        whole = _whole_counts(older, newer)
        if whole:
            lines += ["", f"The whole documents: {whole}."]
    newest = versions[-1]
    drift = drift_of(SPEC, json.loads(extracts[newest].read_text(encoding="utf-8")), f"skyvern {newest}")
    lines += ["", f"## Our spec against Skyvern {newest}", "", "`skyvern-contract drift`:", "", *drift.lines(), ""]
    DOC.write_text("\n".join(lines), encoding="utf-8")


def _whole_counts(older: str, newer: str) -> str:
    paths = [WHOLE / f"skyvern-{v}.json" for v in (older, newer)]
    if not all(path.is_file() for path in paths):
        return ""
    counts = summary(compare(view_of(paths[0]), view_of(paths[1])))
    return ", ".join(f"{counts[str(level)]} {level}" for level in Level) + f", {counts['documentation']} documentation"


def installed_versions() -> list[str]:
    """The versions installed under `build/skyvern-server/`, oldest first."""
    found = [path.name for path in SERVER_VENVS.glob("*") if any(path.glob(".installed-*"))]
    return sorted(found, key=lambda v: tuple(int(p) if p.isdigit() else 0 for p in v.split(".")))


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m campaigns.skyvern.served", description=__doc__)
    parser.add_argument("versions", nargs="*", help="server versions (default: every one installed)")
    args = parser.parse_args(arguments)
    versions = args.versions or installed_versions()
    if len(versions) < 2:
        print(f"drift-skyvern: needs two installed versions, found {versions or 'none'}", file=sys.stderr)
        return EXIT_NOT_RUN
    refused = enter_private_network("campaigns.skyvern.served", arguments, "drift-skyvern", "Nothing was read.")
    if refused is not None:
        return refused
    WHOLE.mkdir(parents=True, exist_ok=True)
    EXTRACTS.mkdir(parents=True, exist_ok=True)
    for version in versions:
        workdir = WHOLE / f"run-{version}"
        fresh(workdir)
        try:
            document = fetch_version(version, workdir)
        except ServerError as error:
            print(f"drift-skyvern: {error}", file=sys.stderr)
            return EXIT_NOT_RUN
        (WHOLE / f"skyvern-{version}.json").write_text(json.dumps(document, indent=1), encoding="utf-8")
        part = served_part(SPEC, document)
        (EXTRACTS / f"skyvern-{version}.json").write_text(json.dumps(part, indent=1) + "\n", encoding="utf-8")
        print(f"skyvern {version}: {len(document['paths'])} paths served; {relative(EXTRACTS)}/skyvern-{version}.json")
    write_doc(versions)
    print(f"wrote {relative(DOC)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
